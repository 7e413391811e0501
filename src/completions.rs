//! Shell completions and manual pages, generated from the one command-line definition in
//! `cli.rs` (clap_complete, clap_mangen), so they can never disagree with `--help`. Printed on
//! stdout; nothing installs them (the README says where each shell looks).

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;

/// Writes the completion script for `shell` to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<(), Error> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "aws-login", &mut script);
    if shell == clap_complete::Shell::Bash {
        script = bash_fixed(&script);
    }
    out.write_all(&script).and_then(|()| out.flush()).map_err(stdout_error)
}

/// Writes the roff manual page of aws-login, or of its command `command` (as
/// `aws-login-<command>(1)`, the name git and cargo give theirs), to `out`.
pub fn man(command: Option<&str>, out: &mut dyn Write) -> Result<(), Error> {
    let mut top = Cli::command();
    // Builds the help of every command (globals propagated, `help` added), as --help shows it.
    top.build();
    let page = match command.and_then(|name| top.find_subcommand(name)) {
        // The name was checked when the command line was parsed.
        None => top,
        Some(sub) => {
            let page_name = format!("aws-login-{}", sub.get_name());
            sub.clone().name(page_name).version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).render(&mut roff).map_err(stdout_error)?;
    out.write_all(&roff).and_then(|()| out.flush()).map_err(stdout_error)
}

/// clap_complete's bash script spells a hyphenated program's states two ways (clap-rs/clap#6421,
/// open): the loop over the words reaches `aws__login__subcmd__doctor`, but the case arms say
/// `aws__subcmd__login__subcmd__doctor`, so nothing after a command ever completes. The arms
/// are respelled the loop's way; once clap fixes it, this replaces nothing.
fn bash_fixed(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script).replace("aws__subcmd__login", "aws__login").into_bytes()
}

fn stdout_error(e: std::io::Error) -> Error {
    Error::Unexpected(format!("cannot write to stdout: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command's help ends with two or three examples, each a line running aws-login:
    /// walked from the definition, so a command added later is held to it too.
    #[test]
    fn every_command_ends_with_two_or_three_examples() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut checked = 0;
        for c in std::iter::once(&cmd).chain(cmd.get_subcommands().filter(|c| c.get_name() != "help")) {
            let after = c.get_after_help().map(|s| s.to_string()).unwrap_or_default();
            let examples =
                after.strip_prefix("Examples:\n").unwrap_or_else(|| panic!("{}: {after}", c.get_name()));
            let lines: Vec<_> = examples.lines().collect();
            assert!((2..=3).contains(&lines.len()), "{}: {after}", c.get_name());
            assert!(lines.iter().all(|l| l.contains("aws-login ")), "{}: {after}", c.get_name());
            checked += 1;
        }
        assert!(checked >= 10, "{checked}");
    }

    #[test]
    fn man_pages_for_aws_login_and_each_command() {
        let mut out = Vec::new();
        man(None, &mut out).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(page.contains(".TH aws-login 1"), "{page}");
        for sub in ["login", "list-profiles", "doctor"] {
            // roff escapes each hyphen.
            assert!(page.contains(&format!("aws\\-login\\-{}(1)", sub.replace('-', "\\-"))), "lists {sub}");
            let mut out = Vec::new();
            man(Some(sub), &mut out).unwrap();
            let page = String::from_utf8(out).unwrap();
            assert!(page.contains(&format!(".TH aws-login-{sub} 1")), "{page}");
        }
        let e = Cli::try_parse_args_from(["aws-login", "man", "nope"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("doctor"), "{e}");
    }
}
