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

/// bob has four roles in two accounts; no role_arn, so a person must pick.
fn bob(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(
        stack,
        "b",
        &format!("username = bob\npassword = {BOB_PW}\nfactor = passcode\npasscode = 123456"),
    );
    home
}

#[test]
fn the_role_picker_groups_sorts_filters_and_picks() {
    let stack = Stack::start();
    let home = bob(&stack);
    std::fs::write(home.login_dir().join("alias"), "[accounts]\n444455556666 = prod\n").unwrap();
    let mut tty = home.tty(&stack, &["--profile", "b"]);
    let screen = tty.expect("Role: ");
    let at = |s: &str| screen.find(s).unwrap_or_else(|| panic!("{s} not in {screen}"));
    assert!(at("Account 111122223333") < at("[1] Developer"));
    assert!(at("[2] ReadOnly") < at("Account prod (444455556666)"));
    assert!(at("[3] Auditor") < at("[4] team/Admin"), "full names with paths, sorted");
    tty.send("adm");
    tty.expect("Role: adm");
    tty.send("\r");
    let (code, stdout, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(stdout.contains("\"AccessKeyId\""), "only the JSON reaches stdout: {stdout}");
    assert!(!stdout.contains("Account"), "{stdout}");
    let assumes = stack.sts_assumes();
    assert_eq!(assumes[0]["role_arn"], "arn:aws:iam::444455556666:role/team/Admin");
}

#[test]
fn the_role_picker_re_asks_on_bad_input_and_takes_a_number() {
    let stack = Stack::start();
    let home = bob(&stack);
    let mut tty = home.tty(&stack, &["login", "--profile", "b"]);
    tty.expect("Role: ");
    tty.send("9\r");
    tty.expect("There is no role 9: choose 1 to 4.");
    tty.send("2\r");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(stack.sts_assumes()[0]["role_arn"], "arn:aws:iam::111122223333:role/ReadOnly");
    // The choice is remembered: the next refresh asks nothing.
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(home.cache_file("b")).unwrap())
            .unwrap()["role_arn"],
        "arn:aws:iam::111122223333:role/ReadOnly"
    );
}

#[test]
fn q_and_esc_quit_the_picker_cleanly() {
    for keys in ["q\r", "\x1b"] {
        let stack = Stack::start();
        let home = bob(&stack);
        let before = home.snapshot();
        let mut tty = home.tty(&stack, &["--profile", "b"]);
        tty.expect("Role: ");
        tty.send(keys);
        let (code, stdout, screen) = tty.finish();
        assert_eq!(code, 19, "{keys:?}: {screen}");
        assert_eq!(stdout, "");
        assert!(screen.contains("no role was chosen"), "{screen}");
        assert_eq!(home.snapshot(), before, "nothing stored");
        assert!(stack.sts_log().is_empty());
    }
}
