//! `aws-login login --all-roles`: one login at the IdP (one Duo prompt), then one STS call per
//! granted role, a few at a time, each role stored as a profile of its own:
//!
//! - a section in `~/.aws-login/config` that refers back to the login profile, whose IdP
//!   settings it inherits (`login_profile`), names its role (`role_arn`) and carries the marker
//!   `generated_by = aws-login login --all-roles`;
//! - `credential_process` (and the login profile's `region`) in the AWS config;
//! - its credentials in the cache, with the IdP user, so that a later `credential_process`
//!   refreshes through the shared IdP session (no password, no Duo while it lives).
//!
//! Names come from `profile_template` (default `{account_alias}-{role_name}`). A section
//! without the marker, or made from another login profile, is never touched; `--prune`
//! removes the profiles this login profile made for roles no longer granted. Every other byte
//! of both files is kept ([`crate::ini_edit`]).

use std::collections::{BTreeMap, HashSet};

use futures_util::StreamExt;

use crate::cli::ProfileArgs;
use crate::config::{self, Settings};
use crate::error::Error;
use crate::ini_edit::{self, IniFile, NewDir};
use crate::names::Names;
use crate::paths::Paths;
use crate::role::Role;
use crate::{aws, cache, login};

/// The key that names the login profile a generated profile takes its IdP settings from.
pub const LOGIN_PROFILE_KEY: &str = "login_profile";
/// The marker of a generated section: its key and value.
pub const MARKER_KEY: &str = "generated_by";
pub const MARKER: &str = "aws-login login --all-roles";
const DEFAULT_TEMPLATE: &str = "{account_alias}-{role_name}";
/// STS calls in flight at once: enough to overlap their round trips, few enough not to meet
/// STS's rate limits.
const CONCURRENCY: usize = 6;

/// What a run did, for the person.
#[derive(Debug, Default)]
pub struct Report {
    /// The IdP user that logged in.
    pub who: String,
    pub granted: usize,
    /// Profiles written: name and role.
    pub written: Vec<(String, Role)>,
    /// Roles not stored, and why (STS refused, or their name is taken).
    pub failed: Vec<(Role, String)>,
    /// Generated profiles removed by `--prune`.
    pub pruned: Vec<String>,
}

impl Report {
    /// The error to exit with when some roles were not stored.
    pub fn failure(&self) -> Option<Error> {
        let (failed, total) = (self.failed.len(), self.granted);
        (failed > 0).then_some(Error::SomeRolesFailed { failed, total })
    }
}

