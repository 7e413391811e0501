//! `aws-login configure` at a terminal: the profile's settings, the AWS profile's
//! credential_process, and nothing else in either file changed.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::pty::Tty;
use common::*;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// Answers the seven questions in order; `None` is Enter.
fn answer(tty: &mut Tty, answers: [Option<&str>; 7]) {
    let labels = [
        "ECP endpoint URL [",
        "Username [",
        "keyring (true/false) [",
        "Duo factor",
        "Role ARN [",
        "partition",
        "AWS region for the AWS CLI and SDKs [",
    ];
    for (label, a) in labels.iter().zip(answers) {
        tty.expect(label);
        tty.expect("]: ");
        tty.send_line(a.unwrap_or(""));
    }
}

#[test]
fn a_fresh_home_gets_both_files_and_then_logs_in() {
    let stack = Stack::start();
    let home = Home::new();
    let mut tty = home.tty(&stack, &["configure", "--profile", "p"]);
    // Bad answers are explained and asked again.
    tty.expect("ECP endpoint URL [none]: ");
    tty.send_line("http://idp.example.edu/idp/profile/SAML2/SOAP/ECP");
    tty.expect("must start with https://");
    tty.expect("ECP endpoint URL [none]: ");
    tty.send_line(&stack.ecp_url);
    tty.expect("Username [none]: ");
    tty.send_line("alice");
    tty.expect("(true/false) [false]: ");
    tty.send_line("");
    tty.expect("[none]: ");
    tty.send_line("fax");
    tty.expect("not a Duo factor");
    tty.expect("[none]: ");
    tty.send_line("off");
    tty.expect("Role ARN [none]: ");
    tty.send_line(DEVELOPER);
    tty.expect("[aws]: ");
    tty.send_line("");
    // No region yet: the partition's default is offered, and a bad one asked again.
    tty.expect("AWS region for the AWS CLI and SDKs [us-east-1]: ");
    tty.send_line("Frankfurt");
    tty.expect("not an AWS region like us-east-1");
    tty.expect("[us-east-1]: ");
    tty.send_line("");
    let (code, stdout, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(stdout, "", "nothing on stdout");

    let login_config = home.login_dir().join("config");
    assert_eq!(
        read(&login_config),
        format!(
            "[p]\necp_endpoint_url = {}\nusername = alice\nfactor = off\nrole_arn = {DEVELOPER}\n",
            stack.ecp_url
        )
    );
    assert_eq!((mode(&login_config), mode(&home.login_dir())), (0o600, 0o700));
    let aws_config = home.path().join(".aws/config");
    // PATH in the tests finds awscli-login's Python `aws-login` first, so the path is absolute.
    assert_eq!(
        read(&aws_config),
        format!("[profile p]\ncredential_process = {BIN} --profile p\nregion = us-east-1\n")
    );
    assert_eq!((mode(&aws_config), mode(aws_config.parent().unwrap())), (0o600, 0o700));
    assert!(!home.path().join(".aws/credentials").exists());

    // configure never asks for the password; this test keeps it in the profile.
    std::fs::write(&login_config, format!("{}password = {ALICE_PW}\n", read(&login_config))).unwrap();
    // The AWS CLI needs nothing more than what configure wrote: no --region.
    let who = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "p"]).ok();
    assert_eq!(who.json()["Arn"], "arn:aws:sts::111122223333:assumed-role/Developer/alice");
}

const AWS_CONFIG: &str = "# Managed by hand. Do not touch!\n\
    [default]\n\
    region=us-west-2\n\
    output   :   json\n\
    \n\
    \n\
    ; the profile configure will wire\n\
    [profile p]\n\
    Region = eu-west-1   \n\
    credential_process = aws-login --profile p\n\
    s3 =\n  max_concurrent_requests = 20\n\
    \n\
    [profile other]\n\
    credential_process=/opt/other-tool --profile other\n\
    [sso-session corp]\n\
    sso_region = us-east-1";

const LOGIN_CONFIG: &str = "# aws-login profiles\n\
    [other]\n\
    ecp_endpoint_url = https://idp.example.edu/idp/profile/SAML2/SOAP/ECP\n\
    username = carol\n\
    \n\
    [p]\n\
    ecp_endpoint_url: https://old.example.edu/ecp\n\
    username=bob\n\
    ; keep this comment\n\
    factor = push\n\
    password = not-shown-anywhere\n";

