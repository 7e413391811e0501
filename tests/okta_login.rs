//! The Okta source (`source = okta`) against the Okta stand-in (tests/okta/README.md), the strict
//! STS front (which verifies the SAML assertions the stand-in signs with the test IdP's key) and
//! the real AWS CLI through credential_process. The person who approves the device code is
//! tests/okta/device_user.py, run as the profile's `browser` command.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use common::{BIN, Home, OKTA_APP_DEV, OKTA_APP_PROD, OKTA_CLIENT_ID, OKTA_ERIK_PW, Run, Stack};
use serde_json::Value;

const AUDITOR: &str = "arn:aws:iam::444455556666:role/Auditor";
const READ_ONLY: &str = "arn:aws:iam::111122223333:role/ReadOnly";

fn stack() -> Stack {
    Stack::empty().sts("{}").okta().serving()
}

/// Profile `name` at the stand-in, approved by the scripted person (`user`'s, default dana)
/// without a terminal (`auto_login`), and the AWS CLI profile that runs it. `extra`: more lines.
fn okta_profile(home: &Home, stack: &Stack, name: &str, extra: &str) {
    okta_profile_as(home, stack, name, extra, None);
}

fn okta_profile_as(home: &Home, stack: &Stack, name: &str, extra: &str, user: Option<(&str, &str)>) {
    let person = match user {
        Some((u, pw)) => {
            format!("env OKTA_TEST_USER={u} OKTA_TEST_PASSWORD={pw} {}", common::okta_device_user())
        }
        None => common::okta_device_user(),
    };
    home.profile(
        name,
        &format!(
            "source = okta\norg_domain = {}\nclient_id = {OKTA_CLIENT_ID}\nbrowser = {person}\nauto_login = true\n{}",
            stack.okta_org_domain,
            extra.trim()
        ),
    );
    home.aws_config(&format!(
        "[profile {name}]\nregion = us-east-1\ncredential_process = {BIN} --profile {name}\n"
    ));
}

/// The stand-in's log lines of `event`.
fn events(stack: &Stack, event: &str) -> Vec<Value> {
    stack.okta_log().into_iter().filter(|e| e["event"] == event).collect()
}

fn caller(home: &Home, stack: &Stack, profile: &str) -> String {
    let run = home.aws(stack, &["sts", "get-caller-identity", "--profile", profile]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stderr(), stack.server_output());
    run.json()["Arn"].as_str().unwrap().to_string()
}

fn token_files(home: &Home) -> Vec<PathBuf> {
    std::fs::read_dir(home.login_dir().join("tokens"))
        .map(|d| {
            d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect()
        })
        .unwrap_or_default()
}

/// The secrets sweep for what aws-login never keeps: every device code and web-SSO token the
/// stand-in handed out, looked for in what `runs` printed and in every file of the home.
fn sweep_issued(stack: &Stack, home: &Home, runs: &[&Run]) {
    let issued = stack.okta_issued();
    assert!(!issued.is_empty());
    for secret in &issued {
        home.known().learn_login_secret("an Okta device code or web-SSO token", secret);
    }
    for run in runs {
        home.known().check(home.path(), "an earlier run", &run.stdout(), &run.stderr());
    }
}

/// A failed run's one sentence (the device prompt above it is for the person), after its code.
fn fails(run: Run, code: i32) -> String {
    let stderr = run.stderr();
    assert_eq!(run.code(), code, "{stderr}");
    let said: Vec<&str> = stderr.lines().filter(|l| l.starts_with("aws-login: ")).collect();
    assert_eq!(said.len(), 1, "one sentence expected: {stderr}");
    said[0].to_string()
}

#[test]
fn dana_picks_among_both_apps_roles_on_a_terminal_then_the_aws_cli_uses_them() {
    let stack = stack();
    let home = Home::new();
    okta_profile(&home, &stack, "k", "");
    let mut tty = home.tty(&stack, &["login", "-p", "k", "--open-browser"]);
    // One picker over both Fed apps, each account named by its app's label.
    tty.expect("AWS Dev (111122223333)");
    tty.expect("AWS Prod (444455556666)");
    tty.expect("Role:");
    tty.send_line("auditor");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}\n{}", stack.server_output());
    let saml: Vec<_> =
        events(&stack, "saml").iter().map(|e| e["app"].as_str().unwrap().to_string()).collect();
    assert_eq!(saml.len(), 2, "both apps' SAML pages: {saml:?}");
    assert!(saml.contains(&OKTA_APP_DEV.to_string()) && saml.contains(&OKTA_APP_PROD.to_string()));
    assert_eq!(events(&stack, "app_links").len(), 1);

    // The pick is remembered; the AWS CLI gets the credentials from the cache.
    assert_eq!(
        caller(&home, &stack, "k"),
        "arn:aws:sts::444455556666:assumed-role/Auditor/dana@example.test"
    );
    let sts = stack.sts_assumes();
    assert_eq!((sts.len(), sts[0]["role_arn"].as_str()), (1, Some(AUDITOR)));
    // The kept tokens are private, in a private directory.
    let file = &token_files(&home)[0];
    assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(file.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    let status = home.run(&stack, &["-p", "k"]).ok();
    sweep_issued(&stack, &home, &[&status]);
}

