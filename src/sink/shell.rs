//! Shell lines that put the credentials in the current shell's environment: `eval "$(aws-login
//! -o bash)"`, `aws-login -o fish | source`, `aws-login -o powershell | Invoke-Expression`, or a
//! cmd batch file. Every value is quoted for its shell; where a shell cannot carry a value
//! safely (cmd and a `"`, `%` or newline; a NUL anywhere) the output is refused, never guessed.

use std::borrow::Cow;

use super::Issued;
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// POSIX sh, bash, zsh, ksh, dash: `export K='v'`.
    Sh,
    /// `set -gx K 'v'`.
    Fish,
    /// `$Env:K = 'v'`, for Windows PowerShell 5.1 and PowerShell 7.
    PowerShell,
    /// `set "K=v"` for the current cmd.exe (never `setx`, which persists and skips it).
    Cmd,
}

/// Variables that would compete with the ones set, or contradict them: a profile the SDK would
/// prefer or mix in, another credential source, the legacy token name. Unset by every export
/// and scrubbed by `exec`.
pub const COMPETING: [&str; 10] = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];

/// Variables to set (in order, with their values) and to unset.
pub type Env<'a> = (Vec<(&'static str, Cow<'a, str>)>, Vec<&'static str>);

/// The variables to set, in order, and those to unset: [`COMPETING`], and `AWS_ACCOUNT_ID` when
/// the account is unknown (a stale one would route requests to another account's endpoint).
/// The region is set as both `AWS_REGION` (the SDKs) and `AWS_DEFAULT_REGION` (the AWS CLI and
/// botocore), and left alone when unknown.
pub fn variables<'a>(issued: &Issued<'a>) -> Env<'a> {
    let c = issued.credentials;
    let mut set: Vec<(&'static str, Cow<'a, str>)> = vec![
        ("AWS_ACCESS_KEY_ID", Cow::Borrowed(c.access_key_id.as_str())),
        ("AWS_SECRET_ACCESS_KEY", Cow::Borrowed(c.secret_access_key.expose())),
        ("AWS_SESSION_TOKEN", Cow::Borrowed(c.session_token.expose())),
        ("AWS_CREDENTIAL_EXPIRATION", Cow::Owned(super::expiration(c))),
    ];
    let mut unset = COMPETING.to_vec();
    match issued.account_id {
        Some(account) => set.push(("AWS_ACCOUNT_ID", Cow::Borrowed(account))),
        None => unset.push("AWS_ACCOUNT_ID"),
    }
    if let Some(region) = issued.region {
        set.push(("AWS_REGION", Cow::Borrowed(region)));
        set.push(("AWS_DEFAULT_REGION", Cow::Borrowed(region)));
    }
    (set, unset)
}

/// The lines for `shell`, unsets first.
pub fn render(shell: Shell, issued: &Issued<'_>) -> Result<String, Error> {
    let (set, unset) = variables(issued);
    assignments(shell, &set, &unset)
}

