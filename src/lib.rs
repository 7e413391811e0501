//! aws-login as a library: the binary in `main.rs` is a thin shell over these modules, which the
//! fuzz targets and benchmarks also reach.

pub mod atomic_file;
pub mod aws;
pub mod backoff;
pub mod cache;
pub mod cli;
pub mod config;
pub mod configure;
pub mod cookies;
pub mod credentials;
pub mod error;
pub mod export;
pub mod http;
pub mod ini_edit;
pub mod keyring;
pub mod lock;
pub mod log;
pub mod login;
pub mod logout;
pub mod migrate;
pub mod partition;
pub mod password;
pub mod paths;
pub mod prompt;
pub mod role;
pub mod role_choice;
pub mod role_picker;
pub mod saml;
pub mod secret;
pub mod sink;
pub mod source;
pub mod store;
pub mod text;
pub mod tls;
pub mod xml;
