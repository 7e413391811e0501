//! `aws-login configure`: asks for a profile's settings on the terminal, writes them to the
//! profile's section of `~/.aws-login/config`, and points the AWS profile's `credential_process`
//! at this aws-login. Settings that would make the AWS tools skip `credential_process` (static
//! keys, role chaining, SSO) are named, never shown, and removed if the user agrees.
//!
//! Every other line of every file stays as it was (see `ini_edit`). Nothing is written until all
//! questions are answered, so an interrupted run changes nothing.

use std::path::{Path, PathBuf};

use crate::config;
use crate::error::Error;
use crate::ini_edit::{self, IniFile, NewDir};
use crate::paths::{self, Paths};
use crate::prompt;
use crate::source::Source;

/// Shown for a setting that is not set; Enter (or typing it) leaves it unset.
pub const UNSET: &str = "none";
/// Typed to remove a setting.
const CLEAR: &str = "-";
/// Bad answers to one question before giving up: a closed or scripted terminal must not loop.
const ATTEMPTS: usize = 5;

/// One setting `configure` asks for. Each source lists its own ([`crate::source::Source::questions`]);
/// the questions every profile has follow them.
pub struct Question {
    pub key: &'static str,
    pub label: &'static str,
    /// What the prompt offers when the setting is unset.
    pub unset: &'static str,
    pub required: bool,
    /// The value to write, or a sentence saying what is wrong.
    pub check: fn(&str) -> Result<String, String>,
}

/// What every profile is asked, after its source's questions.
const COMMON: [Question; 2] = [
    Question { key: "role_arn", label: "Role ARN", unset: UNSET, required: false, check: check_role_arn },
    Question {
        key: "partition",
        label: "AWS partition (aws, aws-us-gov, aws-cn, aws-eusc)",
        unset: "aws",
        required: false,
        check: check_partition,
    },
];

/// The questions for a profile of `source`, in the order asked. An Identity Center profile
/// names its role by account and role name, so it is not asked for a role ARN.
fn questions(source: Source) -> impl Iterator<Item = &'static Question> {
    let asked = move |q: &&Question| !(source == Source::Sso && q.key == "role_arn");
    source.questions().iter().chain(COMMON.iter().filter(asked))
}

/// Settings in an AWS profile that the AWS tools use before `credential_process`.
pub fn shadows_credential_process(key: &str) -> bool {
    matches!(
        key,
        "aws_access_key_id"
            | "aws_secret_access_key"
            | "aws_session_token"
            | "aws_security_token"
            | "source_profile"
            | "role_arn"
            | "credential_source"
            | "web_identity_token_file"
    ) || key.starts_with("sso_")
}

#[derive(Debug, PartialEq, Eq)]
enum Change {
    Keep,
    Clear,
    Set(String),
}

