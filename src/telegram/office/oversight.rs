//! What the community office watches: `/open`, `/request <number>`,
//! `/assign <number> <person> <reason>` and `/stats`.

use base64::Engine;
use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

use super::admin::admin;
use crate::app::App;
use crate::app::admin::{AdminAssignOutcome, Authority};
use crate::domain::stats::{GroupStats, Median, Open, ServiceLevelCount, Stats};
use crate::domain::{PersonId, Phone, RequestId, RequestNumber, UnitId};
use crate::media::chart::{Bar, BarChart, Panel};
use crate::store::{ActiveRequest, RequestView, Tx, from_millis};
use crate::telegram::dates;
use crate::telegram::delivery::outgoing::{Outbox, Outgoing};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::notify;
use crate::telegram::render;
use crate::telegram::render::CardFor;

/// The most requests `/open` lists in one answer.
const MAX_OPEN_LINES: usize = 60;

/// `/open`: active requests in the admin's units, overdue first, then the
/// oldest.
pub async fn open(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let Some(authority) = admin(turn).await? else { return Ok(()) };
    let l = turn.l();
    let now = turn.now_ms();
    let mut requests = Vec::new();
    for root in authority.roots() {
        requests.extend(turn.tx.open_requests_under(root).await?);
    }
    if requests.is_empty() {
        turn.say(fl!(l, "open-none"));
        return Ok(());
    }
    requests.sort_by_key(|r| (!is_overdue(r, now), r.created_at));
    let overdue = requests.iter().filter(|r| is_overdue(r, now)).count();
    let mut text = fl!(l, "open-header", count = requests.len(), overdue = overdue);
    for request in requests.iter().take(MAX_OPEN_LINES) {
        let age = render::duration(l, std::time::Duration::from_millis((now - request.created_at).max(0) as u64));
        let assignee = match (&request.assignee_name, request.assignee_role) {
            (Some(name), Some(role)) => format!("{name} ({})", render::role(l, role)),
            (Some(name), None) => name.clone(),
            _ => fl!(l, "open-unassigned"),
        };
        let mark = if is_overdue(request, now) { "⚠️ " } else { "" };
        text.push('\n');
        text.push_str(&fl!(
            l,
            "open-line",
            mark = mark,
            number = request.number.to_string(),
            building = request.building_code.clone(),
            category = render::category(l, request.category),
            status = render::status(l, request.status),
            age = age,
            assignee = assignee
        ));
    }
    if requests.len() > MAX_OPEN_LINES {
        text.push('\n');
        text.push_str(&fl!(l, "open-more", count = (requests.len() - MAX_OPEN_LINES)));
    }
    turn.say(text);
    Ok(())
}

fn is_overdue(request: &ActiveRequest, now: i64) -> bool {
    request.due().is_some_and(|due| due < now)
}

/// The request with this number in the admin's units, or a reply saying
/// why there is none.
async fn find(turn: &mut Turn<'_>, authority: &Authority, number: &str) -> anyhow::Result<Option<(RequestId, UnitId)>> {
    let l = turn.l();
    let Ok(number) = RequestNumber::parse(number) else {
        turn.say(fl!(l, "request-bad-number"));
        return Ok(None);
    };
    let found = turn.tx.requests_numbered(number).await?;
    let mine = found.iter().find(|(_, building)| authority.covers(*building)).copied();
    if mine.is_none() {
        let number = number.to_string();
        turn.say(if found.is_empty() {
            fl!(l, "request-not-found", number = number)
        } else {
            fl!(l, "request-outside-scope", number = number)
        });
    }
    Ok(mine)
}

/// `/request <number>`: the card and the whole timeline. Details of
/// sensitive categories only for admins of the community.
pub async fn request(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let Some(authority) = admin(turn).await? else { return Ok(()) };
    let l = turn.l();
    let Some((id, building)) = find(turn, &authority, args.trim()).await? else { return Ok(()) };
    let Some(mut view) = turn.tx.request_view(id).await? else { return Ok(()) };
    let hide = view.category.is_sensitive() && !authority.sees_sensitive(building);
    if hide {
        view.description = fl!(l, "sensitive-hidden");
    }
    let timezone = turn.app.config.timezone;
    let mut text = render::card_text(l, &view);
    text.push_str("\n\n");
    text.push_str(&fl!(l, "timeline-header"));
    let now = turn.now_ms();
    for entry in crate::app::admin::view_timeline(&mut turn.tx, id, turn.person.id, !hide, now).await? {
        let at = dates::moment(l, from_millis(entry.at), turn.now, timezone);
        let actor = entry.actor.unwrap_or_else(|| fl!(l, "timeline-system"));
        text.push('\n');
        text.push_str(&format!("{at} · {actor} · {}", render::event(l, &entry.event, &entry.names, hide)));
    }
    turn.say(text);
    Ok(())
}

