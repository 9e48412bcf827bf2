//! The command line: `run` (the default), `demo`, `migrate`, `import`, `export`, `qr`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::app::App;
use crate::app::directory::{self, DirectoryFile, FileKind};
use crate::config::{BotConfig, Config};
use crate::domain::clock::SystemClock;
use crate::i18n::I18n;
use crate::store::{Store, millis};

#[derive(Debug, Parser)]
#[command(
    name = "community-desk",
    version,
    about = "The front desk of a residential community, as a Telegram bot.",
    long_about = "The front desk of a residential community, as a Telegram bot.\n\n\
        Configuration comes from the environment and from a .env file if present; \
        see .env.example for every variable. Without a subcommand, `run` is assumed."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the bot: long polling, the handlers and the outbox sender.
    /// Needs TELOXIDE_TOKEN; applies migrations first.
    Run,
    /// Try the bot without a token: the real bot against a Telegram built
    /// into the program, on the example community with a few people already
    /// bound, shown as phones side by side on a web page, with a clock to
    /// move forward. Its database is demo.db in the working directory
    /// unless DATABASE_URL names another (an empty one, or a demo's).
    Demo {
        /// Start over from the example community, erasing the demo's database.
        #[arg(long)]
        fresh: bool,
        /// Where the page is served. The demo has no sign-in: on an address
        /// other computers can reach, anyone can act as every demo person.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// Create or upgrade the database schema at DATABASE_URL, then exit.
    Migrate,
    /// Load directory files (units.csv, people.csv and/or households.csv,
    /// told apart by their header). Each file is applied whole or not at all; a bad row is
    /// reported as `file:line: what is wrong`. Importing the same files again
    /// changes nothing.
    Import {
        /// The CSV files to import, e.g. `units.csv people.csv households.csv`.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write requests as CSV (one row per request; residents' names and
    /// phones left out, sensitive descriptions redacted).
    Export {
        /// The first day to include (YYYY-MM-DD, local time); from the start when absent.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// The last day to include (YYYY-MM-DD, local time); up to now when absent.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Where to write the CSV; standard output when absent.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Write a printable PDF of QR codes, one A4 page per building in the
    /// database, for stairwells and notice boards. Each page shows the
    /// community, estate and building code and the QR code of the link
    /// https://t.me/<bot>?start=b_<building code>, which opens the bot with
    /// the building chosen. Pages come in the order community, estate,
    /// building code.
    Qr {
        /// Where to write the PDF.
        #[arg(long, short, default_value = "building-qr.pdf")]
        output: PathBuf,
        /// The bot's username, e.g. `community_desk_bot`; when absent it is
        /// asked from Telegram (getMe) with TELOXIDE_TOKEN.
        #[arg(long, env = "DESK_BOT_USERNAME")]
        bot: Option<String>,
    },
}

/// Parses the command line and runs the chosen subcommand.
pub async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => run(config).await,
        Command::Demo { fresh, listen } => {
            let mut config = config;
            if std::env::var_os("DATABASE_URL").is_none_or(|url| url.is_empty()) {
                config.database_url = crate::demo::DEFAULT_URL.to_string();
            }
            crate::demo::run(config, crate::demo::Options { fresh, listen }).await
        }
        Command::Migrate => {
            Store::connect(&config.database_url).await.context("could not open the database")?.close().await;
            println!("migrations applied");
            Ok(())
        }
        Command::Import { files } => import(config, files).await,
        Command::Export { from, to, output } => export(config, from, to, output).await,
        Command::Qr { output, bot } => qr(config, output, bot).await,
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let bot_config = BotConfig::from_env()?;
    let store = Store::connect(&config.database_url).await.context("could not open the database")?;
    let app = Arc::new(App::new(store, I18n::load()?, Arc::new(SystemClock), config));
    crate::telegram::delivery::start_up(&app).await?;
    crate::telegram::delivery::run(app, bot_config).await
}

async fn export(
    config: Config,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await.context("could not open the database")?;
    let (from, to) = crate::app::export::period(from, to, config.timezone);
    let mut tx = store.begin().await?;
    let (csv, count) = crate::app::export::requests_csv(&mut tx, from, to, config.timezone).await?;
    tx.commit().await?;
    store.close().await;
    match output {
        Some(path) => {
            std::fs::write(&path, csv).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("{count} requests written to {}", path.display());
        }
        None => print!("{csv}"),
    }
    Ok(())
}

async fn import(config: Config, paths: Vec<PathBuf>) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        files.push(DirectoryFile { name: path.display().to_string(), bytes });
    }
    let store = Store::connect(&config.database_url).await.context("could not open the database")?;
    let reports = directory::import(&store, files, &config.admin_ids, millis(chrono::Utc::now())).await?;
    store.close().await;
    let mut failed = false;
    for report in reports {
        match report.outcome {
            Ok(counts) => {
                let what = match report.kind {
                    Some(FileKind::Units) => "buildings",
                    Some(FileKind::Households) => "households",
                    _ => "people",
                };
                println!(
                    "{}: {} {what} added, {} updated, {} unchanged",
                    report.name, counts.created, counts.updated, counts.unchanged
                );
            }
            Err(errors) => {
                failed = true;
                for error in errors {
                    eprintln!("{error}");
                }
                eprintln!("{}: nothing applied", report.name);
            }
        }
    }
    if failed {
        anyhow::bail!("some files were not imported");
    }
    Ok(())
}

