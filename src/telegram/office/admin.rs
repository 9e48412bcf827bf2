//! Admin commands. Every one is authorised by Telegram user id against the
//! roles in the database (or `ADMIN_IDS`) and leaves an event.

use chrono::NaiveDate;
use i18n_embed_fl::fl;

use crate::domain::escalation::{DurationError, parse_duration};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::render;
use base64::Engine;

use crate::app::admin::{Authority, UnitRefusal};
use crate::app::people::{self, RoleChange, RoleChanged};
use crate::app::settings;
use crate::domain::{Phone, Role, TelegramId, Unit, UnitId, Urgency};
use crate::store::Deadline;
use crate::telegram::delivery::outgoing::Outgoing;

/// The sender's authority, or `None` after telling them the command is for
/// admins.
pub(super) async fn admin(turn: &mut Turn<'_>) -> anyhow::Result<Option<Authority>> {
    let authority =
        Authority::of(&mut turn.tx, turn.person.id, TelegramId(turn.chat), &turn.app.config.admin_ids).await?;
    if authority.scope.is_admin() {
        Ok(Some(authority))
    } else {
        let l = turn.l();
        turn.say(fl!(l, "admins-only"));
        Ok(None)
    }
}

/// Like [`admin`], for what needs an admin of a whole community.
pub(super) async fn community_admin(turn: &mut Turn<'_>) -> anyhow::Result<Option<Authority>> {
    let Some(authority) = admin(turn).await? else { return Ok(None) };
    if authority.has_community() {
        Ok(Some(authority))
    } else {
        let l = turn.l();
        turn.say(fl!(l, "community-admins-only"));
        Ok(None)
    }
}

/// `/sla`, `/sla set <urgency> accept|resolve <duration>`,
/// `/sla holiday add|remove <YYYY-MM-DD>`.
pub async fn sla(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let words: Vec<&str> = args.split_whitespace().collect();
    if words.is_empty() {
        return match admin(turn).await? {
            Some(_) => show(turn).await,
            None => Ok(()),
        };
    }
    if community_admin(turn).await?.is_none() {
        return Ok(());
    }
    if super::reporter_rules::sla_change(turn, &words).await?.is_some() {
        return show(turn).await;
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
            let within = match parse_duration(duration) {
                Ok(within) => within,
                Err(error) => {
                    let value = duration.chars().take(20).collect::<String>();
                    turn.say(match error {
                        DurationError::Malformed => fl!(l, "sla-bad-duration", value = value),
                        DurationError::Zero => fl!(l, "sla-zero-duration"),
                        DurationError::TooLong => fl!(l, "sla-duration-too-long", value = value),
                    });
                    return Ok(());
                }
            };
            settings::set_service_level(&mut turn.tx, turn.person.id, urgency, deadline, within, now).await?;
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
            settings::set_pooled(&mut turn.tx, turn.person.id, category, pooled, now).await?;
            turn.say(fl!(l, "sla-changed"));
            show(turn).await
        }
        ["holiday", action @ ("add" | "remove"), day] => {
            let Ok(date) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
                turn.say(fl!(l, "sla-bad-date", value = day.chars().take(20).collect::<String>()));
                return Ok(());
            };
            settings::set_holiday(&mut turn.tx, turn.person.id, date, *action == "add", now).await?;
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
        let today = turn.now.with_timezone(&turn.app.config.timezone).date_naive();
        let dates: Vec<String> = holidays.iter().map(|day| crate::telegram::dates::day(l, *day, today)).collect();
        text.push_str(&fl!(l, "sla-holidays", dates = dates.join(", ")));
    }
    let pool: Vec<String> = turn.tx.pool_categories().await?.into_iter().map(|c| render::category(l, c)).collect();
    text.push('\n');
    text.push_str(&fl!(l, "sla-pool", categories = pool.join(", ")));
    text.push('\n');
    text.push_str(&super::reporter_rules::sla_lines(turn).await?);
    text.push('\n');
    text.push_str(&fl!(l, "sla-usage"));
    turn.say(text);
    Ok(())
}

