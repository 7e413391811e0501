//! The Okta source's own settings (okta-aws-cli's names), parsed from the profile's values as
//! [`crate::config::Lookup`] gives them; pure (no network: the cache path runs it).

use crate::cli::{ProfileArgs, SignInArgs};
use crate::config::Lookup;
use crate::error::Error;

/// The profile keys the Okta source reads (`client_id`, `browser` and `auto_login` are the
/// OpenID source's names too).
pub const KEYS: [&str; 7] = [
    "org_domain",
    "client_id",
    "aws_acct_fed_app_id",
    "aws_iam_idp",
    "aws_iam_role",
    "browser",
    "auto_login",
];

/// What plain http to the org would expose.
pub const CARRIES: &str = "your Okta tokens";

#[derive(Debug, Clone)]
pub struct Settings {
    /// `https://<org_domain>` (`http://` on loopback only), without a trailing slash.
    pub org_url: String,
    /// The OIDC native app's client ID.
    pub client_id: String,
    /// The AWS Federation app to use; none: every one Okta lists for the user.
    pub fed_app_id: Option<String>,
    /// The SAML provider and role to keep of those granted (okta-aws-cli's preselection).
    pub iam_idp: Option<String>,
    pub iam_role: Option<String>,
    /// The command that opens URLs (`browser`), else `$BROWSER`, else the platform's opener.
    pub browser: Option<String>,
    /// Open the browser even without a terminal (credential_process).
    pub auto_login: bool,
    /// `login`'s flags (`--open-browser`, `--qr`).
    pub sign_in: SignInArgs,
}

impl Settings {
    pub fn parse(values: &Lookup, args: &ProfileArgs) -> Result<Settings, Error> {
        let Some(domain) = values.non_empty("org_domain", &None) else {
            return Err(values.missing("org_domain"));
        };
        let org_url = org_url(domain.trim())?;
        let Some(client_id) = values.non_empty("client_id", &args.oidc.client_id) else {
            return Err(values.missing("client_id"));
        };
        let text = |key| values.non_empty(key, &None).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let auto_login = values.get("auto_login", &args.oidc.auto_login);
        Ok(Settings {
            org_url,
            client_id: client_id.trim().to_string(),
            fed_app_id: text("aws_acct_fed_app_id"),
            iam_idp: text("aws_iam_idp"),
            iam_role: text("aws_iam_role"),
            browser: values.non_empty("browser", &None),
            auto_login: crate::config::parse_bool("auto_login", auto_login.as_deref())?.unwrap_or(false),
            sign_in: args.sign_in.clone(),
        })
    }
}

/// The org's base URL from `org_domain`: a bare host (`example.okta.com`, as okta-aws-cli
/// takes it) is `https://`, except on loopback, where the test stand-ins serve plain http; a
/// full URL keeps its scheme and must pass the transport rules.
pub(crate) fn org_url(domain: &str) -> Result<String, Error> {
    let url = if domain.contains("://") {
        domain.to_string()
    } else {
        let host = domain.split(['/', ':']).next().unwrap_or_default();
        let loopback =
            host == "127.0.0.1" || host.eq_ignore_ascii_case("localhost") || host.starts_with("[::1]");
        format!("{}://{domain}", if loopback { "http" } else { "https" })
    };
    let parsed = crate::http::check_url("org_domain", &url, CARRIES)?;
    if parsed.path() != "/" || parsed.query().is_some() {
        return Err(Error::BadSetting {
            key: "org_domain",
            value: crate::http::shown_url(domain),
            why: "it must be the org's host name alone, as example.okta.com".into(),
        });
    }
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_from_str;
    use crate::source;
    use std::path::Path;

    fn load(text: &str) -> Result<Settings, Error> {
        let args = ProfileArgs { profile: Some("k".into()), ..Default::default() };
        match load_from_str(text, Path::new("config"), &args)?.source {
            source::Settings::Okta(s) => Ok(s),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn okta_aws_cli_names() {
        let s = load(
            "[k]\nsource = okta\norg_domain = example.okta.com\nclient_id = 0oa1\naws_acct_fed_app_id = 0oa2\naws_iam_idp = arn:aws:iam::1:saml-provider/O\naws_iam_role = arn:aws:iam::1:role/R\n",
        )
        .unwrap();
        assert_eq!((s.org_url.as_str(), s.client_id.as_str()), ("https://example.okta.com", "0oa1"));
        assert_eq!(s.fed_app_id.as_deref(), Some("0oa2"));
        assert_eq!(s.iam_idp.as_deref(), Some("arn:aws:iam::1:saml-provider/O"));
        assert_eq!(s.iam_role.as_deref(), Some("arn:aws:iam::1:role/R"));
        assert!(!s.auto_login);
        let s = load("[k]\nsource = okta\norg_domain = 127.0.0.1:8080\nclient_id = c\n").unwrap();
        assert_eq!((s.org_url.as_str(), s.fed_app_id), ("http://127.0.0.1:8080", None));
    }

    #[test]
    fn bad_values_say_what_to_write() {
        let cases = [
            ("[k]\nsource = okta\nclient_id = c\n", "has no org_domain"),
            ("[k]\nsource = okta\norg_domain = example.okta.com\n", "has no client_id"),
            (
                "[k]\nsource = okta\norg_domain = http://example.okta.com\nclient_id = c\n",
                "must start with https://",
            ),
            ("[k]\nsource = okta\norg_domain = example.okta.com/app\nclient_id = c\n", "host name alone"),
            (
                "[k]\nsource = okta\norg_domain = a.example\nclient_id = c\nauto_login = soon\n",
                "true or false",
            ),
        ];
        for (text, want) in cases {
            let e = load(text).unwrap_err();
            assert!(e.to_string().contains(want), "{text}: {e}");
            assert_ne!(e.exit_code(), crate::error::exit::UNEXPECTED);
        }
    }
}
