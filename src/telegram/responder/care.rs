//! Households and visits in chat: `/visit` (choose a household, the ones
//! due first; an outcome; a note), `/building [code]` (the map and the list,
//! as much as the reader may see), the monthly lists and weekly digests, and
//! the visit coverage `/stats` shows.

use std::sync::Arc;

use base64::Engine;
use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use crate::app::App;
use crate::app::admin::Authority;
use crate::app::care::{self, CareReach, Sight, VisitRefusal, VisitReport};
use crate::domain::households::{HouseholdRoom, TagVocabulary};
use crate::domain::visits::{CareFacts, Coverage, VisitOutcome};
use crate::domain::{BuildingCode, TelegramId, Unit, UnitId};
use crate::media::map::{BuildingMap, Care, Cell, building_map_png};
use crate::store::{HouseholdCare, millis};
use crate::telegram::callback::CallbackData;
use crate::telegram::delivery::outgoing::{Button, Keyboard, Outbox, Outgoing};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::{Dialogue, clear_buttons};

/// Buttons of households in one `/visit` or `/building` message.
const MAX_BUTTONS: usize = 40;

async fn reach(turn: &mut Turn<'_>) -> anyhow::Result<CareReach> {
    let admins = turn.app.config.admin_ids.clone();
    let authority = Authority::of(&mut turn.tx, turn.person.id, TelegramId(turn.chat), &admins).await?;
    Ok(CareReach::of(&mut turn.tx, turn.person.id, authority.scope).await?)
}

pub fn tag_name(l: &FluentLanguageLoader, tag: &str) -> String {
    match tag {
        "elderly_alone" => fl!(l, "care-tag-elderly-alone"),
        "empty_nest" => fl!(l, "care-tag-empty-nest"),
        "disabled" => fl!(l, "care-tag-disabled"),
        "chronic_illness" => fl!(l, "care-tag-chronic-illness"),
        "low_income" => fl!(l, "care-tag-low-income"),
        "child_care" => fl!(l, "care-tag-child-care"),
        "renter" => fl!(l, "care-tag-renter"),
        "vacant" => fl!(l, "care-tag-vacant"),
        "party_member" => fl!(l, "care-tag-party-member"),
        other => other.to_string(),
    }
}

fn outcome_name(l: &FluentLanguageLoader, outcome: VisitOutcome) -> String {
    match outcome {
        VisitOutcome::AllWell => fl!(l, "visit-all-well"),
        VisitOutcome::NeedsHelp => fl!(l, "visit-needs-help"),
        VisitOutcome::NobodyHome => fl!(l, "visit-nobody-home"),
        VisitOutcome::MovedOut => fl!(l, "visit-moved-out"),
    }
}

/// `/visit`: the households of the sender's buildings, due first; or, with
/// a room (`/visit 301`), that household at once.
pub async fn visit(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let reach = reach(turn).await?;
    let l = turn.l();
    if reach.visited_buildings().is_empty() {
        turn.say(fl!(l, "visit-none"));
        return Ok(());
    }
    let (now, timezone) = (turn.now, turn.app.config.timezone);
    let choices = care::visit_choices(&mut turn.tx, &reach, now, timezone).await?;
    if choices.is_empty() {
        turn.say(fl!(l, "visit-no-households"));
        return Ok(());
    }
    let typed = args.trim();
    if !typed.is_empty() {
        let wanted = HouseholdRoom::parse(typed);
        let found = choices.iter().find(|(_, c, _)| Some(c.household.room) == wanted);
        match found {
            Some((code, care, _)) => ask_outcome(turn, care.household.id, code, care.household.room),
            None => turn.say(fl!(l, "visit-unknown-room", room = typed.to_string())),
        }
        return Ok(());
    }
    let today = care::local_date(now, timezone);
    let due = choices.iter().filter(|(_, _, facts)| facts.is_due(today)).count();
    let several = reach.visited_buildings().len() > 1;
    let buttons: Vec<Button> = choices
        .iter()
        .take(MAX_BUTTONS)
        .map(|(code, care, facts)| {
            let room =
                if several { format!("{code} {}", care.household.room) } else { care.household.room.to_string() };
            let label = if facts.is_due(today) { format!("⏰ {room}") } else { room };
            Button::new(label, CallbackData::VisitHousehold(care.household.id).encode())
        })
        .collect();
    let rows = buttons.chunks(4).map(<[Button]>::to_vec).collect();
    turn.reply(fl!(l, "visit-choose", due = due), Some(Keyboard::Inline(rows)));
    Ok(())
}

