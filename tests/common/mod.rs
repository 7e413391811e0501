//! Shared machinery for the integration tests: a fresh test IdP and STS front per test (real
//! servers on loopback, see tests/idp and tests/sts), a throwaway HOME, and runners for the
//! built binary, the real AWS CLI and boto3. Everything runs without a terminal.
#![allow(dead_code)]

pub mod kill;
pub mod pty;
pub mod sweep;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_aws-login");

/// Test users from tests/idp/users.json.
pub const ALICE_PW: &str = "alice-pw-Q7";
pub const BOB_PW: &str = "bob-pw-K2";
pub const DEVELOPER: &str = "arn:aws:iam::111122223333:role/Developer";
pub const PROVIDER: &str = "arn:aws:iam::111122223333:saml-provider/TestIdP";

/// The test OpenID provider's users and clients (tests/oidc/op.mjs; see tests/oidc/README.md).
/// alice has the email alice@example.test; bob has none.
pub const OIDC_ALICE_PW: &str = "alice-pw-O1";
pub const OIDC_BOB_PW: &str = "bob-pw-O2";
/// Public, PKCE; loopback redirects `/callback` on any port; auth code, refresh, device.
pub const OIDC_CLIENT: &str = "cli-native";
/// The same as a confidential client (client_secret_basic).
pub const OIDC_SECRET_CLIENT: &str = "cli-secret";
/// The OP's person client that authenticates with a private_key_jwt (svc-jwt's keys).
pub const OIDC_JWT_CLIENT: &str = "cli-jwt";
pub const OIDC_CLIENT_SECRET: &str = "cli-secret-pw";
/// A role for AssumeRoleWithWebIdentity (any role ARN works: the front checks the token).
pub const WEB_IDENTITY_ROLE: &str = "arn:aws:iam::111122223333:role/WebDeveloper";

/// The test OP's machine clients (issue 17; tests/oidc/README.md). Client credentials only;
/// their access tokens are RS256 JWTs with `aud` [`STS_AUDIENCE`], `sub` the client ID.
/// `svc-jwt` authenticates with private_key_jwt: [`Stack::svc_key`] has its keys.
pub const SVC_JWT_CLIENT: &str = "svc-jwt";
/// The `kid`s of svc-jwt's two registered keys (RS256 and ES256), also their file stems.
pub const SVC_RS256_KID: &str = "svc-rs256";
pub const SVC_ES256_KID: &str = "svc-es256";
/// A key the OP does not know (for "wrong key" tests), in the same place.
pub const SVC_WRONG_KID: &str = "svc-wrong";
/// A confidential machine client: client_secret_basic or client_secret_post.
pub const SVC_SECRET_CLIENT: &str = "svc-secret";
pub const SVC_CLIENT_SECRET: &str = "svc-secret-pw";
/// The scopes machine clients may ask for.
pub const SVC_SCOPE: &str = "deploy";
/// Machine access tokens' audience, registered at the STS front as a client ID of the OP.
pub const STS_AUDIENCE: &str = "sts.amazonaws.com";
/// The resource indicator they are issued for (also the default; another: invalid_target).
pub const STS_RESOURCE: &str = "urn:aws-login:test:sts";
/// The token exchange to SAML (tests/oidc/exchange.py): what it asks for, and the audience
/// (the SAML SP) it needs.
pub const SAML2_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:saml2";
pub const EXCHANGE_AUDIENCE: &str = "urn:amazon:webservices";
/// The exchanged assertions' roles: alice one ([`DEVELOPER`]); bob [`DEVELOPER`] and
/// [`EXCHANGE_READONLY`]; all with [`PROVIDER`].
pub const EXCHANGE_READONLY: &str = "arn:aws:iam::111122223333:role/ReadOnly";
/// The maws roles API stand-in (tests/oidc/maws_roles.py): alice gets [`WEB_IDENTITY_ROLE`]
/// only; bob that, [`MAWS_READONLY`] and [`MAWS_ADMIN`]. Account 111122223333 has the alias
/// [`MAWS_ALIAS`]; 444455556666 none (maws then lists the account ID).
pub const MAWS_READONLY: &str = "arn:aws:iam::111122223333:role/WebReadOnly";
pub const MAWS_ADMIN: &str = "arn:aws:iam::444455556666:role/WebAdmin";
pub const MAWS_ALIAS: &str = "aws-login-dev";

