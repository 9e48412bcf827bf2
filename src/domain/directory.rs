//! The directory files (`units.csv`, `people.csv`; `households.csv` in
//! `households.rs`): parsing, validation and
//! the plan of what an import changes. Everything here is pure; the store
//! applies a plan in one transaction per file.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::ids::{BuildingCode, Phone, UnitId};
use super::unit::{Role, Unit, UnitLevel};

pub const UNITS_HEADER: [&str; 5] = ["community", "grid", "estate", "building", "households"];
pub const PEOPLE_HEADER: [&str; 4] = ["name", "phone", "role", "unit"];

/// A problem with one line of a directory file. Reported as
/// `file:line: problem`, and nothing of that file is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub file: String,
    pub line: u64,
    pub problem: Problem,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.problem)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    #[error("the file is empty; expected the header `{expected}`")]
    Empty { expected: String },
    #[error("wrong header: expected `{expected}`")]
    WrongHeader { expected: String },
    #[error("expected {expected} fields, found {found}")]
    WrongFieldCount { expected: usize, found: usize },
    #[error("unreadable CSV: {0}")]
    Malformed(String),
    #[error("`{field}` is empty")]
    EmptyField { field: &'static str },
    #[error("`{value}` is not a valid building code (letters, digits and `-`, at most 24)")]
    BadBuildingCode { value: String },
    #[error("households must be a whole number, found `{value}`")]
    BadHouseholds { value: String },
    #[error("building {code} appears twice (first on line {first_line})")]
    DuplicateBuilding { code: String, first_line: u64 },
    #[error("building {code} already belongs to {existing}")]
    BuildingMoved { code: String, existing: String },
    #[error("`{value}` is not a valid phone number")]
    BadPhone { value: String },
    #[error("unknown role `{value}` (expected one of: {expected})")]
    UnknownRole { value: String, expected: String },
    #[error("unknown unit `{value}`")]
    UnknownUnit { value: String },
    #[error("unit `{value}` is ambiguous; write it as a path such as `{example}`")]
    AmbiguousUnit { value: String, example: String },
    #[error("role {role} must be held on a {required}, but `{unit}` is a {actual}")]
    RoleOnWrongLevel { role: &'static str, required: &'static str, unit: String, actual: &'static str },
    #[error("phone {phone} is given for `{name}` but on line {first_line} for `{other}`")]
    PhoneWithTwoNames { phone: String, name: String, first_line: u64, other: String },
    #[error("`{value}` is outside the units you administer")]
    OutsideYourUnits { value: String },
    #[error("`{value}` is not a room like `301` (floor 3) or `2-301` (entrance 2)")]
    BadRoom { value: String },
    #[error("members must be a whole number, found `{value}`")]
    BadMembers { value: String },
    #[error("unknown tag `{value}` (expected some of: {expected})")]
    UnknownTag { value: String, expected: String },
    #[error("room {room} of building {code} appears twice (first on line {first_line})")]
    DuplicateRoom { code: String, room: String, first_line: u64 },
    #[error("the note is longer than {max} characters")]
    NoteTooLong { max: usize },
}

/// One valid line of `units.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLine {
    pub line: u64,
    pub community: String,
    pub grid: String,
    pub estate: String,
    pub building: BuildingCode,
    pub households: u32,
}

/// One valid line of `people.csv`, not yet resolved against the units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonLine {
    pub line: u64,
    pub name: String,
    pub phone: Phone,
    pub role: Role,
    pub unit: String,
}

