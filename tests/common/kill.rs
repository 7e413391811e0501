//! `kill -9` at every point where aws-login changes the disk. One recorded run (under strace)
//! lists its file-changing system calls; then, for each, a fresh copy of the same home is run
//! with strace injecting SIGKILL at exactly that call. A kill at a call's entry leaves the disk
//! as every earlier call made it, so these runs see every state a crash can leave.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Home;

/// System calls that change files or directories. `openat` counts only when it creates or
/// opens for writing; `write`s include socket writes, which only adds harmless points.
const CHANGING: &[&str] = &[
    "openat",
    "write",
    "writev",
    "pwrite64",
    "ftruncate",
    "fsync",
    "fdatasync",
    "fchmod",
    "fchmodat",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "mkdir",
    "mkdirat",
    "rmdir",
];

/// One point: the `n`th call (from 1) of `syscall` by the process's main thread.
#[derive(Debug, Clone)]
pub struct Point {
    pub syscall: String,
    pub n: usize,
    /// The call as strace showed it, for failure messages.
    pub shown: String,
}

/// Runs `command` (already set up with its program and arguments as `strace`'s tail, see
/// [`strace_args`]) once and returns every file-changing call of aws-login's main thread.
pub fn record(mut command: Command, trace: &Path) -> Vec<Point> {
    let out = command.output().unwrap();
    assert!(out.status.success(), "the recorded run failed: {}", String::from_utf8_lossy(&out.stderr));
    points_in(trace)
}

/// The file-changing calls of the main thread in a trace written with [`strace_args`].
pub fn points_in(trace: &Path) -> Vec<Point> {
    let text = std::fs::read_to_string(trace).unwrap();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut points = Vec::new();
    let mut main_pid = None;
    for line in text.lines() {
        let Some((pid, call)) = line.split_once(' ') else { continue };
        let call = call.trim_start();
        if *main_pid.get_or_insert(pid) != pid || call.starts_with("<...") {
            continue;
        }
        let Some((name, _)) = call.split_once('(') else { continue };
        let n = counts.entry(name.to_string()).or_default();
        *n += 1;
        let writes = name != "openat" || ["O_CREAT", "O_WRONLY", "O_RDWR"].iter().any(|f| call.contains(f));
        if writes {
            points.push(Point { syscall: name.to_string(), n: *n, shown: call.to_string() });
        }
    }
    assert!(!points.is_empty(), "nothing recorded in {}", trace.display());
    points
}

/// strace's options to record (`inject` = None) or to kill at `inject`, ending in `--`.
pub fn strace_args(trace: &Path, inject: Option<&Point>) -> Vec<String> {
    let mut args = vec!["-f".to_string(), "-qq".into()];
    match inject {
        None => args.extend(["-o".into(), trace.display().to_string(), "-e".into(), set()]),
        Some(p) => args.extend([
            "-o".into(),
            "/dev/null".into(),
            "-e".into(),
            format!("trace={}", p.syscall),
            "-e".into(),
            format!("inject={}:signal=KILL:when={}", p.syscall, p.n),
        ]),
    }
    args.push("--".into());
    args
}

fn set() -> String {
    format!("trace={}", CHANGING.join(","))
}

/// Makes `home` hold exactly what `template` holds (a home saved with [`save`]).
pub fn restore(home: &Home, template: &Path) {
    for e in std::fs::read_dir(home.path()).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) }.unwrap();
    }
    copy_tree(template, home.path());
}

/// Copies `home` into `template`, modes included.
pub fn save(home: &Home, template: &Path) {
    std::fs::create_dir_all(template).unwrap();
    copy_tree(home.path(), template);
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_tree(&src, &dst);
            let mode = std::fs::metadata(&src).unwrap().permissions().mode();
            std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(mode)).unwrap();
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Temp files a killed writer left (name `.tmp-…`), after checking each is private.
pub fn leftover_temps(home: &Home) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for (path, _) in home.snapshot() {
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".tmp-")) {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} was left readable by others", path.display());
            found.push(path);
        }
    }
    found
}

/// Ages the leftover temp files by an hour, as if the crash were long ago.
pub fn age(paths: &[PathBuf]) {
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for p in paths {
        std::fs::File::options().write(true).open(p).unwrap().set_modified(hour_ago).unwrap();
    }
}

/// After a kill: every file that was there is still there, and each file is either exactly as
/// it was or `whole` accepts it as a complete new version. Temp files are skipped.
pub fn assert_intact_or_whole(
    before: &[(PathBuf, String)],
    home: &Home,
    whole: &dyn Fn(&Path, &str) -> bool,
    point: &Point,
) {
    let now = home.snapshot();
    for (path, _) in before {
        assert!(now.iter().any(|(p, _)| p == path), "killed at {point:?}: {} is gone", path.display());
    }
    for (path, text) in &now {
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".tmp-")) {
            continue;
        }
        let unchanged = before.iter().any(|(p, t)| p == path && t == text);
        assert!(
            unchanged || whole(path, text),
            "killed at {point:?}: {} is neither the old file nor a whole new one:\n{text}",
            path.display()
        );
    }
}