/// `/export [from] [to]`: the requests as CSV, for admins of a community;
/// no resident names or phones, sensitive descriptions redacted.
pub async fn export(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let Some(authority) = community_admin(turn).await? else { return Ok(()) };
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
    let now = turn.now_ms();
    let (csv, rows) = crate::app::export::export_for(&mut turn.tx, turn.person.id, from, to, timezone, now).await?;
    let name = format!("requests-{}.csv", turn.now.with_timezone(&timezone).format("%Y%m%d"));
    turn.send(crate::telegram::delivery::outgoing::Outgoing::File { chat: turn.chat, name, content: csv });
    let counts = crate::app::export::household_counts_csv(&mut turn.tx, |b| authority.covers(b)).await?;
    if let Some(content) = counts {
        let name = format!("households-{}.csv", turn.now.with_timezone(&timezone).format("%Y%m%d"));
        turn.send(crate::telegram::delivery::outgoing::Outgoing::File { chat: turn.chat, name, content });
    }
    turn.say(fl!(l, "export-sent", rows = rows));
    Ok(())
}

/// `/people`, `/people <unit>`, `/people add <role> <unit> <phone> [name]`,
/// `/people remove <role> <unit> <phone>`.
pub async fn people(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let Some(authority) = admin(turn).await? else { return Ok(()) };
    let l = turn.l();
    let words: Vec<&str> = args.split_whitespace().collect();
    match words.as_slice() {
        [] => {
            let roots = authority.roots();
            list_people(turn, &authority, &roots).await
        }
        [action @ ("add" | "remove"), role, unit, phone, name @ ..] => {
            let adding = *action == "add";
            let Some((role, unit)) = role_on_unit(turn, &authority, role, unit) else { return Ok(()) };
            let Ok(phone) = Phone::parse(phone) else {
                turn.say(fl!(l, "phone-invalid"));
                return Ok(());
            };
            let now = turn.now_ms();
            let name: String = name.join(" ").chars().take(60).collect();
            let change = RoleChange { grant: adding, role, unit: unit.id, phone: &phone, name: &name };
            let RoleChanged { person, changed } =
                people::change_role(&mut turn.tx, turn.person.id, &change, now).await?;
            if let (Some(person), true) = (person, changed) {
                crate::telegram::menus::refresh(turn.app, &mut turn.tx, &mut turn.out, person).await?;
                if adding {
                    crate::telegram::responder::tasks::route_waiting(turn, person).await?;
                }
            }
            let path = authority.path(unit.id);
            let text = match (adding, changed) {
                (true, true) => fl!(l, "role-granted", role = render::role(l, role), unit = path),
                (false, true) => fl!(l, "role-revoked", role = render::role(l, role), unit = path),
                (true, false) => fl!(l, "role-already-held", role = render::role(l, role), unit = path),
                (false, false) => fl!(l, "role-not-held", role = render::role(l, role), unit = path),
            };
            turn.say(text);
            Ok(())
        }
        [unit] => {
            let Some(unit) = resolve_unit(turn, &authority, unit) else { return Ok(()) };
            let root = unit.id;
            list_people(turn, &authority, &[root]).await
        }
        _ => {
            turn.say(fl!(l, "people-usage"));
            Ok(())
        }
    }
}

/// A unit the admin named, if it exists and is theirs; otherwise says why
/// not.
pub(super) fn resolve_unit<'u>(turn: &mut Turn<'_>, authority: &'u Authority, reference: &str) -> Option<&'u Unit> {
    let l = turn.l();
    let unit: String = reference.chars().take(40).collect();
    let refusal = match authority.resolve(reference) {
        Ok(unit) => return Some(unit),
        Err(UnitRefusal::Unknown) => fl!(l, "unit-unknown", unit = unit),
        Err(UnitRefusal::Ambiguous { example }) => fl!(l, "unit-ambiguous", unit = unit, example = example),
        Err(UnitRefusal::OutsideScope) => fl!(l, "unit-outside-scope", unit = unit),
    };
    turn.say(refusal);
    None
}

