//! The role picker a person sees when the IdP grants several roles and none is configured:
//! roles grouped by account (its alias if known), full names with paths, sorted; typing filters
//! the list live, a number or Enter on a single match picks, `q` or Esc quits. It draws on
//! `/dev/tty` — never stdout, and never stderr, which `credential_process` callers capture.

use console::{Key, Term};

use crate::error::Error;
use crate::role::Role;

/// The menu: accounts in order, each with its roles in order, numbered 1.. across accounts.
pub struct Menu<'a> {
    entries: Vec<Entry<'a>>,
}

struct Entry<'a> {
    number: usize,
    account: String,
    label: String,
    /// What the user's `[roles]` patterns call it, if anything.
    role_label: Option<String>,
    role: &'a Role,
}

impl<'a> Menu<'a> {
    /// `alias` names an account ID, if the user gave it a name.
    pub fn new(roles: &'a [Role], alias: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut sorted: Vec<&Role> = roles.iter().collect();
        sorted.sort_by(|a, b| (account_of(a), name_of(a)).cmp(&(account_of(b), name_of(b))));
        let entries = sorted
            .into_iter()
            .enumerate()
            .map(|(i, role)| {
                let id = account_of(role);
                let account = match alias(id) {
                    // The user's own alias file, but shown on a live terminal: escaped.
                    Some(name) => format!("{} ({id})", crate::text::shown(&name, 80)),
                    None => id.to_string(),
                };
                Entry {
                    number: i + 1,
                    label: format!("{account} {}", name_of(role)).to_lowercase(),
                    account,
                    role_label: None,
                    role,
                }
            })
            .collect();
        Menu { entries }
    }

    /// Shows each role's label (`team/Admin (administrator)`), which filters too.
    pub fn labelled(mut self, label: &dyn Fn(&Role) -> Option<String>) -> Self {
        for e in &mut self.entries {
            if let Some(l) = label(e.role) {
                let l = crate::text::shown(&l, 80);
                e.label = format!("{} {}", e.label, l.to_lowercase());
                e.role_label = Some(l);
            }
        }
        self
    }

    /// The entries whose account or role name contains `filter` (case-insensitive); a number
    /// filters nothing, it chooses.
    fn visible(&self, filter: &str) -> Vec<&Entry<'a>> {
        let f = filter.trim().to_lowercase();
        if f.is_empty() || f.parse::<usize>().is_ok() {
            return self.entries.iter().collect();
        }
        self.entries.iter().filter(|e| e.label.contains(&f)).collect()
    }

    /// What Enter on `input` means.
    fn choose(&self, input: &str) -> Choice<'a> {
        let input = input.trim();
        if input.eq_ignore_ascii_case("q") {
            return Choice::Quit;
        }
        if let Ok(n) = input.parse::<usize>() {
            return match self.entries.iter().find(|e| e.number == n) {
                Some(e) => Choice::Role(e.role),
                None => Choice::Again(format!("There is no role {n}: choose 1 to {}.", self.entries.len())),
            };
        }
        match self.visible(input).as_slice() {
            [only] => Choice::Role(only.role),
            [] if input.is_empty() => Choice::Again("Type a number, or text to filter the list.".into()),
            [] => Choice::Again(format!("No role matches '{input}'.")),
            many => Choice::Again(format!("{} roles match '{input}': type more, or a number.", many.len())),
        }
    }

    fn render(&self, filter: &str) -> Vec<String> {
        let mut lines = Vec::new();
        let mut account = None;
        let mut visible = self.visible(filter);
        // `q` is on its way to quitting, not a filter that hides every role.
        let quitting = visible.is_empty() && filter.trim().eq_ignore_ascii_case("q");
        if quitting {
            visible = self.visible("");
        }
        for e in visible {
            if account != Some(&e.account) {
                lines.push(format!("  Account {}", e.account));
                account = Some(&e.account);
            }
            match &e.role_label {
                Some(l) => lines.push(format!("    [{}] {} ({l})", e.number, name_of(e.role))),
                None => lines.push(format!("    [{}] {}", e.number, name_of(e.role))),
            }
        }
        if quitting {
            lines.push("  (Enter quits)".into());
        } else if lines.is_empty() {
            lines.push("  (no role matches)".into());
        }
        lines
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Choice<'a> {
    Role(&'a Role),
    Quit,
    Again(String),
}

/// Asks on `term` until a role is picked; `q`/Esc is [`Error::Cancelled`].
pub fn pick<'a>(term: &Term, menu: &Menu<'a>) -> Result<&'a Role, Error> {
    let io = |e: std::io::Error| Error::Unexpected(format!("cannot use the terminal: {e}"));
    let mut input = String::new();
    let mut note: Option<String> = None;
    let mut drawn = 0;
    loop {
        if drawn > 0 {
            term.clear_last_lines(drawn).map_err(io)?;
        }
        let mut lines =
            vec!["Choose a role (type to filter, a number or Enter to pick, q or Esc to quit):".to_string()];
        lines.extend(menu.render(&input));
        if let Some(n) = note.take() {
            lines.push(n);
        }
        for l in &lines {
            term.write_line(l).map_err(io)?;
        }
        term.write_str(&format!("Role: {input}")).map_err(io)?;
        term.flush().map_err(io)?;
        drawn = lines.len();
        match term.read_key_raw().map_err(io)? {
            Key::Escape => return finish(term, Err(Error::Cancelled { what: "no role was chosen" })),
            Key::CtrlC => return finish(term, Err(Error::Interrupted)),
            Key::Enter => {
                term.write_line("").map_err(io)?;
                drawn += 1;
                match menu.choose(&input) {
                    Choice::Role(role) => return finish(term, Ok(role)),
                    Choice::Quit => {
                        return finish(term, Err(Error::Cancelled { what: "no role was chosen" }));
                    }
                    Choice::Again(message) => {
                        note = Some(message);
                        // Several matches: keep the filter so that more can be typed.
                        if menu.visible(&input).len() <= 1 || input.trim().parse::<usize>().is_ok() {
                            input.clear();
                        }
                    }
                }
                continue;
            }
            Key::Backspace => {
                input.pop();
            }
            Key::Char(c) if !c.is_control() => input.push(c),
            _ => {}
        }
        // Redraw the prompt line in place too.
        term.clear_line().map_err(io)?;
    }
}

