//! The OpenID Connect source's own settings, parsed from the profile's values as
//! [`crate::config::Lookup`] gives them; pure (no network: the cache path runs it).

use std::time::Duration;

use crate::cli::{ProfileArgs, SignInArgs};
use crate::config::Lookup;
use crate::error::Error;
use crate::secret::Secret;

/// The profile keys the OIDC source reads (`browser` is also `console`'s).
pub const KEYS: [&str; 12] = [
    "oidc_issuer",
    "well_known_url",
    "client_id",
    "client_secret",
    "scope",
    "oidc_flow",
    "web_identity_token",
    "redirect_ports",
    "redirect_path",
    "browser",
    "auto_login",
    "login_timeout",
];

/// The grant a person signs in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Authorization code with PKCE on a loopback redirect.
    Browser,
    /// Device authorization (RFC 8628).
    Device,
    /// Client credentials: a machine, no person (issue 17).
    ClientCredentials,
}

/// Which token goes to STS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    IdToken,
    AccessToken,
}

const LOGIN_TIMEOUT_RANGE: std::ops::RangeInclusive<u64> = 10..=900;
const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(120);
const DEFAULT_REDIRECT_PATH: &str = "/callback";

#[derive(Debug, Clone)]
pub struct Settings {
    /// The issuer as configured (`oidc_issuer`), when it is; else learnt from discovery.
    pub issuer: Option<String>,
    /// `<issuer>/.well-known/openid-configuration`, or `well_known_url`.
    pub discovery_url: String,
    pub client_id: String,
    /// For confidential clients.
    pub client_secret: Option<Secret>,
    pub scope: String,
    pub flow: Flow,
    pub token: TokenKind,
    /// The loopback ports registered with the issuer (none: any free port).
    pub redirect_ports: Vec<u16>,
    pub redirect_path: String,
    /// The command that opens URLs (`browser`), else `$BROWSER`, else the platform's opener.
    pub browser: Option<String>,
    /// Open the browser even without a terminal (credential_process).
    pub auto_login: bool,
    /// How long a sign-in in the browser may take.
    pub login_timeout: Duration,
    /// `login`'s flags.
    pub sign_in: SignInArgs,
    /// Client authentication without a person, the exchange to SAML, the roles.
    pub machine: Box<super::machine_settings::Machine>,
}

impl Settings {
    pub fn parse(values: &Lookup, args: &ProfileArgs) -> Result<Settings, Error> {
        let f = &args.oidc;
        let issuer = values
            .non_empty("oidc_issuer", &f.oidc_issuer)
            .map(|v| v.trim().trim_end_matches('/').to_string());
        let well_known = values.non_empty("well_known_url", &f.well_known_url);
        let (key, discovery_url) = match (well_known, &issuer) {
            (Some(url), _) => ("well_known_url", url.trim().to_string()),
            (None, Some(issuer)) => ("oidc_issuer", format!("{issuer}/.well-known/openid-configuration")),
            (None, None) => return Err(values.missing("oidc_issuer")),
        };
        crate::http::check_url(key, &discovery_url, "your tokens")?;
        let Some(client_id) = values.non_empty("client_id", &f.client_id) else {
            return Err(values.missing("client_id"));
        };
        let secret = f.client_secret.as_ref().map(|s| s.expose().to_string());
        let auto_login = values.get("auto_login", &f.auto_login);
        let flow = parse_flow(values.get("oidc_flow", &f.oidc_flow).as_deref())?;
        let machine = flow == Flow::ClientCredentials;
        // A machine's access token is what STS takes: it has no ID token.
        let token_default = if machine { TokenKind::AccessToken } else { TokenKind::IdToken };
        let scope_value = values.non_empty("scope", &f.scope);
        Ok(Settings {
            issuer,
            discovery_url,
            client_id: client_id.trim().to_string(),
            client_secret: values.non_empty("client_secret", &secret).map(Secret::new),
            // A machine asks for its own scopes only: `openid` is for people.
            scope: if machine {
                scope_value.map(|v| v.trim().to_string()).unwrap_or_default()
            } else {
                scope(scope_value.as_deref())
            },
            flow,
            token: parse_token(
                values.get("web_identity_token", &f.web_identity_token).as_deref(),
                token_default,
            )?,
            redirect_ports: parse_ports(values.get("redirect_ports", &f.redirect_ports).as_deref())?,
            redirect_path: parse_path(values.get("redirect_path", &f.redirect_path).as_deref())?,
            browser: values.non_empty("browser", &None),
            auto_login: crate::config::parse_bool("auto_login", auto_login.as_deref())?.unwrap_or(false),
            login_timeout: parse_login_timeout(values.get("login_timeout", &f.login_timeout).as_deref())?,
            sign_in: args.sign_in.clone(),
            machine: Box::new(super::machine_settings::Machine::parse(
                values,
                &f.machine,
                &args.enable_keyring,
            )?),
        })
    }
}

