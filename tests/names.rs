//! Names people recognise: account aliases (awscli-login's alias file, and the profile's own
//! `accounts` lines) and role labels by pattern, in the picker a person sees.

mod common;

use common::*;

#[test]
fn the_picker_shows_profile_aliases_and_role_labels_and_filters_by_them() {
    let stack = Stack::start();
    let home = Home::new();
    let settings = format!(
        "username = bob\npassword = {BOB_PW}\nfactor = passcode\npasscode = 123456\naccounts =\n    111122223333 = dev-acct"
    );
    home.ecp_profile(&stack, "b", &settings);
    std::fs::write(
        home.login_dir().join("alias"),
        "[accounts]\n111122223333 = overridden\n444455556666 = prod\n[roles]\n*admin = administrator\n",
    )
    .unwrap();
    let mut tty = home.tty(&stack, &["--profile", "b"]);
    let screen = tty.expect("Role: ");
    assert!(screen.contains("Account dev-acct (111122223333)"), "the profile's alias wins: {screen}");
    assert!(screen.contains("Account prod (444455556666)"), "{screen}");
    assert!(screen.contains("[4] team/Admin (administrator)"), "{screen}");
    assert!(!screen.contains("Developer (administrator)"), "{screen}");
    tty.send("administrator\r");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(stack.sts_assumes()[0]["role_arn"], "arn:aws:iam::444455556666:role/team/Admin");
}
