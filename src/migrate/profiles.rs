//! What the migrations from okta-aws-cli, mozilla-aws-cli, aws-cli-oidc and awssso share: each
//! tool's setups become aws-login profiles (plain `key = value` lines appended to
//! `~/.aws-login/config`) and AWS CLI profiles whose `credential_process` runs aws-login. Every
//! other line of every file stays byte for byte (src/ini_edit.rs).

use std::path::{Path, PathBuf};

use super::{Plan, Tool, Verb};
use crate::configure::credential_process_command;
use crate::error::Error;
use crate::ini_edit::{self, Document, IniFile, NewDir};
use crate::paths::{self, Paths};

/// One aws-login profile a tool's setup becomes.
// No Debug: `settings` may hold a client secret, and Process the words of a command line
// (okta-aws-cli takes `--private-key` inline).
pub struct Candidate {
    /// The aws-login profile's name, which is also the AWS CLI profile's.
    pub profile: String,
    /// Where it came from, for people: "profile 'staging' of ~/.okta/okta.yaml".
    pub origin: String,
    /// In the order they are written.
    settings: Vec<(&'static str, String)>,
    /// What this setup had that aws-login cannot carry over, with what to do.
    left_out: Vec<String>,
}

/// Settings whose values are written but never shown.
const SECRET_KEYS: &[&str] = &["client_secret"];

impl Candidate {
    pub fn new(profile: &str, origin: String) -> Candidate {
        Candidate { profile: profile.to_string(), origin, settings: Vec::new(), left_out: Vec::new() }
    }

    /// Sets `key` (replacing an earlier value); an empty value sets nothing. A value on several
    /// lines (YAML allows it) cannot be one INI line: it is left out, never written as two.
    pub fn set(&mut self, key: &'static str, value: &str) {
        let value = value.trim();
        self.settings.retain(|(k, _)| *k != key);
        if value.chars().any(char::is_control) {
            let what = format!(
                "{}: its {key} spans several lines; set {key} in aws-login profile '{}' by hand",
                self.origin, self.profile
            );
            self.leave_out(what);
        } else if !value.is_empty() {
            self.settings.push((key, value.to_string()));
        }
    }

    /// Why `profile` cannot name a section of ~/.aws-login/config (configure's rule), if it cannot.
    fn bad_name(&self) -> Option<&'static str> {
        let p = &self.profile;
        if p.is_empty() || p.trim() != p || p == crate::ini_edit::DEFAULT_SECTION {
            Some("it is empty, starts or ends with a space, or is DEFAULT")
        } else if p.contains(']') || p.chars().any(char::is_control) {
            Some("it contains ] or a control character")
        } else {
            None
        }
    }

    #[cfg(test)]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    pub fn leave_out(&mut self, what: String) {
        if !self.left_out.contains(&what) {
            self.left_out.push(what);
        }
    }

    /// The settings as the plan shows them, secrets hidden.
    fn shown(&self) -> String {
        let one = |(k, v): &(&str, String)| {
            if SECRET_KEYS.contains(k) { format!("{k} = (hidden)") } else { format!("{k} = {v}") }
        };
        self.settings.iter().map(one).collect::<Vec<_>>().join(", ")
    }
}

/// A `credential_process` line that runs the tool being migrated from (no Debug: see
/// [`Candidate`]).
#[derive(Clone)]
pub struct Process {
    /// The AWS CLI profile it belongs to.
    pub profile: String,
    /// Its words after the program.
    pub args: Vec<String>,
}

impl Process {
    /// The line, for people.
    pub fn origin(&self) -> String {
        format!("the credential_process of AWS CLI profile '{}'", self.profile)
    }
}

/// The user's AWS config and credentials files, being edited.
pub struct AwsFiles {
    config: IniFile,
    credentials: IniFile,
}

impl AwsFiles {
    pub fn open() -> Result<AwsFiles, Error> {
        Ok(AwsFiles {
            config: IniFile::open(&paths::aws_config_file()?)?,
            credentials: IniFile::open(&paths::aws_credentials_file()?)?,
        })
    }

