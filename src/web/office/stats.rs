//! The Statistics page: the `/stats` figures of a period as bar charts in
//! inline SVG (service-level share per grid and per estate, median times to
//! accept and resolve, reopen rate, rating), each bar a link to the list of
//! the requests behind it, which is the other page here.

use std::collections::BTreeMap;

use i18n_embed_fl::fl;
use maud::{Markup, html};
use serde::Deserialize;

use super::body::{Reach, Viewer, request_href};
use crate::app::admin::Authority;
use crate::domain::stats::{RequestFacts, Stats};
use crate::domain::{Category, Status, UnitId};
use crate::store::{RequestFactsRow, StoreError, Tx};
use crate::telegram::render;

/// `?period=30`: the last 7, 30 or 90 days.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatsQuery {
    pub period: Option<i64>,
}

/// `?unit=12&period=30&what=service`: the requests behind one bar.
#[derive(Debug, Clone, Deserialize)]
pub struct BarQuery {
    pub unit: i64,
    pub period: Option<i64>,
    pub what: String,
}

/// The periods offered, in days; anything else is the first.
pub const PERIODS: [i64; 3] = [7, 30, 90];

fn days(period: Option<i64>) -> i64 {
    period.filter(|p| PERIODS.contains(p)).unwrap_or(PERIODS[0])
}

/// What a bar measures, and so which requests it is taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// Met or missed their deadlines.
    Service,
    Accept,
    Resolve,
    Reopen,
    Rating,
}

impl What {
    const ALL: [What; 5] = [What::Service, What::Accept, What::Resolve, What::Reopen, What::Rating];

    pub fn as_str(self) -> &'static str {
        match self {
            What::Service => "service",
            What::Accept => "accept",
            What::Resolve => "resolve",
            What::Reopen => "reopen",
            What::Rating => "rating",
        }
    }

    fn parse(text: &str) -> Option<What> {
        What::ALL.into_iter().find(|w| w.as_str() == text)
    }

    /// Whether a request counts in the figure (the same rules as
    /// [`Stats::compute`]).
    fn counts(self, fact: &RequestFacts) -> bool {
        match self {
            What::Service => {
                !matches!(fact.status, Status::Cancelled | Status::Merged)
                    && (fact.escalated || !fact.status.is_active())
            }
            What::Accept => fact.accepted_at.is_some(),
            What::Resolve | What::Reopen => fact.resolved_at.is_some(),
            What::Rating => fact.rating.is_some(),
        }
    }
}

/// A request of the period within reach: its facts and where it is.
struct Fact {
    number: i64,
    building: UnitId,
    facts: RequestFacts,
}

async fn facts(tx: &mut Tx, reach: &Reach, from: i64, to: i64) -> Result<Vec<Fact>, StoreError> {
    let rows = tx.office_request_facts(from, to).await?;
    Ok(rows.into_iter().filter_map(|row| fact(reach, row)).collect())
}

fn fact(reach: &Reach, row: RequestFactsRow) -> Option<Fact> {
    let building = UnitId(row.building_id);
    let place = reach.buildings.get(&building)?;
    let facts = RequestFacts {
        category: Category::parse(&row.category)?,
        status: Status::parse(&row.status)?,
        grid: place.grid.map(|g| reach.name(g).to_string()).unwrap_or_default(),
        building: place.code.clone(),
        created_at: row.created_at,
        accepted_at: row.accepted_at,
        resolved_at: row.resolved_at,
        reopened: u32::try_from(row.reopened).unwrap_or(0),
        rating: row.rating.and_then(|r| u8::try_from(r).ok()),
        escalated: row.escalations > 0,
    };
    Some(Fact { number: row.number, building, facts })
}

/// One bar: its label under it, its value (none: no bar) and the text
/// over it, and where a click leads.
struct Bar {
    label: String,
    value: Option<f64>,
    text: String,
    href: String,
}

const BAR_WIDTH: f64 = 44.0;
const GAP: f64 = 14.0;
const PLOT_HEIGHT: f64 = 160.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 40.0;

/// The height of a bar of `value` on a scale up to `max`.
pub fn bar_height(value: f64, max: f64) -> f64 {
    if max <= 0.0 { 0.0 } else { (value.clamp(0.0, max) / max * PLOT_HEIGHT * 10.0).round() / 10.0 }
}

