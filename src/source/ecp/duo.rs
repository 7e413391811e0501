//! Duo MFA as Shibboleth's Duo plugin takes it over ECP: a factor header, and a passcode header
//! for `passcode`. Header names follow awscli-login: a configured name, else both the current
//! spelling and the legacy misspelled one (`X-Shiboleth-…`) that IdPs before 3.4 expect.

use crate::error::Error;
use crate::secret::Secret;

const FACTOR_HEADERS: [&str; 2] = ["X-Shiboleth-Duo-Factor", "X-Shibboleth-Duo-Factor"];
const PASSCODE_HEADERS: [&str; 2] = ["X-Shiboleth-Duo-Passcode", "X-Shibboleth-Duo-Passcode"];
const DEVICE_HEADER: &str = "X-Shibboleth-Duo-Device";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Auto,
    Push,
    Passcode,
    Sms,
    Phone,
}

/// What the profile says about Duo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FactorSetting {
    /// Nothing configured: send no header; the IdP's default applies.
    #[default]
    Unset,
    /// Explicitly off (`0`, `no`, `false`, `off`, `disable`): no header, never a prompt.
    Off,
    Factor(Factor),
}

impl FactorSetting {
    /// Parses awscli-login's `factor` values. Factor names are case-sensitive there; the "off"
    /// words are not.
    pub fn parse(value: &str) -> Result<Self, Error> {
        let value = value.trim();
        Ok(match value {
            "" => FactorSetting::Unset,
            "auto" => FactorSetting::Factor(Factor::Auto),
            "push" => FactorSetting::Factor(Factor::Push),
            "passcode" => FactorSetting::Factor(Factor::Passcode),
            "sms" => FactorSetting::Factor(Factor::Sms),
            "phone" => FactorSetting::Factor(Factor::Phone),
            v if ["0", "no", "false", "off", "disable"].contains(&v.to_ascii_lowercase().as_str()) => {
                FactorSetting::Off
            }
            other => return Err(Error::InvalidFactor(other.to_string())),
        })
    }
}

impl Factor {
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Auto => "auto",
            Factor::Push => "push",
            Factor::Passcode => "passcode",
            Factor::Sms => "sms",
            Factor::Phone => "phone",
        }
    }

    /// True when the IdP will block until the user answers on a device.
    pub fn waits_for_device(self) -> bool {
        matches!(self, Factor::Auto | Factor::Push | Factor::Phone)
    }
}

/// Custom header names (`http_header_factor`, `http_header_passcode`), if the profile sets them,
/// and the Duo device to use (`device`).
#[derive(Debug, Clone, Default)]
pub struct HeaderNames {
    pub factor: Option<String>,
    pub passcode: Option<String>,
    pub device: Option<String>,
}

/// The Duo headers for one password login. Values for `passcode` stay secret.
pub fn headers(factor: Factor, passcode: Option<&Secret>, names: &HeaderNames) -> Vec<(String, Secret)> {
    let mut out = Vec::new();
    let pick = |custom: &Option<String>, defaults: [&str; 2]| -> Vec<String> {
        match custom {
            Some(name) => vec![name.clone()],
            None => defaults.iter().map(|s| s.to_string()).collect(),
        }
    };
    for name in pick(&names.factor, FACTOR_HEADERS) {
        out.push((name, Secret::new(factor.as_str())));
    }
    if factor == Factor::Passcode
        && let Some(code) = passcode
    {
        for name in pick(&names.passcode, PASSCODE_HEADERS) {
            out.push((name, code.clone()));
        }
    }
    if let Some(device) = &names.device {
        out.push((DEVICE_HEADER.to_string(), Secret::new(device.clone())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_factors_and_off_words() {
        assert_eq!(FactorSetting::parse("push").unwrap(), FactorSetting::Factor(Factor::Push));
        assert_eq!(FactorSetting::parse(" passcode ").unwrap(), FactorSetting::Factor(Factor::Passcode));
        assert_eq!(FactorSetting::parse("").unwrap(), FactorSetting::Unset);
        for off in ["0", "no", "FALSE", "Off", "disable"] {
            assert_eq!(FactorSetting::parse(off).unwrap(), FactorSetting::Off, "{off}");
        }
        let err = FactorSetting::parse("Push").unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::INVALID_FACTOR);
    }

    #[test]
    fn sends_both_spellings_unless_named() {
        let code = Secret::new("123456");
        let h = headers(Factor::Passcode, Some(&code), &HeaderNames::default());
        let names: Vec<_> = h.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "X-Shiboleth-Duo-Factor",
                "X-Shibboleth-Duo-Factor",
                "X-Shiboleth-Duo-Passcode",
                "X-Shibboleth-Duo-Passcode"
            ]
        );
        assert_eq!(h[3].1.expose(), "123456");

        let custom =
            HeaderNames { factor: Some("X-Duo-F".into()), passcode: Some("X-Duo-P".into()), device: None };
        let h = headers(Factor::Passcode, Some(&code), &custom);
        assert_eq!(h.len(), 2);
        assert_eq!((h[0].0.as_str(), h[0].1.expose()), ("X-Duo-F", "passcode"));

        let push = headers(Factor::Push, Some(&code), &HeaderNames::default());
        assert!(push.iter().all(|(n, _)| n.ends_with("Factor")), "no passcode header for push");

        let phone2 = HeaderNames { device: Some("phone2".into()), ..Default::default() };
        let h = headers(Factor::Phone, None, &phone2);
        assert_eq!((h[2].0.as_str(), h[2].1.expose()), ("X-Shibboleth-Duo-Device", "phone2"));
    }
}
