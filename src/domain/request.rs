//! Requests: what a resident asks for, and the life it goes through.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::DomainError;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in the database, in callbacks and in CSV files.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(input: &str) -> Option<Self> {
                match input.trim() { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

string_enum!(
    /// The kinds of service the community offers.
    Category {
        Property => "property",
        Household => "household",
        Renovation => "renovation",
        Dispute => "dispute",
        Volunteer => "volunteer",
        SocialOrg => "social_org",
        Elderly => "elderly",
        Childcare => "childcare",
        Other => "other",
    }
);

impl Category {
    /// Sensitive requests are shown only to the people handling them: never in
    /// broadcasts, group chats or exports without redaction.
    pub fn is_sensitive(self) -> bool {
        matches!(self, Category::Dispute | Category::Elderly | Category::Childcare)
    }
}

string_enum!(
    Urgency {
        Emergency => "emergency",
        Urgent => "urgent",
        Normal => "normal",
        Complex => "complex",
    }
);

string_enum!(
    Status {
        Open => "open",
        Accepted => "accepted",
        Resolved => "resolved",
        Closed => "closed",
        Cancelled => "cancelled",
        // A duplicate whose reporter and followers now follow the original.
        Merged => "merged",
    }
);

/// How long a responder has, per urgency. These are the defaults of the
/// product; admins will be able to change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLevel {
    pub accept_within: Duration,
    pub resolve_within: Duration,
    /// Whether the clock runs only in service hours (08:00–21:00 local).
    pub service_hours_only: bool,
}

impl ServiceLevel {
    pub fn default_for(urgency: Urgency) -> Self {
        const MIN: u64 = 60;
        const HOUR: u64 = 60 * MIN;
        const DAY: u64 = 24 * HOUR;
        let (accept, resolve, service_hours_only) = match urgency {
            Urgency::Emergency => (10 * MIN, 2 * HOUR, false),
            Urgency::Urgent => (15 * MIN, DAY, false),
            Urgency::Normal => (30 * MIN, 7 * DAY, true),
            Urgency::Complex => (30 * MIN, 15 * DAY, true),
        };
        Self {
            accept_within: Duration::from_secs(accept),
            resolve_within: Duration::from_secs(resolve),
            service_hours_only,
        }
    }
}

/// What can happen to a request. Each action is allowed only from some
/// statuses; [`Status::apply`] is the one place that says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Decline,
    Resolve,
    Confirm,
    Reopen,
    Cancel,
    Close,
    /// Marked a duplicate of another request.
    Merge,
}

impl Status {
    pub fn apply(self, action: Action) -> Result<Status, DomainError> {
        use Action as A;
        use Status as S;
        let next = match (self, action) {
            (S::Open, A::Accept) => S::Accepted,
            (S::Open | S::Accepted, A::Decline) => S::Open,
            (S::Accepted, A::Resolve) => S::Resolved,
            (S::Resolved, A::Confirm | A::Close) => S::Closed,
            (S::Resolved | S::Closed, A::Reopen) => S::Accepted,
            (S::Open | S::Accepted, A::Cancel) => S::Cancelled,
            (S::Open | S::Accepted, A::Merge) => S::Merged,
            (from, action) => return Err(DomainError::TransitionRefused { from, action }),
        };
        Ok(next)
    }

    /// Open work: someone still has to do something about it.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Open | Status::Accepted)
    }
}

/// What a resident attached to a description. Telegram keeps the files; we
/// keep their ids and re-send them by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attachment {
    Photo { file_id: String },
    Voice { file_id: String },
    Video { file_id: String },
    Document { file_id: String },
    Location { latitude: f64, longitude: f64 },
}

impl Attachment {
    pub fn kind(&self) -> &'static str {
        match self {
            Attachment::Photo { .. } => "photo",
            Attachment::Voice { .. } => "voice",
            Attachment::Video { .. } => "video",
            Attachment::Document { .. } => "document",
            Attachment::Location { .. } => "location",
        }
    }
}

