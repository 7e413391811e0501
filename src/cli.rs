//! Command-line types only. Each flag is documented once, here.
//!
//! Who takes what: `--profile` and `-v` go anywhere. The flags that override a profile's
//! settings for one login ([`Overrides`]) are taken where a login can happen: with no command
//! (credential_process mode, also before `login` or `process`), and by `login` and `process`.
//! `logout`, `configure` and `migrate` take only their own flags, and refuse the others with
//! clap's usage error (exit 2). Every flag of more than one word is also accepted with
//! underscores (`--force_refresh`), as awscli-login 1.0 spelled them; those spellings are hidden.

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::secret::Secret;

const PROFILE: &str = "Profile";
const IDP: &str = "IdP (SAML ECP)";
const DUO: &str = "Duo";
const AWS: &str = "AWS";
const TLS: &str = "TLS";

const TOP_EXAMPLES: &str = "\
Examples:
  aws-login configure --profile dev      set up profile 'dev' and its credential_process
  aws-login login --profile dev          log in now, at the terminal
  aws-login --profile dev                print its credentials as JSON (what credential_process runs)";

const LOGIN_EXAMPLES: &str = "\
Examples:
  aws-login login --profile dev
  aws-login login --profile dev --force-refresh --factor push
  aws-login login -p prod --role-arn arn:aws:iam::123456789012:role/Developer";

const PROCESS_EXAMPLES: &str = "\
Examples:
  aws-login process --profile dev
  aws-login process --profile dev --duration 3600
  credential_process = aws-login --profile dev     (in ~/.aws/config: the same, as the AWS tools run it)";

