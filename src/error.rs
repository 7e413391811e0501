//! Every way aws-login can fail, as one plain sentence with what to do next, and its exit code.
//! Codes shared with awscli-login keep its numbers; the README lists them all.

use std::path::PathBuf;

use thiserror::Error;

/// Exit codes. Numbers below 20 are awscli-login's where it defined the same situation.
pub mod exit {
    pub const OK: i32 = 0;
    pub const UNEXPECTED: i32 = 1;
    pub const ALREADY_LOGGED_OUT: i32 = 3;
    pub const PROFILE_NOT_FOUND: i32 = 4;
    pub const BAD_SETTING: i32 = 5;
    pub const INVALID_FACTOR: i32 = 6;
    pub const AUTHN_FAILED: i32 = 7;
    pub const NOT_ECP: i32 = 8;
    pub const ROLE_PARSE: i32 = 10;
    pub const ROLE_CHOICE: i32 = 11;
    pub const CANCELLED: i32 = 19;
    pub const NETWORK: i32 = 20;
    pub const IDP_ERROR: i32 = 21;
    pub const STS_REJECTED: i32 = 22;
    pub const NEEDS_TERMINAL: i32 = 23;
    pub const UNREADABLE: i32 = 24;
    pub const LOCKED: i32 = 25;
    pub const PARTLY_DONE: i32 = 26;
    pub const UNSAFE_FILE: i32 = 27;
    pub const BROWSER: i32 = 28;
    pub const UNSAFE_VALUE: i32 = 40;
    pub const NESTED: i32 = 41;
    pub const NOT_OURS: i32 = 42;
    pub const CANNOT_EXECUTE: i32 = 126;
    pub const COMMAND_NOT_FOUND: i32 = 127;
    pub const DOCTOR_FOUND: i32 = 29;
    pub const INTERRUPTED: i32 = 130;
}

#[derive(Debug, Error)]
pub enum Error {
    #[error("cannot find your home directory; set HOME to it and try again")]
    NoHome,

