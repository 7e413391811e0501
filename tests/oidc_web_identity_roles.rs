//! Where a web identity's roles come from besides `role_arn` (issue 17): a list (`roles`), an ID
//! token claim (`roles_claim`, the test OP's `id_token_roles` knob) and mozilla-aws-cli's roles
//! API (`roles_url`, tests/oidc/maws_roles.py), then `role_arn` or the picker chooses; against
//! the real test stack, the scripted browser signing in (tests have no terminal).

mod common;

use common::{
    BIN, Home, MAWS_ADMIN, MAWS_READONLY, OIDC_BOB_PW, OIDC_CLIENT, SVC_CLIENT_SECRET, SVC_SECRET_CLIENT,
    Stack, WEB_IDENTITY_ROLE,
};

fn profile(home: &Home, stack: &Stack, name: &str, extra: &str) {
    home.profile(
        name,
        &format!(
            "source = oidc\noidc_issuer = {}\nclient_id = {OIDC_CLIENT}\nscope = openid email\nbrowser = {}\nauto_login = true\n{}",
            stack.oidc_issuer,
            common::oidc_browser(),
            extra.trim()
        ),
    );
    home.aws_config(&format!(
        "[profile {name}]\nregion = us-east-1\ncredential_process = {BIN} --profile {name}\n"
    ));
}

const BOB: [(&str, &str); 2] = [("OIDC_TEST_USER", "bob"), ("OIDC_TEST_PASSWORD", OIDC_BOB_PW)];

fn assumed(stack: &Stack) -> Vec<String> {
    stack.sts_web_identity().iter().map(|e| e["role_arn"].as_str().unwrap_or("?").to_string()).collect()
}

#[test]
fn the_roles_api_lists_the_roles_and_role_arn_or_the_picker_chooses() {
    let stack = Stack::empty().sts("{}").oidc().maws_roles().serving();
    let home = Home::new();
    profile(
        &home,
        &stack,
        "bob",
        &format!("roles_url = {}\nrole_arn = {MAWS_READONLY}", stack.maws_roles_url),
    );
    home.run_with_env(&stack, &["login", "--profile", "bob"], &BOB).ok();
    assert_eq!(assumed(&stack), [MAWS_READONLY]);
    let maws = stack.maws_log();
    assert_eq!(
        (maws.len(), maws[0]["outcome"].as_str(), maws[0]["user"].as_str()),
        (1, Some("ok"), Some("bob"))
    );

    // Three roles and no role_arn, no terminal: one sentence listing them.
    let home = Home::new();
    profile(&home, &stack, "bob", &format!("roles_url = {}", stack.maws_roles_url));
    let err = home.run_with_env(&stack, &["login", "--profile", "bob"], &BOB).fails(11);
    for role in [WEB_IDENTITY_ROLE, MAWS_READONLY, MAWS_ADMIN] {
        assert!(err.contains(role), "{err}");
    }
    // alice has one role: it is taken.
    let home = Home::new();
    profile(&home, &stack, "alice", &format!("roles_url = {}", stack.maws_roles_url));
    let run = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "alice"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.json()["Arn"], "arn:aws:sts::111122223333:assumed-role/WebDeveloper/alice@example.test");
}

