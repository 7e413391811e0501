//! The IdP password in a real Secret Service (gnome-keyring on a private D-Bus session), shared
//! with awscli-login through Python's keyring library.

mod common;

use common::*;

/// Runs `script` (bash) inside tests/stack/keyring-session.sh, without a terminal. `$BIN` is
/// aws-login, `$PY` the venv's Python, `$ACCOUNT` the IdP account of user `user`. Under the
/// secrets sweep (tests/common/sweep.rs) aws-login runs at `-vvv` and its stderr is checked;
/// stdout is not, as the scripts print what the keyring holds on purpose.
fn in_keyring(home: &Home, stack: &Stack, user: &str, script: &str) -> Run {
    let authority = stack.ecp_url.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let verbose = sweep::extra_args(&[]).join(" ");
    let script = script.replace(r#""$BIN""#, &format!(r#""$BIN" {verbose}"#));
    let mut c = home.command_for(stack, repo().join("tests/stack/keyring-session.sh"));
    c.args(["bash", "-c", &script])
        .env("AWSCLI_LOGIN_ROOT", home.path())
        .env("BIN", BIN)
        .env("PY", repo().join(".stack/venv/bin/python"))
        .env("ACCOUNT", format!("{user}@{authority}"));
    let mut out = c.output().unwrap();
    home.known().learn(home.path(), &[]);
    home.known().check(
        home.path(),
        &format!("in a keyring session: {script}"),
        "",
        &String::from_utf8_lossy(&out.stderr),
    );
    out.stderr = sweep::without_verbose(&out.stderr);
    Run(out)
}

const SET: &str =
    r#"$PY -c "import keyring,sys; keyring.set_password('awscli_login', '$ACCOUNT', sys.argv[1])""#;
const GET: &str =
    r#"$PY -c "import keyring; print('stored:', keyring.get_password('awscli_login', '$ACCOUNT'))""#;

fn keyring_profile(stack: &Stack, user: &str, extra: &str) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "k", &format!("username = {user}\nenable_keyring = true\n{extra}"));
    home
}

