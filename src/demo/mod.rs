//! `community-desk demo`: the real bot — the same inbox, handlers, outbox,
//! sender and timers as `run` — against the Bot API emulator inside the
//! process, on a seeded example community, with a web page that shows the
//! demo people's phones side by side, moves the clock and starts over.

mod clock;
mod database;
mod live;
mod page;
mod render;
mod routes;
mod seed;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use i18n_embed_fl::fl;
use tokio::sync::{Mutex, RwLock, broadcast};
use tokio::task::JoinHandle;

use crate::app::App;
use crate::config::{BotConfig, Config, Tuning, WebConfig};
use crate::domain::TelegramId;
use crate::emulator::{Emulator, User};
use crate::i18n::{I18n, Locale};
use crate::store::{DemoPerson, Store};
use crate::work::{Shutdown, ShutdownTrigger};

pub use clock::{DemoClock, Jump};
pub use database::DEFAULT_URL;
use database::{Lock, Place};
use live::Live;

/// How many message ids each run of the demo leaves to each chat.
const MESSAGE_IDS_PER_RUN: i64 = 100_000;

/// What the command line asks of the demo.
#[derive(Debug, Clone)]
pub struct Options {
    /// Start over from the example community even if the database is seeded.
    pub fresh: bool,
    pub listen: SocketAddr,
}

/// The demo while it runs: its database, the bot running on it against the
/// emulator, and the page's live channel.
pub struct Demo {
    place: Place,
    config: Config,
    i18n: I18n,
    session: RwLock<Session>,
    /// Held while the demo starts over or adds a person, so that two such
    /// changes do not interleave.
    changing: Mutex<()>,
    live: broadcast::Sender<Live>,
    /// Triggered when the demo stops, which ends the page's event streams.
    stopping: Shutdown,
}

/// One run of the bot on the database as it is now; starting over ends it
/// and begins another.
pub struct Session {
    pub app: Arc<App>,
    pub clock: Arc<DemoClock>,
    pub emulator: Arc<Emulator>,
    pub people: Vec<DemoPerson>,
    stop: ShutdownTrigger,
    bot: JoinHandle<anyhow::Result<()>>,
    forwarder: JoinHandle<()>,
}

/// Runs the demo until Ctrl-C or SIGTERM.
pub async fn run(config: Config, options: Options) -> anyhow::Result<()> {
    let place = Place::of(&config.database_url)?;
    let _lock = Lock::take(&place).await?;
    let now = crate::store::millis(chrono::Utc::now());
    let opened = database::open(&place, options.fresh, now).await?;
    if opened.seeded {
        println!("seeded {} with the example community (examples/green-yangyuan)", place.describe());
    }
    let live = broadcast::channel(4096).0;
    let session = Session::start(opened.store, opened.clock_offset_ms, &config, &live).await?;
    let (trigger, stopping) = Shutdown::new();
    let demo = Arc::new(Demo {
        place,
        config,
        i18n: I18n::load()?,
        session: RwLock::new(session),
        changing: Mutex::new(()),
        live,
        stopping: stopping.clone(),
    });

    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let address = listener.local_addr()?;
    if !address.ip().is_loopback() {
        eprintln!(
            "warning: the demo listens on {address}, which other computers can reach, and it has no sign-in: \
             anyone who opens it can act as every demo person"
        );
    }
    println!("the demo is running: open http://{address}");
    tokio::spawn(crate::telegram::delivery::watch_signals(trigger));
    let server = axum::serve(listener, routes::router(demo.clone()))
        .with_graceful_shutdown(async move { stopping.triggered().await });
    server.await.context("the demo's web server failed")?;
    demo.session.write().await.stop_bot().await
}

impl Demo {
    /// Moves the clock forward and wakes the loops that look for due work,
    /// so that what came due fires now rather than at their next look.
    pub async fn travel(&self, jump: Jump) -> anyhow::Result<()> {
        let session = self.session.read().await;
        let offset = session.clock.advance(jump.duration());
        let mut tx = session.app.store.begin().await?;
        tx.set_demo_clock_offset(offset).await?;
        tx.commit().await?;
        session.app.wake.timers.notify_one();
        session.app.wake.outbox.notify_one();
        let _ = self.live.send(Live::Clock { offset_ms: offset });
        Ok(())
    }

