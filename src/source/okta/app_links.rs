//! The user's AWS Federation apps, from Okta's `GET /api/v1/users/me/appLinks` (the access
//! token as bearer; it needs the `okta.users.read.self` scope). An AWS Federation app is a link
//! whose `appName` is `amazon_aws`.

use serde::Deserialize;

use super::Failure;
use crate::error::Error;
use crate::secret::Secret;
use crate::source::oidc::discovery::Op;
use crate::text::shown;

/// Okta's app name of the AWS Account Federation app.
const AWS_FEDERATION: &str = "amazon_aws";

/// One AWS Federation app the user is assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FedApp {
    /// The app instance ID (`0oa…`), as `aws_acct_fed_app_id` names it.
    pub id: String,
    /// Its label in the Okta dashboard.
    pub label: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Link {
    app_instance_id: String,
    app_name: String,
    #[serde(default)]
    label: String,
}

/// The user's AWS Federation apps, in Okta's order.
pub async fn fed_apps(op: &Op, org: &str, access_token: &Secret) -> Result<Vec<FedApp>, Failure> {
    let url = format!("{org}/api/v1/users/me/appLinks");
    let (status, body) = op
        .send_built(&url, "Okta's app links", |http, url| {
            http.get(url).bearer_auth(access_token.expose()).header("Accept", "application/json")
        })
        .await
        .map_err(Failure::Other)?;
    match status {
        200 => parse(&body).map_err(|found| Failure::Other(Error::NotOkta { url, found })),
        // The access token expired or was revoked: a new sign-in gives another.
        401 => Err(Failure::Expired("Okta no longer accepts the saved access token")),
        403 => Err(Failure::Other(Error::OAuthError {
            issuer: shown(org, 200),
            what: "app links request",
            detail: "HTTP 403: the access token may not read the user's apps".into(),
            advice: "grant the OIDC app the okta.users.read.self scope, or set aws_acct_fed_app_id",
        })),
        _ => Err(Failure::Other(Error::NotOkta { url, found: format!("HTTP {status}") })),
    }
}

fn parse(body: &[u8]) -> Result<Vec<FedApp>, String> {
    let links: Vec<Link> =
        serde_json::from_slice(body).map_err(|_| "an answer that is not a list of app links".to_string())?;
    Ok(links
        .into_iter()
        .filter(|l| l.app_name == AWS_FEDERATION)
        .map(|l| FedApp {
            label: if l.label.trim().is_empty() { l.app_instance_id.clone() } else { shown(&l.label, 100) },
            id: l.app_instance_id,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_aws_federation_apps_in_okta_order() {
        let body = br#"[{"id":"00ub0","appInstanceId":"0oaslack1","appName":"slack","label":"Slack","sortOrder":0},
            {"id":"00ub1","appInstanceId":"0oaawsdev1","appName":"amazon_aws","label":"AWS Dev","hidden":false},
            {"id":"00ub2","appInstanceId":"0oaawsprod1","appName":"amazon_aws","label":""}]"#;
        let apps = parse(body).unwrap();
        assert_eq!(
            apps,
            [
                FedApp { id: "0oaawsdev1".into(), label: "AWS Dev".into() },
                FedApp { id: "0oaawsprod1".into(), label: "0oaawsprod1".into() }
            ]
        );
        assert!(parse(b"{\"errorCode\":\"E0000011\"}").is_err());
    }
}
