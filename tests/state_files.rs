//! aws-login's own files and directories (`~/.aws-login`, `cache/`, `cookies/` and what is in
//! them): never followed through a symlink, never used when another user owns them, tightened
//! when looser than `0600`/`0700`, never read when they are FIFOs; and a full disk in the middle
//! of a login names the file and leaves every file whole. Each refusal is one sentence, exit 27.

mod common;

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const UNSAFE: i32 = 27;
/// Nothing listens there: a run that gets as far as the network fails with exit 20.
const NOWHERE: &str = "http://127.0.0.1:9/idp/profile/SAML2/SOAP/ECP";

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

fn chmod(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn mkfifo(p: &Path) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    rustix::fs::mkfifoat(rustix::fs::CWD, p, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
}

/// A home whose profile `p` points at an IdP that is not there.
fn offline_home() -> Home {
    let home = Home::new();
    home.profile(
        "p",
        &format!("ecp_endpoint_url = {NOWHERE}\nusername = alice\npassword = {ALICE_PW}\nfactor = off"),
    );
    home
}

/// Runs aws-login without test servers; a run that hangs is stopped after 60 s (and then fails
/// the test with exit 124) instead of hanging the suite.
fn offline(home: &Home, args: &[&str]) -> Run {
    let mut c = home.command_for_url("http://127.0.0.1:9", "timeout");
    c.arg("60").arg(BIN);
    home.swept(c, args)
}

/// Expects a refusal, exit 27, naming `path` and saying `why`; nothing else changed.
fn refused(home: &Home, args: &[&str], path: &Path, why: &str) {
    let before = home.snapshot();
    let err = offline(home, args).fails(UNSAFE);
    assert!(err.contains(&format!("{} {why}", path.display())), "{err}");
    assert_eq!(home.snapshot(), before, "a refusal changes no file");
}

#[test]
fn a_planted_lock_link_is_refused_and_nothing_is_made_at_its_target() {
    let home = offline_home();
    let cache = home.login_dir().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let target = home.path().join("planted");
    symlink(&target, cache.join("p.lock")).unwrap();
    refused(&home, &["--profile", "p"], &cache.join("p.lock"), "is a symbolic link");
    assert!(!target.exists(), "nothing is created where the link points");
}

#[test]
fn linked_state_directories_are_refused_and_their_targets_keep_their_modes() {
    for linked in ["cache", "cookies"] {
        let home = offline_home();
        let elsewhere = home.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        chmod(&elsewhere, 0o755);
        let link = home.login_dir().join(linked);
        symlink(&elsewhere, &link).unwrap();
        refused(&home, &["--profile", "p"], &link, "is a symbolic link");
        assert_eq!(mode(&elsewhere), 0o755, "{linked}: the link's target was chmodded");
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0, "{linked}: written through the link");
    }

    // ~/.aws-login itself, kept in a dotfiles directory: its config is still read through the
    // link (a profile is found), but no state is kept there.
    let home = Home::new();
    let dotfiles = home.path().join("dotfiles/aws-login");
    fs::create_dir_all(&dotfiles).unwrap();
    chmod(&dotfiles, 0o755);
    fs::write(dotfiles.join("config"), format!("[p]\necp_endpoint_url = {NOWHERE}\nusername = alice\n"))
        .unwrap();
    symlink(&dotfiles, home.login_dir()).unwrap();
    refused(&home, &["--profile", "p"], &home.login_dir(), "is a symbolic link");
    assert_eq!(mode(&dotfiles), 0o755);
    assert_eq!(fs::read_dir(&dotfiles).unwrap().count(), 1);
}