    #[error(
        "profile '{profile}' is not configured: add a [{profile}] section with ecp_endpoint_url to {}",
        path.display()
    )]
    ProfileNotFound { profile: String, path: PathBuf },

    #[error("profile '{profile}' has no {key}: set it in {} or pass --{}", path.display(), key.replace('_', "-"))]
    MissingSetting { profile: String, key: &'static str, path: PathBuf },

    #[error("{key} = '{value}' is not valid: {why}")]
    BadSetting { key: &'static str, value: String, why: String },

    #[error("cannot read {}: {source}", path.display())]
    ConfigUnreadable { path: PathBuf, source: std::io::Error },

    /// A line configparser would refuse; `detail` names it and says what to do.
    #[error("{} is not a valid INI file: {detail}", path.display())]
    ConfigSyntax { path: PathBuf, detail: String },

    /// A section or key that configparser (strict) refuses to see twice; `detail` names both lines.
    #[error("{}: {detail}; remove one", path.display())]
    ConfigRepeat { path: PathBuf, detail: String },

    /// A setting aws-login reads runs on into indented lines after it, which configparser joins
    /// to its value.
    #[error(
        "{}: {key} on line {line} of [{section}] goes on into the indented line after it (an indented line continues the value above it); remove that line's indentation",
        path.display()
    )]
    ConfigContinued { path: PathBuf, key: String, section: String, line: usize },

    #[error("'{0}' is not a Duo factor: use auto, push, passcode, sms or phone (or off)")]
    InvalidFactor(String),

    #[error("the IdP at {host} rejected the username or password for '{username}'; check them and try again")]
    WrongPassword { username: String, host: String },

    /// The IdP no longer honours the session cookies; a password login follows.
    #[error("the IdP session has ended; log in again with `aws-login login`")]
    SessionRefused,

    #[error(
        "the IdP rejected the password stored in the keyring for {account}, so it was removed; run `aws-login login --profile {profile}` to enter the current one"
    )]
    StalePassword { account: String, profile: String },

    #[error(
        "Duo sent new SMS passcodes; run `aws-login login --profile {profile} --passcode CODE` with one of them"
    )]
    SmsSent { profile: String },

    /// Connected and sent, then no answer while a Duo push or call was pending: Duo unanswered
    /// or the IdP stuck, which cannot be told apart from here.
    #[error(
        "the IdP at {host} did not answer within {secs} s while a Duo push or call was pending: either nobody approved it in time or the IdP is slow, and aws-login cannot tell which; approve sooner or raise duo_timeout (up to 600 s) and try again, and if nothing reached your device, ask your IdP's administrators"
    )]
    DuoTimeout { secs: u64, host: String },

    #[error(
        "the IdP refused the login ({message}); check the username and Duo settings of the profile and try again, or ask your IdP's administrators"
    )]
    AuthnFailed { message: String },

    /// The IdP accepted the password but Duo said no (denied, timed out, a wrong passcode).
    #[error("Duo did not let the login through ({message}); {advice}")]
    DuoRefused { message: String, advice: &'static str, denied: bool },

    #[error(
        "{url} did not answer with SOAP XML ({found}); check that ecp_endpoint_url points at the IdP's SAML2/SOAP/ECP endpoint"
    )]
    NotEcp { url: String, found: String },

    #[error("the IdP answered with a SOAP fault: {0}; try again later or contact your IdP's administrators")]
    SoapFault(String),

    #[error("the IdP answered HTTP {status} for {url}; check ecp_endpoint_url")]
    IdpStatus { status: u16, url: String },

    /// A 3xx: never followed (see `http.rs`).
    #[error(
        "the IdP at {url} answered with a redirect (HTTP {status}) to {location}, which was not followed; ECP endpoints do not redirect: set ecp_endpoint_url to the IdP's SAML2/SOAP/ECP endpoint"
    )]
    IdpRedirect { url: String, status: u16, location: String },

    /// The `ecp:Response` header names another assertion consumer than the request did.
    #[error(
        "the IdP at {url} addressed its answer to {found}, not to {expected} as asked, so it was not used; check acs_url and partition for this profile, or ask your IdP's administrators to check its settings for AWS"
    )]
    AcsMismatch { url: String, expected: String, found: String },

    #[error("cannot reach {what} at {url}: {detail}; check the URL and your network")]
    Network { what: &'static str, url: String, detail: String },

    /// TLS refused the server's certificate; `problem` says why and what to do.
    #[error("{what}'s TLS certificate at {url} {problem}")]
    TlsCertificate { what: &'static str, url: String, problem: String },

    #[error(
        "the SAML assertion holds a role value that is not a role/provider ARN pair: '{0}'; ask your IdP's administrators to fix the role attribute"
    )]
    RoleParse(String),

    #[error("the SAML assertion grants no AWS roles to this user; ask your IdP's administrators for access")]
    NoRoles,

    #[error("role_arn {wanted} is not among the roles the IdP granted ({available}); fix role_arn")]
    RoleNotGranted { wanted: String, available: String },

    #[error(
        "the IdP granted several roles ({available}); set role_arn for profile '{profile}' to choose one"
    )]
    RoleAmbiguous { profile: String, available: String },

    #[error("STS refused the credentials ({code}: {message}){hint}")]
    StsRejected { code: String, message: String, hint: String },

    #[error("STS failed on its side ({code}: {message}); try again in a few minutes")]
    StsUnavailable { code: String, message: String },

    #[error(
        "STS at {url} gave no STS answer ({found}); check AWS_ENDPOINT_URL_STS or the AWS profile's endpoint_url, and any proxy in between, then try again"
    )]
    NotSts { url: String, found: String },

    #[error(
        "{what} is needed but there is no terminal to ask on; run `aws-login login --profile {profile}` in a terminal"
    )]
    NeedsTerminal { what: &'static str, profile: String },

    #[error("{} ({what}) is unreadable ({detail}); delete that file and log in again", path.display())]
    Unreadable { what: &'static str, path: PathBuf, detail: String },

    #[error(
        "a Duo push for profile '{profile}' {outcome} {ago_min} min ago, so none is sent without a terminal for {left_min} more min; run `aws-login login --profile {profile}` in a terminal"
    )]
    PushHeldBack { profile: String, outcome: &'static str, ago_min: u64, left_min: u64 },

    #[error(
        "another aws-login has been logging in for {holder} for over {waited} s; stop it, or delete {} if none is running",
        path.display()
    )]
    LockTimeout { holder: String, waited: u64, path: PathBuf },

    #[error("already logged out: profile '{profile}' has no cached credentials")]
    AlreadyLoggedOut { profile: String },

    #[error("already logged out: no profile has cached credentials")]
    NothingCached,

    #[error(
        "profile '{profile}' does not exist: it is neither in {} nor cached; check its name",
        path.display()
    )]
    NoSuchProfile { profile: String, path: PathBuf },

    /// `logout --purge` did the rest, but could not forget the keyring passwords of `accounts`.
    #[error(
        "the OS keyring could not be reached to forget the stored password of {accounts} ({why}); run the same `aws-login logout --purge` again where the keyring can be reached"
    )]
    KeyringNotPurged { accounts: String, why: String },

    #[error(
        "cannot save {what} to {}: at {size} bytes it would be larger than the {cap} bytes aws-login reads back, so nothing was written; {hint}",
        path.display()
    )]
    TooLarge { what: &'static str, path: PathBuf, size: usize, cap: u64, hint: &'static str },

    /// A file or directory aws-login will not use (see `atomic_file`): the path and why.
    #[error("{0}")]
    UnsafeFile(crate::atomic_file::Refused),

    #[error("cancelled: {what}")]
    Cancelled { what: &'static str },

    #[error("interrupted; nothing was changed")]
    Interrupted,

    /// Interrupted after the IdP accepted the login, whose new session was kept.
    #[error(
        "interrupted; the IdP session was kept, so the next login needs no password or Duo, and no credentials were changed"
    )]
    InterruptedSessionKept,

    /// Cancelled after the IdP accepted the login, whose new session was kept.
    #[error("cancelled: {what}; the IdP session was kept, so running it again asks for no password or Duo")]
    CancelledSessionKept { what: &'static str },

    #[error("cannot {action} {}: {source}{}", path.display(), file_hint(source))]
    File { action: &'static str, path: PathBuf, source: std::io::Error },

    #[error("{0}")]
    Unexpected(String),

    #[error("{} is not UTF-8 text; save it as UTF-8 and run the command again", path.display())]
    NotUtf8 { path: PathBuf },

    /// `doctor` printed its findings; `count` of them need fixing.
    #[error("doctor found {count} thing(s) to fix; each FIX line above says how")]
    DoctorFound { count: usize },

    #[error(
        "`aws-login configure` asks questions but there is no terminal to ask on; run it in a terminal, or edit ~/.aws-login/config and set credential_process = aws-login --profile {profile} in ~/.aws/config"
    )]
    ConfigureNeedsTerminal { profile: String },

    /// The AWS federation endpoint would not issue a console sign-in token.
    #[error(
        "the AWS federation endpoint at {url} refused to issue a console sign-in token (HTTP {status}); run `aws-login login --profile {profile} --force-refresh` and try again, and check federation_url if it is set"
    )]
    FederationRefused { url: String, status: u16, profile: String },

    /// Something other than the federation endpoint answered.
    #[error(
        "{url} gave no answer of the AWS federation endpoint ({found}); check federation_url (or AWS_LOGIN_FEDERATION_URL) and any proxy in between, then try again"
    )]
    NotFederation { url: String, found: String },

    /// The browser command could not be run, or failed.
    #[error(
        "cannot open the console in a browser with `{command}` ({detail}); set `browser` in the profile or $BROWSER to a browser command, or use --print and open the URL yourself"
    )]
    BrowserFailed { command: String, detail: String },

    /// `login --all-roles` stored the other roles; these are listed above the sentence.
    #[error(
        "{failed} of the {total} roles granted were not stored as profiles (listed above); the others were; fix what is said there, or run the same command again to retry"
    )]
    SomeRolesFailed { failed: usize, total: usize },
    /// An output format whose syntax cannot hold a value; the value itself is never shown.
    #[error(
        "cannot print {key} for {shell}: its value holds {what}, which {shell} cannot carry safely; use {other} instead"
    )]
    UnsafeValue { key: &'static str, what: &'static str, shell: &'static str, other: &'static str },

    #[error(
        "already inside `aws-login exec` for profile '{outer}', so profile '{inner}' would mix two identities; leave that shell first, or pass --allow-nesting"
    )]
    Nested { outer: String, inner: String },

    #[error(
        "profile '{profile}' in {} holds keys aws-login did not write, so they were left alone; pass --force to replace them",
        path.display()
    )]
    NotOurs { profile: String, path: PathBuf },

    #[error(
        "profile '{profile}' runs credential_process in {}, and keys written for it in {} would hide that for good; use another --profile for the file, or -o process",
        config.display(),
        path.display()
    )]
    WiredToProcess { profile: String, config: PathBuf, path: PathBuf },

    /// What another aws-login run (the local credentials server's fetch) said, and its code.
    #[error("{message}")]
    Relayed { message: String, code: i32 },

    #[error("cannot run {program}: no such command; check its name and PATH")]
    CommandNotFound { program: String },

    #[error("cannot run {program}: {detail}")]
    CannotExecute { program: String, detail: String },

    #[error(
        "the sign-in to IAM Identity Center at {start_url} was denied; run `aws-login login --profile {profile}` again and approve it"
    )]
    SsoDenied { start_url: String, profile: String },

    #[error(
        "the sign-in code for IAM Identity Center at {start_url} expired before it was approved; run `aws-login login --profile {profile}` again and approve it in time"
    )]
    SsoExpired { start_url: String, profile: String },

    #[error(
        "IAM Identity Center at {start_url} no longer accepts this sign-in (it was revoked or has ended); run `aws-login login --profile {profile}` to sign in again"
    )]
    SsoRevoked { start_url: String, profile: String },

    #[error("{what} refused the request ({code}: {message}); {advice}")]
    SsoRefused { what: &'static str, code: String, message: String, advice: &'static str },

    #[error(
        "IAM Identity Center at {start_url} assigns you no AWS account role{filter}; ask your administrators for access"
    )]
    SsoNoRoles { start_url: String, filter: String },
    /// OAuth and OpenID Connect sign-ins (`oauth`, `source::oidc`).
    #[error(
        "the sign-in at {issuer} was refused ({detail}); sign in again with an account allowed to use this application, or ask its administrators"
    )]
    SignInDenied { issuer: String, detail: String },

    #[error("{issuer} answered the {what} with an error ({detail}); {advice}")]
    OAuthError { issuer: String, what: &'static str, detail: String, advice: &'static str },

    #[error(
        "the sign-in redirect {problem}, so it was refused (another sign-in may have been running, or the redirect was forged); run the login again"
    )]
    RedirectRefused { problem: String },

    #[error("the sign-in was not completed within {secs} s; run the login again{hint}")]
    SignInTimedOut { secs: u64, hint: &'static str },

    #[error(
        "cannot open the sign-in page with `{command}` ({detail}); set `browser` in the profile or $BROWSER to a browser command, or pass --no-browser and open the URL yourself"
    )]
    SignInBrowserFailed { command: String, detail: String },

    #[error(
        "the ID token from {issuer} was refused before it reached STS: {why}; log in again, and if it persists, ask the issuer's administrators"
    )]
    IdTokenRefused { issuer: String, why: String },

    #[error(
        "{url} did not answer as an OpenID provider ({found}); check oidc_issuer (or well_known_url) for this profile"
    )]
    NotOidc { url: String, found: String },

    /// The Okta source (`source::okta`).
    #[error("{url} did not answer as Okta ({found}); check org_domain for this profile")]
    NotOkta { url: String, found: String },

    #[error(
        "Okta at {org} lists no AWS Federation app for you; ask your Okta administrators to assign one, or set aws_acct_fed_app_id"
    )]
    OktaNoApps { org: String },

    #[error(
        "Okta at {org} refused a fresh sign-in too ({detail}); run `aws-login login --profile {profile}` again, and if it persists, ask your Okta administrators"
    )]
    OktaRefused { org: String, detail: String, profile: String },

    #[error("{wanted} is not among the roles Okta granted ({available}); fix aws_iam_role or aws_iam_idp")]
    OktaRoleNotGranted { wanted: String, available: String },
    /// `migrate --from`: the other tool's own config file cannot be read as that tool reads it.
    #[error("{} cannot be read as {tool}'s config ({why}); fix it or move it aside, then run migrate again; nothing was changed", path.display())]
    ToolConfig { tool: &'static str, path: PathBuf, why: String },
    /// OpenID Connect for machines and SAML (`source::oidc`, issue 17).
    #[error(
        "the private key in {place} cannot be used: {why}; give a PEM private key (RSA, or EC P-256) that the OpenID provider has registered for this client"
    )]
    PrivateKeyUnusable { place: String, why: String },

    #[error("{issuer} refused this client's {what} ({detail}); {advice}")]
    ClientRefused { issuer: String, what: &'static str, detail: String, advice: &'static str },

    #[error(
        "the token exchange at {url} did not give a SAML assertion ({why}); check exchange_endpoint and exchange_audience for this profile"
    )]
    ExchangeNotSaml { url: String, why: String },

    #[error("{from} gave no AWS role for this login; ask its administrators for access, or set role_arn")]
    WebIdentityNoRoles { from: String },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        use Error::*;
        match self {
            ProfileNotFound { .. } => exit::PROFILE_NOT_FOUND,
            MissingSetting { .. }
            | BadSetting { .. }
            | ConfigSyntax { .. }
            | ConfigRepeat { .. }
            | ConfigContinued { .. } => exit::BAD_SETTING,
            InvalidFactor(_) => exit::INVALID_FACTOR,
            WrongPassword { .. }
            | StalePassword { .. }
            | SmsSent { .. }
            | AuthnFailed { .. }
            | DuoRefused { .. }
            | SessionRefused
            | DuoTimeout { .. } => exit::AUTHN_FAILED,
            NotEcp { .. } => exit::NOT_ECP,
            SoapFault(_) | IdpStatus { .. } | IdpRedirect { .. } | AcsMismatch { .. } => exit::IDP_ERROR,
            Network { .. } | StsUnavailable { .. } | NotSts { .. } => exit::NETWORK,
            RoleParse(_) | NoRoles => exit::ROLE_PARSE,
            RoleNotGranted { .. } | RoleAmbiguous { .. } => exit::ROLE_CHOICE,
            StsRejected { .. } => exit::STS_REJECTED,
            NeedsTerminal { .. } | PushHeldBack { .. } => exit::NEEDS_TERMINAL,
            Unreadable { .. } => exit::UNREADABLE,
            LockTimeout { .. } => exit::LOCKED,
            AlreadyLoggedOut { .. } | NothingCached => exit::ALREADY_LOGGED_OUT,
            NoSuchProfile { .. } => exit::PROFILE_NOT_FOUND,
            KeyringNotPurged { .. } => exit::PARTLY_DONE,
            UnsafeFile(_) => exit::UNSAFE_FILE,
            Cancelled { .. } | CancelledSessionKept { .. } => exit::CANCELLED,
            Interrupted | InterruptedSessionKept => exit::INTERRUPTED,
            NoHome => exit::BAD_SETTING,
            ConfigUnreadable { .. } | File { .. } | TooLarge { .. } | Unexpected(_) => exit::UNEXPECTED,
            NotUtf8 { .. } => exit::BAD_SETTING,
            ToolConfig { .. } => exit::BAD_SETTING,
            // The server could not be reached safely: a network failure, like a refused connection.
            TlsCertificate { .. } => exit::NETWORK,
            ConfigureNeedsTerminal { .. } => exit::NEEDS_TERMINAL,
            FederationRefused { .. } => exit::STS_REJECTED,
            NotFederation { .. } => exit::NETWORK,
            BrowserFailed { .. } => exit::BROWSER,
            SomeRolesFailed { .. } => exit::PARTLY_DONE,
            UnsafeValue { .. } => exit::UNSAFE_VALUE,
            Nested { .. } => exit::NESTED,
            CommandNotFound { .. } => exit::COMMAND_NOT_FOUND,
            NotOurs { .. } | WiredToProcess { .. } => exit::NOT_OURS,
            Relayed { code, .. } => *code,
            CannotExecute { .. } => exit::CANNOT_EXECUTE,
            DoctorFound { .. } => exit::DOCTOR_FOUND,
            SsoDenied { .. } | SsoExpired { .. } | SsoRevoked { .. } => exit::AUTHN_FAILED,
            SsoRefused { .. } => exit::STS_REJECTED,
            SsoNoRoles { .. } => exit::ROLE_PARSE,
            SignInDenied { .. } | SignInTimedOut { .. } => exit::AUTHN_FAILED,
            OAuthError { .. } | RedirectRefused { .. } | IdTokenRefused { .. } | NotOidc { .. } => {
                exit::IDP_ERROR
            }
            SignInBrowserFailed { .. } => exit::BROWSER,
            NotOkta { .. } => exit::IDP_ERROR,
            OktaNoApps { .. } => exit::ROLE_PARSE,
            OktaRefused { .. } => exit::AUTHN_FAILED,
            OktaRoleNotGranted { .. } => exit::ROLE_CHOICE,
            PrivateKeyUnusable { .. } => exit::BAD_SETTING,
            ClientRefused { .. } => exit::AUTHN_FAILED,
            ExchangeNotSaml { .. } => exit::IDP_ERROR,
            WebIdentityNoRoles { .. } => exit::ROLE_PARSE,
        }
    }

    /// The same failure, told truly once the IdP's session state has been kept: "nothing was
    /// changed" no longer holds.
    pub fn after_session_kept(self) -> Self {
        match self {
            Error::Interrupted => Error::InterruptedSessionKept,
            Error::Cancelled { what } => Error::CancelledSessionKept { what },
            other => other,
        }
    }

    /// A file operation that failed, naming the file; a file aws-login refuses to use (a link,
    /// another user's, a FIFO: see `atomic_file`) becomes [`Error::UnsafeFile`].
    pub fn file(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        match crate::atomic_file::refusal(&source) {
            Some(refused) => Error::UnsafeFile(refused.clone()),
            None => Error::File { action, path: path.into(), source },
        }
    }
}

/// What to do about a file error the message alone does not make plain.
fn file_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            "; free some space there and try again (nothing was left half-written)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_names_the_file_and_what_to_do() {
        let e = Error::file("write", "/h/.aws-login/cache/p.json", std::io::Error::from_raw_os_error(28));
        let text = e.to_string();
        assert!(text.starts_with("cannot write /h/.aws-login/cache/p.json: "), "{text}");
        assert!(text.contains("free some space"), "{text}");
        assert_eq!(e.exit_code(), exit::UNEXPECTED);
    }

    #[test]
    fn a_refused_file_is_its_own_sentence_and_code() {
        let refused = crate::atomic_file::Refused {
            path: "/h/.aws-login/cache".into(),
            problem: crate::atomic_file::Problem::OtherOwner(65534),
        };
        let e = Error::file("read", "/h/.aws-login/cache/p.json", std::io::Error::other(refused));
        assert_eq!(e.exit_code(), exit::UNSAFE_FILE);
        assert!(e.to_string().starts_with("/h/.aws-login/cache belongs to another user (uid 65534)"), "{e}");
        assert_eq!(Error::NoHome.exit_code(), exit::BAD_SETTING);
    }
}