/// The Okta stand-in (issue 19; tests/okta/README.md): its OIDC native app, its AWS
/// Federation apps and its users. dana has both apps, erik only [`OKTA_APP_DEV`].
pub const OKTA_CLIENT_ID: &str = "0oa-okta-aws-cli";
/// Roles 111122223333 Developer and ReadOnly.
pub const OKTA_APP_DEV: &str = "0oaawsdev1";
/// Role 444455556666 Auditor.
pub const OKTA_APP_PROD: &str = "0oaawsprod1";
pub const OKTA_DANA_PW: &str = "dana-pw-K9";
pub const OKTA_ERIK_PW: &str = "erik-pw-L4";
/// The scope okta-aws-cli asks for.
pub const OKTA_SCOPE: &str = "openid okta.apps.sso okta.apps.read okta.users.read.self";

/// A `browser` command that completes a device authorization at the Okta stand-in
/// (tests/okta/device_user.py; $OKTA_TEST_USER / $OKTA_TEST_PASSWORD, default dana); `--deny`
/// refuses it.
pub fn okta_device_user() -> String {
    format!("{} {}", venv_bin("python").display(), repo().join("tests/okta/device_user.py").display())
}

/// A `browser` command (a profile setting or $BROWSER) that signs in at the test OP through its
/// login form ($OIDC_TEST_USER / $OIDC_TEST_PASSWORD, default alice) and delivers the redirect
/// to the loopback listener (tests/oidc/browser.py).
pub fn oidc_browser() -> String {
    format!("{} {}", venv_bin("python").display(), repo().join("tests/oidc/browser.py").display())
}

/// A `browser` command that completes a device authorization at the test OP from its
/// verification_uri_complete (tests/oidc/device_user.py); `--deny` refuses it.
pub fn oidc_device_user() -> String {
    format!("{} {}", venv_bin("python").display(), repo().join("tests/oidc/device_user.py").display())
}