fn ask_outcome(turn: &mut Turn<'_>, household: i64, code: &BuildingCode, room: HouseholdRoom) {
    let l = turn.l();
    let button =
        |outcome| Button::new(outcome_name(l, outcome), CallbackData::VisitOutcome(household, outcome).encode());
    let rows = VisitOutcome::ALL.chunks(2).map(|pair| pair.iter().map(|o| button(*o)).collect()).collect();
    let text = fl!(l, "visit-outcome", room = room.to_string(), building = code.to_string());
    turn.reply(text, Some(Keyboard::Inline(rows)));
}

/// A household chosen from `/visit` or the building list.
pub async fn visit_household(turn: &mut Turn<'_>, household: i64) -> anyhow::Result<Option<String>> {
    let reach = reach(turn).await?;
    let l = turn.l();
    let Some(found) = turn.tx.household(household).await? else { return Ok(Some(fl!(l, "visit-gone"))) };
    if !reach.visits(found.building) {
        return Ok(Some(fl!(l, "visit-not-yours")));
    }
    let code = reach.index().get(found.building).and_then(|u| u.code.clone());
    let Some(code) = code else { return Ok(Some(fl!(l, "visit-gone"))) };
    ask_outcome(turn, household, &code, found.room);
    Ok(None)
}

/// An outcome pressed: the note is asked next (needs help must have one,
/// since it becomes the request).
pub async fn visit_outcome(
    turn: &mut Turn<'_>,
    household: i64,
    outcome: VisitOutcome,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<Option<String>> {
    let reach = reach(turn).await?;
    let l = turn.l();
    let Some(found) = turn.tx.household(household).await? else { return Ok(Some(fl!(l, "visit-gone"))) };
    if !reach.visits(found.building) {
        return Ok(Some(fl!(l, "visit-not-yours")));
    }
    clear_buttons(turn, message);
    turn.set_dialogue(&Dialogue::VisitNote { household, outcome })?;
    if outcome == VisitOutcome::NeedsHelp {
        turn.say(fl!(l, "visit-help-ask"));
    } else {
        let skip = Button::new(fl!(l, "visit-no-note"), CallbackData::VisitNoNote(household, outcome).encode());
        turn.reply(fl!(l, "visit-note-ask"), Some(Keyboard::Inline(vec![vec![skip]])));
    }
    Ok(None)
}

/// Records the visit the dialogue was asking a note for.
pub async fn visit_note(
    turn: &mut Turn<'_>,
    household: i64,
    outcome: VisitOutcome,
    note: Option<&str>,
) -> anyhow::Result<()> {
    let reach = reach(turn).await?;
    let l = turn.l();
    let report = VisitReport { household, outcome, note: note.map(str::to_string) };
    let policy = turn.app.policy(&mut turn.tx).await?;
    let (visitor, now) = (turn.person.id, turn.now);
    match care::record_visit(&mut turn.tx, visitor, &reach, &report, &policy, now).await? {
        Ok(done) => {
            turn.end_dialogue();
            let room = done.household.room.to_string();
            turn.say(fl!(l, "visit-recorded", room = room.clone(), outcome = outcome_name(l, outcome)));
            if let Some(submitted) = done.request {
                turn.say(fl!(l, "visit-request-made", number = submitted.request.number.to_string(), room = room));
                crate::telegram::resident::report::dispatch(turn, &submitted).await?;
            }
        }
        Err(VisitRefusal::NoteNeeded) => turn.say(fl!(l, "visit-help-ask")),
        Err(VisitRefusal::NoteTooLong { max }) => turn.say(fl!(l, "visit-note-too-long", max = max)),
        Err(VisitRefusal::NotYourBuilding) => {
            turn.end_dialogue();
            turn.say(fl!(l, "visit-not-yours"));
        }
        Err(VisitRefusal::NoHousehold) => {
            turn.end_dialogue();
            turn.say(fl!(l, "visit-gone"));
        }
    }
    Ok(())
}

/// The colour of a household on the map, from the tags the reader may see.
pub fn care_of(tags: &[&str]) -> Care {
    let has = |name: &str| tags.contains(&name);
    if has("elderly_alone") {
        Care::ElderlyAlone
    } else if has("disabled") || has("chronic_illness") {
        Care::Health
    } else if has("empty_nest") {
        Care::EmptyNest
    } else if has("vacant") {
        Care::Vacant
    } else if tags.is_empty() {
        Care::Nothing
    } else {
        Care::Other
    }
}

/// `/building [code]`: the map, then the list with a button per household.
pub async fn building(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let reach = reach(turn).await?;
    let l = turn.l();
    let typed = args.trim();
    let unit: Option<Unit> = if typed.is_empty() {
        match reach.visited_buildings().as_slice() {
            [only] => Some((*only).clone()),
            _ => {
                turn.say(fl!(l, "building-ask"));
                return Ok(());
            }
        }
    } else {
        match BuildingCode::parse(typed) {
            Ok(code) => turn.tx.building_by_code(&code).await?,
            Err(_) => None,
        }
    };
    let Some(unit) = unit else {
        turn.say(fl!(l, "building-map-unknown", code = typed.to_string()));
        return Ok(());
    };
    let code = unit.code.as_ref().map(ToString::to_string).unwrap_or_default();
    let Some(sight) = reach.sight(unit.id) else {
        turn.say(fl!(l, "building-not-allowed", code = code));
        return Ok(());
    };
    let households = turn.tx.household_care(unit.id).await?;
    if households.is_empty() {
        turn.say(fl!(l, "building-empty", code = code));
        return Ok(());
    }
    let vocabulary = turn.tx.tag_vocabulary().await?;
    let (now, timezone) = (turn.now, turn.app.config.timezone);
    let today = care::local_date(now, timezone);
    let facts: Vec<CareFacts> = households.iter().map(|c| care::facts(c, &vocabulary, timezone)).collect();
    let mut map = map_of(l, &code, &households, &facts, &vocabulary, sight, today);
    let alerts = turn.tx.households_with_checkin_alert(unit.id).await?;
    for (cell, care) in map.cells.iter_mut().zip(&households) {
        cell.alert_open = alerts.contains(&care.household.id);
    }
    match building_map_png(&map) {
        Ok(png) => turn.send(Outgoing::Image {
            chat: turn.chat,
            name: format!("building-{code}.png"),
            png_base64: base64::engine::general_purpose::STANDARD.encode(png),
            caption: None,
        }),
        Err(error) => tracing::warn!(%error, "could not draw a building map"),
    }
    let mut lines = vec![fl!(l, "building-title", code = code.clone(), households = households.len())];
    for (care, facts) in households.iter().zip(&facts) {
        lines.push(line(l, care, facts, &vocabulary, sight, today));
    }
    let visits = reach.visits(unit.id);
    let buttons: Vec<Button> = households
        .iter()
        .take(MAX_BUTTONS)
        .map(|c| Button::new(c.household.room.to_string(), CallbackData::Household(c.household.id).encode()))
        .collect();
    let rows = buttons.chunks(4).map(<[Button]>::to_vec).collect();
    let text: String = lines.join("\n").chars().take(4000).collect();
    turn.reply(text, Some(Keyboard::Inline(rows)));
    if visits {
        turn.say(fl!(l, "building-visit-hint"));
    }
    Ok(())
}

fn visible<'a>(care: &'a HouseholdCare, vocabulary: &TagVocabulary, sight: Sight) -> Vec<&'a str> {
    vocabulary.visible(&care.household.tags, sight == Sight::Full)
}

