//! The settings of OpenID Connect for machines and SAML (issue 17): how a client without a person
//! authenticates, the token exchange to SAML, and where the roles come from. Pure, like
//! [`super::settings`].

use std::path::PathBuf;

use super::machine_flags::MachineFlags;
use super::settings::{TokenKind, one_of};
use crate::config::Lookup;
use crate::error::Error;

/// The profile keys these settings read.
pub const KEYS: [&str; 13] = [
    "private_key_file",
    "key_id",
    "client_assertion_audience",
    "resource",
    "audience",
    "token_endpoint_auth_method",
    "exchange",
    "exchange_endpoint",
    "exchange_subject",
    "exchange_audience",
    "roles",
    "roles_claim",
    "roles_url",
];

/// What the exchange asks for when the profile does not say: AWS as a SAML service provider.
pub const DEFAULT_EXCHANGE_AUDIENCE: &str = "urn:amazon:webservices";

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// A signed JWT when there is a key, else the secret as the provider prefers.
    Auto,
    Basic,
    Post,
    PrivateKeyJwt,
}

/// The token exchange to SAML (RFC 8693), when the profile asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The endpoint, when not the provider's token endpoint.
    pub endpoint: Option<String>,
    /// Which of the sign-in's tokens is exchanged.
    pub subject: TokenKind,
    pub audience: String,
}

/// Where the roles to assume with a web identity come from, besides `role_arn`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolesFrom {
    /// `roles`: a list in the profile.
    pub listed: Vec<String>,
    /// `roles_claim`: a claim of the ID token.
    pub claim: Option<String>,
    /// `roles_url`: mozilla-aws-cli's roles API.
    pub url: Option<String>,
}

