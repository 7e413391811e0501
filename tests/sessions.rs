//! Sessions: IdP cookies instead of passwords and Duo, one login for many callers, no network on
//! a cache hit, and no storm of Duo pushes.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

/// bob: Duo push on every password login, so a cookie login is visible as "no Duo prompt".
fn bob(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(
        stack,
        "b",
        &format!("username = bob\npassword = {BOB_PW}\nfactor = push\nrole_arn = {DEVELOPER}"),
    );
    home
}

fn stale_soon() -> Stack {
    // Credentials that live 4 s are stale after 2 s (the margin is capped at half the lifetime).
    Stack::with_knobs("{}", r#"{"credential_ttl": 4}"#)
}

fn wait_stale() {
    std::thread::sleep(Duration::from_millis(2200));
}

#[test]
fn refresh_uses_the_idp_session_and_keeps_rotated_cookies() {
    let stack = stale_soon();
    let home = bob(&stack);
    home.run(&stack, &["--profile", "b"]).ok();
    for _ in 0..2 {
        wait_stale();
        home.run(&stack, &["--profile", "b"]).ok();
    }
    let log = stack.idp_log();
    let auth: Vec<_> =
        log.iter().map(|e| (e["auth"].as_str().unwrap(), e["duo_prompt"].as_bool().unwrap())).collect();
    // The IdP retires a cookie value when it rotates it: the third login only works if the
    // rotated cookie from the second was saved.
    assert_eq!(auth, [("basic", true), ("cookie", false), ("cookie", false)], "{log:?}");
    assert_eq!(stack.sts_assumes().len(), 3);

    let jar = home.login_dir().join("cookies");
    let files: Vec<_> = std::fs::read_dir(&jar).unwrap().flatten().map(|e| e.path()).collect();
    let jars = files.iter().filter(|p| p.extension().is_some_and(|x| x == "json")).count();
    assert_eq!(jars, 1, "{files:?}");
    use std::os::unix::fs::PermissionsExt;
    for file in &files {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
}

#[test]
fn an_ended_idp_session_falls_back_to_the_password() {
    let stack = stale_soon();
    let home = bob(&stack);
    home.run(&stack, &["--profile", "b"]).ok();
    stack.idp_control(r#"{"expire_sessions": true}"#);
    wait_stale();
    home.run(&stack, &["--profile", "b"]).ok();
    let outcomes: Vec<_> = stack
        .idp_log()
        .iter()
        .map(|e| (e["auth"].as_str().unwrap().to_string(), e["status"].as_u64().unwrap()))
        .collect();
    // The IdP logs a cookie it no longer honours as no authentication at all.
    assert_eq!(outcomes, [("basic".into(), 200), ("none".into(), 401), ("basic".into(), 200)]);
}

#[test]
fn an_ended_session_without_password_or_terminal_says_what_to_run() {
    let stack = stale_soon();
    let home = Home::new();
    home.ecp_profile(&stack, "b", &format!("username = bob\nfactor = push\nrole_arn = {DEVELOPER}"));
    // Log in once with the password on the command line, then rely on the session.
    home.run(&stack, &["login", "--profile", "b", "--password", BOB_PW]).ok();
    wait_stale();
    home.run(&stack, &["--profile", "b"]).ok();
    stack.idp_control(r#"{"expire_sessions": true}"#);
    wait_stale();
    let before = home.snapshot();
    let err = home.run(&stack, &["--profile", "b"]).fails(23);
    assert!(err.contains("aws-login login --profile b"), "{err}");
    assert_eq!(home.snapshot(), before);
}

#[test]
fn awscli_login_cookie_jar_is_imported_without_a_new_duo_prompt() {
    let stack = Stack::start();
    // A live IdP session, as awscli-login would have left it after its own login.
    let first = bob(&stack);
    first.run(&stack, &["login", "--profile", "b"]).ok();
    let ours = std::fs::read_dir(first.login_dir().join("cookies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    let jar: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(ours).unwrap()).unwrap();
    let value = jar.to_string();
    let session =
        value.split("shib_idp_session=").nth(1).unwrap().split([';', '"', '\\']).next().unwrap().to_string();
    let host = stack.ecp_url.trim_start_matches("http://").split([':', '/']).next().unwrap().to_string();

    let home = Home::new();
    home.ecp_profile(&stack, "b", &format!("username = bob\nfactor = push\nrole_arn = {DEVELOPER}"));
    let lwp = format!(
        "#LWP-Cookies-2.0\nSet-Cookie3: shib_idp_session={session}; path=\"/idp\"; domain=\"{host}\"; path_spec; discard; HttpOnly=None; version=0\n"
    );
    std::fs::create_dir_all(home.login_dir().join("cookies")).unwrap();
    std::fs::write(home.login_dir().join("cookies/bob.txt"), lwp).unwrap();

    // No password and no terminal: only the imported session can log this in.
    home.run(&stack, &["--profile", "b"]).ok();
    let last = stack.idp_log().pop().unwrap();
    assert_eq!((last["auth"].as_str(), last["duo_prompt"].as_bool()), (Some("cookie"), Some(false)));
}

#[test]
fn sixty_four_callers_cause_one_login() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("username = alice\npassword = {ALICE_PW}"));
    let started = Instant::now();
    let outputs = home.many_callers(&stack, &["--profile", "dev"], 64);
    eprintln!("64 callers took {:?}", started.elapsed());
    let first = &outputs[0].stdout;
    assert!(outputs.iter().all(|o| &o.stdout == first), "every caller prints the same credentials");
    assert_eq!(stack.idp_log().len(), 1, "one IdP exchange");
    assert_eq!(stack.sts_assumes().len(), 1, "one STS call");
}

#[test]
fn a_cache_hit_needs_no_servers_and_opens_no_socket() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("username = alice\npassword = {ALICE_PW}"));
    let first = home.run(&stack, &["--profile", "dev"]).ok().stdout();

    let trace = home.path().join("trace");
    let traced = home
        .command_for(&stack, "strace")
        .args(["-f", "-e", "trace=socket,connect", "-o"])
        .arg(&trace)
        .args([BIN, "--profile", "dev"])
        .output()
        .unwrap();
    assert!(traced.status.success(), "{}", String::from_utf8_lossy(&traced.stderr));
    assert_eq!(String::from_utf8_lossy(&traced.stdout), first);
    let calls = std::fs::read_to_string(&trace).unwrap();
    assert!(!calls.contains("socket(") && !calls.contains("connect("), "network on a cache hit:\n{calls}");

    // And with the servers gone.
    let dead_home = home;
    let sts_url = stack.sts_url.clone();
    drop(stack);
    let out = dead_home.command_for_url(&sts_url, BIN).args(["--profile", "dev"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), first);
}

#[test]
fn a_lock_holder_killed_mid_login_is_taken_over() {
    let stack = Stack::with_knobs(r#"{"duo_delay": 30}"#, "{}");
    let home = bob(&stack);
    let mut holder = home
        .command_for(&stack, BIN)
        .args(["--profile", "b"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it holds the lock and its password login waits on the Duo push.
    let lock = home.login_dir().join("cache/b.lock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lock.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1500));
    // setsid execs in place (it is no group leader here), so this is a SIGKILL to aws-login.
    holder.kill().unwrap();
    holder.wait().unwrap();
    stack.idp_control(r#"{"duo_delay": 0}"#);

    let started = Instant::now();
    home.run(&stack, &["--profile", "b"]).ok();
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

#[test]
fn a_failed_unattended_push_holds_back_the_next_one() {
    let stack = Stack::with_knobs(r#"{"duo": "timeout"}"#, "{}");
    let home = bob(&stack);
    home.run(&stack, &["--profile", "b"]).fails(7);
    let started = Instant::now();
    let err = home.run(&stack, &["--profile", "b"]).fails(23);
    assert!(err.contains("went unanswered") && err.contains("aws-login login --profile b"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(stack.idp_log().iter().filter(|e| e["duo_prompt"] == true).count(), 1, "no second push");
}
