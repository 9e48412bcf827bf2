//! The dashboard's routes under `/office`: every page first finds who is
//! signed in (or shows how to sign in, never data), opens one transaction,
//! renders a body and wraps it in the layout. Forms that change anything
//! carry the session's CSRF token.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use i18n_embed_fl::fl;
use maud::Markup;
use serde::Deserialize;

use super::body::Viewer;
use super::session::{self, Attempts, SignedIn};
use super::{building, community, export, layout, people, queues, request, stats};
use crate::app::App;
use crate::app::web_access;
use crate::domain::{PersonId, RequestId};
use crate::i18n::Locale;
use crate::store::{StoreError, Tx};
use crate::telegram::delivery::outgoing::Outbox;

struct Office {
    app: Arc<App>,
    attempts: Attempts,
}

pub fn router(app: Arc<App>) -> Router {
    let office = Arc::new(Office { app, attempts: Attempts::default() });
    Router::new()
        .route("/office", get(community_page))
        .route("/office/sign-in", get(sign_in))
        .route("/office/sign-out", post(sign_out))
        .route("/office/buildings/{code}", get(building_page))
        .route("/office/queues", get(queues_page))
        .route("/office/stats", get(stats_page))
        .route("/office/stats/requests", get(stats_requests))
        .route("/office/people", get(people_page))
        .route("/office/people/invite", post(invite))
        .route("/office/requests/{number}", get(request_page))
        .route("/office/requests/{number}/assign", post(assign))
        .route("/office/requests/{number}/take-over", post(take_over))
        .route("/office/requests/{number}/note", post(note))
        .route("/office/requests/{number}/attachments/{position}", get(attachment))
        .route("/office/export", get(export_page))
        .route("/office/export.csv", get(export_csv))
        .with_state(office)
}

fn secure(app: &App) -> bool {
    app.config.public_url.as_ref().is_some_and(|url| url.scheme() == "https")
}

