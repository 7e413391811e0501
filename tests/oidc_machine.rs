//! OpenID Connect for machines (issue 17) against the real test stack (tests/oidc/README.md):
//! client credentials with a signed JWT (RS256, ES256) or a client secret, at npm's
//! oidc-provider, the access token taken as issued by the STS front, through the real AWS CLI's
//! credential_process with no terminal.

mod common;

use common::{
    BIN, Home, SVC_CLIENT_SECRET, SVC_ES256_KID, SVC_JWT_CLIENT, SVC_RS256_KID, SVC_SCOPE, SVC_SECRET_CLIENT,
    SVC_WRONG_KID, Stack, WEB_IDENTITY_ROLE,
};

/// A client-credentials profile `name` for `client` with the lines of `extra`, and the AWS CLI
/// profile that runs it as credential_process.
fn machine_profile(home: &Home, stack: &Stack, name: &str, client: &str, extra: &str) {
    home.profile(
        name,
        &format!(
            "source = oidc\noidc_issuer = {}\nclient_id = {client}\noidc_flow = client_credentials\nscope = {SVC_SCOPE}\nrole_arn = {WEB_IDENTITY_ROLE}\n{}",
            stack.oidc_issuer,
            extra.trim()
        ),
    );
    home.aws_config(&format!(
        "[profile {name}]\nregion = us-east-1\ncredential_process = {BIN} --profile {name}\n"
    ));
}

fn key_lines(stack: &Stack, kid: &str) -> String {
    format!("private_key_file = {}\nkey_id = {kid}", stack.svc_key(kid).display())
}

/// The OP's token requests, as `grant client outcome`.
fn grants(stack: &Stack) -> Vec<String> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("?").to_string();
    stack
        .oidc_events("token")
        .iter()
        .map(|e| format!("{} {} {}", s(&e["grant_type"]), s(&e["client_id"]), s(&e["outcome"])))
        .collect()
}

fn caller_identity(home: &Home, stack: &Stack, profile: &str) -> serde_json::Value {
    let run = home.aws(stack, &["sts", "get-caller-identity", "--profile", profile]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stderr(), stack.server_output());
    run.json()
}

#[test]
fn a_signed_jwt_rs256_or_es256_gets_credentials_through_the_aws_cli() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let home = Home::new();
    machine_profile(&home, &stack, "rs", SVC_JWT_CLIENT, &key_lines(&stack, SVC_RS256_KID));
    machine_profile(&home, &stack, "es", SVC_JWT_CLIENT, &key_lines(&stack, SVC_ES256_KID));
    for profile in ["rs", "es"] {
        let who = caller_identity(&home, &stack, profile);
        assert_eq!(who["Arn"], "arn:aws:sts::111122223333:assumed-role/WebDeveloper/svc-jwt", "{profile}");
    }
    assert_eq!(grants(&stack), ["client_credentials svc-jwt ok", "client_credentials svc-jwt ok"]);
    // The access token went to STS as issued: addressed to STS, for the client.
    let sts = stack.sts_web_identity();
    assert_eq!(sts.len(), 2);
    for line in &sts {
        assert_eq!(
            (line["subject"].as_str(), line["audience"].as_str()),
            (Some("svc-jwt"), Some("sts.amazonaws.com"))
        );
    }
    // Nothing but AWS credentials is kept: no token cache for a machine.
    assert!(!home.login_dir().join("tokens").exists());
}

#[test]
fn the_key_may_come_from_the_environment_and_a_new_jti_each_time() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let home = Home::new();
    machine_profile(&home, &stack, "env", SVC_JWT_CLIENT, &format!("key_id = {SVC_RS256_KID}"));
    let pem = std::fs::read_to_string(stack.svc_key(SVC_RS256_KID)).unwrap();
    let env = [("AWS_LOGIN_PRIVATE_KEY", pem.as_str())];
    home.run_with_env(&stack, &["login", "--profile", "env"], &env).ok();
    // A second login signs a new assertion: the provider refuses a replayed jti.
    home.run_with_env(&stack, &["login", "--profile", "env", "--force-refresh"], &env).ok();
    assert_eq!(grants(&stack), ["client_credentials svc-jwt ok", "client_credentials svc-jwt ok"]);
}