const EXPORT_EXAMPLES: &str = "\
Examples:
  eval \"$(aws-login export --profile dev -o bash)\"       bash, zsh, sh
  aws-login export --profile dev -o fish | source
  aws-login export --profile dev -o boto                 {\"aws_access_key_id\": …} for boto3.client(**args)";

const EXEC_EXAMPLES: &str = "\
Examples:
  aws-login exec --profile dev -- aws s3 ls
  aws-login exec --profile dev -- terraform plan
  aws-login exec --server --profile dev -- ./long-job.sh   credentials that stay fresh, from a local server";

const SERVE_EXAMPLES: &str = "\
Examples:
  aws-login serve --profile dev          then, in another shell, set the variables it printed
  aws-login exec --server -p dev -- ./long-job.sh     the same server, for one command's lifetime";

const LOGOUT_EXAMPLES: &str = "\
Examples:
  aws-login logout --profile dev
  aws-login logout --profile dev --purge
  aws-login logout --all";

const CONFIGURE_EXAMPLES: &str = "\
Examples:
  aws-login configure                    set up profile 'default' (or $AWS_PROFILE)
  aws-login configure --profile prod";

const MIGRATE_EXAMPLES: &str = "\
Examples:
  aws-login migrate                      show what would change
  aws-login migrate --apply              change it
  aws-login migrate --from okta-aws-cli  show what moving from okta-aws-cli would change";

const CONSOLE_EXAMPLES: &str = "\
Examples:
  aws-login console --profile dev                  open the console (print the URL without a display)
  aws-login console -p dev --print                 print the sign-in URL on stdout
  aws-login console -p dev --region eu-west-1 --destination /s3/home --duration 3600";
const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  aws-login completions bash > ~/.local/share/bash-completion/completions/aws-login
  aws-login completions zsh > ~/.zfunc/_aws-login      (with fpath+=~/.zfunc before compinit)
  aws-login completions fish > ~/.config/fish/completions/aws-login.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  aws-login man | man -l -
  aws-login man login > ~/.local/share/man/man1/aws-login-login.1";

const LIST_PROFILES_EXAMPLES: &str = "\
Examples:
  aws-login list-profiles
  aws-login list-profiles --json | jq -r '.[] | select(.credentials.state != \"valid\") | .profile'";

const DOCTOR_EXAMPLES: &str = "\
Examples:
  aws-login doctor                       check every profile
  aws-login doctor --profile prod        check one";

#[derive(Debug, Parser)]
#[command(
    name = "aws-login",
    version,
    about = "Temporary AWS credentials through a federated login (SAML ECP with Duo MFA).",
    long_about = "Temporary AWS credentials through a federated login (SAML ECP with Duo MFA).\n\n\
        Without a command, aws-login acts as a credential_process helper: it prints cached \
        credentials as JSON, logging in again first when they are about to expire. The flags \
        below override the profile's settings in ~/.aws-login/config for one run.",
    after_help = TOP_EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Profile to use: a section of ~/.aws-login/config and the AWS profile of the same name.
    #[arg(
        short,
        long,
        env = "AWS_PROFILE",
        hide_env_values = true,
        global = true,
        help_heading = PROFILE
    )]
    pub profile: Option<String>,

    /// Overrides given before any command (or before `login` / `process`).
    #[command(flatten)]
    pub overrides: Overrides,

    /// `-o F` given before any command (or before `process` / `export`).
    #[command(flatten)]
    pub output: OutputArgs,

    /// More detail on stderr (-v, -vv, -vvv); secrets are never shown.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Not an aws-login flag: refused with a sentence saying where the region comes from (clap
    /// would otherwise suggest `--duration` for it).
    #[arg(long, global = true, hide = true, num_args = 0..=1, value_name = "REGION")]
    region: Option<Option<String>>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in (if needed) and cache credentials for the profile.
    #[command(after_help = LOGIN_EXAMPLES)]
    Login(Deferred<LoginArgs>),
    /// Print credentials as credential_process JSON (the default when no command is given).
    #[command(after_help = PROCESS_EXAMPLES)]
    Process(Deferred<ProcessArgs>),
    /// Print credentials for a shell or an SDK (-o F; default: the profile's `output`, else
    /// exports for the shell the environment names).
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(Deferred<ExportArgs>),
    /// Run a command with the credentials and region in its environment, in place of aws-login.
    #[command(after_help = EXEC_EXAMPLES)]
    Exec(Deferred<ExecArgs>),
    /// Serve the profile's credentials to SDKs on a local port (the ECS container credentials
    /// shape), refreshed before they expire, until Ctrl-C; prints the variables to set.
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(Deferred<ServeArgs>),
    /// Delete cached credentials (and with --purge the IdP session and stored password).
    #[command(after_help = LOGOUT_EXAMPLES)]
    Logout(Deferred<LogoutArgs>),
    /// Set up a profile: ask for its settings, then point the AWS profile's credential_process
    /// at aws-login.
    #[command(after_help = CONFIGURE_EXAMPLES)]
    Configure(Deferred<ConfigureArgs>),
    /// Move over from the awscli-login plugin (AWS config, IdP session and cached roles), or with
    /// --from from okta-aws-cli, mozilla-aws-cli, aws-cli-oidc or awssso (their settings become
    /// profiles). Only says what it would do unless --apply is given.
    #[command(after_help = MIGRATE_EXAMPLES)]
    Migrate(MigrateArgs),
    /// Sign in to the AWS Management Console with the profile's credentials: open it in the
    /// browser, or print the sign-in URL.
    #[command(
        after_help = CONSOLE_EXAMPLES,
        long_about = "Sign in to the AWS Management Console with the profile's credentials: open it \
            in the browser, or print the sign-in URL (good for 15 minutes).\n\n--region R opens the \
            console in region R."
    )]
    Console(Deferred<ConsoleArgs>),
    /// Print a shell completion script for bash, zsh, fish, powershell or elvish.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(Deferred<CompletionsArgs>),
    /// Print the manual page (roff) of aws-login, or of one of its commands.
    #[command(after_help = MAN_EXAMPLES)]
    Man(Deferred<ManArgs>),
    /// List every profile of ~/.aws-login/config: its source, IdP, role, and cached credentials.
    #[command(after_help = LIST_PROFILES_EXAMPLES)]
    ListProfiles(Deferred<ListProfilesArgs>),
    /// Check the set-up: config files, credential_process lines, shadowing keys, the keyring, the
    /// clock and the IdP (never logs in, never sends a Duo push).
    #[command(after_help = DOCTOR_EXAMPLES)]
    Doctor(Deferred<DoctorArgs>),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command whose page to print (without it: aws-login's own page).
    #[arg(value_parser = command_name)]
    pub command: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListProfilesArgs {
    /// Print JSON for scripts instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {}

/// Flags flattened into a command, built only when that command is on the command line (clap's
/// `Command::defer`, one per command): the credential_process path, which names no command,
/// then never builds them, however many commands and flags aws-login grows. Not for flags
/// that share an id with a global one (`--profile`): clap propagates globals before it runs
/// the deferred part, and would then see the id twice.
#[derive(Debug, Clone, Default)]
pub struct Deferred<T>(pub T);

impl<T> std::ops::Deref for Deferred<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Args> Args for Deferred<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args_for_update)
    }
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

