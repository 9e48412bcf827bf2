//! Use cases of the admin console: who may do what where, invitations,
//! reassignment by an admin and the figures behind `/stats`.

use chrono::{DateTime, Utc};

use super::clock::{self, Policy};
use crate::domain::directory::{Problem, UnitIndex};
use crate::domain::events::Event;
use crate::domain::routing::Assignment;
use crate::domain::scope::AdminScope;
use crate::domain::stats::RequestFacts;
use crate::domain::{Category, PersonId, RequestId, Role, Status, TelegramId, Unit, UnitId};
use crate::store::{RequestView, StoreError, TimelineEntry, Tx, millis};

/// How long an invitation link stays valid.
pub const INVITATION_DAYS: i64 = 7;

/// An admin's reach, with the unit tree to test it against.
pub struct Authority {
    pub scope: AdminScope,
    pub units: Vec<Unit>,
}

impl Authority {
    pub async fn of(
        tx: &mut Tx,
        person: PersonId,
        telegram: TelegramId,
        admin_ids: &[TelegramId],
    ) -> Result<Self, StoreError> {
        let units = tx.units().await?;
        let scope = if admin_ids.contains(&telegram) {
            AdminScope::Everywhere
        } else {
            let roots: Vec<UnitId> =
                tx.roles_of(person).await?.into_iter().filter(|r| r.role == Role::Admin).map(|r| r.unit).collect();
            if roots.is_empty() { AdminScope::Nowhere } else { AdminScope::Units(roots) }
        };
        Ok(Authority { scope, units })
    }

    pub fn index(&self) -> UnitIndex<'_> {
        UnitIndex::new(&self.units)
    }

    pub fn covers(&self, unit: UnitId) -> bool {
        self.scope.covers(&self.index(), unit)
    }

    pub fn has_community(&self) -> bool {
        self.scope.has_community(&self.index())
    }

    pub fn sees_sensitive(&self, unit: UnitId) -> bool {
        self.scope.sees_sensitive(&self.index(), unit)
    }

    pub fn roots(&self) -> Vec<UnitId> {
        self.scope.roots(&self.index(), &self.units)
    }

    /// A unit named the way `people.csv` names them (a building code or a
    /// name path), if it is within reach.
    pub fn resolve(&self, reference: &str) -> Result<&Unit, UnitRefusal> {
        let unit = self.index().resolve(reference).map_err(|problem| match problem {
            Problem::AmbiguousUnit { example, .. } => UnitRefusal::Ambiguous { example },
            _ => UnitRefusal::Unknown,
        })?;
        if self.covers(unit.id) { Ok(unit) } else { Err(UnitRefusal::OutsideScope) }
    }

    /// "绿杨社区 / 第一网格 / 绿杨东苑"
    pub fn path(&self, unit: UnitId) -> String {
        self.index().path(unit).join(" / ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitRefusal {
    Unknown,
    /// Several units have that name; `example` is a path that tells one.
    Ambiguous {
        example: String,
    },
    OutsideScope,
}

/// A fresh invitation code: 22 characters Telegram allows in a start
/// parameter, unguessable.
pub fn invitation_code() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..22].to_string()
}

pub async fn invite(
    tx: &mut Tx,
    actor: PersonId,
    role: Role,
    unit: UnitId,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let code = invitation_code();
    let now_ms = millis(now);
    let expires = now_ms + INVITATION_DAYS * 24 * 3_600_000;
    tx.create_invitation(&code, role, unit, actor, now_ms, expires).await?;
    tx.record_event(None, Some(actor), &Event::Invited { role, unit: unit.0 }, now_ms).await?;
    Ok(code)
}

/// Uses an invitation for `person`; `None` when it is unknown, used or
/// expired.
pub async fn accept_invitation(
    tx: &mut Tx,
    code: &str,
    person: PersonId,
    now: DateTime<Utc>,
) -> Result<Option<(Role, UnitId)>, StoreError> {
    let now_ms = millis(now);
    let Some((role, unit)) = tx.use_invitation(code, person, now_ms).await? else { return Ok(None) };
    tx.grant_role(person, role, unit).await?;
    tx.record_event(None, Some(person), &Event::InvitationAccepted { role, unit: unit.0 }, now_ms).await?;
    Ok(Some((role, unit)))
}