#[test]
fn a_client_secret_basic_or_post_gets_credentials_through_the_aws_cli() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let home = Home::new();
    let secret = format!("client_secret = {SVC_CLIENT_SECRET}");
    machine_profile(&home, &stack, "auto", SVC_SECRET_CLIENT, &secret);
    machine_profile(
        &home,
        &stack,
        "post",
        SVC_SECRET_CLIENT,
        &format!("{secret}\ntoken_endpoint_auth_method = client_secret_post"),
    );
    machine_profile(
        &home,
        &stack,
        "basic",
        SVC_SECRET_CLIENT,
        &format!("{secret}\ntoken_endpoint_auth_method = Client_Secret_Basic"),
    );
    for profile in ["auto", "post", "basic"] {
        let who = caller_identity(&home, &stack, profile);
        assert_eq!(who["Arn"], "arn:aws:sts::111122223333:assumed-role/WebDeveloper/svc-secret", "{profile}");
    }
    assert_eq!(grants(&stack).len(), 3);
    assert!(grants(&stack).iter().all(|g| g == "client_credentials svc-secret ok"), "{:?}", grants(&stack));
}

#[test]
fn a_wrong_key_or_audience_is_one_sentence_and_changes_nothing() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let home = Home::new();
    machine_profile(&home, &stack, "wrong", SVC_JWT_CLIENT, &key_lines(&stack, SVC_WRONG_KID));
    let aud = format!(
        "{}\nclient_assertion_audience = https://elsewhere.example/token",
        key_lines(&stack, SVC_RS256_KID)
    );
    machine_profile(&home, &stack, "aud", SVC_JWT_CLIENT, &aud);
    let before = home.snapshot();
    for profile in ["wrong", "aud"] {
        let err = home.run(&stack, &["--profile", profile]).fails(7);
        assert!(err.contains("refused this client's client credentials request (invalid_client"), "{err}");
        assert!(err.contains("check client_id, the private key"), "{err}");
    }
    assert_eq!(home.snapshot(), before);
    assert!(
        grants(&stack).iter().all(|g| g == "client_credentials svc-jwt invalid_client"),
        "{:?}",
        grants(&stack)
    );
    assert!(stack.sts_web_identity().is_empty());

    // A wrong secret likewise, naming the secret.
    machine_profile(&home, &stack, "secret", SVC_SECRET_CLIENT, "client_secret = not-the-secret-1");
    let before = home.snapshot();
    let err = home.run(&stack, &["--profile", "secret"]).fails(7);
    assert!(err.contains("check client_id and client_secret"), "{err}");
    assert_eq!(home.snapshot(), before);
}

#[test]
fn bad_machine_settings_are_one_sentence_before_any_request() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let home = Home::new();
    // Outside the home: the sweep would count its lines as a key written there.
    let not_a_key = stack.dir.path().join("not-a-key.pem");
    std::fs::write(
        &not_a_key,
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let cases = [
        ("nothing", String::new(), "has no private_key_file"),
        (
            "missing",
            "private_key_file = /nonexistent/key.pem".to_string(),
            "cannot be used: it cannot be read",
        ),
        (
            "garbage",
            format!("private_key_file = {}", not_a_key.display()),
            "neither an RSA nor an EC P-256 private key",
        ),
        (
            "method",
            "client_secret = x-secret-1\ntoken_endpoint_auth_method = tls".into(),
            "must be one of client_secret_basic, client_secret_post, private_key_jwt",
        ),
        (
            "jwt",
            "client_secret = x-secret-1\ntoken_endpoint_auth_method = private_key_jwt".into(),
            "has no private_key_file",
        ),
    ];
    for (name, extra, _) in &cases {
        machine_profile(&home, &stack, name, SVC_JWT_CLIENT, extra);
    }
    let before = home.snapshot();
    for (name, _, want) in &cases {
        let err = home.run(&stack, &["--profile", name]).fails(5);
        assert!(err.contains(want), "{name}: {err}");
    }
    assert_eq!(home.snapshot(), before);
    assert!(grants(&stack).is_empty(), "{:?}", grants(&stack));
}
