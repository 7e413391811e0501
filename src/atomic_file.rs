//! The discipline of aws-login's own files, in one place: `~/.aws-login/`, its `cache/` and
//! `cookies/` directories and every file in them (credentials, remembered roles, cookie jars,
//! locks, back-off marks). Also the bounded read of the user's files aws-login only reads.
//!
//! * **Whole or nothing.** A write goes to a temp file in the same directory (`0600`), is fsynced
//!   and renamed over the target: a crash leaves the old file or the new one, never a mix.
//! * **No symbolic links.** Files are opened with `O_NOFOLLOW`; directories are checked with
//!   `lstat` and tightened through a descriptor opened `O_NOFOLLOW | O_DIRECTORY`. A link where
//!   aws-login keeps its state is refused, never followed or chmodded at its target.
//! * **Yours only.** As OpenSSH demands of `~/.ssh`, a state directory or file that belongs to
//!   another user is refused.
//! * **Private modes.** Directories are tightened to `0700`, files to `0600` (locks included, which
//!   earlier versions could leave `0666`). A file holding secrets that other users could read or
//!   write is reported once, on stderr, when what it holds is used ([`StateBytes::warn_if_loose`]):
//!   a file that turns out unreadable gets its one-sentence error alone.
//! * **Regular files only, bounded.** Reads open with `O_NONBLOCK`, so a FIFO cannot hang the
//!   tool, refuse anything but a regular file, and stop one byte past a cap.
//!
//! The state layout is fixed: every state file is `<root>/<dir>/<file>` (`cache/p.json`,
//! `cookies/u@h.lock`), and the functions taking a state file check both `<root>` and `<dir>`.
//! A refusal travels inside an `io::Error` as a [`Refused`], so that every caller's
//! `Error::file(…)` turns it into the one-sentence `Error::UnsafeFile` (exit 27).

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::OFlags;

/// Why aws-login will not use a file or directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A symbolic link where aws-login keeps its state.
    Symlink { dir: bool },
    /// It belongs to another user (this uid).
    OtherOwner(u32),
    /// Something other than a regular file where one is read: "a FIFO", "a directory", …
    NotRegular(&'static str),
    /// Something other than a directory where aws-login keeps its files.
    NotDirectory(&'static str),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Symlink { dir: true } => f.write_str(
                "is a symbolic link, and aws-login keeps its files only in real directories; put the directory it points to in its place and try again",
            ),
            Problem::Symlink { dir: false } => f.write_str(
                "is a symbolic link, and aws-login follows none among its own files; delete it and try again",
            ),
            Problem::OtherOwner(uid) => write!(
                f,
                "belongs to another user (uid {uid}), so aws-login will not use it; delete it, or make it yours with chown, and try again"
            ),
            Problem::NotRegular(kind) => write!(
                f,
                "is {kind}, not a regular file, so aws-login will not read it; delete or replace it and try again"
            ),
            Problem::NotDirectory(kind) => {
                write!(f, "is {kind} where aws-login keeps a directory; move it away and try again")
            }
        }
    }
}

/// A file or directory aws-login refuses, carried inside an `io::Error` (see [`refusal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub path: PathBuf,
    pub problem: Problem,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for Refused {}

fn refuse(path: &Path, problem: Problem) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, Refused { path: path.to_path_buf(), problem })
}

/// The refusal an `io::Error` from this module carries, if it is one.
pub fn refusal(e: &io::Error) -> Option<&Refused> {
    e.get_ref()?.downcast_ref::<Refused>()
}

