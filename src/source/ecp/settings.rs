//! The ECP source's own settings: the IdP endpoint, the user and password, Duo, and the AWS
//! sign-in service the assertion is requested for. Parsed from the profile's values as
//! [`crate::config::Lookup`] gives them; pure (no keyring, TLS or network: the cache path runs it).

use std::time::Duration;

use super::authn_request::ServiceProvider;
use super::duo::{Factor, FactorSetting, HeaderNames};
use crate::cli::ProfileArgs;
use crate::config::Lookup;
use crate::error::Error;
use crate::partition::Partition;
use crate::password;
use crate::secret::Secret;

/// The profile keys the ECP source reads.
pub const KEYS: [&str; 12] = [
    "ecp_endpoint_url",
    "username",
    "password",
    "factor",
    "passcode",
    "http_header_factor",
    "http_header_passcode",
    "device",
    "duo_timeout",
    "enable_keyring",
    "acs_url",
    "sp_entity_id",
];

/// How long a Duo push or call may wait for its answer. Duo itself gives up after about a
/// minute and the IdP then answers, so the default leaves room for that answer to arrive.
const DUO_TIMEOUT_RANGE: std::ops::RangeInclusive<u64> = 5..=600;
const DEFAULT_DUO_TIMEOUT: Duration = Duration::from_secs(90);

#[derive(Debug, Clone)]
pub struct Settings {
    pub endpoint_url: String,
    pub username: Option<String>,
    /// Where the password comes from (the profile, the keyring, the terminal).
    pub password: password::Settings,
    pub factor: FactorSetting,
    pub passcode: Option<Secret>,
    pub duo_headers: HeaderNames,
    /// How long to wait for a Duo push or call to be answered (`duo_timeout`).
    pub duo_timeout: Duration,
    /// AWS's sign-in service the assertion is requested for (`partition`, `acs_url`, `sp_entity_id`).
    pub sp: ServiceProvider,
}

impl Settings {
    pub fn parse(values: &Lookup, args: &ProfileArgs, partition: &Partition) -> Result<Settings, Error> {
        let Some(endpoint_url) = values.non_empty("ecp_endpoint_url", &args.ecp_endpoint_url) else {
            return Err(values.missing("ecp_endpoint_url"));
        };
        validate_url(&endpoint_url)?;
        let secret = |flag: &Option<Secret>| flag.as_ref().map(|s| s.expose().to_string());
        let passcode = values.non_empty("passcode", &secret(&args.passcode)).map(Secret::new);
        let mut factor = FactorSetting::parse(&values.get("factor", &args.factor).unwrap_or_default())?;
        if args.passcode.is_some() {
            // `--passcode` on the command line means "use this passcode now" (awscli-login #117).
            factor = FactorSetting::Factor(Factor::Passcode);
        }
        let keyring = values.get("enable_keyring", &args.enable_keyring);
        Ok(Settings {
            endpoint_url,
            username: values.non_empty("username", &args.username),
            password: password::Settings {
                configured: values.non_empty("password", &secret(&args.password)).map(Secret::new),
                keyring: crate::config::parse_bool("enable_keyring", keyring.as_deref())?.unwrap_or(false),
                ask: args.ask_password,
            },
            factor,
            passcode,
            duo_headers: HeaderNames {
                factor: values.non_empty("http_header_factor", &args.http_header_factor),
                passcode: values.non_empty("http_header_passcode", &args.http_header_passcode),
                device: values.non_empty("device", &args.device),
            },
            duo_timeout: parse_duo_timeout(values.get("duo_timeout", &args.duo_timeout).as_deref())?,
            sp: service_provider(values, partition)?,
        })
    }
}

/// `ecp_endpoint_url` as [`crate::http::check_url`] takes it: https, or http on loopback only
/// (the password travels in this request), and no user name or password in the URL.
pub fn validate_url(url: &str) -> Result<(), Error> {
    crate::http::check_url("ecp_endpoint_url", url, "your password").map(drop)
}

/// A `factor` answer to `configure`'s question: the value to write, or what is wrong with it.
pub fn check_factor(value: &str) -> Result<(), Error> {
    FactorSetting::parse(value).map(drop)
}

