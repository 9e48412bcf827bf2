//! Long polling that loses nothing: each batch of updates is written to the
//! inbox and committed before the next getUpdates call tells Telegram, through
//! its offset, that the batch arrived.

use std::sync::Arc;
use std::time::Duration;

use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, Update};

use crate::app::App;
use crate::store::{NewJob, Priority, Queue, StoreError};
use crate::work::{Backoff, Shutdown};

pub async fn run(app: Arc<App>, bot: Bot, poll_timeout: Duration, shutdown: Shutdown) {
    let mut offset: Option<i32> = None;
    let mut failures = 0u32;
    let timeout = u32::try_from(poll_timeout.as_secs()).unwrap_or(10);
    while !shutdown.is_triggered() {
        let mut request = bot
            .get_updates()
            .timeout(timeout)
            .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery]);
        if let Some(offset) = offset {
            request = request.offset(offset);
        }
        let updates = tokio::select! {
            result = request.send() => result,
            _ = shutdown.triggered() => break,
        };
        match updates {
            Ok(updates) => {
                failures = 0;
                if updates.is_empty() {
                    continue;
                }
                let next = updates.iter().map(|u| u.id.0 as i32 + 1).max();
                match record(&app, &updates).await {
                    Ok(()) => {
                        offset = next;
                        app.wake.inbox.notify_one();
                    }
                    Err(error) => {
                        // Without a durable record the batch is not confirmed;
                        // Telegram will offer it again.
                        tracing::error!(%error, "could not record updates; they will be fetched again");
                        failures += 1;
                        tokio::time::sleep(Backoff::after_failures(failures)).await;
                    }
                }
            }
            Err(error) => {
                failures += 1;
                let pause = Backoff::after_failures(failures).min(Duration::from_secs(30));
                tracing::warn!(error = %super::describe(&error), ?pause, "getUpdates failed");
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = shutdown.triggered() => break,
                }
            }
        }
    }
}

/// Writes a batch of updates to the inbox in one transaction. An update
/// that is already there (Telegram may send it again) is skipped.
pub async fn record(app: &App, updates: &[Update]) -> Result<(), StoreError> {
    let now = app.now_ms();
    let rows = updates
        .iter()
        .map(|update| {
            let payload = serde_json::to_string(update).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let lane = update.from().map(|user| format!("chat:{}", user.id.0));
            Ok((payload, lane, format!("update:{}", update.id.0)))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let jobs: Vec<_> = rows
        .iter()
        .map(|(payload, lane, dedupe)| NewJob {
            queue: Queue::Inbox,
            lane: lane.as_deref(),
            dedupe_key: Some(dedupe),
            payload,
            due_at: now,
            request_id: None,
            priority: Priority::default(),
        })
        .collect();
    let mut tx = app.store.begin().await?;
    tx.enqueue_all(&jobs, now).await?;
    tx.commit().await
}
