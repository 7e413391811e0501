//! A small order-preserving INI editor for files that people edit by hand and other tools read:
//! `~/.aws/config`, `~/.aws/credentials` and `~/.aws-login/config`. Every line is kept as it was,
//! byte for byte (comments, blank lines, spacing, `:` separators, CRLF, a missing final
//! newline); only the lines an edit names change.
//!
//! Lines are classified the way Python's `configparser` reads them, since botocore, the AWS CLI
//! and awscli-login all read these files through it: `#` and `;` start full-line comments (there
//! are no inline comments), a key ends at the first `=` or `:`, keys are case-insensitive, and a
//! line indented deeper than its key continues that key's value (botocore's nested `s3 =`
//! blocks). It is also the reader of `~/.aws-login/config` for logins (`src/config.rs`, with
//! [`Document::refusal`] refusing what strict configparser refuses), so what `configure` writes
//! is what a login reads.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// One parsed file. `Debug` shows no content: these files hold secret keys and passwords.
#[derive(Clone, PartialEq, Eq)]
pub struct Document {
    lines: Vec<Line>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document").field("lines", &self.lines.len()).finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
struct Line {
    /// The line without its ending.
    text: String,
    /// `"\n"`, `"\r\n"`, or `""` for a last line without one.
    eol: &'static str,
    kind: Kind,
}

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    Blank,
    Comment,
    /// `[name]`: what lies between the first `[` and the last `]`, untrimmed (configparser's
    /// section name).
    Header(String),
    /// `key = value`: `key` lowercased; `value_at` is the byte offset in `text` where the value
    /// starts (after the separator and the spaces after it).
    Entry {
        key: String,
        value_at: usize,
    },
    /// A deeper-indented line that continues the entry above it.
    Continuation,
    /// Anything else (text before the first section, a line with no separator): kept, never
    /// interpreted; it ends the entry above it.
    Other,
}

impl Document {
    pub fn parse(text: &str) -> Document {
        let mut lines = Vec::new();
        // configparser state: the indentation of the last key line, and whether a key is open
        // for continuation lines.
        let mut indent_level = usize::MAX;
        let mut in_entry = false;
        let mut in_section = false;
        for raw in text.split_inclusive('\n') {
            let (body, eol) = match raw.strip_suffix("\r\n") {
                Some(b) => (b, "\r\n"),
                None => match raw.strip_suffix('\n') {
                    Some(b) => (b, "\n"),
                    None => (raw, ""),
                },
            };
            // A byte-order mark is not part of the first line's meaning.
            let visible = if lines.is_empty() { body.trim_start_matches('\u{feff}') } else { body };
            let stripped = visible.trim();
            let kind = if stripped.starts_with('#') || stripped.starts_with(';') {
                Kind::Comment
            } else if stripped.is_empty() {
                Kind::Blank
            } else {
                let indent = visible.len() - visible.trim_start().len();
                if in_entry && indent > indent_level {
                    Kind::Continuation
                } else {
                    indent_level = indent;
                    if let Some(name) = header_name(stripped) {
                        in_section = true;
                        in_entry = false;
                        Kind::Header(name.to_string())
                    } else if !in_section {
                        Kind::Other
                    } else {
                        match entry(body) {
                            Some((key, value_at)) => {
                                in_entry = true;
                                Kind::Entry { key, value_at }
                            }
                            // configparser refuses a file with such a line; going on as if it
                            // ended the entry above keeps the lines after it from changing
                            // meaning when that entry is edited or removed.
                            None => {
                                in_entry = false;
                                Kind::Other
                            }
                        }
                    }
                }
            };
            lines.push(Line { text: body.to_string(), eol, kind });
        }
        Document { lines }
    }

    /// The whole file as text.
    pub fn text(&self) -> String {
        self.lines.iter().flat_map(|l| [l.text.as_str(), l.eol]).collect()
    }

