//! The page's HTTP interface: the page, its assets and live events, and
//! what a person on it does — each action parsed here and played on the
//! emulator as the person's Telegram app would send it.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use i18n_embed_fl::fl;
use rust_embed::RustEmbed;
use serde::Deserialize;

use super::page::{self, Frame};
use super::{Demo, Jump, Session, render};
use crate::domain::BuildingCode;
use crate::emulator::{EmulatorError, MediaKind, User};
use crate::i18n::Locale;

/// Telegram's limits on what a person may send a bot.
const PHOTO_LIMIT: usize = 10 * 1024 * 1024;
const FILE_LIMIT: usize = 20 * 1024 * 1024;

#[derive(RustEmbed)]
#[folder = "assets/demo/"]
struct Assets;

pub fn router(demo: Arc<Demo>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{file}", get(asset))
        .route("/events", get(events))
        .route("/api/clock", post(travel))
        .route("/api/reset", post(reset))
        .route("/api/people", post(add_person))
        .route("/api/people/{id}/menu", get(menu))
        .route("/api/people/{id}/files/{message}", get(file))
        .route("/api/people/{id}/text", post(text))
        .route("/api/people/{id}/press", post(press))
        .route("/api/people/{id}/contact", post(contact))
        .route("/api/people/{id}/upload", post(upload).layer(DefaultBodyLimit::max(FILE_LIMIT + 64 * 1024)))
        .with_state(demo)
}

/// What went wrong with a call, said plainly to whoever made it.
enum Refusal {
    NotFound(String),
    TooLarge(String),
    BadRequest(String),
    Failed(anyhow::Error),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::NotFound(why) => (StatusCode::NOT_FOUND, why).into_response(),
            Refusal::TooLarge(why) => (StatusCode::PAYLOAD_TOO_LARGE, why).into_response(),
            Refusal::BadRequest(why) => (StatusCode::BAD_REQUEST, why).into_response(),
            Refusal::Failed(error) => {
                tracing::warn!(error = %format!("{error:#}"), "a demo action failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "the demo could not do that; its log says why").into_response()
            }
        }
    }
}

impl From<anyhow::Error> for Refusal {
    fn from(error: anyhow::Error) -> Refusal {
        Refusal::Failed(error)
    }
}

impl From<EmulatorError> for Refusal {
    fn from(error: EmulatorError) -> Refusal {
        Refusal::NotFound(error.to_string())
    }
}

type Answer<T = StatusCode> = Result<T, Refusal>;

/// The demo person `id` as the emulator's user, or a 404 that says so.
fn person(session: &Session, id: i64) -> Answer<User> {
    session.person(id).map(super::user_of).ok_or_else(|| Refusal::NotFound(format!("there is no demo person {id}")))
}

#[derive(Deserialize)]
struct LanguageQuery {
    lang: Option<String>,
}

async fn index(State(demo): State<Arc<Demo>>, Query(query): Query<LanguageQuery>) -> Answer<Html<String>> {
    let locale = query.lang.as_deref().and_then(Locale::from_code).unwrap_or_default();
    let session = demo.session.read().await;
    let mut tx = session.app.store.begin().await.map_err(anyhow::Error::from)?;
    let buildings = tx.building_codes().await.map_err(anyhow::Error::from)?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    let timezone = demo.config.timezone.name();
    let frame = Frame { locale, l: demo.i18n.get(locale), timezone, buildings: &buildings };
    Ok(Html(page::page(&frame, &session).into_string()))
}

async fn asset(Path(file): Path<String>) -> Answer<Response> {
    // The font the stairwell posters are drawn with, so that the page reads
    // in Chinese on a computer without Chinese fonts.
    if file == "font.ttf" {
        return Ok(([(header::CONTENT_TYPE, "font/ttf")], crate::media::FONT_BYTES).into_response());
    }
    let asset = Assets::get(&file).ok_or_else(|| Refusal::NotFound(format!("there is no asset {file}")))?;
    let kind = if file.ends_with(".js") { "text/javascript; charset=utf-8" } else { "text/css; charset=utf-8" };
    Ok(([(header::CONTENT_TYPE, kind)], asset.data.into_owned()).into_response())
}

async fn events(State(demo): State<Arc<Demo>>) -> impl IntoResponse {
    super::live::stream(demo.live.subscribe(), demo.stopping.clone())
}

#[derive(Deserialize)]
struct TravelForm {
    jump: Jump,
}

