//! Which of the granted roles to assume: the configured `role_arn`, else the role remembered from
//! the last login, else the only one.

use crate::error::Error;
use crate::role::Role;

pub fn choose<'a>(
    roles: &'a [Role],
    configured: Option<&str>,
    remembered: Option<&str>,
    profile: &str,
) -> Result<&'a Role, Error> {
    let find = |arn: &str| roles.iter().find(|r| r.arn() == arn);
    let list = || roles.iter().map(Role::arn).collect::<Vec<_>>().join(", ");
    if let Some(wanted) = configured {
        return find(wanted)
            .ok_or_else(|| Error::RoleNotGranted { wanted: wanted.to_string(), available: list() });
    }
    if let Some(role) = remembered.and_then(find) {
        return Ok(role);
    }
    match roles {
        [only] => Ok(only),
        [] => Err(Error::NoRoles),
        _ => Err(Error::RoleAmbiguous { profile: profile.to_string(), available: list() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit;

    fn role(name: &str) -> Role {
        Role::Saml(crate::role::SamlRole {
            role_arn: format!("arn:aws:iam::111122223333:role/{name}"),
            principal_arn: "arn:aws:iam::111122223333:saml-provider/S".into(),
        })
    }

    #[test]
    fn configured_then_remembered_then_single() {
        let roles = [role("A"), role("B")];
        let b = "arn:aws:iam::111122223333:role/B";
        assert_eq!(choose(&roles, Some(b), None, "p").unwrap().arn(), b);
        assert_eq!(choose(&roles, None, Some(b), "p").unwrap().arn(), b);
        let e = choose(&roles, None, Some("arn:aws:iam::111122223333:role/Gone"), "p").unwrap_err();
        assert_eq!(e.exit_code(), exit::ROLE_CHOICE);
        let e = choose(&roles, Some("arn:aws:iam::111122223333:role/C"), Some(b), "p").unwrap_err();
        assert!(e.to_string().contains("role/C is not among"), "{e}");
        assert_eq!(choose(&roles[..1], None, None, "p").unwrap(), &roles[0]);
    }
}
