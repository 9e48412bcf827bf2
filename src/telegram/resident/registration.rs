//! Becoming known to the desk: `/start` with or without a building's link,
//! choosing the building and room, sharing a phone (which binds the roles
//! staff were given by it), accepting the privacy notice.

use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use crate::app::App;
use crate::domain::{BuildingCode, Phone, Room, UnitId};
use crate::i18n::Locale;
use crate::store::BindOutcome;
use crate::telegram::callback::{CallbackData, Step};
use crate::telegram::delivery::outgoing::{Button, Keyboard};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::{Dialogue, Stepped, clear_buttons};
use crate::telegram::menus;
use crate::telegram::render;
use crate::telegram::responder::tasks;

/// `/start`, with a building's link, an invitation's, or none.
pub async fn start(turn: &mut Turn<'_>, payload: &str) -> anyhow::Result<()> {
    let l = turn.l();
    // Someone with roles gets their own command menu on their first /start,
    // which is also how `ADMIN_IDS` admins get theirs.
    let listed_admin = turn.app.config.admin_ids.contains(&crate::domain::TelegramId(turn.chat));
    if listed_admin || !turn.tx.roles_of(turn.person.id).await?.is_empty() {
        menus::refresh(turn.app, &mut turn.tx, &mut turn.out, turn.person.id).await?;
    }
    if let Some(code) = payload.strip_prefix("b_") {
        let building = match BuildingCode::parse(code) {
            Ok(code) => turn.tx.building_by_code(&code).await?,
            Err(_) => None,
        };
        match building {
            Some(building) => {
                let name = building_name(turn, building.id).await?;
                turn.say(fl!(l, "welcome-building", building = name));
                let dialogue = Dialogue::RegRoom { building: building.id.0 };
                turn.set_dialogue(&dialogue)?;
                turn.prompt(&dialogue).await?;
            }
            None => {
                turn.say(fl!(l, "building-link-unknown"));
                turn.set_dialogue(&Dialogue::RegBuilding)?;
                turn.prompt(&Dialogue::RegBuilding).await?;
            }
        }
        return Ok(());
    }
    if let Some(code) = payload.strip_prefix("join_") {
        return crate::telegram::office::admin::join(turn, code).await;
    }
    if let Some(resident) = turn.tx.resident(turn.person.id).await? {
        let name = building_name(turn, resident.building).await?;
        turn.say(fl!(l, "welcome-back", building = name));
        return turn.remind().await;
    }
    welcome(turn)
}

fn welcome(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    let buttons = vec![
        vec![Button::new(fl!(l, "button-register-resident"), CallbackData::RegisterAsResident.encode())],
        vec![Button::new(fl!(l, "button-register-staff"), CallbackData::RegisterAsStaff.encode())],
    ];
    turn.reply(fl!(l, "welcome"), Some(Keyboard::Inline(buttons)));
    if turn.person.locale.is_none() {
        turn.offer_languages();
    }
    Ok(())
}

/// A contact shared: the sender's own phone binds the roles staff were
/// given by it.
pub async fn contact(turn: &mut Turn<'_>, phone: &str, own: bool) -> anyhow::Result<()> {
    let l = turn.l();
    if !own {
        turn.say(fl!(l, "contact-not-own"));
        return Ok(());
    }
    let Ok(phone) = Phone::parse(phone) else {
        turn.say(fl!(l, "phone-invalid"));
        return Ok(());
    };
    let now = turn.now_ms();
    match crate::app::people::bind_phone(&mut turn.tx, turn.person.id, &phone, now).await? {
        BindOutcome::TakenByAnother => turn.reply(fl!(l, "phone-taken"), Some(Keyboard::Remove)),
        BindOutcome::Bound { roles_gained } => {
            if roles_gained > 0 {
                menus::refresh(turn.app, &mut turn.tx, &mut turn.out, turn.person.id).await?;
            }
            let roles = turn.tx.roles_of(turn.person.id).await?;
            let text = if roles.is_empty() {
                fl!(l, "phone-saved")
            } else {
                let list: Vec<String> =
                    roles.iter().map(|r| format!("• {} — {}", render::role(l, r.role), r.unit_name)).collect();
                fl!(l, "roles-bound", roles = list.join("\n"))
            };
            turn.reply(text, Some(Keyboard::Remove));
            if roles_gained > 0 {
                tasks::route_waiting(turn, turn.person.id).await?;
            }
        }
    }
    match turn.dialogue() {
        Some(Dialogue::RegPhone { building, room }) => {
            let next = Dialogue::RegPrivacy { building, room };
            turn.set_dialogue(&next)?;
            turn.prompt(&next).await?;
        }
        Some(Dialogue::StaffPhone) => turn.end_dialogue(),
        Some(other) => turn.prompt(&other).await?,
        None => {}
    }
    Ok(())
}

