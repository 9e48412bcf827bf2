//! The bots under test as processes: the desk binary and its directory, the
//! desk or an echo bot started against the emulator, and the wait until it
//! asks for updates.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::proc::{self, ChildGuard, Database};
use crate::telegram::Telegram;

/// The example community shipped with the crate; its buildings are where the
/// simulated residents live.
pub const UNITS_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/green-yangyuan/units.csv");

/// How long the bot may take to start and ask for updates.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The desk binary next to this one in the same target directory.
pub fn desk_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("find the loadgen executable")?;
    let dir = me.parent().context("the loadgen executable has no directory")?;
    let desk = dir.join(format!("community-desk{}", std::env::consts::EXE_SUFFIX));
    if !desk.is_file() {
        bail!(
            "{} is missing: build the bot first with `cargo build --release` \
             (with the same CARGO_TARGET_DIR as loadgen), then run loadgen again",
            desk.display()
        );
    }
    Ok(desk)
}

pub fn building_codes() -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(UNITS_CSV).with_context(|| format!("read {UNITS_CSV}"))?;
    let codes: Vec<String> =
        text.lines().skip(1).filter_map(|line| line.split(',').nth(3)).map(|c| c.trim().to_string()).collect();
    anyhow::ensure!(!codes.is_empty(), "{UNITS_CSV} lists no buildings");
    Ok(codes)
}

pub fn import_units(exe: &Path, db: &Database) -> anyhow::Result<()> {
    let mut command = Command::new(exe);
    command.args(["import", UNITS_CSV]).env("DATABASE_URL", &db.url).current_dir(db.dir.path());
    proc::run_with_timeout("community-desk import", command, Duration::from_secs(120))?;
    Ok(())
}

/// Starts the desk against the emulator. Without `admin`, Telegram's pacing is
/// off so that the bot's own cost is measured; with it, that Telegram user is
/// the admin and the pacing is the bot's default (the broadcast measures it).
pub fn spawn_desk(
    exe: &Path,
    db: &Database,
    telegram: &Telegram,
    log_filter: Option<&str>,
    admin: Option<i64>,
) -> anyhow::Result<ChildGuard> {
    let mut command = Command::new(exe);
    match log_filter {
        Some(filter) => command.env("RUST_LOG", filter),
        None => command.env_remove("RUST_LOG"),
    };
    command
        .arg("run")
        // The working directory is the throwaway one, so that a developer's
        // .env in the repository cannot change what is measured.
        .current_dir(db.dir.path())
        .env_remove("WEBHOOK_URL")
        .env("TELOXIDE_TOKEN", "123456:LOADGEN")
        .env("TELOXIDE_API_URL", telegram.url())
        .env("DATABASE_URL", &db.url)
        .env("DESK_INSTANCE", "loadgen")
        .env("DESK_POLL_TIMEOUT_SECS", "5");
    match admin {
        // The defaults (30 messages a second, one a second per chat) are
        // what is measured, so a developer's environment must not change them.
        Some(admin) => {
            command.env("ADMIN_IDS", admin.to_string()).env_remove("DESK_CHAT_INTERVAL_MS").env_remove("DESK_SEND_RATE")
        }
        // No artificial Telegram pacing: the bot's own cost is measured.
        None => command.env_remove("ADMIN_IDS").env("DESK_CHAT_INTERVAL_MS", "0").env("DESK_SEND_RATE", "0"),
    };
    // With --bot-log the log outlives the run, to be read afterwards (e.g.
    // for the statement timings of sqlx); otherwise it goes with the bot.
    let log = std::env::temp_dir().join(format!("loadgen-desk-{}.log", uuid::Uuid::new_v4().simple()));
    let mut guard = ChildGuard::spawn("community-desk", command, log.clone())?;
    if log_filter.is_some() {
        guard.keep_log = true;
        println!("  bot log kept at {}", log.display());
    }
    Ok(guard)
}

/// Starts `loadgen echo-bot` with `options` (none for the bare floor).
pub fn spawn_echo(telegram: &Telegram, options: &[&str]) -> anyhow::Result<ChildGuard> {
    let me = std::env::current_exe().context("find the loadgen executable")?;
    let mut command = Command::new(me);
    command.arg("echo-bot").args(options);
    command.env_remove("RUST_LOG").env("TELOXIDE_TOKEN", "123456:LOADGEN").env("TELOXIDE_API_URL", telegram.url());
    let log = std::env::temp_dir().join(format!("loadgen-echo-{}.log", std::process::id()));
    ChildGuard::spawn("echo bot", command, log)
}

pub async fn wait_ready(bot: &mut ChildGuard, telegram: &Telegram) -> anyhow::Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        bot.check_alive()?;
        if telegram.wait_polled(Duration::from_millis(200)).await {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the bot did not ask for updates within {START_TIMEOUT:?}; its log:\n{}", bot.log_tail(20));
        }
    }
}
