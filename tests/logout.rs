//! `aws-login logout`: cached credentials go (the role and user they were for stay); with
//! --purge, the IdP session, the keyring password and the remembered role go too. Exit 0 when
//! anything was deleted, 3 when nothing was, 4 for a profile that does not exist, 26 when part of
//! a purge could not be done.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::*;

fn two_profiles(stack: &Stack) -> Home {
    let home = Home::new();
    home.ecp_profile(stack, "a", &format!("username = alice\npassword = {ALICE_PW}"));
    home.ecp_profile(stack, "a2", &format!("username = alice\npassword = {ALICE_PW}"));
    home
}

#[test]
fn logout_deletes_one_profile_and_then_says_already_logged_out() {
    let stack = Stack::start();
    let home = two_profiles(&stack);
    home.run(&stack, &["login", "--profile", "a"]).ok();
    home.run(&stack, &["login", "--profile", "a2"]).ok();

    let out = home.run(&stack, &["logout", "--profile", "a"]).ok();
    assert!(out.stderr().contains("Logged out") && out.stderr().contains("'a'"), "{}", out.stderr());
    assert!(!home.cache_file("a").exists());
    assert!(home.cache_file("a2").exists(), "other profiles are untouched");

    let err = home.run(&stack, &["logout", "--profile", "a"]).fails(3);
    assert!(err.contains("already logged out"), "{err}");

    // Without --purge the IdP session survives: logging in again needs no password.
    let before = stack.idp_log().len();
    home.run(&stack, &["login", "--profile", "a"]).ok();
    assert_eq!(stack.idp_log()[before]["auth"], "cookie");
}

#[test]
fn a_profile_that_does_not_exist_is_named_and_leaves_no_lock_behind() {
    let stack = Stack::start();
    let home = two_profiles(&stack);
    home.run(&stack, &["login", "--profile", "a"]).ok();
    for args in [&["logout", "--profile", "nosuch"][..], &["logout", "--profile", "nosuch", "--purge"]] {
        let err = home.run(&stack, args).fails(4);
        assert!(err.contains("profile 'nosuch' does not exist"), "{err}");
    }
    let cache = home.login_dir().join("cache");
    let names: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("nosuch")), "{names:?}");
    // A profile that is only cached (its section since removed) can still be logged out.
    std::fs::write(home.login_dir().join("config"), "").unwrap();
    home.run(&stack, &["logout", "--profile", "a"]).ok();
}

#[test]
fn logout_all_deletes_every_profile() {
    let stack = Stack::start();
    let home = two_profiles(&stack);
    home.run(&stack, &["login", "--profile", "a"]).ok();
    home.run(&stack, &["login", "--profile", "a2"]).ok();
    home.run(&stack, &["logout", "--all"]).ok();
    assert!(!home.cache_file("a").exists() && !home.cache_file("a2").exists());
    let err = home.run(&stack, &["logout", "--all"]).fails(3);
    assert!(err.contains("already logged out: no profile has cached credentials"), "{err}");
}

#[test]
fn purge_forgets_the_idp_session_and_names_the_profiles_it_affects() {
    let stack = Stack::start();
    let home = two_profiles(&stack);
    home.run(&stack, &["login", "--profile", "a"]).ok();
    let jar_dir = home.login_dir().join("cookies");
    // The jars, not the empty lock files beside them.
    let jars = || {
        std::fs::read_dir(&jar_dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .count()
    };
    assert_eq!(jars(), 1);

    let out = home.run(&stack, &["logout", "--profile", "a", "--purge"]).ok();
    let err = out.stderr();
    assert!(err.contains("Forgot the IdP session of alice@127.0.0.1"), "{err}");
    assert!(!err.contains("password of"), "no keyring in use, so no stored password was forgotten: {err}");
    assert!(
        err.contains("Profile 'a2' uses the same IdP account and will ask for a password at its next login."),
        "the other profile of the same account is named: {err}"
    );
    assert_eq!(jars(), 0);
    let err = home.run(&stack, &["logout", "--profile", "a", "--purge"]).fails(3);
    assert!(err.contains("already logged out"), "a purge that finds nothing left: {err}");

    let before = stack.idp_log().len();
    home.run(&stack, &["login", "--profile", "a"]).ok();
    assert_eq!(stack.idp_log()[before]["auth"], "basic", "a password login after the purge");
}

#[test]
fn purge_with_the_keyring_unreachable_says_so_and_exits_26() {
    let stack = Stack::start();
    let home = Home::new();
    // The test environment has no D-Bus session: the keyring cannot be reached.
    home.ecp_profile(&stack, "k", &format!("username = alice\npassword = {ALICE_PW}\nenable_keyring = true"));
    home.run(&stack, &["login", "--profile", "k"]).ok();
    let out = home.run(&stack, &["logout", "--profile", "k", "--purge"]);
    assert_eq!(out.code(), 26, "{}", out.stderr());
    let err = out.stderr();
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].starts_with("Logged out: deleted the cached credentials of 'k'."), "{err}");
    assert!(
        lines.contains(&"Forgot the IdP session of alice@127.0.0.1:%.".replace('%', port(&stack)).as_str()),
        "{err}"
    );
    let last = lines.last().unwrap();
    assert!(
        last.starts_with(
            "aws-login: the OS keyring could not be reached to forget the stored password of alice@127.0.0.1:"
        ),
        "{err}"
    );
    assert!(last.contains("run the same `aws-login logout --purge` again"), "{err}");
    assert!(!err.contains("and the stored password"), "{err}");
    assert!(!home.cache_file("k").exists());
}

