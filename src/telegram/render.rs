//! How domain values read in each language. Plain text only: nothing a user
//! wrote is ever interpreted as markup.

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

use super::callback::CallbackData;
use crate::domain::{Status, Urgency};
use crate::store::RequestView;
use crate::telegram::delivery::outgoing::Button;

pub use crate::i18n::labels::{category, level, role, status, urgency};

/// The urgency with examples, for the buttons the resident chooses from.
pub fn urgency_choice(l: &FluentLanguageLoader, urgency: Urgency) -> String {
    match urgency {
        Urgency::Emergency => fl!(l, "urgency-emergency-hint"),
        Urgency::Urgent => fl!(l, "urgency-urgent-hint"),
        Urgency::Normal => fl!(l, "urgency-normal-hint"),
        Urgency::Complex => fl!(l, "urgency-complex-hint"),
    }
}

/// Minutes, hours or days, whichever reads best.
pub fn duration(l: &FluentLanguageLoader, duration: std::time::Duration) -> String {
    let seconds = duration.as_secs();
    let minutes = seconds / 60;
    if seconds < 120 && !seconds.is_multiple_of(60) {
        fl!(l, "duration-seconds", n = seconds)
    } else if minutes < 120 {
        fl!(l, "duration-minutes", n = minutes)
    } else if minutes < 48 * 60 {
        fl!(l, "duration-hours", n = (minutes / 60))
    } else {
        fl!(l, "duration-days", n = (minutes / (24 * 60)))
    }
}

/// The card a responder receives: everything needed to act without asking.
pub fn card_text(l: &FluentLanguageLoader, request: &RequestView) -> String {
    let room = request.room.clone().unwrap_or_else(|| fl!(l, "card-no-room"));
    let mut text = fl!(
        l,
        "card",
        number = request.number.to_string(),
        category = category(l, request.category),
        urgency = urgency(l, request.urgency),
        estate = request.estate_name.clone(),
        building = request.building_code.clone(),
        room = room,
        description = request.description.clone(),
        status = status(l, request.status)
    );
    if !request.attachments.is_empty() {
        text.push('\n');
        text.push_str(&fl!(l, "card-attachments", count = request.attachments.len()));
    }
    if request.households > 1 {
        text.push('\n');
        text.push_str(&fl!(l, "card-households", households = request.households));
    }
    text
}

/// Who a card is for decides its buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardFor {
    /// The assignee: accept or decline.
    Assignee,
    /// Someone above the assignee: take over or reassign.
    Above,
    /// A volunteer offered the request: claim it.
    Volunteer,
}

/// The buttons that make sense for the request as it is now, for the one
/// who holds the card.
pub fn card_buttons(l: &FluentLanguageLoader, request: &RequestView, card_for: CardFor) -> Vec<Vec<Button>> {
    match (card_for, request.status) {
        (CardFor::Assignee, Status::Open) => vec![
            vec![
                Button::new(fl!(l, "button-accept"), CallbackData::Accept(request.id).encode()),
                Button::new(fl!(l, "button-decline"), CallbackData::Decline(request.id).encode()),
            ],
            vec![Button::new(fl!(l, "button-duplicate-of"), CallbackData::DuplicateOf(request.id).encode())],
        ],
        (CardFor::Assignee, Status::Accepted) => vec![
            vec![
                Button::new(fl!(l, "button-reply"), CallbackData::Talk(request.id).encode()),
                Button::new(fl!(l, "button-resolve"), CallbackData::Resolve(request.id).encode()),
            ],
            vec![Button::new(fl!(l, "button-duplicate-of"), CallbackData::DuplicateOf(request.id).encode())],
        ],
        (CardFor::Volunteer, Status::Open) => {
            vec![vec![Button::new(fl!(l, "button-claim"), CallbackData::Claim(request.id).encode())]]
        }
        (CardFor::Above, Status::Open | Status::Accepted) => vec![vec![
            Button::new(fl!(l, "button-take-over"), CallbackData::TakeOver(request.id).encode()),
            Button::new(fl!(l, "button-reassign"), CallbackData::Reassign(request.id).encode()),
        ]],
        _ => Vec::new(),
    }
}

