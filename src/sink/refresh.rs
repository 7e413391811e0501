//! Credentials for a long-running consumer (the local credentials server), kept fresh through
//! the very pipeline `credential_process` uses: each fetch runs `aws-login process` for the
//! profile, so the cache, the profile lock and every refresh rule are the same. Refreshes run
//! in a new session, without a controlling terminal, so they can never prompt: when one needs a
//! person it fails with aws-login's own sentence (run `aws-login login`), and the credentials
//! already held keep being served until they expire.

use std::ffi::OsString;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

use crate::cli::ProfileArgs;
use crate::error::Error;
use crate::secret::Secret;

/// What the server hands out, as `aws-login process` printed it.
#[derive(Clone)]
pub struct Held {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiration: OffsetDateTime,
    pub account_id: Option<String>,
    /// When they were fetched, to know their lifetime.
    pub fetched: OffsetDateTime,
}

/// The credentials held and the last refresh failure, shared with the server's threads.
#[derive(Default)]
pub struct State {
    pub held: Option<Held>,
    pub failure: Option<String>,
}

pub type Shared = Arc<Mutex<State>>;

/// How to fetch: this program, the profile, and the overrides that are safe to pass on.
pub struct Fetcher {
    program: std::path::PathBuf,
    args: Vec<OsString>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProcessJson {
    version: u8,
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    #[serde(with = "time::serde::rfc3339")]
    expiration: OffsetDateTime,
    #[serde(default)]
    account_id: Option<String>,
}

impl Fetcher {
    pub fn new(args: &ProfileArgs) -> Result<Fetcher, Error> {
        let program = std::env::current_exe().map_err(|e| {
            Error::Unexpected(format!("cannot find aws-login's own program to refresh with: {e}"))
        })?;
        Ok(Fetcher { program, args: forwarded(args) })
    }

    /// The first fetch, at the terminal (it may ask for a password or a Duo factor there); a
    /// failure is aws-login's sentence and exit code.
    pub fn first(&self) -> Result<Held, (String, i32)> {
        self.fetch(false)
    }

    /// A refresh: in a new session without a terminal, so it never prompts.
    pub fn refresh(&self) -> Result<Held, String> {
        self.fetch(true).map_err(|(why, _)| why)
    }

