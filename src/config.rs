//! Profile settings: `~/.aws-login/config` in awscli-login's format (one INI section per profile,
//! `[default]`, `[prod]`), with command-line flags layered on top.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::cli::ProfileArgs;
use crate::error::Error;
use crate::ini_edit::{DEFAULT_SECTION, Document, Located, Refusal};
use crate::partition::Partition;
use crate::paths::Paths;
use crate::source;

pub const DEFAULT_PROFILE: &str = "default";

/// STS accepts DurationSeconds in this range (the role's own maximum may be lower).
const DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=43200;

/// Everything one run needs to know about its profile, validated: what every profile has, and
/// what its source owns (`source`), which the source parses itself.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: String,
    pub role_arn: Option<String>,
    /// `None` means "do not send DurationSeconds" (awscli-login's `0`).
    pub duration: Option<u32>,
    /// Refresh credentials this long before they expire (capped at half their lifetime).
    pub refresh_margin: time::Duration,
    /// Check TLS certificates (`verify_ssl_certificate`).
    pub verify_tls: bool,
    /// Certificate authorities to trust besides the system's, for the IdP and STS.
    pub ca_bundle: Option<crate::tls::CaBundle>,
    /// The AWS partition the profile's roles are in (`partition`, default `aws`).
    pub partition: &'static Partition,
    /// How the profile logs in, with that source's own settings.
    pub source: source::Settings,
}

/// A profile's values as one run sees them: a flag when one is given, else the profile's
/// section (over `[DEFAULT]`). Sources read their own keys through it.
pub struct Lookup {
    profile: String,
    path: PathBuf,
    section: Option<HashMap<String, String>>,
}

impl Lookup {
    /// A flag wins over the file whenever it is given, even when empty (awscli-login #64).
    pub fn get(&self, key: &str, flag: &Option<String>) -> Option<String> {
        debug_assert!(is_key(key), "{key} is read but not in any KEYS");
        // Then AWS_LOGIN_<KEY>, then the files (see crate::layers).
        flag.clone()
            .or_else(|| crate::layers::env(key))
            .or_else(|| self.section.as_ref().and_then(|s| s.get(key)).cloned())
    }

    /// [`Lookup::get`], with an empty value counting as none.
    pub fn non_empty(&self, key: &str, flag: &Option<String>) -> Option<String> {
        self.get(key, flag).filter(|v| !v.is_empty())
    }

    /// The error for a key the profile must have: a missing profile when it has no section.
    pub fn missing(&self, key: &'static str) -> Error {
        let (profile, path) = (self.profile.clone(), self.path.clone());
        match self.section {
            None => Error::ProfileNotFound { profile, path },
            Some(_) => Error::MissingSetting { profile, key, path },
        }
    }
}

/// The profile name from the flag (or `AWS_PROFILE`, which clap already folded in), else `default`.
pub fn profile_name(args: &ProfileArgs) -> String {
    args.profile.clone().filter(|p| !p.is_empty()).unwrap_or_else(|| DEFAULT_PROFILE.to_string())
}

/// Loads the profile's section and applies the flags over it.
pub fn load(paths: &Paths, args: &ProfileArgs) -> Result<Settings, Error> {
    let path = paths.config();
    let file = read_config(&path)?;
    // One `open` on the fast path, failing at once when the organisation ships no file.
    let system_path = crate::layers::system_config();
    let system = read_config(&system_path)?;
    settings(file.as_ref(), path, system.as_ref().map(|doc| (doc, system_path.as_path())), args)
}

/// [`load`] with `text` as the content of the config file at `path` (for the fuzz targets).
pub fn load_from_str(text: &str, path: &Path, args: &ProfileArgs) -> Result<Settings, Error> {
    let file = parse_config(text, path)?;
    settings(Some(&file), path.to_path_buf(), None, args)
}

