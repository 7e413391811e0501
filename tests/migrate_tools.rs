//! `aws-login migrate --from TOOL` for okta-aws-cli, aws-cli-oidc, mozilla-aws-cli and awssso,
//! on homes holding each tool's files as its README (or, where the README is silent, its
//! source) writes them: tests/fixtures/migrate/<tool>/. The plan's text and the files after
//! `--apply` are compared byte for byte with golden files there (`{HOME}` and `{BIN}` stand for
//! the test's home and binary; AWS_LOGIN_BLESS=1 rewrites the golden files after a deliberate
//! change). No server is needed: migrating reads and writes files only.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn fixtures(tool: &str) -> PathBuf {
    repo().join("tests/fixtures/migrate").join(tool)
}

fn fixture(tool: &str, name: &str) -> String {
    std::fs::read_to_string(fixtures(tool).join(name)).unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// Writes `text` at `relative` under the home, making its directories.
fn put(home: &Home, relative: &str, text: &str) {
    let path = home.path().join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `aws-login migrate ARGS` (under AWS_LOGIN_SWEEP=1 also at -vvv, checked for secrets).
fn migrate(home: &Home, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = Command::new(BIN);
    home.env(&mut c);
    c.envs(env.iter().copied());
    let args: Vec<&str> = ["migrate"].iter().chain(args).copied().collect();
    home.swept(c, &args)
}

/// `text` with this test's home and binary written as `{HOME}` and `{BIN}`.
fn general(home: &Home, text: &str) -> String {
    text.replace(BIN, "{BIN}").replace(&home.path().display().to_string(), "{HOME}")
}

/// Compares with (or, under AWS_LOGIN_BLESS=1, writes) golden file `name` of `tool`.
fn golden(home: &Home, tool: &str, name: &str, actual: &str) {
    let actual = general(home, actual);
    let path = fixtures(tool).join(name);
    if std::env::var_os("AWS_LOGIN_BLESS").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual,
        want,
        "{} differs (AWS_LOGIN_BLESS=1 rewrites it after a deliberate change)",
        path.display()
    );
}

/// The rounds every tool goes through: a dry run that writes nothing and says what `--apply`
/// then does; `--apply` giving the golden files and leaving the tool's own files as they were;
/// a second `--apply` with nothing to do. `theirs` are the tool's files (relative to the home).
fn round_trip(home: &Home, tool: &str, theirs: &[&str], env: &[(&str, &str)]) {
    let theirs_before: Vec<String> = theirs.iter().map(|f| read(&home.path().join(f))).collect();
    let before = home.snapshot();
    let dry = migrate(home, &["--from", tool], env).ok().stderr();
    golden(home, tool, "plan.txt", &dry);
    assert_eq!(home.snapshot(), before, "a dry run writes nothing");

    let applied = migrate(home, &["--from", tool, "--apply"], env).ok().stderr();
    assert!(applied.starts_with(&format!("Migrated from {tool}:\n")), "{applied}");
    // The same changes as the plan said, in the past tense.
    let said = |text: &str| text.lines().filter(|l| l.starts_with("  ")).count();
    assert_eq!(said(&applied), said(&dry), "{applied}");
    golden(home, tool, "aws-config.applied", &read(&home.path().join(".aws/config")));
    let login = home.login_dir().join("config");
    golden(home, tool, "login-config.applied", &read(&login));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&login), mode(&home.login_dir())), (0o600, 0o700));
    let theirs_after: Vec<String> = theirs.iter().map(|f| read(&home.path().join(f))).collect();
    assert_eq!(theirs_after, theirs_before, "{tool}'s own files are left as they were");

    let after = home.snapshot();
    let again = migrate(home, &["--from", tool, "--apply"], env).ok().stderr();
    assert_eq!(
        again,
        format!("Nothing to migrate: no {tool} setup was found that aws-login does not already have.\n")
    );
    assert_eq!(home.snapshot(), after, "a second run changes nothing");
}

/// `aws-login list-profiles --json`'s row for `profile`: it reads the migrated settings.
fn listed(home: &Home, profile: &str) -> serde_json::Value {
    let mut c = Command::new(BIN);
    home.env(&mut c);
    c.args(["list-profiles", "--json"]);
    let rows = Run(c.output().unwrap()).ok().json();
    let row = rows.as_array().unwrap().iter().find(|r| r["profile"] == profile).cloned();
    row.unwrap_or_else(|| panic!("{profile} not listed: {rows}"))
}

mod okta_aws_cli {
    use super::*;

    const TOOL: &str = "okta-aws-cli";

    fn home() -> Home {
        let home = Home::new();
        put(&home, ".okta/okta.yaml", &fixture(TOOL, "okta.yaml"));
        put(&home, ".aws/config", &fixture(TOOL, "aws-config"));
        put(&home, ".aws/credentials", &fixture(TOOL, "aws-credentials"));
        home
    }