/// The scopes asked for: the profile's, always with `openid` (no ID token without it).
fn scope(value: Option<&str>) -> String {
    let mut scopes: Vec<&str> = value.unwrap_or("openid").split_whitespace().collect();
    if !scopes.contains(&"openid") {
        scopes.insert(0, "openid");
    }
    scopes.join(" ")
}

/// A setting that must be one of `allowed`: the sentence names them.
pub(super) fn one_of<T: Copy>(
    key: &'static str,
    value: Option<&str>,
    allowed: &[(&str, T)],
    default: T,
) -> Result<T, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(default) };
    allowed.iter().find(|(name, _)| raw.eq_ignore_ascii_case(name)).map(|(_, v)| *v).ok_or_else(|| {
        let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
        Error::BadSetting {
            key,
            value: crate::text::shown(raw, 100),
            why: format!("it must be one of {}", names.join(", ")),
        }
    })
}

fn parse_flow(value: Option<&str>) -> Result<Flow, Error> {
    let allowed = [
        ("browser", Flow::Browser),
        ("device", Flow::Device),
        ("client_credentials", Flow::ClientCredentials),
    ];
    one_of("oidc_flow", value, &allowed, Flow::Browser)
}

fn parse_token(value: Option<&str>, default: TokenKind) -> Result<TokenKind, Error> {
    let allowed = [("id_token", TokenKind::IdToken), ("access_token", TokenKind::AccessToken)];
    one_of("web_identity_token", value, &allowed, default)
}

/// `redirect_ports`: ports separated by commas or spaces, each 1024–65535.
fn parse_ports(value: Option<&str>) -> Result<Vec<u16>, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(Vec::new()) };
    raw.split([',', ' ', '\t'])
        .filter(|p| !p.is_empty())
        .map(|p| match p.parse::<u16>() {
            Ok(port) if port >= 1024 => Ok(port),
            _ => Err(Error::BadSetting {
                key: "redirect_ports",
                value: crate::text::shown(raw, 100),
                why: "it must list port numbers from 1024 to 65535, separated by commas".into(),
            }),
        })
        .collect()
}

fn parse_path(value: Option<&str>) -> Result<String, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_REDIRECT_PATH.into());
    };
    let path = if raw.starts_with('/') { raw.to_string() } else { format!("/{raw}") };
    if path.chars().all(|c| c.is_ascii_alphanumeric() || "/-._~".contains(c)) {
        Ok(path)
    } else {
        Err(Error::BadSetting {
            key: "redirect_path",
            value: crate::text::shown(raw, 100),
            why: "it must be a plain URL path such as /callback (letters, digits, / - . _ ~)".into(),
        })
    }
}

