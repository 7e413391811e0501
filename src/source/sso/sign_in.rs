//! A new Identity Center sign-in, at a terminal: the authorization code with PKCE on a loopback
//! redirect (the AWS CLI's default since 2.22), or the device grant (`sso_flow = device`, or no
//! display to show a browser on). Both use [`crate::oauth`]: the listener, PKCE and the device
//! prompt the OpenID Connect source shares. The OAuth client is registered once per grant and
//! kept until it expires.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::oidc_client::{self, Grant, Tokens};
use super::settings::{Flow, Resolved};
use super::token_file::{self, Client};
use super::wire::{Failure, Service};
use crate::error::Error;
use crate::oauth::{device_prompt, loopback, pkce};
use crate::paths::Paths;
use crate::secret::Secret;

/// RFC 8628: without an interval, poll every 5 s; `slow_down` adds 5 s.
const DEFAULT_INTERVAL: u64 = 5;
/// The longest a device code lives at AWS, and as long as the AWS CLI waits for the browser.
pub const LONGEST: Duration = Duration::from_secs(600);

pub struct SignIn<'a> {
    pub paths: &'a Paths,
    pub profile: &'a str,
    pub r: &'a Resolved,
    pub oidc: &'a Service,
    pub flow: Flow,
    pub args: &'a crate::cli::SignInArgs,
}

