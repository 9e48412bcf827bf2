//! What the Open311 feed publishes of a request, and what it must not:
//! the place only to the building, no names, rooms or phones, and the
//! description of a sensitive category replaced by the category's name.

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;
use serde::Serialize;

use crate::domain::{Category, Role, Status};
use crate::i18n::labels;
use crate::store::{FeedRow, from_millis};

/// One service request, with GeoReport v2's fields in its order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRequest {
    pub service_request_id: String,
    pub status: &'static str,
    pub status_notes: String,
    pub service_name: String,
    pub service_code: String,
    pub description: String,
    pub agency_responsible: String,
    pub service_notice: String,
    pub requested_datetime: String,
    pub updated_datetime: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_datetime: Option<String>,
    pub address: String,
    pub address_id: String,
    pub zipcode: String,
    pub media_url: String,
}

/// One kind of service: a category of the desk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    pub service_code: &'static str,
    pub service_name: String,
    pub description: String,
    pub metadata: bool,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub keywords: String,
    pub group: String,
}

pub fn services(l: &FluentLanguageLoader) -> Vec<Service> {
    Category::ALL
        .iter()
        .map(|&category| Service {
            service_code: category.as_str(),
            service_name: labels::category(l, category),
            description: labels::category(l, category),
            metadata: false,
            kind: "realtime",
            keywords: String::new(),
            group: String::new(),
        })
        .collect()
}

/// GeoReport's two statuses: work still to do is open; resolved, closed,
/// withdrawn and merged requests are closed, and the notes say which.
pub fn open311_status(status: Status) -> &'static str {
    if status.is_active() { "open" } else { "closed" }
}

pub fn service_request(l: &FluentLanguageLoader, row: &FeedRow, timezone: Tz) -> ServiceRequest {
    let status = Status::parse(&row.status).unwrap_or(Status::Closed);
    let category = Category::parse(&row.category);
    let service_name = category.map(|c| labels::category(l, c)).unwrap_or_else(|| row.category.clone());
    let description = match category {
        Some(category) if !category.is_sensitive() && !row.from_visit => scrub(&row.description, row),
        _ => service_name.clone(),
    };
    let expected = match status {
        Status::Open | Status::Accepted => row.resolve_due_at.map(|ms| datetime(from_millis(ms), timezone)),
        _ => None,
    };
    ServiceRequest {
        service_request_id: row.number.to_string(),
        status: open311_status(status),
        status_notes: status_notes(l, status, row.merged_into),
        service_name,
        service_code: row.category.clone(),
        description,
        agency_responsible: agency(l, row),
        service_notice: String::new(),
        requested_datetime: datetime(from_millis(row.created_at), timezone),
        updated_datetime: datetime(from_millis(row.updated_at), timezone),
        expected_datetime: expected,
        address: fl!(l, "open311-address", estate = row.estate.as_str(), building = row.building.as_str()),
        address_id: String::new(),
        zipcode: String::new(),
        media_url: String::new(),
    }
}

fn status_notes(l: &FluentLanguageLoader, status: Status, merged_into: Option<i64>) -> String {
    match status {
        Status::Open => fl!(l, "open311-note-open"),
        Status::Accepted => fl!(l, "open311-note-accepted"),
        Status::Resolved => fl!(l, "open311-note-resolved"),
        Status::Closed => fl!(l, "open311-note-closed"),
        Status::Cancelled => fl!(l, "open311-note-cancelled"),
        Status::Merged => match merged_into {
            Some(number) => fl!(l, "open311-note-merged", number = number),
            None => fl!(l, "open311-note-closed"),
        },
    }
}

/// The level that holds the request, by role and the unit it is held on:
/// "estate group leader, 绿杨东苑"; never a person.
fn agency(l: &FluentLanguageLoader, row: &FeedRow) -> String {
    let role = row.assignee_role.as_deref().and_then(Role::parse);
    let unit = match role {
        Some(Role::Liaison | Role::Deputy | Role::Volunteer) => &row.building,
        Some(Role::GroupLeader) => &row.estate,
        Some(Role::GridLeader) => &row.grid,
        Some(Role::Admin) | None => &row.community,
    };
    match role {
        Some(role) => fl!(l, "open311-agency", role = labels::role(l, role), unit = unit.as_str()),
        None => unit.clone(),
    }
}

/// ISO 8601 with the community's offset, as GeoReport asks.
pub fn datetime(at: DateTime<Utc>, timezone: Tz) -> String {
    at.with_timezone(&timezone).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// What stands in for what was taken out of a description.
const GONE: &str = "[…]";

/// A resident's text with what could point at a household or a person taken
/// out: the reporter's name, their room, room numbers written like `2-301`,
/// and runs of seven or more digits (phone numbers). Control characters go
/// too (XML cannot carry them).
pub fn scrub(text: &str, row: &FeedRow) -> String {
    let mut text: String = text.chars().filter(|c| !c.is_control() || *c == '\n').collect();
    for known in [row.reporter_name.as_deref(), row.room.as_deref()].into_iter().flatten() {
        let known = known.trim();
        if !known.is_empty() {
            text = text.replace(known, GONE);
        }
    }
    scrub_numbers(&text)
}

fn scrub_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run of digits, possibly with dashes and spaces inside (a phone
        // written 138 1234 5678), or an entrance and a room (2-301).
        let start = i;
        let mut end = i;
        let mut digits = 0;
        let mut dashed = false;
        let mut j = i;
        while j < chars.len() {
            let c = chars[j];
            if c.is_ascii_digit() {
                digits += 1;
                end = j + 1;
            } else if (c == '-' || c == ' ') && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
                dashed |= c == '-';
            } else {
                break;
            }
            j += 1;
        }
        let run: String = chars[start..end].iter().collect();
        if digits >= 7 || (dashed && digits >= 3) {
            out.push_str(GONE);
        } else {
            out.push_str(&run);
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> FeedRow {
        FeedRow {
            number: 1003,
            category: "property".into(),
            status: "open".into(),
            assignee_role: Some("group_leader".into()),
            description: "Leak".into(),
            created_at: 0,
            updated_at: 0,
            accept_due_at: None,
            resolve_due_at: None,
            building: "E01".into(),
            estate: "East".into(),
            grid: "First".into(),
            community: "Green".into(),
            merged_into: None,
            room: Some("301".into()),
            reporter_name: Some("Wang Fang".into()),
            from_visit: false,
        }
    }

    #[test]
    fn a_description_loses_the_reporters_name_room_and_phone_numbers() {
        let scrubbed = scrub("Wang Fang in 301 (call 138 1234 5678 or 13812345678), also 2-402 wet; 3 days", &row());
        assert_eq!(scrubbed, "[…] in […] (call […] or […]), also […] wet; 3 days");
    }

    #[test]
    fn short_numbers_and_dates_stay() {
        assert_eq!(scrub_numbers("since 12 days, floor 3, 2026"), "since 12 days, floor 3, 2026");
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(scrub("a\u{0}b\u{7}c\nd", &row()), "abc\nd");
    }

    #[test]
    fn only_active_requests_are_open() {
        assert_eq!(open311_status(Status::Open), "open");
        assert_eq!(open311_status(Status::Accepted), "open");
        for status in [Status::Resolved, Status::Closed, Status::Cancelled, Status::Merged] {
            assert_eq!(open311_status(status), "closed");
        }
    }
}