fn kind(ft: fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else if ft.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

fn flags(f: OFlags) -> i32 {
    f.bits() as i32
}

/// An existing state directory: a real directory, ours.
fn check_dir(dir: &Path, meta: &fs::Metadata) -> io::Result<()> {
    let ft = meta.file_type();
    if ft.is_symlink() {
        return Err(refuse(dir, Problem::Symlink { dir: true }));
    }
    if !ft.is_dir() {
        return Err(refuse(dir, Problem::NotDirectory(kind(ft))));
    }
    if meta.uid() != euid() {
        return Err(refuse(dir, Problem::OtherOwner(meta.uid())));
    }
    Ok(())
}

/// Checks an existing state directory and tightens it to `0700` (through a descriptor, never
/// through a link); `false` if there is none.
fn secure_dir(dir: &Path) -> io::Result<bool> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    check_dir(dir, &meta)?;
    if meta.mode() & 0o777 != 0o700 {
        let fd = OpenOptions::new()
            .read(true)
            .custom_flags(flags(OFlags::DIRECTORY | OFlags::NOFOLLOW))
            .open(dir)
            .map_err(|e| explain(dir, e, true))?;
        check_dir(dir, &fd.metadata()?)?;
        fd.set_permissions(fs::Permissions::from_mode(0o700))?;
    }
    Ok(true)
}

/// Creates `dir` (`0700`, missing parents too), or checks the existing one: a real directory you
/// own, tightened to `0700` if it was looser.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    let mkdir = |d: &Path| match fs::DirBuilder::new().mode(0o700).create(d) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    };
    match mkdir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent() {
                fs::DirBuilder::new().recursive(true).mode(0o700).create(parent)?;
            }
            mkdir(dir)?;
        }
        other => other?,
    }
    secure_dir(dir).map(|_| ())
}

/// The root and the directory of state file `path` (`<root>/<dir>/<file>`), checked and
/// tightened, and created when `create`; `false` if one does not exist (and so neither does
/// the file).
fn state_dirs(path: &Path, create: bool) -> io::Result<bool> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else { return Ok(true) };
    for d in [dir.parent().filter(|r| !r.as_os_str().is_empty()), Some(dir)].into_iter().flatten() {
        if create {
            private_dir(d)?;
        } else if !secure_dir(d)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Turns a failed open into a refusal when what is there is a link or not a regular file
/// (`O_NOFOLLOW` fails with `ELOOP`, `O_NONBLOCK` on a FIFO for writing with `ENXIO`, …).
fn explain(path: &Path, e: io::Error, dir: bool) -> io::Error {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => refuse(path, Problem::Symlink { dir }),
        Ok(m) if dir && !m.is_dir() => refuse(path, Problem::NotDirectory(kind(m.file_type()))),
        Ok(m) if !dir && !m.is_file() => refuse(path, Problem::NotRegular(kind(m.file_type()))),
        _ => e,
    }
}

/// How [`check_file`] treats a file looser than `0600`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loose {
    /// Make it `0600`.
    Tighten,
    /// Leave it: a file of another tool's (awscli-login's jar) that aws-login only reads.
    Keep,
}

/// An open state file: regular and yours; with [`Loose::Tighten`], made `0600` if it was looser,
/// and then its old mode is returned.
fn check_file(path: &Path, file: &File, loose: Loose) -> io::Result<Option<u32>> {
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refuse(path, Problem::NotRegular(kind(meta.file_type()))));
    }
    if meta.uid() != euid() {
        return Err(refuse(path, Problem::OtherOwner(meta.uid())));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o7077 == 0 || loose == Loose::Keep {
        return Ok(None);
    }
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(Some(mode))
}

/// A state file's contents, read by [`read_state`].
#[derive(Debug)]
pub struct StateBytes {
    pub bytes: Vec<u8>,
    path: PathBuf,
    /// The mode it had if that let other users read or write it (it is `0600` now).
    was: Option<u32>,
}

impl StateBytes {
    /// Says once, on stderr, that other users could read or write the file (which holds `what`)
    /// until now. Called once its contents are used, so that an unreadable file gets its
    /// one-sentence error alone.
    pub fn warn_if_loose(&self, what: &str) {
        if let Some(mode) = self.was.filter(|m| m & 0o077 != 0) {
            eprintln!(
                "aws-login: warning: other users could read or change {} ({what}, mode {mode:04o}) until now; it is 0600 now",
                self.path.display()
            );
        }
    }
}

