//! What the public Open311 feed reads: requests with the names of the units
//! above their building, and what the feed needs to scrub from a description
//! (the room and the reporter's name), never to show.

use super::{Result, Tx, on};

/// One request as the feed sees it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FeedRow {
    pub number: i64,
    pub category: String,
    pub status: String,
    pub assignee_role: Option<String>,
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub accept_due_at: Option<i64>,
    pub resolve_due_at: Option<i64>,
    pub building: String,
    pub estate: String,
    pub grid: String,
    pub community: String,
    /// The number of the request a duplicate was merged into.
    pub merged_into: Option<i64>,
    /// Only for scrubbing the description.
    pub room: Option<String>,
    /// Only for scrubbing the description.
    pub reporter_name: Option<String>,
    /// Made by a liaison's visit to a household: its description is the
    /// visit's note, care data the feed never shows.
    pub from_visit: bool,
}

/// Which requests a feed query asks for. Empty lists mean "all".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedQuery {
    /// Created in `[from, to)`, epoch milliseconds.
    pub from: i64,
    pub to: i64,
    pub statuses: Vec<String>,
    pub categories: Vec<String>,
    pub limit: i64,
    pub offset: i64,
}

// A macro, not a const, so that `concat!` can build each statement at
// compile time.
macro_rules! select {
    () => {
        "SELECT q.number, q.category, q.status, q.assignee_role, q.description, q.created_at, \
         q.updated_at, q.accept_due_at, q.resolve_due_at, b.code AS building, e.name AS estate, g.name AS grid, \
         m.name AS community, o.number AS merged_into, q.room, p.name AS reporter_name, \
         EXISTS (SELECT 1 FROM visits s WHERE s.request_id = q.id) AS from_visit \
         FROM requests q JOIN units b ON b.id = q.building_id JOIN units e ON e.id = b.parent_id \
         JOIN units g ON g.id = e.parent_id JOIN units m ON m.id = g.parent_id \
         LEFT JOIN requests o ON o.id = q.merged_into LEFT JOIN people p ON p.id = q.resident_id "
    };
}

const SQLITE_WINDOW: &str = concat!(
    select!(),
    "WHERE q.created_at >= $1 AND q.created_at < $2 \
     AND ($3 = '[]' OR q.status IN (SELECT value FROM json_each($3))) \
     AND ($4 = '[]' OR q.category IN (SELECT value FROM json_each($4))) \
     ORDER BY q.created_at DESC, q.id DESC LIMIT $5 + 0 OFFSET $6 + 0"
);

const POSTGRES_WINDOW: &str = concat!(
    select!(),
    "WHERE q.created_at >= $1 AND q.created_at < $2 \
     AND ($3 = '[]' OR q.status IN (SELECT jsonb_array_elements_text($3::jsonb))) \
     AND ($4 = '[]' OR q.category IN (SELECT jsonb_array_elements_text($4::jsonb))) \
     ORDER BY q.created_at DESC, q.id DESC LIMIT $5 + 0 OFFSET $6 + 0"
);

const ONE: &str = concat!(select!(), "WHERE q.number = $1 ORDER BY q.id");

impl Tx {
    /// The requests of `query`, newest first. The lists are bound as JSON
    /// arrays so that the statement's text never changes.
    pub async fn feed_requests(&mut self, query: &FeedQuery) -> Result<Vec<FeedRow>> {
        let statuses = serde_json::to_string(&query.statuses).unwrap_or_default();
        let categories = serde_json::to_string(&query.categories).unwrap_or_default();
        let sql = match self.backend() {
            super::Backend::Sqlite => SQLITE_WINDOW,
            super::Backend::Postgres => POSTGRES_WINDOW,
        };
        Ok(on!(self, |c| {
            sqlx::query_as(sql)
                .bind(query.from)
                .bind(query.to)
                .bind(&statuses)
                .bind(&categories)
                .bind(query.limit)
                .bind(query.offset)
                .fetch_all(c)
                .await
        })?)
    }

    /// Every request numbered `number` (one per community).
    pub async fn feed_request(&mut self, number: i64) -> Result<Vec<FeedRow>> {
        Ok(on!(self, |c| sqlx::query_as(ONE).bind(number).fetch_all(c).await)?)
    }
}
