//! A person at a terminal: runs aws-login on a pseudo-terminal (its controlling terminal, so
//! `/dev/tty` is the pty), with stdout redirected to a file so tests can tell what went to the
//! person from what went to the machine.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::{Expect, Session};

use super::{BIN, Home, Stack};

pub struct Tty {
    session: expectrl::session::OsSession,
    stdout: PathBuf,
    _dir: tempfile::TempDir,
    /// For the secrets sweep: everything shown so far, and what this home knows.
    shown: String,
    known: super::sweep::Known,
    home: PathBuf,
    what: String,
}

impl Home {
    /// Starts `aws-login ARGS` on a terminal; stdout goes to a file, stderr to the terminal.
    pub fn tty(&self, stack: &Stack, args: &[&str]) -> Tty {
        self.tty_with_env(stack, args, &[])
    }

    pub fn tty_with_env(&self, stack: &Stack, args: &[&str], env: &[(&str, &str)]) -> Tty {
        self.tty_under(stack, &[], args, env)
    }

    /// [`Home::tty_with_env`] with aws-login started through `wrapper` (e.g. strace and its
    /// options, ending in `--`).
    pub fn tty_under(&self, stack: &Stack, wrapper: &[&str], args: &[&str], env: &[(&str, &str)]) -> Tty {
        let dir = tempfile::tempdir().unwrap();
        let stdout = dir.path().join("stdout");
        let mut c = Command::new("sh");
        // After aws-login exits, the shell reports the terminal's echo setting on the same pty.
        // Its own SIGINT trap keeps it alive when Ctrl-C reaches the whole foreground group.
        // The pty starts without echo; a person's terminal echoes, so turn it on first.
        let script = r#"stty echo; trap 'true' INT; out="$1"; shift; "$@" >"$out"; rc=$?
printf '\nECHO:%s\n' "$(stty -a | tr ' ;' '\n\n' | grep -x -- '-\{0,1\}echo')"; exit $rc"#;
        c.arg("-c").arg(script).arg("sh").arg(&stdout).args(wrapper).arg(BIN);
        c.args(super::sweep::extra_args(args)).args(args);
        self.known().learn(self.path(), args);
        self.env(&mut c);
        c.env("AWS_ENDPOINT_URL_STS", &stack.sts_url).envs(env.iter().copied());
        let mut session = Session::spawn(c).unwrap();
        session.set_expect_timeout(Some(Duration::from_secs(30)));
        Tty {
            session,
            stdout,
            _dir: dir,
            shown: String::new(),
            known: self.known().clone(),
            home: self.path().to_path_buf(),
            what: format!("aws-login {} (at a terminal)", args.join(" ")),
        }
    }
}

impl Tty {
    /// Waits for `text` on the terminal; returns everything shown before it.
    pub fn expect(&mut self, text: &str) -> String {
        match self.session.expect(text) {
            Ok(found) => {
                let before = String::from_utf8_lossy(found.before()).into_owned();
                self.shown.push_str(&before);
                self.shown.push_str(text);
                before
            }
            Err(e) => panic!("{e}: waiting for {text:?}"),
        }
    }

    /// The session's process (the shell that runs aws-login); its id is also the session id.
    pub fn pid(&self) -> i32 {
        self.session.get_process().pid().as_raw()
    }

    pub fn send_line(&mut self, line: &str) {
        self.session.send_line(line).unwrap();
    }

    /// Sends raw bytes: keys such as Esc (`"\x1b"`) or Ctrl-C (`"\x03"`).
    pub fn send(&mut self, keys: &str) {
        self.session.send(keys).unwrap();
    }

    /// Waits for the exit; returns the exit code (or 128 + signal), stdout, and the rest of the
    /// terminal output.
    pub fn finish(self) -> (i32, String, String) {
        let (code, stdout, screen, _) = self.finish_with_echo();
        (code, stdout, screen)
    }

    /// [`Tty::finish`], plus whether the terminal echoes input after the exit (a program that
    /// turned echo off for a password must turn it back on, even when interrupted).
    pub fn finish_with_echo(mut self) -> (i32, String, String, bool) {
        // A run that waits for an answer nobody sends must fail the test, not hang it: after
        // two minutes the whole session (the shell and aws-login) is killed.
        let pid = self.session.get_process().pid();
        let (done, finished) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let waited = finished.recv_timeout(Duration::from_secs(120));
            if waited == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                let _ = Command::new("pkill").args(["-KILL", "-s", &pid.to_string()]).status();
            }
        });
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut self.session, &mut rest);
        drop(done);
        let code = match self.session.get_process().wait().unwrap() {
            WaitStatus::Exited(_, code) => code,
            WaitStatus::Signaled(_, sig, _) => 128 + sig as i32,
            other => panic!("unexpected status {other:?}"),
        };
        let stdout = std::fs::read_to_string(&self.stdout).unwrap_or_default();
        let screen = String::from_utf8_lossy(&rest).into_owned();
        self.known.learn(&self.home, &[]);
        self.known.check(&self.home, &self.what, &stdout, &format!("{}{screen}", self.shown));
        let echo = match screen.rsplit_once("ECHO:") {
            Some((_, state)) => state.trim_start().starts_with("echo"),
            None => panic!("no echo report: {screen}"),
        };
        (code, stdout, screen, echo)
    }
}
