//! The `credential_process` protocol: one JSON object, Version 1, on stdout.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>

use serde::Serialize;

use super::Issued;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: &'a str,
    expiration: String,
    /// botocore reads it since 2025 (account-based endpoints); older readers ignore it.
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
}

/// The JSON line the AWS CLI and SDKs read. `Expiration` is RFC 3339 in UTC.
pub fn to_json(issued: &Issued<'_>) -> String {
    let c = issued.credentials;
    let out = Output {
        version: 1,
        access_key_id: &c.access_key_id,
        secret_access_key: c.secret_access_key.expose(),
        session_token: c.session_token.expose(),
        expiration: super::expiration(c),
        account_id: issued.account_id,
    };
    // Serializing plain strings cannot fail.
    serde_json::to_string(&out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Credentials;
    use crate::secret::Secret;

    #[test]
    fn the_five_keys_in_utc_and_the_account_when_known() {
        let c = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("sk"),
            session_token: Secret::new("tok\"en"),
            expiration: time::macros::datetime!(2026-11-22 15:00:00 +01:00),
        };
        let issued = Issued { credentials: &c, account_id: None, region: Some("ignored") };
        assert_eq!(
            to_json(&issued),
            r#"{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"sk","SessionToken":"tok\"en","Expiration":"2026-11-22T14:00:00Z"}"#
        );
        let issued = Issued { account_id: Some("111122223333"), ..issued };
        assert!(
            to_json(&issued).ends_with(r#""Expiration":"2026-11-22T14:00:00Z","AccountId":"111122223333"}"#)
        );
    }
}