/// The description a resident writes, bounded so that a card with it still
/// fits one Telegram message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        if text.chars().count() > Self::MAX_CHARS {
            Err(DomainError::DescriptionTooLong { max: Self::MAX_CHARS })
        } else {
            Ok(Self(text.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A resident may have at most this many requests open at once, so that one
/// person cannot flood their liaison.
pub const MAX_OPEN_REQUESTS_PER_RESIDENT: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_round_trips_through_its_name() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Category::ALL.len(), 9);
        assert_eq!(Category::parse("plumbing"), None);
    }

    #[test]
    fn only_disputes_elderly_and_childcare_are_sensitive() {
        let sensitive: Vec<_> = Category::ALL.iter().filter(|c| c.is_sensitive()).collect();
        assert_eq!(sensitive, [&Category::Dispute, &Category::Elderly, &Category::Childcare]);
    }

    #[test]
    fn an_open_request_can_be_accepted_once() {
        let accepted = Status::Open.apply(Action::Accept).unwrap();
        assert_eq!(accepted, Status::Accepted);
        assert!(accepted.apply(Action::Accept).is_err());
    }

    #[test]
    fn closed_and_cancelled_requests_take_no_action_but_reopen() {
        for action in [Action::Accept, Action::Decline, Action::Resolve, Action::Cancel, Action::Confirm] {
            assert!(Status::Closed.apply(action).is_err(), "{action:?}");
            assert!(Status::Cancelled.apply(action).is_err(), "{action:?}");
        }
        assert!(Status::Cancelled.apply(Action::Reopen).is_err());
        assert_eq!(Status::Closed.apply(Action::Reopen).unwrap(), Status::Accepted);
    }

    #[test]
    fn the_whole_happy_path_is_allowed() {
        let s = Status::Open;
        let s = s.apply(Action::Accept).unwrap();
        let s = s.apply(Action::Resolve).unwrap();
        let s = s.apply(Action::Confirm).unwrap();
        assert_eq!(s, Status::Closed);
    }

    #[test]
    fn only_an_accepted_request_can_be_resolved() {
        assert!(Status::Open.apply(Action::Resolve).is_err(), "accept first, so the resident learns who handles it");
        assert_eq!(Status::Accepted.apply(Action::Resolve).unwrap(), Status::Resolved);
    }

    #[test]
    fn only_open_or_accepted_work_is_merged_and_a_merged_request_takes_no_action() {
        assert_eq!(Status::Open.apply(Action::Merge).unwrap(), Status::Merged);
        assert_eq!(Status::Accepted.apply(Action::Merge).unwrap(), Status::Merged);
        assert!(Status::Resolved.apply(Action::Merge).is_err());
        for action in [Action::Accept, Action::Resolve, Action::Reopen, Action::Cancel, Action::Merge] {
            assert!(Status::Merged.apply(action).is_err(), "{action:?}");
        }
        assert!(!Status::Merged.is_active());
    }

    #[test]
    fn a_declined_request_is_open_again() {
        assert_eq!(Status::Accepted.apply(Action::Decline).unwrap(), Status::Open);
        assert!(Status::Resolved.apply(Action::Decline).is_err());
    }

    #[test]
    fn emergencies_must_be_accepted_within_ten_minutes_around_the_clock() {
        let level = ServiceLevel::default_for(Urgency::Emergency);
        assert_eq!(level.accept_within, Duration::from_secs(600));
        assert!(!level.service_hours_only);
        assert!(ServiceLevel::default_for(Urgency::Normal).service_hours_only);
    }

    #[test]
    fn descriptions_over_the_limit_are_refused_with_the_limit() {
        let long = "水".repeat(Description::MAX_CHARS + 1);
        assert_eq!(Description::parse(&long), Err(DomainError::DescriptionTooLong { max: Description::MAX_CHARS }));
        assert!(Description::parse(&"水".repeat(Description::MAX_CHARS)).is_ok());
    }
}
