//! What every page body of the office dashboard is given, and the parts of
//! the unit tree a viewer may see, worked out once per page.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use i18n_embed::fluent::FluentLanguageLoader;

use crate::app::admin::Authority;
use crate::domain::{UnitId, UnitLevel};
use crate::store::from_millis;
use crate::telegram::{dates, render};

/// Who looks and when: their language, the community's time zone and the
/// clock's now.
pub struct Viewer<'a> {
    pub l: &'a FluentLanguageLoader,
    pub timezone: Tz,
    pub now: DateTime<Utc>,
}

impl Viewer<'_> {
    pub fn now_ms(&self) -> i64 {
        self.now.timestamp_millis()
    }

    /// A moment as people say it: "today 14:05", "12-01 09:30".
    pub fn moment(&self, ms: i64) -> String {
        dates::moment(self.l, from_millis(ms), self.now, self.timezone)
    }

    /// How long ago `ms` was (or how long until, for a moment to come).
    pub fn span(&self, from: i64, to: i64) -> String {
        render::duration(self.l, Duration::from_millis(from.abs_diff(to)))
    }
}

/// A building within the viewer's reach, with the estate and grid above it.
#[derive(Debug, Clone)]
pub struct Place {
    pub code: String,
    pub estate: Option<UnitId>,
    pub grid: Option<UnitId>,
    /// Whether the viewer may see sensitive details of its requests.
    pub sensitive: bool,
}

/// The buildings a viewer's authority covers, and the names of every unit.
pub struct Reach {
    pub buildings: HashMap<UnitId, Place>,
    pub names: HashMap<UnitId, String>,
}

impl Reach {
    pub fn of(authority: &Authority) -> Reach {
        let index = authority.index();
        let mut buildings = HashMap::new();
        for unit in authority.units.iter().filter(|u| u.level == UnitLevel::Building) {
            if !authority.scope.covers(&index, unit.id) {
                continue;
            }
            let place = Place {
                code: unit.code.as_ref().map(|c| c.as_str().to_string()).unwrap_or_else(|| unit.name.clone()),
                estate: index.ancestor_at(unit.id, UnitLevel::Estate).map(|u| u.id),
                grid: index.ancestor_at(unit.id, UnitLevel::Grid).map(|u| u.id),
                sensitive: authority.scope.sees_sensitive(&index, unit.id),
            };
            buildings.insert(unit.id, place);
        }
        let names = authority.units.iter().map(|u| (u.id, u.name.clone())).collect();
        Reach { buildings, names }
    }

    pub fn name(&self, unit: UnitId) -> &str {
        self.names.get(&unit).map_or("", String::as_str)
    }

    /// Whether a building is within reach and lies under `unit` (or is it).
    pub fn under(&self, building: UnitId, unit: UnitId) -> bool {
        self.buildings
            .get(&building)
            .is_some_and(|p| building == unit || p.estate == Some(unit) || p.grid == Some(unit))
    }
}

/// The link to a request's page.
pub fn request_href(number: i64) -> String {
    format!("/office/requests/{number}")
}
