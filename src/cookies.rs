//! The IdP session cookie jar, one per IdP account (`user@host[:port]`), so that a live IdP
//! session logs the user in again without a password or a Duo prompt. Saved after every
//! successful exchange, so cookies the IdP rotates are kept. On first use it imports
//! awscli-login's jar (`cookies/<username>.txt`, Python's LWP format): a user switching tools
//! keeps their IdP session. Only the live cookies the IdP's ECP URL would be sent are saved, and
//! a jar, like a cache file, is never read or written beyond [`crate::store::MAX_SIZE`].

use std::path::{Path, PathBuf};

use cookie_store::CookieStore;
use reqwest::Url;
use time::OffsetDateTime;

use crate::atomic_file;
use crate::error::Error;
use crate::lock::ProfileLock;
use crate::paths::Paths;
use crate::secret::Secret;
use crate::store::{self, Kind, MAX_SIZE};

const FORMAT_VERSION: u32 = 1;
const KIND: Kind = Kind { what: "IdP session cookies", secret: true };

#[derive(serde::Serialize, serde::Deserialize)]
struct JarFile {
    version: u32,
    /// cookie_store's own JSON, session cookies included (Shibboleth's session cookie is one).
    cookies: serde_json::Value,
}

pub struct Jar {
    path: PathBuf,
    url: Url,
    store: CookieStore,
    /// The account's lock, from reading the jar until this login is over (saved or failed).
    _lock: ProfileLock,
}

impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jar").field("path", &self.path).field("cookies", &"(redacted)").finish()
    }
}

impl Jar {
    /// The jar of IdP account `account` (see [`crate::keyring::account`]), `username` at
    /// `endpoint`: ours if it exists, else awscli-login's imported, else empty. Expired cookies
    /// are dropped.
    /// Holds the account's lock, waited for up to `max_wait`, until dropped.
    pub fn open(
        paths: &Paths,
        account: &str,
        username: &str,
        endpoint: &Url,
        max_wait: std::time::Duration,
    ) -> Result<Jar, Error> {
        let holder = format!("IdP account '{account}'");
        let lock = ProfileLock::acquire_within(&paths.cookie_lock(account), &holder, max_wait)?;
        let path = paths.cookie_jar(account);
        let store = match store::load(&path, KIND, &[FORMAT_VERSION], |_, bytes| parse(bytes))? {
            Some(store) => store,
            None => import_lwp(&paths.awscli_login_cookie_jar(username), endpoint),
        };
        Ok(Jar { path, url: endpoint.clone(), store, _lock: lock })
    }

    /// The `Cookie` header for the IdP, if the jar holds any live cookie for it.
    pub fn header(&self) -> Option<Secret> {
        let pairs: Vec<String> =
            self.store.get_request_values(&self.url).map(|(n, v)| format!("{n}={v}")).collect();
        (!pairs.is_empty()).then(|| Secret::new(pairs.join("; ")))
    }

    /// Takes in the `Set-Cookie` values of an IdP answer.
    pub fn absorb<'a>(&mut self, set_cookies: impl Iterator<Item = &'a str>) {
        for value in set_cookies {
            // A cookie the IdP sends malformed is one it cannot expect back.
            let _ = self.store.parse(value, &self.url);
        }
    }

    /// Writes the jar: the live cookies the IdP's ECP URL would be sent (session cookies
    /// included); expired ones and those for other hosts or paths are dropped. More than
    /// [`MAX_SIZE`] is refused before anything is written.
    pub fn save(&self) -> Result<(), Error> {
        let live = self.store.matches(&self.url).into_iter().cloned().map(Ok::<_, std::convert::Infallible>);
        let Ok(kept) = CookieStore::from_cookies(live, false);
        let mut raw = Vec::new();
        cookie_store::serde::json::save_incl_expired_and_nonpersistent(&kept, &mut raw)
            .map_err(|e| Error::Unexpected(format!("cannot serialize cookies: {e}")))?;
        let cookies: serde_json::Value =
            serde_json::from_slice(&raw).map_err(|e| Error::Unexpected(e.to_string()))?;
        let file = JarFile { version: FORMAT_VERSION, cookies };
        let json = serde_json::to_vec(&file).map_err(|e| Error::Unexpected(e.to_string()))?;
        store::save(
            &self.path,
            "the IdP session cookies",
            &json,
            "the IdP sets far more cookies than a session needs, so tell its administrators",
        )
    }

    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn parse(bytes: &[u8]) -> Result<CookieStore, String> {
    let file: JarFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let raw = serde_json::to_vec(&file.cookies).map_err(|e| e.to_string())?;
    cookie_store::serde::json::load(std::io::Cursor::new(raw)).map_err(|e| e.to_string())
}

