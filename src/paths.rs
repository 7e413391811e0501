//! Where aws-login keeps its files. The layout is awscli-login's, so both tools can share a home:
//! `$AWSCLI_LOGIN_ROOT/.aws-login/` (default `~/.aws-login/`).

use std::path::PathBuf;

use crate::error::Error;

#[derive(Debug, Clone)]
pub struct Paths {
    root: PathBuf,
}

impl Paths {
    /// Resolves the tool's directory from `AWSCLI_LOGIN_ROOT`, else the home directory.
    pub fn from_env() -> Result<Self, Error> {
        let base = match std::env::var_os("AWSCLI_LOGIN_ROOT").filter(|v| !v.is_empty()) {
            Some(root) => PathBuf::from(root),
            None => std::env::home_dir().ok_or(Error::NoHome)?,
        };
        Ok(Paths { root: base.join(".aws-login") })
    }

    /// Uses `root` as the `.aws-login` directory (tests).
    #[cfg(test)]
    pub fn with_root(root: PathBuf) -> Self {
        Paths { root }
    }

    /// The `.aws-login` directory itself.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// Profile settings (awscli-login's `config` file).
    pub fn config(&self) -> PathBuf {
        self.root.join("config")
    }

    /// One credentials cache file per profile.
    pub fn cache_file(&self, profile: &str) -> PathBuf {
        self.cache_dir().join(format!("{}.json", file_stem(profile)))
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }

    /// Friendly account names (awscli-login's `alias` file: `[accounts]` `<id> = <name>`).
    pub fn alias_file(&self) -> PathBuf {
        self.root.join("alias")
    }

    /// Present once the user was warned that the keyring cannot be reached, so the warning is
    /// not repeated at every login.
    pub fn keyring_warned(&self) -> PathBuf {
        self.root.join("keyring-unavailable")
    }

    /// The role and IdP user of the profile's last login, kept apart from the credentials so
    /// that a logout does not forget them.
    pub fn remembered_file(&self, profile: &str) -> PathBuf {
        self.cache_dir().join(format!("{}.role", file_stem(profile)))
    }

    /// The per-profile lock that makes logins single-flight.
    pub fn lock_file(&self, profile: &str) -> PathBuf {
        self.cache_dir().join(format!("{}.lock", file_stem(profile)))
    }

    /// Marks a Duo push that failed without a terminal, to hold back the next one.
    pub fn backoff_file(&self, profile: &str) -> PathBuf {
        self.cache_dir().join(format!("{}.backoff", file_stem(profile)))
    }

    /// The IdP session cookies of one IdP account (`user@host[:port]`).
    pub fn cookie_jar(&self, account: &str) -> PathBuf {
        self.root.join("cookies").join(format!("{}.json", file_stem(account)))
    }

    /// Held while one login uses and renews the IdP account's jar.
    pub fn cookie_lock(&self, account: &str) -> PathBuf {
        self.root.join("cookies").join(format!("{}.lock", file_stem(account)))
    }

    /// awscli-login's jar for `username` (Python LWP format), imported on first use.
    pub fn awscli_login_cookie_jar(&self, username: &str) -> PathBuf {
        self.root.join("cookies").join(format!("{}.txt", file_stem(username)))
    }

    /// awscli-login's credentials cache (INI, one section per profile); `aws-login migrate`
    /// imports it.
    pub fn awscli_login_credentials(&self) -> PathBuf {
        self.root.join("credentials")
    }
}

/// The AWS CLI's config file: `AWS_CONFIG_FILE`, else `~/.aws/config`.
pub fn aws_config_file() -> Result<PathBuf, Error> {
    aws_file("AWS_CONFIG_FILE", "config")
}

/// The AWS shared credentials file: `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
pub fn aws_credentials_file() -> Result<PathBuf, Error> {
    aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
}

/// The AWS config and shared credentials files, which the AWS SDK reads on its own during a
/// login: anything there but a regular file (a FIFO would hang it) is refused first.
pub fn check_aws_files() -> Result<(), Error> {
    // Without a home directory the SDK looks for neither.
    for path in [aws_config_file(), aws_credentials_file()].into_iter().flatten() {
        crate::atomic_file::check_regular(&path).map_err(|e| Error::file("read", &path, e))?;
    }
    Ok(())
}

/// botocore expands a leading `~` in these variables, so a user may have written one.
fn aws_file(var: &str, name: &str) -> Result<PathBuf, Error> {
    let home = || std::env::home_dir().ok_or(Error::NoHome);
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(v) => match v.to_str().and_then(|s| s.strip_prefix("~/")) {
            Some(rest) => Ok(home()?.join(rest)),
            None => Ok(PathBuf::from(v)),
        },
        None => Ok(home()?.join(".aws").join(name)),
    }
}

/// Maps a profile name to a safe file name: AWS profile names are usually `[A-Za-z0-9._-]`; any
/// other byte is percent-encoded so that `a/b` or `..` can never leave the directory.
fn file_stem(profile: &str) -> String {
    let mut out = String::with_capacity(profile.len());
    for b in profile.bytes() {
        let plain = b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'@');
        if plain || (b == b'.' && !out.is_empty()) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn profile_names_cannot_escape_the_cache_directory() {
        assert_eq!(file_stem("prod"), "prod");
        assert_eq!(file_stem("my-profile.v2"), "my-profile.v2");
        assert_eq!(file_stem("../etc"), "%2E.%2Fetc");
        assert_eq!(file_stem("a b/c"), "a%20b%2Fc");
        assert_eq!(file_stem("bob@idp.example.edu:8443"), "bob@idp.example.edu%3A8443");
    }
}
