//! AWS IAM Identity Center, sharing one login with the AWS CLI: an OAuth token from sso-oidc
//! (kept in the AWS CLI's token file, refreshed under a lock), then the portal's accounts, roles
//! and role credentials. Every call is unsigned and goes to an explicit endpoint in an explicit
//! region; the instance metadata service is never asked.

pub mod flow;
pub mod oidc_client;
pub mod portal;
pub mod questions;
pub mod session;
pub mod settings;
pub mod sign_in;
pub mod token_file;
pub mod wire;

pub use settings::Settings;
