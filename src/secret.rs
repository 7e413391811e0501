//! A string that must never be printed: passwords, passcodes, session tokens, SAML assertions.

use std::fmt;

use zeroize::Zeroize;

/// Holds a secret value. `Debug` prints `(redacted)`; there is no `Display`, so `format!("{}",
/// secret)` does not compile rather than print something. The value is reachable only through
/// [`Secret::expose`], so every place that uses it is easy to find, and its bytes are zeroed
/// when it is dropped, so a freed buffer does not keep it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

/// Keeps this process out of core dumps (and from being attached to by other processes of the
/// same user) for its whole life: it holds passwords, passcodes, cookies and AWS keys, and a
/// core taken while it waits for Duo would otherwise hold them. Linux only; the setting is
/// reset by `execve`, so programs this one runs are not affected.
pub fn keep_out_of_core_dumps() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        // Failing here (a kernel without prctl) must not stop a login; nothing else can be done.
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "(redacted)");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some((redacted))");
        assert_eq!(s.expose(), "hunter2");
    }
}
