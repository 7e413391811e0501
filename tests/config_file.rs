//! `~/.aws-login/config` as awscli-login reads it: with Python's configparser in strict mode.
//! aws-login reads it through src/ini_edit.rs (the editor `configure` uses) and refuses what
//! strict configparser refuses; here the two are compared on many generated files, and the
//! binary is run on a file with a repeated section.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use aws_login::ini_edit::{DEFAULT_SECTION, Document, Refusal};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_aws-login");

#[test]
fn a_repeated_section_is_refused_naming_both_lines() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".aws-login");
    std::fs::create_dir_all(&dir).unwrap();
    let config = "[default]\necp_endpoint_url = https://idp.example.edu/ecp\n\n[dev]\n\
        ecp_endpoint_url = https://idp.example.edu/ecp\nusername = alice\npassword = hunter2\n\n\
        [dev]\nusername = bob\n";
    std::fs::write(dir.join("config"), config).unwrap();
    for args in [&["--profile", "dev"][..], &["login", "--profile", "default"], &["logout", "--all"]] {
        let out = Command::new(BIN)
            .args(args)
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", "/usr/bin:/bin")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
        assert_eq!(
            stderr,
            format!(
                "aws-login: {}: section [dev] on line 9 repeats the one on line 4; remove one\n",
                dir.join("config").display()
            ),
            "{args:?}"
        );
    }
    assert_eq!(std::fs::read_to_string(dir.join("config")).unwrap(), config);
}

/// A Python 3 with configparser: the test stack's, else the system's.
fn python() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".stack/venv/bin/python");
    if venv.exists() { venv } else { PathBuf::from("python3") }
}

/// What configparser (strict, no interpolation, the file read in text mode) makes of each text:
/// `{"error": name}` or `{"sections": [[name, [[key, value]…]]…], "defaults": [[key, value]…]}`.
const READER: &str = r#"
import configparser, io, json, sys
out = []
for text in json.load(sys.stdin):
    cp = configparser.ConfigParser(strict=True, interpolation=None)
    try:
        cp.read_file(io.StringIO(text, newline=None))
    except configparser.Error as e:
        out.append({"error": type(e).__name__})
        continue
    out.append({
        "sections": [[n, [[k, v] for k, v in cp._sections[n].items()]] for n in cp.sections()],
        "defaults": [[k, v] for k, v in cp._defaults.items()],
    })
json.dump(out, sys.stdout)
"#;

