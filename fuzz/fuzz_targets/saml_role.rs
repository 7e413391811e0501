//! One value of the SAML `Role` attribute (src/saml.rs `Role::parse`).
//!
//! Checked, beyond "no panic": an accepted value yields an IAM role ARN and a SAML provider
//! ARN (`arn:<aws…>:iam::<12 digits>:role/<path/name>` / `:saml-provider/<name>`), trimmed and
//! without whitespace; the two are the value's two comma-separated parts in either order, so
//! swapping them or padding them with whitespace parses to the same role; and the partition is
//! the role ARN's own.
#![no_main]

use aws_login::saml::Role;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else { return };
    let Ok(role) = Role::parse(value) else { return };

    check_arn(&role.role_arn, "role/", true);
    check_arn(&role.principal_arn, "saml-provider/", false);
    assert_eq!(Some(role.partition()), role.role_arn.split(':').nth(1));

    let mut parts: Vec<&str> = value.split(',').map(str::trim).collect();
    parts.sort();
    let mut got = [role.role_arn.as_str(), role.principal_arn.as_str()];
    got.sort();
    assert_eq!(parts, got, "the role is the value's two parts");

    let swapped = Role::parse(&format!(" {}\t,\n{} ", role.principal_arn, role.role_arn));
    assert_eq!(swapped.ok().as_ref(), Some(&role), "order and padding do not matter");
});

fn check_arn(arn: &str, resource: &str, paths: bool) {
    assert_eq!(arn, arn.trim());
    assert!(!arn.contains(char::is_whitespace), "{arn:?} has whitespace");
    let f: Vec<&str> = arn.splitn(6, ':').collect();
    assert_eq!(f.len(), 6, "{arn:?}");
    assert_eq!((f[0], f[2], f[3]), ("arn", "iam", ""), "{arn:?}");
    assert!(f[1].starts_with("aws"), "{arn:?}");
    assert!(f[4].len() == 12 && f[4].bytes().all(|b| b.is_ascii_digit()), "{arn:?}");
    let name = f[5].strip_prefix(resource).unwrap_or_else(|| panic!("{arn:?} is not a {resource} ARN"));
    assert!(!name.is_empty() && !name.starts_with('/') && !name.ends_with('/'), "{arn:?}");
    assert!(paths || !name.contains('/'), "{arn:?} has a path");
}
