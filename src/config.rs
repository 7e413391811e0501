//! Profile settings: `~/.aws-login/config` in awscli-login's format (one INI section per profile,
//! `[default]`, `[prod]`), with command-line flags layered on top.

use std::collections::HashMap;
use std::path::Path;

use crate::cli::ProfileArgs;
use crate::error::Error;
use crate::ini_edit::{DEFAULT_SECTION, Document, Located, Refusal};
use crate::paths::Paths;
use crate::secret::Secret;
use crate::source::ecp::authn_request::ServiceProvider;
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
    /// How the profile logs in (`source`).
    pub source: crate::source::Source,
}

/// The profile name from the flag (or `AWS_PROFILE`, which clap already folded in), else `default`.
pub fn profile_name(args: &ProfileArgs) -> String {
    args.profile.clone().filter(|p| !p.is_empty()).unwrap_or_else(|| DEFAULT_PROFILE.to_string())
}

/// Loads the profile's section and applies the flags over it.
pub fn load(paths: &Paths, args: &ProfileArgs) -> Result<Settings, Error> {
    let path = paths.config();
    let file = read_config(&path)?;
    settings(file.as_ref(), path, args)
}

/// [`load`] with `text` as the content of the config file at `path` (for the fuzz targets).
pub fn load_from_str(text: &str, path: &Path, args: &ProfileArgs) -> Result<Settings, Error> {
    let file = parse_config(text, path)?;
    settings(Some(&file), path.to_path_buf(), args)
}

/// The keys of a profile that aws-login reads; each must be one line.
const KEYS: [&str; 19] = [
    "source",
    "ecp_endpoint_url",
    "username",
    "password",
    "factor",
    "passcode",
    "role_arn",
    "duration",
    "http_header_factor",
    "http_header_passcode",
    "device",
    "duo_timeout",
    "refresh_margin",
    "enable_keyring",
    "verify_ssl_certificate",
    "ca_bundle",
    "partition",
    "acs_url",
    "sp_entity_id",
];

/// The profile's keys (lowercased) with its section's values over `[DEFAULT]`'s, as
/// configparser's section proxy reads them; `None` when the file has no such section.
fn profile_section(
    file: &Document,
    profile: &str,
    path: &Path,
) -> Result<Option<HashMap<String, String>>, Error> {
    if !file.sections().contains(&profile) {
        return Ok(None);
    }
    let entries = file.located_entries(&|s: &str| s == profile || s == DEFAULT_SECTION);
    let mut section = HashMap::new();
    // `[DEFAULT]` first, so that the profile's own keys replace its.
    let defaults = |e: &&Located| e.section == DEFAULT_SECTION && profile != DEFAULT_SECTION;
    let own = |e: &&Located| e.section == profile;
    for e in entries.iter().filter(defaults).chain(entries.iter().filter(own)) {
        if e.value.contains('\n') && KEYS.contains(&e.key.as_str()) {
            return Err(Error::ConfigContinued {
                path: path.to_path_buf(),
                key: e.key.clone(),
                section: e.section.clone(),
                line: e.line,
            });
        }
        section.insert(e.key.clone(), e.value.clone());
    }
    Ok(Some(section))
}

