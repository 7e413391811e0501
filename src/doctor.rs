//! `aws-login doctor`: checks what makes logins fail before anyone logs in, and says for each
//! finding what to fix. It reads the config files, asks the keyring whether it answers, and
//! sends each IdP one request without credentials (see `source::Settings::probe`): it never logs in,
//! so no Duo push is ever sent, and it changes no file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::cli::ProfileArgs;
use crate::config::{self, Settings};
use crate::error::Error;
use crate::ini_edit::{self, Document};
use crate::paths::{self, Paths};

/// Clocks further apart than this make SAML assertions look not yet valid or already expired
/// (Shibboleth's default assertion lifetime is 5 minutes) and misjudge cached credentials.
const MAX_SKEW: time::Duration = time::Duration::minutes(2);

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// False when something is broken; the text then says what to fix.
    pub ok: bool,
    pub text: String,
}

impl Finding {
    fn ok(text: impl Into<String>) -> Finding {
        Finding { ok: true, text: text.into() }
    }
    fn fix(text: impl Into<String>) -> Finding {
        Finding { ok: false, text: text.into() }
    }
}

/// Every check, for `only` (a profile) or every profile.
pub fn doctor(paths: &Paths, only: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    let config_path = paths.config();
    let profiles = match config::profiles(paths) {
        Ok(p) => p,
        Err(e) => {
            out.push(Finding::fix(e.to_string()));
            return out;
        }
    };
    let profiles: Vec<String> = match only {
        Some(p) if !profiles.iter().any(|q| q == p) => {
            out.push(Finding::fix(format!(
                "profile '{p}' is not in {}: run `aws-login configure --profile {p}`",
                config_path.display()
            )));
            return out;
        }
        Some(p) => vec![p.to_string()],
        None if profiles.is_empty() => {
            out.push(Finding::fix(format!(
                "{} holds no profile: run `aws-login configure --profile NAME`",
                config_path.display()
            )));
            return out;
        }
        None => profiles,
    };
    for file in [config_path, crate::layers::system_config()] {
        if file.exists() {
            out.push(Finding::ok(format!("{} parses", file.display())));
        }
    }

    let aws = [paths::aws_config_file(), paths::aws_credentials_file()].map(|p| aws_file(p, &mut out));
    let [aws_config, aws_credentials] = &aws;
    if let Some(finding) = settings_in_env() {
        out.push(finding);
    }
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some_and(|v| !v.is_empty()) {
        out.push(Finding::fix(
            "AWS_ACCESS_KEY_ID is set in the environment, so the AWS tools use it instead of credential_process (unless given --profile); unset it (and AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)",
        ));
    }

    let mut endpoints: BTreeMap<String, (Settings, Vec<String>)> = BTreeMap::new();
    let mut keyring_checked = false;
    for profile in &profiles {
        let args = ProfileArgs { profile: Some(profile.clone()), ..ProfileArgs::default() };
        wiring(profile, aws_config, aws_credentials, &mut out);
        let settings = match config::load(paths, &args) {
            Ok(s) => s,
            Err(e) => {
                out.push(Finding::fix(format!("profile '{profile}': {e}")));
                continue;
            }
        };
        if let Some(account) = keyring_account(&settings)
            && !keyring_checked
        {
            keyring_checked = true;
            out.push(keyring(&settings.profile, &account));
        }
        if let crate::source::Settings::Oidc(oidc) = &settings.source
            && crate::source::oidc::client_secret::from_keyring(oidc)
        {
            out.push(client_secret(profile, &crate::source::oidc::client_secret::account(oidc)));
        }
        endpoints
            .entry(issuer(&settings))
            .or_insert_with(|| (settings.clone(), Vec::new()))
            .1
            .push(profile.clone());
    }
    if !endpoints.is_empty() {
        match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => {
                for (settings, names) in endpoints.values() {
                    out.extend(rt.block_on(idp(settings, names)));
                }
            }
            Err(e) => out.push(Finding::fix(format!(
                "cannot start the network runtime ({e}); the IdPs were not checked"
            ))),
        }
    }
    out
}

