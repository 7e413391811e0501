//! Bad input gets one plain sentence, a documented exit code, and changes no file.

mod common;

use common::*;

fn alice(stack: &Stack, password: &str) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "dev", &format!("username = alice\npassword = {password}"));
    home
}

/// Runs a failing login and checks the invariants every failure shares.
fn fails_cleanly(home: &Home, stack: &Stack, code: i32) -> String {
    let before = home.snapshot();
    let err = home.run(stack, &["--profile", "dev"]).fails(code);
    assert_eq!(home.snapshot(), before, "a failure must not change any file");
    err
}

/// A login that fails after the IdP accepted it: the IdP session (its cookie jar) is kept, so
/// the next run needs no password; nothing else changes.
fn fails_after_the_idp(home: &Home, stack: &Stack, code: i32, env: &[(&str, &str)]) -> String {
    let before = home.snapshot_outside_session();
    let err = home.run_with_env(stack, &["--profile", "dev"], env).fails(code);
    assert_eq!(home.snapshot_outside_session(), before, "only the IdP session may change");
    assert!(home.has_jar(), "the IdP session is kept");
    err
}

/// After [`fails_after_the_idp`], the next login rides on the kept IdP session.
fn next_login_needs_no_password(home: &Home, stack: &Stack, extra: &[&str]) {
    let args = [&["--profile", "dev", "--password", "not-needed-Pw-1"], extra].concat();
    home.run(stack, &args).ok();
    let auths: Vec<_> = stack.idp_log().iter().map(|e| e["auth"].as_str().unwrap().to_string()).collect();
    assert_eq!(auths, ["basic", "cookie"], "the second login used the kept session");
}

#[test]
fn wrong_password() {
    let stack = Stack::start();
    let wrong = "not-alices-Secret-9";
    let home = alice(&stack, wrong);
    let err = fails_cleanly(&home, &stack, 7);
    assert!(err.contains("rejected the username or password for 'alice'"), "{err}");
    assert!(!err.contains(wrong));
    assert_eq!(stack.idp_log()[0]["outcome"], "bad_password");
    assert!(stack.sts_log().is_empty());
}

#[test]
fn soap_fault() {
    let stack = Stack::with_knobs(r#"{"mode": "soap_fault"}"#, "{}");
    let err = fails_cleanly(&alice(&stack, ALICE_PW), &stack, 21);
    assert!(err.contains("SOAP fault: An error occurred"), "{err}");
}

#[test]
fn html_instead_of_soap() {
    let stack = Stack::with_knobs(r#"{"mode": "html"}"#, "{}");
    let err = fails_cleanly(&alice(&stack, ALICE_PW), &stack, 8);
    assert!(err.contains("HTML page") && err.contains("ecp_endpoint_url"), "{err}");
}

#[test]
fn sts_rejection() {
    let stack = Stack::with_knobs("{}", r#"{"reject": "AccessDenied"}"#);
    let home = alice(&stack, ALICE_PW);
    let err = fails_after_the_idp(&home, &stack, 22, &[]);
    assert!(err.contains("STS refused") && err.contains("AccessDenied"), "{err}");
    assert!(err.contains("choose another role") && err.contains(DEVELOPER), "{err}");
    stack.sts_control(r#"{"reject": null}"#);
    next_login_needs_no_password(&home, &stack, &[]);
}

#[test]
fn duration_above_the_role_maximum_is_refused_by_sts() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("username = alice\npassword = {ALICE_PW}\nduration = 7200"));
    let err = fails_after_the_idp(&home, &stack, 22, &[]);
    assert!(err.contains("ValidationError") && err.contains("lower `duration` for profile 'dev'"), "{err}");
}

#[test]
fn no_terminal_when_a_password_is_needed() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice");
    let err = fails_cleanly(&home, &stack, 23);
    assert!(err.contains("no terminal") && err.contains("aws-login login --profile dev"), "{err}");
    assert!(stack.idp_log().is_empty(), "nothing is sent without a password");
}

#[test]
fn unreachable_sts() {
    let stack = Stack::start();
    let home = alice(&stack, ALICE_PW);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let err = fails_after_the_idp(&home, &stack, 20, &[("AWS_ENDPOINT_URL_STS", &url)]);
    assert!(err.contains("cannot reach STS"), "{err}");
    next_login_needs_no_password(&home, &stack, &[]);
}

#[test]
fn corrupt_cache_is_reported_and_left_alone() {
    let stack = Stack::start();
    let home = alice(&stack, ALICE_PW);
    let cache = home.cache_file("dev");
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    std::fs::write(&cache, "{\"version\":1,\"credentials\":").unwrap();
    let err = fails_cleanly(&home, &stack, 24);
    assert!(err.contains("unreadable") && err.contains("delete that file"), "{err}");
    assert!(stack.idp_log().is_empty());
}

#[test]
fn missing_profile_and_bad_settings() {
    let stack = Stack::start();
    let home = alice(&stack, ALICE_PW);
    let err = home.run(&stack, &["--profile", "nope"]).fails(4);
    assert!(err.contains("[nope]"), "{err}");

    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice\nfactor = fax");
    let err = home.run(&stack, &["--profile", "dev"]).fails(6);
    assert!(err.contains("'fax' is not a Duo factor"), "{err}");

    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice\nduration = 60");
    home.run(&stack, &["--profile", "dev"]).fails(5);
}

#[test]
fn verbose_output_never_shows_a_secret() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "b", &format!("username = bob\npassword = {BOB_PW}\nfactor = passcode\npasscode = 123456\nrole_arn = {DEVELOPER}"));
    let out = home.run(&stack, &["login", "--profile", "b", "-vvv"]).ok();
    let err = out.stderr();
    assert!(err.contains("IdP answered HTTP 200") && err.contains("granted"), "{err}");
    let cache: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.cache_file("b")).unwrap()).unwrap();
    let jar_file = std::fs::read_dir(home.login_dir().join("cookies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    let jar = std::fs::read_to_string(jar_file).unwrap();
    let cookie =
        jar.split("shib_idp_session=").nth(1).unwrap().split([';', '"', '\\']).next().unwrap().to_string();
    for secret in [
        BOB_PW.to_string(),
        "123456".to_string(),
        cache["credentials"]["secret_access_key"].as_str().unwrap().to_string(),
        cache["credentials"]["session_token"].as_str().unwrap().to_string(),
        cookie,
    ] {
        assert!(!err.contains(&secret) && !out.stdout().contains(&secret), "a secret leaked at -vvv: {err}");
    }
}

#[test]
fn a_role_arn_not_granted_keeps_the_idp_session() {
    let stack = Stack::start();
    let home = Home::new();
    let other = "arn:aws:iam::111122223333:role/NotGranted";
    home.ecp_profile(&stack, "dev", &format!("username = alice\npassword = {ALICE_PW}\nrole_arn = {other}"));
    let err = fails_after_the_idp(&home, &stack, 11, &[]);
    assert!(err.contains("is not among the roles the IdP granted"), "{err}");
    next_login_needs_no_password(&home, &stack, &["--role-arn", ""]);
}
