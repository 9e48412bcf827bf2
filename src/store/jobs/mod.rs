//! The durable work queue shared by the update inbox, the notification
//! outbox and the timers.
//!
//! A job is `pending` until it is `done`, `failed` or `cancelled`. A pending
//! job is claimable once `due_at` has passed. Claiming moves `due_at` forward
//! by the lease and stamps a fresh `lease_token`; finishing requires that
//! token, so a worker whose lease expired (because it hung, or its process
//! died) cannot finish a job someone else has since claimed. Whatever ends a
//! job or gives it back clears its token: only a pending job holds one. Jobs that share a
//! `lane` (one chat) are claimed one at a time in id order, which keeps one
//! chat's messages in order across retries and across instances. Among the
//! due jobs, the most urgent [`Priority`] is claimed first.

mod claim;

use super::{Backend, Result, StoreError, Tx, exec, on};

pub use claim::ClaimedJob;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Telegram updates, recorded before Telegram is told they arrived.
    Inbox,
    /// Messages to send to Telegram.
    Outbox,
    /// Deadlines and reminders.
    Timer,
}

impl Queue {
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Inbox => "inbox",
            Queue::Outbox => "outbox",
            Queue::Timer => "timer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Pending,
    Done,
    Failed,
    Cancelled,
}

impl JobStatus {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(JobStatus::Pending),
            "done" => Some(JobStatus::Done),
            "failed" => Some(JobStatus::Failed),
            "cancelled" => Some(JobStatus::Cancelled),
            _ => None,
        }
    }
}

/// How urgent a job is: due jobs are claimed most urgent first. Only the
/// outbox uses more than the default; under Telegram's limit the person
/// talking to the bot comes first, then responders, then bulk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(into = "i32")]
pub enum Priority {
    /// What answers the person talking to the bot right now: the next
    /// question, an acknowledgement, a button's answer.
    Interactive,
    /// Cards and alerts to responders, and whatever is not marked otherwise.
    #[default]
    Cards,
    /// Notices, follower updates, digests, greetings: many recipients, none
    /// of them waiting at the screen.
    Bulk,
}

impl From<Priority> for i32 {
    fn from(priority: Priority) -> i32 {
        match priority {
            Priority::Interactive => 0,
            Priority::Cards => 1,
            Priority::Bulk => 2,
        }
    }
}

impl From<i32> for Priority {
    fn from(value: i32) -> Priority {
        match value {
            ..=0 => Priority::Interactive,
            1 => Priority::Cards,
            _ => Priority::Bulk,
        }
    }
}

/// A job to add to a queue.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct NewJob<'a> {
    #[serde(serialize_with = "queue_name")]
    pub queue: Queue,
    pub lane: Option<&'a str>,
    /// Adding a second job with the same key does nothing.
    pub dedupe_key: Option<&'a str>,
    pub payload: &'a str,
    pub due_at: i64,
    pub request_id: Option<i64>,
    pub priority: Priority,
}

fn queue_name<S: serde::Serializer>(queue: &Queue, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(queue.as_str())
}

