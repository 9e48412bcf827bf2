//! Requests and their attachments.

use sqlx::FromRow;

use super::followers::households_of;
use super::{Result, StoreError, Tx, exec, on};
use crate::domain::routing::Assignment;
use crate::domain::{Attachment, Category, PersonId, RequestId, RequestNumber, Role, Status, UnitId, Urgency};

/// A request about to be created, as routing and its clock left it.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub community: UnitId,
    pub resident: PersonId,
    pub building: UnitId,
    pub room: Option<String>,
    pub category: Category,
    pub urgency: Urgency,
    pub description: String,
    pub attachments: Vec<Attachment>,
    /// Whoever routing chose; `None` leaves the request open with nobody
    /// assigned.
    pub assignment: Option<Assignment>,
    pub accept_due_at: Option<i64>,
    pub now: i64,
}

/// A request with what a card or a status line needs to show it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestView {
    pub id: RequestId,
    pub number: RequestNumber,
    pub resident: Option<PersonId>,
    pub building_code: String,
    pub estate_name: String,
    pub room: Option<String>,
    pub category: Category,
    pub urgency: Urgency,
    pub description: String,
    pub status: Status,
    pub assignee: Option<PersonId>,
    pub assignee_role: Option<Role>,
    pub escalation_level: i64,
    pub escalated_to: Option<PersonId>,
    pub reminders_sent: i64,
    pub accept_due_at: Option<i64>,
    pub resolve_due_at: Option<i64>,
    pub created_at: i64,
    pub attachments: Vec<Attachment>,
    /// The households it affects: its reporter's and its followers'.
    pub households: i64,
}

/// One line of a resident's `/my` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    pub id: RequestId,
    pub number: RequestNumber,
    pub category: Category,
    pub status: Status,
    pub created_at: i64,
    /// Someone else's request the resident follows ("Me too", a known
    /// outage, or their own merged into it), not one they reported.
    pub following: bool,
    /// The request it was merged into, while it is merged.
    pub merged_into: Option<RequestNumber>,
}

#[derive(FromRow)]
struct ViewRow {
    id: i64,
    number: i64,
    resident_id: Option<i64>,
    building_code: String,
    estate_name: String,
    room: Option<String>,
    category: String,
    urgency: String,
    description: String,
    status: String,
    assignee_id: Option<i64>,
    assignee_role: Option<String>,
    escalation_level: i64,
    escalated_to: Option<i64>,
    reminders_sent: i64,
    accept_due_at: Option<i64>,
    resolve_due_at: Option<i64>,
    created_at: i64,
    households: i64,
}

#[derive(FromRow)]
struct AttachmentRow {
    kind: String,
    file_id: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value}"))
}

fn attachment_from(row: AttachmentRow) -> Result<Attachment> {
    let file = || row.file_id.clone().ok_or_else(|| corrupt("attachment without file", &row.kind));
    Ok(match row.kind.as_str() {
        "photo" => Attachment::Photo { file_id: file()? },
        "voice" => Attachment::Voice { file_id: file()? },
        "video" => Attachment::Video { file_id: file()? },
        "document" => Attachment::Document { file_id: file()? },
        "location" => Attachment::Location {
            latitude: row.latitude.unwrap_or_default(),
            longitude: row.longitude.unwrap_or_default(),
        },
        other => return Err(corrupt("attachment kind", other)),
    })
}

impl Tx {
    /// Takes the next request number of a community. The counter's row stays
    /// locked until this transaction ends, so reports in one community take
    /// their numbers one after another; a number taken by a transaction that
    /// rolls back is given again.
    pub async fn next_request_number(&mut self, community: UnitId) -> Result<RequestNumber> {
        let next: i64 = on!(self, |c| sqlx::query_scalar(
            "UPDATE units SET next_request_number = next_request_number + 1 WHERE id = $1 \
             RETURNING next_request_number - 1"
        )
        .bind(community.0)
        .fetch_one(c)
        .await)?;
        Ok(RequestNumber(next))
    }

