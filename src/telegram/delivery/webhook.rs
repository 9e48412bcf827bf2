//! Webhook mode: Telegram posts each update to us. An update is recorded in
//! the inbox before we answer 200, so an update we acknowledged is never
//! lost; if recording fails we answer 500 and Telegram sends it again.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use teloxide::types::Update;

use super::poller;
use crate::app::App;
use crate::config::{WebConfig, WebhookConfig};
use crate::work::Shutdown;

/// The header in which Telegram repeats the secret given to setWebhook.
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

struct Hook {
    app: Arc<App>,
    secret: String,
}

pub fn router(app: Arc<App>, config: &WebhookConfig) -> Router {
    let path = match config.url.path() {
        "" => "/",
        path => path,
    };
    let hook = Arc::new(Hook { app, secret: config.secret.clone() });
    Router::new().route(path, post(receive)).with_state(hook)
}

/// Serves the webhook beside the rest of the web server on `LISTEN_ADDR`.
pub async fn serve(app: Arc<App>, config: WebhookConfig, web: WebConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(web.listen).await?;
    tracing::info!(listen = %web.listen, "webhook listening");
    let routes = router(app.clone(), &config).merge(crate::web::router(app, &web));
    axum::serve(listener, routes.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move { shutdown.triggered().await })
        .await?;
    Ok(())
}

async fn receive(State(hook): State<Arc<Hook>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !constant_time_eq(given, hook.secret.as_bytes()) {
        // The body may hold anyone's message; only the fact is logged.
        tracing::warn!("refused a webhook call with a wrong or missing secret");
        return StatusCode::UNAUTHORIZED;
    }
    let update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(_) => {
            tracing::warn!("refused a webhook call whose body is not an update");
            return StatusCode::BAD_REQUEST;
        }
    };
    match poller::record(&hook.app, std::slice::from_ref(&update)).await {
        Ok(()) => {
            hook.app.wake.inbox.notify_one();
            StatusCode::OK
        }
        Err(error) => {
            tracing::error!(%error, "could not record an update; Telegram will send it again");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Compares two secrets in time that depends only on their lengths, so that
/// timing reveals nothing about how much of a guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3creT"));
        assert!(!constant_time_eq(b"s3cret", b"s3cre"));
        assert!(!constant_time_eq(b"", b"s3cret"));
    }
}
