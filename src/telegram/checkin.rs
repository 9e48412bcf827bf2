//! What the daily check-in ladder decided, told to the people it concerns:
//! the greeting and reminders to the resident, the card "please knock" to
//! the liaison (and those above), the family's alert, "all clear".

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

use crate::app::App;
use crate::app::checkins::{CheckinNotice, Door, Home};
use crate::domain::checkin::AlertOutcome;
use crate::store::{StoreError, Tx, from_millis};
use crate::telegram::callback::{CallbackData, CheckinButton};
use crate::telegram::delivery::outgoing::{Button, Outbox};
use crate::telegram::notify::{ask, tell};

/// Renders what the ladder (or a step at the door) decided.
pub async fn deliver(app: &App, tx: &mut Tx, out: &mut Outbox, notices: Vec<CheckinNotice>) -> Result<(), StoreError> {
    for notice in notices {
        match notice {
            CheckinNotice::Greeting { to, deadline } => {
                // The morning's greetings go to every household at once.
                let time = from_millis(deadline).with_timezone(&app.config.timezone).format("%H:%M").to_string();
                let mut bulk = Outbox::bulk();
                ask(app, tx, &mut bulk, to, |l| (fl!(l, "checkin-greeting", time = time.clone()), fine_button(l)))
                    .await?;
                out.append(bulk);
            }
            CheckinNotice::Reminder { to, second } => {
                let time = app.now().with_timezone(&app.config.timezone).format("%H:%M").to_string();
                ask(app, tx, out, to, |l| {
                    let text = if second {
                        fl!(l, "checkin-reminder-second")
                    } else {
                        fl!(l, "checkin-reminder", time = time.clone())
                    };
                    (text, fine_button(l))
                })
                .await?;
            }
            CheckinNotice::Knock { to, day, home, undelivered } => {
                ask(app, tx, out, to, |l| {
                    let button = Button::new(fl!(l, "button-checkin-going"), door(day, Door::Going));
                    (knock_text(l, &home, undelivered), vec![vec![button]])
                })
                .await?;
            }
            CheckinNotice::Missed { to, home, undelivered, .. } => {
                let name = tx.person(home.resident).await?.map(|p| p.name).unwrap_or_default();
                let resident = home.resident.0;
                ask(app, tx, out, to, |l| {
                    let (room, building) = place(&home);
                    let text = if undelivered {
                        fl!(l, "checkin-missed-undelivered", name = name.clone(), room = room, building = building)
                    } else {
                        fl!(l, "checkin-missed", name = name.clone(), room = room, building = building)
                    };
                    let data = CallbackData::Checkin(CheckinButton::Spoke(resident)).encode();
                    (text, vec![vec![Button::new(fl!(l, "button-checkin-spoke"), data)]])
                })
                .await?;
            }
            CheckinNotice::NobodyAnswered { to, home } => {
                tell(app, tx, out, to, |l| {
                    let (room, building) = place(&home);
                    fl!(l, "checkin-nobody-answered", room = room, building = building)
                })
                .await?;
            }
            CheckinNotice::AllClear { to, home } => {
                tell(app, tx, out, to, |l| {
                    let (room, building) = place(&home);
                    fl!(l, "checkin-all-clear", room = room, building = building)
                })
                .await?;
            }
        }
    }
    Ok(())
}

pub fn fine_button(l: &FluentLanguageLoader) -> Vec<Vec<Button>> {
    vec![vec![Button::new(fl!(l, "button-checkin-fine"), CallbackData::Checkin(CheckinButton::Fine).encode())]]
}

pub fn door(day: i64, step: Door) -> String {
    CallbackData::Checkin(CheckinButton::Door(day, step)).encode()
}

/// The room and building of a home, as written to a person.
pub fn place(home: &Home) -> (String, String) {
    (home.room.clone().unwrap_or_else(|| "—".into()), home.building.clone().unwrap_or_default())
}

/// "Please knock on room 301's door", with the household's note.
pub fn knock_text(l: &FluentLanguageLoader, home: &Home, undelivered: bool) -> String {
    let (room, building) = place(home);
    let mut text = if undelivered {
        fl!(l, "checkin-knock-undelivered", room = room, building = building)
    } else {
        fl!(l, "checkin-knock", room = room, building = building)
    };
    if let Some(note) = &home.note {
        text = format!("{text}\n{}", fl!(l, "checkin-knock-note", note = note.clone()));
    }
    text
}

pub fn outcome_name(l: &FluentLanguageLoader, outcome: AlertOutcome) -> String {
    match outcome {
        AlertOutcome::Late => fl!(l, "checkin-outcome-late"),
        AlertOutcome::Away => fl!(l, "checkin-outcome-away"),
        AlertOutcome::NeededHelp => fl!(l, "checkin-outcome-needed_help"),
        AlertOutcome::Hospital => fl!(l, "checkin-outcome-hospital"),
        AlertOutcome::NobodyAnswered => fl!(l, "checkin-outcome-nobody_answered"),
    }
}
