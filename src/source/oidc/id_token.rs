//! The ID token checked before anything uses it: its signature against the provider's JWKS
//! (fetched again once when it names a key not there: the provider may have rotated), and
//! `iss`, `aud`, `exp` and, after a sign-in, `nonce`. Asymmetric algorithms only: an `HS256`
//! token would be signed with the client's own secret, and `none` with nothing.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, errors::ErrorKind};
use serde::Deserialize;

use super::discovery::Op;
use crate::error::Error;
use crate::secret::Secret;

/// The claims aws-login reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub email: Option<String>,
    pub exp: i64,
    #[serde(default)]
    nonce: Option<String>,
}

/// The algorithms an ID token may be signed with.
const ALLOWED: [Algorithm; 8] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// The provider's keys, fetched at most twice a login.
#[derive(Default)]
pub struct Keys {
    set: Option<JwkSet>,
    refetched: bool,
}

/// Checks `token` and returns its claims; `nonce` is the one the sign-in sent, if any.
pub async fn check(
    op: &Op,
    keys: &mut Keys,
    token: &Secret,
    client_id: &str,
    nonce: Option<&str>,
) -> Result<Claims, Error> {
    let refused = |why: String| Error::IdTokenRefused { issuer: op.issuer(), why };
    let header = decode_header(token.expose()).map_err(|_| refused("it is not a signed JWT".into()))?;
    if !ALLOWED.contains(&header.alg) {
        return Err(refused(format!("it is signed with {:?}, which aws-login does not accept", header.alg)));
    }
    if keys.set.is_none() {
        keys.set = Some(fetch(op).await?);
    }
    let key = match find(keys, header.kid.as_deref(), header.alg) {
        Some(key) => key,
        None if !keys.refetched => {
            // An unknown key: the provider may have rotated since the keys were fetched.
            crate::log::debug(1, "the ID token names a key the JWKS lacks; fetching the JWKS again");
            keys.set = Some(fetch(op).await?);
            keys.refetched = true;
            find(keys, header.kid.as_deref(), header.alg)
                .ok_or_else(|| refused("it is signed with a key the provider does not publish".into()))?
        }
        None => return Err(refused("it is signed with a key the provider does not publish".into())),
    };
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[op.meta.issuer.as_str()]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims =
        decode::<Claims>(token.expose(), &key, &validation).map_err(|e| refused(reason(e.kind())))?.claims;
    if let Some(sent) = nonce
        && claims.nonce.as_deref() != Some(sent)
    {
        return Err(refused("its nonce is not the one this sign-in sent (a replayed token?)".into()));
    }
    Ok(claims)
}

/// Why the library refused it, in words.
fn reason(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::InvalidSignature => {
            "its signature does not match the provider's key (it was altered)".into()
        }
        ErrorKind::ExpiredSignature => {
            "it has expired (check this computer's clock if it was just issued)".into()
        }
        ErrorKind::ImmatureSignature => "it is not valid yet (check this computer's clock)".into(),
        ErrorKind::InvalidIssuer => "it was issued by another issuer".into(),
        ErrorKind::InvalidAudience => "it was issued for another client (aud is not client_id)".into(),
        ErrorKind::MissingRequiredClaim(c) => format!("it lacks the {} claim", crate::text::shown(c, 40)),
        ErrorKind::InvalidAlgorithm => "its algorithm does not match the provider's key".into(),
        _ => "it is not a well-formed ID token".into(),
    }
}

fn find(keys: &Keys, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
    let set = keys.set.as_ref()?;
    let jwk = match kid {
        Some(kid) => set.find(kid)?,
        // Without a kid, only a provider with one key is unambiguous.
        None if set.keys.len() == 1 => &set.keys[0],
        None => return None,
    };
    if jwk.common.key_algorithm.is_some_and(|a| a.to_string() != format!("{alg:?}")) {
        return None;
    }
    DecodingKey::from_jwk(jwk).ok()
}

async fn fetch(op: &Op) -> Result<JwkSet, Error> {
    let uri = &op.meta.jwks_uri;
    let (status, body) = op.get(uri, "the OpenID provider's keys").await?;
    let bad = |found: String| Error::NotOidc { url: crate::http::shown_url(uri), found };
    if status != 200 {
        return Err(bad(format!("its JWKS answered HTTP {status}")));
    }
    serde_json::from_slice(&body).map_err(|_| bad("its JWKS is not a JSON Web Key Set".into()))
}

/// The claims of a token already checked (read back from the token cache), without checking
/// again: for its expiry and subject only.
pub fn unchecked_claims(token: &Secret) -> Option<Claims> {
    jsonwebtoken::dangerous::insecure_decode::<Claims>(token.expose()).ok().map(|d| d.claims)
}