#[test]
fn a_password_stored_by_python_keyring_is_used() {
    let stack = Stack::start();
    let home = keyring_profile(&stack, "alice", "");
    let out =
        in_keyring(&home, &stack, "alice", &format!(r#"{SET} '{ALICE_PW}' && "$BIN" --profile k"#)).ok();
    assert!(out.stdout().contains("\"AccessKeyId\""), "{}", out.stdout());
    assert_eq!(stack.idp_log()[0]["outcome"], "success");
}

#[test]
fn the_password_is_saved_only_after_a_successful_login() {
    let stack = Stack::start();
    let home = keyring_profile(&stack, "alice", "password = wrong-password-1");
    let failed = in_keyring(&home, &stack, "alice", &format!(r#""$BIN" --profile k; echo "rc=$?"; {GET}"#));
    assert!(
        failed.stdout().contains("rc=7") && failed.stdout().contains("stored: None"),
        "{}",
        failed.stdout()
    );

    let home = keyring_profile(&stack, "alice", &format!("password = {ALICE_PW}"));
    let ok = in_keyring(&home, &stack, "alice", &format!(r#""$BIN" --profile k >/dev/null && {GET}"#)).ok();
    assert!(ok.stdout().contains(&format!("stored: {ALICE_PW}")), "{}", ok.stdout());
}

#[test]
fn a_stored_password_the_idp_rejects_is_forgotten() {
    let stack = Stack::start();
    let home = keyring_profile(&stack, "alice", "");
    let out = in_keyring(
        &home,
        &stack,
        "alice",
        &format!(r#"{SET} old-password; "$BIN" --profile k; echo "rc=$?"; {GET}"#),
    );
    let stdout = out.stdout();
    assert!(stdout.contains("rc=7") && stdout.contains("stored: None"), "{stdout}\n{}", out.stderr());
    assert!(
        out.stderr().contains("so it was removed; run `aws-login login --profile k`"),
        "{}",
        out.stderr()
    );
    assert!(!out.stderr().contains("old-password"));
}

#[test]
fn a_denied_duo_push_leaves_the_stored_password_alone() {
    let stack = Stack::with_knobs(r#"{"duo": "deny"}"#, "{}");
    let home = keyring_profile(&stack, "bob", &format!("factor = push\nrole_arn = {DEVELOPER}"));
    let out = in_keyring(
        &home,
        &stack,
        "bob",
        &format!(r#"{SET} '{BOB_PW}'; "$BIN" --profile k; echo "rc=$?"; {GET}"#),
    );
    assert!(
        out.stdout().contains("rc=7") && out.stdout().contains(&format!("stored: {BOB_PW}")),
        "{}",
        out.stdout()
    );
}

#[test]
fn ask_password_bypasses_the_keyring() {
    let stack = Stack::start();
    let home = keyring_profile(&stack, "alice", "");
    let out = in_keyring(
        &home,
        &stack,
        "alice",
        &format!(r#"{SET} '{ALICE_PW}'; "$BIN" --profile k --ask-password; echo "rc=$?""#),
    );
    assert!(out.stdout().contains("rc=23"), "{}\n{}", out.stdout(), out.stderr());
    assert!(stack.idp_log().is_empty());
}

#[test]
fn purge_removes_the_stored_password() {
    let stack = Stack::start();
    let home = keyring_profile(&stack, "alice", "");
    let script = format!(
        r#"{SET} '{ALICE_PW}' && "$BIN" login --profile k && "$BIN" logout --profile k --purge && {GET}"#
    );
    let out = in_keyring(&home, &stack, "alice", &script).ok();
    assert!(out.stdout().contains("stored: None"), "{}", out.stdout());
    assert!(
        out.stderr().contains("Forgot the IdP session and the stored password of alice@"),
        "{}",
        out.stderr()
    );
}

#[test]
fn an_unreachable_keyring_falls_back_to_the_configured_password() {
    // No D-Bus session at all (as over SSH): the keyring is passed over, not waited on.
    let stack = Stack::start();
    let home = keyring_profile(&stack, "alice", &format!("password = {ALICE_PW}"));
    let out = home.run_with_env(
        &stack,
        &["--profile", "k", "-v"],
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    let out = out.ok();
    assert!(out.stderr().contains("not using the keyring"), "{}", out.stderr());
}

#[test]
fn an_unreachable_keyring_is_warned_about_once_then_only_at_v() {
    let stack = Stack::start();
    let home = keyring_profile(&stack, "alice", &format!("password = {ALICE_PW}"));
    let no_bus = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")];
    let mut warnings = Vec::new();
    for args in
        [&["login", "--profile", "k"][..], &["login", "--profile", "k"], &["login", "--profile", "k", "-v"]]
    {
        // A password login each time: the IdP session is dropped in between.
        let _ = std::fs::remove_dir_all(home.login_dir().join("cookies"));
        let args = [args, &["--force-refresh"]].concat();
        let out = home.run_with_env(&stack, &args, &no_bus).ok();
        warnings.push(
            out.stderr()
                .lines()
                .filter(|l| l.contains("the password was not saved"))
                .map(str::to_string)
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(warnings[0].len(), 1, "{warnings:?}");
    assert!(warnings[0][0].starts_with("aws-login: warning: the password was not saved"), "{warnings:?}");
    assert!(warnings[1].is_empty(), "said once: {warnings:?}");
    assert!(
        warnings[2].iter().all(|l| l.starts_with("aws-login: debug:")) && warnings[2].len() == 1,
        "{warnings:?}"
    );
}

/// `doctor` reaches the keyring and says whether it holds the profile's password, never what it is.
#[test]
fn doctor_reaches_the_keyring_and_never_shows_the_password() {
    let stack = Stack::start();
    let home = keyring_profile(&stack, "alice", "");
    let out = in_keyring(&home, &stack, "alice", r#""$BIN" doctor"#).ok();
    assert!(out.stdout().contains("ok:  the OS keyring answers\n"), "{}", out.stdout());
    let out = in_keyring(&home, &stack, "alice", &format!(r#"{SET} '{ALICE_PW}' && "$BIN" doctor"#)).ok();
    assert!(
        out.stdout().contains("ok:  the OS keyring answers and holds the password of alice@"),
        "{}",
        out.stdout()
    );
    assert!(!out.stdout().contains(ALICE_PW) && !out.stderr().contains(ALICE_PW));
    assert!(stack.idp_log().iter().all(|e| e["auth"] == "none"), "{:?}", stack.idp_log());
}