/// A role and the unit it is to be held on, as an admin named them, if the
/// role exists, the unit is theirs and the role may sit on that level;
/// otherwise says what is wrong.
fn role_on_unit<'u>(turn: &mut Turn<'_>, authority: &'u Authority, role: &str, unit: &str) -> Option<(Role, &'u Unit)> {
    let l = turn.l();
    let Some(role) = Role::parse(role) else {
        let expected = Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        turn.say(fl!(l, "people-bad-role", expected = expected));
        return None;
    };
    let unit = resolve_unit(turn, authority, unit)?;
    if let Some(required) = role.required_level()
        && unit.level != required
    {
        turn.say(fl!(l, "role-wrong-level", role = render::role(l, role), level = render::level(l, required)));
        return None;
    }
    Some((role, unit))
}

async fn list_people(turn: &mut Turn<'_>, authority: &Authority, roots: &[UnitId]) -> anyhow::Result<()> {
    let l = turn.l();
    let mut lines = String::new();
    let mut last_unit = None;
    let mut from_config = false;
    for root in roots {
        for responder in turn.tx.responders_under(*root).await? {
            if last_unit != Some(responder.unit) {
                last_unit = Some(responder.unit);
                lines.push_str(&format!("\n\n{}", authority.path(responder.unit)));
            }
            let bound = if responder.bound { "" } else { " ⚪" };
            let configured = if responder.from_config { " 🔑" } else { "" };
            from_config |= responder.from_config;
            lines.push_str(&format!("\n• {} {}{bound}{configured}", render::role(l, responder.role), responder.name));
        }
    }
    let mut text = if lines.is_empty() { fl!(l, "people-none") } else { fl!(l, "people-header") };
    // An `ADMIN_IDS` account and the directory's entry for the same person
    // are two people until the account shares the entry's phone, which
    // merges them; until then the list says so, next to its legend.
    if from_config {
        text.push('\n');
        text.push_str(&fl!(l, "people-from-config"));
    }
    text.push_str(&lines);
    text.push_str("\n\n");
    text.push_str(&fl!(l, "people-usage"));
    turn.say(text);
    Ok(())
}

/// `/invite <role> <unit>`: a single-use link that gives the role to whoever
/// opens it first, with its QR code.
pub async fn invite(turn: &mut Turn<'_>, args: &str, bot_username: &str) -> anyhow::Result<()> {
    let Some(authority) = admin(turn).await? else { return Ok(()) };
    let l = turn.l();
    let words: Vec<&str> = args.split_whitespace().collect();
    let [role, unit] = words.as_slice() else {
        turn.say(fl!(l, "invite-usage"));
        return Ok(());
    };
    let Some((role, unit)) = role_on_unit(turn, &authority, role, unit) else { return Ok(()) };
    let (unit_id, path) = (unit.id, authority.path(unit.id));
    let code = crate::app::admin::invite(&mut turn.tx, turn.person.id, role, unit_id, turn.now).await?;
    let link = format!("https://t.me/{bot_username}?start=join_{code}");
    let days = crate::app::admin::INVITATION_DAYS;
    let text = fl!(l, "invite-created", role = render::role(l, role), unit = path, link = link.clone(), days = days);
    turn.say(text);
    match crate::media::qr::qr_png(&link) {
        Ok(png) => turn.send(Outgoing::Image {
            chat: turn.chat,
            name: "invitation.png".into(),
            png_base64: base64::engine::general_purpose::STANDARD.encode(png),
            caption: None,
        }),
        Err(error) => tracing::warn!(%error, "could not draw an invitation's QR code"),
    }
    Ok(())
}

/// `/start join_<code>`: takes up an invitation.
pub async fn join(turn: &mut Turn<'_>, code: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let valid = code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric());
    let accepted = if valid {
        crate::app::admin::accept_invitation(&mut turn.tx, code, turn.person.id, turn.now).await?
    } else {
        None
    };
    let Some((role, unit)) = accepted else {
        turn.say(fl!(l, "invitation-invalid"));
        return Ok(());
    };
    let path = turn.tx.ancestry(unit).await?.iter().rev().map(|u| u.name.clone()).collect::<Vec<_>>().join(" / ");
    turn.say(fl!(l, "invitation-accepted", role = render::role(l, role), unit = path));
    turn.say(fl!(l, "help-responder"));
    crate::telegram::menus::refresh(turn.app, &mut turn.tx, &mut turn.out, turn.person.id).await?;
    crate::telegram::responder::tasks::route_waiting(turn, turn.person.id).await?;
    Ok(())
}
