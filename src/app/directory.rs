//! Importing the directory files, from the command line or from chat.

use crate::domain::directory::{self, LineError, UnitIndex};
use crate::domain::events::Event;
use crate::domain::households;
use crate::domain::scope::AdminScope;
use crate::domain::{PersonId, TelegramId};
use crate::store::{ImportCounts, Store, StoreError, Tx};

/// Which directory file a file is, told by its header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Units,
    People,
    Households,
}

impl FileKind {
    /// Reads the header to tell the three files apart; `None` when it is
    /// neither.
    pub fn detect(bytes: &[u8]) -> Option<FileKind> {
        let text = String::from_utf8_lossy(bytes);
        let first = text.trim_start_matches('\u{feff}').lines().next()?.to_lowercase();
        let fields: Vec<&str> = first.split(',').map(str::trim).collect();
        if fields == directory::UNITS_HEADER {
            Some(FileKind::Units)
        } else if fields == directory::PEOPLE_HEADER {
            Some(FileKind::People)
        } else if fields == households::HOUSEHOLDS_HEADER {
            Some(FileKind::Households)
        } else {
            None
        }
    }
}

pub struct DirectoryFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What happened to one file: applied with these counts, or refused with
/// these line errors (and nothing of it applied).
#[derive(Debug)]
pub struct FileReport {
    pub name: String,
    pub kind: Option<FileKind>,
    pub outcome: Result<ImportCounts, Vec<LineError>>,
}

/// Applies the files, units before people and households whatever the
/// order given, each file in one transaction.
pub async fn import(
    store: &Store,
    files: Vec<DirectoryFile>,
    admins: &[TelegramId],
    now: i64,
) -> Result<Vec<FileReport>, StoreError> {
    let mut files: Vec<(Option<FileKind>, DirectoryFile)> =
        files.into_iter().map(|f| (FileKind::detect(&f.bytes), f)).collect();
    files.sort_by_key(|(kind, _)| match kind {
        Some(FileKind::Units) => 0,
        Some(FileKind::People) => 1,
        Some(FileKind::Households) => 2,
        None => 3,
    });
    let mut reports = Vec::new();
    for (_, file) in files {
        let mut tx = store.begin().await?;
        let report = import_file(&mut tx, file, admins, &AdminScope::Everywhere, None, now).await?;
        if report.outcome.is_ok() {
            tx.commit().await?;
        }
        reports.push(report);
    }
    Ok(reports)
}

/// Applies one file in `tx`, as far as `scope` reaches: an admin may load
/// the buildings of their own community and the people of their own units.
/// On a refusal nothing was written and the caller should roll back.
pub async fn import_file(
    tx: &mut Tx,
    file: DirectoryFile,
    admins: &[TelegramId],
    scope: &AdminScope,
    actor: Option<PersonId>,
    now: i64,
) -> Result<FileReport, StoreError> {
    let kind = FileKind::detect(&file.bytes);
    let outcome = match kind {
        Some(FileKind::Units) => import_units(tx, &file, admins, scope, actor, now).await?,
        Some(FileKind::People) => import_people(tx, &file, scope, actor, now).await?,
        Some(FileKind::Households) => import_households(tx, &file, scope, actor, now).await?,
        None => Err(vec![LineError {
            file: file.name.clone(),
            line: 1,
            problem: directory::Problem::WrongHeader {
                expected: format!(
                    "{}, {} or {}",
                    directory::UNITS_HEADER.join(","),
                    directory::PEOPLE_HEADER.join(","),
                    households::HOUSEHOLDS_HEADER.join(",")
                ),
            },
        }]),
    };
    Ok(FileReport { name: file.name, kind, outcome })
}

fn outside(file: &str, line: u64, value: &str) -> LineError {
    LineError { file: file.to_string(), line, problem: directory::Problem::OutsideYourUnits { value: value.into() } }
}

