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
        label: "Sign in with: browser, device or client_credentials (a machine)",
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
        f @ ("browser" | "device" | "client_credentials") => Ok(f.to_string()),
        _ => Err("it must be one of browser, device, client_credentials.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_question_takes_each_flow_the_settings_take() {
        for flow in ["browser", "device", "client_credentials", " Device "] {
            let answer = check_flow(flow).unwrap();
            let profile = format!(
                "[p]\nsource = oidc\noidc_issuer = https://op.example\nclient_id = c\noidc_flow = {answer}\nrole_arn = arn:aws:iam::111122223333:role/R\n"
            );
            let args = crate::cli::ProfileArgs { profile: Some("p".into()), ..Default::default() };
            let config = crate::config::load_from_str(&profile, std::path::Path::new("config"), &args);
            assert!(config.is_ok(), "{flow}: {:?}", config.err());
        }
        assert_eq!(
            check_flow("implicit").unwrap_err(),
            "it must be one of browser, device, client_credentials."
        );
    }
}
