//! `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): the client proves itself with a
//! short-lived JWT signed by its own key, RS256 or ES256 by the key's kind. A fresh `jti` each
//! time, as providers refuse a replayed one.

use std::path::Path;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use crate::error::Error;
use crate::secret::Secret;

/// The environment variable that may hold the key's PEM (CI systems hand secrets over so).
pub const KEY_ENV: &str = "AWS_LOGIN_PRIVATE_KEY";

/// The form field naming the assertion's kind.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is good for: one request's worth, and a little clock skew.
const LIFETIME: i64 = 60;

/// The client's key, ready to sign.
pub struct SigningKey {
    key: EncodingKey,
    alg: Algorithm,
    kid: Option<String>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({:?}, kid {:?})", self.alg, self.kid)
    }
}

impl SigningKey {
    /// The key from `file`, else from `env` (the value of [`KEY_ENV`]); `None` when neither.
    pub fn load(
        file: Option<&Path>,
        env: Option<Secret>,
        kid: Option<&str>,
    ) -> Result<Option<SigningKey>, Error> {
        let (place, pem) = match (file, env) {
            (Some(path), _) => {
                let place = format!("private_key_file {}", path.display());
                let pem = std::fs::read(path).map_err(|e| Error::PrivateKeyUnusable {
                    place: place.clone(),
                    why: format!("it cannot be read ({})", crate::text::shown(&e.to_string(), 100)),
                })?;
                (place, Secret::new(String::from_utf8_lossy(&pem).into_owned()))
            }
            (None, Some(pem)) if !pem.expose().trim().is_empty() => (format!("${KEY_ENV}"), pem),
            (None, _) => return Ok(None),
        };
        SigningKey::from_pem(&pem, kid)
            .map(Some)
            .map_err(|why| Error::PrivateKeyUnusable { place, why: why.into() })
    }

    /// RS256 for an RSA key, ES256 for an EC one; the reason in words otherwise (never the key).
    pub fn from_pem(pem: &Secret, kid: Option<&str>) -> Result<SigningKey, &'static str> {
        let bytes = pem.expose().as_bytes();
        if !pem.expose().contains("-----BEGIN") {
            return Err("it is not PEM");
        }
        // The PEM is only unwrapped when loaded: a trial signature proves the key is usable.
        let usable = |key: EncodingKey, alg| {
            jsonwebtoken::encode(&Header::new(alg), &serde_json::json!({}), &key).ok().map(|_| (key, alg))
        };
        let rsa = EncodingKey::from_rsa_pem(bytes).ok().and_then(|k| usable(k, Algorithm::RS256));
        let (key, alg) = rsa
            .or_else(|| EncodingKey::from_ec_pem(bytes).ok().and_then(|k| usable(k, Algorithm::ES256)))
            .ok_or("it is neither an RSA nor an EC P-256 private key in PEM")?;
        Ok(SigningKey { key, alg, kid: kid.map(str::to_string) })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// A client assertion for `client_id`, addressed to `aud`, made at `now` (Unix seconds).
    pub fn assertion(&self, client_id: &str, aud: &str, now: i64) -> Result<Secret, Error> {
        // 128 random bits, fresh each time.
        let jti = crate::oauth::pkce::random(16)?;
        let claims = Claims { iss: client_id, sub: client_id, aud, iat: now, exp: now + LIFETIME, jti };
        let mut header = Header::new(self.alg);
        header.kid = self.kid.clone();
        jsonwebtoken::encode(&header, &claims, &self.key).map(Secret::new).map_err(|e| {
            Error::PrivateKeyUnusable {
                place: "the client assertion".into(),
                // jsonwebtoken's errors name the kind of failure, never the key.
                why: format!("signing failed ({})", crate::text::shown(&e.to_string(), 100)),
            }
        })
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};

