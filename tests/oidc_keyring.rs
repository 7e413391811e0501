//! A machine's client secret in a real Secret Service (gnome-keyring on a private D-Bus session,
//! tests/stack/keyring-session.sh), as ECP keeps passwords: stored once the provider accepted
//! it, then used when the profile holds none, forgotten by `logout --purge`, and reported (never
//! shown) by `doctor`.

mod common;

use common::*;

/// A machine with a client secret, which the profile does not hold: the keyring may.
fn machine(stack: &Stack) -> String {
    format!(
        "source = oidc\noidc_issuer = {}\nclient_id = {SVC_SECRET_CLIENT}\noidc_flow = client_credentials\nscope = {SVC_SCOPE}\nrole_arn = {WEB_IDENTITY_ROLE}\nenable_keyring = true\n",
        stack.oidc_issuer
    )
}

#[test]
fn a_client_secret_is_kept_in_the_keyring_and_used_from_there() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let home = Home::new();
    home.profile("m", &machine(&stack));
    let account = format!("oidc-client:{SVC_SECRET_CLIENT}@{}", stack.oidc_issuer);
    let bin = format!(r#""$BIN" {}"#, sweep::extra_args(&[]).join(" "));
    let get =
        r#"$PY -c "import keyring; print('stored:', keyring.get_password('awscli_login', '$ACCOUNT'))""#;
    let script = format!(
        "{bin} login -p m; echo rc=$?; {get}; \
         {bin} login -p m --client-secret {SVC_CLIENT_SECRET} && {get} && \
         {bin} login -p m --force-refresh && echo again=ok && \
         {bin} logout -p m --purge && {get}"
    );
    let mut c = home.command_for(&stack, repo().join("tests/stack/keyring-session.sh"));
    c.args(["bash", "-c", &script])
        .env("AWSCLI_LOGIN_ROOT", home.path())
        .env("BIN", BIN)
        .env("PY", repo().join(".stack/venv/bin/python"))
        .env("ACCOUNT", &account);
    let out = c.output().unwrap();
    home.known().learn(home.path(), &[]);
    home.known().check(home.path(), "a keyring session", "", &String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // Nothing in the keyring and none in the profile: one sentence naming it, exit 5.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("has no client_secret"), "{stderr}");
    assert!(stdout.contains("rc=5\nstored: None\n"), "{stdout}");
    // Stored once the provider took it, then used from there.
    assert!(stdout.contains(&format!("stored: {SVC_CLIENT_SECRET}\n")), "{stdout}");
    assert!(stdout.contains("again=ok\n"), "{stdout}");
    // logout --purge forgets it, as it forgets an ECP password.
    assert!(stdout.ends_with("again=ok\nstored: None\n"), "{stdout}");
    let grants: Vec<_> =
        stack.oidc_events("token").iter().map(|e| e["outcome"].as_str().unwrap_or("?").to_string()).collect();
    assert_eq!(grants, ["ok", "ok"]);
    assert_eq!(stack.sts_web_identity().len(), 2);
}

#[test]
fn doctor_says_whether_the_keyring_holds_the_client_secret_and_never_shows_it() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let home = Home::new();
    home.profile("m", &machine(&stack));
    home.aws_config(&format!("[profile m]\ncredential_process = {BIN} --profile m\n"));
    let account = format!("oidc-client:{SVC_SECRET_CLIENT}@{}", stack.oidc_issuer);
    let bin = format!(r#""$BIN" {}"#, sweep::extra_args(&[]).join(" "));
    // Doctor before and after a login that stores the secret; the login's own output is not ours.
    let script = format!(
        "{bin} doctor -p m; echo rc=$?; \
         {bin} login -p m --client-secret {SVC_CLIENT_SECRET} >/dev/null && {bin} doctor -p m; echo rc=$?"
    );
    let mut c = home.command_for(&stack, repo().join("tests/stack/keyring-session.sh"));
    c.args(["bash", "-c", &script]).env("AWSCLI_LOGIN_ROOT", home.path()).env("BIN", BIN);
    let out = c.output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    home.known().learn(home.path(), &[]);
    home.known().check(home.path(), "doctor in a keyring session", &stdout, &stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let reports: Vec<&str> = stdout.split("rc=").collect();
    let [missing, stored, rest] = reports.as_slice() else { panic!("two reports: {stdout}") };

    // Nothing stored: one FIX line saying what to run; exit 29.
    let fix: Vec<_> = missing.lines().filter(|l| l.starts_with("FIX:")).collect();
    assert_eq!(
        fix,
        [format!(
            "FIX: profile 'm' takes its client secret from the OS keyring, which holds none for {account}: run `aws-login login --profile m --client-secret SECRET` once to store it (or set enable_keyring = false if the client has no secret)"
        )],
        "{stdout}"
    );
    // Stored: an ok line naming the entry, nothing to fix, exit 0; never the secret itself.
    assert!(stored.starts_with("29\n"), "{stdout}");
    assert!(
        stored.contains(&format!("ok:  profile 'm': the OS keyring holds its client secret ({account})\n")),
        "{stdout}"
    );
    assert!(!stored.contains("FIX:"), "{stdout}");
    assert_eq!(rest.trim(), "0", "{stdout}");
    assert!(!stdout.contains(SVC_CLIENT_SECRET) && !stderr.contains(SVC_CLIENT_SECRET), "{stdout}{stderr}");
}
