//! The IdP password in the OS keyring, where awscli-login keeps it.
//!
//! awscli-login stores it with Python's `keyring` library under the service `awscli_login` and
//! the user `<username>@<host[:port] of the ECP URL>`. On Linux that is the freedesktop Secret
//! Service (gnome-keyring, KeePassXC, …) over the D-Bus session bus, and the entries written here
//! are interchangeable with Python's both ways:
//!
//! * we look entries up by the two attributes Python's backend searches on (`service`,
//!   `username`), so we find Python's entries and Python finds ours;
//! * we create ours in the default collection with Python's `application` attribute and label
//!   (plus the `target` the `keyring` crate needs), so Python's `set_password`, which replaces
//!   an item carrying its own attributes, overwrites ours instead of adding a second, stale one;
//! * when several entries match anyway (made by other tools), we read the most recently
//!   modified one and `set`/`delete` act on all of them.
//!
//! Every call is bounded in time and never asks anything interactively: a keyring that is
//! missing, unreachable, locked (unlocking would pop up a prompt) or slow is reported as
//! [`KeyringError::Unavailable`] within [`TIMEOUT`], so the caller falls back to asking on the
//! terminal. No error text ever contains the password.
//!
//! macOS and Windows use the `keyring` crate's native stores (Keychain, Credential Manager)
//! under the same service and user; other systems have no keyring support and always answer
//! `Unavailable`.

use std::fmt;
use std::sync::mpsc;
use std::time::Duration;

use crate::secret::Secret;

/// The service name awscli-login passes to Python's `keyring`.
pub const SERVICE: &str = "awscli_login";

/// How long one keyring call may take, all steps together (connecting to the bus, opening the
/// Secret Service session, searching, reading or writing), before it counts as unavailable. A
/// healthy local keyring answers in a few milliseconds; this only has to outlast a slow start
/// of the keyring daemon, and stay short enough that nobody waits noticeably for the prompt.
pub const TIMEOUT: Duration = Duration::from_millis(1500);

/// Why the keyring could not be used. Neither variant ever carries the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringError {
    /// No keyring to talk to, or none that answers without asking someone: no D-Bus session, no
    /// Secret Service on the bus, no default collection, locked, or no answer within
    /// [`TIMEOUT`]. The caller should fall back to prompting.
    Unavailable(String),
    /// The keyring answered, but the operation failed.
    Failed(String),
}

impl fmt::Display for KeyringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyringError::Unavailable(why) => write!(f, "the OS keyring is unavailable: {why}"),
            KeyringError::Failed(why) => write!(f, "the OS keyring failed: {why}"),
        }
    }
}

impl std::error::Error for KeyringError {}

/// The stored password for `account`, if there is one.
pub fn get(account: &str) -> Result<Option<Secret>, KeyringError> {
    let account = account.to_owned();
    bounded(move || platform::get(&account))
}

/// Stores `password` for `account`, replacing any stored one.
pub fn set(account: &str, password: &Secret) -> Result<(), KeyringError> {
    let account = account.to_owned();
    let password = password.clone();
    bounded(move || platform::set(&account, &password))
}

/// Removes the stored password for `account`; `true` if there was one.
pub fn delete(account: &str) -> Result<bool, KeyringError> {
    let account = account.to_owned();
    bounded(move || platform::delete(&account))
}

/// Runs `op` on a helper thread and waits at most [`TIMEOUT`] for it. A call that overruns is
/// left to finish (or hang) on its own detached thread, which ends with the process; its result
/// is dropped (so a `set` reported as unavailable may still land a moment later).
fn bounded<T: Send + 'static>(
    op: impl FnOnce() -> Result<T, KeyringError> + Send + 'static,
) -> Result<T, KeyringError> {
    platform::preflight()?;
    // Capacity 1: the helper's send never blocks, even after we stopped waiting.
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = tx.send(op());
        })
        .map_err(|e| KeyringError::Failed(format!("cannot start a thread for it ({e})")))?;
    match rx.recv_timeout(TIMEOUT) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(KeyringError::Unavailable(format!("it did not answer within {:.1} s", TIMEOUT.as_secs_f64())))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(KeyringError::Failed("the keyring call stopped unexpectedly".into()))
        }
    }
}

