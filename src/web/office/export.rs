//! The Export page: a period form, and the CSV of `/export` — the same rows,
//! the same redaction, the same `exported` event — for admins of a whole
//! community, as in chat.

use chrono::NaiveDate;
use i18n_embed_fl::fl;
use maud::{Markup, html};
use serde::Deserialize;

use super::body::Viewer;
use crate::app::admin::Authority;
use crate::app::export;
use crate::domain::PersonId;
use crate::store::{StoreError, Tx};

/// `?from=2026-11-01&to=2026-11-30`: local dates, both inclusive, either
/// may be left empty.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExportQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A CSV file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub name: String,
    pub csv: String,
    pub rows: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exported {
    Csv(Download),
    /// Exports are for admins of a whole community.
    NotCommunityAdmin,
    /// A date is not `YYYY-MM-DD`.
    BadDate,
}

/// The Export page body: the period form, or why there is none.
pub fn page(authority: &Authority, viewer: &Viewer<'_>, refused: Option<&Exported>) -> Markup {
    let l = viewer.l;
    html! {
        h1 { (fl!(l, "office-export-title")) }
        @if !authority.has_community() {
            p.refused { (fl!(l, "office-export-community-only")) }
        } @else {
            @if matches!(refused, Some(Exported::BadDate)) {
                p.refused { (fl!(l, "office-export-bad-date")) }
            }
            p { (fl!(l, "office-export-explained")) }
            form method="get" action="/office/export.csv" {
                label { (fl!(l, "office-export-from")) " " input type="date" name="from"; }
                " "
                label { (fl!(l, "office-export-to")) " " input type="date" name="to"; }
                " "
                button type="submit" { (fl!(l, "office-export-download")) }
            }
        }
    }
}

fn date(text: Option<&str>) -> Result<Option<NaiveDate>, ()> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Some).map_err(|_| ()),
    }
}

/// The CSV download, recorded as exported by `actor`.
pub async fn csv(
    tx: &mut Tx,
    authority: &Authority,
    actor: PersonId,
    viewer: &Viewer<'_>,
    query: &ExportQuery,
) -> Result<Exported, StoreError> {
    if !authority.has_community() {
        return Ok(Exported::NotCommunityAdmin);
    }
    let (Ok(from), Ok(to)) = (date(query.from.as_deref()), date(query.to.as_deref())) else {
        return Ok(Exported::BadDate);
    };
    let (from, to) = export::period(from, to, viewer.timezone);
    let (csv, rows) = export::export_for(tx, actor, from, to, viewer.timezone, viewer.now_ms()).await?;
    let name = format!("requests-{}.csv", viewer.now.with_timezone(&viewer.timezone).format("%Y%m%d"));
    Ok(Exported::Csv(Download { name, csv, rows }))
}
