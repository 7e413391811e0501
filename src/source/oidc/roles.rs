//! The roles a web identity may assume: `role_arn` alone, or those of a list (`roles`), an ID
//! token claim (`roles_claim`) and mozilla-aws-cli's roles API (`roles_url`), together and in
//! that order; `role_arn`, the remembered role or the picker then chooses among them. The roles
//! API also names accounts (their aliases), which the picker and `--all-roles` show.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::Settings;
use super::discovery::Op;
use super::machine_settings::is_role_arn;
use crate::error::Error;
use crate::secret::Secret;

/// The roles to offer, and the names of their accounts where a source gave them.
#[derive(Debug, Default, PartialEq)]
pub struct Offered {
    pub roles: Vec<String>,
    /// (account ID, alias), for the picker and generated profiles' names.
    pub accounts: Vec<(String, String)>,
}

/// The roles to offer. `id_token` is the login's checked ID token, when it has one.
pub async fn for_web_identity(
    op: &Op,
    s: &Settings,
    profile: &crate::config::Settings,
    config: std::path::PathBuf,
    id_token: Option<&Secret>,
) -> Result<Offered, Error> {
    let from = &s.machine.roles;
    if !from.any() {
        return match &profile.role_arn {
            Some(arn) => Ok(Offered { roles: vec![arn.clone()], accounts: Vec::new() }),
            None => {
                Err(Error::MissingSetting { profile: profile.profile.clone(), key: "role_arn", path: config })
            }
        };
    }
    let needs_id_token = |key: &'static str, value: &str| Error::BadSetting {
        key,
        value: crate::text::shown(value, 100),
        why: "it needs an ID token, and this login has none (client credentials give none)".into(),
    };
    let mut roles = from.listed.clone();
    let mut accounts = Vec::new();
    let mut said = vec!["the profile's roles"];
    if let Some(claim) = &from.claim {
        let token = id_token.ok_or_else(|| needs_id_token("roles_claim", claim))?;
        roles.extend(from_claim(token, claim));
        said.push("the ID token's roles claim");
    }
    if let Some(url) = &from.url {
        let token = id_token.ok_or_else(|| needs_id_token("roles_url", url))?;
        let answer = from_roles_api(op, url, token).await?;
        roles.extend(answer.roles);
        accounts = answer.accounts;
        said.push("the roles API");
    }
    let mut once: Vec<String> = Vec::new();
    for role in roles {
        if !once.contains(&role) {
            once.push(role);
        }
    }
    crate::log::debug(1, &format!("{} role(s) to choose from", once.len()));
    if once.is_empty() {
        return Err(Error::WebIdentityNoRoles { from: said[1..].join(" and ") });
    }
    Ok(Offered { roles: once, accounts })
}

/// The role ARNs in claim `name` of `token` (checked already): an array of strings, or one
/// string of ARNs separated by commas or spaces. Other values (group names) are passed over.
pub fn from_claim(token: &Secret, name: &str) -> Vec<String> {
    let payload = token
        .expose()
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok())
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    let values: Vec<String> = match payload.as_ref().and_then(|p| p.get(name)) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(list)) => list.split([',', ' ']).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    arns_only(values, "the ID token's claim")
}

fn arns_only(values: Vec<String>, from: &str) -> Vec<String> {
    let (arns, others): (Vec<String>, Vec<String>) = values
        .into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .partition(|v| is_role_arn(v));
    if !others.is_empty() {
        crate::log::debug(
            1,
            &format!("{from} has {} value(s) that are not role ARNs; passed over", others.len()),
        );
    }
    arns
}

