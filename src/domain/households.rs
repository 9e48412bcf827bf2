//! Households (`households.csv`): the rooms of each building, who lives
//! there and what needs care, with the vocabulary of care tags. Parsing and
//! validation are pure; the store applies a planned file in one transaction.

use std::collections::HashMap;
use std::fmt;

use super::directory::{LineError, Problem, UnitIndex, read_rows};
use super::ids::{BuildingCode, UnitId};
use super::unit::{Unit, UnitLevel};

pub const HOUSEHOLDS_HEADER: [&str; 5] = ["building", "room", "members", "tags", "note"];

/// How long a household's note may be: a line for the liaison, not a file.
pub const NOTE_MAX_CHARS: usize = 200;

/// A room of a building as the map places it: `301` is floor 3, room 01;
/// `2-301` the same in entrance 2. The last two digits number the room on
/// its floor, the digits before them the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HouseholdRoom {
    pub entrance: Option<u16>,
    pub floor: u16,
    pub position: u16,
}

impl HouseholdRoom {
    pub fn parse(input: &str) -> Option<HouseholdRoom> {
        let input = input.trim();
        let (entrance, number) = match input.split_once('-') {
            Some((entrance, number)) => (Some(entrance), number),
            None => (None, input),
        };
        let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit());
        if !digits(number) || number.len() < 3 || entrance.is_some_and(|e| !digits(e)) {
            return None;
        }
        let (floor, position) = number.split_at(number.len() - 2);
        // `0301` would be a second spelling of `301`.
        if floor.starts_with('0') || entrance.is_some_and(|e| e.starts_with('0')) {
            return None;
        }
        let floor = floor.parse::<u16>().ok().filter(|f| *f > 0)?;
        let position = position.parse::<u16>().ok().filter(|p| *p > 0)?;
        let entrance = match entrance {
            Some(e) => Some(e.parse::<u16>().ok()?),
            None => None,
        };
        Some(HouseholdRoom { entrance, floor, position })
    }
}

impl fmt::Display for HouseholdRoom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(entrance) = self.entrance {
            write!(f, "{entrance}-")?;
        }
        write!(f, "{}{:02}", self.floor, self.position)
    }
}

/// One tag of the vocabulary stored in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareTag {
    pub name: String,
    /// Shown only to the building's liaison and deputy and the community's
    /// admins (health, disability, income, children).
    pub sensitive: bool,
    /// How often a household with this tag should be visited; `None` when
    /// the tag asks for no visits.
    pub visit_every_months: Option<u32>,
}

/// The tags a deployment knows, in the order it lists them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagVocabulary(pub Vec<CareTag>);

impl TagVocabulary {
    pub fn get(&self, name: &str) -> Option<&CareTag> {
        self.0.iter().find(|t| t.name == name)
    }

    /// Reads `a;b;c` into the tags of the vocabulary, each once, in the
    /// vocabulary's order; `Err` with the first unknown one.
    pub fn parse_tags(&self, text: &str) -> Result<Vec<String>, String> {
        let mut wanted = Vec::new();
        for name in text.split(';').map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()) {
            if self.get(&name).is_none() {
                return Err(name);
            }
            wanted.push(name);
        }
        Ok(self.0.iter().filter(|t| wanted.contains(&t.name)).map(|t| t.name.clone()).collect())
    }

    /// The tags of `tags` the reader may see.
    pub fn visible<'a>(&self, tags: &'a [String], sees_sensitive: bool) -> Vec<&'a str> {
        tags.iter()
            .filter(|name| sees_sensitive || self.get(name).is_some_and(|t| !t.sensitive))
            .map(String::as_str)
            .collect()
    }

    /// The shortest visit interval among `tags`, in months.
    pub fn visit_every_months(&self, tags: &[String]) -> Option<u32> {
        tags.iter().filter_map(|name| self.get(name)?.visit_every_months).min()
    }
}

/// A valid line of `households.csv`, resolved to its building.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedHousehold {
    pub line: u64,
    pub building: UnitId,
    pub code: BuildingCode,
    pub room: HouseholdRoom,
    pub members: u32,
    pub tags: Vec<String>,
    pub note: String,
}

