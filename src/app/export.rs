//! Exporting requests as CSV, from the command line or to an admin in chat.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::events::Event;
use crate::domain::{Category, PersonId};
use crate::store::{ExportRow, StoreError, Tx, from_millis};

pub const HEADER: [&str; 17] = [
    "number",
    "created_at",
    "category",
    "urgency",
    "community",
    "grid",
    "estate",
    "building",
    "status",
    "assignee_role",
    "escalation_level",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "reopened",
    "rating",
    "description",
];

/// What stands in for the description of a sensitive request.
pub const REDACTED: &str = "[redacted]";

/// The period `[from, to)` an export covers: local dates, `to` inclusive, as
/// people say them; either may be open.
pub fn period(from: Option<NaiveDate>, to: Option<NaiveDate>, timezone: Tz) -> (i64, i64) {
    use chrono::TimeZone;
    let start_of = |date: NaiveDate| {
        timezone
            .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|at| at.with_timezone(&Utc).timestamp_millis())
    };
    let from = from.and_then(start_of).unwrap_or(i64::MIN);
    let to = to.and_then(|d| d.succ_opt()).and_then(start_of).unwrap_or(i64::MAX);
    (from, to)
}

/// The CSV of the requests created in `[from, to)`: no resident names or
/// phones, and the descriptions of sensitive categories redacted.
pub async fn requests_csv(tx: &mut Tx, from: i64, to: i64, timezone: Tz) -> Result<(String, usize), StoreError> {
    let rows = tx.export_requests(from, to).await?;
    let count = rows.len();
    Ok((to_csv(&rows, timezone), count))
}

/// The CSV of [`requests_csv`] for an admin in chat, who is recorded as
/// having exported it.
pub async fn export_for(
    tx: &mut Tx,
    admin: PersonId,
    from: i64,
    to: i64,
    timezone: Tz,
    now: i64,
) -> Result<(String, usize), StoreError> {
    let (csv, rows) = requests_csv(tx, from, to, timezone).await?;
    tx.record_event(None, Some(admin), &Event::Exported { rows: rows as u64 }, now).await?;
    Ok((csv, rows))
}

fn to_csv(rows: &[ExportRow], timezone: Tz) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let time = |ms: Option<i64>| ms.map(|ms| local(from_millis(ms), timezone)).unwrap_or_default();
    // Writing to memory cannot fail, and every record has the header's width.
    let _ = writer.write_record(HEADER);
    for row in rows {
        let sensitive = row.from_visit || Category::parse(&row.category).is_none_or(Category::is_sensitive);
        let description = if sensitive { REDACTED.to_string() } else { defuse(&row.description) };
        let record = [
            format!("#{}", row.number),
            time(Some(row.created_at)),
            row.category.clone(),
            row.urgency.clone(),
            row.community.clone(),
            row.grid.clone(),
            row.estate.clone(),
            row.building.clone(),
            row.status.clone(),
            row.assignee_role.clone().unwrap_or_default(),
            row.escalation_level.to_string(),
            time(row.accepted_at),
            time(row.resolved_at),
            time(row.closed_at),
            row.reopened.to_string(),
            row.rating.map(|r| r.to_string()).unwrap_or_default(),
            description,
        ];
        let _ = writer.write_record(&record);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a
/// formula; a resident's text must never be one, so such text gets a
/// leading apostrophe.
fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_string() }
}

fn local(at: DateTime<Utc>, timezone: Tz) -> String {
    at.with_timezone(&timezone).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Households counted per building and care tag, the only part of the
/// households an export carries (no room, member, note or visit): CSV with
/// `building,tag,households`, for the buildings `covers` accepts; `None`
/// when there is none.
pub async fn household_counts_csv(
    tx: &mut Tx,
    covers: impl Fn(crate::domain::UnitId) -> bool,
) -> Result<Option<String>, StoreError> {
    let units = tx.units().await?;
    let mut counts: std::collections::BTreeMap<(String, String), u64> = std::collections::BTreeMap::new();
    for care in tx.tagged_household_care(i64::MAX).await? {
        let building = care.household.building;
        let Some(code) = units.iter().find(|u| u.id == building).and_then(|u| u.code.clone()) else { continue };
        if !covers(building) {
            continue;
        }
        for tag in care.household.tags {
            *counts.entry((code.to_string(), tag)).or_default() += 1;
        }
    }
    if counts.is_empty() {
        return Ok(None);
    }
    let mut csv = String::from("building,tag,households\n");
    for ((building, tag), count) in counts {
        csv.push_str(&format!("{building},{tag},{count}\n"));
    }
    Ok(Some(csv))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(category: &str, description: &str) -> ExportRow {
        ExportRow {
            number: 1001,
            created_at: 0,
            category: category.into(),
            urgency: "normal".into(),
            building: "E01".into(),
            estate: "东苑".into(),
            grid: "第一网格".into(),
            community: "绿杨社区".into(),
            status: "closed".into(),
            assignee_role: Some("liaison".into()),
            escalation_level: 0,
            escalations: 0,
            building_id: 1,
            accepted_at: Some(60_000),
            resolved_at: None,
            closed_at: None,
            reopened: 0,
            rating: Some(5),
            description: description.into(),
            from_visit: false,
        }
    }

    #[test]
    fn sensitive_descriptions_are_redacted_and_others_kept() {
        let csv = to_csv(&[row("dispute", "邻居吵架"), row("property", "灯坏了")], chrono_tz::Asia::Shanghai);
        assert!(!csv.contains("邻居吵架"));
        assert!(csv.contains(REDACTED) && csv.contains("灯坏了"));
        let first = csv.lines().nth(1).unwrap();
        assert!(first.starts_with("#1001,1970-01-01 08:00:00,dispute,normal,绿杨社区"), "{first}");
        assert_eq!(csv.lines().next().unwrap(), HEADER.join(","));
    }

    #[test]
    fn the_note_of_a_visit_that_made_a_request_is_redacted_whatever_the_category() {
        let visit = ExportRow { from_visit: true, ..row("household", "老人行动不便，需要送餐") };
        let csv = to_csv(&[visit], chrono_tz::Asia::Shanghai);
        assert!(!csv.contains("送餐") && csv.contains(REDACTED), "{csv}");
    }

    #[test]
    fn a_description_cannot_become_a_spreadsheet_formula() {
        let csv = to_csv(&[row("property", "=HYPERLINK(\"http://x\")")], chrono_tz::Asia::Shanghai);
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
    }

    #[test]
    fn a_period_covers_whole_local_days() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let (from, to) = period(Some(day), Some(day), chrono_tz::Asia::Shanghai);
        assert_eq!(to - from, 24 * 60 * 60 * 1000);
        assert_eq!(period(None, None, chrono_tz::Asia::Shanghai), (i64::MIN, i64::MAX));
    }
}