fn configparser(texts: &[String]) -> Vec<Value> {
    let mut child = Command::new(python())
        .args(["-c", READER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(texts).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What aws-login makes of `text`, in the same shape (or the refusal).
fn ours(text: &str) -> Result<Value, Refusal> {
    let doc = Document::parse(text);
    if let Some(refusal) = doc.refusal() {
        return Err(refusal);
    }
    let entries = doc.located_entries(&|_| true);
    let of = |section: &str| -> Value {
        entries.iter().filter(|e| e.section == section).map(|e| json!([e.key, e.value])).collect()
    };
    let mut names: Vec<&str> = doc.sections().into_iter().filter(|s| *s != DEFAULT_SECTION).collect();
    names.dedup();
    Ok(json!({
        "sections": names.iter().map(|n| json!([n, of(n)])).collect::<Vec<_>>(),
        "defaults": of(DEFAULT_SECTION),
    }))
}

/// A small deterministic generator of INI-ish files: headers (broken ones too), entries with
/// keys in several cases, separators and indents, comments, blank lines and continuations.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    fn line(&mut self) -> String {
        const INDENT: [&str; 7] = ["", "", "", "", " ", "  ", "\t"];
        match self.next() % 20 {
            0..=3 => self
                .pick(&[
                    "[a]",
                    "[b]",
                    "[c]",
                    "[A]",
                    "[DEFAULT]",
                    "[ a ]",
                    "[a] tail",
                    "[a]]",
                    "[sec]tion]",
                    "[x",
                    "[x = 1",
                    "[]",
                    "[]]",
                ])
                .to_string(),
            4 | 5 => self.pick(&["# c", "; c", "#", ";", "# k = v", "; [a]", "  # ic"]).to_string(),
            6 | 7 => self.pick(&["", "", "  ", "\t"]).to_string(),
            8 | 9 => format!(
                "{}{}",
                self.pick(&["  ", "    ", "\t", " "]),
                self.pick(&["cont", "k = 9", "[a]", "# ic", "x: y", "[x"])
            ),
            10 => self.pick(&["noeq", "= v", ": v", " = ", "key only"]).to_string(),
            _ => format!(
                "{}{}{}{}{}",
                self.pick(&INDENT),
                self.pick(&[
                    "k",
                    "K",
                    "j",
                    "user_name",
                    "a b",
                    "x.y",
                    "k1",
                    "K1",
                    "k2",
                    "j2",
                    "q",
                    "Q",
                    "r",
                    "s",
                    "t",
                    "u",
                    "w",
                ]),
                self.pick(&[" = ", "=", ": ", " : ", "\t=\t", " =", ":"]),
                self.pick(&["v", "", "a=b", "x ; y", "# z", "  spaced  ", "\\", "%(k)s", "v:w", "[a]"]),
                self.pick(&["", "", "", " ", "\t"]),
            ),
        }
    }

    fn file(&mut self) -> String {
        let lines = 1 + self.next() % 12;
        let crlf = self.next().is_multiple_of(4);
        // Most files start with a header, or nearly all would be refused for that alone.
        let mut text = match self.next() % 4 {
            0 => String::new(),
            _ => format!("{}\n", self.pick(&["[a]", "[b]", "[DEFAULT]"])),
        };
        for i in 0..lines {
            text.push_str(&self.line());
            if i + 1 < lines || !self.next().is_multiple_of(3) {
                text.push_str(if crlf && !self.next().is_multiple_of(4) { "\r\n" } else { "\n" });
            }
        }
        text
    }
}

#[test]
fn reads_and_refuses_what_strict_configparser_does() {
    let mut generator = Gen(0x5eed_1234_abcd_0001);
    let mut texts: Vec<String> = (0..20_000).map(|_| generator.file()).collect();
    // Hand-picked corners besides.
    texts.extend(
        [
            "[a]\nk = 1\n  cont\n\n  # not in it\n  more\n\n",
            "[a]\n  k = 1\n    deeper\n  j = 2\n",
            "[a]\nk =\n  x\n",
            "[DEFAULT]\nk = 1\n[a]\nj = 2\n[DEFAULT]\nm = 3\n",
            "[a]\n[a]\n",
            "[a]\nk = 1\n[b]\nk = 2\n",
            "[a]\nKey = 1\nkey = 2\n",
            "k = 1\n",
            "# only a comment\n",
            "",
            "[a]\r\nk = v\r\n  c\r\n",
            "[a]\nk = 1\n[b\n",
        ]
        .map(String::from),
    );
    let theirs = configparser(&texts);
    assert_eq!(theirs.len(), texts.len());
    let (mut read, mut refused, mut stricter) = (0, 0, 0);
    for (text, theirs) in texts.iter().zip(&theirs) {
        match (ours(text), theirs.get("error")) {
            (Ok(ours), None) => {
                assert_eq!(&ours, theirs, "read differently: {text:?}");
                read += 1;
            }
            (Err(_), Some(_)) => refused += 1,
            (Ok(ours), Some(error)) => panic!("configparser refuses ({error}), we read {ours}: {text:?}"),
            // `[x = 1` is a key named `[x` to configparser; aws-login calls it a broken header.
            (Err(Refusal::BrokenHeader { .. }), None) => stricter += 1,
            (Err(refusal), None) => panic!("we refuse ({refusal:?}), configparser reads {theirs}: {text:?}"),
        }
    }
    eprintln!("{read} read alike, {refused} refused by both, {stricter} broken headers only we refuse");
    assert!(read > 5_000 && refused > 5_000, "the generated files test both outcomes");
}

/// Where aws-login knowingly reads more than configparser: a byte-order mark, which configparser
/// takes for text before the first header. (Also a check that the comparison above compares.)
#[test]
fn a_byte_order_mark_is_where_we_differ() {
    let text = "\u{feff}[a]\nk = 1\n".to_string();
    assert_eq!(configparser(std::slice::from_ref(&text))[0]["error"], "MissingSectionHeaderError");
    assert_eq!(ours(&text).unwrap()["sections"], json!([["a", [["k", "1"]]]]));
}
