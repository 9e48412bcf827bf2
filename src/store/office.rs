//! What the office dashboard's queues, statistics and people pages read:
//! one query each, filtered by the viewer's authority in the caller (the
//! unit tree is small and already in memory there); and the open work under
//! a unit that the admin console's `/open` lists.

use sqlx::FromRow;

use super::{Result, StoreError, Tx, on};
use crate::domain::{Category, PersonId, RequestId, RequestNumber, Role, Status, UnitId, Urgency};

/// An open or accepted request, with what the dashboard's queues and the
/// console's `/open` show of it. The resident's name and phone are for the
/// caller to show only where sensitive details may be seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveRequest {
    pub id: RequestId,
    pub number: RequestNumber,
    pub building: UnitId,
    pub building_code: String,
    pub category: Category,
    pub urgency: Urgency,
    pub status: Status,
    pub description: String,
    pub assignee: Option<PersonId>,
    pub assignee_name: Option<String>,
    pub assignee_role: Option<Role>,
    pub escalation_level: i64,
    /// A deadline was missed and the request went up the chain.
    pub escalated: bool,
    pub accept_due_at: Option<i64>,
    pub resolve_due_at: Option<i64>,
    pub created_at: i64,
    pub resident_name: Option<String>,
    pub resident_phone: Option<String>,
}

#[derive(FromRow)]
struct ActiveRow {
    id: i64,
    number: i64,
    building_id: i64,
    building_code: String,
    category: String,
    urgency: String,
    status: String,
    description: String,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    assignee_role: Option<String>,
    escalation_level: i64,
    escalated: bool,
    accept_due_at: Option<i64>,
    resolve_due_at: Option<i64>,
    created_at: i64,
    resident_name: Option<String>,
    resident_phone: Option<String>,
}

impl ActiveRequest {
    /// The deadline the request's clock runs to now: accepting while open,
    /// resolving once accepted.
    pub fn due(&self) -> Option<i64> {
        match self.status {
            Status::Open => self.accept_due_at,
            _ => self.resolve_due_at,
        }
    }
}

impl TryFrom<ActiveRow> for ActiveRequest {
    type Error = StoreError;

    fn try_from(row: ActiveRow) -> Result<ActiveRequest> {
        Ok(ActiveRequest {
            id: RequestId(row.id),
            number: RequestNumber(row.number),
            building: UnitId(row.building_id),
            building_code: row.building_code,
            category: parse("category", &row.category, Category::parse(&row.category))?,
            urgency: parse("urgency", &row.urgency, Urgency::parse(&row.urgency))?,
            status: parse("status", &row.status, Status::parse(&row.status))?,
            description: row.description,
            assignee: row.assignee_id.map(PersonId),
            assignee_name: row.assignee_name,
            assignee_role: row.assignee_role.as_deref().and_then(Role::parse),
            escalation_level: row.escalation_level,
            escalated: row.escalated,
            accept_due_at: row.accept_due_at,
            resolve_due_at: row.resolve_due_at,
            created_at: row.created_at,
            resident_name: row.resident_name,
            resident_phone: row.resident_phone,
        })
    }
}

/// What both reads of [`ActiveRequest`]s select, up to their `WHERE`.
macro_rules! select_active {
    () => {
        "SELECT q.id, q.number, q.building_id, b.code AS building_code, q.category, q.urgency, q.status, \
         q.description, q.assignee_id, a.name AS assignee_name, q.assignee_role, q.escalation_level, \
         q.escalated_to IS NOT NULL AS escalated, q.accept_due_at, q.resolve_due_at, q.created_at, \
         r.name AS resident_name, r.phone AS resident_phone \
         FROM requests q JOIN units b ON b.id = q.building_id \
         LEFT JOIN people a ON a.id = q.assignee_id LEFT JOIN people r ON r.id = q.resident_id "
    };
}

/// What the statistics need of one request created in a period. Times are
/// epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RequestFactsRow {
    pub id: i64,
    pub number: i64,
    pub building_id: i64,
    pub category: String,
    pub status: String,
    pub created_at: i64,
    pub accepted_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub reopened: i64,
    /// How many deadlines were missed.
    pub escalations: i64,
    pub rating: Option<i64>,
}

