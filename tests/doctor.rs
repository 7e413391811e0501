//! `aws-login doctor` against the real test IdP: a healthy set-up passes; each broken piece (a
//! credential_process line for another program or profile, static keys that shadow it, a wrong
//! endpoint, an IdP that is not ECP, a clock that is off, an unreachable keyring) is one FIX
//! line saying what to do, and the exit code is 29. The IdP's log proves that no request
//! carried a password and no Duo push was sent, and no file changes.

mod common;

use common::*;

const BOB_DUO_PUSH: &str = "username = bob\npassword = bob-pw-K2\nfactor = push";

/// A profile whose AWS profile runs this aws-login for it.
fn wired(home: &Home, name: &str, settings: &str) {
    home.profile(name, settings);
    home.aws_config(&format!("[profile {name}]\ncredential_process = {BIN} --profile {name}\n"));
}

/// Doctor found something: exit 29, the report on stdout, one sentence on stderr.
fn broken(run: &Run) -> String {
    assert_eq!(run.code(), 29, "stdout: {}\nstderr: {}", run.stdout(), run.stderr());
    let err = run.stderr();
    assert_eq!(err.trim_end().lines().count(), 1, "one sentence: {err}");
    assert!(err.contains("doctor found") && err.contains("FIX line"), "{err}");
    run.stdout()
}

fn fixes(out: &str) -> Vec<&str> {
    out.lines().filter(|l| l.starts_with("FIX:")).collect()
}

/// Every request the IdP saw came without credentials and prompted no Duo.
fn no_login_attempted(stack: &Stack) {
    let log = stack.idp_log();
    assert!(!log.is_empty(), "doctor asked the IdP");
    for e in &log {
        assert_eq!((e["auth"].as_str(), e["duo_prompt"].as_bool()), (Some("none"), Some(false)), "{log:?}");
    }
}

#[test]
fn a_healthy_set_up_passes_without_a_login_or_a_push() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "bob", BOB_DUO_PUSH);
    home.ecp_profile(&stack, "default", &format!("username = alice\npassword = {ALICE_PW}"));
    let before = home.snapshot();

    let run = home.run(&stack, &["doctor"]).ok();
    let out = run.stdout();
    assert!(fixes(&out).is_empty(), "{out}");
    assert!(out.lines().all(|l| l.starts_with("ok:  ")), "{out}");
    for want in [
        "config parses",
        "profile 'bob': credential_process in ",
        "profile 'default': credential_process in ",
        "answers like an ECP endpoint (HTTP 401, asking for a password)",
        "clock agrees with the IdP's at http://127.0.0.1:",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    // Both profiles use one IdP: asked once, without credentials, so Duo never heard of it.
    assert!(out.contains("IdP of 'bob', 'default': "), "{out}");
    assert_eq!(stack.idp_log().len(), 1, "{:?}", stack.idp_log());
    assert_eq!(stack.idp_log()[0]["outcome"], "no_credentials");
    no_login_attempted(&stack);
    assert!(stack.sts_log().is_empty());
    assert_eq!(home.snapshot(), before, "doctor changes no file");
    assert_eq!(run.stderr(), "");

    // One profile only.
    let one = home.run(&stack, &["doctor", "--profile", "bob"]).ok().stdout();
    assert!(one.contains("profile 'bob'") && !one.contains("profile 'default'"), "{one}");
}