/// Runs `render` for the signed-in person in one transaction; someone not
/// signed in gets the explanation page.
async fn signed_page<F>(office: &Office, headers: &HeaderMap, render: F) -> Response
where
    F: AsyncFnOnce(&mut Tx, &SignedIn, &Viewer<'_>) -> anyhow::Result<Option<Markup>>,
{
    signed_page_refreshing(office, headers, true, render).await
}

/// Like [`signed_page`]; `refresh` says whether the page reloads its
/// figures by itself (not where reading it is recorded, as a timeline is).
async fn signed_page_refreshing<F>(office: &Office, headers: &HeaderMap, refresh: bool, render: F) -> Response
where
    F: AsyncFnOnce(&mut Tx, &SignedIn, &Viewer<'_>) -> anyhow::Result<Option<Markup>>,
{
    let app = &office.app;
    let outcome = async {
        let mut tx = app.store.begin().await?;
        let Some(signed) = session::signed_in(app, &mut tx, headers).await? else {
            return Ok::<_, anyhow::Error>(None);
        };
        let l = app.i18n.get(signed.locale);
        let viewer = Viewer { l, timezone: app.config.timezone, now: app.now() };
        let body = render(&mut tx, &signed, &viewer).await?;
        tx.commit().await?;
        Ok(Some((signed, body)))
    };
    match outcome.await {
        Ok(None) => not_signed_in(app),
        Ok(Some((_, None))) => StatusCode::NOT_FOUND.into_response(),
        Ok(Some((signed, Some(body)))) => {
            let l = app.i18n.get(signed.locale);
            layout::page(l, signed.locale, &signed.session.csrf, body, refresh).into_response()
        }
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "an office page could not be read");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

fn not_signed_in(app: &App) -> Response {
    let l = app.i18n.get(Locale::ZhCn);
    (StatusCode::UNAUTHORIZED, layout::signed_out(l, Locale::ZhCn, fl!(l, "office-signed-out"))).into_response()
}

async fn community_page(State(office): State<Arc<Office>>, headers: HeaderMap) -> Response {
    signed_page(&office, &headers, async |tx, signed, viewer| {
        community::page(tx, &signed.authority, viewer).await.map(Some).map_err(Into::into)
    })
    .await
}

async fn building_page(
    State(office): State<Arc<Office>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(query): Query<queues::QueueQuery>,
) -> Response {
    signed_page(&office, &headers, async |tx, signed, viewer| {
        let Some(unit) = building::find(tx, &signed.authority, &code).await? else { return Ok(None) };
        building::page(tx, &signed.authority, viewer, unit, &query).await
    })
    .await
}

async fn queues_page(
    State(office): State<Arc<Office>>,
    headers: HeaderMap,
    Query(query): Query<queues::QueueQuery>,
) -> Response {
    signed_page(&office, &headers, async |tx, signed, viewer| {
        queues::page(tx, &signed.authority, viewer, &query).await.map(Some).map_err(Into::into)
    })
    .await
}

async fn stats_page(
    State(office): State<Arc<Office>>,
    headers: HeaderMap,
    Query(query): Query<stats::StatsQuery>,
) -> Response {
    signed_page(&office, &headers, async |tx, signed, viewer| {
        stats::page(tx, &signed.authority, viewer, &query).await.map(Some).map_err(Into::into)
    })
    .await
}

async fn stats_requests(
    State(office): State<Arc<Office>>,
    headers: HeaderMap,
    Query(query): Query<stats::BarQuery>,
) -> Response {
    signed_page(&office, &headers, async |tx, signed, viewer| {
        Ok(stats::requests(tx, &signed.authority, viewer, &query).await?)
    })
    .await
}

async fn people_page(State(office): State<Arc<Office>>, headers: HeaderMap) -> Response {
    signed_page(&office, &headers, async |tx, signed, viewer| {
        people::page(tx, &signed.authority, viewer, &signed.session.csrf, None).await.map(Some).map_err(Into::into)
    })
    .await
}

#[derive(Deserialize)]
struct InviteForm {
    csrf: String,
    role: String,
    unit: i64,
}

async fn invite(State(office): State<Arc<Office>>, headers: HeaderMap, Form(form): Form<InviteForm>) -> Response {
    let bot = office.app.bot_username.get().cloned().unwrap_or_default();
    signed_page(&office, &headers, async |tx, signed, viewer| {
        let invited = if !web_access::csrf_matches(&signed.session, &form.csrf) {
            return Ok(Some(refused(viewer)));
        } else if !signed.admin.scope.is_admin() {
            people::Invited::Refused
        } else {
            let asked = people::InviteForm { role: form.role.clone(), unit: form.unit };
            people::invite(tx, &signed.admin, signed.person, viewer, &asked, &bot).await?
        };
        people::page(tx, &signed.authority, viewer, &signed.session.csrf, Some(&invited))
            .await
            .map(Some)
            .map_err(Into::into)
    })
    .await
}

fn refused(viewer: &Viewer<'_>) -> Markup {
    maud::html! { p.refused { (fl!(viewer.l, "office-refused")) } }
}

async fn export_page(State(office): State<Arc<Office>>, headers: HeaderMap) -> Response {
    signed_page(&office, &headers, async |_tx, signed, viewer| Ok(Some(export::page(&signed.admin, viewer, None))))
        .await
}

async fn export_csv(
    State(office): State<Arc<Office>>,
    headers: HeaderMap,
    Query(query): Query<export::ExportQuery>,
) -> Response {
    let app = &office.app;
    let outcome = async {
        let mut tx = app.store.begin().await?;
        let Some(signed) = session::signed_in(app, &mut tx, &headers).await? else {
            return Ok::<_, StoreError>(None);
        };
        let l = app.i18n.get(signed.locale);
        let viewer = Viewer { l, timezone: app.config.timezone, now: app.now() };
        let exported = export::csv(&mut tx, &signed.admin, signed.person, &viewer, &query).await?;
        tx.commit().await?;
        let page = match &exported {
            export::Exported::Csv(_) => None,
            refused => Some(export::page(&signed.admin, &viewer, Some(refused))),
        };
        Ok(Some((signed, exported, page)))
    };
    match outcome.await {
        Ok(None) => not_signed_in(app),
        Ok(Some((_, export::Exported::Csv(download), _))) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", download.name)),
            ],
            download.csv,
        )
            .into_response(),
        Ok(Some((signed, _, page))) => {
            let l = app.i18n.get(signed.locale);
            let body = page.unwrap_or_default();
            (StatusCode::BAD_REQUEST, layout::page(l, signed.locale, &signed.session.csrf, body, false)).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "an export could not be made");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

#[derive(Deserialize)]
struct SignInQuery {
    #[serde(default)]
    token: String,
}

async fn sign_in(
    State(office): State<Arc<Office>>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    Query(query): Query<SignInQuery>,
) -> Response {
    let app = &office.app;
    let l = app.i18n.get(Locale::ZhCn);
    if !office.attempts.allow(from.ip()) {
        tracing::warn!(from = %from.ip(), "too many sign-in attempts");
        return StatusCode::TOO_MANY_REQUESTS.into_response();
    }
    let opened = async {
        let mut tx = app.store.begin().await?;
        let opened = web_access::redeem(&mut tx, query.token.trim(), app.now_ms()).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(opened)
    };
    match opened.await {
        Ok(Some(opened)) => {
            tracing::info!(person = opened.person.0, "signed in to the office dashboard");
            let cookie = session::set_cookie(&opened.id, secure(app));
            ([(header::SET_COOKIE, cookie)], Redirect::to("/office")).into_response()
        }
        Ok(None) => {
            (StatusCode::FORBIDDEN, layout::signed_out(l, Locale::ZhCn, fl!(l, "office-link-refused"))).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "a sign-in could not be checked");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

#[derive(Deserialize)]
struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(State(office): State<Arc<Office>>, headers: HeaderMap, Form(form): Form<SignOutForm>) -> Response {
    let app = &office.app;
    let ended = async {
        let mut tx = app.store.begin().await?;
        let Some(signed) = session::signed_in(app, &mut tx, &headers).await? else { return Ok(false) };
        if !web_access::csrf_matches(&signed.session, &form.csrf) {
            return Ok(false);
        }
        web_access::sign_out(&mut tx, &signed.session_id, app.now_ms()).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(true)
    };
    match ended.await {
        Ok(true) => {
            ([(header::SET_COOKIE, session::clear_cookie(secure(app)))], Redirect::to("/office")).into_response()
        }
        Ok(false) => StatusCode::FORBIDDEN.into_response(),
        Err(error) => {
            tracing::error!(%error, "a sign-out could not be recorded");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn request_page(State(office): State<Arc<Office>>, headers: HeaderMap, Path(number): Path<String>) -> Response {
    signed_page_refreshing(&office, &headers, false, async |tx, signed, viewer| {
        let Some(found) = request::find(tx, &signed.authority, &number).await? else { return Ok(None) };
        request::page(tx, &signed.authority, signed.person, viewer, found, &signed.session.csrf, None).await
    })
    .await
}

/// Runs `action` on the request numbered `number` for the signed-in person
/// if the form's CSRF token matches, writes the messages it causes to the
/// outbox, and shows the request's page with what came of it.
async fn act<F>(office: &Office, headers: &HeaderMap, number: &str, csrf: &str, action: F) -> Response
where
    F: AsyncFnOnce(&mut Tx, &mut Outbox, &SignedIn, &Viewer<'_>, RequestId) -> anyhow::Result<String>,
{
    let response = signed_page_refreshing(office, headers, false, async |tx, signed, viewer| {
        let Some(found) = request::find(tx, &signed.authority, number).await? else { return Ok(None) };
        let outcome = if web_access::csrf_matches(&signed.session, csrf) {
            let mut out = Outbox::default();
            let told = action(tx, &mut out, signed, viewer, found.0).await?;
            out.write(tx, viewer.now_ms()).await?;
            told
        } else {
            fl!(viewer.l, "office-refused")
        };
        request::page(tx, &signed.authority, signed.person, viewer, found, &signed.session.csrf, Some(outcome)).await
    })
    .await;
    // The messages wait in the outbox; the sender need not wait for its
    // next look.
    office.app.wake.outbox.notify_one();
    response
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    csrf: String,
    to: i64,
    #[serde(default)]
    reason: String,
}

async fn assign(
    State(office): State<Arc<Office>>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Form(form): Form<AssignForm>,
) -> Response {
    let app = office.app.clone();
    act(&office, &headers, &number, &form.csrf, async |tx, out, signed, viewer, id| {
        let asked = request::Asked { request: id, to: PersonId(form.to), reason: &form.reason };
        request::assign(&app, tx, out, signed.person, viewer, asked).await
    })
    .await
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn take_over(
    State(office): State<Arc<Office>>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let app = office.app.clone();
    act(&office, &headers, &number, &form.csrf, async |tx, out, signed, viewer, id| {
        request::take_over(&app, tx, out, signed.person, viewer, id).await
    })
    .await
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

async fn note(
    State(office): State<Arc<Office>>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Form(form): Form<NoteForm>,
) -> Response {
    act(&office, &headers, &number, &form.csrf, async |tx, _out, signed, viewer, id| {
        request::note(tx, signed.person, viewer, id, &form.note).await
    })
    .await
}

/// The largest attachment served: what Telegram lets a bot download.
const MAX_ATTACHMENT_BYTES: u64 = 20 * 1024 * 1024;

/// An attachment, fetched through the bot so that the page never holds the
/// token; 404 for anyone who may not see the request or its details.
async fn attachment(
    State(office): State<Arc<Office>>,
    headers: HeaderMap,
    Path((number, position)): Path<(String, usize)>,
) -> Response {
    let app = &office.app;
    let found = async {
        let mut tx = app.store.begin().await?;
        let Some(signed) = session::signed_in(app, &mut tx, &headers).await? else { return Ok(Err(())) };
        let Some(request) = request::find(&mut tx, &signed.authority, &number).await? else { return Ok(Ok(None)) };
        let file = request::attachment(&mut tx, &signed.authority, request, position).await?;
        tx.commit().await?;
        Ok::<_, anyhow::Error>(Ok(file))
    };
    let (file_id, content_type) = match found.await {
        Ok(Ok(Some(file))) => file,
        Ok(Ok(None)) => return StatusCode::NOT_FOUND.into_response(),
        Ok(Err(())) => return not_signed_in(app),
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "an attachment could not be looked up");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let Some(fetch) = app.files.get() else { return StatusCode::SERVICE_UNAVAILABLE.into_response() };
    let Some(bytes) = fetch(file_id, MAX_ATTACHMENT_BYTES).await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let disposition = if content_type == "application/octet-stream" { "attachment" } else { "inline" };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        bytes,
    )
        .into_response()
}