    #[test]
    fn profiles_credential_processes_and_variables_move_over() {
        let home = home();
        // okta-aws-cli's m2m line in [default] takes its key from the variables.
        let env = [("OKTA_AWSCLI_KEY_ID", "kid-rock"), ("OKTA_AWSCLI_PRIVATE_KEY_FILE", "/home/ci/okta.pem")];
        round_trip(&home, TOOL, &[".okta/okta.yaml", ".aws/credentials"], &env);
        let config = read(&home.path().join(".aws/config"));
        let left =
            config.lines().filter(|l| l.starts_with("credential_process") && l.contains("okta-aws-cli"));
        assert_eq!(left.count(), 0, "every okta-aws-cli line is rewritten: {config}");
        // The web flow's profiles are the Okta source's settings, which aws-login reads.
        for profile in ["s3", "staging", "production"] {
            let row = listed(&home, profile);
            assert_eq!(
                (row["source"].as_str(), &row["problem"]),
                (Some("okta"), &serde_json::Value::Null),
                "{row}"
            );
        }
    }

    #[test]
    fn variables_alone_make_one_profile() {
        let home = Home::new();
        let env = [
            ("OKTA_AWSCLI_ORG_DOMAIN", "my-org.okta.com"),
            ("OKTA_AWSCLI_OIDC_CLIENT_ID", "0oa5wyqjk6Wm148fE1d7"),
            ("OKTA_AWSCLI_AWS_ACCOUNT_FEDERATION_APP_ID", "0oa9x1rifa2H6Q5d8325"),
            ("OKTA_AWSCLI_PROFILE", "ops"),
        ];
        migrate(&home, &["--from", TOOL, "--apply"], &env).ok();
        assert_eq!(
            read(&home.login_dir().join("config")),
            "[ops]\nsource = okta\norg_domain = my-org.okta.com\nclient_id = 0oa5wyqjk6Wm148fE1d7\naws_acct_fed_app_id = 0oa9x1rifa2H6Q5d8325\n"
        );
        assert_eq!(
            read(&home.path().join(".aws/config")),
            format!("[profile ops]\ncredential_process = {BIN} --profile ops\n")
        );
    }

