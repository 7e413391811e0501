//! `aws-login login --all-roles`: one IdP login, every granted role stored as its own profile,
//! against the test IdP (frank has 20 roles in three accounts, bob 4 in two) and the STS front.

mod common;

use std::collections::BTreeSet;

use common::*;

const FRANK_PW: &str = "frank-pw-T3";
const MARKER: &str = "generated_by = aws-login login --all-roles";

fn read(home: &Home, rel: &str) -> String {
    std::fs::read_to_string(home.path().join(rel)).unwrap_or_default()
}

/// The sections of `[name]` in an INI text, as its lines.
fn section(text: &str, header: &str) -> Vec<String> {
    let mut lines = text.lines().skip_while(|l| *l != format!("[{header}]"));
    if lines.next().is_none() {
        return Vec::new();
    }
    lines.take_while(|l| !l.starts_with('[')).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[test]
fn one_login_twenty_profiles_and_each_refreshes_through_the_idp_session() {
    let stack = Stack::start();
    let home = Home::new();
    // No password in the profile: it is given once, on the command line.
    home.ecp_profile(&stack, "f", "username = frank\nfactor = push");
    home.profile("other", "# mine\necp_endpoint_url = https://idp.example.edu/ecp");
    home.aws_config("[profile unrelated]\nregion = eu-west-1 ; kept as written\n");
    std::fs::write(home.login_dir().join("alias"), "[accounts]\n111122223333 = prod\n").unwrap();
    let (ours_before, theirs_before) = (read(&home, ".aws-login/config"), read(&home, ".aws/config"));

    let run = home.run(&stack, &["login", "--all-roles", "-p", "f", "--password", FRANK_PW]).ok();
    assert_eq!(run.stdout(), "");
    assert!(
        run.stderr().starts_with("Logged in as frank: 20 of the 20 roles granted stored as profiles."),
        "{}",
        run.stderr()
    );
    // One IdP exchange (one Duo push), one STS call per role.
    assert_eq!(stack.idp_log().len(), 1, "{:?}", stack.idp_log());
    let assumed: BTreeSet<String> =
        stack.sts_assumes().iter().map(|e| e["role_arn"].as_str().unwrap().to_string()).collect();
    assert_eq!((stack.sts_assumes().len(), assumed.len()), (20, 20));

    // Both files: every byte that was there is still there, the new sections after it.
    let (ours, theirs) = (read(&home, ".aws-login/config"), read(&home, ".aws/config"));
    assert!(ours.starts_with(&ours_before) && theirs.starts_with(&theirs_before), "{ours}\n{theirs}");
    assert_eq!(
        section(&ours, "prod-DataEngineer"),
        ["login_profile = f", "role_arn = arn:aws:iam::111122223333:role/team/DataEngineer", MARKER]
    );
    assert_eq!(ours.matches(MARKER).count(), 20);
    let admin = section(&theirs, "profile 444455556666-Admin");
    assert!(
        admin[0].starts_with("credential_process = ") && admin[0].ends_with("--profile 444455556666-Admin")
    );
    assert_eq!(admin[1], "region = us-east-1", "the login profile's region");

    // The AWS CLI uses a generated profile from the cache: no new login.
    let cli = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "777788889999-Backup"]).ok();
    assert!(cli.stdout().contains("assumed-role/Backup/frank"), "{}", cli.stdout());
    assert_eq!(stack.idp_log().len(), 1);

    // Its credentials gone, a generated profile logs in again through the IdP session: no
    // password (there is none to find), no Duo.
    std::fs::remove_file(home.cache_file("prod-Admin")).unwrap();
    let json = home.run(&stack, &["--profile", "prod-Admin"]).ok().json();
    assert_eq!(json["Version"], 1);
    let idp = stack.idp_log();
    assert_eq!((idp.len(), idp[1]["auth"].as_str()), (2, Some("cookie")), "{idp:?}");
    assert_eq!(stack.sts_assumes().last().unwrap()["role_arn"], "arn:aws:iam::111122223333:role/Admin");
}

fn bob(stack: &Stack, extra: &str) -> Home {
    let home = Home::new();
    home.ecp_profile(
        stack,
        "b",
        &format!("username = bob\npassword = {BOB_PW}\nfactor = passcode\npasscode = 123456\n{extra}"),
    );
    home
}

