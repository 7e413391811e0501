//! The `-o/--format` names and a profile's `output` setting, read into what to do.

use super::Format;
use super::shell::Shell;

/// What `-o F` asks for. `env` is resolved against the environment when it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Print(Format),
    /// Exports for the shell the environment names.
    DetectShell,
    /// Write the credentials into a shared credentials file.
    CredentialsFile,
}

impl Choice {
    /// Every name, in the order the help lists them (`pwsh` is also taken, for `powershell`).
    pub const NAMES: [&str; 12] = [
        "process",
        "env",
        "bash",
        "zsh",
        "sh",
        "fish",
        "powershell",
        "cmd",
        "boto",
        "js",
        "credentials-file",
        "none",
    ];

    pub fn parse(name: &str) -> Option<Choice> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "process" => Choice::Print(Format::Process),
            "env" => Choice::DetectShell,
            "bash" | "zsh" | "sh" => Choice::Print(Format::Shell(Shell::Sh)),
            "fish" => Choice::Print(Format::Shell(Shell::Fish)),
            "powershell" | "pwsh" => Choice::Print(Format::Shell(Shell::PowerShell)),
            "cmd" => Choice::Print(Format::Shell(Shell::Cmd)),
            "boto" => Choice::Print(Format::Boto),
            "js" => Choice::Print(Format::Js),
            "credentials-file" => Choice::CredentialsFile,
            "none" => Choice::Print(Format::None),
            _ => return None,
        })
    }
}

/// For clap: `-o NAME`.
pub fn parse_flag(name: &str) -> Result<Choice, String> {
    Choice::parse(name)
        .ok_or_else(|| format!("'{name}' is not an output format: use one of {}", Choice::NAMES.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_and_nothing_else() {
        for name in Choice::NAMES.into_iter().chain(["pwsh"]) {
            assert!(Choice::parse(name).is_some(), "{name}");
        }
        assert_eq!(Choice::parse(" ZSH "), Some(Choice::Print(Format::Shell(Shell::Sh))));
        for bad in ["", "json", "bash;", "credentials_file"] {
            assert!(Choice::parse(bad).is_none(), "{bad}");
        }
        assert!(parse_flag("json").unwrap_err().contains("credentials-file"));
    }
}
