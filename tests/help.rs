//! The command line as a newcomer meets it: every help has examples and only its command's flags,
//! typos get sensible hints, awscli-login's underscore spellings work, and a flag a command does
//! not take is clap's usage error (exit 2). No servers: each run is the binary alone in a
//! throwaway home.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_aws-login");

/// Runs aws-login in `home` with a clean environment plus `env`, no terminal.
fn run_env(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("AWS_CONFIG_FILE", home.join(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/credentials"))
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn run(home: &Path, args: &[&str]) -> Output {
    run_env(home, args, &[])
}

fn text(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn help(home: &Path, command: &[&str], flag: &str, env: &[(&str, &str)]) -> String {
    let args = [command, &[flag]].concat();
    let (code, stdout, stderr) = text(&run_env(home, &args, env));
    assert_eq!((code, stderr.as_str()), (0, ""), "{args:?}");
    stdout
}

const OVERRIDES: [&str; 15] = [
    "--ecp-endpoint-url",
    "--username",
    "--password",
    "--ask-password",
    "--enable-keyring",
    "--factor",
    "--passcode",
    "--device",
    "--duo-timeout",
    "--http-header-factor",
    "--http-header-passcode",
    "--role-arn",
    "--duration",
    "--verify-ssl-certificate",
    "--ca-bundle",
];

#[test]
fn every_help_has_examples_and_only_its_commands_flags() {
    let home = tempfile::tempdir().unwrap();
    // (command, flags it must show, flags it must not show)
    let logs_in: Vec<&str> = OVERRIDES.iter().copied().chain(["--profile", "--verbose"]).collect();
    let cases: &[(&[&str], Vec<&str>, Vec<&str>)] = &[
        (&[], logs_in.clone(), vec!["--force-refresh", "--all", "--purge", "--apply"]),
        (&["login"], [&logs_in[..], &["--force-refresh"]].concat(), vec!["--all", "--purge", "--apply"]),
        (&["process"], logs_in.clone(), vec!["--force-refresh", "--all", "--purge", "--apply"]),
        (
            &["logout"],
            vec!["--profile", "--all", "--purge", "--verbose"],
            [&OVERRIDES[..], &["--force-refresh", "--apply"]].concat(),
        ),
        (
            &["configure"],
            vec!["--profile", "--verbose"],
            [&OVERRIDES[..], &["--force-refresh", "--all", "--purge", "--apply"]].concat(),
        ),
        (
            &["migrate"],
            vec!["--apply", "--verbose"],
            [&OVERRIDES[..], &["--profile", "--force-refresh", "--all", "--purge"]].concat(),
        ),
    ];
    for (command, shown, hidden) in cases {
        for flag in ["--help", "-h"] {
            for env in [&[][..], &[("AWS_PROFILE", "my-env-profile")]] {
                let out = help(home.path(), command, flag, env);
                let what = format!("{command:?} {flag} {env:?}");
                let examples =
                    out.find("\nExamples:\n  aws-login ").unwrap_or_else(|| panic!("{what}: {out}"));
                let example_lines = out[examples..].lines().filter(|l| l.contains("aws-login ")).count();
                assert!((2..=3).contains(&example_lines), "{what}: {out}");
                assert!(!out.contains("=]"), "an env value shown, even empty: {what}: {out}");
                assert!(!out.contains("my-env-profile"), "{what}: {out}");
                if shown.contains(&"--profile") {
                    assert!(out.contains("[env: AWS_PROFILE]"), "{what}: {out}");
                }
                let listed = listed_flags(&out);
                assert!(
                    listed.iter().all(|f| !f.contains('_')),
                    "underscore spellings are hidden: {listed:?}"
                );
                for f in shown {
                    assert!(listed.contains(&f.to_string()), "{what} lacks {f}: {out}");
                }
                for f in hidden {
                    assert!(!listed.contains(&f.to_string()), "{what} shows {f}: {out}");
                }
            }
        }
    }
    // The overrides are grouped by where they go.
    let out = help(home.path(), &["login"], "--help", &[]);
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("no {s}: {out}"));
    assert!(at("Profile:") < at("IdP (SAML ECP):"));
    assert!(at("IdP (SAML ECP):") < at("--username") && at("--username") < at("Duo:"));
    assert!(at("Duo:") < at("--passcode") && at("--passcode") < at("AWS:"));
    assert!(at("AWS:") < at("--role-arn"));
}

/// The long flags a help lists (the start of each option line, not the descriptions).
fn listed_flags(help: &str) -> Vec<String> {
    help.lines()
        .filter(|l| l.trim_start().starts_with('-'))
        .flat_map(|l| {
            l.split_whitespace()
                .take_while(|t| t.starts_with('-') || t.starts_with('<'))
                .filter(|t| t.starts_with("--"))
                .map(|t| t.trim_end_matches([',', '.']).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn typos_get_sensible_hints() {
    let home = tempfile::tempdir().unwrap();
    for args in
        [&["--region", "us-east-1"][..], &["login", "--profile", "p", "--region", "eu-west-1"], &["--region"]]
    {
        let (code, stdout, stderr) = text(&run(home.path(), args));
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}: {stderr}");
        assert!(!stderr.contains("--duration"), "{args:?}: {stderr}");
        assert!(stderr.contains("takes no --region") && stderr.contains("~/.aws/config"), "{stderr}");
    }
    // A real near-miss still gets its hint.
    let (code, _, stderr) = text(&run(home.path(), &["login", "--force-refres"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("'--force-refresh'") || stderr.contains("'--force_refresh'"), "{stderr}");
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0, "a usage error touches nothing");
}

#[test]
fn a_flag_the_command_does_not_take_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    for (args, usage) in [
        (&["logout", "--passcode", "1"][..], "Usage: aws-login logout"),
        (&["--passcode", "1", "logout"], "Usage: aws-login logout"),
        (&["configure", "--role-arn", "X"], "Usage: aws-login configure"),
        (&["--username", "u", "configure"], "Usage: aws-login configure"),
        (&["migrate", "--profile", "p"], "Usage: aws-login migrate"),
        (&["logout", "--force_refresh"], "Usage: aws-login logout"),
    ] {
        let (code, stdout, stderr) = text(&run(home.path(), args));
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(usage), "{args:?}: {stderr}");
        let flag = args.iter().find(|a| a.starts_with("--")).unwrap();
        assert!(stderr.contains(&format!("'{flag}'")), "{args:?} names the flag: {stderr}");
    }
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0, "a usage error touches nothing");
}

/// A profile whose IdP cannot be reached, with valid cached credentials: serving the cache
/// succeeds, and a forced refresh fails reaching the IdP (exit 20), which shows the flag was
/// taken in either spelling.
#[test]
fn force_refresh_in_both_spellings() {
    let home = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = home.path().join(".aws-login");
    std::fs::create_dir_all(dir.join("cache")).unwrap();
    std::fs::write(
        dir.join("config"),
        format!("[dev]\necp_endpoint_url = http://127.0.0.1:{port}/ecp\nusername = alice\npassword = pw\n"),
    )
    .unwrap();
    let rfc3339 = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let entry = serde_json::json!({
        "version": 1,
        "credentials": {
            "access_key_id": "ASIAEXAMPLEEXAMPLE12",
            "secret_access_key": "secret-key",
            "session_token": "session-token",
            "expiration": rfc3339(now + time::Duration::hours(1)),
        },
        "issued": rfc3339(now),
        "role_arn": "arn:aws:iam::111122223333:role/Developer",
        "principal_arn": "arn:aws:iam::111122223333:saml-provider/TestIdP",
        "username": "alice",
    });
    std::fs::write(dir.join("cache/dev.json"), entry.to_string()).unwrap();

    let (code, _, stderr) = text(&run(home.path(), &["login", "--profile", "dev"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Already logged in"), "{stderr}");
    for flag in ["--force-refresh", "--force_refresh"] {
        for args in [&["login", flag, "--profile", "dev"][..], &["-p", "dev", "login", flag]] {
            let (code, stdout, stderr) = text(&run(home.path(), args));
            assert_eq!((code, stdout.as_str()), (20, ""), "{args:?}: {stderr}");
            assert!(stderr.contains("cannot reach the IdP"), "{args:?}: {stderr}");
        }
    }
    // Underscore spellings of the overrides too, before or after the command.
    for args in [
        &["--profile", "dev", "--role_arn", "arn:aws:iam::111122223333:role/Developer"][..],
        &["process", "--profile", "dev", "--duo_timeout", "30", "--ask_password"],
        &["--ca_bundle", "", "login", "--profile", "dev", "--verify_ssl_certificate", "true"],
    ] {
        let (code, stdout, stderr) = text(&run(home.path(), args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        if args[0] != "--ca_bundle" {
            assert!(stdout.contains("ASIAEXAMPLEEXAMPLE12"), "{args:?}: served from the cache: {stdout}");
        }
    }
}

/// `--profile` goes before or after the command, the last one given wins, and `AWS_PROFILE`
/// counts when neither is given; credential_process lines (`aws-login --profile NAME`, as
/// `configure` and `migrate` write them) parse with overrides after them.
#[test]
fn the_profile_from_either_side_of_the_command_or_the_environment() {
    let home = tempfile::tempdir().unwrap();
    // Profiles that exist but have nothing cached: `logout` names the one it was given (a name
    // in no config and no cache is refused as unknown, exit 4, before this could be seen).
    std::fs::create_dir_all(home.path().join(".aws-login")).unwrap();
    std::fs::write(home.path().join(".aws-login/config"), "[from-env]\n[top]\n[sub]\n").unwrap();
    let env = [("AWS_PROFILE", "from-env")];
    for (args, env, named) in [
        (&["logout"][..], &env[..], "from-env"),
        (&["--profile", "top", "logout"], &env, "top"),
        (&["logout", "-p", "sub"], &env, "sub"),
        (&["-p", "top", "logout", "--profile", "sub"], &[], "sub"),
    ] {
        let (code, _, stderr) = text(&run_env(home.path(), args, env));
        assert_eq!(code, 3, "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("profile '{named}' has no cached credentials")),
            "{args:?}: {stderr}"
        );
    }
    for args in [
        &["--profile", "nope"][..],
        &["--profile", "nope", "--role-arn", "arn:aws:iam::1:role/R", "-v"],
        &["--username", "u", "--profile", "nope", "login", "--factor", "push"],
        &["-p", "nope", "process", "--passcode", "1"],
    ] {
        let (code, _, stderr) = text(&run_env(home.path(), args, &env));
        assert_eq!(code, 4, "{args:?}: {stderr}");
        assert!(stderr.contains("[nope]"), "{args:?}: {stderr}");
    }
}