fn map_of(
    l: &FluentLanguageLoader,
    code: &str,
    households: &[HouseholdCare],
    facts: &[CareFacts],
    vocabulary: &TagVocabulary,
    sight: Sight,
    today: chrono::NaiveDate,
) -> BuildingMap {
    let cells = households
        .iter()
        .zip(facts)
        .map(|(care, facts)| Cell {
            entrance: care.household.room.entrance.unwrap_or(1),
            floor: care.household.room.floor,
            position: care.household.room.position,
            label: care.household.room.to_string(),
            care: care_of(&visible(care, vocabulary, sight)),
            open_request: care.open_requests > 0,
            visit_overdue: facts.is_due(today),
            // Set by the caller, from the open check-in alerts.
            alert_open: false,
        })
        .collect();
    let care_names = [
        (Care::ElderlyAlone, fl!(l, "building-care-elderly")),
        (Care::Health, fl!(l, "building-care-health")),
        (Care::EmptyNest, fl!(l, "building-care-empty-nest")),
        (Care::Other, fl!(l, "building-care-other")),
        (Care::Vacant, fl!(l, "building-care-vacant")),
        (Care::Nothing, fl!(l, "building-care-nothing")),
    ];
    // Only someone who sees sensitive tags learns that a colour stands for
    // them.
    let care_names = care_names.into_iter().filter(|(care, _)| sight == Sight::Full || *care != Care::Health).collect();
    BuildingMap {
        title: fl!(l, "building-map-title", code = code.to_string()),
        cells,
        care_names,
        floor_label: fl!(l, "building-floor"),
        entrance_label: fl!(l, "building-entrance"),
        mark_names: [fl!(l, "building-mark-request"), fl!(l, "building-mark-overdue"), fl!(l, "building-mark-alert")],
    }
}

