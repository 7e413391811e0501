//! Settings from the environment and the system, against the test IdP and STS: a system file an
//! organisation ships (`AWS_LOGIN_SYSTEM_CONFIG` moves it here) under the user's file,
//! `AWS_LOGIN_<NAME>` variables between the flags and the user's file, other `AWS_LOGIN_*`
//! names ignored, and a cache hit that pays one failed `open` when there is no system file.

mod common;

use common::*;

/// A system file outside the home, as /etc is, and the variable that points at it.
fn system_file(etc: &tempfile::TempDir, text: &str) -> (&'static str, String) {
    let path = etc.path().join("config");
    std::fs::write(&path, text).unwrap();
    ("AWS_LOGIN_SYSTEM_CONFIG", path.to_str().unwrap().to_string())
}

#[test]
fn an_organisations_system_file_sits_under_the_users() {
    let stack = Stack::start();
    let home = Home::new();
    let etc = tempfile::tempdir().unwrap();
    // The organisation ships its IdP and a default for every profile, and one whole profile.
    let (var, path) = system_file(
        &etc,
        &format!(
            "[DEFAULT]\necp_endpoint_url = {}\nduration = 12\n\n[team]\nusername = alice\nduration = 3600\n",
            stack.ecp_url
        ),
    );
    let env = [(var, path.as_str())];
    // The user's profile names only the user; its bad duration is the system file's [DEFAULT].
    home.profile("dev", &format!("username = alice\npassword = {ALICE_PW}"));
    let before = home.snapshot();
    let err = home.run_with_env(&stack, &["login", "--profile", "dev"], &env).fails(5);
    assert!(err.contains("duration = '12' is not valid"), "{err}");
    assert_eq!(home.snapshot(), before);

    // The user's file wins key by key, and the IdP URL still comes from the system's.
    home.profile("mine", &format!("username = alice\npassword = {ALICE_PW}\nduration = 0"));
    home.run_with_env(&stack, &["login", "--profile", "mine"], &env).ok();
    assert_eq!(stack.sts_assumes().len(), 1);
    // A profile only the system file has.
    home.run_with_env(&stack, &["login", "--profile", "team", "--password", ALICE_PW], &env).ok();
    assert_eq!(stack.sts_assumes()[1]["duration"], 3600, "{:?}", stack.sts_assumes());

    // list-profiles shows both files' profiles, the user's first.
    let list = home.run_with_env(&stack, &["list-profiles", "--json"], &env).ok().json();
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["profile"].as_str().unwrap()).collect();
    assert_eq!(names, ["dev", "mine", "team"]);

    // Without it (tests/common points the variable at a file that is not there): no IdP URL.
    let err = home.run(&stack, &["login", "--profile", "mine", "--force-refresh"]).fails(5);
    assert!(err.contains("has no ecp_endpoint_url"), "{err}");

    // A system file configparser would refuse is named, and nothing changes.
    let (var, path) = system_file(&etc, "[DEFAULT]\nnot an entry\n");
    let before = home.snapshot();
    let err = home.run_with_env(&stack, &["--profile", "mine"], &[(var, path.as_str())]).fails(5);
    assert!(err.contains(&path) && err.contains("line 2"), "{err}");
    assert_eq!(home.snapshot(), before);
}