/// `keyring` crate errors as text without the password: `BadEncoding` carries the stored bytes,
/// so it is named, never formatted.
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
fn from_keyring(e: ::keyring::Error) -> KeyringError {
    use ::keyring::Error::*;
    match e {
        NoStorageAccess(inner) => KeyringError::Unavailable(format!("the keyring refused access ({inner})")),
        PlatformFailure(inner) => KeyringError::Failed(inner.to_string()),
        BadEncoding(_) => KeyringError::Failed("the stored password is not UTF-8".into()),
        Ambiguous(_) => KeyringError::Failed("several keyring entries match".into()),
        NoEntry => KeyringError::Failed("the keyring entry vanished".into()),
        TooLong(what, max) => KeyringError::Failed(format!("the {what} is longer than {max} bytes")),
        Invalid(what, why) => KeyringError::Failed(format!("invalid {what}: {why}")),
        _ => KeyringError::Failed("unexpected keyring error".into()),
    }
}

/// The freedesktop Secret Service through the `keyring` crate, with a look at lock states first
/// (through the `secret-service` crate it is built on) because `keyring` unlocks locked items
/// and collections unasked, which pops up a password prompt that may never be answered.
#[cfg(target_os = "linux")]
mod platform {
    use std::cmp::Reverse;
    use std::collections::HashMap;

    use ::keyring::credential::CredentialApi;
    use ::keyring::secret_service::{
        SsCredential, decode_error, delete_item, get_item_password, set_item_secret,
    };
    use ::secret_service::EncryptionType;
    use ::secret_service::blocking::SecretService;

    use super::{KeyringError, SERVICE, from_keyring};
    use crate::secret::Secret;

    /// The `application` attribute of Python keyring's SecretService backend.
    const PYTHON_APPLICATION: &str = "Python keyring library";
    /// The schema libsecret-based clients (and Python's `secretstorage`) tag generic items with.
    const GENERIC_SCHEMA: &str = "org.freedesktop.Secret.Generic";

    /// No session bus address, no Secret Service: say so before starting anything. (Without
    /// the variable, D-Bus libraries guess `$XDG_RUNTIME_DIR/bus`; a desktop or `pam_systemd`
    /// login always sets it, so its absence means SSH without a user bus, a container, a cron
    /// job, WSL…)
    pub(super) fn preflight() -> Result<(), KeyringError> {
        match std::env::var_os("DBUS_SESSION_BUS_ADDRESS") {
            Some(address) if !address.is_empty() => Ok(()),
            _ => Err(KeyringError::Unavailable(
                "there is no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)".into(),
            )),
        }
    }

    pub(super) fn get(account: &str) -> Result<Option<Secret>, KeyringError> {
        ready(account)?;
        let mut found = matching(account)?
            .map_matching_items(
                |item| {
                    let modified = item.get_modified().map_err(decode_error)?;
                    Ok((modified, get_item_password(item)?))
                },
                false,
            )
            .map_err(from_keyring)?;
        found.sort_by_key(|(modified, _)| Reverse(*modified));
        Ok(found.into_iter().next().map(|(_, password)| Secret::new(password)))
    }

    pub(super) fn set(account: &str, password: &Secret) -> Result<(), KeyringError> {
        ready(account)?;
        let secret = password.expose().as_bytes();
        let updated = matching(account)?
            .map_matching_items(|item| set_item_secret(item, secret), false)
            .map_err(from_keyring)?;
        if updated.is_empty() {
            python_shaped(account)?.set_password(password.expose()).map_err(from_keyring)?;
        }
        Ok(())
    }

    pub(super) fn delete(account: &str) -> Result<bool, KeyringError> {
        ready(account)?;
        let deleted = matching(account)?.map_matching_items(delete_item, false).map_err(from_keyring)?;
        Ok(!deleted.is_empty())
    }

    /// Every item for `account`, in any collection, whoever wrote it: with no target, the
    /// search is on `service` and `username` only.
    fn matching(account: &str) -> Result<SsCredential, KeyringError> {
        SsCredential::new_with_no_target(SERVICE, account).map_err(from_keyring)
    }

    /// A new item as Python's keyring would make it (its attributes and label), in the default
    /// collection, plus the `target` attribute the `keyring` crate insists on.
    fn python_shaped(account: &str) -> Result<SsCredential, KeyringError> {
        let mut credential =
            SsCredential::new_with_target(Some("default"), SERVICE, account).map_err(from_keyring)?;
        credential.attributes.insert("application".into(), PYTHON_APPLICATION.into());
        credential.attributes.insert("xdg:schema".into(), GENERIC_SCHEMA.into());
        credential.label = format!("Password for '{account}' on '{SERVICE}'");
        Ok(credential)
    }

