//! A real login: the binary against the test IdP and STS front, consumed by the real AWS CLI and
//! boto3 through credential_process.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;

fn alice(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "dev", &format!("username = alice\npassword = {ALICE_PW}"));
    home
}

#[test]
fn login_then_aws_cli_and_boto3_use_the_cached_credentials() {
    let stack = Stack::start();
    let home = alice(&stack);

    let login = home.run(&stack, &["login", "--profile", "dev"]).ok();
    assert_eq!(login.stdout(), "", "login prints nothing for machines");
    assert!(login.stderr().contains(DEVELOPER), "{}", login.stderr());

    let cli = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "dev", "--output", "json"]).ok();
    let arn = cli.json()["Arn"].as_str().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:sts::111122223333:assumed-role/Developer/"), "{arn}");

    let boto = home
        .python(&stack, "import boto3; print(boto3.Session(profile_name='dev').client('sts').get_caller_identity()['Arn'])")
        .ok();
    assert_eq!(boto.stdout().trim(), arn);

    // Both consumers were served from the cache: one IdP exchange and one STS call in all.
    assert_eq!(stack.idp_log().len(), 1, "{:?}", stack.idp_log());
    let assumes = stack.sts_assumes();
    assert_eq!(assumes.len(), 1, "{assumes:?}");
    assert_eq!(assumes[0]["role_arn"], DEVELOPER);
    assert_eq!(assumes[0]["principal_arn"], PROVIDER);
}

