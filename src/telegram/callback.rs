//! The data behind inline buttons: short, opaque to users, and parsed
//! strictly. A button's data is only a claim of what was pressed; handlers
//! still check against the database who pressed it and whether it still
//! applies, so a forged or stale button changes nothing.

use crate::app::checkins::Door;
use crate::domain::visits::VisitOutcome;
use crate::domain::{BuildingCode, Category, PersonId, RequestId, Status, UnitId, Urgency};
use crate::i18n::Locale;

/// Telegram's limit on callback data.
pub const MAX_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackData {
    Language(Locale),
    RegisterAsResident,
    RegisterAsStaff,
    Step(Step),
    Accept(RequestId),
    Decline(RequestId),
    /// The resident withdraws their request.
    CancelRequest(RequestId),
    DeclineWith(RequestId, DeclineReason),
    /// The assignee says it is done (a note is asked next).
    Resolve(RequestId),
    /// The resident answers "is it fixed?".
    Fixed(RequestId, bool),
    Rate(RequestId, u8),
    /// Write to the other side of a request through the bot.
    Talk(RequestId),
    /// The request a message typed outside any dialogue is for.
    ReplyTo(RequestId),
    /// A volunteer takes a request offered to the pool.
    Claim(RequestId),
    TakeOver(RequestId),
    /// Shows whom the request can be reassigned to.
    Reassign(RequestId),
    ReassignTo(RequestId, PersonId),
    /// The answer to "erase everything about me?".
    Forget {
        confirmed: bool,
    },
    /// `/broadcast`: the unit chosen.
    NoticeUnit(UnitId),
    NoticeSend,
    NoticeAbort,
    /// "Me too": the resident follows this request instead of reporting
    /// their own.
    MeToo(RequestId),
    /// The card's "Duplicate of…": shows what it could be merged into.
    DuplicateOf(RequestId),
    /// Merges the first request into the second.
    MergeInto(RequestId, RequestId),
    /// A resident's "Received" on a notice.
    NoticeAck(i64),
    /// The author asks for the notice's progress as it is now.
    NoticeRefresh(i64),
    /// `/visit`: the household visited.
    VisitHousehold(i64),
    /// `/visit`: how the visit went (a note is asked next).
    VisitOutcome(i64, VisitOutcome),
    /// `/visit`: recorded without a note.
    VisitNoNote(i64, VisitOutcome),
    /// `/building`: a household's details.
    Household(i64),
    /// `/building`: propose daily check-ins to a household's residents (the
    /// hour is asked next).
    ProposeCheckins(i64),
    /// `/building`: the hour chosen for the proposal.
    ProposeCheckinsAt(i64, u8),
    /// A daily check-in button.
    Checkin(CheckinButton),
}

/// The buttons of daily check-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinButton {
    /// `/checkin`: on, by this hour.
    Hour(u8),
    /// "I'm fine".
    Fine,
    /// The resident's answer to their liaison's proposal.
    Proposal(bool),
    /// A relative checks in on behalf of resident (person id) after a call.
    Spoke(i64),
    /// A step at the door of day (id) of an alert.
    Door(i64, Door),
}

const DOORS: [(Door, &str); 6] = [
    (Door::Going, "g"),
    (Door::AllWell, "w"),
    (Door::NeedsHelp, "h"),
    (Door::NobodyAnswers, "n"),
    (Door::Hospital, "o"),
    (Door::Away, "a"),
];

/// The one-letter code of a visit outcome in button data.
fn outcome_code(outcome: VisitOutcome) -> &'static str {
    match outcome {
        VisitOutcome::AllWell => "w",
        VisitOutcome::NeedsHelp => "h",
        VisitOutcome::NobodyHome => "n",
        VisitOutcome::MovedOut => "m",
    }
}

fn outcome_of(code: &str) -> Option<VisitOutcome> {
    VisitOutcome::ALL.into_iter().find(|o| outcome_code(*o) == code)
}

/// An answer to the question a dialogue step asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Building(BuildingCode),
    SkipRoom,
    Privacy {
        accepted: bool,
    },
    Category(Category),
    /// "Mine is different" after requests like it were offered.
    Different,
    DescriptionDone,
    Urgency(Urgency),
    Confirm,
    Edit,
    Abort,
    EditField(Field),
}

