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

impl Claims {
    /// Who signed in, for messages and RoleSessionName: `email`, else `sub`.
    pub fn who(&self) -> String {
        self.email.clone().filter(|e| !e.is_empty()).unwrap_or_else(|| self.sub.clone())
    }
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

/// Fetches the keys ahead of [`check`], while another request is under way (one round trip
/// fewer); a failure here is met again, and told, by [`check`].
pub async fn prefetch(op: &Op, keys: &mut Keys) {
    if keys.set.is_none() {
        keys.set = fetch(op).await.ok();
    }
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
    let expected = Expected { issuer: &op.meta.issuer, client_id, nonce };
    if keys.set.is_none() {
        keys.set = Some(fetch(op).await?);
    }
    let set = keys.set.as_ref().ok_or_else(|| refused(UNKNOWN_KEY.into()))?;
    match verify(set, token, &expected) {
        // An unknown key: the provider may have rotated since the keys were fetched.
        Err(Why::UnknownKey) if !keys.refetched => {
            crate::log::debug(1, "the ID token names a key the JWKS lacks; fetching the JWKS again");
            keys.refetched = true;
            let set = keys.set.insert(fetch(op).await?);
            verify(set, token, &expected).map_err(|why| refused(why.to_string()))
        }
        other => other.map_err(|why| refused(why.to_string())),
    }
    .inspect(|_| crate::log::debug(2, "the ID token passed its checks"))
}

/// What the token must say.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: Option<&'a str>,
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Why {
    UnknownKey,
    Said(String),
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::UnknownKey => f.write_str(UNKNOWN_KEY),
            Why::Said(s) => f.write_str(s),
        }
    }
}

const UNKNOWN_KEY: &str = "it is signed with a key the provider does not publish";

/// Checks `token` against the keys in `set`: no network.
pub fn verify(set: &JwkSet, token: &Secret, expected: &Expected<'_>) -> Result<Claims, Why> {
    let said = |s: &str| Why::Said(s.to_string());
    let header = decode_header(token.expose()).map_err(|_| said("it is not a signed JWT"))?;
    if !ALLOWED.contains(&header.alg) {
        return Err(Why::Said(format!(
            "it is signed with {:?}, which aws-login does not accept",
            header.alg
        )));
    }
    let key = find(set, header.kid.as_deref(), header.alg).ok_or(Why::UnknownKey)?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[expected.issuer]);
    validation.set_audience(&[expected.client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    let claims =
        decode::<Claims>(token.expose(), &key, &validation).map_err(|e| Why::Said(reason(e.kind())))?.claims;
    if let Some(sent) = expected.nonce
        && claims.nonce.as_deref() != Some(sent)
    {
        return Err(said("its nonce is not the one this sign-in sent (a replayed token?)"));
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

fn find(set: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
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
    let started = std::time::Instant::now();
    let (status, body) = op.get(uri, "the OpenID provider's keys").await?;
    crate::log::debug(2, &format!("the JWKS answered in {:?}", started.elapsed()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};

    const ISSUER: &str = "https://op.example";

    fn keys() -> JwkSet {
        serde_json::from_str(include_str!("../../../fixtures/oidc/test-jwks.json")).unwrap()
    }

    /// A token signed with the fixture key, its claims `claims` over good ones.
    fn token(claims: serde_json::Value, kid: Option<&str>) -> Secret {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        let mut all =
            serde_json::json!({"iss": ISSUER, "aud": "cli", "sub": "alice", "exp": now + 600, "nonce": "n1"});
        for (k, v) in claims.as_object().unwrap() {
            all[k] = v.clone();
        }
        let key = EncodingKey::from_rsa_der(include_bytes!("../../../fixtures/oidc/test-key.der"));
        let header = Header { kid: kid.map(str::to_string), ..Header::new(Algorithm::RS256) };
        Secret::new(encode(&header, &all, &key).unwrap())
    }

    fn expected(nonce: Option<&str>) -> Expected<'_> {
        Expected { issuer: ISSUER, client_id: "cli", nonce }
    }

    fn why(t: &Secret, nonce: Option<&str>) -> String {
        verify(&keys(), t, &expected(nonce)).unwrap_err().to_string()
    }

    #[test]
    fn a_good_token_passes_with_its_nonce() {
        let claims = verify(
            &keys(),
            &token(serde_json::json!({"email": "a@x"}), Some("test-1")),
            &expected(Some("n1")),
        )
        .unwrap();
        assert_eq!((claims.sub.as_str(), claims.email.as_deref()), ("alice", Some("a@x")));
        // A refreshed token is checked without a nonce.
        verify(&keys(), &token(serde_json::json!({}), Some("test-1")), &expected(None)).unwrap();
    }

    #[test]
    fn each_bad_claim_is_named() {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        let t = |c| token(c, Some("test-1"));
        assert!(why(&t(serde_json::json!({"exp": now - 3600})), None).contains("has expired"));
        assert!(why(&t(serde_json::json!({"aud": "other"})), None).contains("for another client"));
        assert!(why(&t(serde_json::json!({"iss": "https://evil"})), None).contains("another issuer"));
        assert!(why(&t(serde_json::json!({})), Some("n2")).contains("nonce"));
        assert!(why(&t(serde_json::json!({"nbf": now + 3600})), None).contains("not valid yet"));
    }

    #[test]
    fn an_altered_or_foreign_token_is_refused() {
        let good = token(serde_json::json!({}), Some("test-1"));
        let mut parts: Vec<String> = good.expose().split('.').map(str::to_string).collect();
        // Another subject, the signature kept.
        parts[1] = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            serde_json::json!({"iss": ISSUER, "aud": "cli", "sub": "mallory", "exp": 4102444800i64})
                .to_string(),
        );
        assert!(why(&Secret::new(parts.join(".")), None).contains("was altered"));
        assert_eq!(
            verify(&keys(), &token(serde_json::json!({}), Some("gone")), &expected(None)).unwrap_err(),
            Why::UnknownKey
        );
        // Unsigned, and signed with a shared secret: never.
        let none = format!("{}.{}.", "eyJhbGciOiJub25lIn0", parts[1]);
        assert!(why(&Secret::new(none), None).contains("not a signed JWT"));
        let hs = encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({"sub": "x"}),
            &EncodingKey::from_secret(b"k").unwrap(),
        )
        .unwrap();
        assert!(why(&Secret::new(hs), None).contains("HS256"));
    }
}