    #[test]
    fn a_broken_okta_yaml_is_one_sentence_and_changes_nothing() {
        let home = home();
        put(&home, ".okta/okta.yaml", "awscli:\n  profiles: [\n");
        let before = home.snapshot();
        let err = migrate(&home, &["--from", TOOL, "--apply"], &[]).fails(5);
        assert!(
            err.contains(".okta/okta.yaml cannot be read as okta-aws-cli's config (not valid YAML"),
            "{err}"
        );
        assert!(err.contains("nothing was changed"), "{err}");
        assert_eq!(home.snapshot(), before);

        // A directory where the file should be: refused, as every file aws-login will not read.
        std::fs::remove_file(home.path().join(".okta/okta.yaml")).unwrap();
        std::fs::create_dir(home.path().join(".okta/okta.yaml")).unwrap();
        migrate(&home, &["--from", TOOL, "--apply"], &[]).fails(27);
        assert_eq!(
            home.snapshot(),
            before.into_iter().filter(|(p, _)| !p.ends_with("okta.yaml")).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_profile_aws_login_already_has_differently_is_kept() {
        let home = home();
        home.profile("staging", "source = oidc\noidc_issuer = https://op.example\nclient_id = mine");
        let out = migrate(&home, &["--from", TOOL, "--apply"], &[]).ok().stderr();
        assert!(out.contains("profile 'staging' is already in"), "{out}");
        assert!(read(&home.login_dir().join("config")).contains("client_id = mine"));
        assert!(!read(&home.path().join(".aws/config")).contains("--profile staging"));
    }

    #[test]
    fn lines_in_the_credentials_file_are_rewritten_there_and_other_tools_lines_kept() {
        let home = Home::new();
        let credentials = "[ci]\ncredential_process = okta-aws-cli m2m -o my-org.okta.com -c 0oaci -i kid -b /k.pem -u aus9\n";
        put(&home, ".aws/credentials", credentials);
        let config = "[profile staging]\ncredential_process = /opt/other-tool --profile staging\n";
        put(&home, ".aws/config", config);
        put(&home, ".okta/okta.yaml", &fixture(TOOL, "okta.yaml"));
        let out = migrate(&home, &["--from", TOOL, "--apply"], &[]).ok().stderr();
        // botocore reads the credentials file's line first: it is rewritten where it is.
        assert_eq!(
            read(&home.path().join(".aws/credentials")),
            format!("[ci]\ncredential_process = {BIN} --profile ci\n")
        );
        assert!(read(&home.login_dir().join("config")).contains(
            "[ci]\nsource = oidc\noidc_flow = client_credentials\noidc_issuer = https://my-org.okta.com/oauth2/aus9\n"
        ));
        // Another program's credential_process is not okta-aws-cli's to give away.
        assert!(read(&home.path().join(".aws/config")).starts_with(config), "kept");
        assert!(out.contains("[profile staging] in "), "{out}");
        assert!(
            out.contains("runs another credential_process (/opt/other-tool --profile staging); it was kept"),
            "{out}"
        );
    }
}

mod aws_cli_oidc {
    use super::*;

    const TOOL: &str = "aws-cli-oidc";

    #[test]
    fn providers_and_get_cred_lines_move_over() {
        let home = Home::new();
        put(&home, ".aws-cli-oidc/config.yaml", &fixture(TOOL, "config.yaml"));
        put(&home, ".aws/config", &fixture(TOOL, "aws-config"));
        round_trip(&home, TOOL, &[".aws-cli-oidc/config.yaml"], &[]);
        // The web identity provider uses only settings aws-login reads today.
        let row = listed(&home, "google");
        assert_eq!(
            (row["source"].as_str(), &row["problem"]),
            (Some("oidc"), &serde_json::Value::Null),
            "{row}"
        );
        assert_eq!(row["role"], "arn:aws:iam::123456789012:role/web");
        // Its client secret is written, never shown.
        assert!(read(&home.login_dir().join("config")).contains("client_secret = google-client-secret-XYZ"));
        assert!(fixture(TOOL, "plan.txt").contains("client_secret = (hidden)"));
        assert!(!fixture(TOOL, "plan.txt").contains("google-client-secret-XYZ"));
    }

    #[test]
    fn the_config_directory_variable_is_followed_and_bad_yaml_refused() {
        let home = Home::new();
        put(&home, "elsewhere/config.yaml", "myop: [\n");
        let dir = home.path().join("elsewhere").display().to_string();
        let before = home.snapshot();
        let err = migrate(&home, &["--from", TOOL], &[("AWS_CLI_OIDC_CONFIG", &dir)]).fails(5);
        assert!(err.contains("elsewhere/config.yaml cannot be read as aws-cli-oidc's config"), "{err}");
        assert_eq!(home.snapshot(), before);
    }
}

mod mozilla_aws_cli {
    use super::*;

    const TOOL: &str = "mozilla-aws-cli";

    #[test]
    fn the_users_maws_section_over_the_systems_moves_over() {
        let home = Home::new();
        put(&home, "xdg/maws/config.ini", &fixture(TOOL, "system-config.ini"));
        put(&home, ".config/maws/config.ini", &fixture(TOOL, "config.ini"));
        put(&home, ".aws/config", &fixture(TOOL, "aws-config"));
        let xdg = home.path().join("xdg").display().to_string();
        round_trip(
            &home,
            TOOL,
            &["xdg/maws/config.ini", ".config/maws/config.ini"],
            &[("XDG_CONFIG_DIRS", &xdg)],
        );
    }

    #[test]
    fn a_maws_config_configparser_refuses_changes_nothing() {
        let home = Home::new();
        put(&home, ".config/maws/config.ini", "[maws]\nclient_id = a\nclient_id = b\n");
        let before = home.snapshot();
        let err = migrate(&home, &["--from", TOOL, "--apply"], &[]).fails(5);
        assert!(err.contains("refuses its line 3"), "{err}");
        assert_eq!(home.snapshot(), before);
    }
}

mod awssso {
    use super::*;

    const TOOL: &str = "awssso";

    #[test]
    fn profiles_and_login_lines_move_over() {
        let home = Home::new();
        put(&home, ".awssso/config", &fixture(TOOL, "config"));
        put(&home, ".aws/config", &fixture(TOOL, "aws-config"));
        round_trip(&home, TOOL, &[".awssso/config"], &[]);
        for profile in ["my-sso-profile", "audit"] {
            let row = listed(&home, profile);
            assert_eq!(
                (row["source"].as_str(), &row["problem"]),
                (Some("sso"), &serde_json::Value::Null),
                "{row}"
            );
        }
    }

    #[test]
    fn an_awssso_config_that_is_not_utf8_changes_nothing() {
        let home = Home::new();
        std::fs::create_dir_all(home.path().join(".awssso")).unwrap();
        std::fs::write(home.path().join(".awssso/config"), b"[default]\nusername = j\xf6rg\n").unwrap();
        let before = home.snapshot();
        let err = migrate(&home, &["--from", TOOL, "--apply"], &[]).fails(5);
        assert!(err.contains(".awssso/config is not UTF-8 text"), "{err}");
        assert_eq!(home.snapshot(), before);
    }

    #[test]
    fn nothing_to_migrate_without_awssso() {
        let home = Home::new();
        let out = migrate(&home, &["--from", TOOL], &[]).ok().stderr();
        assert_eq!(
            out,
            "Nothing to migrate: no awssso setup was found that aws-login does not already have.\n"
        );
        assert_eq!(home.snapshot(), Vec::new());
    }
}
