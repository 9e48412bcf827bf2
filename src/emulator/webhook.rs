//! Webhook mode: while the bot has set a webhook, pushed updates are posted
//! to it one at a time, in order, with the secret header, and an update that
//! is not acknowledged with a 2xx is posted again after a pause, as Telegram
//! does.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::model::{Shared, Webhook, update_id};

/// The header that carries the secret given to `setWebhook`.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// How long a refused or failed post waits before it is tried again.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// Posts pending updates to the webhook while one is set; runs as long as
/// the emulator.
pub(super) async fn deliver(shared: Arc<Shared>) {
    let client = reqwest::Client::new();
    let mut changes = shared.updates_version.subscribe();
    loop {
        let next = {
            let inner = shared.lock();
            inner.webhook.clone().zip(inner.pending.front().cloned())
        };
        let Some((webhook, update)) = next else {
            if changes.changed().await.is_err() {
                return;
            }
            continue;
        };
        if post(&client, &webhook, &update).await {
            let mut inner = shared.lock();
            if inner.pending.front().is_some_and(|front| update_id(front) == update_id(&update)) {
                inner.pending.pop_front();
            }
            drop(inner);
            shared.bump_updates();
            changes.borrow_and_update();
        } else {
            tokio::time::sleep(RETRY_PAUSE).await;
        }
    }
}

async fn post(client: &reqwest::Client, webhook: &Webhook, update: &Value) -> bool {
    let mut request =
        client.post(&webhook.url).header(reqwest::header::CONTENT_TYPE, "application/json").body(update.to_string());
    if let Some(secret) = &webhook.secret {
        request = request.header(SECRET_HEADER, secret);
    }
    request.send().await.is_ok_and(|response| response.status().is_success())
}