#[test]
fn a_roles_api_error_is_one_sentence_and_changes_nothing() {
    let stack = Stack::empty().sts("{}").oidc().maws_roles().serving();
    stack.maws_control(r#"{"error": "not authorized for any roles"}"#);
    let home = Home::new();
    profile(&home, &stack, "a", &format!("roles_url = {}", stack.maws_roles_url));
    let before = home.snapshot();
    let err = home.run(&stack, &["login", "--profile", "a"]).fails(21);
    assert!(err.contains("answered the roles request with an error (not authorized for any roles)"), "{err}");
    assert!(stack.sts_web_identity().is_empty());
    // The sign-in itself is kept (the OP accepted it); no AWS credentials are.
    assert!(!home.cache_file("a").exists());
    let after = home.snapshot();
    let outside_tokens = |s: &[(std::path::PathBuf, String)]| {
        s.iter().filter(|(p, _)| !p.to_string_lossy().contains("/tokens/")).cloned().collect::<Vec<_>>()
    };
    assert_eq!(outside_tokens(&after), outside_tokens(&before));
}

#[test]
fn a_claim_and_a_list_offer_roles_together() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    stack.oidc_control(&format!(r#"{{"id_token_roles": {{"alice": ["{MAWS_READONLY}", "developers"]}}}}"#));
    let home = Home::new();
    let both = format!("roles_claim = aws_roles\nroles = {WEB_IDENTITY_ROLE}");
    profile(&home, &stack, "both", &format!("{both}\nrole_arn = {MAWS_READONLY}"));
    home.run(&stack, &["login", "--profile", "both"]).ok();
    assert_eq!(assumed(&stack), [MAWS_READONLY]);
    // No role_arn: the list's role and the claim's are both offered (the group name is not a role).
    profile(&home, &stack, "ask", &both);
    let err = home.run(&stack, &["login", "--profile", "ask"]).fails(11);
    assert!(
        err.contains(WEB_IDENTITY_ROLE) && err.contains(MAWS_READONLY) && !err.contains("developers"),
        "{err}"
    );
    // A role_arn outside them is not granted.
    profile(&home, &stack, "other", &format!("{both}\nrole_arn = {MAWS_ADMIN}"));
    let err = home.run(&stack, &["login", "--profile", "other"]).fails(11);
    assert!(err.contains("is not among"), "{err}");
    assert_eq!(assumed(&stack).len(), 1);
}

#[test]
fn a_claim_needs_an_id_token_and_bad_lists_are_said() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let home = Home::new();
    home.profile(
        "m",
        &format!(
            "source = oidc\noidc_issuer = {}\nclient_id = {SVC_SECRET_CLIENT}\nclient_secret = {SVC_CLIENT_SECRET}\noidc_flow = client_credentials\nroles_claim = aws_roles\n",
            stack.oidc_issuer
        ),
    );
    profile(&home, &stack, "list", "roles = Developer");
    let before = home.snapshot();
    let err = home.run(&stack, &["login", "--profile", "m"]).fails(5);
    assert!(err.contains("roles_claim = 'aws_roles' is not valid: it needs an ID token"), "{err}");
    let err = home.run(&stack, &["login", "--profile", "list"]).fails(5);
    assert!(err.contains("'Developer' is not an IAM role ARN"), "{err}");
    assert_eq!(home.snapshot(), before);
    assert!(stack.sts_web_identity().is_empty());
}

#[test]
fn every_role_of_the_roles_api_from_one_sign_in_with_all_roles() {
    let stack = Stack::empty().sts("{}").oidc().maws_roles().serving();
    let home = Home::new();
    profile(&home, &stack, "bob", &format!("roles_url = {}", stack.maws_roles_url));
    let run = home.run_with_env(&stack, &["login", "--all-roles", "-p", "bob"], &BOB).ok();
    assert!(run.stderr().contains("3 of the 3 roles granted stored as profiles"), "{}", run.stderr());
    // One sign-in, one roles request, one STS call per role.
    assert_eq!(stack.oidc_events("authorization").len(), 1);
    assert_eq!(stack.maws_log().len(), 1);
    let mut roles = assumed(&stack);
    roles.sort();
    let mut want = [WEB_IDENTITY_ROLE, MAWS_READONLY, MAWS_ADMIN];
    want.sort();
    assert_eq!(roles, want);
    // The profiles are named after the aliases the roles API gave (the account it names only by
    // its ID keeps the ID).
    let config = std::fs::read_to_string(home.login_dir().join("config")).unwrap();
    for section in ["[aws-login-dev-WebDeveloper]", "[aws-login-dev-WebReadOnly]", "[444455556666-WebAdmin]"]
    {
        assert!(config.contains(section), "{section} in {config}");
    }
}
