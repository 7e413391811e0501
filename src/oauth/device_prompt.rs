//! The person's half of a device authorization (RFC 8628 §3.3): where to go and the code to
//! enter, on stderr (stdout is for machines); with `--qr` a QR code of the complete URL drawn
//! in the terminal, with `--open-browser` the complete URL opened in the browser.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

use super::loopback::sign_in_wording;
use crate::browser::{self, Started};
use crate::error::Error;
use crate::secret::Secret;
use crate::text;

/// The longest a device sign-in is waited for, whatever lifetime the issuer gives its code
/// (Okta and AWS give 10 minutes, Entra ID 15, Google 30). A second caller waiting on the lock
/// waits this long too, so it never gives up on a sign-in still under way.
pub const LONGEST_CODE_LIFE: std::time::Duration = std::time::Duration::from_secs(1800);

/// What the device authorization endpoint said the person should do.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub verification_uri: String,
    pub user_code: String,
    /// The URL with the code in it, when the issuer gives one.
    pub verification_uri_complete: Option<String>,
}

/// How to show it.
#[derive(Debug, Clone, Default)]
pub struct Show {
    pub qr: bool,
    /// The browser command to open the complete URL with (`--open-browser`).
    pub open_with: Option<Vec<String>>,
}

/// Shows the prompt; returns the browser command started, if any, for [`check_browser`].
pub fn show(prompt: &Prompt, how: &Show) -> Result<Option<Started>, Error> {
    let complete = prompt.verification_uri_complete.as_deref().unwrap_or(&prompt.verification_uri);
    text::say(&format!(
        "To sign in, open {} and enter the code {}",
        prompt.verification_uri, prompt.user_code
    ));
    if prompt.verification_uri_complete.is_some() {
        text::say(&format!("(or open {complete}, which has the code in it)"));
    }
    if how.qr {
        match qr(complete) {
            // Drawn with block characters, which text::say would leave alone; printed whole.
            Some(drawing) => eprintln!("{drawing}"),
            None => text::say("(the address is too long for a QR code)"),
        }
    }
    match &how.open_with {
        Some(words) => browser::spawn(words, &Secret::new(complete)).map(Some).map_err(sign_in_wording),
        None => Ok(None),
    }
}

/// A QR code of `url` in block characters, two rows of modules per line of text.
pub fn qr(url: &str) -> Option<String> {
    let code = QrCode::new(url.as_bytes()).ok()?;
    Some(code.render::<Dense1x2>().quiet_zone(true).build())
}

/// Whether the browser started by [`show`] has failed; `None` once it has exited well.
pub fn check_browser(started: &mut Option<Started>) -> Result<(), Error> {
    let Some(s) = started else { return Ok(()) };
    match s.child.try_wait() {
        Ok(Some(status)) => {
            let outcome = s.outcome(status).map_err(sign_in_wording);
            *started = None;
            outcome
        }
        Ok(None) | Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_drawn_in_blocks() {
        let drawing = qr("https://op.example/device?user_code=ABCD-EFGH").unwrap();
        let lines: Vec<&str> = drawing.lines().collect();
        // Version 3 (29 modules) plus a 4-module quiet zone each side, two rows a line.
        assert!(lines.len() >= 15, "{drawing}");
        assert!(lines.iter().all(|l| l.chars().count() == lines[0].chars().count()));
        assert!(drawing.contains('█') || drawing.contains('▀') || drawing.contains('▄'));
    }

    #[test]
    fn a_browser_that_fails_is_reported_once_it_exits() {
        let prompt = Prompt {
            verification_uri: "http://127.0.0.1:1/device".into(),
            user_code: "ABCD".into(),
            verification_uri_complete: None,
        };
        let mut started = show(&prompt, &Show { qr: false, open_with: Some(vec!["false".into()]) }).unwrap();
        let child = &mut started.as_mut().unwrap().child;
        let status = child.wait().unwrap();
        assert!(!status.success());
        let e = started.as_ref().unwrap().outcome(status).map_err(sign_in_wording).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::BROWSER);
        let e =
            show(&prompt, &Show { qr: false, open_with: Some(vec!["/nonexistent/b".into()]) }).unwrap_err();
        assert!(e.to_string().contains("no such program"), "{e}");
    }
}
