//! `migrate --from okta-aws-cli`: okta-aws-cli's setups become aws-login profiles. It reads its
//! settings by flag name from the command line, the `OKTA_AWSCLI_*` variables and the profiles
//! of `~/.okta/okta.yaml` (`awscli.profiles.<AWS profile>.<flag>`, which win over both). `web`
//! becomes `source = okta`; `m2m` the OpenID Connect source's client-credentials grant at Okta's
//! authorization server.

use std::collections::BTreeMap;

use super::profiles::{AwsFiles, Candidate, home_file, plan_candidates, process_candidates, read_tool_file};
use super::{Plan, Tool};
use crate::error::Error;
use crate::paths::Paths;

const TOOL: Tool = Tool::OktaAwsCli;

/// Settings by okta-aws-cli's flag name (`org-domain`), values as text.
type Flags = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Web,
    M2m,
    Direct,
}

/// Flags that take no value.
const SWITCHES: &[&str] = &[
    "all-profiles",
    "cache-access-token",
    "debug",
    "debug-api-calls",
    "exec",
    "expiry-aws-variables",
    "legacy-aws-variables",
    "open-browser",
    "qr-code",
    "short-user-agent",
    "write-aws-credentials",
];

/// One-letter flags: those of every command, then each command's own.
fn long_name(command: Command, short: char) -> Option<&'static str> {
    let common = match short {
        'o' => Some("org-domain"),
        'c' => Some("oidc-client-id"),
        'r' => Some("aws-iam-role"),
        's' => Some("aws-session-duration"),
        'p' => Some("profile"),
        'f' => Some("format"),
        'n' => Some("aws-region"),
        'w' => Some("aws-credentials"),
        'z' => Some("write-aws-credentials"),
        'l' => Some("legacy-aws-variables"),
        'x' => Some("expiry-aws-variables"),
        'e' => Some("cache-access-token"),
        'g' => Some("debug"),
        'd' => Some("debug-api-calls"),
        'j' => Some("exec"),
        'y' => Some("short-user-agent"),
        _ => None,
    };
    common.or(match (command, short) {
        (Command::Web, 'a') => Some("aws-acct-fed-app-id"),
        (Command::Web, 'i') => Some("aws-iam-idp"),
        (Command::Web, 'q') => Some("qr-code"),
        (Command::Web, 'b') => Some("open-browser"),
        (Command::Web, 'm') => Some("open-browser-command"),
        (Command::Web, 'k') => Some("all-profiles"),
        (Command::M2m, 'i') => Some("key-id"),
        (Command::M2m, 'k') => Some("private-key"),
        (Command::M2m, 'b') => Some("private-key-file"),
        (Command::M2m, 'm') => Some("custom-scope"),
        (Command::M2m | Command::Direct, 'u') => Some("authz-id"),
        (Command::M2m | Command::Direct, 'q') => Some("aws-sts-role-session-name"),
        (Command::Direct, 'a') => Some("username"),
        (Command::Direct, 'b') => Some("password"),
        _ => None,
    })
}

/// The variables okta-aws-cli reads, by flag name (the second is an older spelling).
const VARIABLES: &[(&str, &str, &str)] = &[
    ("org-domain", "OKTA_AWSCLI_ORG_DOMAIN", "OKTA_ORG_DOMAIN"),
    ("oidc-client-id", "OKTA_AWSCLI_OIDC_CLIENT_ID", "OKTA_OIDC_CLIENT_ID"),
    (
        "aws-acct-fed-app-id",
        "OKTA_AWSCLI_AWS_ACCOUNT_FEDERATION_APP_ID",
        "OKTA_AWS_ACCOUNT_FEDERATION_APP_ID",
    ),
    ("aws-iam-idp", "OKTA_AWSCLI_IAM_IDP", ""),
    ("aws-iam-role", "OKTA_AWSCLI_IAM_ROLE", ""),
    ("aws-session-duration", "OKTA_AWSCLI_SESSION_DURATION", ""),
    ("aws-region", "OKTA_AWSCLI_AWS_REGION", ""),
    ("aws-sts-role-session-name", "OKTA_AWSCLI_STS_ROLE_SESSION_NAME", ""),
    ("authz-id", "OKTA_AWSCLI_AUTHZ_ID", ""),
    ("custom-scope", "OKTA_AWSCLI_CUSTOM_SCOPE", ""),
    ("key-id", "OKTA_AWSCLI_KEY_ID", ""),
    ("private-key", "OKTA_AWSCLI_PRIVATE_KEY", ""),
    ("private-key-file", "OKTA_AWSCLI_PRIVATE_KEY_FILE", ""),
    ("open-browser", "OKTA_AWSCLI_OPEN_BROWSER", ""),
    ("open-browser-command", "OKTA_AWSCLI_OPEN_BROWSER_COMMAND", ""),
    ("qr-code", "OKTA_AWSCLI_QR_CODE", ""),
    ("all-profiles", "OKTA_AWSCLI_ALL_PROFILES", ""),
    ("write-aws-credentials", "OKTA_AWSCLI_WRITE_AWS_CREDENTIALS", ""),
    ("aws-credentials", "OKTA_AWSCLI_AWS_CREDENTIALS", ""),
    ("legacy-aws-variables", "OKTA_AWSCLI_LEGACY_AWS_VARIABLES", ""),
    ("expiry-aws-variables", "OKTA_AWSCLI_EXPIRY_AWS_VARIABLES", ""),
    ("exec", "OKTA_AWSCLI_EXEC", ""),
    ("profile", "OKTA_AWSCLI_PROFILE", ""),
    ("username", "OKTA_AWSCLI_USERNAME", ""),
    ("password", "OKTA_AWSCLI_PASSWORD", ""),
];

