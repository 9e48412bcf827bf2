//! Configuration from the environment (and `.env`, read by `main`).

use std::time::Duration;

use anyhow::{Context, bail};
use chrono_tz::Tz;

use crate::domain::TelegramId;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://community-desk.db";

/// What every subcommand needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub admin_ids: Vec<TelegramId>,
    pub timezone: Tz,
    /// This instance's name, under which it leases work. Instances sharing
    /// one database need different names; the host name is the default.
    pub instance: String,
    /// Closed requests are anonymised this many days after closing.
    pub retention_days: u32,
    /// Visit records are deleted this many days after the visit
    /// (`DESK_CARE_RETENTION_DAYS`).
    pub care_retention_days: u32,
    /// Messages per second to all chats together (`DESK_SEND_RATE`); notices
    /// are spread out at this rate.
    pub send_rate: u32,
    /// `DESK_PUBLIC_URL`: the address people reach `LISTEN_ADDR` by; the
    /// office's sign-in links start with it.
    pub public_url: Option<url::Url>,
}

/// What only `run` needs. `Debug` is not derived: the token must never reach
/// a log line.
#[derive(Clone)]
pub struct BotConfig {
    pub token: String,
    pub api_url: Option<url::Url>,
    pub webhook: Option<WebhookConfig>,
    pub web: WebConfig,
    pub tuning: Tuning,
}

/// The HTTP server on `LISTEN_ADDR`: the webhook (in webhook mode),
/// `/healthz` and the public pages.
#[derive(Debug, Clone, PartialEq)]
pub struct WebConfig {
    pub listen: std::net::SocketAddr,
    /// Whether `LISTEN_ADDR` was set; in polling mode the server runs only
    /// when it was, or when it has something to publish.
    pub listen_given: bool,
    /// `DESK_OPEN311=on`: the read-only Open311 feed is published.
    pub open311: bool,
}

impl Default for WebConfig {
    /// Nothing published; what a run without any of the settings gets.
    fn default() -> Self {
        WebConfig { listen: ([0, 0, 0, 0], 8080).into(), listen_given: false, open311: false }
    }
}

impl WebConfig {
    /// Whether polling mode starts the server at all.
    pub fn wanted(&self, config: &Config) -> bool {
        self.listen_given || self.open311 || config.public_url.is_some()
    }

    fn from_env() -> anyhow::Result<WebConfig> {
        let given = var("LISTEN_ADDR");
        let listen = given.clone().unwrap_or_else(|| "0.0.0.0:8080".to_string());
        let listen =
            listen.parse().with_context(|| format!("LISTEN_ADDR `{listen}` is not an address like 0.0.0.0:8080"))?;
        let open311 = match var("DESK_OPEN311").as_deref() {
            None | Some("off") => false,
            Some("on") => true,
            Some(_) => bail!("DESK_OPEN311 must be `on` or `off`"),
        };
        Ok(WebConfig { listen, listen_given: given.is_some(), open311 })
    }
}

/// Webhook mode: Telegram posts updates to `url`, which reaches this process
/// at `LISTEN_ADDR`; each post must carry `secret`.
#[derive(Clone)]
pub struct WebhookConfig {
    pub url: url::Url,
    pub secret: String,
}

