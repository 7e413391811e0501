//! `aws-login list-profiles`: every profile of `~/.aws-login/config` with its source, its IdP (or
//! issuer), its role, and how long its cached credentials last. Pure reads: no login, no
//! network, no keyring (the cache is read as a cache hit reads it, which only tightens a loose
//! file mode). A profile whose settings are broken is listed with what is wrong, not skipped.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::cache::{Cache, Entry, Remembered};
use crate::cli::ProfileArgs;
use crate::config::{self, Settings};
use crate::error::Error;
use crate::paths::Paths;
use crate::source::Source;

/// One profile, as listed.
#[derive(Debug, Serialize)]
pub struct Row {
    pub profile: String,
    /// `None` when the settings could not be read (see `problem`).
    pub source: Option<Source>,
    /// The IdP's ECP endpoint (or, for other sources, their issuer), without any user name.
    pub idp: Option<String>,
    pub role: Option<String>,
    /// Where the role comes from: `config` (role_arn) or `last_login`.
    pub role_from: Option<&'static str>,
    pub credentials: Cached,
    /// Why the profile cannot log in as configured (one sentence), if it cannot.
    pub problem: Option<String>,
}

/// The state of a profile's cached credentials. Never the credentials themselves.
#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Cached {
    /// Nothing cached.
    None,
    /// Served as they are for `seconds_left` minus the refresh margin.
    Valid {
        #[serde(with = "time::serde::rfc3339")]
        expires: OffsetDateTime,
        seconds_left: i64,
    },
    /// Still valid, but inside the refresh margin: the next use renews them.
    Renewing {
        #[serde(with = "time::serde::rfc3339")]
        expires: OffsetDateTime,
        seconds_left: i64,
    },
    Expired {
        #[serde(with = "time::serde::rfc3339")]
        expires: OffsetDateTime,
    },
    /// The cache file cannot be read; `problem` says what to do.
    Unreadable { problem: String },
}

/// Every configured profile, in the file's order.
pub fn list(paths: &Paths) -> Result<Vec<Row>, Error> {
    let now = OffsetDateTime::now_utc();
    Ok(config::profiles(paths)?.into_iter().map(|p| row(paths, p, now)).collect())
}

fn row(paths: &Paths, profile: String, now: OffsetDateTime) -> Row {
    let args = ProfileArgs { profile: Some(profile.clone()), ..ProfileArgs::default() };
    let settings = config::load(paths, &args);
    let (cached, unreadable) = match Cache::new(paths, &profile).load() {
        Ok(entry) => (entry, None),
        Err(e) => (None, Some(e.to_string())),
    };
    let margin = settings.as_ref().map_or(crate::cache::DEFAULT_MARGIN, |s| s.refresh_margin);
    let credentials = match (&cached, unreadable) {
        (_, Some(problem)) => Cached::Unreadable { problem },
        (None, None) => Cached::None,
        (Some(entry), None) => state(entry, now, margin),
    };
    let (role, role_from) = role(paths, &profile, settings.as_ref().ok(), cached.as_ref());
    let (source, idp, problem) = match &settings {
        Ok(s) => (Some(s.source.kind()), Some(crate::http::shown_url(s.source.idp_url())), None),
        Err(e) => (None, None, Some(e.to_string())),
    };
    Row { profile, source, idp, role, role_from, credentials, problem }
}

/// The `source` setting's spelling of it.
fn source_name(source: Source) -> &'static str {
    match source {
        Source::Ecp => "ecp",
        Source::Oidc => "oidc",
        Source::Sso => "sso",
        Source::Okta => "okta",
    }
}

/// The configured role, else the one of the last login (cached, or kept after a logout).
fn role(
    paths: &Paths,
    profile: &str,
    settings: Option<&Settings>,
    cached: Option<&Entry>,
) -> (Option<String>, Option<&'static str>) {
    if let Some(arn) = settings.and_then(|s| s.role_arn.clone()) {
        return (Some(arn), Some("config"));
    }
    // An Identity Center profile names its role by account and role name.
    if let Some(s) = settings
        && let crate::source::Settings::Sso(sso) = &s.source
        && let (Some(account), Some(name)) = (&sso.account_id, &sso.role_name)
    {
        let role = crate::role::SsoRole::new(s.partition.id, account, name);
        return (Some(role.role_arn), Some("config"));
    }
    let last = cached
        .map(|e| e.role.arn().to_string())
        .or_else(|| Remembered::load(paths, profile).map(|r| r.role_arn));
    let from = last.is_some().then_some("last_login");
    (last, from)
}

