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
    /// Proves who the user (or machine) is to an IdP or OpenID provider: a password, a Duo
    /// passcode, a session cookie; ID, access and refresh tokens; a client secret; a private key.
    Login,
    /// AWS credentials: a secret access key or a session token.
    Aws,
    /// A console sign-in token (in the URL `console --print` prints): stdout only, like AWS
    /// credentials, and never in a file.
    Signin,
}

/// Every secret seen in one home, kept across runs (a rotated cookie stays a secret): its
/// kind, what it is (for the message), and its value.
#[derive(Clone, Default)]
pub struct Known(Rc<RefCell<BTreeSet<Found>>>);

/// A secret's kind, what it is, and its value.
type Found = (Kind, &'static str, String);

impl Known {
    /// Learns the secrets now in `home` (its files) and in `args`.
    pub fn learn(&self, home: &Path, args: &[&str]) {
        let mut set = self.0.borrow_mut();
        let stack = stack_clients().into_iter().chain(key_files(home));
        for (kind, label, s) in users()
            .into_iter()
            .chain(oidc_users())
            .chain(okta_users())
            .chain(in_files(home))
            .chain(in_tokens(home))
            .chain(in_args(args))
            .chain(stack)
        {
            // Short values ("x") would match by chance; no test secret is that short.
            if s.len() >= 6 {
                set.insert((kind, label, s));
            }
        }
    }

    /// Panics if a secret is where it must not be: `stdout` may carry AWS credentials only,
    /// `stderr` nothing, files only what they are for. The message names the kind of secret,
    /// what it is, and where it was found, with the secret itself masked.
    pub fn check(&self, home: &Path, what: &str, stdout: &str, stderr: &str) {
        let set = self.0.borrow();
        let fail = |kind: &Kind, label: &str, place: String, text: &str, at: usize, len: usize| -> ! {
            panic!(
                "{what}: a {kind:?} secret ({label}, {len} characters) is in {place} at byte {at}: {}\n{}",
                masked(text, at, len),
                rerun_hint()
            )
        };
        for (kind, label, secret) in set.iter() {
            if let Some(at) = find(stderr, secret) {
                fail(kind, label, "stderr".into(), stderr, at, secret.len());
            }
            if !matches!(kind, Kind::Aws | Kind::Signin)
                && let Some(at) = find(stdout, secret)
            {
                fail(kind, label, "stdout".into(), stdout, at, secret.len());
            }
        }
        for (path, text) in files(home) {
            let allowed = allowed_in(home, &path);
            for (kind, label, secret) in set.iter() {
                if !allowed.contains(kind)
                    && let Some(at) = find(&text, secret)
                {
                    fail(kind, label, path.display().to_string(), &text, at, secret.len());
                }
            }
        }
    }
}

/// Where `secret` occurs in `text`. A secret of digits only (a Duo passcode) counts only as a
/// whole number: six digits also turn up by chance inside longer ones — the nanoseconds of a
/// timestamp in the credentials cache once held a test user's passcode, and failed a run.
fn find(text: &str, secret: &str) -> Option<usize> {
    let digits = |c: char| c.is_ascii_digit();
    if !secret.chars().all(digits) {
        return text.find(secret);
    }
    text.match_indices(secret).map(|(at, _)| at).find(|&at| {
        let before = text[..at].chars().next_back();
        let after = text[at + secret.len()..].chars().next();
        !before.is_some_and(digits) && !after.is_some_and(digits)
    })
}

/// A few characters either side of a found secret, the secret itself starred out.
fn masked(text: &str, at: usize, len: usize) -> String {
    let mut start = at.saturating_sub(24);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + len + 24).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    format!("…{}{}{}…", &text[start..at], "*".repeat(len), &text[at + len..end]).escape_debug().to_string()
}