    /// Every `credential_process` (in the config file, then the credentials file) whose program
    /// is named `program`, wherever it is installed.
    pub fn processes(&self, program: &str) -> Vec<Process> {
        let mut out: Vec<Process> = Vec::new();
        for (file, in_config) in [(&self.config, true), (&self.credentials, false)] {
            for (section, key, value) in file.doc.entries() {
                if !key.eq_ignore_ascii_case("credential_process") {
                    continue;
                }
                let Some(words) = ini_edit::shell_split(&value) else { continue };
                let Some((first, args)) = words.split_first() else { continue };
                if Path::new(first).file_name().is_none_or(|n| n != program) {
                    continue;
                }
                let profile = if in_config { aws_config_profile(&section) } else { Some(section.clone()) };
                let Some(profile) = profile else { continue };
                if !out.iter().any(|p| p.profile == profile) {
                    out.push(Process { profile, args: args.to_vec() });
                }
            }
        }
        out
    }
}

/// The profile an AWS config header names (`[default]`, `[profile P]`), as botocore reads it.
fn aws_config_profile(header: &str) -> Option<String> {
    if header == "default" {
        return Some(header.to_string());
    }
    match ini_edit::shell_split(header).as_deref() {
        Some([word, name]) if word == "profile" => Some(name.clone()),
        _ => None,
    }
}

/// Reads a tool's own file (through symlinks; only a regular file, as a FIFO would hang us),
/// `None` when it does not exist.
pub fn read_tool_file(tool: Tool, path: &Path) -> Result<Option<String>, Error> {
    match crate::atomic_file::read_regular(path) {
        Ok(Some(bytes)) => {
            String::from_utf8(bytes).map(Some).map_err(|_| Error::NotUtf8 { path: path.to_path_buf() })
        }
        Ok(None) => Ok(None),
        Err(e) if crate::atomic_file::refusal(&e).is_some() => Err(Error::file("read", path, e)),
        Err(e) => Err(Error::ToolConfig { tool: tool.name(), path: path.to_path_buf(), why: e.to_string() }),
    }
}

/// A tool's INI file as Python's configparser reads it (mozilla-aws-cli and awssso use it):
/// one it would refuse is refused here too.
pub fn read_tool_ini(tool: Tool, path: &Path) -> Result<Option<Document>, Error> {
    let Some(text) = read_tool_file(tool, path)? else { return Ok(None) };
    let doc = Document::parse(&text);
    match doc.refusal() {
        Some(refusal) => {
            use crate::ini_edit::Refusal::*;
            let (LoneCarriageReturn { line }
            | BrokenHeader { line }
            | OutsideSection { line }
            | NotAnEntry { line, .. }
            | NoKey { line, .. }
            | RepeatedSection { line, .. }
            | RepeatedKey { line, .. }) = refusal;
            let why = format!(
                "Python's configparser, which {} reads it with, refuses its line {line}",
                tool.name()
            );
            Err(Error::ToolConfig { tool: tool.name(), path: path.to_path_buf(), why })
        }
        None => Ok(Some(doc)),
    }
}

/// `~/NAME` (the tools' own default places).
pub fn home_file(name: &str) -> Result<PathBuf, Error> {
    Ok(std::env::home_dir().ok_or(Error::NoHome)?.join(name))
}

/// `$VAR/name` when the tool's directory variable `var` is set, else `~/dir/name`.
pub fn tool_file(var: &str, dir: &str, name: &str) -> Result<PathBuf, Error> {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(d) => Ok(PathBuf::from(d).join(name)),
        None => Ok(home_file(dir)?.join(name)),
    }
}

