//! PKCE (RFC 7636, S256 only: `plain` gives the verifier away) and the other random values of
//! an authorization request: `state` and the OpenID `nonce`. All come from the OS's random
//! source via getrandom.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::secret::Secret;

/// A code verifier and its S256 challenge.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// Sent only to the token endpoint, with the code.
    pub verifier: Secret,
    /// Sent in the authorization request: `BASE64URL(SHA256(verifier))`.
    pub challenge: String,
}

/// Always S256: RFC 7636 §4.2 allows `plain` only when S256 cannot be computed.
pub const METHOD: &str = "S256";

impl Pkce {
    pub fn new() -> Result<Pkce, Error> {
        // 32 random bytes make a 43-character verifier, RFC 7636's recommended form.
        let verifier = random(32)?;
        let challenge = challenge(&verifier);
        Ok(Pkce { verifier: Secret::new(verifier), challenge })
    }
}

/// The S256 challenge of `verifier`.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// An unguessable `state` value, to tie the redirect to this request.
pub fn state() -> Result<String, Error> {
    random(24)
}

/// An unguessable OpenID `nonce`, to tie the ID token to this request.
pub fn nonce() -> Result<String, Error> {
    random(24)
}

/// `bytes` random bytes, base64url without padding.
pub fn random(bytes: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| Error::Unexpected(format!("the system's random number source failed: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(&buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_example_challenge() {
        // RFC 7636 Appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_rfc_shaped_and_differ() {
        let a = Pkce::new().unwrap();
        let b = Pkce::new().unwrap();
        let v = a.verifier.expose();
        assert_eq!(v.len(), 43);
        assert!(v.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)), "{v}");
        assert_ne!(v, b.verifier.expose());
        assert_eq!(a.challenge, challenge(v));
        assert_ne!(state().unwrap(), state().unwrap());
        assert!(!format!("{a:?}").contains(v));
    }
}