#[test]
fn aws_login_variables_sit_between_the_flags_and_the_users_file() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("username = alice\npassword = {ALICE_PW}\nduration = 3600"));
    let nope = "arn:aws:iam::111122223333:role/Nope";

    // The variable beats the file: a role the IdP does not grant (exit 11), nothing cached.
    let before = home.snapshot_outside_session();
    let err =
        home.run_with_env(&stack, &["login", "--profile", "dev"], &[("AWS_LOGIN_ROLE_ARN", nope)]).fails(11);
    assert!(err.contains(nope), "{err}");
    assert_eq!(home.snapshot_outside_session(), before);
    let err = home.run_with_env(&stack, &["--profile", "dev"], &[("AWS_LOGIN_DURATION", "12")]).fails(5);
    assert!(err.contains("duration = '12' is not valid"), "{err}");

    // The flag beats the variable; an empty variable and names that are no setting are ignored
    // (AWS_LOGIN_CACHE_DIRECTORY is the AWS CLI's own `aws login`'s).
    let env = [
        ("AWS_LOGIN_ROLE_ARN", nope),
        ("AWS_LOGIN_DURATION", ""),
        ("AWS_LOGIN_CACHE_DIRECTORY", "/nonexistent/aws-cli-login-cache"),
        ("AWS_LOGIN_PROFILE", "nope"),
    ];
    home.run_with_env(&stack, &["login", "--profile", "dev", "--role-arn", DEVELOPER], &env).ok();
    let assumes = stack.sts_assumes();
    assert_eq!((assumes.len(), assumes[0]["duration"].as_u64()), (1, Some(3600)), "{assumes:?}");
    assert!(!home.path().join("nonexistent").exists());

    // A variable for the IdP URL beats the file's.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("http://127.0.0.1:{port}/ecp");
    let err = home
        .run_with_env(
            &stack,
            &["login", "--profile", "dev", "--force-refresh"],
            &[("AWS_LOGIN_ECP_ENDPOINT_URL", &url)],
        )
        .fails(20);
    assert!(err.contains(&format!("cannot reach the IdP at {url}")), "{err}");
}

/// The system file is on the credential_process fast path: when there is none, a cache hit
/// pays exactly one `open` of it, which fails at once.
#[test]
fn a_cache_hit_without_a_system_file_tries_one_open() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("username = alice\npassword = {ALICE_PW}"));
    let first = home.run(&stack, &["--profile", "dev"]).ok().stdout();

    let system = home.path().join("no-system-config");
    let trace = home.path().join("trace");
    let traced = home
        .command_for(&stack, "strace")
        .args(["-f", "-e", "trace=%file,%desc", "-o"])
        .arg(&trace)
        .args([BIN, "--profile", "dev"])
        .env("AWS_LOGIN_SYSTEM_CONFIG", &system)
        .output()
        .unwrap();
    assert!(traced.status.success(), "{}", String::from_utf8_lossy(&traced.stderr));
    assert_eq!(String::from_utf8_lossy(&traced.stdout), first);
    let calls = std::fs::read_to_string(&trace).unwrap();
    let touching: Vec<&str> = calls.lines().filter(|l| l.contains(system.to_str().unwrap())).collect();
    assert_eq!(touching.len(), 1, "{touching:?}");
    assert!(touching[0].contains("open") && touching[0].contains("ENOENT"), "{touching:?}");
}

/// The settings one command reads (`export`'s `output`) are layered like every other: the
/// system file under the user's, `AWS_LOGIN_OUTPUT` over both.
#[test]
fn a_commands_own_settings_come_through_the_same_layers() {
    let stack = Stack::start();
    let home = Home::new();
    let etc = tempfile::tempdir().unwrap();
    let (var, path) = system_file(&etc, "[DEFAULT]\noutput = fish\n");
    home.profile(
        "dev",
        &format!("ecp_endpoint_url = {}\nusername = alice\npassword = {ALICE_PW}", stack.ecp_url),
    );
    let from_system =
        home.run_with_env(&stack, &["export", "--profile", "dev"], &[(var, path.as_str())]).ok();
    assert!(from_system.stdout().contains("set -gx AWS_ACCESS_KEY_ID "), "{}", from_system.stdout());
    let env = [(var, path.as_str()), ("AWS_LOGIN_OUTPUT", "boto")];
    let from_env = home.run_with_env(&stack, &["export", "--profile", "dev"], &env).ok().json();
    assert!(from_env["aws_access_key_id"].is_string(), "{from_env}");
}
