//! The region the AWS tools would use for a profile, found as they find it, without the SDK (so
//! a cache hit stays cheap): `AWS_REGION`, `AWS_DEFAULT_REGION`, then the AWS profile's
//! `region` in the AWS config file. Printed beside exported credentials; a nicety, so an
//! unreadable file means "unknown", never a failure.

use crate::ini_edit::{IniFile, is_aws_config_profile};

pub fn of_profile(profile: &str) -> Option<String> {
    let env = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")).or_else(|| {
        let file = IniFile::open(&crate::paths::aws_config_file().ok()?).ok()?;
        let region = file.doc.get(&|h: &str| is_aws_config_profile(h, profile), "region")?;
        Some(region.trim().to_string()).filter(|r| valid(r))
    })
}

/// A region name is letters, digits and dashes (`us-east-1`, `eusc-de-east-1`): anything else
/// in the file is not one, and is not passed on.
fn valid(region: &str) -> bool {
    !region.is_empty() && region.len() <= 64 && region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_region_shaped_values() {
        assert!(super::valid("us-gov-west-1"));
        for bad in ["", "us east", "x;rm", "eu-west-1\n"] {
            assert!(!super::valid(bad), "{bad:?}");
        }
    }
}