/// Why a responder declines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclineReason {
    NotMyBuilding,
    NotMyKind,
    Away,
    /// Some other reason, written next.
    Other,
}

impl DeclineReason {
    pub const ALL: [DeclineReason; 4] =
        [DeclineReason::NotMyBuilding, DeclineReason::NotMyKind, DeclineReason::Away, DeclineReason::Other];

    /// The name recorded in the event log.
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineReason::NotMyBuilding => "not_my_building",
            DeclineReason::NotMyKind => "not_my_kind",
            DeclineReason::Away => "away",
            DeclineReason::Other => "other",
        }
    }

    fn code(self) -> &'static str {
        match self {
            DeclineReason::NotMyBuilding => "b",
            DeclineReason::NotMyKind => "k",
            DeclineReason::Away => "w",
            DeclineReason::Other => "o",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Category,
    Description,
    Urgency,
}

impl CallbackData {
    pub fn encode(&self) -> String {
        match self {
            CallbackData::Language(locale) => format!("l:{}", locale.code()),
            CallbackData::RegisterAsResident => "s:res".into(),
            CallbackData::RegisterAsStaff => "s:staff".into(),
            CallbackData::Accept(id) => format!("r:{}:a", id.0),
            CallbackData::Decline(id) => format!("r:{}:d", id.0),
            CallbackData::Forget { confirmed } => format!("f:{}", if *confirmed { "y" } else { "n" }),
            CallbackData::TakeOver(id) => format!("r:{}:t", id.0),
            CallbackData::NoticeUnit(unit) => format!("n:u:{}", unit.0),
            CallbackData::NoticeSend => "n:send".into(),
            CallbackData::NoticeAbort => "n:x".into(),
            CallbackData::NoticeAck(id) => format!("n:{id}:ok"),
            CallbackData::NoticeRefresh(id) => format!("n:{id}:r"),
            CallbackData::VisitHousehold(id) => format!("v:{id}"),
            CallbackData::VisitOutcome(id, outcome) => format!("v:{id}:{}", outcome_code(*outcome)),
            CallbackData::VisitNoNote(id, outcome) => format!("v:{id}:{}:-", outcome_code(*outcome)),
            CallbackData::Household(id) => format!("h:{id}"),
            CallbackData::ProposeCheckins(id) => format!("h:{id}:p"),
            CallbackData::ProposeCheckinsAt(id, hour) => format!("h:{id}:p:{hour}"),
            CallbackData::Checkin(button) => match button {
                CheckinButton::Hour(hour) => format!("k:h:{hour}"),
                CheckinButton::Fine => "k:ok".into(),
                CheckinButton::Proposal(yes) => format!("k:p:{}", if *yes { "y" } else { "n" }),
                CheckinButton::Spoke(person) => format!("k:s:{person}"),
                CheckinButton::Door(day, door) => {
                    let code = DOORS.iter().find(|(d, _)| d == door).map_or("g", |(_, c)| c);
                    format!("k:{day}:{code}")
                }
            },
            CallbackData::CancelRequest(id) => format!("r:{}:x", id.0),
            CallbackData::DeclineWith(id, reason) => format!("r:{}:d:{}", id.0, reason.code()),
            CallbackData::Resolve(id) => format!("r:{}:v", id.0),
            CallbackData::Talk(id) => format!("r:{}:m", id.0),
            CallbackData::ReplyTo(id) => format!("r:{}:w", id.0),
            CallbackData::Claim(id) => format!("r:{}:c", id.0),
            CallbackData::Fixed(id, fixed) => format!("r:{}:{}", id.0, if *fixed { "y" } else { "n" }),
            CallbackData::Rate(id, stars) => format!("r:{}:s:{stars}", id.0),
            CallbackData::Reassign(id) => format!("r:{}:r", id.0),
            CallbackData::ReassignTo(id, person) => format!("r:{}:p:{}", id.0, person.0),
            CallbackData::MeToo(id) => format!("r:{}:f", id.0),
            CallbackData::DuplicateOf(id) => format!("r:{}:u", id.0),
            CallbackData::MergeInto(id, into) => format!("r:{}:g:{}", id.0, into.0),
            CallbackData::Step(step) => match step {
                Step::Building(code) => format!("d:b:{code}"),
                Step::SkipRoom => "d:room-skip".into(),
                Step::Privacy { accepted } => {
                    format!("d:priv:{}", if *accepted { "y" } else { "n" })
                }
                Step::Category(category) => format!("d:cat:{}", category.as_str()),
                Step::Different => "d:diff".into(),
                Step::DescriptionDone => "d:desc-done".into(),
                Step::Urgency(urgency) => format!("d:urg:{}", urgency.as_str()),
                Step::Confirm => "d:ok".into(),
                Step::Edit => "d:edit".into(),
                Step::Abort => "d:abort".into(),
                Step::EditField(Field::Category) => "d:ed:cat".into(),
                Step::EditField(Field::Description) => "d:ed:desc".into(),
                Step::EditField(Field::Urgency) => "d:ed:urg".into(),
            },
        }
    }

