//! `aws-login migrate [--from TOOL]`: moves a home set up for another credential tool over to
//! aws-login. Each tool's module reads that tool's own files and makes a [`Plan`]; this module
//! reports it and, with `--apply`, carries it out. Everything is read and checked before anything
//! is written, and the other tool's own files are never changed.

mod aws_cli_oidc;
pub mod awscli_login;
mod awssso;
mod mozilla_aws_cli;
mod okta_aws_cli;
mod profiles;

use crate::cache::{Cache, Entry};
use crate::cookies::Jar;
use crate::error::Error;
use crate::ini_edit::{IniFile, NewDir};
use crate::paths::Paths;
use crate::text::say;

pub use awscli_login::utc_minutes;

/// The tools a home can be migrated from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Tool {
    /// The awscli-login plugin (its `aws login` and `aws-login` script).
    #[default]
    AwscliLogin,
    /// Okta's okta-aws-cli (`~/.okta/okta.yaml`, `OKTA_AWSCLI_*`).
    OktaAwsCli,
    /// Mozilla's maws (`[maws]` in `~/.config/maws/config.ini`).
    MozillaAwsCli,
    /// openstandia's aws-cli-oidc (`~/.aws-cli-oidc/config.yaml`).
    AwsCliOidc,
    /// awssso from PyPI (`~/.awssso/config`).
    Awssso,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::AwscliLogin => "awscli-login",
            Tool::OktaAwsCli => "okta-aws-cli",
            Tool::MozillaAwsCli => "mozilla-aws-cli",
            Tool::AwsCliOidc => "aws-cli-oidc",
            Tool::Awssso => "awssso",
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Verb {
    Remove,
    Point,
    Import,
    Add,
}

impl Verb {
    /// The verb as the dry run says it ("would: remove …") and as the real run says it.
    fn says(self, done: bool) -> &'static str {
        match (self, done) {
            (Verb::Remove, false) => "remove",
            (Verb::Remove, true) => "removed",
            (Verb::Point, false) => "point",
            (Verb::Point, true) => "pointed",
            (Verb::Import, false) => "import",
            (Verb::Import, true) => "imported",
            (Verb::Add, false) => "add",
            (Verb::Add, true) => "added",
        }
    }
}

/// What migrating would change, all read and checked, nothing written yet.
#[derive(Debug, Default)]
struct Plan {
    /// One line per change, for people: a verb and what it acts on.
    changes: Vec<(Verb, String)>,
    /// Things left alone that the user may want to know about.
    notes: Vec<String>,
    /// What could not be carried over, each with what the user must do about it.
    left_out: Vec<String>,
    files: Vec<(IniFile, NewDir)>,
    jars: Vec<Jar>,
    caches: Vec<(Cache, Entry)>,
}

pub fn migrate(paths: &Paths, from: Tool, apply: bool) -> Result<(), Error> {
    let plan = match from {
        Tool::AwscliLogin => awscli_login::plan(paths)?,
        Tool::OktaAwsCli => okta_aws_cli::plan(paths)?,
        Tool::MozillaAwsCli => mozilla_aws_cli::plan(paths)?,
        Tool::AwsCliOidc => aws_cli_oidc::plan(paths)?,
        Tool::Awssso => awssso::plan(paths)?,
    };
    carry_out(plan, paths, from, apply)
}

fn carry_out(mut plan: Plan, paths: &Paths, from: Tool, apply: bool) -> Result<(), Error> {
    for note in &plan.notes {
        say(&format!("Note: {note}"));
    }
    if plan.changes.is_empty() {
        match from {
            Tool::AwscliLogin => say("Nothing to migrate: this home is already set up for aws-login."),
            _ => say(&format!(
                "Nothing to migrate: no {} setup was found that aws-login does not already have.",
                from.name()
            )),
        }
        return Ok(());
    }
    if !apply {
        let flag = match from {
            Tool::AwscliLogin => String::new(),
            other => format!(" --from {}", other.name()),
        };
        say(&format!("Dry run, nothing was changed; `aws-login migrate{flag} --apply` would:"));
        report(&plan, false);
        return Ok(());
    }
    for (file, new_dir) in &mut plan.files {
        file.save(*new_dir)?;
    }
    for jar in &plan.jars {
        jar.save()?;
    }
    for (cache, entry) in &plan.caches {
        cache.store(entry)?;
    }
    say(&format!("Migrated from {}:", from.name()));
    report(&plan, true);
    match from {
        Tool::AwscliLogin => say(&format!(
            "awscli-login's files in {} were left in place; `pip uninstall awscli-login` when you no longer need it.",
            paths.root().display()
        )),
        other => say(&format!(
            "{}'s own files were left in place; uninstall it when you no longer need it.",
            other.name()
        )),
    }
    Ok(())
}

fn report(plan: &Plan, done: bool) {
    for (verb, what) in &plan.changes {
        say(&format!("  {} {what}", verb.says(done)));
    }
    if !plan.left_out.is_empty() {
        say("Not carried over (what to do instead):");
        for what in &plan.left_out {
            say(&format!("  - {what}"));
        }
    }
}
