//! What privacy needs from the store: a person's data, erasing it, and the
//! retention of closed requests.

use super::{Backend, Result, Tx, exec, on};
use crate::domain::PersonId;
use crate::domain::events::Event;

/// A request as its resident may see it in their data export.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OwnRequest {
    pub number: i64,
    pub category: String,
    pub urgency: String,
    pub status: String,
    pub description: String,
    pub room: Option<String>,
    pub created_at: i64,
}

/// A request someone else reported that a person follows, as their data
/// export shows it: that they follow it and what they rated, not what its
/// reporter wrote.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FollowedRequest {
    pub number: i64,
    pub category: String,
    pub status: String,
    pub since: i64,
    pub rating: Option<i64>,
}

impl Tx {
    /// Rewrites events without the free text people wrote in them.
    async fn blank_event_texts(&mut self, events: Vec<(i64, String)>) -> Result<()> {
        for (id, data) in events {
            let Ok(mut event) = serde_json::from_str::<Event>(&data) else { continue };
            if !event.blank_texts() {
                continue;
            }
            let data = serde_json::to_string(&event).map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
            exec!(self, |c| sqlx::query("UPDATE events SET data = $1 WHERE id = $2")
                .bind(data)
                .bind(id)
                .execute(c)
                .await)?;
        }
        Ok(())
    }

    pub async fn phone_of(&mut self, person: PersonId) -> Result<Option<String>> {
        Ok(on!(self, |c| sqlx::query_scalar("SELECT phone FROM people WHERE id = $1")
            .bind(person.0)
            .fetch_optional(c)
            .await)?
        .flatten())
    }

    pub async fn own_requests(&mut self, person: PersonId) -> Result<Vec<OwnRequest>> {
        Ok(on!(self, |c| sqlx::query_as(
            "SELECT number, category, urgency, status, description, room, created_at FROM requests \
             WHERE resident_id = $1 ORDER BY created_at"
        )
        .bind(person.0)
        .fetch_all(c)
        .await)?)
    }

    /// The requests a person follows, in the order they began to.
    pub async fn followed_requests(&mut self, person: PersonId) -> Result<Vec<FollowedRequest>> {
        Ok(on!(self, |c| sqlx::query_as(
            "SELECT q.number, q.category, q.status, f.since, f.rating FROM followers f \
             JOIN requests q ON q.id = f.request_id WHERE f.person_id = $1 ORDER BY f.since, q.id"
        )
        .bind(person.0)
        .fetch_all(c)
        .await)?)
    }