impl<T: FromArgMatches> FromArgMatches for Deferred<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Deferred)
    }
    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(matches).map(Deferred)
    }
    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
    fn update_from_arg_matches_mut(&mut self, matches: &mut ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Log in again even if the cached credentials are still valid.
    #[arg(long, alias = "force_refresh")]
    pub force_refresh: bool,

    /// Log in once and store every role the IdP grants as a profile of its own (named by
    /// profile_template, default {account_alias}-{role_name}).
    #[arg(long, alias = "all_roles", conflicts_with = "role_arn")]
    pub all_roles: bool,

    /// With --all-roles: remove the profiles it made for roles no longer granted.
    #[arg(long, requires = "all_roles")]
    pub prune: bool,

    #[command(flatten)]
    pub overrides: Overrides,

    #[command(flatten)]
    pub sign_in: SignInArgs,
}

// How a browser or device sign-in (OpenID Connect) reaches the person. (A plain comment: a
// flattened struct's doc comment would replace the command's about.)
#[derive(Debug, Args, Default, Clone)]
pub struct SignInArgs {
    /// Print the sign-in URL instead of opening a browser.
    #[arg(long, alias = "no_browser", conflicts_with = "open_browser")]
    pub no_browser: bool,

    /// Device sign-in: open the verification URL in the browser as well.
    #[arg(long, alias = "open_browser")]
    pub open_browser: bool,

    /// Device sign-in: draw the verification URL as a QR code in the terminal.
    #[arg(long)]
    pub qr: bool,

    /// IAM Identity Center: sign in with a device code, as `sso_flow = device` does (the AWS
    /// CLI's spelling).
    #[arg(long, alias = "use_device_code", conflicts_with = "no_browser")]
    pub use_device_code: bool,
}

#[derive(Debug, Args)]
pub struct ProcessArgs {
    #[command(flatten)]
    pub overrides: Overrides,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub overrides: Overrides,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Run even inside another `aws-login exec` for a different profile.
    #[arg(long, alias = "allow_nesting")]
    pub allow_nesting: bool,

    /// Hand the credentials over through a local credentials server that refreshes them,
    /// instead of as fixed keys (for commands that outlive the credentials).
    #[arg(long)]
    pub server: bool,

