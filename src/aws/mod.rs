//! The AWS boundary: every call aws-login makes to AWS goes through [`credentials`], one `match`
//! over what the source proved and the role chosen (AssumeRoleWithSAML today;
//! AssumeRoleWithWebIdentity and Identity Center's GetRoleCredentials join as arms). A match,
//! not an `Exchange` trait: the calls are few and known.

pub mod region;
pub mod sts;

use crate::credentials::Credentials;
use crate::error::Error;
use crate::role::Role;
use crate::source::Proof;
use crate::tls::CaBundle;

/// What every call to AWS needs from the profile.
#[derive(Debug, Clone, Copy)]
pub struct Aws<'a> {
    /// The AWS profile (region, `endpoint_url`) of the same name.
    pub profile: &'a str,
    /// Certificate authorities to trust besides the system's.
    pub ca_bundle: Option<&'a CaBundle>,
}

/// Temporary credentials for `role`, in exchange for `proof`; `duration` is DurationSeconds.
pub async fn credentials(
    aws: &Aws<'_>,
    proof: &Proof,
    role: &Role,
    duration: Option<u32>,
) -> Result<Credentials, Error> {
    match (proof, role) {
        (Proof::Saml { response, .. }, Role::Saml(pair)) => {
            let request = sts::Request { profile: aws.profile, role: pair, duration, issuer: None };
            sts::assume_role_with_saml(&request, response, aws.ca_bundle).await
        }
        (Proof::Sso { token, portal, minted, .. }, Role::Sso(sso_role)) => {
            if let Some((done, credentials)) = minted.as_deref()
                && done == role
            {
                return Ok(credentials.clone());
            }
            crate::source::sso::portal::role_credentials(portal, token, sso_role).await.map_err(|f| match f {
                crate::source::sso::wire::Failure::Aws { name, message } => Error::SsoRefused {
                    what: "the IAM Identity Center portal",
                    code: name,
                    message,
                    advice: "sign in again with `aws-login login --force-refresh`",
                },
                crate::source::sso::wire::Failure::Other(e) => e,
            })
        }
        (Proof::WebIdentity { token, issuer, session_name, .. }, Role::WebIdentity(r)) => {
            // The request's SAML provider is unused for web identity.
            let pair = crate::saml::Role { role_arn: r.role_arn.clone(), principal_arn: String::new() };
            let request = sts::Request { profile: aws.profile, role: &pair, duration, issuer: Some(issuer) };
            sts::assume_role_with_web_identity(&request, token, session_name, aws.ca_bundle).await
        }
        (Proof::SamlApps { apps, .. }, Role::Saml(pair)) => {
            // The Response of the app that grants the role.
            let app = apps.iter().find(|a| a.grants.roles.iter().any(|r| r == pair)).ok_or_else(|| {
                Error::Unexpected("the role chosen is not one the login's proof can be exchanged for".into())
            })?;
            let request = sts::Request { profile: aws.profile, role: pair, duration, issuer: None };
            sts::assume_role_with_saml(&request, &app.response, aws.ca_bundle).await
        }
        _ => {
            Err(Error::Unexpected("the role chosen is not one the login's proof can be exchanged for".into()))
        }
    }
}