    /// Checks that `account`'s items can be used without anyone being asked: a Secret Service
    /// answers, it has a default collection (where new items go, and the only one Python reads),
    /// that collection is unlocked, and so is every item for `account`.
    fn ready(account: &str) -> Result<(), KeyringError> {
        let unavailable = |why: &str| Err(KeyringError::Unavailable(why.into()));
        // No secret crosses this connection, so no encrypted session (a Diffie-Hellman exchange
        // that takes a noticeable part of the time bound in a debug build).
        let ss = match SecretService::connect(EncryptionType::Plain) {
            Ok(ss) => ss,
            Err(e) => {
                return Err(KeyringError::Unavailable(format!(
                    "no Secret Service answers on the D-Bus session ({e})"
                )));
            }
        };
        let Ok(default) = ss.get_default_collection() else {
            return unavailable("the Secret Service has no default keyring");
        };
        match default.is_locked() {
            Ok(false) => {}
            Ok(true) => return unavailable("the default keyring is locked"),
            Err(e) => return Err(KeyringError::Failed(e.to_string())),
        }
        let attributes = HashMap::from([("service", SERVICE), ("username", account)]);
        match ss.search_items(attributes) {
            Ok(found) if found.locked.is_empty() => Ok(()),
            Ok(_) => unavailable("the keyring holding this password is locked"),
            Err(e) => Err(KeyringError::Failed(e.to_string())),
        }
    }
}

/// Keychain (macOS) and Credential Manager (Windows) through the `keyring` crate, which asks
/// nothing on either: no D-Bus, only the time bound.
#[cfg(any(target_os = "macos", target_os = "windows"))]
mod platform {
    use super::{KeyringError, SERVICE, from_keyring};
    use crate::secret::Secret;

    pub(super) fn preflight() -> Result<(), KeyringError> {
        Ok(())
    }

    fn entry(account: &str) -> Result<::keyring::Entry, KeyringError> {
        ::keyring::Entry::new(SERVICE, account).map_err(from_keyring)
    }

    pub(super) fn get(account: &str) -> Result<Option<Secret>, KeyringError> {
        match entry(account)?.get_password() {
            Ok(password) => Ok(Some(Secret::new(password))),
            Err(::keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(from_keyring(e)),
        }
    }

    pub(super) fn set(account: &str, password: &Secret) -> Result<(), KeyringError> {
        entry(account)?.set_password(password.expose()).map_err(from_keyring)
    }

    pub(super) fn delete(account: &str) -> Result<bool, KeyringError> {
        match entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(::keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(from_keyring(e)),
        }
    }
}

/// Elsewhere there is no keyring support: always unavailable, so the caller prompts.
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod platform {
    use super::KeyringError;
    use crate::secret::Secret;

    pub(super) fn preflight() -> Result<(), KeyringError> {
        Err(KeyringError::Unavailable("aws-login has no keyring support on this system".into()))
    }

    pub(super) fn get(_: &str) -> Result<Option<Secret>, KeyringError> {
        preflight().map(|()| None)
    }

    pub(super) fn set(_: &str, _: &Secret) -> Result<(), KeyringError> {
        preflight()
    }

    pub(super) fn delete(_: &str) -> Result<bool, KeyringError> {
        preflight().map(|()| false)
    }
}

#[cfg(test)]
mod tests {
    //! The checks that need a particular environment (no bus, a bus without a Secret Service,
    //! a dead or silent bus, a real gnome-keyring) run in a child process: the outer test
    //! re-executes this test binary with `--exact <inner test> --ignored` in that environment
    //! and checks that exactly that test passed. Inner tests are `#[ignore]`d and do nothing
    //! unless their environment marker is set, so `cargo test -- --ignored` run by hand is
    //! harmless. Real-keyring checks run only under tests/stack/keyring-session.sh, which makes
    //! a throwaway bus, home and keyring and sets `AWS_LOGIN_TEST_KEYRING=1`.

    use std::fs::File;
    use std::path::PathBuf;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use super::*;

