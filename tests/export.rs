//! `-o F` and `export`: the binary against the test IdP and STS, its output read by what reads it
//! in real life: bash, zsh and fish evaluate the exports and then run the AWS CLI; boto3 takes
//! the boto JSON; the bare command and `process` keep printing the credential_process JSON.

mod common;

use std::process::Command;

use common::*;

const ARN_PREFIX: &str = "arn:aws:sts::111122223333:assumed-role/Developer/";

fn alice(stack: &Stack, extra: &str) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "dev", &format!("username = alice\npassword = {ALICE_PW}\n{extra}"));
    home
}

/// Runs `script` in `shell` (`-c`) with the home's environment, plus variables that the
/// exports must override or remove.
fn in_shell(home: &Home, stack: &Stack, shell: &str, script: &str) -> Run {
    let mut c: Command = home.command_for(stack, shell);
    c.arg("-c")
        .arg(script)
        .env("AWS_LOGIN", BIN)
        // Both would beat or spoil the exported keys if they were left: a profile that does not
        // exist, and a container endpoint nothing listens on.
        .env("AWS_PROFILE", "ghost")
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/nothing")
        .env("AWS_ACCESS_KEY_ID", "AKIASTALESTALESTALE");
    Run(c.output().unwrap())
}

/// What the shell checks after evaluating the exports: the AWS CLI's caller, then the
/// variables that must be gone or set.
const CHECK: &str = "aws sts get-caller-identity --query Arn --output text; \
    echo \"profile=${AWS_PROFILE-unset} uri=${AWS_CONTAINER_CREDENTIALS_FULL_URI-unset} region=$AWS_REGION/$AWS_DEFAULT_REGION account=$AWS_ACCOUNT_ID expires=$AWS_CREDENTIAL_EXPIRATION\"";

fn check_output(run: Run) {
    let out = run.ok().stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with(ARN_PREFIX), "{out}");
    assert!(
        lines[1].starts_with(
            "profile=unset uri=unset region=us-east-1/us-east-1 account=111122223333 expires=20"
        ),
        "{out}"
    );
    assert!(lines[1].ends_with('Z'), "{out}");
}

#[test]
fn bash_zsh_and_sh_evaluate_the_exports_and_the_aws_cli_uses_them() {
    let stack = Stack::start();
    let home = alice(&stack, "");
    for (shell, format) in [("bash", "bash"), ("zsh", "zsh"), ("sh", "sh")] {
        let script =
            format!("eval \"$(\"$AWS_LOGIN\" export --profile dev -o {format})\" || exit 99; {CHECK}");
        check_output(in_shell(&home, &stack, shell, &script));
    }
    // `env` picks the shell from $SHELL.
    let script = format!(
        "export SHELL=/bin/bash; eval \"$(\"$AWS_LOGIN\" export --profile dev)\" || exit 99; {CHECK}"
    );
    check_output(in_shell(&home, &stack, "bash", &script));
    // One login served them all.
    assert_eq!(stack.sts_assumes().len(), 1);
}

#[test]
fn fish_sources_its_exports_and_the_aws_cli_uses_them() {
    let stack = Stack::start();
    let home = alice(&stack, "");
    // fish spells ${VAR-unset} differently: set -q.
    let script = "\"$AWS_LOGIN\" export --profile dev -o fish | source; or exit 99; \
        aws sts get-caller-identity --query Arn --output text; \
        set -q AWS_PROFILE; and set p $AWS_PROFILE; or set p unset; \
        set -q AWS_CONTAINER_CREDENTIALS_FULL_URI; and set u x; or set u unset; \
        echo \"profile=$p uri=$u region=$AWS_REGION/$AWS_DEFAULT_REGION account=$AWS_ACCOUNT_ID expires=$AWS_CREDENTIAL_EXPIRATION\"";
    check_output(in_shell(&home, &stack, "fish", script));
    // And `-o env` under fish's $SHELL is fish's syntax.
    let run =
        home.run_with_env(&stack, &["export", "-p", "dev", "-o", "env"], &[("SHELL", "/usr/bin/fish")]).ok();
    assert!(run.stdout().contains("set -gx AWS_ACCESS_KEY_ID '"), "{}", run.stdout());
}

#[test]
fn boto3_takes_the_boto_json_and_the_js_json_has_the_sdk_names() {
    let stack = Stack::start();
    let home = alice(&stack, "");
    let boto = home.run(&stack, &["export", "--profile", "dev", "-o", "boto"]).ok().json();
    let keys: Vec<_> = boto.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"]);
    let code = format!(
        "import boto3, json; args = json.loads({:?}); \
         print(boto3.client('sts', region_name='us-east-1', **args).get_caller_identity()['Arn'])",
        boto.to_string()
    );
    let arn = home.python(&stack, &code).ok().stdout();
    assert!(arn.starts_with(ARN_PREFIX), "{arn}");

    let js = home.run(&stack, &["-o", "js", "--profile", "dev"]).ok().json();
    assert_eq!(js["accessKeyId"], boto["aws_access_key_id"]);
    assert_eq!(js["sessionToken"], boto["aws_session_token"]);
    assert_eq!(js["accountId"], "111122223333");
    assert!(js["expiration"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn process_json_carries_the_account_and_ignores_the_profile_output() {
    let stack = Stack::start();
    let home = alice(&stack, "output = fish");
    for args in [&["--profile", "dev"][..], &["process", "--profile", "dev"]] {
        let json = home.run(&stack, args).ok().json();
        assert_eq!(json["Version"], 1);
        assert_eq!(json["AccountId"], "111122223333", "{args:?}");
    }
    // `export` follows the profile's output; -o beats it.
    let fish = home.run(&stack, &["export", "--profile", "dev"]).ok().stdout();
    assert!(
        fish.starts_with("set -e AWS_PROFILE ") && fish.contains("set -gx AWS_SESSION_TOKEN '"),
        "{fish}"
    );
    let bash = home.run(&stack, &["export", "--profile", "dev", "-o", "bash"]).ok().stdout();
    assert!(bash.starts_with("unset AWS_PROFILE ") && bash.contains("export AWS_SESSION_TOKEN='"), "{bash}");
    // -o on the bare command and on process.
    let bash2 = home.run(&stack, &["process", "-p", "dev", "--format", "sh"]).ok().stdout();
    assert_eq!(bash2, bash);
    assert_eq!(home.run(&stack, &["-o", "none", "-p", "dev"]).ok().stdout(), "");
    // The AWS CLI through credential_process is unaffected by `output = fish`.
    let arn = home.aws(
        &stack,
        &["sts", "get-caller-identity", "--profile", "dev", "--query", "Arn", "--output", "text"],
    );
    assert!(arn.ok().stdout().starts_with(ARN_PREFIX));
    assert_eq!(stack.sts_assumes().len(), 1, "all from one login");
}

#[test]
fn a_bad_output_setting_or_format_is_one_sentence_and_changes_nothing() {
    let stack = Stack::start();
    let home = alice(&stack, "output = json");
    let before = home.snapshot();
    let err = home.run(&stack, &["export", "--profile", "dev"]).fails(5);
    assert!(err.contains("output = 'json' is not valid") && err.contains("bash"), "{err}");
    assert_eq!(home.snapshot(), before);
    // The bare command does not read `output`, so a bad one cannot break credential_process.
    home.run(&stack, &["--profile", "dev"]).ok();

    let run = home.run(&stack, &["export", "--profile", "dev", "-o", "yaml"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("'yaml' is not an output format"), "{}", run.stderr());
    let run = home.run(&stack, &["-o", "bash", "login", "--profile", "dev"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
}
