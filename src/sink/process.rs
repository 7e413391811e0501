//! The `credential_process` protocol: one JSON object, Version 1, on stdout.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>

use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::credentials::Credentials;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: &'a str,
    expiration: String,
}

/// The JSON line the AWS CLI and SDKs read. `Expiration` is RFC 3339 in UTC.
pub fn to_json(c: &Credentials) -> String {
    let out = Output {
        version: 1,
        access_key_id: &c.access_key_id,
        secret_access_key: c.secret_access_key.expose(),
        session_token: c.session_token.expose(),
        expiration: c.expiration.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default(),
    };
    // Serializing plain strings cannot fail.
    serde_json::to_string(&out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn exactly_the_five_keys_in_utc() {
        let c = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("sk"),
            session_token: Secret::new("tok\"en"),
            expiration: time::macros::datetime!(2026-11-22 15:00:00 +01:00),
        };
        assert_eq!(
            to_json(&c),
            r#"{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"sk","SessionToken":"tok\"en","Expiration":"2026-11-22T14:00:00Z"}"#
        );
    }
}
