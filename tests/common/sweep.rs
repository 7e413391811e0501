//! The secrets sweep. After every run of aws-login through [`Home`], the secrets the test world
//! knows — the test users' passwords and passcodes, the profile's password settings, every
//! credential cached and every IdP cookie seen so far in this home — are looked for in what the
//! run printed and in every file of the home. A password, passcode or cookie may never be
//! printed; the AWS secret key and session token only on stdout, where `credential_process`
//! hands them over. Files may hold only the secrets they exist for (cache, cookie jar, the
//! config the user wrote).
//!
//! With `AWS_LOGIN_SWEEP=1` (scripts/test.sh sets it for a second pass of the integration tests)
//! every such run is also made at `-vvv`; the lines only `-v` brings are then checked and taken
//! out again, so each test sees what it would have seen without them.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;
use std::rc::Rc;

use super::{Home, repo};

/// Whether this is the `-vvv` pass.
pub fn on() -> bool {
    std::env::var_os("AWS_LOGIN_SWEEP").is_some_and(|v| v == "1")
}

/// `-vvv` for this run, unless the sweep is off or the test chose a verbosity itself.
pub fn extra_args(args: &[&str]) -> Vec<&'static str> {
    let chosen = args.iter().any(|a| a.starts_with("-v") || *a == "--verbose");
    if on() && !chosen { vec!["-vvv"] } else { vec![] }
}

/// `stderr` without the lines that `-vvv` added.
pub fn without_verbose(stderr: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(stderr);
    let kept: Vec<&str> = text.split_inclusive('\n').filter(|l| !l.starts_with(DEBUG_PREFIX)).collect();
    kept.concat().into_bytes()
}

/// What aws-login puts before every line that only `-v` brings (src/log.rs).
const DEBUG_PREFIX: &str = "aws-login: debug: ";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Proves who the user is to the IdP: a password, a Duo passcode, a session cookie.
    Login,
    /// AWS credentials: a secret access key or a session token.
    Aws,
}

/// Every secret seen in one home, kept across runs (a rotated cookie stays a secret).
#[derive(Clone, Default)]
pub struct Known(Rc<RefCell<BTreeSet<(Kind, String)>>>);

impl Known {
    /// Learns the secrets now in `home` (its files) and in `args`.
    pub fn learn(&self, home: &Path, args: &[&str]) {
        let mut set = self.0.borrow_mut();
        for (kind, s) in users().into_iter().chain(in_files(home)).chain(in_args(args)) {
            // Short values ("x") would match by chance; no test secret is that short.
            if s.len() >= 6 {
                set.insert((kind, s));
            }
        }
    }

    /// Panics if a secret is where it must not be: `stdout` may carry AWS credentials only,
    /// `stderr` nothing, files only what they are for.
    pub fn check(&self, home: &Path, what: &str, stdout: &str, stderr: &str) {
        let set = self.0.borrow();
        for (kind, secret) in set.iter() {
            assert!(!stderr.contains(secret.as_str()), "{what}: a {kind:?} secret is on stderr:\n{stderr}");
            assert!(
                *kind == Kind::Aws || !stdout.contains(secret.as_str()),
                "{what}: a {kind:?} secret is on stdout:\n{stdout}"
            );
        }
        for (path, text) in files(home) {
            let allowed = allowed_in(home, &path);
            for (kind, secret) in set.iter() {
                assert!(
                    allowed.contains(kind) || !text.contains(secret.as_str()),
                    "{what}: a {kind:?} secret was written to {}",
                    path.display()
                );
            }
        }
    }
}

/// Which secrets a file of the home is there to hold.
fn allowed_in(home: &Path, path: &Path) -> Vec<Kind> {
    let rel = path.strip_prefix(home).unwrap_or(path).to_string_lossy().into_owned();
    let dir = path.parent().and_then(|d| d.file_name()).map(|d| d.to_string_lossy().into_owned());
    match (rel.as_str(), dir.as_deref()) {
        // The config the user wrote (password = …) and aws-login's credentials cache.
        (".aws-login/config", _) => vec![Kind::Login],
        (_, Some("cache")) if rel.starts_with(".aws-login/cache/") => vec![Kind::Aws],
        // Our cookie jars and awscli-login's.
        (_, Some("cookies")) if rel.starts_with(".aws-login/cookies/") => vec![Kind::Login],
        // awscli-login's credentials cache and the shared credentials file hold AWS keys.
        (".aws-login/credentials" | ".aws/credentials", _) => vec![Kind::Aws],
        // A throwaway Secret Service keeps its (encrypted) keyrings here.
        _ if rel.starts_with(".local/share/keyrings/") => vec![Kind::Login, Kind::Aws],
        _ => vec![],
    }
}

fn files(home: &Path) -> Vec<(std::path::PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(std::path::PathBuf, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            // Not through symlinks, and never a FIFO or other special file (reading one hangs).
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                walk(&p, out);
            } else if kind.is_file()
                && let Ok(bytes) = std::fs::read(&p)
            {
                out.push((p, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    let mut out = Vec::new();
    walk(home, &mut out);
    out
}

/// The test IdP's users: passwords and Duo passcodes (tests/idp/users.json).
fn users() -> Vec<(Kind, String)> {
    let text = std::fs::read_to_string(repo().join("tests/idp/users.json")).unwrap();
    let users: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for user in users.as_object().unwrap().values() {
        for key in ["password", "passcode"] {
            match &user[key] {
                serde_json::Value::String(s) => out.push((Kind::Login, s.clone())),
                serde_json::Value::Number(n) => out.push((Kind::Login, n.to_string())),
                _ => {}
            }
        }
    }
    out
}

/// `--password X`, `--passcode X`.
fn in_args(args: &[&str]) -> Vec<(Kind, String)> {
    args.windows(2)
        .filter(|w| w[0] == "--password" || w[0] == "--passcode")
        .map(|w| (Kind::Login, w[1].to_string()))
        .collect()
}

/// Passwords in the config, credentials in the cache, cookies in the jars.
fn in_files(home: &Path) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    let login = home.join(".aws-login");
    let config = login.join("config");
    // A FIFO there (tests/state_files.rs) would hang the read.
    if std::fs::metadata(&config).is_ok_and(|m| m.is_file())
        && let Ok(config) = std::fs::read_to_string(&config)
    {
        for line in config.lines() {
            if let Some((key, value)) = line.split_once(['=', ':'])
                && ["password", "passcode"].contains(&key.trim())
            {
                out.push((Kind::Login, value.trim().to_string()));
            }
        }
    }
    for (path, text) in files(&login.join("cache")) {
        if path.extension().is_some_and(|e| e == "json")
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            for key in ["secret_access_key", "session_token"] {
                if let Some(s) = v["credentials"][key].as_str() {
                    out.push((Kind::Aws, s.to_string()));
                }
            }
        }
    }
    for (_, text) in files(&login.join("cookies")) {
        // Our jar (cookie_store's JSON: "raw_cookie": "name=value; Path=…") and awscli-login's
        // LWP jar ("Set-Cookie3: name=value; path=…") both hold `name=value` pairs.
        for part in text.split(['"', ';', '\n']) {
            let part = part.trim().trim_start_matches("Set-Cookie3:").trim();
            if let Some((name, value)) = part.split_once('=')
                && name == "shib_idp_session"
            {
                out.push((Kind::Login, value.to_string()));
            }
        }
    }
    out
}

impl Home {
    /// The secrets this home has seen.
    pub fn known(&self) -> &Known {
        &self.known
    }
}
