//! The Community page: every building within reach as a tile, grouped by
//! grid and estate, coloured by its worst state, with its counts.

use std::collections::BTreeMap;

use i18n_embed_fl::fl;
use maud::{Markup, html};

use super::body::{Reach, Viewer};
use crate::app::admin::Authority;
use crate::domain::{Status, UnitId};
use crate::store::{ActiveRequest, StoreError, Tx};

/// A building's worst state, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// A deadline passed: it is late now, or it went up the chain for it.
    Overdue,
    /// Waiting for someone to accept.
    Waiting,
    /// Being handled.
    Open,
    Quiet,
}

impl State {
    pub fn of(request: &ActiveRequest, now: i64) -> State {
        if request.escalated || request.due().is_some_and(|due| due < now) {
            State::Overdue
        } else if request.status == Status::Open {
            State::Waiting
        } else {
            State::Open
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            State::Overdue => "overdue",
            State::Waiting => "waiting",
            State::Open => "open",
            State::Quiet => "quiet",
        }
    }
}

#[derive(Default)]
struct Tile {
    code: String,
    open: usize,
    overdue: usize,
    worst: Option<State>,
}

pub async fn page(tx: &mut Tx, authority: &Authority, viewer: &Viewer<'_>) -> Result<Markup, StoreError> {
    let l = viewer.l;
    let now = viewer.now_ms();
    let reach = Reach::of(authority);
    let mut tiles: BTreeMap<UnitId, Tile> =
        reach.buildings.iter().map(|(id, place)| (*id, Tile { code: place.code.clone(), ..Tile::default() })).collect();
    for request in tx.office_active_requests().await? {
        let Some(tile) = tiles.get_mut(&request.building) else { continue };
        let state = State::of(&request, now);
        tile.open += 1;
        tile.overdue += usize::from(state == State::Overdue);
        tile.worst = Some(tile.worst.map_or(state, |worst| worst.min(state)));
    }
    // Grid → estate → buildings, by name and code.
    let mut grouped: BTreeMap<(String, String), Vec<(UnitId, &Tile)>> = BTreeMap::new();
    for (id, tile) in &tiles {
        let place = &reach.buildings[id];
        let grid = place.grid.map(|g| reach.name(g).to_string()).unwrap_or_default();
        let estate = place.estate.map(|e| reach.name(e).to_string()).unwrap_or_default();
        grouped.entry((grid, estate)).or_default().push((*id, tile));
    }
    for buildings in grouped.values_mut() {
        buildings.sort_by(|a, b| a.1.code.cmp(&b.1.code));
    }
    let legend = [
        (State::Overdue, fl!(l, "office-state-overdue")),
        (State::Waiting, fl!(l, "office-state-waiting")),
        (State::Open, fl!(l, "office-state-open")),
        (State::Quiet, fl!(l, "office-state-quiet")),
    ];
    Ok(html! {
        h1 { (fl!(l, "office-community-title")) }
        ul.legend {
            @for (state, label) in &legend { li { span class={"swatch " (state.class())} {} " " (label) } }
        }
        @if tiles.is_empty() { p.empty { (fl!(l, "office-community-none")) } }
        @for ((grid, estate), buildings) in &grouped {
            section.estate {
                h2 { (grid) " · " (estate) }
                div.tiles {
                    @for (_, tile) in buildings {
                        @let state = tile.worst.unwrap_or(State::Quiet);
                        a class={"tile " (state.class())} id={"building-" (tile.code)} href={"/office/buildings/" (tile.code)}
                            title=(legend.iter().find(|(s, _)| *s == state).map(|(_, label)| label.as_str()).unwrap_or_default()) {
                            strong { (tile.code) }
                            span.counts { (fl!(l, "office-community-counts", count = tile.open, overdue = tile.overdue)) }
                        }
                    }
                }
            }
        }
    })
}
