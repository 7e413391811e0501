//! What `aws-login configure` asks for an ECP profile, and how it checks the answers: by the
//! same rules the profile is read with ([`super::settings`]).

use crate::configure::{Question, UNSET, check_bool, check_text};

pub const QUESTIONS: [Question; 4] = [
    Question {
        key: "ecp_endpoint_url",
        label: "ECP endpoint URL",
        unset: UNSET,
        required: true,
        check: check_url,
    },
    Question { key: "username", label: "Username", unset: UNSET, required: false, check: check_text },
    Question {
        key: "enable_keyring",
        label: "Keep the password in the keyring (true/false)",
        unset: "false",
        required: false,
        check: check_bool,
    },
    Question {
        key: "factor",
        label: "Duo factor: push, passcode, sms, phone, auto, or off if you have no Duo (none: asked at each login)",
        unset: UNSET,
        required: false,
        check: check_factor,
    },
];

/// https, or http on loopback only: the password travels to it.
fn check_url(v: &str) -> Result<String, String> {
    super::settings::validate_url(v).map(|()| v.to_string()).map_err(|e| format!("{e}."))
}

fn check_factor(v: &str) -> Result<String, String> {
    super::settings::check_factor(v).map(|()| v.to_string()).map_err(|e| format!("{e}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        assert!(check_url("https://idp.example.edu/idp/profile/SAML2/SOAP/ECP").is_ok());
        assert!(check_url("http://127.0.0.1:8080/idp/profile/SAML2/SOAP/ECP").is_ok());
        assert!(check_url("http://[::1]:8080/ecp").is_ok());
        assert!(check_url("http://localhost/ecp").is_ok());
        for bad in ["http://idp.example.edu/ecp", "ftp://idp/ecp", "idp.example.edu", "https://"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_factor("push").is_ok() && check_factor("off").is_ok());
        assert!(check_factor("fax").unwrap_err().contains("not a Duo factor"));
    }
}
