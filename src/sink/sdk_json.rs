//! JSON for code that takes credentials as an object: boto3's keyword arguments and the AWS JS
//! SDK v3's `credentials`.

use serde::Serialize;

use super::Issued;

/// `boto3.client('sts', **args)` / `boto3.Session(**args)`: exactly these three keywords.
pub fn boto(issued: &Issued<'_>) -> String {
    #[derive(Serialize)]
    struct Boto<'a> {
        aws_access_key_id: &'a str,
        aws_secret_access_key: &'a str,
        aws_session_token: &'a str,
    }
    let c = issued.credentials;
    let out = Boto {
        aws_access_key_id: &c.access_key_id,
        aws_secret_access_key: c.secret_access_key.expose(),
        aws_session_token: c.session_token.expose(),
    };
    serde_json::to_string(&out).unwrap_or_default()
}

/// A JS SDK v3 client's `credentials`. JSON has no dates: `expiration` is RFC 3339, for
/// `new Date(…)` (the SDK calls `expiration.getTime()`).
pub fn js(issued: &Issued<'_>) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Js<'a> {
        access_key_id: &'a str,
        secret_access_key: &'a str,
        session_token: &'a str,
        expiration: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        account_id: Option<&'a str>,
    }
    let c = issued.credentials;
    let out = Js {
        access_key_id: &c.access_key_id,
        secret_access_key: c.secret_access_key.expose(),
        session_token: c.session_token.expose(),
        expiration: super::expiration(c),
        account_id: issued.account_id,
    };
    serde_json::to_string(&out).unwrap_or_default()
}