/// The keys every profile may have, whatever its source; each must be one line.
const KEYS: [&str; 8] = [
    "source",
    "role_arn",
    "duration",
    "refresh_margin",
    "verify_ssl_certificate",
    "ca_bundle",
    "partition",
    crate::all_roles::LOGIN_PROFILE_KEY,
];

/// Whether aws-login reads `key` (for this profile's source or another's).
pub fn is_key(key: &str) -> bool {
    KEYS.contains(&key) || source::Settings::reads(key)
}

/// The profile's keys (lowercased) with its section's values over `[DEFAULT]`'s, as
/// configparser's section proxy reads them; `None` when the file has no such section, unless
/// the profile exists in the other file (`elsewhere`): then this file's `[DEFAULT]` counts.
fn profile_section(
    file: &Document,
    profile: &str,
    path: &Path,
    elsewhere: bool,
) -> Result<Option<HashMap<String, String>>, Error> {
    if !elsewhere && !file.sections().contains(&profile) {
        return Ok(None);
    }
    let entries = file.located_entries(&|s: &str| s == profile || s == DEFAULT_SECTION);
    let mut section = HashMap::new();
    // `[DEFAULT]` first, so that the profile's own keys replace its.
    let defaults = |e: &&Located| e.section == DEFAULT_SECTION && profile != DEFAULT_SECTION;
    let own = |e: &&Located| e.section == profile;
    for e in entries.iter().filter(defaults).chain(entries.iter().filter(own)) {
        if e.value.contains('\n') && is_key(&e.key) {
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

/// The profile's values from the user's `file` at `path` (over its `login_profile`'s) over the
/// same from the system-wide file; `None` when neither file has the profile.
fn layered(
    file: Option<&Document>,
    path: &Path,
    system: Option<(&Document, &Path)>,
    profile: &str,
) -> Result<Option<HashMap<String, String>>, Error> {
    // A profile either file names gets both files' [DEFAULT] (the organisation's defaults).
    let names = |doc: &Document| doc.sections().contains(&profile);
    let (in_user, in_system) = (file.is_some_and(names), system.is_some_and(|(doc, _)| names(doc)));
    let section = match file {
        Some(doc) => with_login_profile(doc, profile_section(doc, profile, path, in_system)?, profile, path)?,
        None => None,
    };
    let under = match system {
        Some((doc, system_path)) => profile_section(doc, profile, system_path, in_user)?,
        None => None,
    };
    Ok(crate::layers::user_over_system(section, under))
}

/// `system`: the system-wide file and its path, under the user's `file` at `path`.
fn settings(
    file: Option<&Document>,
    path: PathBuf,
    system: Option<(&Document, &Path)>,
    args: &ProfileArgs,
) -> Result<Settings, Error> {
    let profile = profile_name(args);
    let section = layered(file, &path, system, &profile)?;
    let values = Lookup { profile, path, section };
    let partition = parse_partition(values.non_empty("partition", &None).as_deref())?;
    Ok(Settings {
        role_arn: values.non_empty("role_arn", &args.role_arn).map(|s| s.trim().to_string()),
        duration: parse_duration(values.get("duration", &args.duration).as_deref())?,
        refresh_margin: parse_margin(values.get("refresh_margin", &None).as_deref())?,
        verify_tls: parse_bool(
            "verify_ssl_certificate",
            values.get("verify_ssl_certificate", &args.verify_ssl_certificate).as_deref(),
        )?
        .unwrap_or(true),
        ca_bundle: crate::tls::CaBundle::pick(
            args.ca_bundle.clone(),
            std::env::var("AWS_CA_BUNDLE").ok(),
            || values.get("ca_bundle", &None),
        ),
        source: source::Settings::parse(&values, args, partition)?,
        partition,
        profile: values.profile,
    })
}

/// A profile that names a `login_profile` (as `login --all-roles` writes them) has that
/// profile's settings, its own keys over them: one IdP account, one session, many roles.
fn with_login_profile(
    file: &Document,
    own: Option<HashMap<String, String>>,
    profile: &str,
    path: &Path,
) -> Result<Option<HashMap<String, String>>, Error> {
    let key = crate::all_roles::LOGIN_PROFILE_KEY;
    let Some(login) = own.as_ref().and_then(|_| file.get(&|s| s == profile, key)) else { return Ok(own) };
    let login = login.trim();
    let bad = |why: String| Error::BadSetting { key, value: crate::text::shown(login, 100), why };
    let Some(mut merged) = profile_section(file, login, path, false)? else {
        return Err(bad(format!("{} has no such profile; fix login_profile of [{profile}]", path.display())));
    };
    if merged.contains_key(key) {
        return Err(bad(
            "that profile takes its login from another itself; name the profile that logs in".into()
        ));
    }
    for e in file.located_entries(&|s: &str| s == profile) {
        merged.insert(e.key, e.value);
    }
    Ok(Some(merged))
}

fn parse_partition(value: Option<&str>) -> Result<&'static Partition, Error> {
    let id = value.map(str::trim).unwrap_or(crate::partition::AWS.id);
    crate::partition::find(id).ok_or_else(|| Error::BadSetting {
        key: "partition",
        value: id.to_string(),
        why: format!("it must be one of {}", crate::partition::names()),
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

/// The profile's values as every setting is layered (keys lowercased, over its
/// `login_profile`'s, `[DEFAULT]` and the system file; `AWS_LOGIN_<KEY>` over them), for settings that
/// belong to one command rather than to every login (the console's `federation_url`, …); empty
/// when the file or the section is missing.
pub fn profile_values(paths: &Paths, profile: &str) -> Result<HashMap<String, String>, Error> {
    let path = paths.config();
    let file = read_config(&path)?;
    let system_path = crate::layers::system_config();
    let system = read_config(&system_path)?;
    let system = system.as_ref().map(|doc| (doc, system_path.as_path()));
    let mut values = layered(file.as_ref(), &path, system, profile)?.unwrap_or_default();
    // As for every setting, AWS_LOGIN_<KEY> beats the files.
    for key in COMMAND_KEYS {
        if let Some(v) = crate::layers::env(key) {
            values.insert(key.to_string(), v);
        }
    }
    Ok(values)
}

/// Settings that one command reads, not every login (so a bad value cannot break a
/// `credential_process` line): through [`profile_values`], with the same layers as the rest.
const COMMAND_KEYS: [&str; 6] =
    ["output", "federation_url", "console_url", "browser", "profile_template", "accounts"];

/// The profile's `output` setting (what `export` prints without `-o`), if it has one.
pub fn output(paths: &Paths, profile: &str) -> Result<Option<String>, Error> {
    match profile_values(paths, profile)?.get("output").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        Some(v) if v.contains('\n') => Err(Error::BadSetting {
            key: "output",
            value: crate::text::shown(v, 200),
            why: "it goes on into an indented line after it; write it on one line".into(),
        }),
        v => Ok(v.map(str::to_string)),
    }
}

/// Every profile named in the user's config file or the system's (their sections but
/// `[DEFAULT]`, as configparser's `sections()`), the user's first.
pub fn profiles(paths: &Paths) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    // The user's profiles, then those only the system file has.
    for path in [paths.config(), crate::layers::system_config()] {
        let Some(doc) = read_config(&path)? else { continue };
        for name in doc.sections().into_iter().filter(|s| *s != DEFAULT_SECTION) {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    Ok(names)
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_source_is_ecp_unless_named_otherwise() {
        // As awscli-login writes profiles: no `source`, an ECP URL.
        assert_eq!(
            load_with(FILE, ProfileArgs::default()).unwrap().source.kind(),
            crate::source::Source::Ecp
        );
        let named = FILE.replace("[prod]\n", "[prod]\nsource = ecp\n");
        let prod = ProfileArgs { profile: Some("prod".into()), ..Default::default() };
        assert_eq!(load_with(&named, prod.clone()).unwrap().source.kind(), crate::source::Source::Ecp);
        let e = load_with(&FILE.replace("[prod]\n", "[prod]\nsource = carrier-pigeon\n"), prod).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING);
        assert!(e.to_string().contains("it must be one of ecp"), "{e}");
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
        let text = "[default]\nECP_Endpoint_URL = https://idp/ecp\nUserName = alice\nDURATION = 3600\n[Default]\nusername = bob\n";
        let s = load_from_str(text, Path::new("c"), &ProfileArgs::default()).unwrap();
        assert_eq!((s.source.idp_url(), s.source.user()), ("https://idp/ecp", Some("alice")));
        assert_eq!(s.duration, Some(3600));
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let text = format!("\u{feff}[default]\n{URL}\nusername = alice\n");
        let s = load_from_str(&text, Path::new("c"), &ProfileArgs::default()).unwrap();
        assert_eq!(s.source.user(), Some("alice"));
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
        assert_eq!(s.source.user(), Some("a;b #c"));
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
        assert_eq!(s.source.user(), Some("u"));
    }

    #[test]
    fn the_default_section_is_inherited() {
        let text = format!(
            "[DEFAULT]\n{URL}\nrole_arn = arn:aws:iam::1:role/All\n\n[dev]\nrole_arn = arn:aws:iam::1:role/Dev\n[ops]\nusername = o\n[DEFAULT]\nduration = 3600\n"
        );
        let dev = ProfileArgs { profile: Some("dev".into()), ..Default::default() };
        let s = load_from_str(&text, Path::new("c"), &dev).unwrap();
        assert_eq!(s.source.idp_url(), "https://idp/ecp");
        assert_eq!(s.role_arn.as_deref(), Some("arn:aws:iam::1:role/Dev"), "the profile's own key wins");
        assert_eq!(s.duration, Some(3600), "a second [DEFAULT] adds to the first");
        // Not a profile of its own: a missing profile is still missing.
        let e = load_from_str(&text, Path::new("c"), &ProfileArgs::default()).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::PROFILE_NOT_FOUND);
        // The same key in both [DEFAULT] sections is a repeat.
        let message = refused(&format!("{text}role_arn = arn:aws:iam::1:role/Other\n"));
        assert!(message.contains("role_arn on line 11 of [DEFAULT] repeats the one on line 3"), "{message}");

        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().join(".aws-login"));
        std::fs::create_dir_all(paths.root()).unwrap();
        std::fs::write(paths.config(), &text).unwrap();
        assert_eq!(profiles(&paths).unwrap(), ["dev", "ops"]);
    }

    #[test]
    fn a_generated_profile_takes_its_login_profiles_settings() {
        let text = "[DEFAULT]\nduration = 900\n[bob]\necp_endpoint_url = https://idp/ecp\nusername = bob\nduration = 3600\n\
            [gen]\nlogin_profile = bob\nrole_arn = arn:aws:iam::1:role/R\n[loop]\nlogin_profile = gen\n[lost]\nlogin_profile = nobody\n";
        let load = |p: &str| {
            load_from_str(
                text,
                Path::new("c"),
                &ProfileArgs { profile: Some(p.into()), ..Default::default() },
            )
        };
        let made = load("gen").unwrap();
        assert_eq!(made.role_arn.as_deref(), Some("arn:aws:iam::1:role/R"));
        assert_eq!(made.duration, Some(3600), "bob's own value, not [DEFAULT]'s");
        assert_eq!(made.profile, "gen");
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().join(".aws-login"));
        std::fs::create_dir_all(paths.root()).unwrap();
        std::fs::write(paths.config(), text).unwrap();
        let values = profile_values(&paths, "gen").unwrap();
        assert_eq!((values["username"].as_str(), values["login_profile"].as_str()), ("bob", "bob"));
        for (p, words) in [("loop", "takes its login from another itself"), ("lost", "has no such profile")] {
            let e = load(p).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::BAD_SETTING);
            assert!(e.to_string().contains(words), "{e}");
        }
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
        assert_eq!(load(&paths, &args).unwrap().source.idp_url(), "https://idp/ecp");
    }
}
