//! A responder's duty: `/tasks`, the requests they hold; `/away` and
//! `/back`, whether new requests come to them; and, when they become
//! available, the requests that waited for someone.

use i18n_embed_fl::fl;

use super::cards;
use crate::app::requests;
use crate::domain::PersonId;
use crate::telegram::dates;
use crate::telegram::delivery::outgoing::Outgoing;
use crate::telegram::delivery::turn::Turn;
use crate::telegram::notify;
use crate::telegram::render::CardFor;

/// `/tasks`: the requests I hold, overdue first, each as its card.
pub async fn tasks(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    let now = turn.now;
    let tasks = requests::tasks_of(&mut turn.tx, turn.person.id, now).await?;
    if tasks.is_empty() {
        turn.say(fl!(l, "tasks-none"));
        return Ok(());
    }
    turn.say(fl!(l, "tasks-header", count = tasks.len()));
    // Each is a card like the one first sent, and is kept true like it.
    for request in tasks.iter().take(20) {
        let (text, buttons) = cards::view(l, request, crate::app::cards::Standing::Holder);
        turn.send(Outgoing::Card { chat: turn.chat, request: request.id.0, text, buttons });
    }
    Ok(())
}

/// `/away`, `/away 3` (days) or `/away 2026-12-01` (until the end of that
/// day): new requests pass the responder by and waiting ones go to cover.
pub async fn away(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let l = turn.l();
    if !turn.tx.roles_of(turn.person.id).await?.iter().any(|r| r.role.routing_rank().is_some()) {
        turn.say(fl!(l, "responders-only"));
        return Ok(());
    }
    let now = turn.now;
    let timezone = turn.app.config.timezone;
    let args = args.trim();
    let until = if args.is_empty() {
        Some(now + chrono::Duration::days(365))
    } else if let Ok(days) = args.trim_end_matches(['d', 'D']).parse::<i64>() {
        (1..=365).contains(&days).then(|| now + chrono::Duration::days(days))
    } else if let Ok(date) = chrono::NaiveDate::parse_from_str(args, "%Y-%m-%d") {
        use chrono::TimeZone;
        date.succ_opt()
            .and_then(|next| timezone.from_local_datetime(&next.and_time(chrono::NaiveTime::MIN)).earliest())
            .map(|at| at.with_timezone(&chrono::Utc))
            .filter(|at| *at > now)
    } else {
        None
    };
    let Some(until) = until else {
        turn.say(fl!(l, "away-usage"));
        return Ok(());
    };
    let policy = turn.app.policy(&mut turn.tx).await?;
    let moved = requests::go_away(&mut turn.tx, turn.person.id, until, &policy, now).await?;
    for (request, assignment) in &moved {
        cards::refresh(turn.app, &mut turn.tx, &mut turn.out, request).await?;
        if let Some(next) = assignment {
            notify::card(turn.app, &mut turn.tx, &mut turn.out, next.person, request, CardFor::Assignee, |_| None)
                .await?;
        }
    }
    let until = dates::moment(l, until, now, timezone);
    turn.say(fl!(l, "away-set", until = until, moved = moved.len()));
    Ok(())
}

pub async fn back(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    turn.tx.set_away(turn.person.id, None).await?;
    turn.say(fl!(l, "back-set"));
    route_waiting(turn, turn.person.id).await
}

/// `person` has just become available to take requests: the requests nobody
/// could take under their units go to the first available responder of each
/// chain, who gets the card, and every card of it shown before (the
/// office's first alert among them) says who has it now.
pub async fn route_waiting(turn: &mut Turn<'_>, person: PersonId) -> anyhow::Result<()> {
    let policy = turn.app.policy(&mut turn.tx).await?;
    for (request, assignment) in requests::route_waiting(&mut turn.tx, person, &policy, turn.now).await? {
        cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
        notify::card(turn.app, &mut turn.tx, &mut turn.out, assignment.person, &request, CardFor::Assignee, |_| None)
            .await?;
    }
    Ok(())
}
