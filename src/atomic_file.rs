//! Whole-or-nothing writes of private files: a temp file in the same directory, `0600`, fsync,
//! then rename over the target. A crash leaves either the old file or the new one, never a mix.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

/// Creates `dir` and its missing parents with mode `0700`, and tightens `dir` itself to `0700`
/// if it already existed with looser bits.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let mode = fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode != 0o700 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Atomically replaces `path` with `contents`, mode `0600`, creating the directory (`0700`).
/// Temp files that a killed writer left in the directory are swept up on the way.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    private_dir(dir)?;
    sweep_stale(dir);
    replace(path, contents, 0o600)
}

/// Atomically replaces `path` with `contents` given `mode`: a temp file in the same directory,
/// fsynced, renamed over the target, and the rename made durable. The directory must exist.
pub fn replace(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    // tempfile creates the file 0600 with O_EXCL and removes it if we fail before persisting.
    let mut tmp = tempfile::Builder::new().prefix(TEMP_PREFIX).tempfile_in(dir)?;
    tmp.write_all(contents)?;
    if mode != 0o600 {
        tmp.as_file().set_permissions(fs::Permissions::from_mode(mode))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}

const TEMP_PREFIX: &str = ".tmp-";
/// Far longer than any write takes, so a concurrent writer's temp file is never taken.
const STALE_AFTER: Duration = Duration::from_secs(600);

/// Removes temp files of writers killed mid-write (they may hold credentials or cookies).
/// Only for aws-login's own directories. Best effort: a failure here never fails a write.
pub fn sweep_stale(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_AFTER));
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_0600_in_0700_and_replaces_whole() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("a").join("b").join("file");
        write_private(&path, b"first").unwrap();
        write_private(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        // No temp files left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn stale_temp_files_are_swept_and_fresh_ones_kept() {
        let home = tempfile::tempdir().unwrap();
        let (old, fresh, other) =
            (home.path().join(".tmp-old"), home.path().join(".tmp-new"), home.path().join("p.json"));
        for p in [&old, &fresh, &other] {
            fs::write(p, "x").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        for p in [&old, &other] {
            fs::File::options().write(true).open(p).unwrap().set_modified(hour_ago).unwrap();
        }
        write_private(&home.path().join("q.json"), b"{}").unwrap();
        assert!(!old.exists());
        assert!(fresh.exists() && other.exists());
    }

    #[test]
    fn loose_directory_is_tightened() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("d");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    }
}
