//! The credentials cache: one JSON file per profile under `~/.aws-login/cache/`, `0600` in a
//! `0700` directory, replaced atomically. Besides the credentials it remembers the role and IdP
//! account of the login that produced them, so a refresh asks for the same role again; a logout
//! keeps those two in `cache/<profile>.role` ([`Remembered`]) when it deletes the credentials.

use std::path::{Path, PathBuf};

use time::{Duration, OffsetDateTime};

use crate::credentials::Credentials;
use crate::error::Error;
use crate::log;
use crate::paths::Paths;
use crate::role::{Role, SamlRole};
use crate::source::Source;
use crate::store::{self, Kind};

/// 2 records the source that logged in and the role's kind; 1 (before sources) is still read,
/// as an ECP login of a SAML role, so an upgrade keeps everyone's cached credentials.
const FORMAT_VERSION: u32 = 2;
const V1: u32 = 1;
/// The remembered role's format, unchanged.
const REMEMBERED_VERSION: u32 = 1;
/// Refresh this long before expiry by default: botocore re-runs credential_process inside its
/// own 15-minute advisory window, so serving credentials closer to expiry makes SDKs spawn us on
/// every call.
pub const DEFAULT_MARGIN: Duration = Duration::minutes(15);
/// STS never issues role credentials for longer than 12 hours (plus clock skew): an entry that
/// claims more was edited by hand or written under a wrong clock, and is renewed, not served.
const MAX_LIFETIME: Duration = Duration::minutes(12 * 60 + 5);

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub version: u32,
    pub credentials: Credentials,
    #[serde(with = "time::serde::rfc3339")]
    pub issued: OffsetDateTime,
    /// The source that logged in.
    pub source: Source,
    /// Flattened (`role_kind`, then the role's own fields), so that a SAML role's `role_arn`
    /// and `principal_arn` sit where version 1 had them.
    #[serde(flatten)]
    pub role: Role,
    #[serde(default)]
    pub username: Option<String>,
}

/// A version 1 entry, as aws-login wrote them before sources: always an ECP login.
#[derive(serde::Deserialize)]
struct EntryV1 {
    credentials: Credentials,
    #[serde(with = "time::serde::rfc3339")]
    issued: OffsetDateTime,
    role_arn: String,
    principal_arn: String,
    #[serde(default)]
    username: Option<String>,
}

impl From<EntryV1> for Entry {
    fn from(v1: EntryV1) -> Self {
        Entry {
            version: FORMAT_VERSION,
            credentials: v1.credentials,
            issued: v1.issued,
            source: Source::Ecp,
            role: Role::Saml(SamlRole { role_arn: v1.role_arn, principal_arn: v1.principal_arn }),
            username: v1.username,
        }
    }
}

impl Entry {
    pub fn new(credentials: Credentials, source: Source, role: &Role, username: Option<String>) -> Self {
        Entry {
            version: FORMAT_VERSION,
            credentials,
            issued: OffsetDateTime::now_utc(),
            source,
            role: role.clone(),
            username,
        }
    }

    /// Still good for longer than the safety margin, capped at half the lifetime so that
    /// short-lived credentials are served at all.
    pub fn is_fresh(&self, now: OffsetDateTime, margin: Duration) -> bool {
        let lifetime = self.credentials.expiration - self.issued;
        let margin = margin.min(lifetime / 2).max(Duration::ZERO);
        let left = self.credentials.expiration - now;
        left > margin && left <= MAX_LIFETIME
    }
}

/// One profile's cache file.
#[derive(Debug, Clone)]
pub struct Cache {
    path: PathBuf,
}

