//! A person at the terminal: prompts go to /dev/tty, never stdout.

mod common;

use common::*;

#[test]
fn credential_process_asks_for_the_password_on_the_terminal_and_keeps_stdout_clean() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice");
    let mut tty = home.tty(&stack, &["--profile", "dev"]);
    tty.expect("Duo factor");
    tty.send_line("");
    tty.expect("Password for alice@");
    tty.send_line(ALICE_PW);
    let (code, stdout, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["Version"], 1);
    assert!(!screen.contains(ALICE_PW), "no echo: {screen}");
    assert!(!screen.contains("Choose a role"), "a single role is taken without asking: {screen}");
}

#[test]
fn role_arn_preselects_without_the_picker_at_a_terminal() {
    let stack = Stack::start();
    let home = bob(&stack);
    let admin = "arn:aws:iam::444455556666:role/team/Admin";
    let tty = home.tty(&stack, &["--profile", "b", "--role-arn", admin]);
    let (code, stdout, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("Choose a role"), "{screen}");
    assert!(stdout.contains("\"AccessKeyId\""));
    assert_eq!(stack.sts_assumes()[0]["role_arn"], admin);
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
    // The picker's lines ("Account 1111…", "Account prod (…)"), not the JSON's AccountId.
    assert!(!stdout.contains("Account "), "{stdout}");
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
        let before = home.snapshot_outside_session();
        let mut tty = home.tty(&stack, &["--profile", "b"]);
        tty.expect("Role: ");
        tty.send(keys);
        let (code, stdout, screen) = tty.finish();
        assert_eq!(code, 19, "{keys:?}: {screen}");
        assert_eq!(stdout, "");
        assert!(screen.contains("no role was chosen; the IdP session was kept"), "{screen}");
        assert_eq!(home.snapshot_outside_session(), before, "no credentials stored");
        assert!(home.has_jar(), "the IdP session is kept for the next try");
        assert!(stack.sts_log().is_empty());
        // Running again asks only for the role: the IdP session carries the login.
        let mut tty = home.tty(&stack, &["--profile", "b"]);
        tty.expect("Role: ");
        tty.send("1\r");
        let (code, _, screen) = tty.finish();
        assert_eq!(code, 0, "{screen}");
        let auths: Vec<_> = stack.idp_log().iter().map(|e| e["auth"].as_str().unwrap().to_string()).collect();
        assert_eq!(auths, ["basic", "cookie"]);
    }
}

#[test]
fn a_bad_factor_is_asked_again() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("username = bob\npassword = {BOB_PW}\nrole_arn = {DEVELOPER}"));
    let mut tty = home.tty(&stack, &["--profile", "dev"]);
    tty.expect("Duo factor");
    tty.send_line("fax");
    tty.expect("'fax' is not a Duo factor");
    tty.expect("Duo factor");
    tty.send_line("phone");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(stack.idp_log()[0]["factor"], "phone");
}

#[test]
fn a_push_shows_what_to_do_and_a_spinner_on_the_terminal_only() {
    let stack = Stack::with_knobs(r#"{"duo_delay": 2}"#, "{}");
    let home = Home::new();
    home.ecp_profile(
        &stack,
        "b",
        &format!("username = bob\npassword = {BOB_PW}\nfactor = push\nrole_arn = {DEVELOPER}"),
    );
    let mut tty = home.tty(&stack, &["--profile", "b"]);
    tty.expect("once the IdP accepts it, Duo sends a push: approve it on your device");
    tty.expect("waiting for the IdP");
    let (code, stdout, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(stdout.starts_with("{\"Version\":1"), "{stdout}");
}

#[test]
fn sms_sends_codes_then_asks_for_one_and_retries_as_passcode() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(
        &stack,
        "b",
        &format!("username = bob\npassword = {BOB_PW}\nfactor = sms\nrole_arn = {DEVELOPER}"),
    );
    let mut tty = home.tty(&stack, &["login", "--profile", "b"]);
    tty.expect("Duo passcode (sent by SMS): ");
    tty.send_line("123456");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("123456"), "no echo");
    let log: Vec<_> = stack.idp_log().iter().map(|e| e["outcome"].as_str().unwrap().to_string()).collect();
    assert_eq!(log, ["sms_sent", "success"]);
    assert_eq!(stack.idp_log()[1]["factor"], "passcode");
}

