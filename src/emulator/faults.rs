//! Failures the emulator plays instead of answering a call normally, so that
//! tests (and a trainer on the demo page) can see how the bot copes with
//! Telegram's flood control, outages, dropped connections and blocked chats.

use std::time::Duration;

use serde_json::{Value, json};

/// A failure the emulator plays instead of answering one call normally.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this HTTP status and JSON body.
    Status { code: u16, body: Value },
    /// Close the connection without answering.
    DropConnection,
    /// Wait this long, then answer normally.
    Delay(Duration),
}

impl Fault {
    /// Telegram's flood control answer, which teloxide turns into
    /// `RequestError::RetryAfter`.
    pub fn retry_after(seconds: u32) -> Fault {
        Fault::Status { code: 429, body: retry_after_body(seconds) }
    }

    /// The answer to a message sent to a user who blocked the bot, which
    /// teloxide turns into `ApiError::BotBlocked`.
    pub fn blocked_by_user() -> Fault {
        Fault::Status { code: 403, body: error_body(403, BLOCKED) }
    }

    /// A generic server failure. teloxide sleeps 10 seconds after any 5xx
    /// answer before it reports the error.
    pub fn server_error() -> Fault {
        Fault::Status { code: 500, body: error_body(500, "Internal Server Error") }
    }

    /// A 400 answer with the given description, e.g. `Bad Request: chat not found`.
    pub fn bad_request(description: &str) -> Fault {
        Fault::Status { code: 400, body: error_body(400, description) }
    }
}

/// The body of Telegram's flood control answer (status 429).
pub(super) fn retry_after_body(seconds: u32) -> Value {
    json!({
        "ok": false,
        "error_code": 429,
        "description": format!("Too Many Requests: retry after {seconds}"),
        "parameters": {"retry_after": seconds},
    })
}

/// Telegram's description of a send to a user who blocked the bot.
pub(super) const BLOCKED: &str = "Forbidden: bot was blocked by the user";

/// The body of a Bot API error answer.
pub(super) fn error_body(code: u16, description: &str) -> Value {
    json!({"ok": false, "error_code": code, "description": description})
}

/// The one-shot faults waiting for their call.
#[derive(Default)]
pub(super) struct Faults {
    /// Method, the chat it is limited to (any chat when `None`), fault.
    queued: Vec<(String, Option<i64>, Fault)>,
}

impl Faults {
    pub(super) fn push(&mut self, method: &str, chat: Option<i64>, fault: Fault) {
        self.queued.push((method.to_owned(), chat, fault));
    }

    /// The first fault queued for `method` (and `chat`, if it names one);
    /// faults for one method apply in the order they were injected.
    pub(super) fn take(&mut self, method: &str, chat: Option<i64>) -> Option<Fault> {
        let at = self
            .queued
            .iter()
            .position(|(m, only, _)| m.eq_ignore_ascii_case(method) && (only.is_none() || *only == chat))?;
        Some(self.queued.remove(at).2)
    }
}