impl PlannedHousehold {
    /// Tags as stored: `;`-separated, in the vocabulary's order.
    pub fn tags_text(&self) -> String {
        self.tags.join(";")
    }
}

/// Tags as stored, back into a list.
pub fn split_tags(text: &str) -> Vec<String> {
    text.split(';').filter(|t| !t.is_empty()).map(str::to_string).collect()
}

/// Parses `households.csv` and resolves each building against `units`,
/// reporting every problem of the file at once, in line order.
pub fn validate_households(
    file: &str,
    bytes: &[u8],
    vocabulary: &TagVocabulary,
    units: &[Unit],
) -> Result<Vec<PlannedHousehold>, Vec<LineError>> {
    let rows = read_rows(file, bytes, &HOUSEHOLDS_HEADER)?;
    let index = UnitIndex::new(units);
    let mut errors = Vec::new();
    let mut planned = Vec::new();
    let mut first_seen: HashMap<(UnitId, HouseholdRoom), u64> = HashMap::new();
    for (line, f) in rows {
        let mut problem = |p: Problem| errors.push(LineError { file: file.to_string(), line, problem: p });
        // Tags and the note may be empty: a household with nothing to say.
        if let Some(field) = HOUSEHOLDS_HEADER.iter().zip(&f).take(3).find(|(_, v)| v.is_empty()).map(|(h, _)| *h) {
            problem(Problem::EmptyField { field });
            continue;
        }
        let Ok(code) = BuildingCode::parse(&f[0]) else {
            problem(Problem::BadBuildingCode { value: f[0].clone() });
            continue;
        };
        let Some(building) = index.building(&code).filter(|u| u.level == UnitLevel::Building) else {
            problem(Problem::UnknownUnit { value: f[0].clone() });
            continue;
        };
        let Some(room) = HouseholdRoom::parse(&f[1]) else {
            problem(Problem::BadRoom { value: f[1].clone() });
            continue;
        };
        let Ok(members) = f[2].parse::<u32>() else {
            problem(Problem::BadMembers { value: f[2].clone() });
            continue;
        };
        let tags = match vocabulary.parse_tags(&f[3]) {
            Ok(tags) => tags,
            Err(value) => {
                let expected = vocabulary.0.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");
                problem(Problem::UnknownTag { value, expected });
                continue;
            }
        };
        if f[4].chars().count() > NOTE_MAX_CHARS {
            problem(Problem::NoteTooLong { max: NOTE_MAX_CHARS });
            continue;
        }
        if let Some(first_line) = first_seen.get(&(building.id, room)) {
            problem(Problem::DuplicateRoom { code: code.to_string(), room: room.to_string(), first_line: *first_line });
            continue;
        }
        first_seen.insert((building.id, room), line);
        planned.push(PlannedHousehold { line, building: building.id, code, room, members, tags, note: f[4].clone() });
    }
    if errors.is_empty() { Ok(planned) } else { Err(errors) }
}