#[derive(Debug, Clone, PartialEq)]
pub enum AdminAssignOutcome {
    Assigned {
        request: RequestView,
        previous: Option<PersonId>,
    },
    /// The person holds no responder role on the request's way up the tree,
    /// or cannot be reached through Telegram.
    NotAResponder,
    NoLongerOpen(RequestView),
    Missing,
}

/// An admin gives an active request to a responder on its chain, with a
/// reason for the record; the new assignee's accept clock starts afresh.
pub async fn assign(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    to: PersonId,
    reason: &str,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<AdminAssignOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(AdminAssignOutcome::Missing) };
    if !view.status.is_active() {
        return Ok(AdminAssignOutcome::NoLongerOpen(view));
    }
    let now_ms = millis(now);
    let building = tx.request_building(request).await?;
    let chain = tx.routing_chain(building, Some(request), now_ms).await?;
    let found = chain.iter().enumerate().find_map(|(level, unit)| {
        unit.candidates
            .iter()
            .filter(|c| c.person == to && c.bound && c.reachable && c.role.routing_rank().is_some())
            .min_by_key(|c| c.role.routing_rank())
            .map(|c| Assignment { person: to, role: c.role, unit: unit.unit, level: u8::try_from(level).unwrap_or(0) })
    });
    let Some(assignment) = found else { return Ok(AdminAssignOutcome::NotAResponder) };
    let previous = view.assignee.filter(|p| *p != to);
    tx.assign(request, &assignment, None, now_ms).await?;
    let event = Event::AssignedByAdmin { to: to.0, reason: reason.to_string() };
    tx.record_event(Some(request), Some(actor), &event, now_ms).await?;
    let assigned = tx.request_view(request).await?.ok_or_else(|| StoreError::Corrupt("request vanished".into()))?;
    let request = clock::restart(tx, &assigned, policy, now).await?;
    Ok(AdminAssignOutcome::Assigned { request, previous })
}

/// The longest internal note kept; the rest is cut.
pub const NOTE_MAX_CHARS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteOutcome {
    Added,
    /// Nothing but white space was written.
    Empty,
    Missing,
}

/// Someone in the office writes a note on a request for the responders and
/// the office (never shown to residents); the caller has checked that the
/// request lies within their reach.
pub async fn add_note(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    note: &str,
    now: i64,
) -> Result<NoteOutcome, StoreError> {
    let note: String = note.trim().chars().take(NOTE_MAX_CHARS).collect();
    if note.is_empty() {
        return Ok(NoteOutcome::Empty);
    }
    if tx.request_view(request).await?.is_none() {
        return Ok(NoteOutcome::Missing);
    }
    tx.record_event(Some(request), Some(actor), &Event::InternalNote { note }, now).await?;
    Ok(NoteOutcome::Added)
}

/// A request's whole timeline for an admin, who is recorded as having seen
/// it (with its sensitive details when `sensitive`).
pub async fn view_timeline(
    tx: &mut Tx,
    request: RequestId,
    viewer: PersonId,
    sensitive: bool,
    now: i64,
) -> Result<Vec<TimelineEntry>, StoreError> {
    let timeline = tx.timeline(request).await?;
    tx.record_event(Some(request), Some(viewer), &Event::TimelineViewed { sensitive }, now).await?;
    Ok(timeline)
}

/// The facts of requests created in `[from, to)` in buildings the authority
/// covers.
pub async fn stats_facts(
    tx: &mut Tx,
    authority: &Authority,
    from: i64,
    to: i64,
) -> Result<Vec<RequestFacts>, StoreError> {
    let rows = tx.export_requests(from, to).await?;
    Ok(rows
        .into_iter()
        .filter(|row| authority.covers(UnitId(row.building_id)))
        .filter_map(|row| {
            Some(RequestFacts {
                category: Category::parse(&row.category)?,
                status: Status::parse(&row.status)?,
                grid: row.grid,
                building: row.building,
                created_at: row.created_at,
                accepted_at: row.accepted_at,
                resolved_at: row.resolved_at,
                reopened: u32::try_from(row.reopened).unwrap_or(0),
                rating: row.rating.and_then(|r| u8::try_from(r).ok()),
                escalated: row.escalations > 0,
            })
        })
        .collect())
}
