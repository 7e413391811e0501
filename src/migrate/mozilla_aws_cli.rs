//! `migrate --from mozilla-aws-cli`: maws's `[maws]` section becomes one OpenID Connect profile
//! that asks maws's roles API (`idtoken_for_roles_url` → `roles_url`) which roles the user has.
//! maws reads its system files first and the user's over them, key by key:
//! `/etc/maws/config.ini`, the first of `$XDG_CONFIG_DIRS` (else `/etc/xdg`) + `maws/config.ini`,
//! then `$XDG_CONFIG_HOME` (else `~/.config`) + `maws/config.ini`.

use std::path::PathBuf;

use super::profiles::{AwsFiles, Candidate, home_file, plan_candidates, process_candidates, read_tool_ini};
use super::{Plan, Tool};
use crate::error::Error;
use crate::paths::Paths;

const TOOL: Tool = Tool::MozillaAwsCli;

/// The AWS CLI (and aws-login) profile maws's setup becomes when `[maws]` names none.
const DEFAULT_PROFILE: &str = "maws";

pub(super) fn plan(paths: &Paths) -> Result<Plan, Error> {
    let mut merged: Vec<(String, String)> = Vec::new();
    let mut read: Vec<String> = Vec::new();
    for path in config_paths()? {
        let Some(doc) = read_tool_ini(TOOL, &path)? else { continue };
        let maws = |h: &str| h == "maws";
        if !doc.sections().contains(&"maws") {
            continue;
        }
        read.push(path.display().to_string());
        for key in doc.keys(&maws) {
            let value = doc.get(&maws, &key).unwrap_or_default();
            merged.retain(|(k, _)| *k != key);
            merged.push((key, value));
        }
    }
    let aws = AwsFiles::open()?;
    let mut plan = Plan::default();
    let mut candidates = Vec::new();
    if !merged.is_empty() {
        candidates.push(candidate(&merged, &read.join(" under "))?);
    }
    // maws has no credential_process mode; a line running it is someone's own wrapper.
    let theirs = process_candidates(&aws, TOOL, &mut plan, |_| {
        Err("maws has no credential_process mode, so it is not maws's".to_string())
    });
    candidates.extend(theirs);
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .map_or_else(|| home_file(".cache"), Ok)?
        .join("maws");
    if let Some(c) = candidates.first_mut()
        && cache.is_dir()
    {
        c.leave_out(format!(
            "maws's cached tokens and credentials in {} are not carried over: the first use of profile '{}' signs in again",
            cache.display(),
            c.profile
        ));
    }
    plan_candidates(paths, TOOL, candidates, aws, &mut plan)?;
    Ok(plan)
}

/// maws's config files, system first, as it reads them on Linux and macOS.
fn config_paths() -> Result<Vec<PathBuf>, Error> {
    let first_of = |var: &str| {
        std::env::var(var).ok().and_then(|v| v.split(':').find(|d| !d.is_empty()).map(PathBuf::from))
    };
    let site = first_of("XDG_CONFIG_DIRS").unwrap_or_else(|| PathBuf::from("/etc/xdg"));
    let user = match first_of("XDG_CONFIG_HOME") {
        Some(dir) => dir,
        None => home_file(".config")?,
    };
    let mut paths = vec![
        PathBuf::from("/etc/maws/config.ini"),
        site.join("maws/config.ini"),
        user.join("maws/config.ini"),
    ];
    paths.dedup();
    Ok(paths)
}

fn candidate(settings: &[(String, String)], from: &str) -> Result<Candidate, Error> {
    let get = |k: &str| settings.iter().find(|(key, _)| key == k).map_or("", |(_, v)| v.as_str());
    let profile = match get("profile") {
        "" => DEFAULT_PROFILE,
        p => p,
    };
    let mut c = Candidate::new(profile, format!("[maws] of {from}"));
    c.set("source", "oidc");
    c.set("well_known_url", get("well_known_url"));
    c.set("client_id", get("client_id"));
    c.set("scope", get("scope"));
    c.set("roles_url", get("idtoken_for_roles_url"));
    let origin = c.origin.clone();
    for (key, value) in settings {
        let what = match key.as_str() {
            "well_known_url" | "client_id" | "scope" | "idtoken_for_roles_url" | "profile" => continue,
            // Where maws's own console links point: aws-login's console needs no such setting.
            "issuer_domain" => continue,
            "output" => match value.as_str() {
                "boto" | "js" => {
                    format!("`aws-login export -o {value} --profile {profile}` prints that JSON")
                }
                "envvar" => format!("`aws-login export -o env --profile {profile}` prints the exports"),
                _ => format!(
                    "AWS CLI profile '{profile}' gets its credentials through credential_process instead of a credentials file"
                ),
            },
            "print_role_arn" => "`aws-login list-profiles` shows each profile's role".to_string(),
            _ => "not known to aws-login; set its equivalent by hand if there is one".to_string(),
        };
        c.leave_out(format!("{origin}: {key}: {what}"));
    }
    for required in ["well_known_url", "client_id", "idtoken_for_roles_url"] {
        if get(required).is_empty() {
            c.leave_out(format!(
                "{origin}: maws needs {required}, which none of its files set (it may come from an organization's Python package): set its equivalent in aws-login profile '{profile}'"
            ));
        }
    }
    Ok(c)
}
