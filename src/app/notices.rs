//! Use cases of notices: an admin sends one to the residents under a unit,
//! a resident acknowledges it.

use crate::domain::events::Event;
use crate::domain::{PersonId, UnitId};
use crate::store::{NoticeCounts, Recipient, StoreError, Tx};

/// A notice recorded with its copies, ready to be sent.
pub struct Published {
    pub notice: i64,
    pub recipients: Vec<Recipient>,
    pub counts: NoticeCounts,
}

/// Records a notice from `author` to every resident under `unit` whom the
/// bot can reach; its progress is shown in `progress_chat`.
pub async fn publish(
    tx: &mut Tx,
    author: PersonId,
    unit: UnitId,
    text: &str,
    progress_chat: i64,
    now: i64,
) -> Result<Published, StoreError> {
    let recipients = tx.residents_under(unit).await?;
    let notice = tx.create_notice(unit, author, text, progress_chat, &recipients, now).await?;
    let event = Event::NoticeSent { notice, unit: unit.0, recipients: recipients.len() as u64 };
    tx.record_event(None, Some(author), &event, now).await?;
    let counts = tx.notice_counts(notice).await?;
    Ok(Published { notice, recipients, counts })
}

/// A resident pressed "Received"; says whether it is the first time.
pub async fn acknowledge(tx: &mut Tx, notice: i64, person: PersonId, now: i64) -> Result<bool, StoreError> {
    tx.acknowledge_notice(notice, person, now).await
}

/// How often the author's progress message is edited while copies go out.
const PROGRESS_EVERY_MS: i64 = 3_000;

/// A copy of `notice` to `chat` was delivered or found undeliverable: it is
/// counted once. Returns the counts when the author's progress message is
/// due an edit: every few seconds while copies go out, and at the end.
pub async fn copy_settled(
    tx: &mut Tx,
    notice: i64,
    chat: i64,
    delivered: bool,
    now: i64,
) -> Result<Option<NoticeCounts>, StoreError> {
    if !tx.settle_notice(notice, chat, delivered).await? {
        return Ok(None);
    }
    // Counted once per settled copy and used for the edit as well: this runs
    // for every copy of a notice to thousands.
    let counts = tx.notice_counts(notice).await?;
    let gap = if counts.finished() { 0 } else { PROGRESS_EVERY_MS };
    Ok(tx.take_progress_turn(notice, now, gap).await?.then_some(counts))
}
