//! Admin commands. Every one is authorised by Telegram user id against the
//! roles in the database (or `ADMIN_IDS`) and leaves an event.

use chrono::NaiveDate;
use i18n_embed_fl::fl;

use super::render;
use super::turn::Turn;
use crate::domain::escalation::parse_duration;
use crate::domain::events::Event;
use crate::domain::{Role, TelegramId, UnitLevel, Urgency};
use crate::store::Deadline;

/// How much authority the sender has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Authority {
    None,
    /// An admin of some unit below a community.
    UnitAdmin,
    /// An admin of a whole community, or listed in `ADMIN_IDS`.
    CommunityAdmin,
}

async fn authority(turn: &mut Turn<'_>) -> anyhow::Result<Authority> {
    if turn.app.config.admin_ids.contains(&TelegramId(turn.chat)) {
        return Ok(Authority::CommunityAdmin);
    }
    let roles = turn.tx.roles_of(turn.person.id).await?;
    let admin_levels = roles.iter().filter(|r| r.role == Role::Admin).map(|r| r.level);
    Ok(admin_levels.fold(Authority::None, |best, level| {
        best.max(if level == UnitLevel::Community { Authority::CommunityAdmin } else { Authority::UnitAdmin })
    }))
}

/// `/sla`, `/sla set <urgency> accept|resolve <duration>`,
/// `/sla holiday add|remove <YYYY-MM-DD>`.
pub async fn sla(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let authority = authority(turn).await?;
    if authority == Authority::None {
        turn.say(fl!(l, "admins-only"));
        return Ok(());
    }
    let words: Vec<&str> = args.split_whitespace().collect();
    if words.is_empty() {
        return show(turn).await;
    }
    if authority < Authority::CommunityAdmin {
        turn.say(fl!(l, "community-admins-only"));
        return Ok(());
    }
    let now = turn.now_ms();
    match words.as_slice() {
        ["set", urgency, which, duration] => {
            let Some(urgency) = Urgency::parse(urgency) else {
                let expected = Urgency::ALL.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(", ");
                turn.say(fl!(l, "sla-bad-urgency", expected = expected));
                return Ok(());
            };
            let deadline = match *which {
                "accept" => Deadline::Accept,
                "resolve" => Deadline::Resolve,
                _ => {
                    turn.say(fl!(l, "sla-usage"));
                    return Ok(());
                }
            };
            let Some(within) = parse_duration(duration) else {
                turn.say(fl!(l, "sla-bad-duration", value = duration.chars().take(20).collect::<String>()));
                return Ok(());
            };
            turn.tx.set_service_level(urgency, deadline, within).await?;
            let event = Event::ServiceLevelChanged { urgency, deadline: which.to_string(), seconds: within.as_secs() };
            turn.tx.record_event(None, Some(turn.person.id), &event, now).await?;
            turn.say(fl!(l, "sla-changed"));
            show(turn).await
        }
        ["pool", action @ ("add" | "remove"), category] => {
            let Some(category) = crate::domain::Category::parse(category) else {
                let expected = crate::domain::Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
                turn.say(fl!(l, "sla-bad-category", expected = expected));
                return Ok(());
            };
            let pooled = *action == "add";
            if turn.tx.set_pool_category(category, pooled).await? {
                turn.tx.record_event(None, Some(turn.person.id), &Event::PoolChanged { category, pooled }, now).await?;
            }
            turn.say(fl!(l, "sla-changed"));
            show(turn).await
        }
        ["holiday", action @ ("add" | "remove"), day] => {
            let Ok(date) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
                turn.say(fl!(l, "sla-bad-date", value = day.chars().take(20).collect::<String>()));
                return Ok(());
            };
            let adding = *action == "add";
            let changed = if adding { turn.tx.add_holiday(date).await? } else { turn.tx.remove_holiday(date).await? };
            if changed {
                let event = Event::HolidayChanged { day: date.to_string(), added: adding };
                turn.tx.record_event(None, Some(turn.person.id), &event, now).await?;
            }
            turn.say(fl!(l, "sla-changed"));
            show(turn).await
        }
        _ => {
            turn.say(fl!(l, "sla-usage"));
            Ok(())
        }
    }
}

async fn show(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    let policy = turn.app.policy(&mut turn.tx).await?;
    let mut text = fl!(l, "sla-header");
    for urgency in Urgency::ALL {
        let level = policy.level(*urgency);
        let clock = if level.service_hours_only { fl!(l, "sla-service-hours") } else { fl!(l, "sla-around-the-clock") };
        text.push('\n');
        text.push_str(&fl!(
            l,
            "sla-line",
            urgency = render::urgency(l, *urgency),
            accept = render::duration(l, level.accept_within),
            resolve = render::duration(l, level.resolve_within),
            clock = clock
        ));
    }
    let holidays = turn.tx.holidays().await?;
    text.push('\n');
    if holidays.is_empty() {
        text.push_str(&fl!(l, "sla-no-holidays"));
    } else {
        let days: Vec<String> = holidays.iter().map(ToString::to_string).collect();
        text.push_str(&fl!(l, "sla-holidays", days = days.join(", ")));
    }
    let pool: Vec<String> = turn.tx.pool_categories().await?.into_iter().map(|c| render::category(l, c)).collect();
    text.push('\n');
    text.push_str(&fl!(l, "sla-pool", categories = pool.join(", ")));
    text.push('\n');
    text.push_str(&fl!(l, "sla-usage"));
    turn.say(text);
    Ok(())
}

/// `/export [from] [to]`: the requests as CSV, for admins of a community;
/// no resident names or phones, sensitive descriptions redacted.
pub async fn export(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let l = turn.l();
    match authority(turn).await? {
        Authority::None => {
            turn.say(fl!(l, "admins-only"));
            return Ok(());
        }
        Authority::UnitAdmin => {
            turn.say(fl!(l, "community-admins-only"));
            return Ok(());
        }
        Authority::CommunityAdmin => {}
    }
    let mut dates = Vec::new();
    for word in args.split_whitespace() {
        match NaiveDate::parse_from_str(word, "%Y-%m-%d") {
            Ok(date) if dates.len() < 2 => dates.push(date),
            _ => {
                turn.say(fl!(l, "export-usage"));
                return Ok(());
            }
        }
    }
    let timezone = turn.app.config.timezone;
    let (from, to) = crate::app::export::period(dates.first().copied(), dates.get(1).copied(), timezone);
    let (csv, rows) = crate::app::export::requests_csv(&mut turn.tx, from, to, timezone).await?;
    let now = turn.now_ms();
    turn.tx.record_event(None, Some(turn.person.id), &Event::Exported { rows: rows as u64 }, now).await?;
    let name = format!("requests-{}.csv", turn.now.with_timezone(&timezone).format("%Y%m%d"));
    turn.send(super::outgoing::Outgoing::File { chat: turn.chat, name, content: csv });
    turn.say(fl!(l, "export-sent", rows = rows.to_string()));
    Ok(())
}