    #[command(flatten)]
    pub overrides: Overrides,

    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {}

// How the credentials are handed over, where they are printed. (A plain comment: a doc comment
// on a flattened struct becomes the command's `about` when its flags are built deferred.)
#[derive(Debug, Args, Default, Clone)]
pub struct OutputArgs {
    /// Output format: process (the credential_process JSON), env (exports for the shell in use),
    /// bash, zsh, sh, fish, powershell, cmd, boto, js, credentials-file, or none.
    #[arg(
        short = 'o',
        long = "format",
        value_name = "F",
        value_parser = crate::sink::choice::parse_flag,
        help_heading = "Output"
    )]
    pub format: Option<crate::sink::Choice>,

    /// With -o credentials-file: the file to write instead of AWS_SHARED_CREDENTIALS_FILE or
    /// ~/.aws/credentials (implies -o credentials-file).
    #[arg(long, alias = "credentials_file", value_name = "PATH", help_heading = "Output")]
    pub credentials_file: Option<std::path::PathBuf>,

    /// With -o credentials-file: replace keys in the profile's section that aws-login did not
    /// write.
    #[arg(long, help_heading = "Output")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Every profile, not just one.
    #[arg(long)]
    pub all: bool,

    /// Also forget the IdP session cookies and the keyring password of the profile's IdP
    /// account; other profiles using the same account must log in with a password again.
    #[arg(long)]
    pub purge: bool,
}

#[derive(Debug, Args)]
pub struct ConfigureArgs {
    /// How the profile logs in (ecp, oidc, sso or okta): asks that source's questions and sets
    /// `source`. Default: the profile's `source`, else ecp.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Open the console in the browser (the profile's `browser`, else $BROWSER, else the
    /// platform's opener); the default when a display is available.
    #[arg(long, conflicts_with = "print")]
    pub open: bool,

    /// Print the sign-in URL on stdout (it signs in whoever opens it within 15 minutes); the
    /// default without a display.
    #[arg(long)]
    pub print: bool,

    /// Where the console opens: a console URL, or a path such as /s3/home.
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,

    /// Console session length in seconds (900..43200); else the profile's duration, else AWS's
    /// default.
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<String>,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Make the changes (without it, only show them).
    #[arg(long)]
    pub apply: bool,

    /// The tool this home was set up for.
    #[arg(long, value_enum, value_name = "TOOL", default_value_t)]
    pub from: crate::migrate::Tool,

    /// Takes the place of the global `--profile` (same id), so that migrate's help does not
    /// offer it; given anyway, it is refused (migrate moves every profile).
    #[arg(id = "profile", short, long, hide = true)]
    profile: Option<String>,
}

// Per-run overrides of the profile's settings in `~/.aws-login/config`, grouped in the help by
// where they go. (A plain comment, as above.)
#[derive(Debug, Args, Default, Clone)]
pub struct Overrides {
    /// The IdP's SAML2 SOAP ECP endpoint, e.g. https://idp.example.edu/idp/profile/SAML2/SOAP/ECP
    #[arg(long, alias = "ecp_endpoint_url", help_heading = IDP)]
    pub ecp_endpoint_url: Option<String>,

    /// IdP username.
    #[arg(long, help_heading = IDP)]
    pub username: Option<String>,

    /// IdP password (visible to other local users in the process list; prefer the config file).
    #[arg(long, value_parser = secret_arg, help_heading = IDP)]
    pub password: Option<Secret>,

    /// Ask for the password on the terminal, ignoring the keyring and the profile's password.
    #[arg(long, alias = "ask_password", help_heading = IDP)]
    pub ask_password: bool,

    /// Keep the IdP password in the OS keyring (true/false).
    #[arg(long, alias = "enable_keyring", value_name = "BOOL", help_heading = IDP)]
    pub enable_keyring: Option<String>,

    /// Duo factor: auto, push, passcode, sms, phone, or off.
    #[arg(long, help_heading = DUO)]
    pub factor: Option<String>,

    /// Duo passcode; implies --factor passcode.
    #[arg(long, value_parser = secret_arg, help_heading = DUO)]
    pub passcode: Option<Secret>,

    /// Duo device to use (sent as X-Shibboleth-Duo-Device), e.g. phone2.
    #[arg(long, help_heading = DUO)]
    pub device: Option<String>,

    /// Seconds to wait for a Duo push or call to be answered (5..600, default 90).
    #[arg(long, alias = "duo_timeout", value_name = "SECONDS", help_heading = DUO)]
    pub duo_timeout: Option<String>,

