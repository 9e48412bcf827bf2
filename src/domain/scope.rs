//! Where an admin's authority reaches: the units they are admin of and
//! everything below them.

use super::directory::UnitIndex;
use super::ids::UnitId;
use super::unit::UnitLevel;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminScope {
    /// Not an admin anywhere.
    Nowhere,
    /// Admin of these units (and so of everything below them).
    Units(Vec<UnitId>),
    /// Listed in `ADMIN_IDS`: admin of every community, including those the
    /// directory does not hold yet.
    Everywhere,
}

impl AdminScope {
    pub fn is_admin(&self) -> bool {
        match self {
            AdminScope::Nowhere => false,
            AdminScope::Units(units) => !units.is_empty(),
            AdminScope::Everywhere => true,
        }
    }

    /// Whether `unit` is one of the scope's units or below one of them.
    pub fn covers(&self, index: &UnitIndex<'_>, unit: UnitId) -> bool {
        match self {
            AdminScope::Nowhere => false,
            AdminScope::Everywhere => true,
            AdminScope::Units(roots) => index.ancestors(unit).iter().any(|u| roots.contains(&u.id)),
        }
    }

    /// Whether the scope holds a whole community, which is what settings
    /// shared by the deployment and unredacted sensitive details need.
    pub fn has_community(&self, index: &UnitIndex<'_>) -> bool {
        match self {
            AdminScope::Nowhere => false,
            AdminScope::Everywhere => true,
            AdminScope::Units(roots) => {
                roots.iter().any(|root| index.get(*root).is_some_and(|u| u.level == UnitLevel::Community))
            }
        }
    }

    /// Whether sensitive details of a request in `unit` may be shown: only
    /// to admins of the community it belongs to.
    pub fn sees_sensitive(&self, index: &UnitIndex<'_>, unit: UnitId) -> bool {
        match self {
            AdminScope::Nowhere => false,
            AdminScope::Everywhere => true,
            AdminScope::Units(roots) => {
                index.ancestor_at(unit, UnitLevel::Community).is_some_and(|community| roots.contains(&community.id))
            }
        }
    }

    /// The topmost units of the scope, to list what lies below them; with
    /// `Everywhere`, every community.
    pub fn roots(&self, index: &UnitIndex<'_>, all_units: &[super::unit::Unit]) -> Vec<UnitId> {
        match self {
            AdminScope::Nowhere => Vec::new(),
            AdminScope::Everywhere => {
                all_units.iter().filter(|u| u.level == UnitLevel::Community).map(|u| u.id).collect()
            }
            AdminScope::Units(roots) => roots
                .iter()
                .copied()
                .filter(|root| {
                    // A root inside another root adds nothing.
                    !index.ancestors(*root).iter().skip(1).any(|above| roots.contains(&above.id))
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Unit;

    fn tree() -> Vec<Unit> {
        let mk = Unit::for_test;
        vec![
            mk(1, None, UnitLevel::Community, "绿杨社区", None),
            mk(2, Some(1), UnitLevel::Grid, "第一网格", None),
            mk(3, Some(1), UnitLevel::Grid, "第二网格", None),
            mk(4, Some(2), UnitLevel::Estate, "东苑", None),
            mk(5, Some(3), UnitLevel::Estate, "西苑", None),
            mk(6, Some(4), UnitLevel::Building, "E01", Some("E01")),
            mk(7, Some(5), UnitLevel::Building, "W01", Some("W01")),
        ]
    }

    #[test]
    fn a_grid_admin_covers_their_grid_and_nothing_beside_it() {
        let units = tree();
        let index = UnitIndex::new(&units);
        let scope = AdminScope::Units(vec![UnitId(2)]);
        assert!(scope.covers(&index, UnitId(6)));
        assert!(scope.covers(&index, UnitId(2)));
        assert!(!scope.covers(&index, UnitId(7)));
        assert!(!scope.covers(&index, UnitId(1)));
        assert!(!scope.has_community(&index));
        assert!(!scope.sees_sensitive(&index, UnitId(6)));
    }

    #[test]
    fn a_community_admin_covers_and_sees_everything_in_the_community() {
        let units = tree();
        let index = UnitIndex::new(&units);
        let scope = AdminScope::Units(vec![UnitId(1), UnitId(2)]);
        assert!(scope.covers(&index, UnitId(7)));
        assert!(scope.has_community(&index));
        assert!(scope.sees_sensitive(&index, UnitId(7)));
        assert_eq!(scope.roots(&index, &units), vec![UnitId(1)]);
    }

    #[test]
    fn nobody_is_not_an_admin_and_admin_ids_are_admins_of_every_community() {
        let units = tree();
        let index = UnitIndex::new(&units);
        assert!(!AdminScope::Nowhere.is_admin());
        assert!(!AdminScope::Units(vec![]).is_admin());
        assert!(!AdminScope::Nowhere.covers(&index, UnitId(6)));
        assert_eq!(AdminScope::Everywhere.roots(&index, &units), vec![UnitId(1)]);
    }
}
