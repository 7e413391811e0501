//! `aws-login migrate` (`--from awscli-login`, the default): moves a home set up for the
//! awscli-login plugin over to aws-login.
//!
//! * The plugin's lines in the AWS config (`[plugins]` `login = awscli_login`, and
//!   `cli_legacy_plugin_path` when no other plugin is left) go: once the Python package is
//!   uninstalled they stop the AWS CLI from starting at all.
//! * `credential_process` lines that run awscli-login's `aws-login` script (awscli-login's
//!   `configure` puts them in `~/.aws/credentials`) are pointed at this binary.
//! * awscli-login's IdP cookie jar and its cached role, user and credentials are copied into
//!   aws-login's files, so the next login needs no password and no role choice.
//!
//! awscli-login's own files are left in place: the user may still run it.

use reqwest::Url;
use time::OffsetDateTime;

use super::{Plan, Verb};
use crate::cache::{Cache, Entry};
use crate::cli::ProfileArgs;
use crate::config;
use crate::configure::{credential_process_command, resolve_program, same_file, this_binary};
use crate::cookies::Jar;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::ini_edit::{self, IniFile, NewDir};
use crate::paths::{self, Paths};
use crate::role::Role;
use crate::secret::Secret;

/// What migrating from awscli-login would change.
pub(super) fn plan(paths: &Paths) -> Result<Plan, Error> {
    let mut plan = Plan::default();
    plan_aws_files(&mut plan)?;
    let awscli_credentials = IniFile::open(&paths.awscli_login_credentials())?;
    plan_cookie_jars(paths, &awscli_credentials, &mut plan)?;
    plan_cached_roles(paths, &awscli_credentials, &mut plan);
    Ok(plan)
}

/// The plugin lines in the AWS config, and `credential_process` lines in both AWS files.
fn plan_aws_files(plan: &mut Plan) -> Result<(), Error> {
    let mut config = IniFile::open(&paths::aws_config_file()?)?;
    let plugins = |h: &str| h == "plugins";
    let shown = config.path.display().to_string();
    for (section, key, value) in config.doc.entries() {
        if section == "plugins" && value.trim() == "awscli_login" && config.doc.remove(&plugins, &key) {
            plan.changes.push((Verb::Remove, format!("`{key} = awscli_login` from [plugins] in {shown}")));
        }
    }
    let left = config.doc.keys(&plugins);
    if left == ["cli_legacy_plugin_path"] {
        // It only tells AWS CLI v2 where to import plugins from, and AWS CLI v1 tries to import
        // it as a plugin itself.
        config.doc.remove(&plugins, "cli_legacy_plugin_path");
        plan.changes.push((Verb::Remove, format!("`cli_legacy_plugin_path` from [plugins] in {shown}")));
    } else if left.iter().any(|k| k == "cli_legacy_plugin_path") {
        plan.notes.push(format!("kept cli_legacy_plugin_path in [plugins] of {shown}: other plugins use it"));
    }
    if config.doc.remove_empty_sections(&plugins) {
        plan.changes.push((Verb::Remove, format!("the empty [plugins] section from {shown}")));
    }
    repoint_credential_processes(&mut config, plan)?;
    plan.files.push((config, NewDir::Create));

    let mut credentials = IniFile::open(&paths::aws_credentials_file()?)?;
    repoint_credential_processes(&mut credentials, plan)?;
    plan.files.push((credentials, NewDir::Create));
    Ok(())
}

fn repoint_credential_processes(file: &mut IniFile, plan: &mut Plan) -> Result<(), Error> {
    let shown = file.path.display().to_string();
    let mut done: Vec<String> = Vec::new();
    for (section, key, value) in file.doc.entries() {
        if !key.eq_ignore_ascii_case("credential_process") || done.contains(&section) {
            continue;
        }
        let Some((program, profile)) = awscli_login_command(&value) else { continue };
        match resolve_program(&program) {
            Some(found) if same_file(&found, &this_binary()?) => continue,
            Some(found) if !is_python_script(&found) => {
                plan.notes.push(format!(
                    "left credential_process of [{section}] in {shown} alone: {} is not awscli-login's script",
                    found.display()
                ));
                continue;
            }
            // awscli-login's script, or nothing at all once it is uninstalled.
            _ => {}
        }
        let command = credential_process_command(&profile)?;
        if file.doc.set(&|h: &str| h == section, &section, "credential_process", &command) {
            plan.changes.push((
                Verb::Point,
                format!("credential_process of [{section}] in {shown} at this aws-login: {command}"),
            ));
        }
        done.push(section);
    }
    Ok(())
}

