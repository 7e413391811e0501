//! Opening a URL in the person's browser: the profile's `browser` command, else `$BROWSER`,
//! else the platform's opener. The command is run directly (no shell) and waited for, as
//! Python's `webbrowser` does with `$BROWSER`, so a failure is reported rather than lost.

use std::process::{Command, Stdio};

use crate::error::Error;
use crate::ini_edit::shell_split;
use crate::secret::Secret;

/// The platform's opener when neither the profile nor `$BROWSER` names a browser.
#[cfg(target_os = "macos")]
const OPENER: &str = "open";
#[cfg(not(target_os = "macos"))]
const OPENER: &str = "xdg-open";

/// Whether a browser can be shown here: a graphical session on Linux and the BSDs
/// (`$DISPLAY` or `$WAYLAND_DISPLAY`), always on macOS.
pub fn display_available(env: &dyn Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    cfg!(target_os = "macos") || set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// The command line to run, as words: the profile's `browser`, else the first entry of
/// `$BROWSER` (a `:`-separated list by its old convention), else the platform's opener.
pub fn command(profile_browser: Option<&str>, env_browser: Option<&str>) -> Result<Vec<String>, Error> {
    let chosen = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let (key, line) = match (chosen(profile_browser), chosen(env_browser)) {
        (Some(line), _) => ("browser", line),
        (None, Some(list)) => ("BROWSER", list.split(':').next().unwrap_or_default().to_string()),
        (None, None) => return Ok(vec![OPENER.to_string()]),
    };
    match shell_split(&line) {
        Some(words) if !words.is_empty() => Ok(words),
        _ => Err(Error::BadSetting {
            key,
            value: crate::text::shown(&line, 200),
            why: "it is not a command line (an unclosed quote?); write it as a program and its arguments"
                .into(),
        }),
    }
}

/// Runs `words` with `url`: in place of `%s` where a word holds it, else as the last argument,
/// and waits for it. The browser's own output goes to stderr: stdout is for machines.
pub fn open(words: &[String], url: &Secret) -> Result<(), Error> {
    let mut started = spawn(words, url)?;
    let status =
        started.child.wait().map_err(|e| started.failed(format!("it could not be waited for: {e}")))?;
    started.outcome(status)
}

/// A browser command started and not yet waited for: a sign-in's loopback listener must serve
/// the redirect while the command runs (a scripted browser exits only once it has followed it).
#[derive(Debug)]
pub struct Started {
    pub child: std::process::Child,
    shown: String,
}

impl Started {
    fn failed(&self, detail: String) -> Error {
        Error::BrowserFailed { command: self.shown.clone(), detail }
    }

    /// What the command's exit status says: nothing when it succeeded, else why it failed.
    pub fn outcome(&self, status: std::process::ExitStatus) -> Result<(), Error> {
        match status.code() {
            Some(0) => Ok(()),
            Some(code) => Err(self.failed(format!("it exited with status {code}"))),
            None => Err(self.failed("it was killed by a signal".into())),
        }
    }
}

/// Starts `words` with `url` as [`open`] does, without waiting.
pub fn spawn(words: &[String], url: &Secret) -> Result<Started, Error> {
    let (program, args) =
        words.split_first().ok_or_else(|| Error::Unexpected("no browser command".into()))?;
    let mut args: Vec<String> = args.to_vec();
    let placed = args.iter().any(|a| a.contains("%s"));
    if placed {
        for a in &mut args {
            *a = a.replace("%s", url.expose());
        }
    } else {
        args.push(url.expose().to_string());
    }
    let shown = crate::text::shown(program, 200);
    let failed = |detail: String| Error::BrowserFailed { command: shown.clone(), detail };
    crate::log::debug(1, &format!("opening the sign-in URL with {shown}"));
    let child =
        Command::new(program).args(&args).stdin(Stdio::null()).stdout(to_stderr()).spawn().map_err(|e| {
            match e.kind() {
                std::io::ErrorKind::NotFound => failed("no such program".into()),
                std::io::ErrorKind::PermissionDenied => failed("it is not executable".into()),
                _ => failed(format!("it could not be started: {e}")),
            }
        })?;
    Ok(Started { child, shown })
}

/// The child's stdout, pointed at our stderr.
fn to_stderr() -> Stdio {
    use std::os::fd::AsFd;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => Stdio::from(fd),
        Err(_) => Stdio::null(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_then_browser_then_the_platform() {
        assert_eq!(
            command(Some("firefox --new-window"), Some("chromium")).unwrap(),
            ["firefox", "--new-window"]
        );
        assert_eq!(command(Some("  "), Some("w3m:lynx")).unwrap(), ["w3m"]);
        assert_eq!(command(None, Some("'/opt/my browser/run' %s")).unwrap(), ["/opt/my browser/run", "%s"]);
        assert_eq!(command(None, None).unwrap(), [OPENER]);
        let e = command(Some("firefox 'oops"), None).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING);
        assert!(e.to_string().starts_with("browser = 'firefox 'oops' is not valid"), "{e}");
    }

    #[test]
    fn a_display_is_a_non_empty_display_variable() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        if cfg!(target_os = "macos") {
            return;
        }
        assert!(display_available(&env(&[("DISPLAY", ":0")])));
        assert!(display_available(&env(&[("WAYLAND_DISPLAY", "wayland-0")])));
        assert!(!display_available(&env(&[("DISPLAY", "")])));
        assert!(!display_available(&env(&[])));
    }

    #[test]
    fn failures_say_what_went_wrong() {
        let url = Secret::new("https://signin.example/federation?SigninToken=tok-123");
        let e = open(&["/nonexistent/browser".into()], &url).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::BROWSER);
        assert!(e.to_string().contains("(no such program)") && !e.to_string().contains("tok-123"), "{e}");
        let e = open(&["false".into()], &url).unwrap_err().to_string();
        assert!(e.contains("exited with status 1"), "{e}");
        open(&["true".into(), "--x=%s".into()], &url).unwrap();
    }
}