/// One role of a person, with what the People page shows of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleHolder {
    pub person: PersonId,
    pub name: String,
    /// Whether they have a Telegram account the bot knows.
    pub bound: bool,
    pub reachable: bool,
    pub away_until: Option<i64>,
    pub role: Role,
    pub unit: UnitId,
    /// Open and accepted requests they hold.
    pub load: i64,
}

impl Tx {
    /// Every open or accepted request, oldest first. The `WHERE` is the one
    /// of the partial index `requests_active` (migration 0017), word for
    /// word, so that both backends read only the active rows through it.
    pub async fn office_active_requests(&mut self) -> Result<Vec<ActiveRequest>> {
        let rows: Vec<ActiveRow> = on!(self, |c| {
            sqlx::query_as(concat!(
                select_active!(),
                "WHERE q.status IN ('open', 'accepted') ORDER BY q.created_at, q.id"
            ))
            .fetch_all(c)
            .await
        })?;
        rows.into_iter().map(ActiveRequest::try_from).collect()
    }

    /// Requests waiting on a responder (open or accepted) in buildings on
    /// `root` or below, oldest first.
    pub async fn open_requests_under(&mut self, root: UnitId) -> Result<Vec<ActiveRequest>> {
        let rows: Vec<ActiveRow> = on!(self, |c| {
            sqlx::query_as(concat!(
                "WITH RECURSIVE sub (id) AS (SELECT id FROM units WHERE id = $1 \
                   UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) ",
                select_active!(),
                "WHERE q.status IN ('open', 'accepted') AND q.building_id IN (SELECT id FROM sub) \
                 ORDER BY q.created_at, q.id"
            ))
            .bind(root.0)
            .fetch_all(c)
            .await
        })?;
        rows.into_iter().map(ActiveRequest::try_from).collect()
    }

    /// The facts of the requests created in `[from, to)`, oldest first: the
    /// events are read in one pass grouped by request, not once per figure.
    pub async fn office_request_facts(&mut self, from: i64, to: i64) -> Result<Vec<RequestFactsRow>> {
        Ok(on!(self, |c| {
            sqlx::query_as(
                "SELECT q.id, q.number, q.building_id, q.category, q.status, q.created_at, \
                 MIN(CASE WHEN v.kind IN ('accepted', 'taken_over', 'claimed') THEN v.at END) AS accepted_at, \
                 MAX(CASE WHEN v.kind = 'resolved' THEN v.at END) AS resolved_at, \
                 COUNT(CASE WHEN v.kind = 'reopened' THEN 1 END) AS reopened, \
                 COUNT(CASE WHEN v.kind = 'escalated' THEN 1 END) AS escalations, \
                 q.rating \
                 FROM requests q LEFT JOIN events v ON v.request_id = q.id \
                 WHERE q.created_at >= $1 AND q.created_at < $2 \
                 GROUP BY q.id, q.number, q.building_id, q.category, q.status, q.created_at, q.rating \
                 ORDER BY q.created_at, q.id",
            )
            .bind(from)
            .bind(to)
            .fetch_all(c)
            .await
        })?)
    }

    /// Every role with its holder and how many active requests they hold,
    /// by unit, role and name.
    pub async fn office_role_holders(&mut self) -> Result<Vec<RoleHolder>> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, String, bool, bool, Option<i64>, String, i64, i64)> = on!(self, |c| {
            sqlx::query_as(
                "SELECT p.id, p.name, p.telegram_id IS NOT NULL, p.reachable, p.away_until, r.role, r.unit_id, \
                 (SELECT COUNT(*) FROM requests q WHERE q.assignee_id = p.id AND q.status IN ('open', 'accepted')) \
                 FROM roles r JOIN people p ON p.id = r.person_id ORDER BY r.unit_id, r.role, p.name, p.id",
            )
            .fetch_all(c)
            .await
        })?;
        rows.into_iter()
            .map(|(person, name, bound, reachable, away_until, role, unit, load)| {
                Ok(RoleHolder {
                    person: PersonId(person),
                    name,
                    bound,
                    reachable,
                    away_until,
                    role: parse("role", &role, Role::parse(&role))?,
                    unit: UnitId(unit),
                    load,
                })
            })
            .collect()
    }
}

fn parse<T>(what: &str, value: &str, parsed: Option<T>) -> Result<T> {
    parsed.ok_or_else(|| StoreError::Corrupt(format!("{what} {value}")))
}