/// Lines for `shell` that unset `unset`, then set `set`, each value quoted.
pub fn assignments(
    shell: Shell,
    set: &[(&'static str, Cow<'_, str>)],
    unset: &[&'static str],
) -> Result<String, Error> {
    let mut lines = Vec::new();
    match shell {
        _ if unset.is_empty() => {}
        Shell::Sh => lines.push(format!("unset {}", unset.join(" "))),
        // `set -e` fails for a variable that was not set, and fish's `set` keeps that status,
        // which would make `| source` look failed.
        Shell::Fish => lines.push(format!("set -e {}; or true", unset.join(" "))),
        Shell::PowerShell => {
            lines.extend(unset.iter().map(|k| format!("Remove-Item Env:\\{k} -ErrorAction SilentlyContinue")))
        }
        Shell::Cmd => lines.extend(unset.iter().map(|k| format!("set \"{k}=\""))),
    }
    for (key, value) in set {
        if value.contains('\0') {
            return Err(refused(shell, key, "a NUL byte, which no environment variable can hold"));
        }
        lines.push(match shell {
            Shell::Sh => format!("export {key}={}", sh_quote(value)),
            Shell::Fish => format!("set -gx {key} {}", fish_quote(value)),
            Shell::PowerShell => format!("$Env:{key} = {}", powershell_quote(value)),
            Shell::Cmd => format!("set \"{key}={}\"", cmd_checked(key, value)?),
        });
    }
    Ok(lines.join("\n"))
}

/// Single quotes, in which sh takes every byte literally; a `'` ends them, is escaped, and
/// they start again.
fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

/// fish's single quotes take everything literally but `\\` and `\'`.
fn fish_quote(v: &str) -> String {
    format!("'{}'", v.replace('\\', r"\\").replace('\'', r"\'"))
}

/// PowerShell's single-quoted string, in which only a quote needs doubling, and PowerShell
/// counts the typographic single quotes (U+2018–U+201B) as quotes too. Control characters
/// (a newline would split the line `Invoke-Expression` runs) are joined in as `[char]0xNN`.
fn powershell_quote(v: &str) -> String {
    let mut parts = Vec::new();
    let mut literal = String::new();
    for c in v.chars() {
        match c {
            c if c.is_control() => {
                parts.push(format!("'{literal}'"));
                literal.clear();
                parts.push(format!("[char]0x{:02X}", c as u32));
            }
            '\'' | '\u{2018}'..='\u{201B}' => {
                literal.push(c);
                literal.push(c);
            }
            c => literal.push(c),
        }
    }
    parts.push(format!("'{literal}'"));
    // A leading `'' + [char]…` keeps the expression a string whatever comes first.
    parts.join(" + ")
}

/// cmd takes everything inside `set "K=v"` literally (`^ & | < >` included) except `%` and `!`
/// (expanded even there), a `"` (which ends the quoting) and line breaks. Non-ASCII text is
/// read in the console's code page, so it is refused too.
fn cmd_checked<'v>(key: &'static str, v: &'v str) -> Result<&'v str, Error> {
    let bad = v.chars().find_map(|c| match c {
        '"' => Some("a double quote"),
        '%' => Some("a percent sign"),
        '!' => Some("an exclamation mark"),
        '\n' | '\r' => Some("a line break"),
        c if c.is_control() => Some("a control character"),
        c if !c.is_ascii() => Some("a non-ASCII character"),
        _ => None,
    });
    match bad {
        Some(what) => Err(refused(Shell::Cmd, key, what)),
        None => Ok(v),
    }
}

fn refused(shell: Shell, key: &'static str, what: &'static str) -> Error {
    let (name, other) = match shell {
        Shell::Cmd => ("cmd", "-o powershell"),
        _ => ("a shell", "-o process"),
    };
    Error::UnsafeValue { key, what, shell: name, other }
}

/// The shell for `-o env`: `$SHELL` names it on Unix (fish, pwsh, else a POSIX shell); without
/// it (Windows), cmd sets `PROMPT` for what it runs and PowerShell sets `PSModulePath`.
pub fn detect(var: &dyn Fn(&str) -> Option<String>) -> Shell {
    let set = |k: &str| var(k).filter(|v| !v.is_empty());
    if let Some(shell) = set("SHELL") {
        let name = shell.rsplit(['/', '\\']).next().unwrap_or("").to_ascii_lowercase();
        let name = name.strip_suffix(".exe").unwrap_or(&name);
        return match name {
            "fish" => Shell::Fish,
            "pwsh" | "powershell" => Shell::PowerShell,
            _ => Shell::Sh,
        };
    }
    if set("PROMPT").is_some() {
        Shell::Cmd
    } else if set("PSModulePath").is_some() {
        Shell::PowerShell
    } else {
        Shell::Sh
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Credentials;
    use crate::secret::Secret;
    use crate::sink::tests::golden;

    fn with_secret(secret: &str) -> Credentials {
        Credentials { secret_access_key: Secret::new(secret), ..crate::sink::tests::example() }
    }

    fn lines(shell: Shell, c: &Credentials) -> Result<String, Error> {
        render(shell, &Issued { credentials: c, account_id: Some("111122223333"), region: Some("us-east-1") })
    }

    /// Quotes, `$`, backticks, `%`, `^`, `!`, `&`, a typographic quote and a newline.
    const HOSTILE: &str = "it's \"$(x)\" `y` %PATH% ^& !z! \u{2019}q\u{2018}\nnext\r\tend";

    #[test]
    fn powershell_carries_hostile_values_literally() {
        assert_eq!(
            lines(Shell::PowerShell, &with_secret(HOSTILE)).unwrap(),
            golden("powershell-hostile.txt")
        );
    }

    #[test]
    fn cmd_carries_carets_and_ampersands_but_refuses_what_it_cannot_quote() {
        let ok = "a^b&c|d<e>f (g) =h+/";
        assert_eq!(lines(Shell::Cmd, &with_secret(ok)).unwrap(), golden("cmd-hostile.txt"));
        for (value, what) in [
            ("a\"b", "a double quote"),
            ("50%", "a percent sign"),
            ("wow!", "an exclamation mark"),
            ("a\nb", "a line break"),
            ("a\rb", "a line break"),
            ("caf\u{e9}", "a non-ASCII character"),
            (HOSTILE, "a double quote"),
        ] {
            let e = lines(Shell::Cmd, &with_secret(value)).unwrap_err();
            let text = e.to_string();
            assert!(text.contains(what) && text.contains("AWS_SECRET_ACCESS_KEY"), "{value:?}: {text}");
            assert!(!text.contains(value), "the value itself is never shown: {text}");
            assert_eq!(e.exit_code(), crate::error::exit::UNSAFE_VALUE);
        }
    }

    #[test]
    fn a_nul_is_refused_by_every_shell() {
        for shell in [Shell::Sh, Shell::Fish, Shell::PowerShell, Shell::Cmd] {
            let e = lines(shell, &with_secret("a\0b")).unwrap_err();
            assert!(e.to_string().contains("NUL"), "{shell:?}: {e}");
        }
    }

    #[test]
    fn sh_and_fish_quote_quotes_and_backslashes() {
        let out = lines(Shell::Sh, &with_secret(r"a'b\c")).unwrap();
        assert!(out.contains(r"export AWS_SECRET_ACCESS_KEY='a'\''b\c'"), "{out}");
        let out = lines(Shell::Fish, &with_secret(r"a'b\c")).unwrap();
        assert!(out.contains(r"set -gx AWS_SECRET_ACCESS_KEY 'a\'b\\c'"), "{out}");
    }

    #[test]
    fn env_picks_the_shell_from_the_environment() {
        let from = |pairs: &'static [(&'static str, &'static str)]| {
            detect(&move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
        };
        assert_eq!(from(&[("SHELL", "/usr/bin/fish")]), Shell::Fish);
        assert_eq!(from(&[("SHELL", "/bin/zsh"), ("PSModulePath", "x")]), Shell::Sh);
        assert_eq!(from(&[("SHELL", "/usr/local/bin/pwsh")]), Shell::PowerShell);
        assert_eq!(from(&[("PROMPT", "$P$G"), ("PSModulePath", "x")]), Shell::Cmd);
        assert_eq!(from(&[("PSModulePath", "C:\\x")]), Shell::PowerShell);
        assert_eq!(from(&[("SHELL", "")]), Shell::Sh);
        assert_eq!(from(&[]), Shell::Sh);
    }
}
