//! Choosing among the roles the IdP grants.

mod common;

use common::*;

const ADMIN: &str = "arn:aws:iam::444455556666:role/team/Admin";

fn bob(stack: &Stack, extra: &str) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "b", &format!("username = bob\npassword = {BOB_PW}\nfactor = push\n{extra}"));
    home
}

#[test]
fn role_arn_chooses_among_several_roles_and_keeps_the_path() {
    let stack = Stack::start();
    let home = bob(&stack, &format!("role_arn = {ADMIN}"));
    home.run(&stack, &["login", "--profile", "b"]).ok();
    let assumes = stack.sts_assumes();
    assert_eq!(assumes[0]["role_arn"], ADMIN);
    assert_eq!(assumes[0]["principal_arn"], "arn:aws:iam::444455556666:saml-provider/TestIdP");
    let arn = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "b"]).ok().json()["Arn"].clone();
    assert!(arn.as_str().unwrap().contains(":444455556666:assumed-role/Admin/"), "{arn}");
}

#[test]
fn several_roles_without_role_arn_is_a_clear_error() {
    let stack = Stack::start();
    let home = bob(&stack, "");
    let err = home.run(&stack, &["--profile", "b"]).fails(11);
    assert!(err.contains("set role_arn") && err.contains(ADMIN), "{err}");
    assert!(stack.sts_log().is_empty());
}

#[test]
fn a_role_arn_the_idp_does_not_grant() {
    let stack = Stack::start();
    let home = bob(&stack, "role_arn = arn:aws:iam::999999999999:role/Nope");
    let err = home.run(&stack, &["--profile", "b"]).fails(11);
    assert!(err.contains("role/Nope is not among the roles"), "{err}");
}

#[test]
fn no_roles_granted() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "d", "username = dave\npassword = dave-pw-R8");
    let err = home.run(&stack, &["--profile", "d"]).fails(10);
    assert!(err.contains("grants no AWS roles"), "{err}");
}

#[test]
fn role_values_with_stray_whitespace_are_trimmed() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "e", "username = erin\npassword = erin: pw with spaces & colon £");
    home.run(&stack, &["--profile", "e"]).ok();
    assert_eq!(stack.sts_assumes()[0]["role_arn"], DEVELOPER);
}