impl Cache {
    pub fn new(paths: &Paths, profile: &str) -> Self {
        Cache { path: paths.cache_file(profile) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The cached entry, `None` if there is none. A file that cannot be understood is an error
    /// (never silently replaced), so nothing is lost without the user knowing.
    pub fn load(&self) -> Result<Option<Entry>, Error> {
        store::load(&self.path, CREDENTIALS, &[V1, FORMAT_VERSION], |version, bytes| {
            let read = match version {
                V1 => serde_json::from_slice::<EntryV1>(bytes).map(Entry::from),
                _ => serde_json::from_slice(bytes),
            };
            read.map_err(|e| e.to_string())
        })
    }

    pub fn store(&self, entry: &Entry) -> Result<(), Error> {
        let json = serde_json::to_vec_pretty(entry).map_err(|e| Error::Unexpected(e.to_string()))?;
        store::save(&self.path, CREDENTIALS.what, &json, HINT)
    }
}

const CREDENTIALS: Kind = Kind { what: "cached credentials", secret: true };
/// It holds no secret: a loose mode is tightened without a word.
const REMEMBERED: Kind = Kind { what: "the remembered role", secret: false };

/// What to do when a cache file would be too large to read back.
const HINT: &str = "check the profile's username and role_arn, which make up most of it";

/// The role and IdP user of a profile's last login, kept in `cache/<profile>.role` once a
/// logout has deleted the credentials, so that the next login needs no role choice and no
/// username. `logout --purge` forgets them too.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Remembered {
    pub version: u32,
    pub role_arn: String,
    pub principal_arn: String,
    #[serde(default)]
    pub username: Option<String>,
}

impl Remembered {
    pub fn of(entry: &Entry) -> Self {
        // An Identity Center or web-identity role has no SAML provider: found by its ARN alone.
        let principal_arn = match &entry.role {
            Role::Saml(pair) => pair.principal_arn.clone(),
            Role::Sso(_) | Role::WebIdentity(_) => String::new(),
        };
        Remembered {
            version: REMEMBERED_VERSION,
            role_arn: entry.role.arn().to_string(),
            principal_arn,
            username: entry.username.clone(),
        }
    }

    /// What is remembered for `profile`, if anything. Only a hint: a file that cannot be read
    /// counts as none (said at `-v`), and the login asks as it would have.
    pub fn load(paths: &Paths, profile: &str) -> Option<Remembered> {
        let path = paths.remembered_file(profile);
        let read = store::load(&path, REMEMBERED, &[REMEMBERED_VERSION], |_, bytes| {
            serde_json::from_slice::<Remembered>(bytes).map_err(|e| e.to_string())
        });
        read.unwrap_or_else(|why| {
            log::debug(1, &format!("not using the role remembered in {}: {why}", path.display()));
            None
        })
    }

    pub fn store(&self, paths: &Paths, profile: &str) -> Result<(), Error> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::Unexpected(e.to_string()))?;
        store::save(&paths.remembered_file(profile), REMEMBERED.what, &json, HINT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic_file;
    use crate::error::exit;
    use crate::secret::Secret;
    use crate::store::MAX_SIZE;

    fn entry(issued: OffsetDateTime, lifetime: Duration) -> Entry {
        let role = Role::Saml(SamlRole {
            role_arn: "arn:aws:iam::111122223333:role/R".into(),
            principal_arn: "arn:aws:iam::111122223333:saml-provider/S".into(),
        });
        let creds = Credentials {
            access_key_id: "AKID".into(),
            secret_access_key: Secret::new("sk"),
            session_token: Secret::new("tok"),
            expiration: issued + lifetime,
        };
        Entry { issued, ..Entry::new(creds, Source::Ecp, &role, Some("alice".into())) }
    }

    #[test]
    fn freshness_margin_is_15_minutes_capped_at_half_the_lifetime() {
        let t0 = OffsetDateTime::now_utc();
        let hour = entry(t0, Duration::hours(1));
        assert!(hour.is_fresh(t0 + Duration::minutes(44), DEFAULT_MARGIN));
        assert!(!hour.is_fresh(t0 + Duration::minutes(45), DEFAULT_MARGIN));
        let short = entry(t0, Duration::minutes(10));
        assert!(short.is_fresh(t0 + Duration::minutes(4), DEFAULT_MARGIN));
        assert!(!short.is_fresh(t0 + Duration::minutes(5), DEFAULT_MARGIN));
        assert!(!hour.is_fresh(t0 + Duration::minutes(30), Duration::minutes(31)), "configurable");
        // Longer than STS ever grants: edited by hand or written under a wrong clock.
        assert!(entry(t0, Duration::hours(12)).is_fresh(t0, DEFAULT_MARGIN));
        assert!(!entry(t0, Duration::hours(13)).is_fresh(t0, DEFAULT_MARGIN));
        assert!(!entry(t0 - Duration::days(3650), Duration::days(36500)).is_fresh(t0, DEFAULT_MARGIN));
    }

    #[test]
    fn round_trip_and_corruption() {
        let home = tempfile::tempdir().unwrap();
        let cache = Cache::new(&Paths::with_root(home.path().to_path_buf()), "prod");
        assert_eq!(cache.load().unwrap(), None);
        let e = entry(OffsetDateTime::now_utc().replace_nanosecond(0).unwrap(), Duration::hours(1));
        cache.store(&e).unwrap();
        assert_eq!(cache.load().unwrap(), Some(e));

        let huge = format!("{{\"version\":1,\"pad\":\"{}\"}}", "x".repeat(70_000));
        for junk in
            ["", "{", "{\"version\":1}", "{\"version\":2}", "{\"version\":9}", "[]", "\u{0}\u{1}", &huge]
        {
            std::fs::write(cache.path(), junk).unwrap();
            let err = cache.load().unwrap_err();
            assert_eq!(err.exit_code(), exit::UNREADABLE, "{junk:?}");
            assert_eq!(std::fs::read_to_string(cache.path()).unwrap(), junk, "left as it was");
        }
    }

    /// A version 1 entry byte for byte as aws-login wrote them before sources (serde_json's
    /// pretty layout of the old struct).
    const V1_ENTRY: &str = r#"{
  "version": 1,
  "credentials": {
    "access_key_id": "ASIAEXAMPLE",
    "secret_access_key": "sk",
    "session_token": "tok",
    "expiration": "2026-12-02T09:00:00Z"
  },
  "issued": "2026-12-02T08:00:00Z",
  "role_arn": "arn:aws:iam::111122223333:role/R",
  "principal_arn": "arn:aws:iam::111122223333:saml-provider/S",
  "username": "alice"
}"#;