#[test]
fn a_config_kept_as_a_symlink_is_read_through_it() {
    let home = Home::new();
    let dotfiles = home.path().join("dotfiles");
    fs::create_dir_all(&dotfiles).unwrap();
    fs::write(dotfiles.join("aws-login"), format!("[p]\necp_endpoint_url = {NOWHERE}\nusername = alice\n"))
        .unwrap();
    fs::create_dir(home.login_dir()).unwrap();
    symlink(dotfiles.join("aws-login"), home.login_dir().join("config")).unwrap();
    // The profile is found and used: it gets as far as needing alice's password.
    let err = offline(&home, &["--profile", "p"]).fails(23);
    assert!(err.contains("a password is needed"), "{err}");
}

#[test]
fn state_another_user_owns_is_refused() {
    if !is_root() {
        eprintln!("skipped: only root can give files to another user (nobody, uid 65534)");
        return;
    }
    for owned in [".aws-login", ".aws-login/cache", ".aws-login/cache/p.json", ".aws-login/cookies"] {
        let home = offline_home();
        let path = home.path().join(owned);
        if owned.ends_with(".json") {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "{}").unwrap();
            chmod(&path, 0o600);
        } else {
            fs::create_dir_all(&path).unwrap();
            chmod(&path, 0o700);
        }
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        refused(&home, &["--profile", "p"], &path, "belongs to another user (uid 65534)");
    }
}

#[test]
fn fifos_where_files_should_be_fail_at_once() {
    let account_file = |ext: &str| format!(".aws-login/cookies/alice@127.0.0.1%3A9.{ext}");
    let cases: Vec<(String, &[&str])> = vec![
        (".aws-login/config".into(), &["--profile", "p"]),
        (".aws-login/cache/p.json".into(), &["--profile", "p"]),
        (".aws-login/cache/p.lock".into(), &["--profile", "p"]),
        (account_file("json"), &["--profile", "p"]),
        (account_file("lock"), &["--profile", "p"]),
        (".aws/config".into(), &["--profile", "p"]),
        (".aws/config".into(), &["migrate"]),
        (".aws-login/cache/p.json".into(), &["logout", "--profile", "p"]),
    ];
    for (fifo, args) in cases {
        let home = offline_home();
        let path = home.path().join(&fifo);
        if fifo == ".aws-login/config" {
            fs::remove_file(&path).unwrap();
        }
        mkfifo(&path);
        if args[0] == "logout" {
            // Logging out deletes an unreadable cache file; a FIFO is no different.
            offline(&home, args).ok();
            assert!(!path.exists());
            continue;
        }
        refused(&home, args, &path, "is a FIFO, not a regular file");
    }
}

#[test]
fn loose_modes_are_tightened_and_a_cache_others_can_read_warns_once() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "p", &format!("username = alice\npassword = {ALICE_PW}"));
    home.run(&stack, &["login", "--profile", "p"]).ok();
    let root = home.login_dir();
    let (cache_dir, cookies) = (root.join("cache"), root.join("cookies"));
    let cache = home.cache_file("p");
    let lock = cache_dir.join("p.lock");
    let jar = fs::read_dir(&cookies)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    // As an old version, a restore from a backup or a careless chmod -R may leave them.
    for (p, m) in [
        (&root, 0o755),
        (&cache_dir, 0o775),
        (&cookies, 0o777),
        (&cache, 0o644),
        (&lock, 0o666),
        (&jar, 0o640),
    ] {
        chmod(p, m);
    }

    let hit = home.run(&stack, &["--profile", "p"]).ok();
    let warnings: Vec<String> =
        hit.stderr().lines().filter(|l| l.starts_with("aws-login: warning:")).map(str::to_string).collect();
    assert_eq!(warnings.len(), 1, "{}", hit.stderr());
    assert!(
        warnings[0].contains(&cache.display().to_string()) && warnings[0].contains("0644"),
        "{}",
        warnings[0]
    );
    assert_eq!((mode(&root), mode(&cache_dir), mode(&cache)), (0o700, 0o700, 0o600));
    let again = home.run(&stack, &["--profile", "p"]).ok();
    assert!(!again.stderr().contains("warning"), "warned once: {}", again.stderr());

    // A login opens the lock and the jar.
    let login = home.run(&stack, &["login", "--force-refresh", "--profile", "p"]).ok();
    assert!(
        login.stderr().contains(&format!("{} (IdP session cookies, mode 0640)", jar.display())),
        "{}",
        login.stderr()
    );
    assert_eq!((mode(&lock), mode(&cookies), mode(&jar)), (0o600, 0o700, 0o600));
}