    /// Erases everything that identifies a person. Their requests stay for
    /// statistics, without description, room or attachments; open ones are
    /// cancelled, as nobody could get back to them.
    pub async fn forget_person(&mut self, person: PersonId, now: i64) -> Result<()> {
        let written: Vec<(i64, String)> = on!(self, |c| sqlx::query_as(
            "SELECT id, data FROM events WHERE actor_id = $1 \
             OR request_id IN (SELECT id FROM requests WHERE resident_id = $1)"
        )
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        self.blank_event_texts(written).await?;
        // Cards of their requests carry what they wrote. One never tried
        // (no attempt yet) has reached nobody and goes; one whose sending
        // has begun may be on its way and stays, for its edit to find.
        exec!(self, |c| {
            sqlx::query(
                "DELETE FROM jobs WHERE (status <> 'pending' OR attempts = 0) \
                 AND request_id IN (SELECT id FROM requests WHERE resident_id = $1)",
            )
            .bind(person.0)
            .execute(c)
            .await
        })?;
        let telegram: Option<i64> = on!(self, |c| sqlx::query_scalar("SELECT telegram_id FROM people WHERE id = $1")
            .bind(person.0)
            .fetch_optional(c)
            .await)?
        .flatten();
        if let Some(telegram) = telegram {
            self.forget_chat(telegram).await?;
        }
        exec!(self, |c| sqlx::query(
            "DELETE FROM attachments WHERE request_id IN (SELECT id FROM requests WHERE resident_id = $1)"
        )
        .bind(person.0)
        .execute(c)
        .await)?;
        exec!(self, |c| sqlx::query(
            "UPDATE requests SET description = '', room = NULL, updated_at = $2, \
             status = CASE WHEN status IN ('open', 'accepted') THEN 'cancelled' ELSE status END \
             WHERE resident_id = $1"
        )
        .bind(person.0)
        .bind(now)
        .execute(c)
        .await)?;
        exec!(self, |c| sqlx::query("DELETE FROM residents WHERE person_id = $1").bind(person.0).execute(c).await)?;
        exec!(self, |c| sqlx::query("DELETE FROM dialogues WHERE person_id = $1").bind(person.0).execute(c).await)?;
        exec!(self, |c| sqlx::query("DELETE FROM followers WHERE person_id = $1").bind(person.0).execute(c).await)?;
        exec!(self, |c| sqlx::query("DELETE FROM roles WHERE person_id = $1").bind(person.0).execute(c).await)?;
        exec!(self, |c| {
            sqlx::query(
            "UPDATE people SET telegram_id = NULL, name = '', phone = NULL, locale = NULL, reachable = FALSE WHERE id = $1"
        )
        .bind(person.0)
        .execute(c)
        .await
        })?;
        Ok(())
    }

    /// Erases the stored traffic of one Telegram chat. Every message to it
    /// goes, sent or not (one being sent as this commits is sent, and leaves
    /// no record). Its handled updates go; the oldest pending one is the
    /// update being handled, which is finished in this transaction: it
    /// keeps neither who sent it nor what it said. Updates after it are new
    /// words from someone the desk no longer knows, and are handled as such.
    async fn forget_chat(&mut self, telegram: i64) -> Result<()> {
        let chat = format!("chat:{telegram}");
        let edits = format!("message:{telegram}:%");
        exec!(self, |c| sqlx::query("DELETE FROM jobs WHERE queue = 'outbox' AND (lane = $1 OR lane LIKE $2)")
            .bind(&chat)
            .bind(&edits)
            .execute(c)
            .await)?;
        // Copies of notices go outside the chat's lane.
        match self.backend() {
            Backend::Sqlite => exec!(self, |c| sqlx::query(
                "DELETE FROM jobs WHERE queue = 'outbox' AND lane IS NULL AND json_extract(payload, '$.chat') = $1"
            )
            .bind(telegram)
            .execute(c)
            .await)?,
            Backend::Postgres => exec!(self, |c| sqlx::query(
                "DELETE FROM jobs WHERE queue = 'outbox' AND lane IS NULL AND payload::JSONB ->> 'chat' = $1"
            )
            .bind(telegram.to_string())
            .execute(c)
            .await)?,
        };
        exec!(self, |c| sqlx::query("DELETE FROM jobs WHERE queue = 'inbox' AND lane = $1 AND status <> 'pending'")
            .bind(&chat)
            .execute(c)
            .await)?;
        exec!(self, |c| sqlx::query(
            "UPDATE jobs SET payload = '{}', lane = NULL WHERE id = \
             (SELECT MIN(id) FROM jobs WHERE queue = 'inbox' AND lane = $1 AND status = 'pending')"
        )
        .bind(&chat)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Deletes jobs whose record must not outlive them (see
    /// `forget_chat`): messages to someone erased, once sent.
    pub async fn delete_jobs(&mut self, jobs: &[i64]) -> Result<()> {
        for job in jobs {
            exec!(self, |c| sqlx::query("DELETE FROM jobs WHERE id = $1").bind(job).execute(c).await)?;
        }
        Ok(())
    }

    /// Anonymises requests closed or cancelled before `before`; returns how
    /// many.
    pub async fn anonymise_finished_before(&mut self, before: i64) -> Result<u64> {
        let written: Vec<(i64, String)> = on!(self, |c| sqlx::query_as(
            "SELECT e.id, e.data FROM events e JOIN requests q ON q.id = e.request_id \
             WHERE q.status IN ('closed', 'cancelled') AND q.updated_at < $1 AND q.resident_id IS NOT NULL"
        )
        .bind(before)
        .fetch_all(c)
        .await)?;
        self.blank_event_texts(written).await?;
        exec!(self, |c| sqlx::query(
            "DELETE FROM jobs WHERE status <> 'pending' AND request_id IN (SELECT id FROM requests \
             WHERE status IN ('closed', 'cancelled') AND updated_at < $1 AND resident_id IS NOT NULL)"
        )
        .bind(before)
        .execute(c)
        .await)?;
        exec!(self, |c| sqlx::query(
            "DELETE FROM attachments WHERE request_id IN (SELECT id FROM requests \
             WHERE status IN ('closed', 'cancelled') AND updated_at < $1 AND resident_id IS NOT NULL)"
        )
        .bind(before)
        .execute(c)
        .await)?;
        Ok(exec!(self, |c| sqlx::query(
            "UPDATE requests SET description = '', room = NULL, resident_id = NULL \
             WHERE status IN ('closed', 'cancelled') AND updated_at < $1 AND resident_id IS NOT NULL"
        )
        .bind(before)
        .execute(c)
        .await)?)
    }

    /// Deletes messages sent (or given up) before `before`, but for the cards
    /// of requests still in progress: an edit of such a card finds the
    /// message it was sent as through its job. Their texts are the
    /// request's own, which stays as long as the request does.
    pub async fn prune_sent_messages(&mut self, before: i64) -> Result<u64> {
        Ok(exec!(self, |c| {
            sqlx::query(
            "DELETE FROM jobs WHERE queue = 'outbox' AND status <> 'pending' AND finished_at < $1 \
             AND (request_id IS NULL OR request_id NOT IN (SELECT id FROM requests WHERE status NOT IN ('closed', 'cancelled')))"
        )
        .bind(before)
        .execute(c)
        .await
        })?)
    }
}