    /// The line ending new lines get: the file's first one, else `\n`.
    fn newline(&self) -> &'static str {
        self.lines.iter().map(|l| l.eol).find(|e| !e.is_empty()).unwrap_or("\n")
    }

    /// Section names in file order, duplicates included.
    pub fn sections(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter_map(|l| match &l.kind {
                Kind::Header(n) => Some(n.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Line ranges `[header, end)` of every section `matches` accepts.
    fn section_ranges(&self, matches: &dyn Fn(&str) -> bool) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut open: Option<usize> = None;
        for (i, line) in self.lines.iter().enumerate() {
            if let Kind::Header(name) = &line.kind {
                if let Some(start) = open.take() {
                    out.push((start, i));
                }
                if matches(name) {
                    open = Some(i);
                }
            }
        }
        if let Some(start) = open {
            out.push((start, self.lines.len()));
        }
        out
    }

    /// Line ranges `[key line, end of its continuation lines)` of `key` in matching sections.
    fn entry_ranges(&self, matches: &dyn Fn(&str) -> bool, key: &str) -> Vec<(usize, usize)> {
        let key = key.to_lowercase();
        let mut out = Vec::new();
        for (start, end) in self.section_ranges(matches) {
            for i in start..end {
                if matches!(&self.lines[i].kind, Kind::Entry { key: k, .. } if *k == key) {
                    out.push((i, self.entry_end(i, end)));
                }
            }
        }
        out
    }

    /// One past the last continuation line of the entry at `i` (blank and comment lines inside
    /// a continued value belong to it; trailing ones do not).
    fn entry_end(&self, i: usize, limit: usize) -> usize {
        let mut end = i + 1;
        for j in i + 1..limit {
            match self.lines[j].kind {
                Kind::Continuation => end = j + 1,
                Kind::Blank | Kind::Comment => {}
                _ => break,
            }
        }
        end
    }

    /// The value of `key` in the first matching section that has it (the only one in a file
    /// [`Document::refusal`] accepts), with continuation lines joined by `\n` as configparser
    /// joins them.
    pub fn get(&self, matches: &dyn Fn(&str) -> bool, key: &str) -> Option<String> {
        let (start, end) = *self.entry_ranges(matches, key).first()?;
        Some(self.value(start, end))
    }

    fn value(&self, start: usize, end: usize) -> String {
        let Kind::Entry { value_at, .. } = self.lines[start].kind else { return String::new() };
        let mut parts = vec![self.lines[start].text[value_at..].trim().to_string()];
        for line in &self.lines[start + 1..end] {
            match line.kind {
                Kind::Continuation => parts.push(line.text.trim().to_string()),
                Kind::Blank => parts.push(String::new()),
                _ => {}
            }
        }
        while parts.len() > 1 && parts.last().is_some_and(String::is_empty) {
            parts.pop();
        }
        parts.join("\n")
    }

    /// Every `(section, key as written, value)` in file order.
    pub fn entries(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let mut section = None;
        for (i, line) in self.lines.iter().enumerate() {
            match &line.kind {
                Kind::Header(name) => section = Some(name.clone()),
                Kind::Entry { value_at, .. } => {
                    if let Some(s) = &section {
                        let written = line.text[..*value_at].trim();
                        let key = written.trim_end_matches(['=', ':']).trim();
                        let end = self.entry_end(i, self.lines.len());
                        out.push((s.clone(), key.to_string(), self.value(i, end)));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The keys (lowercased) set in matching sections, in file order, without duplicates.
    pub fn keys(&self, matches: &dyn Fn(&str) -> bool) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (start, end) in self.section_ranges(matches) {
            for line in &self.lines[start..end] {
                if let Kind::Entry { key, .. } = &line.kind
                    && !out.contains(key)
                {
                    out.push(key.clone());
                }
            }
        }
        out
    }

    /// Sets `key` to `value` (a single line) in every matching section that has it, in place,
    /// keeping the key's spelling and spacing and dropping old continuation lines. Without one,
    /// adds `key = value` after the last entry of the last matching section; without such a
    /// section, appends `[new_header]`. Returns whether the text changed.
    pub fn set(&mut self, matches: &dyn Fn(&str) -> bool, new_header: &str, key: &str, value: &str) -> bool {
        let before = self.text();
        let ranges = self.entry_ranges(matches, key);
        if ranges.is_empty() {
            let newline = self.newline();
            let entry = |indent: &str| Line {
                text: format!("{indent}{key} = {value}"),
                eol: newline,
                kind: Kind::Entry { key: key.to_lowercase(), value_at: indent.len() + key.len() + 3 },
            };
            match self.section_ranges(matches).last() {
                Some(&(start, end)) => {
                    // After the section's last line that is not blank or a comment, even one
                    // that means nothing: an indented line after the new key would read as
                    // part of its value.
                    let at = (start + 1..end)
                        .rev()
                        .find(|&i| !matches!(self.lines[i].kind, Kind::Blank | Kind::Comment))
                        .map_or(start + 1, |i| i + 1);
                    // Indented as deep as the next line that means something (an indented
                    // header): deeper than the new key, it would read as part of its value.
                    let indent = self.lines[at..]
                        .iter()
                        .find(|l| !matches!(l.kind, Kind::Blank | Kind::Comment))
                        .map_or("", |l| &l.text[..l.text.len() - l.text.trim_start().len()])
                        .to_string();
                    self.insert(at, entry(&indent));
                }
                None => {
                    let needs_gap = self.lines.last().is_some_and(|l| l.kind != Kind::Blank);
                    if needs_gap {
                        self.insert(
                            self.lines.len(),
                            Line { text: String::new(), eol: newline, kind: Kind::Blank },
                        );
                    }
                    let header = Line {
                        text: format!("[{new_header}]"),
                        eol: newline,
                        kind: Kind::Header(new_header.to_string()),
                    };
                    self.insert(self.lines.len(), header);
                    self.insert(self.lines.len(), entry(""));
                }
            }
        } else {
            // From the bottom up, so earlier ranges stay valid.
            for &(start, end) in ranges.iter().rev() {
                let line = &mut self.lines[start];
                let Kind::Entry { value_at, .. } = line.kind else { continue };
                let mut prefix = line.text[..value_at].to_string();
                // `key =` with nothing after it: keep the file's `key = value` style.
                if value_at == line.text.len() && prefix.ends_with(['=', ':']) {
                    let sep = prefix.len() - 1;
                    if prefix[..sep].ends_with([' ', '\t']) {
                        prefix.push(' ');
                    }
                }
                line.text = format!("{prefix}{value}");
                self.lines.drain(start + 1..end);
            }
        }
        self.text() != before
    }

    /// Inserts `line` before index `at`, giving the line before it an ending if it had none.
    fn insert(&mut self, at: usize, line: Line) {
        let newline = self.newline();
        if at > 0 && self.lines[at - 1].eol.is_empty() {
            self.lines[at - 1].eol = newline;
        }
        self.lines.insert(at, line);
    }

    /// Removes `key` (and its continuation lines) from every matching section. Returns whether
    /// anything was removed.
    pub fn remove(&mut self, matches: &dyn Fn(&str) -> bool, key: &str) -> bool {
        let ranges = self.entry_ranges(matches, key);
        for &(start, end) in ranges.iter().rev() {
            self.lines.drain(start..end);
        }
        !ranges.is_empty()
    }

    /// Removes matching sections that hold nothing but blank lines (a section holding a comment
    /// is kept: the comment is the user's), unless the next header is indented: it would then
    /// read as part of the value before. Returns whether anything was removed.
    pub fn remove_empty_sections(&mut self, matches: &dyn Fn(&str) -> bool) -> bool {
        let ranges = self.section_ranges(matches);
        let mut removed = false;
        for &(start, end) in ranges.iter().rev() {
            let next_indented = self.lines.get(end).is_some_and(|l| l.text.starts_with(char::is_whitespace));
            if !next_indented && self.lines[start + 1..end].iter().all(|l| l.kind == Kind::Blank) {
                self.lines.drain(start..end);
                removed = true;
            }
        }
        removed
    }
}

/// Why Python's `configparser` (strict, as awscli-login and botocore run it) would refuse a
/// file, or a file it would read differently from this module. Line numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A carriage return without a line feed after it: a line break to configparser, not here.
    LoneCarriageReturn { line: usize },
    /// A line that starts with `[` but has no `]` closing a name.
    BrokenHeader { line: usize },
    /// A line before the first section header.
    OutsideSection { line: usize },
    /// A line in a section that is neither a header, `key = value`, a comment nor a
    /// continuation.
    NotAnEntry { line: usize, section: String },
    /// `= value`: a separator with no key before it.
    NoKey { line: usize, section: String },
    /// A second `[name]` (only `[DEFAULT]` may come back).
    RepeatedSection { name: String, line: usize, first: usize },
    /// A key set twice in one section (keys ignore case): `key` as written on `line`,
    /// `first_key` as written on `first`.
    RepeatedKey { section: String, key: String, line: usize, first_key: String, first: usize },
}

/// One `key = value` of a file, for readers that need to say where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub section: String,
    /// Lowercased, as configparser's `optionxform` makes it.
    pub key: String,
    /// The line of the key, counting from 1.
    pub line: usize,
    /// Trimmed, continuation lines joined with `\n`, as configparser reads it.
    pub value: String,
}

/// configparser's section of defaults: every other section inherits its keys.
pub const DEFAULT_SECTION: &str = "DEFAULT";

impl Document {
    /// The first thing that makes configparser in strict mode refuse this text (or read it
    /// otherwise than [`Document::get`] does), in line order; `None` if it reads it as this
    /// module does. A byte-order mark at the start is allowed (configparser refuses it).
    pub fn refusal(&self) -> Option<Refusal> {
        let mut sections: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        // `(key, line, key as written)` of the open section (sections cannot repeat, so its
        // keys are checked against its own only), and of every `[DEFAULT]` (which can).
        let mut keys: Vec<(&str, usize, &str)> = Vec::new();
        let mut default_keys: Vec<(&str, usize, &str)> = Vec::new();
        let mut section: Option<&str> = None;
        for (i, line) in self.lines.iter().enumerate() {
            let n = i + 1;
            if line.text.contains('\r') {
                return Some(Refusal::LoneCarriageReturn { line: n });
            }
            let visible = if i == 0 { line.text.trim_start_matches('\u{feff}') } else { &line.text };
            let opens_header = visible.trim_start().starts_with('[');
            match &line.kind {
                Kind::Blank | Kind::Comment | Kind::Continuation => {}
                Kind::Header(name) => {
                    match sections.get(name.as_str()) {
                        Some(&first) if name != DEFAULT_SECTION => {
                            return Some(Refusal::RepeatedSection { name: name.clone(), line: n, first });
                        }
                        _ => {
                            sections.entry(name).or_insert(n);
                        }
                    }
                    keys.clear();
                    section = Some(name);
                }
                // `[dev = x` is a key to configparser; it is far likelier a broken header.
                Kind::Entry { .. } | Kind::Other if opens_header => {
                    return Some(Refusal::BrokenHeader { line: n });
                }
                Kind::Entry { key, value_at } => {
                    let Some(s) = section else { return Some(Refusal::OutsideSection { line: n }) };
                    let written = line.text[..*value_at].trim().trim_end_matches(['=', ':']).trim();
                    let seen = if s == DEFAULT_SECTION { &mut default_keys } else { &mut keys };
                    if let Some(&(_, first, first_key)) = seen.iter().find(|(k, ..)| k == key) {
                        return Some(Refusal::RepeatedKey {
                            section: s.to_string(),
                            key: written.to_string(),
                            line: n,
                            first_key: first_key.to_string(),
                            first,
                        });
                    }
                    seen.push((key, n, written));
                }
                Kind::Other => {
                    let Some(s) = section else { return Some(Refusal::OutsideSection { line: n }) };
                    let section = s.to_string();
                    return Some(if line.text.contains(['=', ':']) {
                        Refusal::NoKey { line: n, section }
                    } else {
                        Refusal::NotAnEntry { line: n, section }
                    });
                }
            }
        }
        None
    }

    /// Every entry of the sections `matches` accepts, with its section and line, in file order.
    pub fn located_entries(&self, matches: &dyn Fn(&str) -> bool) -> Vec<Located> {
        let mut out = Vec::new();
        let mut section = None;
        for (i, line) in self.lines.iter().enumerate() {
            match &line.kind {
                Kind::Header(name) => section = matches(name).then_some(name),
                Kind::Entry { key, .. } => {
                    if let Some(s) = section {
                        let end = self.entry_end(i, self.lines.len());
                        out.push(Located {
                            section: s.clone(),
                            key: key.clone(),
                            line: i + 1,
                            value: self.value(i, end),
                        });
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// configparser's section header: `[` … last `]`, at least one character between.
fn header_name(stripped: &str) -> Option<&str> {
    let rest = stripped.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}

/// `(lowercased key, byte offset of the value)` of a `key = value` / `key: value` line.
fn entry(line: &str) -> Option<(String, usize)> {
    let sep = line.find(['=', ':'])?;
    let key = line[..sep].trim();
    if key.is_empty() {
        return None;
    }
    let after = &line[sep + 1..];
    let value_at = sep + 1 + (after.len() - after.trim_start().len());
    Some((key.to_lowercase(), value_at))
}

/// The section names of profile `profile` in an AWS config file: `[default]` / `[profile P]`,
/// read as botocore reads them (a name starting with "profile" split like a shell line into
/// exactly two words), so `[profile  p]` and `[profile "p"]` count too.
pub fn is_aws_config_profile(header: &str, profile: &str) -> bool {
    if header.starts_with("profile") {
        matches!(shell_split(header).as_deref(), Some([_, name]) if name == profile)
    } else {
        header == "default" && profile == "default"
    }
}

/// The header a new section for `profile` gets in an AWS config file.
pub fn aws_config_header(profile: &str) -> String {
    if profile == "default" { "default".to_string() } else { format!("profile {}", shell_quote(profile)) }
}

/// Splits a command line as Python's `shlex.split` does (botocore runs `credential_process`
/// through it). `None` for an unclosed quote.
pub fn shell_split(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                words.extend(word.take());
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('\\' | '"' | '$' | '`') => w.push(c),
                            '\n' => {}
                            c => {
                                w.push('\\');
                                w.push(c);
                            }
                        },
                        c => w.push(c),
                    }
                }
            }
            '\\' => {
                let w = word.get_or_insert_with(String::new);
                match chars.next() {
                    Some('\n') => {}
                    Some(c) => w.push(c),
                    None => return None,
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

/// Quotes `word` for a shell line as Python's `shlex.quote` does.
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r#"'"'"'"#))
    }
}

/// An INI file on disk being edited: read once, written back only if the text changed.
pub struct IniFile {
    /// The path as named (maybe a symlink): for messages.
    pub path: PathBuf,
    /// Where the bytes live: the symlink's final target.
    target: PathBuf,
    original: Option<String>,
    pub doc: Document,
}

impl std::fmt::Debug for IniFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IniFile").field("path", &self.path).finish_non_exhaustive()
    }
}

/// How to make the directory of a file that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewDir {
    /// `0700`, and an existing directory is tightened to it (aws-login's own directory).
    Private,
    /// `0700` if missing; an existing directory is left as it is (the user's `~/.aws`).
    Create,
}

impl IniFile {
    /// Reads `path` (following symlinks); a missing file is an empty document.
    pub fn open(path: &Path) -> Result<IniFile, Error> {
        let target = resolve_symlinks(path)?;
        // Only a regular file: a FIFO would hang the tool.
        let original = match crate::atomic_file::read_regular(&target) {
            Ok(Some(bytes)) => {
                Some(String::from_utf8(bytes).map_err(|_| Error::NotUtf8 { path: path.to_path_buf() })?)
            }
            Ok(None) => None,
            Err(e) => return Err(Error::file("read", path, e)),
        };
        let doc = Document::parse(original.as_deref().unwrap_or(""));
        Ok(IniFile { path: path.to_path_buf(), target, original, doc })
    }

    #[cfg(test)]
    pub fn exists(&self) -> bool {
        self.original.is_some()
    }

    pub fn changed(&self) -> bool {
        self.original.as_deref().unwrap_or("") != self.doc.text()
    }

    /// Writes the document back if it changed: a temp file beside the symlink's target, given
    /// the old file's mode (`0600` for a new file), fsynced, renamed over the target.
    pub fn save(&mut self, new_dir: NewDir) -> Result<bool, Error> {
        self.write(new_dir, None)
    }

    /// [`IniFile::save`] for a file that holds secrets: `0600` whatever the old file's mode.
    pub fn save_secret(&mut self) -> Result<bool, Error> {
        self.write(NewDir::Create, Some(0o600))
    }

    fn write(&mut self, new_dir: NewDir, secret_mode: Option<u32>) -> Result<bool, Error> {
        if !self.changed() {
            return Ok(false);
        }
        let err = |action, e| Error::file(action, &self.path, e);
        let dir = self.target.parent().unwrap_or(Path::new("."));
        let mode = match fs::metadata(&self.target) {
            Ok(m) => m.permissions().mode() & 0o7777,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match new_dir {
                    NewDir::Private => crate::atomic_file::private_dir(dir),
                    NewDir::Create => fs::DirBuilder::new().recursive(true).mode(0o700).create(dir),
                }
                .map_err(|e| err("create the directory of", e))?;
                0o600
            }
            Err(e) => return Err(err("read", e)),
        };
        let mode = secret_mode.unwrap_or(mode);
        let text = self.doc.text();
        if new_dir == NewDir::Private {
            crate::atomic_file::sweep_stale(dir);
        }
        crate::atomic_file::replace(&self.target, text.as_bytes(), mode).map_err(|e| err("write", e))?;
        self.original = Some(text);
        Ok(true)
    }
}

/// Follows `path` through symlinks (relative ones from their own directory) to the file they
/// end at, which may not exist yet.
fn resolve_symlinks(path: &Path) -> Result<PathBuf, Error> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let next = fs::read_link(&current).map_err(|e| Error::file("read", path, e))?;
                current = match current.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(Error::file("read", path, std::io::Error::other("too many levels of symbolic links")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(name: &'static str) -> impl Fn(&str) -> bool {
        move |h: &str| h == name
    }

    fn aws(name: &'static str) -> impl Fn(&str) -> bool {
        move |h: &str| is_aws_config_profile(h, name)
    }

    const MESSY: &str = "# my AWS config\n\
        ; another comment style\n\
        \n\
        [default]\n\
        region=us-west-2\n\
        output :  json\n\
        \n\
        [profile p]   \n\
        Region = eu-west-1   \n\
        s3 =\n    max_concurrent_requests = 10\n\n    addressing_style = path\n\
        # trailing comment of p\n\
        \n\
        [profile other]\n\
        credential_process = something --else\n";

    #[test]
    fn parse_and_print_is_byte_for_byte() {
        for text in [
            MESSY,
            "",
            "\n\n",
            "[a]\r\nk = v\r\n",
            "[a]\nk = v",
            "junk before any section\n[a]\nno separator here\n",
            "\u{feff}[default]\nk=v\n",
            "[a]\n\tindented = x\n",
        ] {
            assert_eq!(Document::parse(text).text(), text);
        }
    }

    #[test]
    fn reads_like_configparser() {
        let doc = Document::parse(MESSY);
        assert_eq!(doc.sections(), ["default", "profile p", "profile other"]);
        assert_eq!(doc.get(&aws("default"), "region").as_deref(), Some("us-west-2"));
        assert_eq!(doc.get(&aws("default"), "OUTPUT").as_deref(), Some("json"));
        assert_eq!(doc.get(&aws("p"), "region").as_deref(), Some("eu-west-1"));
        assert_eq!(
            doc.get(&aws("p"), "s3").as_deref(),
            Some("\nmax_concurrent_requests = 10\n\naddressing_style = path")
        );
        assert_eq!(doc.get(&aws("p"), "max_concurrent_requests"), None, "a continuation is no key");
        assert_eq!(doc.keys(&aws("p")), ["region", "s3"]);
        // `a:b = c` is key `a`, value `b = c`.
        let d = Document::parse("[x]\na:b = c\n");
        assert_eq!(d.get(&plain("x"), "a").as_deref(), Some("b = c"));
        // A `:` or `=` in the header does not make it an entry; the header runs to the last `]`.
        let d = Document::parse("[sec]tion] junk\nk=v\n");
        assert_eq!(d.sections(), ["sec]tion"]);
    }

    #[test]
    fn refuses_what_strict_configparser_refuses() {
        let ok = "\u{feff}# c\n[a]\nk = 1\n  more\n\n  ; not in it\n[DEFAULT]\nk = 2\n[b]\nk = 3\n[DEFAULT]\nj = 4\n";
        let doc = Document::parse(ok);
        assert_eq!(doc.refusal(), None);
        let entries = doc.located_entries(&|s: &str| s == "a" || s == DEFAULT_SECTION);
        let shown: Vec<_> =
            entries.iter().map(|e| (e.section.as_str(), e.key.as_str(), e.line, e.value.as_str())).collect();
        assert_eq!(shown, [("a", "k", 3, "1\nmore"), ("DEFAULT", "k", 8, "2"), ("DEFAULT", "j", 12, "4")]);

        for (text, refusal) in [
            ("[a]\nk = 1\n[a]\n", Refusal::RepeatedSection { name: "a".into(), line: 3, first: 1 }),
            (
                "[a]\nKey = 1\nkey: 2\n",
                Refusal::RepeatedKey {
                    section: "a".into(),
                    key: "key".into(),
                    line: 3,
                    first_key: "Key".into(),
                    first: 2,
                },
            ),
            (
                "[DEFAULT]\nk = 1\n[b]\nk = 2\n[DEFAULT]\nk = 3\n",
                Refusal::RepeatedKey {
                    section: "DEFAULT".into(),
                    key: "k".into(),
                    line: 6,
                    first_key: "k".into(),
                    first: 2,
                },
            ),
            ("k = 1\n[a]\n", Refusal::OutsideSection { line: 1 }),
            ("[a\nk = 1\n", Refusal::BrokenHeader { line: 1 }),
            ("[a]\n[b = 1\n", Refusal::BrokenHeader { line: 2 }),
            ("[a]\njunk\n", Refusal::NotAnEntry { line: 2, section: "a".into() }),
            ("[a]\n: v\n", Refusal::NoKey { line: 2, section: "a".into() }),
            ("[a]\r\nk = 1\rj = 2\r\n", Refusal::LoneCarriageReturn { line: 2 }),
        ] {
            assert_eq!(Document::parse(text).refusal(), Some(refusal), "{text:?}");
        }
    }

    #[test]
    fn set_replaces_in_place_and_keeps_everything_else() {
        let mut doc = Document::parse(MESSY);
        assert!(doc.set(&aws("other"), "profile other", "credential_process", "aws-login --profile other"));
        let want = MESSY.replace("something --else", "aws-login --profile other");
        assert_eq!(doc.text(), want);
        assert!(!doc.set(&aws("other"), "profile other", "credential_process", "aws-login --profile other"));

        // `key=value` keeps its spacing; so does `key :  value`.
        let mut doc = Document::parse(MESSY);
        doc.set(&aws("default"), "default", "region", "us-east-1");
        doc.set(&aws("default"), "default", "Output", "text");
        assert_eq!(
            doc.text(),
            MESSY.replace("region=us-west-2", "region=us-east-1").replace(":  json", ":  text")
        );

        // An empty value gets the value where it was, spaced as the key is.
        for (before, after) in
            [("[a]\nk =\n", "[a]\nk = v\n"), ("[a]\nk=\n", "[a]\nk=v\n"), ("[a]\nk :\n", "[a]\nk : v\n")]
        {
            let mut doc = Document::parse(before);
            doc.set(&plain("a"), "a", "k", "v");
            assert_eq!(doc.text(), after);
        }

        // A continued value is replaced whole; the comment and blank line after it stay.
        let mut doc = Document::parse(MESSY);
        doc.set(&aws("p"), "profile p", "s3", "off");
        assert_eq!(
            doc.text(),
            MESSY.replace(
                "s3 =\n    max_concurrent_requests = 10\n\n    addressing_style = path\n",
                "s3 = off\n"
            )
        );
    }

    #[test]
    fn set_adds_after_the_last_entry_or_a_new_section() {
        let mut doc = Document::parse(MESSY);
        doc.set(&aws("p"), "profile p", "credential_process", "x");
        assert_eq!(
            doc.text(),
            MESSY.replace("addressing_style = path\n", "addressing_style = path\ncredential_process = x\n")
        );

        let mut doc = Document::parse(MESSY);
        doc.set(&aws("new"), "profile new", "credential_process", "x");
        assert_eq!(doc.text(), format!("{MESSY}\n[profile new]\ncredential_process = x\n"));

        // An empty section gets the key right under its header.
        let mut doc = Document::parse("[a]\n\n[b]\n");
        doc.set(&plain("a"), "a", "k", "v");
        assert_eq!(doc.text(), "[a]\nk = v\n\n[b]\n");

        // Empty file.
        let mut doc = Document::parse("");
        doc.set(&plain("default"), "default", "k", "v");
        assert_eq!(doc.text(), "[default]\nk = v\n");
    }

    #[test]
    fn a_new_key_never_takes_in_the_lines_after_it() {
        // Found by fuzzing: an indented line that means nothing, put after the new key, read
        // back as part of its value (`credential_process = aws-login …\njunk`).
        for text in ["[a]\n  junk\n", "[a]\n    k = 1\n  junk\n", "[a]\nno separator\n  junk\n# c\n"] {
            let mut doc = Document::parse(text);
            doc.set(&plain("a"), "a", "n", "v");
            let reread = Document::parse(&doc.text());
            assert_eq!(reread.get(&plain("a"), "n").as_deref(), Some("v"), "{text:?}");
            assert_eq!(reread.entries(), doc.entries(), "{text:?}");
            assert!(doc.text().starts_with(text.trim_end_matches("# c\n")), "{:?}", doc.text());
        }
        // Nor the indented header after it, which would then be no header.
        let mut doc = Document::parse("[a]\n\n  [b]\nk = 1\n");
        doc.set(&plain("a"), "a", "n", "v");
        assert_eq!(doc.text(), "[a]\n  n = v\n\n  [b]\nk = 1\n");
        let reread = Document::parse(&doc.text());
        assert_eq!(reread.sections(), ["a", "b"]);
        assert_eq!(reread.get(&plain("a"), "n").as_deref(), Some("v"));
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        let mut doc = Document::parse("[a]\r\nk = v\r\n");
        doc.set(&plain("a"), "a", "j", "w");
        doc.set(&plain("b"), "b", "x", "y");
        assert_eq!(doc.text(), "[a]\r\nk = v\r\nj = w\r\n\r\n[b]\r\nx = y\r\n");

        let mut doc = Document::parse("[a]\nk = v");
        doc.set(&plain("a"), "a", "j", "w");
        assert_eq!(doc.text(), "[a]\nk = v\nj = w\n");

        let mut doc = Document::parse("[a]\nk = v");
        doc.set(&plain("a"), "a", "k", "w");
        assert_eq!(doc.text(), "[a]\nk = w", "in place keeps the missing newline");

        // Removing deletes exactly the key's lines, nothing around them.
        let mut doc = Document::parse("[a]\nj = 1\nk = v");
        doc.remove(&plain("a"), "k");
        assert_eq!(doc.text(), "[a]\nj = 1\n");
    }

    #[test]
    fn duplicate_sections_are_all_edited() {
        let text = "[p]\nk = 1\n\n[q]\nk = 2\n\n[p]\nk = 3\nj = 4\n";
        let mut doc = Document::parse(text);
        assert_eq!(doc.get(&plain("p"), "k").as_deref(), Some("1"), "the first");
        doc.set(&plain("p"), "p", "k", "9");
        assert_eq!(doc.text(), "[p]\nk = 9\n\n[q]\nk = 2\n\n[p]\nk = 9\nj = 4\n");
        doc.remove(&plain("p"), "k");
        assert_eq!(doc.text(), "[p]\n\n[q]\nk = 2\n\n[p]\nj = 4\n");
        // A new key goes into the last of them.
        doc.set(&plain("p"), "p", "n", "5");
        assert_eq!(doc.text(), "[p]\n\n[q]\nk = 2\n\n[p]\nj = 4\nn = 5\n");
    }

    #[test]
    fn aws_profile_sections_versus_plain_names() {
        let text = "[p]\nregion = a\n[profile p]\nregion = b\n[profile  \"p\"]\nx = 1\n[profilep]\n[default]\n[profile default]\n";
        let doc = Document::parse(text);
        assert_eq!(doc.get(&aws("p"), "region").as_deref(), Some("b"), "[p] is no profile in ~/.aws/config");
        assert_eq!(doc.get(&aws("p"), "x").as_deref(), Some("1"));
        assert_eq!(doc.get(&plain("p"), "region").as_deref(), Some("a"), "but is one in credentials");
        assert!(is_aws_config_profile("default", "default"));
        assert!(is_aws_config_profile("profile default", "default"));
        assert!(!is_aws_config_profile("profilep", "p"));
        assert!(!is_aws_config_profile("profile a b", "a"));
        assert_eq!(aws_config_header("default"), "default");
        assert_eq!(aws_config_header("my p"), "profile 'my p'");
        assert!(is_aws_config_profile(&aws_config_header("my p"), "my p"));
    }

    #[test]
    fn remove_keys_and_empty_sections() {
        let text = "[default]\nregion = x\n\n[plugins]\nlogin = awscli_login\ncli_legacy_plugin_path = /usr/lib/python3/site-packages\n";
        let mut doc = Document::parse(text);
        assert!(doc.remove(&plain("plugins"), "LOGIN"));
        assert!(doc.remove(&plain("plugins"), "cli_legacy_plugin_path"));
        assert!(!doc.remove(&plain("plugins"), "cli_legacy_plugin_path"));
        assert!(doc.remove_empty_sections(&plain("plugins")));
        assert_eq!(doc.text(), "[default]\nregion = x\n\n", "only the plugin's lines go");

        // With a comment the section stays: the comment is the user's.
        let text =
            "[plugins]\n# cli_legacy_plugin_path = /x\nlogin = awscli_login\n\n[default]\nregion = x\n";
        let mut doc = Document::parse(text);
        doc.remove(&plain("plugins"), "login");
        assert!(!doc.remove_empty_sections(&plain("plugins")));
        assert_eq!(doc.text(), "[plugins]\n# cli_legacy_plugin_path = /x\n\n[default]\nregion = x\n");

        // Found by fuzzing: a line without a separator ends the entry above it, so an indented
        // header after it is a header whether or not that entry is still there.
        let text = "[a]\nk = 1\njunk\n  [b]\nj = 2\n";
        let mut doc = Document::parse(text);
        assert_eq!(doc.sections(), ["a", "b"]);
        assert_eq!(doc.get(&plain("a"), "k").as_deref(), Some("1"));
        assert!(doc.remove(&plain("a"), "k"));
        let reread = Document::parse(&doc.text());
        assert_eq!((reread.sections(), reread.entries()), (doc.sections(), doc.entries()));
        assert_eq!(reread.get(&plain("b"), "j").as_deref(), Some("2"));

        // Found by fuzzing: a section before an indented header stays, or the header would read
        // as part of the value before it.
        let text = "[a]\nk = v\n[plugins]\n  [b]\nj = 1\n";
        let mut doc = Document::parse(text);
        assert!(!doc.remove_empty_sections(&plain("plugins")));
        assert_eq!(doc.text(), text);
        assert_eq!(doc.sections(), ["a", "plugins", "b"]);

        // The blank lines of an emptied section go with it.
        let text = "[a]\nk = v\n\n[plugins]\nlogin = awscli_login\n\n[default]\nregion = x";
        let mut doc = Document::parse(text);
        doc.remove(&plain("plugins"), "login");
        doc.remove_empty_sections(&plain("plugins"));
        assert_eq!(doc.text(), "[a]\nk = v\n\n[default]\nregion = x");
    }

    #[test]
    fn entries_list_keys_as_written() {
        let doc = Document::parse("[a]\nAws_Access_Key_Id=AKIA\n s = 1\nk: v\n");
        assert_eq!(
            doc.entries(),
            [
                ("a".into(), "Aws_Access_Key_Id".into(), "AKIA\ns = 1".into()),
                ("a".into(), "k".into(), "v".into())
            ]
        );
        assert!(!format!("{doc:?}").contains("AKIA"), "Debug shows no values");
    }

    #[test]
    fn shell_words_like_python_shlex() {
        assert_eq!(shell_split("aws-login --profile p").unwrap(), ["aws-login", "--profile", "p"]);
        assert_eq!(
            shell_split(r#"'/a b/aws-login' -p "x y" z\ w"#).unwrap(),
            ["/a b/aws-login", "-p", "x y", "z w"]
        );
        assert_eq!(shell_split(r#"a "b\"c\d" ''"#).unwrap(), ["a", "b\"c\\d", ""]);
        assert_eq!(shell_split("a 'b"), None);
        for w in ["plain", "/usr/bin/aws-login", "with space", "it's", ""] {
            assert_eq!(shell_split(&shell_quote(w)).unwrap(), [w], "{w}");
        }
        assert_eq!(shell_quote("/usr/bin/aws-login"), "/usr/bin/aws-login");
    }

    #[test]
    fn files_keep_mode_and_follow_symlinks() {
        let home = tempfile::tempdir().unwrap();
        let real_dir = home.path().join("dotfiles");
        fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("aws-config");
        fs::write(&real, "[default]\nregion = x\n").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        let aws_dir = home.path().join(".aws");
        fs::create_dir(&aws_dir).unwrap();
        let link = aws_dir.join("config");
        std::os::unix::fs::symlink("../dotfiles/aws-config", &link).unwrap();

        let mut f = IniFile::open(&link).unwrap();
        assert!(!f.save(NewDir::Create).unwrap(), "unchanged: not written");
        f.doc.set(&aws("default"), "default", "credential_process", "c");
        assert!(f.save(NewDir::Create).unwrap());
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "link kept");
        assert_eq!(fs::read_to_string(&real).unwrap(), "[default]\nregion = x\ncredential_process = c\n");
        assert_eq!(fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(fs::read_dir(&real_dir).unwrap().count(), 1, "no temp file left");

        // A new file: 0600, in a new 0700 directory.
        let new = home.path().join("fresh/.aws/config");
        let mut f = IniFile::open(&new).unwrap();
        assert!(!f.exists());
        f.doc.set(&aws("p"), "profile p", "k", "v");
        f.save(NewDir::Create).unwrap();
        assert_eq!(fs::metadata(&new).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(new.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);

        fs::write(home.path().join("latin1"), b"[a]\nk = \xe9\n").unwrap();
        let e = IniFile::open(&home.path().join("latin1")).unwrap_err();
        assert!(e.to_string().contains("UTF-8"), "{e}");
    }
}
