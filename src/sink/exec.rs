//! `aws-login exec -- CMD…`: CMD with the credentials and region in its environment and every
//! competing AWS variable removed, in place of aws-login (Unix `execve`: the child gets our pid,
//! our signals and our exit status). The child's environment is marked with the profile, so a
//! nested `exec` for another profile is refused rather than mixing two identities.

use std::borrow::Cow;
use std::ffi::OsString;
use std::process::Command;

use crate::cli::ProfileArgs;
use crate::error::Error;
use crate::paths::Paths;
use crate::{config, login};

/// The variable that marks a child of `aws-login exec`, holding the profile.
pub const MARK: &str = "AWS_LOGIN_PROFILE";

/// Runs `command` (program and arguments) and, on Unix, never returns unless it cannot start.
/// With `server`, the credentials come from a local credentials server beside it instead.
pub fn exec(
    paths: &Paths,
    args: &ProfileArgs,
    allow_nesting: bool,
    server: bool,
    command: &[OsString],
) -> Result<i32, Error> {
    let profile = config::profile_name(args);
    if let Some(outer) = std::env::var(MARK).ok().filter(|o| !o.is_empty())
        && outer != profile
        && !allow_nesting
    {
        return Err(Error::Nested { outer, inner: profile });
    }
    if server {
        return super::serve::exec(args, command);
    }
    let Some((program, rest)) = command.split_first() else {
        return Err(Error::Unexpected("exec needs a command after --".into()));
    };
    let served = login::credentials(paths, args, false)?;
    let region = crate::aws::region::of_profile(&profile);
    let issued = crate::export::issued(served.entry(), region.as_deref());
    let (set, unset) = crate::sink::shell::variables(&issued);
    run(command_for(program, rest, &set, &unset, &profile), &program.to_string_lossy())
}

/// `program rest…` with `unset` removed from the environment, `set` set, and the mark.
pub fn command_for(
    program: &OsString,
    rest: &[OsString],
    set: &[(&'static str, Cow<'_, str>)],
    unset: &[&'static str],
    profile: &str,
) -> Command {
    let mut child = Command::new(program);
    child.args(rest);
    for key in unset {
        child.env_remove(key);
    }
    for (key, value) in set {
        child.env(key, value.as_ref());
    }
    child.env(MARK, profile);
    child
}

/// Replaces this process with the child.
#[cfg(unix)]
fn run(mut child: Command, program: &str) -> Result<i32, Error> {
    use std::os::unix::process::CommandExt;
    // Returns only if the exec failed.
    Err(not_started(child.exec(), program))
}

/// Without exec: the child runs beside us, and its status is ours.
#[cfg(not(unix))]
fn run(mut child: Command, program: &str) -> Result<i32, Error> {
    let status = child.status().map_err(|e| not_started(e, program))?;
    Ok(status.code().unwrap_or(crate::error::exit::UNEXPECTED))
}

/// 127 for a command that is not there, 126 for one that cannot be run, as shells say.
pub fn not_started(e: std::io::Error, program: &str) -> Error {
    let program = crate::text::shown(program, 200);
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::CommandNotFound { program },
        std::io::ErrorKind::PermissionDenied => {
            Error::CannotExecute { program, detail: "permission denied; check that it is executable".into() }
        }
        _ => Error::CannotExecute { program, detail: e.to_string() },
    }
}