/// A tmpfs mounted over a directory, unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(dir: &Path, size: &str) -> Option<Mount> {
        fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Mount(dir.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the file system of `dir` with `filler` until it is full.
fn fill(filler: &Path) {
    use std::io::Write;
    let mut f = fs::File::create(filler).unwrap();
    let page = [0u8; 4096];
    while f.write_all(&page).and_then(|()| f.sync_all()).is_ok() {}
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["cache", "cookies"] {
        for e in fs::read_dir(dir.join(sub)).into_iter().flatten().flatten() {
            if e.file_name().to_string_lossy().starts_with(".tmp-") {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn a_full_disk_names_the_file_and_leaves_nothing_half_written() {
    if !is_root() {
        eprintln!("skipped: only root can mount the small tmpfs this test fills");
        return;
    }
    let stack = Stack::start();
    let home = Home::new();
    let Some(_mount) = Mount::tmpfs(&home.login_dir(), "256k") else {
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    };
    home.ecp_profile(&stack, "p", &format!("username = alice\npassword = {ALICE_PW}"));
    let filler = home.login_dir().join("filler");
    fill(&filler);
    let jar = home.login_dir().join(format!(
        "cookies/alice@{}.json",
        stack.ecp_url.trim_start_matches("http://").split('/').next().unwrap().replace(':', "%3A")
    ));

    // Full: the first file a login writes, the IdP session cookies, cannot be.
    let before = home.snapshot();
    let err = home.run(&stack, &["login", "--profile", "p"]).fails(1);
    assert!(err.contains(&format!("cannot write {}: ", jar.display())), "{err}");
    assert!(err.contains("free some space"), "{err}");
    assert_eq!(home.snapshot(), before, "no file changed");
    assert!(temp_files(&home.login_dir()).is_empty());

    // One page free: the jar is written whole, then the credentials cannot be.
    let size = fs::metadata(&filler).unwrap().len();
    fs::OpenOptions::new().write(true).open(&filler).unwrap().set_len(size - 4096).unwrap();
    let err = home.run(&stack, &["login", "--profile", "p"]).fails(1);
    assert!(err.contains(&format!("cannot write {}: ", home.cache_file("p").display())), "{err}");
    let saved: serde_json::Value = serde_json::from_str(&fs::read_to_string(&jar).unwrap()).unwrap();
    assert_eq!(saved["version"], 1);
    assert!(!home.cache_file("p").exists());
    assert!(temp_files(&home.login_dir()).is_empty());

    // Room again: the next login just works.
    fs::remove_file(&filler).unwrap();
    home.run(&stack, &["login", "--profile", "p"]).ok();
    assert!(home.run(&stack, &["--profile", "p"]).ok().json()["SessionToken"].is_string());
}

#[test]
fn no_home_directory_is_a_settings_error() {
    if !is_root() {
        eprintln!("skipped: only root can run aws-login as a user without a home directory");
        return;
    }
    // A user with no passwd entry: with HOME unset, there is no home to find.
    let uid = "54321";
    let known = Command::new("getent").args(["passwd", uid]).output().unwrap();
    if known.status.success() {
        eprintln!("skipped: uid {uid} has a passwd entry here");
        return;
    }
    let out = Command::new("setpriv")
        .args([&format!("--reuid={uid}"), &format!("--regid={uid}"), "--clear-groups", BIN, "--profile", "p"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = Run(out).fails(5);
    assert!(err.contains("cannot find your home directory; set HOME"), "{err}");
}
