//! `-o credentials-file`: the credentials as a profile of the shared credentials file, read by
//! the real AWS CLI and boto3; every other byte of the file kept; refusals that change nothing.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;

const ARN_PREFIX: &str = "arn:aws:sts::111122223333:assumed-role/Developer/";

/// An aws-login profile whose AWS profile has no credential_process (it reads the file).
fn alice(stack: &Stack) -> Home {
    let home = Home::new();
    home.profile(
        "dev",
        &format!("ecp_endpoint_url = {}\nusername = alice\npassword = {ALICE_PW}", stack.ecp_url),
    );
    home.aws_config("[profile dev]\nregion = us-east-1\n");
    home
}

const USERS_FILE: &str = "# my keys, do not lose this comment\r\n[default]\r\naws_access_key_id = AKIAUSERUSERUSER\r\naws_secret_access_key = user-secret\r\n\r\n[dev]\r\n; dev comes from aws-login\r\n\r\n[after]\r\nregion=eu-north-1\r\n";

#[test]
fn the_aws_cli_and_boto3_read_the_profile_and_the_rest_of_the_file_is_untouched() {
    let stack = Stack::start();
    let home = alice(&stack);
    let path = home.path().join(".aws/credentials");
    std::fs::write(&path, USERS_FILE).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    let run = home
        .run_with_env(
            &stack,
            &["export", "--profile", "dev", "-o", "credentials-file"],
            &[("SHELL", "/bin/bash")],
        )
        .ok();
    let lines: Vec<String> = run.stdout().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "how to use it, for the shell in use: {lines:?}");
    assert!(
        lines[0].starts_with("unset AWS_ACCESS_KEY_ID ") && !lines[0].contains("AWS_PROFILE"),
        "{lines:?}"
    );
    assert_eq!(lines[1], "export AWS_PROFILE='dev'");

    let after = std::fs::read_to_string(&path).unwrap();
    // The keys go under the header, before the section's comment; the rest is as it was.
    let (head, tail) = USERS_FILE.split_once("[dev]\r\n").unwrap();
    assert!(after.starts_with(&format!("{head}[dev]\r\naws_access_key_id = ASIA")), "{after:?}");
    assert!(after.ends_with(&format!("x_written_by = aws-login\r\n{tail}")), "{after:?}");
    assert!(
        after.contains("\r\naws_session_token = ") && after.contains("\r\nx_security_token_expires = 20"),
        "{after:?}"
    );
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "it holds secrets now");

    let cli = home.aws(
        &stack,
        &["sts", "get-caller-identity", "--profile", "dev", "--query", "Arn", "--output", "text"],
    );
    assert!(cli.ok().stdout().starts_with(ARN_PREFIX));
    let boto = home.python(
        &stack,
        "import boto3; print(boto3.Session(profile_name='dev').client('sts').get_caller_identity()['Arn'])",
    );
    assert!(boto.ok().stdout().starts_with(ARN_PREFIX));

    // Ours now: written again without --force, after a new login.
    home.run(&stack, &["login", "--profile", "dev", "--force-refresh"]).ok();
    home.run(&stack, &["process", "--profile", "dev", "-o", "credentials-file"]).ok();
    assert_ne!(std::fs::read_to_string(&path).unwrap(), after, "the new keys");
}

#[test]
fn a_dedicated_file_comes_with_the_variables_that_point_at_it() {
    let stack = Stack::start();
    let home = alice(&stack);
    let file = home.path().join("job creds");
    let script = format!(
        "eval \"$({BIN} export -p dev --credentials-file '{}')\" && aws sts get-caller-identity --query Arn --output text",
        file.display()
    );
    let mut c = home.command_for(&stack, "bash");
    // Stale keys in the environment would beat the profile: the printed lines unset them.
    c.arg("-c").arg(script).env("SHELL", "/bin/bash").env("AWS_ACCESS_KEY_ID", "AKIASTALESTALESTALE");
    let run = Run(c.output().unwrap());
    assert!(run.ok().stdout().starts_with(ARN_PREFIX));
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(!home.path().join(".aws/credentials").exists(), "the default file was not touched");
}

#[test]
fn keys_aws_login_did_not_write_are_kept_unless_forced() {
    let stack = Stack::start();
    let home = alice(&stack);
    let path = home.path().join(".aws/credentials");
    std::fs::write(&path, "[dev]\naws_access_key_id = AKIAHANDMADE\naws_secret_access_key = hand\n").unwrap();
    let before = home.snapshot();
    let err = home.run(&stack, &["export", "-p", "dev", "-o", "credentials-file"]).fails(42);
    assert!(err.contains("did not write") && err.contains("--force"), "{err}");
    assert_eq!(home.snapshot(), before, "nothing changed");
    assert!(stack.idp_log().is_empty(), "refused before logging in");

    home.run(&stack, &["export", "-p", "dev", "-o", "credentials-file", "--force"]).ok();
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(!after.contains("AKIAHANDMADE") && after.contains("x_written_by = aws-login"), "{after}");
}

#[test]
fn a_profile_wired_to_credential_process_is_never_given_static_keys() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("username = alice\npassword = {ALICE_PW}"));
    let before = home.snapshot();
    for extra in [&[][..], &["--force"]] {
        let args = [&["export", "-p", "dev", "-o", "credentials-file"][..], extra].concat();
        let err = home.run(&stack, &args).fails(42);
        assert!(err.contains("credential_process") && err.contains("hide"), "{err}");
    }
    assert_eq!(home.snapshot(), before);
    // --credentials-file with another format is a setting error.
    let err = home.run(&stack, &["export", "-p", "dev", "-o", "bash", "--credentials-file", "x"]).fails(5);
    assert!(err.contains("-o credentials-file"), "{err}");
}