fn tags_text(l: &FluentLanguageLoader, tags: &[&str]) -> String {
    if tags.is_empty() { "—".into() } else { tags.iter().map(|t| tag_name(l, t)).collect::<Vec<_>>().join("、") }
}

fn line(
    l: &FluentLanguageLoader,
    care: &HouseholdCare,
    facts: &CareFacts,
    vocabulary: &TagVocabulary,
    sight: Sight,
    today: chrono::NaiveDate,
) -> String {
    let visited = match facts.last_visit {
        Some(date) => crate::telegram::dates::day(l, date, today),
        None => fl!(l, "building-never"),
    };
    let due = if facts.is_due(today) { "⏰ " } else { "" };
    fl!(
        l,
        "building-line",
        room = format!("{due}{}", care.household.room),
        tags = tags_text(l, &visible(care, vocabulary, sight)),
        residents = care.residents,
        visit = visited,
        requests = care.open_requests
    )
}

/// A household pressed in the building list: its details, the note only
/// for those who may read it.
pub async fn household(turn: &mut Turn<'_>, id: i64) -> anyhow::Result<Option<String>> {
    let reach = reach(turn).await?;
    let l = turn.l();
    let Some(found) = turn.tx.household(id).await? else { return Ok(Some(fl!(l, "visit-gone"))) };
    let Some(sight) = reach.sight(found.building) else { return Ok(Some(fl!(l, "building-not-allowed-short"))) };
    let vocabulary = turn.tx.tag_vocabulary().await?;
    let tags = vocabulary.visible(&found.tags, sight == Sight::Full);
    let note = if sight == Sight::Full && !found.note.is_empty() { found.note.clone() } else { "—".into() };
    let text = fl!(
        l,
        "household-detail",
        room = found.room.to_string(),
        members = found.members,
        tags = tags_text(l, &tags),
        note = note
    );
    let keyboard = if reach.visits(found.building) {
        let mut rows =
            vec![vec![Button::new(fl!(l, "button-record-visit"), CallbackData::VisitHousehold(id).encode())]];
        // Only residents who have none may be offered daily check-ins; they
        // are asked, and nothing runs unless they accept.
        if !crate::app::checkins::unenrolled_of_household(&mut turn.tx, id).await?.is_empty() {
            rows.push(vec![Button::new(fl!(l, "button-propose-checkins"), CallbackData::ProposeCheckins(id).encode())]);
        }
        Some(Keyboard::Inline(rows))
    } else {
        None
    };
    turn.reply(text, keyboard);
    Ok(None)
}