fn finish<'a>(term: &Term, result: Result<&'a Role, Error>) -> Result<&'a Role, Error> {
    let _ = term.write_line("");
    result
}

fn account_of(role: &Role) -> &str {
    role.account()
}

/// The role's name with its path: `role/team/Admin` → `team/Admin`.
fn name_of(role: &Role) -> &str {
    role.name()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(account: &str, name: &str) -> Role {
        Role::Saml(crate::role::SamlRole {
            role_arn: format!("arn:aws:iam::{account}:role/{name}"),
            principal_arn: format!("arn:aws:iam::{account}:saml-provider/S"),
        })
    }

    fn roles() -> Vec<Role> {
        vec![
            role("444455556666", "team/Admin"),
            role("111122223333", "ReadOnly"),
            role("444455556666", "Auditor"),
            role("111122223333", "Developer"),
        ]
    }

    #[test]
    fn grouped_by_account_sorted_with_paths() {
        let roles = roles();
        let alias = |id: &str| (id == "444455556666").then(|| "prod".to_string());
        let menu = Menu::new(&roles, &alias);
        assert_eq!(
            menu.render(""),
            [
                "  Account 111122223333",
                "    [1] Developer",
                "    [2] ReadOnly",
                "  Account prod (444455556666)",
                "    [3] Auditor",
                "    [4] team/Admin",
            ]
        );
        assert_eq!(menu.render("ADM"), ["  Account prod (444455556666)", "    [4] team/Admin"]);
        assert_eq!(menu.render("prod").len(), 3, "the alias filters too");
        assert_eq!(menu.render("zzz"), ["  (no role matches)"]);
        let quitting = menu.render("q");
        assert_eq!(quitting.len(), 7, "every role, and what Enter does: {quitting:?}");
        assert_eq!(quitting[6], "  (Enter quits)");
    }

    #[test]
    fn role_labels_are_shown_and_filter() {
        let roles = roles();
        let label = |r: &Role| r.name().ends_with("Admin").then(|| "administrator".to_string());
        let menu = Menu::new(&roles, &|_| None).labelled(&label);
        assert_eq!(menu.render("administ"), ["  Account 444455556666", "    [4] team/Admin (administrator)"]);
        assert_eq!(menu.render("").len(), 6);
    }

    #[test]
    fn enter_means_number_single_match_or_quit() {
        let roles = roles();
        let menu = Menu::new(&roles, &|_| None);
        assert_eq!(menu.choose("4"), Choice::Role(&roles[0]));
        assert_eq!(menu.choose(" admin "), Choice::Role(&roles[0]));
        assert_eq!(menu.choose("q"), Choice::Quit);
        assert!(matches!(menu.choose("9"), Choice::Again(m) if m.contains("1 to 4")));
        assert!(matches!(menu.choose("o"), Choice::Again(m) if m.contains("roles match")));
        assert!(matches!(menu.choose("nope"), Choice::Again(m) if m.contains("No role matches")));
        assert!(matches!(menu.choose(""), Choice::Again(_)));
    }
}