/// `source`: `--source`, else the profile's `source` setting, else ECP.
pub fn configure(paths: &Paths, profile: &str, source_arg: Option<&str>) -> Result<(), Error> {
    let chosen = source_arg.map(|s| Source::parse(Some(s))).transpose()?;
    if profile.contains(']') || profile.chars().any(char::is_control) {
        return Err(Error::BadSetting {
            key: "profile",
            value: profile.escape_debug().to_string(),
            why: "a profile name cannot contain ] or control characters".into(),
        });
    }
    if !prompt::terminal_available() {
        return Err(Error::ConfigureNeedsTerminal { profile: profile.to_string() });
    }
    // Ctrl-C at a question says so and changes nothing: files are written after the last one.
    prompt::restore_terminal_on_interrupt();
    let own = |h: &str| h.trim() == profile;
    let mut settings = IniFile::open(&paths.config())?;
    eprintln!(
        "Configuring profile '{profile}' in {}. Press Enter to keep a value, type {CLEAR} to remove it.",
        settings.path.display()
    );
    let current_source = settings.doc.get(&own, "source").filter(|v| !v.trim().is_empty());
    let source = match chosen {
        Some(s) => s,
        None => Source::parse(current_source.as_deref())?,
    };
    // Written when chosen, unless it would only spell out the default of a profile without one.
    let spelled_out = current_source.is_none() && source == Source::Ecp;
    if let Some(name) = source_arg.filter(|_| !spelled_out) {
        settings.doc.set(&own, profile, "source", name.trim());
    }
    for q in questions(source) {
        let current = settings.doc.get(&own, q.key).filter(|v| !v.is_empty());
        match ask(q, current.as_deref(), profile)? {
            Change::Keep => {}
            Change::Clear => {
                settings.doc.remove(&own, q.key);
            }
            Change::Set(v) => {
                settings.doc.set(&own, profile, q.key, &v);
            }
        }
    }

    let command = credential_process_command(profile)?;
    let in_profile = |h: &str| ini_edit::is_aws_config_profile(h, profile);
    let mut aws_config = IniFile::open(&paths::aws_config_file()?)?;
    aws_config.doc.set(&in_profile, &ini_edit::aws_config_header(profile), "credential_process", &command);
    // The AWS CLI and SDKs need a region before anything else; STS's partition suggests one.
    let current_region = aws_config.doc.get(&in_profile, "region").filter(|r| !r.trim().is_empty());
    let partition = settings.doc.get(&own, "partition").filter(|p| !p.trim().is_empty());
    let known = partition.as_deref().and_then(|p| crate::partition::find(p.trim()));
    let suggested = known.unwrap_or(&crate::partition::AWS).sts_region;
    let region = ask_region(current_region.as_deref(), suggested, profile)?;
    if current_region.as_deref() != Some(region.as_str()) {
        aws_config.doc.set(&in_profile, &ini_edit::aws_config_header(profile), "region", &region);
    }

    // The credentials file names profiles bare, and botocore lets its values win over the config's.
    let in_credentials = |h: &str| h == profile;
    let mut credentials = IniFile::open(&paths::aws_credentials_file()?)?;
    let stray_process =
        credentials.doc.get(&in_credentials, "credential_process").is_some_and(|c| c != command);
    let from_credentials: Vec<String> = credentials
        .doc
        .keys(&in_credentials)
        .into_iter()
        .filter(|k| shadows_credential_process(k) || (k == "credential_process" && stray_process))
        .collect();
    let from_config: Vec<String> =
        aws_config.doc.keys(&in_profile).into_iter().filter(|k| shadows_credential_process(k)).collect();
    let mut removed = Vec::new();
    if !from_credentials.is_empty() || !from_config.is_empty() {
        for (file, keys) in [(&credentials.path, &from_credentials), (&aws_config.path, &from_config)] {
            if !keys.is_empty() {
                eprintln!(
                    "{} sets {} for profile '{profile}', which the AWS tools would use instead of aws-login.",
                    file.display(),
                    keys.join(", ")
                );
            }
        }
        let answer = prompt::line("Remove these settings? (y/N)", Some("N"), "an answer", profile)?;
        if matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes") {
            for key in &from_credentials {
                credentials.doc.remove(&in_credentials, key);
            }
            credentials.doc.remove_empty_sections(&in_credentials);
            for key in &from_config {
                aws_config.doc.remove(&in_profile, key);
            }
            removed =
                [(credentials.path.clone(), &from_credentials), (aws_config.path.clone(), &from_config)]
                    .into_iter()
                    .filter(|(_, keys)| !keys.is_empty())
                    .map(|(path, keys)| (path, keys.join(", ")))
                    .collect();
        } else {
            eprintln!("Kept them: profile '{profile}' will not use aws-login until they are removed.");
        }
    }

    // Only now, with every answer in, touch the files (each whole or not at all).
    prompt::note_saving();
    match settings.save(NewDir::Private)? {
        true => eprintln!("Saved profile '{profile}' in {}.", settings.path.display()),
        false => eprintln!("Profile '{profile}' in {} is unchanged.", settings.path.display()),
    }
    match aws_config.save(NewDir::Create)? {
        true => eprintln!(
            "Set credential_process = {command} for profile '{profile}' in {}.",
            aws_config.path.display()
        ),
        false => eprintln!(
            "credential_process for profile '{profile}' in {} already runs aws-login.",
            aws_config.path.display()
        ),
    }
    credentials.save(NewDir::Create)?;
    for (path, keys) in removed {
        eprintln!("Removed {keys} for profile '{profile}' from {}.", path.display());
    }
    eprintln!("Log in with `aws-login login --profile {profile}`, or let the AWS tools do it on first use.");
    Ok(())
}

