//! The AWS JS SDK v3 as a consumer (scripts in tests/consumers, the SDK installed by
//! tests/stack/install.sh into .stack/node): the `js` JSON as a client's credentials,
//! `fromProcess` running aws-login as the profile's credential_process, and
//! `fromContainerMetadata` against `exec --server` through two refreshes.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;

const ARN_PREFIX: &str = "arn:aws:sts::111122223333:assumed-role/Developer/";

fn alice(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "dev", &format!("username = alice\npassword = {ALICE_PW}"));
    home
}

fn script(name: &str) -> String {
    repo().join("tests/consumers").join(name).to_string_lossy().into_owned()
}

fn node_path() -> String {
    let modules = repo().join(".stack/node/node_modules");
    assert!(
        modules.join("@aws-sdk/client-sts").exists(),
        "run tests/stack/install.sh (scripts/test.sh does)"
    );
    modules.to_string_lossy().into_owned()
}

fn node(home: &Home, stack: &Stack, args: &[&str], stdin: &str) -> Run {
    let mut c: Command = home.command_for(stack, "node");
    c.args(args)
        .env("NODE_PATH", node_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    Run(child.wait_with_output().unwrap())
}

#[test]
fn the_js_json_is_a_clients_credentials_and_from_process_runs_aws_login() {
    let stack = Stack::start();
    let home = alice(&stack);
    let js = home.run(&stack, &["export", "-p", "dev", "-o", "js"]).ok().stdout();
    let arn = node(&home, &stack, &[&script("js_json.cjs")], &js).ok().stdout();
    assert!(arn.starts_with(ARN_PREFIX), "{arn}");
    let arn = node(&home, &stack, &[&script("js_process.cjs"), "dev"], "").ok().stdout();
    assert!(arn.starts_with(ARN_PREFIX), "{arn}");
    assert_eq!(stack.sts_assumes().len(), 1, "fromProcess was served from the cache");
}

#[test]
fn from_container_metadata_in_a_long_job_outlives_two_refreshes() {
    let stack = Stack::with_knobs("{}", r#"{"credential_ttl": 20}"#);
    let home = alice(&stack);
    let mut c = home.command_for(&stack, BIN);
    c.args(["exec", "--server", "-p", "dev", "--", "node", &script("js_container.cjs")])
        .env("NODE_PATH", node_path());
    let run = Run(c.output().unwrap());
    assert_eq!(run.code(), 0, "stdout: {}\nstderr: {}", run.stdout(), run.stderr());
    assert_eq!(run.stdout().trim(), "3 keys");
}