/// Plans the candidates into `plan`: each becomes an aws-login profile (unless one of that name
/// exists: kept, and left alone unless it already says the same) and an AWS CLI profile that
/// runs it, the tool's own `credential_process` lines rewritten in place.
pub fn plan_candidates(
    paths: &Paths,
    tool: Tool,
    candidates: Vec<Candidate>,
    mut aws: AwsFiles,
    plan: &mut Plan,
) -> Result<(), Error> {
    let existing = crate::config::profiles(paths)?;
    let mut login = IniFile::open(&paths.config())?;
    let shown_login = login.path.display().to_string();
    let mut done: Vec<String> = Vec::new();
    for c in candidates {
        if done.contains(&c.profile) {
            continue;
        }
        done.push(c.profile.clone());
        if let Some(why) = c.bad_name() {
            plan.left_out.push(format!(
                "{}: '{}' cannot be an aws-login profile name ({why}); set it up with `aws-login configure --profile NAME`",
                c.origin,
                c.profile.escape_debug()
            ));
            continue;
        }
        let section = |h: &str| h == c.profile;
        let is_new = !existing.contains(&c.profile);
        if is_new {
            for (key, value) in &c.settings {
                login.doc.set(&section, &c.profile, key, value);
            }
            plan.changes.push((
                Verb::Add,
                format!("profile '{}' to {shown_login} ({}): {}", c.profile, c.origin, c.shown()),
            ));
        } else {
            let same = c
                .settings
                .iter()
                .all(|(k, v)| login.doc.get(&section, k).as_deref().map(str::trim) == Some(v));
            if !same {
                plan.left_out.push(format!(
                    "{}: profile '{}' is already in {shown_login} with other settings, so it and AWS CLI profile '{}' were left alone; rename one of them and run migrate again",
                    c.origin, c.profile, c.profile
                ));
                continue;
            }
        }
        let wired = wire(&mut aws, tool, &c.profile, plan)?;
        if is_new || wired {
            plan.left_out.extend(c.left_out);
        }
    }
    plan.files.push((login, NewDir::Private));
    plan.files.push((aws.config, NewDir::Create));
    plan.files.push((aws.credentials, NewDir::Create));
    Ok(())
}

/// Points AWS CLI profile `profile` at aws-login: the tool's `credential_process` rewritten where
/// it is, else one added to the AWS config. Returns whether anything changes.
fn wire(aws: &mut AwsFiles, tool: Tool, profile: &str, plan: &mut Plan) -> Result<bool, Error> {
    let command = credential_process_command(profile)?;
    let in_credentials = |h: &str| h == profile;
    let in_config = |h: &str| ini_edit::is_aws_config_profile(h, profile);
    let ours_or_tools = |value: &str| {
        let first = ini_edit::shell_split(value).and_then(|w| w.into_iter().next()).unwrap_or_default();
        value == command || Path::new(&first).file_name().is_some_and(|n| n == program(tool))
    };
    let mut changed = false;
    // botocore reads credential_process from either file; a line in the credentials file wins.
    let theirs = aws.credentials.doc.get(&in_credentials, "credential_process");
    let (file, header, matches): (&mut IniFile, String, &Section) = match theirs {
        Some(_) => (&mut aws.credentials, profile.to_string(), &in_credentials),
        None => (&mut aws.config, ini_edit::aws_config_header(profile), &in_config),
    };
    let shown = file.path.display().to_string();
    match file.doc.get(matches, "credential_process") {
        Some(old) if !ours_or_tools(&old) => {
            plan.left_out.push(format!(
                "[{header}] in {shown} runs another credential_process ({}); it was kept: set credential_process = {command} there to use aws-login",
                crate::text::shown(&old, 200)
            ));
            return Ok(false);
        }
        Some(_) => {
            if file.doc.set(matches, &header, "credential_process", &command) {
                changed = true;
                plan.changes.push((
                    Verb::Point,
                    format!("credential_process of [{header}] in {shown} at this aws-login: {command}"),
                ));
            }
        }
        None => {
            file.doc.set(matches, &header, "credential_process", &command);
            changed = true;
            plan.changes
                .push((Verb::Add, format!("credential_process = {command} to [{header}] in {shown}")));
        }
    }
    // Keys in the credentials file come before credential_process for every SDK.
    if changed && aws.credentials.doc.get(&in_credentials, "aws_access_key_id").is_some() {
        plan.left_out.push(format!(
            "[{profile}] in {} holds access keys (written by {} or by hand), which AWS tools use before credential_process; delete its aws_access_key_id, aws_secret_access_key and aws_session_token lines",
            aws.credentials.path.display(),
            tool.name()
        ));
    }
    Ok(changed)
}

/// Which sections of a file an edit acts on.
type Section<'a> = dyn Fn(&str) -> bool + 'a;

