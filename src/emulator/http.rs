//! The Bot API over HTTP: `/bot<token>/<method>` with JSON, form or
//! multipart bodies, `/file/bot<token>/<path>` for downloads, long polling,
//! and the faults injected for a call.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Map, Value, json};

use super::calls::{UploadedFile, wait_for_change};
use super::faults::{Fault, error_body, retry_after_body};
use super::model::{Handled, Shared, update_id};
use super::records::value_as_i64;

/// Request bodies may carry uploaded media, so the limit is far above axum's
/// default of 2 MiB (Telegram takes files up to 50 MB from bots).
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Telegram caps long polling at 50 seconds; a larger value would only hide a
/// bug in the bot's polling setup.
const MAX_POLL_TIMEOUT_SECS: u64 = 50;

/// Text fields that Telegram defines as strings. They stay strings even when
/// they look like numbers or JSON, so that a caption "42" or a file id "123"
/// is not turned into a number.
const STRING_FIELDS: &[&str] = &[
    "text",
    "caption",
    "parse_mode",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "document",
    "sticker",
    "thumbnail",
    "file_id",
    "file_name",
    "callback_query_id",
    "inline_message_id",
    "business_connection_id",
    "message_effect_id",
    "url",
    "secret_token",
    "title",
    "address",
    "phone_number",
    "first_name",
    "last_name",
    "vcard",
    "emoji",
    "description",
    "language_code",
];

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/file/{token}/{*path}", get(serve_file))
        .route("/{token}/{method}", any(entry))
        .fallback(|| async { api_error(404, "Not Found") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

async fn entry(
    State(shared): State<Arc<Shared>>,
    Path((token, method)): Path<(String, String)>,
    request: Request,
) -> Response {
    // The arrival time is taken first so that a benchmark does not count
    // the emulator's own parsing as the bot's latency.
    let at = Instant::now();
    if !token.starts_with("bot") || method.is_empty() {
        return api_error(404, "Not Found");
    }
    let (params, files) = match parse_params(request).await {
        Ok(parsed) => parsed,
        Err(problem) => return api_error(400, &format!("Bad Request: {problem}")),
    };
    handle_call(&shared, &method, params, files, at).await
}

async fn handle_call(shared: &Shared, method: &str, params: Value, files: Vec<UploadedFile>, at: Instant) -> Response {
    let chat = params.get("chat_id").and_then(value_as_i64);
    let fault = shared.lock().faults.take(method, chat);
    if let Some(Fault::Delay(delay)) = &fault {
        tokio::time::sleep(*delay).await;
    }
    let faulted = fault.is_some();
    if let Some(fault) = fault.filter(|f| !matches!(f, Fault::Delay(_))) {
        let handled = Handled { at, faulted, message_ids: vec![] };
        shared.record(&mut shared.lock(), method, params, files, handled);
        shared.bump_calls();
        let Fault::Status { code, body } = fault else {
            // Unwinding out of the handler makes hyper drop the connection
            // without writing a response, which is what a crashed or
            // unreachable server looks like to the client. `resume_unwind`
            // skips the panic hook, so nothing is printed.
            std::panic::resume_unwind(Box::new("the Bot API emulator drops this connection"));
        };
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, axum::Json(body)).into_response();
    }
    if let Some(chat) = chat.filter(|_| super::limits::sends_a_message(method)) {
        let admitted = shared.lock().limits.as_mut().map_or(Ok(()), |limits| limits.admit(chat, at));
        if let Err(refusal) = admitted {
            let counters = &shared.counters;
            counters.rate_limited.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if refusal == super::limits::Refusal::ChatBusy {
                counters.rate_limited_chat.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            return (StatusCode::TOO_MANY_REQUESTS, axum::Json(retry_after_body(1))).into_response();
        }
    }
    if method.eq_ignore_ascii_case("getUpdates") {
        let webhook_set = {
            let mut inner = shared.lock();
            shared.record(&mut inner, method, params.clone(), files, Handled { at, faulted, message_ids: vec![] });
            inner.webhook.is_some()
        };
        shared.bump_calls();
        if webhook_set {
            let conflict = "Conflict: can't use getUpdates method while webhook is active; \
                            use deleteWebhook to delete the webhook first";
            return api_error(409, conflict);
        }
        return api_ok(get_updates(shared, &params).await);
    }
    let outcome = {
        let mut inner = shared.lock();
        let outcome = inner.dispatch(method, &params, &files, at);
        let message_ids = outcome.as_ref().map(|(_, ids)| ids.clone()).unwrap_or_default();
        shared.record(&mut inner, method, params, files, Handled { at, faulted, message_ids });
        outcome
    };
    shared.bump_calls();
    if method.eq_ignore_ascii_case("setWebhook") {
        // The webhook's delivery waits for a change of the update queue.
        shared.bump_updates();
    }
    match outcome {
        Ok((result, _)) => api_ok(result),
        Err(failure) => api_error(failure.code, &failure.description),
    }
}

/// Long polling: drops confirmed updates, then answers with the pending ones
/// or waits up to `timeout` seconds for one to be pushed.
async fn get_updates(shared: &Shared, params: &Value) -> Value {
    // Telegram's negative offsets count from the end of the queue; teloxide
    // never sends them, so they are treated as no offset at all.
    let offset = params.get("offset").and_then(value_as_i64).filter(|o| *o > 0);
    let limit = params.get("limit").and_then(Value::as_u64).map_or(100, |l| l.clamp(1, 100)) as usize;
    let timeout = params.get("timeout").and_then(Value::as_u64).unwrap_or(0).min(MAX_POLL_TIMEOUT_SECS);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    let mut changes = shared.updates_version.subscribe();
    loop {
        let (batch, confirmed_some) = {
            let mut inner = shared.lock();
            let before = inner.pending.len();
            if let Some(offset) = offset {
                while inner.pending.front().is_some_and(|u| update_id(u) < offset) {
                    inner.pending.pop_front();
                }
            }
            let batch: Vec<Value> = inner.pending.iter().take(limit).cloned().collect();
            (batch, inner.pending.len() != before)
        };
        if confirmed_some {
            shared.bump_updates();
            if batch.is_empty() {
                // Our own bump must not wake us, so it is marked seen and the
                // queue looked at again: an update pushed meanwhile is there.
                changes.borrow_and_update();
                continue;
            }
        }
        if !batch.is_empty() || !wait_for_change(&mut changes, deadline).await {
            return Value::Array(batch);
        }
    }
}

async fn serve_file(State(shared): State<Arc<Shared>>, Path((token, path)): Path<(String, String)>) -> Response {
    if !token.starts_with("bot") {
        return api_error(404, "Not Found");
    }
    let inner = shared.lock();
    match inner.files.values().find(|f| f.path == path) {
        Some(file) => ([(header::CONTENT_TYPE, "application/octet-stream")], file.bytes.clone()).into_response(),
        None => api_error(404, "Not Found"),
    }
}

pub(super) fn api_ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

fn api_error(code: u16, description: &str) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(error_body(code, description))).into_response()
}

