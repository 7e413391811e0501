//! The machine and SAML parts of the OpenID test stack as the Rust tests start them
//! (`Stack::empty().sts(..).oidc().exchange().maws_roles()`): a machine client's access token
//! gets credentials at the front through the real AWS CLI, the exchange's assertion (signed with
//! the key it made, no IdP started) is taken by the front, and the helpers' paths and knobs work.
//! No aws-login here: this proves the wiring the Rust side of issue 17 will stand on.

mod common;

use std::os::unix::fs::PermissionsExt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{
    DEVELOPER, EXCHANGE_AUDIENCE, Home, PROVIDER, SAML2_TOKEN_TYPE, STS_AUDIENCE, SVC_CLIENT_SECRET,
    SVC_ES256_KID, SVC_RS256_KID, SVC_SECRET_CLIENT, SVC_WRONG_KID, Stack, WEB_IDENTITY_ROLE, http,
};
use serde_json::Value;

const FORM: &str = "application/x-www-form-urlencoded";

fn json(answer: (u16, String)) -> Value {
    assert!(answer.0 < 500, "{}", answer.1);
    serde_json::from_str(&answer.1).unwrap_or_else(|e| panic!("{e}: {}", answer.1))
}

/// svc-secret's client-credentials access token (client_secret_post).
fn machine_token(stack: &Stack) -> String {
    let body = format!(
        "grant_type=client_credentials&scope=deploy&client_id={SVC_SECRET_CLIENT}&client_secret={SVC_CLIENT_SECRET}"
    );
    let answer = json(http(&format!("{}/token", stack.oidc_issuer), "POST", FORM, &body));
    answer["access_token"].as_str().unwrap_or_else(|| panic!("{answer}")).to_string()
}

#[test]
fn a_machine_access_token_gets_credentials_at_the_front() {
    let stack = Stack::empty().sts("{}").oidc().serving();
    let token = machine_token(&stack);
    let run = Home::new().aws_web_identity(&stack, WEB_IDENTITY_ROLE, "ci-job", &token).ok();
    assert!(run.stdout().contains("assumed-role/WebDeveloper/ci-job"), "{}", run.stdout());
    let line = &stack.sts_web_identity()[0];
    assert_eq!(
        (line["subject"].as_str(), line["audience"].as_str()),
        (Some("svc-secret"), Some(STS_AUDIENCE))
    );
}

#[test]
fn svc_jwt_keys_are_private_pems() {
    let stack = Stack::empty().oidc().serving();
    for kid in [SVC_RS256_KID, SVC_ES256_KID, SVC_WRONG_KID] {
        let path = stack.svc_key(kid);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "{kid}");
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("-----BEGIN PRIVATE KEY-----"), "{kid}");
    }
}

#[test]
fn the_exchanged_assertion_is_taken_by_the_front_and_the_roles_api_answers() {
    let stack = Stack::empty().sts("{}").oidc().exchange().maws_roles().serving();
    let token = machine_token(&stack);
    stack.exchange_control(&format!(r#"{{"roles": {{"svc-secret": ["{DEVELOPER},{PROVIDER}"]}}}}"#));
    let body = format!(
        "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&client_id={SVC_SECRET_CLIENT}\
         &client_secret={SVC_CLIENT_SECRET}&subject_token={token}\
         &subject_token_type=urn:ietf:params:oauth:token-type:access_token\
         &requested_token_type={SAML2_TOKEN_TYPE}&audience={EXCHANGE_AUDIENCE}"
    );
    let answer = json(http(&stack.exchange_url, "POST", FORM, &body));
    assert_eq!(answer["issued_token_type"], SAML2_TOKEN_TYPE, "{answer}");
    let assertion = URL_SAFE_NO_PAD.decode(answer["access_token"].as_str().unwrap()).unwrap();
    let assertion = String::from_utf8(assertion).unwrap();
    // What the client does: an unsigned samlp:Response around the assertion, byte for byte.
    let response = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Version="2.0" ID="_r"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertion}</samlp:Response>"#
    );
    let run = Home::new().aws_saml(&stack, DEVELOPER, PROVIDER, &STANDARD.encode(response)).ok();
    assert!(run.stdout().contains("assumed-role/Developer/svc-secret"), "{}", run.stdout());
    let line = &stack.exchange_log()[0];
    assert_eq!((line["outcome"].as_str(), line["user"].as_str()), (Some("ok"), Some("svc-secret")));

    // The roles API wants an ID token for a CLI client; the machine token is addressed to STS.
    stack.maws_control(r#"{"roles": null}"#);
    let roles =
        json(http(&stack.maws_roles_url, "POST", "application/json", &format!(r#"{{"token": "{token}"}}"#)));
    assert_eq!(roles["error"], "Invalid claims in ID Token", "{roles}");
    assert_eq!(stack.maws_log()[0]["outcome"], "invalid_token");
}
