//! The OpenID Connect source against the real test stack (tests/oidc/README.md): npm's
//! oidc-provider as the issuer, the STS front checking web-identity tokens against its JWKS, and
//! scripted people (a form-filling browser, a device user) as the `browser` command.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use common::{BIN, Home, OIDC_CLIENT, Stack, WEB_IDENTITY_ROLE};
use serde_json::Value;

/// A profile `name` signing in at the stack's OP with the scripted browser (`auto_login`, as
/// tests have no terminal), plus the AWS CLI profile that runs it as credential_process. Lines
/// of `extra` replace the defaults of the same key.
fn oidc_profile(home: &Home, stack: &Stack, name: &str, extra: &str) {
    let defaults = [
        ("source", "oidc".to_string()),
        ("oidc_issuer", stack.oidc_issuer.clone()),
        ("client_id", OIDC_CLIENT.to_string()),
        ("scope", "openid email offline_access".to_string()),
        ("role_arn", WEB_IDENTITY_ROLE.to_string()),
        ("browser", common::oidc_browser()),
        ("auto_login", "true".to_string()),
    ];
    let given: Vec<(&str, &str)> =
        extra.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.trim(), v.trim())).collect();
    let mut lines: Vec<String> = defaults
        .iter()
        .filter(|(k, _)| !given.iter().any(|(g, _)| g == k))
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    lines.extend(given.iter().map(|(k, v)| format!("{k} = {v}")));
    home.profile(name, &lines.join("\n"));
    home.aws_config(&format!(
        "[profile {name}]\nregion = us-east-1\ncredential_process = {BIN} --profile {name}\n"
    ));
}

fn stack() -> Stack {
    Stack::empty().sts("{}").oidc().serving()
}

