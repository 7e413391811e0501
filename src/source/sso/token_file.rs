//! The Identity Center token, kept where and how the AWS CLI keeps it, so that one login serves
//! both: `~/.aws/sso/cache/<sha1 of the session name, or of the start URL>.json` with
//! `startUrl`, `region`, `accessToken`, `expiresAt`, and for a refreshable token `refreshToken`,
//! `clientId`, `clientSecret`, `registrationExpiresAt` (botocore's `SSOTokenLoader` and
//! `SSOTokenProvider`; timestamps as `%Y-%m-%dT%H:%M:%SZ`). Keys another tool wrote are kept.
//!
//! Unlike the AWS CLI, aws-login writes it whole (temp file + rename, `0600` in `0700`
//! directories, no link followed) and only under `~/.aws-login/cache/sso-<key>.lock`, re-reading
//! it first: two aws-login processes never spend one refresh token twice.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::atomic_file::{self, Loose};
use crate::error::Error;
use crate::lock::ProfileLock;
use crate::paths::Paths;
use crate::secret::Secret;

/// A token file is a few hundred bytes; anything near this is not one.
const CAP: u64 = 64 * 1024;
const WHAT: &str = "the IAM Identity Center token";

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    pub start_url: String,
    pub region: String,
    pub access_token: Secret,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
    /// Whatever else the AWS CLI or an SDK keeps there, written back as it was.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// A registered OAuth client, as the token file keeps it.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub secret: Secret,
    pub expires: OffsetDateTime,
}

impl Token {
    /// When the access token expires; a time that cannot be read counts as expired.
    pub fn expires(&self) -> OffsetDateTime {
        parse_time(&self.expires_at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The client that can refresh it, if the file names one that has not expired.
    pub fn client(&self, now: OffsetDateTime) -> Option<Client> {
        let expires = parse_time(self.registration_expires_at.as_deref()?)?;
        (expires > now)
            .then(|| Client {
                id: self.client_id.clone().unwrap_or_default(),
                secret: self.client_secret.clone().unwrap_or_default(),
                expires,
            })
            .filter(|c| !c.id.is_empty() && !c.secret.expose().is_empty())
    }
}

/// Reads `expiresAt` as botocore accepts it: RFC 3339 (`…Z`), or the older CLI's `…UTC`.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| OffsetDateTime::parse(&format!("{}Z", text.strip_suffix("UTC")?), &Rfc3339).ok())
}

/// `%Y-%m-%dT%H:%M:%SZ`, as botocore writes it.
pub fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The token file of cache key `key` (see [`super::settings::Resolved`]).
pub fn path(key: &str) -> Result<PathBuf, Error> {
    let home = std::env::home_dir().ok_or(Error::NoHome)?;
    Ok(home.join(".aws").join("sso").join("cache").join(format!("{key}.json")))
}

/// Takes the token's lock: one reader-refresher at a time, across profiles sharing it.
pub fn lock(paths: &Paths, key: &str, max_wait: std::time::Duration) -> Result<ProfileLock, Error> {
    let path = paths.cache_dir().join(format!("sso-{key}.lock"));
    ProfileLock::acquire_within(&path, "the IAM Identity Center token", max_wait)
}

/// The token in `path`, `None` if there is none. A file that is not a token is an error, never
/// silently replaced.
pub fn load(path: &Path) -> Result<Option<Token>, Error> {
    let Some(state) =
        atomic_file::read_state(path, CAP, Loose::Tighten).map_err(|e| Error::file("read", path, e))?
    else {
        return Ok(None);
    };
    let unreadable = |detail: String| Error::Unreadable { what: WHAT, path: path.to_path_buf(), detail };
    if state.bytes.len() as u64 > CAP {
        return Err(unreadable(format!("larger than {} KiB", CAP / 1024)));
    }
    let token: Token = serde_json::from_slice(&state.bytes).map_err(|e| unreadable(e.to_string()))?;
    state.warn_if_loose(WHAT);
    Ok(Some(token))
}

/// Replaces the token file whole.
pub fn store(path: &Path, token: &Token) -> Result<(), Error> {
    let json = serde_json::to_vec_pretty(token).map_err(|e| Error::Unexpected(e.to_string()))?;
    atomic_file::write_private(path, &json).map_err(|e| Error::file("write", path, e))
}

/// Deletes it; `true` if there was one.
pub fn delete(path: &Path) -> Result<bool, Error> {
    crate::logout::remove(path)
}

/// aws-login's own record of the OAuth client it registered, per token file and grant (as
/// botocore keeps its registrations apart from its tokens): `~/.aws-login/cache/sso-<key>.client.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub grant: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub expires_at: String,
}

