//! OAuth 2.0 pieces every browser or device login needs, whatever the issuer: PKCE and the
//! random values a request carries ([`pkce`]), the RFC 8252 loopback redirect listener
//! ([`loopback`]), and the device grant's prompt ([`device_prompt`]). Nothing here knows OpenID
//! Connect or Identity Center; their sources build on it.

pub mod device_prompt;
pub mod loopback;
pub mod pkce;