fn parse_login_timeout(value: Option<&str>) -> Result<Duration, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(DEFAULT_LOGIN_TIMEOUT) };
    match raw.parse::<u64>() {
        Ok(s) if LOGIN_TIMEOUT_RANGE.contains(&s) => Ok(Duration::from_secs(s)),
        _ => Err(Error::BadSetting {
            key: "login_timeout",
            value: raw.to_string(),
            why: "it must be a whole number of seconds between 10 and 900".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_from_str;
    use crate::source;
    use std::path::Path;

    fn load(text: &str) -> Result<Settings, Error> {
        let args = ProfileArgs { profile: Some("o".into()), ..Default::default() };
        match load_from_str(text, Path::new("config"), &args)?.source {
            source::Settings::Oidc(s) => Ok(s),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_issuer_and_a_client_are_enough() {
        let s = load("[o]\nsource = oidc\noidc_issuer = https://op.example/\nclient_id = cli\n").unwrap();
        assert_eq!(s.issuer.as_deref(), Some("https://op.example"));
        assert_eq!(s.discovery_url, "https://op.example/.well-known/openid-configuration");
        assert_eq!((s.flow, s.token, s.scope.as_str()), (Flow::Browser, TokenKind::IdToken, "openid"));
        assert_eq!((s.redirect_path.as_str(), s.redirect_ports.len()), ("/callback", 0));
        assert_eq!(s.login_timeout, DEFAULT_LOGIN_TIMEOUT);
        assert!(!s.auto_login);
    }

    #[test]
    fn mozilla_aws_cli_names_and_registered_ports() {
        let s = load(
            "[o]\nsource = oidc\nwell_known_url = https://auth.example/.well-known/openid-configuration\nclient_id = c\nscope = email offline_access\nredirect_ports = 10800, 10801,10802\nredirect_path = redirect_uri\noidc_flow = Device\n",
        )
        .unwrap();
        assert_eq!(s.issuer, None);
        assert_eq!(s.redirect_ports, [10800, 10801, 10802]);
        assert_eq!((s.redirect_path.as_str(), s.flow), ("/redirect_uri", Flow::Device));
        assert_eq!(s.scope, "openid email offline_access");
    }

    #[test]
    fn flags_win_over_the_file() {
        let args = ProfileArgs {
            profile: Some("o".into()),
            oidc: crate::source::oidc::flags::Flags {
                client_id: Some("from-flag".into()),
                oidc_flow: Some("device".into()),
                client_secret: Some(Secret::new("flag-secret-1")),
                ..Default::default()
            },
            ..Default::default()
        };
        let text = "[o]\nsource = oidc\noidc_issuer = https://op.example\nclient_id = from-file\n";
        let source::Settings::Oidc(s) = load_from_str(text, Path::new("config"), &args).unwrap().source
        else {
            panic!("not OIDC")
        };
        assert_eq!((s.client_id.as_str(), s.flow), ("from-flag", Flow::Device));
        assert!(!format!("{s:?}").contains("flag-secret-1"));
    }

    #[test]
    fn unknown_values_name_the_allowed_ones() {
        let base = "[o]\nsource = oidc\noidc_issuer = https://op.example\nclient_id = c\n";
        let cases = [
            (
                "oidc_flow = popup",
                "oidc_flow = 'popup' is not valid: it must be one of browser, device, client_credentials",
            ),
            ("web_identity_token = jwt", "it must be one of id_token, access_token"),
            ("redirect_ports = 80", "port numbers from 1024 to 65535"),
            ("login_timeout = 5", "between 10 and 900"),
            ("redirect_path = /a?b", "a plain URL path"),
            ("auto_login = maybe", "it must be true or false"),
        ];
        for (line, want) in cases {
            let e = load(&format!("{base}{line}\n")).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING, "{line}");
            assert!(e.to_string().contains(want), "{line}: {e}");
        }
        let e = load("[o]\nsource = oidc\noidc_issuer = http://op.example\nclient_id = c\n").unwrap_err();
        assert!(e.to_string().contains("must start with https://"), "{e}");
        let e = load("[o]\nsource = oidc\nclient_id = c\n").unwrap_err();
        assert!(e.to_string().contains("has no oidc_issuer"), "{e}");
        let e = load("[o]\nsource = oidc\noidc_issuer = https://op.example\n").unwrap_err();
        assert!(e.to_string().contains("has no client_id"), "{e}");
    }
}