#[test]
fn reruns_update_what_they_made_prune_removes_it_and_the_rest_is_left_alone() {
    let stack = Stack::start();
    let home = bob(&stack, "profile_template = {account_id}.{role_name}");
    // A profile of the user's own where a generated one would go.
    home.profile("111122223333.ReadOnly", "ecp_endpoint_url = https://idp.example.edu/ecp\nrole_arn = mine");
    let run = home.run(&stack, &["login", "--all-roles", "-p", "b"]);
    assert_eq!(run.code(), 26, "{}", run.stderr());
    let err = run.stderr();
    assert!(err.contains("3 of the 4 roles granted stored"), "{err}");
    assert!(
        err.contains("not stored: arn:aws:iam::111122223333:role/ReadOnly: profile '111122223333.ReadOnly' exists and was not made by --all-roles"),
        "{err}"
    );
    assert!(err.trim_end().ends_with("1 of the 4 roles granted were not stored as profiles (listed above); the others were; fix what is said there, or run the same command again to retry"), "{err}");
    assert_eq!(section(&read(&home, ".aws-login/config"), "111122223333.ReadOnly")[1], "role_arn = mine");

    // Again: the same files byte for byte.
    let before = (read(&home, ".aws-login/config"), read(&home, ".aws/config"));
    home.run(&stack, &["login", "--all-roles", "-p", "b"]);
    assert_eq!((read(&home, ".aws-login/config"), read(&home, ".aws/config")), before);

    // The IdP now grants two roles: --prune removes the profiles made for the others.
    stack.idp_control(
        r#"{"roles": ["arn:aws:iam::111122223333:role/Developer,arn:aws:iam::111122223333:saml-provider/TestIdP",
                      "arn:aws:iam::444455556666:role/Auditor,arn:aws:iam::444455556666:saml-provider/TestIdP"]}"#,
    );
    let run = home.run(&stack, &["login", "--all-roles", "--prune", "-p", "b"]).ok();
    assert!(
        run.stderr().contains("removed profile '444455556666.Admin': its role is no longer granted"),
        "{}",
        run.stderr()
    );
    let (ours, theirs) = (read(&home, ".aws-login/config"), read(&home, ".aws/config"));
    assert!(
        section(&ours, "444455556666.Admin").is_empty() && !theirs.contains("444455556666.Admin"),
        "{ours}\n{theirs}"
    );
    assert!(!home.cache_file("444455556666.Admin").exists());
    assert_eq!(ours.matches(MARKER).count(), 2, "{ours}");
    assert_eq!(section(&ours, "111122223333.ReadOnly")[1], "role_arn = mine", "not ours: kept");
}

#[test]
fn when_some_sts_calls_fail_the_others_are_stored_and_the_failures_listed() {
    // Two hours asked; only Developer and ReadOnly may last that long.
    let stack = Stack::with_knobs(
        "{}",
        r#"{"role_max": {"arn:aws:iam::111122223333:role/Developer": 7200, "arn:aws:iam::111122223333:role/ReadOnly": 7200}}"#,
    );
    let home = bob(&stack, "duration = 7200");
    let run = home.run(&stack, &["login", "--all-roles", "-p", "b"]);
    assert_eq!(run.code(), 26, "{}", run.stderr());
    assert_eq!(run.stdout(), "");
    let err = run.stderr();
    assert!(err.contains("2 of the 4 roles granted stored"), "{err}");
    for failed in ["arn:aws:iam::444455556666:role/Auditor", "arn:aws:iam::444455556666:role/team/Admin"] {
        assert!(err.contains(&format!("not stored: {failed}: STS refused")), "{err}");
    }
    assert!(
        home.cache_file("111122223333-Developer").exists()
            && home.cache_file("111122223333-ReadOnly").exists()
    );
    assert!(!home.cache_file("444455556666-Auditor").exists());
    assert_eq!(read(&home, ".aws-login/config").matches(MARKER).count(), 2);
}

#[test]
fn bad_input_fails_before_the_idp_and_changes_nothing() {
    let stack = Stack::start();
    let home = bob(&stack, "profile_template = {account}-{role_name}");
    let before = home.snapshot();
    let err = home.run(&stack, &["login", "--all-roles", "-p", "b"]).fails(5);
    assert!(err.contains("profile_template = '{account}-{role_name}' is not valid"), "{err}");
    let usage = home.run(&stack, &["login", "--prune", "-p", "b"]);
    assert_eq!(usage.code(), 2, "clap's usage error");
    assert!(usage.stderr().contains("--all-roles"), "{}", usage.stderr());
    assert_eq!(home.snapshot(), before);
    assert!(stack.idp_log().is_empty());
}
