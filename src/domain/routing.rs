//! Routing: who gets a request. From the request's building upward, the first
//! unit with an available responder for the category gets it.

use serde::{Deserialize, Serialize};

use super::ids::{PersonId, UnitId};
use super::request::Category;
use super::unit::{Role, UnitLevel};

/// One responder as routing sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub person: PersonId,
    pub role: Role,
    /// `None` means every category.
    pub categories: Option<Vec<Category>>,
    /// The person has a Telegram account bound to them.
    pub bound: bool,
    pub reachable: bool,
    pub away: bool,
    pub declined_this_request: bool,
    /// How many active requests they already hold; ties go to the less busy.
    pub active_load: u32,
}

/// The units from the building (first) up to the community (last), each with
/// the responders who hold a role on it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainLevel {
    pub unit: UnitId,
    pub level: UnitLevel,
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    NotRegistered,
    Unreachable,
    Away,
    Declined,
    OtherCategory,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub person: PersonId,
    pub role: Role,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub person: PersonId,
    pub role: Role,
    pub unit: UnitId,
    /// How far above the building the assignee sits: 0 for the building's own
    /// liaison or deputy, then one per unit up the tree.
    pub level: u8,
}

/// The decision and everything that led to it, so that the event log can
/// explain why a request went where it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingDecision {
    pub assignment: Option<Assignment>,
    pub skipped: Vec<Skipped>,
}

/// Routes a request of `category` through `chain`, starting at `from_level`
/// (0 for a new request; higher when escalating).
pub fn route(chain: &[ChainLevel], category: Category, from_level: usize) -> RoutingDecision {
    let mut skipped = Vec::new();
    for (index, unit) in chain.iter().enumerate().skip(from_level) {
        let mut candidates: Vec<&Candidate> =
            unit.candidates.iter().filter(|c| c.role.routing_rank().is_some()).collect();
        candidates.sort_by_key(|c| (c.role.routing_rank(), c.active_load, c.person));
        for candidate in candidates {
            match unavailable_because(candidate, category) {
                Some(reason) => skipped.push(Skipped { person: candidate.person, role: candidate.role, reason }),
                None => {
                    return RoutingDecision {
                        assignment: Some(Assignment {
                            person: candidate.person,
                            role: candidate.role,
                            unit: unit.unit,
                            level: u8::try_from(index).unwrap_or(u8::MAX),
                        }),
                        skipped,
                    };
                }
            }
        }
    }
    RoutingDecision { assignment: None, skipped }
}

fn unavailable_because(candidate: &Candidate, category: Category) -> Option<SkipReason> {
    if let Some(categories) = &candidate.categories
        && !categories.contains(&category)
    {
        return Some(SkipReason::OtherCategory);
    }
    if !candidate.bound {
        Some(SkipReason::NotRegistered)
    } else if !candidate.reachable {
        Some(SkipReason::Unreachable)
    } else if candidate.declined_this_request {
        Some(SkipReason::Declined)
    } else if candidate.away {
        Some(SkipReason::Away)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn responder(id: i64, role: Role) -> Candidate {
        Candidate {
            person: PersonId(id),
            role,
            categories: None,
            bound: true,
            reachable: true,
            away: false,
            declined_this_request: false,
            active_load: 0,
        }
    }

    fn chain(levels: Vec<Vec<Candidate>>) -> Vec<ChainLevel> {
        let kinds = [UnitLevel::Building, UnitLevel::Estate, UnitLevel::Grid, UnitLevel::Community];
        levels
            .into_iter()
            .zip(kinds)
            .enumerate()
            .map(|(i, (candidates, level))| ChainLevel { unit: UnitId(i as i64 + 1), level, candidates })
            .collect()
    }

    fn assignee(decision: &RoutingDecision) -> Option<(i64, Role, u8)> {
        decision.assignment.as_ref().map(|a| (a.person.0, a.role, a.level))
    }

    #[test]
    fn the_building_liaison_gets_the_request_first() {
        let chain = chain(vec![
            vec![responder(2, Role::Deputy), responder(1, Role::Liaison)],
            vec![responder(3, Role::GroupLeader)],
        ]);
        let decision = route(&chain, Category::Property, 0);
        assert_eq!(assignee(&decision), Some((1, Role::Liaison, 0)));
        assert!(decision.skipped.is_empty());
    }

    #[test]
    fn an_away_liaison_passes_the_request_to_the_deputy_and_says_why() {
        let mut liaison = responder(1, Role::Liaison);
        liaison.away = true;
        let chain = chain(vec![vec![liaison, responder(2, Role::Deputy)]]);
        let decision = route(&chain, Category::Property, 0);
        assert_eq!(assignee(&decision), Some((2, Role::Deputy, 0)));
        assert_eq!(
            decision.skipped,
            vec![Skipped { person: PersonId(1), role: Role::Liaison, reason: SkipReason::Away }]
        );
    }

    #[test]
    fn a_building_without_responders_goes_up_the_chain_to_the_admins() {
        let mut unreachable = responder(3, Role::GroupLeader);
        unreachable.reachable = false;
        let mut unbound = responder(4, Role::GridLeader);
        unbound.bound = false;
        let chain = chain(vec![vec![], vec![unreachable], vec![unbound], vec![responder(9, Role::Admin)]]);
        let decision = route(&chain, Category::Household, 0);
        assert_eq!(assignee(&decision), Some((9, Role::Admin, 3)));
        let reasons: Vec<_> = decision.skipped.iter().map(|s| s.reason).collect();
        assert_eq!(reasons, [SkipReason::Unreachable, SkipReason::NotRegistered]);
    }

    #[test]
    fn someone_who_declined_is_not_asked_again() {
        let mut liaison = responder(1, Role::Liaison);
        liaison.declined_this_request = true;
        let chain = chain(vec![vec![liaison, responder(2, Role::Deputy)]]);
        assert_eq!(assignee(&route(&chain, Category::Other, 0)), Some((2, Role::Deputy, 0)));
    }

    #[test]
    fn category_limited_roles_take_only_their_categories() {
        let mut mediator = responder(5, Role::Admin);
        mediator.categories = Some(vec![Category::Dispute]);
        let chain = chain(vec![vec![], vec![], vec![], vec![mediator, responder(6, Role::Admin)]]);
        assert_eq!(assignee(&route(&chain, Category::Dispute, 0)), Some((5, Role::Admin, 3)));
        assert_eq!(assignee(&route(&chain, Category::Property, 0)), Some((6, Role::Admin, 3)));
    }

    #[test]
    fn of_two_liaisons_the_less_busy_one_is_chosen() {
        let mut busy = responder(1, Role::Liaison);
        busy.active_load = 4;
        let chain = chain(vec![vec![busy, responder(2, Role::Liaison)]]);
        assert_eq!(assignee(&route(&chain, Category::Other, 0)), Some((2, Role::Liaison, 0)));
    }

    #[test]
    fn volunteers_are_never_routed_to() {
        let chain = chain(vec![vec![responder(7, Role::Volunteer)]]);
        let decision = route(&chain, Category::Volunteer, 0);
        assert_eq!(decision.assignment, None);
    }

    #[test]
    fn escalating_starts_above_the_current_level() {
        let chain = chain(vec![vec![responder(1, Role::Liaison)], vec![responder(3, Role::GroupLeader)]]);
        assert_eq!(assignee(&route(&chain, Category::Other, 1)), Some((3, Role::GroupLeader, 1)));
    }
}
