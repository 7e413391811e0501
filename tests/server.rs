//! The local credentials server: `exec --server` with boto3 (and the JS SDK, see
//! tests/consumers) as the long-running child, fed short-lived credentials by the STS front so
//! that it outlives two refreshes; `serve` and its token; refreshes that need a person.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use common::*;

/// The AWS CLI asked who it is, as the child.
const AWS_CALLER: &[&str] = &["aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"];

fn alice(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "dev", &format!("username = alice\npassword = {ALICE_PW}"));
    home
}

/// A GET to `url` with `token` as Authorization (if any): the status and the body.
fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(authority).unwrap();
    let auth = token.map(|t| format!("Authorization: {t}\r\n")).unwrap_or_default();
    write!(s, "GET / HTTP/1.1\r\nHost: {authority}\r\n{auth}\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    (status, answer.split_once("\r\n\r\n").unwrap().1.to_string())
}

#[test]
fn boto3_in_a_long_job_outlives_two_refreshes_and_never_holds_an_expired_key() {
    let stack = Stack::with_knobs("{}", r#"{"credential_ttl": 20}"#);
    let home = alice(&stack);
    let script = repo().join("tests/consumers/container_boto3.py");
    let run = home.run(&stack, &["exec", "--server", "-p", "dev", "--", "python", script.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "stdout: {}\nstderr: {}", run.stdout(), run.stderr());
    assert_eq!(run.stdout().trim(), "3 keys");
    assert!(stack.sts_assumes().len() >= 3, "{}", stack.sts_assumes().len());
}

#[test]
fn exec_server_passes_the_childs_status_and_gives_it_no_keys() {
    let stack = Stack::start();
    let home = alice(&stack);
    let run = home.run_with_env(
        &stack,
        &["exec", "--server", "-p", "dev", "--", "sh", "-c", "env; exit 3"],
        &[("AWS_ACCESS_KEY_ID", "AKIASTALESTALESTALE"), ("AWS_PROFILE", "ghost")],
    );
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let env = run.stdout();
    assert!(env.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:"), "{env}");
    assert!(env.contains("AWS_CONTAINER_AUTHORIZATION_TOKEN="), "{env}");
    for gone in ["AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE="] {
        assert!(!env.lines().any(|l| l.starts_with(gone)), "{gone}: {env}");
    }
    // The AWS CLI goes through the server.
    let run = home.run(&stack, &[&["exec", "--server", "-p", "dev", "--"][..], AWS_CALLER].concat());
    assert!(run.ok().stdout().starts_with("arn:aws:sts::111122223333:assumed-role/Developer/"));
}

#[test]
fn serve_prints_the_variables_refuses_a_wrong_token_and_stops_on_sigterm() {
    let stack = Stack::start();
    let home = alice(&stack);
    let mut c = home.command_for(&stack, BIN);
    c.args(["serve", "--profile", "dev"])
        .env("SHELL", "/bin/bash")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut url, mut token) = (String::new(), String::new());
    while url.is_empty() || token.is_empty() {
        let mut line = String::new();
        assert_ne!(out.read_line(&mut line).unwrap(), 0, "serve ended early");
        let value = |l: &str| l.split_once('=').unwrap().1.trim().trim_matches('\'').to_string();
        if line.starts_with("export AWS_CONTAINER_CREDENTIALS_FULL_URI=") {
            url = value(&line);
        } else if line.starts_with("export AWS_CONTAINER_AUTHORIZATION_TOKEN=") {
            token = value(&line);
        } else {
            assert!(
                line.starts_with("unset AWS_ACCESS_KEY_ID ") || line.starts_with("export AWS_"),
                "{line}"
            );
        }
    }
    assert!(url.starts_with("http://127.0.0.1:") && token.len() >= 40, "{url} {token}");

    let (status, body) = get(&url, Some(&token));
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        json["Token"].as_str().unwrap().len() > 20 && json["Expiration"].as_str().unwrap().ends_with('Z')
    );
    assert_eq!(json["AccountId"], "111122223333");
    for wrong in [None, Some("nope"), Some(&token[1..])] {
        assert_eq!(get(&url, wrong), (401, String::new()), "{wrong:?}");
    }

    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.contains("serving profile 'dev' on http://127.0.0.1:"), "{err}");
    assert!(!err.contains(&token), "the token is only on stdout");
}

#[test]
fn a_first_login_that_needs_a_person_is_aws_logins_sentence_and_code() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice");
    let err = home.run(&stack, &["exec", "--server", "-p", "dev", "--", "true"]).fails(23);
    assert!(err.contains("aws-login login --profile dev"), "{err}");
}

#[test]
fn a_refresh_that_needs_a_person_keeps_the_old_key_until_it_expires_then_says_what_to_run() {
    let stack = Stack::with_knobs("{}", r#"{"credential_ttl": 12}"#);
    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice");
    home.run(&stack, &["login", "-p", "dev", "--password", ALICE_PW]).ok();
    // Without the IdP session the next login needs the password, which nobody can type.
    for jar in std::fs::read_dir(home.login_dir().join("cookies")).unwrap().flatten() {
        std::fs::remove_file(jar.path()).unwrap();
    }
    let script = repo().join("tests/consumers/container_poll.py");
    let run = home.run(&stack, &["exec", "--server", "-p", "dev", "--", "python", script.to_str().unwrap()]);
    let out = run.ok().stdout();
    assert!(out.starts_with("503 1 "), "one key until it expired, then an error: {out}");
    assert!(out.contains("aws-login login --profile dev"), "{out}");
}

#[test]
fn exec_server_passes_a_signal_on_to_the_child_and_exits_with_its_status() {
    let stack = Stack::start();
    let home = alice(&stack);
    // aws-login itself (no setsid in between), so the signal goes to it.
    let mut c = std::process::Command::new(BIN);
    home.env(&mut c);
    c.env("AWS_ENDPOINT_URL_STS", &stack.sts_url)
        .args(["exec", "--server", "-p", "dev", "--", "sh", "-c"])
        .arg("trap 'echo got-term; exit 5' TERM; echo ready; while :; do sleep 1; done")
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = child.wait().unwrap();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "got-term\n");
    assert_eq!(status.code(), Some(5), "the child's status, not a death by SIGTERM");
}
