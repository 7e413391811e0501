//! aws-login's versioned JSON state files (cached credentials, the remembered role, IdP cookie
//! jars, and the token caches to come), read and written one way: through [`crate::atomic_file`]
//! (no links followed, `0600`, written whole or not at all), capped at [`MAX_SIZE`] both ways,
//! and refused, never guessed at, when their `version` is not one this aws-login reads.

use std::path::Path;

use crate::atomic_file;
use crate::error::Error;

/// A state file is a few hundred bytes (a cookie jar a few kilobytes); anything far larger was
/// not written by us, and nothing larger is ever written.
pub const MAX_SIZE: u64 = 64 * 1024;

/// What a state file holds: its name in messages, and whether it is a secret (a mode that let
/// others read it is then said aloud as it is tightened; otherwise tightened without a word).
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub what: &'static str,
    pub secret: bool,
}

/// Reads state file `path`, `None` if there is none. Its `version` must be one of `versions`;
/// `parse` then reads the whole file in that version.
/// A file that cannot be understood is an error, left as it is, so nothing is lost without
/// the user knowing.
pub fn load<T>(
    path: &Path,
    kind: Kind,
    versions: &[u32],
    parse: impl FnOnce(u32, &[u8]) -> Result<T, String>,
) -> Result<Option<T>, Error> {
    let unreadable = |detail: String| Error::Unreadable { what: kind.what, path: path.to_path_buf(), detail };
    let Some(read) = atomic_file::read_state(path, MAX_SIZE, atomic_file::Loose::Tighten)
        .map_err(|e| Error::file("read", path, e))?
    else {
        return Ok(None);
    };
    if read.bytes.len() as u64 > MAX_SIZE {
        return Err(unreadable(format!(
            "it is larger than {MAX_SIZE} bytes, far larger than any file aws-login writes"
        )));
    }
    #[derive(serde::Deserialize)]
    struct Version {
        version: u32,
    }
    let v: Version = serde_json::from_slice(&read.bytes).map_err(|e| unreadable(e.to_string()))?;
    if !versions.contains(&v.version) {
        return Err(unreadable(format!("format version {} is not one this aws-login reads", v.version)));
    }
    let parsed = parse(v.version, &read.bytes).map_err(unreadable)?;
    if kind.secret {
        read.warn_if_loose(kind.what);
    }
    Ok(Some(parsed))
}

/// Writes state file `path`, refusing (before touching anything) more than [`MAX_SIZE`]:
/// aws-login never writes a file it would refuse to read back. `hint` says what to do then.
pub fn save(path: &Path, what: &'static str, json: &[u8], hint: &'static str) -> Result<(), Error> {
    if json.len() as u64 > MAX_SIZE {
        return Err(Error::TooLarge {
            what,
            path: path.to_path_buf(),
            size: json.len(),
            cap: MAX_SIZE,
            hint,
        });
    }
    atomic_file::write_private(path, json).map_err(|e| Error::file("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit;

    const STATE: Kind = Kind { what: "state", secret: true };

    fn parse(version: u32, bytes: &[u8]) -> Result<(u32, serde_json::Value), String> {
        serde_json::from_slice(bytes).map(|v| (version, v)).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_only_the_versions_it_knows_and_leaves_the_rest_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(load(&path, STATE, &[1], parse).unwrap(), None);
        save(&path, "state", br#"{"version":1,"x":2}"#, "").unwrap();
        assert_eq!(load(&path, STATE, &[1, 2], parse).unwrap().unwrap().0, 1);

        let huge = format!("{{\"version\":1,\"pad\":\"{}\"}}", "x".repeat(70_000));
        for junk in ["", "{", "[]", "{\"version\":3}", "\u{0}", &huge] {
            std::fs::write(&path, junk).unwrap();
            let e = load(&path, STATE, &[1, 2], parse).unwrap_err();
            assert_eq!(e.exit_code(), exit::UNREADABLE, "{junk:?}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), junk, "left as it was");
        }
        std::fs::write(&path, "{\"version\":3}").unwrap();
        let e = load(&path, STATE, &[1, 2], parse).unwrap_err();
        assert!(e.to_string().contains("format version 3 is not one this aws-login reads"), "{e}");
    }

    #[test]
    fn nothing_too_large_to_read_back_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let e = save(&path, "state", &vec![b' '; MAX_SIZE as usize + 1], "hint").unwrap_err();
        assert!(matches!(e, Error::TooLarge { .. }), "{e}");
        assert!(!path.exists());
    }
}
