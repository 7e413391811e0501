//! What `aws-login configure` asks for an Identity Center profile.

use crate::configure::{Question, UNSET, check_text};

pub const QUESTIONS: [Question; 4] = [
    Question {
        key: "sso_start_url",
        label: "IAM Identity Center start URL",
        unset: UNSET,
        required: true,
        check: check_url,
    },
    Question {
        key: "sso_region",
        label: "IAM Identity Center region",
        unset: UNSET,
        required: true,
        check: check_text,
    },
    Question {
        key: "sso_account_id",
        label: "Account ID (none: chosen at login)",
        unset: UNSET,
        required: false,
        check: check_text,
    },
    Question {
        key: "sso_role_name",
        label: "Role name (none: chosen at login)",
        unset: UNSET,
        required: false,
        check: check_text,
    },
];

/// `https://`, or `http://` on loopback only, as every URL aws-login sends a secret to.
fn check_url(value: &str) -> Result<String, String> {
    crate::http::check_url("sso_start_url", value.trim(), "nothing")
        .map(|_| value.trim().to_string())
        .map_err(|e| e.to_string())
}
