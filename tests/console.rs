//! `aws-login console` against the test IdP and STS and the console federation stand-in
//! (tests/console/federation.py), which checks the requests as AWS documents them and the
//! credentials at the STS emulator; one run follows the printed URL in a real headless Chromium.

mod common;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::*;

const ALICE_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/Developer/alice";

fn stack() -> Stack {
    Stack::empty().idp("{}", &[]).sts("{}").federation().serving()
}

/// Alice's profile, pointed at the stand-in.
fn alice(stack: &Stack, extra: &str) -> Home {
    let home = Home::new();
    let settings = format!(
        "username = alice\npassword = {ALICE_PW}\nfederation_url = {}\nconsole_url = {}\n{extra}",
        stack.federation_url, stack.console_url
    );
    home.ecp_profile(stack, "dev", &settings);
    home
}

/// The query of a sign-in URL, checked to be the documented Action=login form at `federation`.
fn login_params(url: &str, federation: &str) -> HashMap<String, String> {
    let parsed = url::Url::parse(url.trim()).unwrap_or_else(|e| panic!("{e}: {url}"));
    assert_eq!(&parsed.as_str()[..federation.len()], federation, "{url}");
    let params: HashMap<String, String> = parsed.query_pairs().into_owned().collect();
    let mut keys: Vec<&str> = params.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["Action", "Destination", "Issuer", "SigninToken"], "{url}");
    assert_eq!((params["Action"].as_str(), params["Issuer"].as_str()), ("login", "aws-login"));
    params
}

fn token_requests(stack: &Stack) -> Vec<serde_json::Value> {
    stack.federation_log().into_iter().filter(|e| e["action"] == "getSigninToken").collect()
}

#[test]
fn the_printed_url_signs_headless_chromium_in() {
    let stack = stack();
    let home = alice(&stack, "");
    // At -vvv on purpose: the token must stay out of even the most verbose log.
    let run = home.run(&stack, &["console", "-p", "dev", "--print", "-vvv"]).ok();
    assert_eq!(run.stdout().lines().count(), 1, "{}", run.stdout());
    let params = login_params(&run.stdout(), &stack.federation_url);
    assert_eq!(params["Destination"], stack.console_url);
    home.known().learn_signin_token(&params["SigninToken"]);
    home.known().check(home.path(), "console --print -vvv", &run.stdout(), &run.stderr());
    assert!(run.stderr().contains("signs in whoever opens it within 15 minutes"), "{}", run.stderr());

    let asked = token_requests(&stack);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["outcome"], "success", "{asked:?}");
    assert_eq!(asked[0]["caller_arn"], ALICE_SESSION, "the stand-in checked the credentials at STS");
    assert!(asked[0]["session_duration"].is_null(), "no SessionDuration unless asked for");

    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(run.stdout().trim())
        .env("HOME", profile.path())
        .output()
        .expect("chromium runs (tests/stack/install.sh installs it)");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains(&format!(r#"<span id="signed-in-as">{ALICE_SESSION}</span>"#)),
        "not signed in:\n{dom}\n{}\n{:?}",
        String::from_utf8_lossy(&out.stderr),
        stack.federation_log()
    );
    let log = stack.federation_log();
    let login = log.iter().find(|e| e["action"] == "login").unwrap();
    assert_eq!((login["status"].as_i64(), login["issuer"].as_str()), (Some(302), Some("aws-login")));
    assert!(log.iter().any(|e| e["action"] == "console" && e["status"] == 200));
}