/// One line of a request's timeline: what happened, with the requests and
/// units it `names` as people know them, and what was written unless
/// `hide_texts` (a sensitive request shown to someone who may not read its
/// details).
pub fn event(
    l: &FluentLanguageLoader,
    event: &crate::domain::events::Event,
    names: &[String],
    hide_texts: bool,
) -> String {
    use crate::domain::events::Event;
    let what = fl!(l, "event", kind = event.kind());
    let written = |text: &str| {
        if hide_texts { fl!(l, "sensitive-hidden") } else { text.chars().take(200).collect() }
    };
    let detail = match event {
        Event::Created { category: c, urgency: u, .. } => format!("{} · {}", category(l, *c), urgency(l, *u)),
        Event::Declined { reason } | Event::Reopened { reason } => written(reason),
        Event::Resolved { note } | Event::InternalNote { note } => written(note),
        Event::Relayed { text, .. } => written(text),
        Event::AssignedByAdmin { reason, .. } => reason.chars().take(200).collect(),
        Event::Rated { stars } => "★".repeat(usize::from(*stars)),
        Event::Escalated { level, .. } => format!("{}", level + 1),
        Event::Reminded { n } => n.to_string(),
        Event::NotificationUndeliverable { reason } => reason.chars().take(100).collect(),
        Event::Followed { outage: true } => fl!(l, "event-followed-outage"),
        Event::Followed { outage: false } => fl!(l, "event-followed-me-too"),
        Event::Merged { .. } | Event::MergedFrom { .. } | Event::Unmerged { .. } | Event::OutageDeclared { .. } => {
            names.join(", ")
        }
        _ => String::new(),
    };
    if detail.is_empty() { what } else { format!("{what}: {detail}") }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::i18n::{I18n, Locale};

    #[test]
    fn durations_take_the_plural_form_of_their_number() {
        let i18n = I18n::load().unwrap();
        let (en, zh) = (i18n.get(Locale::En), i18n.get(Locale::ZhCn));
        assert_eq!(duration(en, Duration::from_secs(1)), "1 second");
        assert_eq!(duration(en, Duration::from_secs(2)), "2 seconds");
        assert_eq!(duration(en, Duration::from_secs(60)), "1 minute");
        assert_eq!(duration(en, Duration::from_secs(30 * 60)), "30 minutes");
        assert_eq!(duration(en, Duration::from_secs(3 * 3600)), "3 hours");
        assert_eq!(duration(en, Duration::from_secs(2 * 86_400)), "2 days");
        assert_eq!(duration(zh, Duration::from_secs(1)), "1 秒");
        assert_eq!(duration(zh, Duration::from_secs(30 * 60)), "30 分钟");
    }

    #[test]
    fn every_event_of_a_request_s_timeline_reads_as_words_and_never_as_its_stored_kind() {
        use crate::domain::Category;
        use crate::domain::events::Event;
        use crate::domain::routing::RoutingDecision;
        let i18n = I18n::load().unwrap();
        let (en, zh) = (i18n.get(Locale::En), i18n.get(Locale::ZhCn));
        let decision = RoutingDecision { assignment: None, skipped: Vec::new() };
        let events = [
            Event::Created { category: Category::Property, urgency: Urgency::Normal, attachments: 0 },
            Event::Routed { decision: decision.clone() },
            Event::Unroutable { decision: decision.clone() },
            Event::Accepted,
            Event::Declined { reason: String::new() },
            Event::Cancelled,
            Event::Resolved { note: String::new() },
            Event::Confirmed,
            Event::Reopened { reason: String::new() },
            Event::Rated { stars: 4 },
            Event::AutoClosed,
            Event::Relayed { from_resident: true, text: String::new(), attachment: None },
            Event::AssigneeAway,
            Event::FollowedUp,
            Event::OfferedToVolunteers { persons: vec![] },
            Event::Claimed,
            Event::Warned { to: 1 },
            Event::Escalated { level: 1, to: 1, missed: Status::Open, decision },
            Event::AlertedEveryLevel { persons: vec![] },
            Event::Reminded { n: 1 },
            Event::RemindersExhausted,
            Event::TakenOver,
            Event::AssigneeUnreachable,
            Event::Reassigned { to: 1 },
            Event::AssignedByAdmin { to: 1, reason: String::new() },
            Event::TimelineViewed { sensitive: false },
            Event::NotificationUndeliverable { reason: String::new() },
            Event::Followed { outage: false },
            Event::Followed { outage: true },
            Event::Merged { into: 2, from_status: Status::Open },
            Event::MergedFrom { from: 3 },
            Event::Unmerged { from: 2 },
            Event::OutageDeclared { units: vec![4] },
            Event::OutageEnded,
            Event::Recurring { problem: 1 },
        ];
        for happened in &events {
            let kind = happened.kind();
            let shown = event(zh, happened, &[], false);
            assert!(!shown.chars().any(|c| c.is_ascii_alphabetic()), "{kind} reads {shown:?} in Chinese");
            let shown = event(en, happened, &[], false);
            assert!(!shown.contains('_'), "{kind} reads {shown:?} in English");
        }
        let merged = Event::Merged { into: 2, from_status: Status::Open };
        assert_eq!(event(en, &merged, &["#1001".to_string()], false), "merged as a duplicate into: #1001");
        assert_eq!(event(zh, &merged, &["#1001".to_string()], false), "作为重复诉求合并到: #1001");
        let outage = Event::OutageDeclared { units: vec![4, 5] };
        assert_eq!(event(en, &outage, &["E01".into(), "E02".into()], false), "declared a known outage of: E01, E02");
        assert_eq!(
            event(en, &Event::Followed { outage: false }, &[], false),
            "another household follows it: pressed \"Me too\""
        );
    }
}
