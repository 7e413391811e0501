//! Hostile and broken input, end to end: each gets one plain sentence, a documented exit code,
//! an empty stdout, and no file changed. The IdP's `body` and `roles` knobs (tests/idp/hostile.py)
//! serve the hostile answers; the STS front's `reject` knob answers each STS error code.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

/// Alice has no Duo: `factor = off`, so a failed login is never taken for an unanswered push
/// (which would hold back the next one, by design, in a `.backoff` file).
fn alice(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "dev", &format!("username = alice\npassword = {ALICE_PW}\nfactor = off"));
    home
}

/// Runs `args` expecting failure `code`; checks the invariants every failure shares and
/// returns the sentence.
fn fails_cleanly(home: &Home, stack: &Stack, args: &[&str], code: i32) -> String {
    let before = home.snapshot();
    let err = home.run(stack, args).fails(code);
    assert_eq!(home.snapshot(), before, "a failure must not change any file");
    assert!(err.starts_with("aws-login: "), "{err}");
    eprintln!("{}", err.trim_end()); // shown with --nocapture: the sentence a user gets
    err
}

/// [`fails_cleanly`] for failures after the IdP accepted the login (STS's): the IdP session is
/// kept (it follows the IdP), every other file is unchanged.
fn fails_after_the_idp(home: &Home, stack: &Stack, args: &[&str], code: i32) -> String {
    let before = home.snapshot_outside_session();
    let err = home.run(stack, args).fails(code);
    assert_eq!(home.snapshot_outside_session(), before, "only the IdP session may change");
    assert!(home.has_jar(), "the IdP session is kept");
    assert!(err.starts_with("aws-login: "), "{err}");
    eprintln!("{}", err.trim_end());
    err
}

/// The same without test servers, for settings refused before any network use.
fn fails_offline(home: &Home, code: i32) -> String {
    let before = home.snapshot();
    let run =
        Run(home.command_for_url("http://127.0.0.1:9", BIN).args(["--profile", "dev"]).output().unwrap());
    let err = run.fails(code);
    eprintln!("{}", err.trim_end());
    assert_eq!(home.snapshot(), before, "a failure must not change any file");
    err
}

fn set_body(stack: &Stack, body: &str) {
    stack.idp_control(&json!({ "body": body }).to_string());
}

#[test]
fn broken_idp_answers() {
    let stack = Stack::start();
    let cases: &[(&str, i32, &[&str])] = &[
        ("truncated", 8, &["did not answer with SOAP XML", "not well-formed XML", "ecp_endpoint_url"]),
        ("garbage", 8, &["did not answer with SOAP XML", "not well-formed XML"]),
        ("cut_off", 20, &["cannot reach the IdP", "check the URL and your network"]),
        // A signed assertion is there, but only a top-level Success counts.
        (
            "not_success",
            7,
            &["the IdP refused the login (SAML status Requester)", "ask your IdP's administrators"],
        ),
        ("no_status", 7, &["the SAML Response has no status"]),
    ];
    for (body, code, needles) in cases {
        set_body(&stack, body);
        let home = alice(&stack);
        let err = fails_cleanly(&home, &stack, &["--profile", "dev"], *code);
        for n in *needles {
            assert!(err.contains(n), "{body}: {err}");
        }
        assert!(!err.contains(ALICE_PW));
    }
    assert!(stack.sts_log().is_empty(), "nothing reached STS");
}