fn chart(id: &str, title: &str, bars: &[Bar], max: f64) -> Markup {
    let width = GAP + bars.len() as f64 * (BAR_WIDTH + GAP);
    let height = TOP + PLOT_HEIGHT + BOTTOM;
    let base = TOP + PLOT_HEIGHT;
    html! {
        figure.chart id=(id) {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(title)
                width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) } {
                line.axis x1="0" y1=(base) x2=(width) y2=(base) stroke="#888" {}
                @for (i, bar) in bars.iter().enumerate() {
                    @let x = GAP + i as f64 * (BAR_WIDTH + GAP);
                    @let middle = x + BAR_WIDTH / 2.0;
                    @if let Some(value) = bar.value {
                        @let h = bar_height(value, max);
                        a href=(bar.href) {
                            rect.bar x=(x) y=(base - h) width=(BAR_WIDTH) height=(h) data-value=(format!("{value:.2}"))
                                fill="#3b7dd8" {
                                title { (bar.label) ": " (bar.text) }
                            }
                        }
                        text x=(middle) y=(base - h - 6.0) text-anchor="middle" font-size="11" { (bar.text) }
                    } @else {
                        text x=(middle) y=(base - 6.0) text-anchor="middle" font-size="11" { "—" }
                    }
                    text.label x=(middle) y=(base + 16.0) text-anchor="middle" font-size="11" { (bar.label) }
                }
            }
        }
    }
}

