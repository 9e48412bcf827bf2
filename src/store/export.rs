//! The request export: one row per request, for the community office.

use super::{Result, Tx, on};

/// One request as exported. Residents' names and phones are never part of
/// it; the caller redacts sensitive descriptions.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExportRow {
    pub number: i64,
    pub created_at: i64,
    pub category: String,
    pub urgency: String,
    pub building: String,
    pub estate: String,
    pub grid: String,
    pub community: String,
    pub status: String,
    pub assignee_role: Option<String>,
    pub escalation_level: i64,
    /// How many deadlines were missed.
    pub escalations: i64,
    pub accepted_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub reopened: i64,
    pub rating: Option<i64>,
    pub description: String,
    /// For filtering by an admin's part of the tree; not exported.
    pub building_id: i64,
    /// Made by a liaison's visit to a household: its description is the
    /// visit's note, care data never exported.
    pub from_visit: bool,
}

impl Tx {
    /// Requests created in `[from, to)` (epoch milliseconds), oldest first.
    pub async fn export_requests(&mut self, from: i64, to: i64) -> Result<Vec<ExportRow>> {
        Ok(on!(self, |c| {
            sqlx::query_as(
            "SELECT q.number, q.created_at, q.category, q.urgency, b.code AS building, e.name AS estate, \
             g.name AS grid, m.name AS community, q.status, q.assignee_role, q.escalation_level, \
             (SELECT MIN(v.at) FROM events v WHERE v.request_id = q.id AND v.kind IN ('accepted', 'taken_over', 'claimed')) AS accepted_at, \
             (SELECT MAX(v.at) FROM events v WHERE v.request_id = q.id AND v.kind = 'resolved') AS resolved_at, \
             (SELECT MAX(v.at) FROM events v WHERE v.request_id = q.id AND v.kind IN ('confirmed', 'auto_closed')) AS closed_at, \
             (SELECT COUNT(*) FROM events v WHERE v.request_id = q.id AND v.kind = 'reopened') AS reopened, \
             (SELECT COUNT(*) FROM events v WHERE v.request_id = q.id AND v.kind = 'escalated') AS escalations, \
             q.rating, q.description, q.building_id, \
             EXISTS (SELECT 1 FROM visits s WHERE s.request_id = q.id) AS from_visit \
             FROM requests q JOIN units b ON b.id = q.building_id JOIN units e ON e.id = b.parent_id \
             JOIN units g ON g.id = e.parent_id JOIN units m ON m.id = g.parent_id \
             WHERE q.created_at >= $1 AND q.created_at < $2 ORDER BY q.created_at, q.id"
        )
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
        })?)
    }
}
