//! Hundreds of `credential_process` calls for many profiles at once, as when scripts fan out
//! over accounts: nobody's cache is lost or torn, each profile logs in once, and profiles that
//! share an IdP account take turns with its session cookie instead of asking for a password again.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use common::*;

const PROFILES: usize = 40;
const CALLS_PER_PROFILE: usize = 5;

/// Half the profiles are alice (password), half bob (password + Duo passcode, one of four roles).
fn setup(stack: &Stack) -> Home {
    let home = Home::new();
    for i in 0..PROFILES {
        let settings = if i % 2 == 0 {
            format!("username = alice\npassword = {ALICE_PW}")
        } else {
            format!(
                "username = bob\npassword = {BOB_PW}\nfactor = passcode\npasscode = 123456\nrole_arn = {DEVELOPER}"
            )
        };
        home.ecp_profile(stack, &format!("p{i}"), &settings);
    }
    home
}

/// Starts every call at once (interleaved across profiles) and returns each profile's outputs.
fn storm(home: &Home, stack: &Stack) -> BTreeMap<String, Vec<serde_json::Value>> {
    let children: Vec<_> = (0..CALLS_PER_PROFILE)
        .flat_map(|_| 0..PROFILES)
        .map(|i| {
            let profile = format!("p{i}");
            let child = home
                .command_for(stack, BIN)
                .args(["--profile", &profile])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (profile, child)
        })
        .collect();
    let mut by_profile: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    let outputs: Vec<_> = children.into_iter().map(|(p, c)| (p, c.wait_with_output().unwrap())).collect();
    home.known().learn(home.path(), &[]);
    for (profile, out) in outputs {
        let stderr = String::from_utf8_lossy(&out.stderr);
        home.known().check(home.path(), &profile, &String::from_utf8_lossy(&out.stdout), &stderr);
        assert!(out.status.success(), "{profile}: {stderr}");
        let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{profile}: {e}: {stderr}"));
        by_profile.entry(profile).or_default().push(json);
    }
    by_profile
}

fn cached_key(home: &Home, profile: &str) -> String {
    let text = std::fs::read_to_string(home.cache_file(profile)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["credentials"]["access_key_id"].as_str().unwrap().to_string()
}

#[test]
fn two_hundred_calls_for_forty_profiles_keep_every_profiles_credentials() {
    let stack = Stack::start();
    let home = setup(&stack);

    let outputs = storm(&home, &stack);
    assert_eq!(outputs.len(), PROFILES);
    let mut keys = BTreeSet::new();
    for (profile, outs) in &outputs {
        assert!(outs.iter().all(|o| o == &outs[0]), "{profile}: its callers disagree");
        let key = outs[0]["AccessKeyId"].as_str().unwrap();
        assert_eq!(key, cached_key(&home, profile), "{profile}: printed is what is cached");
        keys.insert(key.to_string());
    }
    assert_eq!(keys.len(), PROFILES, "every profile has credentials of its own");

    // One exchange per profile; per IdP account one password login, the rest through the session
    // that the account's previous login left in its jar.
    let idp = stack.idp_log();
    assert_eq!(idp.len(), PROFILES, "one exchange per profile");
    assert_eq!(stack.sts_assumes().len(), PROFILES);
    let passwords = idp.iter().filter(|e| e["auth"] == "basic").count();
    let auths: Vec<_> = idp.iter().map(|e| e["auth"].to_string()).collect();
    assert_eq!(passwords, 2, "one password login per IdP account: {auths:?}");

    // Private and tidy: no temp file left, every file 0600, every directory 0700.
    for (path, _) in home.snapshot() {
        if !path.starts_with(home.login_dir()) || path.ends_with("config") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.starts_with(".tmp-"), "{} was left behind", path.display());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
        let dir = std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777;
        assert_eq!(dir, 0o700, "{}", path.display());
    }

    // And again: every call is a cache hit that prints what that profile had.
    let again = storm(&home, &stack);
    for (profile, outs) in &again {
        assert!(outs.iter().all(|o| o == &outputs[profile][0]), "{profile} changed on a cache hit");
    }
    assert_eq!(stack.idp_log().len(), PROFILES, "no new exchange");
}