/// Asks one question until it gets a valid answer (at most [`ATTEMPTS`] times).
fn ask(q: &Question, current: Option<&str>, profile: &str) -> Result<Change, Error> {
    let shown = current.unwrap_or(q.unset);
    let mut last = String::new();
    for _ in 0..ATTEMPTS {
        let answer = prompt::line(q.label, Some(shown), "an answer", profile)?;
        let change = decide(q, current, shown, answer.trim());
        match change {
            Ok(change) => return Ok(change),
            Err(why) => eprintln!("{why}"),
        }
        last = answer;
    }
    Err(Error::BadSetting {
        key: q.key,
        value: last,
        why: format!("{ATTEMPTS} answers in a row were not valid; run `aws-login configure` again"),
    })
}

/// What an answer means: Enter (the shown value) keeps, `-` clears, anything else is checked.
fn decide(q: &Question, current: Option<&str>, shown: &str, answer: &str) -> Result<Change, String> {
    if answer == CLEAR {
        return match (current, q.required) {
            (_, true) => Err(format!("{} is required and cannot be removed.", q.label)),
            (Some(_), false) => Ok(Change::Clear),
            (None, false) => Ok(Change::Keep),
        };
    }
    if answer == shown {
        return match (current, q.required) {
            (None, true) => Err(format!("{} is required.", q.label)),
            _ => Ok(Change::Keep),
        };
    }
    if answer.chars().any(char::is_control) {
        return Err("An answer cannot contain control characters.".into());
    }
    let value = (q.check)(answer)?;
    Ok(if current == Some(value.as_str()) { Change::Keep } else { Change::Set(value) })
}

/// The AWS profile's region: Enter keeps the current one, else takes the partition's default.
fn ask_region(current: Option<&str>, suggested: &str, profile: &str) -> Result<String, Error> {
    let shown = current.unwrap_or(suggested);
    let mut last = String::new();
    for _ in 0..ATTEMPTS {
        let answer = prompt::line("AWS region for the AWS CLI and SDKs", Some(shown), "an answer", profile)?;
        match check_region(answer.trim()) {
            Ok(region) => return Ok(region),
            Err(why) => eprintln!("{why}"),
        }
        last = answer;
    }
    Err(Error::BadSetting {
        key: "region",
        value: last,
        why: format!("{ATTEMPTS} answers in a row were not valid; run `aws-login configure` again"),
    })
}

/// A region name as AWS spells them: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `eusc-de-east-1`.
fn check_region(v: &str) -> Result<String, String> {
    let parts: Vec<&str> = v.split('-').collect();
    let ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.last().is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if ok { Ok(v.to_string()) } else { Err(format!("'{v}' is not an AWS region like us-east-1.")) }
}

pub fn check_text(v: &str) -> Result<String, String> {
    Ok(v.to_string())
}

pub fn check_bool(v: &str) -> Result<String, String> {
    match config::parse_bool("enable_keyring", Some(v)) {
        Ok(Some(b)) => Ok(b.to_string()),
        Ok(None) => Err("Answer true or false.".into()),
        Err(e) => Err(format!("{e}.")),
    }
}

/// `arn:PARTITION:iam::ACCOUNT:role/NAME`, as STS will want it.
fn check_role_arn(v: &str) -> Result<String, String> {
    let parts: Vec<&str> = v.splitn(6, ':').collect();
    let ok = matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if crate::partition::find(partition).is_some()
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()));
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!("'{v}' is not a role ARN like arn:aws:iam::123456789012:role/Name."))
    }
}

fn check_partition(v: &str) -> Result<String, String> {
    if crate::partition::find(v).is_some() {
        Ok(v.to_string())
    } else {
        Err(format!("'{v}' is not a partition: use {}.", crate::partition::names()))
    }
}

/// The `credential_process` line that runs this aws-login for `profile`: plain `aws-login` when
/// that is what PATH finds, else this binary's absolute path (quoted for botocore's shlex).
pub fn credential_process_command(profile: &str) -> Result<String, Error> {
    let exe = this_binary()?;
    let program = match resolve_program("aws-login") {
        Some(found) if same_file(&found, &exe) => "aws-login".to_string(),
        _ => {
            let text = exe.to_str().ok_or_else(|| {
                Error::Unexpected(format!(
                    "the path of this aws-login ({}) is not UTF-8; install it under a UTF-8 path",
                    exe.display()
                ))
            })?;
            ini_edit::shell_quote(text)
        }
    };
    Ok(format!("{program} --profile {}", ini_edit::shell_quote(profile)))
}