/// What a building's poster asks residents to do, in both languages the bot
/// speaks, since a poster cannot know who reads it.
const POSTER_SUBTITLE: &str = "扫码登记 / Scan to register";

async fn qr(config: Config, output: PathBuf, bot: Option<String>) -> anyhow::Result<()> {
    // An empty value, as a blank DESK_BOT_USERNAME= line in .env gives, counts
    // as none, like every other setting.
    let username = match bot.filter(|name| !name.trim().is_empty()) {
        Some(name) => name,
        None => bot_username().await?,
    };
    // People copy the username with its @ from Telegram.
    let username = username.trim().trim_start_matches('@').to_string();
    if username.is_empty() || !username.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        anyhow::bail!("`{username}` is not a bot username (letters, digits and _, e.g. community_desk_bot)");
    }
    let store = Store::connect(&config.database_url).await.context("could not open the database")?;
    let mut tx = store.begin().await?;
    let units = tx.units().await?;
    tx.commit().await?;
    store.close().await;
    let posters = building_posters(&units, &username);
    if posters.is_empty() {
        anyhow::bail!(
            "there are no buildings in the database, so there is nothing to print; \
             load them first with `community-desk import units.csv`"
        );
    }
    let pdf = crate::media::pdf::posters_pdf(&posters).context("could not make the PDF")?;
    std::fs::write(&output, pdf).with_context(|| format!("cannot write {}", output.display()))?;
    println!("{} buildings written to {}", posters.len(), output.display());
    Ok(())
}

/// The bot's username as Telegram knows it, asked with getMe.
async fn bot_username() -> anyhow::Result<String> {
    let bot_config = BotConfig::from_env()
        .context("the links need the bot's username: pass --bot USERNAME or set DESK_BOT_USERNAME")?;
    let mut bot = teloxide::Bot::new(bot_config.token.clone());
    if let Some(url) = bot_config.api_url.clone() {
        bot = bot.set_api_url(url);
    }
    // teloxide removes the token from network errors, so the error is safe
    // to show.
    let me = teloxide::requests::Requester::get_me(&bot)
        .await
        .context("could not ask Telegram for the bot's username (getMe); pass --bot USERNAME instead")?;
    me.user.username.clone().context("Telegram gave no username for the bot; pass --bot USERNAME")
}

/// One poster per building, titled community · estate · building code, in
/// the order community, estate, building code.
fn building_posters(units: &[crate::domain::Unit], username: &str) -> Vec<crate::media::pdf::Poster> {
    use crate::domain::UnitLevel;
    let by_id: std::collections::HashMap<_, _> = units.iter().map(|unit| (unit.id, unit)).collect();
    let ancestor = |unit: &crate::domain::Unit, level: UnitLevel| {
        // The tree is at most four levels deep; the bound only guards
        // against a corrupt cycle.
        let mut next = unit.parent;
        for _ in 0..16 {
            let parent = by_id.get(&next?)?;
            if parent.level == level {
                return Some(parent.name.clone());
            }
            next = parent.parent;
        }
        None
    };
    let mut buildings: Vec<_> = units
        .iter()
        .filter(|unit| unit.level == UnitLevel::Building)
        .filter_map(|unit| {
            let code = unit.code.as_ref()?.as_str().to_string();
            Some((ancestor(unit, UnitLevel::Community), ancestor(unit, UnitLevel::Estate), code))
        })
        .collect();
    buildings.sort();
    buildings
        .into_iter()
        .map(|(community, estate, code)| crate::media::pdf::Poster {
            title: [community, estate, Some(code.clone())].into_iter().flatten().collect::<Vec<_>>().join(" · "),
            subtitle: POSTER_SUBTITLE.to_string(),
            link: format!("https://t.me/{username}?start=b_{code}"),
        })
        .collect()
}