    /// The request a button acts on, if it acts on one.
    pub fn request(&self) -> Option<RequestId> {
        match self {
            CallbackData::Accept(id)
            | CallbackData::Decline(id)
            | CallbackData::CancelRequest(id)
            | CallbackData::DeclineWith(id, _)
            | CallbackData::Resolve(id)
            | CallbackData::Fixed(id, _)
            | CallbackData::Rate(id, _)
            | CallbackData::Talk(id)
            | CallbackData::ReplyTo(id)
            | CallbackData::Claim(id)
            | CallbackData::TakeOver(id)
            | CallbackData::Reassign(id)
            | CallbackData::ReassignTo(id, _)
            | CallbackData::MeToo(id)
            | CallbackData::DuplicateOf(id)
            | CallbackData::MergeInto(id, _) => Some(*id),
            _ => None,
        }
    }

    /// Whether this button can still do anything to a request in `status`.
    /// A finished request takes no action but the resident's answers about
    /// a closed one (is it still fixed, the rating); the others need not ask
    /// whose it is to say so.
    pub fn applies_to(&self, status: Status) -> bool {
        match status {
            Status::Cancelled | Status::Merged => false,
            Status::Closed => matches!(self, CallbackData::Fixed(..) | CallbackData::Rate(..)),
            Status::Open | Status::Accepted | Status::Resolved => true,
        }
    }

