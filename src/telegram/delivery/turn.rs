//! One update being handled: a transaction, the person who sent it and the
//! messages the handler wants sent. Everything becomes durable together —
//! the change, the outgoing messages and the note that this update is done —
//! or not at all, so an update interrupted by a crash is simply handled again.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use i18n_embed::fluent::FluentLanguageLoader;
use teloxide::types::User;

use super::outgoing::{Keyboard, Outbox, Outgoing};
use crate::app::App;
use crate::domain::{PersonId, TelegramId};
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

/// Several updates handled one after another in one transaction, so that
/// they share its commit (see `inbox`): each turn takes the transaction and
/// puts it back; a turn that fails drops it, which rolls the whole batch back.
/// What the turns send, the dialogues they move on and the notes that their
/// updates are done are gathered and written when the batch commits, a
/// statement for all rather than one or two for each, and what they would
/// wake is woken after that, since before it there is nothing to see.
pub struct Batch(Mutex<Shared>);

struct Shared {
    /// `None` once a turn has dropped it.
    tx: Option<Tx>,
    out: Outbox,
    /// The dialogues the turns changed, one entry a person, the latest state.
    dialogues: Vec<(PersonId, Option<String>)>,
    /// The jobs of the turns that finished, with their lease tokens.
    done: Vec<(i64, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("an earlier update of the batch gave up its transaction")]
pub struct BatchBroken;

impl Batch {
    /// Opens the batch's transaction.
    pub async fn open(app: &App) -> anyhow::Result<Batch> {
        let tx = app.store.begin().await?;
        Ok(Batch(Mutex::new(Shared { tx: Some(tx), out: Outbox::default(), dialogues: Vec::new(), done: Vec::new() })))
    }

    pub fn take(&self) -> Result<Tx, BatchBroken> {
        lock(&self.0).tx.take().ok_or(BatchBroken)
    }

    pub fn put_back(&self, tx: Tx) {
        lock(&self.0).tx = Some(tx);
    }

    /// Notes that the turn of `job` is over, with what it sends and, if it
    /// moved the sender's dialogue on, where it now stands.
    pub fn done(&self, job: &ClaimedJob, out: Outbox, dialogue: Option<(PersonId, Option<String>)>) {
        let mut shared = lock(&self.0);
        shared.out.append(out);
        if let Some((person, state)) = dialogue {
            match shared.dialogues.iter_mut().find(|(known, _)| *known == person) {
                Some(entry) => entry.1 = state,
                None => shared.dialogues.push((person, state)),
            }
        }
        shared.done.push((job.id, job.lease_token.clone()));
    }

    /// The dialogue state an earlier turn of the batch left for `person`,
    /// which is not written yet: `None` if none of them changed it.
    fn dialogue_of(&self, person: PersonId) -> Option<Option<String>> {
        lock(&self.0).dialogues.iter().find(|(known, _)| *known == person).map(|(_, state)| state.clone())
    }

    /// Writes what the turns left and commits (see [`commit_turns`]).
    pub async fn commit(self, app: &App) -> anyhow::Result<()> {
        let shared = self.0.into_inner().unwrap_or_else(PoisonError::into_inner);
        let tx = shared.tx.ok_or(BatchBroken)?;
        let dialogues: Vec<(PersonId, Option<&str>)> =
            shared.dialogues.iter().map(|(person, state)| (*person, state.as_deref())).collect();
        let done: Vec<(i64, &str, Option<&str>)> =
            shared.done.iter().map(|(id, token)| (*id, token.as_str(), None)).collect();
        commit_turns(app, tx, &dialogues, shared.out, &done, millis(app.now())).await
    }
}

/// Ends the transaction of one turn or of a batch of them: writes the
/// dialogues they moved on, what they send and the marks that their updates
/// are done, commits, and then wakes whoever has work — before the commit
/// there is nothing to see. If another worker took any of the updates over
/// meanwhile, nothing is committed.
async fn commit_turns(
    app: &App,
    mut tx: Tx,
    dialogues: &[(PersonId, Option<&str>)],
    out: Outbox,
    done: &[(i64, &str, Option<&str>)],
    now: i64,
) -> anyhow::Result<()> {
    tx.write_dialogues(dialogues, now).await?;
    let wrote = out.write(&mut tx, now).await?;
    let more = tx.finish_all(done, now).await?;
    anyhow::ensure!(more.len() == done.len(), LeaseLost);
    tx.commit().await?;
    // The inbox worker claims again only when a person's next update is
    // already waiting; otherwise the claim would find nothing.
    if more.contains(&true) {
        app.wake.inbox.notify_one();
    }
    if wrote {
        app.wake.outbox.notify_one();
    }
    // A turn may have started, stopped or moved a timer.
    app.wake.timers.notify_one();
    Ok(())
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
        let client_locale = user.language_code.as_deref().and_then(Locale::from_code).map(Locale::code);
        let (telegram, name) = (TelegramId(user.id.0 as i64), user.full_name());
        let Sender { person, dialogue } = tx.touch_sender(telegram, Some(&name), client_locale, millis(now)).await?;
        // An earlier turn of the batch may have moved this person's dialogue
        // on without writing it yet.
        let dialogue = job.1.as_ref().and_then(|batch| batch.dialogue_of(person.id)).unwrap_or(dialogue);
        let locale = person.locale.as_deref().and_then(Locale::from_code).unwrap_or_default();
        Ok(Turn {
            app,
            tx,
            now,
            person,
            locale,
            chat: user.id.0 as i64,
            job,
            out: Outbox::answering(user.id.0 as i64),
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

    /// Commits the change with its outgoing messages and marks the update
    /// done — or, in a batch, hands the transaction and the messages on for
    /// the batch to write and commit. If another worker took the update over
    /// meanwhile, nothing is committed.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        let out = std::mem::take(&mut self.out);
        let dialogue = self.dialogue_changed.then(|| (self.person.id, self.dialogue.take()));
        let job = &self.job.0;
        if let Some(batch) = &self.job.1 {
            batch.put_back(self.tx);
            batch.done(job, out, dialogue);
            return Ok(());
        }
        let now = self.now_ms();
        let dialogue: Vec<(PersonId, Option<&str>)> =
            dialogue.iter().map(|(person, state)| (*person, state.as_deref())).collect();
        commit_turns(self.app, self.tx, &dialogue, out, &[(job.id, &job.lease_token, None)], now).await
    }
}
