//! Transport: TLS verification against an HTTPS test IdP whose certificate a throwaway CA signed,
//! custom CA bundles (`ca_bundle`, `AWS_CA_BUNDLE`, `--ca-bundle`), `verify_ssl_certificate =
//! false`, plain http off loopback, and the standard proxy variables through a logging proxy.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// A throwaway certificate authority and a server certificate it signed for 127.0.0.1, ::1
/// and localhost, made with the openssl command.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl").args(args).current_dir(dir.path()).output().unwrap();
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        let ca = ["-subj", "/CN=aws-login test CA", "-addext", "basicConstraints=critical,CA:TRUE"];
        let ca_use =
            ["-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", "ca.key", "-out", "ca.pem"];
        openssl(&[&["req", "-x509", "-days", "2"], &key[..], &ca[..], &ca_use[..]].concat());
        let leaf = ["-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"];
        openssl(&[&["req"], &key[..], &leaf[..]].concat());
        std::fs::write(
            dir.path().join("leaf.cnf"),
            "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.cnf",
        ]);
        Pki { dir }
    }

    /// A self-signed server certificate for 127.0.0.1, ::1 and localhost, marked as a CA or not:
    /// `server.pem` is both the certificate and its own issuer.
    fn self_signed(ca: bool) -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let constraints =
            if ca { "basicConstraints=critical,CA:TRUE" } else { "basicConstraints=critical,CA:FALSE" };
        let out = Command::new("openssl")
            .args(["req", "-x509", "-days", "2", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
            .args([
                "-nodes",
                "-subj",
                "/CN=aws-login self-signed test",
                "-keyout",
                "server.key",
                "-out",
                "server.pem",
            ])
            .args(["-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost", "-addext", constraints])
            .args(["-addext", "extendedKeyUsage=serverAuth"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
        Pki { dir }
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn cert(&self) -> PathBuf {
        self.dir.path().join("server.pem")
    }

    fn key(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }

    fn ca_str(&self) -> String {
        self.ca().to_str().unwrap().to_string()
    }
}

/// The test IdP over HTTPS with the PKI's server certificate (STS stays plain http).
fn tls_stack(pki: &Pki) -> Stack {
    let (cert, key) = (pki.cert(), pki.key());
    let stack = Stack::with_idp_args(
        "{}",
        "{}",
        &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()],
    );
    assert!(stack.ecp_url.starts_with("https://127.0.0.1:"), "{}", stack.ecp_url);
    stack
}

/// tests/stack/proxy.py: a logging forward proxy, or a TLS front before a plain server.
struct Proxy {
    dir: tempfile::TempDir,
    child: Child,
    url: String,
}

impl Proxy {
    fn forward() -> Proxy {
        Proxy::spawn(&[])
    }

    fn tls_front(pki: &Pki, upstream: &str) -> Proxy {
        let authority = upstream.trim_start_matches("http://").trim_end_matches('/');
        let (cert, key) = (pki.cert(), pki.key());
        Proxy::spawn(&[
            "--tls-front",
            authority,
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ])
    }

    fn spawn(args: &[&str]) -> Proxy {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("proxy.stderr")).unwrap();
        let mut child = Command::new(repo().join(".stack/venv/bin/python"))
            .arg(repo().join("tests/stack/proxy.py"))
            .arg("--state-dir")
            .arg(dir.path())
            .arg("--die-with-parent")
            .args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let ready = dir.path().join("proxy.json");
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            if let Ok(text) = std::fs::read_to_string(&ready) {
                let v: Value = serde_json::from_str(&text).unwrap();
                break v["url"].as_str().unwrap().to_string();
            }
            assert!(child.try_wait().unwrap().is_none(), "proxy.py exited: {}", Proxy::stderr_of(dir.path()));
            assert!(Instant::now() < deadline, "proxy.py not ready: {}", Proxy::stderr_of(dir.path()));
            std::thread::sleep(Duration::from_millis(25));
        };
        Proxy { dir, child, url }
    }

    fn stderr_of(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("proxy.stderr")).unwrap_or_default()
    }

    /// One entry per request (forward proxy) or connection (TLS front).
    fn log(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("proxy.log.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// `host:port` of a URL, as a CONNECT line names it.
    fn authority(url: &str) -> String {
        url.split("://").nth(1).unwrap().split('/').next().unwrap().to_string()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn alice(stack: &Stack, extra: &str) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "dev", &format!("username = alice\npassword = {ALICE_PW}\n{extra}"));
    home
}

/// Runs a failing login and checks what every failure shares: the exit code, one sentence,
/// no secret, no file changed, and nothing reached the IdP's ECP handler or STS.
fn fails_cleanly(home: &Home, stack: &Stack, args: &[&str], env: &[(&str, &str)], code: i32) -> String {
    let before = home.snapshot();
    let err = home.run_with_env(stack, args, env).fails(code);
    assert_eq!(home.snapshot(), before, "a failure must not change any file");
    assert!(!err.contains(ALICE_PW), "the password leaked: {err}");
    assert!(stack.idp_log().is_empty(), "the IdP must not have handled a request: {:?}", stack.idp_log());
    assert!(stack.sts_log().is_empty(), "STS must not have been called");
    err
}

fn logs_in(home: &Home, stack: &Stack, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = home.run_with_env(stack, args, env).ok();
    assert!(out.json()["AccessKeyId"].as_str().is_some_and(|k| !k.is_empty()), "{}", out.stdout());
    out
}

const DEV: &[&str] = &["--profile", "dev"];

#[test]
fn ca_bundle_in_the_profile_makes_the_idp_trusted() {
    let pki = Pki::new();
    let stack = tls_stack(&pki);
    let home = alice(&stack, &format!("ca_bundle = {}", pki.ca_str()));
    let out = logs_in(&home, &stack, DEV, &[]);
    assert!(!out.stderr().contains("warning"), "{}", out.stderr());
    assert_eq!(stack.idp_log().len(), 1);
    assert_eq!(stack.idp_log()[0]["outcome"], "success");
}

#[test]
fn aws_ca_bundle_beats_the_profile_and_the_flag_beats_both() {
    let pki = Pki::new();
    let other = Pki::new();
    let stack = tls_stack(&pki);
    // The profile names a CA that did not sign the IdP's certificate; AWS_CA_BUNDLE (the right
    // one) wins, as in botocore.
    let home = alice(&stack, &format!("ca_bundle = {}", other.ca_str()));
    logs_in(&home, &stack, DEV, &[("AWS_CA_BUNDLE", &pki.ca_str())]);

    // --ca-bundle beats AWS_CA_BUNDLE: the wrong CA on the command line fails.
    let home = alice(&stack, "");
    let args = ["--profile", "dev", "--ca-bundle", &other.ca_str()];
    let before = home.snapshot();
    let err = home.run_with_env(&stack, &args, &[("AWS_CA_BUNDLE", &pki.ca_str())]).fails(20);
    assert!(err.contains("is not trusted"), "{err}");
    assert_eq!(home.snapshot(), before);

    // An empty AWS_CA_BUNDLE is ignored and the profile's ca_bundle is used.
    let home = alice(&stack, &format!("ca_bundle = {}", pki.ca_str()));
    logs_in(&home, &stack, DEV, &[("AWS_CA_BUNDLE", "")]);
}

#[test]
fn an_untrusted_idp_certificate_fails_clearly() {
    let pki = Pki::new();
    let other = Pki::new();
    let stack = tls_stack(&pki);
    let home = alice(&stack, "");
    let err = fails_cleanly(&home, &stack, DEV, &[], 20);
    assert!(
        err.contains(&format!(
            "the IdP's TLS certificate at {} is not trusted: no certificate authority this computer trusts issued it",
            stack.ecp_url
        )),
        "{err}"
    );
    assert!(err.contains("set ca_bundle in the profile (or AWS_CA_BUNDLE)"), "{err}");

    // With a bundle that is already set, it says what the bundle did not do, not to set one.
    let home = alice(&stack, &format!("ca_bundle = {}", other.ca_str()));
    let err = fails_cleanly(&home, &stack, DEV, &[], 20);
    assert!(
        err.contains(&format!(
            "is not trusted: the certificate authorities in ca_bundle {} did not issue it, nor did the system's; point ca_bundle at the CA certificate that did (PEM)",
            other.ca_str()
        )),
        "{err}"
    );
    let home = alice(&stack, "");
    let err = fails_cleanly(&home, &stack, DEV, &[("AWS_CA_BUNDLE", &other.ca_str())], 20);
    assert!(
        err.contains(&format!("the certificate authorities in AWS_CA_BUNDLE {}", other.ca_str())),
        "{err}"
    );
    assert!(!err.contains("set ca_bundle"), "{err}");
}

#[test]
fn a_self_signed_idp_certificate() {
    // Marked as a CA (openssl req -x509's default): rustls never takes it for a server's own
    // certificate, even from ca_bundle, and the message says so in words.
    let pki = Pki::self_signed(true);
    let stack = tls_stack(&pki);
    let home = alice(&stack, &format!("ca_bundle = {}", pki.cert().display()));
    let err = fails_cleanly(&home, &stack, DEV, &[], 20);
    assert!(
        err.contains(&format!(
            "the IdP's TLS certificate at {} is its own certificate authority (self-signed, marked CA:TRUE), and rustls only trusts a server certificate that a CA issued, so it cannot be trusted through ca_bundle {}; give ca_bundle the CA that issued it instead",
            stack.ecp_url,
            pki.cert().display()
        )),
        "{err}"
    );
    assert!(!err.contains("CaUsedAsEndEntity") && !err.contains("set ca_bundle"), "{err}");
    let home = alice(&stack, "");
    let err = fails_cleanly(&home, &stack, DEV, &[], 20);
    assert!(err.contains("is its own certificate authority (self-signed, marked CA:TRUE)"), "{err}");
    assert!(
        err.contains("set ca_bundle in the profile (or AWS_CA_BUNDLE) to the CA that issued it"),
        "{err}"
    );

    // Not marked as a CA: trusted when ca_bundle names it, as any issuer would be.
    let pki = Pki::self_signed(false);
    let stack = tls_stack(&pki);
    let home = alice(&stack, "");
    let err = fails_cleanly(&home, &stack, DEV, &[], 20);
    assert!(err.contains("is not trusted: no certificate authority this computer trusts issued it"), "{err}");
    let home = alice(&stack, &format!("ca_bundle = {}", pki.cert().display()));
    logs_in(&home, &stack, DEV, &[]);
}

#[test]
fn verify_ssl_certificate_false_logs_in_and_warns() {
    let pki = Pki::new();
    let stack = tls_stack(&pki);
    let home = alice(&stack, "verify_ssl_certificate = false");
    let out = logs_in(&home, &stack, DEV, &[]);
    assert!(
        out.stderr()
            .contains("warning: the IdP's TLS certificate is not checked (verify_ssl_certificate = false)"),
        "{}",
        out.stderr()
    );
    // The flag does the same, and so warns too.
    let home = alice(&stack, "");
    let out = logs_in(&home, &stack, &["--profile", "dev", "--verify-ssl-certificate", "false"], &[]);
    assert!(out.stderr().contains("is not checked"), "{}", out.stderr());
}

#[test]
fn a_bad_bundle_is_a_bad_setting() {
    let pki = Pki::new();
    let stack = tls_stack(&pki);
    let junk = pki.dir.path().join("junk.pem");
    std::fs::write(&junk, "this is not a certificate\n").unwrap();
    let broken = pki.dir.path().join("broken.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n")
        .unwrap();
    let missing = pki.dir.path().join("missing.pem");
    // A FIFO would hang a plain read: it is refused at once.
    let fifo = pki.dir.path().join("fifo.pem");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let cases = [
        (missing.clone(), "cannot read it"),
        (pki.dir.path().to_path_buf(), "cannot read it"),
        (fifo, "cannot read it (it is not a regular file)"),
        (junk, "it holds no PEM certificate"),
        (broken, "it is not a valid PEM file"),
    ];
    for (path, why) in cases {
        let home = alice(&stack, &format!("ca_bundle = {}", path.display()));
        let err = fails_cleanly(&home, &stack, DEV, &[], 5);
        assert!(err.contains(&format!("ca_bundle = '{}' is not valid: {why}", path.display())), "{err}");
        assert!(err.contains("point it at a PEM file"), "{err}");
    }
    // From the environment, the error names the variable.
    let home = alice(&stack, "");
    let err = fails_cleanly(&home, &stack, DEV, &[("AWS_CA_BUNDLE", missing.to_str().unwrap())], 5);
    assert!(err.contains(&format!("AWS_CA_BUNDLE = '{}' is not valid", missing.display())), "{err}");
}

#[test]
fn sts_over_https_trusts_the_bundle_too() {
    let pki = Pki::new();
    let stack = tls_stack(&pki);
    let front = Proxy::tls_front(&pki, &stack.sts_url);
    let sts = [("AWS_ENDPOINT_URL_STS", front.url.as_str())];
    assert!(front.url.starts_with("https://"));

    let home = alice(&stack, &format!("ca_bundle = {}", pki.ca_str()));
    logs_in(&home, &stack, DEV, &sts);
    assert_eq!(stack.sts_assumes().len(), 1);
    assert_eq!(front.log().last().unwrap()["tls"], "ok");

    // Trusting the IdP without checking (verify_ssl_certificate = false) does not extend to
    // STS: with no bundle, STS's certificate is refused, clearly.
    let home = alice(&stack, "verify_ssl_certificate = false");
    let before = home.snapshot_outside_session();
    let run = home.run_with_env(&stack, DEV, &sts);
    assert_eq!((run.code(), run.stdout().as_str()), (20, ""), "{}", run.stderr());
    let err = run.stderr();
    let last = err.trim_end().lines().last().unwrap_or_default().to_string();
    assert!(last.contains(&format!("STS's TLS certificate at {} is not trusted", front.url)), "{err}");
    assert!(last.contains("AWS_CA_BUNDLE"), "{err}");
    assert_eq!(home.snapshot_outside_session(), before, "the IdP accepted: only its session is kept");
    assert_eq!(stack.sts_assumes().len(), 1, "the refused connection reached no STS handler");
}

#[test]
fn the_proxy_variables_carry_the_idp_and_sts_requests() {
    let pki = Pki::new();
    let stack = tls_stack(&pki);
    let proxy = Proxy::forward();
    let home = alice(&stack, &format!("ca_bundle = {}", pki.ca_str()));
    // The IdP is https (a CONNECT tunnel), STS plain http (an absolute-URI request); both are
    // on loopback, which the proxy variables do not exempt unless NO_PROXY says so.
    let env = [("HTTPS_PROXY", proxy.url.as_str()), ("HTTP_PROXY", proxy.url.as_str())];
    logs_in(&home, &stack, DEV, &env);
    let log = proxy.log();
    let idp = Proxy::authority(&stack.ecp_url);
    let sts = Proxy::authority(&stack.sts_url);
    assert!(log.iter().any(|e| e["method"] == "CONNECT" && e["target"] == idp.as_str()), "{log:?}");
    assert!(
        log.iter()
            .any(|e| e["method"] == "POST"
                && e["target"].as_str().unwrap().starts_with(&format!("http://{sts}/"))),
        "{log:?}"
    );
    assert_eq!(stack.idp_log().len(), 1);
    assert_eq!(stack.sts_assumes().len(), 1);
    // The log holds targets only: no header, no body, no secret.
    let text = std::fs::read_to_string(proxy.dir.path().join("proxy.log.jsonl")).unwrap();
    assert!(!text.contains("Authorization") && !text.contains("SAMLAssertion"), "{text}");

    // NO_PROXY lets requests bypass it.
    let seen = proxy.log().len();
    let env =
        [("https_proxy", proxy.url.as_str()), ("http_proxy", proxy.url.as_str()), ("NO_PROXY", "127.0.0.1")];
    home.run_with_env(&stack, &["login", "--profile", "dev", "--force-refresh"], &env).ok();
    assert_eq!(proxy.log().len(), seen, "{:?}", proxy.log());
    assert_eq!(stack.idp_log().len(), 2);
}

#[test]
fn a_plain_http_idp_on_loopback_goes_through_http_proxy() {
    let stack = Stack::start();
    let proxy = Proxy::forward();
    let home = alice(&stack, "");
    // ALL_PROXY covers every scheme.
    logs_in(&home, &stack, DEV, &[("ALL_PROXY", proxy.url.as_str())]);
    let log = proxy.log();
    let path = stack.ecp_url.split_once("://").unwrap().1;
    assert!(log.iter().any(|e| e["method"] == "POST" && e["target"] == format!("http://{path}")), "{log:?}");
    // The lower-case spelling works too.
    home.run_with_env(
        &stack,
        &["login", "--profile", "dev", "--force-refresh"],
        &[("http_proxy", &proxy.url)],
    )
    .ok();
    assert_eq!(
        proxy.log().iter().filter(|e| e["target"] == format!("http://{path}")).count(),
        2,
        "{:?}",
        proxy.log()
    );
}

#[test]
fn plain_http_off_loopback_is_refused_before_any_request() {
    let stack = Stack::start();
    let proxy = Proxy::forward();
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("username = alice\npassword = {ALICE_PW}"));
    home.profile("far", &format!("ecp_endpoint_url = http://idp.example.edu/idp/profile/SAML2/SOAP/ECP\nusername = alice\npassword = {ALICE_PW}"));
    // Any request would reach the proxy (it needs no DNS), so an empty proxy log proves none
    // was sent.
    let env = [("HTTP_PROXY", proxy.url.as_str()), ("HTTPS_PROXY", proxy.url.as_str())];
    let err = fails_cleanly(&home, &stack, &["--profile", "far"], &env, 5);
    assert!(
        err.contains("ecp_endpoint_url = 'http://idp.example.edu/idp/profile/SAML2/SOAP/ECP' is not valid"),
        "{err}"
    );
    assert!(err.contains("must start with https://"), "{err}");
    // The flag is checked the same way.
    let args = ["--profile", "dev", "--ecp-endpoint-url", "http://10.0.0.1/ecp"];
    let err = fails_cleanly(&home, &stack, &args, &env, 5);
    assert!(err.contains("must start with https://"), "{err}");
    assert!(proxy.log().is_empty(), "{:?}", proxy.log());
}