async fn travel(State(demo): State<Arc<Demo>>, Form(form): Form<TravelForm>) -> Answer {
    demo.travel(form.jump).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn reset(State(demo): State<Arc<Demo>>) -> Answer {
    demo.reset().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewPersonForm {
    building: String,
    lang: Option<String>,
}

async fn add_person(State(demo): State<Arc<Demo>>, Form(form): Form<NewPersonForm>) -> Answer<String> {
    let building = BuildingCode::parse(&form.building)
        .map_err(|_| Refusal::BadRequest(format!("`{}` is not a building code", form.building)))?;
    let locale = form.lang.as_deref().and_then(Locale::from_code).unwrap_or_default();
    let id = demo.add_person(&building, locale).await?;
    Ok(id.to_string())
}

async fn menu(State(demo): State<Arc<Demo>>, Path(id): Path<i64>) -> Answer<Html<String>> {
    let session = demo.session.read().await;
    let user = person(&session, id)?;
    let commands = session.emulator.menu(id, user.language_code.as_deref());
    Ok(Html(render::menu(&commands).into_string()))
}

async fn file(State(demo): State<Arc<Demo>>, Path((id, message)): Path<(i64, i32)>) -> Answer<Response> {
    let session = demo.session.read().await;
    person(&session, id)?;
    let found =
        session.emulator.message(id, message).ok_or(EmulatorError::UnknownMessage { chat: id, message_id: message })?;
    let media = found.media.ok_or_else(|| Refusal::NotFound(format!("message {message} of {id} has no file")))?;
    let bytes = media.bytes.ok_or_else(|| Refusal::NotFound(format!("the file of message {message} is not kept")))?;
    let kind = media.mime_type.unwrap_or_else(|| sniff(&bytes).to_string());
    let mut response = ([(header::CONTENT_TYPE, kind)], bytes).into_response();
    if media.kind != MediaKind::Photo {
        let name = media.file_name.unwrap_or_else(|| "file".to_string());
        let disposition = format!(
            "attachment; filename*=UTF-8''{}",
            url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        );
        if let Ok(value) = disposition.parse() {
            response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
        }
    }
    Ok(response)
}

/// The type of a file the bot uploaded without saying it: the images it
/// sends are PNGs, its documents PDFs or CSV.
fn sniff(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.starts_with(b"\xff\xd8") {
        "image/jpeg"
    } else if bytes.starts_with(b"%PDF") {
        "application/pdf"
    } else {
        "application/octet-stream"
    }
}

#[derive(Deserialize)]
struct TextForm {
    text: String,
}

async fn text(State(demo): State<Arc<Demo>>, Path(id): Path<i64>, Form(form): Form<TextForm>) -> Answer {
    let session = demo.session.read().await;
    let user = person(&session, id)?;
    if form.text.trim().is_empty() {
        return Err(Refusal::BadRequest("an empty message is not sent".to_string()));
    }
    session.emulator.send_text(&user, &form.text);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PressForm {
    message: i32,
    data: String,
}

async fn press(State(demo): State<Arc<Demo>>, Path(id): Path<i64>, Form(form): Form<PressForm>) -> Answer {
    let session = demo.session.read().await;
    let user = person(&session, id)?;
    session.emulator.press(&user, form.message, &form.data)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn contact(State(demo): State<Arc<Demo>>, Path(id): Path<i64>) -> Answer {
    let session = demo.session.read().await;
    let user = person(&session, id)?;
    let phone = session.person(id).map(super::phone_of).unwrap_or_default();
    session.emulator.share_contact(&user, &phone);
    Ok(StatusCode::NO_CONTENT)
}

/// A photo or a document from the computer, with the text typed so far as
/// a photo's caption.
async fn upload(State(demo): State<Arc<Demo>>, Path(id): Path<i64>, mut form: Multipart) -> Answer {
    let (mut kind, mut caption, mut file, mut lang) = (None, None, None, None);
    while let Some(field) = form.next_field().await.map_err(|e| Refusal::BadRequest(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("file").to_string();
                let mime = field.content_type().unwrap_or("application/octet-stream").to_string();
                let bytes: Bytes = field.bytes().await.map_err(|e| Refusal::TooLarge(e.body_text()))?;
                file = Some((file_name, mime, bytes));
            }
            _ => {
                let value = field.text().await.map_err(|e| Refusal::BadRequest(e.body_text()))?;
                match name.as_str() {
                    "kind" => kind = Some(value),
                    "caption" => caption = Some(value).filter(|c| !c.trim().is_empty()),
                    "lang" => lang = Locale::from_code(&value),
                    _ => {}
                }
            }
        }
    }
    let (file_name, mime, bytes) = file.ok_or_else(|| Refusal::BadRequest("no file was sent".to_string()))?;
    let l = demo.i18n.get(lang.unwrap_or_default());
    let session = demo.session.read().await;
    let user = person(&session, id)?;
    if kind.as_deref() == Some("photo") {
        if bytes.len() > PHOTO_LIMIT {
            return Err(Refusal::TooLarge(fl!(l, "demo-photo-too-big")));
        }
        session.emulator.send_photo(&user, bytes, caption.as_deref());
    } else {
        if bytes.len() > FILE_LIMIT {
            return Err(Refusal::TooLarge(fl!(l, "demo-file-too-big")));
        }
        session.emulator.send_document(&user, bytes, &file_name, &mime);
    }
    Ok(StatusCode::NO_CONTENT)
}
