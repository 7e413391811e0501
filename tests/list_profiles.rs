//! `aws-login list-profiles` over a home with a real login (test IdP and STS front), profiles
//! never logged in, a broken profile and cache files aged by hand: what each shows, as a table
//! and as JSON, and that listing logs nobody in and sends nothing.

mod common;

use common::*;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Rewrites a cached entry's times: issued `issued_ago` ago, expiring in `left` (negative: ago).
fn age_cache(home: &Home, profile: &str, issued_ago: Duration, left: Duration) {
    let path = home.cache_file(profile);
    let mut entry: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let now = OffsetDateTime::now_utc();
    entry["issued"] = (now - issued_ago).format(&Rfc3339).unwrap().into();
    entry["credentials"]["expiration"] = (now + left).format(&Rfc3339).unwrap().into();
    std::fs::write(&path, serde_json::to_vec(&entry).unwrap()).unwrap();
}

fn by_profile(list: &Value, name: &str) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["profile"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name}: {list}"))
}

#[test]
fn lists_every_profile_with_its_source_idp_role_and_credentials() {
    let stack = Stack::start();
    let home = Home::new();
    let alice = format!("username = alice\npassword = {ALICE_PW}");
    home.ecp_profile(&stack, "dev", &alice);
    home.ecp_profile(&stack, "stale", &alice);
    home.ecp_profile(&stack, "soon", &alice);
    home.ecp_profile(&stack, "prod", &format!("{alice}\nrole_arn = {DEVELOPER}"));
    home.profile("broken", &format!("ecp_endpoint_url = {}\nduration = 12", stack.ecp_url));
    for p in ["dev", "stale", "soon"] {
        home.run(&stack, &["login", "--profile", p]).ok();
    }
    age_cache(&home, "stale", Duration::hours(2), Duration::hours(-1));
    age_cache(&home, "soon", Duration::minutes(55), Duration::minutes(5));
    let (idp, sts) = (stack.idp_log().len(), stack.sts_log().len());
    let before = home.snapshot();

    let json = home.run(&stack, &["list-profiles", "--json"]).ok();
    let list = json.json();
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["profile"].as_str().unwrap()).collect();
    assert_eq!(names, ["dev", "stale", "soon", "prod", "broken"], "the file's order");

    let dev = by_profile(&list, "dev");
    assert_eq!((dev["source"].as_str(), dev["idp"].as_str()), (Some("ecp"), Some(stack.ecp_url.as_str())));
    assert_eq!((dev["role"].as_str(), dev["role_from"].as_str()), (Some(DEVELOPER), Some("last_login")));
    assert_eq!(dev["credentials"]["state"], "valid", "{dev}");
    let left = dev["credentials"]["seconds_left"].as_i64().unwrap();
    assert!((3000..=3600).contains(&left), "STS's default hour: {left}");
    let expires = OffsetDateTime::parse(dev["credentials"]["expires"].as_str().unwrap(), &Rfc3339).unwrap();
    let cached: Value = serde_json::from_slice(&std::fs::read(home.cache_file("dev")).unwrap()).unwrap();
    let cached_expiry =
        OffsetDateTime::parse(cached["credentials"]["expiration"].as_str().unwrap(), &Rfc3339).unwrap();
    assert_eq!(expires, cached_expiry);
    assert!(dev["problem"].is_null());

    assert_eq!(by_profile(&list, "stale")["credentials"]["state"], "expired");
    let soon = by_profile(&list, "soon");
    assert_eq!(soon["credentials"]["state"], "renewing", "inside the 15-minute margin: {soon}");
    let prod = by_profile(&list, "prod");
    assert_eq!((prod["role"].as_str(), prod["role_from"].as_str()), (Some(DEVELOPER), Some("config")));
    assert_eq!(prod["credentials"]["state"], "none");
    let broken = by_profile(&list, "broken");
    assert!(broken["source"].is_null() && broken["idp"].is_null(), "{broken}");
    assert!(broken["problem"].as_str().unwrap().contains("duration = '12' is not valid"), "{broken}");
    // Nothing secret in the listing (the sweep checks every run too).
    assert!(!json.stdout().contains(cached["credentials"]["access_key_id"].as_str().unwrap()));

    let table = home.run(&stack, &["list-profiles"]).ok().stdout();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 6, "{table}");
    assert!(lines[0].starts_with("PROFILE") && lines[0].contains("CREDENTIALS"), "{table}");
    let line = |p: &str| *lines.iter().find(|l| l.starts_with(&format!("{p} "))).unwrap();
    assert!(line("dev").contains(&format!("{DEVELOPER} (last login)")), "{table}");
    assert!(line("dev").contains("valid, ") && line("dev").contains(" left (until "), "{table}");
    assert!(line("stale").contains("expired at "), "{table}");
    assert!(line("soon").contains("renewed at next use ("), "{table}");
    assert!(line("prod").contains("none"), "{table}");
    assert!(line("broken").contains("cannot log in: duration = '12' is not valid"), "{table}");

    // Listing logs nobody in, sends nothing and changes no file.
    assert_eq!((stack.idp_log().len(), stack.sts_log().len()), (idp, sts));
    assert_eq!(home.snapshot(), before);
}

