//! Profile settings: `~/.aws-login/config` in awscli-login's format (one INI section per profile,
//! `[default]`, `[prod]`), with command-line flags layered on top.

use std::path::Path;

use ini::{Ini, ParseOption};

use crate::cli::ProfileArgs;
use crate::error::Error;
use crate::paths::Paths;
use crate::secret::Secret;
use crate::source::ecp::authn_request::{PARTITIONS, ServiceProvider};
use crate::source::ecp::duo::{FactorSetting, HeaderNames};

pub const DEFAULT_PROFILE: &str = "default";

/// STS accepts DurationSeconds in this range (the role's own maximum may be lower).
const DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=43200;
/// How long a Duo push or call may wait for its answer. Duo itself gives up after about a
/// minute and the IdP then answers, so the default leaves room for that answer to arrive.
const DUO_TIMEOUT_RANGE: std::ops::RangeInclusive<u64> = 5..=600;
const DEFAULT_DUO_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(90);

/// Everything one run needs to know about its profile, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: String,
    pub ecp_endpoint_url: String,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub factor: FactorSetting,
    pub passcode: Option<Secret>,
    pub role_arn: Option<String>,
    /// `None` means "do not send DurationSeconds" (awscli-login's `0`).
    pub duration: Option<u32>,
    pub duo_headers: HeaderNames,
    /// How long to wait for a Duo push or call to be answered (`duo_timeout`).
    pub duo_timeout: std::time::Duration,
    /// Refresh credentials this long before they expire (capped at half their lifetime).
    pub refresh_margin: time::Duration,
    /// Keep the IdP password in the OS keyring.
    pub enable_keyring: bool,
    /// Check the IdP's TLS certificate (`verify_ssl_certificate`).
    pub verify_tls: bool,
    /// Certificate authorities to trust besides the system's, for the IdP and STS.
    pub ca_bundle: Option<crate::tls::CaBundle>,
    /// `--ask-password`: bypass the keyring and the configured password for this run.
    pub ask_password: bool,
    /// AWS's sign-in service the assertion is requested for (`partition`, `acs_url`, `sp_entity_id`).
    pub sp: ServiceProvider,
}

/// The profile name from the flag (or `AWS_PROFILE`, which clap already folded in), else `default`.
pub fn profile_name(args: &ProfileArgs) -> String {
    args.profile.clone().filter(|p| !p.is_empty()).unwrap_or_else(|| DEFAULT_PROFILE.to_string())
}

/// Loads the profile's section and applies the flags over it.
pub fn load(paths: &Paths, args: &ProfileArgs) -> Result<Settings, Error> {
    let path = paths.config();
    let file = read_ini(&path)?;
    settings(file.as_ref(), path, args)
}

/// [`load`] with `text` as the content of the config file at `path` (for the fuzz targets).
pub fn load_from_str(text: &str, path: &Path, args: &ProfileArgs) -> Result<Settings, Error> {
    let file = parse_ini(text, path)?;
    settings(Some(&file), path.to_path_buf(), args)
}

