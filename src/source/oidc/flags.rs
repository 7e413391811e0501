//! The OpenID Connect settings as flags, one run's overrides of the profile's keys. Flattened
//! into `cli::Overrides`, so every command that logs in takes them.

use clap::Args;

use crate::cli::secret_arg;
use crate::secret::Secret;

const OIDC: &str = "OpenID Connect (source = oidc)";

// (A plain comment: a flattened struct's doc comment would replace the command's about.)
#[derive(Debug, Args, Default, Clone)]
pub struct Flags {
    /// The OpenID provider's issuer URL (discovery below it).
    #[arg(long, alias = "oidc_issuer", value_name = "URL", help_heading = OIDC)]
    pub oidc_issuer: Option<String>,

    /// The provider's discovery URL, instead of --oidc-issuer.
    #[arg(long, alias = "well_known_url", value_name = "URL", help_heading = OIDC)]
    pub well_known_url: Option<String>,

    /// The client registered at the provider.
    #[arg(long, alias = "client_id", help_heading = OIDC)]
    pub client_id: Option<String>,

    /// A confidential client's secret (visible to other local users in the process list; prefer the config file).
    #[arg(long, alias = "client_secret", value_parser = secret_arg, help_heading = OIDC)]
    pub client_secret: Option<Secret>,

    /// The scopes to ask for (default openid).
    #[arg(long, help_heading = OIDC)]
    pub scope: Option<String>,

    /// How to sign in: browser, device or client_credentials (a machine, no person).
    #[arg(long, alias = "oidc_flow", value_name = "FLOW", help_heading = OIDC)]
    pub oidc_flow: Option<String>,

    /// What goes to STS: id_token or access_token.
    #[arg(long, alias = "web_identity_token", value_name = "TOKEN", help_heading = OIDC)]
    pub web_identity_token: Option<String>,

    /// Loopback ports registered with the provider, comma-separated (default: any free port).
    #[arg(long, alias = "redirect_ports", value_name = "PORTS", help_heading = OIDC)]
    pub redirect_ports: Option<String>,

    /// The loopback redirect's path (default /callback).
    #[arg(long, alias = "redirect_path", value_name = "PATH", help_heading = OIDC)]
    pub redirect_path: Option<String>,

    /// Open the browser even without a terminal (true/false).
    #[arg(long, alias = "auto_login", value_name = "BOOL", help_heading = OIDC)]
    pub auto_login: Option<String>,

    /// Seconds a browser sign-in may take (10..900, default 120).
    #[arg(long, alias = "login_timeout", value_name = "SECONDS", help_heading = OIDC)]
    pub login_timeout: Option<String>,

    #[command(flatten)]
    pub machine: super::machine_flags::MachineFlags,
}

impl Flags {
    /// `self` (given after the command) over `earlier` (given before it), flag by flag.
    pub fn over(self, earlier: Flags) -> Flags {
        Flags {
            oidc_issuer: self.oidc_issuer.or(earlier.oidc_issuer),
            well_known_url: self.well_known_url.or(earlier.well_known_url),
            client_id: self.client_id.or(earlier.client_id),
            client_secret: self.client_secret.or(earlier.client_secret),
            scope: self.scope.or(earlier.scope),
            oidc_flow: self.oidc_flow.or(earlier.oidc_flow),
            web_identity_token: self.web_identity_token.or(earlier.web_identity_token),
            redirect_ports: self.redirect_ports.or(earlier.redirect_ports),
            redirect_path: self.redirect_path.or(earlier.redirect_path),
            auto_login: self.auto_login.or(earlier.auto_login),
            login_timeout: self.login_timeout.or(earlier.login_timeout),
            machine: self.machine.over(earlier.machine),
        }
    }
}
