//! Names people recognise for accounts and roles, shown in the role picker and used in the
//! names of generated profiles:
//!
//! - account aliases from awscli-login's `~/.aws-login/alias` (`[accounts]`, `<id> = <name>`),
//!   and from the profile's own `accounts` key, the same lines indented under it (which win):
//!   ```ini
//!   [dev]
//!   accounts =
//!       111122223333 = prod
//!   ```
//! - role labels by pattern from the alias file's `[roles]` section, `<glob> = <label>`, matched
//!   against the role's name with its path (`team/Admin`), ignoring case; the first match wins.
//!
//! Names are a nicety: a missing or unreadable alias file, or a bad pattern, is no reason to fail a
//! login, so they are skipped (a bad pattern is named at `-v`).

use std::collections::HashMap;

use glob::{MatchOptions, Pattern};

use crate::ini_edit::Document;
use crate::paths::Paths;
use crate::role::Role;

#[derive(Debug, Default)]
pub struct Names {
    accounts: HashMap<String, String>,
    roles: Vec<(Pattern, String)>,
}

impl Names {
    /// The alias file's names, with the profile's `accounts` (from
    /// [`crate::config::profile_values`]) over them.
    pub fn load(paths: &Paths, profile_values: &HashMap<String, String>) -> Names {
        let file = read_alias_file(paths);
        let mut names = file.as_ref().map(Names::from_alias_file).unwrap_or_default();
        if let Some(lines) = profile_values.get("accounts") {
            names.accounts.extend(pairs(lines));
        }
        names
    }

    fn from_alias_file(doc: &Document) -> Names {
        let mut accounts = HashMap::new();
        let mut roles = Vec::new();
        for (section, key, value) in doc.entries() {
            let value = value.trim().to_string();
            match section.as_str() {
                "accounts" => {
                    accounts.insert(key.trim().to_string(), value);
                }
                "roles" => match Pattern::new(key.trim()) {
                    Ok(p) => roles.push((p, value)),
                    Err(e) => {
                        crate::log::debug(1, &format!("alias file: [roles] pattern '{key}' skipped: {e}"))
                    }
                },
                _ => {}
            }
        }
        Names { accounts, roles }
    }

    /// Adds the names the source itself knows for accounts (Identity Center's portal lists them);
    /// an alias you set wins.
    pub fn with_source_names(mut self, names: &[(String, String)]) -> Names {
        for (id, name) in names {
            self.accounts.entry(id.clone()).or_insert_with(|| name.clone());
        }
        self
    }

    /// The account's alias, if it has one.
    pub fn account(&self, id: &str) -> Option<&str> {
        self.accounts.get(id).map(String::as_str).filter(|a| !a.is_empty())
    }

    /// The label of the first `[roles]` pattern the role's name matches.
    pub fn role_label(&self, role: &Role) -> Option<&str> {
        let options = MatchOptions { case_sensitive: false, ..MatchOptions::new() };
        self.roles
            .iter()
            .find(|(p, _)| p.matches_with(role.name(), options))
            .map(|(_, label)| label.as_str())
            .filter(|l| !l.is_empty())
    }
}

/// `<id> = <name>` lines (a profile's `accounts` value).
fn pairs(lines: &str) -> impl Iterator<Item = (String, String)> + '_ {
    lines.lines().filter_map(|l| {
        let (id, name) = l.split_once(['=', ':'])?;
        let (id, name) = (id.trim(), name.trim());
        (!id.is_empty() && !name.is_empty()).then(|| (id.to_string(), name.to_string()))
    })
}

fn read_alias_file(paths: &Paths) -> Option<Document> {
    // A regular file only (a FIFO would hang the picker); not UTF-8 counts as none.
    let bytes = crate::atomic_file::read_regular(&paths.alias_file()).ok()??;
    Some(Document::parse(&String::from_utf8(bytes).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(arn: &str) -> Role {
        Role::Saml(crate::role::SamlRole { role_arn: arn.into(), principal_arn: "p".into() })
    }

    #[test]
    fn aliases_from_the_file_and_the_profile_and_labels_by_pattern() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_root(home.path().join(".aws-login"));
        std::fs::create_dir_all(paths.root()).unwrap();
        assert!(Names::load(&paths, &HashMap::new()).account("1").is_none(), "no file, no names");

        std::fs::write(
            paths.alias_file(),
            "[accounts]\n111122223333 = prod \n444455556666 = sandbox\n[roles]\n*Admin* = administrator\nRead[Oo]nly = read-only\n[x\n",
        )
        .unwrap();
        let profile = HashMap::from([(
            "accounts".to_string(),
            "\n444455556666 = team-sandbox\nnot a pair".to_string(),
        )]);
        let names = Names::load(&paths, &profile);
        assert_eq!(names.account("111122223333"), Some("prod"));
        assert_eq!(names.account("444455556666"), Some("team-sandbox"), "the profile's own wins");
        assert_eq!(names.account("999"), None);
        assert_eq!(names.role_label(&role("arn:aws:iam::1:role/team/TeamAdmin")), Some("administrator"));
        assert_eq!(names.role_label(&role("arn:aws:iam::1:role/readonly")), Some("read-only"));
        assert_eq!(names.role_label(&role("arn:aws:iam::1:role/Developer")), None);
    }
}