/// The `AWS_LOGIN_<NAME>` variables that set a setting (for every profile, over the files):
/// named, never shown, as one may hold a password.
fn settings_in_env() -> Option<Finding> {
    let mut set: Vec<String> = std::env::vars_os()
        .filter_map(|(name, value)| {
            let name = name.into_string().ok()?;
            let key = name.strip_prefix("AWS_LOGIN_")?.to_ascii_lowercase();
            (config::is_key(&key) && !value.is_empty() && crate::layers::env_name(&key) == name)
                .then_some(name)
        })
        .collect();
    set.sort();
    (!set.is_empty()).then(|| {
        Finding::ok(format!(
            "{} set{} over every profile's files (unset to use the files)",
            set.join(", "),
            if set.len() == 1 { "s a setting" } else { " settings" }
        ))
    })
}

/// Where a profile logs in: what identifies its IdP, for checking each once.
fn issuer(settings: &Settings) -> String {
    settings.source.idp_url().to_string()
}

/// The keyring entry a login of the profile would use, when it keeps its password there.
fn keyring_account(settings: &Settings) -> Option<String> {
    settings.source.keyring_account()
}

/// The IdP of `settings`, which `names` use: does it answer as its source expects, and does its
/// clock agree with ours?
async fn idp(settings: &Settings, names: &[String]) -> Vec<Finding> {
    let who = names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
    let probe = settings.source.probe(settings).await;
    let mut out = vec![match probe.verdict {
        Ok(seen) => Finding::ok(format!("IdP of {who}: {seen}")),
        Err(problem) => Finding::fix(format!("IdP of {who}: {problem}")),
    }];
    if let Some((theirs, ours)) = probe.clocks {
        out.push(clock(theirs, ours, &crate::http::shown_url(&issuer(settings))));
    }
    out
}

/// This machine's clock against the `Date` of the IdP at `idp`.
pub fn clock(theirs: time::OffsetDateTime, ours: time::OffsetDateTime, idp: &str) -> Finding {
    let skew = ours - theirs;
    // The Date header has whole seconds: a second of difference is rounding.
    if skew.abs() <= MAX_SKEW {
        return Finding::ok(format!(
            "this machine's clock agrees with the IdP's at {idp} (within {} s)",
            skew.whole_seconds().abs().max(1)
        ));
    }
    let (ahead, by) = (skew.is_positive(), skew.abs());
    let by = match by.whole_minutes() {
        m if m >= 120 => format!("{} h", m / 60),
        m if m >= 1 => format!("{m} min"),
        _ => format!("{} s", by.whole_seconds()),
    };
    Finding::fix(format!(
        "this machine's clock is {by} {} the IdP's at {idp}: SAML assertions will look {} and cached credentials are misjudged; set the clock right (turn on NTP: `timedatectl set-ntp true`)",
        if ahead { "ahead of" } else { "behind" },
        if ahead { "expired" } else { "not yet valid" },
    ))
}

/// The OS keyring, as a login with `enable_keyring` would reach it: one bounded lookup.
fn keyring(profile: &str, account: &str) -> Finding {
    match crate::keyring::get(account) {
        Ok(found) => Finding::ok(format!(
            "the OS keyring answers{}",
            if found.is_some() { format!(" and holds the password of {account}") } else { String::new() }
        )),
        Err(e) => Finding::fix(format!(
            "{e}; profile '{profile}' has enable_keyring = true, so each login will ask for the password: unlock or start the keyring (a desktop session or `gnome-keyring-daemon`), or set enable_keyring = false"
        )),
    }
}