impl RolesFrom {
    pub fn any(&self) -> bool {
        !self.listed.is_empty() || self.claim.is_some() || self.url.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct Machine {
    pub private_key_file: Option<PathBuf>,
    /// The JWT `kid` of the client assertion.
    pub key_id: Option<String>,
    /// The client assertion's `aud`, when not the token endpoint.
    pub assertion_audience: Option<String>,
    /// RFC 8707 `resource`, for authorization servers that need one.
    pub resource: Option<String>,
    /// The `audience` parameter some authorization servers take instead.
    pub audience: Option<String>,
    pub auth_method: AuthMethod,
    pub exchange: Option<Exchange>,
    pub roles: RolesFrom,
    /// `enable_keyring`: the client secret may come from, and is kept in, the OS keyring.
    pub keyring: bool,
    /// This run's client secret is the keyring's (so it is not stored again).
    pub secret_from_keyring: bool,
}

impl Machine {
    /// `enable_keyring` is also ECP's setting, hence its flag apart.
    pub fn parse(
        values: &Lookup,
        f: &MachineFlags,
        enable_keyring: &Option<String>,
    ) -> Result<Machine, Error> {
        let text = |key: &'static str, flag: &Option<String>| {
            values.non_empty(key, flag).map(|v| v.trim().to_string())
        };
        let auth_method = one_of(
            "token_endpoint_auth_method",
            values.get("token_endpoint_auth_method", &f.token_endpoint_auth_method).as_deref(),
            &[
                ("client_secret_basic", AuthMethod::Basic),
                ("client_secret_post", AuthMethod::Post),
                ("private_key_jwt", AuthMethod::PrivateKeyJwt),
            ],
            AuthMethod::Auto,
        )?;
        let exchange = one_of(
            "exchange",
            values.get("exchange", &f.exchange).as_deref(),
            &[("none", false), ("saml", true)],
            false,
        )?;
        let exchange = match exchange {
            false => None,
            true => {
                let endpoint = text("exchange_endpoint", &f.exchange_endpoint);
                if let Some(url) = &endpoint {
                    crate::http::check_url("exchange_endpoint", url, "your tokens")?;
                }
                let subject = one_of(
                    "exchange_subject",
                    values.get("exchange_subject", &f.exchange_subject).as_deref(),
                    &[("access_token", TokenKind::AccessToken), ("id_token", TokenKind::IdToken)],
                    TokenKind::AccessToken,
                )?;
                let audience = text("exchange_audience", &f.exchange_audience)
                    .unwrap_or_else(|| DEFAULT_EXCHANGE_AUDIENCE.to_string());
                Some(Exchange { endpoint, subject, audience })
            }
        };
        let url = text("roles_url", &f.roles_url);
        if let Some(url) = &url {
            crate::http::check_url("roles_url", url, "your ID token")?;
        }
        let roles = RolesFrom {
            listed: role_list("roles", values.non_empty("roles", &f.roles).as_deref())?,
            claim: text("roles_claim", &f.roles_claim),
            url,
        };
        Ok(Machine {
            private_key_file: text("private_key_file", &f.private_key_file).map(PathBuf::from),
            key_id: text("key_id", &f.key_id),
            assertion_audience: text("client_assertion_audience", &f.client_assertion_audience),
            resource: text("resource", &f.resource),
            audience: text("audience", &f.audience),
            auth_method,
            exchange,
            roles,
            keyring: crate::config::parse_bool(
                "enable_keyring",
                values.get("enable_keyring", enable_keyring).as_deref(),
            )?
            .unwrap_or(false),
            secret_from_keyring: false,
        })
    }
}

/// Role ARNs separated by commas or white space, each an IAM role's.
pub fn role_list(key: &'static str, value: Option<&str>) -> Result<Vec<String>, Error> {
    let Some(raw) = value else { return Ok(Vec::new()) };
    let mut roles: Vec<String> = Vec::new();
    for arn in raw.split([',', ' ', '\t', '\n']).filter(|a| !a.is_empty()) {
        if !is_role_arn(arn) {
            return Err(Error::BadSetting {
                key,
                value: crate::text::shown(raw, 100),
                why: format!(
                    "'{}' is not an IAM role ARN (arn:aws:iam::123456789012:role/Name); separate roles with commas",
                    crate::text::shown(arn, 100)
                ),
            });
        }
        if !roles.iter().any(|r| r == arn) {
            roles.push(arn.to_string());
        }
    }
    Ok(roles)
}

/// `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub fn is_role_arn(arn: &str) -> bool {
    let f: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(f.as_slice(), ["arn", partition, "iam", "", account, resource]
        if !partition.is_empty()
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty() && !n.ends_with('/'))
            && !resource.contains(char::is_whitespace))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cli::ProfileArgs;
    use crate::source::oidc::{Flow, Settings};

    const BASE: &str = "[m]\nsource = oidc\noidc_issuer = https://op.example\nclient_id = svc\n";

    /// Profile `m` of an OpenID client `svc`, with `extra` lines (other modules' tests use it too).
    pub(crate) fn load(extra: &str) -> Result<Settings, Error> {
        let args = ProfileArgs { profile: Some("m".into()), ..Default::default() };
        let text = format!("{BASE}{extra}");
        match crate::config::load_from_str(&text, std::path::Path::new("config"), &args)?.source {
            crate::source::Settings::Oidc(s) => Ok(s),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_machine_asks_for_its_own_scopes_and_passes_the_access_token_on() {
        let s = load(
            "oidc_flow = client_credentials\nscope = sts deploy\nprivate_key_file = /k.pem\nkey_id = k1\n",
        )
        .unwrap();
        assert_eq!(
            (s.flow, s.token, s.scope.as_str()),
            (Flow::ClientCredentials, TokenKind::AccessToken, "sts deploy")
        );
        let m = &s.machine;
        assert_eq!(
            (m.private_key_file.as_deref(), m.key_id.as_deref()),
            (Some(std::path::Path::new("/k.pem")), Some("k1"))
        );
        assert_eq!(
            (m.auth_method, m.exchange.is_none(), m.roles.any(), m.keyring),
            (AuthMethod::Auto, true, false, false)
        );
        // A person's flow keeps its defaults.
        let s = load("").unwrap();
        assert_eq!((s.token, s.scope.as_str()), (TokenKind::IdToken, "openid"));
    }

    #[test]
    fn the_exchange_has_defaults_and_names_allowed_values() {
        let s = load("exchange = SAML\n").unwrap();
        let ex = s.machine.exchange.clone().unwrap();
        assert_eq!(
            (ex.endpoint, ex.subject, ex.audience.as_str()),
            (None, TokenKind::AccessToken, DEFAULT_EXCHANGE_AUDIENCE)
        );
        let s = load("exchange = saml\nexchange_subject = id_token\nexchange_audience = https://signin.aws.amazon.com/saml\nexchange_endpoint = https://kc.example/token\n").unwrap();
        let ex = s.machine.exchange.clone().unwrap();
        assert_eq!(
            (ex.endpoint.as_deref(), ex.subject),
            (Some("https://kc.example/token"), TokenKind::IdToken)
        );
        let cases = [
            ("exchange = wsfed", "it must be one of none, saml"),
            ("exchange = saml\nexchange_subject = refresh_token", "it must be one of access_token, id_token"),
            ("exchange = saml\nexchange_endpoint = http://kc.example/token", "must start with https://"),
            (
                "token_endpoint_auth_method = tls_client_auth",
                "client_secret_basic, client_secret_post, private_key_jwt",
            ),
            ("roles_url = http://maws.example/roles", "must start with https://"),
            ("enable_keyring = sometimes", "it must be true or false"),
        ];
        for (line, want) in cases {
            let e = load(&format!("{line}\n")).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING, "{line}");
            assert!(e.to_string().contains(want), "{line}: {e}");
        }
    }

    #[test]
    fn role_lists_take_commas_and_spaces_once_each() {
        let a = "arn:aws:iam::111122223333:role/A";
        let b = "arn:aws-us-gov:iam::111122223333:role/team/B";
        let got = role_list("roles", Some(&format!(" {a}, {b}\t{a} ,"))).unwrap();
        assert_eq!(got, [a, b]);
        assert!(role_list("roles", None).unwrap().is_empty());
        for bad in [
            "Developer",
            "arn:aws:iam::1111:role/A",
            "arn:aws:iam::111122223333:user/A",
            "arn:aws:sts::111122223333:role/A",
            "arn:aws:iam::111122223333:role/",
        ] {
            let e = role_list("roles", Some(&format!("{a},{bad}"))).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING, "{bad}");
            assert!(e.to_string().contains("is not an IAM role ARN"), "{e}");
        }
    }
}