/// Reads awscli-login's `LWPCookieJar` file, keeping the live cookies meant for the IdP's host.
/// Anything unreadable in it is skipped: at worst the user logs in with a password once.
fn import_lwp(path: &Path, endpoint: &Url) -> CookieStore {
    let mut store = CookieStore::default();
    // awscli-login's file: read with the same care, its mode left as awscli-login made it.
    let read = atomic_file::read_state(path, MAX_SIZE, atomic_file::Loose::Keep);
    let bytes = read.ok().flatten().map(|r| r.bytes).filter(|b| b.len() as u64 <= MAX_SIZE);
    let Some(text) = bytes.and_then(|b| String::from_utf8(b).ok()) else {
        return store;
    };
    if !text.starts_with("#LWP-Cookies-2.0") {
        return store;
    }
    let now = OffsetDateTime::now_utc();
    let host = endpoint.host_str().unwrap_or_default();
    for line in text.lines() {
        let set_cookie =
            line.strip_prefix("Set-Cookie3:").and_then(|l| lwp_to_set_cookie(l.trim(), host, now));
        if let Some(set_cookie) = set_cookie {
            let _ = store.parse(&set_cookie, endpoint);
        }
    }
    store
}

/// One LWP line (`NAME=VALUE; path="/idp"; domain="host"; path_spec; secure; expires="…Z"; …`)
/// as a `Set-Cookie` value; `None` for expired or malformed lines and other hosts' cookies.
fn lwp_to_set_cookie(line: &str, host: &str, now: OffsetDateTime) -> Option<String> {
    let mut fields = split_quoted(line).into_iter();
    let (name, value) = fields.next()?;
    let value = value?;
    let mut out = format!("{name}={value}");
    for (key, val) in fields {
        match (key.to_ascii_lowercase().as_str(), val) {
            ("path", Some(p)) => out.push_str(&format!("; Path={p}")),
            // A leading dot means "and subdomains"; without it the cookie is host-only.
            ("domain", Some(d)) => match d.strip_prefix('.') {
                Some(parent) if host == parent || host.ends_with(&format!(".{parent}")) => {
                    out.push_str(&format!("; Domain={d}"))
                }
                None if d.eq_ignore_ascii_case(host) => {}
                _ => return None,
            },
            ("secure", _) => out.push_str("; Secure"),
            ("expires", Some(e)) => {
                let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
                let at = time::PrimitiveDateTime::parse(&e, &fmt).ok()?.assume_utc();
                let left = (at - now).whole_seconds();
                if left <= 0 {
                    return None;
                }
                out.push_str(&format!("; Max-Age={left}"));
            }
            _ => {}
        }
    }
    Some(out)
}