#[test]
fn an_unreadable_cache_is_listed_and_a_broken_config_fails() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice");
    home.ecp_profile(&stack, "ok", "username = alice");
    std::fs::create_dir_all(home.login_dir().join("cache")).unwrap();
    std::fs::write(home.cache_file("dev"), "{ not json").unwrap();
    let list = home.run(&stack, &["list-profiles", "--json"]).ok().json();
    let dev = by_profile(&list, "dev");
    assert_eq!(dev["credentials"]["state"], "unreadable");
    assert!(dev["credentials"]["problem"].as_str().unwrap().contains("delete that file"), "{dev}");
    assert_eq!(by_profile(&list, "ok")["credentials"]["state"], "none");

    // A config file configparser would refuse: one sentence, exit 5, nothing changed.
    home.profile("dev", "username = bob");
    let before = home.snapshot();
    let err = home.run(&stack, &["list-profiles"]).fails(5);
    assert!(err.contains("section [dev]") && err.contains("repeats"), "{err}");
    assert_eq!(home.snapshot(), before);

    // No config at all: an empty list, and a hint for the person.
    let empty = Home::new();
    let run = empty.run(&stack, &["list-profiles", "--json"]).ok();
    assert_eq!(run.json(), serde_json::json!([]));
    assert!(run.stderr().contains("aws-login configure"), "{}", run.stderr());
}

#[test]
fn identity_center_and_openid_profiles_show_their_roles() {
    let stack = Stack::empty().sts("{}").serving();
    let home = Home::new();
    let start = "source = sso\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1";
    home.profile("sso", &format!("{start}\nsso_account_id = 111122223333\nsso_role_name = Admin"));
    // An account without a role name: the picker chooses at login, so no role yet.
    home.profile("pick", &format!("{start}\nsso_account_id = 444455556666"));
    home.profile(
        "oidc",
        "source = oidc\noidc_issuer = https://op.example.test\nclient_id = cli\nrole_arn = arn:aws:iam::111122223333:role/WebDeveloper",
    );
    let before = home.snapshot();
    let list = home.run(&stack, &["list-profiles", "--json"]).ok().json();
    let sso = by_profile(&list, "sso");
    assert_eq!(
        (sso["source"].as_str(), sso["idp"].as_str()),
        (Some("sso"), Some("https://corp.awsapps.com/start")),
        "{sso}"
    );
    assert_eq!(
        (sso["role"].as_str(), sso["role_from"].as_str()),
        (Some("arn:aws:iam::111122223333:role/Admin"), Some("config"))
    );
    let pick = by_profile(&list, "pick");
    assert!(pick["role"].is_null() && pick["problem"].is_null(), "{pick}");
    let oidc = by_profile(&list, "oidc");
    assert_eq!(
        (oidc["source"].as_str(), oidc["role"].as_str(), oidc["role_from"].as_str()),
        (Some("oidc"), Some("arn:aws:iam::111122223333:role/WebDeveloper"), Some("config"))
    );

    let table = home.run(&stack, &["list-profiles"]).ok().stdout();
    let line = |p: &str| table.lines().find(|l| l.starts_with(&format!("{p} "))).unwrap().to_string();
    assert!(line("sso").contains("arn:aws:iam::111122223333:role/Admin"), "{table}");
    assert!(line("oidc").contains("role/WebDeveloper"), "{table}");
    assert_eq!(home.snapshot(), before);
}
