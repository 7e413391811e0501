//! The Okta stand-in as the Rust tests start it (`Stack::empty().sts(..).okta()`): okta-aws-cli's
//! `web` flow by hand — device authorization, the scripted person, the device-code grant, the
//! exchange to a web-SSO token, the SAML page — and the real AWS CLI takes its SAMLResponse at
//! the front. No aws-login here: this proves the wiring the Rust side of issue 19 stands on.

mod common;

use std::process::Command;

use common::{Home, OKTA_APP_PROD, OKTA_CLIENT_ID, OKTA_SCOPE, Stack, http};
use serde_json::Value;

const FORM: &str = "application/x-www-form-urlencoded";

fn json(answer: (u16, String)) -> Value {
    serde_json::from_str(&answer.1).unwrap_or_else(|e| panic!("{e}: {}", answer.1))
}

/// The value of the page's hidden SAMLResponse input.
fn saml_response(page: &str) -> String {
    let at = page.find(r#"name="SAMLResponse""#).unwrap_or_else(|| panic!("no SAMLResponse: {page}"));
    let value = &page[at..][page[at..].find(r#"value=""#).unwrap() + 7..];
    value[..value.find('"').unwrap()].to_string()
}

/// A device authorization's answer.
fn authorize(stack: &Stack) -> Value {
    let body = format!("client_id={OKTA_CLIENT_ID}&scope={}", OKTA_SCOPE.replace(' ', "%20"));
    json(http(&format!("{}/oauth2/v1/device/authorize", stack.okta_url), "POST", FORM, &body))
}

/// One device-code poll: status and answer.
fn poll(stack: &Stack, start: &Value) -> (u16, Value) {
    let poll = format!(
        "client_id={OKTA_CLIENT_ID}&grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code={}",
        start["device_code"].as_str().unwrap()
    );
    let answer = http(&format!("{}/oauth2/v1/token", stack.okta_url), "POST", FORM, &poll);
    (answer.0, json(answer))
}

/// Device authorization through the scripted person; the token endpoint's answer.
fn device_login(stack: &Stack, deny: bool) -> (u16, Value) {
    let start = authorize(stack);
    let mut words: Vec<String> = common::okta_device_user().split(' ').map(String::from).collect();
    if deny {
        words.push("--deny".into());
    }
    words.push(start["verification_uri_complete"].as_str().unwrap().to_string());
    let done = Command::new(&words[0]).args(&words[1..]).output().unwrap();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    poll(stack, &start)
}

#[test]
fn the_web_flow_ends_in_credentials_at_the_front() {
    let stack = Stack::empty().sts("{}").okta().serving();
    assert_eq!(format!("http://{}", stack.okta_org_domain), stack.okta_url);
    let (status, tokens) = device_login(&stack, false);
    assert_eq!(status, 200, "{tokens}");
    let exchange = format!(
        "client_id={OKTA_CLIENT_ID}&actor_token={}&actor_token_type=urn:ietf:params:oauth:token-type:access_token\
         &subject_token={}&subject_token_type=urn:ietf:params:oauth:token-type:id_token\
         &grant_type=urn:ietf:params:oauth:grant-type:token-exchange\
         &requested_token_type=urn:okta:oauth:token-type:web_sso_token&audience=urn:okta:apps:{OKTA_APP_PROD}",
        tokens["access_token"].as_str().unwrap(),
        tokens["id_token"].as_str().unwrap()
    );
    let web_sso = json(http(&format!("{}/oauth2/v1/token", stack.okta_url), "POST", FORM, &exchange));
    let token = web_sso["access_token"].as_str().unwrap_or_else(|| panic!("{web_sso}"));
    let page = http(&format!("{}/login/token/sso", stack.okta_url), "POST", FORM, &format!("token={token}"));
    assert_eq!(page.0, 200, "{}", page.1);
    let run = Home::new()
        .aws_saml(
            &stack,
            "arn:aws:iam::444455556666:role/Auditor",
            "arn:aws:iam::444455556666:saml-provider/TestIdP",
            &saml_response(&page.1),
        )
        .ok();
    assert!(run.stdout().contains("assumed-role/Auditor/dana@example.test"), "{}", run.stdout());
    let log = stack.okta_log();
    let events: Vec<&str> = log.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["device_authorization", "activation_page", "activation", "token", "token", "saml"]);
    assert_eq!(log[5]["outcome"], "ok");
}

#[test]
fn a_denied_device_authorization_is_access_denied() {
    let stack = Stack::empty().okta().serving();
    let (status, answer) = device_login(&stack, true);
    assert_eq!((status, answer["error"].as_str()), (400, Some("access_denied")));
    let activation = stack.okta_log().into_iter().filter(|e| e["event"] == "activation").collect::<Vec<_>>();
    assert_eq!(activation[0]["outcome"], "denied");

    // deny_all: refused before anyone looks.
    stack.okta_control(r#"{"deny_all": true}"#);
    let (status, answer) = poll(&stack, &authorize(&stack));
    assert_eq!((status, answer["error"].as_str()), (400, Some("access_denied")));
}
