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
    pub const INTERRUPTED: i32 = 130;
}

#[derive(Debug, Error)]
pub enum Error {
    #[error("cannot find your home directory; set HOME or AWSCLI_LOGIN_ROOT")]
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

    #[error(
        "no answer to the Duo request within {secs} s; approve it sooner, or raise duo_timeout (up to 600 s), and try again"
    )]
    DuoTimeout { secs: u64 },

    #[error("the IdP refused the login: {message}")]
    AuthnFailed { message: String },

    #[error(
        "{url} did not answer with SOAP XML ({found}); check that ecp_endpoint_url points at the IdP's SAML2/SOAP/ECP endpoint"
    )]
    NotEcp { url: String, found: String },

    #[error("the IdP answered with a SOAP fault: {0}; try again later or contact your IdP's administrators")]
    SoapFault(String),

    #[error("the IdP answered HTTP {status} for {url}; check ecp_endpoint_url")]
    IdpStatus { status: u16, url: String },

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
        "a Duo push for profile '{profile}' went unanswered {ago_min} min ago, so none is sent without a terminal for {left_min} more min; run `aws-login login --profile {profile}` in a terminal"
    )]
    PushHeldBack { profile: String, ago_min: u64, left_min: u64 },

    #[error(
        "another aws-login has been logging in for {holder} for over {waited} s; stop it, or delete {} if none is running",
        path.display()
    )]
    LockTimeout { holder: String, waited: u64, path: PathBuf },

    #[error("already logged out: profile '{profile}' has no cached credentials")]
    AlreadyLoggedOut { profile: String },

    #[error("cancelled: {what}")]
    Cancelled { what: &'static str },

    #[error("interrupted; nothing was changed")]
    Interrupted,

    #[error("cannot {action} {}: {source}", path.display())]
    File { action: &'static str, path: PathBuf, source: std::io::Error },

    #[error("{0}")]
    Unexpected(String),

    #[error("{} is not UTF-8 text; save it as UTF-8 and run the command again", path.display())]
    NotUtf8 { path: PathBuf },

    #[error(
        "`aws-login configure` asks questions but there is no terminal to ask on; run it in a terminal, or edit ~/.aws-login/config and set credential_process = aws-login --profile {profile} in ~/.aws/config"
    )]
    ConfigureNeedsTerminal { profile: String },
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
            | SessionRefused
            | DuoTimeout { .. } => exit::AUTHN_FAILED,
            NotEcp { .. } => exit::NOT_ECP,
            SoapFault(_) | IdpStatus { .. } => exit::IDP_ERROR,
            Network { .. } | StsUnavailable { .. } | NotSts { .. } => exit::NETWORK,
            RoleParse(_) | NoRoles => exit::ROLE_PARSE,
            RoleNotGranted { .. } | RoleAmbiguous { .. } => exit::ROLE_CHOICE,
            StsRejected { .. } => exit::STS_REJECTED,
            NeedsTerminal { .. } | PushHeldBack { .. } => exit::NEEDS_TERMINAL,
            Unreadable { .. } => exit::UNREADABLE,
            LockTimeout { .. } => exit::LOCKED,
            AlreadyLoggedOut { .. } => exit::ALREADY_LOGGED_OUT,
            Cancelled { .. } => exit::CANCELLED,
            Interrupted => exit::INTERRUPTED,
            NoHome | ConfigUnreadable { .. } | File { .. } | Unexpected(_) => exit::UNEXPECTED,
            NotUtf8 { .. } => exit::BAD_SETTING,
            // The server could not be reached safely: a network failure, like a refused connection.
            TlsCertificate { .. } => exit::NETWORK,
            ConfigureNeedsTerminal { .. } => exit::NEEDS_TERMINAL,
        }
    }

    pub fn file(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::File { action, path: path.into(), source }
    }
}
