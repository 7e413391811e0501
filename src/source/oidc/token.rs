//! The token endpoint (RFC 6749 §3.2): one request shape for every grant. The grants for
//! people are here (code, device code, refresh token); machine grants (client credentials,
//! token exchange) are further arms of [`Grant`] with their client authentication.

use serde::Deserialize;

use super::discovery::{ClientAuth, Op};
use crate::error::Error;
use crate::secret::Secret;
use crate::text::shown;

/// What is exchanged for tokens.
pub enum Grant<'a> {
    Code {
        code: &'a Secret,
        redirect_uri: &'a str,
        verifier: &'a Secret,
    },
    DeviceCode {
        device_code: &'a Secret,
    },
    Refresh {
        refresh_token: &'a Secret,
    },
    /// A machine's own (RFC 6749 §4.4), with its optional `scope`, `resource` and `audience`.
    ClientCredentials {
        scope: &'a str,
        resource: Option<&'a str>,
        audience: Option<&'a str>,
    },
    /// RFC 8693, asking for a SAML 2.0 assertion for `audience`; `subject_type` is the
    /// token-type URN of `subject`.
    ExchangeToSaml {
        subject: &'a Secret,
        subject_type: &'a str,
        audience: &'a str,
    },
}

/// RFC 8693's name for a SAML 2.0 assertion.
pub const SAML2_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:saml2";
/// RFC 8693's names of the tokens exchanged.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";

/// The tokens of a successful answer.
#[derive(Debug)]
pub struct Tokens {
    pub id_token: Option<Secret>,
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// The access token's lifetime, in seconds.
    pub expires_in: Option<u64>,
}

/// Why the endpoint gave no tokens.
#[derive(Debug)]
pub enum Refusal {
    /// An OAuth error answer (RFC 6749 §5.2): `error` and its description.
    Said { error: String, description: Option<String> },
    /// The request failed otherwise (network, not a token endpoint).
    Failed(Error),
}

#[derive(Deserialize)]
struct Answer {
    access_token: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
    error: Option<String>,
    error_description: Option<String>,
}

impl Grant<'_> {
    fn name(&self) -> &'static str {
        match self {
            Grant::Code { .. } => "authorization_code",
            Grant::DeviceCode { .. } => "urn:ietf:params:oauth:grant-type:device_code",
            Grant::Refresh { .. } => "refresh_token",
            Grant::ClientCredentials { .. } => "client_credentials",
            Grant::ExchangeToSaml { .. } => "urn:ietf:params:oauth:grant-type:token-exchange",
        }
    }
}

/// Asks the token endpoint for tokens.
pub async fn request(op: &Op, client: &ClientAuth<'_>, grant: &Grant<'_>) -> Result<Tokens, Refusal> {
    request_at(op, &op.meta.token_endpoint, client, grant).await
}

/// [`request`] at `endpoint` (a token exchange may have its own).
pub async fn request_at(
    op: &Op,
    endpoint: &str,
    client: &ClientAuth<'_>,
    grant: &Grant<'_>,
) -> Result<Tokens, Refusal> {
    let mut form: Vec<(&str, &str)> = vec![("grant_type", grant.name())];
    match grant {
        Grant::Code { code, redirect_uri, verifier } => form.extend([
            ("code", code.expose()),
            ("redirect_uri", *redirect_uri),
            ("code_verifier", verifier.expose()),
        ]),
        Grant::DeviceCode { device_code } => form.push(("device_code", device_code.expose())),
        Grant::Refresh { refresh_token } => form.push(("refresh_token", refresh_token.expose())),
        Grant::ClientCredentials { scope, resource, audience } => {
            let given = [
                ("scope", Some(*scope).filter(|s| !s.is_empty())),
                ("resource", *resource),
                ("audience", *audience),
            ];
            form.extend(given.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        }
        Grant::ExchangeToSaml { subject, subject_type, audience } => form.extend([
            ("subject_token", subject.expose()),
            ("subject_token_type", *subject_type),
            ("requested_token_type", SAML2_TOKEN_TYPE),
            ("audience", *audience),
        ]),
    }
    let started = std::time::Instant::now();
    let (status, body) = op
        .post(endpoint, &form, client, "the OpenID provider's token endpoint")
        .await
        .map_err(Refusal::Failed)?;
    crate::log::debug(2, &format!("the token endpoint answered HTTP {status} in {:?}", started.elapsed()));
    let not_tokens =
        |found: String| Refusal::Failed(Error::NotOidc { url: crate::http::shown_url(endpoint), found });
    let answer: Answer = serde_json::from_slice(&body)
        .map_err(|_| not_tokens(format!("HTTP {status} without a JSON token answer")))?;
    if let Some(error) = answer.error {
        return Err(Refusal::Said {
            error: shown(&error, 100),
            description: answer.error_description.map(|d| shown(&d, 300)),
        });
    }
    match (status, answer.access_token) {
        (200, Some(access_token)) => Ok(Tokens {
            id_token: answer.id_token.map(Secret::new),
            access_token: Secret::new(access_token),
            refresh_token: answer.refresh_token.map(Secret::new),
            expires_in: answer.expires_in,
        }),
        _ => Err(not_tokens(format!("HTTP {status} without an access token"))),
    }
}

impl Refusal {
    /// The refusal as the error a person reads, `what` naming the request: `invalid_client` is
    /// a failed authentication of `client`, with what to check for the way it proves itself.
    pub fn into_error(self, issuer: &str, what: &'static str, client: &ClientAuth<'_>) -> Error {
        match self {
            Refusal::Failed(e) => e,
            Refusal::Said { error, description } => {
                let detail = match description.filter(|d| !d.trim().is_empty()) {
                    Some(d) => format!("{error}: {d}"),
                    None => error.clone(),
                };
                let issuer = issuer.to_string();
                match error.as_str() {
                    "access_denied" => Error::SignInDenied { issuer, detail },
                    "invalid_client" | "unauthorized_client" => {
                        Error::ClientRefused { issuer, what, detail, advice: client_advice(client) }
                    }
                    _ => Error::OAuthError {
                        issuer,
                        what,
                        detail,
                        advice: "run the login again, and if it persists, ask the issuer's administrators",
                    },
                }
            }
        }
    }
}

/// What to check when the provider refuses the client, by how it proved itself.
fn client_advice(client: &ClientAuth<'_>) -> &'static str {
    match (client.key, client.secret) {
        (Some(_), _) => {
            "check client_id, the private key (private_key_file or $AWS_LOGIN_PRIVATE_KEY) and key_id for this profile, and that the provider has the key's public half"
        }
        (None, Some(_)) => "check client_id and client_secret for this profile",
        (None, None) => {
            "check client_id for this profile (a confidential client also needs client_secret or private_key_file)"
        }
    }
}
