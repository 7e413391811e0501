//! IAM Identity Center end to end: aws-login against the Identity Center stand-in
//! (tests/sso/standin.py) and the STS front on loopback, the real AWS CLI running it through
//! credential_process, and botocore's own SSO providers sharing its token file.

mod common;

use std::process::Command;

use common::*;
use serde_json::Value;

/// sha1("corp"): the AWS CLI's token file for `[sso-session corp]`.
const CORP_TOKEN: &str = ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json";
const ADMIN: &str = "arn:aws:sts::111122223333:assumed-role/Admin/erin";
const DEVICE: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn stack(knobs: &str) -> Stack {
    Stack::empty().sts("{}").sso(knobs).serving()
}

fn env(stack: &Stack) -> [(&'static str, &str); 2] {
    [("AWS_ENDPOINT_URL_SSO_OIDC", stack.sso_url.as_str()), ("AWS_ENDPOINT_URL_SSO", stack.sso_url.as_str())]
}

/// A home with profile `sso` (and `sso2`, another role of the same session) on `[sso-session
/// corp]`, wired into the AWS config through credential_process. The AWS profiles name no
/// sso_* keys, so the AWS CLI runs aws-login rather than its own SSO provider.
fn home(stack: &Stack) -> Home {
    let home = Home::new();
    home.profile(
        "sso",
        "source = sso\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin",
    );
    home.profile(
        "sso2",
        "source = sso\nsso_session = corp\nsso_account_id = 444455556666\nsso_role_name = Developer",
    );
    home.aws_config(&format!(
        "[sso-session corp]\nsso_start_url = {}\nsso_region = us-east-1\n\n\
         [profile sso]\nregion = us-east-1\ncredential_process = {BIN} --profile sso\n\n\
         [profile sso2]\nregion = us-east-1\ncredential_process = {BIN} --profile sso2\n\n\
         [profile botocore]\nregion = us-east-1\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n",
        stack.sso_start_url
    ));
    home
}

/// `aws-login login -p sso` at a terminal: the device code shown, the stand-in approving it.
fn device_login(home: &Home, stack: &Stack) -> String {
    let mut tty = home.tty_with_env(stack, &["login", "-p", "sso"], &env(stack));
    let shown = tty.expect("which has the code in it");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{shown}{screen}");
    shown
}

fn run(home: &Home, stack: &Stack, args: &[&str]) -> Run {
    home.run_with_env(stack, args, &env(stack))
}

/// A program of the stack's virtualenv, in this home's environment with the endpoints set.
fn venv(home: &Home, stack: &Stack, program: &str) -> Command {
    let mut c = home.command_for(stack, repo().join(".stack/venv/bin").join(program));
    c.envs(env(stack));
    c
}

fn aws_caller(home: &Home, stack: &Stack, profile: &str) -> String {
    let out = Run(venv(home, stack, "aws")
        .args(["sts", "get-caller-identity", "--profile", profile])
        .output()
        .unwrap());
    out.ok().json()["Arn"].as_str().unwrap().to_string()
}

/// Successful CreateToken calls of `grant`.
fn tokens_issued(stack: &Stack, grant: &str) -> usize {
    stack
        .sso_log()
        .iter()
        .filter(|e| e["op"] == "CreateToken" && e["grant_type"] == grant && e["status"] == 200)
        .count()
}

fn token_file(home: &Home) -> Value {
    serde_json::from_str(&std::fs::read_to_string(home.path().join(CORP_TOKEN)).unwrap()).unwrap()
}

/// Rewrites the token file's expiry to `seconds` from now (negative: in the past).
fn expire_in(home: &Home, seconds: i64) {
    let mut t = token_file(home);
    let when = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
    t["expiresAt"] = Value::String(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        when.year(),
        u8::from(when.month()),
        when.day(),
        when.hour(),
        when.minute(),
        when.second()
    ));
    std::fs::write(home.path().join(CORP_TOKEN), serde_json::to_vec(&t).unwrap()).unwrap();
}

fn drop_credentials(home: &Home, profile: &str) {
    let _ = std::fs::remove_file(home.cache_file(profile));
}