impl Tx {
    /// Adds a job; returns `false` when one with the same dedupe key exists.
    pub async fn enqueue(&mut self, job: NewJob<'_>, now: i64) -> Result<bool> {
        let added = exec!(self, |c| {
            sqlx::query(
                "INSERT INTO jobs (queue, lane, dedupe_key, payload, due_at, request_id, created_at, priority) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(job.queue.as_str())
            .bind(job.lane)
            .bind(job.dedupe_key)
            .bind(job.payload)
            .bind(job.due_at)
            .bind(job.request_id)
            .bind(now)
            .bind(i32::from(job.priority))
            .execute(c)
            .await
        })?;
        Ok(added == 1)
    }

    /// Adds several jobs in one statement, in order (a lane is served in id
    /// order); returns how many were added, a job whose dedupe key exists
    /// being skipped. The jobs travel as one JSON array, so the statement's
    /// text is the same however many there are, and SQLite prepares it once.
    pub async fn enqueue_all(&mut self, jobs: &[NewJob<'_>], now: i64) -> Result<u64> {
        match jobs {
            [] => return Ok(0),
            [job] => return Ok(u64::from(self.enqueue(*job, now).await?)),
            _ => {}
        }
        let jobs = serde_json::to_string(jobs).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let statement = match self.backend() {
            // `WHERE true` keeps SQLite from reading the `ON` of the upsert
            // as a join constraint.
            Backend::Sqlite => {
                "INSERT INTO jobs (queue, lane, dedupe_key, payload, due_at, request_id, created_at, priority) \
                 SELECT json_extract(j.value, '$.queue'), json_extract(j.value, '$.lane'), \
                   json_extract(j.value, '$.dedupe_key'), json_extract(j.value, '$.payload'), \
                   json_extract(j.value, '$.due_at'), json_extract(j.value, '$.request_id'), $2, \
                   json_extract(j.value, '$.priority') \
                 FROM json_each($1) j WHERE true ORDER BY j.key \
                 ON CONFLICT (dedupe_key) DO NOTHING"
            }
            Backend::Postgres => {
                "INSERT INTO jobs (queue, lane, dedupe_key, payload, due_at, request_id, created_at, priority) \
                 SELECT j.value ->> 'queue', j.value ->> 'lane', j.value ->> 'dedupe_key', j.value ->> 'payload', \
                   (j.value ->> 'due_at')::BIGINT, (j.value ->> 'request_id')::BIGINT, $2, \
                   (j.value ->> 'priority')::INTEGER \
                 FROM jsonb_array_elements($1::JSONB) WITH ORDINALITY AS j (value, n) ORDER BY j.n \
                 ON CONFLICT (dedupe_key) DO NOTHING"
            }
        };
        let added = exec!(self, |c| sqlx::query(statement).bind(&jobs).bind(now).execute(c).await)?;
        Ok(added)
    }

    /// Deletes finished jobs of a queue older than `before`. Outbox rows keep
    /// the ids of sent messages, so only what no one will look up again goes.
    pub async fn prune_finished(&mut self, queue: Queue, before: i64) -> Result<u64> {
        Ok(exec!(self, |c| sqlx::query(
            "DELETE FROM jobs WHERE queue = $1 AND status <> 'pending' AND finished_at < $2"
        )
        .bind(queue.as_str())
        .bind(before)
        .execute(c)
        .await)?)
    }

    /// The message id of the latest card of `request` sent in `lane`.
    pub async fn card_message(&mut self, lane: &str, request: i64) -> Result<Option<i32>> {
        let result: Option<Option<String>> = on!(self, |c| sqlx::query_scalar(
            "SELECT result FROM jobs WHERE queue = 'outbox' AND lane = $1 AND request_id = $2 AND status = 'done' \
             ORDER BY id DESC LIMIT 1"
        )
        .bind(lane)
        .bind(request)
        .fetch_optional(c)
        .await)?;
        Ok(result.flatten().and_then(|id| id.parse().ok()))
    }

    /// Every card of `request` the outbox holds, with its lane (chat): each
    /// card sent, by its message id, and once for a lane where one still
    /// waits to be sent, without. A card that failed reached nobody.
    pub async fn cards_of(&mut self, request: i64) -> Result<Vec<(String, Option<i32>)>> {
        let rows: Vec<(Option<String>, String, Option<String>)> = on!(self, |c| sqlx::query_as(
            "SELECT lane, status, result FROM jobs WHERE queue = 'outbox' AND request_id = $1 \
             AND status IN ('pending', 'done') ORDER BY id"
        )
        .bind(request)
        .fetch_all(c)
        .await)?;
        let mut cards: Vec<(String, Option<i32>)> = Vec::new();
        for (lane, status, result) in rows {
            let Some(lane) = lane else { continue };
            let card = (lane, if status == "done" { result.and_then(|id| id.parse().ok()) } else { None });
            if card.1.is_some() || !cards.contains(&card) {
                cards.push(card);
            }
        }
        Ok(cards)
    }

    /// When the next pending job of a queue becomes due, if any.
    pub async fn next_due(&mut self, queue: Queue) -> Result<Option<i64>> {
        Ok(on!(self, |c| sqlx::query_scalar("SELECT MIN(due_at) FROM jobs WHERE queue = $1 AND status = 'pending'")
            .bind(queue.as_str())
            .fetch_one(c)
            .await)?)
    }

    pub async fn job_status(&mut self, job: i64) -> Result<Option<(JobStatus, Option<String>)>> {
        let row: Option<(String, Option<String>)> =
            on!(self, |c| sqlx::query_as("SELECT status, result FROM jobs WHERE id = $1")
                .bind(job)
                .fetch_optional(c)
                .await)?;
        Ok(row.and_then(|(status, result)| Some((JobStatus::parse(&status)?, result))))
    }
}
