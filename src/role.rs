//! The role a login ends in, whatever the source: today an IAM role assumed with a SAML
//! assertion, paired with the SAML provider that vouches for it. A web-identity role ARN and an
//! Identity Center account + role name come as arms of their own with their sources. Choosing
//! ([`crate::role_choice`]) and the picker work on this type, by the role's ARN.

use std::fmt;

/// A role and SAML provider pair, as the IdP's `Role` attribute grants it.
pub use crate::saml::Role as SamlRole;

/// In the cache as `role_kind` and the arm's fields.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(tag = "role_kind", rename_all = "snake_case")]
pub enum Role {
    /// AssumeRoleWithSAML: the role and the SAML provider.
    Saml(SamlRole),
    /// IAM Identity Center's GetRoleCredentials: an account and a permission set's role name.
    Sso(SsoRole),
    /// AssumeRoleWithWebIdentity: the role, trusting an OpenID provider's tokens.
    WebIdentity(WebIdentityRole),
}

/// A role assumed with an OpenID provider's token.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct WebIdentityRole {
    pub role_arn: String,
}

/// An account and role name an Identity Center user is assigned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct SsoRole {
    /// `arn:<partition>:iam::<account>:role/<name>`: how `role_arn`, the cache and the picker
    /// name it (the role's real name in IAM carries a suffix Identity Center does not tell).
    pub role_arn: String,
    pub account_id: String,
    pub role_name: String,
}

impl SsoRole {
    pub fn new(partition: &str, account_id: &str, role_name: &str) -> Self {
        SsoRole {
            role_arn: format!("arn:{partition}:iam::{account_id}:role/{role_name}"),
            account_id: account_id.to_string(),
            role_name: role_name.to_string(),
        }
    }
}

impl Role {
    /// The role's ARN: what `role_arn` names and the cache remembers.
    pub fn arn(&self) -> &str {
        match self {
            Role::Saml(r) => &r.role_arn,
            Role::Sso(r) => &r.role_arn,
            Role::WebIdentity(r) => &r.role_arn,
        }
    }

    /// What vouches for it, for `-v` output: `<role> via <SAML provider>`.
    pub fn detail(&self) -> String {
        match self {
            Role::Saml(r) => format!("{} via {}", r.role_arn, r.principal_arn),
            Role::Sso(r) => format!("{} in account {} via IAM Identity Center", r.role_name, r.account_id),
            Role::WebIdentity(r) => format!("{} via web identity", r.role_arn),
        }
    }

    /// The AWS account it is in (the ARN's fifth field).
    pub fn account(&self) -> &str {
        self.arn().split(':').nth(4).unwrap_or("")
    }

    /// Its name, path included (`team/Admin`).
    pub fn name(&self) -> &str {
        let arn = self.arn();
        arn.split_once(":role/").map(|(_, n)| n).unwrap_or(arn)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.arn())
    }
}

/// A SAML role `name` in `account`, vouched for by provider `S`: for tests.
#[cfg(test)]
pub(crate) fn saml_role(account: &str, name: &str) -> Role {
    Role::Saml(SamlRole {
        role_arn: format!("arn:aws:iam::{account}:role/{name}"),
        principal_arn: format!("arn:aws:iam::{account}:saml-provider/S"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_by_its_arn() {
        let r = Role::Saml(SamlRole {
            role_arn: "arn:aws:iam::111122223333:role/team/Admin".into(),
            principal_arn: "arn:aws:iam::111122223333:saml-provider/S".into(),
        });
        assert_eq!((r.account(), r.name()), ("111122223333", "team/Admin"));
        assert_eq!(r.to_string(), "arn:aws:iam::111122223333:role/team/Admin");
    }
}
