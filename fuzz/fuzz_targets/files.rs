//! aws-login's own state files, read back from disk: the credentials cache (src/cache.rs), the
//! IdP cookie jar (src/cookies.rs) and awscli-login's LWP cookie jar imported on first use.
//!
//! Input: one selector byte (0: cache JSON, 1: cookie jar JSON, 2: LWP jar), then the file.
//! Checked, beyond "no panic": a cache entry that loads has format version 1, survives a
//! store-and-load round trip unchanged, and its freshness can be judged; a jar that opens
//! (ours or imported) saves and reopens with the same cookies for the IdP (unless either would
//! be written over the 64 KiB cap, which is refused).
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use aws_login::cache::{Cache, DEFAULT_MARGIN};
use aws_login::cookies::Jar;
use aws_login::paths::Paths;
use libfuzzer_sys::fuzz_target;
use url::Url;

const ACCOUNT: &str = "bob@idp.example.edu";

/// One scratch home for the whole run, as `AWSCLI_LOGIN_ROOT`: under `FUZZ_SCRATCH` (which
/// scripts/fuzz.sh sets in memory and removes afterwards: libFuzzer exits without cleaning up),
/// else under the system's temporary directory.
fn paths() -> Paths {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    HOME.get_or_init(|| {
        let base = std::env::var_os("FUZZ_SCRATCH").map_or_else(std::env::temp_dir, Into::into);
        let dir = tempfile::Builder::new().prefix("aws-login-fuzz-").tempdir_in(base).unwrap();
        std::fs::create_dir_all(dir.path().join(".aws-login/cache")).unwrap();
        std::fs::create_dir_all(dir.path().join(".aws-login/cookies")).unwrap();
        // SAFETY: set once, before anything reads the environment; libFuzzer runs one thread.
        unsafe { std::env::set_var("AWSCLI_LOGIN_ROOT", dir.path()) };
        dir
    });
    Paths::from_env().unwrap()
}

/// Opens the account's jar (waiting at most a second for its lock, which nothing else holds).
fn open(paths: &Paths, url: &Url) -> Result<Jar, aws_login::error::Error> {
    Jar::open(paths, ACCOUNT, "bob", url, Duration::from_secs(1))
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, file)) = data.split_first() else { return };
    let paths = paths();
    let url = Url::parse("https://idp.example.edu/idp/profile/SAML2/SOAP/ECP").unwrap();
    match which % 3 {
        0 => {
            let cache = Cache::new(&paths, "p");
            std::fs::write(cache.path(), file).unwrap();
            if let Ok(Some(entry)) = cache.load() {
                assert_eq!(entry.version, 1);
                let _ = entry.is_fresh(time::OffsetDateTime::now_utc(), DEFAULT_MARGIN);
                match cache.store(&entry) {
                    // Written pretty, an entry read from a compact file near the 64 KiB cap can be
                    // over it: refused, never written.
                    Err(aws_login::error::Error::TooLarge { .. }) => return,
                    other => other.unwrap(),
                }
                assert_eq!(cache.load().unwrap().as_ref(), Some(&entry), "store and load changed the entry");
            }
        }
        1 => {
            std::fs::write(paths.cookie_jar(ACCOUNT), file).unwrap();
            if let Ok(jar) = open(&paths, &url) {
                same_after_save(&paths, &url, jar);
            }
        }
        _ => {
            let _ = std::fs::remove_file(paths.cookie_jar(ACCOUNT));
            std::fs::write(paths.awscli_login_cookie_jar("bob"), file).unwrap();
            let jar = open(&paths, &url).expect("an LWP jar is imported or ignored, never an error");
            same_after_save(&paths, &url, jar);
            std::fs::remove_file(paths.cookie_jar(ACCOUNT)).unwrap();
        }
    }
});

/// Saves `jar`, lets go of it (it holds the account's lock) and opens it again.
fn same_after_save(paths: &Paths, url: &Url, jar: Jar) {
    let cookies = |jar: &Jar| {
        let header = jar.header().map(|h| h.expose().to_string()).unwrap_or_default();
        let mut pairs: Vec<String> = header.split("; ").map(str::to_string).collect();
        pairs.sort();
        pairs
    };
    let before = cookies(&jar);
    match jar.save() {
        // cookie_store's JSON for what was read can be larger than the file it came from.
        Err(aws_login::error::Error::TooLarge { .. }) => return,
        other => other.unwrap(),
    }
    drop(jar);
    let again = open(paths, url).expect("a saved jar opens");
    assert_eq!(cookies(&again), before, "save and open changed the cookies");
}