fn parse_duo_timeout(value: Option<&str>) -> Result<Duration, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_DUO_TIMEOUT);
    };
    match raw.parse::<u64>() {
        Ok(s) if DUO_TIMEOUT_RANGE.contains(&s) => Ok(Duration::from_secs(s)),
        _ => Err(Error::BadSetting {
            key: "duo_timeout",
            value: raw.to_string(),
            why: "it must be a whole number of seconds between 5 and 600".into(),
        }),
    }
}

/// The partition's sign-in service provider, with `acs_url` / `sp_entity_id` overrides for
/// regional sign-in endpoints.
fn service_provider(values: &Lookup, partition: &Partition) -> Result<ServiceProvider, Error> {
    let trimmed = |key| values.get(key, &None).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let acs_url = trimmed("acs_url");
    let entity_id = trimmed("sp_entity_id");
    let mut sp = match (partition.saml, &acs_url, &entity_id) {
        (Some(sp), _, _) => ServiceProvider::from(sp),
        // Not known to aws-login (see crate::partition): the profile must say both.
        (None, Some(acs_url), Some(entity_id)) => {
            ServiceProvider { acs_url: acs_url.clone(), entity_id: entity_id.clone() }
        }
        (None, _, _) => {
            return Err(Error::BadSetting {
                key: "partition",
                value: partition.id.to_string(),
                why: "aws-login does not know AWS's SAML sign-in address in it: set acs_url and sp_entity_id for this profile too".into(),
            });
        }
    };
    if let Some(url) = acs_url {
        sp.acs_url = url;
    }
    if let Some(id) = entity_id {
        sp.entity_id = id;
    }
    Ok(sp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, load_from_str};
    use std::path::Path;

    fn load_with(text: &str, args: ProfileArgs) -> Result<config::Settings, Error> {
        load_from_str(text, Path::new("config"), &args)
    }

    fn ecp(s: &config::Settings) -> &Settings {
        match &s.source {
            crate::source::Settings::Ecp(ecp) => ecp,
            other => panic!("not ECP: {other:?}"),
        }
    }

    const FILE: &str = "[default]\necp_endpoint_url = https://idp.example.edu/idp/profile/SAML2/SOAP/ECP\n\
        username = alice\npassword = p\\a#s\"s;w\nfactor = push\nduration = 3600\n\n\
        [prod]\necp_endpoint_url = https://idp.example.edu/ecp\nrole_arn = arn:aws:iam::1:role/R \nfactor = off\n";

    #[test]
    fn reads_awscli_login_sections_verbatim() {
        let s = load_with(FILE, ProfileArgs::default()).unwrap();
        assert_eq!(s.profile, "default");
        assert_eq!(ecp(&s).username.as_deref(), Some("alice"));
        assert_eq!(ecp(&s).password.configured.as_ref().unwrap().expose(), "p\\a#s\"s;w");
        assert_eq!(ecp(&s).factor, FactorSetting::Factor(Factor::Push));
        assert_eq!(s.duration, Some(3600));

        let p = load_with(FILE, ProfileArgs { profile: Some("prod".into()), ..Default::default() }).unwrap();
        assert_eq!(p.role_arn.as_deref(), Some("arn:aws:iam::1:role/R"));
        assert_eq!(ecp(&p).factor, FactorSetting::Off);
        assert_eq!(p.duration, None);
    }

    #[test]
    fn flags_override_the_file_and_passcode_flag_forces_factor() {
        let args = ProfileArgs {
            username: Some("bob".into()),
            passcode: Some("999".into()),
            duration: Some("0".into()),
            ..Default::default()
        };
        let s = load_with(FILE, args).unwrap();
        assert_eq!(ecp(&s).username.as_deref(), Some("bob"));
        assert_eq!(ecp(&s).factor, FactorSetting::Factor(Factor::Passcode));
        assert_eq!(ecp(&s).passcode.clone().unwrap().expose(), "999");
        assert_eq!(s.duration, None);
    }

    #[test]
    fn partition_and_sign_in_overrides() {
        let s = load_with(
            &format!("{FILE}\n[gov]\necp_endpoint_url = https://idp/ecp\npartition = aws-us-gov\n"),
            ProfileArgs { profile: Some("gov".into()), ..Default::default() },
        )
        .unwrap();
        assert_eq!(ecp(&s).sp.entity_id, "urn:amazon:webservices:govcloud");
        let s = load_with(&format!("{FILE}\n[r]\necp_endpoint_url = https://idp/ecp\nacs_url = https://us-east-2.signin.aws.amazon.com/saml\n"),
            ProfileArgs { profile: Some("r".into()), ..Default::default() }).unwrap();
        assert_eq!(
            (ecp(&s).sp.acs_url.as_str(), ecp(&s).sp.entity_id.as_str()),
            ("https://us-east-2.signin.aws.amazon.com/saml", "urn:amazon:webservices")
        );
        let e = load_with(
            &format!("{FILE}\n[x]\necp_endpoint_url = https://idp/ecp\npartition = aws-mars\n"),
            ProfileArgs { profile: Some("x".into()), ..Default::default() },
        )
        .unwrap_err();
        assert!(e.to_string().contains("aws, aws-us-gov, aws-cn"), "{e}");
        // A partition whose SAML sign-in aws-login does not know needs both addresses.
        let eusc = format!("{FILE}\n[e]\necp_endpoint_url = https://idp/ecp\npartition = aws-eusc\n");
        let e =
            load_with(&eusc, ProfileArgs { profile: Some("e".into()), ..Default::default() }).unwrap_err();
        assert!(e.to_string().contains("acs_url and sp_entity_id"), "{e}");
        let s = load_with(
            &format!("{eusc}acs_url = https://sp.example/saml\nsp_entity_id = urn:x\n"),
            ProfileArgs { profile: Some("e".into()), ..Default::default() },
        )
        .unwrap();
        assert_eq!(
            (ecp(&s).sp.acs_url.as_str(), ecp(&s).sp.entity_id.as_str()),
            ("https://sp.example/saml", "urn:x")
        );
    }

    #[test]
    fn booleans_read_as_configparser_reads_them() {
        let s = load_with(&format!("{FILE}\n[k]\necp_endpoint_url = https://idp/ecp\nenable_keyring = Yes\nverify_ssl_certificate = off\n"),
            ProfileArgs { profile: Some("k".into()), ..Default::default() }).unwrap();
        assert!(ecp(&s).password.keyring && !s.verify_tls);
        let s = load_with(
            FILE,
            ProfileArgs {
                verify_ssl_certificate: Some("true".into()),
                enable_keyring: Some("0".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(!ecp(&s).password.keyring && s.verify_tls);
        let e = load_with(FILE, ProfileArgs { enable_keyring: Some("maybe".into()), ..Default::default() })
            .unwrap_err();
        assert!(e.to_string().contains("true or false"), "{e}");
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in ["http://127.0.0.1:8080/ecp", "http://[::1]/ecp", "http://localhost/ecp", "https://idp/ecp"]
        {
            validate_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in ["http://idp.example.edu/ecp", "http://10.0.0.1/ecp", "ftp://idp/ecp", "not a url"] {
            assert_eq!(validate_url(bad).unwrap_err().exit_code(), crate::error::exit::BAD_SETTING, "{bad}");
        }
    }

    #[test]
    fn a_trailing_backslash_joins_no_lines() {
        // Found by fuzzing: a password ending in `\` took in the setting after it, and a URL
        // ending in `\` took in the password after it and showed it in its error.
        let text = "[default]\necp_endpoint_url = https://idp/ecp\\\npassword = se\\cret\\\nfactor = push\n";
        let s = load_with(text, ProfileArgs::default()).unwrap();
        assert_eq!(ecp(&s).endpoint_url, "https://idp/ecp\\");
        assert_eq!(ecp(&s).password.configured.clone().unwrap().expose().to_string(), "se\\cret\\");
        assert_eq!(ecp(&s).factor, FactorSetting::Factor(Factor::Push));
        let e =
            load_with("[default]\necp_endpoint_url = idp\\\npassword = hunter2\n", ProfileArgs::default());
        assert!(!e.unwrap_err().to_string().contains("hunter2"));
    }
}