    // Test-only keys, made with openssl for these tests (tests/fixtures/keys/README.md).
    const RSA: &str = include_str!("../../../tests/fixtures/keys/rsa-private.pem");
    const RSA_PUBLIC: &str = include_str!("../../../tests/fixtures/keys/rsa-public.pem");
    const EC: &str = include_str!("../../../tests/fixtures/keys/ec-private.pem");
    const EC_PUBLIC: &str = include_str!("../../../tests/fixtures/keys/ec-public.pem");

    fn claims(token: &Secret, public: DecodingKey, alg: Algorithm) -> serde_json::Value {
        let mut v = Validation::new(alg);
        v.set_audience(&["https://op.example/token"]);
        v.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        decode::<serde_json::Value>(token.expose(), &public, &v).unwrap().claims
    }

    #[test]
    fn an_rsa_key_signs_rs256_with_the_claims_providers_check() {
        let key = SigningKey::from_pem(&Secret::new(RSA), Some("k1")).unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let token = key.assertion("svc", "https://op.example/token", now).unwrap();
        let header = decode_header(token.expose()).unwrap();
        assert_eq!((header.alg, header.kid.as_deref()), (Algorithm::RS256, Some("k1")));
        let c = claims(&token, DecodingKey::from_rsa_pem(RSA_PUBLIC.as_bytes()).unwrap(), Algorithm::RS256);
        assert_eq!((c["iss"].as_str(), c["sub"].as_str()), (Some("svc"), Some("svc")));
        assert_eq!((c["iat"].as_i64(), c["exp"].as_i64()), (Some(now), Some(now + LIFETIME)));
        assert_eq!(c["jti"].as_str().map(str::len), Some(22));
        // A fresh jti each time: a replayed one is refused.
        let again = key.assertion("svc", "https://op.example/token", now).unwrap();
        let c2 = claims(&again, DecodingKey::from_rsa_pem(RSA_PUBLIC.as_bytes()).unwrap(), Algorithm::RS256);
        assert_ne!(c["jti"], c2["jti"]);
    }

    #[test]
    fn an_ec_key_signs_es256_and_no_kid_is_none() {
        let key = SigningKey::from_pem(&Secret::new(EC), None).unwrap();
        assert_eq!(key.algorithm(), Algorithm::ES256);
        let token = key.assertion("svc", "https://op.example/token", 1_900_000_000).unwrap();
        assert_eq!(decode_header(token.expose()).unwrap().kid, None);
        let mut v = Validation::new(Algorithm::ES256);
        v.set_audience(&["https://op.example/token"]);
        v.validate_exp = false;
        let c = decode::<serde_json::Value>(
            token.expose(),
            &DecodingKey::from_ec_pem(EC_PUBLIC.as_bytes()).unwrap(),
            &v,
        )
        .unwrap()
        .claims;
        assert_eq!(c["exp"], 1_900_000_060);
    }

    #[test]
    fn what_is_not_a_key_is_said_without_showing_it() {
        assert_eq!(SigningKey::from_pem(&Secret::new("hello"), None).unwrap_err(), "it is not PEM");
        let public = SigningKey::from_pem(&Secret::new(RSA_PUBLIC), None).unwrap_err();
        assert!(public.contains("neither an RSA nor an EC P-256 private key"), "{public}");
        let e = SigningKey::load(None, Some(Secret::new("-----BEGIN PRIVATE KEY-----\nAAAA\n")), None)
            .unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING);
        assert!(e.to_string().starts_with("the private key in $AWS_LOGIN_PRIVATE_KEY cannot be used"), "{e}");
        assert!(!e.to_string().contains("AAAA"), "{e}");
        let e = SigningKey::load(Some(Path::new("/nonexistent/k.pem")), None, None).unwrap_err();
        assert!(
            e.to_string().contains("private_key_file /nonexistent/k.pem cannot be used: it cannot be read"),
            "{e}"
        );
        assert!(SigningKey::load(None, Some(Secret::new("  ")), None).unwrap().is_none());
    }
}