    pub fn parse(data: &str) -> Option<CallbackData> {
        if data.len() > MAX_BYTES {
            return None;
        }
        let parts: Vec<&str> = data.split(':').collect();
        let parsed = match parts.as_slice() {
            ["l", code] => CallbackData::Language(Locale::ALL.into_iter().find(|l| l.code() == *code)?),
            ["s", "res"] => CallbackData::RegisterAsResident,
            ["f", "y"] => CallbackData::Forget { confirmed: true },
            ["f", "n"] => CallbackData::Forget { confirmed: false },
            ["s", "staff"] => CallbackData::RegisterAsStaff,
            ["n", "u", unit] => CallbackData::NoticeUnit(UnitId(positive(unit)?)),
            ["n", "send"] => CallbackData::NoticeSend,
            ["n", "x"] => CallbackData::NoticeAbort,
            ["n", id, "ok"] => CallbackData::NoticeAck(positive(id)?),
            ["n", id, "r"] => CallbackData::NoticeRefresh(positive(id)?),
            ["r", id, action] => {
                let id = RequestId(positive(id)?);
                match *action {
                    "a" => CallbackData::Accept(id),
                    "d" => CallbackData::Decline(id),
                    "t" => CallbackData::TakeOver(id),
                    "x" => CallbackData::CancelRequest(id),
                    "v" => CallbackData::Resolve(id),
                    "m" => CallbackData::Talk(id),
                    "w" => CallbackData::ReplyTo(id),
                    "c" => CallbackData::Claim(id),
                    "y" => CallbackData::Fixed(id, true),
                    "n" => CallbackData::Fixed(id, false),
                    "r" => CallbackData::Reassign(id),
                    "f" => CallbackData::MeToo(id),
                    "u" => CallbackData::DuplicateOf(id),
                    _ => return None,
                }
            }
            ["r", id, "d", code] => CallbackData::DeclineWith(
                RequestId(positive(id)?),
                DeclineReason::ALL.into_iter().find(|r| r.code() == *code)?,
            ),
            ["r", id, "s", stars] => {
                let stars: u8 = stars.parse().ok().filter(|s| (1..=5).contains(s))?;
                CallbackData::Rate(RequestId(positive(id)?), stars)
            }
            ["v", id] => CallbackData::VisitHousehold(positive(id)?),
            ["v", id, code] => CallbackData::VisitOutcome(positive(id)?, outcome_of(code)?),
            ["v", id, code, "-"] => CallbackData::VisitNoNote(positive(id)?, outcome_of(code)?),
            ["h", id] => CallbackData::Household(positive(id)?),
            ["h", id, "p"] => CallbackData::ProposeCheckins(positive(id)?),
            ["h", id, "p", hour] => {
                CallbackData::ProposeCheckinsAt(positive(id)?, hour.parse().ok().filter(|h| *h < 24)?)
            }
            ["k", "h", hour] => CallbackData::Checkin(CheckinButton::Hour(hour.parse().ok().filter(|h| *h < 24)?)),
            ["k", "ok"] => CallbackData::Checkin(CheckinButton::Fine),
            ["k", "p", "y"] => CallbackData::Checkin(CheckinButton::Proposal(true)),
            ["k", "p", "n"] => CallbackData::Checkin(CheckinButton::Proposal(false)),
            ["k", "s", person] => CallbackData::Checkin(CheckinButton::Spoke(positive(person)?)),
            ["k", day, code] => CallbackData::Checkin(CheckinButton::Door(
                positive(day)?,
                DOORS.iter().find(|(_, c)| c == code).map(|(d, _)| *d)?,
            )),
            ["r", id, "g", into] => CallbackData::MergeInto(RequestId(positive(id)?), RequestId(positive(into)?)),
            ["r", id, "p", person] => CallbackData::ReassignTo(RequestId(positive(id)?), PersonId(positive(person)?)),
            ["d", rest @ ..] => CallbackData::Step(match rest {
                ["b", code] => Step::Building(BuildingCode::parse(code).ok()?),
                ["room-skip"] => Step::SkipRoom,
                ["priv", "y"] => Step::Privacy { accepted: true },
                ["priv", "n"] => Step::Privacy { accepted: false },
                ["cat", category] => Step::Category(Category::parse(category)?),
                ["diff"] => Step::Different,
                ["desc-done"] => Step::DescriptionDone,
                ["urg", urgency] => Step::Urgency(Urgency::parse(urgency)?),
                ["ok"] => Step::Confirm,
                ["edit"] => Step::Edit,
                ["abort"] => Step::Abort,
                ["ed", "cat"] => Step::EditField(Field::Category),
                ["ed", "desc"] => Step::EditField(Field::Description),
                ["ed", "urg"] => Step::EditField(Field::Urgency),
                _ => return None,
            }),
            _ => return None,
        };
        Some(parsed)
    }
}

