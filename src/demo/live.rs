//! What the page is told as it happens: the emulator's events, rendered
//! once as the fragments the page puts in place, and sent to every open
//! page over server-sent events.

use std::convert::Infallible;
use std::sync::Arc;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Serialize;
use tokio::sync::broadcast::{self, error::RecvError};

use super::render;
use crate::emulator::{self, Emulator};
use crate::work::Shutdown;

/// One thing for the page to change.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Live {
    /// A message appeared or was edited: `html` replaces the message with
    /// the same element id, or is added at the end of the chat; `keyboard`
    /// is the reply keyboard the chat shows now.
    Message {
        chat: i64,
        id: i32,
        from_bot: bool,
        html: String,
        keyboard: String,
    },
    Deleted {
        chat: i64,
        id: i32,
    },
    /// The bot's answer to a button press, shown briefly over the chat.
    Toast {
        chat: i64,
        text: String,
    },
    /// A command menu changed; each phone asks for its own again.
    Menus,
    /// The clock moved: it now runs this far ahead of real time.
    Clock {
        offset_ms: i64,
    },
    /// The demo started over or has a new person: the page loads again.
    Reload,
}

/// Renders the emulator's events for the page until the emulator is gone
/// (the demo started over) or the page's channel closes.
pub async fn forward(emulator: Arc<Emulator>, live: broadcast::Sender<Live>) {
    let mut events = emulator.subscribe();
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            // Missed events are recovered by loading the page again.
            Err(RecvError::Lagged(_)) => {
                let _ = live.send(Live::Reload);
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let change = match event {
            emulator::Event::Message { chat, message, .. } => Live::Message {
                chat,
                id: message.id,
                from_bot: message.from_bot,
                html: render::message(chat, &message).into_string(),
                keyboard: render::reply_keyboard(emulator.reply_keyboard(chat).as_deref()).into_string(),
            },
            emulator::Event::Deleted { chat, message_id, .. } => Live::Deleted { chat, id: message_id },
            emulator::Event::CallbackAnswered { chat: Some(chat), text: Some(text), .. } => Live::Toast { chat, text },
            emulator::Event::CallbackAnswered { .. } => continue,
            emulator::Event::CommandsChanged { .. } => Live::Menus,
        };
        let _ = live.send(change);
    }
}

/// The page's event stream, which ends when the demo stops.
pub fn stream(
    changes: broadcast::Receiver<Live>,
    stopping: Shutdown,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = futures_util::stream::unfold(changes, move |mut changes| {
        let stopping = stopping.clone();
        async move {
            let json = tokio::select! {
                json = next_json(&mut changes) => json,
                _ = stopping.triggered() => None,
            };
            json.map(|json| (Ok(Event::default().data(json)), changes))
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn next_json(changes: &mut broadcast::Receiver<Live>) -> Option<String> {
    loop {
        let live = match changes.recv().await {
            Ok(live) => live,
            Err(RecvError::Lagged(_)) => Live::Reload,
            Err(RecvError::Closed) => return None,
        };
        match serde_json::to_string(&live) {
            Ok(json) => return Some(json),
            Err(error) => tracing::warn!(%error, "could not encode a change for the demo page"),
        }
    }
}
