//! Command-line types only. Each flag is documented once, here.

use clap::{Args, Parser, Subcommand};

use crate::secret::Secret;

#[derive(Debug, Parser)]
#[command(
    name = "aws-login",
    version,
    about = "Temporary AWS credentials through a federated login (SAML ECP with Duo MFA).",
    long_about = "Temporary AWS credentials through a federated login (SAML ECP with Duo MFA).\n\n\
        Without a command, aws-login acts as a credential_process helper: it prints cached \
        credentials as JSON, logging in again first when they are about to expire."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub profile: ProfileArgs,

    /// More detail on stderr (-v, -vv, -vvv); secrets are never shown.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in (if needed) and cache credentials for the profile.
    Login(LoginArgs),
    /// Print credentials as credential_process JSON (the default when no command is given).
    Process(ProcessArgs),
    /// Delete cached credentials (and with --purge the IdP session and stored password).
    Logout(LogoutArgs),
    /// Set up a profile: ask for its settings, then point the AWS profile's credential_process
    /// at aws-login.
    Configure(ConfigureArgs),
    /// Move over from the awscli-login plugin: AWS config, IdP session and cached roles. Only
    /// says what it would do unless --apply is given.
    Migrate(MigrateArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Log in again even if the cached credentials are still valid.
    #[arg(long)]
    pub force_refresh: bool,
}

#[derive(Debug, Args)]
pub struct ProcessArgs {}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Every profile, not just one.
    #[arg(long)]
    pub all: bool,

    /// Also forget the IdP session cookies and the keyring password of the profile's IdP
    /// account; other profiles using the same account must log in with a password again.
    #[arg(long)]
    pub purge: bool,
}

#[derive(Debug, Args)]
pub struct ConfigureArgs {}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Make the changes (without it, only show them).
    #[arg(long)]
    pub apply: bool,
}

/// Profile selection and per-run overrides (global: accepted before or after the command) of the profile's settings in `~/.aws-login/config`.
/// The underscore spellings are accepted for awscli-login 1.0 compatibility.
#[derive(Debug, Args, Default, Clone)]
pub struct ProfileArgs {
    /// Profile to use: a section of ~/.aws-login/config and the AWS profile of the same name.
    #[arg(short, long, env = "AWS_PROFILE", global = true)]
    pub profile: Option<String>,

    /// The IdP's SAML2 SOAP ECP endpoint, e.g. https://idp.example.edu/idp/profile/SAML2/SOAP/ECP
    #[arg(long, alias = "ecp_endpoint_url", global = true)]
    pub ecp_endpoint_url: Option<String>,

    /// IdP username.
    #[arg(long, global = true)]
    pub username: Option<String>,

    /// IdP password (visible to other local users in the process list; prefer the config file).
    #[arg(long, global = true, hide_env_values = true, value_parser = secret_arg)]
    pub password: Option<Secret>,

    /// Duo factor: auto, push, passcode, sms, phone, or off.
    #[arg(long, global = true)]
    pub factor: Option<String>,

    /// Duo passcode; implies --factor passcode.
    #[arg(long, global = true, value_parser = secret_arg)]
    pub passcode: Option<Secret>,

    /// Role to assume when the IdP grants several.
    #[arg(long, alias = "role_arn", global = true)]
    pub role_arn: Option<String>,

    /// Requested credential lifetime in seconds (900..43200); 0 leaves it to STS.
    #[arg(long, global = true)]
    pub duration: Option<String>,

    /// Seconds to wait for a Duo push or call to be answered (5..600, default 90).
    #[arg(long, alias = "duo_timeout", global = true, value_name = "SECONDS")]
    pub duo_timeout: Option<String>,

    /// Duo factor header name, if the IdP expects a custom one.
    #[arg(long, alias = "http_header_factor", global = true)]
    pub http_header_factor: Option<String>,

    /// Duo passcode header name, if the IdP expects a custom one.
    #[arg(long, alias = "http_header_passcode", global = true)]
    pub http_header_passcode: Option<String>,

    /// Duo device to use (sent as X-Shibboleth-Duo-Device), e.g. phone2.
    #[arg(long, global = true)]
    pub device: Option<String>,

    /// Keep the IdP password in the OS keyring (true/false).
    #[arg(long, alias = "enable_keyring", global = true, value_name = "BOOL")]
    pub enable_keyring: Option<String>,

    /// Check the IdP's TLS certificate (true/false); false is unsafe and warns on every use.
    #[arg(long, alias = "verify_ssl_certificate", global = true, value_name = "BOOL")]
    pub verify_ssl_certificate: Option<String>,

    /// A PEM file of certificate authorities to trust besides the system's, for the IdP and STS
    /// (beats AWS_CA_BUNDLE, which beats the profile's ca_bundle).
    #[arg(long, alias = "ca_bundle", global = true, value_name = "FILE")]
    pub ca_bundle: Option<String>,

    /// Ask for the password on the terminal, ignoring the keyring and the profile's password.
    #[arg(long, alias = "ask_password", global = true)]
    pub ask_password: bool,
}

/// `--password` and `--passcode` are held as [`Secret`]s from the start, so `Debug` of the parsed
/// command line never shows them.
fn secret_arg(value: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Debug output (what a panic or a `{:?}` shows) of the command line and of the settings
    /// made from it and from the config file never holds a password or passcode.
    #[test]
    fn debug_never_shows_a_password_or_passcode() {
        let cli =
            Cli::try_parse_from(["aws-login", "--password", "pw-on-flag-1", "--passcode", "987654", "login"])
                .unwrap();
        assert_eq!(cli.profile.password.as_ref().map(Secret::expose), Some("pw-on-flag-1"));
        let shown = format!("{cli:?}");
        assert!(!shown.contains("pw-on-flag-1") && !shown.contains("987654"), "{shown}");

        let file = "[default]\necp_endpoint_url = https://idp.example.edu/ecp\npassword = pw-in-file-2\n";
        let settings =
            crate::config::load_from_str(file, std::path::Path::new("config"), &ProfileArgs::default())
                .unwrap();
        let shown = format!("{settings:?}");
        assert!(shown.contains("(redacted)") && !shown.contains("pw-in-file-2"), "{shown}");
        let settings =
            crate::config::load_from_str(file, std::path::Path::new("config"), &cli.profile).unwrap();
        assert_eq!(settings.password.as_ref().map(Secret::expose), Some("pw-on-flag-1"), "the flag wins");
        assert!(!format!("{settings:?}").contains("pw-on-flag-1"));
    }
}
