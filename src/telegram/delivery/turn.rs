//! One update being handled: a transaction, the person who sent it and the
//! messages the handler wants sent. Everything becomes durable together —
//! the change, the outgoing messages and the note that this update is done —
//! or not at all, so an update interrupted by a crash is simply handled again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use i18n_embed::fluent::FluentLanguageLoader;
use teloxide::types::User;

use super::outgoing::{Keyboard, Outbox, Outgoing};
use crate::app::App;
use crate::domain::TelegramId;
use crate::i18n::Locale;
use crate::store::{ClaimedJob, Person, Sender, Tx, millis};

/// The inbox job an update came from, and the batch it is handled in, if
/// any.
#[derive(Clone)]
pub struct InboxJob(pub ClaimedJob, Option<Arc<Batch>>);

impl InboxJob {
    /// An update handled in a transaction of its own.
    pub fn alone(job: ClaimedJob) -> InboxJob {
        InboxJob(job, None)
    }

    /// An update handled in the batch's transaction.
    pub fn in_batch(job: ClaimedJob, batch: Arc<Batch>) -> InboxJob {
        InboxJob(job, Some(batch))
    }
}

/// Group commit: several updates handled one after another in one
/// transaction, so that they share its commit. Each turn takes the
/// transaction, writes its own effects into it and puts it back; if any
/// turn fails, the inbox rolls the whole batch back and handles each of its
/// updates alone (see `inbox.rs`). Handlers never see the difference.
pub struct Batch {
    /// `None` while a turn holds it, and for good once a failed turn dropped it.
    tx: Mutex<Option<Tx>>,
    /// Whether a finished turn's person has another update waiting.
    more: AtomicBool,
}

#[derive(Debug, thiserror::Error)]
#[error("an earlier update of the batch gave up its transaction")]
pub struct BatchBroken;

impl Batch {
    pub async fn open(app: &App) -> anyhow::Result<Batch> {
        Ok(Batch { tx: Mutex::new(Some(app.store.begin().await?)), more: AtomicBool::new(false) })
    }

    fn take(&self) -> Result<Tx, BatchBroken> {
        lock(&self.tx).take().ok_or(BatchBroken)
    }

    fn put_back(&self, tx: Tx, more: bool) {
        *lock(&self.tx) = Some(tx);
        self.more.fetch_or(more, Ordering::Relaxed);
    }

    /// Marks an update that nothing handles done with the batch.
    pub async fn done_unhandled(&self, job: &ClaimedJob, now: i64) -> anyhow::Result<()> {
        let mut tx = self.take()?;
        let more = tx.finish_in_lane(job.id, &job.lease_token, None, now).await?.ok_or(LeaseLost)?;
        self.put_back(tx, more);
        Ok(())
    }

    /// Commits every turn of the batch and wakes whoever has work.
    pub async fn commit(self, app: &App) -> anyhow::Result<()> {
        let tx = self.tx.into_inner().unwrap_or_else(PoisonError::into_inner).ok_or(BatchBroken)?;
        tx.commit().await?;
        woken(app, self.more.into_inner());
        Ok(())
    }
}

/// What is woken once a turn's transaction has committed (before that there
/// is nothing to see): the sender for what the turn wrote, the timer worker
/// in case it set a timer, and the inbox worker if a person's next update
/// already waits.
fn woken(app: &App, more: bool) {
    app.wake.outbox.notify_one();
    app.wake.timers.notify_one();
    if more {
        app.wake.inbox.notify_one();
    }
}

/// What touching a sender needs of their Telegram account: the id, the name
/// and the language of their client when it is one of ours, which a new
/// person starts with.
fn touch_of(user: &User) -> (TelegramId, String, Option<&'static str>) {
    let locale = user.language_code.as_deref().and_then(Locale::from_code).map(Locale::code);
    (TelegramId(user.id.0 as i64), user.full_name(), locale)
}