#[test]
fn credential_process_logs_in_on_first_use_then_serves_the_cache() {
    let stack = Stack::start();
    let home = alice(&stack);

    let first = home.run(&stack, &["--profile", "dev"]).ok();
    let json = first.json();
    let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    assert_eq!(json["AccountId"], "111122223333", "the role's account");
    assert_eq!(json["Version"], 1);
    assert!(json["AccessKeyId"].as_str().unwrap().len() >= 16);
    assert!(json["Expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(first.stderr(), "", "credential_process is quiet");

    let (idp, sts) = (stack.idp_log().len(), stack.sts_log().len());
    let second = home.run(&stack, &["process", "--profile", "dev"]).ok();
    assert_eq!(second.stdout(), first.stdout(), "same credentials from the cache");
    assert_eq!((stack.idp_log().len(), stack.sts_log().len()), (idp, sts), "no new traffic");

    // The AWS CLI through credential_process, with no login beforehand in this home.
    let home2 = alice(&stack);
    home2.aws(&stack, &["sts", "get-caller-identity", "--profile", "dev"]).ok();
    assert_eq!(stack.idp_log().len(), idp + 1);
}

#[test]
fn files_are_private_and_hold_no_password() {
    let stack = Stack::start();
    let home = alice(&stack);
    home.run(&stack, &["login", "--profile", "dev"]).ok();

    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let cache = home.cache_file("dev");
    assert_eq!(mode(&cache), 0o600);
    assert_eq!(mode(cache.parent().unwrap()), 0o700);
    assert_eq!(mode(&home.login_dir()), 0o700);
    let mut left: Vec<_> = std::fs::read_dir(cache.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["dev.json", "dev.lock"], "no temp files");

    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(!text.contains(ALICE_PW));
    let entry: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(entry["role_arn"], DEVELOPER);
    assert_eq!(entry["principal_arn"], PROVIDER);
    assert_eq!(entry["username"], "alice");
}

#[test]
fn expired_credentials_are_refreshed_with_the_remembered_role() {
    // Credentials that live 4 s: the margin (half the lifetime) makes them stale after 2 s.
    let stack = Stack::with_knobs("{}", r#"{"credential_ttl": 4}"#);
    let home = Home::new();
    home.ecp_profile(&stack, "multi", &format!("username = bob\npassword = {BOB_PW}\nfactor = push"));
    let admin = "arn:aws:iam::444455556666:role/team/Admin";

    home.run(&stack, &["login", "--profile", "multi", "--role-arn", admin]).ok();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    // No role_arn now: bob has four roles, so only the remembered one can be chosen.
    home.run(&stack, &["--profile", "multi"]).ok();

    let assumes = stack.sts_assumes();
    assert_eq!(assumes.len(), 2, "{assumes:?}");
    assert!(assumes.iter().all(|a| a["role_arn"] == admin), "{assumes:?}");
}

#[test]
fn sts_endpoint_from_the_aws_profile() {
    let stack = Stack::start();
    let home = Home::new();
    home.profile(
        "svc",
        &format!("ecp_endpoint_url = {}\nusername = alice\npassword = {ALICE_PW}", stack.ecp_url),
    );
    home.aws_config(&format!("[profile svc]\nregion = us-west-2\nendpoint_url = {}\n", stack.sts_url));
    home.run_without_sts_env(&stack, &["--profile", "svc"]).ok();
    assert_eq!(stack.sts_assumes().len(), 1);
}

#[test]
fn duration_is_sent_and_honoured() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("username = alice\npassword = {ALICE_PW}\nduration = 900"));
    let out = home.run(&stack, &["--profile", "dev"]).ok();
    assert_eq!(stack.sts_assumes()[0]["duration"], 900);

    let expiration = out.json()["Expiration"].as_str().unwrap().to_string();
    let check = format!(
        "import datetime as d; e=d.datetime.fromisoformat('{}'.replace('Z','+00:00')); \
         left=(e-d.datetime.now(d.timezone.utc)).total_seconds(); assert 850 < left <= 900, left",
        expiration
    );
    home.python(&stack, &check).ok();
}

#[test]
fn duration_is_capped_at_the_idps_session_duration() {
    // carol's assertion says SessionDuration 7200; the role allows 12 h.
    let stack = Stack::with_knobs("{}", r#"{"max_session_duration": 43200}"#);
    let home = Home::new();
    home.ecp_profile(
        &stack,
        "c",
        "username = carol\npassword = carol-pw-M5\nfactor = passcode\npasscode = 654321\nduration = 20000",
    );
    home.run(&stack, &["--profile", "c"]).ok();
    assert_eq!(stack.sts_assumes()[0]["duration"], 7200);
}

#[test]
fn turning_off_certificate_checks_warns_every_time() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(
        &stack,
        "dev",
        &format!("username = alice\npassword = {ALICE_PW}\nverify_ssl_certificate = false"),
    );
    let out = home.run(&stack, &["login", "--profile", "dev"]).ok();
    assert!(out.stderr().contains("TLS certificate is not checked"), "{}", out.stderr());
    let again = home.run(&stack, &["login", "--profile", "dev", "--force-refresh"]).ok();
    assert!(again.stderr().contains("TLS certificate is not checked"), "{}", again.stderr());
}

/// An upgrade keeps what came before: a profile as awscli-login writes it (its keys only, no
/// `source`) logs in, and a cache entry in format version 1, byte for byte as aws-login wrote
/// them before sources, is served as it is, without a login, and renewed as version 2.
#[test]
fn an_awscli_login_profile_and_a_version_1_cache_entry_still_work() {
    let stack = Stack::start();
    let home = alice(&stack);
    let config = std::fs::read_to_string(home.login_dir().join("config")).unwrap();
    assert!(!config.contains("source"), "{config}");
    home.run(&stack, &["login", "--profile", "dev"]).ok();

    let rfc3339 = |t: time::OffsetDateTime| {
        t.replace_nanosecond(0).unwrap().format(&time::format_description::well_known::Rfc3339).unwrap()
    };
    let now = time::OffsetDateTime::now_utc();
    let v1 = format!(
        r#"{{
  "version": 1,
  "credentials": {{
    "access_key_id": "ASIAVERSION1EXAMPLE",
    "secret_access_key": "v1-secret",
    "session_token": "v1-token",
    "expiration": "{}"
  }},
  "issued": "{}",
  "role_arn": "{DEVELOPER}",
  "principal_arn": "{PROVIDER}",
  "username": "alice"
}}"#,
        rfc3339(now + time::Duration::hours(1)),
        rfc3339(now)
    );
    std::fs::write(home.cache_file("dev"), &v1).unwrap();
    std::fs::set_permissions(home.cache_file("dev"), std::fs::Permissions::from_mode(0o600)).unwrap();

    let idp_calls = stack.idp_log().len();
    let creds = home.run(&stack, &["--profile", "dev"]).ok().json();
    assert_eq!(creds["AccessKeyId"], "ASIAVERSION1EXAMPLE");
    assert_eq!(creds["SessionToken"], "v1-token");
    assert_eq!(stack.idp_log().len(), idp_calls, "served from the version 1 entry, no login");
    assert_eq!(std::fs::read_to_string(home.cache_file("dev")).unwrap(), v1, "read, not rewritten");

    home.run(&stack, &["login", "--force-refresh", "--profile", "dev"]).ok();
    let entry: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.cache_file("dev")).unwrap()).unwrap();
    assert_eq!((entry["version"].as_u64(), entry["source"].as_str()), (Some(2), Some("ecp")));
    assert_eq!((entry["role_arn"].as_str(), entry["role_kind"].as_str()), (Some(DEVELOPER), Some("saml")));
}