pub fn login_all_roles(paths: &Paths, args: &ProfileArgs, prune: bool) -> Result<Report, Error> {
    let settings = config::load(paths, args)?;
    let values = config::profile_values(paths, &settings.profile)?;
    if let Some(from) = values.get(LOGIN_PROFILE_KEY) {
        return Err(Error::BadSetting {
            key: LOGIN_PROFILE_KEY,
            value: crate::text::shown(from, 100),
            why: format!(
                "profile '{}' takes its login from profile '{from}': run --all-roles with --profile {from}",
                settings.profile
            ),
        });
    }
    let template = Template::parse(values.get("profile_template").map(String::as_str))?;
    let names = Names::load(paths, &values);
    // Both files are read (and refused if unusable) before the IdP is asked for anything.
    let mut ours = IniFile::open(&paths.config())?;
    let mut theirs = IniFile::open(&crate::paths::aws_config_file()?)?;

    let _lock = login::before_login(paths, &settings)?;
    let runtime = login::runtime()?;
    let login = runtime.block_on(login::sign_in_as_before(paths, &settings))?;
    let roles = login.proof.roles();
    let names = names.with_source_names(login.proof.account_names());
    let mut report = Report { who: login.who.clone(), granted: roles.len(), ..Report::default() };
    if roles.is_empty() {
        return Err(Error::NoRoles);
    }

    let (named, taken) = name_roles(&roles, &template, &names, &settings.profile, &ours);
    report.failed.extend(taken);
    let duration = login::duration(&settings, &login);
    let aws = aws::Aws { profile: &settings.profile, ca_bundle: settings.ca_bundle.as_ref() };
    let started = std::time::Instant::now();
    let answers: Vec<_> = runtime.block_on(aws::sts::sharing_one_client(
        futures_util::stream::iter(named)
            .map(|(name, role)| {
                let (aws, proof) = (&aws, &login.proof);
                async move {
                    let answer = aws::credentials(aws, proof, &role, duration).await;
                    (name, role, answer)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect(),
    ));
    crate::log::debug(1, &format!("{} STS calls answered in {:?}", answers.len(), started.elapsed()));

    let region = theirs.doc.get(&|h| ini_edit::is_aws_config_profile(h, &settings.profile), "region");
    let mut stored = Vec::new();
    for (name, role, answer) in answers {
        match answer {
            Ok(credentials) => {
                let entry =
                    cache::Entry::new(credentials, settings.source.kind(), &role, Some(login.who.clone()));
                stored.push((name, role, entry));
            }
            Err(e) => report.failed.push((role, e.to_string())),
        }
    }
    store_all(paths, &stored)?;
    for (name, role, _) in stored {
        write_profile(&mut ours, &mut theirs, &name, &role, &settings, region.as_deref())?;
        report.written.push((name, role));
    }
    if prune {
        let granted: HashSet<&str> = roles.iter().map(Role::arn).collect();
        report.pruned = prune_profiles(paths, &mut ours, &mut theirs, &settings.profile, &granted)?;
    }
    ours.save(NewDir::Private)?;
    theirs.save(NewDir::Create)?;
    report.written.sort_by(|a, b| a.0.cmp(&b.0));
    report.failed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(report)
}

/// Stores each role's credentials in its cache file, all at once: each atomic write waits for
/// two fsyncs, and the file system commits concurrent ones together (twenty one after another
/// took 150-230 ms on a busy disk here, at once 20-40 ms).
fn store_all(paths: &Paths, stored: &[(String, Role, cache::Entry)]) -> Result<(), Error> {
    std::thread::scope(|scope| {
        let writers: Vec<_> = stored
            .iter()
            .map(|(name, _, entry)| scope.spawn(move || cache::Cache::new(paths, name).store(entry)))
            .collect();
        // Every writer is joined before the first error is returned: none is left half done.
        let results: Vec<_> = writers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Err(Error::Unexpected("a cache write panicked".into()))))
            .collect();
        results.into_iter().collect()
    })
}

/// Each role's profile name, and the roles that cannot have theirs: the name is the login
/// profile's, another role's too, or a section aws-login did not make for this login profile.
#[allow(clippy::type_complexity)]
fn name_roles(
    roles: &[Role],
    template: &Template,
    names: &Names,
    login_profile: &str,
    ours: &IniFile,
) -> (Vec<(String, Role)>, Vec<(Role, String)>) {
    let mut by_name: BTreeMap<String, Vec<&Role>> = BTreeMap::new();
    for role in roles {
        by_name.entry(template.name(role, names)).or_default().push(role);
    }
    let mut named = Vec::new();
    let mut taken = Vec::new();
    for (name, roles) in by_name {
        let why = if roles.len() > 1 {
            Some(format!(
                "{} roles make the profile name '{name}'; set profile_template to tell them apart",
                roles.len()
            ))
        } else if name == login_profile {
            Some(format!("its profile name '{name}' is the login profile's own"))
        } else if ours.doc.sections().contains(&name.as_str()) && !made_here(ours, &name, login_profile) {
            Some(format!(
                "profile '{name}' exists and was not made by --all-roles of this profile, so it was left alone"
            ))
        } else {
            None
        };
        match why {
            Some(why) => taken.extend(roles.into_iter().map(|r| (r.clone(), why.clone()))),
            None => named.push((name, roles[0].clone())),
        }
    }
    (named, taken)
}

/// Whether section `name` carries the marker and names `login_profile` as its login.
fn made_here(ours: &IniFile, name: &str, login_profile: &str) -> bool {
    let get = |key| ours.doc.get(&|s| s == name, key).map(|v| v.trim().to_string());
    get(MARKER_KEY).as_deref() == Some(MARKER) && get(LOGIN_PROFILE_KEY).as_deref() == Some(login_profile)
}

fn write_profile(
    ours: &mut IniFile,
    theirs: &mut IniFile,
    name: &str,
    role: &Role,
    settings: &Settings,
    region: Option<&str>,
) -> Result<(), Error> {
    let section = |s: &str| s == name;
    ours.doc.set(&section, name, LOGIN_PROFILE_KEY, &settings.profile);
    ours.doc.set(&section, name, "role_arn", role.arn());
    ours.doc.set(&section, name, MARKER_KEY, MARKER);
    let header = ini_edit::aws_config_header(name);
    let aws_section = |h: &str| ini_edit::is_aws_config_profile(h, name);
    theirs.doc.set(
        &aws_section,
        &header,
        "credential_process",
        &crate::configure::credential_process_command(name)?,
    );
    if let Some(region) = region
        && theirs.doc.get(&aws_section, "region").is_none()
    {
        theirs.doc.set(&aws_section, &header, "region", region);
    }
    Ok(())
}

/// Removes the profiles `login_profile` generated for roles not in `granted`: their section,
/// their `credential_process` (and then a lone `region`) in the AWS config, their cache.
fn prune_profiles(
    paths: &Paths,
    ours: &mut IniFile,
    theirs: &mut IniFile,
    login_profile: &str,
    granted: &HashSet<&str>,
) -> Result<Vec<String>, Error> {
    let stale: Vec<String> = ours
        .doc
        .sections()
        .into_iter()
        .filter(|s| made_here(ours, s, login_profile))
        .filter(|s| ours.doc.get(&|x| x == *s, "role_arn").is_none_or(|arn| !granted.contains(arn.trim())))
        .map(str::to_string)
        .collect();
    for name in &stale {
        let section = |s: &str| s == name;
        for key in ours.doc.keys(&section) {
            ours.doc.remove(&section, &key);
        }
        ours.doc.remove_empty_sections(&section);
        let aws_section = |h: &str| ini_edit::is_aws_config_profile(h, name);
        let command = crate::configure::credential_process_command(name)?;
        if theirs.doc.get(&aws_section, "credential_process").is_some_and(|c| c.trim() == command) {
            theirs.doc.remove(&aws_section, "credential_process");
            if theirs.doc.keys(&aws_section) == ["region"] {
                theirs.doc.remove(&aws_section, "region");
            }
            theirs.doc.remove_empty_sections(&aws_section);
        }
        for file in [paths.cache_file(name), paths.remembered_file(name)] {
            match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::file("delete", file, e));
                }
                _ => {}
            }
        }
    }
    Ok(stale)
}