impl SignIn<'_> {
    /// Signs in by the profile's flow (as the OpenID Connect source does): `--no-browser`
    /// prints the sign-in address for the person to open; without a display or a browser
    /// command to open it with, the device grant, saying so.
    pub async fn run(&self) -> Result<(Client, Tokens), Error> {
        let env = |k: &str| std::env::var(k).ok();
        let browser = self.browser_setting()?;
        let named = browser.is_some() || env("BROWSER").is_some_and(|b| !b.trim().is_empty());
        let words = || crate::browser::command(browser.as_deref(), env("BROWSER").as_deref());
        let flow = if self.args.use_device_code { Flow::Device } else { self.flow };
        match flow {
            Flow::Browser if self.args.no_browser => self.browser(None).await,
            Flow::Browser if named || crate::browser::display_available(&env) => {
                self.browser(Some(words()?)).await
            }
            Flow::Browser => {
                crate::text::say("no display to open a browser on: signing in with a code instead");
                self.device(None).await
            }
            Flow::Device => self.device(if self.args.open_browser { Some(words()?) } else { None }).await,
        }
    }

    /// The profile's `browser` command, if it names one.
    fn browser_setting(&self) -> Result<Option<String>, Error> {
        let values = crate::config::profile_values(self.paths, self.profile)?;
        Ok(values.get("browser").map(|b| b.trim().to_string()).filter(|b| !b.is_empty()))
    }

    /// The client registered for `grant`: the one kept, or a new one (then kept).
    async fn client(&self, grant: Grant) -> Result<Client, Error> {
        let now = OffsetDateTime::now_utc();
        if let Some(client) = token_file::registered(self.paths, &self.r.cache_key, grant.name(), now) {
            return Ok(client);
        }
        let client = oidc_client::register(self.oidc, &self.r.scopes, grant, &self.r.start_url)
            .await
            .map_err(|f| self.refused(f))?;
        token_file::keep_registration(self.paths, &self.r.cache_key, grant.name(), &client)?;
        Ok(client)
    }

    fn refused(&self, f: Failure) -> Error {
        match f {
            Failure::Aws { name, message } => Error::SsoRefused {
                what: "IAM Identity Center (sso-oidc)",
                code: name,
                message,
                advice: "check sso_start_url and sso_region",
            },
            Failure::Other(e) => e,
        }
    }

    fn denied(&self) -> Error {
        Error::SsoDenied { start_url: self.r.start_url.clone(), profile: self.profile.to_string() }
    }

    fn expired(&self) -> Error {
        Error::SsoExpired { start_url: self.r.start_url.clone(), profile: self.profile.to_string() }
    }

    /// The authorization code with PKCE: the browser opens sso-oidc's `/authorize`, the
    /// loopback listener takes the code, CreateToken redeems it with the verifier.
    async fn browser(&self, open_with: Option<Vec<String>>) -> Result<(Client, Tokens), Error> {
        let client = self.client(Grant::AuthorizationCode).await?;
        let listener = loopback::bind(&[], oidc_client::REDIRECT_PATH)?;
        let redirect_uri = listener.redirect_uri();
        let pkce = pkce::Pkce::new()?;
        let state = pkce::state()?;
        let mut url = reqwest::Url::parse(&self.oidc.url("/authorize")).map_err(|_| {
            Error::Unexpected("the sso-oidc endpoint URL cannot take the authorize path".into())
        })?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client.id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("state", &state)
            .append_pair("code_challenge_method", pkce::METHOD)
            .append_pair("scopes", &self.r.scopes.join(" "))
            .append_pair("code_challenge", &pkce.challenge);
        let (start, shown) =
            (crate::text::shown(&self.r.start_url, 200), crate::text::shown(url.as_str(), 1000));
        let opener = match open_with {
            Some(words) => {
                crate::text::say(&format!(
                    "Opening the sign-in page of {start} in your browser; if it does not open, visit {shown}"
                ));
                Some(loopback::Opener { words, url: Secret::new(url.as_str()) })
            }
            None => {
                crate::text::say(&format!(
                    "To sign in to {start}, open this address in a browser on this machine:"
                ));
                crate::text::say(&shown);
                None
            }
        };
        let redirect = listener.wait(opener, LONGEST).await?;
        let code = match redirect.code(&state, &self.r.start_url) {
            Err(Error::SignInDenied { .. }) => return Err(self.denied()),
            other => other?,
        };
        let tokens = oidc_client::code_token(self.oidc, &client, &code, &redirect_uri, &pkce.verifier)
            .await
            .map_err(|f| self.refused(f))?;
        Ok((client, tokens))
    }

    /// The device grant: the code and URL shown, then CreateToken until approved.
    async fn device(&self, open_with: Option<Vec<String>>) -> Result<(Client, Tokens), Error> {
        let client = self.client(Grant::Device).await?;
        let device = oidc_client::start_device(self.oidc, &client, &self.r.start_url)
            .await
            .map_err(|f| self.refused(f))?;
        let prompt = device_prompt::Prompt {
            verification_uri: crate::text::shown(&device.verification_uri, 300),
            user_code: crate::text::shown(&device.user_code, 20),
            verification_uri_complete: device
                .verification_uri_complete
                .as_deref()
                .map(|u| crate::text::shown(u, 300)),
        };
        let mut started = device_prompt::show(&prompt, &device_prompt::Show { qr: self.args.qr, open_with })?;
        let _waiting = crate::prompt::waiting("Waiting for the sign-in to be approved");
        // Bounded by LONGEST, which is what a caller waiting on the lock waits for.
        let deadline = Instant::now() + Duration::from_secs(device.expires_in.max(1) as u64).min(LONGEST);
        let mut interval = device.interval.map_or(DEFAULT_INTERVAL, |i| i.clamp(1, 60) as u64);
        loop {
            if Instant::now() >= deadline {
                return Err(self.expired());
            }
            // The poll interval the server asked for (RFC 8628 3.5), not a synchronisation.
            tokio::time::sleep(Duration::from_secs(interval)).await;
            device_prompt::check_browser(&mut started)?;
            match oidc_client::device_token(self.oidc, &client, &device).await {
                Ok(tokens) => return Ok((client, tokens)),
                Err(Failure::Aws { name, .. }) if name == "AuthorizationPendingException" => {}
                Err(Failure::Aws { name, .. }) if name == "SlowDownException" => interval += 5,
                Err(Failure::Aws { name, .. }) if name == "AccessDeniedException" => {
                    return Err(self.denied());
                }
                Err(Failure::Aws { name, .. }) if name == "ExpiredTokenException" => {
                    return Err(self.expired());
                }
                Err(f) => return Err(self.refused(f)),
            }
        }
    }
}