fn settings(file: Option<&Ini>, path: std::path::PathBuf, args: &ProfileArgs) -> Result<Settings, Error> {
    let profile = profile_name(args);
    let section = file.and_then(|ini| ini.section(Some(profile.as_str())));

    // A flag wins over the file whenever it is given, even when empty (awscli-login #64).
    let get = |key: &str, flag: &Option<String>| -> Option<String> {
        flag.clone().or_else(|| section.and_then(|s| s.get(key)).map(str::to_string))
    };

    let Some(ecp_endpoint_url) = get("ecp_endpoint_url", &args.ecp_endpoint_url).filter(|v| !v.is_empty())
    else {
        return Err(match section {
            None => Error::ProfileNotFound { profile, path },
            Some(_) => Error::MissingSetting { profile, key: "ecp_endpoint_url", path },
        });
    };
    validate_url(&ecp_endpoint_url)?;

    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let passcode =
        non_empty(get("passcode", &args.passcode.as_ref().map(|s| s.expose().to_string()))).map(Secret::new);
    let mut factor = FactorSetting::parse(&get("factor", &args.factor).unwrap_or_default())?;
    if args.passcode.is_some() {
        // `--passcode` on the command line means "use this passcode now" (awscli-login #117).
        factor = FactorSetting::Factor(crate::source::ecp::duo::Factor::Passcode);
    }

    Ok(Settings {
        ecp_endpoint_url,
        username: non_empty(get("username", &args.username)),
        password: non_empty(get("password", &args.password.as_ref().map(|s| s.expose().to_string())))
            .map(Secret::new),
        factor,
        passcode,
        role_arn: non_empty(get("role_arn", &args.role_arn)).map(|s| s.trim().to_string()),
        duration: parse_duration(get("duration", &args.duration).as_deref())?,
        duo_headers: HeaderNames {
            factor: non_empty(get("http_header_factor", &args.http_header_factor)),
            passcode: non_empty(get("http_header_passcode", &args.http_header_passcode)),
            device: non_empty(get("device", &args.device)),
        },
        duo_timeout: parse_duo_timeout(get("duo_timeout", &args.duo_timeout).as_deref())?,
        refresh_margin: parse_margin(get("refresh_margin", &None).as_deref())?,
        enable_keyring: parse_bool("enable_keyring", get("enable_keyring", &args.enable_keyring).as_deref())?
            .unwrap_or(false),
        verify_tls: parse_bool(
            "verify_ssl_certificate",
            get("verify_ssl_certificate", &args.verify_ssl_certificate).as_deref(),
        )?
        .unwrap_or(true),
        ca_bundle: crate::tls::CaBundle::pick(
            args.ca_bundle.clone(),
            std::env::var("AWS_CA_BUNDLE").ok(),
            || get("ca_bundle", &None),
        ),
        ask_password: args.ask_password,
        sp: service_provider(&get)?,
        profile,
    })
}

/// Account aliases from awscli-login's `alias` file; empty if there is none or it is unreadable
/// (names are a nicety, never a reason to fail a login).
pub fn account_aliases(paths: &Paths) -> std::collections::HashMap<String, String> {
    let Ok(Some(ini)) = read_ini(&paths.alias_file()) else { return Default::default() };
    ini.section(Some("accounts"))
        .map(|s| s.iter().map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect())
        .unwrap_or_default()
}

/// Every profile named in the config file.
pub fn profiles(paths: &Paths) -> Result<Vec<String>, Error> {
    let path = paths.config();
    Ok(read_ini(&path)?.map(|ini| ini.sections().flatten().map(str::to_string).collect()).unwrap_or_default())
}

/// Reads the config file if it exists, without escapes or quote handling so that values (a
/// password with `\` or `"`) read exactly as Python's ConfigParser reads them.
fn read_ini(path: &Path) -> Result<Option<Ini>, Error> {
    // Through a symlink (dotfiles), but only a regular file: a FIFO would hang the tool.
    let text = match crate::atomic_file::read_regular(path) {
        Ok(Some(bytes)) => String::from_utf8(bytes)
            // Not UTF-8 (say, Latin-1 from an old editor): the same advice as for the files we edit.
            .map_err(|_| Error::NotUtf8 { path: path.to_path_buf() })?,
        Ok(None) => return Ok(None),
        Err(e) if crate::atomic_file::refusal(&e).is_some() => return Err(Error::file("read", path, e)),
        Err(source) => {
            return Err(Error::ConfigUnreadable { path: path.to_path_buf(), source });
        }
    };
    parse_ini(&text, path).map(Some)
}

fn parse_ini(text: &str, path: &Path) -> Result<Ini, Error> {
    let opt = ParseOption { enabled_quote: false, enabled_escape: false, ..ParseOption::default() };
    // rust-ini joins a line ending in `\` with the next one even without escapes; configparser
    // does not. A space after the `\` keeps the lines apart and is trimmed off the value.
    Ini::load_from_str_opt(&text.replace("\\\n", "\\ \n"), opt)
        .map_err(|e| Error::ConfigSyntax { path: path.to_path_buf(), detail: e.to_string() })
}

fn parse_duration(value: Option<&str>) -> Result<Option<u32>, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let bad = |why: &str| Error::BadSetting { key: "duration", value: raw.to_string(), why: why.to_string() };
    let secs: u32 = raw.parse().map_err(|_| bad("it must be a whole number of seconds"))?;
    match secs {
        0 => Ok(None),
        s if DURATION_RANGE.contains(&s) => Ok(Some(s)),
        _ => Err(bad("it must be between 900 and 43200 seconds, or 0 to let STS decide")),
    }
}