/// Normalises the query string and body of a request into one JSON object,
/// with the files of a multipart body beside it.
async fn parse_params(request: Request) -> Result<(Value, Vec<UploadedFile>), String> {
    let mut params = Map::new();
    let mut files = Vec::new();
    if let Some(query) = request.uri().query() {
        insert_form_pairs(query.as_bytes(), &mut params);
    }
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if mime == "multipart/form-data" {
        let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| e.body_text())?;
        while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| e.body_text())?;
            if file_name.is_some() {
                files.push(UploadedFile { field: name, file_name, content_type, bytes });
            } else {
                let value = normalise_text(&name, String::from_utf8_lossy(&bytes).into_owned());
                params.insert(name, value);
            }
        }
        return Ok((Value::Object(params), files));
    }
    let body = Bytes::from_request(request, &()).await.map_err(|e| e.body_text())?;
    match mime.as_str() {
        _ if body.is_empty() => {}
        "application/json" => match serde_json::from_slice(&body) {
            Ok(Value::Object(object)) => params.extend(object),
            Ok(_) => return Err("the JSON body is not an object".to_owned()),
            Err(e) => return Err(format!("the JSON body does not parse: {e}")),
        },
        "application/x-www-form-urlencoded" => insert_form_pairs(&body, &mut params),
        other => return Err(format!("unsupported content type {other:?}")),
    }
    Ok((Value::Object(params), files))
}

fn insert_form_pairs(encoded: &[u8], params: &mut Map<String, Value>) {
    for (key, value) in url::form_urlencoded::parse(encoded) {
        let value = normalise_text(&key, value.into_owned());
        params.insert(key.into_owned(), value);
    }
}

/// Turns a textual parameter into the JSON value Telegram would read from
/// it: numbers, booleans, objects and arrays are parsed, string fields stay
/// strings.
fn normalise_text(key: &str, text: String) -> Value {
    if STRING_FIELDS.contains(&key) {
        return Value::String(text);
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(value @ (Value::Number(_) | Value::Bool(_) | Value::Object(_) | Value::Array(_))) => value,
        _ => Value::String(text),
    }
}
