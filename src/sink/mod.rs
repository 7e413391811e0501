//! Where credentials go once we have them. The printed outputs are a [`Format`], rendered by
//! pure functions (golden-tested); outputs that act (a credentials file, exec, a local
//! credentials server, the console) are commands of their own, not formats.

pub mod choice;
pub mod console;
pub mod credentials_file;
pub mod ecs_server;
pub mod exec;
pub mod process;
pub mod refresh;
pub mod sdk_json;
pub mod serve;
pub mod shell;

pub use choice::Choice;

use crate::credentials::Credentials;
use crate::error::Error;

/// What is printed on stdout for a machine to read. Adding an output format is one arm here
/// and one pure `render` function beside `process.rs`, with its golden file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The `credential_process` JSON the AWS CLI and SDKs read.
    Process,
    /// Shell lines that set the variables, for `eval` / `Invoke-Expression` / a batch file.
    Shell(shell::Shell),
    /// Keyword arguments for `boto3.client(**args)`.
    Boto,
    /// An AWS JS SDK v3 client's `credentials`.
    Js,
    /// Nothing: warms the cache.
    None,
}

/// Credentials and what else the consumers can use: the account (from the role) and the
/// region (from the environment or the AWS profile), each when known.
#[derive(Debug, Clone, Copy)]
pub struct Issued<'a> {
    pub credentials: &'a Credentials,
    pub account_id: Option<&'a str>,
    pub region: Option<&'a str>,
}

impl Format {
    /// The text to print, without the final newline; `None` prints nothing at all. A shell that
    /// cannot carry a value safely is refused with [`Error::UnsafeValue`].
    pub fn render(self, issued: &Issued<'_>) -> Result<Option<String>, Error> {
        Ok(Some(match self {
            Format::Process => process::to_json(issued),
            Format::Shell(shell) => shell::render(shell, issued)?,
            Format::Boto => sdk_json::boto(issued),
            Format::Js => sdk_json::js(issued),
            Format::None => return Ok(None),
        }))
    }

    /// Whether the region is printed (so worth looking up).
    pub fn wants_region(self) -> bool {
        matches!(self, Format::Shell(_))
    }
}

/// RFC 3339 in UTC with a `Z`, as every SDK parses it.
pub fn expiration(c: &Credentials) -> String {
    use time::format_description::well_known::Rfc3339;
    c.expiration.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::secret::Secret;
    use shell::Shell;

    pub fn example() -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("wJalr/K7MDENG+bPxRfi\"CYEXAMPLEKEY"),
            session_token: Secret::new("FwoGZXIvYXdzEXAMPLE=="),
            expiration: time::macros::datetime!(2026-11-22 15:00:00 +01:00),
        }
    }

    pub fn golden(file: &str) -> String {
        let path = format!("{}/fixtures/sink/{file}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")).trim_end().to_string()
    }

    /// Every format against its golden file in `fixtures/sink/`.
    #[test]
    fn formats_match_their_golden_files() {
        let c = example();
        let issued = Issued { credentials: &c, account_id: Some("111122223333"), region: Some("eu-west-1") };
        let render = |f: Format| f.render(&issued).unwrap().unwrap();
        assert_eq!(render(Format::Process), golden("process.json"));
        assert_eq!(render(Format::Shell(Shell::Sh)), golden("sh.txt"));
        assert_eq!(render(Format::Shell(Shell::Fish)), golden("fish.txt"));
        assert_eq!(render(Format::Shell(Shell::PowerShell)), golden("powershell.txt"));
        assert_eq!(render(Format::Boto), golden("boto.json"));
        assert_eq!(render(Format::Js), golden("js.json"));
        assert_eq!(Format::None.render(&issued).unwrap(), None);
        // The example's secret holds a `"`, which cmd cannot carry: see shell.rs for cmd's golden.
        assert!(matches!(Format::Shell(Shell::Cmd).render(&issued), Err(Error::UnsafeValue { .. })));
    }

    /// Without an account and a region, they are left out rather than printed empty.
    #[test]
    fn unknown_account_and_region_are_left_out() {
        let c = example();
        let issued = Issued { credentials: &c, account_id: None, region: None };
        assert_eq!(Format::Process.render(&issued).unwrap().unwrap(), golden("process-no-account.json"));
        assert_eq!(Format::Shell(Shell::Sh).render(&issued).unwrap().unwrap(), golden("sh-no-region.txt"));
    }
}
