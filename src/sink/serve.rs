//! `aws-login serve` and `aws-login exec --server`: the local credentials server
//! ([`super::ecs_server`]) kept fresh by [`super::refresh`]. `serve` prints the variables that
//! point an SDK at it and serves until Ctrl-C (or SIGTERM/SIGHUP). With `exec --server` the
//! server runs beside the child, which cannot replace us: signals sent to aws-login are passed
//! on to it (a Ctrl-C at the terminal already reached it), and its exit status becomes ours.

use std::borrow::Cow;
use std::ffi::OsString;
use std::sync::{Arc, Mutex};

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};

use super::ecs_server::Server;
use super::refresh::{Fetcher, State};
use super::shell::{self, COMPETING};
use crate::cli::ProfileArgs;
use crate::error::Error;

/// The variables an SDK needs to use the server, and those that would beat it.
fn variables(server: &Server, region: Option<&str>) -> Result<shell::Env<'static>, Error> {
    let mut set = vec![
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", Cow::Owned(server.url()?)),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", Cow::Owned(server.token().to_string())),
    ];
    if let Some(region) = region {
        set.push(("AWS_REGION", Cow::Owned(region.to_string())));
        set.push(("AWS_DEFAULT_REGION", Cow::Owned(region.to_string())));
    }
    // Keys in the environment come first in every SDK's chain; the relative URI beats the full one.
    let keys = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_ACCOUNT_ID",
    ];
    let unset = keys.into_iter().chain(COMPETING).filter(|k| !set.iter().any(|(s, _)| s == k)).collect();
    Ok((set, unset))
}

/// Fetches the first credentials (at the terminal), binds the server and starts its threads.
fn start(args: &ProfileArgs) -> Result<Server, Error> {
    let profile = crate::config::profile_name(args);
    let fetcher = Fetcher::new(args)?;
    let held = fetcher.first().map_err(|(message, code)| Error::Relayed { message, code })?;
    let state = Arc::new(Mutex::new(State { held: Some(held), failure: None }));
    let server = Server::bind(state.clone(), &profile)?;
    std::thread::spawn(move || super::refresh::keep_fresh(fetcher, state));
    Ok(server)
}

/// `aws-login serve`: prints the exports for the shell in use, then serves until stopped.
pub fn serve(args: &ProfileArgs) -> Result<(), Error> {
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(|e| Error::Unexpected(format!("cannot watch for Ctrl-C: {e}")))?;
    let profile = crate::config::profile_name(args);
    let server = start(args)?;
    let region = crate::aws::region::of_profile(&profile);
    let (set, unset) = variables(&server, region.as_deref())?;
    let lines = shell::assignments(shell::detect(&|k: &str| std::env::var(k).ok()), &set, &unset)?;
    let url = server.url()?;
    crate::export::stdout(&lines)?;
    eprintln!(
        "{}",
        crate::text::shown(&format!("aws-login: serving profile '{profile}' on {url} until Ctrl-C"), 2000)
    );
    std::thread::spawn(move || server.run());
    // Any of them stops the server; its threads end with the process.
    let _ = signals.forever().next();
    Ok(())
}

/// `aws-login exec --server -- CMD…`: returns the child's exit status (128 + the signal that
/// ended it, as shells report).
pub fn exec(args: &ProfileArgs, command: &[OsString]) -> Result<i32, Error> {
    use signal_hook::iterator::exfiltrator::WithOrigin;
    let Some((program, rest)) = command.split_first() else {
        return Err(Error::Unexpected("exec needs a command after --".into()));
    };
    // Registered before the child exists, so no signal meant for it is lost.
    let mut signals =
        signal_hook::iterator::SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
            .map_err(|e| Error::Unexpected(format!("cannot watch for signals: {e}")))?;
    let profile = crate::config::profile_name(args);
    let server = start(args)?;
    let region = crate::aws::region::of_profile(&profile);
    let (set, unset) = variables(&server, region.as_deref())?;
    std::thread::spawn(move || server.run());
    let mut child = super::exec::command_for(program, rest, &set, &unset, &profile)
        .spawn()
        .map_err(|e| super::exec::not_started(e, &program.to_string_lossy()))?;
    let pid = child.id() as i32;
    std::thread::spawn(move || {
        for origin in signals.forever() {
            // One typed at the terminal reached the child's process group already.
            let sent = origin.process.is_some();
            let pid = rustix::process::Pid::from_raw(pid);
            let signal = rustix::process::Signal::from_named_raw(origin.signal);
            if let (true, Some(pid), Some(signal)) = (sent, pid, signal) {
                let _ = rustix::process::kill_process(pid, signal);
            }
        }
    });
    let status = child.wait().map_err(|e| Error::Unexpected(format!("cannot wait for the command: {e}")))?;
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Ok(128 + signal);
        }
    }
    Ok(status.code().unwrap_or(crate::error::exit::UNEXPECTED))
}