/// The batch's lock is never held across an await, so a poisoned one only
/// means a turn panicked; what it guards is still whole.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, thiserror::Error)]
#[error("another worker took over this update")]
pub struct LeaseLost;

pub struct Turn<'a> {
    pub app: &'a App,
    pub tx: Tx,
    pub now: DateTime<Utc>,
    pub person: Person,
    pub locale: Locale,
    /// The private chat with the sender, which is their user id.
    pub chat: i64,
    pub out: Outbox,
    job: &'a InboxJob,
    /// The sender's dialogue state as the turn began, or as it last set it.
    dialogue: Option<String>,
    /// Whether the turn changed `dialogue`, which is then written as the
    /// turn ends.
    dialogue_changed: bool,
}

impl<'a> Turn<'a> {
    /// Opens the transaction and finds (or creates) the sender, with where
    /// their dialogue stands. A new person gets the language of their
    /// Telegram client when it is one of ours.
    pub async fn begin(app: &'a App, job: &'a InboxJob, user: &User) -> anyhow::Result<Turn<'a>> {
        let now = app.now();
        let mut tx = match &job.1 {
            Some(batch) => batch.take()?,
            None => app.store.begin().await?,
        };
        let (telegram, name, client_locale) = touch_of(user);
        let Sender { person, dialogue } = tx.touch_sender(telegram, Some(&name), client_locale, millis(now)).await?;
        let locale = person.locale.as_deref().and_then(Locale::from_code).unwrap_or_default();
        Ok(Turn {
            app,
            tx,
            now,
            person,
            locale,
            chat: user.id.0 as i64,
            job,
            out: Outbox::default(),
            dialogue,
            dialogue_changed: false,
        })
    }

    /// The sender's dialogue state, serialised.
    pub(in crate::telegram) fn dialogue_state(&self) -> Option<&str> {
        self.dialogue.as_deref()
    }

    /// Moves the sender's dialogue to `state` (`None` ends it); it is
    /// written as the turn ends, with the rest of the turn.
    pub(in crate::telegram) fn change_dialogue(&mut self, state: Option<String>) {
        self.dialogue = state;
        self.dialogue_changed = true;
    }

    pub fn now_ms(&self) -> i64 {
        millis(self.now)
    }

    /// The sender's language.
    pub fn l(&self) -> &'a FluentLanguageLoader {
        self.app.i18n.get(self.locale)
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.reply(text, None);
    }

    pub fn reply(&mut self, text: impl Into<String>, keyboard: Option<Keyboard>) {
        let chat = self.chat;
        self.send_text(chat, text.into(), keyboard);
    }

    /// Queues a text to any chat.
    pub fn send_text(&mut self, chat: i64, text: String, keyboard: Option<Keyboard>) {
        self.out.text(chat, text, keyboard);
    }

    pub fn send(&mut self, outgoing: Outgoing) {
        self.out.push(outgoing);
    }

    /// Writes the change's outgoing messages, the dialogue's new state and
    /// the mark that the update is done, and commits — or, in a batch, puts
    /// the transaction back for the batch to commit. If another worker took
    /// the update over meanwhile, nothing is committed.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        let now = self.now_ms();
        if self.dialogue_changed {
            match &self.dialogue {
                Some(state) => self.tx.set_dialogue(self.person.id, state, now).await?,
                None => self.tx.clear_dialogue(self.person.id).await?,
            }
        }
        let mut out = std::mem::take(&mut self.out);
        out.answer_to(self.chat);
        out.write(&mut self.tx, now).await?;
        let job = &self.job.0;
        let more = self.tx.finish_in_lane(job.id, &job.lease_token, None, now).await?.ok_or(LeaseLost)?;
        match &self.job.1 {
            Some(batch) => batch.put_back(self.tx, more),
            None => {
                self.tx.commit().await?;
                woken(self.app, more);
            }
        }
        Ok(())
    }
}