    /// Creates an open request, already assigned as routing decided and
    /// with the deadline its clock set, and returns it as it now stands.
    pub async fn insert_request(&mut self, new: &NewRequest, number: RequestNumber) -> Result<RequestView> {
        let assignment = new.assignment.as_ref();
        let level = assignment.map_or(0, |a| i64::from(a.level));
        let id: i64 = on!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO requests (community_id, number, resident_id, building_id, room, category, urgency, \
             description, status, assignee_id, assignee_role, escalation_level, accept_due_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11, $12, $13, $13) RETURNING id",
            )
            .bind(new.community.0)
            .bind(number.0)
            .bind(new.resident.0)
            .bind(new.building.0)
            .bind(new.room.as_deref())
            .bind(new.category.as_str())
            .bind(new.urgency.as_str())
            .bind(&new.description)
            .bind(assignment.map(|a| a.person.0))
            .bind(assignment.map(|a| a.role.as_str()))
            .bind(level)
            .bind(new.accept_due_at)
            .bind(new.now)
            .fetch_one(c)
            .await
        })?;
        for (position, attachment) in new.attachments.iter().enumerate() {
            let (file_id, latitude, longitude) = match attachment {
                Attachment::Photo { file_id }
                | Attachment::Voice { file_id }
                | Attachment::Video { file_id }
                | Attachment::Document { file_id } => (Some(file_id.as_str()), None, None),
                Attachment::Location { latitude, longitude } => (None, Some(*latitude), Some(*longitude)),
            };
            exec!(self, |c| {
                sqlx::query(
                "INSERT INTO attachments (request_id, position, kind, file_id, latitude, longitude) VALUES ($1, $2, $3, $4, $5, $6)"
            )
            .bind(id)
            .bind(position as i64)
            .bind(attachment.kind())
            .bind(file_id)
            .bind(latitude)
            .bind(longitude)
            .execute(c)
            .await
            })?;
        }
        self.request_view(RequestId(id)).await?.ok_or_else(|| StoreError::Corrupt("a request just made is gone".into()))
    }

    pub async fn assign(
        &mut self,
        request: RequestId,
        assignment: &Assignment,
        accept_due_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        exec!(self, |c| {
            sqlx::query(
                "UPDATE requests SET assignee_id = $1, assignee_role = $2, escalation_level = $3, accept_due_at = $4, \
             status = 'open', escalated_to = NULL, reminders_sent = 0, updated_at = $5 WHERE id = $6",
            )
            .bind(assignment.person.0)
            .bind(assignment.role.as_str())
            .bind(i64::from(assignment.level))
            .bind(accept_due_at)
            .bind(now)
            .bind(request.0)
            .execute(c)
            .await
        })?;
        Ok(())
    }

    /// Moves a request from `from` to `to` if, and only if, it is still in
    /// `from` and `actor` is its assignee. Two responders racing get exactly
    /// one `true`.
    pub async fn transition_as_assignee(
        &mut self,
        request: RequestId,
        actor: PersonId,
        from: Status,
        to: Status,
        now: i64,
    ) -> Result<bool> {
        let result = exec!(self, |c| {
            sqlx::query(
                "UPDATE requests SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4 AND assignee_id = $5",
            )
            .bind(to.as_str())
            .bind(now)
            .bind(request.0)
            .bind(from.as_str())
            .bind(actor.0)
            .execute(c)
            .await
        })?;
        Ok(result == 1)
    }

    /// Like [`Tx::transition_as_assignee`], for the resident of a request.
    pub async fn transition_by_resident(
        &mut self,
        request: RequestId,
        resident: PersonId,
        from: Status,
        to: Status,
        now: i64,
    ) -> Result<bool> {
        let changed = exec!(self, |c| sqlx::query(
            "UPDATE requests SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4 AND resident_id = $5"
        )
        .bind(to.as_str())
        .bind(now)
        .bind(request.0)
        .bind(from.as_str())
        .bind(resident.0)
        .execute(c)
        .await)?;
        Ok(changed == 1)
    }

    /// Gives a still-open request to a volunteer who claims it, accepted.
    /// Returns whether the claim won.
    pub async fn claim_open_request(&mut self, request: RequestId, volunteer: PersonId, now: i64) -> Result<bool> {
        let claimed = exec!(self, |c| sqlx::query(
            "UPDATE requests SET assignee_id = $1, assignee_role = 'volunteer', status = 'accepted', \
             escalated_to = NULL, reminders_sent = 0, updated_at = $2 WHERE id = $3 AND status = 'open'"
        )
        .bind(volunteer.0)
        .bind(now)
        .bind(request.0)
        .execute(c)
        .await)?;
        Ok(claimed == 1)
    }

    /// Closes a resolved request; returns whether it was still resolved.
    pub async fn close_resolved(&mut self, request: RequestId, now: i64) -> Result<bool> {
        let closed = exec!(self, |c| sqlx::query(
            "UPDATE requests SET status = 'closed', updated_at = $1 WHERE id = $2 AND status = 'resolved'"
        )
        .bind(now)
        .bind(request.0)
        .execute(c)
        .await)?;
        Ok(closed == 1)
    }

    /// Records a rating, once; returns whether it was the first.
    pub async fn set_rating(&mut self, request: RequestId, stars: u8) -> Result<bool> {
        let rated = exec!(self, |c| sqlx::query("UPDATE requests SET rating = $1 WHERE id = $2 AND rating IS NULL")
            .bind(i64::from(stars))
            .bind(request.0)
            .execute(c)
            .await)?;
        Ok(rated == 1)
    }

    pub async fn request_view(&mut self, request: RequestId) -> Result<Option<RequestView>> {
        let row: Option<ViewRow> = on!(self, |c| {
            sqlx::query_as(concat!(
            "SELECT q.id, q.number, q.resident_id, b.code AS building_code, e.name AS estate_name, q.room, q.category, \
             q.urgency, q.description, q.status, q.assignee_id, q.assignee_role, q.escalation_level, q.escalated_to, \
             q.reminders_sent, q.accept_due_at, q.resolve_due_at, q.created_at, \
             CASE WHEN EXISTS (SELECT 1 FROM followers f WHERE f.request_id = $1) THEN (", households_of!(
                "SELECT resident_id AS person_id FROM requests WHERE id = $1 AND resident_id IS NOT NULL \
                 UNION SELECT person_id FROM followers WHERE request_id = $1"
            ), ") ELSE 1 END AS households \
             FROM requests q JOIN units b ON b.id = q.building_id JOIN units e ON e.id = b.parent_id \
             WHERE q.id = $1"
        ))
        .bind(request.0)
        .fetch_optional(c)
        .await
        })?;
        let Some(row) = row else { return Ok(None) };
        let attachments: Vec<AttachmentRow> = on!(self, |c| {
            sqlx::query_as(
                "SELECT kind, file_id, latitude, longitude FROM attachments WHERE request_id = $1 ORDER BY position",
            )
            .bind(request.0)
            .fetch_all(c)
            .await
        })?;
        Ok(Some(RequestView {
            id: RequestId(row.id),
            number: RequestNumber(row.number),
            resident: row.resident_id.map(PersonId),
            building_code: row.building_code,
            estate_name: row.estate_name,
            room: row.room,
            category: Category::parse(&row.category).ok_or_else(|| corrupt("category", &row.category))?,
            urgency: Urgency::parse(&row.urgency).ok_or_else(|| corrupt("urgency", &row.urgency))?,
            description: row.description,
            status: Status::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
            assignee: row.assignee_id.map(PersonId),
            assignee_role: row.assignee_role.as_deref().and_then(Role::parse),
            escalation_level: row.escalation_level,
            escalated_to: row.escalated_to.map(PersonId),
            reminders_sent: row.reminders_sent,
            accept_due_at: row.accept_due_at,
            resolve_due_at: row.resolve_due_at,
            created_at: row.created_at,
            attachments: attachments.into_iter().map(attachment_from).collect::<Result<_>>()?,
            households: row.households,
        }))
    }

    /// The requests `resident` reported and those they follow, the latest
    /// first (a followed one by when they began to follow it), at most
    /// `limit`.
    pub async fn requests_of_resident(&mut self, resident: PersonId, limit: i64) -> Result<Vec<RequestSummary>> {
        type Row = (i64, i64, String, String, i64, i64, Option<i64>);
        let rows: Vec<Row> = on!(self, |c| {
            sqlx::query_as(
                "SELECT id, number, category, status, created_at, following, merged_number FROM ( \
                   SELECT q.id, q.number, q.category, q.status, q.created_at, CAST(0 AS BIGINT) AS following, \
                     m.number AS merged_number, q.created_at AS latest \
                   FROM requests q LEFT JOIN requests m ON m.id = q.merged_into WHERE q.resident_id = $1 \
                   UNION ALL \
                   SELECT q.id, q.number, q.category, q.status, q.created_at, CAST(1 AS BIGINT), m.number, f.since \
                   FROM followers f JOIN requests q ON q.id = f.request_id \
                   LEFT JOIN requests m ON m.id = q.merged_into WHERE f.person_id = $1) mine \
                 ORDER BY latest DESC, id DESC LIMIT $2 + 0",
            )
            .bind(resident.0)
            .bind(limit)
            .fetch_all(c)
            .await
        })?;
        rows.into_iter()
            .map(|(id, number, category, status, created_at, following, merged_into)| {
                Ok(RequestSummary {
                    id: RequestId(id),
                    number: RequestNumber(number),
                    category: Category::parse(&category).ok_or_else(|| corrupt("category", &category))?,
                    status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
                    created_at,
                    following: following != 0,
                    merged_into: merged_into.map(RequestNumber),
                })
            })
            .collect()
    }

    /// Records how far up a request has been escalated, and to whom.
    /// Escalates a request only if it is still in the status and at the
    /// level the firing timer saw: an accept committed meanwhile (by another
    /// instance, say) wins, and the escalation does nothing.
    pub async fn escalate_if(
        &mut self,
        request: RequestId,
        seen: (Status, i64),
        level: i64,
        to: PersonId,
        now: i64,
    ) -> Result<bool> {
        let escalated = exec!(self, |c| sqlx::query(
            "UPDATE requests SET escalation_level = $1, escalated_to = $2, updated_at = $3 \
             WHERE id = $4 AND status = $5 AND escalation_level = $6"
        )
        .bind(level)
        .bind(to.0)
        .bind(now)
        .bind(request.0)
        .bind(seen.0.as_str())
        .bind(seen.1)
        .execute(c)
        .await)?;
        Ok(escalated == 1)
    }

    pub async fn set_escalation(
        &mut self,
        request: RequestId,
        level: i64,
        to: Option<PersonId>,
        now: i64,
    ) -> Result<()> {
        exec!(self, |c| sqlx::query(
            "UPDATE requests SET escalation_level = $1, escalated_to = $2, updated_at = $3 WHERE id = $4"
        )
        .bind(level)
        .bind(to.map(|p| p.0))
        .bind(now)
        .bind(request.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn set_reminders_sent(&mut self, request: RequestId, sent: i64) -> Result<()> {
        exec!(self, |c| sqlx::query("UPDATE requests SET reminders_sent = $1 WHERE id = $2")
            .bind(sent)
            .bind(request.0)
            .execute(c)
            .await)?;
        Ok(())
    }

    pub async fn set_due(
        &mut self,
        request: RequestId,
        accept_due_at: Option<i64>,
        resolve_due_at: Option<i64>,
    ) -> Result<()> {
        exec!(self, |c| sqlx::query("UPDATE requests SET accept_due_at = $1, resolve_due_at = $2 WHERE id = $3")
            .bind(accept_due_at)
            .bind(resolve_due_at)
            .bind(request.0)
            .execute(c)
            .await)?;
        Ok(())
    }

    /// Someone above the assignee takes the request on themselves, if it is
    /// still active. Returns whether it was taken.
    pub async fn take_over(
        &mut self,
        request: RequestId,
        actor: PersonId,
        role: Role,
        level: i64,
        now: i64,
    ) -> Result<bool> {
        let taken = exec!(self, |c| sqlx::query(
            "UPDATE requests SET assignee_id = $1, assignee_role = $2, escalation_level = $3, status = 'accepted', \
             escalated_to = NULL, reminders_sent = 0, updated_at = $4 WHERE id = $5 AND status IN ('open', 'accepted')"
        )
        .bind(actor.0)
        .bind(role.as_str())
        .bind(level)
        .bind(now)
        .bind(request.0)
        .execute(c)
        .await)?;
        Ok(taken == 1)
    }

    /// The lowest level of the request's chain at which `person` holds a
    /// routing role.
    pub async fn level_in_chain(&mut self, request: &RequestView, person: PersonId, now: i64) -> Result<Option<i64>> {
        let building = self.request_building(request.id).await?;
        let chain = self.routing_chain(building, Some(request.id), now).await?;
        Ok(chain
            .iter()
            .position(|level| level.candidates.iter().any(|c| c.person == person && c.role.routing_rank().is_some()))
            .map(|index| index as i64))
    }

    pub async fn active_requests_assigned_to(&mut self, person: PersonId) -> Result<Vec<RequestId>> {
        let ids: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT id FROM requests WHERE assignee_id = $1 AND status IN ('open', 'accepted') ORDER BY id"
        )
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        Ok(ids.into_iter().map(RequestId).collect())
    }

    /// The requests `resident` reported that are still open or accepted.
    pub async fn active_requests_of_resident(&mut self, resident: PersonId) -> Result<Vec<RequestId>> {
        let ids: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT id FROM requests WHERE resident_id = $1 AND status IN ('open', 'accepted') ORDER BY id"
        )
        .bind(resident.0)
        .fetch_all(c)
        .await)?;
        Ok(ids.into_iter().map(RequestId).collect())
    }

    /// The open requests nobody holds in the buildings under the units where
    /// `person` holds a role, oldest first: those they may now be the first
    /// available responder for.
    pub async fn unassigned_requests_under_roles_of(&mut self, person: PersonId) -> Result<Vec<RequestId>> {
        let ids: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "WITH RECURSIVE below (id) AS ( \
               SELECT unit_id FROM roles WHERE person_id = $1 \
               UNION \
               SELECT u.id FROM units u JOIN below b ON u.parent_id = b.id) \
             SELECT id FROM requests WHERE status = 'open' AND assignee_id IS NULL \
               AND building_id IN (SELECT id FROM below) ORDER BY id"
        )
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        Ok(ids.into_iter().map(RequestId).collect())
    }

    pub async fn request_building(&mut self, request: RequestId) -> Result<UnitId> {
        let building: i64 = on!(self, |c| sqlx::query_scalar("SELECT building_id FROM requests WHERE id = $1")
            .bind(request.0)
            .fetch_one(c)
            .await)?;
        Ok(UnitId(building))
    }

    /// Leaves a request open with nobody assigned, when routing found no one.
    pub async fn unassign(&mut self, request: RequestId, now: i64) -> Result<()> {
        exec!(self, |c| {
            sqlx::query(
                "UPDATE requests SET assignee_id = NULL, assignee_role = NULL, accept_due_at = NULL, status = 'open', \
             updated_at = $1 WHERE id = $2",
            )
            .bind(now)
            .bind(request.0)
            .execute(c)
            .await
        })?;
        Ok(())
    }
}
