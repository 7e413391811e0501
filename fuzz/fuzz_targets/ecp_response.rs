//! The IdP's ECP answer (src/source/ecp/response.rs: SOAP envelope, SAML status, roles).
//!
//! Checked, beyond "no panic":
//! - a body with a DOCTYPE in front is never accepted;
//! - on success there is at least one role, no role twice, every role an IAM role ARN and its
//!   principal a SAML provider ARN, and the Response handed to STS is base64 of a document
//!   whose root is a SAML `Response`.
#![no_main]

use aws_login::saml::{NS_PROTOCOL, Role};
use aws_login::source::ecp::response;
use aws_login::xml;
use base64::Engine;
use libfuzzer_sys::fuzz_target;

const URL: &str = "https://idp.example.edu/idp/profile/SAML2/SOAP/ECP";
const ACS: &str = "https://signin.aws.amazon.com/saml";

fuzz_target!(|data: &[u8]| {
    let mut hostile = b"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>".to_vec();
    hostile.extend_from_slice(data);
    assert!(response::parse(&hostile, URL, ACS).is_err(), "a DOCTYPE body was accepted");

    let Ok(login) = response::parse(data, URL, ACS) else { return };
    let roles = &login.grants.roles;
    assert!(!roles.is_empty(), "success without a role");
    for (i, role) in roles.iter().enumerate() {
        assert!(!roles[..i].contains(role), "role {role} listed twice");
        assert!(role.role_arn.starts_with("arn:") && role.role_arn.contains(":role/"), "{role:?}");
        assert!(role.principal_arn.contains(":saml-provider/"), "{role:?}");
        // What the picker shows and the cache stores parses back to the same role.
        let again = Role::parse(&format!("{},{}", role.role_arn, role.principal_arn));
        assert_eq!(again.ok().as_ref(), Some(role));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(login.saml_response.expose())
        .expect("the SAMLResponse is base64");
    let alone = xml::parse(&decoded).expect("the extracted Response parses on its own");
    assert!(alone.is(NS_PROTOCOL, "Response"), "the extracted element is a SAML Response");
});
