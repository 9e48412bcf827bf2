//! The record of every Bot API call the bot made, for tests that assert on
//! what the bot said and wait for it.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::Value;
use tokio::sync::watch;

use super::Emulator;
use super::records::value_as_i64;

/// How many calls a timed-out wait prints to explain what the bot did instead.
const CALLS_IN_FAILURE_REPORT: usize = 30;

/// One request the bot made to the emulator.
#[derive(Clone, Debug)]
pub struct Call {
    /// The position of the call among all calls, starting at 1.
    pub seq: u64,
    /// The Bot API method in Telegram's spelling, e.g. `sendMessage`, even
    /// though teloxide sends some methods capitalised (`SendVoice`).
    pub method: String,
    /// Every parameter of the request, normalised into a JSON object whatever
    /// the body encoding was.
    pub params: Value,
    /// When the emulator received the call.
    pub at: Instant,
    /// Whether an injected fault was applied to this call.
    pub faulted: bool,
    /// Files uploaded with the call as multipart parts.
    pub files: Vec<UploadedFile>,
    pub(super) message_ids: Vec<i32>,
}

/// A file part of a multipart request.
#[derive(Clone, Debug)]
pub struct UploadedFile {
    /// The multipart field name; the request refers to it as `attach://<field>`.
    pub field: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

impl Call {
    /// Whether this call is to `method`; Bot API method names are
    /// case-insensitive.
    pub fn is(&self, method: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
    }

    /// One parameter of the request.
    pub fn param(&self, key: &str) -> Option<&Value> {
        self.params.get(key)
    }

    /// The numeric `chat_id` parameter.
    pub fn chat_id(&self) -> Option<i64> {
        self.params.get("chat_id").and_then(value_as_i64)
    }

    /// The `message_id` parameter, i.e. the message an edit or delete targets.
    pub fn target_message_id(&self) -> Option<i32> {
        self.params.get("message_id").and_then(value_as_i64).and_then(|id| i32::try_from(id).ok())
    }

    /// The text of a message, or the caption of a media message.
    pub fn text(&self) -> Option<&str> {
        self.params.get("text").or_else(|| self.params.get("caption")).and_then(Value::as_str)
    }

    /// The `(text, callback_data)` pairs of an inline keyboard, row by row.
    /// Buttons without callback data (URL buttons and the like) are skipped.
    pub fn callback_data_buttons(&self) -> Vec<(String, String)> {
        self.keyboard_rows("inline_keyboard")
            .flatten()
            .filter_map(|button| {
                let text = button.get("text")?.as_str()?;
                let data = button.get("callback_data")?.as_str()?;
                Some((text.to_owned(), data.to_owned()))
            })
            .collect()
    }

    /// The data of the first inline button whose data starts with `prefix`.
    pub fn button(&self, prefix: &str) -> Option<String> {
        self.callback_data_buttons().into_iter().map(|(_, data)| data).find(|data| data.starts_with(prefix))
    }

    /// The buttons of a reply keyboard, row by row, as sent by the bot.
    pub fn reply_keyboard_buttons(&self) -> Vec<Value> {
        self.keyboard_rows("keyboard").flatten().cloned().collect()
    }

    /// Whether the call asks the client to remove the reply keyboard.
    pub fn removes_reply_keyboard(&self) -> bool {
        self.params.pointer("/reply_markup/remove_keyboard").and_then(Value::as_bool).unwrap_or(false)
    }

    /// The id the emulator assigned to the message this call sent.
    pub fn message_id_sent(&self) -> Option<i32> {
        self.message_ids.first().copied()
    }

    /// Every id the emulator assigned, e.g. one per item of a media group.
    pub fn message_ids_sent(&self) -> &[i32] {
        &self.message_ids
    }

    fn keyboard_rows(&self, kind: &str) -> impl Iterator<Item = &Vec<Value>> {
        self.params
            .get("reply_markup")
            .and_then(|markup| markup.get(kind))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
    }

