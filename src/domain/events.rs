//! The append-only story of a request, and of admin actions.

use serde::{Deserialize, Serialize};

use super::request::{Category, Status, Urgency};
use super::routing::RoutingDecision;
use super::unit::Role;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Created {
        category: Category,
        urgency: Urgency,
        attachments: usize,
    },
    /// Routing found a responder; `decision` says who was passed over and why.
    Routed {
        decision: RoutingDecision,
    },
    /// Routing found nobody at all.
    Unroutable {
        decision: RoutingDecision,
    },
    Accepted,
    Declined {
        reason: String,
    },
    Cancelled,
    /// The responder says it is done, with a note of what was done.
    Resolved {
        note: String,
    },
    /// The resident confirmed the fix.
    Confirmed,
    /// The resident says it is not fixed; it goes back to the responder.
    Reopened {
        reason: String,
    },
    Rated {
        stars: u8,
    },
    /// Nobody answered "is it fixed?" in time.
    AutoClosed,
    /// A message passed between resident and responder through the bot.
    Relayed {
        from_resident: bool,
        text: String,
        attachment: Option<String>,
    },
    /// The assignee went away; the request moved on to their cover.
    AssigneeAway,
    /// The resident was asked whether a closed request is still fixed.
    FollowedUp,
    /// A volunteer request was offered to these volunteers at once.
    OfferedToVolunteers {
        persons: Vec<i64>,
    },
    /// A volunteer claimed it first.
    Claimed,
    /// The assignee was warned that a deadline is near.
    Warned {
        to: i64,
    },
    /// A deadline of the clock for `missed` was missed; `to` at `level` was
    /// asked to take over or reassign.
    Escalated {
        level: i64,
        to: i64,
        missed: Status,
        decision: RoutingDecision,
    },
    /// An emergency alerted these responders above the assignee at once.
    AlertedEveryLevel {
        persons: Vec<i64>,
    },
    Reminded {
        n: i64,
    },
    RemindersExhausted,
    TakenOver,
    /// The assignee turned out to be unreachable (blocked the bot…).
    AssigneeUnreachable,
    /// A person had everything identifying them erased.
    Forgotten,
    Reassigned {
        to: i64,
    },
    ServiceLevelChanged {
        urgency: Urgency,
        deadline: String,
        seconds: u64,
    },
    HolidayChanged {
        day: String,
        added: bool,
    },
    /// An admin added a category to the volunteer pool or took it out.
    PoolChanged {
        category: Category,
        pooled: bool,
    },
    /// An admin exported this many requests.
    Exported {
        rows: u64,
    },
    DirectoryImported {
        file: String,
        created: u64,
        updated: u64,
        unchanged: u64,
    },
    PhoneBound {
        roles_gained: u64,
    },
    NotificationUndeliverable {
        reason: String,
    },
    /// An admin created an invitation to `role` on `unit`.
    Invited {
        role: Role,
        unit: i64,
    },
    InvitationAccepted {
        role: Role,
        unit: i64,
    },
    /// An admin gave the request to `to`, saying why.
    AssignedByAdmin {
        to: i64,
        reason: String,
    },
    RoleGranted {
        person: i64,
        role: Role,
        unit: i64,
    },
    RoleRevoked {
        person: i64,
        role: Role,
        unit: i64,
    },
    /// An admin sent a notice to the residents of `unit`.
    NoticeSent {
        notice: i64,
        unit: i64,
        recipients: u64,
    },
    /// An admin looked at a request's timeline (sensitive details included
    /// when `sensitive`).
    TimelineViewed {
        sensitive: bool,
    },
    /// The actor follows this request: they pressed "Me too", or reported
    /// into a known outage (`outage`).
    Followed {
        outage: bool,
    },
    /// Marked a duplicate of request `into`; its reporter and followers
    /// follow that one now.
    Merged {
        into: i64,
        from_status: Status,
    },
    /// Request `from` was merged into this one.
    MergedFrom {
        from: i64,
    },
    /// A merge into `from` was undone.
    Unmerged {
        from: i64,
    },
    /// The request was declared a known outage of these units.
    OutageDeclared {
        units: Vec<i64>,
    },
    OutageEnded,
    /// The category came back in the building: recurring problem `problem`
    /// links this request.
    Recurring {
        problem: i64,
    },
    /// An admin changed the numbers of the recurring-problem rule.
    RecurringRuleChanged {
        window_days: u32,
        min_requests: u32,
        min_households: u32,
        after_close_days: u32,
    },
    /// An admin marked a category estate-wide or not.
    EstateWideChanged {
        category: Category,
        estate_wide: bool,
    },
    /// The resident turned their daily check-ins on (at `minute` after
    /// midnight), paused them or turned them off: their own choice.
    CheckinsChanged {
        state: String,
        minute: i64,
    },
    /// A liaison proposed daily check-ins to resident `person`.
    CheckinsProposed {
        person: i64,
        minute: i64,
    },
    /// The resident declined their liaison's proposal.
    CheckinsDeclined,
    /// Checked in on resident `person`'s behalf (a relative who spoke to
    /// them), or `person` checked in late.
    CheckedIn {
        person: i64,
        late: bool,
    },
    /// A check-in alert about resident `person` closed with `outcome`.
    CheckinAlertClosed {
        person: i64,
        outcome: String,
    },
    /// A relative was linked to the resident through `/family`.
    FamilyLinked {
        resident: i64,
    },
    /// A note for the responders and the office, never shown to residents.
    InternalNote {
        note: String,
    },
}