fn hours(d: Option<std::time::Duration>) -> Option<f64> {
    d.map(|d| d.as_secs_f64() / 3600.0)
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// The Statistics page body.
pub async fn page(
    tx: &mut Tx,
    authority: &Authority,
    viewer: &Viewer<'_>,
    query: &StatsQuery,
) -> Result<Markup, StoreError> {
    let l = viewer.l;
    let days = days(query.period);
    let now = viewer.now_ms();
    let reach = Reach::of(authority);
    let facts = facts(tx, &reach, now - days * 24 * 3_600_000, now + 1).await?;
    let all: Vec<RequestFacts> = facts.iter().map(|f| f.facts.clone()).collect();
    let stats = Stats::compute(&all, now);
    let mut grids: BTreeMap<(String, UnitId), Vec<RequestFacts>> = BTreeMap::new();
    let mut estates: BTreeMap<(String, UnitId), Vec<RequestFacts>> = BTreeMap::new();
    for fact in &facts {
        let Some(place) = reach.buildings.get(&fact.building) else { continue };
        if let Some(grid) = place.grid {
            grids.entry((reach.name(grid).to_string(), grid)).or_default().push(fact.facts.clone());
        }
        if let Some(estate) = place.estate {
            estates.entry((reach.name(estate).to_string(), estate)).or_default().push(fact.facts.clone());
        }
    }
    let grids: Vec<(String, UnitId, Stats)> =
        grids.into_iter().map(|((name, id), members)| (name, id, Stats::compute(&members, now))).collect();
    let estates: Vec<(String, UnitId, Stats)> =
        estates.into_iter().map(|((name, id), members)| (name, id, Stats::compute(&members, now))).collect();
    let href = |unit: UnitId, what: What| {
        format!("/office/stats/requests?unit={}&period={days}&what={}", unit.0, what.as_str())
    };
    let share_bars = |groups: &[(String, UnitId, Stats)]| -> Vec<Bar> {
        groups
            .iter()
            .map(|(name, id, s)| Bar {
                label: name.clone(),
                value: s.service_level.share().map(|share| share * 100.0),
                text: s.service_level.share().map(percent).unwrap_or_default(),
                href: href(*id, What::Service),
            })
            .collect()
    };
    let time_bars = |what: What| -> (Vec<Bar>, f64) {
        let bars: Vec<Bar> = grids
            .iter()
            .map(|(name, id, s)| {
                let median = if what == What::Accept { s.to_accept.median } else { s.to_resolve.median };
                Bar {
                    label: name.clone(),
                    value: hours(median),
                    text: median.map(|m| render::duration(l, m)).unwrap_or_default(),
                    href: href(*id, what),
                }
            })
            .collect();
        let max = bars.iter().filter_map(|b| b.value).fold(0.0, f64::max);
        (bars, max)
    };
    let (accept, accept_max) = time_bars(What::Accept);
    let (resolve, resolve_max) = time_bars(What::Resolve);
    let reopen: Vec<Bar> = grids
        .iter()
        .map(|(name, id, s)| Bar {
            label: name.clone(),
            value: s.reopen_rate.map(|r| r * 100.0),
            text: s.reopen_rate.map(percent).unwrap_or_default(),
            href: href(*id, What::Reopen),
        })
        .collect();
    let rating: Vec<Bar> = grids
        .iter()
        .map(|(name, id, s)| Bar {
            label: name.clone(),
            value: s.average_rating,
            text: s.average_rating.map(|r| format!("{r:.1}")).unwrap_or_default(),
            href: href(*id, What::Rating),
        })
        .collect();
    let median_text = |m: Option<std::time::Duration>| m.map(|m| render::duration(l, m)).unwrap_or_else(|| "—".into());
    Ok(html! {
        h1 { (fl!(l, "office-stats-title")) }
        nav.periods {
            @for period in PERIODS {
                a href={ "?period=" (period) } aria-current=[(period == days).then_some("page")] {
                    (fl!(l, "office-stats-period", days = period))
                }
            }
        }
        @if stats.total == 0 {
            p.empty { (fl!(l, "office-stats-none")) }
        } @else {
            dl.figures {
                dt { (fl!(l, "office-stats-total")) } dd #total { (stats.total) }
                dt { (fl!(l, "office-stats-service")) }
                dd #service { (stats.service_level.share().map(percent).unwrap_or_else(|| "—".into())) }
                dt { (fl!(l, "office-stats-to-accept")) } dd #to-accept { (median_text(stats.to_accept.median)) }
                dt { (fl!(l, "office-stats-to-resolve")) } dd #to-resolve { (median_text(stats.to_resolve.median)) }
                dt { (fl!(l, "office-stats-reopen")) }
                dd #reopen { (stats.reopen_rate.map(percent).unwrap_or_else(|| "—".into())) }
                dt { (fl!(l, "office-stats-rating")) }
                dd #rating { (stats.average_rating.map(|r| format!("{r:.1}")).unwrap_or_else(|| "—".into())) }
            }
            (chart("service-grids", &fl!(l, "office-stats-service-grids"), &share_bars(&grids), 100.0))
            (chart("service-estates", &fl!(l, "office-stats-service-estates"), &share_bars(&estates), 100.0))
            (chart("accept-grids", &fl!(l, "office-stats-accept-grids"), &accept, accept_max))
            (chart("resolve-grids", &fl!(l, "office-stats-resolve-grids"), &resolve, resolve_max))
            (chart("reopen-grids", &fl!(l, "office-stats-reopen-grids"), &reopen, 100.0))
            (chart("rating-grids", &fl!(l, "office-stats-rating-grids"), &rating, 5.0))
        }
    })
}

/// The requests behind one bar, or `None` when the unit is not within the
/// authority (the route answers 404) or the figure is unknown.
pub async fn requests(
    tx: &mut Tx,
    authority: &Authority,
    viewer: &Viewer<'_>,
    query: &BarQuery,
) -> Result<Option<Markup>, StoreError> {
    let l = viewer.l;
    let unit = UnitId(query.unit);
    let Some(what) = What::parse(&query.what) else { return Ok(None) };
    if !authority.covers(unit) {
        return Ok(None);
    }
    let days = days(query.period);
    let now = viewer.now_ms();
    let reach = Reach::of(authority);
    let facts: Vec<Fact> = facts(tx, &reach, now - days * 24 * 3_600_000, now + 1)
        .await?
        .into_iter()
        .filter(|f| reach.under(f.building, unit) && what.counts(&f.facts))
        .collect();
    let figure = match what {
        What::Service => fl!(l, "office-stats-service"),
        What::Accept => fl!(l, "office-stats-to-accept"),
        What::Resolve => fl!(l, "office-stats-to-resolve"),
        What::Reopen => fl!(l, "office-stats-reopen"),
        What::Rating => fl!(l, "office-stats-rating"),
    };
    let span = |at: Option<i64>, from: i64| at.map(|at| viewer.span(from, at)).unwrap_or_default();
    Ok(Some(html! {
        h1 { (reach.name(unit)) " · " (figure) }
        p { a href={ "/office/stats?period=" (days) } { (fl!(l, "office-stats-period", days = days)) } }
        @if facts.is_empty() {
            p.empty { (fl!(l, "office-stats-none")) }
        } @else {
            table.requests {
                thead {
                    tr {
                        th { (fl!(l, "office-column-number")) }
                        th { (fl!(l, "office-column-building")) }
                        th { (fl!(l, "office-column-category")) }
                        th { (fl!(l, "office-column-status")) }
                        th { (fl!(l, "office-column-created")) }
                        th { (figure) }
                    }
                }
                tbody {
                    @for fact in &facts {
                        @let f = &fact.facts;
                        tr data-number=(fact.number) {
                            td { a href=(request_href(fact.number)) { "#" (fact.number) } }
                            td { (f.building) }
                            td { (render::category(l, f.category)) }
                            td { (render::status(l, f.status)) }
                            td { (viewer.moment(f.created_at)) }
                            td {
                                @match what {
                                    What::Service => {
                                        @if f.escalated { (fl!(l, "office-stats-missed")) } @else { (fl!(l, "office-stats-met")) }
                                    }
                                    What::Accept => { (span(f.accepted_at, f.created_at)) }
                                    What::Resolve => { (span(f.resolved_at, f.created_at)) }
                                    What::Reopen => { (f.reopened) }
                                    What::Rating => { (f.rating.unwrap_or_default()) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }))
}
