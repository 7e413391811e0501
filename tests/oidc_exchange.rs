//! The token exchange to SAML (issue 17, aws-cli-oidc's SAML federation) against the real test
//! stack: the OP's token exchanged at tests/oidc/exchange.py (RFC 8693, a Keycloak-form assertion
//! signed with the test IdP's key), wrapped by aws-login in a samlp:Response and taken by the
//! strict STS front with AssumeRoleWithSAML, through the real AWS CLI's credential_process.

mod common;

use common::{
    BIN, DEVELOPER, EXCHANGE_READONLY, Home, OIDC_BOB_PW, OIDC_CLIENT, PROVIDER, SVC_CLIENT_SECRET,
    SVC_SCOPE, SVC_SECRET_CLIENT, Stack,
};

fn stack() -> Stack {
    Stack::empty().sts("{}").oidc().exchange().serving()
}

/// A person's profile (the scripted browser, as tests have no terminal) whose token is exchanged.
fn person_profile(home: &Home, stack: &Stack, name: &str, extra: &str) {
    home.profile(
        name,
        &format!(
            "source = oidc\noidc_issuer = {}\nclient_id = {OIDC_CLIENT}\nscope = openid email\nbrowser = {}\nauto_login = true\nexchange = saml\nexchange_endpoint = {}\n{}",
            stack.oidc_issuer,
            common::oidc_browser(),
            stack.exchange_url,
            extra.trim()
        ),
    );
    aws_profile(home, name);
}

/// A machine's profile (svc-secret) whose access token is exchanged.
fn machine_profile(home: &Home, stack: &Stack, name: &str) {
    home.profile(
        name,
        &format!(
            "source = oidc\noidc_issuer = {}\nclient_id = {SVC_SECRET_CLIENT}\nclient_secret = {SVC_CLIENT_SECRET}\noidc_flow = client_credentials\nscope = {SVC_SCOPE}\nexchange = saml\nexchange_endpoint = {}\n",
            stack.oidc_issuer, stack.exchange_url
        ),
    );
    aws_profile(home, name);
}

fn aws_profile(home: &Home, name: &str) {
    home.aws_config(&format!(
        "[profile {name}]\nregion = us-east-1\ncredential_process = {BIN} --profile {name}\n"
    ));
}

/// The exchange's log, as `client subject_type outcome`.
fn exchanges(stack: &Stack) -> Vec<String> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("?").rsplit(':').next().unwrap_or("?").to_string();
    stack
        .exchange_log()
        .iter()
        .map(|e| format!("{} {} {}", s(&e["client_id"]), s(&e["subject_token_type"]), s(&e["outcome"])))
        .collect()
}

#[test]
fn a_persons_access_token_becomes_saml_and_aws_credentials() {
    let stack = stack();
    let home = Home::new();
    person_profile(&home, &stack, "p", "");
    let run = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "p"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stderr(), stack.server_output());
    assert_eq!(run.json()["Arn"], "arn:aws:sts::111122223333:assumed-role/Developer/alice");
    assert_eq!(exchanges(&stack), ["cli-native access_token ok"]);
    // AssumeRoleWithSAML, the assertion's signature verified by the front: no web identity.
    let assumed = stack.sts_assumes();
    assert_eq!(assumed.len(), 1, "{assumed:?}");
    assert_eq!(assumed[0]["outcome"], "success", "{assumed:?}");
    assert!(stack.sts_web_identity().is_empty());
}

#[test]
fn the_id_token_may_be_exchanged_and_role_arn_chooses_among_the_assertions_roles() {
    let stack = stack();
    let home = Home::new();
    let extra = format!("exchange_subject = id_token\nrole_arn = {EXCHANGE_READONLY}");
    person_profile(&home, &stack, "bob", &extra);
    let bob = [("OIDC_TEST_USER", "bob"), ("OIDC_TEST_PASSWORD", OIDC_BOB_PW)];
    home.run_with_env(&stack, &["login", "--profile", "bob"], &bob).ok();
    assert_eq!(exchanges(&stack), ["cli-native id_token ok"]);
    let assumed = stack.sts_assumes();
    assert_eq!(assumed[0]["role_arn"], EXCHANGE_READONLY, "{assumed:?}");

    // Without role_arn and no terminal, two roles are one sentence listing them.
    let home = Home::new();
    person_profile(&home, &stack, "bob", "exchange_subject = id_token");
    let err = home.run_with_env(&stack, &["login", "--profile", "bob"], &bob).fails(11);
    assert!(err.contains(DEVELOPER) && err.contains(EXCHANGE_READONLY), "{err}");
}

#[test]
fn a_machines_access_token_becomes_saml_and_aws_credentials() {
    let stack = stack();
    stack.exchange_control(&format!(r#"{{"roles": {{"svc-secret": ["{DEVELOPER},{PROVIDER}"]}}}}"#));
    let home = Home::new();
    machine_profile(&home, &stack, "m");
    let run = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "m"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stderr(), stack.server_output());
    assert_eq!(run.json()["Arn"], "arn:aws:sts::111122223333:assumed-role/Developer/svc-secret");
    assert_eq!(exchanges(&stack), ["svc-secret access_token ok"]);
}

#[test]
fn a_refused_exchange_is_one_sentence_and_changes_nothing() {
    let stack = stack();
    stack.exchange_control(r#"{"refuse": "invalid_grant"}"#);
    let home = Home::new();
    machine_profile(&home, &stack, "m");
    let before = home.snapshot();
    let err = home.run(&stack, &["--profile", "m"]).fails(21);
    assert!(
        err.contains("answered the token exchange to SAML with an error (invalid_grant: refused"),
        "{err}"
    );
    assert_eq!(home.snapshot(), before);
    assert!(stack.sts_assumes().is_empty());
}

#[test]
fn a_byte_changed_in_the_exchanged_assertion_is_refused_by_sts() {
    let stack = stack();
    stack.exchange_control(&format!(
        r#"{{"tamper": true, "roles": {{"svc-secret": ["{DEVELOPER},{PROVIDER}"]}}}}"#
    ));
    let home = Home::new();
    machine_profile(&home, &stack, "m");
    let before = home.snapshot();
    let err = home.run(&stack, &["--profile", "m"]).fails(22);
    assert!(err.contains("STS refused") && err.contains("signature"), "{err}");
    assert_eq!(home.snapshot(), before);
    let assumed = stack.sts_assumes();
    assert_eq!(assumed.len(), 1);
    assert_ne!(assumed[0]["outcome"], "success", "{assumed:?}");
}