/// `/assign <number> <phone or name> <reason>`.
pub async fn assign(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let Some(authority) = admin(turn).await? else { return Ok(()) };
    let l = turn.l();
    let mut words = args.split_whitespace();
    let (Some(number), Some(who)) = (words.next(), words.next()) else {
        turn.say(fl!(l, "assign-usage"));
        return Ok(());
    };
    let reason: String = words.collect::<Vec<_>>().join(" ").chars().take(500).collect();
    if reason.is_empty() {
        turn.say(fl!(l, "assign-usage"));
        return Ok(());
    }
    let Some((id, _)) = find(turn, &authority, number).await? else { return Ok(()) };
    let Some(to) = find_person(turn, &authority, who).await? else {
        turn.say(fl!(l, "assign-no-person", who = who.chars().take(40).collect::<String>()));
        return Ok(());
    };
    let now = turn.now;
    let policy = turn.app.policy(&mut turn.tx).await?;
    let outcome = crate::app::admin::assign(&mut turn.tx, id, turn.person.id, to, &reason, &policy, now).await?;
    match outcome {
        AdminAssignOutcome::Assigned { request, previous } => {
            tell_assigned(turn.app, &mut turn.tx, &mut turn.out, &request, to, previous, &reason).await?;
            turn.say(fl!(l, "assigned", number = request.number.to_string()));
        }
        AdminAssignOutcome::NotAResponder => turn.say(fl!(l, "assign-not-responder")),
        AdminAssignOutcome::NoLongerOpen(request) => {
            turn.say(fl!(l, "no-longer-open", status = render::status(l, request.status)))
        }
        AdminAssignOutcome::Missing => turn.say(fl!(l, "request-not-found", number = number.to_string())),
    }
    Ok(())
}

/// After the office gave a request to `to` (in chat or on the web): every
/// card rewritten, the new holder's card with the office's reason, and the
/// one it was taken from told.
pub async fn tell_assigned(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    request: &RequestView,
    to: PersonId,
    previous: Option<PersonId>,
    reason: &str,
) -> anyhow::Result<()> {
    let number = request.number.to_string();
    crate::telegram::responder::cards::refresh(app, tx, out, request).await?;
    notify::tell_followers_passed(app, tx, out, request).await?;
    notify::card(app, tx, out, to, request, CardFor::Assignee, |l| {
        Some(fl!(l, "assigned-by-office", reason = reason.to_string()))
    })
    .await?;
    if let Some(previous) = previous {
        notify::tell(app, tx, out, previous, |l| fl!(l, "taken-over-from-you", number = number.clone())).await?;
    }
    Ok(())
}

/// Tells everyone of a request the office took over (from the dashboard):
/// the cards shown change, those it was with are told it is off their
/// hands, the resident and followers that it is being handled, and the new
/// holder gets its card in chat to act on.
pub async fn tell_taken_over(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    request: &RequestView,
    taker: PersonId,
    previous: &[PersonId],
) -> anyhow::Result<()> {
    let number = request.number.to_string();
    crate::telegram::responder::cards::refresh(app, tx, out, request).await?;
    for previous in previous.iter().filter(|p| **p != taker) {
        notify::tell(app, tx, out, *previous, |l| fl!(l, "taken-over-from-you", number = number.clone())).await?;
    }
    let role = request.assignee_role.unwrap_or(crate::domain::Role::Admin);
    notify::tell_followers(app, tx, out, request).await?;
    notify::tell_resident(app, tx, out, request, |l| {
        fl!(l, "resident-accepted", number = number.clone(), responder = render::role(l, role))
    })
    .await?;
    notify::card(app, tx, out, taker, request, CardFor::Assignee, |l| Some(fl!(l, "taken-over-in-office"))).await?;
    Ok(())
}