#[test]
fn existing_files_change_only_in_the_lines_configure_owns() {
    let stack = Stack::start();
    let home = Home::new();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::create_dir_all(home.login_dir()).unwrap();
    let aws_config = home.path().join(".aws/config");
    let login_config = home.login_dir().join("config");
    std::fs::write(&aws_config, AWS_CONFIG).unwrap();
    std::fs::write(&login_config, LOGIN_CONFIG).unwrap();
    std::fs::set_permissions(&aws_config, std::fs::Permissions::from_mode(0o644)).unwrap();

    let mut tty = home.tty(&stack, &["configure", "--profile", "p"]);
    tty.expect("ECP endpoint URL [https://old.example.edu/ecp]: ");
    tty.send_line(&stack.ecp_url);
    tty.expect("Username [bob]: ");
    tty.send_line("");
    tty.expect("[false]: ");
    tty.send_line("");
    tty.expect("[push]: ");
    tty.send_line("-"); // cleared
    tty.expect("Role ARN [none]: ");
    tty.send_line("");
    tty.expect("[aws]: ");
    tty.send_line("");
    tty.expect("AWS region for the AWS CLI and SDKs [eu-west-1]: ");
    tty.send_line("");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("not-shown-anywhere"), "{screen}");

    assert_eq!(
        read(&aws_config),
        AWS_CONFIG.replace(
            "credential_process = aws-login --profile p",
            &format!("credential_process = {BIN} --profile p")
        )
    );
    assert_eq!(mode(&aws_config), 0o644, "the file's mode is kept");
    assert_eq!(
        read(&login_config),
        LOGIN_CONFIG.replace("https://old.example.edu/ecp", &stack.ecp_url).replace("factor = push\n", "")
    );

    // Run again, changing nothing: nothing is written.
    let before = home.snapshot();
    let mut tty = home.tty(&stack, &["configure", "--profile", "p"]);
    answer(&mut tty, [None; 7]);
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("is unchanged") && screen.contains("already runs aws-login"), "{screen}");
    assert_eq!(home.snapshot(), before);
}

#[test]
fn a_symlinked_aws_config_is_updated_through_the_link() {
    let stack = Stack::start();
    let home = Home::new();
    let dotfiles = home.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    let target = dotfiles.join("aws-config");
    std::fs::write(&target, "[default]\nregion = us-east-1\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = home.path().join(".aws/config");
    std::os::unix::fs::symlink("../dotfiles/aws-config", &link).unwrap();

    let mut tty = home.tty(&stack, &["configure"]);
    answer(&mut tty, [Some(&stack.ecp_url), Some("alice"), None, None, None, None, None]);
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");

    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "still a link");
    assert_eq!(
        read(&target),
        format!("[default]\nregion = us-east-1\ncredential_process = {BIN} --profile default\n")
    );
    assert_eq!(mode(&target), 0o640);
    assert_eq!(std::fs::read_dir(&dotfiles).unwrap().count(), 1, "no temp file left beside the target");
    assert!(read(&home.login_dir().join("config")).starts_with("[default]\n"));
}

const CREDENTIALS: &str = "[other]\n\
    aws_access_key_id = AKIAOTHEROTHEROTHER0\n\
    aws_secret_access_key = other-secret-value\n\
    \n\
    [p]\n\
    aws_access_key_id = AKIAPPPPPPPPPPPPPPPP\n\
    aws_secret_access_key = p-secret-value-must-not-show\n\
    aws_session_token = p-token-must-not-show\n";

fn with_static_keys(stack: &Stack, remove: &str) -> (Home, String) {
    let home = Home::new();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".aws/credentials"), CREDENTIALS).unwrap();
    home.aws_config("[profile p]\nregion = us-east-1\nsource_profile = other\nrole_arn = arn:aws:iam::111122223333:role/X\nsso_start_url = https://corp.awsapps.com/start");
    let mut tty = home.tty(stack, &["configure", "--profile", "p"]);
    answer(&mut tty, [Some(&stack.ecp_url), Some("alice"), None, None, None, None, None]);
    tty.expect("aws_access_key_id, aws_secret_access_key, aws_session_token for profile 'p'");
    tty.expect("source_profile, role_arn, sso_start_url for profile 'p'");
    tty.expect("Remove these settings? (y/N) [N]: ");
    tty.send_line(remove);
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    for secret in ["AKIAPPPP", "p-secret-value", "p-token", "other-secret"] {
        assert!(!screen.contains(secret), "{secret} shown: {screen}");
    }
    (home, screen)
}

#[test]
fn static_keys_are_named_and_removed_on_yes() {
    let stack = Stack::start();
    let (home, _) = with_static_keys(&stack, "y");
    // The profile's section had nothing else, so it goes; the other profile's stays as it was.
    assert_eq!(read(&home.path().join(".aws/credentials")), CREDENTIALS[..CREDENTIALS.find("[p]").unwrap()]);
    assert_eq!(
        read(&home.path().join(".aws/config")),
        format!("[profile p]\nregion = us-east-1\ncredential_process = {BIN} --profile p\n")
    );
    std::fs::write(
        home.login_dir().join("config"),
        format!("{}password = {ALICE_PW}\n", read(&home.login_dir().join("config"))),
    )
    .unwrap();
    let who = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "p"]).ok();
    assert_eq!(who.json()["Arn"], "arn:aws:sts::111122223333:assumed-role/Developer/alice");
}

