//! Where credentials go once we have them. The printed outputs are a [`Format`], rendered by
//! pure functions (golden-tested); outputs that act (a credentials file, exec, a local
//! credentials server, the console) will be commands of their own, not formats.

pub mod console;
pub mod process;

use crate::credentials::Credentials;

/// What is printed on stdout for a machine to read. Adding an output format is one arm here
/// and one pure `render` function beside `process.rs`, with its golden file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The `credential_process` JSON the AWS CLI and SDKs read.
    Process,
}

impl Format {
    /// The text to print, without the final newline.
    pub fn render(self, credentials: &Credentials) -> String {
        match self {
            Format::Process => process::to_json(credentials),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    /// Every format against its golden file in `fixtures/sink/`.
    #[test]
    fn formats_match_their_golden_files() {
        let c = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("wJalr/K7MDENG+bPxRfi\"CYEXAMPLEKEY"),
            session_token: Secret::new("FwoGZXIvYXdzEXAMPLE=="),
            expiration: time::macros::datetime!(2026-11-22 15:00:00 +01:00),
        };
        let golden = |file: &str| {
            let path = format!("{}/fixtures/sink/{file}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read_to_string(path).unwrap().trim_end().to_string()
        };
        assert_eq!(Format::Process.render(&c), golden("process.json"));
    }
}
