//! One update being handled: a transaction, the person who sent it and the
//! messages the handler wants sent. Everything becomes durable together —
//! the change, the outgoing messages and the note that this update is done —
//! or not at all, so an update interrupted by a crash is simply handled again.

use chrono::{DateTime, Utc};
use i18n_embed::fluent::FluentLanguageLoader;
use teloxide::types::User;

use super::outgoing::{Keyboard, Outbox, Outgoing};
use crate::app::App;
use crate::domain::TelegramId;
use crate::i18n::Locale;
use crate::store::{ClaimedJob, Person, Tx, millis};

/// The inbox job an update came from.
#[derive(Debug, Clone)]
pub struct InboxJob(pub ClaimedJob);

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
}

impl<'a> Turn<'a> {
    /// Opens the transaction and finds (or creates) the sender. A new person
    /// gets the language of their Telegram client when it is one of ours.
    pub async fn begin(app: &'a App, job: &'a InboxJob, user: &User) -> anyhow::Result<Turn<'a>> {
        let now = app.now();
        let mut tx = app.store.begin().await?;
        let client_locale = user.language_code.as_deref().and_then(Locale::from_code);
        let person = tx
            .touch_person(
                TelegramId(user.id.0 as i64),
                Some(&user.full_name()),
                client_locale.map(Locale::code),
                millis(now),
            )
            .await?;
        let locale = person.locale.as_deref().and_then(Locale::from_code).unwrap_or_default();
        Ok(Turn { app, tx, now, person, locale, chat: user.id.0 as i64, job, out: Outbox::default() })
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
    /// done. If another worker took the update over meanwhile, nothing is
    /// committed.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        let now = self.now_ms();
        let wrote = std::mem::take(&mut self.out).write(&mut self.tx, now).await?;
        let job = &self.job.0;
        let Some(more) = self.tx.finish_in_lane(job.id, &job.lease_token, None, now).await? else {
            return Err(LeaseLost.into());
        };
        self.tx.commit().await?;
        // The inbox worker claims again only when this person's next update
        // is already waiting; otherwise the claim would find nothing.
        if more {
            self.app.wake.inbox.notify_one();
        }
        if wrote {
            self.app.wake.outbox.notify_one();
        }
        self.app.wake.timers.notify_one();
        Ok(())
    }
}
