//! A machine's client secret in a real Secret Service (gnome-keyring on a private D-Bus session,
//! tests/stack/keyring-session.sh), as ECP keeps passwords: stored once the provider accepted
//! it, then used when the profile holds none, and forgotten by `logout --purge`.

mod common;

use common::*;

#[test]
fn a_client_secret_is_kept_in_the_keyring_and_used_from_there() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let home = Home::new();
    home.profile(
        "m",
        &format!(
            "source = oidc\noidc_issuer = {}\nclient_id = {SVC_SECRET_CLIENT}\noidc_flow = client_credentials\nscope = {SVC_SCOPE}\nrole_arn = {WEB_IDENTITY_ROLE}\nenable_keyring = true\n",
            stack.oidc_issuer
        ),
    );
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