    fn summary(&self) -> String {
        let mut line = format!("#{} {}", self.seq, self.method);
        if let Some(chat) = self.chat_id() {
            line.push_str(&format!(" chat={chat}"));
        }
        if let Some(text) = self.text() {
            line.push_str(&format!(" text={text:?}"));
        }
        let buttons = self.callback_data_buttons();
        if !buttons.is_empty() {
            line.push_str(&format!(" buttons={buttons:?}"));
        }
        if self.faulted {
            line.push_str(" [faulted]");
        }
        line
    }
}

/// Method names are case-insensitive to Telegram; teloxide spells the
/// multipart ones with a capital letter, so the record lowers the first
/// letter to keep Telegram's documented spelling.
pub(super) fn canonical_method(method: &str) -> String {
    let mut chars = method.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

impl Emulator {
    /// A snapshot of every call so far (none when the emulator was started
    /// without recording).
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// Every call so far to `method`.
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.shared.lock().calls.iter().filter(|c| c.is(method)).cloned().collect()
    }

    /// The `seq` of the latest call, or 0 when there was none; a starting
    /// point for `wait_for_after`.
    pub fn last_seq(&self) -> u64 {
        self.shared.lock().calls.last().map_or(0, |c| c.seq)
    }

    /// Waits for the first call ever made that matches `pred`.
    pub async fn wait_for(&self, desc: &str, timeout: Duration, pred: impl Fn(&Call) -> bool) -> Call {
        self.wait_for_after(0, desc, timeout, pred).await
    }

    /// Waits for the first call with a `seq` above `after_seq` that matches
    /// `pred`. Panics with `desc` and the recent calls after `timeout`.
    pub async fn wait_for_after(
        &self,
        after_seq: u64,
        desc: &str,
        timeout: Duration,
        pred: impl Fn(&Call) -> bool,
    ) -> Call {
        match self.try_wait_for_after(after_seq, timeout, pred).await {
            Some(call) => call,
            None => panic!("timed out after {timeout:?} waiting for {desc}\n{}", self.recent_calls_report()),
        }
    }

    /// Like [`Emulator::wait_for_after`], but returns `None` after `timeout`
    /// instead of panicking, for tests in which a late answer is something
    /// to handle rather than a failure.
    pub async fn try_wait_for_after(
        &self,
        after_seq: u64,
        timeout: Duration,
        pred: impl Fn(&Call) -> bool,
    ) -> Option<Call> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.calls_version.subscribe();
        // Calls are stored in `seq` order starting at 1, so the calls after
        // `after_seq` start at that index; long runs record tens of thousands
        // of calls, which a scan from the start on every change would crawl
        // through again and again.
        let mut next = usize::try_from(after_seq).unwrap_or(usize::MAX);
        loop {
            let found = {
                let inner = self.shared.lock();
                let fresh = inner.calls.get(next..).unwrap_or_default();
                let found = fresh.iter().find(|c| pred(c)).cloned();
                next = inner.calls.len().max(next);
                found
            };
            if found.is_some() {
                return found;
            }
            if !wait_for_change(&mut changes, deadline).await {
                return None;
            }
        }
    }

    /// Asserts that no call after `after_seq` matches `pred` within `window`.
    pub async fn expect_no_call_after(
        &self,
        after_seq: u64,
        desc: &str,
        window: Duration,
        pred: impl Fn(&Call) -> bool,
    ) {
        tokio::time::sleep(window).await;
        let inner = self.shared.lock();
        if let Some(call) = inner.calls.iter().find(|c| c.seq > after_seq && pred(c)) {
            panic!("expected no {desc}, but saw {}", call.summary());
        }
    }

    pub(super) fn recent_calls_report(&self) -> String {
        // Long polling produces a steady stream of getUpdates calls that
        // would drown the calls that explain a failure, so they are left out.
        let inner = self.shared.lock();
        let recent: Vec<String> = inner
            .calls
            .iter()
            .filter(|c| !c.is("getUpdates"))
            .rev()
            .take(CALLS_IN_FAILURE_REPORT)
            .map(Call::summary)
            .collect();
        if recent.is_empty() {
            return "no calls other than getUpdates were made".to_owned();
        }
        let mut report = format!("last {} calls (getUpdates omitted):", recent.len());
        for line in recent.iter().rev() {
            report.push_str("\n  ");
            report.push_str(line);
        }
        report
    }
}

/// Waits until `changes` sees a new version or `deadline` passes; returns
/// whether a change arrived in time.
pub(super) async fn wait_for_change(changes: &mut watch::Receiver<u64>, deadline: tokio::time::Instant) -> bool {
    matches!(tokio::time::timeout_at(deadline, changes.changed()).await, Ok(Ok(())))
}