#[test]
fn eriks_one_app_needs_no_app_pick_and_aws_iam_role_picks_the_role() {
    let stack = stack();
    let home = Home::new();
    let extra = format!("aws_iam_role = {READ_ONLY}");
    okta_profile_as(&home, &stack, "e", &extra, Some(("erik", OKTA_ERIK_PW)));
    assert_eq!(
        caller(&home, &stack, "e"),
        "arn:aws:sts::111122223333:assumed-role/ReadOnly/erik@example.test"
    );
    let saml = events(&stack, "saml");
    assert_eq!(
        (saml.len(), saml[0]["app"].as_str(), saml[0]["user"].as_str()),
        (1, Some(OKTA_APP_DEV), Some("erik"))
    );
}

#[test]
fn a_configured_fed_app_is_used_without_listing_apps() {
    let stack = stack();
    let home = Home::new();
    okta_profile(&home, &stack, "p", &format!("aws_acct_fed_app_id = {OKTA_APP_PROD}"));
    // The prod app grants one role: no choice to make, even without a terminal.
    assert_eq!(
        caller(&home, &stack, "p"),
        "arn:aws:sts::444455556666:assumed-role/Auditor/dana@example.test"
    );
    assert!(events(&stack, "app_links").is_empty());
    let exchanges: Vec<_> =
        events(&stack, "token").into_iter().filter(|e| e["audience"].is_string()).collect();
    assert_eq!(exchanges[0]["audience"], format!("urn:okta:apps:{OKTA_APP_PROD}"));
    // The web-SSO token went in a form, never in a URL.
    assert!(events(&stack, "saml").iter().all(|e| e["token_in_url"] == false && e["outcome"] == "ok"));
}

#[test]
fn the_kept_access_token_serves_the_next_login_without_a_device_authorization() {
    let stack = stack();
    let home = Home::new();
    okta_profile(&home, &stack, "k", &format!("aws_iam_role = {AUDITOR}"));
    let first = home.run(&stack, &["login", "-p", "k"]).ok();
    let second = home.run(&stack, &["login", "-p", "k", "--force-refresh"]).ok();
    assert_eq!(events(&stack, "device_authorization").len(), 1, "no second sign-in");
    assert_eq!(events(&stack, "saml").len(), 4, "two apps, two logins");
    assert_eq!(stack.sts_assumes().len(), 2);
    let kept: Value =
        serde_json::from_str(&std::fs::read_to_string(&token_files(&home)[0]).unwrap()).unwrap();
    assert!(kept["access_token"].is_string() && kept["id_token"].is_string(), "{kept}");
    sweep_issued(&stack, &home, &[&first, &second]);
}