/// A browser command that records the URL it was given in `file`.
fn recording_browser(dir: &Path, name: &str, file: &Path) -> String {
    let script = dir.join(name);
    std::fs::write(&script, format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", file.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script.display().to_string()
}

#[test]
fn open_runs_the_browser_and_prints_nothing_and_the_cache_serves_every_run() {
    let stack = stack();
    // Outside the home: the recorded URL holds a token, which no file of the home may.
    let outside = tempfile::tempdir().unwrap();
    let from_profile = outside.path().join("profile-browser.url");
    let home = alice(
        &stack,
        &format!("browser = {}", recording_browser(outside.path(), "profile-browser", &from_profile)),
    );

    let run = home.run(&stack, &["console", "--profile", "dev", "--open", "--region", "eu-west-1"]).ok();
    assert_eq!(run.stdout(), "", "--open prints nothing on stdout");
    assert!(run.stderr().contains(&format!("Opened the AWS console as {DEVELOPER}")), "{}", run.stderr());
    let opened = std::fs::read_to_string(&from_profile).unwrap();
    let params = login_params(&opened, &stack.federation_url);
    assert_eq!(params["Destination"], format!("{}?region=eu-west-1", stack.console_url));
    home.known().learn_signin_token(&params["SigninToken"]);

    // No flag: open with a display ($BROWSER when the profile names none), print without one.
    let bare = alice(&stack, "");
    let from_env = outside.path().join("env-browser.url");
    let env_browser = recording_browser(outside.path(), "env-browser", &from_env);
    let run = bare
        .run_with_env(&stack, &["console", "-p", "dev"], &[("DISPLAY", ":0"), ("BROWSER", &env_browser)])
        .ok();
    assert_eq!(run.stdout(), "");
    login_params(&std::fs::read_to_string(&from_env).unwrap(), &stack.federation_url);
    let run = bare.run_with_env(&stack, &["console", "-p", "dev"], &[("BROWSER", &env_browser)]).ok();
    login_params(&run.stdout(), &stack.federation_url);

    // Three console runs in two homes: one IdP login and one STS call per home, three tokens.
    assert_eq!(stack.idp_log().len(), 2, "{:?}", stack.idp_log());
    assert_eq!(stack.sts_assumes().len(), 2);
    assert_eq!(token_requests(&stack).len(), 3);

    // A browser that fails is one sentence and its own exit code.
    let broken = alice(&stack, "browser = /bin/false");
    let err = broken.run(&stack, &["console", "-p", "dev", "--open"]).fails(28);
    assert!(
        err.contains("cannot open the console in a browser with `/bin/false` (it exited with status 1)"),
        "{err}"
    );
}

#[test]
fn session_duration_only_when_asked_and_bad_input_changes_nothing() {
    let stack = stack();
    let home = alice(&stack, "");
    home.run(&stack, &["console", "-p", "dev", "--print", "--duration", "43200"]).ok();
    assert_eq!(token_requests(&stack)[0]["session_duration"], 43200);

    let fresh = alice(&stack, "");
    let before = fresh.snapshot();
    for (args, words) in [
        (&["console", "-p", "dev", "--print", "--duration", "600"][..], "duration = '600' is not valid"),
        (&["console", "-p", "dev", "--print", "--region"], "--region needs a region name"),
        (&["console", "-p", "dev", "--print", "--region", "Mars 1"], "is not an AWS region name"),
        (&["console", "-p", "dev", "--print", "--destination", "http://console.example/"], "destination = "),
    ] {
        let err = fresh.run(&stack, args).fails(5);
        assert!(err.contains(words), "{args:?}: {err}");
    }
    let err = fresh
        .run_with_env(
            &stack,
            &["console", "-p", "dev", "--print"],
            &[("AWS_LOGIN_FEDERATION_URL", "http://signin.example/federation")],
        )
        .fails(5);
    assert!(
        err.contains("AWS_LOGIN_FEDERATION_URL = 'http://signin.example/federation' is not valid"),
        "{err}"
    );
    assert_eq!(fresh.snapshot(), before, "nothing written, not even the credentials cache");

    // The European Sovereign Cloud's hosts are not published: said, not guessed.
    let eusc = Home::new();
    eusc.ecp_profile(
        &stack,
        "dev",
        &format!(
            "username = alice\npassword = {ALICE_PW}\npartition = aws-eusc\nacs_url = https://signin.example.eu/saml\nsp_entity_id = urn:example:eusc"
        ),
    );
    let err = eusc.run(&stack, &["console", "-p", "dev", "--print"]).fails(5);
    assert!(
        err.contains("has not published its console sign-in hosts") && err.contains("set federation_url"),
        "{err}"
    );
    assert_eq!(stack.idp_log().len(), 1, "only the first home logged in");
}

#[test]
fn an_endpoint_that_refuses_is_exit_22_and_prints_nothing() {
    let stack = stack();
    // The IdP's base URL answers /federation with 404: not a sign-in token.
    let home = alice(&stack, "");
    let elsewhere = format!("{}/federation", stack.idp_url.trim_end_matches('/'));
    let err = home
        .run_with_env(
            &stack,
            &["console", "-p", "dev", "--print"],
            &[("AWS_LOGIN_FEDERATION_URL", &elsewhere)],
        )
        .fails(22);
    assert!(err.contains("refused to issue a console sign-in token (HTTP 404)"), "{err}");
}