#[test]
fn sms_without_a_terminal_says_how_to_use_the_code() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(
        &stack,
        "b",
        &format!("username = bob\npassword = {BOB_PW}\nfactor = sms\nrole_arn = {DEVELOPER}"),
    );
    let err = home.run(&stack, &["--profile", "b"]).fails(7);
    assert!(err.contains("SMS passcodes") && err.contains("--passcode CODE"), "{err}");
}

#[test]
fn ctrl_c_at_the_password_prompt_restores_the_terminal_and_changes_nothing() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice\nfactor = off");
    let before = home.snapshot();
    let mut tty = home.tty(&stack, &["--profile", "dev"]);
    tty.expect("Password for alice@");
    tty.send("\x03");
    let (code, stdout, screen, echo) = tty.finish_with_echo();
    assert_eq!(code, 130, "{screen}");
    assert_eq!(stdout, "");
    assert!(echo, "echo is back on after Ctrl-C");
    assert_eq!(home.snapshot(), before);
    assert!(stack.idp_log().is_empty());
}

#[test]
fn ctrl_c_while_waiting_for_duo_changes_nothing() {
    let stack = Stack::with_knobs(r#"{"duo_delay": 20}"#, "{}");
    let home = Home::new();
    home.ecp_profile(
        &stack,
        "b",
        &format!("username = bob\npassword = {BOB_PW}\nfactor = push\nrole_arn = {DEVELOPER}"),
    );
    let before = home.snapshot();
    let mut tty = home.tty(&stack, &["--profile", "b"]);
    tty.expect("waiting for the IdP");
    tty.send("\x03");
    let (code, stdout, screen, echo) = tty.finish_with_echo();
    assert_eq!(code, 130, "{screen}");
    assert_eq!(stdout, "");
    assert!(echo);
    assert_eq!(home.snapshot(), before);
    assert!(stack.sts_log().is_empty());
}

#[test]
fn a_mistyped_password_is_asked_again_up_to_three_times() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice\nfactor = off");
    let mut tty = home.tty(&stack, &["login", "--profile", "dev"]);
    tty.expect("Password for alice@");
    tty.send_line("wrong-one-Pw-1");
    tty.expect("The IdP rejected that password; try again.");
    tty.expect("Password for alice@");
    tty.send_line(ALICE_PW);
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");

    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice\nfactor = off");
    let mut tty = home.tty(&stack, &["login", "--profile", "dev"]);
    for _ in 0..3 {
        tty.expect("Password for alice@");
        tty.send_line("wrong-again-Pw-2");
    }
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 7, "three tries, then the error: {screen}");
    assert!(screen.contains("rejected the username or password"), "{screen}");
    assert!(!home.has_jar());
}

#[test]
fn a_wrong_password_never_claims_a_push() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "b", &format!("username = bob\nfactor = push\nrole_arn = {DEVELOPER}"));
    let mut tty = home.tty(&stack, &["login", "--profile", "b"]);
    tty.expect("Password for bob@");
    tty.send_line("not-bobs-Pw-3");
    tty.expect("The IdP rejected that password; try again.");
    tty.send("\x03");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 130, "{screen}");
    assert!(!screen.contains("push sent"), "{screen}");
    assert_eq!(stack.idp_log()[0]["outcome"], "bad_password");
}

#[test]
fn ctrl_c_in_configure_says_nothing_was_changed() {
    let home = Home::new();
    let before = home.snapshot();
    let stack = Stack::start();
    let mut tty = home.tty(&stack, &["configure", "--profile", "new"]);
    tty.expect("ECP endpoint URL");
    tty.send("\x03");
    let (code, _, screen, echo) = tty.finish_with_echo();
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("interrupted; nothing was changed"), "{screen}");
    assert!(echo);
    assert_eq!(home.snapshot(), before);
}