/// Splits `a=b; c="d; e"; f` into (key, value) pairs, honouring double quotes and `\"`.
fn split_quoted(line: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            key.push(c);
            chars.next();
        }
        let mut value = None;
        if chars.peek() == Some(&'=') {
            chars.next();
            let mut v = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => v.extend(chars.next()),
                        '"' => break,
                        c => v.push(c),
                    }
                }
                while chars.peek().is_some_and(|&c| c != ';') {
                    chars.next();
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ';' {
                        break;
                    }
                    v.push(c);
                    chars.next();
                }
            }
            value = Some(v.trim().to_string());
        }
        let key = key.trim().to_string();
        if !key.is_empty() {
            out.push((key, value));
        }
        if chars.next().is_none() {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://idp.example.edu/idp/profile/SAML2/SOAP/ECP").unwrap()
    }

    #[test]
    fn round_trip_keeps_session_cookies_and_rotations() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().to_path_buf());
        let mut jar = Jar::open(&paths, "bob@idp.example.edu", "bob", &url(), crate::lock::MAX_WAIT).unwrap();
        assert!(jar.header().is_none());
        jar.absorb(["shib_idp_session=one; Path=/idp; HttpOnly", "other=x; Path=/elsewhere"].into_iter());
        jar.save().unwrap();
        assert!(jar.path().ends_with("cookies/bob@idp.example.edu.json"));
        drop(jar); // the account's lock

        let mut again =
            Jar::open(&paths, "bob@idp.example.edu", "bob", &url(), crate::lock::MAX_WAIT).unwrap();
        assert_eq!(again.header().unwrap().expose(), "shib_idp_session=one");
        again.absorb(["shib_idp_session=two; Path=/idp"].into_iter());
        assert_eq!(again.header().unwrap().expose(), "shib_idp_session=two");
        assert!(!format!("{again:?}").contains("two"), "Debug hides cookie values");
    }

    #[test]
    fn save_keeps_only_the_live_cookies_the_idp_is_sent() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().to_path_buf());
        let mut jar = Jar::open(&paths, "bob@idp.example.edu", "bob", &url(), crate::lock::MAX_WAIT).unwrap();
        jar.absorb(
            [
                "shib_idp_session=live; Path=/idp; HttpOnly",
                "persistent=p; Path=/; Max-Age=3600",
                "elsewhere=x; Path=/other",
                "gone=x; Path=/idp; Max-Age=0",
                "foreign=x; Domain=other.org",
            ]
            .into_iter(),
        );
        jar.save().unwrap();
        let text = std::fs::read_to_string(jar.path()).unwrap();
        for kept in ["shib_idp_session", "persistent"] {
            assert!(text.contains(kept), "{kept}: {text}");
        }
        for dropped in ["elsewhere", "gone", "foreign"] {
            assert!(!text.contains(dropped), "{dropped}: {text}");
        }
    }

    #[test]
    fn a_jar_over_the_cap_is_unreadable_and_none_is_written_over_it() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().to_path_buf());
        let path = paths.cookie_jar("bob@idp.example.edu");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let huge = format!("{{\"version\":1,\"cookies\":[],\"pad\":\"{}\"}}", "x".repeat(70_000));
        std::fs::write(&path, &huge).unwrap();
        let e = Jar::open(&paths, "bob@idp.example.edu", "bob", &url(), crate::lock::MAX_WAIT).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::UNREADABLE);
        assert!(e.to_string().contains("larger than 65536 bytes"), "{e}");

        std::fs::remove_file(&path).unwrap();
        let mut jar = Jar::open(&paths, "bob@idp.example.edu", "bob", &url(), crate::lock::MAX_WAIT).unwrap();
        let big = "v".repeat(3000);
        let cookies: Vec<String> = (0..30).map(|i| format!("c{i}={big}; Path=/idp")).collect();
        jar.absorb(cookies.iter().map(String::as_str));
        let e = jar.save().unwrap_err();
        assert!(matches!(e, Error::TooLarge { .. }), "{e}");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        assert!(!path.exists(), "nothing written");
    }

    #[test]
    fn one_login_at_a_time_uses_an_accounts_jar() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().to_path_buf());
        let jar = Jar::open(&paths, "bob@idp.example.edu", "bob", &url(), crate::lock::MAX_WAIT).unwrap();
        let lock = paths.cookie_lock("bob@idp.example.edu");
        let e = ProfileLock::acquire_within(&lock, "x", std::time::Duration::from_millis(50)).unwrap_err();
        assert!(matches!(e, Error::LockTimeout { .. }), "{e}");
        drop(jar);
        ProfileLock::acquire_within(&lock, "x", std::time::Duration::from_millis(50)).unwrap();
    }

    #[test]
    fn imports_awscli_login_lwp_jar() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().to_path_buf());
        std::fs::create_dir_all(home.path().join("cookies")).unwrap();
        let later = (OffsetDateTime::now_utc() + time::Duration::hours(2))
            .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z"))
            .unwrap();
        let lwp = format!(
            "#LWP-Cookies-2.0\n\
             Set-Cookie3: shib_idp_session=\"abc\"; path=\"/idp\"; domain=\"idp.example.edu\"; path_spec; secure; discard; HttpOnly=None; version=0\n\
             Set-Cookie3: persistent=p1; path=\"/\"; domain=\".example.edu\"; path_spec; domain_dot; expires=\"{later}\"; version=0\n\
             Set-Cookie3: old=gone; path=\"/\"; domain=\"idp.example.edu\"; expires=\"2001-01-01 00:00:00Z\"; version=0\n\
             Set-Cookie3: foreign=f; path=\"/\"; domain=\"other.org\"; version=0\n"
        );
        std::fs::write(paths.awscli_login_cookie_jar("bob"), lwp).unwrap();
        let jar = Jar::open(&paths, "bob@idp.example.edu", "bob", &url(), crate::lock::MAX_WAIT).unwrap();
        let header = jar.header().unwrap();
        let mut got: Vec<&str> = header.expose().split("; ").collect();
        got.sort();
        assert_eq!(got, ["persistent=p1", "shib_idp_session=abc"]);
    }

    #[test]
    fn unreadable_or_newer_jars_are_errors_left_alone() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().to_path_buf());
        let path = paths.cookie_jar("bob@idp.example.edu");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        for junk in ["{", "{\"version\":2,\"cookies\":[]}", "[]"] {
            std::fs::write(&path, junk).unwrap();
            let e =
                Jar::open(&paths, "bob@idp.example.edu", "bob", &url(), crate::lock::MAX_WAIT).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::UNREADABLE, "{junk}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), junk);
        }
    }
}