pub(super) fn plan(paths: &Paths) -> Result<Plan, Error> {
    let yaml_path = home_file(".okta/okta.yaml")?;
    let yaml = match read_tool_file(TOOL, &yaml_path)? {
        Some(text) => yaml_profiles(&text).map_err(|why| Error::ToolConfig {
            tool: TOOL.name(),
            path: yaml_path.clone(),
            why,
        })?,
        None => Vec::new(),
    };
    let shown_yaml = yaml_path.display().to_string();
    let env = variables();
    let aws = AwsFiles::open()?;
    let mut plan = Plan::default();
    let mut candidates = process_candidates(&aws, TOOL, &mut plan, |process| {
        let (command, line) = parse_line(&process.args)
            .ok_or_else(|| "its okta-aws-cli command line is not one okta-aws-cli takes".to_string())?;
        let mut flags = env.clone();
        flags.extend(line);
        if let Some((_, theirs)) = flags.get("profile").and_then(|p| yaml.iter().find(|(name, _)| name == p))
        {
            flags.extend(theirs.clone());
        }
        Ok(candidate(&process.profile, process.origin(), command, &flags))
    });
    for (name, theirs) in &yaml {
        let mut flags = env.clone();
        flags.extend(theirs.clone());
        // By its own keys: the variables are everyone's.
        let command = guess_command(theirs);
        candidates.push(candidate(name, format!("profile '{name}' of {shown_yaml}"), command, &flags));
    }
    if candidates.is_empty() && env.contains_key("org-domain") {
        let name = env.get("profile").map_or("default", String::as_str).to_string();
        let origin = "the OKTA_AWSCLI_* variables".to_string();
        candidates.push(candidate(&name, origin, guess_command(&env), &env));
    }
    plan_candidates(paths, TOOL, candidates, aws, &mut plan)?;
    Ok(plan)
}

/// The profiles of okta.yaml in file order: `awscli.profiles`, each a map of flag names to
/// values. The rest of the file (`awscli.idps`, `awscli.roles`: picker labels) carries no login.
fn yaml_profiles(text: &str) -> Result<Vec<(String, Flags)>, String> {
    use serde_norway::Value;
    let doc: Value = serde_norway::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let Some(profiles) = doc.get("awscli").and_then(|a| a.get("profiles")) else { return Ok(Vec::new()) };
    if profiles.is_null() {
        return Ok(Vec::new());
    }
    let Value::Mapping(profiles) = profiles else {
        return Err("awscli.profiles is not a map of AWS profile names".to_string());
    };
    let mut out = Vec::new();
    for (name, settings) in profiles {
        let name = scalar(name).ok_or("a profile name in awscli.profiles is not text")?;
        let Value::Mapping(settings) = settings else {
            return Err(format!("awscli.profiles.{name} is not a map of settings"));
        };
        let mut flags = Flags::new();
        for (key, value) in settings {
            let key = scalar(key).ok_or_else(|| format!("a key of awscli.profiles.{name} is not text"))?;
            let value =
                scalar(value).ok_or_else(|| format!("awscli.profiles.{name}.{key} is not a single value"))?;
            flags.insert(key, value);
        }
        out.push((name, flags));
    }
    Ok(out)
}

fn scalar(v: &serde_norway::Value) -> Option<String> {
    use serde_norway::Value;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn variables() -> Flags {
    let mut flags = Flags::new();
    for (flag, name, old) in VARIABLES {
        let value =
            std::env::var(name).ok().or_else(|| (!old.is_empty()).then(|| std::env::var(old).ok()).flatten());
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            flags.insert(flag.to_string(), v);
        }
    }
    flags
}