#[cfg(test)]
pub(crate) fn vocabulary_for_test() -> TagVocabulary {
    let tag = |name: &str, sensitive: bool, months: Option<u32>| CareTag {
        name: name.to_string(),
        sensitive,
        visit_every_months: months,
    };
    TagVocabulary(vec![
        tag("elderly_alone", false, Some(1)),
        tag("empty_nest", false, Some(3)),
        tag("disabled", true, Some(3)),
        tag("chronic_illness", true, None),
        tag("low_income", true, None),
        tag("renter", false, None),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Vec<Unit> {
        let mk = Unit::for_test;
        vec![
            mk(1, None, UnitLevel::Community, "绿杨社区", None),
            mk(2, Some(1), UnitLevel::Grid, "第一网格", None),
            mk(3, Some(2), UnitLevel::Estate, "东苑", None),
            mk(4, Some(3), UnitLevel::Building, "E01", Some("E01")),
            mk(5, Some(3), UnitLevel::Building, "E02", Some("E02")),
        ]
    }

    fn validate(body: &str) -> Result<Vec<PlannedHousehold>, Vec<String>> {
        let text = format!("building,room,members,tags,note\n{body}");
        validate_households("households.csv", text.as_bytes(), &vocabulary_for_test(), &units())
            .map_err(|errors| errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn rooms_read_as_entrance_floor_and_position() {
        let room = HouseholdRoom::parse("2-1101").unwrap();
        assert_eq!(room, HouseholdRoom { entrance: Some(2), floor: 11, position: 1 });
        assert_eq!(room.to_string(), "2-1101");
        assert_eq!(HouseholdRoom::parse(" 301 ").unwrap().to_string(), "301");
        for bad in ["", "31", "0301", "300", "a-301", "2-", "-301", "3O1", "12345", "0-301"] {
            assert_eq!(HouseholdRoom::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_good_file_resolves_buildings_and_orders_tags_by_the_vocabulary() {
        let planned = validate(
            "e01,301,1,disabled; ELDERLY_ALONE,耳背，请用力敲门\n\
             E01,2-302,3,,\n\
             E02,101,0,renter;renter,\n",
        )
        .unwrap();
        assert_eq!(planned.len(), 3);
        assert_eq!(planned[0].building, UnitId(4));
        assert_eq!(planned[0].tags_text(), "elderly_alone;disabled");
        assert_eq!(planned[0].note, "耳背，请用力敲门");
        assert_eq!(planned[1].room.to_string(), "2-302");
        assert!(planned[1].tags.is_empty());
        assert_eq!(planned[2].tags, ["renter"]);
        assert_eq!(planned[2].line, 4);
    }

    #[test]
    fn every_kind_of_bad_row_is_reported_with_its_line() {
        let long_note = "长".repeat(NOTE_MAX_CHARS + 1);
        let errors = validate(&format!(
            "E01,301,1,,\n\
             ,302,1,,\n\
             E 1,303,1,,\n\
             Z99,304,1,,\n\
             E01,3F,1,,\n\
             E01,305,two,,\n\
             E01,306,1,elderly;renter,\n\
             E01,307,1,,{long_note}\n\
             E01,301,2,,\n"
        ))
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "households.csv:3: `building` is empty",
                "households.csv:4: `E 1` is not a valid building code (letters, digits and `-`, at most 24)",
                "households.csv:5: unknown unit `Z99`",
                "households.csv:6: `3F` is not a room like `301` (floor 3) or `2-301` (entrance 2)",
                "households.csv:7: members must be a whole number, found `two`",
                "households.csv:8: unknown tag `elderly` (expected some of: elderly_alone, empty_nest, disabled, \
                 chronic_illness, low_income, renter)",
                "households.csv:9: the note is longer than 200 characters",
                "households.csv:10: room 301 of building E01 appears twice (first on line 2)",
            ]
            .map(String::from)
        );
        let short = validate("E01,301,1,,\nE01,308\n").unwrap_err();
        assert_eq!(short, ["households.csv:3: expected 5 fields, found 2"]);
    }

    #[test]
    fn a_note_is_never_repeated_in_an_error() {
        let note = format!("secret {}", "x".repeat(NOTE_MAX_CHARS));
        let errors = validate(&format!("E01,301,1,,{note}\n")).unwrap_err();
        assert!(!errors[0].contains("secret"), "{errors:?}");
    }

    #[test]
    fn sensitive_tags_are_hidden_from_readers_who_may_not_see_them() {
        let vocabulary = vocabulary_for_test();
        let tags = vocabulary.parse_tags("elderly_alone;disabled;low_income").unwrap();
        assert_eq!(vocabulary.visible(&tags, true), ["elderly_alone", "disabled", "low_income"]);
        assert_eq!(vocabulary.visible(&tags, false), ["elderly_alone"]);
    }

    #[test]
    fn the_most_frequent_visit_of_a_households_tags_applies() {
        let vocabulary = vocabulary_for_test();
        let tags = |text: &str| vocabulary.parse_tags(text).unwrap();
        assert_eq!(vocabulary.visit_every_months(&tags("disabled;elderly_alone")), Some(1));
        assert_eq!(vocabulary.visit_every_months(&tags("empty_nest;renter")), Some(3));
        assert_eq!(vocabulary.visit_every_months(&tags("renter")), None);
        assert_eq!(split_tags("elderly_alone;disabled"), tags("disabled;elderly_alone"));
        assert!(split_tags("").is_empty());
    }
}
