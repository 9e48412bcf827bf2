//! A building's page: its open and recent requests, its liaison and deputy
//! (can the bot reach them, are they away), how many of its households are
//! registered, and the problems that keep coming back there.

use i18n_embed_fl::fl;
use maud::{Markup, html};

use super::body::{Reach, Viewer, request_href};
use super::people::holders_table;
use super::queues::{self, QueueQuery};
use crate::app::admin::Authority;
use crate::domain::{BuildingCode, Role, UnitId};
use crate::store::{RoleHolder, Tx};
use crate::telegram::render;

/// How far back the page lists closed requests and recurring problems.
const RECENT_DAYS: i64 = 30;
const PROBLEM_DAYS: i64 = 90;
/// The closed requests listed at most.
const RECENT_LIMIT: i64 = 50;

/// The building coded `code` if it lies within the authority's reach.
pub async fn find(tx: &mut Tx, authority: &Authority, code: &str) -> anyhow::Result<Option<UnitId>> {
    let Ok(code) = BuildingCode::parse(code) else { return Ok(None) };
    let Some(unit) = tx.building_by_code(&code).await? else { return Ok(None) };
    Ok(Reach::of(authority).buildings.contains_key(&unit.id).then_some(unit.id))
}

pub async fn page(
    tx: &mut Tx,
    authority: &Authority,
    viewer: &Viewer<'_>,
    building: UnitId,
    query: &QueueQuery,
) -> anyhow::Result<Option<Markup>> {
    let l = viewer.l;
    let now = viewer.now_ms();
    let reach = Reach::of(authority);
    let Some(place) = reach.buildings.get(&building) else { return Ok(None) };
    let day = 24 * 3_600_000;
    let active = tx.office_active_requests().await?;
    let (by, descending) = query.order();
    let open = queues::sorted(active.iter().filter(|r| r.building == building), by, descending);
    let closed = tx.office_closed_requests(building, now - RECENT_DAYS * day, RECENT_LIMIT).await?;
    let mut holders: Vec<RoleHolder> = tx
        .office_role_holders()
        .await?
        .into_iter()
        .filter(|h| h.unit == building && matches!(h.role, Role::Liaison | Role::Deputy))
        .collect();
    holders.sort_by_key(|h| h.role.routing_rank());
    let households = tx.office_household_counts(building).await?;
    let problems = tx.recurring_problems(building, now - PROBLEM_DAYS * day, now + 1).await?;
    let above: Vec<&str> = [place.grid, place.estate].into_iter().flatten().map(|unit| reach.name(unit)).collect();
    Ok(Some(html! {
        h1 { (fl!(l, "office-building-title", code = place.code.clone())) }
        @if !above.is_empty() { p.path { (above.join(" · ")) } }
        section.people {
            h2 { (fl!(l, "office-building-people")) }
            @if holders.is_empty() {
                p.empty { (fl!(l, "office-building-nobody")) }
            } @else {
                (holders_table(viewer, &reach, &holders))
            }
        }
        section.households {
            h2 { (fl!(l, "office-building-households")) }
            p.households {
                @if households.known == 0 {
                    (fl!(l, "office-building-no-households"))
                } @else {
                    (fl!(l, "office-building-registered", count = households.registered, known = households.known))
                }
                " · "
                (fl!(l, "office-building-residents", count = households.residents))
            }
        }
        section.requests id="open" {
            h2 { (fl!(l, "office-building-open")) " " span.count { (open.len()) } }
            @if open.is_empty() {
                p.empty { (fl!(l, "office-queues-empty")) }
            } @else {
                (queues::table(viewer, &reach, &open, by, descending))
            }
        }
        section.requests id="recent" {
            h2 { (fl!(l, "office-building-recent", days = RECENT_DAYS)) }
            @if closed.is_empty() {
                p.empty { (fl!(l, "office-building-none-recent")) }
            } @else {
                table.requests {
                    thead { tr {
                        th { (fl!(l, "office-column-number")) }
                        th { (fl!(l, "office-column-category")) }
                        th { (fl!(l, "office-column-status")) }
                        th { (fl!(l, "office-column-created")) }
                        th { (fl!(l, "office-column-closed")) }
                    } }
                    tbody {
                        @for request in &closed {
                            tr data-number=(request.number.0) {
                                td { a href=(request_href(request.number.0)) { (request.number.to_string()) } }
                                td { (render::category(l, request.category)) }
                                td { (render::status(l, request.status)) }
                                td { (viewer.moment(request.created_at)) }
                                td { (viewer.moment(request.updated_at)) }
                            }
                        }
                    }
                }
            }
        }
        section.problems id="problems" {
            h2 { (fl!(l, "office-building-problems", days = PROBLEM_DAYS)) }
            @if problems.is_empty() {
                p.empty { (fl!(l, "office-building-no-problems")) }
            } @else {
                ul.problems {
                    @for problem in &problems {
                        li {
                            strong { (render::category(l, problem.category)) }
                            " · " (fl!(l, "office-building-problem", count = problem.requests, households = problem.households))
                            " · " (viewer.moment(problem.opened_at))
                        }
                    }
                }
            }
        }
    }))
}