/// A `credential_process` line's words after `okta-aws-cli`: the command (`web` when none) and
/// its flags. `None` for what okta-aws-cli would refuse.
fn parse_line(args: &[String]) -> Option<(Command, Flags)> {
    let command = match args.first().map(String::as_str) {
        Some("web") => Command::Web,
        Some("m2m") => Command::M2m,
        Some("direct") => Command::Direct,
        Some(a) if !a.starts_with('-') => return None,
        _ => Command::Web,
    };
    let skip = usize::from(args.first().is_some_and(|a| !a.starts_with('-')));
    let mut flags = Flags::new();
    let mut words = args[skip..].iter();
    while let Some(word) = words.next() {
        if word == "--" {
            break; // what --exec runs
        }
        let (name, value) = if let Some(long) = word.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            }
        } else {
            let short = word.strip_prefix('-')?;
            let mut chars = short.chars();
            let name = long_name(command, chars.next()?)?;
            let rest = chars.as_str().trim_start_matches('=');
            (name.to_string(), (!rest.is_empty()).then(|| rest.to_string()))
        };
        let value = match value {
            Some(v) => v,
            None if SWITCHES.contains(&name.as_str()) => "true".to_string(),
            None => words.next()?.clone(),
        };
        flags.insert(name, value);
    }
    Some((command, flags))
}

/// okta.yaml and the variables do not say which command they are for: a key means `m2m`.
fn guess_command(flags: &Flags) -> Command {
    let m2m = ["key-id", "private-key", "private-key-file", "authz-id", "custom-scope"];
    if m2m.iter().any(|k| flags.contains_key(*k)) { Command::M2m } else { Command::Web }
}

fn candidate(profile: &str, origin: String, command: Command, flags: &Flags) -> Candidate {
    let mut c = Candidate::new(profile, origin);
    let get = |k: &str| flags.get(k).map_or("", String::as_str);
    let org = get("org-domain").trim().trim_start_matches("https://").trim_end_matches('/').to_string();
    match command {
        Command::Web | Command::Direct => {
            c.set("source", "okta");
            c.set("org_domain", &org);
            c.set("client_id", get("oidc-client-id"));
            c.set("aws_acct_fed_app_id", get("aws-acct-fed-app-id"));
            c.set("aws_iam_idp", get("aws-iam-idp"));
            c.set("aws_iam_role", get("aws-iam-role"));
            c.set("browser", get("open-browser-command"));
        }
        Command::M2m => {
            c.set("source", "oidc");
            c.set("oidc_flow", "client_credentials");
            let authz = flags.get("authz-id").map_or("default", String::as_str);
            if !org.is_empty() {
                c.set("oidc_issuer", &format!("https://{org}/oauth2/{authz}"));
            }
            c.set("client_id", get("oidc-client-id"));
            c.set("private_key_file", get("private-key-file"));
            c.set("key_id", get("key-id"));
            c.set("scope", flags.get("custom-scope").map_or("okta-m2m-access", String::as_str));
            c.set("role_arn", get("aws-iam-role"));
        }
    }
    let duration = flags.get("aws-session-duration").or_else(|| flags.get("session-duration"));
    c.set("duration", duration.map_or("", String::as_str));
    if org.is_empty() {
        c.leave_out(format!(
            "{}: no org-domain was set; set org_domain in aws-login profile '{profile}'",
            c.origin
        ));
    }
    if command == Command::Direct {
        c.leave_out(format!(
            "{}: okta-aws-cli's `direct` command (user name and password) has no aws-login equivalent; profile '{profile}' signs in with Okta's device flow instead",
            c.origin
        ));
    }
    for (key, value) in flags {
        if let Some(what) = advice(key, value, profile) {
            c.leave_out(format!("{}: {key}: {what}", c.origin));
        }
    }
    c
}

