//! `aws-login logout`: cached credentials go; with --purge, the IdP session goes too.

mod common;

use common::*;

fn two_profiles(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "a", &format!("username = alice\npassword = {ALICE_PW}"));
    home.ecp_profile(stack, "a2", &format!("username = alice\npassword = {ALICE_PW}"));
    home
}

#[test]
fn logout_deletes_one_profile_and_then_says_already_logged_out() {
    let stack = Stack::start();
    let home = two_profiles(&stack);
    home.run(&stack, &["login", "--profile", "a"]).ok();
    home.run(&stack, &["login", "--profile", "a2"]).ok();

    let out = home.run(&stack, &["logout", "--profile", "a"]).ok();
    assert!(out.stderr().contains("Logged out") && out.stderr().contains("'a'"), "{}", out.stderr());
    assert!(!home.cache_file("a").exists());
    assert!(home.cache_file("a2").exists(), "other profiles are untouched");

    let err = home.run(&stack, &["logout", "--profile", "a"]).fails(3);
    assert!(err.contains("already logged out"), "{err}");

    // Without --purge the IdP session survives: logging in again needs no password.
    let before = stack.idp_log().len();
    home.run(&stack, &["login", "--profile", "a"]).ok();
    assert_eq!(stack.idp_log()[before]["auth"], "cookie");
}

#[test]
fn logout_all_deletes_every_profile() {
    let stack = Stack::start();
    let home = two_profiles(&stack);
    home.run(&stack, &["login", "--profile", "a"]).ok();
    home.run(&stack, &["login", "--profile", "a2"]).ok();
    home.run(&stack, &["logout", "--all"]).ok();
    assert!(!home.cache_file("a").exists() && !home.cache_file("a2").exists());
    let again = home.run(&stack, &["logout", "--all"]).ok();
    assert!(again.stderr().contains("No cached credentials"), "{}", again.stderr());
}

#[test]
fn purge_forgets_the_idp_session_and_names_the_profiles_it_affects() {
    let stack = Stack::start();
    let home = two_profiles(&stack);
    home.run(&stack, &["login", "--profile", "a"]).ok();
    let jar_dir = home.login_dir().join("cookies");
    // The jars, not the empty lock files beside them.
    let jars = || {
        std::fs::read_dir(&jar_dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .count()
    };
    assert_eq!(jars(), 1);

    let out = home.run(&stack, &["logout", "--profile", "a", "--purge"]).ok();
    let err = out.stderr();
    assert!(err.contains("alice@127.0.0.1"), "{err}");
    assert!(err.contains("'a2'"), "the other profile of the same account is named: {err}");
    assert_eq!(jars(), 0);

    let before = stack.idp_log().len();
    home.run(&stack, &["login", "--profile", "a"]).ok();
    assert_eq!(stack.idp_log()[before]["auth"], "basic", "a password login after the purge");
}