    /// Duo factor header name, if the IdP expects a custom one.
    #[arg(long, alias = "http_header_factor", help_heading = DUO)]
    pub http_header_factor: Option<String>,

    /// Duo passcode header name, if the IdP expects a custom one.
    #[arg(long, alias = "http_header_passcode", help_heading = DUO)]
    pub http_header_passcode: Option<String>,

    /// Role to assume when the IdP grants several.
    #[arg(long, alias = "role_arn", help_heading = AWS)]
    pub role_arn: Option<String>,

    /// Requested credential lifetime in seconds (900..43200); 0 leaves it to STS.
    #[arg(long, value_name = "SECONDS", help_heading = AWS)]
    pub duration: Option<String>,

    /// Check the IdP's TLS certificate (true/false); false is unsafe and warns on every use.
    #[arg(long, alias = "verify_ssl_certificate", value_name = "BOOL", help_heading = TLS)]
    pub verify_ssl_certificate: Option<String>,

    /// A PEM file of certificate authorities to trust besides the system's, for the IdP and STS
    /// (beats AWS_CA_BUNDLE, which beats the profile's ca_bundle).
    #[arg(long, alias = "ca_bundle", value_name = "FILE", help_heading = TLS)]
    pub ca_bundle: Option<String>,

    #[command(flatten)]
    pub oidc: crate::source::oidc::flags::Flags,
}

impl Overrides {
    /// `self` (given after the command) over `earlier` (given before it), flag by flag.
    fn over(self, earlier: Overrides) -> Overrides {
        Overrides {
            ecp_endpoint_url: self.ecp_endpoint_url.or(earlier.ecp_endpoint_url),
            username: self.username.or(earlier.username),
            password: self.password.or(earlier.password),
            ask_password: self.ask_password || earlier.ask_password,
            enable_keyring: self.enable_keyring.or(earlier.enable_keyring),
            factor: self.factor.or(earlier.factor),
            passcode: self.passcode.or(earlier.passcode),
            device: self.device.or(earlier.device),
            duo_timeout: self.duo_timeout.or(earlier.duo_timeout),
            http_header_factor: self.http_header_factor.or(earlier.http_header_factor),
            http_header_passcode: self.http_header_passcode.or(earlier.http_header_passcode),
            role_arn: self.role_arn.or(earlier.role_arn),
            duration: self.duration.or(earlier.duration),
            verify_ssl_certificate: self.verify_ssl_certificate.or(earlier.verify_ssl_certificate),
            ca_bundle: self.ca_bundle.or(earlier.ca_bundle),
            oidc: self.oidc.over(earlier.oidc),
        }
    }
}

/// The profile and its per-run overrides: what a login reads besides the config file.
#[derive(Debug, Default, Clone)]
pub struct ProfileArgs {
    /// Profile to use (from `--profile` or `AWS_PROFILE`); `default` when `None` or empty.
    pub profile: Option<String>,
    pub ecp_endpoint_url: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub factor: Option<String>,
    pub passcode: Option<Secret>,
    pub role_arn: Option<String>,
    pub duration: Option<String>,
    pub duo_timeout: Option<String>,
    pub http_header_factor: Option<String>,
    pub http_header_passcode: Option<String>,
    pub device: Option<String>,
    pub enable_keyring: Option<String>,
    pub verify_ssl_certificate: Option<String>,
    pub ca_bundle: Option<String>,
    pub ask_password: bool,
    /// `login`'s sign-in flags (none elsewhere).
    pub sign_in: SignInArgs,
    /// The OpenID Connect settings' flags.
    pub oidc: crate::source::oidc::flags::Flags,
}