fn port(stack: &Stack) -> &str {
    stack.ecp_url.trim_start_matches("http://127.0.0.1:").split('/').next().unwrap()
}

#[test]
fn the_remembered_role_and_user_outlive_a_logout_but_not_a_purge() {
    const ADMIN: &str = "arn:aws:iam::444455556666:role/team/Admin";
    let stack = Stack::start();
    let home = Home::new();
    // bob has four roles and no username is configured: both come from the last login.
    home.ecp_profile(&stack, "b", &format!("password = {BOB_PW}\nfactor = push"));
    home.run(&stack, &["login", "--profile", "b", "--username", "bob", "--role-arn", ADMIN]).ok();
    home.run(&stack, &["logout", "--profile", "b"]).ok();
    assert!(!home.cache_file("b").exists());

    // No terminal to ask on: this works only if the user and the role were remembered.
    home.run(&stack, &["login", "--profile", "b"]).ok();
    assert_eq!(stack.sts_assumes().last().unwrap()["role_arn"], ADMIN);
    assert_eq!(stack.idp_log().last().unwrap()["auth"], "cookie", "the IdP session was kept too");

    let out = home.run(&stack, &["logout", "--profile", "b", "--purge"]).ok();
    assert!(out.stderr().contains("Forgot the role and IdP user remembered for 'b'."), "{}", out.stderr());
    let err = home.run(&stack, &["login", "--profile", "b"]).fails(23);
    assert!(err.contains("a username is needed"), "{err}");
}

/// A TCP relay to the test IdP that can hold connections: while held, a connection is accepted
/// and reported, but nothing is relayed until the gate opens.
struct Gate {
    url: String,
    arrived: mpsc::Receiver<()>,
    state: Arc<(Mutex<bool>, Condvar)>,
}

impl Gate {
    fn before(stack: &Stack) -> Gate {
        let idp = stack.ecp_url.trim_start_matches("http://").split('/').next().unwrap().to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = stack.ecp_url.replace(&idp, &listener.local_addr().unwrap().to_string());
        let (tx, arrived) = mpsc::channel();
        let state = Arc::new((Mutex::new(false), Condvar::new()));
        let held = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (idp, tx, held) = (idp.clone(), tx.clone(), held.clone());
                std::thread::spawn(move || {
                    let (lock, cvar) = &*held;
                    let mut closed = lock.lock().unwrap();
                    if *closed {
                        let _ = tx.send(());
                        while *closed {
                            closed = cvar.wait(closed).unwrap();
                        }
                    }
                    drop(closed);
                    relay(client, TcpStream::connect(idp).unwrap());
                });
            }
        });
        Gate { url, arrived, state }
    }

    fn hold(&self) {
        *self.state.0.lock().unwrap() = true;
    }

    fn open(&self) {
        *self.state.0.lock().unwrap() = false;
        self.state.1.notify_all();
    }
}

fn relay(client: TcpStream, server: TcpStream) {
    let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut c_in, &mut s_out);
        let _ = s_out.shutdown(Shutdown::Write);
    });
    let (mut s_in, mut c_out) = (server, client);
    let mut buf = [0u8; 8192];
    while let Ok(n) = s_in.read(&mut buf) {
        if n == 0 || c_out.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = c_out.shutdown(Shutdown::Write);
}

/// Whether some process waits (blocked in `flock`) for a lock on `path`.
fn someone_waits_for(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let ino = std::fs::metadata(path).unwrap().ino();
    let locks = std::fs::read_to_string("/proc/locks").unwrap();
    locks.lines().any(|l| l.contains("->") && l.split_whitespace().any(|f| f.ends_with(&format!(":{ino}"))))
}

fn spawn(home: &Home, stack: &Stack, args: &[&str]) -> Child {
    let mut c = home.command_for(stack, BIN);
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    c.spawn().unwrap()
}

#[test]
fn a_purge_waits_for_a_login_of_the_same_account_and_its_session_stays_purged() {
    let stack = Stack::start();
    let gate = Gate::before(&stack);
    let home = Home::new();
    for p in ["a", "a2"] {
        home.profile(p, &format!("ecp_endpoint_url = {}\nusername = alice\npassword = {ALICE_PW}", gate.url));
    }
    home.run(&stack, &["login", "--profile", "a"]).ok();
    let cookies = home.login_dir().join("cookies");
    let files = |ext: &str| -> Vec<PathBuf> {
        std::fs::read_dir(&cookies)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .collect()
    };
    let account_lock = files("lock").pop().unwrap();

    // A login of the other profile holds the account's jar, its IdP exchange held at the gate.
    gate.hold();
    let login = spawn(&home, &stack, &["login", "--force-refresh", "--profile", "a2"]);
    gate.arrived.recv_timeout(Duration::from_secs(60)).expect("the login reached the IdP");

    // The purge must wait for it: the login's session would otherwise be saved back.
    let mut purge = spawn(&home, &stack, &["logout", "--profile", "a", "--purge"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !someone_waits_for(&account_lock) && purge.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the purge neither finished nor waited for the account's lock");
        std::thread::sleep(Duration::from_millis(10));
    }
    gate.open();
    let login = login.wait_with_output().unwrap();
    assert!(login.status.success(), "{}", String::from_utf8_lossy(&login.stderr));
    let purge = purge.wait_with_output().unwrap();
    assert!(purge.status.success(), "{}", String::from_utf8_lossy(&purge.stderr));

    assert!(files("json").is_empty(), "the session the login saved was purged after it");
    let before = stack.idp_log().len();
    home.run(&stack, &["login", "--profile", "a2", "--force-refresh"]).ok();
    assert_eq!(stack.idp_log()[before]["auth"], "basic", "a password login after the purge");
}
