//! A person at the terminal: prompts go to /dev/tty, never stdout.

mod common;

use common::*;

#[test]
fn credential_process_asks_for_the_password_on_the_terminal_and_keeps_stdout_clean() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice");
    let mut tty = home.tty(&stack, &["--profile", "dev"]);
    tty.expect("Password for alice@");
    tty.send_line(ALICE_PW);
    let (code, stdout, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["Version"], 1);
    assert!(!screen.contains(ALICE_PW), "no echo: {screen}");
}
