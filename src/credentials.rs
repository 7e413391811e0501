//! Temporary AWS credentials, as every source ends up with them.

use time::OffsetDateTime;

use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    #[serde(with = "time::serde::rfc3339")]
    pub expiration: OffsetDateTime,
}
