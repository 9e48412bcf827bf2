//! How an update leaves the inbox other than through a turn: dropped over
//! the flood limit, done with nothing to handle it, or failed for good (its
//! sender told that something went wrong, never what).

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

use super::super::outgoing::{Outbox, Outgoing};
use super::super::turn::InboxJob;
use crate::app::App;
use crate::i18n::Locale;
use crate::store::{ClaimedJob, StoreError, Tx};

/// At most this many updates a minute are handled per person.
pub const FLOOD_LIMIT: i64 = 20;
pub(super) const FLOOD_WINDOW_MS: i64 = 60_000;

pub(super) enum Flood {
    Within,
    /// Over the limit; `tell` for the first update over it, which gets one
    /// polite answer (the rest get none, or the answers would be the flood).
    Over {
        tell: bool,
    },
}

/// Where an update stands against the flood limit, by the count its claim
/// made: the updates of the same person in the minute before, this one
/// included.
pub(super) fn flood(job: &ClaimedJob, user: Option<&teloxide::types::User>) -> Flood {
    if job.lane.is_none() || user.is_none() {
        return Flood::Within;
    }
    let recent = job.recent;
    if recent <= FLOOD_LIMIT { Flood::Within } else { Flood::Over { tell: recent == FLOOD_LIMIT + 1 } }
}

/// Drops an update over the flood limit. A pressed button is still
/// answered, with a pop-up that costs no message, or it would spin until
/// Telegram gives up on it.
pub(super) async fn finish_flooded(
    app: &App,
    job: &InboxJob,
    user: Option<&teloxide::types::User>,
    tell: bool,
    pressed: Option<String>,
) {
    let result = async {
        let now = app.now_ms();
        let mut tx = app.store.begin().await?;
        if let Some(user) = user {
            let l = app.i18n.get(sender_locale(&mut tx, user).await?);
            let mut out = Outbox::answering(user.id.0 as i64);
            if tell {
                out.text(user.id.0 as i64, fl!(l, "slow-down"), None);
            }
            if let Some(callback_id) = pressed {
                out.push(Outgoing::AnswerCallback { callback_id, text: Some(fl!(l, "slow-down-button")) });
            }
            out.write(&mut tx, now).await?;
        }
        tx.finish(job.0.id, &job.0.lease_token, Some("over the flood limit"), now).await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not drop a flooding update");
    }
    app.wake.outbox.notify_one();
    app.wake.inbox.notify_one();
}

pub(super) async fn finish_unhandled(app: &App, job: &InboxJob) {
    let result = async {
        let mut tx = app.store.begin().await?;
        tx.finish(job.0.id, &job.0.lease_token, None, app.now_ms()).await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not mark an unhandled update done");
    }
    app.wake.inbox.notify_one();
}

/// Marks an update failed and tells its sender, in their language, that
/// something went wrong — never what.
pub(super) async fn give_up(app: &App, job: &InboxJob, user: Option<&teloxide::types::User>, reason: &str) {
    let result = async {
        let now = app.now_ms();
        let mut tx = app.store.begin().await?;
        if let Some(user) = user {
            tell_sender(app, &mut tx, user, |l| fl!(l, "internal-error"), now).await?;
        }
        tx.fail(job.0.id, &job.0.lease_token, reason, now).await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not record a failed update");
    }
    app.wake.outbox.notify_one();
}

/// Queues a message to the sender of an update handled outside a turn, in
/// the language they chose (or the default one).
async fn tell_sender(
    app: &App,
    tx: &mut Tx,
    user: &teloxide::types::User,
    text: impl FnOnce(&FluentLanguageLoader) -> String,
    now: i64,
) -> Result<(), StoreError> {
    let locale = sender_locale(tx, user).await?;
    let mut out = Outbox::answering(user.id.0 as i64);
    out.text(user.id.0 as i64, text(app.i18n.get(locale)), None);
    out.write(tx, now).await?;
    Ok(())
}

/// The language the sender of an update chose, or the default one.
async fn sender_locale(tx: &mut Tx, user: &teloxide::types::User) -> Result<Locale, StoreError> {
    let person = tx.person_by_telegram(crate::domain::TelegramId(user.id.0 as i64)).await?;
    Ok(person.and_then(|p| p.locale).as_deref().and_then(Locale::from_code).unwrap_or_default())
}
