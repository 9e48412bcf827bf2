//! Many reporters of one problem, in chat: "Me too" offers after the
//! category of a report, known outages answering at once, `/merge`,
//! `/unmerge`, the card's "Duplicate of…", `/outage`, what followers are
//! told, recurring problems for the estate group leader and
//! `/stats problems`.

use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use super::callback::{CallbackData, Step};
use super::dates;
use super::delivery::outgoing::{Button, Keyboard, Outbox};
use super::delivery::turn::Turn;
use super::dialogue::clear_buttons;
use super::notify;
use super::render;
use crate::app::App;
use crate::app::followers::{self, FollowOutcome, MergeOutcome, OutageOutcome, UnmergeOutcome};
use crate::app::recurring::Recurring;
use crate::domain::reporters::{MergeRefusal, UnmergeRefusal};
use crate::domain::{BuildingCode, Category, RequestId, RequestNumber};
use crate::store::{RequestView, StoreError, Tx, from_millis};

type Answer = anyhow::Result<String>;

/// Right after the category of a report was chosen: a known outage of it
/// answers at once and makes the resident a follower, which ends the
/// report; otherwise open requests like it nearby are offered with "Me
/// too", and the description is asked all the same, so that a resident
/// whose problem is another just goes on. Returns whether the report ended.
pub async fn after_category(turn: &mut Turn<'_>, category: Category) -> anyhow::Result<bool> {
    let l = turn.l();
    let now = turn.now;
    if let Some(outcome) = followers::report_into_outage(&mut turn.tx, turn.person.id, category, now).await? {
        turn.end_dialogue();
        let answer = followed(turn, outcome, true).await?;
        turn.say(answer);
        return Ok(true);
    }
    let offered = followers::offers(&mut turn.tx, turn.person.id, category).await?;
    if offered.is_empty() {
        return Ok(false);
    }
    let timezone = turn.app.config.timezone;
    let mut text = fl!(l, "metoo-offer");
    let mut buttons = Vec::new();
    for request in &offered {
        let first_line = request.description.lines().next().unwrap_or_default().chars().take(80).collect::<String>();
        text.push_str("\n\n");
        text.push_str(&fl!(
            l,
            "metoo-offer-line",
            number = request.number.to_string(),
            at = dates::moment(l, from_millis(request.created_at), now, timezone),
            status = render::status(l, request.status),
            households = request.households,
            first = first_line
        ));
        let label = fl!(l, "button-me-too", number = request.number.to_string());
        buttons.push(vec![Button::new(label, CallbackData::MeToo(request.id).encode())]);
    }
    buttons.push(vec![Button::new(fl!(l, "button-mine-is-different"), CallbackData::Step(Step::Different).encode())]);
    turn.reply(text, Some(Keyboard::Inline(buttons)));
    Ok(false)
}

/// "Me too" on an offered request: the resident follows it instead of
/// reporting their own, and the report they began is dropped.
pub async fn me_too(turn: &mut Turn<'_>, id: RequestId, message: Option<(i64, MessageId)>) -> Answer {
    let now = turn.now;
    let outcome = followers::follow(&mut turn.tx, id, turn.person.id, now).await?;
    if matches!(outcome, FollowOutcome::Following { .. } | FollowOutcome::AlreadyFollowing(_)) {
        clear_buttons(turn, message);
        turn.end_dialogue();
    }
    let answer = followed(turn, outcome, false).await?;
    turn.say(answer);
    Ok(String::new())
}

/// What a resident is told of becoming a follower (by "Me too", or of a
/// known `outage`); the request's cards show the new count now, or at the
/// next edit allowed.
async fn followed(turn: &mut Turn<'_>, outcome: FollowOutcome, outage: bool) -> anyhow::Result<String> {
    let l = turn.l();
    Ok(match outcome {
        FollowOutcome::Following { request, households, cards_now } => {
            if cards_now {
                super::responder::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            }
            let number = request.number.to_string();
            if outage {
                fl!(l, "outage-known", number = number, households = households)
            } else {
                fl!(l, "metoo-following", number = number, households = households)
            }
        }
        FollowOutcome::AlreadyFollowing(request) => fl!(l, "metoo-already", number = request.number.to_string()),
        FollowOutcome::NoLongerOpen(request) => fl!(l, "no-longer-open", status = render::status(l, request.status)),
        FollowOutcome::NotOffered | FollowOutcome::Missing => fl!(l, "button-unknown"),
    })
}

/// Reads `<number>` or `#<number>` as a request of a community where the
/// sender holds a role (numbers are per community), or the only request of
/// that number (admins from `ADMIN_IDS` hold no role). Whether they may act
/// on it is the use case's to say.
async fn request_numbered(turn: &mut Turn<'_>, typed: &str) -> anyhow::Result<Option<RequestView>> {
    let Ok(number) = RequestNumber::parse(typed) else { return Ok(None) };
    let units: Vec<_> = turn.tx.roles_of(turn.person.id).await?.into_iter().map(|role| role.unit).collect();
    let found = turn.tx.requests_numbered(number).await?;
    for (id, building) in &found {
        if turn.tx.ancestry(*building).await?.iter().any(|unit| units.contains(&unit.id)) {
            return Ok(turn.tx.request_view(*id).await?);
        }
    }
    match found.as_slice() {
        [(id, _)] => Ok(turn.tx.request_view(*id).await?),
        _ => Ok(None),
    }
}