impl ProfileArgs {
    fn new(profile: Option<String>, o: Overrides) -> ProfileArgs {
        ProfileArgs {
            profile,
            ecp_endpoint_url: o.ecp_endpoint_url,
            username: o.username,
            password: o.password,
            factor: o.factor,
            passcode: o.passcode,
            role_arn: o.role_arn,
            duration: o.duration,
            duo_timeout: o.duo_timeout,
            http_header_factor: o.http_header_factor,
            http_header_passcode: o.http_header_passcode,
            device: o.device,
            enable_keyring: o.enable_keyring,
            verify_ssl_certificate: o.verify_ssl_certificate,
            ca_bundle: o.ca_bundle,
            ask_password: o.ask_password,
            sign_in: SignInArgs::default(),
            oidc: o.oidc,
        }
    }
}

impl Cli {
    /// Parses the process's arguments; a bad command line exits with clap's usage error (2).
    pub fn parse_args() -> Cli {
        Cli::try_parse_args_from(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// [`Cli::parse_args`] over `args`, returning the usage error instead of exiting.
    pub fn try_parse_args_from<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut cmd = Cli::command();
        let matches = cmd.try_get_matches_from_mut(args)?;
        refuse_misplaced(&mut cmd, &matches)?;
        Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
    }

    /// The profile and every override given, before or after the command: what `login`,
    /// `process` and credential_process mode log in with.
    pub fn login_args(&self) -> ProfileArgs {
        let earlier = self.overrides.clone();
        let overrides = match &self.command {
            Some(Command::Login(a)) => a.overrides.clone().over(earlier),
            Some(Command::Process(a)) => a.overrides.clone().over(earlier),
            Some(Command::Export(a)) => a.overrides.clone().over(earlier),
            Some(Command::Exec(a)) => a.overrides.clone().over(earlier),
            _ => earlier,
        };
        let mut args = ProfileArgs::new(self.profile.clone(), overrides);
        if let Some(Command::Login(a)) = &self.command {
            args.sign_in = a.sign_in.clone();
        }
        args
    }

    /// `--region` as `console` takes it (`Some(None)`: given without a value).
    pub fn console_region(&self) -> Option<Option<String>> {
        self.region.clone()
    }

    /// `-o F` and its companions from the command line, given after `process` / `export` or
    /// before them.
    pub fn output_args(&self) -> OutputArgs {
        let earlier = self.output.clone();
        let after = match &self.command {
            Some(Command::Process(a)) => a.output.clone(),
            Some(Command::Export(a)) => a.output.clone(),
            _ => return earlier,
        };
        OutputArgs {
            format: after.format.or(earlier.format),
            credentials_file: after.credentials_file.or(earlier.credentials_file),
            force: after.force || earlier.force,
        }
    }

    /// The profile alone: what `logout` and `configure` go by.
    pub fn profile_args(&self) -> ProfileArgs {
        ProfileArgs { profile: self.profile.clone(), ..ProfileArgs::default() }
    }
}

/// What clap alone cannot refuse: overrides placed before a command that takes none (`aws-login
/// --passcode 1 logout`), `--profile` with `migrate`, and `--region`.
fn refuse_misplaced(cmd: &mut clap::Command, matches: &ArgMatches) -> Result<(), clap::Error> {
    let on_line = |m: &ArgMatches, id: &str| {
        m.try_get_raw(id).is_ok_and(|v| v.is_some()) && m.value_source(id) == Some(ValueSource::CommandLine)
    };
    // Only `console` has a region: the one it opens the console in.
    if on_line(matches, "region") && matches.subcommand_name() != Some("console") {
        return Err(cmd.error(
            clap::error::ErrorKind::UnknownArgument,
            "aws-login takes no --region: STS's region is the AWS profile's `region` in ~/.aws/config \
             (or AWS_REGION), and the IdP needs none",
        ));
    }
    let Some((name, sub)) = matches.subcommand() else { return Ok(()) };
    let output = ["format", "credentials_file", "force"].into_iter().find(|id| on_line(matches, id));
    if let Some(id) = output
        && !matches!(name, "process" | "export")
    {
        let flag = format!("--{}", id.replace('_', "-"));
        let sub_cmd = cmd.find_subcommand_mut(name).unwrap_or_else(|| unreachable!("clap matched it"));
        return Err(sub_cmd.error(
            clap::error::ErrorKind::ArgumentConflict,
            format!("the argument '{flag}' cannot be used with '{name}': it applies only to printing credentials: aws-login [process|export] -o F"),
        ));
    }
    if matches!(name, "login" | "process" | "export" | "exec") {
        return Ok(());
    }
    let overrides = Overrides::augment_args(clap::Command::new("overrides"));
    let given = overrides.get_arguments().find(|a| on_line(matches, a.get_id().as_str()));
    let refused = match given {
        Some(arg) => Some(format!("--{}", arg.get_long().unwrap_or_default())),
        None if name == "migrate" && (on_line(matches, "profile") || on_line(sub, "profile")) => {
            Some("--profile".to_string())
        }
        None => None,
    };
    let Some(flag) = refused else { return Ok(()) };
    let why = if name == "migrate" && flag == "--profile" {
        "migrate moves every profile"
    } else {
        "it applies only to logging in: aws-login [login|process]"
    };
    let sub_cmd = cmd.find_subcommand_mut(name).unwrap_or_else(|| unreachable!("clap matched it"));
    Err(sub_cmd.error(
        clap::error::ErrorKind::ArgumentConflict,
        format!("the argument '{flag}' cannot be used with '{name}': {why}"),
    ))
}

/// One of aws-login's commands (for `man`); anything else is a usage error naming them.
fn command_name(value: &str) -> Result<String, String> {
    let cmd = Cli::command();
    let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
    match names.contains(&value) {
        true => Ok(value.to_string()),
        false => Err(format!("aws-login has no such command; use one of {}", names.join(", "))),
    }
}

/// `--password` and `--passcode` are held as [`Secret`]s from the start, so `Debug` of the parsed
/// command line never shows them.
pub(crate) fn secret_arg(value: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_args_from(std::iter::once("aws-login").chain(args.iter().copied()))
    }

