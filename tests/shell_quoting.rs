//! The exports' quoting, proved by the shells themselves: hostile values rendered by the real
//! renderer, evaluated by bash, zsh, dash and fish, and read back byte for byte. (PowerShell and
//! cmd cannot run here: their quoting has golden tests in src/sink/shell.rs.)

use std::process::Command;

use aws_login::credentials::Credentials;
use aws_login::secret::Secret;
use aws_login::sink::Issued;
use aws_login::sink::shell::{Shell, render};

const HOSTILE: [&str; 6] = [
    "it's \"$(touch /tmp/pwned)\" `id` $HOME ${X:-y} \\ \\' %PATH% ^& !1 ;|<>",
    "line one\nline two\n",
    "'",
    "\\",
    "tab\there \u{2019}curly\u{2018} \u{e9}",
    "end with backslash \\",
];

fn read_back(shell: &str, lines: &str, fish: bool) -> String {
    // Each variable on its own line, NUL-separated so newlines in values survive.
    let print = "printf '%s\\0' \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\"";
    let script = if fish { format!("{lines}\n{print}") } else { format!("eval \"$L\"\n{print}") };
    let out = Command::new(shell).arg("-c").arg(&script).env("L", lines).output().unwrap();
    assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_shell_reads_back_exactly_what_was_exported() {
    for value in HOSTILE {
        let c = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new(value),
            session_token: Secret::new(format!("{value}{value}")),
            expiration: time::OffsetDateTime::UNIX_EPOCH,
        };
        let issued = Issued { credentials: &c, account_id: None, region: None };
        let expected = format!("{value}\0{value}{value}\0");
        let sh = render(Shell::Sh, &issued).unwrap();
        for shell in ["bash", "zsh", "dash"] {
            assert_eq!(read_back(shell, &sh, false), expected, "{shell}: {value:?}");
        }
        let fish = render(Shell::Fish, &issued).unwrap();
        assert_eq!(read_back("fish", &fish, true), expected, "fish: {value:?}");
    }
    assert!(!std::path::Path::new("/tmp/pwned").exists());
}
