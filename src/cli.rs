//! The command line: `run` (the default), `migrate`, `import`, `export`.

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
    /// Create or upgrade the database schema at DATABASE_URL, then exit.
    Migrate,
    /// Load directory files (units.csv and/or people.csv, told apart by their
    /// header). Each file is applied whole or not at all; a bad row is
    /// reported as `file:line: what is wrong`. Importing the same files again
    /// changes nothing.
    Import {
        /// The CSV files to import, e.g. `units.csv people.csv`.
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
}

/// Parses the command line and runs the chosen subcommand.
pub async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => run(config).await,
        Command::Migrate => {
            Store::connect(&config.database_url).await.context("could not open the database")?.close().await;
            println!("migrations applied");
            Ok(())
        }
        Command::Import { files } => import(config, files).await,
        Command::Export { from, to, output } => export(config, from, to, output).await,
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let bot_config = BotConfig::from_env()?;
    let store = Store::connect(&config.database_url).await.context("could not open the database")?;
    let now = millis(chrono::Utc::now());
    let mut tx = store.begin().await?;
    tx.ensure_admins(&config.admin_ids, now).await?;
    let released = tx.release_leases_of(&config.instance, now).await?;
    tx.commit().await?;
    if released > 0 {
        tracing::info!(released, "took back work left unfinished by the previous run");
    }
    let app = Arc::new(App::new(store, I18n::load()?, Arc::new(SystemClock), config));
    crate::telegram::run(app, bot_config).await
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