    /// Debug output (what a panic or a `{:?}` shows) of the command line and of the settings
    /// made from it and from the config file never holds a password or passcode.
    #[test]
    fn debug_never_shows_a_password_or_passcode() {
        let cli = parse(&["--password", "pw-on-flag-1", "--passcode", "987654", "login"]).unwrap();
        let args = cli.login_args();
        assert_eq!(args.password.as_ref().map(Secret::expose), Some("pw-on-flag-1"));
        let shown = format!("{cli:?} {args:?}");
        assert!(!shown.contains("pw-on-flag-1") && !shown.contains("987654"), "{shown}");

        let file = "[default]\necp_endpoint_url = https://idp.example.edu/ecp\npassword = pw-in-file-2\n";
        let settings =
            crate::config::load_from_str(file, std::path::Path::new("config"), &ProfileArgs::default())
                .unwrap();
        let shown = format!("{settings:?}");
        assert!(shown.contains("(redacted)") && !shown.contains("pw-in-file-2"), "{shown}");
        let settings = crate::config::load_from_str(file, std::path::Path::new("config"), &args).unwrap();
        let crate::source::Settings::Ecp(ecp) = &settings.source else { panic!("not ECP") };
        assert_eq!(
            ecp.password.configured.as_ref().map(Secret::expose),
            Some("pw-on-flag-1"),
            "the flag wins"
        );
        assert!(!format!("{settings:?}").contains("pw-on-flag-1"));
    }