#[test]
fn a_device_login_serves_the_aws_cli_and_keeps_the_aws_clis_token_file() {
    let stack = stack("{}");
    let home = home(&stack);
    let shown = device_login(&home, &stack);
    assert!(shown.contains("no display to open a browser on: signing in with a code instead"), "{shown}");
    assert!(shown.contains(&format!("{}/device?user_code=", stack.sso_url)), "{shown}");
    assert_eq!(tokens_issued(&stack, DEVICE), 1);

    let t = token_file(&home);
    assert_eq!(t["startUrl"], stack.sso_start_url.as_str());
    assert_eq!(t["region"], "us-east-1");
    for key in
        ["accessToken", "refreshToken", "clientId", "clientSecret", "registrationExpiresAt", "expiresAt"]
    {
        assert!(t[key].as_str().is_some_and(|v| !v.is_empty()), "{key} in {t}");
    }
    assert!(t["expiresAt"].as_str().unwrap().ends_with('Z'));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(home.path().join(CORP_TOKEN)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // Without its cached credentials, credential_process (no terminal) gets new ones with the
    // token file alone: no new sign-in.
    drop_credentials(&home, "sso");
    assert_eq!(aws_caller(&home, &stack, "sso"), ADMIN);
    drop_credentials(&home, "sso2");
    assert_eq!(aws_caller(&home, &stack, "sso2"), "arn:aws:sts::444455556666:assumed-role/Developer/erin");
    assert_eq!(tokens_issued(&stack, DEVICE), 1);
    assert_eq!(stack.sso_log().iter().filter(|e| e["op"] == "RegisterClient").count(), 1);
}

#[test]
fn botocore_uses_the_token_aws_login_stored_and_aws_login_the_one_botocore_stored() {
    let stack = stack("{}");
    let home = home(&stack);
    device_login(&home, &stack);
    let issued = stack.sso_log().iter().filter(|e| e["op"] == "CreateToken").count();

    // botocore's SSO credential provider, reading aws-login's token file.
    let sts = &stack.sts_url;
    let code = format!(
        "import boto3\nprint(boto3.Session(profile_name='botocore').client('sts', endpoint_url='{sts}').get_caller_identity()['Arn'])"
    );
    let out = Run(venv(&home, &stack, "python").arg("-c").arg(&code).output().unwrap()).ok();
    assert_eq!(out.stdout().trim(), "arn:aws:sts::111122223333:assumed-role/ReadOnly/erin");

    // botocore refreshes a token inside its 15-minute window and writes the file itself.
    expire_in(&home, 300);
    let before = token_file(&home)["accessToken"].clone();
    let code = "import botocore.session, botocore.tokens\n\
                s = botocore.session.Session(profile='botocore')\n\
                botocore.tokens.SSOTokenProvider(s).load_token().get_frozen_token()";
    Run(venv(&home, &stack, "python").arg("-c").arg(code).output().unwrap()).ok();
    let written = token_file(&home);
    assert_ne!(written["accessToken"], before, "botocore did not refresh");
    assert_eq!(tokens_issued(&stack, "refresh_token"), 1);

    // aws-login takes botocore's token as it is: no CreateToken of its own.
    let all = stack.sso_log().iter().filter(|e| e["op"] == "CreateToken").count();
    assert_eq!(all, issued + 1);
    drop_credentials(&home, "sso");
    assert_eq!(aws_caller(&home, &stack, "sso"), ADMIN);
    assert_eq!(stack.sso_log().iter().filter(|e| e["op"] == "CreateToken").count(), all);
    assert_eq!(token_file(&home)["accessToken"], written["accessToken"]);
}

#[test]
fn a_token_near_its_end_is_refreshed_with_its_refresh_token() {
    let stack = stack("{}");
    let home = home(&stack);
    device_login(&home, &stack);
    let old = token_file(&home);
    expire_in(&home, 300);
    drop_credentials(&home, "sso");
    run(&home, &stack, &["-p", "sso"]).ok();
    let new = token_file(&home);
    assert_eq!(tokens_issued(&stack, "refresh_token"), 1);
    assert_ne!(new["accessToken"], old["accessToken"]);
    // The stand-in rotates refresh tokens, as a spent one must never be offered again.
    assert_ne!(new["refreshToken"], old["refreshToken"]);
    assert_eq!(new["clientId"], old["clientId"]);
}

#[test]
fn sixty_four_callers_with_an_expired_token_refresh_it_once() {
    let stack = stack("{}");
    let home = home(&stack);
    device_login(&home, &stack);
    expire_in(&home, -60);
    drop_credentials(&home, "sso");
    // Two profiles of one session: the profile locks do not order them, the token's lock does.
    let children: Vec<_> = (0..64)
        .map(|i| {
            let profile = if i % 2 == 0 { "sso" } else { "sso2" };
            let mut c = home.command_for(&stack, BIN);
            c.envs(env(&stack)).args(["-p", profile]).stdout(std::process::Stdio::piped());
            c.stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = Run(child.wait_with_output().unwrap()).ok();
        assert_eq!(out.json()["Version"], 1);
    }
    assert_eq!(tokens_issued(&stack, "refresh_token"), 1, "{:#?}", stack.sso_log());
    let credentials = stack.sso_log().iter().filter(|e| e["op"] == "GetRoleCredentials").count();
    // Each profile logged in once (the second profile's first login came after device_login).
    assert_eq!(credentials, 1 + 2, "{:#?}", stack.sso_log());
}

#[test]
fn a_token_the_portal_refuses_is_dropped_and_the_refresh_token_signs_in_again() {
    let stack = stack("{}");
    let home = home(&stack);
    device_login(&home, &stack);
    let old = token_file(&home);
    // The file says an hour is left; the portal has ended it.
    stack.sso_control(r#"{"expire_tokens": true}"#);
    drop_credentials(&home, "sso");
    run(&home, &stack, &["-p", "sso"]).ok();
    assert_eq!(tokens_issued(&stack, "refresh_token"), 1);
    assert_ne!(token_file(&home)["accessToken"], old["accessToken"]);
    let refused = stack.sso_log().iter().filter(|e| e["outcome"] == "UnauthorizedException").count();
    assert_eq!(refused, 1);
}

#[test]
fn a_revoked_sign_in_is_one_sentence_and_its_token_is_dropped() {
    let stack = stack("{}");
    let home = home(&stack);
    device_login(&home, &stack);
    stack.sso_control(r#"{"revoke_tokens": true, "revoke_refresh": true}"#);
    drop_credentials(&home, "sso");
    let err = run(&home, &stack, &["-p", "sso"]).fails(7);
    assert!(
        err.contains("no longer accepts this sign-in") && err.contains("aws-login login --profile sso"),
        "{err}"
    );
    assert!(!home.path().join(CORP_TOKEN).exists(), "the refused token must not be handed out again");
    // Without a token and without a terminal: the command to run, at once.
    let err = run(&home, &stack, &["-p", "sso"]).fails(23);
    assert!(
        err.contains("IAM Identity Center sign-in") && err.contains("aws-login login --profile sso"),
        "{err}"
    );
}

#[test]
fn a_denied_or_expired_sign_in_is_one_sentence_and_changes_nothing() {
    let stack = stack(r#"{"approval": "deny"}"#);
    let home = home(&stack);
    let before = home.snapshot_outside_registration();
    let mut tty = home.tty_with_env(&stack, &["login", "-p", "sso"], &env(&stack));
    tty.expect("which has the code in it");
    let (code, stdout, screen) = tty.finish();
    assert_eq!((code, stdout.as_str()), (7, ""), "{screen}");
    assert!(
        screen.contains("was denied; run `aws-login login --profile sso` again and approve it"),
        "{screen}"
    );
    assert_eq!(home.snapshot_outside_registration(), before);

    // A code that expires before anyone approves it.
    stack.sso_control(r#"{"approval": "manual", "device_ttl": 1}"#);
    let mut tty = home.tty_with_env(&stack, &["login", "-p", "sso"], &env(&stack));
    tty.expect("which has the code in it");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 7, "{screen}");
    assert!(screen.contains("expired before it was approved"), "{screen}");
    assert_eq!(home.snapshot_outside_registration(), before);
}

#[test]
fn logout_purge_ends_the_session_at_the_portal_and_deletes_the_token() {
    let stack = stack("{}");
    let home = home(&stack);
    device_login(&home, &stack);
    let old = token_file(&home);
    run(&home, &stack, &["logout", "-p", "sso", "--purge"]).ok();
    assert!(!home.path().join(CORP_TOKEN).exists());
    let logouts: Vec<_> = stack.sso_log().into_iter().filter(|e| e["op"] == "Logout").collect();
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0]["status"], 200);
    // The portal no longer takes the old token.
    let code = format!(
        "import boto3\np = boto3.client('sso', endpoint_url='{}', region_name='us-east-1')\n\
         try:\n    p.list_accounts(accessToken='{}')\nexcept p.exceptions.UnauthorizedException:\n    print('refused')",
        stack.sso_url,
        old["accessToken"].as_str().unwrap()
    );
    let out = Run(venv(&home, &stack, "python").arg("-c").arg(&code).output().unwrap()).ok();
    assert_eq!(out.stdout().trim(), "refused");
}

#[test]
fn an_account_alone_picks_its_only_role_from_the_portal() {
    let stack = stack(r#"{"page_size": 1}"#);
    let home = home(&stack);
    device_login(&home, &stack);
    home.profile("dev", "source = sso\nsso_session = corp\nsso_account_id = 444455556666");
    let out = run(&home, &stack, &["-p", "dev"]).ok();
    assert_eq!(out.json()["AccountId"], "444455556666");
    let listed: Vec<_> = stack
        .sso_log()
        .into_iter()
        .filter(|e| e["op"] == "ListAccounts" || e["op"] == "ListAccountRoles")
        .collect();
    // Page size 1: two pages of accounts, then the one account's one role.
    assert_eq!(listed.len(), 3, "{listed:#?}");
}

#[test]
fn a_profile_without_a_start_url_or_session_is_refused_before_anything_is_sent() {
    let stack = stack("{}");
    let home = home(&stack);
    home.profile("bare", "source = sso\nsso_region = us-east-1");
    home.profile("nosession", "source = sso\nsso_session = nope");
    let before = home.snapshot();
    let err = run(&home, &stack, &["-p", "bare"]).fails(5);
    assert!(err.contains("sso_start_url"), "{err}");
    let err = run(&home, &stack, &["-p", "nosession"]).fails(5);
    assert!(err.contains("[sso-session nope]"), "{err}");
    assert!(stack.sso_log().is_empty());
    assert_eq!(home.snapshot(), before);
}

/// A "browser" that follows the sign-in page's redirect to the loopback listener, as a person's
/// browser would once the stand-in's scripted sign-in approves.
fn browser_env(stack: &Stack) -> Vec<(&'static str, String)> {
    let python = repo().join(".stack/venv/bin/python");
    let follow = "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=30).read()";
    vec![
        ("AWS_ENDPOINT_URL_SSO_OIDC", stack.sso_url.clone()),
        ("AWS_ENDPOINT_URL_SSO", stack.sso_url.clone()),
        ("DISPLAY", ":0".into()),
        ("BROWSER", format!("{} -c '{follow}'", python.display())),
    ]
}

fn browser_login(home: &Home, stack: &Stack) -> (i32, String) {
    let env = browser_env(stack);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut tty = home.tty_with_env(stack, &["login", "-p", "sso", "--force-refresh"], &env);
    let shown = tty.expect("Opening the sign-in page of");
    let (code, _, screen) = tty.finish();
    (code, format!("{shown}{screen}"))
}

#[test]
fn a_browser_login_with_pkce_serves_the_aws_cli() {
    let stack = stack("{}");
    let home = home(&stack);
    let (code, screen) = browser_login(&home, &stack);
    assert_eq!(code, 0, "{screen}");
    assert_eq!(tokens_issued(&stack, "authorization_code"), 1, "{:#?}", stack.sso_log());
    let authorize: Vec<_> = stack.sso_log().into_iter().filter(|e| e["op"] == "Authorize").collect();
    assert_eq!(authorize.len(), 1);
    assert_eq!(authorize[0]["outcome"], "approved");
    let t = token_file(&home);
    assert!(t["refreshToken"].as_str().is_some_and(|v| !v.is_empty()), "{t}");
    drop_credentials(&home, "sso");
    assert_eq!(aws_caller(&home, &stack, "sso"), ADMIN);
    // The registration is kept: a second sign-in registers no new client.
    std::fs::remove_file(home.path().join(CORP_TOKEN)).unwrap();
    assert_eq!(browser_login(&home, &stack).0, 0);
    assert_eq!(stack.sso_log().iter().filter(|e| e["op"] == "RegisterClient").count(), 1);
}

#[test]
fn a_browser_sign_in_that_is_denied_is_one_sentence() {
    let stack = stack(r#"{"approval": "deny"}"#);
    let home = home(&stack);
    let before = home.snapshot_outside_registration();
    let (code, screen) = browser_login(&home, &stack);
    assert_eq!(code, 7, "{screen}");
    assert!(
        screen.contains("was denied; run `aws-login login --profile sso` again and approve it"),
        "{screen}"
    );
    assert_eq!(home.snapshot_outside_registration(), before);
    assert_eq!(tokens_issued(&stack, "authorization_code"), 0);
}

trait Registration {
    fn snapshot_outside_registration(&self) -> Vec<(std::path::PathBuf, String)>;
}

impl Registration for Home {
    /// Every file but the OAuth client registration, which a sign-in keeps once sso-oidc issued
    /// it, whatever then happens.
    fn snapshot_outside_registration(&self) -> Vec<(std::path::PathBuf, String)> {
        self.snapshot().into_iter().filter(|(p, _)| !p.to_string_lossy().ends_with(".client.json")).collect()
    }
}

#[test]
fn all_roles_makes_a_profile_for_each_of_twenty_pairs_within_the_rate_limit() {
    let stack = stack(r#"{"user": "gina", "rate_limit": 20}"#);
    let home = home(&stack);
    home.profile("g", "source = sso\nsso_session = corp");
    home.aws_config("[profile g]\nregion = us-east-1\n");
    let mut tty = home.tty_with_env(&stack, &["login", "--all-roles", "-p", "g"], &env(&stack));
    tty.expect("which has the code in it");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    let config = std::fs::read_to_string(home.login_dir().join("config")).unwrap();
    let generated = config.matches("generated_by = aws-login login --all-roles").count();
    assert_eq!(generated, 20, "{config}");
    // Named after the portal's account names.
    assert!(
        config.contains(
            "[production-Developer]\nlogin_profile = g\nrole_arn = arn:aws:iam::210000000004:role/Developer"
        ),
        "{config}"
    );
    let log = stack.sso_log();
    let ok = |op: &str| log.iter().filter(|e| e["op"] == op && e["status"] == 200).count();
    assert_eq!(ok("GetRoleCredentials"), 20, "{log:#?}");
    assert_eq!(ok("ListAccountRoles"), 8, "4 accounts, 5 roles each, 3 a page");

    // A generated profile refreshes by its role alone: no listing.
    let listed = ok("ListAccounts");
    drop_credentials(&home, "production-Developer");
    assert_eq!(
        aws_caller(&home, &stack, "production-Developer"),
        "arn:aws:sts::210000000004:assumed-role/Developer/gina"
    );
    assert_eq!(stack.sso_log().iter().filter(|e| e["op"] == "ListAccounts").count(), listed);
}

#[test]
fn the_picker_offers_the_portals_accounts_by_name_then_remembers_the_pick() {
    let stack = stack("{}");
    let home = home(&stack);
    home.profile("pick", "source = sso\nsso_session = corp");
    home.aws_config("[profile pick]\nregion = us-east-1\n");
    let mut tty = home.tty_with_env(&stack, &["login", "-p", "pick"], &env(&stack));
    tty.expect("Account prod (111122223333)");
    tty.expect("Account dev (444455556666)");
    tty.expect("Role:");
    tty.send_line("developer");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    // The pick is remembered (a logout keeps it): the next login, without a terminal, takes it.
    run(&home, &stack, &["logout", "-p", "pick"]).ok();
    let out = run(&home, &stack, &["-p", "pick"]).ok();
    assert_eq!(out.json()["AccountId"], "444455556666");
}

#[test]
fn no_browser_prints_the_sign_in_address_and_the_listener_takes_the_redirect() {
    let stack = stack("{}");
    let home = home(&stack);
    let mut tty = home.tty_with_env(&stack, &["login", "-p", "sso", "--no-browser"], &env(&stack));
    tty.expect("open this address in a browser on this machine:");
    tty.expect("/authorize?");
    let query = tty.expect("\n");
    let url = format!("{}/authorize?{}", stack.sso_url, query.trim());
    // The person's browser: the stand-in approves and redirects to the listener.
    let follow = format!("import urllib.request; urllib.request.urlopen({url:?}, timeout=30).read()");
    Run(venv(&home, &stack, "python").arg("-c").arg(&follow).output().unwrap()).ok();
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(tokens_issued(&stack, "authorization_code"), 1);
}

#[test]
fn use_device_code_wins_over_a_browser_and_qr_draws_the_address() {
    let stack = stack("{}");
    let home = home(&stack);
    home.profile(
        "dev",
        "source = sso\nsso_session = corp\nsso_account_id = 444455556666\nsso_role_name = Developer",
    );
    // A display and a browser would take the browser flow; --use-device-code wins.
    let browser = browser_env(&stack);
    let mut env: Vec<(&str, &str)> = browser.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.retain(|(k, _)| *k != "BROWSER");
    env.push(("BROWSER", "false"));
    let mut tty = home.tty_with_env(&stack, &["login", "-p", "dev", "--qr", "--use-device-code"], &env);
    tty.expect("which has the code in it");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains('█') || screen.contains('▀') || screen.contains('▄'), "{screen}");
}
