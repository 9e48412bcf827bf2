//! Importing the directory files, from the command line or (later) from chat.

use crate::domain::TelegramId;
use crate::domain::directory::{self, LineError};
use crate::domain::events::Event;
use crate::store::{ImportCounts, Store, StoreError};

/// Which directory file a file is, told by its header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Units,
    People,
}

impl FileKind {
    /// Reads the header to tell the two files apart; `None` when it is
    /// neither.
    pub fn detect(bytes: &[u8]) -> Option<FileKind> {
        let text = String::from_utf8_lossy(bytes);
        let first = text.trim_start_matches('\u{feff}').lines().next()?.to_lowercase();
        let fields: Vec<&str> = first.split(',').map(str::trim).collect();
        if fields == directory::UNITS_HEADER {
            Some(FileKind::Units)
        } else if fields == directory::PEOPLE_HEADER {
            Some(FileKind::People)
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

/// Applies the files, units before people whatever the order given, each
/// file in one transaction.
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
        None => 2,
    });
    let mut reports = Vec::new();
    for (kind, file) in files {
        let outcome = match kind {
            Some(FileKind::Units) => import_units(store, &file, admins, now).await?,
            Some(FileKind::People) => import_people(store, &file, now).await?,
            None => Err(vec![LineError {
                file: file.name.clone(),
                line: 1,
                problem: directory::Problem::WrongHeader {
                    expected: format!(
                        "{} or {}",
                        directory::UNITS_HEADER.join(","),
                        directory::PEOPLE_HEADER.join(",")
                    ),
                },
            }]),
        };
        reports.push(FileReport { name: file.name, kind, outcome });
    }
    Ok(reports)
}

async fn import_units(
    store: &Store,
    file: &DirectoryFile,
    admins: &[TelegramId],
    now: i64,
) -> Result<Result<ImportCounts, Vec<LineError>>, StoreError> {
    let lines = match directory::parse_units(&file.name, &file.bytes) {
        Ok(lines) => lines,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut tx = store.begin().await?;
    if let Err(errors) = directory::check_units_against(&file.name, &lines, &tx.units().await?) {
        return Ok(Err(errors));
    }
    let mut counts = ImportCounts::default();
    for line in &lines {
        tx.upsert_unit_line(line, &mut counts).await?;
    }
    tx.ensure_admins(admins, now).await?;
    record(&mut tx, &file.name, counts, now).await?;
    tx.commit().await?;
    Ok(Ok(counts))
}

async fn import_people(
    store: &Store,
    file: &DirectoryFile,
    now: i64,
) -> Result<Result<ImportCounts, Vec<LineError>>, StoreError> {
    let mut tx = store.begin().await?;
    let planned = match directory::validate_people(&file.name, &file.bytes, &tx.units().await?) {
        Ok(planned) => planned,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut counts = ImportCounts::default();
    for person in &planned {
        tx.upsert_planned_person(person, now, &mut counts).await?;
    }
    record(&mut tx, &file.name, counts, now).await?;
    tx.commit().await?;
    Ok(Ok(counts))
}

/// An import that changed nothing leaves no event, so that re-importing the
/// same files really changes nothing.
async fn record(tx: &mut crate::store::Tx, file: &str, counts: ImportCounts, now: i64) -> Result<(), StoreError> {
    if counts.created + counts.updated == 0 {
        return Ok(());
    }
    let event = Event::DirectoryImported {
        file: file.to_string(),
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
    };
    tx.record_event(None, None, &event, now).await
}