    #[test]
    fn a_version_1_entry_is_read_and_rewritten_as_version_2() {
        let home = tempfile::tempdir().unwrap();
        let cache = Cache::new(&Paths::with_root(home.path().to_path_buf()), "prod");
        atomic_file::write_private(cache.path(), V1_ENTRY.as_bytes()).unwrap();
        let read = cache.load().unwrap().unwrap();
        let issued = time::macros::datetime!(2026-12-02 08:00:00 UTC);
        let mut want = entry(issued, Duration::hours(1));
        want.credentials.access_key_id = "ASIAEXAMPLE".into();
        assert_eq!(read, want);

        // Version 2 is version 1 with the source and the role's kind: nothing moved.
        let source = format!("\"source\": {}", serde_json::to_string(&Source::Ecp).unwrap());
        cache.store(&read).unwrap();
        let v2 = std::fs::read_to_string(cache.path()).unwrap();
        let without: Vec<&str> =
            v2.lines().filter(|l| !l.contains(&source) && !l.contains("\"role_kind\": \"saml\"")).collect();
        assert_eq!(without.join("\n"), V1_ENTRY.replace("\"version\": 1", "\"version\": 2"));
        assert_eq!(cache.load().unwrap(), Some(read));
    }

    #[test]
    fn nothing_is_written_that_would_be_refused_when_read() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().to_path_buf());
        let cache = Cache::new(&paths, "prod");
        let mut e = entry(OffsetDateTime::now_utc(), Duration::hours(1));
        e.username = Some("u".repeat(MAX_SIZE as usize));
        let err = cache.store(&e).unwrap_err();
        assert!(err.to_string().contains(&cache.path().display().to_string()), "{err}");
        assert!(err.to_string().contains("nothing was written"), "{err}");
        assert!(!cache.path().exists());
        let err = Remembered::of(&e).store(&paths, "prod").unwrap_err();
        assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    }

    #[test]
    fn the_remembered_role_round_trips_and_junk_counts_as_none() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().to_path_buf());
        assert_eq!(Remembered::load(&paths, "prod"), None);
        let kept = Remembered::of(&entry(OffsetDateTime::now_utc(), Duration::hours(1)));
        kept.store(&paths, "prod").unwrap();
        assert_eq!(Remembered::load(&paths, "prod"), Some(kept));
        for junk in ["", "{", "{\"version\":2,\"role_arn\":\"a\",\"principal_arn\":\"b\"}"] {
            std::fs::write(paths.remembered_file("prod"), junk).unwrap();
            assert_eq!(Remembered::load(&paths, "prod"), None, "{junk}");
        }
    }
}