fn state(entry: &Entry, now: OffsetDateTime, margin: Duration) -> Cached {
    let expires = entry.credentials.expiration;
    let seconds_left = (expires - now).whole_seconds();
    if seconds_left <= 0 {
        Cached::Expired { expires }
    } else if entry.is_fresh(now, margin) {
        Cached::Valid { expires, seconds_left }
    } else {
        Cached::Renewing { expires, seconds_left }
    }
}

/// The rows as a table for people: one line a profile, every value escaped and cut.
pub fn table(rows: &[Row]) -> String {
    let header = ["PROFILE", "SOURCE", "IDP", "ROLE", "CREDENTIALS"].map(str::to_string);
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            let source = r.source.map_or("-", source_name).to_string();
            let role = match (&r.role, r.role_from) {
                (Some(arn), Some("last_login")) => format!("{arn} (last login)"),
                (Some(arn), _) => arn.clone(),
                (None, _) => "-".into(),
            };
            let idp = r.idp.clone().unwrap_or_else(|| "-".into());
            [r.profile.clone(), source, idp, role, credentials_text(r)].map(|c| crate::text::shown(&c, 300))
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: &[String; 5]| {
        let padded: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:w$}")).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    std::iter::once(&header).chain(&cells).map(line).collect()
}

fn credentials_text(r: &Row) -> String {
    let text = match &r.credentials {
        Cached::None => "none".to_string(),
        Cached::Valid { expires, seconds_left } => {
            format!("valid, {} left (until {})", span(*seconds_left), crate::migrate::utc_minutes(*expires))
        }
        Cached::Renewing { seconds_left, .. } => {
            format!("renewed at next use ({} left)", span(*seconds_left))
        }
        Cached::Expired { expires } => format!("expired at {}", crate::migrate::utc_minutes(*expires)),
        Cached::Unreadable { problem } => format!("unreadable: {problem}"),
    };
    match &r.problem {
        Some(problem) => format!("{text}; cannot log in: {problem}"),
        None => text,
    }
}

/// "2 h 05 min", "14 min", "40 s".
fn span(secs: i64) -> String {
    match secs {
        s if s >= 3600 => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_people_say_them() {
        assert_eq!(span(40), "40 s");
        assert_eq!(span(14 * 60 + 59), "14 min");
        assert_eq!(span(2 * 3600 + 5 * 60), "2 h 05 min");
    }

    #[test]
    fn a_table_aligns_and_escapes_outside_text() {
        let expires = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let rows = vec![
            Row {
                profile: "dev".into(),
                source: Some(Source::Ecp),
                idp: Some("http://127.0.0.1:1/ecp".into()),
                role: Some("arn:aws:iam::111122223333:role/Developer".into()),
                role_from: Some("last_login"),
                credentials: Cached::Valid { expires, seconds_left: 3000 },
                problem: None,
            },
            Row {
                profile: "bad\u{1b}[2J".into(),
                source: None,
                idp: None,
                role: None,
                role_from: None,
                credentials: Cached::None,
                problem: Some("no ecp_endpoint_url".into()),
            },
        ];
        let table = table(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[0].starts_with("PROFILE"));
        assert_eq!(lines[0].find("SOURCE").unwrap(), lines[1].find("ecp").unwrap(), "{table}");
        assert!(
            lines[1].contains("(last login)")
                && lines[1].contains("valid, 50 min left (until 2024-10-04 00:00 UTC)"),
            "{table}"
        );
        assert!(!table.contains('\u{1b}'), "{table}");
        assert!(lines[2].contains("none; cannot log in: no ecp_endpoint_url"), "{table}");
    }
}