/// `(program, profile)` of a `credential_process` value that runs a program named `aws-login`
/// with awscli-login's flags (`--profile P`, `-p P`, `-v`). Anything else is not its line.
fn awscli_login_command(value: &str) -> Option<(String, String)> {
    let words = ini_edit::shell_split(value)?;
    let (program, args) = words.split_first()?;
    if std::path::Path::new(program).file_name()? != "aws-login" {
        return None;
    }
    let mut profile = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--profile" | "-p" => profile = Some(args.next()?.clone()),
            "-v" | "-vv" | "-vvv" | "--verbose" => {}
            a if a.starts_with("--profile=") => profile = Some(a["--profile=".len()..].to_string()),
            a if a.starts_with("-p") => profile = Some(a[2..].to_string()),
            _ => return None,
        }
    }
    Some((program.clone(), profile.filter(|p| !p.is_empty())?))
}

/// True for awscli-login's `aws-login` as pip installs it: a script whose `#!` line runs Python,
/// or, when the interpreter's path is too long for `#!`, a `/bin/sh` stub that execs Python on
/// the `awscli_login` entry point.
fn is_python_script(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = vec![0u8; 4096];
    let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    let head = &head[..n];
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let has = |text: &[u8], word: &[u8]| text.windows(word.len()).any(|w| w == word);
    head.starts_with(b"#!") && (has(first, b"python") || has(head, b"awscli_login"))
}

/// awscli-login's cookie jar of each IdP account a profile names, copied into aws-login's.
fn plan_cookie_jars(paths: &Paths, awscli_credentials: &IniFile, plan: &mut Plan) -> Result<(), Error> {
    let mut seen: Vec<String> = Vec::new();
    for profile in config::profiles(paths)? {
        let args = ProfileArgs { profile: Some(profile.clone()), ..ProfileArgs::default() };
        let settings = match config::load(paths, &args) {
            Ok(s) => s,
            Err(e) => {
                plan.notes.push(format!("skipped the IdP session of profile '{profile}': {e}"));
                continue;
            }
        };
        // awscli-login falls back to the user of the last login, as aws-login does.
        let Some(username) = settings.source.user().map(str::to_string).or_else(|| {
            awscli_credentials.doc.get(&|h: &str| h == profile, "username").filter(|u| !u.is_empty())
        }) else {
            continue;
        };
        let lwp = paths.awscli_login_cookie_jar(&username);
        let Some(account) = settings.source.account(Some(&username)) else { continue };
        if seen.contains(&account) || !lwp.is_file() || paths.cookie_jar(&account).exists() {
            continue;
        }
        seen.push(account.clone());
        let endpoint = Url::parse(settings.source.idp_url())
            .map_err(|e| Error::Unexpected(format!("the IdP URL of profile '{profile}': {e}")))?;
        // With no jar of ours yet, opening one imports awscli-login's.
        let jar = Jar::open(paths, &account, &username, &endpoint, crate::lock::MAX_WAIT)?;
        if jar.header().is_none() {
            plan.notes.push(format!(
                "{} holds no live IdP session for {account}; its next login asks for the password",
                lwp.display()
            ));
            continue;
        }
        plan.changes.push((Verb::Import, format!("the IdP session of {account} from {}", lwp.display())));
        plan.jars.push(jar);
    }
    Ok(())
}