    /// Starts over from the example community: stops the bot, seeds the
    /// database anew and starts the bot again on it, with a new emulator.
    pub async fn reset(&self) -> anyhow::Result<()> {
        let _changing = self.changing.lock().await;
        let mut session = self.session.write().await;
        session.stop_bot().await?;
        let now = crate::store::millis(chrono::Utc::now());
        let store = database::reseed(&self.place, now).await?;
        *session = Session::start(store, 0, &self.config, &self.live).await?;
        let _ = self.live.send(Live::Reload);
        Ok(())
    }

    /// A new resident's phone, who opens the bot with the stairwell link of
    /// `building`; returns their Telegram id.
    pub async fn add_person(&self, building: &crate::domain::BuildingCode, locale: Locale) -> anyhow::Result<i64> {
        let _changing = self.changing.lock().await;
        let mut session = self.session.write().await;
        let id = session.people.iter().map(|p| p.telegram_id.0 + 1).max().unwrap_or(seed::FIRST_ADDED_ID);
        let id = id.max(seed::FIRST_ADDED_ID);
        let person = DemoPerson {
            telegram_id: TelegramId(id),
            name: format!("{} {}", fl!(self.i18n.get(locale), "demo-part-new_resident"), id - seed::FIRST_ADDED_ID + 1),
            language: locale.code().to_string(),
            part: "new_resident".to_string(),
        };
        let mut tx = session.app.store.begin().await?;
        tx.add_demo_person(&person, session.app.now_ms()).await?;
        tx.commit().await?;
        let user = user_of(&person);
        session.emulator.add_user(user.clone());
        session.people.push(person);
        let _ = self.live.send(Live::Reload);
        session.emulator.send_text(&user, &format!("/start b_{}", building.as_str()));
        Ok(id)
    }
}

/// The demo person as the emulator's user, their app in their own language
/// (named as Telegram's apps name it).
fn user_of(person: &DemoPerson) -> User {
    let language = if person.language == "en" { "en" } else { "zh-hans" };
    User::new(person.telegram_id.0, &person.name).with_language(language)
}

/// The phone number a demo person shares with the share-phone button: the
/// directory's for those it lists, one of the demo's own for residents.
pub fn phone_of(person: &DemoPerson) -> String {
    seed::phone_of(person.telegram_id.0).unwrap_or_else(|| format!("1380000{:04}", person.telegram_id.0 % 10_000))
}

impl Session {
    async fn start(
        store: Store,
        clock_offset_ms: i64,
        config: &Config,
        live: &broadcast::Sender<Live>,
    ) -> anyhow::Result<Session> {
        let emulator = Arc::new(Emulator::start().await.context("could not start the built-in Telegram")?);
        let clock = Arc::new(DemoClock::with_offset(clock_offset_ms));
        let app = Arc::new(App::new(store, I18n::load()?, clock.clone(), config.clone()));
        let mut tx = app.store.begin().await?;
        let people = tx.demo_people().await?;
        let runs_before = tx.count_demo_run().await?;
        tx.commit().await?;
        // The database remembers the message ids of earlier runs' chats (the
        // cards it edits); this run's begin past them.
        let last_message_id = i32::try_from(runs_before % 20_000 * MESSAGE_IDS_PER_RUN).unwrap_or(0);
        for person in &people {
            emulator.add_user_after(user_of(person), last_message_id);
        }
        // The emulator is new and knows no one's command menu yet.
        crate::telegram::delivery::start_up(&app).await?;
        let mut tx = app.store.begin().await?;
        let mut known = Vec::new();
        for person in &people {
            if let Some(found) = tx.person_by_telegram(person.telegram_id).await? {
                known.push(found.id);
            }
        }
        crate::telegram::menus::refresh_each(&app, &mut tx, &known, app.now_ms()).await?;
        tx.commit().await?;

        let bot_config = BotConfig {
            token: "0:demo".to_string(),
            api_url: Some(emulator.api_url()),
            webhook: None,
            web: WebConfig::default(),
            tuning: Tuning::default(),
        };
        let (stop, shutdown) = Shutdown::new();
        let bot = tokio::spawn(crate::telegram::delivery::run_until(app.clone(), bot_config, shutdown));
        let forwarder = tokio::spawn(live::forward(emulator.clone(), live.clone()));
        Ok(Session { app, clock, emulator, people, stop, bot, forwarder })
    }

    /// Stops the bot and waits for it, which closes the store.
    async fn stop_bot(&mut self) -> anyhow::Result<()> {
        self.stop.trigger();
        self.forwarder.abort();
        (&mut self.bot).await.context("the bot panicked")?
    }

    pub fn person(&self, telegram_id: i64) -> Option<&DemoPerson> {
        self.people.iter().find(|person| person.telegram_id.0 == telegram_id)
    }
}
