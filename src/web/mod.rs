//! The bot's HTTP server on `LISTEN_ADDR`: `/healthz`, the Telegram webhook
//! in webhook mode, and the pages it publishes (the Open311 feed when
//! `DESK_OPEN311=on`) and the office dashboard under `/office`. It reads through the store and the app like the chat
//! does; it knows nothing of Telegram.

pub mod office;
pub mod open311;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::app::App;
use crate::config::WebConfig;
use crate::work::Shutdown;

/// Everything served besides the webhook.
pub fn router(app: Arc<App>, web: &WebConfig) -> Router {
    let mut router = Router::new().route("/healthz", get(healthz)).merge(office::routes::router(app.clone()));
    if web.open311 {
        router = router.nest("/open311/v2", open311::router(app.clone(), app.config.public_url.clone()));
    }
    router
}

async fn healthz() -> &'static str {
    "ok"
}

/// Serves `router` in polling mode. The chat is the bot's work, so a port
/// already taken (another instance on this host) is a warning, not the end.
pub async fn serve_beside_polling(app: Arc<App>, web: WebConfig, shutdown: Shutdown) {
    let listener = match tokio::net::TcpListener::bind(web.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::warn!(listen = %web.listen, %error, "cannot listen: no /healthz or public pages from this instance");
            return;
        }
    };
    let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(listen = %address, open311 = web.open311, "web server listening");
    let served = axum::serve(listener, router(app, &web).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move { shutdown.triggered().await })
        .await;
    if let Err(error) = served {
        tracing::error!(%error, "the web server stopped");
    }
}
