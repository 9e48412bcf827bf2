//! One update being handled: a transaction, the person who sent it and the
//! messages the handler wants sent. Everything becomes durable together —
//! the change, the outgoing messages and the note that this update is done —
//! or not at all, so an update interrupted by a crash is simply handled again.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use i18n_embed::fluent::FluentLanguageLoader;
use teloxide::types::User;

use super::commit::{Batch, commit_turns};
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
    /// written as the turn ends, in the turn's transaction.
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

    /// Writes the dialogue and commits the change with its outgoing
    /// messages and marks the update done — or, in a batch, hands the
    /// transaction and the messages on for the batch to write and commit. If
    /// another worker took the update over meanwhile, nothing is committed.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        let now = self.now_ms();
        if self.dialogue_changed {
            match self.dialogue.as_deref() {
                Some(state) => self.tx.set_dialogue(self.person.id, state, now).await?,
                None => self.tx.clear_dialogue(self.person.id).await?,
            }
        }
        let job = &self.job.0;
        if let Some(batch) = &self.job.1 {
            batch.put_back(self.tx);
            batch.done(job, self.out);
            return Ok(());
        }
        commit_turns(self.app, self.tx, self.out, &[(job.id, &job.lease_token, None)], now).await
    }
}