async fn import_units(
    tx: &mut Tx,
    file: &DirectoryFile,
    admins: &[TelegramId],
    scope: &AdminScope,
    actor: Option<PersonId>,
    now: i64,
) -> Result<Result<ImportCounts, Vec<LineError>>, StoreError> {
    let lines = match directory::parse_units(&file.name, &file.bytes) {
        Ok(lines) => lines,
        Err(errors) => return Ok(Err(errors)),
    };
    let units = tx.units().await?;
    if let Err(errors) = directory::check_units_against(&file.name, &lines, &units) {
        return Ok(Err(errors));
    }
    if *scope != AdminScope::Everywhere {
        // Below `ADMIN_IDS`, only an admin of a community may change its
        // buildings, and nobody may add a community.
        let index = UnitIndex::new(&units);
        let errors: Vec<LineError> = lines
            .iter()
            .filter(|line| {
                let community = units.iter().find(|u| u.parent.is_none() && u.name == line.community);
                !community.is_some_and(|c| scope.covers(&index, c.id) && scope.sees_sensitive(&index, c.id))
            })
            .map(|line| outside(&file.name, line.line, &line.community))
            .collect();
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
    }
    let mut counts = ImportCounts::default();
    for line in &lines {
        tx.upsert_unit_line(line, &mut counts).await?;
    }
    tx.ensure_admins(admins, now).await?;
    record(tx, &file.name, counts, actor, now).await?;
    Ok(Ok(counts))
}

async fn import_people(
    tx: &mut Tx,
    file: &DirectoryFile,
    scope: &AdminScope,
    actor: Option<PersonId>,
    now: i64,
) -> Result<Result<ImportCounts, Vec<LineError>>, StoreError> {
    let units = tx.units().await?;
    let planned = match directory::validate_people(&file.name, &file.bytes, &units) {
        Ok(planned) => planned,
        Err(errors) => return Ok(Err(errors)),
    };
    if *scope != AdminScope::Everywhere {
        let index = UnitIndex::new(&units);
        let (lines, _) = directory::parse_people_lines(&file.name, &file.bytes).unwrap_or_default();
        let errors: Vec<LineError> = lines
            .iter()
            .filter(|line| !index.resolve(&line.unit).is_ok_and(|unit| scope.covers(&index, unit.id)))
            .map(|line| outside(&file.name, line.line, &line.unit))
            .collect();
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
    }
    let mut counts = ImportCounts::default();
    for person in &planned {
        tx.upsert_planned_person(person, now, &mut counts).await?;
    }
    record(tx, &file.name, counts, actor, now).await?;
    Ok(Ok(counts))
}

/// Households are loaded building by building: an admin only for the
/// buildings within their units. Residents who registered with a room
/// before their household was known are linked to it.
async fn import_households(
    tx: &mut Tx,
    file: &DirectoryFile,
    scope: &AdminScope,
    actor: Option<PersonId>,
    now: i64,
) -> Result<Result<ImportCounts, Vec<LineError>>, StoreError> {
    let units = tx.units().await?;
    let vocabulary = tx.tag_vocabulary().await?;
    let planned = match households::validate_households(&file.name, &file.bytes, &vocabulary, &units) {
        Ok(planned) => planned,
        Err(errors) => return Ok(Err(errors)),
    };
    let index = UnitIndex::new(&units);
    let errors: Vec<LineError> = planned
        .iter()
        .filter(|line| !scope.covers(&index, line.building))
        .map(|line| outside(&file.name, line.line, line.code.as_str()))
        .collect();
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut counts = ImportCounts::default();
    for household in &planned {
        tx.upsert_household(household, &mut counts).await?;
    }
    tx.link_residents_to_households().await?;
    record(tx, &file.name, counts, actor, now).await?;
    Ok(Ok(counts))
}

/// An import that changed nothing leaves no event, so that re-importing the
/// same files really changes nothing.
async fn record(
    tx: &mut Tx,
    file: &str,
    counts: ImportCounts,
    actor: Option<PersonId>,
    now: i64,
) -> Result<(), StoreError> {
    if counts.created + counts.updated == 0 {
        return Ok(());
    }
    let event = Event::DirectoryImported {
        file: file.to_string(),
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
    };
    tx.record_event(None, actor, &event, now).await
}