fn settings(
    file: Option<&Document>,
    path: std::path::PathBuf,
    args: &ProfileArgs,
) -> Result<Settings, Error> {
    let profile = profile_name(args);
    let section = match file {
        Some(doc) => profile_section(doc, &profile, &path)?,
        None => None,
    };

    // A flag wins over the file whenever it is given, even when empty (awscli-login #64).
    let get = |key: &str, flag: &Option<String>| -> Option<String> {
        debug_assert!(KEYS.contains(&key), "{key} is read but not in KEYS");
        flag.clone().or_else(|| section.as_ref().and_then(|s| s.get(key)).cloned())
    };

    let source = crate::source::Source::parse(get("source", &None).as_deref())?;
    let Some(ecp_endpoint_url) = get("ecp_endpoint_url", &args.ecp_endpoint_url).filter(|v| !v.is_empty())
    else {
        return Err(match &section {
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
        source,
        profile,
    })
}

/// Account aliases from awscli-login's `alias` file; empty if there is none or it is unreadable
/// (names are a nicety, never a reason to fail a login).
pub fn account_aliases(paths: &Paths) -> HashMap<String, String> {
    // A regular file only (a FIFO would hang the picker); not UTF-8 counts as none.
    let Ok(Some(bytes)) = crate::atomic_file::read_regular(&paths.alias_file()) else {
        return HashMap::new();
    };
    let Ok(text) = String::from_utf8(bytes) else { return HashMap::new() };
    Document::parse(&text)
        .located_entries(&|s: &str| s == "accounts")
        .into_iter()
        .map(|e| (e.key.trim().to_string(), e.value.trim().to_string()))
        .collect()
}

/// The profile's `output` setting (what `export` prints without `-o`), if it has one. Read on
/// its own, not as a login setting: only `export` uses it, so a bad value can never break a
/// `credential_process` line.
pub fn output(paths: &Paths, profile: &str) -> Result<Option<String>, Error> {
    let path = paths.config();
    let Some(doc) = read_config(&path)? else { return Ok(None) };
    let Some(section) = profile_section(&doc, profile, &path)? else { return Ok(None) };
    match section.get("output").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        Some(v) if v.contains('\n') => Err(Error::ConfigContinued {
            path,
            key: "output".into(),
            section: profile.to_string(),
            line: doc
                .located_entries(&|s: &str| s == profile)
                .iter()
                .find(|e| e.key == "output")
                .map_or(0, |e| e.line),
        }),
        v => Ok(v.map(str::to_string)),
    }
}

/// Every profile named in the config file (its sections but `[DEFAULT]`, as configparser's
/// `sections()`).
pub fn profiles(paths: &Paths) -> Result<Vec<String>, Error> {
    let path = paths.config();
    let Some(doc) = read_config(&path)? else { return Ok(Vec::new()) };
    Ok(doc.sections().into_iter().filter(|s| *s != DEFAULT_SECTION).map(str::to_string).collect())
}

/// Reads the config file if it exists: through a symlink (dotfiles), but only a regular file, as
/// a FIFO would hang the tool.
fn read_config(path: &Path) -> Result<Option<Document>, Error> {
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
    parse_config(&text, path).map(Some)
}

/// Reads the config as awscli-login's configparser (strict mode) does, through the same reader
/// `configure` edits it with: values exactly as written (no escapes, quotes or inline
/// comments), keys ignoring case, an indented line continuing the value above it. What strict
/// configparser refuses is refused, naming the line; a byte-order mark is skipped.
fn parse_config(text: &str, path: &Path) -> Result<Document, Error> {
    let doc = Document::parse(text);
    match doc.refusal() {
        None => Ok(doc),
        Some(refusal) => Err(refused(refusal, path)),
    }
}

