//! The read-only Open311 GeoReport v2 feed (`DESK_OPEN311=on`), for the
//! sub-district and for researchers: discovery, services, requests and one
//! request, each as `.json` or `.xml`. What it may publish of a request is
//! decided in [`record`].

mod query;
pub mod record;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use i18n_embed_fl::fl;
use serde::Serialize;

use crate::app::App;
use crate::i18n::Locale;
use record::{Service, ServiceRequest};

pub use query::{Format, Problem, RequestsQuery};

/// The specification the feed follows, as discovery names it.
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When the feed's shape last changed.
const CHANGESET: &str = "2026-12-04T00:00:00Z";

struct Feed {
    app: Arc<App>,
    public_url: Option<url::Url>,
}

/// The feed's routes, to be nested under `/open311/v2`. A resource's format
/// is its extension, so each route takes the whole last segment.
pub fn router(app: Arc<App>, public_url: Option<url::Url>) -> Router {
    let feed = Arc::new(Feed { app, public_url });
    Router::new().route("/{resource}", get(resource)).route("/requests/{id}", get(one_request)).with_state(feed)
}

async fn resource(
    State(feed): State<Arc<Feed>>,
    Path(resource): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some((name, format)) = Format::split(&resource) else {
        return not_found(Format::Json);
    };
    let locale = locale_of(&headers);
    match name {
        "discovery" => discovery(&feed, &headers, format),
        "services" => services(format, &record::services(feed.app.i18n.get(locale))),
        "requests" => {
            match RequestsQuery::parse(raw.as_deref().unwrap_or_default(), feed.app.now(), feed.app.config.timezone) {
                Ok(query) => requests(&feed, &query, locale, format).await,
                Err(problem) => error(format, StatusCode::BAD_REQUEST, &problem.to_string()),
            }
        }
        _ => not_found(format),
    }
}

async fn one_request(State(feed): State<Arc<Feed>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let Some((number, format)) = Format::split(&id) else {
        return not_found(Format::Json);
    };
    let Ok(number) = number.parse::<i64>() else {
        return not_found(format);
    };
    let locale = locale_of(&headers);
    let read = async {
        let mut tx = feed.app.store.begin().await?;
        let rows = tx.feed_request(number).await?;
        tx.commit().await?;
        Ok::<_, crate::store::StoreError>(rows)
    };
    match read.await {
        Ok(rows) if rows.is_empty() => not_found(format),
        Ok(rows) => {
            let l = feed.app.i18n.get(locale);
            let records: Vec<ServiceRequest> =
                rows.iter().map(|row| record::service_request(l, row, feed.app.config.timezone)).collect();
            service_requests(format, &records)
        }
        Err(error) => unavailable(format, &error),
    }
}

async fn requests(feed: &Feed, query: &RequestsQuery, locale: Locale, format: Format) -> Response {
    let read = async {
        let mut tx = feed.app.store.begin().await?;
        let rows = tx.feed_requests(&query.feed).await?;
        tx.commit().await?;
        Ok::<_, crate::store::StoreError>(rows)
    };
    match read.await {
        Ok(rows) => {
            let l = feed.app.i18n.get(locale);
            let records: Vec<ServiceRequest> =
                rows.iter().map(|row| record::service_request(l, row, feed.app.config.timezone)).collect();
            service_requests(format, &records)
        }
        Err(error) => unavailable(format, &error),
    }
}

/// Discovery, in JSON's shape.
#[derive(Serialize)]
struct Discovery {
    changeset: &'static str,
    contact: String,
    key_service: String,
    endpoints: Vec<Endpoint>,
}

#[derive(Serialize)]
struct Endpoint {
    specification: &'static str,
    url: String,
    changeset: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    formats: Vec<&'static str>,
}

/// Discovery in XML, where a list is an element around its items.
#[derive(Serialize)]
struct XmlDiscovery {
    changeset: &'static str,
    contact: String,
    key_service: String,
    endpoints: XmlEndpoints,
}