    /// Set by the outer test for the inner tests that check an unavailable keyring.
    const CASE_MARKER: &str = "AWS_LOGIN_TEST_KEYRING_CASE";
    /// Set by tests/stack/keyring-session.sh.
    const SESSION_MARKER: &str = "AWS_LOGIN_TEST_KEYRING";
    /// How long "unavailable" may take, the brief's bound: [`TIMEOUT`] plus slack.
    const UNAVAILABLE_WITHIN: Duration = Duration::from_secs(2);
    /// An outer test's whole child process, keyring session included.
    const CHILD_DEADLINE: Duration = Duration::from_secs(90);
    const PASSWORD: &str = "hunter2-Üñí-🔑";

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn need(bin: &str) {
        let found = std::env::var_os("PATH")
            .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(bin).is_file()));
        assert!(found, "{bin} is missing: run tests/stack/install.sh (scripts/test.sh does)");
    }

    /// The name libtest knows this test module's `test` by: `keyring::tests::<test>`.
    fn test_path(test: &str) -> String {
        let module = module_path!();
        let module = module.split_once("::").map_or(module, |(_, rest)| rest);
        format!("{module}::{test}")
    }

    /// Runs the inner test `test` of this binary as `prefix... <exe> --exact ... --ignored`
    /// with `env` changes, bounded by [`CHILD_DEADLINE`]; asserts it ran and passed.
    fn run_inner(test: &str, prefix: &[&str], env: &[(&str, Option<&str>)]) {
        let exe = std::env::current_exe().unwrap();
        let logs = tempfile::tempdir().unwrap();
        let out_path = logs.path().join("out");
        let mut cmd = match prefix.split_first() {
            Some((program, args)) => {
                let mut cmd = Command::new(program);
                cmd.args(args).arg(&exe);
                cmd
            }
            None => Command::new(&exe),
        };
        cmd.args([&test_path(test), "--exact", "--ignored", "--nocapture"])
            .args(["--test-threads", "1"])
            .current_dir(repo())
            .stdin(Stdio::null())
            .stdout(File::create(&out_path).unwrap())
            .stderr(File::create(logs.path().join("err")).unwrap());
        for (key, value) in env {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        let start = Instant::now();
        let mut child = cmd.spawn().unwrap();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > CHILD_DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{test} did not finish within {CHILD_DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let took = start.elapsed();
        let out = std::fs::read_to_string(&out_path).unwrap();
        let err = std::fs::read_to_string(logs.path().join("err")).unwrap();
        eprintln!("--- {test} ({took:.2?}) ---\n{out}{err}");
        assert!(status.success(), "{test} failed: {status}\n{out}\n{err}");
        assert!(out.contains("1 passed"), "{test} did not run in the child:\n{out}\n{err}");
    }

    fn case_env<'a>(extra: &[(&'a str, Option<&'a str>)]) -> Vec<(&'a str, Option<&'a str>)> {
        let mut env = vec![(CASE_MARKER, Some("1"))];
        env.extend_from_slice(extra);
        env
    }

    fn in_case() -> bool {
        std::env::var_os(CASE_MARKER).is_some()
    }

    fn in_session() -> bool {
        std::env::var(SESSION_MARKER).as_deref() == Ok("1")
    }

    /// `get`, `set` and `delete` each answer `Unavailable` within `within`, and no message
    /// holds the password. Prints each time (`--nocapture`) for the record; returns the times
    /// and messages.
    fn assert_unavailable(case: &str, within: Duration) -> Vec<(Duration, String)> {
        let mut seen = vec![];
        let account = "netid@idp.example.edu:8443".to_string();
        for op in ["get", "set", "delete"] {
            let t = Instant::now();
            let result = match op {
                "get" => get(&account).map(|_| ()),
                "set" => set(&account, &Secret::new(PASSWORD)),
                _ => delete(&account).map(|_| ()),
            };
            let took = t.elapsed();
            eprintln!("keyring-timing case={case} op={op} took={took:?} -> {result:?}");
            let Err(e @ KeyringError::Unavailable(_)) = result else {
                panic!("{case} {op}: expected Unavailable, got {result:?}");
            };
            assert!(took < within, "{case} {op}: Unavailable took {took:?}, over {within:?}");
            let text = format!("{e} {e:?}");
            assert!(!text.contains("hunter2"), "{case} {op}: the password leaked: {text}");
            seen.push((took, e.to_string()));
        }
        seen
    }

    // --- messages: no environment needed ---------------------------------------------------

    #[test]
    fn errors_are_one_plain_phrase() {
        let e = KeyringError::Unavailable("the default keyring is locked".into());
        assert_eq!(e.to_string(), "the OS keyring is unavailable: the default keyring is locked");
        let e = KeyringError::Failed("the stored password is not UTF-8".into());
        assert_eq!(e.to_string(), "the OS keyring failed: the stored password is not UTF-8");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn keyring_errors_never_show_the_stored_bytes() {
        let e = from_keyring(::keyring::Error::BadEncoding(PASSWORD.as_bytes().to_vec()));
        assert!(!format!("{e} {e:?}").contains("hunter2"), "{e:?}");
    }

    // --- (a) no D-Bus session ----------------------------------------------------------------

    #[cfg(target_os = "linux")]
    #[test]
    fn no_bus_address_is_unavailable_at_once() {
        run_inner("inner_no_bus_address", &[], &case_env(&[("DBUS_SESSION_BUS_ADDRESS", None)]));
    }

    #[test]
    #[ignore = "run by no_bus_address_is_unavailable_at_once"]
    fn inner_no_bus_address() {
        if in_case() {
            assert_unavailable("no-bus-address", Duration::from_millis(100));
        }
    }

    // --- (b) a bus with no Secret Service ----------------------------------------------------

    /// A session bus with nothing activatable on it: nobody owns or can start
    /// org.freedesktop.secrets.
    #[cfg(target_os = "linux")]
    #[test]
    fn bus_without_secret_service_is_unavailable() {
        need("dbus-run-session");
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("bare-session.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                dir.path().display()
            ),
        )
        .unwrap();
        let config = format!("--config-file={}", config.display());
        run_inner("inner_bus_without_secret_service", &["dbus-run-session", &config, "--"], &case_env(&[]));
    }

    /// A plain `dbus-run-session` bus, as the brief has it: standard session configuration, so
    /// if gnome-keyring is installed D-Bus activation starts it, but with a fresh home it has no
    /// login keyring (no default collection) and nobody to create one.
    #[cfg(target_os = "linux")]
    #[test]
    fn plain_session_bus_without_keyring_is_unavailable() {
        need("dbus-run-session");
        let home = tempfile::tempdir().unwrap();
        let dir = |sub: &str| {
            let d = home.path().join(sub);
            std::fs::create_dir_all(&d).unwrap();
            d.to_str().unwrap().to_owned()
        };
        let (h, data, config, cache, run) =
            (dir(""), dir(".local/share"), dir(".config"), dir(".cache"), dir("run"));
        let env: Vec<(&str, Option<&str>)> = vec![
            (CASE_MARKER, Some("1")),
            ("HOME", Some(&h)),
            ("XDG_DATA_HOME", Some(&data)),
            ("XDG_CONFIG_HOME", Some(&config)),
            ("XDG_CACHE_HOME", Some(&cache)),
            ("XDG_RUNTIME_DIR", Some(&run)),
            ("DBUS_SESSION_BUS_ADDRESS", None),
        ];
        run_inner("inner_plain_session_bus", &["dbus-run-session", "--"], &env);
    }

    #[test]
    #[ignore = "run by bus_without_secret_service_is_unavailable"]
    fn inner_bus_without_secret_service() {
        if in_case() {
            assert_unavailable("bus-without-secret-service", UNAVAILABLE_WITHIN);
        }
    }

    #[test]
    #[ignore = "run by plain_session_bus_without_keyring_is_unavailable"]
    fn inner_plain_session_bus() {
        if in_case() {
            assert_unavailable("plain-session-bus", UNAVAILABLE_WITHIN);
        }
    }

    // --- (c) a dead or silent bus ------------------------------------------------------------

    #[cfg(target_os = "linux")]
    #[test]
    fn missing_bus_socket_is_unavailable_fast() {
        let dir = tempfile::tempdir().unwrap();
        let address = format!("unix:path={}", dir.path().join("no-such-bus").display());
        run_inner("inner_dead_bus", &[], &case_env(&[("DBUS_SESSION_BUS_ADDRESS", Some(&address))]));
    }

    /// A socket file whose listener is gone (a stale address from a finished session).
    #[cfg(target_os = "linux")]
    #[test]
    fn stale_bus_socket_is_unavailable_fast() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stale-bus");
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let address = format!("unix:path={}", path.display());
        run_inner("inner_dead_bus", &[], &case_env(&[("DBUS_SESSION_BUS_ADDRESS", Some(&address))]));
    }

    #[test]
    #[ignore = "run by missing_bus_socket_is_unavailable_fast and stale_bus_socket_is_unavailable_fast"]
    fn inner_dead_bus() {
        if in_case() {
            assert_unavailable("dead-bus", Duration::from_millis(500));
        }
    }

    /// A bus that takes the connection and never says a word: only the time bound ends it.
    #[cfg(target_os = "linux")]
    #[test]
    fn silent_bus_is_unavailable_after_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("silent-bus");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        // Accept and hold every connection, answering nothing, until the test ends.
        std::thread::spawn(move || {
            let mut held = vec![];
            for conn in listener.incoming().flatten() {
                held.push(conn);
            }
        });
        let address = format!("unix:path={}", path.display());
        run_inner("inner_silent_bus", &[], &case_env(&[("DBUS_SESSION_BUS_ADDRESS", Some(&address))]));
    }

    #[test]
    #[ignore = "run by silent_bus_is_unavailable_after_the_timeout"]
    fn inner_silent_bus() {
        if in_case() {
            // The time bound, not an error, ended each call.
            for (took, message) in assert_unavailable("silent-bus", UNAVAILABLE_WITHIN) {
                assert!(took >= TIMEOUT, "{message} after {took:?}");
                assert!(message.contains("did not answer within 1.5 s"), "{message}");
            }
        }
    }

    // --- a real gnome-keyring, with Python's keyring beside us --------------------------------

    fn in_keyring_session(test: &str) {
        need("dbus-run-session");
        need("gnome-keyring-daemon");
        need("secret-tool");
        python_path();
        let script = repo().join("tests/stack/keyring-session.sh");
        // The script stops the whole session itself well before CHILD_DEADLINE.
        run_inner(test, &[script.to_str().unwrap()], &[("KEYRING_SESSION_TIMEOUT", Some("60"))]);
    }

    fn python_path() -> PathBuf {
        let p = repo().join(".stack/venv/bin/python");
        assert!(p.exists(), "{} is missing: run tests/stack/install.sh (scripts/test.sh does)", p.display());
        p
    }

    /// Runs `code` with Python's keyring in the venv, `args` as sys.argv[1:]; its stdout.
    fn python(code: &str, args: &[&str]) -> String {
        let out = Command::new(python_path())
            .arg("-c")
            .arg(format!("import sys, keyring, secretstorage\n{code}"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "python failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
    }

    fn python_set(account: &str, password: &str) {
        python("keyring.set_password(sys.argv[1], sys.argv[2], sys.argv[3])", &[SERVICE, account, password]);
    }

    fn python_get(account: &str) -> Option<String> {
        let out = python(
            "p = keyring.get_password(sys.argv[1], sys.argv[2])\nprint('NONE' if p is None else 'SOME:' + p)",
            &[SERVICE, account],
        );
        out.strip_prefix("SOME:").map(str::to_owned)
    }

    /// How many items match (service, username) in the whole Secret Service.
    fn item_count(account: &str) -> usize {
        python(
            "c = secretstorage.dbus_init()\nprint(len(list(secretstorage.search_items(c, {'service': sys.argv[1], 'username': sys.argv[2]}))))",
            &[SERVICE, account],
        )
        .parse()
        .unwrap()
    }

    fn exposed(s: Option<Secret>) -> Option<String> {
        s.map(|s| s.expose().to_owned())
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn round_trip_in_a_real_keyring() {
        in_keyring_session("inner_session_round_trip");
    }

    #[test]
    #[ignore = "run by round_trip_in_a_real_keyring, inside tests/stack/keyring-session.sh"]
    fn inner_session_round_trip() {
        if !in_session() {
            return;
        }
        let account = "alice@idp.example.edu:8443".to_string();
        assert_eq!(account, "alice@idp.example.edu:8443");
        let t = Instant::now();
        assert_eq!(exposed(get(&account).unwrap()), None);
        eprintln!("keyring-timing case=real op=get-missing {:?}", t.elapsed());
        let t = Instant::now();
        set(&account, &Secret::new(PASSWORD)).unwrap();
        eprintln!("keyring-timing case=real op=set-new {:?}", t.elapsed());
        let t = Instant::now();
        assert_eq!(exposed(get(&account).unwrap()).as_deref(), Some(PASSWORD));
        eprintln!("keyring-timing case=real op=get {:?}", t.elapsed());
        set(&account, &Secret::new("second")).unwrap();
        assert_eq!(exposed(get(&account).unwrap()).as_deref(), Some("second"));
        assert_eq!(item_count(&account), 1, "set updates, never adds");
        // Another account stays apart.
        assert_eq!(exposed(get("bob@idp.example.edu:8443").unwrap()), None);
        let t = Instant::now();
        assert!(delete(&account).unwrap());
        eprintln!("keyring-timing case=real op=delete {:?}", t.elapsed());
        assert!(!delete(&account).unwrap());
        assert_eq!(exposed(get(&account).unwrap()), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_what_python_keyring_wrote() {
        in_keyring_session("inner_session_python_writes");
    }

    #[test]
    #[ignore = "run by reads_what_python_keyring_wrote, inside tests/stack/keyring-session.sh"]
    fn inner_session_python_writes() {
        if !in_session() {
            return;
        }
        let account = "user@host:8443";
        python_set(account, "pw");
        assert_eq!(exposed(get(account).unwrap()).as_deref(), Some("pw"));
        python_set(account, PASSWORD);
        assert_eq!(exposed(get(account).unwrap()).as_deref(), Some(PASSWORD));
        // Our update lands on Python's item, not beside it.
        set(account, &Secret::new("ours")).unwrap();
        assert_eq!(item_count(account), 1);
        assert_eq!(python_get(account).as_deref(), Some("ours"));
        assert!(delete(account).unwrap());
        assert_eq!(python_get(account), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn python_keyring_reads_what_we_wrote() {
        in_keyring_session("inner_session_we_write");
    }

    #[test]
    #[ignore = "run by python_keyring_reads_what_we_wrote, inside tests/stack/keyring-session.sh"]
    fn inner_session_we_write() {
        if !in_session() {
            return;
        }
        let account = "netid@shibboleth.illinois.edu".to_string();
        set(&account, &Secret::new(PASSWORD)).unwrap();
        assert_eq!(python_get(&account).as_deref(), Some(PASSWORD));
        set(&account, &Secret::new("changed")).unwrap();
        assert_eq!(python_get(&account).as_deref(), Some("changed"));
        // Python's set replaces our item (same attributes as its own) instead of adding a
        // second one that we might read stale.
        python_set(&account, "from-python");
        assert_eq!(item_count(&account), 1);
        assert_eq!(exposed(get(&account).unwrap()).as_deref(), Some("from-python"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn duplicates_read_newest_and_set_all() {
        in_keyring_session("inner_session_duplicates");
    }

    #[test]
    #[ignore = "run by duplicates_read_newest_and_set_all, inside tests/stack/keyring-session.sh"]
    fn inner_session_duplicates() {
        if !in_session() {
            return;
        }
        let account = "dup@idp.example.edu";
        // Two items for the same account, as another tool might leave them: the older one
        // first; the Secret Service's modification times have a one-second resolution.
        let make = "c = secretstorage.dbus_init()\n\
                    col = secretstorage.get_default_collection(c)\n\
                    col.create_item(sys.argv[4], {'service': sys.argv[1], 'username': sys.argv[2], 'tool': sys.argv[4]}, sys.argv[3].encode())";
        python(make, &[SERVICE, account, "old", "tool-a"]);
        std::thread::sleep(Duration::from_millis(1100));
        python(make, &[SERVICE, account, "new", "tool-b"]);
        assert_eq!(item_count(account), 2);
        assert_eq!(exposed(get(account).unwrap()).as_deref(), Some("new"));
        set(account, &Secret::new("both")).unwrap();
        assert_eq!(python_get(account).as_deref(), Some("both"));
        assert_eq!(exposed(get(account).unwrap()).as_deref(), Some("both"));
        assert!(delete(account).unwrap());
        assert_eq!(item_count(account), 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn locked_keyring_is_unavailable_without_a_prompt() {
        in_keyring_session("inner_session_locked");
    }

    #[test]
    #[ignore = "run by locked_keyring_is_unavailable_without_a_prompt, inside tests/stack/keyring-session.sh"]
    fn inner_session_locked() {
        if !in_session() {
            return;
        }
        let account = "netid@idp.example.edu:8443".to_string();
        set(&account, &Secret::new(PASSWORD)).unwrap();
        python(
            "c = secretstorage.dbus_init()\ncol = secretstorage.get_default_collection(c)\ncol.lock()\nassert col.is_locked()",
            &[],
        );
        assert_unavailable("locked", Duration::from_millis(500));
    }
}
