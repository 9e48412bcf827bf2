//! What the outcome of a send changes: a recipient who cannot be reached
//! stops being given requests, and a notice's copies are counted.

use chrono::{DateTime, Utc};

use super::clock::Policy;
use super::requests;
use crate::domain::TelegramId;
use crate::domain::routing::Assignment;
use crate::store::{NoticeCounts, RequestView, StoreError, Tx};

/// The person of `chat` cannot be reached (blocked the bot, deactivated):
/// marked so, and the active requests assigned to them move on to the next
/// available responder. Returns each moved request with its new assignment.
pub async fn recipient_unreachable(
    tx: &mut Tx,
    chat: TelegramId,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Vec<(RequestView, Option<Assignment>)>, StoreError> {
    let Some(person) = tx.person_by_telegram(chat).await? else {
        return Ok(Vec::new());
    };
    tx.set_reachable(person.id, false).await?;
    requests::reroute_from(tx, person.id, policy, now).await
}

/// A copy of `notice` to `chat` was delivered or found undeliverable: it is
/// counted once. Returns the notice's counts when its author's progress
/// message is due to show them: at most every `every_ms`, and at the end.
pub async fn notice_copy_settled(
    tx: &mut Tx,
    notice: i64,
    chat: i64,
    delivered: bool,
    every_ms: i64,
    now: i64,
) -> Result<Option<NoticeCounts>, StoreError> {
    if !tx.settle_notice(notice, chat, delivered).await? {
        return Ok(None);
    }
    let counts = tx.notice_counts(notice).await?;
    let gap = if counts.finished() { 0 } else { every_ms };
    Ok(tx.take_progress_turn(notice, now, gap).await?.then_some(counts))
}
