//! Duo MFA through the IdP's factor and passcode headers.

mod common;

use common::*;

fn bob(stack: &Stack, extra: &str) -> Home {
    let home = Home::new();
    home.ecp_profile(
        stack,
        "b",
        &format!("username = bob\npassword = {BOB_PW}\nrole_arn = {DEVELOPER}\n{extra}"),
    );
    home
}

#[test]
fn push_is_approved_after_a_wait() {
    let stack = Stack::with_knobs(r#"{"duo_delay": 1}"#, "{}");
    let home = bob(&stack, "factor = push");
    home.run(&stack, &["--profile", "b"]).ok();
    let log = stack.idp_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["duo_prompt"], true);
    assert_eq!(log[0]["factor"], "push");
    assert_eq!(log[0]["outcome"], "success");
    assert!(log[0]["handling_ms"].as_f64().unwrap() >= 1000.0);
}

#[test]
fn passcode_from_the_profile() {
    let stack = Stack::start();
    let home = bob(&stack, "factor = passcode\npasscode = 123456");
    let out = home.run(&stack, &["--profile", "b"]).ok();
    assert!(!out.stderr().contains("123456"));
    let log = stack.idp_log();
    assert_eq!((log[0]["factor"].as_str(), log[0]["duo_prompt"].as_bool()), (Some("passcode"), Some(false)));
}

#[test]
fn passcode_flag_implies_the_passcode_factor() {
    let stack = Stack::start();
    let home = bob(&stack, "factor = push");
    home.run(&stack, &["--profile", "b", "--passcode", "123456"]).ok();
    assert_eq!(stack.idp_log()[0]["factor"], "passcode");
}

#[test]
fn denied_push_fails_clearly_and_stores_nothing() {
    let stack = Stack::with_knobs(r#"{"duo": "deny"}"#, "{}");
    let home = bob(&stack, "factor = push");
    let before = home.snapshot();
    let err = home.run(&stack, &["--profile", "b"]).fails(7);
    assert!(err.contains("(Duo push denied)") && err.contains("approve the request on your device"), "{err}");
    let held = home.run(&stack, &["--profile", "b"]).fails(23);
    assert!(held.contains("was denied") && !held.contains("unanswered"), "{held}");
    let backoff = home.login_dir().join("cache/b.backoff");
    assert!(backoff.exists(), "an unattended push that failed holds back the next");
    std::fs::remove_file(backoff).unwrap();
    assert_eq!(home.snapshot(), before);
    assert!(stack.sts_log().is_empty(), "STS must not be called");
}

#[test]
fn an_unanswered_push_gives_up_at_duo_timeout() {
    // The IdP would wait 60 s; the profile allows 5.
    let stack = Stack::with_knobs(r#"{"duo_delay": 60}"#, "{}");
    let home = bob(&stack, "factor = push\nduo_timeout = 5");
    let before = home.snapshot();
    let started = std::time::Instant::now();
    let err = home.run(&stack, &["--profile", "b"]).fails(7);
    let waited = started.elapsed();
    assert!(err.contains("within 5 s") && err.contains("duo_timeout"), "{err}");
    assert!(waited < std::time::Duration::from_secs(30), "gave up after {waited:?}");
    std::fs::remove_file(home.login_dir().join("cache/b.backoff")).unwrap();
    assert_eq!(home.snapshot(), before);
    assert!(stack.sts_log().is_empty(), "STS must not be called");
}

#[test]
fn duo_timeout_out_of_range_is_a_setting_error() {
    let stack = Stack::start();
    let home = bob(&stack, "factor = push\nduo_timeout = 3600");
    let before = home.snapshot();
    let err = home.run(&stack, &["--profile", "b"]).fails(5);
    assert!(err.contains("duo_timeout = '3600'") && err.contains("between 5 and 600"), "{err}");
    assert_eq!(home.snapshot(), before);
    assert!(stack.idp_log().is_empty());
}

#[test]
fn wrong_passcode_fails_clearly() {
    let stack = Stack::start();
    let home = bob(&stack, "factor = passcode\npasscode = 000000");
    let err = home.run(&stack, &["--profile", "b"]).fails(7);
    assert!(!err.contains("000000"), "{err}");
    assert!(err.contains("Incorrect Duo passcode") && err.contains("current passcode"), "{err}");
    assert_eq!(stack.idp_log()[0]["outcome"], "bad_passcode");
}

/// A core dump taken while aws-login waits for Duo would hold the password and the Basic
/// header: the process keeps itself out of core dumps. The control run shows this machine
/// does write cores where the test looks (else the test cannot tell, and says so).
#[test]
fn a_core_dump_during_the_duo_wait_is_never_written() {
    let dumps = |dir: &std::path::Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("core"))
            .count()
    };
    let control = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -c unlimited 2>/dev/null; cd \"$1\" && sleep 30 & p=$!; sleep 0.2; kill -ABRT $p; wait $p")
        .arg("sh")
        .arg(control.path())
        .status()
        .unwrap();
    assert!(!status.success());
    if dumps(control.path()) == 0 {
        eprintln!(
            "skipped: this machine writes no core file into the working directory (core_pattern), so nothing here can show one missing"
        );
        return;
    }

    let stack = Stack::with_knobs(r#"{"duo_delay": 30}"#, "{}");
    let home = bob(&stack, "factor = push");
    let cwd = tempfile::tempdir().unwrap();
    let wrapper = ["sh", "-c", "ulimit -c unlimited; cd \"$0\" && exec \"$@\"", cwd.path().to_str().unwrap()];
    let mut tty = home.tty_under(&stack, &wrapper, &["login", "--profile", "b"], &[]);
    tty.expect("waiting for the IdP");
    let found = std::process::Command::new("pgrep")
        .args(["-s", &tty.pid().to_string(), "-x", "aws-login"])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&found.stdout).trim().to_string();
    assert!(!pid.is_empty() && !pid.contains('\n'), "one aws-login in the session: {pid:?}");
    assert!(std::process::Command::new("kill").args(["-ABRT", &pid]).status().unwrap().success());
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 128 + 6, "killed by SIGABRT: {screen}");
    assert_eq!(dumps(cwd.path()), 0, "no core file, so no password in one");
}