fn positive(text: &str) -> Option<i64> {
    text.parse().ok().filter(|n: &i64| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<CallbackData> {
        let mut all = vec![
            CallbackData::Language(Locale::En),
            CallbackData::Language(Locale::ZhCn),
            CallbackData::RegisterAsResident,
            CallbackData::RegisterAsStaff,
            CallbackData::Accept(RequestId(i64::MAX)),
            CallbackData::Decline(RequestId(7)),
            CallbackData::TakeOver(RequestId(7)),
            CallbackData::CancelRequest(RequestId(7)),
            CallbackData::Resolve(RequestId(7)),
            CallbackData::Talk(RequestId(7)),
            CallbackData::ReplyTo(RequestId(7)),
            CallbackData::Claim(RequestId(7)),
            CallbackData::Fixed(RequestId(7), true),
            CallbackData::Fixed(RequestId(7), false),
            CallbackData::Rate(RequestId(i64::MAX), 5),
            CallbackData::Forget { confirmed: true },
            CallbackData::Forget { confirmed: false },
            CallbackData::Reassign(RequestId(7)),
            CallbackData::ReassignTo(RequestId(i64::MAX), PersonId(i64::MAX)),
            CallbackData::NoticeUnit(UnitId(i64::MAX)),
            CallbackData::NoticeSend,
            CallbackData::NoticeAbort,
            CallbackData::NoticeAck(i64::MAX),
            CallbackData::NoticeRefresh(i64::MAX),
            CallbackData::MeToo(RequestId(i64::MAX)),
            CallbackData::DuplicateOf(RequestId(7)),
            CallbackData::MergeInto(RequestId(i64::MAX), RequestId(i64::MAX)),
        ];
        let steps = [
            Step::Building(BuildingCode::parse(&"X".repeat(BuildingCode::MAX_LEN)).unwrap()),
            Step::SkipRoom,
            Step::Privacy { accepted: true },
            Step::Privacy { accepted: false },
            Step::Different,
            Step::DescriptionDone,
            Step::Confirm,
            Step::Edit,
            Step::Abort,
            Step::EditField(Field::Category),
            Step::EditField(Field::Description),
            Step::EditField(Field::Urgency),
        ];
        all.extend(steps.into_iter().map(CallbackData::Step));
        all.extend(DeclineReason::ALL.iter().map(|r| CallbackData::DeclineWith(RequestId(i64::MAX), *r)));
        all.extend(Category::ALL.iter().map(|c| CallbackData::Step(Step::Category(*c))));
        all.extend(Urgency::ALL.iter().map(|u| CallbackData::Step(Step::Urgency(*u))));
        all.extend(VisitOutcome::ALL.iter().map(|o| CallbackData::VisitOutcome(i64::MAX, *o)));
        all.extend(VisitOutcome::ALL.iter().map(|o| CallbackData::VisitNoNote(i64::MAX, *o)));
        all.extend([
            CallbackData::VisitHousehold(i64::MAX),
            CallbackData::Household(i64::MAX),
            CallbackData::ProposeCheckins(i64::MAX),
            CallbackData::ProposeCheckinsAt(i64::MAX, 23),
        ]);
        all.extend(DOORS.iter().map(|(door, _)| CallbackData::Checkin(CheckinButton::Door(i64::MAX, *door))));
        all.extend(
            [
                CheckinButton::Hour(23),
                CheckinButton::Fine,
                CheckinButton::Proposal(true),
                CheckinButton::Proposal(false),
            ]
            .map(CallbackData::Checkin),
        );
        all.push(CallbackData::Checkin(CheckinButton::Spoke(i64::MAX)));
        all
    }

    #[test]
    fn every_button_round_trips_and_fits_telegrams_limit() {
        for data in samples() {
            let encoded = data.encode();
            assert!(encoded.len() <= MAX_BYTES, "{encoded} is too long");
            assert_eq!(CallbackData::parse(&encoded), Some(data));
        }
    }

    #[test]
    fn every_button_that_names_a_request_is_refused_by_a_finished_one_but_the_residents_answers() {
        for data in samples() {
            let encoded = data.encode();
            assert_eq!(data.request().is_some(), encoded.starts_with("r:"), "{encoded}");
            if data.request().is_none() {
                continue;
            }
            assert!(data.applies_to(Status::Open) && data.applies_to(Status::Resolved), "{encoded}");
            assert!(!data.applies_to(Status::Cancelled), "{encoded}");
            let answer = matches!(data, CallbackData::Fixed(..) | CallbackData::Rate(..));
            assert_eq!(data.applies_to(Status::Closed), answer, "{encoded}");
        }
    }

    #[test]
    fn forged_and_malformed_data_is_refused() {
        for junk in [
            "",
            "r:abc:a",
            "r:-5:a",
            "r:5:z",
            "r:5",
            "r:5:s:6",
            "r:5:s:0",
            "r:5:d:q",
            "h:5:p:24",
            "h:0:p",
            "d:cat:plumbing",
            "l:fr",
            "d:b:东",
            "x",
            &"r:1:a".repeat(20),
        ] {
            assert_eq!(CallbackData::parse(junk), None, "{junk:?}");
        }
    }
}
