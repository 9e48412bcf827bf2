//! The requests a person can talk about through the bot, for deciding where
//! something they typed outside any dialogue goes.

use super::{Result, Tx, on};
use crate::domain::{PersonId, RequestId};

/// A request whose resident and responder can write to each other through
/// the bot, seen from one of the two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub request: RequestId,
    /// The person holds it as its responder, and has accepted it.
    pub held: bool,
    /// When the other side last wrote to the person through the bot.
    pub last_heard: Option<i64>,
}

impl Tx {
    /// The requests `person` is the resident or the responder of that are
    /// still open to talk about (the same ones `relay_target` lets them
    /// write to), oldest first.
    pub async fn threads_of(&mut self, person: PersonId) -> Result<Vec<Thread>> {
        let rows: Vec<(i64, bool, Option<i64>)> = on!(self, |c| sqlx::query_as(
            "SELECT q.id, q.assignee_id = $1 AND q.status = 'accepted', \
               (SELECT MAX(e.at) FROM events e \
                WHERE e.request_id = q.id AND e.kind = 'relayed' AND e.actor_id <> $1) \
             FROM requests q \
             WHERE (q.resident_id = $1 OR q.assignee_id = $1) \
               AND q.resident_id IS NOT NULL AND q.assignee_id IS NOT NULL \
               AND q.status IN ('open', 'accepted', 'resolved') \
             ORDER BY q.id"
        )
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(request, held, last_heard)| Thread { request: RequestId(request), held, last_heard })
            .collect())
    }
}
