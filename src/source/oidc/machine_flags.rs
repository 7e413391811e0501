//! The machine and SAML settings (issue 17) as flags, flattened into [`super::flags::Flags`].

use clap::Args;

const MACHINES: &str = "OpenID Connect for machines and SAML (source = oidc)";

#[derive(Debug, Args, Default, Clone)]
pub struct MachineFlags {
    /// The client's private key (PEM, RSA or P-256) for private_key_jwt; else $AWS_LOGIN_PRIVATE_KEY.
    #[arg(long, alias = "private_key_file", value_name = "FILE", help_heading = MACHINES)]
    pub private_key_file: Option<String>,

    /// The key's id, the client assertion's `kid`.
    #[arg(long, alias = "key_id", help_heading = MACHINES)]
    pub key_id: Option<String>,

    /// The client assertion's `aud` (default: the token endpoint).
    #[arg(long, alias = "client_assertion_audience", value_name = "AUD", help_heading = MACHINES)]
    pub client_assertion_audience: Option<String>,

    /// The `resource` (RFC 8707) asked for with client credentials.
    #[arg(long, value_name = "URI", help_heading = MACHINES)]
    pub resource: Option<String>,

    /// The `audience` parameter asked for with client credentials.
    #[arg(long, help_heading = MACHINES)]
    pub audience: Option<String>,

    /// client_secret_basic, client_secret_post or private_key_jwt (default: from the key and the provider).
    #[arg(long, alias = "token_endpoint_auth_method", value_name = "METHOD", help_heading = MACHINES)]
    pub token_endpoint_auth_method: Option<String>,

    /// Exchange the token for a SAML assertion: saml or none.
    #[arg(long, value_name = "KIND", help_heading = MACHINES)]
    pub exchange: Option<String>,

    /// The token-exchange endpoint (default: the token endpoint).
    #[arg(long, alias = "exchange_endpoint", value_name = "URL", help_heading = MACHINES)]
    pub exchange_endpoint: Option<String>,

    /// The token exchanged: access_token or id_token.
    #[arg(long, alias = "exchange_subject", value_name = "TOKEN", help_heading = MACHINES)]
    pub exchange_subject: Option<String>,

    /// The exchange's audience (default urn:amazon:webservices).
    #[arg(long, alias = "exchange_audience", value_name = "AUD", help_heading = MACHINES)]
    pub exchange_audience: Option<String>,

    /// Role ARNs to choose from, comma-separated.
    #[arg(long, value_name = "ARNS", help_heading = MACHINES)]
    pub roles: Option<String>,

    /// The ID token's claim that lists role ARNs.
    #[arg(long, alias = "roles_claim", value_name = "CLAIM", help_heading = MACHINES)]
    pub roles_claim: Option<String>,

    /// mozilla-aws-cli's roles API, given the ID token.
    #[arg(long, alias = "roles_url", value_name = "URL", help_heading = MACHINES)]
    pub roles_url: Option<String>,
}

impl MachineFlags {
    /// `self` (given after the command) over `earlier`, flag by flag.
    pub fn over(self, earlier: MachineFlags) -> MachineFlags {
        MachineFlags {
            private_key_file: self.private_key_file.or(earlier.private_key_file),
            key_id: self.key_id.or(earlier.key_id),
            client_assertion_audience: self.client_assertion_audience.or(earlier.client_assertion_audience),
            resource: self.resource.or(earlier.resource),
            audience: self.audience.or(earlier.audience),
            token_endpoint_auth_method: self
                .token_endpoint_auth_method
                .or(earlier.token_endpoint_auth_method),
            exchange: self.exchange.or(earlier.exchange),
            exchange_endpoint: self.exchange_endpoint.or(earlier.exchange_endpoint),
            exchange_subject: self.exchange_subject.or(earlier.exchange_subject),
            exchange_audience: self.exchange_audience.or(earlier.exchange_audience),
            roles: self.roles.or(earlier.roles),
            roles_claim: self.roles_claim.or(earlier.roles_claim),
            roles_url: self.roles_url.or(earlier.roles_url),
        }
    }
}