/// The OpenID client secret a profile takes from the keyring: is one kept there (never shown)?
fn client_secret(profile: &str, account: &str) -> Finding {
    match crate::keyring::get(account) {
        Ok(Some(_)) => {
            Finding::ok(format!("profile '{profile}': the OS keyring holds its client secret ({account})"))
        }
        Ok(None) => Finding::fix(format!(
            "profile '{profile}' takes its client secret from the OS keyring, which holds none for {account}: run `aws-login login --profile {profile} --client-secret SECRET` once to store it (or set enable_keyring = false if the client has no secret)"
        )),
        Err(e) => Finding::fix(format!(
            "{e}; profile '{profile}' takes its client secret from the OS keyring (enable_keyring = true): unlock or start the keyring (a desktop session or `gnome-keyring-daemon`), or set client_secret"
        )),
    }
}

/// An AWS file, read if it exists; a finding when it cannot be read.
fn aws_file(path: Result<PathBuf, Error>, out: &mut Vec<Finding>) -> Option<(PathBuf, Document)> {
    let path = match path {
        Ok(p) => p,
        Err(e) => {
            out.push(Finding::fix(e.to_string()));
            return None;
        }
    };
    let text = match crate::atomic_file::read_regular(&path) {
        Ok(Some(bytes)) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                out.push(Finding::fix(Error::NotUtf8 { path }.to_string()));
                return None;
            }
        },
        Ok(None) => return None,
        Err(e) => {
            out.push(Finding::fix(Error::file("read", &path, e).to_string()));
            return None;
        }
    };
    Some((path, Document::parse(&text)))
}

/// The AWS profile of `profile`: its credential_process runs this aws-login for this profile,
/// and no setting makes the AWS tools use something else.
fn wiring(
    profile: &str,
    aws_config: &Option<(PathBuf, Document)>,
    aws_credentials: &Option<(PathBuf, Document)>,
    out: &mut Vec<Finding>,
) {
    let in_config = |h: &str| ini_edit::is_aws_config_profile(h, profile);
    let in_credentials = |h: &str| h == profile;
    let configure = format!("`aws-login configure --profile {profile}`");
    // botocore reads the credentials file's section over the config file's.
    let line = [(aws_credentials, &in_credentials as &dyn Fn(&str) -> bool), (aws_config, &in_config)]
        .into_iter()
        .find_map(|(file, matches)| {
            let (path, doc) = file.as_ref()?;
            doc.get(matches, "credential_process").map(|v| (path.clone(), v))
        });
    for (file, matches) in
        [(aws_credentials, &in_credentials as &dyn Fn(&str) -> bool), (aws_config, &in_config)]
    {
        let Some((path, doc)) = file else { continue };
        for key in doc.keys(matches) {
            if crate::configure::shadows_credential_process(&key) {
                out.push(Finding::fix(format!(
                    "profile '{profile}': {} sets {key}, which the AWS tools use instead of credential_process; remove it ({configure} offers to)",
                    path.display()
                )));
            }
        }
    }
    let Some((path, line)) = line else {
        let config = aws_config
            .as_ref()
            .map_or_else(|| "the AWS config file".into(), |(p, _)| p.display().to_string());
        out.push(Finding::fix(format!(
            "profile '{profile}': no credential_process for it in {config}; run {configure}"
        )));
        return;
    };
    out.push(match credential_process_problem(&line, profile) {
        None => Finding::ok(format!(
            "profile '{profile}': credential_process in {} runs this aws-login",
            path.display()
        )),
        Some(problem) => Finding::fix(format!(
            "profile '{profile}': credential_process in {} {problem}; run {configure}",
            path.display()
        )),
    });
}

