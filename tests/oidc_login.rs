//! The OpenID Connect source against the real test stack (tests/oidc/README.md): npm's
//! oidc-provider as the issuer, the STS front checking web-identity tokens against its JWKS, and
//! scripted people (a form-filling browser, a device user) as the `browser` command.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Stdio;

use common::{BIN, Home, OIDC_CLIENT, Stack, WEB_IDENTITY_ROLE};
use serde_json::Value;

/// A profile `name` signing in at the stack's OP with the scripted browser (`auto_login`, as
/// tests have no terminal), plus the AWS CLI profile that runs it as credential_process.
fn oidc_profile(home: &Home, stack: &Stack, name: &str, extra: &str) {
    home.profile(
        name,
        &format!(
            "source = oidc\noidc_issuer = {}\nclient_id = {OIDC_CLIENT}\nscope = openid email offline_access\nrole_arn = {WEB_IDENTITY_ROLE}\nbrowser = {}\nauto_login = true\n{}",
            stack.oidc_issuer,
            common::oidc_browser(),
            extra.trim()
        ),
    );
    home.aws_config(&format!(
        "[profile {name}]\nregion = us-east-1\ncredential_process = {BIN} --profile {name}\n"
    ));
}

fn stack() -> Stack {
    Stack::empty().sts("{}").oidc().serving()
}

/// The token cache files of a home.
fn token_files(home: &Home) -> Vec<PathBuf> {
    let dir = home.login_dir().join("tokens");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn token_cache(home: &Home) -> Value {
    let files = token_files(home);
    assert_eq!(files.len(), 1, "{files:?}");
    serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap()
}

fn grants(stack: &Stack) -> Vec<String> {
    stack
        .oidc_events("token")
        .iter()
        .map(|e| format!("{} {}", e["grant_type"].as_str().unwrap_or("?"), e["outcome"].as_str().unwrap_or("?")))
        .collect()
}

#[test]
fn a_browser_login_through_the_aws_cli() {
    let stack = stack();
    let home = Home::new();
    oidc_profile(&home, &stack, "o", "");
    let run = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "o"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stderr(), stack.server_output());
    assert_eq!(
        run.json()["Arn"],
        "arn:aws:sts::111122223333:assumed-role/WebDeveloper/alice@example.test",
        "the session is named after the email"
    );
    assert_eq!(stack.oidc_events("authorization").len(), 1);
    assert_eq!(grants(&stack), ["authorization_code ok"]);
    let sts = stack.sts_web_identity();
    assert_eq!((sts.len(), sts[0]["outcome"].as_str()), (1, Some("success")));

    // The tokens are kept privately, in a private directory.
    let file = &token_files(&home)[0];
    assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(file.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    let kept = token_cache(&home);
    assert!(kept["refresh_token"].is_string() && kept["id_token"].is_string(), "{kept}");

    // A second profile of the same login uses the kept ID token: no sign-in, no grant.
    oidc_profile(&home, &stack, "o2", "");
    home.run(&stack, &["login", "--profile", "o2"]).ok();
    assert_eq!(stack.oidc_events("authorization").len(), 1);
    assert_eq!(grants(&stack), ["authorization_code ok"]);
    assert_eq!(stack.sts_web_identity().len(), 2);
}
