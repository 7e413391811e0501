//! aws-login: parse the command line, run it, turn errors into one sentence and an exit code.

use std::io::Write;
use std::process::ExitCode;

use aws_login::cli::{Cli, Command};
use aws_login::error::{Error, exit};
use aws_login::text::say;
use aws_login::{all_roles, config, configure, export, log, login, logout, migrate, paths, sink};
use aws_login::{completions, doctor, list_profiles};

fn main() -> ExitCode {
    // Before anything is read: the command line itself may carry a password.
    aws_login::secret::keep_out_of_core_dumps();
    let cli = Cli::parse_args();
    log::set_verbosity(cli.verbose);
    match run(&cli) {
        Ok(()) => ExitCode::from(exit::OK as u8),
        Err(e) => {
            say(&format!("aws-login: {e}"));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn run(cli: &Cli) -> Result<(), Error> {
    let paths = paths::Paths::from_env()?;
    match &cli.command {
        None | Some(Command::Process(_)) => {
            export::run(&paths, &cli.login_args(), &cli.output_args(), export::Caller::Process)
        }
        Some(Command::Export(_)) => {
            export::run(&paths, &cli.login_args(), &cli.output_args(), export::Caller::Export)
        }
        Some(Command::Exec(args)) => {
            let code =
                sink::exec::exec(&paths, &cli.login_args(), args.allow_nesting, args.server, &args.command)?;
            std::process::exit(code)
        }
        Some(Command::Serve(_)) => sink::serve::serve(&cli.login_args()),
        Some(Command::Logout(args)) => {
            let report = logout::logout(&paths, &cli.profile_args(), args.all, args.purge)?;
            match report.profiles.as_slice() {
                [] => say("No cached credentials to delete."),
                names => say(&format!("Logged out: deleted the cached credentials of {}.", quoted(names))),
            }
            if !report.roles.is_empty() {
                say(&format!("Forgot the role and IdP user remembered for {}.", quoted(&report.roles)));
            }
            for purged in &report.accounts {
                let what = match (purged.session, purged.password) {
                    (true, true) => "the IdP session and the stored password",
                    (true, false) => "the IdP session",
                    _ => "the stored password",
                };
                say(&format!("Forgot {what} of {}.", purged.account));
            }
            match report.affected.as_slice() {
                [] => {}
                [one] => say(&format!(
                    "Profile '{one}' uses the same IdP account and will ask for a password at its next login."
                )),
                many => say(&format!(
                    "Profiles {} use the same IdP account and will ask for a password at their next login.",
                    quoted(many)
                )),
            }
            report.failure().map_or(Ok(()), Err)
        }
        Some(Command::Configure(args)) => {
            configure::configure(&paths, &config::profile_name(&cli.profile_args()), args.source.as_deref())
        }
        Some(Command::Migrate(args)) => migrate::migrate(&paths, args.from, args.apply),
        Some(Command::Console(args)) => {
            let show = match (args.open, args.print) {
                (true, _) => sink::console::Show::Open,
                (_, true) => sink::console::Show::Print,
                _ => sink::console::Show::Auto,
            };
            let request = sink::console::Request {
                show,
                destination: args.destination.clone(),
                region: cli.console_region(),
                duration: args.duration.clone(),
            };
            sink::console::console(&paths, &cli.profile_args(), &request)
        }
        Some(Command::Login(args)) if args.all_roles => {
            let report = all_roles::login_all_roles(&paths, &cli.login_args(), args.prune)?;
            say(&format!(
                "Logged in as {}: {} of the {} roles granted stored as profiles.",
                report.who,
                report.written.len(),
                report.granted
            ));
            for (name, role) in &report.written {
                say(&format!("  {name}: {}", role.arn()));
            }
            for (role, why) in &report.failed {
                say(&format!("  not stored: {}: {why}", role.arn()));
            }
            for name in &report.pruned {
                say(&format!("  removed profile '{name}': its role is no longer granted"));
            }
            report.failure().map_or(Ok(()), Err)
        }
        Some(Command::Completions(args)) => {
            completions::completions(args.shell, &mut std::io::stdout().lock())
        }
        Some(Command::ListProfiles(args)) => {
            let rows = list_profiles::list(&paths)?;
            let text = match args.json {
                true => serde_json::to_string_pretty(&rows)
                    .map(|j| j + "\n")
                    .map_err(|e| Error::Unexpected(e.to_string()))?,
                false => list_profiles::table(&rows),
            };
            if rows.is_empty() {
                say(
                    "No profiles in ~/.aws-login/config; set one up with `aws-login configure --profile NAME`.",
                );
            }
            print(&text)
        }
        Some(Command::Doctor(_)) => {
            let profile = cli.profile.as_deref().filter(|p| !p.is_empty());
            let (text, broken) = doctor::render(&doctor::doctor(&paths, profile));
            print(&text)?;
            match broken {
                0 => Ok(()),
                count => Err(Error::DoctorFound { count }),
            }
        }
        Some(Command::Man(args)) => completions::man(args.command.as_deref(), &mut std::io::stdout().lock()),
        Some(Command::Login(args)) => {
            let login_args = cli.login_args();
            let served = login::credentials(&paths, &login_args, args.force_refresh)?;
            let profile = config::profile_name(&login_args);
            let entry = served.entry();
            let until = human_time(entry.credentials.expiration);
            match served {
                login::Served::Cache(_) => say(&format!(
                    "Already logged in: profile '{profile}' as {} until {until} (use --force-refresh to renew).",
                    entry.role.arn()
                )),
                login::Served::Login(_) => {
                    say(&format!("Logged in: profile '{profile}' as {} until {until}.", entry.role.arn()))
                }
            }
            Ok(())
        }
    }
}

/// A command's own output, on stdout.
fn print(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Unexpected(format!("cannot write to stdout: {e}")))
}

/// "2026-11-22 14:27 UTC (in 59 min)": for people, on stderr.
fn human_time(t: time::OffsetDateTime) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    let left = (t - time::OffsetDateTime::now_utc()).whole_minutes().max(0);
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    format!("{} (in {left} min)", utc.format(&fmt).unwrap_or_default())
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}
