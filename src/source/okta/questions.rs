//! What `aws-login configure` asks for an Okta profile, checked by the rules the profile is
//! read with.

use crate::configure::{Question, UNSET, check_text};

pub const QUESTIONS: [Question; 3] = [
    Question {
        key: "org_domain",
        label: "Okta org domain (as example.okta.com)",
        unset: UNSET,
        required: true,
        check: check_domain,
    },
    Question {
        key: "client_id",
        label: "OIDC app client ID",
        unset: UNSET,
        required: true,
        check: check_text,
    },
    Question {
        key: "aws_acct_fed_app_id",
        label: "AWS Federation app ID (none: every app, chosen at login)",
        unset: UNSET,
        required: false,
        check: check_text,
    },
];

fn check_domain(v: &str) -> Result<String, String> {
    super::settings::org_url(v.trim()).map(|_| v.trim().to_string()).map_err(|e| format!("{e}."))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_org_domain_is_checked_as_the_profile_reads_it() {
        assert_eq!(super::check_domain(" example.okta.com ").unwrap(), "example.okta.com");
        assert!(super::check_domain("http://example.okta.com").unwrap_err().contains("https://"));
        assert!(super::check_domain("example.okta.com/x").unwrap_err().contains("host name alone"));
    }
}
