//! What a SAML Response says about AWS: the role/provider pairs a user may assume, and the
//! session duration the IdP suggests. Shared by every source that yields SAML.

use std::fmt;

use crate::error::Error;
use crate::xml::Element;

pub const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const ATTR_ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const ATTR_SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";

/// A role the IdP lets the user assume, and the SAML provider that vouches for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Role {
    pub role_arn: String,
    pub principal_arn: String,
}

impl Role {
    /// Parses one `Role` attribute value: a role ARN and a SAML provider ARN separated by a
    /// comma, in either order, in any partition, with role paths kept.
    pub fn parse(value: &str) -> Result<Role, Error> {
        let bad = || Error::RoleParse(one_line(value));
        let mut parts = value.split(',').map(str::trim);
        let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let (ka, kb) = (arn_kind(a).ok_or_else(bad)?, arn_kind(b).ok_or_else(bad)?);
        let (role_arn, principal_arn) = match (ka, kb) {
            (ArnKind::Role, ArnKind::Provider) => (a, b),
            (ArnKind::Provider, ArnKind::Role) => (b, a),
            _ => return Err(bad()),
        };
        Ok(Role { role_arn: role_arn.to_string(), principal_arn: principal_arn.to_string() })
    }

    /// The partition of the role ARN (`aws`, `aws-us-gov`, `aws-cn` …).
    pub fn partition(&self) -> &str {
        self.role_arn.split(':').nth(1).unwrap_or("aws")
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.role_arn)
    }
}

/// Text from the IdP inside a one-sentence message: whitespace runs become one space, other
/// control characters are escaped, and anything past 200 characters is cut.
pub fn one_line(text: &str) -> String {
    // Whitespace runs (newlines included) become one space; the rest is text::shown's rule.
    crate::text::shown(&text.split_whitespace().collect::<Vec<_>>().join(" "), 200)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArnKind {
    Role,
    Provider,
}

/// `arn:<partition>:iam::<12 digits>:role/<path/name>` or `…:saml-provider/<name>`.
fn arn_kind(arn: &str) -> Option<ArnKind> {
    let mut f = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) =
        (f.next(), f.next(), f.next(), f.next(), f.next(), f.next())
    else {
        return None;
    };
    let partition_ok = partition.starts_with("aws")
        && partition.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if !partition_ok || !account_ok || resource.contains(char::is_whitespace) {
        return None;
    }
    // IAM's own limits, so that nothing the IdP sends can make aws-login write a file it would
    // refuse to read back, or ask STS for a name IAM cannot hold.
    match resource.split_once('/') {
        Some(("role", rest)) => {
            let (path, name) = rest.rsplit_once('/').map_or(("", rest), |(p, n)| (p, n));
            let path_ok = path.len() < MAX_ROLE_PATH
                && path.split('/').all(|seg| !seg.is_empty() || path.is_empty())
                && path.bytes().all(|b| (0x21..=0x7e).contains(&b));
            (path_ok && iam_name(name, MAX_ROLE_NAME, b"+=,.@_-")).then_some(ArnKind::Role)
        }
        Some(("saml-provider", name)) => {
            iam_name(name, MAX_PROVIDER_NAME, b"._-").then_some(ArnKind::Provider)
        }
        _ => None,
    }
}

/// IAM: a role name is 1–64 of `[A-Za-z0-9+=,.@_-]`, its path (here without the slashes
/// around it) under 512 printable ASCII characters, a SAML provider name 1–128 of
/// `[A-Za-z0-9._-]`.
const MAX_ROLE_NAME: usize = 64;
const MAX_ROLE_PATH: usize = 511;
const MAX_PROVIDER_NAME: usize = 128;

fn iam_name(name: &str, max: usize, punctuation: &[u8]) -> bool {
    (1..=max).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || punctuation.contains(&b))
}

/// What aws-login reads from the assertions of a successful Response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grants {
    /// Every role granted, once (with the first provider it is paired with), in the IdP's order.
    pub roles: Vec<Role>,
    /// `SessionDuration` in seconds, if the IdP sent one.
    pub session_duration: Option<u32>,
}