/// `/merge <number> <into>`.
pub async fn merge_command(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let words: Vec<&str> = args.split_whitespace().collect();
    let [duplicate, into] = words.as_slice() else {
        turn.say(fl!(l, "merge-usage"));
        return Ok(());
    };
    let (Some(duplicate), Some(into)) = (request_numbered(turn, duplicate).await?, request_numbered(turn, into).await?)
    else {
        turn.say(fl!(l, "merge-missing"));
        return Ok(());
    };
    let answer = merge(turn, duplicate.id, into.id).await?;
    turn.say(answer);
    Ok(())
}

/// The card's "Duplicate of…": the open requests of the same category in
/// the building (the estate, for estate-wide ones) to merge it into.
pub async fn duplicate_choices(turn: &mut Turn<'_>, id: RequestId) -> Answer {
    let l = turn.l();
    let Some(request) = turn.tx.request_view(id).await? else { return Ok(fl!(l, "button-unknown")) };
    let building = turn.tx.request_building(id).await?;
    let mut buttons = Vec::new();
    for other in turn.tx.open_requests_like(building, request.category, crate::domain::PersonId(0), 8).await? {
        if other == id {
            continue;
        }
        let Some(other) = turn.tx.request_view(other).await? else { continue };
        let label = fl!(l, "button-merge-into", number = other.number.to_string());
        buttons.push(vec![Button::new(label, CallbackData::MergeInto(id, other.id).encode())]);
    }
    let number = request.number.to_string();
    if buttons.is_empty() {
        return Ok(fl!(l, "duplicate-none", number = number, building = request.building_code.clone()));
    }
    turn.reply(fl!(l, "duplicate-choose", number = number), Some(Keyboard::Inline(buttons)));
    Ok(String::new())
}

/// A choice of "Duplicate of…" was pressed.
pub async fn merge_button(
    turn: &mut Turn<'_>,
    duplicate: RequestId,
    into: RequestId,
    message: Option<(i64, MessageId)>,
) -> Answer {
    clear_buttons(turn, message);
    let answer = merge(turn, duplicate, into).await?;
    turn.say(answer);
    Ok(String::new())
}

/// Merges, then edits both requests' cards and tells each person who moved.
async fn merge(turn: &mut Turn<'_>, duplicate: RequestId, into: RequestId) -> Answer {
    let l = turn.l();
    let now = turn.now;
    Ok(match followers::merge(&mut turn.tx, duplicate, into, turn.person.id, now).await? {
        MergeOutcome::Merged { duplicate, into, moved, households } => {
            super::responder::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &duplicate).await?;
            super::responder::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &into).await?;
            let (number, into_number) = (duplicate.number.to_string(), into.number.to_string());
            for person in moved {
                notify::tell(turn.app, &mut turn.tx, &mut turn.out, person, |l| {
                    fl!(l, "merge-told", number = number.clone(), into = into_number.clone())
                })
                .await?;
            }
            fl!(l, "merge-done", number = number, into = into_number, households = households)
        }
        MergeOutcome::NotAllowed => fl!(l, "merge-not-allowed"),
        MergeOutcome::Refused(MergeRefusal::SameRequest) => fl!(l, "merge-same"),
        MergeOutcome::Refused(MergeRefusal::DuplicateFinished) => fl!(l, "merge-duplicate-finished"),
        MergeOutcome::Refused(MergeRefusal::OriginalFinished) => fl!(l, "merge-original-finished"),
        MergeOutcome::Missing => fl!(l, "merge-missing"),
    })
}

/// `/unmerge <number>`.
pub async fn unmerge_command(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let Some(request) = request_numbered(turn, args.trim()).await? else {
        turn.say(fl!(l, "unmerge-usage"));
        return Ok(());
    };
    let now = turn.now;
    let policy = turn.app.policy(&mut turn.tx).await?;
    let answer = match followers::unmerge(&mut turn.tx, request.id, turn.person.id, &policy, now).await? {
        UnmergeOutcome::Unmerged { request, from, told } => {
            super::responder::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            let from = turn.tx.request_view(from.id).await?.unwrap_or(from);
            super::responder::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &from).await?;
            let (number, from_number) = (request.number.to_string(), from.number.to_string());
            for person in told {
                notify::tell(turn.app, &mut turn.tx, &mut turn.out, person, |l| {
                    fl!(l, "unmerge-told", number = number.clone(), into = from_number.clone())
                })
                .await?;
            }
            fl!(l, "unmerge-done", number = number, into = from_number)
        }
        UnmergeOutcome::NotAllowed => fl!(l, "merge-not-allowed"),
        UnmergeOutcome::Refused(UnmergeRefusal::NotMerged) => fl!(l, "unmerge-not-merged"),
        UnmergeOutcome::Refused(UnmergeRefusal::TooLate) => {
            fl!(l, "unmerge-too-late", days = crate::domain::reporters::UNMERGE_WITHIN_DAYS)
        }
        UnmergeOutcome::Missing => fl!(l, "merge-missing"),
    };
    turn.say(answer);
    Ok(())
}