/// The token cache files of a home.
fn token_files(home: &Home) -> Vec<PathBuf> {
    let dir = home.login_dir().join("tokens");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn token_cache(home: &Home) -> Value {
    let files = token_files(home);
    assert_eq!(files.len(), 1, "{files:?}");
    serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap()
}

fn grants(stack: &Stack) -> Vec<String> {
    stack
        .oidc_events("token")
        .iter()
        .map(|e| {
            format!("{} {}", e["grant_type"].as_str().unwrap_or("?"), e["outcome"].as_str().unwrap_or("?"))
        })
        .collect()
}

#[test]
fn a_browser_login_through_the_aws_cli() {
    let stack = stack();
    let home = Home::new();
    oidc_profile(&home, &stack, "o", "");
    let run = home.aws(&stack, &["sts", "get-caller-identity", "--profile", "o"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stderr(), stack.server_output());
    assert_eq!(
        run.json()["Arn"],
        "arn:aws:sts::111122223333:assumed-role/WebDeveloper/alice@example.test",
        "the session is named after the email"
    );
    assert_eq!(stack.oidc_events("authorization").len(), 1);
    assert_eq!(grants(&stack), ["authorization_code ok"]);
    let sts = stack.sts_web_identity();
    assert_eq!((sts.len(), sts[0]["outcome"].as_str()), (1, Some("success")));

    // The tokens are kept privately, in a private directory.
    let file = &token_files(&home)[0];
    assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(file.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    let kept = token_cache(&home);
    assert!(kept["refresh_token"].is_string() && kept["id_token"].is_string(), "{kept}");

    // A second profile of the same login uses the kept ID token: no sign-in, no grant.
    oidc_profile(&home, &stack, "o2", "");
    home.run(&stack, &["login", "--profile", "o2"]).ok();
    assert_eq!(stack.oidc_events("authorization").len(), 1);
    assert_eq!(grants(&stack), ["authorization_code ok"]);
    assert_eq!(stack.sts_web_identity().len(), 2);
}

/// Signs in once with `login`, so the token cache holds a refresh token.
fn logged_in(stack: &Stack, home: &Home, extra: &str) {
    oidc_profile(home, stack, "o", extra);
    home.run(stack, &["login", "--profile", "o"]).ok();
    assert_eq!(grants(stack), ["authorization_code ok"]);
}

#[test]
fn a_refresh_uses_the_refresh_token_without_a_sign_in() {
    let stack = stack();
    // ID tokens shorter-lived than aws-login's margin: each refresh needs a new one.
    stack.oidc_control(r#"{"id_token_ttl": 120}"#);
    let home = Home::new();
    logged_in(&stack, &home, "");
    home.run(&stack, &["login", "--profile", "o", "--force-refresh"]).ok();
    assert_eq!(stack.oidc_events("authorization").len(), 1, "no new sign-in");
    assert_eq!(grants(&stack), ["authorization_code ok", "refresh_token ok"]);
    assert_eq!(stack.sts_web_identity().len(), 2);
    // The issuer rotates its signing key (the old one stays in its JWKS): a sign-in's ID token
    // names the new kid and is checked with that key. (The test OP forgets its refresh tokens
    // when it rotates, so this is a new login.)
    stack.oidc_control(r#"{"kid_rotate": true}"#);
    let other = Home::new();
    oidc_profile(&other, &stack, "o", "");
    other.run(&stack, &["login", "--profile", "o"]).ok();
    assert_eq!(stack.sts_web_identity().len(), 3);
}

#[test]
fn a_refused_refresh_token_is_dropped_and_the_sign_in_starts_over() {
    let stack = stack();
    stack.oidc_control(r#"{"id_token_ttl": 120}"#);
    let home = Home::new();
    logged_in(&stack, &home, "");
    // The issuer forgets the refresh token (as after a password change).
    let refresh = token_cache(&home)["refresh_token"].as_str().unwrap().to_string();
    let revoked = common::http(
        &format!("{}/token/revocation", stack.oidc_issuer),
        "POST",
        "application/x-www-form-urlencoded",
        &format!("client_id={OIDC_CLIENT}&token={refresh}"),
    );
    assert_eq!(revoked.0, 200, "{}", revoked.1);

    home.run(&stack, &["login", "--profile", "o", "--force-refresh"]).ok();
    assert_eq!(
        grants(&stack),
        ["authorization_code ok", "refresh_token invalid_grant", "authorization_code ok"]
    );
    assert_eq!(stack.oidc_events("authorization").len(), 2);
    assert_ne!(token_cache(&home)["refresh_token"].as_str(), Some(refresh.as_str()));
}

#[test]
fn a_denied_sign_in_is_one_sentence_and_changes_nothing() {
    let stack = stack();
    stack.oidc_control(r#"{"deny": true}"#);
    let home = Home::new();
    oidc_profile(&home, &stack, "o", "");
    let before = home.snapshot();
    let err = home.run(&stack, &["login", "--profile", "o"]).fails(7);
    assert!(err.contains("was refused (access_denied"), "{err}");
    assert_eq!(home.snapshot(), before);
    assert!(stack.sts_web_identity().is_empty() && grants(&stack).is_empty());
}

#[test]
fn an_altered_id_token_is_refused_before_sts() {
    let stack = stack();
    let home = Home::new();
    logged_in(&stack, &home, "");
    // Another subject in the kept ID token, its signature left as it was.
    let file = token_files(&home).remove(0);
    let mut kept = token_cache(&home);
    let token = kept["id_token"].as_str().unwrap().to_string();
    let parts: Vec<&str> = token.split('.').collect();
    let claims = String::from_utf8(b64(parts[1])).unwrap().replace("\"sub\":\"alice\"", "\"sub\":\"bob\"");
    assert!(claims.contains("\"sub\":\"bob\""), "{claims}");
    kept["id_token"] = Value::String(format!("{}.{}.{}", parts[0], b64_encode(claims.as_bytes()), parts[2]));
    std::fs::write(&file, kept.to_string()).unwrap();
    std::fs::remove_file(home.cache_file("o")).unwrap();

    let err = home.run(&stack, &["--profile", "o"]).fails(21);
    assert!(err.contains("the ID token from") && err.contains("was refused before it reached STS"), "{err}");
    assert!(err.contains("it was altered"), "{err}");
    assert_eq!(stack.sts_web_identity().len(), 1, "only the first login's call");
}

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
}

fn b64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[test]
fn a_redirect_with_another_state_is_refused() {
    let stack = stack();
    let home = Home::new();
    // A browser that answers the listener itself, with a state (and code) of its own.
    let forger = format!(
        "{} -c \"import sys,urllib.parse as p,urllib.request as r; q=dict(p.parse_qsl(p.urlsplit(sys.argv[1]).query)); r.urlopen(q['redirect_uri']+'?code=forged-code&state=not-this-one')\"",
        python()
    );
    oidc_profile(&home, &stack, "f", &format!("browser = {forger}"));
    let err = home.run(&stack, &["login", "--profile", "f"]).fails(21);
    assert!(err.contains("did not carry the `state` this login sent"), "{err}");
    assert!(grants(&stack).is_empty(), "the code is never redeemed");
    assert!(token_files(&home).is_empty());
}

fn python() -> String {
    common::oidc_browser().split(' ').next().unwrap().to_string()
}

#[test]
fn without_a_terminal_a_sign_in_fails_at_once_unless_auto_login() {
    let stack = stack();
    let home = Home::new();
    oidc_profile(&home, &stack, "o", "auto_login = false");
    let before = home.snapshot();
    let err = home.run(&stack, &["--profile", "o"]).fails(23);
    assert!(err.contains("run `aws-login login --profile o` in a terminal"), "{err}");
    assert!(stack.oidc_events("authorization").is_empty());
    assert_eq!(home.snapshot(), before);
}

#[test]
fn a_device_login_and_a_refused_one() {
    let stack = stack();
    let home = Home::new();
    let device = format!("oidc_flow = device\nbrowser = {}", common::oidc_device_user());
    oidc_profile(&home, &stack, "d", &device);
    let run = home.run(&stack, &["login", "--profile", "d", "--qr"]).ok();
    assert!(run.stderr().contains("and enter the code"), "{}", run.stderr());
    assert!(run.stderr().contains('█') || run.stderr().contains('▀'), "a QR code: {}", run.stderr());
    let events: Vec<String> =
        stack.oidc_log().iter().map(|e| e["event"].as_str().unwrap().to_string()).collect();
    assert_eq!(events.first().map(String::as_str), Some("device_authorization"));
    assert_eq!(
        grants(&stack).last().map(String::as_str),
        Some("urn:ietf:params:oauth:grant-type:device_code ok")
    );
    assert_eq!(stack.sts_web_identity()[0]["outcome"], "success");

    let home = Home::new();
    let denied = format!("oidc_flow = device\nbrowser = {} --deny", common::oidc_device_user());
    oidc_profile(&home, &stack, "d", &denied);
    let run = home.run(&stack, &["login", "--profile", "d"]);
    // The prompt, then the one sentence.
    assert_eq!((run.code(), run.stdout().as_str()), (7, ""), "{}", run.stderr());
    let last = run.stderr().trim_end().lines().last().unwrap_or_default().to_string();
    assert!(last.contains("was refused (access_denied"), "{last}");
}

#[test]
fn sixty_four_callers_cause_one_sign_in() {
    let stack = stack();
    let home = Home::new();
    oidc_profile(&home, &stack, "o", "");
    let outputs = home.many_callers(&stack, &["--profile", "o"], 64);
    assert!(
        outputs.iter().all(|o| o.stdout == outputs[0].stdout),
        "every caller prints the same credentials"
    );
    assert_eq!(stack.oidc_events("authorization").len(), 1, "one sign-in");
    assert_eq!(stack.sts_web_identity().len(), 1, "one STS call");
}

#[test]
fn logout_purge_revokes_the_refresh_token_and_deletes_the_tokens() {
    let stack = stack();
    let home = Home::new();
    logged_in(&stack, &home, "");
    home.run(&stack, &["logout", "--profile", "o", "--purge"]).ok();
    let revoked = stack.oidc_events("revocation");
    assert_eq!((revoked.len(), revoked[0]["token_type_hint"].as_str()), (1, Some("refresh_token")));
    assert!(token_files(&home).is_empty());
}

#[test]
fn headless_chromium_completes_a_pkce_login() {
    let stack = stack();
    stack.oidc_control(r#"{"auto_login": "alice"}"#);
    let home = Home::new();
    oidc_profile(&home, &stack, "o", &format!("browser = {}", common::chromium_browser()));
    home.run(&stack, &["login", "--profile", "o"]).ok();
    assert_eq!(grants(&stack), ["authorization_code ok"]);
    assert_eq!(stack.sts_web_identity()[0]["outcome"], "success");
}

#[test]
fn a_confidential_client_signs_in_with_its_secret() {
    let stack = stack();
    let home = Home::new();
    let client =
        format!("client_id = {}\nclient_secret = {}", common::OIDC_SECRET_CLIENT, common::OIDC_CLIENT_SECRET);
    oidc_profile(&home, &stack, "c", &client);
    home.run(&stack, &["login", "--profile", "c"]).ok();
    let token = stack.oidc_events("token");
    assert_eq!(
        (token[0]["client_id"].as_str(), token[0]["outcome"].as_str()),
        (Some("cli-secret"), Some("ok"))
    );

    // A wrong secret: the issuer's refusal, in one sentence naming what to check.
    let home = Home::new();
    oidc_profile(
        &home,
        &stack,
        "c",
        &format!("client_id = {}\nclient_secret = wrong-secret", common::OIDC_SECRET_CLIENT),
    );
    // A failed authentication (7), as for a machine's client.
    let err = home.run(&stack, &["login", "--profile", "c"]).fails(7);
    assert!(err.contains("refused this client's code (invalid_client"), "{err}");
    assert!(err.contains("check client_id and client_secret"), "{err}");
}

#[test]
fn no_browser_prints_the_address_and_waits_for_the_redirect() {
    use std::io::{BufRead, BufReader};
    let stack = stack();
    let home = Home::new();
    oidc_profile(&home, &stack, "o", "");
    let mut child = home
        .command_for(&stack, BIN)
        .args(["login", "--profile", "o", "--no-browser"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut shown = String::new();
    let url = loop {
        let mut line = String::new();
        assert_ne!(stderr.read_line(&mut line).unwrap(), 0, "no address printed: {shown}");
        shown.push_str(&line);
        if line.starts_with("http://") {
            break line.trim().to_string();
        }
    };
    assert!(shown.contains("Open this address in your browser"), "{shown}");
    // The person opens it; the listener is still waiting.
    let browser = common::oidc_browser();
    let words: Vec<&str> = browser.split(' ').collect();
    let opened = std::process::Command::new(words[0]).args(&words[1..]).arg(&url).output().unwrap();
    assert!(opened.status.success(), "{}", String::from_utf8_lossy(&opened.stderr));
    assert!(child.wait().unwrap().success());
    assert_eq!(grants(&stack), ["authorization_code ok"]);
}

#[test]
fn without_a_display_the_browser_sign_in_falls_back_to_a_device_code() {
    let stack = stack();
    let home = Home::new();
    // No browser command, no $BROWSER, no display; a person at the terminal.
    oidc_profile(&home, &stack, "h", "browser =\nauto_login = false");
    let mut tty = home.tty(&stack, &["login", "--profile", "h"]);
    tty.expect("signing in with a device code instead");
    tty.expect("(or open ");
    let complete = tty.expect(", which has the code in it)");
    let user = common::oidc_device_user();
    let words: Vec<&str> = user.split(' ').collect();
    let done = std::process::Command::new(words[0]).args(&words[1..]).arg(complete.trim()).output().unwrap();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(stack.oidc_events("authorization").is_empty(), "no browser sign-in was started");
    assert_eq!(
        grants(&stack).last().map(String::as_str),
        Some("urn:ietf:params:oauth:grant-type:device_code ok")
    );
}

#[test]
fn the_access_token_can_be_what_sts_takes() {
    let stack = stack();
    // Access tokens as RS256 JWTs for the client, which the STS front accepts.
    stack.oidc_control(r#"{"jwt_access_tokens": true}"#);
    let home = Home::new();
    oidc_profile(&home, &stack, "a", "web_identity_token = access_token");
    home.run(&stack, &["login", "--profile", "a"]).ok();
    assert_eq!(stack.sts_web_identity()[0]["outcome"], "success");
}

#[test]
fn a_device_login_slows_down_when_told() {
    let stack = stack();
    stack.oidc_control(r#"{"device_slow_down": 1}"#);
    let home = Home::new();
    oidc_profile(
        &home,
        &stack,
        "d",
        &format!("oidc_flow = device\nbrowser = {}", common::oidc_device_user()),
    );
    home.run(&stack, &["login", "--profile", "d"]).ok();
    let device = "urn:ietf:params:oauth:grant-type:device_code";
    let polls = grants(&stack);
    assert_eq!(polls.first(), Some(&format!("{device} slow_down")), "{polls:?}");
    assert_eq!(polls.last(), Some(&format!("{device} ok")), "{polls:?}");
}

#[test]
fn a_browser_that_fails_is_said_and_changes_nothing() {
    let stack = stack();
    let home = Home::new();
    oidc_profile(&home, &stack, "o", "browser = false");
    let before = home.snapshot();
    let err = home.run(&stack, &["login", "--profile", "o"]).fails(28);
    assert!(err.contains("cannot open the sign-in page with `false` (it exited with status 1)"), "{err}");
    assert!(err.contains("--no-browser"), "{err}");
    assert_eq!(home.snapshot(), before);
}

/// The scripted browser as a person's browser on another machine: it stops at the redirect to
/// the (unreachable) listener and prints that address, which the person copies.
fn redirect_address(url: &str) -> String {
    let browser = common::oidc_browser();
    let words: Vec<&str> = browser.split(' ').collect();
    let run = std::process::Command::new(words[0])
        .args(&words[1..])
        .arg("--print-redirect")
        .arg(url)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    String::from_utf8(run.stdout).unwrap().trim().to_string()
}

#[test]
fn without_a_display_or_a_device_grant_the_redirect_is_pasted_back() {
    let stack = stack();
    stack.oidc_control(r#"{"device_endpoint": false}"#);
    let home = Home::new();
    // No browser command, no $BROWSER, no display, an issuer without the device grant.
    oidc_profile(&home, &stack, "p", "browser =\nauto_login = false");
    let mut tty = home.tty(&stack, &["login", "--profile", "p"]);
    tty.expect("Open this address in a browser to sign in:");
    let url = tty.expect("The browser will then fail");
    let pasted = redirect_address(url.trim());
    assert!(pasted.starts_with("http://127.0.0.1:") && pasted.contains("code="), "{pasted}");
    tty.expect("Address: ");
    tty.send_line(&pasted);
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(grants(&stack), ["authorization_code ok"]);
    assert!(stack.oidc_events("device_authorization").is_empty());
    assert_eq!(stack.sts_web_identity()[0]["outcome"], "success");

    // An address that is not this sign-in's redirect: one sentence, nothing kept.
    let home = Home::new();
    oidc_profile(&home, &stack, "p", "browser =\nauto_login = false");
    let before = home.snapshot();
    let mut tty = home.tty(&stack, &["login", "--profile", "p"]);
    tty.expect("Address: ");
    tty.send_line("http://127.0.0.1:9/elsewhere?code=made-up&state=made-up");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 21, "{screen}");
    assert!(screen.contains("is not the address of this sign-in's redirect"), "{screen}");
    assert_eq!(home.snapshot(), before);
    assert_eq!(grants(&stack), ["authorization_code ok"], "the made-up code is never redeemed");
}

#[test]
fn an_expired_device_code_is_one_sentence_and_changes_nothing() {
    let stack = stack();
    // A code that lives 1 s and polls a second apart: the second poll finds it expired,
    // whatever the machine's load; the person never approves (`true` opens nothing).
    stack.oidc_control(r#"{"device_code_ttl": 1, "device_interval": 1}"#);
    let home = Home::new();
    oidc_profile(&home, &stack, "d", "oidc_flow = device\nbrowser = true");
    let before = home.snapshot();
    let run = home.run(&stack, &["login", "--profile", "d"]);
    assert_eq!((run.code(), run.stdout().as_str()), (7, ""), "{}", run.stderr());
    let last = run.stderr().trim_end().lines().last().unwrap_or_default().to_string();
    assert!(
        last.contains("the sign-in was not completed within 1 s")
            && last.contains("run the login again and enter the new code sooner"),
        "{last}"
    );
    let device = "urn:ietf:params:oauth:grant-type:device_code";
    assert_eq!(grants(&stack).last(), Some(&format!("{device} expired_token")), "the issuer said so");
    assert_eq!(home.snapshot(), before);
    assert!(stack.sts_web_identity().is_empty());
}

#[test]
fn an_expired_id_token_is_refused_before_sts() {
    let stack = stack();
    // The issuer's clock is two minutes slow: the ID token it signs (for 1 s) is already
    // past its `exp` by more than any leeway, as it would be on arrival.
    stack.oidc_control(r#"{"id_token_ttl": 1, "clock_skew": -120}"#);
    let home = Home::new();
    oidc_profile(&home, &stack, "o", "");
    let before = home.snapshot();
    let err = home.run(&stack, &["login", "--profile", "o"]).fails(21);
    assert!(err.contains("the ID token from") && err.contains("was refused before it reached STS"), "{err}");
    assert!(err.contains("it has expired (check this computer's clock"), "{err}");
    assert_eq!(grants(&stack), ["authorization_code ok"]);
    assert!(stack.sts_web_identity().is_empty());
    assert_eq!(home.snapshot(), before);
}

#[test]
fn auto_login_without_a_terminal_stops_after_login_timeout() {
    let stack = stack();
    let home = Home::new();
    // A browser command that returns at once having loaded nothing: no redirect ever comes.
    oidc_profile(&home, &stack, "o", "browser = true\nlogin_timeout = 10");
    let before = home.snapshot();
    let err = home.run(&stack, &["--profile", "o"]).fails(7);
    assert!(err.contains("the sign-in was not completed within 10 s"), "{err}");
    assert!(err.contains("raise login_timeout"), "{err}");
    assert!(grants(&stack).is_empty());
    assert_eq!(home.snapshot(), before);
}

/// Each event's `(event, client_id, outcome)` in the OP's log.
fn outcomes(stack: &Stack) -> Vec<(String, String, String)> {
    let field = |e: &Value, k: &str| e[k].as_str().unwrap_or("?").to_string();
    stack.oidc_log().iter().map(|e| (field(e, "event"), field(e, "client_id"), field(e, "outcome"))).collect()
}

#[test]
fn a_client_with_a_key_signs_every_request_of_a_person_sign_in() {
    let stack = stack();
    stack.oidc_control(r#"{"id_token_ttl": 120}"#);
    let key = |kid: &str| {
        format!(
            "client_id = {}\nprivate_key_file = {}\nkey_id = {kid}",
            common::OIDC_JWT_CLIENT,
            stack.svc_key(kid).display()
        )
    };
    let ok = |event: &str| (event.to_string(), common::OIDC_JWT_CLIENT.to_string(), "ok".to_string());

    // The browser sign-in's code, the silent refresh and logout's revocation: the OP registers
    // cli-jwt for private_key_jwt only, so each took a fresh client assertion.
    let home = Home::new();
    oidc_profile(&home, &stack, "k", &key(common::SVC_RS256_KID));
    home.run(&stack, &["login", "--profile", "k"]).ok();
    home.run(&stack, &["login", "--profile", "k", "--force-refresh"]).ok();
    assert_eq!(grants(&stack), ["authorization_code ok", "refresh_token ok"]);
    home.run(&stack, &["logout", "--profile", "k", "--purge"]).ok();
    let seen = outcomes(&stack);
    assert!(seen.contains(&ok("revocation")), "{seen:?}");
    assert_eq!(seen.iter().filter(|o| o.0 == "token" && **o == ok("token")).count(), 2, "{seen:?}");
    assert_eq!(stack.sts_web_identity().len(), 2);

    // A device sign-in with an ES256 key: the device authorization too.
    let home = Home::new();
    let device = format!("oidc_flow = device\nbrowser = {}", common::oidc_device_user());
    oidc_profile(&home, &stack, "kd", &format!("{}\n{device}", key(common::SVC_ES256_KID)));
    home.run(&stack, &["login", "--profile", "kd"]).ok();
    assert!(outcomes(&stack).contains(&ok("device_authorization")));
    assert_eq!(stack.sts_web_identity().len(), 3);

    // A key the OP does not know: refused at the first request, one sentence, nothing kept.
    let home = Home::new();
    oidc_profile(&home, &stack, "kw", &format!("{}\n{device}", key(common::SVC_WRONG_KID)));
    let err = home.run(&stack, &["login", "--profile", "kw"]).fails(7);
    assert!(err.contains("refused this client's device sign-in request (invalid_client"), "{err}");
    assert!(err.contains("the private key (private_key_file"), "{err}");
    assert!(token_files(&home).is_empty());
    assert_eq!(stack.sts_web_identity().len(), 3);
}
