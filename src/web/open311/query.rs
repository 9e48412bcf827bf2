//! The parameters of `GET requests`, checked once: a window of at most what
//! GeoReport's servers usually give (the last 90 days, 1,000 requests), in
//! pages.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::Category;
use crate::store::{FeedQuery, millis};

/// What `GET requests` returns at most, and on one page unless asked.
pub const MAX_PAGE_SIZE: i64 = 1000;
/// The window when no dates are given.
pub const DEFAULT_WINDOW_DAYS: i64 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// `requests.json` → ("requests", Json).
    pub fn split(resource: &str) -> Option<(&str, Format)> {
        let (name, extension) = resource.rsplit_once('.')?;
        let format = match extension {
            "json" => Format::Json,
            "xml" => Format::Xml,
            _ => return None,
        };
        Some((name, format))
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "text/xml",
        }
    }
}

/// Why a query was refused, for the 400 answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("{0} is not a date and time like 2026-12-01T08:00:00+08:00 or a date like 2026-12-01")]
    Date(&'static str),
    #[error("start_date must be before end_date")]
    EmptyWindow,
    #[error("status must be open, closed or both, separated by commas")]
    Status,
    #[error("service_code `{0}` is not one of the services")]
    ServiceCode(String),
    #[error("{0} must be a whole number from 1 to {1}")]
    Number(&'static str, i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestsQuery {
    pub feed: FeedQuery,
}

impl RequestsQuery {
    pub fn parse(raw: &str, now: DateTime<Utc>, timezone: Tz) -> Result<RequestsQuery, Problem> {
        let mut start = None;
        let mut end = None;
        let mut statuses = Vec::new();
        let mut categories = Vec::new();
        let mut page = 1;
        let mut page_size = MAX_PAGE_SIZE;
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "start_date" => start = Some(date(value, timezone).ok_or(Problem::Date("start_date"))?),
                "end_date" => end = Some(date(value, timezone).ok_or(Problem::Date("end_date"))?),
                "status" => {
                    for status in value.split(',') {
                        statuses.extend(match status.trim() {
                            "open" => ["open", "accepted"].as_slice(),
                            "closed" => ["resolved", "closed", "cancelled", "merged"].as_slice(),
                            _ => return Err(Problem::Status),
                        });
                    }
                }
                "service_code" => {
                    for code in value.split(',') {
                        let category = Category::parse(code).ok_or_else(|| Problem::ServiceCode(code.to_string()))?;
                        categories.push(category.as_str().to_string());
                    }
                }
                "page" => page = number(value, "page", i64::from(u32::MAX))?,
                "page_size" => page_size = number(value, "page_size", MAX_PAGE_SIZE)?,
                // jurisdiction_id and anything else: one jurisdiction, no extensions.
                _ => {}
            }
        }
        let window = Duration::days(DEFAULT_WINDOW_DAYS);
        let (from, to) = match (start, end) {
            (None, None) => (now - window, now),
            (Some(start), None) => (start, now.max(start)),
            (None, Some(end)) => (end - window, end),
            (Some(start), Some(end)) => (start, end),
        };
        if from >= to {
            return Err(Problem::EmptyWindow);
        }
        statuses.sort_unstable();
        statuses.dedup();
        categories.sort_unstable();
        categories.dedup();
        let feed = FeedQuery {
            from: millis(from),
            to: millis(to),
            statuses: statuses.into_iter().map(str::to_string).collect(),
            categories,
            limit: page_size,
            offset: (page - 1) * page_size,
        };
        Ok(RequestsQuery { feed })
    }
}

/// A w3 date and time with its offset, or a date (midnight, community time).
fn date(value: &str, timezone: Tz) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    timezone.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).earliest().map(|at| at.with_timezone(&Utc))
}

fn number(value: &str, name: &'static str, max: i64) -> Result<i64, Problem> {
    match value.parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(Problem::Number(name, max)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-04T10:00:00Z".parse().unwrap()
    }

    fn parse(raw: &str) -> Result<FeedQuery, Problem> {
        RequestsQuery::parse(raw, now(), chrono_tz::Asia::Shanghai).map(|q| q.feed)
    }

    #[test]
    fn no_parameters_mean_the_last_ninety_days_and_a_thousand_requests() {
        let query = parse("").unwrap();
        assert_eq!(query.to, millis(now()));
        assert_eq!(query.from, millis(now() - Duration::days(90)));
        assert_eq!((query.limit, query.offset), (1000, 0));
        assert!(query.statuses.is_empty() && query.categories.is_empty());
    }

    #[test]
    fn dates_take_an_offset_or_mean_local_midnight() {
        let query = parse("start_date=2026-11-01T00:00:00Z&end_date=2026-12-01").unwrap();
        assert_eq!(query.from, millis("2026-11-01T00:00:00Z".parse().unwrap()));
        assert_eq!(query.to, millis("2026-11-30T16:00:00Z".parse().unwrap()));
        assert_eq!(parse("start_date=yesterday"), Err(Problem::Date("start_date")));
        assert_eq!(parse("start_date=2026-12-02&end_date=2026-12-01"), Err(Problem::EmptyWindow));
    }

    #[test]
    fn statuses_and_service_codes_are_lists() {
        let query = parse("status=closed&service_code=property,dispute").unwrap();
        assert_eq!(query.statuses, ["cancelled", "closed", "merged", "resolved"]);
        assert_eq!(query.categories, ["dispute", "property"]);
        assert_eq!(parse("status=pending"), Err(Problem::Status));
        assert_eq!(parse("service_code=potholes"), Err(Problem::ServiceCode("potholes".into())));
    }

    #[test]
    fn pages_are_at_most_a_thousand_requests() {
        let query = parse("page=3&page_size=50").unwrap();
        assert_eq!((query.limit, query.offset), (50, 100));
        assert_eq!(parse("page_size=1001"), Err(Problem::Number("page_size", 1000)));
        assert_eq!(parse("page=0"), Err(Problem::Number("page", i64::from(u32::MAX))));
    }

    #[test]
    fn a_resource_names_its_format() {
        assert_eq!(Format::split("requests.json"), Some(("requests", Format::Json)));
        assert_eq!(Format::split("1003.xml"), Some(("1003", Format::Xml)));
        assert_eq!(Format::split("requests.csv"), None);
        assert_eq!(Format::split("requests"), None);
    }
}