#[test]
fn a_denied_device_authorization_is_one_sentence_and_exit_7() {
    let stack = stack();
    stack.okta_control(r#"{"deny_all": true}"#);
    let home = Home::new();
    okta_profile(&home, &stack, "k", "");
    let before = home.snapshot();
    let said = fails(home.run(&stack, &["login", "-p", "k"]), 7);
    assert!(said.contains("was refused (access_denied"), "{said}");
    assert_eq!(home.snapshot(), before, "nothing changed");
    assert!(stack.sts_log().is_empty());
}

#[test]
fn an_expired_web_sso_token_means_a_new_sign_in_or_a_sentence_without_a_terminal() {
    let stack = stack();
    let home = Home::new();
    okta_profile(&home, &stack, "k", &format!("aws_iam_role = {AUDITOR}"));
    let first = home.run(&stack, &["login", "-p", "k"]).ok();
    stack.okta_control(r#"{"web_sso_ttl": 0}"#);

    // No person to sign in again: one sentence naming the command, exit 23.
    let said = fails(home.run(&stack, &["login", "-p", "k", "--force-refresh", "--auto-login", "false"]), 23);
    assert!(said.contains("run `aws-login login --profile k` in a terminal"), "{said}");
    assert!(token_files(&home).is_empty(), "the refused tokens are not tried again");

    // A person signs in again, but Okta still refuses: said once, exit 7.
    let said = fails(home.run(&stack, &["login", "-p", "k", "--force-refresh"]), 7);
    assert!(said.contains("refused a fresh sign-in too"), "{said}");
    assert_eq!(events(&stack, "device_authorization").len(), 2);

    // Okta takes web-SSO tokens again: the sign-in succeeds.
    stack.okta_control(r#"{"web_sso_ttl": 300}"#);
    let last = home.run(&stack, &["login", "-p", "k", "--force-refresh"]).ok();
    assert_eq!(events(&stack, "device_authorization").len(), 3);
    assert!(events(&stack, "saml").iter().any(|e| e["outcome"] == "expired_token"));
    sweep_issued(&stack, &home, &[&first, &last]);
}

#[test]
fn an_expired_access_token_means_a_new_sign_in() {
    let stack = stack();
    // Access tokens that are already past aws-login's margin when issued.
    stack.okta_control(r#"{"access_token_ttl": 30}"#);
    let home = Home::new();
    okta_profile(&home, &stack, "k", &format!("aws_iam_role = {AUDITOR}"));
    home.run(&stack, &["login", "-p", "k"]).ok();
    home.run(&stack, &["login", "-p", "k", "--force-refresh"]).ok();
    assert_eq!(events(&stack, "device_authorization").len(), 2, "the kept token was too old to use");
}

#[test]
fn all_roles_covers_every_app_and_role() {
    let stack = stack();
    let home = Home::new();
    okta_profile(&home, &stack, "k", "");
    let run = home.run(&stack, &["login", "--all-roles", "-p", "k"]).ok();
    let mut assumed: Vec<String> =
        stack.sts_assumes().iter().map(|e| e["role_arn"].as_str().unwrap().to_string()).collect();
    assumed.sort();
    assert_eq!(
        assumed,
        [
            "arn:aws:iam::111122223333:role/Developer",
            "arn:aws:iam::111122223333:role/ReadOnly",
            "arn:aws:iam::444455556666:role/Auditor"
        ],
        "{}",
        run.stderr()
    );
    assert_eq!(events(&stack, "device_authorization").len(), 1);
    let generated = ["AWS-Prod-Auditor", "AWS-Dev-Developer", "AWS-Dev-ReadOnly"];
    let config = std::fs::read_to_string(home.login_dir().join("config")).unwrap();
    for name in generated {
        assert!(config.contains(&format!("[{name}]")), "{config}");
    }
    // Named after the apps' labels; a generated profile works through the AWS CLI from the cache.
    assert_eq!(
        caller(&home, &stack, "AWS-Prod-Auditor"),
        "arn:aws:sts::444455556666:assumed-role/Auditor/dana@example.test"
    );
    sweep_issued(&stack, &home, &[&run]);
}

#[test]
fn logout_purge_deletes_the_kept_tokens() {
    let stack = stack();
    let home = Home::new();
    okta_profile(&home, &stack, "k", &format!("aws_iam_role = {AUDITOR}"));
    home.run(&stack, &["login", "-p", "k"]).ok();
    assert_eq!(token_files(&home).len(), 1);
    home.run(&stack, &["logout", "--purge", "-p", "k"]).ok();
    assert!(token_files(&home).is_empty());
    home.run(&stack, &["login", "-p", "k"]).ok();
    assert_eq!(events(&stack, "device_authorization").len(), 2, "a new sign-in after the purge");
}

#[test]
fn doctor_and_list_profiles_know_an_okta_profile_without_a_sign_in() {
    let stack = stack();
    let home = Home::new();
    okta_profile(&home, &stack, "k", "");
    let before = home.snapshot();
    let out = home.run(&stack, &["doctor"]).ok().stdout();
    assert!(out.contains(&format!("an Okta org at {}", stack.okta_url)), "{out}");
    let listed = home.run(&stack, &["list-profiles", "--json"]).ok().json();
    let row = listed.as_array().unwrap().iter().find(|r| r["profile"] == "k").cloned().unwrap();
    assert_eq!((row["source"].as_str(), row["idp"].as_str()), (Some("okta"), Some(stack.okta_url.as_str())));
    assert!(events(&stack, "device_authorization").is_empty() && events(&stack, "token").is_empty());
    assert_eq!(home.snapshot(), before, "nothing changed");
}

#[test]
fn bad_okta_settings_are_one_sentence_exit_5_and_nothing_asked() {
    let stack = stack();
    let home = Home::new();
    let before = home.snapshot();
    for (domain, want) in [
        (
            "http://example.okta.com",
            "org_domain = 'http://example.okta.com' is not valid: it must start with https://",
        ),
        ("example.okta.com/app/x", "it must be the org's host name alone"),
    ] {
        home.profile("bad", &format!("source = okta\norg_domain = {domain}\nclient_id = c"));
        let said = fails(home.run(&stack, &["login", "-p", "bad"]), 5);
        assert!(said.contains(want), "{said}");
        std::fs::remove_file(home.login_dir().join("config")).unwrap();
    }
    home.profile("bad", &format!("source = okta\norg_domain = {}", stack.okta_org_domain));
    let said = fails(home.run(&stack, &["login", "-p", "bad"]), 5);
    assert!(said.contains("profile 'bad' has no client_id"), "{said}");
    std::fs::remove_file(home.login_dir().join("config")).unwrap();
    assert_eq!(home.snapshot(), before);
    assert!(stack.okta_log().is_empty());
}