/// How to run the failing test again exactly as it ran: in the sweep pass, with the variable.
fn rerun_hint() -> String {
    let test = std::thread::current().name().unwrap_or("TEST").to_string();
    let file = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .and_then(|s| s.rsplit_once('-').map(|(name, _)| name.to_string()))
        .unwrap_or_else(|| "FILE".into());
    let sweep = if on() { "AWS_LOGIN_SWEEP=1 " } else { "" };
    format!("rerun: {sweep}cargo test --test {file} {test} -- --exact")
}

/// Which secrets a file of the home is there to hold.
fn allowed_in(home: &Path, path: &Path) -> Vec<Kind> {
    let rel = path.strip_prefix(home).unwrap_or(path).to_string_lossy().into_owned();
    let dir = path.parent().and_then(|d| d.file_name()).map(|d| d.to_string_lossy().into_owned());
    match (rel.as_str(), dir.as_deref()) {
        // The config the user wrote (password = …) and aws-login's credentials cache.
        (".aws-login/config", _) => vec![Kind::Login],
        // An Identity Center OAuth client's registration (its secret) beside the cache.
        _ if rel.starts_with(".aws-login/cache/sso-") && rel.ends_with(".client.json") => vec![Kind::Login],
        (_, Some("cache")) if rel.starts_with(".aws-login/cache/") => vec![Kind::Aws],
        // The OpenID token caches (src/source/oidc/token_cache.rs).
        (_, Some("tokens")) if rel.starts_with(".aws-login/tokens/") => vec![Kind::Login],
        // Our cookie jars and awscli-login's.
        (_, Some("cookies")) if rel.starts_with(".aws-login/cookies/") => vec![Kind::Login],
        // awscli-login's credentials cache and the shared credentials file hold AWS keys.
        (".aws-login/credentials" | ".aws/credentials", _) => vec![Kind::Aws],
        // The AWS CLI's IAM Identity Center token files, shared with aws-login.
        _ if rel.starts_with(".aws/sso/cache/") => vec![Kind::Login],
        // The config of a tool `migrate --from` reads (aws-cli-oidc's holds client secrets).
        (".aws-cli-oidc/config.yaml", _) => vec![Kind::Login],
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
fn users() -> Vec<Found> {
    let text = std::fs::read_to_string(repo().join("tests/idp/users.json")).unwrap();
    let users: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for user in users.as_object().unwrap().values() {
        for (key, label) in
            [("password", "a test user's password"), ("passcode", "a test user's Duo passcode")]
        {
            match &user[key] {
                serde_json::Value::String(s) => out.push((Kind::Login, label, s.clone())),
                serde_json::Value::Number(n) => out.push((Kind::Login, label, n.to_string())),
                _ => {}
            }
        }
    }
    out
}

/// The test OpenID provider's passwords and its confidential client's secret.
fn oidc_users() -> Vec<Found> {
    [super::OIDC_ALICE_PW, super::OIDC_BOB_PW]
        .into_iter()
        .map(|pw| (Kind::Login, "a test OpenID user's password", pw.to_string()))
        .chain([(Kind::Login, "the test client's secret", super::OIDC_CLIENT_SECRET.to_string())])
        .collect()
}

/// The Okta stand-in's passwords (tests/okta/README.md).
fn okta_users() -> Vec<Found> {
    [super::OKTA_DANA_PW, super::OKTA_ERIK_PW]
        .into_iter()
        .map(|pw| (Kind::Login, "a test Okta user's password", pw.to_string()))
        .collect()
}

/// The refresh, ID and access tokens in the OpenID token caches.
fn in_tokens(home: &Path) -> Vec<Found> {
    let mut out = Vec::new();
    for (path, text) in files(&home.join(".aws-login/tokens")) {
        if path.extension().is_some_and(|e| e == "json")
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            for key in ["refresh_token", "id_token", "access_token"] {
                if let Some(s) = v[key].as_str() {
                    out.push((Kind::Login, "an OpenID token", s.to_string()));
                }
            }
        }
    }
    out
}

/// The test OpenID stack's client secrets (tests/oidc/README.md).
fn stack_clients() -> Vec<Found> {
    [super::OIDC_CLIENT_SECRET, super::SVC_CLIENT_SECRET, "exchange-rs-pw"]
        .into_iter()
        .map(|s| (Kind::Login, "an OpenID client secret", s.to_string()))
        .collect()
}

/// The private keys that `private_key_file` settings name (outside the home, so not swept as
/// files): each line of a PEM's body, so that even part of a key is caught.
fn key_files(home: &Path) -> Vec<Found> {
    let path = home.join(".aws-login/config");
    // A FIFO there (tests/state_files.rs) would hang the read.
    if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
        return Vec::new();
    }
    let Ok(config) = std::fs::read_to_string(path) else { return Vec::new() };
    config
        .lines()
        .filter_map(|line| line.split_once('=').filter(|(k, _)| k.trim() == "private_key_file"))
        .filter_map(|(_, path)| std::fs::read_to_string(path.trim()).ok())
        .flat_map(|pem| {
            pem.lines()
                .filter(|l| !l.starts_with("-----") && l.len() >= 16)
                .map(|l| (Kind::Login, "a line of a private key", l.to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `--password X`, `--passcode X`.
fn in_args(args: &[&str]) -> Vec<Found> {
    args.windows(2)
        .filter(|w| w[0] == "--password" || w[0] == "--passcode" || w[0] == "--client-secret")
        .map(|w| (Kind::Login, "a --password or --passcode argument", w[1].to_string()))
        .collect()
}

/// Passwords in the config, credentials in the cache, cookies in the jars.
fn in_files(home: &Path) -> Vec<Found> {
    let mut out = Vec::new();
    let login = home.join(".aws-login");
    let config = login.join("config");
    // A FIFO there (tests/state_files.rs) would hang the read.
    if std::fs::metadata(&config).is_ok_and(|m| m.is_file())
        && let Ok(config) = std::fs::read_to_string(&config)
    {
        for line in config.lines() {
            if let Some((key, value)) = line.split_once(['=', ':'])
                && let Some(label) = secret_setting(key, value)
            {
                out.push((Kind::Login, label, value.trim().to_string()));
            }
        }
    }
    for (path, text) in files(&login.join("cache")) {
        if path.extension().is_some_and(|e| e == "json")
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            for (key, label) in
                [("secret_access_key", "an AWS secret key"), ("session_token", "an AWS session token")]
            {
                if let Some(s) = v["credentials"][key].as_str() {
                    out.push((Kind::Aws, label, s.to_string()));
                }
            }
        }
    }
    for (_, text) in files(&home.join(".aws/sso/cache")) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        for (key, label) in [
            ("accessToken", "an IAM Identity Center access token"),
            ("refreshToken", "an IAM Identity Center refresh token"),
            ("clientSecret", "an OAuth client secret"),
        ] {
            if let Some(s) = v[key].as_str() {
                out.push((Kind::Login, label, s.to_string()));
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
                out.push((Kind::Login, "an IdP session cookie", value.to_string()));
            }
        }
    }
    out
}

/// Whether a config line `key = value` holds a secret, and which: by its key (the settings of
/// the sources to come included) or, whatever the key, by its value's shape.
fn secret_setting(key: &str, value: &str) -> Option<&'static str> {
    let value = value.trim();
    let by_key = match key.trim().to_ascii_lowercase().as_str() {
        "password" | "passcode" => Some("a password or passcode in the config"),
        "client_secret" => Some("a client secret in the config"),
        "id_token" | "access_token" | "refresh_token" => Some("a token in the config"),
        "private_key" => Some("a private key in the config"),
        _ => None,
    };
    by_key.filter(|_| !value.is_empty()).or_else(|| secret_shape(value))
}

/// What a value is, judged by its shape alone: a JWT (an OpenID Connect ID token, most access
/// tokens, a signed client assertion) or a PEM private key.
fn secret_shape(value: &str) -> Option<&'static str> {
    let jwt = value.split('.').collect::<Vec<_>>();
    let base64url =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if value.starts_with("eyJ") && jwt.len() == 3 && jwt[..2].iter().all(|s| base64url(s)) {
        return Some("a JSON Web Token (an ID or access token)");
    }
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----") {
        return Some("a private key");
    }
    None
}

