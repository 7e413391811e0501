//! Where a profile setting comes from, besides the command line: an `AWS_LOGIN_<NAME>` variable,
//! then the user's `~/.aws-login/config`, then the system's `/etc/aws-login/config`
//! (`AWS_LOGIN_SYSTEM_CONFIG` moves it), so an organisation can ship its IdP URL and defaults.
//! Each file's `[DEFAULT]` counts within that file, as configparser reads it.
//!
//! Only the names of settings are read from the environment: other `AWS_LOGIN_*` variables (the
//! AWS CLI's own `aws login` uses `AWS_LOGIN_CACHE_DIRECTORY`) are none of ours.

use std::collections::HashMap;
use std::path::PathBuf;

/// The system-wide settings file, under the user's.
pub const SYSTEM_CONFIG: &str = "/etc/aws-login/config";
/// Moves [`SYSTEM_CONFIG`] (packagers, tests); empty means the default.
pub const SYSTEM_CONFIG_VAR: &str = "AWS_LOGIN_SYSTEM_CONFIG";

/// The system file to read: it costs the credential_process fast path one `open`, which fails
/// at once when there is none.
pub fn system_config() -> PathBuf {
    std::env::var_os(SYSTEM_CONFIG_VAR)
        .filter(|v| !v.is_empty())
        .map_or_else(|| SYSTEM_CONFIG.into(), PathBuf::from)
}

/// The variable that sets `key`: `AWS_LOGIN_` and the key in capitals (`AWS_LOGIN_ROLE_ARN`).
pub fn env_name(key: &str) -> String {
    format!("AWS_LOGIN_{}", key.to_ascii_uppercase())
}

/// `key`'s value from its variable; an empty or non-UTF-8 variable counts as unset, as the AWS
/// tools take an empty `AWS_*` variable.
pub fn env(key: &str) -> Option<String> {
    std::env::var(env_name(key)).ok().filter(|v| !v.is_empty())
}

/// A profile's section from the user's file over the same from the system's, key by key;
/// `None` when neither file has the profile.
pub fn user_over_system(
    user: Option<HashMap<String, String>>,
    system: Option<HashMap<String, String>>,
) -> Option<HashMap<String, String>> {
    match (user, system) {
        (Some(user), Some(mut system)) => {
            system.extend(user);
            Some(system)
        }
        (user, system) => user.or(system),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_named_after_the_settings() {
        assert_eq!(env_name("ecp_endpoint_url"), "AWS_LOGIN_ECP_ENDPOINT_URL");
        assert_eq!(env_name("role_arn"), "AWS_LOGIN_ROLE_ARN");
    }

    #[test]
    fn the_user_file_wins_key_by_key() {
        let map = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let user = map(&[("username", "me"), ("factor", "push")]);
        let system = map(&[("ecp_endpoint_url", "https://idp/ecp"), ("factor", "auto")]);
        let both = user_over_system(Some(user.clone()), Some(system.clone())).unwrap();
        assert_eq!(
            both,
            map(&[("username", "me"), ("factor", "push"), ("ecp_endpoint_url", "https://idp/ecp")])
        );
        assert_eq!(user_over_system(None, Some(system.clone())), Some(system));
        assert_eq!(user_over_system(Some(user.clone()), None), Some(user));
        assert_eq!(user_over_system(None, None), None);
    }
}