/// The rounds due today: each liaison's list of households due this month,
/// each group leader's digest of the buildings under target. Runs with the
/// daily clean-up; each round goes out once.
pub async fn send_rounds(app: &Arc<App>) -> anyhow::Result<()> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (lists, digests) = care::rounds(&mut tx, now, app.config.timezone).await?;
    let mut out = Outbox::bulk();
    for list in lists {
        let Some((chat, l)) = crate::telegram::notify::recipient(app, &mut tx, list.to).await? else { continue };
        let count: usize = list.buildings.iter().map(|(_, rooms)| rooms.len()).sum();
        let mut text = fl!(l, "care-due-list", count = count);
        for (code, rooms) in &list.buildings {
            let rooms: Vec<String> = rooms.iter().map(ToString::to_string).collect();
            text.push_str(&format!("\n{code}: {}", rooms.join(", ")));
        }
        out.text(chat, text.chars().take(4000).collect(), None);
    }
    for digest in digests {
        let Some((chat, l)) = crate::telegram::notify::recipient(app, &mut tx, digest.to).await? else { continue };
        let month = digest.month.format("%Y-%m").to_string();
        let mut text = fl!(l, "care-digest", month = month);
        for (code, coverage) in &digest.buildings {
            text.push('\n');
            text.push_str(&fl!(
                l,
                "care-coverage-line",
                unit = code.to_string(),
                visited = coverage.visited,
                target = coverage.target
            ));
        }
        out.text(chat, text.chars().take(4000).collect(), None);
    }
    let wrote = out.write(&mut tx, millis(now)).await?;
    tx.commit().await?;
    if wrote {
        app.wake.outbox.notify_one();
    }
    Ok(())
}

/// The `/stats` lines of visit coverage: each estate, and the buildings
/// under their target so far this period.
pub async fn coverage_lines(turn: &mut Turn<'_>, authority: &Authority) -> anyhow::Result<Vec<String>> {
    let l = turn.l();
    let (now, timezone) = (turn.now, turn.app.config.timezone);
    let coverage = care::coverage(&mut turn.tx, |b| authority.covers(b), now, timezone).await?;
    if coverage.is_empty() {
        return Ok(Vec::new());
    }
    let index = authority.index();
    // By estate id: two grids may each have an estate of the same name.
    let mut estates: Vec<(Option<UnitId>, String, Coverage, Vec<String>)> = Vec::new();
    for (building, cov) in &coverage {
        let estate = index.get(*building).and_then(|b| b.parent);
        let slot = match estates.iter().position(|(id, ..)| *id == estate) {
            Some(slot) => slot,
            None => {
                let name = estate.map_or_else(String::new, |e| index.path(e).join(" / "));
                estates.push((estate, name, Coverage::default(), Vec::new()));
                estates.len() - 1
            }
        };
        estates[slot].2.add(*cov);
        if cov.under_target() {
            let code = index.get(*building).and_then(|b| b.code.clone()).map(|c| c.to_string()).unwrap_or_default();
            let line = fl!(l, "care-coverage-line", unit = code, visited = cov.visited, target = cov.target);
            estates[slot].3.push(format!("  · {line}"));
        }
    }
    let mut lines = vec![String::new(), fl!(l, "stats-visits")];
    for (_, name, total, under) in estates {
        let share = format!("{}%", total.percent());
        lines.push(fl!(
            l,
            "stats-visits-estate",
            estate = name,
            visited = total.visited,
            target = total.target,
            share = share
        ));
        lines.extend(under);
    }
    Ok(lines)
}