/// A building chosen by its code, typed or pressed; close codes are offered
/// when none matches.
pub async fn choose_building(turn: &mut Turn<'_>, typed: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let found = match BuildingCode::parse(typed) {
        Ok(code) => turn.tx.building_by_code(&code).await?,
        Err(_) => None,
    };
    if let Some(building) = found {
        let name = building_name(turn, building.id).await?;
        turn.say(fl!(l, "building-chosen", building = name));
        let next = Dialogue::RegRoom { building: building.id.0 };
        turn.set_dialogue(&next)?;
        return turn.prompt(&next).await;
    }
    let known = turn.tx.building_codes().await?;
    let suggestions = crate::domain::suggest_buildings(typed, &known);
    let typed: String = typed.chars().take(30).collect();
    if suggestions.is_empty() {
        turn.say(fl!(l, "building-unknown", typed = typed));
    } else {
        let buttons = vec![
            suggestions
                .into_iter()
                .map(|code| Button::new(code.to_string(), CallbackData::Step(Step::Building(code)).encode()))
                .collect(),
        ];
        turn.reply(fl!(l, "building-suggest", typed = typed), Some(Keyboard::Inline(buttons)));
    }
    Ok(())
}

/// Whether a text is the "skip" button of the reply keyboard, in either
/// language (the person may have changed language since it was shown).
pub fn is_skip(app: &App, text: &str) -> bool {
    Locale::ALL.iter().any(|locale| fl!(app.i18n.get(*locale), "button-skip") == text)
}

/// "东苑 E01" — how a building is named to people.
pub async fn building_name(turn: &mut Turn<'_>, building: UnitId) -> anyhow::Result<String> {
    let units = turn.tx.ancestry(building).await?;
    Ok(match units.as_slice() {
        [building, estate, ..] => format!("{} {}", estate.name, building.name),
        [building] => building.name.clone(),
        [] => String::new(),
    })
}

/// A registration button, if the dialogue is at the step that asked it.
pub async fn step(
    turn: &mut Turn<'_>,
    dialogue: Dialogue,
    step: Step,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<Stepped> {
    let l = turn.l();
    Ok(match (dialogue, step) {
        (Dialogue::RegBuilding, Step::Building(code)) => {
            clear_buttons(turn, message);
            choose_building(turn, code.as_str()).await?;
            Stepped::Answered(None)
        }
        (Dialogue::RegRoom { building }, Step::SkipRoom) => Stepped::Next(Dialogue::RegPhone { building, room: None }),
        (Dialogue::RegPrivacy { building, room }, Step::Privacy { accepted }) => {
            clear_buttons(turn, message);
            turn.end_dialogue();
            if accepted {
                let room = room.as_deref().map(Room::parse).transpose().ok().flatten();
                let now = turn.now_ms();
                crate::app::people::register(&mut turn.tx, turn.person.id, UnitId(building), room.as_ref(), now)
                    .await?;
                let name = building_name(turn, UnitId(building)).await?;
                turn.say(fl!(l, "registered", building = name));
            } else {
                turn.say(fl!(l, "privacy-declined"));
            }
            Stepped::Answered(None)
        }
        _ => Stepped::Stale,
    })
}

/// The room was typed.
pub async fn room(turn: &mut Turn<'_>, building: i64, text: &str) -> anyhow::Result<()> {
    let l = turn.l();
    match Room::parse(text) {
        Ok(room) => {
            let next = Dialogue::RegPhone { building, room: Some(room.as_str().to_string()) };
            turn.set_dialogue(&next)?;
            turn.prompt(&next).await?;
        }
        Err(_) => {
            turn.say(fl!(l, "room-invalid", max = Room::MAX_CHARS));
            turn.prompt(&Dialogue::RegRoom { building }).await?;
        }
    }
    Ok(())
}

/// A resident registers without a phone.
pub async fn skip_phone(turn: &mut Turn<'_>, building: i64, room: Option<String>) -> anyhow::Result<()> {
    let l = turn.l();
    turn.reply(fl!(l, "phone-skipped"), Some(Keyboard::Remove));
    let next = Dialogue::RegPrivacy { building, room };
    turn.set_dialogue(&next)?;
    turn.prompt(&next).await
}

/// Staff who would not share a phone have nothing to bind.
pub fn skip_staff_phone(turn: &mut Turn<'_>) {
    let l = turn.l();
    turn.end_dialogue();
    turn.reply(fl!(l, "cancelled"), Some(Keyboard::Remove));
}

/// "I am a resident" was pressed on the welcome.
pub async fn as_resident(turn: &mut Turn<'_>, message: Option<(i64, MessageId)>) -> anyhow::Result<()> {
    clear_buttons(turn, message);
    turn.set_dialogue(&Dialogue::RegBuilding)?;
    turn.prompt(&Dialogue::RegBuilding).await
}

/// "I am staff" was pressed on the welcome.
pub async fn as_staff(turn: &mut Turn<'_>, message: Option<(i64, MessageId)>) -> anyhow::Result<()> {
    clear_buttons(turn, message);
    turn.set_dialogue(&Dialogue::StaffPhone)?;
    turn.prompt(&Dialogue::StaffPhone).await
}