#[test]
fn doctypes_are_never_expanded_or_fetched() {
    let stack = Stack::start();
    // Where the external entities point: nothing may ever connect here.
    let trap = TcpListener::bind("127.0.0.1:0").unwrap();
    trap.set_nonblocking(true).unwrap();
    let url = format!("http://{}/", trap.local_addr().unwrap());
    stack.idp_control(&json!({ "entity_url": url }).to_string());
    for body in ["doctype_external", "billion_laughs"] {
        set_body(&stack, body);
        let started = Instant::now();
        let err = fails_cleanly(&alice(&stack), &stack, &["--profile", "dev"], 8);
        assert!(err.contains("XML with a DOCTYPE declaration, which is never processed"), "{body}: {err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{body} took {:?}", started.elapsed());
    }
    assert!(
        matches!(trap.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "an external entity was fetched"
    );
    assert!(stack.sts_log().is_empty());
}

#[test]
fn oversized_answers_are_cut_off_at_the_cap() {
    let stack = Stack::start();
    for body in ["endless", "oversized"] {
        set_body(&stack, body);
        let started = Instant::now();
        let err = fails_cleanly(&alice(&stack), &stack, &["--profile", "dev"], 8);
        assert!(err.contains("an answer larger than 4 MiB"), "{body}: {err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{body} took {:?}", started.elapsed());
        // The IdP notes how much it got to send before the client hung up: about the cap plus
        // what the sockets buffer, never the 1 GiB on offer.
        let sent = wait_for(|| {
            stack
                .idp_log()
                .iter()
                .rev()
                .find(|e| e["outcome"] == "stream_end")
                .map(|e| e["bytes_sent"].clone())
        });
        assert!(sent.as_u64().unwrap() < 32 << 20, "{body}: the client read {sent} bytes");
        std::fs::write(stack.dir.path().join("idp.log.jsonl"), "").unwrap();
    }
}

fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn role_attribute_values() {
    let stack = Stack::start();
    let pair = format!("{PROVIDER},{DEVELOPER}");
    let set_roles = |roles: Value| stack.idp_control(&json!({ "roles": roles }).to_string());

    // Malformed values fail the login as a whole (awscli-login's exit 10), naming the value.
    let bad: &[(Value, &str)] = &[
        (json!([]), "grants no AWS roles"),
        (json!([DEVELOPER]), &format!("not a role/provider ARN pair: '{DEVELOPER}'")),
        (json!([pair, "garbage"]), "not a role/provider ARN pair: 'garbage'"),
        // Shown on one line, whatever the IdP put in it.
        (json!(["bad\r\n\t value"]), "not a role/provider ARN pair: 'bad value'"),
        (json!([format!("{PROVIDER},arn:aws:iam::111122223333:role/Dev eloper")]), "role/Dev eloper"),
        (json!([format!("{DEVELOPER},{DEVELOPER}")]), "not a role/provider ARN pair"),
        (json!([format!("{PROVIDER};{DEVELOPER}")]), "not a role/provider ARN pair"),
        (json!([format!("{PROVIDER},{DEVELOPER},{PROVIDER}")]), "not a role/provider ARN pair"),
        (
            json!(["arn:aws:iam::1111:saml-provider/P,arn:aws:iam::1111:role/R"]),
            "not a role/provider ARN pair",
        ),
    ];
    for (roles, needle) in bad {
        set_roles(roles.clone());
        let err = fails_cleanly(&alice(&stack), &stack, &["--profile", "dev"], 10);
        assert!(err.contains(needle) && err.contains("administrators"), "{roles}: {err}");
    }
    // Past IAM's limits (a role name over 64 characters, here 2 MB): refused when read, so no
    // cache too large to read back is ever written, and the sentence stays a sentence.
    for name in ["n".repeat(65), "n".repeat(2 << 20)] {
        set_roles(json!([format!("{PROVIDER},arn:aws:iam::111122223333:role/{name}")]));
        let err = fails_cleanly(&alice(&stack), &stack, &["--profile", "dev"], 10);
        assert!(
            err.contains("not a role/provider ARN pair") && err.len() < 600,
            "{}",
            &err[..err.len().min(600)]
        );
    }
    assert!(stack.sts_log().is_empty());

    // Stray whitespace is trimmed; a pair sent again (in either order) is one role, so the only
    // role is picked without asking; a second provider for the same role is ignored.
    let ok = [
        json!([format!("\n\t  {DEVELOPER} ,\n   {PROVIDER}  \n")]),
        json!([pair, format!("{DEVELOPER},{PROVIDER}"), format!(" {pair} ")]),
        json!([pair, format!("{DEVELOPER},arn:aws:iam::111122223333:saml-provider/Other")]),
    ];
    for roles in ok {
        set_roles(roles.clone());
        let home = alice(&stack);
        let creds = home.run(&stack, &["--profile", "dev"]).ok().json();
        assert!(creds["SessionToken"].is_string(), "{roles}");
        let assume = stack.sts_assumes().pop().unwrap();
        assert_eq!(
            (assume["role_arn"].as_str(), assume["principal_arn"].as_str()),
            (Some(DEVELOPER), Some(PROVIDER))
        );
        assert_eq!(assume["outcome"], "success", "{roles}");
    }
}

#[test]
fn garbage_in_place_of_base64_in_the_assertion_is_refused_by_sts() {
    // The client never checks signatures (STS does): it passes the assertion on untouched, and
    // STS's refusal is reported with what to do.
    let stack = Stack::with_knobs(r#"{"body": "bad_signature_base64"}"#, "{}");
    let home = alice(&stack);
    let err = fails_after_the_idp(&home, &stack, &["--profile", "dev"], 22);
    assert!(err.contains("STS refused the credentials (InvalidIdentityToken"), "{err}");
    assert!(err.contains("ask your AWS administrators to check that the metadata of"), "{err}");
}

#[test]
fn every_sts_error_class() {
    let stack = Stack::start();
    // (code, exit, advice). 5xx is STS failing, not refusing: a network-class error.
    let cases = [
        ("AccessDenied", 22, "choose another role (role_arn for profile 'dev')"),
        ("ExpiredTokenException", 22, "check this computer's clock"),
        ("IDPRejectedClaim", 22, "ask your AWS administrators"),
        ("InvalidIdentityToken", 22, "ask your AWS administrators"),
        ("MalformedPolicyDocument", 22, "ask your IdP's administrators"),
        ("PackedPolicyTooLarge", 22, "ask your IdP's administrators"),
        ("RegionDisabledException", 22, "activate STS in us-east-1"),
        ("ValidationError", 22, "check role_arn and duration for profile 'dev'"),
        ("Throttling", 22, "wait a minute and try again"),
        ("InternalFailure", 20, "STS failed on its side"),
        ("ServiceUnavailable", 20, "try again in a few minutes"),
    ];
    for (code, exit, advice) in cases {
        stack.sts_control(&json!({ "reject": code }).to_string());
        let err = fails_after_the_idp(&alice(&stack), &stack, &["--profile", "dev"], exit);
        assert!(err.contains(&format!("({code}: ")) && err.contains(advice), "{code}: {err}");
    }
}

/// A real cache file for profile `dev`, as JSON, after one login.
fn logged_in(stack: &Stack) -> (Home, Value) {
    let home = alice(stack);
    home.run(stack, &["login", "--profile", "dev"]).ok();
    let cache = serde_json::from_str(&std::fs::read_to_string(home.cache_file("dev")).unwrap()).unwrap();
    (home, cache)
}

#[test]
fn corrupt_truncated_or_hand_edited_cache_files() {
    let stack = Stack::start();
    let (home, good) = logged_in(&stack);
    let text = serde_json::to_string_pretty(&good).unwrap();
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    let unreadable: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", text.as_bytes()[..text.len() / 2].to_vec()),
        ("not UTF-8", vec![0xff, 0xfe, 0x00, 0x7b, 0x80, 0x81]),
        ("not an object", b"[1, 2, 3]".to_vec()),
        ("version as a string", edit(&|v| v["version"] = json!("1"))),
        ("newer version", edit(&|v| v["version"] = json!(3))),
        ("version 0", edit(&|v| v["version"] = json!(0))),
        ("expiration as a number", edit(&|v| v["credentials"]["expiration"] = json!(1_900_000_000))),
        ("impossible date", edit(&|v| v["credentials"]["expiration"] = json!("2026-13-45T25:00:00Z"))),
        ("key id as a number", edit(&|v| v["credentials"]["access_key_id"] = json!(12))),
        ("no role", edit(&|v| drop(v.as_object_mut().unwrap().remove("role_arn")))),
        ("no credentials", edit(&|v| drop(v.as_object_mut().unwrap().remove("credentials")))),
        ("huge", edit(&|v| v["padding"] = json!("x".repeat(100_000)))),
    ];
    let idp_calls = stack.idp_log().len();
    for (what, bytes) in unreadable {
        std::fs::write(home.cache_file("dev"), &bytes).unwrap();
        let err = fails_cleanly(&home, &stack, &["--profile", "dev"], 24);
        assert!(
            err.contains("dev.json (cached credentials) is unreadable")
                && err.contains("delete that file and log in again"),
            "{what}: {err}"
        );
        if what == "newer version" {
            assert!(err.contains("format version 3 is not one this aws-login reads"), "{err}");
        }
        assert_eq!(std::fs::read(home.cache_file("dev")).unwrap(), bytes, "{what}: left as it was");
    }
    assert_eq!(stack.idp_log().len(), idp_calls, "an unreadable cache is never replaced by a login");

    // Fields a later aws-login may add are ignored: served from the cache, no login.
    std::fs::write(home.cache_file("dev"), edit(&|v| v["future_field"] = json!({"x": [1]}))).unwrap();
    let creds = home.run(&stack, &["--profile", "dev"]).ok().json();
    assert_eq!(creds["AccessKeyId"], good["credentials"]["access_key_id"]);
    assert_eq!(stack.idp_log().len(), idp_calls);

    // An expiry STS cannot have given (more than 12 h away) or one that has passed: the entry
    // is not served; a login replaces it.
    for expiration in ["2099-01-01T00:00:00Z", "2001-01-01T00:00:00Z"] {
        std::fs::write(home.cache_file("dev"), edit(&|v| v["credentials"]["expiration"] = json!(expiration)))
            .unwrap();
        let before = stack.idp_log().len();
        let creds = home.run(&stack, &["--profile", "dev"]).ok().json();
        assert_eq!(stack.idp_log().len(), before + 1, "{expiration}: a login, not the cache");
        let served = time::OffsetDateTime::parse(
            creds["Expiration"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert!(served - time::OffsetDateTime::now_utc() < time::Duration::hours(2), "{creds}");
        assert_ne!(std::fs::read_to_string(home.cache_file("dev")).unwrap(), expiration);
    }
}

#[test]
fn cookie_jars_that_cannot_be_read() {
    let stack = Stack::start();
    let (home, _) = logged_in(&stack);
    let jar = std::fs::read_dir(home.login_dir().join("cookies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    let good: Value = serde_json::from_str(&std::fs::read_to_string(&jar).unwrap()).unwrap();
    let mut newer = good.clone();
    newer["version"] = json!(2);
    let idp_calls = stack.idp_log().len();
    for (what, bytes) in [
        ("newer format", serde_json::to_vec(&newer).unwrap()),
        ("truncated", b"{\"version\":1,\"cookies\":[{\"raw_cookie\":".to_vec()),
        ("not UTF-8", vec![0xde, 0xad, 0xbe, 0xef]),
        ("cookies of the wrong shape", br#"{"version":1,"cookies":{"a":1}}"#.to_vec()),
    ] {
        std::fs::write(&jar, &bytes).unwrap();
        let err = fails_cleanly(&home, &stack, &["login", "--force-refresh", "--profile", "dev"], 24);
        assert!(
            err.contains(".json (IdP session cookies) is unreadable")
                && err.contains("delete that file and log in again"),
            "{what}: {err}"
        );
        if what == "newer format" {
            assert!(err.contains("format version 2 is not one this aws-login reads"), "{err}");
        }
        assert_eq!(std::fs::read(&jar).unwrap(), bytes, "{what}: the jar is never overwritten");
    }
    assert_eq!(stack.idp_log().len(), idp_calls, "nothing is sent with a jar that cannot be read");
}

#[test]
fn an_unreadable_awscli_login_jar_is_skipped() {
    // awscli-login's jar is only a way to skip one password login: garbage in it is ignored,
    // and it is left as it was.
    let stack = Stack::start();
    let home = alice(&stack);
    let lwp = home.login_dir().join("cookies/alice.txt");
    std::fs::create_dir_all(lwp.parent().unwrap()).unwrap();
    let garbage: &[u8] = b"#LWP-Cookies-2.0\nSet-Cookie3: shib_idp_session=\xff\xfe; path=\"/idp\"; domain=\"\x00\"\n\x80\x81garbage";
    std::fs::write(&lwp, garbage).unwrap();
    home.run(&stack, &["login", "--profile", "dev"]).ok();
    assert_eq!(stack.idp_log()[0]["auth"], "basic");
    assert_eq!(std::fs::read(&lwp).unwrap(), garbage);
}

#[test]
fn config_files_with_bad_settings() {
    const URL: &str = "https://idp.example.edu/idp/profile/SAML2/SOAP/ECP";
    let cases: &[(&str, i32, &str)] = &[
        ("factor = fax", 6, "'fax' is not a Duo factor"),
        ("factor = PUSH!", 6, "is not a Duo factor"),
        ("duration = 60", 5, "between 900 and 43200"),
        ("duration = 43201", 5, "between 900 and 43200"),
        ("duration = -900", 5, "whole number of seconds"),
        ("duration = 1h", 5, "whole number of seconds"),
        ("duration = 99999999999999999999", 5, "whole number of seconds"),
        ("partition = aws-mars", 5, "aws, aws-us-gov, aws-cn"),
        ("duo_timeout = 0", 5, "between 5 and 600"),
        ("refresh_margin = soon", 5, "whole number of seconds"),
        ("enable_keyring = maybe", 5, "true or false"),
    ];
    for (line, code, needle) in cases {
        let home = Home::new();
        home.profile("dev", &format!("ecp_endpoint_url = {URL}\nusername = alice\n{line}"));
        let err = fails_offline(&home, *code);
        assert!(err.contains(needle), "{line}: {err}");
    }
    for url in [
        "http://idp.example.edu/idp/profile/SAML2/SOAP/ECP",
        "http://10.0.0.1/ecp",
        "ftp://idp/ecp",
        "idp.example.edu",
    ] {
        let home = Home::new();
        home.profile("dev", &format!("ecp_endpoint_url = {url}"));
        let err = fails_offline(&home, 5);
        assert!(err.contains("ecp_endpoint_url") && err.contains("https://"), "{url}: {err}");
    }

    // Not INI, and not UTF-8: named, with what to do, and the same code as a bad setting.
    let home = Home::new();
    std::fs::create_dir_all(home.login_dir()).unwrap();
    std::fs::write(home.login_dir().join("config"), format!("[dev\necp_endpoint_url = {URL}\n")).unwrap();
    let err = fails_offline(&home, 5);
    assert!(err.contains("is not a valid INI file"), "{err}");
    let mut latin1 = format!("[dev]\necp_endpoint_url = {URL}\nusername = j").into_bytes();
    latin1.extend_from_slice(b"\xf6rg\n");
    std::fs::write(home.login_dir().join("config"), latin1).unwrap();
    let err = fails_offline(&home, 5);
    assert!(err.contains("is not UTF-8 text; save it as UTF-8"), "{err}");
}

#[test]
fn sts_answers_that_are_not_sts_xml() {
    // A proxy's page, an empty answer, or one cut short: the SDK would fill a cut-short answer's
    // missing credentials with empty strings and the epoch, which must never be cached or printed.
    let stack = Stack::start();
    for (broken, found) in [
        ("html", "HTTP 200 without an STS error code"),
        ("truncated", "an answer without complete, unexpired credentials"),
        ("empty", "HTTP 200 without an STS error code"),
        ("html_error", "HTTP 502 without an STS error code"),
    ] {
        stack.sts_control(&json!({ "broken": broken }).to_string());
        let err = fails_after_the_idp(&alice(&stack), &stack, &["--profile", "dev"], 20);
        assert!(
            err.contains(&format!("STS at {} gave no STS answer ({found})", stack.sts_url)),
            "{broken}: {err}"
        );
        assert!(err.contains("check AWS_ENDPOINT_URL_STS"), "{err}");
    }
}

#[test]
fn migrate_with_a_garbled_awscli_login_credentials_file() {
    let stack = Stack::start();
    let home = alice(&stack);
    let creds = home.login_dir().join("credentials");

    // Not UTF-8: named, nothing changed.
    std::fs::write(&creds, b"[dev]\naws_role_arn = arn\xff\xfe\n").unwrap();
    let err = fails_cleanly(&home, &stack, &["migrate", "--apply"], 5);
    assert!(err.contains("credentials is not UTF-8 text"), "{err}");

    // Garbage where base64 and a time belong: the role is imported, the credentials never
    // served (an expiry that cannot be read counts as passed), so the next use logs in.
    std::fs::write(
        &creds,
        format!(
            "[dev]\naws_access_key_id = ASIA\u{0}??\naws_secret_access_key = ***\naws_session_token = !!not base64!!\n\
             expiration = tomorrow\naws_role_arn = {DEVELOPER}\naws_principal_arn = {PROVIDER}\nusername = alice\n"
        ),
    )
    .unwrap();
    let out = home.run(&stack, &["migrate", "--apply"]).ok().stderr();
    assert!(out.contains("credentials expired (the next use logs in again)"), "{out}");
    let served = home.run(&stack, &["--profile", "dev"]).ok().json();
    assert_ne!(served["SessionToken"], "!!not base64!!");
    assert_eq!(stack.idp_log().len(), 1, "a login, not the imported garbage");
}

/// A profile name is outside text too (a flag, `AWS_PROFILE`): whatever it holds, nothing it
/// contains reaches the terminal as a control sequence, in errors or `-v` lines.
#[test]
fn control_characters_in_a_profile_name_never_reach_the_terminal() {
    let stack = Stack::start();
    let home = alice(&stack);
    let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[2J";
    for args in
        [&["--profile", hostile][..], &["-v", "--profile", hostile], &["logout", "--profile", hostile]]
    {
        let err = fails_cleanly(&home, &stack, args, 4);
        assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
        assert!(err.contains("\\u{1b}]0;pwned"), "shown escaped: {err:?}");
    }
}