pub fn registration_path(paths: &Paths, key: &str) -> PathBuf {
    paths.cache_dir().join(format!("sso-{key}.client.json"))
}

/// The client registered for `grant`, if one is kept and has not expired. A file that cannot be
/// read is only a missed reuse: a new client is registered.
pub fn registered(paths: &Paths, key: &str, grant: &str, now: OffsetDateTime) -> Option<Client> {
    let path = registration_path(paths, key);
    let state = atomic_file::read_state(&path, CAP, Loose::Tighten).ok()??;
    let r: Registration = serde_json::from_slice(&state.bytes).ok()?;
    let expires = parse_time(&r.expires_at)?;
    (r.grant == grant && expires > now + time::Duration::hours(1)).then_some(Client {
        id: r.client_id,
        secret: r.client_secret,
        expires,
    })
}

pub fn keep_registration(paths: &Paths, key: &str, grant: &str, client: &Client) -> Result<(), Error> {
    let path = registration_path(paths, key);
    let r = Registration {
        grant: grant.to_string(),
        client_id: client.id.clone(),
        client_secret: client.secret.clone(),
        expires_at: format_time(client.expires),
    };
    let json = serde_json::to_vec_pretty(&r).map_err(|e| Error::Unexpected(e.to_string()))?;
    atomic_file::write_private(&path, &json).map_err(|e| Error::file("write", &path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape `aws sso login` writes (botocore's own test data), read and written back.
    const CLI_FILE: &str = r#"{"startUrl": "https://d-123.awsapps.com/start", "region": "us-west-2",
        "accessToken": "at", "expiresAt": "2021-12-25T21:30:00Z", "clientId": "cid",
        "clientSecret": "cs", "registrationExpiresAt": "2022-12-25T13:30:00Z", "refreshToken": "rt",
        "somethingNew": 7}"#;

    #[test]
    fn reads_and_writes_the_aws_clis_format() {
        let t: Token = serde_json::from_str(CLI_FILE).unwrap();
        assert_eq!(t.expires(), time::macros::datetime!(2021-12-25 21:30:00 UTC));
        let back: serde_json::Value = serde_json::to_value(&t).unwrap();
        let want: serde_json::Value = serde_json::from_str(CLI_FILE).unwrap();
        assert_eq!(back, want);
        assert!(t.client(time::macros::datetime!(2022-01-01 0:00 UTC)).is_some());
        assert!(t.client(time::macros::datetime!(2023-01-01 0:00 UTC)).is_none());
    }

    #[test]
    fn times_as_botocore_writes_and_reads_them() {
        let t = time::macros::datetime!(2026-12-02 03:04:05.9 UTC);
        assert_eq!(format_time(t), "2026-12-02T03:04:05Z");
        assert_eq!(
            parse_time("2026-12-02T03:04:05UTC"),
            Some(time::macros::datetime!(2026-12-02 03:04:05 UTC))
        );
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn debug_shows_no_token() {
        let t: Token = serde_json::from_str(CLI_FILE).unwrap();
        let shown = format!("{t:?}");
        assert!(
            !shown.contains("\"at\"") && !shown.contains("\"rt\"") && !shown.contains("\"cs\""),
            "{shown}"
        );
    }
}
