//! The OpenID test stack as the Rust tests start it (`Stack::empty().sts(..).oidc()`): the OP
//! serves discovery, the STS front trusts it for its clients, and the real AWS CLI hears the
//! front refuse a token that is not one. No aws-login here: this proves the wiring the OIDC
//! source's tests stand on.

mod common;

use std::process::Command;

use common::{Home, OIDC_CLIENT, Stack, WEB_IDENTITY_ROLE, http};
use serde_json::Value;

fn json(answer: (u16, String)) -> Value {
    assert!(answer.0 < 500, "{}", answer.1);
    serde_json::from_str(&answer.1).unwrap_or_else(|e| panic!("{e}: {}", answer.1))
}

fn web_identity(home: &Home, stack: &Stack, token: &str) -> common::Run {
    home.aws_web_identity(stack, WEB_IDENTITY_ROLE, "alice", token)
}

#[test]
fn discovery_answers_and_the_front_refuses_a_garbage_token() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let discovery =
        json(http(&format!("{}/.well-known/openid-configuration", stack.oidc_issuer), "GET", "", ""));
    assert_eq!(discovery["issuer"], stack.oidc_issuer.as_str());
    assert_eq!(discovery["revocation_endpoint"], format!("{}/token/revocation", stack.oidc_issuer));

    let home = Home::new();
    let run = web_identity(&home, &stack, "not-a-token-at-all");
    assert_ne!(run.code(), 0);
    assert!(run.stderr().contains("(InvalidIdentityToken)"), "{}", run.stderr());
    assert_eq!(stack.sts_web_identity()[0]["outcome"], "InvalidIdentityToken");
}

#[test]
fn a_device_login_token_gets_credentials_at_the_front() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let start = json(http(
        &format!("{}/device/auth", stack.oidc_issuer),
        "POST",
        "application/x-www-form-urlencoded",
        &format!("client_id={OIDC_CLIENT}&scope=openid%20email%20offline_access"),
    ));
    let mut user = common::oidc_device_user();
    user.push(' ');
    user.push_str(start["verification_uri_complete"].as_str().unwrap());
    let words: Vec<&str> = user.split(' ').collect();
    let done = Command::new(words[0]).args(&words[1..]).output().unwrap();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));

    let form = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id={OIDC_CLIENT}&device_code={}",
        start["device_code"].as_str().unwrap()
    );
    let tokens = json(http(
        &format!("{}/token", stack.oidc_issuer),
        "POST",
        "application/x-www-form-urlencoded",
        &form,
    ));
    assert!(tokens["refresh_token"].is_string(), "{tokens}");

    let home = Home::new();
    let run = web_identity(&home, &stack, tokens["id_token"].as_str().unwrap()).ok();
    let answer = run.json();
    assert_eq!(answer["Provider"], stack.oidc_issuer.as_str());
    assert_eq!(answer["Audience"], OIDC_CLIENT);
    assert_eq!(answer["SubjectFromWebIdentityToken"], "alice");
    assert_eq!(answer["AssumedRoleUser"]["Arn"], "arn:aws:sts::111122223333:assumed-role/WebDeveloper/alice");

    let events: Vec<String> =
        stack.oidc_log().iter().map(|e| e["event"].as_str().unwrap().to_string()).collect();
    assert_eq!(events, ["device_authorization", "login", "token"]);
    assert_eq!(stack.oidc_events("token")[0]["outcome"], "ok");
    assert_eq!(stack.sts_web_identity()[0]["outcome"], "success");
}
