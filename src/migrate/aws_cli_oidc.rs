//! `migrate --from aws-cli-oidc`: each provider of `~/.aws-cli-oidc/config.yaml` (or
//! `$AWS_CLI_OIDC_CONFIG/config.yaml`), as its `setup` writes it, becomes an OpenID Connect
//! profile: `aws_federation_type = oidc` signs in to AssumeRoleWithWebIdentity with the ID token,
//! `saml2` exchanges a token for a SAML assertion (`exchange = saml`). Each `credential_process =
//! aws-cli-oidc get-cred -p P [-r ROLE] [-d SECONDS] [-j] [-s]` becomes a profile of its own (the
//! provider's settings with that role and duration); a provider no line uses gets one named after it.

use super::profiles::{AwsFiles, Candidate, plan_candidates, process_candidates, read_tool_file, tool_file};
use super::{Plan, Tool};
use crate::error::Error;
use crate::paths::Paths;
use std::collections::BTreeMap;

const TOOL: Tool = Tool::AwsCliOidc;

/// A provider's settings by aws-cli-oidc's key names.
type Provider = BTreeMap<String, String>;

const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";

pub(super) fn plan(paths: &Paths) -> Result<Plan, Error> {
    let path = tool_file("AWS_CLI_OIDC_CONFIG", ".aws-cli-oidc", "config.yaml")?;
    let providers = match read_tool_file(TOOL, &path)? {
        Some(text) => providers(&text).map_err(|why| Error::ToolConfig {
            tool: TOOL.name(),
            path: path.clone(),
            why,
        })?,
        None => Vec::new(),
    };
    let shown = path.display().to_string();
    let aws = AwsFiles::open()?;
    let mut plan = Plan::default();
    let mut candidates = process_candidates(&aws, TOOL, &mut plan, |process| {
        let line = parse_line(&process.args)
            .ok_or_else(|| "it is not an `aws-cli-oidc get-cred` command line".to_string())?;
        // viper, which aws-cli-oidc reads its config with, matches keys case-insensitively.
        let (name, provider) = providers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&line.provider))
            .ok_or_else(|| format!("provider '{}' is not in {shown}", line.provider))?;
        let mut c = candidate(&process.profile, process.origin(), name, provider);
        c.set("role_arn", &line.role);
        c.set("duration", &line.duration);
        if line.use_secret {
            c.leave_out(format!(
                "{}: credentials aws-cli-oidc kept in the OS secret store (-s) are not carried over: the first use signs in again; `aws-cli-oidc clear-secret` removes them",
                c.origin
            ));
        }
        Ok(c)
    });
    // Each provider also gets a profile of its own name, as `get-cred -p NAME` is run by hand.
    for (name, provider) in &providers {
        candidates.push(candidate(name, format!("provider '{name}' of {shown}"), name, provider));
    }
    plan_candidates(paths, TOOL, candidates, aws, &mut plan)?;
    Ok(plan)
}

/// The providers in file order: top-level keys, each a map of settings.
fn providers(text: &str) -> Result<Vec<(String, Provider)>, String> {
    use serde_norway::Value;
    let doc: Value = serde_norway::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let map = match doc {
        Value::Mapping(m) => m,
        Value::Null => return Ok(Vec::new()),
        _ => return Err("it is not a map of provider names".to_string()),
    };
    let mut out = Vec::new();
    for (name, settings) in map {
        let Value::String(name) = name else { return Err("a provider name is not text".to_string()) };
        let Value::Mapping(settings) = settings else {
            return Err(format!("provider {name} is not a map of settings"));
        };
        let mut provider = Provider::new();
        for (key, value) in settings {
            let key =
                key.as_str().ok_or_else(|| format!("a key of provider {name} is not text"))?.to_lowercase();
            let value = match value {
                Value::String(s) => s,
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                Value::Null => String::new(),
                _ => return Err(format!("{name}.{key} is not a single value")),
            };
            provider.insert(key, value);
        }
        out.push((name, provider));
    }
    Ok(out)
}

#[derive(Debug, Default, PartialEq)]
struct Line {
    provider: String,
    role: String,
    duration: String,
    use_secret: bool,
}