#[test]
fn each_broken_piece_is_one_line_saying_what_to_fix() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "good", BOB_DUO_PUSH);
    // Its AWS profile runs another program, for the right profile.
    home.profile("other-program", &format!("ecp_endpoint_url = {}\n{BOB_DUO_PUSH}", stack.ecp_url));
    home.aws_config("[profile other-program]\ncredential_process = /bin/true --profile other-program\n");
    // This aws-login, for another profile.
    home.profile("other-profile", &format!("ecp_endpoint_url = {}\n{BOB_DUO_PUSH}", stack.ecp_url));
    home.aws_config(&format!("[profile other-profile]\ncredential_process = {BIN} --profile good\n"));
    // No AWS profile at all.
    home.profile("unwired", &format!("ecp_endpoint_url = {}", stack.ecp_url));
    // Static keys in the shared credentials file shadow credential_process.
    let static_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
    std::fs::write(
        home.path().join(".aws/credentials"),
        format!(
            "[good]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {static_secret}\n"
        ),
    )
    .unwrap();
    // The IdP's metadata URL, which is no ECP endpoint.
    wired(&home, "wrong-url", &format!("ecp_endpoint_url = {}/idp/shibboleth", stack.idp_url));
    // Nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    wired(&home, "closed", &format!("ecp_endpoint_url = http://127.0.0.1:{port}/ecp"));
    // A setting aws-login refuses.
    home.ecp_profile(&stack, "bad-setting", "duration = 12");
    let before = home.snapshot();

    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE000000"),
        ("AWS_LOGIN_DUO_TIMEOUT", "60"),
        ("AWS_LOGIN_PASSWORD", "env-password-9"),
        ("AWS_LOGIN_CACHE_DIRECTORY", "/elsewhere"),
    ];
    let run = home.run_with_env(&stack, &["doctor"], &env);
    let out = broken(&run);
    let fixes = fixes(&out);
    let has = |needle: &str| fixes.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(has("AWS_ACCESS_KEY_ID is set in the environment"), 1, "{out}");
    // Settings from the environment are named, never shown; other AWS_LOGIN_ names are not ours.
    assert!(
        out.contains(
            "ok:  AWS_LOGIN_DUO_TIMEOUT, AWS_LOGIN_PASSWORD set settings over every profile's files"
        ),
        "{out}"
    );
    assert!(!out.contains("env-password-9") && !out.contains("CACHE_DIRECTORY"), "{out}");
    assert_eq!(has("profile 'other-program': credential_process in "), 1, "{out}");
    assert_eq!(has("runs /bin/true, not this aws-login"), 1, "{out}");
    assert_eq!(has("profile 'other-profile': credential_process in "), 1, "{out}");
    assert_eq!(has("names profile 'good', not 'other-profile'"), 1, "{out}");
    assert_eq!(has("profile 'unwired': no credential_process for it in "), 1, "{out}");
    assert_eq!(has("profile 'good': "), 2, "two shadowing keys: {out}");
    assert_eq!(
        has("sets aws_access_key_id, which the AWS tools use instead of credential_process"),
        1,
        "{out}"
    );
    assert_eq!(has("IdP of 'wrong-url': "), 1, "{out}");
    assert_eq!(has("the IdP answered HTTP 404 for "), 1, "{out}");
    assert_eq!(has("IdP of 'closed': cannot reach the IdP"), 1, "{out}");
    assert_eq!(has("profile 'bad-setting': duration = '12' is not valid"), 1, "{out}");
    assert_eq!(fixes.len(), 9, "{out}");
    assert!(!out.contains(static_secret) && !out.contains("AKIAIOSFODNN7EXAMPLE"), "never a key: {out}");
    // The good IdP was asked once for all the profiles that use it, and never logged in.
    assert_eq!(stack.idp_log().iter().filter(|e| e["path"] == "/idp/profile/SAML2/SOAP/ECP").count(), 1);
    no_login_attempted(&stack);
    assert_eq!(home.snapshot(), before, "doctor changes no file");
}

#[test]
fn an_idp_that_is_not_ecp_a_clock_that_is_off_and_a_keyring_that_is_not_there() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("{BOB_DUO_PUSH}\nenable_keyring = true"));

    stack.idp_control(r#"{"mode": "html", "clock_skew": 7300}"#);
    let out = broken(&home.run(&stack, &["doctor", "--profile", "dev"]));
    let fixes = fixes(&out);
    assert_eq!(fixes.len(), 3, "{out}");
    assert!(fixes.iter().any(|l| l.contains("did not answer with SOAP XML (an HTML page")), "{out}");
    assert!(
        fixes.iter().any(|l| l.contains("this machine's clock is 2 h behind the IdP's at http://127.0.0.1:")
            && l.contains("NTP")),
        "{out}"
    );
    // No D-Bus session in the test's environment: no keyring to reach.
    assert!(
        fixes.iter().any(|l| l.contains("keyring is unavailable") && l.contains("enable_keyring = false")),
        "{out}"
    );

    stack.idp_control(r#"{"mode": "soap_fault", "clock_skew": -400}"#);
    let out = broken(&home.run(&stack, &["doctor", "--profile", "dev"]));
    assert!(out.contains("FIX: IdP of 'dev': the IdP answered with a SOAP fault"), "{out}");
    assert!(out.contains("clock is 6 min ahead of the IdP's"), "{out}");
    no_login_attempted(&stack);

    // A redirect is named, not followed, and its query (a ticket, a session) is not shown.
    stack.idp_control(
        r#"{"mode": "normal", "clock_skew": 0, "redirect": {"status": 302, "location": "https://sso.example.edu/login?ticket=t-1"}}"#,
    );
    let out = broken(&home.run(&stack, &["doctor", "--profile", "dev"]));
    assert!(
        out.contains(
            "answered with a redirect (HTTP 302) to https://sso.example.edu/login?…, which was not followed"
        ),
        "{out}"
    );
    assert!(!out.contains("t-1"), "{out}");
    no_login_attempted(&stack);

    // A profile that is not there.
    let out = broken(&home.run(&stack, &["doctor", "--profile", "nope"]));
    assert!(
        out.contains("FIX: profile 'nope' is not in ") && out.contains("aws-login configure --profile nope"),
        "{out}"
    );
}
