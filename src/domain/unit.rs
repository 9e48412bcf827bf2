//! The community's organisation: a tree of units, and the roles people hold
//! on them.

use serde::{Deserialize, Serialize};

use super::ids::{BuildingCode, UnitId};

/// The default levels of the tree, from the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    Community,
    Grid,
    Estate,
    Building,
}

impl UnitLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitLevel::Community => "community",
            UnitLevel::Grid => "grid",
            UnitLevel::Estate => "estate",
            UnitLevel::Building => "building",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        [Self::Community, Self::Grid, Self::Estate, Self::Building].into_iter().find(|level| level.as_str() == input)
    }
}

/// One node of the tree as the directory knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub parent: Option<UnitId>,
    pub level: UnitLevel,
    pub name: String,
    /// Only buildings have a code.
    pub code: Option<BuildingCode>,
    pub households: Option<u32>,
}

impl Unit {
    /// A unit for the domain's tests, with a code only where one is given.
    #[cfg(test)]
    pub(crate) fn for_test(id: i64, parent: Option<i64>, level: UnitLevel, name: &str, code: Option<&str>) -> Unit {
        Unit {
            id: UnitId(id),
            parent: parent.map(UnitId),
            level,
            name: name.to_string(),
            code: code.map(|c| BuildingCode::parse(c).expect("a valid building code")),
            households: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Liaison,
    Deputy,
    GroupLeader,
    GridLeader,
    Admin,
    Volunteer,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Liaison, Role::Deputy, Role::GroupLeader, Role::GridLeader, Role::Admin, Role::Volunteer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Liaison => "liaison",
            Role::Deputy => "deputy",
            Role::GroupLeader => "group_leader",
            Role::GridLeader => "grid_leader",
            Role::Admin => "admin",
            Role::Volunteer => "volunteer",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == input.trim())
    }

    /// The level of unit this role is held on; `None` when any level will do
    /// (admins of a grid or of a whole community, volunteers of an estate).
    pub fn required_level(self) -> Option<UnitLevel> {
        match self {
            Role::Liaison | Role::Deputy => Some(UnitLevel::Building),
            Role::GroupLeader => Some(UnitLevel::Estate),
            Role::GridLeader => Some(UnitLevel::Grid),
            Role::Admin | Role::Volunteer => None,
        }
    }

    /// The order in which routing tries responders on one unit: liaison,
    /// deputy, then the leaders, then admins. Volunteers answer from the
    /// volunteer pool, not through routing.
    pub fn routing_rank(self) -> Option<u8> {
        match self {
            Role::Liaison => Some(0),
            Role::Deputy => Some(1),
            Role::GroupLeader => Some(2),
            Role::GridLeader => Some(3),
            Role::Admin => Some(4),
            Role::Volunteer => None,
        }
    }
}