fn refused(refusal: Refusal, path: &Path) -> Error {
    let syntax = |detail: String| Error::ConfigSyntax { path: path.to_path_buf(), detail };
    let repeat = |detail: String| Error::ConfigRepeat { path: path.to_path_buf(), detail };
    match refusal {
        Refusal::LoneCarriageReturn { line } => syntax(format!(
            "line {line} holds a carriage return (CR) without a line feed after it; save the file \
             with Unix (LF) or Windows (CRLF) line endings"
        )),
        Refusal::BrokenHeader { line } => syntax(format!(
            "line {line} starts with '[' but is no section header; write the header as [name], \
             with its closing ']'"
        )),
        Refusal::OutsideSection { line } => syntax(format!(
            "line {line} comes before the first [section] header; move it into a section, or start \
             it with # to make it a comment"
        )),
        Refusal::NotAnEntry { line, section } => syntax(format!(
            "line {line} (in [{section}]) is not key = value; add the '=', or start it with # to \
             make it a comment"
        )),
        Refusal::NoKey { line, section } => syntax(format!(
            "line {line} (in [{section}]) has no key before its '=' or ':'; add the key or remove \
             the line"
        )),
        Refusal::RepeatedSection { name, line, first } => {
            repeat(format!("section [{name}] on line {line} repeats the one on line {first}"))
        }
        Refusal::RepeatedKey { section, key, line, first_key, first } if key == first_key => {
            repeat(format!("{key} on line {line} of [{section}] repeats the one on line {first}"))
        }
        Refusal::RepeatedKey { section, key, line, first_key, first } => repeat(format!(
            "{key} on line {line} of [{section}] repeats {first_key} on line {first} (keys ignore case)"
        )),
    }
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
    let partition = partition.as_deref().unwrap_or(crate::partition::AWS.id);
    let known = crate::partition::find(partition).ok_or_else(|| Error::BadSetting {
        key: "partition",
        value: partition.to_string(),
        why: format!("it must be one of {}", crate::partition::names()),
    })?;
    let acs_url = get("acs_url", &None).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let entity_id = get("sp_entity_id", &None).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let mut sp = match (known.saml, &acs_url, &entity_id) {
        (Some(sp), _, _) => ServiceProvider::from(sp),
        // Not known to aws-login (see crate::partition): the profile must say both.
        (None, Some(acs_url), Some(entity_id)) => {
            ServiceProvider { acs_url: acs_url.clone(), entity_id: entity_id.clone() }
        }
        (None, _, _) => {
            return Err(Error::BadSetting {
                key: "partition",
                value: partition.to_string(),
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
        assert_eq!((s.sp.acs_url.as_str(), s.sp.entity_id.as_str()), ("https://sp.example/saml", "urn:x"));
    }

    #[test]
    fn the_source_is_ecp_unless_named_otherwise() {
        // As awscli-login writes profiles: no `source`, an ECP URL.
        assert_eq!(load_with(FILE, ProfileArgs::default()).unwrap().source, crate::source::Source::Ecp);
        let named = FILE.replace("[prod]\n", "[prod]\nsource = ecp\n");
        let prod = ProfileArgs { profile: Some("prod".into()), ..Default::default() };
        assert_eq!(load_with(&named, prod.clone()).unwrap().source, crate::source::Source::Ecp);
        let e = load_with(&FILE.replace("[prod]\n", "[prod]\nsource = carrier-pigeon\n"), prod).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING);
        assert!(e.to_string().contains("it must be one of ecp"), "{e}");
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

    fn refused(text: &str) -> String {
        let e = load_from_str(text, Path::new("/h/.aws-login/config"), &ProfileArgs::default()).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING, "{e}");
        let message = e.to_string();
        assert!(!message.contains('\n') && !message.contains("hunter2"), "{message}");
        message
    }

    const URL: &str = "ecp_endpoint_url = https://idp/ecp";

    #[test]
    fn a_repeated_section_or_key_names_both_lines() {
        let text = format!("[default]\n{URL}\n\n[dev]\nusername = a\n\n# again\n\n[dev]\nusername = b\n");
        assert_eq!(
            refused(&text),
            "/h/.aws-login/config: section [dev] on line 9 repeats the one on line 4; remove one"
        );
        let text = format!("[default]\n{URL}\nusername = a\npassword = hunter2\nusername: b\n");
        assert_eq!(
            refused(&text),
            "/h/.aws-login/config: username on line 5 of [default] repeats the one on line 3; remove one"
        );
        // Keys ignore case, as configparser's optionxform lowercases them.
        let text = format!("[default]\n{URL}\nusername = a\n  Username = b\n");
        let text = text.replace("  Username", "Username");
        assert_eq!(
            refused(&text),
            "/h/.aws-login/config: Username on line 4 of [default] repeats username on line 3 \
             (keys ignore case); remove one"
        );
        // Even in a profile not asked for: configparser refuses the whole file.
        refused(&format!("[default]\n{URL}\n[other]\nk = 1\nK = 2\n"));
    }

    #[test]
    fn keys_ignore_case_and_sections_do_not() {
        let text = "[default]\nECP_Endpoint_URL = https://idp/ecp\nUserName = alice\nFACTOR = push\n[Default]\nusername = bob\n";
        let s = load_from_str(text, Path::new("c"), &ProfileArgs::default()).unwrap();
        assert_eq!((s.ecp_endpoint_url.as_str(), s.username.as_deref()), ("https://idp/ecp", Some("alice")));
        assert_eq!(s.factor, FactorSetting::Factor(Factor::Push));
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let text = format!("\u{feff}[default]\n{URL}\nusername = alice\n");
        let s = load_from_str(&text, Path::new("c"), &ProfileArgs::default()).unwrap();
        assert_eq!(s.username.as_deref(), Some("alice"));
        let text = format!("\u{feff}# comment\n[default]\n{URL}\n");
        load_from_str(&text, Path::new("c"), &ProfileArgs::default()).unwrap();
    }

    #[test]
    fn lines_configparser_refuses_are_named_in_words_and_never_shown() {
        for (text, says) in [
            (format!("[dev\n{URL}\n"), "line 1 starts with '[' but is no section header"),
            (format!("[default]\n  [dev\n{URL}\n"), "line 2 starts with '['"),
            (format!("[default]\n{URL}\n[dev = x\n"), "line 3 starts with '['"),
            (format!("[default]\n{URL}\n[]\n"), "line 3 starts with '['"),
            (format!("password = hunter2\n[default]\n{URL}\n"), "line 1 comes before the first [section]"),
            (format!("[default]\n{URL}\nhunter2\n"), "line 3 (in [default]) is not key = value"),
            (format!("[default]\n{URL}\n= hunter2\n"), "line 3 (in [default]) has no key before its '='"),
            (
                format!("[default]\n{URL}\r\npassword = hunter2\rusername = a\n"),
                "line 3 holds a carriage return",
            ),
        ] {
            let message = refused(&text);
            assert!(message.starts_with("/h/.aws-login/config is not a valid INI file: "), "{message}");
            assert!(message.contains(says), "{text:?}: {message}");
        }
    }

    #[test]
    fn comments_and_continuations_as_configparser_reads_them() {
        // `#` and `;` start comments only at the start of a line, indented or not; an indented
        // comment inside a continued value is left out of it.
        let text = format!(
            "# top\n; top\n[default]\n  # indented\n{URL}\nusername = a;b #c\nnotes = one\n  two\n\n  # not part\n  three\n"
        );
        let s = load_from_str(&text, Path::new("c"), &ProfileArgs::default()).unwrap();
        assert_eq!(s.username.as_deref(), Some("a;b #c"));
        let doc = Document::parse(&text);
        assert_eq!(doc.get(&|h: &str| h == "default", "notes").as_deref(), Some("one\ntwo\n\nthree"));

        // A setting aws-login reads must be one line: a continued one is refused, naming its
        // line, without showing what it ran into.
        let text = format!("[default]\n{URL}\n    password = hunter2\n");
        assert_eq!(
            refused(&text),
            "/h/.aws-login/config: ecp_endpoint_url on line 2 of [default] goes on into the indented \
             line after it (an indented line continues the value above it); remove that line's \
             indentation"
        );
        // An indented line after a header starts a key, as in configparser.
        let s = load_from_str(
            &format!("[default]\n  {URL}\n  username = u\n"),
            Path::new("c"),
            &ProfileArgs::default(),
        )
        .unwrap();
        assert_eq!(s.username.as_deref(), Some("u"));
    }

    #[test]
    fn the_default_section_is_inherited() {
        let text = format!(
            "[DEFAULT]\n{URL}\nfactor = push\n\n[dev]\nfactor = passcode\n[ops]\nusername = o\n[DEFAULT]\nduration = 3600\n"
        );
        let dev = ProfileArgs { profile: Some("dev".into()), ..Default::default() };
        let s = load_from_str(&text, Path::new("c"), &dev).unwrap();
        assert_eq!(s.ecp_endpoint_url, "https://idp/ecp");
        assert_eq!(s.factor, FactorSetting::Factor(Factor::Passcode), "the profile's own key wins");
        assert_eq!(s.duration, Some(3600), "a second [DEFAULT] adds to the first");
        // Not a profile of its own: a missing profile is still missing.
        let e = load_from_str(&text, Path::new("c"), &ProfileArgs::default()).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::PROFILE_NOT_FOUND);
        // The same key in both [DEFAULT] sections is a repeat.
        let message = refused(&format!("{text}factor = sms\n"));
        assert!(message.contains("factor on line 11 of [DEFAULT] repeats the one on line 3"), "{message}");

        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().join(".aws-login"));
        std::fs::create_dir_all(paths.root()).unwrap();
        std::fs::write(paths.config(), &text).unwrap();
        assert_eq!(profiles(&paths).unwrap(), ["dev", "ops"]);
    }

    #[test]
    fn account_aliases_from_the_alias_file() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().join(".aws-login"));
        std::fs::create_dir_all(paths.root()).unwrap();
        assert!(account_aliases(&paths).is_empty());
        std::fs::write(paths.alias_file(), "[accounts]\n111122223333 = prod \n[other]\n1 = x\njunk\n")
            .unwrap();
        let aliases = account_aliases(&paths);
        assert_eq!(aliases.len(), 1);
        assert_eq!(aliases["111122223333"], "prod");
    }

    #[test]
    fn flags_alone_are_enough() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().join(".aws-login"));
        let args = ProfileArgs { ecp_endpoint_url: Some("https://idp/ecp".into()), ..Default::default() };
        assert_eq!(load(&paths, &args).unwrap().ecp_endpoint_url, "https://idp/ecp");
    }
}
