//! The commands that print credentials: the bare command and `process` (what `credential_process`
//! lines run: the JSON unless `-o` is on the command line) and `export` (`-o`, else the profile's
//! `output`, else exports for the shell in use). All of them go through [`login::credentials`]:
//! the same cache, lock and refresh.

use std::io::Write;

use crate::cli::{OutputArgs, ProfileArgs};
use crate::error::Error;
use crate::paths::Paths;
use crate::sink::shell::{self, Shell};
use crate::sink::{Choice, Format, Issued, credentials_file};
use crate::{config, login};

/// Who is asking: decides what happens without `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The bare command or `process`: always the credential_process JSON by default.
    Process,
    /// `export`: the profile's `output`, else exports for the detected shell.
    Export,
}

pub fn run(paths: &Paths, args: &ProfileArgs, output: &OutputArgs, caller: Caller) -> Result<(), Error> {
    // --credentials-file means -o credentials-file, and goes with no other format.
    let flag = match (output.format, &output.credentials_file) {
        (None, Some(_)) => Some(Choice::CredentialsFile),
        (Some(choice), Some(path)) if choice != Choice::CredentialsFile => {
            return Err(Error::BadSetting {
                key: "credentials-file",
                value: crate::text::shown(&path.display().to_string(), 200),
                why: "it goes with -o credentials-file only".into(),
            });
        }
        (flag, _) => flag,
    };
    let choice = match (flag, caller) {
        (Some(choice), _) => choice,
        (None, Caller::Process) => Choice::Print(Format::Process),
        (None, Caller::Export) => profile_choice(paths, args)?.unwrap_or(Choice::DetectShell),
    };
    match choice {
        Choice::Print(format) => print(paths, args, format),
        Choice::DetectShell => print(paths, args, Format::Shell(detected())),
        Choice::CredentialsFile => to_credentials_file(paths, args, output),
    }
}

/// The shell `-o env` means here.
fn detected() -> Shell {
    shell::detect(&|k: &str| std::env::var(k).ok())
}

fn print(paths: &Paths, args: &ProfileArgs, format: Format) -> Result<(), Error> {
    let served = login::credentials(paths, args, false)?;
    let entry = served.entry();
    let region =
        format.wants_region().then(|| crate::aws::region::of_profile(&config::profile_name(args))).flatten();
    let issued = issued(entry, region.as_deref());
    match format.render(&issued)? {
        Some(text) => stdout(&text),
        None => Ok(()),
    }
}

/// Writes the profile's section of a shared credentials file, then prints (for the shell in
/// use) the variables that point the AWS tools at it.
fn to_credentials_file(paths: &Paths, args: &ProfileArgs, output: &OutputArgs) -> Result<(), Error> {
    let profile = config::profile_name(args);
    let target = credentials_file::Target::new(output.credentials_file.as_deref())?;
    credentials_file::check(&target, &profile, output.force)?;
    let served = login::credentials(paths, args, false)?;
    let entry = served.entry();
    credentials_file::write(&target, &profile, &issued(entry, None))?;
    let (set, unset) = credentials_file::variables(&target, &profile);
    stdout(&shell::assignments(detected(), &set, &unset)?)
}

/// Prints `text` and a newline on stdout.
pub fn stdout(text: &str) -> Result<(), Error> {
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
            why: format!("it must be one of {}", Choice::NAMES.join(", ")),
        }),
    }
}