/// What to do about a flag the profile's settings do not carry; `None` for those they do, and
/// for those aws-login needs no setting for.
fn advice(key: &str, value: &str, profile: &str) -> Option<String> {
    let on = value.eq_ignore_ascii_case("true") || value == "1";
    Some(match key {
        "org-domain"
        | "oidc-client-id"
        | "aws-acct-fed-app-id"
        | "aws-iam-idp"
        | "aws-iam-role"
        | "aws-session-duration"
        | "session-duration"
        | "open-browser-command"
        | "authz-id"
        | "custom-scope"
        | "key-id"
        | "private-key-file"
        | "profile"
        | "username"
        | "password" => return None,
        // aws-login answers credential_process itself; logs go to -v; tokens are always cached.
        "format" | "debug" | "debug-api-calls" | "short-user-agent" | "cache-access-token" => return None,
        _ if !on && SWITCHES.contains(&key) => return None,
        "open-browser" => {
            format!("pass --open-browser to `aws-login login --profile {profile}` to open the sign-in page")
        }
        "qr-code" => format!("pass --qr to `aws-login login --profile {profile}` for the QR code"),
        "all-profiles" => {
            format!("run `aws-login login --all-roles --profile {profile}` to store every role as a profile")
        }
        "write-aws-credentials" | "aws-credentials" => format!(
            "aws-login answers credential_process instead of writing a credentials file; `aws-login export -o credentials-file --profile {profile}` writes one for tools that need it"
        ),
        "exec" => format!("run commands with `aws-login exec --profile {profile} -- COMMAND`"),
        "legacy-aws-variables" | "expiry-aws-variables" => {
            format!(
                "not supported: `aws-login export -o env --profile {profile}` prints aws-login's own set of variables"
            )
        }
        "aws-region" => format!("set region = {value} in AWS CLI profile '{profile}'"),
        "aws-sts-role-session-name" => "not supported: aws-login names the role session itself".to_string(),
        // The key itself is never shown.
        "private-key" => format!(
            "the inline private key was not copied: save it in a file only you can read and set private_key_file in aws-login profile '{profile}' (or set AWS_LOGIN_PRIVATE_KEY)"
        ),
        _ => "not known to aws-login; set its equivalent by hand if there is one".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::profiles::words;

    #[test]
    fn credential_process_lines_as_the_readme_writes_them() {
        let (command, flags) = parse_line(&words(
            "web --format process-credentials --oidc-client-id 0oabc --org-domain my-org.okta.com --aws-iam-idp arn:aws:iam::123:saml-provider/my-idp --aws-iam-role arn:aws:iam::294719231913:role/s3 --open-browser",
        ))
        .unwrap();
        assert_eq!(command, Command::Web);
        assert_eq!(flags["oidc-client-id"], "0oabc");
        assert_eq!(flags["open-browser"], "true");
        assert_eq!(flags["aws-iam-role"], "arn:aws:iam::294719231913:role/s3");
        let (command, flags) =
            parse_line(&words("m2m -o org.okta.com -c 0oa -i kid -b /k.pem -u aus1 --exec -- aws s3 ls"))
                .unwrap();
        assert_eq!(command, Command::M2m);
        assert_eq!(
            (flags["org-domain"].as_str(), flags["key-id"].as_str(), flags["private-key-file"].as_str()),
            ("org.okta.com", "kid", "/k.pem")
        );
        assert_eq!(flags["authz-id"], "aus1");
        assert!(!flags.contains_key("aws"), "what --exec runs is not a flag");
        // No command means web; --flag=value works.
        let (command, flags) = parse_line(&words("--org-domain=o.okta.com -c x")).unwrap();
        assert_eq!((command, flags["org-domain"].as_str()), (Command::Web, "o.okta.com"));
        for bad in ["list-profiles", "web --org-domain", "web -Z"] {
            assert!(parse_line(&words(bad)).is_none(), "{bad}");
        }
    }

    #[test]
    fn m2m_becomes_client_credentials_at_the_authorization_server() {
        let flags: Flags = [
            ("org-domain", "o.okta.com"),
            ("oidc-client-id", "0oa"),
            ("key-id", "k"),
            ("private-key-file", "/k.pem"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(guess_command(&flags), Command::M2m);
        let c = candidate("ci", "here".into(), Command::M2m, &flags);
        assert_eq!(c.get("oidc_issuer"), Some("https://o.okta.com/oauth2/default"));
        assert_eq!(c.get("oidc_flow"), Some("client_credentials"));
        assert_eq!(c.get("scope"), Some("okta-m2m-access"));
    }

    #[test]
    fn okta_yaml_profiles_and_refusals() {
        let text = "---\nawscli:\n  profiles:\n    staging:\n      oidc-client-id: \"0osabc\"\n      write-aws-credentials: true\n";
        let p = yaml_profiles(text).unwrap();
        assert_eq!(p[0].0, "staging");
        assert_eq!(p[0].1["write-aws-credentials"], "true");
        assert!(yaml_profiles("awscli:\n  idps:\n    a: b\n").unwrap().is_empty());
        assert!(yaml_profiles("awscli: [\n").is_err());
        assert!(yaml_profiles("awscli:\n  profiles:\n    s: [1, 2]\n").is_err());
    }
}
