//! What the IdP and STS answer, and what aws-login makes of it: an answer addressed to another
//! service is not used, cookies the IdP finds too large lead to the password.

mod common;

use common::*;
use serde_json::json;

fn alice(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "dev", &format!("username = alice\npassword = {ALICE_PW}\nfactor = off"));
    home
}

const DEV: &[&str] = &["--profile", "dev"];

#[test]
fn an_answer_addressed_to_another_service_is_not_used() {
    let stack = Stack::start();
    let other = "https://signin.evil.example/saml";
    stack.idp_control(&json!({ "ecp_acs": other }).to_string());

    // A password login: refused, nothing stored, nothing sent to STS.
    let home = alice(&stack);
    let before = home.snapshot();
    let err = home.run(&stack, DEV).fails(21);
    assert_eq!(home.snapshot(), before);
    assert!(
        err.contains(&format!(
            "the IdP at {} addressed its answer to {other}, not to https://signin.aws.amazon.com/saml as asked, so it was not used",
            stack.ecp_url
        )),
        "{err}"
    );
    assert_eq!(stack.idp_log().last().unwrap()["outcome"], "success", "the IdP did answer");

    // A session login: the IdP's new cookie in that answer is not taken either.
    stack.idp_control(r#"{"ecp_acs": null}"#);
    home.run(&stack, &["login", "--profile", "dev"]).ok();
    stack.idp_control(&json!({ "ecp_acs": other }).to_string());
    let before = home.snapshot();
    let err = home.run(&stack, &["login", "--profile", "dev", "--force-refresh"]).fails(21);
    assert!(err.contains("so it was not used"), "{err}");
    assert_eq!(home.snapshot(), before, "the cookie jar must not change");
    assert_eq!(stack.idp_log().last().unwrap()["auth"], "cookie");
    assert_eq!(stack.sts_assumes().len(), 1, "only the good login reached STS");
}

#[test]
fn cookies_the_idp_will_not_take_lead_to_the_password() {
    let stack = Stack::start();
    let home = alice(&stack);
    home.run(&stack, &["login", "--profile", "dev"]).ok();
    for status in [431, 400] {
        stack.idp_control(&json!({ "cookie_status": status }).to_string());
        let seen = stack.idp_log().len();
        home.run(&stack, &["login", "--profile", "dev", "--force-refresh"]).ok();
        let log = stack.idp_log();
        assert_eq!(log.len(), seen + 2, "{log:?}");
        assert_eq!(
            (log[seen]["outcome"].as_str(), log[seen]["status"].as_u64()),
            (Some("cookie_status"), Some(status))
        );
        assert_eq!(
            (log[seen + 1]["auth"].as_str(), log[seen + 1]["outcome"].as_str()),
            (Some("basic"), Some("success"))
        );
    }
}