    #[test]
    fn overrides_go_before_or_after_login_and_process() {
        let cli = parse(&["--profile", "p", "--role-arn", "X"]).unwrap();
        assert!(cli.command.is_none());
        let a = cli.login_args();
        assert_eq!((a.profile.as_deref(), a.role_arn.as_deref()), (Some("p"), Some("X")));

        let cli = parse(&["--username", "early", "-p", "p", "login", "--username", "late", "--ask_password"])
            .unwrap();
        let a = cli.login_args();
        assert_eq!(
            (a.username.as_deref(), a.profile.as_deref(), a.ask_password),
            (Some("late"), Some("p"), true)
        );

        let cli = parse(&["--duration", "3600", "process", "--profile", "q", "--factor", "push"]).unwrap();
        let a = cli.login_args();
        assert_eq!(
            (a.duration.as_deref(), a.factor.as_deref(), a.profile.as_deref()),
            (Some("3600"), Some("push"), Some("q"))
        );
        let cli = parse(&["-vvv", "login", "--force_refresh", "--profile", "p"]).unwrap();
        assert_eq!(cli.verbose, 3);
        assert!(matches!(cli.command, Some(Command::Login(Deferred(LoginArgs { force_refresh: true, .. })))));
    }

    #[test]
    fn commands_that_do_not_log_in_refuse_login_flags() {
        use clap::error::ErrorKind;
        for args in [
            &["logout", "--passcode", "1"][..],
            &["configure", "--username", "u"],
            &["migrate", "--role-arn", "X"],
        ] {
            let e = parse(args).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::UnknownArgument, "{args:?}: {e}");
            assert_eq!(e.exit_code(), 2);
        }
        for args in [
            &["--passcode", "1", "logout"][..],
            &["--username", "u", "configure"],
            &["--profile", "p", "migrate"],
            &["migrate", "--profile", "p"],
            &["migrate", "-p", "p", "--apply"],
            &["--ask-password", "migrate", "--apply"],
        ] {
            let e = parse(args).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ArgumentConflict, "{args:?}: {e}");
            assert_eq!(e.exit_code(), 2);
        }
        // --profile goes anywhere else, before or after the command.
        for args in
            [&["--profile", "p", "logout", "--all"][..], &["logout", "-p", "p"], &["-p", "p", "configure"]]
        {
            let cli = parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert_eq!(cli.profile_args().profile.as_deref(), Some("p"), "{args:?}");
        }
        parse(&["migrate", "--apply", "-v"]).unwrap();
    }

    #[test]
    fn region_is_explained_not_mistaken_for_duration() {
        for args in [&["--region", "us-east-1"][..], &["login", "--region=eu-west-1"], &["--region"]] {
            let e = parse(args).unwrap_err().to_string();
            assert!(e.contains("~/.aws/config") && !e.contains("--duration"), "{args:?}: {e}");
        }
    }

    /// Every flag of more than one word has its underscore spelling, hidden, in every command.
    #[test]
    fn every_multi_word_flag_has_a_hidden_underscore_alias() {
        fn walk(cmd: &clap::Command, checked: &mut usize) {
            for arg in cmd.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                if long.contains('-') && !arg.is_hide_set() {
                    let underscored = long.replace('-', "_");
                    let aliases = arg.get_all_aliases().unwrap_or_default();
                    assert!(aliases.contains(&underscored.as_str()), "--{long} in {}", cmd.get_name());
                    assert!(
                        arg.get_visible_aliases().unwrap_or_default().is_empty(),
                        "--{long}: the alias is hidden"
                    );
                    *checked += 1;
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, checked);
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        let mut checked = 0;
        walk(&cmd, &mut checked);
        assert_eq!(
            checked,
            (9 + 10 + 9) * 5 + 3 + 3 + 3,
            "nine overrides, ten OpenID ones and nine for machines and SAML in five places, --force-refresh, --all-roles, --allow-nesting, --credentials-file in three places, and login's --no-browser, --open-browser and --use-device-code"
        );
        clap::Command::debug_assert(Cli::command());
    }

    /// A command's flags are built only when it is used (Deferred); building them must not
    /// change what its help says it does.
    #[test]
    fn deferred_flags_keep_each_commands_about() {
        let root = Cli::command();
        for sub in root.get_subcommands() {
            let before = sub.get_about().map(ToString::to_string);
            let mut built = sub.clone();
            built.build();
            assert_eq!(built.get_about().map(ToString::to_string), before, "{}", sub.get_name());
        }
    }
}
