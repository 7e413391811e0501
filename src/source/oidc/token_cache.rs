//! The tokens one sign-in left, kept with the same care as credentials: one file per issuer
//! and client (`tokens/<hash>.json`, `0600`, written atomically through [`crate::store`]),
//! locked while a login uses it, and so shared by every profile that signs in the same way.
//! It holds the refresh token (when the issuer grants one) and the still-valid token STS takes.
//! The user is not part of the key: who signs in is known only after the sign-in, and one
//! issuer + client on one machine account is one person.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::id_token::Claims;
use super::token::Tokens;
use crate::error::Error;
use crate::lock::ProfileLock;
use crate::paths::Paths;
use crate::secret::Secret;
use crate::store::{self, Kind};

/// The file format this build writes (and the only one it reads).
pub const VERSION: u32 = 1;
const KIND: Kind = Kind { what: "the OpenID token cache", secret: true };
const HINT: &str = "sign in again";

/// What the file holds. Tokens are [`Secret`]s: redacted in `Debug`, wiped when dropped.
#[derive(Serialize, Deserialize, Default, Clone)]
pub struct Stored {
    pub version: u32,
    pub issuer: String,
    pub client_id: String,
    /// Who signed in (`email`, else `sub`), for messages and RoleSessionName.
    #[serde(default)]
    pub who: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    /// The checked ID token and its `exp` (Unix seconds).
    #[serde(default)]
    pub id_token: Option<Secret>,
    #[serde(default)]
    pub id_token_exp: Option<i64>,
    #[serde(default)]
    pub access_token: Option<Secret>,
    #[serde(default)]
    pub access_token_exp: Option<i64>,
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored").field("issuer", &self.issuer).field("who", &self.who).finish_non_exhaustive()
    }
}

/// The cache file of one issuer + client.
#[derive(Debug, Clone)]
pub struct TokenCache {
    path: PathBuf,
    lock: PathBuf,
}

impl TokenCache {
    pub fn new(paths: &Paths, issuer: &str, client_id: &str) -> TokenCache {
        let digest = Sha256::digest(format!("{}\n{client_id}", issuer.trim_end_matches('/')).as_bytes());
        let stem: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        let dir = paths.root().join("tokens");
        TokenCache { path: dir.join(format!("{stem}.json")), lock: dir.join(format!("{stem}.lock")) }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Taken for as long as a login may use the file.
    pub fn lock(&self, max_wait: Duration) -> Result<ProfileLock, Error> {
        ProfileLock::acquire_within(&self.lock, "an OpenID sign-in", max_wait)
    }

    pub fn load(&self) -> Result<Option<Stored>, Error> {
        store::load(&self.path, KIND, &[VERSION], |_, bytes| {
            serde_json::from_slice::<Stored>(bytes).map_err(|e| e.to_string())
        })
    }

    pub fn save(&self, stored: &Stored) -> Result<(), Error> {
        // Written in this build's format, whatever a caller built it from.
        let stored = Stored { version: VERSION, ..stored.clone() };
        let json = serde_json::to_vec_pretty(&stored).map_err(|e| Error::Unexpected(e.to_string()))?;
        store::save(&self.path, KIND.what, &json, HINT)
    }

    /// Deletes the file; true if there was one.
    pub fn delete(&self) -> Result<bool, Error> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::file("delete", &self.path, e)),
        }
    }
}

impl Stored {
    /// What a sign-in (or refresh) at `issuer` as `client_id` leaves, made at `now` (Unix
    /// seconds): the checked ID token `id` and its `claims`, the answer's access token, and
    /// `refresh_token` (the caller's to choose: a refresh answer may leave the old one in force).
    pub fn signed_in(
        issuer: &str,
        client_id: &str,
        id: &Secret,
        claims: &Claims,
        tokens: &Tokens,
        refresh_token: Option<Secret>,
        now: i64,
    ) -> Stored {
        Stored {
            version: VERSION,
            issuer: issuer.to_string(),
            client_id: client_id.to_string(),
            who: Some(claims.who()),
            subject: Some(claims.sub.clone()),
            refresh_token,
            id_token: Some(id.clone()),
            id_token_exp: Some(claims.exp),
            access_token: Some(tokens.access_token.clone()),
            access_token_exp: tokens.expires_in.map(|secs| now.saturating_add_unsigned(secs)),
        }
    }

    /// The token of `kind` still valid `margin` from now, if any.
    pub fn usable(&self, id_token: bool, now: i64, margin: i64) -> Option<Secret> {
        let (token, exp) = if id_token {
            (&self.id_token, self.id_token_exp)
        } else {
            (&self.access_token, self.access_token_exp)
        };
        match (token, exp) {
            (Some(t), Some(exp)) if exp > now + margin => Some(t.clone()),
            _ => None,
        }
    }

    pub fn refresh(&self) -> Option<Secret> {
        self.refresh_token.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_per_issuer_and_client_private_and_round_tripped() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(dir.path().join(".aws-login"));
        let a = TokenCache::new(&paths, "https://op.example/", "cli");
        assert_eq!(a.path(), TokenCache::new(&paths, "https://op.example", "cli").path());
        assert_ne!(a.path(), TokenCache::new(&paths, "https://op.example", "other").path());
        assert!(a.load().unwrap().is_none());
        let stored = Stored {
            issuer: "https://op.example".into(),
            refresh_token: Some(Secret::new("rt-secret")),
            id_token: Some(Secret::new("idt")),
            id_token_exp: Some(1000),
            ..Default::default()
        };
        a.save(&stored).unwrap();
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(a.path()).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
        let back = a.load().unwrap().unwrap();
        assert_eq!(back.refresh().unwrap().expose(), "rt-secret");
        assert_eq!(back.usable(true, 800, 100).unwrap().expose(), "idt");
        assert!(back.usable(true, 950, 100).is_none());
        assert!(back.usable(false, 0, 0).is_none());
        assert!(!format!("{back:?}").contains("rt-secret"));
        // Even a field on its own, as a careless log line would print it.
        let fields = format!("{:?} {:?}", back.refresh_token, back.id_token);
        assert!(!fields.contains("rt-secret") && !fields.contains("idt"), "{fields}");
        assert!(a.delete().unwrap() && !a.delete().unwrap());
    }

    #[test]
    fn a_sign_in_is_kept_whole_and_its_tokens_usable() {
        let claims: Claims =
            serde_json::from_value(serde_json::json!({"sub": "s-1", "email": "", "exp": 2000})).unwrap();
        let tokens = Tokens {
            id_token: None,
            access_token: Secret::new("at"),
            refresh_token: Some(Secret::new("answer-rt")),
            expires_in: Some(300),
        };
        let id = Secret::new("idt");
        let s = Stored::signed_in("https://op.example", "cli", &id, &claims, &tokens, None, 1000);
        assert_eq!(
            (s.version, s.issuer.as_str(), s.client_id.as_str()),
            (VERSION, "https://op.example", "cli")
        );
        // An empty email falls back to the subject.
        assert_eq!((s.who.as_deref(), s.subject.as_deref()), (Some("s-1"), Some("s-1")));
        // The refresh token is the caller's choice, not the answer's.
        assert!(s.refresh().is_none());
        assert_eq!(s.usable(true, 1000, 0).unwrap().expose(), "idt");
        assert_eq!(s.usable(false, 1000, 0).unwrap().expose(), "at");
        assert!(s.usable(false, 1300, 0).is_none());
        let kept = Stored::signed_in("i", "c", &id, &claims, &tokens, Some(Secret::new("old-rt")), 1000);
        assert_eq!(kept.refresh().unwrap().expose(), "old-rt");
    }
}