/// mozilla-aws-cli's `idtoken_for_roles_url`: POST `{"token", "key", "cache"}` (the ID token and
/// the provider's JWKS, which the service verifies it with); the answer lists role ARNs and
/// each account's aliases, or says `error`.
async fn from_roles_api(op: &Op, url: &str, id_token: &Secret) -> Result<Offered, Error> {
    let (_, jwks) = op.get(&op.meta.jwks_uri, "the OpenID provider's JWKS").await?;
    let key: Value = serde_json::from_slice(&jwks).unwrap_or(Value::Null);
    let body = serde_json::json!({ "token": id_token.expose(), "key": key, "cache": true });
    let started = std::time::Instant::now();
    let (status, answer) = op
        .send_built(url, "the roles API", |http, url| {
            http.post(url)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .body(body.to_string())
        })
        .await?;
    crate::log::debug(2, &format!("the roles API answered HTTP {status} in {:?}", started.elapsed()));
    let failed = |detail: String| Error::OAuthError {
        issuer: crate::http::shown_url(url),
        what: "roles request",
        detail,
        advice: "log in again, and if it persists, ask the roles API's administrators (or set role_arn)",
    };
    parse_roles_answer(status, &answer).map_err(failed)
}

/// The role ARNs and account aliases of a roles API answer, or what went wrong in words.
pub fn parse_roles_answer(status: u16, body: &[u8]) -> Result<Offered, String> {
    let answer: Value =
        serde_json::from_slice(body).map_err(|_| format!("HTTP {status}, not a JSON answer"))?;
    if let Some(error) = answer.get("error").filter(|e| !e.is_null()) {
        let text = error.as_str().map(str::to_string).unwrap_or_else(|| error.to_string());
        return Err(crate::text::shown(&text, 200));
    }
    let roles = match answer.get("roles") {
        Some(Value::Array(items)) if status == 200 => {
            arns_only(items.iter().filter_map(Value::as_str).map(str::to_string).collect(), "the roles API")
        }
        _ => return Err(format!("HTTP {status} without a list of roles")),
    };
    // `aliases`: {account ID: [aliases]}; an account without one lists its own ID, which names
    // nothing. Shown on a terminal later, so through text::shown there.
    let mut accounts: Vec<(String, String)> = answer
        .get("aliases")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(id, names)| {
            let name =
                names.as_array()?.iter().filter_map(Value::as_str).find(|n| !n.is_empty() && *n != id)?;
            Some((id.clone(), name.to_string()))
        })
        .collect();
    accounts.sort();
    Ok(Offered { roles, accounts })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "arn:aws:iam::111122223333:role/WebDeveloper";
    const B: &str = "arn:aws:iam::444455556666:role/WebAdmin";

    fn token(claims: &Value) -> Secret {
        Secret::new(format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", URL_SAFE_NO_PAD.encode(claims.to_string())))
    }

    #[test]
    fn a_claim_lists_roles_as_an_array_or_a_string() {
        let t =
            token(&serde_json::json!({"roles": [A, "developers", B], "csv": format!("{A}, {B}"), "n": 3}));
        assert_eq!(from_claim(&t, "roles"), [A, B]);
        assert_eq!(from_claim(&t, "csv"), [A, B]);
        assert!(from_claim(&t, "n").is_empty());
        assert!(from_claim(&t, "absent").is_empty());
        assert!(from_claim(&Secret::new("not-a-jwt"), "roles").is_empty());
    }

    #[test]
    fn the_roles_api_answer_is_read_as_maws_sends_it() {
        let ok = format!(
            r#"{{"roles": ["{A}", "{B}"], "aliases": {{"111122223333": ["dev"], "444455556666": ["444455556666"]}}}}"#
        );
        let offered = parse_roles_answer(200, ok.as_bytes()).unwrap();
        assert_eq!(offered.roles, [A, B]);
        // The account whose only alias is its ID has no name.
        assert_eq!(offered.accounts, [("111122223333".to_string(), "dev".to_string())]);
        assert_eq!(parse_roles_answer(200, br#"{"roles": []}"#).unwrap(), Offered::default());
        assert_eq!(parse_roles_answer(200, br#"{"error": "invalid token"}"#).unwrap_err(), "invalid token");
        assert_eq!(parse_roles_answer(502, b"<html>").unwrap_err(), "HTTP 502, not a JSON answer");
        assert_eq!(
            parse_roles_answer(200, br#"{"aliases": {}}"#).unwrap_err(),
            "HTTP 200 without a list of roles"
        );
    }
}
