//! What `aws-login configure` asks for an OpenID Connect profile, checked by the rules the
//! profile is read with.

use crate::configure::{Question, UNSET, check_text};

pub const QUESTIONS: [Question; 3] = [
    Question {
        key: "oidc_issuer",
        label: "OpenID issuer URL",
        unset: UNSET,
        required: true,
        check: check_issuer,
    },
    Question { key: "client_id", label: "Client ID", unset: UNSET, required: true, check: check_text },
    Question {
        key: "oidc_flow",
        label: "Sign in with: browser or device",
        unset: "browser",
        required: false,
        check: check_flow,
    },
];

fn check_issuer(v: &str) -> Result<String, String> {
    crate::http::check_url("oidc_issuer", v.trim(), "your tokens")
        .map(|_| v.trim().to_string())
        .map_err(|e| format!("{e}."))
}

fn check_flow(v: &str) -> Result<String, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        f @ ("browser" | "device") => Ok(f.to_string()),
        _ => Err("it must be one of browser, device.".into()),
    }
}
