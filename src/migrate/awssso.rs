//! `migrate --from awssso`: each section of `~/.awssso/config` (or `$AWSSSO_CONFIG_DIR/config`),
//! as its `configure` writes it (`url`, `region`, `username`, `aws_profile`, `instance_id`,
//! `profile_id`), becomes an IAM Identity Center profile (`source = sso`). awssso drives Chrome
//! through the portal's password page; aws-login signs in through the browser instead, so the
//! password and MFA cookies stay behind. Its `instance_id` and `profile_id` are the portal's own
//! IDs, not an account ID and role name, so aws-login offers the accounts and roles at the first
//! login instead.

use super::profiles::{AwsFiles, Candidate, plan_candidates, process_candidates, read_tool_ini, tool_file};
use super::{Plan, Tool};
use crate::error::Error;
use crate::ini_edit::Document;
use crate::paths::Paths;

const TOOL: Tool = Tool::Awssso;

/// awssso's region when neither its config nor its variables name one.
const DEFAULT_REGION: &str = "eu-west-1";

pub(super) fn plan(paths: &Paths) -> Result<Plan, Error> {
    let path = tool_file("AWSSSO_CONFIG_DIR", ".awssso", "config")?;
    let doc = read_tool_ini(TOOL, &path)?.unwrap_or_else(|| Document::parse(""));
    let shown = path.display().to_string();
    let region = std::env::var("AWSSSO_REGION")
        .ok()
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| DEFAULT_REGION.to_string());
    let aws = AwsFiles::open()?;
    let mut plan = Plan::default();
    let mut candidates = process_candidates(&aws, TOOL, &mut plan, |process| {
        let line = parse_line(&process.args)
            .ok_or_else(|| "it is not an `awssso login` command line".to_string())?;
        if !doc.sections().contains(&line.profile.as_str()) {
            return Err(format!("awssso profile '{}' is not in {shown}", line.profile));
        }
        let region = line.region.as_deref().unwrap_or(&region);
        let mut c = candidate(&process.profile, process.origin(), &doc, &line.profile, region);
        c.set("duration", &line.duration);
        Ok(c)
    });
    for section in doc.sections() {
        if section == crate::ini_edit::DEFAULT_SECTION {
            continue;
        }
        // awssso's `login` without credential_process writes to this AWS CLI profile.
        let name = doc.get(&|h: &str| h == section, "aws_profile").filter(|p| !p.is_empty());
        let name = name.unwrap_or_else(|| section.to_string());
        let origin = format!("profile '{section}' of {shown}");
        candidates.push(candidate(&name, origin, &doc, section, &region));
    }
    plan_candidates(paths, TOOL, candidates, aws, &mut plan)?;
    Ok(plan)
}

#[derive(Debug, Default, PartialEq)]
struct Line {
    profile: String,
    region: Option<String>,
    duration: String,
}

/// `[--region R] login [-p P] [-d S] --json …` (argparse's spellings: `-p P`, `-pP`,
/// `--profile P`, `--profile=P`).
fn parse_line(args: &[String]) -> Option<Line> {
    let mut line = Line { profile: "default".to_string(), ..Line::default() };
    let mut words = args.iter();
    let mut seen_login = false;
    while let Some(word) = words.next() {
        let (name, inline) = match word.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ if word.len() > 2 && word.starts_with('-') && !word.starts_with("--") => {
                (&word[..2], Some(word[2..].to_string()))
            }
            _ => (word.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| words.next().cloned());
        match name {
            "login" if !seen_login => seen_login = true,
            "--region" => line.region = Some(value()?),
            "-p" | "--profile" => line.profile = value()?,
            "-d" | "--duration" => line.duration = value()?,
            "-a" | "--aws-profile" => {
                value()?;
            }
            "-j" | "--json" | "-f" | "--force-refresh" | "--no-headless" | "--no-spinner" => {}
            _ => return None,
        }
    }
    seen_login.then_some(line)
}

fn candidate(profile: &str, origin: String, doc: &Document, section: &str, region: &str) -> Candidate {
    let get = |k: &str| doc.get(&|h: &str| h == section, k).unwrap_or_default();
    let mut c = Candidate::new(profile, origin);
    c.set("source", "sso");
    c.set("sso_start_url", &get("url"));
    let own = get("region");
    c.set("sso_region", if own.trim().is_empty() { region } else { &own });
    let origin = c.origin.clone();
    if !get("instance_id").is_empty() || !get("profile_id").is_empty() {
        c.leave_out(format!(
            "{origin}: awssso keeps the portal's own IDs of the account and role, which aws-login cannot use: the first `aws-login login --profile {profile}` offers the accounts and roles to choose from (or set sso_account_id and sso_role_name)"
        ));
    }
    if !get("username").is_empty() {
        c.leave_out(format!(
            "{origin}: the password, MFA cookies and tokens awssso keeps (the OS keyring, ~/.awssso) are not used: aws-login signs in through the browser; remove them with your keyring's tools when done"
        ));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::profiles::words;

    #[test]
    fn login_lines_as_the_readme_writes_them() {
        let line = parse_line(&words("login -p my-awssso-profile --json")).unwrap();
        assert_eq!(line, Line { profile: "my-awssso-profile".into(), ..Line::default() });
        let line = parse_line(&words("--region us-east-1 login --profile=x -d 3600 -j")).unwrap();
        assert_eq!((line.region.as_deref(), line.duration.as_str()), (Some("us-east-1"), "3600"));
        assert_eq!(parse_line(&words("login --json")).unwrap().profile, "default");
        assert_eq!(parse_line(&words("login -px --json")).unwrap().profile, "x");
        for bad in ["configure -p x", "login -p", "login --console", "--json"] {
            assert!(parse_line(&words(bad)).is_none(), "{bad}");
        }
    }
}
