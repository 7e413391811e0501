//! `aws-login migrate` on homes set up and logged in by awscli-login 1.0 itself (installed from
//! PyPI into the stack's virtualenv): its `aws login configure`, its `aws login` against the test
//! IdP and STS, its files. Nothing of awscli-login's is imitated here.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

fn venv(name: &str) -> PathBuf {
    repo().join(".stack/venv/bin").join(name)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// Runs `c` with `input` on stdin (awscli-login asks with Python's `input()`); its prompts read
/// end-of-file if they want more, so this cannot hang.
fn with_stdin(mut c: Command, input: &str) -> Run {
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    Run(child.wait_with_output().unwrap())
}

/// The user's own AWS config before awscli-login's setup touched it.
const AWS_CONFIG: &str =
    "# my settings\n[default]\nregion = us-east-1\noutput = json\n\n[profile b]\nregion = us-east-1";

/// bob (Duo push, four roles) set up the way awscli-login's README says, then logged in with
/// `aws login`, choosing ReadOnly from its role menu.
fn awscli_login_home(stack: &Stack) -> Home {
    let home = Home::new();
    home.aws_config(AWS_CONFIG);
    // README: "aws configure set plugins.login awscli_login" (AWS CLI v1: no plugin path).
    home.aws(stack, &["configure", "set", "plugins.login", "awscli_login"]).ok();
    // README "Getting Started": `aws login configure` asks five questions.
    let mut c = home.command_for(stack, venv("aws"));
    c.args(["login", "configure", "--profile", "b"]);
    with_stdin(c, &format!("{}\nbob\n\npush\n\n", stack.ecp_url)).ok();
    // README "password" property: so that its login asks for nothing but the role.
    let config = home.login_dir().join("config");
    std::fs::write(&config, format!("{}password = {BOB_PW}\n", read(&config))).unwrap();
    let mut c = home.command_for(stack, venv("aws"));
    c.args(["login", "--profile", "b"]);
    let run = with_stdin(c, "1\n").ok();
    assert!(run.stdout().contains("[ 1 ]: ReadOnly"), "{}", run.stdout());
    home
}

fn without_password(home: &Home) {
    let config = home.login_dir().join("config");
    let text = read(&config).replace(&format!("password = {BOB_PW}\n"), "");
    std::fs::write(&config, text).unwrap();
}

const READONLY: &str = "arn:aws:iam::111122223333:role/ReadOnly";

#[test]
fn a_home_set_up_by_awscli_login_moves_over() {
    let stack = Stack::start();
    let home = awscli_login_home(&stack);
    let aws_config = home.path().join(".aws/config");
    let aws_credentials = home.path().join(".aws/credentials");
    // What awscli-login left: its plugin line, its credential_process, its cache and jar.
    assert_eq!(read(&aws_config), format!("{AWS_CONFIG}\n[plugins]\nlogin = awscli_login\n"));
    assert_eq!(read(&aws_credentials), "[b]\ncredential_process = aws-login --profile b\n");
    let theirs: Vec<PathBuf> =
        ["config", "credentials", "cookies/bob.txt"].iter().map(|f| home.login_dir().join(f)).collect();
    let theirs_before: Vec<String> = theirs.iter().map(|p| read(p)).collect();
    let secret = theirs_before[1]
        .lines()
        .find_map(|l| l.strip_prefix("aws_secret_access_key = "))
        .unwrap()
        .to_string();
    let key_id =
        theirs_before[1].lines().find_map(|l| l.strip_prefix("aws_access_key_id = ")).unwrap().to_string();
    // And it works, through awscli-login's own credential_process.
    let who = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "b"]).ok();
    assert_eq!(who.json()["Arn"], "arn:aws:sts::111122223333:assumed-role/ReadOnly/bob");

    // A dry run says what it would do and changes nothing.
    let before = home.snapshot();
    let dry = home.run(&stack, &["migrate"]).ok().stderr();
    for line in [
        "Dry run",
        "remove `login = awscli_login` from [plugins]",
        &format!(
            "point credential_process of [b] in {} at this aws-login: {BIN} --profile b",
            aws_credentials.display()
        ),
        "import the IdP session of bob@127.0.0.1:",
        &format!(
            "import profile 'b' from {}: role {READONLY} as bob, credentials valid until",
            theirs[1].display()
        ),
    ] {
        assert!(dry.contains(line), "{line:?} missing from:\n{dry}");
    }
    assert!(!dry.contains(&secret), "{dry}");
    assert_eq!(home.snapshot(), before, "a dry run writes nothing");

    let applied = home.run(&stack, &["migrate", "--apply"]).ok().stderr();
    assert!(applied.contains("Migrated from awscli-login"), "{applied}");
    assert_eq!(read(&aws_config), format!("{AWS_CONFIG}\n"), "only the plugin's lines are gone");
    assert_eq!(read(&aws_credentials), format!("[b]\ncredential_process = {BIN} --profile b\n"));
    let cache: serde_json::Value = serde_json::from_str(&read(&home.cache_file("b"))).unwrap();
    assert_eq!(cache["role_arn"], READONLY);
    assert_eq!(cache["username"], "bob");
    assert_eq!(cache["credentials"]["access_key_id"], key_id.as_str());
    let jars: Vec<_> = std::fs::read_dir(home.login_dir().join("cookies"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(jars.len(), 1, "{jars:?}");
    let theirs_after: Vec<String> = theirs.iter().map(|p| read(p)).collect();
    assert_eq!(theirs_after, theirs_before, "awscli-login's files are left as they were");

    // A second run has nothing to do.
    let after = home.snapshot();
    let again = home.run(&stack, &["migrate", "--apply"]).ok().stderr();
    assert!(again.contains("Nothing to migrate"), "{again}");
    assert_eq!(home.snapshot(), after);

    // From here on there is no password anywhere and no terminal.
    without_password(&home);
    let (idp_calls, sts_calls) = (stack.idp_log().len(), stack.sts_assumes().len());
    // The imported credentials are served as they are, through the migrated AWS files.
    let who = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "b"]).ok();
    assert_eq!(who.json()["Arn"], "arn:aws:sts::111122223333:assumed-role/ReadOnly/bob");
    assert_eq!((stack.idp_log().len(), stack.sts_assumes().len()), (idp_calls, sts_calls));
    // A new login rides the imported IdP session (no password, no Duo) and asks for the
    // remembered role (bob has four; no role_arn is configured).
    home.run(&stack, &["login", "--force-refresh", "--profile", "b"]).ok();
    let last = stack.idp_log().pop().unwrap();
    assert_eq!(
        (last["auth"].as_str(), last["duo_prompt"].as_bool()),
        (Some("cookie"), Some(false)),
        "{last}"
    );
    assert_eq!(stack.sts_assumes().pop().unwrap()["role_arn"], READONLY);
    let who = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "b"]).ok();
    assert_eq!(who.json()["Arn"], "arn:aws:sts::111122223333:assumed-role/ReadOnly/bob");
}