/// A listener on 127.0.0.1 that nothing may ever connect to: where redirects point.
struct Trap(std::net::TcpListener);

impl Trap {
    fn new() -> Trap {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        Trap(l)
    }

    fn authority(&self) -> String {
        self.0.local_addr().unwrap().to_string()
    }

    fn untouched(&self) -> bool {
        matches!(self.0.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

#[test]
fn redirects_from_the_idp_are_never_followed() {
    let stack = Stack::start();
    let trap = Trap::new();
    let proxy = Proxy::forward();
    let home = alice(&stack, "");
    let ecp_path = "/idp/profile/SAML2/SOAP/ECP";
    let t = trap.authority();
    // (status, Location, what the message shows). A loopback http:// endpoint redirected to
    // another host over plain http, to the same endpoint (a follow would be a second request in
    // the IdP's log), to a trap with credentials in the URL, and a relative location.
    let cases = [
        (
            308,
            "http://idp.example.edu/idp/profile/SAML2/SOAP/ECP".to_string(),
            "http://idp.example.edu/idp/profile/SAML2/SOAP/ECP".to_string(),
        ),
        (302, stack.ecp_url.clone(), stack.ecp_url.clone()),
        (307, format!("http://alice:Trap-Secret-1@{t}{ecp_path}"), format!("http://{t}{ecp_path}")),
        (
            301,
            "/idp/profile/SAML2/Redirect/SSO".to_string(),
            format!("{}/idp/profile/SAML2/Redirect/SSO", stack.idp_url),
        ),
    ];
    // Any request to another host would go through the proxy (it needs no DNS).
    let env = [("HTTP_PROXY", proxy.url.as_str()), ("NO_PROXY", "127.0.0.1")];
    for (i, (status, location, shown)) in cases.iter().enumerate() {
        stack.idp_control(
            &serde_json::json!({"redirect": {"status": status, "location": location}}).to_string(),
        );
        let before = home.snapshot();
        let err = home.run_with_env(&stack, DEV, &env).fails(21);
        assert_eq!(home.snapshot(), before);
        assert!(
            err.contains(&format!(
                "the IdP at {} answered with a redirect (HTTP {status}) to {shown}, which was not followed; ECP endpoints do not redirect: set ecp_endpoint_url to the IdP's SAML2/SOAP/ECP endpoint",
                stack.ecp_url
            )),
            "{err}"
        );
        assert!(!err.contains("Trap-Secret-1") && !err.contains(ALICE_PW), "{err}");
        assert_eq!(stack.idp_log().len(), i + 1, "one request per run: {:?}", stack.idp_log());
    }
    assert!(trap.untouched(), "a redirect was followed to the trap");
    assert!(proxy.log().is_empty(), "a redirect was followed off loopback: {:?}", proxy.log());
    assert!(stack.sts_log().is_empty());

    // The session cookies are not carried elsewhere either.
    stack.idp_control(r#"{"redirect": null}"#);
    home.run(&stack, &["login", "--profile", "dev"]).ok();
    let redirect = format!("http://{t}{ecp_path}");
    stack.idp_control(&serde_json::json!({"redirect": {"status": 307, "location": redirect}}).to_string());
    let before = home.snapshot();
    let err = home.run(&stack, &["login", "--profile", "dev", "--force-refresh"]).fails(21);
    assert!(err.contains("answered with a redirect (HTTP 307)"), "{err}");
    assert_eq!(home.snapshot(), before);
    assert_eq!(stack.idp_log().last().unwrap()["outcome"], "redirect");
    assert!(trap.untouched(), "the cookie request was followed to the trap");
}

#[test]
fn redirects_from_sts_are_never_followed() {
    let stack = Stack::start();
    let trap = Trap::new();
    let t = trap.authority();
    let cases = [
        (307, format!("http://user:Trap-Secret-2@{t}/"), format!("http://{t}/")),
        (302, stack.sts_url.clone(), format!("{}/", stack.sts_url)),
    ];
    for (i, (status, location, shown)) in cases.iter().enumerate() {
        stack.sts_control(
            &serde_json::json!({"redirect": {"status": status, "location": location}}).to_string(),
        );
        let home = alice(&stack, "");
        let before = home.snapshot_outside_session();
        let err = home.run(&stack, DEV).fails(20);
        // The IdP accepted the login, so its session is kept; nothing else changed.
        assert_eq!(home.snapshot_outside_session(), before);
        assert!(home.has_jar(), "the IdP session is kept");
        assert!(
            err.contains(&format!(
                "STS at {} gave no STS answer (a redirect (HTTP {status}) to {shown}, which was not followed)",
                stack.sts_url
            )),
            "{err}"
        );
        assert!(!err.contains("Trap-Secret-2"), "{err}");
        assert_eq!(stack.sts_log().len(), i + 1, "one request per run: {:?}", stack.sts_log());
    }
    assert!(trap.untouched(), "a redirect was followed to the trap");
}

#[test]
fn plain_http_sts_off_loopback_is_refused_before_it_is_sent() {
    let stack = Stack::start();
    let proxy = Proxy::forward();
    let home = alice(&stack, "");
    // A request would reach the proxy (it needs no DNS): an empty proxy log proves none left.
    let via =
        [("HTTP_PROXY", proxy.url.as_str()), ("HTTPS_PROXY", proxy.url.as_str()), ("NO_PROXY", "127.0.0.1")];
    for (var, url) in
        [("AWS_ENDPOINT_URL_STS", "http://sts.example.com"), ("AWS_ENDPOINT_URL", "http://10.1.2.3:8080/")]
    {
        let mut c = home.command_for(&stack, BIN);
        c.env_remove("AWS_ENDPOINT_URL_STS").envs(via).env(var, url);
        let before = home.snapshot();
        let err = home.swept(c, DEV).fails(5);
        // A setting error found before the IdP is asked for anything: nothing changed.
        assert_eq!(home.snapshot(), before);
        assert!(stack.idp_log().is_empty(), "the IdP was not contacted");
        assert!(
            err.contains(&format!("{var} = '{url}' is not valid: it must start with https:// (plain http, allowed only on this machine, would send your SAML assertion and the credentials STS returns unencrypted)")),
            "{err}"
        );
    }
    // The AWS profile's endpoint_url, likewise.
    let home = Home::new();
    home.profile(
        "svc",
        &format!("ecp_endpoint_url = {}\nusername = alice\npassword = {ALICE_PW}", stack.ecp_url),
    );
    home.aws_config("[profile svc]\nregion = us-west-2\nendpoint_url = http://sts.example.com:8080\n");
    let mut c = home.command_for(&stack, BIN);
    c.env_remove("AWS_ENDPOINT_URL_STS").envs(via);
    let err = home.swept(c, &["--profile", "svc"]).fails(5);
    assert!(
        err.contains(
            "endpoint_url = 'http://sts.example.com:8080' is not valid: it must start with https://"
        ),
        "{err}"
    );
    assert!(proxy.log().is_empty(), "{:?}", proxy.log());
    assert!(stack.sts_log().is_empty(), "STS must not have been called");
}

#[test]
fn a_url_with_a_password_in_it_is_refused_without_showing_it() {
    let stack = Stack::start();
    let secret = "Url-Secret-7";
    let with_password = stack.ecp_url.replacen("http://", &format!("http://alice:{secret}@"), 1);
    let home = Home::new();
    home.ecp_profile(&stack, "dev", &format!("username = alice\npassword = {ALICE_PW}"));
    home.profile(
        "pw",
        &format!("ecp_endpoint_url = {with_password}\nusername = alice\npassword = {ALICE_PW}"),
    );
    let err = fails_cleanly(&home, &stack, &["--profile", "pw"], &[], 5);
    let shown = stack.ecp_url.replacen("http://", "http://***@", 1);
    assert!(
        err.contains(&format!("ecp_endpoint_url = '{shown}' is not valid: it holds a user name or password")),
        "{err}"
    );
    assert!(!err.contains(secret), "{err}");
    // The flag is checked the same way.
    let args = ["--profile", "dev", "--ecp-endpoint-url", &with_password];
    let err = fails_cleanly(&home, &stack, &args, &[], 5);
    assert!(!err.contains(secret) && err.contains("user name or password"), "{err}");

    // And so is the STS endpoint; nothing reaches STS.
    let sts = stack.sts_url.replacen("http://", &format!("http://user:{secret}@"), 1);
    let err = home.run_with_env(&stack, DEV, &[("AWS_ENDPOINT_URL_STS", &sts)]).fails(5);
    assert!(err.contains("AWS_ENDPOINT_URL_STS = 'http://***@127.0.0.1:"), "{err}");
    assert!(!err.contains(secret), "{err}");
    assert!(stack.sts_log().is_empty());
}

#[test]
fn network_failures_are_said_in_words() {
    let stack = Stack::start();
    // An https:// URL at a plain-http server (TLS gets an HTTP answer back), for the IdP and STS.
    let home = Home::new();
    let https_idp = stack.ecp_url.replacen("http://", "https://", 1);
    home.profile("dev", &format!("ecp_endpoint_url = {https_idp}\nusername = alice\npassword = {ALICE_PW}"));
    let mut errors = Vec::new();
    let err = fails_cleanly(&home, &stack, DEV, &[], 20);
    errors.push(err.clone());
    assert!(
        err.contains(&format!("cannot reach the IdP at {https_idp}: the server there does not speak TLS (is it plain http://, or the wrong port?)")),
        "{err}"
    );

    // Nothing listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let home = Home::new();
    home.profile(
        "dev",
        &format!("ecp_endpoint_url = http://127.0.0.1:{port}/ecp\nusername = alice\npassword = {ALICE_PW}"),
    );
    let err = fails_cleanly(&home, &stack, DEV, &[], 20);
    assert!(
        err.contains("the connection was refused (nothing listens there: check the host and port)"),
        "{err}"
    );
    errors.push(err);

    // No scheme.
    let home = Home::new();
    home.profile("dev", "ecp_endpoint_url = idp.example.edu/idp/profile/SAML2/SOAP/ECP\nusername = alice");
    let err = fails_cleanly(&home, &stack, DEV, &[], 5);
    assert!(err.contains("it is not a full URL: write it with its scheme, as https://host/path"), "{err}");
    errors.push(err);
    // STS last: the IdP login before it is a request.
    let https_sts = stack.sts_url.replacen("http://", "https://", 1);
    let home = alice(&stack, "");
    let err = home.run_with_env(&stack, DEV, &[("AWS_ENDPOINT_URL_STS", &https_sts)]).fails(20);
    assert!(
        err.contains(&format!("cannot reach STS at {https_sts}: the server there does not speak TLS")),
        "{err}"
    );
    errors.push(err);
    for err in errors {
        for jargon in [
            "relative URL",
            "corrupt message",
            "InvalidContentType",
            "os error",
            "tcp connect",
            "error trying",
        ] {
            assert!(!err.contains(jargon), "{err}");
        }
    }
}

/// An Identity Center profile signed in over plain http (the stand-in approves the device code
/// by itself), whose `logout --purge` then reaches the portal only through `front`'s TLS.
fn sso_signed_in(stack: &Stack, trust: &str) -> Home {
    let home = Home::new();
    home.profile(
        "sso",
        &format!(
            "source = sso\nsso_start_url = {}\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Admin\n{trust}",
            stack.sso_start_url
        ),
    );
    let plain = [
        ("AWS_ENDPOINT_URL_SSO_OIDC", stack.sso_url.as_str()),
        ("AWS_ENDPOINT_URL_SSO", stack.sso_url.as_str()),
    ];
    let mut tty = home.tty_with_env(stack, &["login", "-p", "sso"], &plain);
    tty.expect("which has the code in it");
    let (code, _, screen) = tty.finish();
    assert_eq!(code, 0, "{screen}");
    home
}

fn sso_logouts(stack: &Stack) -> usize {
    stack.sso_log().iter().filter(|e| e["op"] == "Logout" && e["status"] == 200).count()
}

#[test]
fn identity_center_logout_purge_reaches_the_portal_with_the_profiles_trust() {
    let pki = Pki::new();
    let stack = Stack::empty().sts("{}").sso("{}").serving();
    let front = Proxy::tls_front(&pki, &stack.sso_url);
    let portal = [("AWS_ENDPOINT_URL_SSO", front.url.as_str())];
    let token_dir = |home: &Home| std::fs::read_dir(home.path().join(".aws/sso/cache")).unwrap().count();

    // The profile's ca_bundle, as at login.
    let home = sso_signed_in(&stack, &format!("ca_bundle = {}", pki.ca_str()));
    home.run_with_env(&stack, &["logout", "-p", "sso", "--purge"], &portal).ok();
    assert_eq!(sso_logouts(&stack), 1);
    assert_eq!(front.log().last().unwrap()["tls"], "ok");
    assert_eq!(token_dir(&home), 0);

    // verify_ssl_certificate = false, as at login.
    let home = sso_signed_in(&stack, "verify_ssl_certificate = false");
    home.run_with_env(&stack, &["logout", "-p", "sso", "--purge"], &portal).ok();
    assert_eq!(sso_logouts(&stack), 2);

    // Neither: the portal's certificate is refused, so no Logout; the token file goes anyway.
    let home = sso_signed_in(&stack, "");
    home.run_with_env(&stack, &["logout", "-p", "sso", "--purge"], &portal).ok();
    assert_eq!(sso_logouts(&stack), 2);
    assert_eq!(token_dir(&home), 0);
}
