//! `aws-login exec -- CMD`: the child gets the credentials and region, none of the competing
//! variables, aws-login's place (pid and exit status), and nesting for another profile is
//! refused. Against the test IdP and STS, with the AWS CLI as the child.

mod common;

use common::*;

/// The AWS CLI asked who it is, as the child.
const AWS_CALLER: &[&str] = &["aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"];

fn alice(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "dev", &format!("username = alice\npassword = {ALICE_PW}"));
    home
}

#[test]
fn the_aws_cli_runs_with_the_credentials_and_no_competing_variables() {
    let stack = Stack::start();
    let home = alice(&stack);
    let competing = [
        ("AWS_PROFILE", "ghost"),
        ("AWS_ACCESS_KEY_ID", "AKIASTALESTALESTALE"),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/x"),
        ("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/Other"),
    ];
    let run = home
        .run_with_env(&stack, &[&["exec", "--profile", "dev", "--"][..], AWS_CALLER].concat(), &competing)
        .ok();
    assert!(
        run.stdout().starts_with("arn:aws:sts::111122223333:assumed-role/Developer/"),
        "{}",
        run.stdout()
    );

    let env = home.run_with_env(&stack, &["exec", "-p", "dev", "--", "env"], &competing).ok().stdout();
    let vars: Vec<&str> = env.lines().collect();
    for gone in ["AWS_PROFILE=", "AWS_CONTAINER_CREDENTIALS_FULL_URI=", "AWS_ROLE_ARN="] {
        assert!(!vars.iter().any(|l| l.starts_with(gone)), "{gone} left in:\n{env}");
    }
    for set in [
        "AWS_LOGIN_PROFILE=dev",
        "AWS_REGION=us-east-1",
        "AWS_DEFAULT_REGION=us-east-1",
        "AWS_ACCOUNT_ID=111122223333",
    ] {
        assert!(vars.contains(&set), "{set} missing:\n{env}");
    }
    assert!(vars.iter().any(|l| l.starts_with("AWS_ACCESS_KEY_ID=") && !l.contains("STALE")), "{env}");
    assert!(vars.iter().any(|l| l.starts_with("AWS_CREDENTIAL_EXPIRATION=20")), "{env}");
    assert_eq!(stack.sts_assumes().len(), 1, "the second exec was served from the cache");
}

#[test]
fn the_child_takes_aws_logins_place_and_exit_status() {
    let stack = Stack::start();
    let home = alice(&stack);
    // Replaced, not spawned: the child's parent is what started aws-login (this test, or
    // setsid), never aws-login; its exit status is passed through untouched.
    let run = home.run(&stack, &["exec", "-p", "dev", "--", "sh", "-c", "cat /proc/$PPID/comm; exit 7"]);
    assert_eq!(run.code(), 7, "{}", run.stderr());
    let parent = run.stdout().trim().to_string();
    assert!(!parent.is_empty() && parent != "aws-login", "{parent}");
    let spawned =
        home.run(&stack, &["exec", "-p", "dev", "--", "sh", "-c", "sh -c 'cat /proc/$PPID/comm'"]).ok();
    assert_eq!(spawned.stdout().trim(), "sh", "the same check tells a spawning parent");
    assert_eq!(run.stderr(), "", "nothing printed by aws-login");
}

#[test]
fn a_command_that_cannot_start_is_127_or_126_in_one_sentence() {
    let stack = Stack::start();
    let home = alice(&stack);
    let err = home.run(&stack, &["exec", "-p", "dev", "--", "no-such-command-h13"]).fails(127);
    assert!(err.contains("no-such-command-h13") && err.contains("PATH"), "{err}");
    let script = home.path().join("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let err = home.run(&stack, &["exec", "-p", "dev", "--", script.to_str().unwrap()]).fails(126);
    assert!(err.contains("permission denied"), "{err}");
    // Without a command, clap's usage error.
    assert_eq!(home.run(&stack, &["exec", "-p", "dev"]).code(), 2);
}

#[test]
fn nesting_for_another_profile_is_refused_unless_allowed() {
    let stack = Stack::start();
    let home = alice(&stack);
    let before = home.snapshot();
    let err = home
        .run_with_env(&stack, &["exec", "-p", "dev", "--", "true"], &[("AWS_LOGIN_PROFILE", "prod")])
        .fails(41);
    assert!(err.contains("'prod'") && err.contains("'dev'") && err.contains("--allow-nesting"), "{err}");
    assert_eq!(home.snapshot(), before, "refused before any login");
    assert!(stack.idp_log().is_empty());

    // The same profile again is fine, and so is another one with the flag.
    home.run_with_env(&stack, &["exec", "-p", "dev", "--", "true"], &[("AWS_LOGIN_PROFILE", "dev")]).ok();
    home.run_with_env(
        &stack,
        &["exec", "--allow-nesting", "-p", "dev", "--", "true"],
        &[("AWS_LOGIN_PROFILE", "prod")],
    )
    .ok();
}