impl Event {
    /// Erases the free text people wrote into an event (a relayed message,
    /// a note, a reason), keeping what happened; returns whether anything
    /// was erased. Used when a person is forgotten and when a request passes
    /// its retention.
    pub fn blank_texts(&mut self) -> bool {
        let text = match self {
            Event::Relayed { text, .. } => text,
            Event::Resolved { note } | Event::InternalNote { note } => note,
            Event::Reopened { reason } | Event::Declined { reason } | Event::AssignedByAdmin { reason, .. } => reason,
            _ => return false,
        };
        let had = !text.is_empty();
        text.clear();
        had
    }

    /// The name stored in the `kind` column, for queries that filter on it.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Created { .. } => "created",
            Event::Routed { .. } => "routed",
            Event::Unroutable { .. } => "unroutable",
            Event::Accepted => "accepted",
            Event::Declined { .. } => "declined",
            Event::Resolved { .. } => "resolved",
            Event::Confirmed => "confirmed",
            Event::Reopened { .. } => "reopened",
            Event::Rated { .. } => "rated",
            Event::AutoClosed => "auto_closed",
            Event::Relayed { .. } => "relayed",
            Event::AssigneeAway => "assignee_away",
            Event::FollowedUp => "followed_up",
            Event::OfferedToVolunteers { .. } => "offered_to_volunteers",
            Event::Claimed => "claimed",
            Event::Cancelled => "cancelled",
            Event::Warned { .. } => "warned",
            Event::Escalated { .. } => "escalated",
            Event::AlertedEveryLevel { .. } => "alerted_every_level",
            Event::Reminded { .. } => "reminded",
            Event::RemindersExhausted => "reminders_exhausted",
            Event::TakenOver => "taken_over",
            Event::AssigneeUnreachable => "assignee_unreachable",
            Event::Forgotten => "forgotten",
            Event::Reassigned { .. } => "reassigned",
            Event::ServiceLevelChanged { .. } => "service_level_changed",
            Event::HolidayChanged { .. } => "holiday_changed",
            Event::Exported { .. } => "exported",
            Event::PoolChanged { .. } => "pool_changed",
            Event::DirectoryImported { .. } => "directory_imported",
            Event::PhoneBound { .. } => "phone_bound",
            Event::NotificationUndeliverable { .. } => "notification_undeliverable",
            Event::Invited { .. } => "invited",
            Event::InvitationAccepted { .. } => "invitation_accepted",
            Event::AssignedByAdmin { .. } => "assigned_by_admin",
            Event::RoleGranted { .. } => "role_granted",
            Event::RoleRevoked { .. } => "role_revoked",
            Event::NoticeSent { .. } => "notice_sent",
            Event::TimelineViewed { .. } => "timeline_viewed",
            Event::Followed { .. } => "followed",
            Event::Merged { .. } => "merged",
            Event::MergedFrom { .. } => "merged_from",
            Event::Unmerged { .. } => "unmerged",
            Event::OutageDeclared { .. } => "outage_declared",
            Event::OutageEnded => "outage_ended",
            Event::Recurring { .. } => "recurring",
            Event::RecurringRuleChanged { .. } => "recurring_rule_changed",
            Event::EstateWideChanged { .. } => "estate_wide_changed",
            Event::CheckinsChanged { .. } => "checkins_changed",
            Event::CheckinsProposed { .. } => "checkins_proposed",
            Event::CheckinsDeclined => "checkins_declined",
            Event::CheckedIn { .. } => "checked_in",
            Event::CheckinAlertClosed { .. } => "checkin_alert_closed",
            Event::FamilyLinked { .. } => "family_linked",
            Event::InternalNote { .. } => "internal_note",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_keeps_what_happened_and_erases_what_was_written() {
        let mut relayed = Event::Relayed { from_resident: true, text: "我妈妈摔倒了".into(), attachment: None };
        assert!(relayed.blank_texts());
        assert_eq!(relayed, Event::Relayed { from_resident: true, text: String::new(), attachment: None });
        assert!(!relayed.blank_texts(), "nothing left to erase");
        assert!(!Event::Accepted.blank_texts());
    }

    #[test]
    fn the_stored_kind_matches_the_serialised_tag() {
        let events = [
            Event::Accepted,
            Event::Created { category: Category::Other, urgency: Urgency::Normal, attachments: 0 },
            Event::PhoneBound { roles_gained: 1 },
            Event::AssignedByAdmin { to: 3, reason: "closer".into() },
            Event::NoticeSent { notice: 1, unit: 2, recipients: 3 },
            Event::Followed { outage: true },
            Event::Merged { into: 4, from_status: Status::Accepted },
            Event::MergedFrom { from: 5 },
            Event::Unmerged { from: 4 },
            Event::OutageDeclared { units: vec![2] },
            Event::OutageEnded,
            Event::Recurring { problem: 1 },
        ];
        for event in events {
            let json = serde_json::to_value(&event).unwrap();
            assert_eq!(json["kind"], event.kind());
        }
    }
}