/// Reads a CSV file with an exact header, returning `(line, fields)` per row.
pub(super) fn read_rows(file: &str, bytes: &[u8], header: &[&str]) -> Result<Vec<(u64, Vec<String>)>, Vec<LineError>> {
    let error = |line: u64, problem: Problem| vec![LineError { file: file.to_string(), line, problem }];
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64;
            return Err(error(line, Problem::NotUtf8));
        }
    };
    // Spreadsheet programs often start UTF-8 files with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let expected = header.join(",");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut saw_header = false;
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(LineError { file: file.to_string(), line, problem: Problem::Malformed(e.to_string()) });
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let fields: Vec<String> = record.iter().map(|f| f.trim().to_string()).collect();
        if !saw_header {
            saw_header = true;
            let found: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
            if found != header {
                return Err(error(line, Problem::WrongHeader { expected }));
            }
            continue;
        }
        if fields.iter().all(String::is_empty) {
            continue;
        }
        if fields.len() != header.len() {
            errors.push(LineError {
                file: file.to_string(),
                line,
                problem: Problem::WrongFieldCount { expected: header.len(), found: fields.len() },
            });
            continue;
        }
        rows.push((line, fields));
    }
    if !saw_header {
        return Err(error(1, Problem::Empty { expected }));
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

pub fn parse_units(file: &str, bytes: &[u8]) -> Result<Vec<UnitLine>, Vec<LineError>> {
    let rows = read_rows(file, bytes, &UNITS_HEADER)?;
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    let mut first_seen: HashMap<BuildingCode, u64> = HashMap::new();
    for (line, f) in rows {
        let mut problem = |p: Problem| errors.push(LineError { file: file.to_string(), line, problem: p });
        if let Some(field) = UNITS_HEADER.iter().zip(&f).find(|(_, v)| v.is_empty()).map(|(h, _)| *h) {
            problem(Problem::EmptyField { field });
            continue;
        }
        let Ok(building) = BuildingCode::parse(&f[3]) else {
            problem(Problem::BadBuildingCode { value: f[3].clone() });
            continue;
        };
        let Ok(households) = f[4].parse::<u32>() else {
            problem(Problem::BadHouseholds { value: f[4].clone() });
            continue;
        };
        if let Some(first_line) = first_seen.get(&building) {
            problem(Problem::DuplicateBuilding { code: building.to_string(), first_line: *first_line });
            continue;
        }
        first_seen.insert(building.clone(), line);
        lines.push(UnitLine {
            line,
            community: f[0].clone(),
            grid: f[1].clone(),
            estate: f[2].clone(),
            building,
            households,
        });
    }
    if errors.is_empty() { Ok(lines) } else { Err(errors) }
}

pub fn parse_people(file: &str, bytes: &[u8]) -> Result<Vec<PersonLine>, Vec<LineError>> {
    let (lines, errors) = parse_people_lines(file, bytes)?;
    if errors.is_empty() { Ok(lines) } else { Err(errors) }
}

/// Parses and resolves `people.csv` against the units in one go, so that an
/// admin sees every problem of the file at once, in line order.
pub fn validate_people(file: &str, bytes: &[u8], units: &[Unit]) -> Result<Vec<PlannedPerson>, Vec<LineError>> {
    let (lines, mut errors) = parse_people_lines(file, bytes)?;
    match plan_people(file, &lines, units) {
        Ok(planned) if errors.is_empty() => return Ok(planned),
        Ok(_) => {}
        Err(more) => errors.extend(more),
    }
    errors.sort_by_key(|e| e.line);
    Err(errors)
}

/// The valid lines of `people.csv` and the problems of the others.
pub type ParsedPeople = (Vec<PersonLine>, Vec<LineError>);

/// Reads `people.csv` line by line, without resolving units.
pub fn parse_people_lines(file: &str, bytes: &[u8]) -> Result<ParsedPeople, Vec<LineError>> {
    let rows = read_rows(file, bytes, &PEOPLE_HEADER)?;
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    let mut names_by_phone: HashMap<Phone, (u64, String)> = HashMap::new();
    for (line, f) in rows {
        let mut problem = |p: Problem| errors.push(LineError { file: file.to_string(), line, problem: p });
        if let Some(field) = PEOPLE_HEADER.iter().zip(&f).find(|(_, v)| v.is_empty()).map(|(h, _)| *h) {
            problem(Problem::EmptyField { field });
            continue;
        }
        let Ok(phone) = Phone::parse(&f[1]) else {
            problem(Problem::BadPhone { value: f[1].clone() });
            continue;
        };
        let Some(role) = Role::parse(&f[2]) else {
            let expected = Role::ALL.map(Role::as_str).join(", ");
            problem(Problem::UnknownRole { value: f[2].clone(), expected });
            continue;
        };
        match names_by_phone.get(&phone) {
            Some((first_line, other)) if *other != f[0] => {
                problem(Problem::PhoneWithTwoNames {
                    phone: f[1].clone(),
                    name: f[0].clone(),
                    first_line: *first_line,
                    other: other.clone(),
                });
                continue;
            }
            Some(_) => {}
            None => {
                names_by_phone.insert(phone.clone(), (line, f[0].clone()));
            }
        }
        lines.push(PersonLine { line, name: f[0].clone(), phone, role, unit: f[3].clone() });
    }
    Ok((lines, errors))
}

/// Checks `units.csv` lines against the units already known: a building may
/// not silently move to another estate.
pub fn check_units_against(file: &str, lines: &[UnitLine], existing: &[Unit]) -> Result<(), Vec<LineError>> {
    let index = UnitIndex::new(existing);
    let errors: Vec<LineError> = lines
        .iter()
        .filter_map(|line| {
            let unit = index.building(&line.building)?;
            let path = index.path(unit.id);
            let wanted = [line.community.as_str(), line.grid.as_str(), line.estate.as_str()];
            (path[..path.len().saturating_sub(1)] != wanted).then(|| LineError {
                file: file.to_string(),
                line: line.line,
                problem: Problem::BuildingMoved {
                    code: line.building.to_string(),
                    existing: path[..path.len() - 1].join("/"),
                },
            })
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A role a person will hold once the people file is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPerson {
    pub name: String,
    pub phone: Phone,
    pub roles: Vec<(Role, UnitId)>,
}

/// Resolves every line's unit and checks that each role sits on a unit of the
/// right level. People are grouped by phone, in the order of the file.
pub fn plan_people(file: &str, lines: &[PersonLine], units: &[Unit]) -> Result<Vec<PlannedPerson>, Vec<LineError>> {
    let index = UnitIndex::new(units);
    let mut errors = Vec::new();
    let mut people: Vec<PlannedPerson> = Vec::new();
    let mut position: HashMap<Phone, usize> = HashMap::new();
    for line in lines {
        let mut problem = |p: Problem| errors.push(LineError { file: file.to_string(), line: line.line, problem: p });
        let unit = match index.resolve(&line.unit) {
            Ok(unit) => unit,
            Err(p) => {
                problem(p);
                continue;
            }
        };
        if let Some(required) = line.role.required_level()
            && unit.level != required
        {
            problem(Problem::RoleOnWrongLevel {
                role: line.role.as_str(),
                required: required.as_str(),
                unit: line.unit.clone(),
                actual: unit.level.as_str(),
            });
            continue;
        }
        let slot = *position.entry(line.phone.clone()).or_insert_with(|| {
            people.push(PlannedPerson { name: line.name.clone(), phone: line.phone.clone(), roles: Vec::new() });
            people.len() - 1
        });
        let role = (line.role, unit.id);
        if !people[slot].roles.contains(&role) {
            people[slot].roles.push(role);
        }
    }
    if errors.is_empty() { Ok(people) } else { Err(errors) }
}

/// Looks units up by building code or by name path (`第一网格/东苑`).
pub struct UnitIndex<'a> {
    by_id: HashMap<UnitId, &'a Unit>,
    units: &'a [Unit],
}

impl<'a> UnitIndex<'a> {
    pub fn new(units: &'a [Unit]) -> Self {
        Self { by_id: units.iter().map(|u| (u.id, u)).collect(), units }
    }

    pub fn building(&self, code: &BuildingCode) -> Option<&'a Unit> {
        self.units.iter().find(|u| u.code.as_ref() == Some(code))
    }

    /// Names from the community down to the unit itself.
    pub fn path(&self, id: UnitId) -> Vec<&'a str> {
        let mut path = Vec::new();
        let mut seen = HashSet::new();
        let mut next = self.by_id.get(&id).copied();
        while let Some(unit) = next {
            if !seen.insert(unit.id) {
                break;
            }
            path.push(unit.name.as_str());
            next = unit.parent.and_then(|p| self.by_id.get(&p).copied());
        }
        path.reverse();
        path
    }

    pub fn get(&self, id: UnitId) -> Option<&'a Unit> {
        self.by_id.get(&id).copied()
    }

    /// The unit and its ancestors, from the unit up to its community.
    pub fn ancestors(&self, id: UnitId) -> Vec<&'a Unit> {
        let mut chain = Vec::new();
        let mut next = self.get(id);
        while let Some(unit) = next {
            if chain.iter().any(|seen: &&Unit| seen.id == unit.id) {
                break;
            }
            chain.push(unit);
            next = unit.parent.and_then(|p| self.get(p));
        }
        chain
    }

    /// The ancestor of `id` (or `id` itself) at `level`, if any.
    pub fn ancestor_at(&self, id: UnitId, level: UnitLevel) -> Option<&'a Unit> {
        self.ancestors(id).into_iter().find(|u| u.level == level)
    }

    pub fn resolve(&self, reference: &str) -> Result<&'a Unit, Problem> {
        if let Ok(code) = BuildingCode::parse(reference)
            && let Some(building) = self.building(&code)
        {
            return Ok(building);
        }
        let wanted: Vec<&str> = reference.split('/').map(str::trim).collect();
        let matches: Vec<&Unit> = self
            .units
            .iter()
            .filter(|u| u.level != UnitLevel::Building && self.path(u.id).ends_with(&wanted))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(Problem::UnknownUnit { value: reference.to_string() }),
            [first, ..] => {
                let path = self.path(first.id);
                let example = path[path.len().saturating_sub(wanted.len() + 1)..].join("/");
                Err(Problem::AmbiguousUnit { value: reference.to_string(), example })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNITS: &str = "community,grid,estate,building,households\n\
        绿杨苑社区,第一网格,东苑,E01,36\n\
        绿杨苑社区,第一网格,东苑,E02,40\n\
        绿杨苑社区,第二网格,东苑,E03,30\n";

    fn units() -> Vec<Unit> {
        // A tree as the store would return it after importing UNITS.
        let mk = Unit::for_test;
        vec![
            mk(1, None, UnitLevel::Community, "绿杨苑社区", None),
            mk(2, Some(1), UnitLevel::Grid, "第一网格", None),
            mk(3, Some(2), UnitLevel::Estate, "东苑", None),
            mk(4, Some(3), UnitLevel::Building, "E01", Some("E01")),
            mk(5, Some(3), UnitLevel::Building, "E02", Some("E02")),
            mk(6, Some(1), UnitLevel::Grid, "第二网格", None),
            mk(7, Some(6), UnitLevel::Estate, "东苑", None),
            mk(8, Some(7), UnitLevel::Building, "E03", Some("E03")),
        ]
    }

    fn people(text: &str) -> Result<Vec<PlannedPerson>, Vec<LineError>> {
        let lines = parse_people("people.csv", text.as_bytes())?;
        plan_people("people.csv", &lines, &units())
    }

    fn only_error(result: Result<impl fmt::Debug, Vec<LineError>>) -> String {
        let errors = result.expect_err("the file should be refused");
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors[0].to_string()
    }

    #[test]
    fn a_good_units_file_parses_with_line_numbers() {
        let lines = parse_units("units.csv", UNITS.as_bytes()).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].line, 2);
        assert_eq!(lines[2].building.as_str(), "E03");
        assert_eq!(lines.iter().map(|l| l.households).sum::<u32>(), 106);
    }

    #[test]
    fn a_byte_order_mark_and_blank_lines_are_tolerated() {
        let text = format!("\u{feff}{UNITS}\n\n");
        assert_eq!(parse_units("units.csv", text.as_bytes()).unwrap().len(), 3);
    }

    #[test]
    fn a_duplicate_building_is_reported_with_both_lines() {
        let text = format!("{UNITS}绿杨苑社区,第一网格,东苑,e01,12\n");
        assert_eq!(
            only_error(parse_units("units.csv", text.as_bytes())),
            "units.csv:5: building E01 appears twice (first on line 2)"
        );
    }

    #[test]
    fn a_wrong_header_is_reported_on_line_one() {
        let text = "community,estate,building\nA,B,C\n";
        assert_eq!(
            only_error(parse_units("units.csv", text.as_bytes())),
            "units.csv:1: wrong header: expected `community,grid,estate,building,households`"
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_reported_with_its_line() {
        let mut bytes = UNITS.as_bytes().to_vec();
        bytes.extend_from_slice(b"\xc2\xa9ok,\xff\xfe,x,E09,1\n");
        let message = only_error(parse_units("units.csv", &bytes));
        assert_eq!(message, "units.csv:5: the file is not UTF-8 text");
    }

    #[test]
    fn bad_households_and_codes_are_reported_per_line() {
        let text = format!("{UNITS}绿杨苑社区,第一网格,东苑,E 9,12\n绿杨苑社区,第一网格,东苑,E10,many\n");
        let errors = parse_units("units.csv", text.as_bytes()).unwrap_err();
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2);
        assert!(messages[0].starts_with("units.csv:5: `E 9` is not a valid building code"));
        assert_eq!(messages[1], "units.csv:6: households must be a whole number, found `many`");
    }

    #[test]
    fn a_row_with_missing_fields_is_reported() {
        let text = format!("{UNITS}绿杨苑社区,第一网格\n");
        assert_eq!(only_error(parse_units("units.csv", text.as_bytes())), "units.csv:5: expected 5 fields, found 2");
    }

    #[test]
    fn a_building_cannot_move_to_another_estate_silently() {
        let text = "community,grid,estate,building,households\n绿杨苑社区,第一网格,西苑,E01,36\n";
        let lines = parse_units("units.csv", text.as_bytes()).unwrap();
        let message = only_error(check_units_against("units.csv", &lines, &units()));
        assert_eq!(message, "units.csv:2: building E01 already belongs to 绿杨苑社区/第一网格/东苑");
        let same = parse_units("units.csv", UNITS.as_bytes()).unwrap();
        assert!(check_units_against("units.csv", &same, &units()).is_ok());
    }

    #[test]
    fn people_resolve_to_buildings_paths_and_unique_names() {
        let planned = people(
            "name,phone,role,unit\n\
             王芳,13800000001,liaison,e01\n\
             王芳,13800000001,deputy,E02\n\
             李强,13800000002,group_leader,第二网格/东苑\n\
             赵敏,13800000003,grid_leader,第一网格\n\
             陈静,13800000004,admin,绿杨苑社区\n",
        )
        .unwrap();
        assert_eq!(planned.len(), 4);
        assert_eq!(planned[0].roles, vec![(Role::Liaison, UnitId(4)), (Role::Deputy, UnitId(5))]);
        assert_eq!(planned[1].roles, vec![(Role::GroupLeader, UnitId(7))]);
        assert_eq!(planned[3].roles, vec![(Role::Admin, UnitId(1))]);
    }

    #[test]
    fn an_ambiguous_estate_name_asks_for_a_path() {
        let message = only_error(people("name,phone,role,unit\n李强,13800000002,group_leader,东苑\n"));
        assert_eq!(message, "people.csv:2: unit `东苑` is ambiguous; write it as a path such as `第一网格/东苑`");
    }

    #[test]
    fn unknown_units_roles_and_phones_are_reported_with_their_lines() {
        let errors = people(
            "name,phone,role,unit\n\
             王芳,13800000001,liaison,E01\n\
             李强,1380000,liaison,E01\n\
             赵敏,13800000003,boss,E01\n",
        )
        .unwrap_err();
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("people.csv:3: `1380000` is not a valid phone number"));
        assert!(messages[1].starts_with("people.csv:4: unknown role `boss`"));
        let unknown = only_error(people("name,phone,role,unit\n王芳,13800000001,liaison,Z99\n"));
        assert_eq!(unknown, "people.csv:2: unknown unit `Z99`");
        let level = only_error(people("name,phone,role,unit\n陈静,13800000004,liaison,第一网格\n"));
        assert_eq!(level, "people.csv:2: role liaison must be held on a building, but `第一网格` is a grid");
    }

    #[test]
    fn validating_people_reports_every_problem_of_the_file_in_line_order() {
        let text = "name,phone,role,unit\n王芳,13800000001,liaison,Z99\n李强,1380000,liaison,E01\n";
        let errors = validate_people("people.csv", text.as_bytes(), &units()).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn one_phone_cannot_belong_to_two_names() {
        let message =
            only_error(people("name,phone,role,unit\n王芳,13800000001,liaison,E01\n李强,138 0000 0001,deputy,E02\n"));
        assert!(
            message.starts_with("people.csv:3: phone 138 0000 0001 is given for `李强` but on line 2"),
            "{message}"
        );
    }
}