/// Opens state file `path` for reading: no link followed, no FIFO waited on, only a regular
/// file you own (see [`check_file`]); `None` if it does not exist. Its old mode comes with it
/// if it was looser than `0600` (and has been tightened).
pub fn open_state(path: &Path, loose: Loose) -> io::Result<Option<(File, Option<u32>)>> {
    if !state_dirs(path, false)? {
        return Ok(None);
    }
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(flags(OFlags::NOFOLLOW | OFlags::NONBLOCK))
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(explain(path, e, false)),
    };
    let was = check_file(path, &file, loose)?;
    Ok(Some((file, was)))
}

/// Reads state file `path` (see [`open_state`]) whole, but never more than `cap + 1` bytes: a
/// caller that gets more than `cap` knows the file is too large without having taken it all in.
/// `None` if it does not exist.
pub fn read_state(path: &Path, cap: u64, loose: Loose) -> io::Result<Option<StateBytes>> {
    let Some((file, was)) = open_state(path, loose)? else { return Ok(None) };
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    Ok(Some(StateBytes { bytes, path: path.to_path_buf(), was }))
}

/// Opens (creating it `0600` if missing) the lock file `path` for `flock`: no link followed, no
/// FIFO waited on, only a regular file you own, tightened to `0600`.
pub fn open_lock(path: &Path) -> io::Result<File> {
    state_dirs(path, true)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(flags(OFlags::NOFOLLOW | OFlags::NONBLOCK))
        .open(path)
        .map_err(|e| explain(path, e, false))?;
    check_file(path, &file, Loose::Tighten)?;
    Ok(file)
}

/// Reads a file the user keeps (`~/.aws-login/config`, the AWS config) through any symlinks,
/// refusing anything but a regular file: opened `O_NONBLOCK`, so a FIFO cannot hang the tool.
/// `None` if it does not exist.
pub fn read_regular(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut file = match OpenOptions::new().read(true).custom_flags(flags(OFlags::NONBLOCK)).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refuse(path, Problem::NotRegular(kind(meta.file_type()))));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Fails if `path` exists (through any symlinks) as anything but a regular file: for files that
/// a library reads later on its own, where a FIFO would hang it.
pub fn check_regular(path: &Path) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(refuse(path, Problem::NotRegular(kind(m.file_type())))),
        _ => Ok(()),
    }
}

/// Atomically replaces state file `path` with `contents`, mode `0600`, creating its directories
/// (`0700`). Temp files that a killed writer left in the directory are swept up on the way.
pub fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    state_dirs(path, true)?;
    sweep_stale(dir);
    replace(path, contents, 0o600)
}