/// `profile_template`: text with `{account_alias}`, `{account_id}` and `{role_name}`.
#[derive(Debug)]
struct Template(String);

impl Template {
    fn parse(value: Option<&str>) -> Result<Template, Error> {
        let raw = value.map(str::trim).filter(|v| !v.is_empty()).unwrap_or(DEFAULT_TEMPLATE);
        let bad = |why: &str| Error::BadSetting {
            key: "profile_template",
            value: crate::text::shown(raw, 100),
            why: why.to_string(),
        };
        let mut rest = raw;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').ok_or_else(|| bad("a { is not closed"))? + open;
            if !matches!(&rest[open + 1..close], "account_alias" | "account_id" | "role_name") {
                return Err(bad("it knows only {account_alias}, {account_id} and {role_name}"));
            }
            rest = &rest[close + 1..];
        }
        if !raw.contains("{role_name}") {
            return Err(bad("it must hold {role_name}, or every role of an account gets the same name"));
        }
        Ok(Template(raw.to_string()))
    }

    /// The profile name for `role`: the template filled in, with any character a profile name
    /// should not hold (a space, `/`, `]`) written as `-`.
    fn name(&self, role: &Role, names: &Names) -> String {
        let id = role.account();
        let role_name = role.name().rsplit('/').next().unwrap_or_default();
        let filled = self
            .0
            .replace("{account_alias}", names.account(id).unwrap_or(id))
            .replace("{account_id}", id)
            .replace("{role_name}", role_name);
        filled
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "._-@+=,".contains(c) { c } else { '-' })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::role::saml_role as role;

    fn names(alias_file: &str) -> (tempfile::TempDir, Names) {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().join(".aws-login"));
        std::fs::create_dir_all(paths.root()).unwrap();
        std::fs::write(paths.alias_file(), alias_file).unwrap();
        let names = Names::load(&paths, &Default::default());
        (home, names)
    }

    #[test]
    fn templates_fill_in_aliases_ids_and_role_names() {
        let (_home, names) = names("[accounts]\n111122223333 = prod team\n");
        let t = Template::parse(None).unwrap();
        assert_eq!(t.name(&role("111122223333", "team/Admin"), &names), "prod-team-Admin");
        assert_eq!(t.name(&role("444455556666", "ReadOnly"), &names), "444455556666-ReadOnly");
        let t = Template::parse(Some("aws-{account_id}/{role_name}")).unwrap();
        assert_eq!(t.name(&role("111122223333", "Dev"), &names), "aws-111122223333-Dev");
        for bad in ["{account_alias}", "{role}-{role_name}", "{role_name", "x{account_id}"] {
            let e = Template::parse(Some(bad)).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING, "{bad}");
            assert!(e.to_string().starts_with("profile_template = "), "{e}");
        }
    }

    #[test]
    fn names_that_collide_or_are_taken_are_not_used() {
        let (home, names) = names("[accounts]\n1 = a\n");
        let config = home.path().join("config");
        std::fs::write(
            &config,
            format!(
                "[login]\nx = 1\n[a-Mine]\nrole_arn = r\n[a-Ours]\nlogin_profile = login\n{MARKER_KEY} = {MARKER}\n[a-Other]\nlogin_profile = other\n{MARKER_KEY} = {MARKER}\n"
            ),
        )
        .unwrap();
        let ours = IniFile::open(&config).unwrap();
        let roles = [
            role("1", "x/Dup"),
            role("1", "y/Dup"),
            role("1", "Mine"),
            role("1", "Ours"),
            role("1", "Other"),
            role("1", "New"),
        ];
        let t = Template::parse(None).unwrap();
        let (named, taken) = name_roles(&roles, &t, &names, "login", &ours);
        let named: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(named, ["a-New", "a-Ours"]);
        let why: Vec<String> = taken.iter().map(|(r, w)| format!("{}: {w}", r.name())).collect();
        assert_eq!(why.len(), 4, "{why:?}");
        assert!(why[0].starts_with("x/Dup: 2 roles make the profile name 'a-Dup'"), "{why:?}");
        assert!(
            why.iter().any(|w| w.starts_with("Mine: profile 'a-Mine' exists and was not made")),
            "{why:?}"
        );
        assert!(why.iter().any(|w| w.starts_with("Other: profile 'a-Other' exists")), "{why:?}");
        let own = Template::parse(Some("login{role_name}")).unwrap();
        let (_, taken) = name_roles(&[role("1", "")], &own, &names, "login", &ours);
        assert!(taken[0].1.contains("is the login profile's own"), "{taken:?}");
    }
}