/// A person named by phone, or by a name only one responder in the admin's
/// units has.
async fn find_person(turn: &mut Turn<'_>, authority: &Authority, who: &str) -> anyhow::Result<Option<PersonId>> {
    if let Ok(phone) = Phone::parse(who) {
        return Ok(turn.tx.person_id_by_phone(&phone).await?);
    }
    let mut found = Vec::new();
    for root in authority.roots() {
        for responder in turn.tx.responders_under(root).await? {
            if responder.name == who && !found.contains(&responder.person) {
                found.push(responder.person);
            }
        }
    }
    Ok(if found.len() == 1 { found.pop() } else { None })
}

/// `/stats [7d|30d|90d]`.
pub async fn stats(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let Some(authority) = admin(turn).await? else { return Ok(()) };
    let l = turn.l();
    let days: i64 = match args.trim() {
        "" | "7d" => 7,
        "30d" => 30,
        "90d" => 90,
        "problems" => return crate::telegram::followers::stats_problems(turn, &authority).await,
        _ => {
            turn.say(fl!(l, "stats-usage"));
            return Ok(());
        }
    };
    let now = turn.now_ms();
    let from = now - days * 24 * 3_600_000;
    let facts = crate::app::admin::stats_facts(&mut turn.tx, &authority, from, now + 1).await?;
    let stats = Stats::compute(&facts, now);
    let mut text = stats_text(l, &stats, days);
    for line in crate::telegram::responder::care::coverage_lines(turn, &authority).await? {
        text.push('\n');
        text.push_str(&line);
    }
    if let Some(line) = crate::telegram::responder::checkin::alerts_line(turn, &authority, from).await? {
        text.push('\n');
        text.push_str(&line);
    }
    turn.say(text);
    if stats.total > 0 {
        match crate::media::chart::bar_chart_png(&chart(l, &stats, days)) {
            Ok(png) => turn.send(Outgoing::Image {
                chat: turn.chat,
                name: "stats.png".into(),
                png_base64: base64::engine::general_purpose::STANDARD.encode(png),
                caption: Some(fl!(l, "stats-chart-caption", days = days)),
            }),
            Err(error) => tracing::warn!(%error, "could not draw the statistics chart"),
        }
    }
    Ok(())
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn hours(d: Option<std::time::Duration>) -> f64 {
    d.map_or(0.0, |d| d.as_secs_f64() / 3600.0)
}

/// A median with what it is taken over, or a dash when there is none yet.
fn median(l: &FluentLanguageLoader, median: Median) -> String {
    match median.median {
        Some(time) => fl!(l, "stats-median", time = render::duration(l, time), count = median.of),
        None => fl!(l, "stats-median-none"),
    }
}

/// How many requests are open and how long the oldest has waited.
fn open_now(l: &FluentLanguageLoader, open: Open) -> String {
    match open.oldest {
        Some(oldest) => fl!(l, "stats-open", count = open.count, oldest = render::duration(l, oldest)),
        None => fl!(l, "stats-open-none"),
    }
}

/// The share within the service level over the requests whose deadlines
/// have come, and how many are still running.
fn within(l: &FluentLanguageLoader, count: ServiceLevelCount) -> String {
    let share = count.share().map(percent).unwrap_or_default();
    fl!(l, "stats-within", share = share, met = count.met, decided = count.decided(), running = count.running)
}

fn group_line(l: &FluentLanguageLoader, group: &GroupStats) -> String {
    fl!(
        l,
        "stats-group",
        name = group.name.clone(),
        requests = group.requests,
        resolve = median(l, group.to_resolve),
        open = open_now(l, group.open),
        within = within(l, group.service_level)
    )
}

fn stats_text(l: &FluentLanguageLoader, stats: &Stats, days: i64) -> String {
    if stats.total == 0 {
        return fl!(l, "stats-none", days = days);
    }
    let mut text = fl!(
        l,
        "stats-summary",
        days = days,
        total = stats.total,
        accept = median(l, stats.to_accept),
        resolve = median(l, stats.to_resolve),
        open = open_now(l, stats.open),
        within = within(l, stats.service_level),
        reopened = stats.reopen_rate.map_or_else(|| "—".to_string(), percent),
        rating = stats.average_rating.map_or_else(|| "—".to_string(), |r| format!("{r:.1}")),
        ratings = stats.ratings
    );
    let categories: Vec<String> =
        stats.by_category.iter().map(|(c, n)| format!("{} {n}", render::category(l, *c))).collect();
    let statuses: Vec<String> = stats.by_status.iter().map(|(s, n)| format!("{} {n}", render::status(l, *s))).collect();
    text.push_str(&format!("\n\n{}\n{}", fl!(l, "stats-by-category"), categories.join(" · ")));
    text.push_str(&format!("\n{}\n{}", fl!(l, "stats-by-status"), statuses.join(" · ")));
    text.push_str(&format!("\n\n{}", fl!(l, "stats-per-grid")));
    for grid in &stats.grids {
        text.push_str(&format!("\n{}", group_line(l, grid)));
    }
    text.push_str(&format!("\n\n{}", fl!(l, "stats-slowest")));
    for building in &stats.slowest_buildings {
        text.push_str(&format!("\n{}", group_line(l, building)));
    }
    text
}

/// The chart shows what the text says: the grids' medians over resolved
/// requests, and the buildings' waits marked when they are an open
/// request's age.
fn chart(l: &FluentLanguageLoader, stats: &Stats, days: i64) -> BarChart {
    let count_bar = |label: String, n: usize| Bar { label, value: n as f64, caption: n.to_string() };
    let hours_bar = |label: String, d: Option<std::time::Duration>, open: bool| Bar {
        label,
        value: hours(d),
        caption: match d {
            None => fl!(l, "stats-median-none"),
            Some(_) if open => fl!(l, "stats-chart-hours-open", hours = format!("{:.1}", hours(d))),
            Some(_) => fl!(l, "stats-chart-hours", hours = format!("{:.1}", hours(d))),
        },
    };
    BarChart {
        title: fl!(l, "stats-chart-title", days = days),
        panels: vec![
            Panel {
                title: fl!(l, "stats-by-category"),
                bars: stats.by_category.iter().map(|(c, n)| count_bar(render::category(l, *c), *n)).collect(),
            },
            Panel {
                title: fl!(l, "stats-by-status"),
                bars: stats.by_status.iter().map(|(s, n)| count_bar(render::status(l, *s), *n)).collect(),
            },
            Panel {
                title: fl!(l, "stats-chart-grid-resolve"),
                bars: stats.grids.iter().map(|g| hours_bar(g.name.clone(), g.to_resolve.median, false)).collect(),
            },
            Panel {
                title: fl!(l, "stats-slowest"),
                bars: stats
                    .slowest_buildings
                    .iter()
                    .map(|b| hours_bar(b.name.clone(), b.wait(), b.waiting_on_open()))
                    .collect(),
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::RequestFacts;
    use crate::domain::{Category, Status};
    use crate::i18n::{I18n, Locale};

    /// One request reported two seconds ago and not yet accepted.
    fn one_open_request() -> Stats {
        let fact = RequestFacts {
            category: Category::Property,
            status: Status::Open,
            grid: "第一网格".into(),
            building: "E01".into(),
            created_at: 1_000,
            accepted_at: None,
            resolved_at: None,
            reopened: 0,
            rating: None,
            escalated: false,
        };
        Stats::compute(&[fact], 3_000)
    }

    #[test]
    fn an_open_request_is_shown_as_still_running_with_its_age_labelled_in_both_languages() {
        let i18n = I18n::load().unwrap();
        let en = stats_text(i18n.get(Locale::En), &one_open_request(), 7);
        assert!(en.starts_with("Last 7 days: 1 request\n"), "{en}");
        assert!(en.contains("Time to resolve: — (none yet)"), "{en}");
        assert!(en.contains("Not yet resolved: 1 request, waiting for 2 seconds"), "{en}");
        assert!(en.contains("Within the service level: — · 1 still running"), "{en}");
        assert!(
            en.contains("• 第一网格: 1 request · time to resolve: — (none yet) · not yet resolved: 1 request"),
            "{en}"
        );
        let zh = stats_text(i18n.get(Locale::ZhCn), &one_open_request(), 7);
        assert!(zh.contains("尚未办结：1 件，最久的已等 2 秒"), "{zh}");
        assert!(zh.contains("在服务时限内：—，1 件未到时限、仍在进行"), "{zh}");
        for text in [&en, &zh] {
            assert!(!text.contains('%'), "no share of requests whose deadline has not come: {text}");
        }
    }
}
