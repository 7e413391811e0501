//! What the IdP and STS answer, and what aws-login makes of it: an answer addressed to another
//! service is not used, cookies the IdP finds too large lead to the password, a silent IdP is
//! not blamed on Duo when it never took the connection, and an STS error in a foreign format
//! still shows its code and message.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::json;

fn alice(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "dev", &format!("username = alice\npassword = {ALICE_PW}\nfactor = off"));
    home
}

const DEV: &[&str] = &["--profile", "dev"];

#[test]
fn an_answer_addressed_to_another_service_is_not_used() {
    let stack = Stack::start();
    let other = "https://signin.evil.example/saml";
    stack.idp_control(&json!({ "ecp_acs": other }).to_string());

    // A password login: refused, nothing stored, nothing sent to STS.
    let home = alice(&stack);
    let before = home.snapshot();
    let err = home.run(&stack, DEV).fails(21);
    assert_eq!(home.snapshot(), before);
    assert!(
        err.contains(&format!(
            "the IdP at {} addressed its answer to {other}, not to https://signin.aws.amazon.com/saml as asked, so it was not used",
            stack.ecp_url
        )),
        "{err}"
    );
    assert_eq!(stack.idp_log().last().unwrap()["outcome"], "success", "the IdP did answer");

    // A session login: the IdP's new cookie in that answer is not taken either.
    stack.idp_control(r#"{"ecp_acs": null}"#);
    home.run(&stack, &["login", "--profile", "dev"]).ok();
    stack.idp_control(&json!({ "ecp_acs": other }).to_string());
    let before = home.snapshot();
    let err = home.run(&stack, &["login", "--profile", "dev", "--force-refresh"]).fails(21);
    assert!(err.contains("so it was not used"), "{err}");
    assert_eq!(home.snapshot(), before, "the cookie jar must not change");
    assert_eq!(stack.idp_log().last().unwrap()["auth"], "cookie");
    assert_eq!(stack.sts_assumes().len(), 1, "only the good login reached STS");
}

#[test]
fn cookies_the_idp_will_not_take_lead_to_the_password() {
    let stack = Stack::start();
    let home = alice(&stack);
    home.run(&stack, &["login", "--profile", "dev"]).ok();
    for status in [431, 400] {
        stack.idp_control(&json!({ "cookie_status": status }).to_string());
        let seen = stack.idp_log().len();
        home.run(&stack, &["login", "--profile", "dev", "--force-refresh"]).ok();
        let log = stack.idp_log();
        assert_eq!(log.len(), seen + 2, "{log:?}");
        assert_eq!(
            (log[seen]["outcome"].as_str(), log[seen]["status"].as_u64()),
            (Some("cookie_status"), Some(status))
        );
        assert_eq!(
            (log[seen + 1]["auth"].as_str(), log[seen + 1]["outcome"].as_str()),
            (Some("basic"), Some("success"))
        );
    }
}

/// A loopback port whose listen queue is full: a connection to it is never taken (the kernel
/// drops the SYN), as with a dead host or a firewall that drops packets.
struct Unanswered {
    child: Child,
    port: u16,
}

impl Unanswered {
    fn start() -> Unanswered {
        let python = repo().join(".stack/venv/bin/python");
        let code = "import socket, sys\n\
            s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)\n\
            held = socket.create_connection(s.getsockname())  # fills the queue of length 0\n\
            print(s.getsockname()[1], flush=True)\n\
            sys.stdin.read()\n";
        let mut child = Command::new(python)
            .args(["-c", code])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        Unanswered { port: line.trim().parse().expect("the port"), child }
    }
}

impl Drop for Unanswered {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_idp_that_never_takes_the_connection_is_not_a_duo_timeout() {
    let stack = Stack::start();
    let dead = Unanswered::start();
    let url = format!("http://127.0.0.1:{}/idp/profile/SAML2/SOAP/ECP", dead.port);
    let home = Home::new();
    home.profile(
        "b",
        &format!(
            "ecp_endpoint_url = {url}\nusername = bob\npassword = {BOB_PW}\nfactor = push\nduo_timeout = 5\nrole_arn = {DEVELOPER}"
        ),
    );
    let before = home.snapshot();
    let err = home.run(&stack, &["--profile", "b"]).fails(20);
    assert!(err.contains(&format!("cannot reach the IdP at {url}: no connection within 2 s")), "{err}");
    assert!(!err.contains("Duo"), "{err}");
    assert_eq!(home.snapshot(), before, "no push was sent, so none is held back");

    // Connected and sent, then silence: Duo or the IdP, which cannot be told apart. A push may
    // be pending, so the next unattended one is held back.
    let stack = Stack::with_knobs(r#"{"duo_delay": 60}"#, "{}");
    let home = Home::new();
    home.ecp_profile(
        &stack,
        "b",
        &format!(
            "username = bob\npassword = {BOB_PW}\nfactor = push\nduo_timeout = 5\nrole_arn = {DEVELOPER}"
        ),
    );
    let err = home.run(&stack, &["--profile", "b"]).fails(7);
    assert!(
        err.contains("the IdP at 127.0.0.1 did not answer within 5 s while a Duo push or call was pending: either nobody approved it in time or the IdP is slow, and aws-login cannot tell which"),
        "{err}"
    );
    assert!(err.contains("raise duo_timeout"), "{err}");
    assert!(home.login_dir().join("cache/b.backoff").exists());
}

#[test]
fn sts_errors_in_a_foreign_format_still_show_their_code_and_message() {
    let stack = Stack::start();
    for (broken, found) in [
        (
            "foreign_xml",
            "HTTP 403 saying UnauthorizedOperation: You are not authorized\\u{1b}[31m to perform this operation, not in STS's error format",
        ),
        (
            "json_error",
            "HTTP 400 saying ThrottlingException: Rate exceeded by the gateway, not in STS's error format",
        ),
    ] {
        stack.sts_control(&json!({ "broken": broken }).to_string());
        let home = alice(&stack);
        let before = home.snapshot_outside_session();
        let err = home.run(&stack, DEV).fails(20);
        // The IdP accepted the login, so its session is kept (README: the session state follows
        // the IdP); nothing else changed.
        assert_eq!(home.snapshot_outside_session(), before);
        assert!(home.has_jar(), "the IdP session is kept");
        assert!(
            err.contains(&format!("STS at {} gave no STS answer ({found})", stack.sts_url)),
            "{broken}: {err}"
        );
        assert!(!err.contains('\x1b'), "{err}");
    }
}