#[derive(Serialize)]
struct XmlEndpoints {
    endpoint: Vec<XmlEndpoint>,
}

#[derive(Serialize)]
struct XmlEndpoint {
    specification: &'static str,
    url: String,
    changeset: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    formats: XmlFormats,
}

#[derive(Serialize)]
struct XmlFormats {
    format: Vec<&'static str>,
}

fn discovery(feed: &Feed, headers: &HeaderMap, format: Format) -> Response {
    let base = match &feed.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_string(),
        None => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}")
        }
    };
    let l = feed.app.i18n.get(locale_of(headers));
    let endpoint = Endpoint {
        specification: SPECIFICATION,
        url: format!("{base}/open311/v2"),
        changeset: CHANGESET,
        kind: "production",
        formats: vec![Format::Xml.media_type(), Format::Json.media_type()],
    };
    let discovery = Discovery {
        changeset: CHANGESET,
        contact: fl!(l, "open311-contact"),
        key_service: String::new(),
        endpoints: vec![endpoint],
    };
    match format {
        Format::Json => json(StatusCode::OK, &discovery),
        Format::Xml => {
            let endpoint = discovery
                .endpoints
                .into_iter()
                .map(|e| XmlEndpoint {
                    specification: e.specification,
                    url: e.url,
                    changeset: e.changeset,
                    kind: e.kind,
                    formats: XmlFormats { format: e.formats },
                })
                .collect();
            let discovery = XmlDiscovery {
                changeset: discovery.changeset,
                contact: discovery.contact,
                key_service: discovery.key_service,
                endpoints: XmlEndpoints { endpoint },
            };
            xml(StatusCode::OK, "discovery", &discovery)
        }
    }
}

#[derive(Serialize)]
struct XmlServices<'a> {
    service: &'a [Service],
}

#[derive(Serialize)]
struct XmlRequests<'a> {
    request: &'a [ServiceRequest],
}

fn services(format: Format, services: &[Service]) -> Response {
    match format {
        Format::Json => json(StatusCode::OK, &services),
        Format::Xml => xml(StatusCode::OK, "services", &XmlServices { service: services }),
    }
}

fn service_requests(format: Format, requests: &[ServiceRequest]) -> Response {
    match format {
        Format::Json => json(StatusCode::OK, &requests),
        Format::Xml => xml(StatusCode::OK, "service_requests", &XmlRequests { request: requests }),
    }
}

/// GeoReport's error: `[{"code": 400, "description": "…"}]`, or
/// `<errors><error><code>400</code>…` in XML.
#[derive(Serialize)]
struct Error {
    code: u16,
    description: String,
}

#[derive(Serialize)]
struct XmlErrors<'a> {
    error: &'a [Error],
}

fn error(format: Format, status: StatusCode, description: &str) -> Response {
    let errors = [Error { code: status.as_u16(), description: description.to_string() }];
    match format {
        Format::Json => json(status, &errors),
        Format::Xml => xml(status, "errors", &XmlErrors { error: &errors }),
    }
}

fn not_found(format: Format) -> Response {
    error(format, StatusCode::NOT_FOUND, "not found")
}

fn unavailable(format: Format, failure: &crate::store::StoreError) -> Response {
    tracing::error!(error = %failure, "the Open311 feed could not read the requests");
    error(format, StatusCode::SERVICE_UNAVAILABLE, "the feed cannot be read just now; try again later")
}

fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(text) => (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], text).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn xml<T: Serialize>(status: StatusCode, root: &str, value: &T) -> Response {
    match quick_xml::se::to_string_with_root(root, value) {
        Ok(text) => {
            let document = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{text}");
            (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], document).into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Names of services and notes in the reader's language; the community's
/// (Chinese) unless they ask for English.
fn locale_of(headers: &HeaderMap) -> Locale {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .and_then(|first| Locale::from_code(first.split(';').next().unwrap_or_default().trim()))
        .unwrap_or(Locale::ZhCn)
}