/// Each profile's last login in awscli-login's `credentials` file, as an aws-login cache entry:
/// its role and user are what a refresh asks for again; its credentials are served while valid.
fn plan_cached_roles(paths: &Paths, awscli_credentials: &IniFile, plan: &mut Plan) {
    let shown = awscli_credentials.path.display();
    let mut seen: Vec<&str> = Vec::new();
    for profile in awscli_credentials.doc.sections() {
        if seen.contains(&profile) {
            continue;
        }
        seen.push(profile);
        let get = |key: &str| {
            awscli_credentials
                .doc
                .get(&|h: &str| h == profile, key)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        // No role: awscli-login counts the profile as logged out.
        let Some(role_arn) = get("aws_role_arn") else { continue };
        let cache = Cache::new(paths, profile);
        match cache.load() {
            Ok(None) => {}
            // aws-login has logged in to this profile itself: its own entry is newer.
            Ok(Some(_)) => continue,
            Err(e) => {
                plan.notes.push(format!("skipped profile '{profile}': {e}"));
                continue;
            }
        }
        let expiration = get("expiration").and_then(|e| parse_expiration(&e));
        let key_id = get("aws_access_key_id");
        let secret = get("aws_secret_access_key");
        let token = get("aws_session_token").or_else(|| get("aws_security_token"));
        let usable = key_id.is_some() && secret.is_some() && token.is_some();
        let expiration = expiration.filter(|_| usable).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let credentials = Credentials {
            access_key_id: key_id.unwrap_or_default(),
            secret_access_key: Secret::new(secret.unwrap_or_default()),
            session_token: Secret::new(token.unwrap_or_default()),
            expiration,
        };
        let role = Role::Saml(crate::role::SamlRole {
            role_arn: role_arn.clone(),
            principal_arn: get("aws_principal_arn").unwrap_or_default(),
        });
        let username = get("username");
        // awscli-login keeps no issue time; counting the lifetime from now keeps the refresh
        // margin (capped at half the lifetime) from serving nearly expired credentials.
        let entry = Entry::new(credentials, crate::source::Source::Ecp, &role, username.clone());
        let user = username.map(|u| format!(" as {u}")).unwrap_or_default();
        let until = if expiration > OffsetDateTime::now_utc() {
            format!("credentials valid until {}", utc_minutes(expiration))
        } else {
            "credentials expired (the next use logs in again)".to_string()
        };
        plan.changes.push((
            Verb::Import,
            format!("profile '{profile}' from {shown}: role {role_arn}{user}, {until}"),
        ));
        plan.caches.push((cache, entry));
    }
}

/// awscli-login writes Python's `datetime.isoformat()` of STS's expiry:
/// `2222-09-06T22:28:39+00:00`, sometimes with microseconds.
fn parse_expiration(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// "2026-12-01 23:40 UTC": a moment for people.
pub fn utc_minutes(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_awscli_login_commands() {
        let cmd = |v: &str| awscli_login_command(v);
        assert_eq!(cmd("aws-login --profile p"), Some(("aws-login".into(), "p".into())));
        assert_eq!(cmd("aws-login -p p"), Some(("aws-login".into(), "p".into())));
        assert_eq!(cmd("aws-login --profile=p -v"), Some(("aws-login".into(), "p".into())));
        assert_eq!(
            cmd("'/home/u/.local/bin/aws-login' --profile 'my p'"),
            Some(("/home/u/.local/bin/aws-login".into(), "my p".into()))
        );
        for other in [
            "aws-login",
            "aws-login login --profile p",
            "other --profile p",
            "aws-login --profile",
            "'unclosed",
        ] {
            assert_eq!(cmd(other), None, "{other}");
        }
    }

    #[test]
    fn python_scripts_are_told_from_binaries() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("aws-login");
        std::fs::write(&script, "#!/home/u/venv/bin/python3\nimport sys\n").unwrap();
        assert!(is_python_script(&script));
        // pip's stub when the interpreter's path is too long for `#!`.
        let stub = dir.path().join("stub");
        let long = "#!/bin/sh\n'''exec' \"/very/long/venv/bin/python3\" \"$0\" \"$@\"\n' '''\n\
                    from awscli_login.credentials import main\n";
        std::fs::write(&stub, long).unwrap();
        assert!(is_python_script(&stub));
        std::fs::write(&stub, "#!/bin/sh\nexec /opt/other-tool \"$@\"\n").unwrap();
        assert!(!is_python_script(&stub));
        assert!(!is_python_script(&this_binary().unwrap()));
        assert!(!is_python_script(&dir.path().join("missing")));
    }

    #[test]
    fn expirations_as_awscli_login_writes_them() {
        assert_eq!(parse_expiration("2222-09-06T22:28:39+00:00").unwrap().year(), 2222);
        assert!(parse_expiration("2024-01-01T00:00:00.123456+00:00").is_some());
        assert!(parse_expiration("2024-01-01T00:00:00").is_none(), "naive: treated as expired");
    }
}
