//! The public Open311 GeoReport v2 feed, end to end with the real binary in
//! polling mode: requests reported in chat appear at building level only,
//! without names, rooms or phones, sensitive descriptions replaced by the
//! category; JSON and XML parsed back; filters, pages and errors as the
//! specification gives them; and nothing served unless switched on.

use serde::Deserialize;
use serde_json::Value;

use crate::support::db::{TestDb, free_port};
use crate::support::desk::{Desk, WAIT, liaison_binds, liaison_of, report_in, resident_registers};
use community_desk::emulator::User;

/// The feed's origin on loopback, once the bot's server answers.
async fn started(port: u16) -> String {
    let base = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(response) = reqwest::get(format!("{base}/healthz")).await
            && response.status() == 200
        {
            return base;
        }
        assert!(tokio::time::Instant::now() < deadline, "the web server never answered on {port}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// GETs `path` in English; the status and the body.
async fn get(base: &str, path: &str) -> (u16, String, String) {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .expect("the feed answers");
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, kind, response.text().await.expect("a body"))
}

async fn get_json(base: &str, path: &str) -> Value {
    let (status, kind, body) = get(base, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert!(kind.starts_with("application/json"), "{path}: {kind}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path} is not JSON ({e}): {body}"))
}

#[derive(Debug, Deserialize)]
struct XmlRequests {
    #[serde(default)]
    request: Vec<XmlRequest>,
}

#[derive(Debug, Deserialize)]
struct XmlRequest {
    service_request_id: String,
    status: String,
    service_code: String,
    description: String,
    address: String,
    requested_datetime: String,
}

#[derive(Debug, Deserialize)]
struct XmlServices {
    service: Vec<XmlService>,
}

#[derive(Debug, Deserialize)]
struct XmlService {
    service_code: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct XmlErrors {
    error: Vec<XmlError>,
}

#[derive(Debug, Deserialize)]
struct XmlError {
    code: u16,
    description: String,
}

const PHONE: &str = "13812345678";

async fn the_open311_feed_publishes_requests_at_building_level_without_names_rooms_or_phones(db: TestDb) {
    let port = free_port();
    let desk =
        Desk::start_with(db, &[("DESK_OPEN311", "on".to_string()), ("LISTEN_ADDR", format!("127.0.0.1:{port}"))]).await;
    let liaison = User::new(1001, "Liaison").with_language("en");
    let first = User::new(2001, "Wang Fang").with_language("en");
    let second = User::new(2002, "Li Wei").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    resident_registers(&desk, &first).await;
    resident_registers(&desk, &second).await;
    let at = report_in(&desk, &first, "property", &format!("Wang Fang here: pipe burst in 302, call {PHONE}")).await;
    let at = desk.press(at, &liaison, "r:1:a").await;
    desk.expect_text(at, &first, "accepted").await;
    report_in(&desk, &second, "dispute", "My neighbour plays drums all night").await;
    let base = started(port).await;

    let requests = get_json(&base, "/open311/v2/requests.json").await;
    let text = requests.to_string();
    for private in ["Wang", "Li Wei", "302", PHONE, "drums"] {
        assert!(!text.contains(private), "the feed shows {private:?}: {text}");
    }
    let list = requests.as_array().expect("a list of requests");
    assert_eq!(list.len(), 2, "{text}");
    let (dispute, leak) = (&list[0], &list[1]);
    assert_eq!(leak["service_request_id"], "1001");
    assert_eq!(leak["status"], "open");
    assert_eq!(leak["status_notes"], "Being handled");
    assert_eq!(leak["service_code"], "property");
    assert_eq!(leak["description"], "[…] here: pipe burst in […], call […]");
    assert!(leak["address"].as_str().unwrap().ends_with("building E01"), "{}", leak["address"]);
    assert!(leak["agency_responsible"].as_str().unwrap().starts_with("building liaison"), "{}", leak);
    for field in ["requested_datetime", "updated_datetime", "expected_datetime"] {
        let at = leak[field].as_str().unwrap_or_else(|| panic!("{field} missing: {leak}"));
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok() && at.ends_with("+08:00"), "{field}: {at}");
    }
    assert_eq!(dispute["service_request_id"], "1002");
    assert_eq!(dispute["description"], dispute["service_name"], "a sensitive description is the category's name");
    assert_eq!(dispute["status_notes"], "Waiting to be accepted");

    let one = get_json(&base, "/open311/v2/requests/1002.json").await;
    assert_eq!(one.as_array().map(Vec::len), Some(1));
    assert_eq!(one[0]["service_code"], "dispute");

    let (status, kind, body) = get(&base, "/open311/v2/requests.xml").await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/xml") && body.starts_with("<?xml"), "{kind}: {body}");
    let xml: XmlRequests =
        quick_xml::de::from_str(&body).unwrap_or_else(|e| panic!("not the XML expected ({e}): {body}"));
    assert_eq!(xml.request.len(), 2);
    assert_eq!(xml.request[1].service_request_id, "1001");
    assert_eq!(xml.request[1].status, "open");
    assert_eq!(xml.request[1].service_code, "property");
    assert!(xml.request[1].address.ends_with("building E01"));
    assert!(!xml.request[1].description.contains(PHONE));
    assert!(chrono::DateTime::parse_from_rfc3339(&xml.request[1].requested_datetime).is_ok());

    // Filters and pages.
    let closed = get_json(&base, "/open311/v2/requests.json?status=closed").await;
    assert_eq!(closed.as_array().map(Vec::len), Some(0));
    let disputes = get_json(&base, "/open311/v2/requests.json?service_code=dispute&status=open").await;
    assert_eq!(disputes.as_array().map(Vec::len), Some(1));
    let second_page = get_json(&base, "/open311/v2/requests.json?page_size=1&page=2").await;
    assert_eq!(second_page[0]["service_request_id"], "1001", "newest first, one per page");
    let old = get_json(&base, "/open311/v2/requests.json?end_date=2020-01-01").await;
    assert_eq!(old.as_array().map(Vec::len), Some(0));

    // Services and discovery.
    let (_, _, body) = get(&base, "/open311/v2/services.xml").await;
    let services: XmlServices = quick_xml::de::from_str(&body).unwrap_or_else(|e| panic!("services ({e}): {body}"));
    assert_eq!(services.service.len(), 9);
    assert!(services.service.iter().any(|s| s.service_code == "property" && !s.metadata && s.kind == "realtime"));
    let discovery = get_json(&base, "/open311/v2/discovery.json").await;
    assert_eq!(discovery["endpoints"][0]["url"], format!("{base}/open311/v2"));
    assert_eq!(discovery["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    let (status, _, body) = get(&base, "/open311/v2/discovery.xml").await;
    assert!(
        status == 200 && body.contains("<endpoints><endpoint>") && body.contains("<format>text/xml</format>"),
        "{body}"
    );

    // Errors as the specification gives them.
    let (status, _, body) = get(&base, "/open311/v2/requests/9999.json").await;
    assert_eq!(status, 404);
    let errors: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(errors[0]["code"], 404);
    let (status, _, body) = get(&base, "/open311/v2/requests.json?status=pending").await;
    assert_eq!(status, 400, "{body}");
    let errors: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(errors[0]["code"], 400);
    assert!(errors[0]["description"].as_str().unwrap().contains("status"));
    let (status, _, body) = get(&base, "/open311/v2/requests.xml?page_size=5000").await;
    assert_eq!(status, 400);
    let errors: XmlErrors = quick_xml::de::from_str(&body).unwrap_or_else(|e| panic!("errors ({e}): {body}"));
    assert_eq!(errors.error[0].code, 400);
    assert!(errors.error[0].description.contains("page_size"));
}

async fn the_feed_is_not_served_unless_switched_on(db: TestDb) {
    let port = free_port();
    let _desk = Desk::start_with(db, &[("LISTEN_ADDR", format!("127.0.0.1:{port}"))]).await;
    let base = started(port).await;
    let (status, _, _) = get(&base, "/open311/v2/requests.json").await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&base, "/open311/v2/discovery.xml").await;
    assert_eq!(status, 404);
}

use crate::support::on_both_backends;

on_both_backends!(
    the_open311_feed_publishes_requests_at_building_level_without_names_rooms_or_phones,
    the_feed_is_not_served_unless_switched_on,
);
