//! The commands that print credentials: the bare command and `process` (what `credential_process`
//! lines run: the JSON unless `-o` is on the command line) and `export` (`-o`, else the profile's
//! `output`, else exports for the shell in use). All of them go through [`login::credentials`]:
//! the same cache, lock and refresh.

use std::io::Write;

use crate::cli::ProfileArgs;
use crate::error::Error;
use crate::paths::Paths;
use crate::sink::{Choice, Format, Issued};
use crate::{config, login};

/// Who is asking: decides what happens without `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The bare command or `process`: always the credential_process JSON by default.
    Process,
    /// `export`: the profile's `output`, else exports for the detected shell.
    Export,
}

pub fn run(paths: &Paths, args: &ProfileArgs, flag: Option<Choice>, caller: Caller) -> Result<(), Error> {
    let choice = match (flag, caller) {
        (Some(choice), _) => choice,
        (None, Caller::Process) => Choice::Print(Format::Process),
        (None, Caller::Export) => profile_choice(paths, args)?.unwrap_or(Choice::DetectShell),
    };
    match choice.resolved() {
        Choice::Print(format) => print(paths, args, format),
        // Listed by `Choice`, but only once the credentials-file writer exists.
        Choice::CredentialsFile | Choice::DetectShell => Err(Error::BadSetting {
            key: "format",
            value: "credentials-file".into(),
            why: "it is not available in this version".into(),
        }),
    }
}

fn print(paths: &Paths, args: &ProfileArgs, format: Format) -> Result<(), Error> {
    let served = login::credentials(paths, args, false)?;
    let entry = served.entry();
    let region =
        format.wants_region().then(|| crate::aws::region::of_profile(&config::profile_name(args))).flatten();
    let issued = issued(entry, region.as_deref());
    let Some(text) = format.render(&issued)? else { return Ok(()) };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| Error::Unexpected(format!("cannot write to stdout: {e}")))
}

/// What the consumers get: the credentials, the role's account (when its ARN names one), and
/// `region` as found.
pub fn issued<'a>(entry: &'a crate::cache::Entry, region: Option<&'a str>) -> Issued<'a> {
    let account = entry.role.account();
    let account_id = (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account);
    Issued { credentials: &entry.credentials, account_id, region }
}

/// The profile's `output`, read into a choice; a name that is no format is a bad setting.
fn profile_choice(paths: &Paths, args: &ProfileArgs) -> Result<Option<Choice>, Error> {
    let Some(value) = config::output(paths, &config::profile_name(args))? else { return Ok(None) };
    match Choice::parse(&value) {
        Some(choice) => Ok(Some(choice)),
        None => Err(Error::BadSetting {
            key: "output",
            value: crate::text::shown(&value, 100),
            why: format!("it must be one of {}", Choice::NAMES[..12].join(", ")),
        }),
    }
}