/// The command each tool is run as.
fn program(tool: Tool) -> &'static str {
    match tool {
        Tool::AwscliLogin => "aws-login",
        Tool::OktaAwsCli => "okta-aws-cli",
        Tool::MozillaAwsCli => "maws",
        Tool::AwsCliOidc => "aws-cli-oidc",
        Tool::Awssso => "awssso",
    }
}

/// A candidate for each `credential_process` line that runs `tool`, as `read` makes it from the
/// line; a line `read` cannot carry over (it says why, in words) is noted in `plan` and left alone.
pub fn process_candidates(
    aws: &AwsFiles,
    tool: Tool,
    plan: &mut Plan,
    mut read: impl FnMut(&Process) -> Result<Candidate, String>,
) -> Vec<Candidate> {
    let mut candidates = Vec::new();
    for process in aws.processes(program(tool)) {
        match read(&process) {
            Ok(c) => candidates.push(c),
            Err(why) => plan.notes.push(format!("left {} alone: {why}", process.origin())),
        }
    }
    candidates
}

/// A command line's words, for the tools' tests.
#[cfg(test)]
pub fn words(line: &str) -> Vec<String> {
    ini_edit::shell_split(line).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_config_headers_name_profiles_as_botocore_reads_them() {
        assert_eq!(aws_config_profile("default").as_deref(), Some("default"));
        assert_eq!(aws_config_profile("profile dev").as_deref(), Some("dev"));
        assert_eq!(aws_config_profile("profile 'my dev'").as_deref(), Some("my dev"));
        assert_eq!(aws_config_profile("sso-session corp"), None);
        assert_eq!(aws_config_profile("profiledev"), None);
    }

    #[test]
    fn each_line_the_tool_wrote_is_a_candidate_or_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let (config, credentials) = (dir.path().join("config"), dir.path().join("credentials"));
        std::fs::write(
            &config,
            "[profile a]\ncredential_process = /opt/bin/awssso login x\n[profile b]\ncredential_process = awssso nonsense\n[profile c]\ncredential_process = other login\n",
        )
        .unwrap();
        std::fs::write(&credentials, "[d]\ncredential_process = awssso login y\n").unwrap();
        let aws = AwsFiles {
            config: IniFile::open(&config).unwrap(),
            credentials: IniFile::open(&credentials).unwrap(),
        };
        let mut plan = Plan::default();
        let found = process_candidates(&aws, Tool::Awssso, &mut plan, |p| match p.args.first() {
            Some(verb) if verb == "login" => Ok(Candidate::new(&p.profile, p.origin())),
            _ => Err("it is not a login".into()),
        });
        let names: Vec<_> = found.iter().map(|c| (c.profile.as_str(), c.origin.as_str())).collect();
        assert_eq!(
            names,
            [
                ("a", "the credential_process of AWS CLI profile 'a'"),
                ("d", "the credential_process of AWS CLI profile 'd'")
            ]
        );
        // Another program's line is not the tool's to note.
        assert_eq!(
            plan.notes,
            ["left the credential_process of AWS CLI profile 'b' alone: it is not a login"]
        );
    }

    #[test]
    fn secrets_are_written_but_not_shown() {
        let mut c = Candidate::new("p", "here".into());
        c.set("client_id", "abc");
        c.set("client_secret", "s3cret");
        c.set("scope", "  ");
        c.set("client_id", "def");
        assert_eq!(c.shown(), "client_secret = (hidden), client_id = def");
        assert_eq!(c.get("client_secret"), Some("s3cret"));
        assert_eq!(c.get("scope"), None);
        // A value on two lines would be two INI lines: it is left out instead.
        c.set("scope", "openid\nx = y");
        assert_eq!((c.get("scope"), c.left_out.len()), (None, 1));
    }

    #[test]
    fn names_configure_would_refuse_are_refused() {
        for bad in ["", " p", "a]b", "a\nb", "DEFAULT"] {
            assert!(Candidate::new(bad, String::new()).bad_name().is_some(), "{bad:?}");
        }
        assert!(Candidate::new("my dev", String::new()).bad_name().is_none());
    }
}
