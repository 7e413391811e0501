//! A profile loaded from arbitrary `~/.aws-login/config` text (src/config.rs over
//! src/ini_edit.rs, refusing what strict configparser refuses).
//!
//! Input: `<profile name>\0<file text>`, or just the file text for profile `default`.
//! Checked, beyond "no panic": an accepted profile has a valid https (or loopback http) ECP URL,
//! a duration STS accepts, a Duo timeout of 5–600 s, a trimmed role ARN, a service provider; an
//! error is one line and never repeats the password or passcode of the file.
#![no_main]

use std::path::Path;

use aws_login::cli::ProfileArgs;
use aws_login::config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let (profile, text) = match input.split_once('\0') {
        Some((p, t)) => (Some(p.to_string()), t),
        None => (None, input),
    };
    // A profile name comes from the command line or AWS_PROFILE, and is shown in errors as
    // given: one with a line break is the caller's own doing, so it is not generated here.
    if profile.as_deref().is_some_and(|p| p.contains(char::is_control)) {
        return;
    }
    let args = ProfileArgs { profile: profile.clone(), ..Default::default() };
    let path = Path::new("/home/u/.aws-login/config");
    match config::load_from_str(text, path, &args) {
        Ok(s) => {
            assert_eq!(s.profile, profile.filter(|p| !p.is_empty()).unwrap_or_else(|| "default".into()));
            assert!(s.duration.is_none_or(|d| (900..=43200).contains(&d)), "{:?}", s.duration);
            let aws_login::source::Settings::Ecp(ecp) = &s.source;
            aws_login::source::ecp::settings::validate_url(&ecp.endpoint_url).expect("the ECP URL was validated");
            assert!((5..=600).contains(&ecp.duo_timeout.as_secs()), "{:?}", ecp.duo_timeout);
            assert!(!s.refresh_margin.is_negative());
            if let Some(role) = &s.role_arn {
                assert!(!role.is_empty() && role.trim() == role, "{role:?}");
            }
            assert!(!ecp.sp.acs_url.is_empty() && !ecp.sp.entity_id.is_empty());
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "a multi-line error: {message:?}");
        }
    }

    // A password or passcode never shows in an error: the same file with every such value
    // replaced by a marker must not fail with the marker in its message.
    const MARKER: &str = "S3cr3tM4rk3rZq";
    if !text.contains("pass") {
        return;
    }
    let mut marked = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.split_once('=') {
            Some((key, _)) if matches!(key.trim(), "password" | "passcode") => {
                marked.push_str(&format!("{key}= {MARKER}\n"));
            }
            _ => marked.push_str(line),
        }
    }
    if let Err(e) = config::load_from_str(&marked, path, &args) {
        let message = e.to_string();
        assert!(!message.contains(MARKER), "the error shows a secret: {message:?}");
    }
});
