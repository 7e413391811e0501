//! What aws-login knows of each AWS partition, in one table: where SAML assertions are posted
//! (AWS's sign-in service provider), the region STS is called in by default, and the sign-in
//! and console hosts. Everything partition-specific reads this table, nothing else.

/// One AWS partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// As it appears in ARNs: `arn:<id>:iam::…`.
    pub id: &'static str,
    /// AWS's SAML service provider, as AWS publishes it in its SAML metadata; `None` where
    /// aws-login could not confirm it (the profile then names `acs_url` and `sp_entity_id`).
    pub saml: Option<SamlSp>,
    /// The region STS is called in when neither the environment nor the AWS profile names one.
    pub sts_region: &'static str,
    /// The sign-in (federation) host.
    pub signin_host: Option<&'static str>,
    /// The management console host.
    pub console_host: Option<&'static str>,
}

/// AWS's sign-in service as a SAML service provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SamlSp {
    pub acs_url: &'static str,
    pub entity_id: &'static str,
}

/// The commercial partition's SAML service provider, the one most profiles use.
pub const AWS_SAML: SamlSp =
    SamlSp { acs_url: "https://signin.aws.amazon.com/saml", entity_id: "urn:amazon:webservices" };

pub const AWS: Partition = Partition {
    id: "aws",
    saml: Some(AWS_SAML),
    sts_region: "us-east-1",
    signin_host: Some("signin.aws.amazon.com"),
    console_host: Some("console.aws.amazon.com"),
};

/// Every partition aws-login knows, in the order it names them.
pub const ALL: [Partition; 4] = [
    AWS,
    Partition {
        id: "aws-us-gov",
        saml: Some(SamlSp {
            acs_url: "https://signin.amazonaws-us-gov.com/saml",
            entity_id: "urn:amazon:webservices:govcloud",
        }),
        sts_region: "us-gov-west-1",
        signin_host: Some("signin.amazonaws-us-gov.com"),
        console_host: Some("console.amazonaws-us-gov.com"),
    },
    Partition {
        id: "aws-cn",
        saml: Some(SamlSp {
            acs_url: "https://signin.amazonaws.cn/saml",
            entity_id: "urn:amazon:webservices:cn-north-1",
        }),
        sts_region: "cn-north-1",
        signin_host: Some("signin.amazonaws.cn"),
        console_host: Some("console.amazonaws.cn"),
    },
    // The AWS European Sovereign Cloud: its partition ID, first region (eusc-de-east-1) and DNS
    // suffix (amazonaws.eu) are in the SDKs' partition data. Its SAML sign-in URL, SP entity ID
    // and sign-in/console hosts could not be confirmed from a published source, so they are
    // left unknown rather than guessed: a profile names acs_url and sp_entity_id itself.
    Partition {
        id: "aws-eusc",
        saml: None,
        sts_region: "eusc-de-east-1",
        signin_host: None,
        console_host: None,
    },
];

/// The partition called `id`, if aws-login knows it.
pub fn find(id: &str) -> Option<&'static Partition> {
    ALL.iter().find(|p| p.id == id)
}

/// The partition of an ARN (`arn:<partition>:…`), if it is one aws-login knows.
pub fn of_arn(arn: &str) -> Option<&'static Partition> {
    arn.split(':').nth(1).and_then(find)
}

/// "aws, aws-us-gov, aws-cn, aws-eusc": for messages.
pub fn names() -> String {
    ALL.iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_partition_once_and_found_by_arn() {
        assert_eq!(names(), "aws, aws-us-gov, aws-cn, aws-eusc");
        for p in ALL {
            assert_eq!(find(p.id), Some(&p));
        }
        assert_eq!(find("aws-mars"), None);
        assert_eq!(of_arn("arn:aws-cn:iam::1:role/R").map(|p| p.sts_region), Some("cn-north-1"));
        assert_eq!(of_arn("arn:aws-eusc:iam::1:role/R").map(|p| p.sts_region), Some("eusc-de-east-1"));
        assert_eq!(of_arn("not an arn"), None);
    }
}
