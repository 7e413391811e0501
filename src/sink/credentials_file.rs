//! `-o credentials-file`: the credentials as a profile of a shared credentials file
//! (`--credentials-file PATH`, else `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`),
//! for tools that read only that file. Every other section, key, comment and blank line stays
//! byte for byte (ini_edit's Document). The file is written whole (temp file + rename), `0600`.
//!
//! Two refusals, checked before any login so that nothing changes: keys aws-login did not write
//! (no marker) are not overwritten without `--force`, and static keys are never written for a
//! profile whose AWS config runs `credential_process`: the AWS tools read the credentials file
//! first, so the keys would hide the process for good once they expire.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::ini_edit::{IniFile, is_aws_config_profile};
use crate::sink::Issued;

/// Marks a section aws-login wrote (botocore ignores keys it does not know).
pub const MARKER_KEY: &str = "x_written_by";
pub const MARKER: &str = "aws-login";

const KEYS: [&str; 3] = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"];

/// Where the credentials go, and whether that is the file the AWS tools read by default.
pub struct Target {
    pub path: PathBuf,
    /// Named by `--credentials-file`: the user must point the tools at it.
    pub dedicated: bool,
}

impl Target {
    pub fn new(flag: Option<&Path>) -> Result<Target, Error> {
        Ok(match flag {
            Some(path) => Target { path: path.to_path_buf(), dedicated: true },
            None => Target { path: crate::paths::aws_credentials_file()?, dedicated: false },
        })
    }
}

/// Refuses what must not be written, before anything is.
pub fn check(target: &Target, profile: &str, force: bool) -> Result<(), Error> {
    let config_path = crate::paths::aws_config_file()?;
    let config = IniFile::open(&config_path)?;
    if config.doc.get(&|h: &str| is_aws_config_profile(h, profile), "credential_process").is_some() {
        return Err(Error::WiredToProcess {
            profile: profile.to_string(),
            config: config_path,
            path: target.path.clone(),
        });
    }
    let file = IniFile::open(&target.path)?;
    if !force && holds_foreign_keys(&file, profile) {
        return Err(Error::NotOurs { profile: profile.to_string(), path: target.path.clone() });
    }
    Ok(())
}

fn holds_foreign_keys(file: &IniFile, profile: &str) -> bool {
    let section = |h: &str| h.trim() == profile;
    let ours = file.doc.get(&section, MARKER_KEY).is_some_and(|v| v.trim() == MARKER);
    !ours && KEYS.iter().any(|k| file.doc.get(&section, k).is_some())
}

/// Writes the credentials into `[profile]`; [`check`] must have passed.
pub fn write(target: &Target, profile: &str, issued: &Issued<'_>) -> Result<(), Error> {
    let mut file = IniFile::open(&target.path)?;
    let c = issued.credentials;
    let expires = super::expiration(c);
    let values = [
        (KEYS[0], c.access_key_id.as_str()),
        (KEYS[1], c.secret_access_key.expose()),
        (KEYS[2], c.session_token.expose()),
        // What the AWS CLI v1 and older tools wrote beside session keys.
        ("x_security_token_expires", expires.as_str()),
        (MARKER_KEY, MARKER),
    ];
    let section = |h: &str| h.trim() == profile;
    for (key, value) in values {
        if value.contains(['\n', '\r']) {
            return Err(Error::UnsafeValue {
                key,
                what: "a line break",
                shell: "an INI file",
                other: "-o process",
            });
        }
        file.doc.set(&section, profile, key, value);
    }
    file.save_secret()?;
    Ok(())
}

/// What the user sets to use the file: the profile, and the file itself when it is not the
/// default one; and what to unset: keys in the environment, or another credential source,
/// would beat the profile.
pub fn variables(
    target: &Target,
    profile: &str,
) -> (Vec<(&'static str, Cow<'static, str>)>, Vec<&'static str>) {
    let mut set = vec![("AWS_PROFILE", Cow::Owned(profile.to_string()))];
    if target.dedicated {
        set.push(("AWS_SHARED_CREDENTIALS_FILE", Cow::Owned(target.path.to_string_lossy().into_owned())));
    }
    let keys =
        ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION"];
    let others = crate::sink::shell::COMPETING.into_iter().filter(|k| *k != "AWS_PROFILE");
    (set, keys.into_iter().chain(others).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, Target) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, text).unwrap();
        (dir, Target { path, dedicated: true })
    }

    #[test]
    fn only_the_profiles_section_changes_and_it_carries_the_marker() {
        let before = "# mine\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = s\n\n[dev]\nregion = x\n; note\n";
        let (_dir, target) = file(before);
        let c = crate::sink::tests::example();
        let issued = Issued { credentials: &c, account_id: None, region: None };
        write(&target, "dev", &issued).unwrap();
        let after = std::fs::read_to_string(&target.path).unwrap();
        assert_eq!(after, crate::sink::tests::golden("credentials-file.ini") + "\n");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&target.path).unwrap().permissions().mode() & 0o777, 0o600);

        let written = IniFile::open(&target.path).unwrap();
        assert!(!holds_foreign_keys(&written, "dev"), "ours now");
        assert!(holds_foreign_keys(&written, "other"), "the user's keys");
        assert!(!holds_foreign_keys(&written, "absent"));
    }
}