impl Known {
    /// Learns a console sign-in token a test took from a printed or opened URL: no later run
    /// may show it on stderr or leave it in a file.
    pub fn learn_signin_token(&self, token: &str) {
        self.0.borrow_mut().insert((Kind::Signin, "a console sign-in token", token.to_string()));
    }

    /// Learns a private key handed over in the environment (`AWS_LOGIN_PRIVATE_KEY`): each line
    /// of its PEM body, as for `private_key_file`.
    pub fn learn_env(&self, env: &[(&str, &str)]) {
        let mut set = self.0.borrow_mut();
        for (_, pem) in env.iter().filter(|(k, _)| *k == "AWS_LOGIN_PRIVATE_KEY") {
            for line in pem.lines().filter(|l| !l.starts_with("-----") && l.len() >= 16) {
                set.insert((Kind::Login, "a line of a private key", line.to_string()));
            }
        }
    }
}

impl Known {
    /// Learns a login secret only a server can tell (an Okta device code or web-SSO token,
    /// which aws-login never keeps); [`Known::check`] then looks for it again.
    pub fn learn_login_secret(&self, label: &'static str, secret: &str) {
        self.0.borrow_mut().insert((Kind::Login, label, secret.to_string()));
    }
}

impl Home {
    /// The secrets this home has seen.
    pub fn known(&self) -> &Known {
        &self.known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passcodes_match_as_whole_numbers_only() {
        assert_eq!(find("issued 2026-12-01T21:49:39.123456789Z", "123456"), None);
        assert_eq!(find("code 123456 sent", "123456"), Some(5));
        assert_eq!(find("X-Duo-Passcode: 123456", "123456"), Some(16));
        assert_eq!(find("pw=alice-pw-Q7x", "alice-pw-Q7"), Some(3), "other secrets match anywhere");
        assert_eq!(masked("before 123456 after", 7, 6), "…before ****** after…");
    }

    #[test]
    fn a_private_key_files_lines_are_known() {
        let home = tempfile::tempdir().unwrap();
        let pem = home.path().join("key.pem");
        std::fs::write(
            &pem,
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\nshort\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        std::fs::create_dir(home.path().join(".aws-login")).unwrap();
        let config = format!("[ci]\nprivate_key_file = {}\n", pem.display());
        std::fs::write(home.path().join(".aws-login/config"), config).unwrap();
        let lines: Vec<String> = key_files(home.path()).into_iter().map(|(_, _, s)| s).collect();
        assert_eq!(lines, ["MIIEvQIBADANBgkqhkiG9w0B"]);
    }

    #[test]
    fn secrets_in_the_config_are_known_by_key_or_by_shape() {
        assert!(secret_setting("password ", " hunter2").is_some());
        assert!(secret_setting("Client_Secret", "s3cr3t").unwrap().contains("client secret"));
        for key in ["id_token", "access_token", "refresh_token"] {
            assert!(secret_setting(key, "opaque-value").unwrap().contains("token"), "{key}");
        }
        assert_eq!(secret_setting("client_secret", " "), None, "an empty setting holds nothing");
        assert_eq!(secret_setting("username", "alice"), None);
        assert_eq!(secret_setting("ecp_endpoint_url", "https://idp.example.edu/ecp"), None);
        // By shape, whatever the key.
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        assert!(secret_setting("assertion", jwt).unwrap().contains("JSON Web Token"));
        assert_eq!(secret_shape("eyJ.not a jwt.x"), None);
        assert_eq!(secret_shape("a.b.c"), None);
        let pem = "-----BEGIN PRIVATE KEY-----MIIEvQ-----END PRIVATE KEY-----";
        assert_eq!(secret_shape(pem), Some("a private key"));
        assert!(secret_shape("-----BEGIN EC PRIVATE KEY-----x").is_some());
        assert_eq!(secret_shape("-----BEGIN CERTIFICATE-----x"), None, "a certificate is public");
    }
}