/// Reads roles and session duration from the assertions directly inside `response`.
pub fn grants(response: &Element) -> Result<Grants, Error> {
    let assertions: Vec<&Element> = response.children_named(NS_ASSERTION, "Assertion").collect();
    if assertions.is_empty() && response.child(NS_ASSERTION, "EncryptedAssertion").is_some() {
        return Err(Error::Unexpected(
            "the IdP encrypted the SAML assertion, which aws-login cannot read; ask the IdP's administrators to \
             send it unencrypted to AWS (AWS itself requires that)"
                .into(),
        ));
    }
    let mut roles: Vec<Role> = Vec::new();
    let mut session_duration = None;
    for attribute in assertions
        .iter()
        .flat_map(|a| a.children_named(NS_ASSERTION, "AttributeStatement"))
        .flat_map(|s| s.children_named(NS_ASSERTION, "Attribute"))
    {
        let values = attribute.children_named(NS_ASSERTION, "AttributeValue");
        match attribute.attr("Name") {
            Some(ATTR_ROLE) => {
                for v in values {
                    let role = Role::parse(&v.text)?;
                    // A pair sent twice is one grant. A role paired with a second provider is
                    // kept with its first: role_arn and the picker name roles, not pairs.
                    match roles.iter().find(|r| r.role_arn == role.role_arn) {
                        None => roles.push(role),
                        Some(first) if first.principal_arn != role.principal_arn => crate::log::debug(
                            1,
                            &format!(
                                "{role} is also granted via {}; using {}",
                                role.principal_arn, first.principal_arn
                            ),
                        ),
                        Some(_) => {}
                    }
                }
            }
            Some(ATTR_SESSION_DURATION) => {
                session_duration = values.filter_map(|v| v.text.trim().parse().ok()).next();
            }
            _ => {}
        }
    }
    if roles.is_empty() {
        return Err(Error::NoRoles);
    }
    Ok(Grants { roles, session_duration })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::111122223333:role/Dev";
    const IDP: &str = "arn:aws:iam::111122223333:saml-provider/Shib";

    #[test]
    fn either_order_any_partition_paths_kept() {
        let r = Role::parse(&format!("{IDP},{ROLE}")).unwrap();
        assert_eq!((r.role_arn.as_str(), r.principal_arn.as_str()), (ROLE, IDP));
        assert_eq!(Role::parse(&format!(" {ROLE} , {IDP}\n")).unwrap(), r);

        let gov = Role::parse(
            "arn:aws-us-gov:iam::123456789012:role/team/ops/Admin,arn:aws-us-gov:iam::123456789012:saml-provider/G",
        )
        .unwrap();
        assert_eq!(gov.role_arn, "arn:aws-us-gov:iam::123456789012:role/team/ops/Admin");
        assert_eq!(gov.partition(), "aws-us-gov");
        let cn =
            Role::parse("arn:aws-cn:iam::123456789012:saml-provider/C,arn:aws-cn:iam::123456789012:role/R");
        assert_eq!(cn.unwrap().partition(), "aws-cn");
        // At IAM's limits exactly.
        let longest = format!(
            "arn:aws:iam::111122223333:role/{}/{},arn:aws:iam::111122223333:saml-provider/{}",
            "p".repeat(510),
            "n".repeat(64),
            "s".repeat(128)
        );
        assert!(Role::parse(&longest).is_ok());
        assert!(Role::parse(&format!("arn:aws:iam::111122223333:role/a+=.@_-z,{IDP}")).is_ok());
    }

    fn response(values: &[&str]) -> Element {
        let values: String =
            values.iter().map(|v| format!("<a:AttributeValue>{v}</a:AttributeValue>")).collect();
        let doc = format!(
            r#"<p:Response xmlns:p="{NS_PROTOCOL}" xmlns:a="{NS_ASSERTION}"><a:Assertion><a:AttributeStatement><a:Attribute Name="{ATTR_ROLE}">{values}</a:Attribute></a:AttributeStatement></a:Assertion></p:Response>"#
        );
        crate::xml::parse(doc.as_bytes()).unwrap()
    }

    #[test]
    fn duplicates_are_one_grant_and_the_first_provider_wins() {
        let other = "arn:aws:iam::111122223333:saml-provider/Other";
        let g = grants(&response(&[
            &format!("{ROLE},{IDP}"),
            &format!("{IDP},{ROLE}"),
            &format!("\n\t {ROLE} ,\n {IDP} \n"),
            &format!("{ROLE},{other}"),
        ]))
        .unwrap();
        assert_eq!(g.roles, [Role { role_arn: ROLE.into(), principal_arn: IDP.into() }]);
        let e = grants(&response(&[&format!("{ROLE},{IDP}"), "garbage"])).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::ROLE_PARSE);
        assert_eq!(grants(&response(&[])).unwrap_err().exit_code(), crate::error::exit::ROLE_PARSE);
    }

    #[test]
    fn idp_text_in_messages_stays_on_one_line() {
        assert_eq!(one_line("  a\n\tb  c\u{7}d\r\n"), "a b c\\u{7}d");
        let long = one_line(&"x".repeat(1000));
        assert_eq!((long.chars().count(), long.ends_with('…')), (200, true));
        let e = Role::parse("bad\nvalue").unwrap_err().to_string();
        assert!(!e.contains('\n') && e.contains("'bad value'"), "{e}");
    }

    #[test]
    fn malformed_values_are_rejected() {
        for bad in [
            ROLE.to_string(),
            format!("{ROLE},{ROLE}"),
            format!("{IDP},{IDP}"),
            format!("{ROLE},{IDP},{ROLE}"),
            format!("{ROLE};{IDP}"),
            "arn:aws:iam::1111:role/Dev,arn:aws:iam::1111:saml-provider/S".to_string(),
            format!("arn:aws:sts::111122223333:role/X,{IDP}"),
            format!("arn:aws:iam::111122223333:role/,{IDP}"),
            format!("arn:aws:iam::111122223333:role/a b,{IDP}"),
            format!("arn:gcp:iam::111122223333:role/X,{IDP}"),
            // Past IAM's limits: a name of 65, a path of 512, a provider of 129 characters.
            format!("arn:aws:iam::111122223333:role/{},{IDP}", "n".repeat(65)),
            format!("arn:aws:iam::111122223333:role/{}/Dev,{IDP}", "p".repeat(512)),
            format!("{ROLE},arn:aws:iam::111122223333:saml-provider/{}", "s".repeat(129)),
            format!("arn:aws:iam::111122223333:role/team//Dev,{IDP}"),
            format!("arn:aws:iam::111122223333:role/Dév,{IDP}"),
            format!("arn:aws:iam::111122223333:role/Dev/,{IDP}"),
            String::new(),
        ] {
            let e = Role::parse(&bad).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::ROLE_PARSE, "{bad}");
        }
    }
}