/// Knobs for tests and benchmarks; the defaults are Telegram's limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// How long one getUpdates call waits for updates. teloxide's HTTP client
    /// gives up after 17 s, so this stays well below.
    pub poll_timeout: Duration,
    /// The least time between two messages to one chat.
    pub chat_interval: Duration,
    /// Messages per second to all chats together.
    pub global_rate: u32,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning { poll_timeout: Duration::from_secs(10), chat_interval: Duration::from_secs(1), global_rate: 30 }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let admin_ids = match var("ADMIN_IDS") {
            Some(list) => parse_admin_ids(&list)?,
            None => Vec::new(),
        };
        let timezone = match var("DESK_TIMEZONE") {
            Some(name) => name
                .parse::<Tz>()
                .map_err(|_| anyhow::anyhow!("DESK_TIMEZONE `{name}` is not a known timezone (e.g. Asia/Shanghai)"))?,
            None => chrono_tz::Asia::Shanghai,
        };
        let instance = var("DESK_INSTANCE")
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_string()).filter(|h| !h.is_empty())
            })
            .unwrap_or_else(|| "community-desk".to_string());
        let retention_days = match var("DESK_RETENTION_DAYS") {
            Some(days) => days.parse().context("DESK_RETENTION_DAYS must be a whole number of days")?,
            None => crate::app::privacy::DEFAULT_RETENTION_DAYS,
        };
        let care_retention_days = match var("DESK_CARE_RETENTION_DAYS") {
            Some(days) => days.parse().context("DESK_CARE_RETENTION_DAYS must be a whole number of days")?,
            None => crate::app::privacy::DEFAULT_CARE_RETENTION_DAYS,
        };
        Ok(Config {
            database_url,
            admin_ids,
            timezone,
            instance,
            retention_days,
            care_retention_days,
            send_rate: send_rate()?,
            public_url: var("DESK_PUBLIC_URL")
                .map(|url| url::Url::parse(&url).context("DESK_PUBLIC_URL is not a URL like https://desk.example.org"))
                .transpose()?,
        })
    }
}

fn send_rate() -> anyhow::Result<u32> {
    match var("DESK_SEND_RATE") {
        Some(rate) => rate.parse().context("DESK_SEND_RATE must be a number of messages per second"),
        None => Ok(Tuning::default().global_rate),
    }
}

pub fn parse_admin_ids(list: &str) -> anyhow::Result<Vec<TelegramId>> {
    list.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse::<i64>().map(TelegramId).with_context(|| format!("ADMIN_IDS: `{id}` is not a Telegram user id"))
        })
        .collect()
}

pub const TOKEN_HELP: &str = "TELOXIDE_TOKEN is not set.

community-desk needs a Telegram bot token to run:
  1. In Telegram, open a chat with @BotFather and send /newbot.
  2. Choose a name and a username; BotFather answers with a token like 123456789:AAE...
  3. Put it in the environment or in a .env file next to the binary:
       TELOXIDE_TOKEN=123456789:AAE...
See .env.example for every setting.";

impl BotConfig {
    pub fn from_env() -> anyhow::Result<BotConfig> {
        let Some(token) = var("TELOXIDE_TOKEN") else { bail!(TOKEN_HELP) };
        let api_url = var("TELOXIDE_API_URL")
            .map(|url| url::Url::parse(&url).with_context(|| "TELOXIDE_API_URL is not a URL".to_string()))
            .transpose()?;
        let mut tuning = Tuning::default();
        if let Some(secs) = var("DESK_POLL_TIMEOUT_SECS") {
            tuning.poll_timeout =
                Duration::from_secs(secs.parse().context("DESK_POLL_TIMEOUT_SECS must be a number of seconds")?);
        }
        if let Some(ms) = var("DESK_CHAT_INTERVAL_MS") {
            tuning.chat_interval =
                Duration::from_millis(ms.parse().context("DESK_CHAT_INTERVAL_MS must be a number of milliseconds")?);
        }
        tuning.global_rate = send_rate()?;
        let web = WebConfig::from_env()?;
        let webhook = match var("WEBHOOK_URL") {
            None => None,
            Some(url) => {
                let url = url::Url::parse(&url).context("WEBHOOK_URL is not a URL")?;
                let Some(secret) = var("WEBHOOK_SECRET") else {
                    bail!(
                        "WEBHOOK_URL is set but WEBHOOK_SECRET is not: a webhook without a secret would take updates from anyone"
                    )
                };
                let valid = (1..=256).contains(&secret.len())
                    && secret.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !valid {
                    bail!("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -");
                }
                Some(WebhookConfig { url, secret })
            }
        };
        Ok(BotConfig { token, api_url, webhook, web, tuning })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_ids_are_a_comma_separated_list() {
        assert_eq!(parse_admin_ids(" 1, 22 ,").unwrap(), vec![TelegramId(1), TelegramId(22)]);
        assert!(parse_admin_ids("1,abc").is_err());
    }
}
