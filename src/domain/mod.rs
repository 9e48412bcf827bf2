//! The domain: requests, routing, the unit tree and the directory files.
//!
//! Nothing in here knows about Telegram or SQL; that is what keeps it
//! testable with plain unit tests and a fake clock.

pub mod calendar;
pub mod checkin;
pub mod clock;
pub mod directory;
pub mod escalation;
pub mod events;
pub mod households;
pub mod ids;
pub mod reporters;
pub mod request;
pub mod routing;
pub mod scope;
pub mod stats;
pub mod unit;
pub mod visits;

pub use ids::{BuildingCode, PersonId, Phone, RequestId, RequestNumber, Room, TelegramId, UnitId};
pub use request::{Action, Attachment, Category, Description, ServiceLevel, Status, Urgency};
pub use unit::{Role, Unit, UnitLevel};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("not a request number")]
    InvalidRequestNumber,
    #[error("not a building code")]
    InvalidBuildingCode,
    #[error("not a phone number")]
    InvalidPhone,
    #[error("not a room number")]
    InvalidRoom,
    #[error("the description is longer than {max} characters")]
    DescriptionTooLong { max: usize },
    #[error("a request that is {from:?} cannot take {action:?}")]
    TransitionRefused { from: Status, action: Action },
}

/// Building codes that look like what a resident typed, best first, for the
/// "did you mean" answer to a typo.
pub fn suggest_buildings<'a>(typed: &str, known: impl IntoIterator<Item = &'a BuildingCode>) -> Vec<BuildingCode> {
    let typed = typed.trim().to_uppercase();
    let mut scored: Vec<(usize, &BuildingCode)> = known
        .into_iter()
        .map(|code| (strsim::damerau_levenshtein(&typed, code.as_str()), code))
        .filter(|(distance, code)| *distance <= 2.max(code.as_str().len() / 3))
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(4).map(|(_, code)| code.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_in_a_building_code_gets_close_suggestions() {
        let known: Vec<BuildingCode> =
            ["E01", "E10", "E11", "W01", "W45"].iter().map(|c| BuildingCode::parse(c).unwrap()).collect();
        let suggestions = suggest_buildings("e1o", &known);
        assert_eq!(suggestions.first().map(BuildingCode::as_str), Some("E10"));
        assert!(suggest_buildings("zzzzzz", &known).is_empty());
    }
}
