//! Shell completions and man pages as a user meets them: bash sources the script and completes
//! through it, groff and man render the pages. No servers.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_aws-login");

fn run(args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0, "{args:?} wrote into the home");
    out
}

fn stdout_of(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Sources the bash script in a fresh bash, then asks it to complete `words` (the last one
/// being completed), as bash's completion machinery calls the function.
fn bash_complete(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let program = format!(
        "source '{}' || exit 3\n\
         spec=$(complete -p aws-login) || exit 4\n\
         fn=${{spec##* -F }}; fn=${{fn%% *}}\n\
         COMP_WORDS=({}); COMP_CWORD={cword}\n\
         \"$fn\" aws-login \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" ")
    );
    let out = Command::new("bash").arg("--norc").arg("-c").arg(&program).output().unwrap();
    assert!(out.status.success(), "{program}\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn bash_loads_the_script_and_completes_commands_and_their_flags() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("aws-login.bash");
    std::fs::write(&script, stdout_of(&["completions", "bash"])).unwrap();

    assert_eq!(bash_complete(&script, &["aws-login", "li"]), ["list-profiles"]);
    let all = bash_complete(&script, &["aws-login", ""]);
    for c in ["login", "logout", "doctor", "completions", "man", "configure"] {
        assert!(all.contains(&c.to_string()), "{c}: {all:?}");
    }
    // After a command: its own flags and values.
    assert_eq!(bash_complete(&script, &["aws-login", "doctor", "--p"]), ["--profile"]);
    assert_eq!(bash_complete(&script, &["aws-login", "list-profiles", "--j"]), ["--json"]);
    assert_eq!(bash_complete(&script, &["aws-login", "login", "--force-"]), ["--force-refresh"]);
    // The overrides too, which clap builds only when their command is given (cli::Deferred).
    assert_eq!(bash_complete(&script, &["aws-login", "login", "--user"]), ["--username"]);
    assert_eq!(bash_complete(&script, &["aws-login", "completions", "f"]), ["fish"]);
}

#[test]
fn every_shell_gets_a_script_and_a_bad_shell_is_a_usage_error() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains("list-profiles") && script.contains("force-refresh"), "{shell}: {script}");
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'tcsh'") && err.contains("zsh"), "{err}");
}

/// groff with every warning on renders each page without one; `man -l` shows the examples.
#[test]
fn man_pages_render() {
    let login = stdout_of(&["man", "login"]);
    assert!(login.contains("\\-\\-username"), "the deferred overrides are on the page: {login}");
    for page in [&[][..], &["login"], &["list-profiles"], &["doctor"], &["completions"]] {
        let roff = stdout_of(&[&["man"], page].concat());
        let mut groff = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("groff (tests/stack/install.sh installs it)");
        groff.stdin.take().unwrap().write_all(roff.as_bytes()).unwrap();
        let out = groff.wait_with_output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{page:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aws-login-doctor.1");
    std::fs::write(&file, stdout_of(&["man", "doctor"])).unwrap();
    let out = Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("man (tests/stack/install.sh installs it)");
    // Justified: words joined by one space, whatever the line's padding.
    let text = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("NAME") && text.contains("aws-login-doctor - Check the set-up"), "{text}");
    assert!(text.contains("aws-login doctor --profile prod"), "the examples: {text}");

    let out = run(&["man", "nope"]);
    assert_eq!(out.status.code(), Some(2), "an unknown page is a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("list-profiles"));
}

#[test]
fn version_and_the_new_commands_help() {
    assert_eq!(stdout_of(&["--version"]), format!("aws-login {}\n", env!("CARGO_PKG_VERSION")));
    for command in ["completions", "man", "list-profiles", "doctor"] {
        let help = stdout_of(&[command, "--help"]);
        let examples = help.find("\nExamples:\n").unwrap_or_else(|| panic!("{command}: {help}"));
        let lines = help[examples..].lines().filter(|l| l.trim_start().starts_with("aws-login ")).count();
        assert!((2..=3).contains(&lines), "{command}: {help}");
    }
}