/// `get-cred` and its flags (cobra's: `-p X`, `--provider X`, `--provider=X`, `-pX`, `-js`).
fn parse_line(args: &[String]) -> Option<Line> {
    let (command, flags) = args.split_first()?;
    if command != "get-cred" {
        return None;
    }
    let mut line = Line::default();
    let mut words = flags.iter();
    while let Some(word) = words.next() {
        let (name, inline) = match word.strip_prefix("--") {
            Some(long) => match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            },
            None => {
                let short = word.strip_prefix('-')?;
                // Switches may be grouped (`-js`); a flag with a value ends the group.
                let mut found = None;
                for (i, ch) in short.char_indices() {
                    match ch {
                        'j' => {}
                        's' => line.use_secret = true,
                        'p' | 'r' | 'd' => {
                            let rest = &short[i + 1..];
                            found = Some((ch.to_string(), (!rest.is_empty()).then(|| rest.to_string())));
                            break;
                        }
                        _ => return None,
                    }
                }
                match found {
                    Some(f) => f,
                    None => continue,
                }
            }
        };
        let mut value = || inline.clone().or_else(|| words.next().cloned());
        match name.as_str() {
            "p" | "provider" => line.provider = value()?,
            "r" | "role" => line.role = value()?,
            "d" | "max-duration" => line.duration = value()?,
            "j" | "json" => {}
            "s" | "use-secret" => line.use_secret = inline.as_deref() != Some("false"),
            _ => return None,
        }
    }
    (!line.provider.is_empty()).then_some(line)
}

fn candidate(profile: &str, origin: String, name: &str, p: &Provider) -> Candidate {
    let mut c = Candidate::new(profile, origin);
    let get = |k: &str| p.get(k).map_or("", String::as_str);
    c.set("source", "oidc");
    c.set("well_known_url", get("oidc_provider_metadata_url"));
    c.set("client_id", get("client_id"));
    c.set("client_secret", get("client_secret"));
    c.set("ca_bundle", get("client_auth_ca"));
    c.set("role_arn", get("default_iam_role_arn"));
    c.set("duration", get("max_session_duration_seconds"));
    match get("aws_federation_type") {
        "saml2" => {
            c.set("exchange", "saml");
            let subject = if get("oidc_provider_token_exchange_subject_token_type") == ID_TOKEN_TYPE {
                "id_token"
            } else {
                "access_token"
            };
            c.set("exchange_subject", subject);
            c.set("exchange_audience", get("oidc_provider_token_exchange_audience"));
        }
        "oidc" | "" => {}
        other => c.leave_out(format!(
            "{}: aws_federation_type '{other}' is neither oidc nor saml2; set up profile '{profile}' by hand",
            c.origin
        )),
    }
    let origin = c.origin.clone();
    let mut left = |key: &str, what: &str| {
        if !get(key).is_empty() && get(key) != "false" {
            c.leave_out(format!("{origin}: {key} of provider '{name}': {what}"));
        }
    };
    left(
        "oidc_authentication_request_additional_query",
        "not supported: aws-login adds no query parameters to the sign-in request",
    );
    left("successful_redirect_url", "not supported: aws-login shows its own page after the sign-in");
    left("failure_redirect_url", "not supported: aws-login shows its own page after the sign-in");
    left(
        "client_auth_cert",
        "not supported: aws-login has no TLS client certificates; ask the provider's administrators for a client secret or key",
    );
    left(
        "insecure_skip_verify",
        "not carried over: aws-login checks TLS certificates; set ca_bundle to the provider's CA instead",
    );
    left(
        "aws_federation_role_session_name",
        "not supported: aws-login names the role session after the signed-in user",
    );
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::profiles::words;

    #[test]
    fn get_cred_lines_as_the_readme_writes_them() {
        let line =
            parse_line(&words("get-cred -p myop -r arn:aws:iam::123456789012:role/developer -j -s -d 43200"))
                .unwrap();
        let want = Line {
            provider: "myop".into(),
            role: "arn:aws:iam::123456789012:role/developer".into(),
            duration: "43200".into(),
            use_secret: true,
        };
        assert_eq!(line, want);
        let line = parse_line(&words("get-cred --provider=myop -js")).unwrap();
        assert_eq!((line.provider.as_str(), line.use_secret), ("myop", true));
        assert_eq!(parse_line(&words("get-cred -jpmyop")).unwrap().provider, "myop");
        for bad in ["setup", "get-cred", "get-cred -p", "get-cred -x y"] {
            assert!(parse_line(&words(bad)).is_none(), "{bad}");
        }
    }

    #[test]
    fn saml2_providers_exchange_their_token() {
        let text = "myop:\n  aws_federation_type: saml2\n  client_id: c\n  oidc_provider_metadata_url: https://op/.well-known/openid-configuration\n  oidc_provider_token_exchange_subject_token_type: urn:ietf:params:oauth:token-type:id_token\n  oidc_provider_token_exchange_audience: aud\n  max_session_duration_seconds: \"3600\"\n";
        let p = providers(text).unwrap();
        let c = candidate("x", "here".into(), "myop", &p[0].1);
        assert_eq!((c.get("exchange"), c.get("exchange_subject")), (Some("saml"), Some("id_token")));
        assert_eq!(c.get("exchange_audience"), Some("aud"));
        assert!(providers("- a\n").is_err());
        assert!(providers("myop: [\n").is_err());
    }
}
