//! `kill -9` at every file-changing system call of a login and of `configure` (see
//! tests/common/kill.rs; `migrate` has its own in tests/migrate.rs): every file is left as it
//! was or whole and new, never torn, leftover temp files are private and swept up later, and
//! the next run just works.

mod common;

use std::path::Path;

use common::kill::{self, Point};
use common::*;

/// A cache file or cookie jar that parses and has what aws-login writes into it.
fn whole_login_file(path: &Path, text: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else { return false };
    let dir = path.parent().and_then(|d| d.file_name()).map(|d| d.to_string_lossy().into_owned());
    match dir.as_deref() {
        Some("cache") => v["version"] == 2 && v["credentials"]["session_token"].is_string(),
        Some("cookies") => v["version"] == 1 && v["cookies"].is_array(),
        _ => false,
    }
}

/// Records `args` on a copy of `template`, then kills a run at each point and checks it.
fn kill_everywhere(stack: &Stack, template: &Path, args: &[&str]) -> usize {
    let home = Home::new();
    let scratch = tempfile::tempdir().unwrap();
    let trace = scratch.path().join("trace");
    let strace = |inject: Option<&Point>| {
        let mut c = home.command_for(stack, "strace");
        c.args(kill::strace_args(&trace, inject)).arg(BIN).args(args);
        c
    };
    kill::restore(&home, template);
    let points = kill::record(strace(None), &trace);
    let mut killed = 0;
    for point in &points {
        kill::restore(&home, template);
        let before = home.snapshot();
        let out = strace(Some(point)).output().unwrap();
        use std::os::unix::process::ExitStatusExt;
        match out.status.code() {
            // strace dies of the same signal; setsid passes that on as the signal itself.
            _ if out.status.signal() == Some(9) => killed += 1,
            Some(137) => killed += 1,
            // This run happened to make fewer such calls than the recorded one.
            Some(0) => {}
            other => panic!("killed at {point:?}: exit {other:?}: {}", String::from_utf8_lossy(&out.stderr)),
        }
        kill::assert_intact_or_whole(&before, &home, &whole_login_file, point);

        // The next run recovers, and later sweeps up what the killed one left.
        let temps = kill::leftover_temps(&home);
        kill::age(&temps);
        home.run(stack, args).ok();
        let served = home.run(stack, &["--profile", "p"]).ok().json();
        assert!(served["SessionToken"].is_string(), "after a kill at {point:?}");
        assert!(kill::leftover_temps(&home).is_empty(), "after a kill at {point:?}: temp files stay");
    }
    assert!(killed * 10 >= points.len() * 8, "only {killed} of {} points were reached", points.len());
    killed
}

#[test]
fn a_first_login_killed_anywhere_leaves_no_torn_file() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "p", &format!("username = alice\npassword = {ALICE_PW}"));
    let template = tempfile::tempdir().unwrap();
    kill::save(&home, template.path());
    let killed = kill_everywhere(&stack, template.path(), &["--profile", "p"]);
    assert!(killed >= 10, "{killed}");
}

#[test]
fn a_refresh_killed_anywhere_keeps_the_old_cache_and_jar_or_the_new() {
    let stack = Stack::start();
    let home = Home::new();
    home.ecp_profile(&stack, "p", &format!("username = alice\npassword = {ALICE_PW}"));
    home.run(&stack, &["--profile", "p"]).ok();
    let template = tempfile::tempdir().unwrap();
    kill::save(&home, template.path());
    // The recorded run goes through the IdP session. The IdP rotates its cookie on every use, so
    // later runs from the same template log in with the password; either way the jar and the
    // cache are both rewritten.
    let killed = kill_everywhere(&stack, template.path(), &["login", "--force-refresh", "--profile", "p"]);
    assert!(killed >= 8, "{killed}");
    assert_eq!(stack.idp_log()[1]["auth"], "cookie", "the recorded refresh used the IdP session");
}

/// `configure` writes ~/.aws-login/config and ~/.aws/config; each is the old file or the whole
/// new one whatever point it is killed at, and a second `configure` finishes the job.
#[test]
fn configure_killed_anywhere_leaves_each_config_old_or_whole() {
    let stack = Stack::start();
    let home = Home::new();
    // An existing setup to keep: another profile in both files.
    home.ecp_profile(&stack, "other", "username = carol");
    let template = tempfile::tempdir().unwrap();
    kill::save(&home, template.path());
    let answers = [stack.ecp_url.as_str(), "alice", "", "off", DEVELOPER, "", ""];
    let scratch = tempfile::tempdir().unwrap();
    let trace = scratch.path().join("trace");
    // Typed ahead: the terminal keeps the lines until the prompts read them.
    let configure = |strace: Option<Vec<String>>| {
        let wrapper: Vec<&str> = match &strace {
            Some(args) => std::iter::once("strace").chain(args.iter().map(String::as_str)).collect(),
            None => vec![],
        };
        let mut tty = home.tty_under(&stack, &wrapper, &["configure", "--profile", "p"], &[]);
        for a in answers {
            tty.send_line(a);
        }
        tty.finish()
    };

    kill::restore(&home, template.path());
    let (code, _, screen) = configure(Some(kill::strace_args(&trace, None)));
    assert_eq!(code, 0, "{screen}");
    let done = home.snapshot();
    let points = kill::points_in(&trace);
    let mut killed = 0;
    for point in &points {
        kill::restore(&home, template.path());
        let before = home.snapshot();
        let (code, _, screen) = configure(Some(kill::strace_args(&trace, Some(point))));
        match code {
            137 => killed += 1,
            0 => {}
            other => panic!("killed at {point:?}: exit {other}: {screen}"),
        }
        let whole = |path: &Path, text: &str| done.iter().any(|(p, t)| p == path && t == text);
        kill::assert_intact_or_whole(&before, &home, &whole, point);
        let (code, _, screen) = configure(None);
        assert_eq!(code, 0, "after a kill at {point:?}: {screen}");
        let now: Vec<_> =
            home.snapshot().into_iter().filter(|(p, _)| !p.to_string_lossy().contains("/.tmp-")).collect();
        assert_eq!(now, done, "after a kill at {point:?}");
    }
    assert!(killed * 10 >= points.len() * 8, "only {killed} of {} points were reached", points.len());
}