fn parse_duo_timeout(value: Option<&str>) -> Result<std::time::Duration, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_DUO_TIMEOUT);
    };
    match raw.parse::<u64>() {
        Ok(s) if DUO_TIMEOUT_RANGE.contains(&s) => Ok(std::time::Duration::from_secs(s)),
        _ => Err(Error::BadSetting {
            key: "duo_timeout",
            value: raw.to_string(),
            why: "it must be a whole number of seconds between 5 and 600".into(),
        }),
    }
}

/// The partition's sign-in service provider, with `acs_url` / `sp_entity_id` overrides for
/// regional sign-in endpoints.
fn service_provider(get: &dyn Fn(&str, &Option<String>) -> Option<String>) -> Result<ServiceProvider, Error> {
    let partition = get("partition", &None).map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
    let partition = partition.as_deref().unwrap_or("aws");
    let mut sp = ServiceProvider::for_partition(partition).ok_or_else(|| Error::BadSetting {
        key: "partition",
        value: partition.to_string(),
        why: format!("it must be one of {}", PARTITIONS.join(", ")),
    })?;
    if let Some(url) = get("acs_url", &None).filter(|v| !v.trim().is_empty()) {
        sp.acs_url = url.trim().to_string();
    }
    if let Some(id) = get("sp_entity_id", &None).filter(|v| !v.trim().is_empty()) {
        sp.entity_id = id.trim().to_string();
    }
    Ok(sp)
}

/// Python ConfigParser's booleans, which awscli-login's files use.
pub fn parse_bool(key: &'static str, value: Option<&str>) -> Result<Option<bool>, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    match raw.to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Ok(Some(true)),
        "0" | "no" | "false" | "off" => Ok(Some(false)),
        _ => Err(Error::BadSetting { key, value: raw.to_string(), why: "it must be true or false".into() }),
    }
}

fn parse_margin(value: Option<&str>) -> Result<time::Duration, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(crate::cache::DEFAULT_MARGIN);
    };
    raw.parse::<u32>().map(|s| time::Duration::seconds(s.into())).map_err(|_| Error::BadSetting {
        key: "refresh_margin",
        value: raw.to_string(),
        why: "it must be a whole number of seconds".into(),
    })
}