/// `/outage <number> [building…]` declares a known outage of the estate or
/// of those buildings; `/outage <number> off` ends it. An admin who
/// declares one is asked at once for the notice to its residents.
pub async fn outage_command(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let words: Vec<&str> = args.split_whitespace().collect();
    let Some((first, rest)) = words.split_first() else {
        turn.say(fl!(l, "outage-usage"));
        return Ok(());
    };
    let Some(request) = request_numbered(turn, first).await? else {
        turn.say(fl!(l, "merge-missing"));
        return Ok(());
    };
    let now = turn.now;
    let number = request.number.to_string();
    if rest == ["off"] {
        let answer = match followers::end_outage(&mut turn.tx, request.id, turn.person.id, now).await? {
            Some(true) => fl!(l, "outage-ended", number = number),
            Some(false) => fl!(l, "outage-not-declared", number = number),
            None => fl!(l, "merge-not-allowed"),
        };
        turn.say(answer);
        return Ok(());
    }
    let mut buildings = Vec::new();
    for code in rest {
        match BuildingCode::parse(code) {
            Ok(code) => buildings.push(code),
            Err(_) => {
                turn.say(fl!(l, "outage-unknown-building", building = code.chars().take(20).collect::<String>()));
                return Ok(());
            }
        }
    }
    match followers::declare_outage(&mut turn.tx, request.id, &buildings, turn.person.id, now).await? {
        OutageOutcome::Declared { units, .. } => {
            let mut names = Vec::new();
            for unit in &units {
                names.extend(turn.tx.ancestry(*unit).await?.first().map(|u| u.name.clone()));
            }
            turn.say(fl!(l, "outage-declared", number = number, units = names.join(", ")));
            let authority = crate::app::admin::Authority::of(
                &mut turn.tx,
                turn.person.id,
                crate::domain::TelegramId(turn.chat),
                &turn.app.config.admin_ids,
            )
            .await?;
            let notice_unit = match units.as_slice() {
                [one] => Some(*one),
                _ => turn.tx.ancestry(units[0]).await?.get(1).map(|estate| estate.id),
            };
            if let Some(unit) = notice_unit.filter(|unit| authority.covers(*unit)) {
                super::office::notices::choose_unit(turn, Ok(unit)).await?;
            }
        }
        OutageOutcome::NotAllowed => turn.say(fl!(l, "merge-not-allowed")),
        OutageOutcome::Sensitive => turn.say(fl!(l, "outage-sensitive")),
        OutageOutcome::UnknownBuilding(code) => turn.say(fl!(l, "outage-unknown-building", building = code)),
        OutageOutcome::NoLongerOpen(request) => {
            turn.say(fl!(l, "no-longer-open", status = render::status(l, request.status)))
        }
        OutageOutcome::Missing => turn.say(fl!(l, "merge-missing")),
    }
    Ok(())
}

/// Tells the estate group leader of a recurring problem a new request
/// opened, with the requests behind it (the first ten).
pub async fn recurring_notice(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    recurring: &Recurring,
) -> Result<(), StoreError> {
    let Some(leader) = recurring.leader.filter(|_| recurring.opened) else { return Ok(()) };
    let timezone = app.config.timezone;
    let now = app.now();
    notify::tell(app, tx, out, leader, |l| {
        let key_args = (recurring.building_code.clone(), render::category(l, recurring.category));
        let mut text = fl!(
            l,
            "recurring-opened",
            building = key_args.0,
            category = key_args.1,
            requests = recurring.requests.len()
        );
        for request in recurring.requests.iter().take(10) {
            text.push('\n');
            text.push_str(&fl!(
                l,
                "recurring-line",
                number = request.number.to_string(),
                at = dates::moment(l, from_millis(request.created_at), now, timezone),
                status = render::status(l, request.status),
                households = request.households
            ));
        }
        text
    })
    .await
}

/// `/stats problems`: the month's recurring problems, the most households
/// affected first, for choosing "the problem of the month".
pub async fn stats_problems(turn: &mut Turn<'_>, authority: &crate::app::admin::Authority) -> anyhow::Result<()> {
    let l = turn.l();
    let now = turn.now_ms();
    let from = now - 30 * 24 * 3_600_000;
    let problems = crate::app::recurring::ranking(&mut turn.tx, &authority.roots(), from, now + 1).await?;
    if problems.is_empty() {
        turn.say(fl!(l, "stats-problems-none"));
        return Ok(());
    }
    let mut text = fl!(l, "stats-problems-heading");
    for (rank, problem) in problems.iter().take(10).enumerate() {
        text.push('\n');
        text.push_str(&fl!(
            l,
            "stats-problems-line",
            rank = (rank + 1).to_string(),
            building = problem.building_code.clone(),
            category = render::category(l, problem.category),
            households = problem.households,
            requests = problem.requests
        ));
    }
    turn.say(text);
    Ok(())
}