/// Atomically replaces `path` with `contents` given `mode`: a temp file in the same directory,
/// fsynced, renamed over the target, and the rename made durable. The directory must exist.
pub fn replace(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
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

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn problem(e: io::Error) -> Problem {
        refusal(&e).unwrap_or_else(|| panic!("not a refusal: {e}")).problem
    }

    #[test]
    fn writes_0600_in_0700_and_replaces_whole() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("a").join("b").join("file");
        write_private(&path, b"first").unwrap();
        write_private(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
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
    fn loose_directories_and_files_are_tightened() {
        let home = tempfile::tempdir().unwrap();
        let (root, dir) = (home.path().join("root"), home.path().join("root/cache"));
        fs::create_dir_all(&dir).unwrap();
        for d in [&root, &dir] {
            fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
        }
        let lock = dir.join("p.lock");
        fs::write(&lock, "").unwrap();
        fs::set_permissions(&lock, fs::Permissions::from_mode(0o666)).unwrap();
        open_lock(&lock).unwrap();
        assert_eq!((mode(&root), mode(&dir), mode(&lock)), (0o700, 0o700, 0o600));

        let secret = dir.join("p.json");
        fs::write(&secret, "{}").unwrap();
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o644)).unwrap();
        let read = read_state(&secret, 10, Loose::Tighten).unwrap().unwrap();
        assert_eq!((read.bytes.as_slice(), read.was), (&b"{}"[..], Some(0o644)));
        assert_eq!(mode(&secret), 0o600);

        // Another tool's file that aws-login only reads keeps its mode.
        let theirs = dir.join("theirs.txt");
        fs::write(&theirs, "x").unwrap();
        fs::set_permissions(&theirs, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read_state(&theirs, 10, Loose::Keep).unwrap().unwrap().was, None);
        assert_eq!(mode(&theirs), 0o644);
    }

    #[test]
    fn links_are_refused_and_never_followed_or_chmodded() {
        let home = tempfile::tempdir().unwrap();
        let root = home.path().join("root");
        let elsewhere = home.path().join("elsewhere");
        fs::create_dir_all(root.join("cache")).unwrap();
        fs::create_dir(&elsewhere).unwrap();
        fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o755)).unwrap();

        // A planted lock link: nothing is created at its target.
        let lock = root.join("cache/p.lock");
        std::os::unix::fs::symlink(elsewhere.join("made"), &lock).unwrap();
        assert_eq!(problem(open_lock(&lock).unwrap_err()), Problem::Symlink { dir: false });
        assert!(!elsewhere.join("made").exists());
        let cache = root.join("cache/p.json");
        std::os::unix::fs::symlink(elsewhere.join("p.json"), &cache).unwrap();
        fs::write(elsewhere.join("p.json"), "{}").unwrap();
        assert_eq!(
            problem(read_state(&cache, 10, Loose::Tighten).unwrap_err()),
            Problem::Symlink { dir: false }
        );

        // A linked directory: refused, its target keeps its mode.
        let cookies = root.join("cookies");
        std::os::unix::fs::symlink(&elsewhere, &cookies).unwrap();
        let e = write_private(&cookies.join("j.json"), b"{}").unwrap_err();
        assert_eq!(problem(e), Problem::Symlink { dir: true });
        assert_eq!(mode(&elsewhere), 0o755);
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 1, "nothing written through the link");
    }

    #[test]
    fn fifos_are_refused_at_once() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("root/cache");
        fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("p.json");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
        assert_eq!(
            problem(read_state(&fifo, 10, Loose::Tighten).unwrap_err()),
            Problem::NotRegular("a FIFO")
        );
        assert_eq!(problem(open_lock(&fifo).unwrap_err()), Problem::NotRegular("a FIFO"));
        assert_eq!(problem(read_regular(&fifo).unwrap_err()), Problem::NotRegular("a FIFO"));
        assert_eq!(problem(check_regular(&fifo).unwrap_err()), Problem::NotRegular("a FIFO"));
        assert_eq!(problem(read_regular(&dir).unwrap_err()), Problem::NotRegular("a directory"));
        check_regular(&dir.join("missing")).unwrap();
        assert_eq!(read_regular(&dir.join("missing")).unwrap(), None);
    }

    #[test]
    fn reads_stop_one_byte_past_the_cap() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("root/cache/p.json");
        write_private(&path, &[b'x'; 100]).unwrap();
        assert_eq!(read_state(&path, 10, Loose::Tighten).unwrap().unwrap().bytes.len(), 11);
        assert!(read_state(&home.path().join("root/nowhere/p.json"), 10, Loose::Tighten).unwrap().is_none());
    }

    #[test]
    fn what_another_user_owns_is_refused() {
        if euid() != 0 {
            eprintln!("skipped: only root can give a file to another user");
            return;
        }
        let nobody = Some(rustix::process::Uid::from_raw(65534));
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("root/cache");
        let file = dir.join("p.json");
        write_private(&file, b"{}").unwrap();
        rustix::fs::chown(&file, nobody, None).unwrap();
        assert_eq!(problem(read_state(&file, 10, Loose::Tighten).unwrap_err()), Problem::OtherOwner(65534));
        rustix::fs::chown(&dir, nobody, None).unwrap();
        assert_eq!(problem(open_lock(&dir.join("p.lock")).unwrap_err()), Problem::OtherOwner(65534));
        assert!(!dir.join("p.lock").exists());
    }
}