/// What is wrong with a credential_process line for `profile`, if anything.
fn credential_process_problem(line: &str, profile: &str) -> Option<String> {
    let Some(words) = ini_edit::shell_split(line).filter(|w| !w.is_empty()) else {
        return Some("cannot be split into words (an unclosed quote?)".into());
    };
    let program = &words[0];
    let Some(found) = crate::configure::resolve_program(program) else {
        return Some(format!(
            "runs '{}', which is not an executable file (or on PATH)",
            crate::text::shown(program, 200)
        ));
    };
    let this = match crate::configure::this_binary() {
        Ok(p) => p,
        Err(e) => return Some(e.to_string()),
    };
    if !crate::configure::same_file(&found, &this) {
        return Some(format!("runs {}, not this aws-login ({})", found.display(), this.display()));
    }
    let named = named_profile(&words[1..]);
    match named.as_deref() {
        Some(p) if p == profile => None,
        Some(p) => Some(format!("names profile '{}', not '{profile}'", crate::text::shown(p, 200))),
        None if profile == config::DEFAULT_PROFILE => None,
        None => {
            Some(format!("names no profile, so it logs in as 'default' (or $AWS_PROFILE), not '{profile}'"))
        }
    }
}

/// The `--profile`/`-p` value among `args` (the last one given wins, as clap takes it).
fn named_profile(args: &[String]) -> Option<String> {
    let mut found = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--profile" || a == "-p" {
            found = it.next().cloned();
        } else if let Some(v) = a.strip_prefix("--profile=") {
            found = Some(v.to_string());
        } else if let Some(v) = a.strip_prefix("-p").filter(|v| !v.is_empty() && !a.starts_with("--")) {
            found = Some(v.trim_start_matches('=').to_string());
        }
    }
    found
}

/// The report's lines for people, `ok` or `FIX`, each escaped and cut; and how many are broken.
pub fn render(findings: &[Finding]) -> (String, usize) {
    let text = findings
        .iter()
        .map(|f| format!("{} {}\n", if f.ok { "ok: " } else { "FIX:" }, crate::text::shown(&f.text, 2000)))
        .collect();
    (text, findings.iter().filter(|f| !f.ok).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_named_on_the_line() {
        let w = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(named_profile(&w("--profile dev")).as_deref(), Some("dev"));
        assert_eq!(named_profile(&w("-p dev --force-refresh")).as_deref(), Some("dev"));
        assert_eq!(named_profile(&w("--profile=a -p b")).as_deref(), Some("b"));
        assert_eq!(named_profile(&w("-pdev")).as_deref(), Some("dev"));
        assert_eq!(named_profile(&w("process -v")), None);
    }

    #[test]
    fn credential_process_lines() {
        let this = crate::configure::this_binary().unwrap();
        let exe = ini_edit::shell_quote(this.to_str().unwrap());
        assert_eq!(credential_process_problem(&format!("{exe} --profile dev"), "dev"), None);
        assert_eq!(credential_process_problem(&exe, "default"), None);
        let p = credential_process_problem(&format!("{exe} --profile prod"), "dev").unwrap();
        assert!(p.contains("names profile 'prod', not 'dev'"), "{p}");
        let p = credential_process_problem(&exe, "dev").unwrap();
        assert!(p.contains("names no profile"), "{p}");
        let p = credential_process_problem("/bin/true --profile dev", "dev").unwrap();
        assert!(p.contains("not this aws-login"), "{p}");
        let p = credential_process_problem("/nonexistent/aws-login --profile dev", "dev").unwrap();
        assert!(p.contains("not an executable"), "{p}");
        assert!(credential_process_problem("'unclosed", "dev").unwrap().contains("unclosed"));
    }

    #[test]
    fn clocks_within_two_minutes_agree() {
        let t = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        assert!(clock(t, t + time::Duration::seconds(90), "i").ok);
        let ahead = clock(t, t + time::Duration::minutes(7), "i");
        assert!(!ahead.ok && ahead.text.contains("7 min ahead of"), "{}", ahead.text);
        let behind = clock(t, t - time::Duration::hours(3), "i");
        assert!(!behind.ok && behind.text.contains("3 h behind"), "{}", behind.text);
    }
}