/// `ecp_endpoint_url` as [`crate::http::check_url`] takes it: https, or http on loopback only
/// (the password travels in this request), and no user name or password in the URL.
pub fn validate_url(url: &str) -> Result<(), Error> {
    crate::http::check_url("ecp_endpoint_url", url, "your password").map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::ecp::duo::Factor;

    fn load_with(text: &str, args: ProfileArgs) -> Result<Settings, Error> {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().join(".aws-login"));
        std::fs::create_dir_all(paths.root()).unwrap();
        std::fs::write(paths.config(), text).unwrap();
        load(&paths, &args)
    }

    const FILE: &str = "[default]\necp_endpoint_url = https://idp.example.edu/idp/profile/SAML2/SOAP/ECP\n\
        username = alice\npassword = p\\a#s\"s;w\nfactor = push\nduration = 3600\n\n\
        [prod]\necp_endpoint_url = https://idp.example.edu/ecp\nrole_arn = arn:aws:iam::1:role/R \nfactor = off\n";

    #[test]
    fn reads_awscli_login_sections_verbatim() {
        let s = load_with(FILE, ProfileArgs::default()).unwrap();
        assert_eq!(s.profile, "default");
        assert_eq!(s.username.as_deref(), Some("alice"));
        assert_eq!(s.password.as_ref().unwrap().expose(), "p\\a#s\"s;w");
        assert_eq!(s.factor, FactorSetting::Factor(Factor::Push));
        assert_eq!(s.duration, Some(3600));

        let p = load_with(FILE, ProfileArgs { profile: Some("prod".into()), ..Default::default() }).unwrap();
        assert_eq!(p.role_arn.as_deref(), Some("arn:aws:iam::1:role/R"));
        assert_eq!(p.factor, FactorSetting::Off);
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
        assert_eq!(s.username.as_deref(), Some("bob"));
        assert_eq!(s.factor, FactorSetting::Factor(Factor::Passcode));
        assert_eq!(s.passcode.unwrap().expose(), "999");
        assert_eq!(s.duration, None);
    }

    #[test]
    fn missing_profile_and_bad_values_are_clear_errors() {
        let e =
            load_with(FILE, ProfileArgs { profile: Some("nope".into()), ..Default::default() }).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::PROFILE_NOT_FOUND);
        assert!(e.to_string().contains("[nope]"), "{e}");

        let e = load_with("[default]\nusername = a\n", ProfileArgs::default()).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING);

        for d in ["60", "50000", "1h"] {
            let args = ProfileArgs { duration: Some(d.into()), ..Default::default() };
            let e = load_with(FILE, args).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING, "{d}");
        }
        let args = ProfileArgs { factor: Some("fax".into()), ..Default::default() };
        assert_eq!(load_with(FILE, args).unwrap_err().exit_code(), crate::error::exit::INVALID_FACTOR);
    }

    #[test]
    fn partition_and_sign_in_overrides() {
        let s = load_with(
            &format!("{FILE}\n[gov]\necp_endpoint_url = https://idp/ecp\npartition = aws-us-gov\n"),
            ProfileArgs { profile: Some("gov".into()), ..Default::default() },
        )
        .unwrap();
        assert_eq!(s.sp.entity_id, "urn:amazon:webservices:govcloud");
        let s = load_with(&format!("{FILE}\n[r]\necp_endpoint_url = https://idp/ecp\nacs_url = https://us-east-2.signin.aws.amazon.com/saml\n"),
            ProfileArgs { profile: Some("r".into()), ..Default::default() }).unwrap();
        assert_eq!(
            (s.sp.acs_url.as_str(), s.sp.entity_id.as_str()),
            ("https://us-east-2.signin.aws.amazon.com/saml", "urn:amazon:webservices")
        );
        let e = load_with(
            &format!("{FILE}\n[x]\necp_endpoint_url = https://idp/ecp\npartition = aws-mars\n"),
            ProfileArgs { profile: Some("x".into()), ..Default::default() },
        )
        .unwrap_err();
        assert!(e.to_string().contains("aws, aws-us-gov, aws-cn"), "{e}");
    }

    #[test]
    fn booleans_read_as_configparser_reads_them() {
        let s = load_with(&format!("{FILE}\n[k]\necp_endpoint_url = https://idp/ecp\nenable_keyring = Yes\nverify_ssl_certificate = off\n"),
            ProfileArgs { profile: Some("k".into()), ..Default::default() }).unwrap();
        assert!(s.enable_keyring && !s.verify_tls);
        let s = load_with(
            FILE,
            ProfileArgs {
                verify_ssl_certificate: Some("true".into()),
                enable_keyring: Some("0".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(!s.enable_keyring && s.verify_tls);
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
    fn a_file_that_is_not_utf8_says_so() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().join(".aws-login"));
        std::fs::create_dir_all(paths.root()).unwrap();
        std::fs::write(
            paths.config(),
            b"[default]\necp_endpoint_url = https://idp/ecp\nusername = j\xf6rg\n",
        )
        .unwrap();
        let e = load(&paths, &ProfileArgs::default()).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING);
        assert!(e.to_string().contains("is not UTF-8 text"), "{e}");
        let e = validate_url("idp.example.edu/ecp").unwrap_err();
        assert!(e.to_string().contains("https://"), "{e}");
    }

    #[test]
    fn a_trailing_backslash_joins_no_lines() {
        // Found by fuzzing: a password ending in `\` took in the setting after it, and a URL
        // ending in `\` took in the password after it and showed it in its error.
        let text = "[default]\necp_endpoint_url = https://idp/ecp\\\npassword = se\\cret\\\nfactor = push\n";
        let s = load_with(text, ProfileArgs::default()).unwrap();
        assert_eq!(s.ecp_endpoint_url, "https://idp/ecp\\");
        assert_eq!(s.password.unwrap().expose(), "se\\cret\\");
        assert_eq!(s.factor, FactorSetting::Factor(Factor::Push));
        let e =
            load_with("[default]\necp_endpoint_url = idp\\\npassword = hunter2\n", ProfileArgs::default());
        assert!(!e.unwrap_err().to_string().contains("hunter2"));
    }

    #[test]
    fn flags_alone_are_enough() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().join(".aws-login"));
        let args = ProfileArgs { ecp_endpoint_url: Some("https://idp/ecp".into()), ..Default::default() };
        assert_eq!(load(&paths, &args).unwrap().ecp_endpoint_url, "https://idp/ecp");
    }
}