/// This running binary, symlinks resolved.
pub fn this_binary() -> Result<PathBuf, Error> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::Unexpected(format!("cannot tell where this aws-login is installed: {e}")))?;
    Ok(std::fs::canonicalize(&exe).unwrap_or(exe))
}

/// True when `a` and `b` are the same file once symlinks are resolved.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The file a command's first word runs: itself when it has a `/` (a leading `~/` expanded),
/// else the first executable of that name on PATH. `None` when there is none.
pub fn resolve_program(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runnable =
        |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if program.contains('/') {
        let path = match program.strip_prefix("~/") {
            Some(rest) => std::env::home_dir()?.join(rest),
            None => PathBuf::from(program),
        };
        return runnable(&path).then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| runnable(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(key: &str) -> &'static Question {
        questions(Source::Ecp).find(|q| q.key == key).unwrap()
    }

    #[test]
    fn answers_keep_clear_or_set() {
        let user = q("username");
        assert_eq!(decide(user, Some("bob"), "bob", "bob"), Ok(Change::Keep));
        assert_eq!(decide(user, Some("bob"), "bob", "-"), Ok(Change::Clear));
        assert_eq!(decide(user, None, UNSET, UNSET), Ok(Change::Keep), "Enter on an unset value");
        assert_eq!(decide(user, None, UNSET, "-"), Ok(Change::Keep));
        assert_eq!(decide(user, Some("bob"), "bob", "alice"), Ok(Change::Set("alice".into())));

        let url = q("ecp_endpoint_url");
        assert!(decide(url, None, UNSET, UNSET).is_err(), "required");
        assert!(decide(url, Some("https://a/b"), "https://a/b", "-").is_err(), "cannot be removed");
        assert!(decide(url, None, UNSET, "https://idp\u{7}/x").is_err(), "control characters");

        let keyring = q("enable_keyring");
        assert_eq!(decide(keyring, None, "false", "yes"), Ok(Change::Set("true".into())));
        assert_eq!(decide(keyring, Some("true"), "true", "on"), Ok(Change::Keep), "same meaning");
        assert!(decide(keyring, None, "false", "maybe").is_err());
    }

    #[test]
    fn checks() {
        assert!(check_role_arn("arn:aws:iam::111122223333:role/Developer").is_ok());
        assert!(check_role_arn("arn:aws-us-gov:iam::111122223333:role/team/Admin").is_ok());
        for bad in [
            "Developer",
            "arn:aws:iam::1111:role/D",
            "arn:aws:iam::111122223333:user/D",
            "arn:aws:iam::111122223333:role/",
        ] {
            assert!(check_role_arn(bad).is_err(), "{bad}");
        }
        assert!(check_partition("aws-cn").is_ok() && check_partition("aws-mars").is_err());
        for ok in ["us-east-1", "us-gov-west-1", "cn-north-1", "eu-central-2", "eusc-de-east-1"] {
            assert_eq!(check_region(ok).as_deref(), Ok(ok));
        }
        for bad in ["", "us-east", "US-EAST-1", "us_east_1", "east-1", "us-east-1a", "us--1"] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shadowing_settings() {
        for k in ["aws_access_key_id", "aws_security_token", "source_profile", "role_arn", "sso_start_url"] {
            assert!(shadows_credential_process(k), "{k}");
        }
        for k in ["region", "output", "credential_process", "s3"] {
            assert!(!shadows_credential_process(k), "{k}");
        }
    }

    #[test]
    fn programs_resolve_through_path_and_slashes() {
        let exe = this_binary().unwrap();
        assert_eq!(resolve_program(exe.to_str().unwrap()), Some(exe.clone()));
        assert!(same_file(&exe, &exe));
        assert_eq!(resolve_program("/nonexistent/aws-login"), None);
        let cmd = credential_process_command("my p").unwrap();
        assert!(cmd.ends_with(" --profile 'my p'"), "{cmd}");
    }
}