    fn fetch(&self, unattended: bool) -> Result<Held, (String, i32)> {
        let mut c = Command::new(&self.program);
        // Questions go to the terminal itself, never to these pipes.
        c.arg("process").args(&self.args).stdout(Stdio::piped()).stderr(Stdio::piped());
        if unattended {
            c.stdin(Stdio::null());
            #[cfg(unix)]
            {
                use std::os::unix::process::CommandExt;
                // SAFETY: setsid is async-signal-safe and touches no memory of this process.
                unsafe {
                    c.pre_exec(|| rustix::process::setsid().map(|_| ()).map_err(std::io::Error::from));
                }
            }
        }
        let unexpected = |why: String| (why, crate::error::exit::UNEXPECTED);
        let out = c.output().map_err(|e| unexpected(format!("cannot run aws-login to refresh: {e}")))?;
        if !out.status.success() {
            let code = out.status.code().unwrap_or(crate::error::exit::UNEXPECTED);
            let said = String::from_utf8_lossy(&out.stderr);
            let line =
                said.lines().rfind(|l| l.starts_with("aws-login: ") && !l.starts_with("aws-login: debug:"));
            let why = line.map_or_else(
                || format!("the refresh failed (exit {code})"),
                |l| l.trim_start_matches("aws-login: ").to_string(),
            );
            return Err((why, code));
        }
        let json: ProcessJson = serde_json::from_slice(&out.stdout)
            .map_err(|_| unexpected("the refresh printed no credential_process JSON".into()))?;
        if json.version != 1 {
            return Err(unexpected("the refresh printed JSON of another version".into()));
        }
        Ok(Held {
            access_key_id: json.access_key_id,
            secret_access_key: json.secret_access_key,
            session_token: json.session_token,
            expiration: json.expiration,
            account_id: json.account_id,
            fetched: OffsetDateTime::now_utc(),
        })
    }
}

/// The profile and the overrides a refresh keeps: not the password or passcode (a refresh
/// must not carry secrets on a command line, and a passcode works once), not --ask-password.
fn forwarded(args: &ProfileArgs) -> Vec<OsString> {
    let mut out: Vec<OsString> = vec!["--profile".into(), crate::config::profile_name(args).into()];
    let flags = [
        ("--ecp-endpoint-url", &args.ecp_endpoint_url),
        ("--username", &args.username),
        ("--factor", &args.factor),
        ("--device", &args.device),
        ("--duo-timeout", &args.duo_timeout),
        ("--http-header-factor", &args.http_header_factor),
        ("--http-header-passcode", &args.http_header_passcode),
        ("--role-arn", &args.role_arn),
        ("--duration", &args.duration),
        ("--enable-keyring", &args.enable_keyring),
        ("--verify-ssl-certificate", &args.verify_ssl_certificate),
        ("--ca-bundle", &args.ca_bundle),
    ];
    for (flag, value) in flags {
        if let Some(v) = value {
            out.push(format!("{flag}={v}").into());
        }
    }
    out
}

/// When to refresh `held`: as the cache does, at the refresh margin (15 min, at most half the
/// lifetime) before expiry.
pub fn due_in(held: &Held, now: OffsetDateTime) -> Duration {
    let lifetime = held.expiration - held.fetched;
    let margin = crate::cache::DEFAULT_MARGIN.min(lifetime / 2);
    let wait = held.expiration - margin - now;
    Duration::try_from(wait).unwrap_or(Duration::ZERO)
}

/// Keeps `state` fresh for ever (the thread ends with the process). After a failure it tries
/// again at a quarter of the time left, at least every 30 s, while old credentials are served.
pub fn keep_fresh(fetcher: Fetcher, state: Shared) {
    loop {
        let wait = {
            let s = state.lock().unwrap_or_else(|p| p.into_inner());
            match (&s.held, &s.failure) {
                (Some(held), None) => due_in(held, OffsetDateTime::now_utc()),
                (Some(held), Some(_)) => {
                    let left =
                        Duration::try_from(held.expiration - OffsetDateTime::now_utc()).unwrap_or_default();
                    (left / 4).clamp(Duration::from_secs(1), Duration::from_secs(30))
                }
                (None, _) => Duration::from_secs(30),
            }
        };
        std::thread::sleep(wait);
        let result = fetcher.refresh();
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(held) => {
                let renewed = s.held.as_ref().is_none_or(|h| h.access_key_id != held.access_key_id);
                crate::log::debug(1, &format!("credentials refreshed; they expire {}", held.expiration));
                // Still the same credentials (a profile's shorter refresh_margin kept them
                // fresh in the cache): look again at a quarter of the time left, not at once.
                s.failure = (!renewed).then(|| "the credentials were not renewed in time".to_string());
                s.held = Some(held);
            }
            Err(why) => {
                eprintln!(
                    "{}",
                    crate::text::shown(&format!("aws-login: could not refresh the credentials: {why}"), 2000)
                );
                s.failure = Some(why);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_at_the_margin_capped_at_half_the_lifetime() {
        let now = time::macros::datetime!(2026-12-01 12:00 UTC);
        let held = |minutes: i64| Held {
            access_key_id: "A".into(),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expiration: now + time::Duration::minutes(minutes),
            account_id: None,
            fetched: now,
        };
        assert_eq!(due_in(&held(60), now), Duration::from_secs(45 * 60));
        assert_eq!(due_in(&held(20), now), Duration::from_secs(10 * 60));
        assert_eq!(due_in(&held(60), now + time::Duration::hours(2)), Duration::ZERO);
    }

    #[test]
    fn the_refresh_command_line_carries_no_secret() {
        let args = ProfileArgs {
            profile: Some("dev".into()),
            password: Some(Secret::new("pw-1")),
            passcode: Some(Secret::new("123456")),
            role_arn: Some("arn:aws:iam::1:role/R".into()),
            ask_password: true,
            ..ProfileArgs::default()
        };
        let line: Vec<String> = forwarded(&args).iter().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(line, ["--profile", "dev", "--role-arn=arn:aws:iam::1:role/R"]);
    }
}
