//! One update being handled: a transaction, the person who sent it and the
//! messages the handler wants sent. Everything becomes durable together —
//! the change, the outgoing messages and the note that this update is done —
//! or not at all, so an update interrupted by a crash is simply handled again.

use chrono::{DateTime, Utc};
use i18n_embed::fluent::FluentLanguageLoader;
use teloxide::types::User;

use super::outgoing::{Keyboard, Outgoing, split_text};
use crate::app::App;
use crate::domain::TelegramId;
use crate::i18n::Locale;
use crate::store::{ClaimedJob, NewJob, Person, Queue, Tx, millis};

/// Telegram's limit on one message's text.
const MAX_TEXT_CHARS: usize = 4096;

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
    job: &'a InboxJob,
    out: Vec<Outgoing>,
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
        let locale = person
            .locale
            .as_deref()
            .and_then(Locale::from_code)
            .unwrap_or_default();
        Ok(Turn {
            app,
            tx,
            now,
            person,
            locale,
            chat: user.id.0 as i64,
            job,
            out: Vec::new(),
        })
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

    /// Queues a text to any chat, split if it is over Telegram's limit (the
    /// keyboard goes with the last part).
    pub fn send_text(&mut self, chat: i64, text: String, keyboard: Option<Keyboard>) {
        let mut parts = split_text(&text, MAX_TEXT_CHARS);
        let last = parts.pop().unwrap_or_default();
        for part in parts {
            self.out.push(Outgoing::Text {
                chat,
                text: part,
                keyboard: None,
            });
        }
        self.out.push(Outgoing::Text {
            chat,
            text: last,
            keyboard,
        });
    }

    pub fn send(&mut self, outgoing: Outgoing) {
        self.out.push(outgoing);
    }

    /// Commits the change with its outgoing messages and marks the update
    /// done. If another worker took the update over meanwhile, nothing is
    /// committed.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        let now = self.now_ms();
        for outgoing in &self.out {
            let payload = serde_json::to_string(outgoing)?;
            let lane = outgoing.chat().map(|chat| format!("chat:{chat}"));
            let job = NewJob {
                queue: Queue::Outbox,
                lane: lane.as_deref(),
                dedupe_key: None,
                payload: &payload,
                due_at: now,
                request_id: None,
            };
            self.tx.enqueue(job, now).await?;
        }
        let job = &self.job.0;
        if !self.tx.finish(job.id, &job.lease_token, None, now).await? {
            return Err(LeaseLost.into());
        }
        self.tx.commit().await?;
        if !self.out.is_empty() {
            self.app.wake.outbox.notify_one();
        }
        Ok(())
    }
}