#[test]
fn expired_awscli_login_credentials_still_carry_the_role_and_session() {
    // Credentials that live 4 s: awscli-login 1.0 cannot renew them without a person (its
    // credential_process refresh is broken, issue #257); aws-login can.
    let stack = Stack::with_knobs("{}", r#"{"credential_ttl": 4}"#);
    let home = awscli_login_home(&stack);
    std::thread::sleep(Duration::from_millis(4500));

    let applied = home.run(&stack, &["migrate", "--apply"]).ok().stderr();
    assert!(applied.contains("credentials expired (the next use logs in again)"), "{applied}");
    let cache: serde_json::Value = serde_json::from_str(&read(&home.cache_file("b"))).unwrap();
    assert_eq!(cache["role_arn"], READONLY);

    without_password(&home);
    let creds = home.run(&stack, &["--profile", "b"]).ok().json();
    assert_eq!(creds["Version"], 1);
    let last = stack.idp_log().pop().unwrap();
    assert_eq!(last["auth"], "cookie", "{last}");
    assert_eq!(stack.sts_assumes().pop().unwrap()["role_arn"], READONLY);
}

#[test]
fn plugin_lines_and_credential_processes_in_other_shapes() {
    let stack = Stack::start();
    let home = Home::new();
    // AWS CLI v2 style (README: cli_legacy_plugin_path), next to another plugin that needs it.
    let config = "[plugins]\n\
        login = awscli_login\n\
        cli_legacy_plugin_path = /usr/lib/python3.12/site-packages\n\
        other = other_plugin\n\
        \n\
        [profile x]\n\
        credential_process = aws-login -p x\n\
        [profile gone]\n\
        credential_process = '/gone/bin/aws-login' --profile gone -v\n\
        [profile foreign]\n\
        credential_process = /opt/other-tool --profile foreign\n";
    home.aws_config(config);
    let out = home.run(&stack, &["migrate", "--apply"]).ok().stderr();
    assert!(out.contains("kept cli_legacy_plugin_path"), "{out}");
    let want = config
        .replace("login = awscli_login\n", "")
        .replace("aws-login -p x", &format!("{BIN} --profile x"))
        .replace("'/gone/bin/aws-login' --profile gone -v", &format!("{BIN} --profile gone"));
    assert_eq!(read(&home.path().join(".aws/config")), format!("{want}\n"));

    // Only the AWS CLI v2 lines: both go, and the section with them.
    let home = Home::new();
    home.aws_config("[default]\nregion = us-east-1\n\n[plugins]\nlogin = awscli_login\ncli_legacy_plugin_path = /site-packages");
    home.run(&stack, &["migrate", "--apply"]).ok();
    assert_eq!(read(&home.path().join(".aws/config")), "[default]\nregion = us-east-1\n\n");

    // A home that never saw awscli-login.
    let home = Home::new();
    home.ecp_profile(&stack, "dev", "username = alice");
    let before = home.snapshot();
    let out = home.run(&stack, &["migrate", "--apply"]).ok().stderr();
    assert!(out.contains("Nothing to migrate"), "{out}");
    assert_eq!(home.snapshot(), before);
}