/// Headless Chromium as a `browser` command (tests/oidc/chromium.sh); the OP needs
/// `auto_login`, as Chromium fills in no form.
pub fn chromium_browser() -> String {
    repo().join("tests/oidc/chromium.sh").display().to_string()
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn venv_bin(name: &str) -> PathBuf {
    let p = repo().join(".stack/venv/bin").join(name);
    assert!(p.exists(), "{} is missing: run tests/stack/install.sh (scripts/test.sh does)", p.display());
    p
}

/// Test servers, stopped when dropped: the IdP and the STS front by default
/// ([`Stack::start`]), or any combination: `Stack::empty().idp(..).sts(..).serving()` starts
/// those named together and waits until each serves. A server not started leaves its URL empty.
pub struct Stack {
    pub dir: tempfile::TempDir,
    children: Vec<Child>,
    /// Started, not yet known to serve.
    starting: Vec<Server>,
    pub ecp_url: String,
    pub idp_url: String,
    pub sts_url: String,
    /// The console federation stand-in's endpoint and console (tests/console/federation.py).
    pub federation_url: String,
    pub console_url: String,
    /// The IAM Identity Center stand-in (tests/sso/standin.py): sso-oidc and the portal.
    pub sso_url: String,
    /// The start URL of its directory.
    pub sso_start_url: String,
    /// The test OpenID provider's issuer (tests/oidc/op.mjs), discovery below it.
    pub oidc_issuer: String,
    /// The token exchange to SAML's token endpoint (tests/oidc/exchange.py).
    pub exchange_url: String,
    /// The maws roles API stand-in's `/roles` URL (tests/oidc/maws_roles.py).
    pub maws_roles_url: String,
    /// Their bases, for their knobs.
    exchange_base: String,
    maws_base: String,
    /// The Okta stand-in's base URL (tests/okta/standin.py), and the same as `host:port`.
    pub okta_url: String,
    pub okta_org_domain: String,
}

/// Where the servers a [`Stack`] starts write their stderr.
const SERVER_STDERR: [&str; 8] = [
    "idp.stderr",
    "sts.stderr",
    "federation.stderr",
    "oidc.stderr",
    "sso.stderr",
    "exchange.stderr",
    "maws.stderr",
    "okta.stderr",
];

/// A test server a [`Stack`] can start.
#[derive(Debug, Clone, Copy)]
enum Server {
    /// tests/idp/idp.py: the SAML IdP with its ECP endpoint.
    Idp,
    /// tests/sts/front.py: moto's STS behind a front that checks what AWS checks.
    Sts,
    /// tests/console/federation.py: AWS's console federation endpoint and console, stood in.
    Federation,
    /// tests/sso/standin.py: IAM Identity Center, stood in; its credentials come from the STS.
    Sso,
    /// tests/oidc/op.mjs: npm's oidc-provider, set up for a CLI.
    Oidc,
    /// tests/oidc/exchange.py: RFC 8693 token exchange to SAML, beside the OP.
    Exchange,
    /// tests/oidc/maws_roles.py: mozilla-aws-cli's roles API, beside the OP.
    Maws,
    /// tests/okta/standin.py: the Okta endpoints of okta-aws-cli's `web` command.
    Okta,
}

impl Stack {
    pub fn start() -> Stack {
        Stack::with_knobs("{}", "{}")
    }

    pub fn with_knobs(idp_knobs: &str, sts_knobs: &str) -> Stack {
        Stack::with_idp_args(idp_knobs, sts_knobs, &[])
    }

    /// Extra arguments for tests/idp/idp.py, e.g. `--tls-cert F --tls-key F` for HTTPS.
    pub fn with_idp_args(idp_knobs: &str, sts_knobs: &str, idp_args: &[&str]) -> Stack {
        Stack::empty().idp(idp_knobs, idp_args).sts(sts_knobs).serving()
    }

    /// No server yet: one state directory for those to come.
    pub fn empty() -> Stack {
        Stack {
            dir: tempfile::tempdir().unwrap(),
            children: Vec::new(),
            starting: Vec::new(),
            ecp_url: String::new(),
            idp_url: String::new(),
            sts_url: String::new(),
            federation_url: String::new(),
            console_url: String::new(),
            sso_url: String::new(),
            sso_start_url: String::new(),
            oidc_issuer: String::new(),
            exchange_url: String::new(),
            maws_roles_url: String::new(),
            exchange_base: String::new(),
            maws_base: String::new(),
            okta_url: String::new(),
            okta_org_domain: String::new(),
        }
    }

    /// Starts the test IdP, with `knobs` and extra `args`.
    pub fn idp(mut self, knobs: &str, args: &[&str]) -> Stack {
        self.spawn(Server::Idp, "tests/idp/idp.py", &[&["--knobs", knobs], args].concat(), "idp.stderr");
        self
    }

    /// Starts the STS front, trusting the test IdP's signing certificate (read when it checks an
    /// assertion, so the two start side by side).
    pub fn sts(mut self, knobs: &str) -> Stack {
        let cert = self.dir.path().join("idp-cert.pem");
        let cert = cert.to_str().unwrap().to_string();
        let entity_id = "https://idp.example.org/idp/shibboleth";
        let args = ["--idp-cert", &cert, "--idp-entity-id", entity_id, "--knobs", knobs];
        self.spawn(Server::Sts, "tests/sts/front.py", &args, "sts.stderr");
        self
    }

    /// Starts the console federation stand-in, which checks credentials at this stack's STS.
    pub fn federation(mut self) -> Stack {
        self.spawn(Server::Federation, "tests/console/federation.py", &[], "federation.stderr");
        self
    }

    /// Starts the IAM Identity Center stand-in with `knobs`; it mints credentials at this
    /// stack's STS.
    pub fn sso(mut self, knobs: &str) -> Stack {
        self.spawn(Server::Sso, "tests/sso/standin.py", &["--knobs", knobs], "sso.stderr");
        self
    }

    /// Starts the test OpenID provider; with the STS front in the same stack, [`Stack::serving`]
    /// registers it there as an OIDC provider for both its clients.
    pub fn oidc(mut self) -> Stack {
        let modules = repo().join(".stack/oidc/node_modules");
        assert!(modules.exists(), "{} is missing: run tests/stack/install.sh", modules.display());
        self.spawn_program(Server::Oidc, Path::new("node"), "tests/oidc/op.mjs", &[], "oidc.stderr");
        self
    }

    /// Starts the token exchange to SAML beside the OP (start the OP too: it checks subject
    /// tokens there). It signs with the test IdP's key in the state dir (made if no IdP is
    /// started), which the STS front trusts.
    pub fn exchange(mut self) -> Stack {
        self.spawn(Server::Exchange, "tests/oidc/exchange.py", &[], "exchange.stderr");
        self
    }

    /// Starts the maws roles API stand-in beside the OP (start the OP too).
    pub fn maws_roles(mut self) -> Stack {
        self.spawn(Server::Maws, "tests/oidc/maws_roles.py", &[], "maws.stderr");
        self
    }

    /// Starts the Okta stand-in. It signs with the test IdP's key in the state dir (made if no
    /// IdP is started), which the STS front trusts.
    pub fn okta(mut self) -> Stack {
        self.spawn(Server::Okta, "tests/okta/standin.py", &[], "okta.stderr");
        self
    }

    /// The private PEM (PKCS#8, 0600) of svc-jwt's key `kid` ([`SVC_RS256_KID`],
    /// [`SVC_ES256_KID`], or the unregistered [`SVC_WRONG_KID`]), made per run by the OP.
    pub fn svc_key(&self, kid: &str) -> PathBuf {
        self.dir.path().join(format!("{kid}.pem"))
    }

    /// Waits until every server started serves, and takes in their URLs.
    pub fn serving(mut self) -> Stack {
        let mut registered = false;
        for server in std::mem::take(&mut self.starting) {
            match server {
                Server::Idp => {
                    let idp = self.ready("idp.json");
                    self.ecp_url = idp["ecp_url"].as_str().unwrap().to_string();
                    self.idp_url = idp["base_url"].as_str().unwrap().to_string();
                }
                Server::Sts => self.sts_url = self.ready("sts.json")["url"].as_str().unwrap().to_string(),
                Server::Federation => {
                    let fed = self.ready("federation.json");
                    self.federation_url = fed["federation_url"].as_str().unwrap().to_string();
                    self.console_url = fed["console_url"].as_str().unwrap().to_string();
                }
                Server::Sso => {
                    let sso = self.ready("sso.json");
                    self.sso_url = sso["url"].as_str().unwrap().to_string();
                    self.sso_start_url = sso["start_url"].as_str().unwrap().to_string();
                }
                Server::Oidc => {
                    self.oidc_issuer = self.ready("oidc.json")["issuer"].as_str().unwrap().to_string();
                    registered = true;
                }
                Server::Exchange => {
                    let ready = self.ready("exchange.json");
                    self.exchange_base = ready["url"].as_str().unwrap().to_string();
                    self.exchange_url = ready["endpoint"].as_str().unwrap().to_string();
                }
                Server::Okta => {
                    let ready = self.ready("okta.json");
                    self.okta_url = ready["url"].as_str().unwrap().to_string();
                    self.okta_org_domain = ready["org_domain"].as_str().unwrap().to_string();
                }
                Server::Maws => {
                    let ready = self.ready("maws.json");
                    self.maws_base = ready["url"].as_str().unwrap().to_string();
                    self.maws_roles_url = ready["endpoint"].as_str().unwrap().to_string();
                }
            }
        }
        if registered && !self.sts_url.is_empty() {
            let providers = serde_json::json!({"oidc_providers": [
                {"issuer": self.oidc_issuer, "client_ids": [OIDC_CLIENT, OIDC_SECRET_CLIENT, OIDC_JWT_CLIENT, STS_AUDIENCE]}]});
            self.sts_control(&providers.to_string());
        }
        self
    }

    /// Runs a test server from the stack's Python, in its state directory, logging to `log`.
    fn spawn(&mut self, server: Server, script: &str, extra: &[&str], log: &str) {
        self.spawn_program(server, &venv_bin("python"), script, extra, log);
    }

    fn spawn_program(&mut self, server: Server, program: &Path, script: &str, extra: &[&str], log: &str) {
        let log = std::fs::File::create(self.dir.path().join(log)).unwrap();
        let child = Command::new(program)
            .arg(repo().join(script))
            .arg("--state-dir")
            .arg(self.dir.path())
            .arg("--die-with-parent")
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.children.push(child);
        self.starting.push(server);
    }

    fn ready(&mut self, file: &str) -> Value {
        let path = self.dir.path().join(file);
        // Generous: a start takes about a second, but a machine running several suites at once
        // has been seen to take over a minute, and a limit only matters when it is hit.
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Ok(text) = std::fs::read_to_string(&path) {
                return serde_json::from_str(&text).unwrap();
            }
            for c in &mut self.children {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!("a test server exited ({status}) before {file}:\n{}", self.server_output());
                }
            }
            assert!(
                Instant::now() < deadline,
                "no {file} after 180 s:\n{}\n{}",
                self.server_output(),
                self.native_stacks()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Where each server still running is stuck, thread by thread, when gdb is at hand: a start
    /// that hangs (rare, seen only under heavy load) should say where on its first sighting.
    fn native_stacks(&self) -> String {
        self.children
            .iter()
            .map(|c| {
                let gdb = Command::new("gdb")
                    .args(["-batch", "-p", &c.id().to_string(), "-ex", "thread apply all bt 20"])
                    .stdin(Stdio::null())
                    .output();
                match gdb {
                    Ok(out) => format!("--- pid {} ---\n{}", c.id(), String::from_utf8_lossy(&out.stdout)),
                    Err(e) => format!("--- pid {}: no gdb ({e}) ---", c.id()),
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn server_output(&self) -> String {
        SERVER_STDERR
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn log(&self, file: &str) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join(file))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// One entry per ECP request the IdP handled.
    pub fn idp_log(&self) -> Vec<Value> {
        self.log("idp.log.jsonl")
    }

    /// One entry per request the STS front handled.
    pub fn sts_log(&self) -> Vec<Value> {
        self.log("sts.log.jsonl")
    }

    /// One entry per request the console federation stand-in handled.
    pub fn federation_log(&self) -> Vec<Value> {
        self.log("federation.log.jsonl")
    }

    /// One entry per request the Identity Center stand-in handled.
    pub fn sso_log(&self) -> Vec<Value> {
        self.log("sso.log.jsonl")
    }

    pub fn sso_control(&self, knobs: &str) {
        post_json(&self.sso_url, "/_control", knobs);
    }

    /// One entry per authorization (`"event": "authorization"`), device authorization, token
    /// grant (`grant_type`, `client_id`, `outcome`), revocation and login at the test OP.
    pub fn oidc_log(&self) -> Vec<Value> {
        self.log("oidc.log.jsonl")
    }

    /// The OP's log entries of one `event`, e.g. "authorization" or "token".
    pub fn oidc_events(&self, event: &str) -> Vec<Value> {
        self.oidc_log().into_iter().filter(|e| e["event"] == event).collect()
    }

    /// AssumeRoleWithWebIdentity calls only (`outcome`, `issuer`, `subject`, `audience`, ...).
    pub fn sts_web_identity(&self) -> Vec<Value> {
        self.sts_log().into_iter().filter(|e| e["action"] == "AssumeRoleWithWebIdentity").collect()
    }

    /// Sets the test OP's knobs: `auto_login`, `deny`, `id_token_ttl`, `device_slow_down`,
    /// `kid_rotate`, `jwt_access_tokens` (see tests/oidc/README.md).
    pub fn oidc_control(&self, knobs: &str) {
        post_json(&self.oidc_issuer, "/_control", knobs);
    }

    /// One entry per request at the token exchange (`client_id`, `auth`, `subject_token_type`,
    /// `audience`, `user`, `roles`, `outcome`: ok or the OAuth error, `detail`).
    pub fn exchange_log(&self) -> Vec<Value> {
        self.log("exchange.log.jsonl")
    }

    /// Sets the token exchange's knobs: `refuse`, `assertion_ttl`, `session_duration`, `roles`,
    /// `tamper` (see tests/oidc/README.md).
    pub fn exchange_control(&self, knobs: &str) {
        post_json(&self.exchange_base, "/_control", knobs);
    }

    /// One entry per `/roles` request at the maws stand-in (`outcome`, `user`, `cache`).
    pub fn maws_log(&self) -> Vec<Value> {
        self.log("maws.log.jsonl")
    }

    /// Sets the maws stand-in's knobs: `error`, `roles`.
    pub fn maws_control(&self, knobs: &str) {
        post_json(&self.maws_base, "/_control", knobs);
    }

    /// One entry per request at the Okta stand-in (`event`: device_authorization, token,
    /// activation_page, activation, app_links, saml; `outcome`, `user`, `app`, `grant_type`).
    pub fn okta_log(&self) -> Vec<Value> {
        self.log("okta.log.jsonl")
    }

    /// Sets the Okta stand-in's knobs: `interval`, `web_sso_ttl`, `access_token_ttl`,
    /// `deny_all`.
    /// Every device code and web-SSO token the Okta stand-in handed out (for the sweep).
    pub fn okta_issued(&self) -> Vec<String> {
        let (status, body) = http(&format!("{}/_control/issued", self.okta_url), "GET", "text/plain", "");
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        ["device_codes", "web_sso_tokens"]
            .iter()
            .flat_map(|k| v[k].as_array().cloned().unwrap_or_default())
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    }

    pub fn okta_control(&self, knobs: &str) {
        post_json(&self.okta_url, "/_control", knobs);
    }

    /// AssumeRoleWithSAML calls only.
    pub fn sts_assumes(&self) -> Vec<Value> {
        self.sts_log().into_iter().filter(|e| e["action"] == "AssumeRoleWithSAML").collect()
    }

    pub fn idp_control(&self, knobs: &str) {
        post_json(&self.idp_url, "/_control", knobs);
    }

    pub fn sts_control(&self, knobs: &str) {
        post_json(&self.sts_url, "/_control", knobs);
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A minimal HTTP/1.1 POST to a loopback test server.
fn post_json(base: &str, path: &str, body: &str) {
    let answer = http(&format!("{}{path}", base.trim_end_matches('/')), "POST", "application/json", body);
    assert_eq!(answer.0, 200, "{}", answer.1);
}

/// A minimal HTTP/1.1 request to a loopback test server (`http://host:port/path?query`):
/// (status, body). `content_type` empty: no body. For answers with a Content-Length.
pub fn http(url: &str, method: &str, content_type: &str, body: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut s = TcpStream::connect(authority).unwrap();
    let typed =
        if content_type.is_empty() { String::new() } else { format!("Content-Type: {content_type}\r\n") };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\n{typed}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// A throwaway home directory with aws-login's and the AWS CLI's files.
pub struct Home {
    pub dir: tempfile::TempDir,
    known: sweep::Known,
}

impl Home {
    pub fn new() -> Home {
        Home { dir: tempfile::tempdir().unwrap(), known: sweep::Known::default() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn login_dir(&self) -> PathBuf {
        self.path().join(".aws-login")
    }

    pub fn cache_file(&self, profile: &str) -> PathBuf {
        self.login_dir().join("cache").join(format!("{profile}.json"))
    }

    /// Appends a section to ~/.aws-login/config.
    pub fn profile(&self, name: &str, settings: &str) -> &Self {
        let dir = self.login_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("config")).unwrap();
        writeln!(f, "[{name}]\n{}\n", settings.trim()).unwrap();
        self
    }

    /// A profile for `user` at the stack's IdP, plus the AWS CLI profile that runs us.
    pub fn ecp_profile(&self, stack: &Stack, name: &str, extra: &str) -> &Self {
        self.profile(name, &format!("ecp_endpoint_url = {}\n{}", stack.ecp_url, extra.trim()));
        let aws = self.path().join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(aws.join("config")).unwrap();
        let section = if name == "default" { "default".to_string() } else { format!("profile {name}") };
        writeln!(f, "[{section}]\nregion = us-east-1\ncredential_process = {BIN} --profile {name}\n")
            .unwrap();
        self
    }

    /// Every file under the home directory with its contents, to prove a failure changed
    /// nothing. Lock files are left out: they are empty and say nothing. So are FIFOs and other
    /// special files (reading one would hang), and what symlinks point to.
    pub fn snapshot(&self) -> Vec<(PathBuf, String)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for e in entries.flatten() {
                let p = e.path();
                let Ok(kind) = e.file_type() else { continue };
                if kind.is_dir() {
                    walk(&p, out);
                } else if kind.is_file() && p.extension().is_none_or(|x| x != "lock") {
                    out.push((p.clone(), String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned()));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.path(), &mut out);
        out.sort();
        out
    }

    /// [`Home::snapshot`] without the IdP session cookie jars, which a failure after the IdP
    /// accepted the login keeps (the session state follows the IdP).
    pub fn snapshot_outside_session(&self) -> Vec<(PathBuf, String)> {
        let jars = self.login_dir().join("cookies");
        self.snapshot()
            .into_iter()
            .filter(|(p, _)| !(p.starts_with(&jars) && p.extension().is_some_and(|x| x == "json")))
            .collect()
    }

    /// True when the IdP session cookie jar of `account` (`user@host:port`) exists.
    pub fn has_jar(&self) -> bool {
        std::fs::read_dir(self.login_dir().join("cookies"))
            .map(|d| d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "json")))
            .unwrap_or(false)
    }

    /// A command for `program` with this home's environment and no terminal.
    pub fn command_for(&self, stack: &Stack, program: impl AsRef<Path>) -> Command {
        self.command(stack, program.as_ref())
    }

    /// Like [`Home::command_for`], for when the stack is gone but its STS address is wanted.
    pub fn command_for_url(&self, sts_url: &str, program: impl AsRef<Path>) -> Command {
        let mut c = self.base_command(program.as_ref());
        c.env("AWS_ENDPOINT_URL_STS", sts_url);
        c
    }

    fn command(&self, stack: &Stack, program: &Path) -> Command {
        let mut c = self.base_command(program);
        c.env("AWS_ENDPOINT_URL_STS", &stack.sts_url);
        c
    }

    fn base_command(&self, program: &Path) -> Command {
        // -w: wait and pass the exit status through. A new session has no controlling terminal.
        let mut c = Command::new("setsid");
        c.arg("-w").arg(program).stdin(Stdio::null());
        self.env(&mut c);
        c
    }

    /// This home's environment on `c`, with nothing inherited from the test runner.
    pub fn env(&self, c: &mut Command) {
        c.env_clear()
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", venv_bin("python").parent().unwrap().display()),
            )
            .env("HOME", self.path())
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm")
            .env("AWS_CONFIG_FILE", self.path().join(".aws/config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path().join(".aws/credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // Not the host's /etc/aws-login/config: a file that is not there, unless a test writes it.
            .env("AWS_LOGIN_SYSTEM_CONFIG", self.path().join("system-config"));
    }

    /// Runs aws-login with no terminal.
    pub fn run(&self, stack: &Stack, args: &[&str]) -> Run {
        self.run_with_env(stack, args, &[])
    }

    /// Runs aws-login with extra environment variables.
    pub fn run_with_env(&self, stack: &Stack, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.command(stack, Path::new(BIN));
        c.envs(env.iter().copied());
        self.known.learn_env(env);
        self.swept(c, args)
    }

    /// Runs aws-login without `AWS_ENDPOINT_URL_STS`, so STS must be found another way.
    pub fn run_without_sts_env(&self, stack: &Stack, args: &[&str]) -> Run {
        let mut c = self.command(stack, Path::new(BIN));
        c.env_remove("AWS_ENDPOINT_URL_STS");
        self.swept(c, args)
    }

    /// Runs `c` (aws-login, or a wrapper whose tail is aws-login) with `args`, under the
    /// secrets sweep (see sweep.rs).
    pub fn swept(&self, mut c: Command, args: &[&str]) -> Run {
        self.known.learn(self.path(), args);
        let mut out = c.args(sweep::extra_args(args)).args(args).output().unwrap();
        self.known.learn(self.path(), args);
        let what = format!("aws-login {}", args.join(" "));
        self.known.check(
            self.path(),
            &what,
            &String::from_utf8_lossy(&out.stdout),
            &String::from_utf8_lossy(&out.stderr),
        );
        if !sweep::extra_args(args).is_empty() {
            out.stderr = sweep::without_verbose(&out.stderr);
        }
        Run(out)
    }

    /// Starts `n` aws-login processes with `args` at once, as an SDK's many threads do, and
    /// checks each succeeded and leaked no secret; returns their outputs.
    pub fn many_callers(&self, stack: &Stack, args: &[&str], n: usize) -> Vec<Output> {
        let children: Vec<_> = (0..n)
            .map(|_| {
                self.command_for(stack, BIN)
                    .args(args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outputs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
        self.known().learn(self.path(), &[]);
        for o in &outputs {
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "{stderr}");
            self.known().check(
                self.path(),
                "one of many callers",
                &String::from_utf8_lossy(&o.stdout),
                &stderr,
            );
        }
        outputs
    }

    /// Appends raw text to ~/.aws/config.
    pub fn aws_config(&self, text: &str) {
        let aws = self.path().join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(aws.join("config")).unwrap();
        writeln!(f, "{text}").unwrap();
    }

    /// Runs the real AWS CLI (v1).
    pub fn aws(&self, stack: &Stack, args: &[&str]) -> Run {
        Run(self.command(stack, &venv_bin("aws")).args(args).output().unwrap())
    }

    /// `aws sts assume-role-with-web-identity` with the real AWS CLI, for `role` as `session`.
    pub fn aws_web_identity(&self, stack: &Stack, role: &str, session: &str, token: &str) -> Run {
        let args = ["sts", "assume-role-with-web-identity", "--region", "us-east-1", "--role-arn", role];
        self.aws(
            stack,
            &[&args[..], &["--role-session-name", session, "--web-identity-token", token]].concat(),
        )
    }

    /// `aws sts assume-role-with-saml` with the real AWS CLI: `response` is the base64 SAMLResponse.
    pub fn aws_saml(&self, stack: &Stack, role: &str, principal: &str, response: &str) -> Run {
        let args = ["sts", "assume-role-with-saml", "--region", "us-east-1", "--role-arn", role];
        self.aws(stack, &[&args[..], &["--principal-arn", principal, "--saml-assertion", response]].concat())
    }

    /// Runs a Python snippet with boto3 available.
    pub fn python(&self, stack: &Stack, code: &str) -> Run {
        Run(self.command(stack, &venv_bin("python")).arg("-c").arg(code).output().unwrap())
    }
}

/// A finished process, with helpers that print everything when an assertion fails.
pub struct Run(pub Output);

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    pub fn ok(self) -> Self {
        assert_eq!(self.code(), 0, "expected success\nstdout: {}\nstderr: {}", self.stdout(), self.stderr());
        self
    }

    /// Asserts a failure with `code`, nothing on stdout, and one line on stderr; returns it.
    pub fn fails(self, code: i32) -> String {
        assert_eq!(self.code(), code, "stdout: {}\nstderr: {}", self.stdout(), self.stderr());
        assert_eq!(self.stdout(), "", "stdout must stay empty on failure");
        let err = self.stderr();
        assert_eq!(err.trim_end().lines().count(), 1, "one sentence expected, got: {err}");
        err
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| panic!("{e}: {}", self.stdout()))
    }
}