#[test]
fn static_keys_are_kept_on_no() {
    let stack = Stack::start();
    let (home, screen) = with_static_keys(&stack, "");
    assert!(screen.contains("Kept them"), "{screen}");
    assert_eq!(read(&home.path().join(".aws/credentials")), CREDENTIALS);
    let config = read(&home.path().join(".aws/config"));
    assert!(
        config.contains("source_profile = other\n") && config.contains("credential_process = "),
        "{config}"
    );
}

#[test]
fn an_aws_login_on_path_that_is_this_binary_is_named_plainly() {
    let stack = Stack::start();
    let home = Home::new();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(BIN, bin.join("aws-login")).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let mut tty = home.tty_with_env(&stack, &["configure", "--profile", "my p"], &[("PATH", &path)]);
    answer(&mut tty, [Some(&stack.ecp_url), None, None, None, None, None, None]);
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(
        read(&home.path().join(".aws/config")),
        "[profile 'my p']\ncredential_process = aws-login --profile 'my p'\nregion = us-east-1\n"
    );
    assert!(read(&home.login_dir().join("config")).starts_with("[my p]\n"));
}

#[test]
fn without_a_terminal_it_changes_nothing() {
    let stack = Stack::start();
    let home = Home::new();
    home.aws_config("[default]\nregion = us-east-1");
    let before = home.snapshot();
    let err = home.run(&stack, &["configure", "--profile", "p"]).fails(23);
    assert!(err.contains("no terminal"), "{err}");
    assert_eq!(home.snapshot(), before);
}

#[test]
fn an_identity_center_profile_is_configured_and_then_logs_in() {
    let stack = Stack::empty().sts("{}").sso("{}").serving();
    let home = Home::new();
    // The AWS CLI's own SSO keys in the AWS profile would win over credential_process.
    home.aws_config("[profile p]\nsso_start_url = https://old.example.test/start\nsso_region = eu-west-1");
    let mut tty = home.tty(&stack, &["configure", "--profile", "p", "--source", "sso"]);
    tty.expect("IAM Identity Center start URL [none]: ");
    tty.send_line(&stack.sso_start_url);
    tty.expect("IAM Identity Center region [none]: ");
    tty.send_line("us-east-1");
    tty.expect("Account ID (none: chosen at login) [none]: ");
    tty.send_line("111122223333");
    tty.expect("Role name (none: chosen at login) [none]: ");
    tty.send_line("Admin");
    // Partition next: the role is named by account and role name, not asked as an ARN.
    let between = tty.expect("[aws]: ");
    assert!(!between.contains("Role ARN"), "{between}");
    tty.send_line("");
    tty.expect("AWS region for the AWS CLI and SDKs [us-east-1]: ");
    tty.send_line("");
    tty.expect("sets sso_start_url, sso_region for profile 'p'");
    tty.expect("Remove these settings? (y/N) [N]: ");
    tty.send_line("y");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(
        read(&home.login_dir().join("config")),
        format!(
            "[p]\nsource = sso\nsso_start_url = {}\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Admin\n",
            stack.sso_start_url
        )
    );
    let aws_config = read(&home.path().join(".aws/config"));
    assert!(aws_config.contains(&format!("credential_process = {BIN} --profile p")), "{aws_config}");
    assert!(!aws_config.contains("sso_"), "{aws_config}");

    // What configure wrote is enough: a sign-in (the stand-in approves the device code), then
    // the AWS CLI through credential_process.
    let env = [
        ("AWS_ENDPOINT_URL_SSO_OIDC", stack.sso_url.as_str()),
        ("AWS_ENDPOINT_URL_SSO", stack.sso_url.as_str()),
    ];
    let mut tty = home.tty_with_env(&stack, &["login", "--profile", "p"], &env);
    tty.expect("which has the code in it");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    let who = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "p"]).ok();
    assert_eq!(who.json()["Arn"], "arn:aws:sts::111122223333:assumed-role/Admin/erin");
}

#[test]
fn an_unknown_source_is_one_sentence_and_changes_nothing() {
    let stack = Stack::empty().sts("{}").serving();
    let home = Home::new();
    home.profile("p", "ecp_endpoint_url = https://idp.example.test/ecp");
    let before = home.snapshot();
    let err = home.run(&stack, &["configure", "--profile", "p", "--source", "saml"]).fails(5);
    assert!(err.contains("'saml'") && err.contains("ecp, oidc, sso"), "{err}");
    assert_eq!(home.snapshot(), before);
}
