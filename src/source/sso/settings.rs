//! The Identity Center source's settings, as the AWS CLI names them: `sso_start_url`,
//! `sso_region`, `sso_account_id`, `sso_role_name`, or `sso_session = NAME`, whose
//! `[sso-session NAME]` section of the AWS config holds the start URL, region and scopes. Parsing
//! is pure (the cache path runs it); the session's section is read at login.

use crate::cli::ProfileArgs;
use crate::config::Lookup;
use crate::error::Error;
use crate::ini_edit::IniFile;

/// The profile keys the Identity Center source reads.
pub const KEYS: [&str; 7] = [
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
    "sso_session",
    "sso_registration_scopes",
    "sso_flow",
];

/// What `aws sso login` registers for when no scopes are named.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// How the user signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// The authorization code with PKCE, the browser on a loopback redirect (the default).
    Browser,
    /// The device authorization grant: a code and URL on the terminal.
    Device,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// The `[sso-session NAME]` the profile names; its token file is keyed by this name.
    pub session: Option<String>,
    /// The profile's own start URL and region (a profile without a session).
    pub start_url: Option<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub role_name: Option<String>,
    pub flow: Flow,
    /// Where the login happens, for people (`list-profiles`): the start URL, or the session.
    pub shown: String,
    /// The AWS profile of the same name (its `endpoint_url`).
    pub aws_profile: String,
    /// Certificate authorities to trust besides the system's (`ca_bundle`, `AWS_CA_BUNDLE`).
    pub ca_bundle: Option<crate::tls::CaBundle>,
    /// `login`'s `--no-browser`, `--open-browser`, `--qr`.
    pub sign_in: crate::cli::SignInArgs,
}

/// The start URL, region and scopes one login uses, with the key of its token file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub start_url: String,
    pub region: String,
    pub scopes: Vec<String>,
    /// sha1 of the session name, or of the start URL without a session (the AWS CLI's key).
    pub cache_key: String,
    /// The session name, when there is one (it goes into the token file's name only).
    pub session: Option<String>,
}

impl Settings {
    pub fn parse(values: &Lookup, args: &ProfileArgs) -> Result<Settings, Error> {
        let get = |k: &str| values.non_empty(k, &None).map(|v| v.trim().to_string());
        let session = get("sso_session");
        let start_url = get("sso_start_url");
        if session.is_none() && (start_url.is_none() || get("sso_region").is_none()) {
            // A profile that is not there at all is told as such.
            values.get("source", &None).ok_or_else(|| values.missing("sso_start_url"))?;
            let key = if start_url.is_none() { "sso_start_url" } else { "sso_region" };
            return Err(Error::BadSetting {
                key,
                value: String::new(),
                why: "an sso profile needs sso_start_url and sso_region, or sso_session naming an [sso-session] section of the AWS config".into(),
            });
        }
        let account_id = get("sso_account_id");
        if let Some(id) = &account_id
            && !(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::BadSetting {
                key: "sso_account_id",
                value: crate::text::shown(id, 100),
                why: "it must be a 12-digit AWS account ID".into(),
            });
        }
        let flow = match get("sso_flow").as_deref() {
            None | Some("browser") => Flow::Browser,
            Some("device") => Flow::Device,
            Some(other) => {
                return Err(Error::BadSetting {
                    key: "sso_flow",
                    value: crate::text::shown(other, 100),
                    why: "it must be browser (the default) or device".into(),
                });
            }
        };
        let shown = match (&session, &start_url) {
            (Some(name), _) => format!("[sso-session {name}]"),
            (None, Some(url)) => url.clone(),
            (None, None) => String::new(),
        };
        Ok(Settings {
            session,
            start_url,
            region: get("sso_region"),
            account_id,
            role_name: get("sso_role_name"),
            flow,
            shown,
            aws_profile: crate::config::profile_name(args),
            sign_in: args.sign_in.clone(),
            // As every profile picks it (see crate::config).
            ca_bundle: crate::tls::CaBundle::pick(
                args.ca_bundle.clone(),
                std::env::var("AWS_CA_BUNDLE").ok(),
                || values.get("ca_bundle", &None),
            ),
        })
    }

    /// The start URL, region and scopes: from `[sso-session NAME]` of the AWS config when the
    /// profile names one (as the AWS CLI reads it), else the profile's own.
    pub fn resolve(&self) -> Result<Resolved, Error> {
        let Some(name) = &self.session else {
            let (Some(url), Some(region)) = (&self.start_url, &self.region) else {
                return Err(Error::Unexpected("sso_start_url and sso_region are checked when read".into()));
            };
            return Ok(Resolved {
                start_url: url.clone(),
                region: check_region(region)?,
                scopes: vec![DEFAULT_SCOPE.to_string()],
                cache_key: sha1_hex(url),
                session: None,
            });
        };
        let path = crate::paths::aws_config_file()?;
        let file = IniFile::open(&path)?;
        let header = format!("sso-session {name}");
        let in_section = |h: &str| h.trim() == header;
        if !file.doc.sections().iter().any(|h| in_section(h)) {
            return Err(Error::BadSetting {
                key: "sso_session",
                value: crate::text::shown(name, 100),
                why: format!(
                    "{} has no [{header}] section; add one with sso_start_url and sso_region",
                    path.display()
                ),
            });
        }
        let value = |k: &'static str| {
            file.doc.get(&in_section, k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).ok_or_else(
                || Error::BadSetting {
                    key: k,
                    value: String::new(),
                    why: format!("[{header}] in {} must set it", path.display()),
                },
            )
        };
        let start_url = value("sso_start_url")?;
        let region = check_region(&value("sso_region")?)?;
        let scopes = file
            .doc
            .get(&in_section, "sso_registration_scopes")
            .map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_string()]);
        Ok(Resolved { start_url, region, scopes, cache_key: sha1_hex(name), session: Some(name.clone()) })
    }
}

/// A region is letters, digits and dashes: it goes into a host name.
fn check_region(region: &str) -> Result<String, Error> {
    let ok = !region.is_empty()
        && region.len() <= 64
        && region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(region.to_string())
    } else {
        Err(Error::BadSetting {
            key: "sso_region",
            value: crate::text::shown(region, 100),
            why: "it must be a region name such as us-east-1".into(),
        })
    }
}

/// The lowercase hex sha1 of `text`: how the AWS CLI names a token file.
pub fn sha1_hex(text: &str) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_are_the_aws_clis() {
        // botocore's SSOTokenLoader: sha1 of the session name, or of the start URL.
        // Golden values from Python's hashlib, as botocore computes them.
        assert_eq!(sha1_hex("my-sso"), "0ad374308c5a4e22f723adf10145eafad7c4031c");
        assert_eq!(
            sha1_hex("https://d-92671207e4.awsapps.com/start"),
            "13f9d35043871d073ab260e020f0ffde092cb14b"
        );
    }

    #[test]
    fn regions_go_into_host_names_only_when_region_shaped() {
        assert!(check_region("eu-west-1").is_ok());
        for bad in ["", "us east", "x.evil.example/", "a\n"] {
            assert_eq!(
                check_region(bad).unwrap_err().exit_code(),
                crate::error::exit::BAD_SETTING,
                "{bad:?}"
            );
        }
    }
}
