//! The handler tree and its endpoints. Each endpoint turns an update into a
//! use case call and a reply, inside one [`Turn`].

use std::sync::Arc;

use i18n_embed_fl::fl;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{Me, MessageId, UpdateKind, User};
use teloxide::utils::command::BotCommands;

use super::callback::{CallbackData, Field, Step};
use super::dialogue::{Dialogue, Draft, ReportStep};
use super::outgoing::{Keyboard, Outgoing};
use super::render;
use super::turn::{InboxJob, Turn};
use super::{actions, admin, notices, oversight};
use crate::app::App;
use crate::app::requests::{self, SubmitRefusal};
use crate::domain::{Attachment, BuildingCode, Description, Phone, RequestId, Room, UnitId};
use crate::i18n::Locale;
use crate::store::BindOutcome;

type HandlerResult = anyhow::Result<()>;

/// The commands of PRODUCT.md. Those of later milestones are recognised so
/// that they get an honest answer instead of "unknown command".
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    Start(String),
    Help,
    New,
    My,
    Cancel,
    Lang,
    Privacy,
    Mydata,
    Forget,
    Tasks,
    Away(String),
    Back,
    Open,
    Request(String),
    Assign(String),
    Stats(String),
    Sla(String),
    Invite(String),
    People(String),
    Broadcast,
    Export(String),
    Import,
    Done,
}

/// The whole handler tree. Only private chats are served: requests carry
/// personal details that do not belong in groups.
pub fn schema() -> UpdateHandler<anyhow::Error> {
    dptree::entry()
        .filter(|update: Update| served_sender(&update).is_some())
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
}

/// The person whose turn an update starts, if the handler tree serves it: a
/// message in a private chat, or a button pressed.
pub fn served_sender(update: &Update) -> Option<&User> {
    match &update.kind {
        UpdateKind::Message(msg) if msg.chat.is_private() => msg.from.as_ref(),
        UpdateKind::CallbackQuery(query) => Some(&query.from),
        _ => None,
    }
}

async fn on_message(app: Arc<App>, bot: Bot, job: InboxJob, me: Me, msg: Message) -> HandlerResult {
    let Some(user) = msg.from.as_ref() else {
        return Ok(());
    };
    // A directory file for `/import` is fetched before the update's
    // transaction opens, so that no database lock waits on the network.
    let import = match msg.document() {
        Some(document) if awaits_import(&app, user).await? => {
            let name = document.file_name.clone().unwrap_or_else(|| "directory.csv".into());
            Some((name, download(&bot, document).await))
        }
        _ => None,
    };
    let mut turn = Turn::begin(&app, &job, user).await?;
    let lapsed = admin::end_lapsed_import(&mut turn);
    if let Some((name, bytes)) = import.filter(|_| !lapsed) {
        admin::import_document(&mut turn, &name, bytes).await?;
    } else if lapsed && msg.document().is_some() {
        // A directory file sent after its import ended: the admin was told
        // so, and it is passed to nobody.
    } else if let Some(text) = msg.text().filter(|t| t.starts_with('/')) {
        match Command::parse(text, me.username()) {
            Ok(command) => on_command(&mut turn, command, me.username()).await?,
            Err(_) => {
                let l = turn.l();
                turn.say(fl!(l, "unknown-command"));
                turn.remind().await?;
            }
        }
    } else if let Some(contact) = msg.contact() {
        let own = contact.user_id.is_some_and(|id| id == user.id);
        on_contact(&mut turn, &contact.phone_number, own).await?;
    } else {
        on_input(&mut turn, &msg).await?;
    }
    turn.finish().await
}

/// Whether the sender's dialogue is `/import` waiting for a file.
async fn awaits_import(app: &App, user: &teloxide::types::User) -> anyhow::Result<bool> {
    let mut tx = app.store.begin().await?;
    let waiting = match tx.person_by_telegram(crate::domain::TelegramId(user.id.0 as i64)).await? {
        Some(person) => tx
            .dialogue(person.id)
            .await?
            .is_some_and(|state| serde_json::from_str::<Dialogue>(&state).is_ok_and(|d| d.awaits_file(app.now_ms()))),
        None => false,
    };
    tx.commit().await?;
    Ok(waiting)
}

/// Fetches a document from Telegram, if it is small enough; `None` when it
/// is too big or cannot be had.
async fn download(bot: &Bot, document: &teloxide::types::Document) -> Option<Vec<u8>> {
    use teloxide::net::Download;
    if document.file.size > admin::MAX_IMPORT_BYTES {
        return None;
    }
    let fetch = async {
        let file = bot.get_file(document.file.id.clone()).await.ok()?;
        let mut bytes = Vec::new();
        bot.download_file(&file.path, &mut bytes).await.ok()?;
        Some(bytes)
    };
    // The download URL holds the token, so errors are not logged in detail.
    match tokio::time::timeout(std::time::Duration::from_secs(30), fetch).await {
        Ok(Some(bytes)) if bytes.len() <= admin::MAX_IMPORT_BYTES as usize => Some(bytes),
        Ok(_) => {
            tracing::warn!("could not download a directory file");
            None
        }
        Err(_) => {
            tracing::warn!("downloading a directory file timed out");
            None
        }
    }
}

async fn on_command(turn: &mut Turn<'_>, command: Command, bot_username: &str) -> HandlerResult {
    let l = turn.l();
    match command {
        Command::Start(payload) => on_start(turn, payload.trim()).await?,
        Command::Help => {
            turn.say(fl!(l, "help"));
            if !turn.tx.roles_of(turn.person.id).await?.is_empty() {
                turn.say(fl!(l, "help-responder"));
                super::menus::refresh(turn.app, &mut turn.tx, &mut turn.out, turn.person.id).await?;
            }
            turn.remind().await?;
        }
        Command::New => start_report(turn).await?,
        Command::My => {
            list_my_requests(turn).await?;
            turn.remind().await?;
        }
        Command::Cancel => {
            let text = if turn.dialogue().is_some() { fl!(l, "cancelled") } else { fl!(l, "nothing-to-cancel") };
            turn.end_dialogue();
            turn.reply(text, Some(Keyboard::Remove));
        }
        Command::Lang => turn.offer_languages(),
        Command::Sla(args) => admin::sla(turn, &args).await?,
        Command::Export(args) => admin::export(turn, &args).await?,
        Command::Privacy => {
            let keeping = crate::app::privacy::Keeping::with_retention(turn.app.config.retention_days);
            turn.say(fl!(
                l,
                "privacy-notice",
                retention = keeping.requests,
                updates = keeping.updates,
                messages = keeping.messages
            ));
            turn.remind().await?;
        }
        Command::Mydata => {
            let data = crate::app::privacy::my_data(&mut turn.tx, turn.person.id).await?;
            let content = serde_json::to_string_pretty(&data)?;
            turn.send(Outgoing::File { chat: turn.chat, name: "my-data.json".into(), content });
            turn.say(fl!(l, "mydata-sent"));
        }
        Command::Forget => {
            let buttons = vec![vec![
                super::outgoing::Button::new(
                    fl!(l, "button-forget"),
                    CallbackData::Forget { confirmed: true }.encode(),
                ),
                super::outgoing::Button::new(fl!(l, "button-keep"), CallbackData::Forget { confirmed: false }.encode()),
            ]];
            turn.reply(fl!(l, "forget-confirm"), Some(Keyboard::Inline(buttons)));
        }
        Command::Tasks => actions::tasks(turn).await?,
        Command::Away(args) => actions::away(turn, &args).await?,
        Command::Back => actions::back(turn).await?,
        Command::Open => oversight::open(turn).await?,
        Command::Request(args) => oversight::request(turn, &args).await?,
        Command::Assign(args) => oversight::assign(turn, &args).await?,
        Command::Stats(args) => oversight::stats(turn, &args).await?,
        Command::Invite(args) => admin::invite(turn, &args, bot_username).await?,
        Command::People(args) => admin::people(turn, &args).await?,
        Command::Broadcast => notices::start(turn).await?,
        Command::Import => admin::import(turn).await?,
        Command::Done => admin::done(turn)?,
    }
    Ok(())
}

async fn on_start(turn: &mut Turn<'_>, payload: &str) -> HandlerResult {
    let l = turn.l();
    // Someone with roles gets their own command menu on their first /start,
    // which is also how `ADMIN_IDS` admins get theirs.
    let listed_admin = turn.app.config.admin_ids.contains(&crate::domain::TelegramId(turn.chat));
    if listed_admin || !turn.tx.roles_of(turn.person.id).await?.is_empty() {
        super::menus::refresh(turn.app, &mut turn.tx, &mut turn.out, turn.person.id).await?;
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
        return admin::join(turn, code).await;
    }
    if let Some(resident) = turn.tx.resident(turn.person.id).await? {
        let name = building_name(turn, resident.building).await?;
        turn.say(fl!(l, "welcome-back", building = name));
        return turn.remind().await;
    }
    welcome(turn)
}

fn welcome(turn: &mut Turn<'_>) -> HandlerResult {
    let l = turn.l();
    let buttons = vec![
        vec![super::outgoing::Button::new(
            fl!(l, "button-register-resident"),
            CallbackData::RegisterAsResident.encode(),
        )],
        vec![super::outgoing::Button::new(fl!(l, "button-register-staff"), CallbackData::RegisterAsStaff.encode())],
    ];
    turn.reply(fl!(l, "welcome"), Some(Keyboard::Inline(buttons)));
    if turn.person.locale.is_none() {
        turn.offer_languages();
    }
    Ok(())
}

async fn start_report(turn: &mut Turn<'_>) -> HandlerResult {
    let l = turn.l();
    match requests::may_report(&mut turn.tx, turn.person.id).await? {
        Ok(_) => {}
        Err(SubmitRefusal::NotRegistered) => {
            turn.say(fl!(l, "register-first"));
            turn.set_dialogue(&Dialogue::RegBuilding)?;
            return turn.prompt(&Dialogue::RegBuilding).await;
        }
        Err(SubmitRefusal::TooManyOpen { max }) => {
            turn.say(fl!(l, "too-many-open", max = max));
            return Ok(());
        }
    }
    let dialogue = Dialogue::Report { draft: Draft::default() };
    turn.set_dialogue(&dialogue)?;
    turn.prompt(&dialogue).await
}

async fn list_my_requests(turn: &mut Turn<'_>) -> HandlerResult {
    let l = turn.l();
    let requests = turn.tx.requests_of_resident(turn.person.id, 10).await?;
    if requests.is_empty() {
        turn.say(fl!(l, "my-none"));
        return Ok(());
    }
    let mut text = fl!(l, "my-header");
    let mut buttons = Vec::new();
    for request in requests {
        if request.status.is_active() {
            let number = request.number.to_string();
            buttons.push(vec![
                super::outgoing::Button::new(
                    fl!(l, "button-add-info", number = number.clone()),
                    CallbackData::Talk(request.id).encode(),
                ),
                super::outgoing::Button::new(
                    fl!(l, "button-cancel-request", number = number),
                    CallbackData::CancelRequest(request.id).encode(),
                ),
            ]);
        }
        let created = crate::store::from_millis(request.created_at);
        text.push('\n');
        text.push_str(&fl!(
            l,
            "my-line",
            number = request.number.to_string(),
            category = render::category(l, request.category),
            status = render::status(l, request.status),
            date = super::dates::moment(l, created, turn.now, turn.app.config.timezone)
        ));
    }
    let keyboard = (!buttons.is_empty()).then_some(Keyboard::Inline(buttons));
    turn.reply(text, keyboard);
    Ok(())
}

async fn on_contact(turn: &mut Turn<'_>, phone: &str, own: bool) -> HandlerResult {
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
                super::menus::refresh(turn.app, &mut turn.tx, &mut turn.out, turn.person.id).await?;
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
                super::actions::route_waiting(turn, turn.person.id).await?;
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

/// A message that is neither a command nor a contact: an answer to the
/// current dialogue step, or something we did not ask for.
async fn on_input(turn: &mut Turn<'_>, msg: &Message) -> HandlerResult {
    let l = turn.l();
    let text = msg.text().map(str::trim).unwrap_or_default();
    if let Some(button) = turn.dialogue().and_then(|dialogue| dialogue.finishes())
        && let Some(answer) = finished_request(turn, Some(&button), None).await?
    {
        turn.end_dialogue();
        turn.say(answer);
        return Ok(());
    }
    match turn.dialogue() {
        None => {
            let words = msg.text().or(msg.caption()).map(str::trim).unwrap_or_default();
            super::replies::unprompted(turn, &clip(words), attachment_of(msg)).await?;
        }
        Some(Dialogue::RegBuilding) if !text.is_empty() => choose_building(turn, text).await?,
        Some(Dialogue::RegRoom { building }) if !text.is_empty() => match Room::parse(text) {
            Ok(room) => {
                let next = Dialogue::RegPhone { building, room: Some(room.as_str().to_string()) };
                turn.set_dialogue(&next)?;
                turn.prompt(&next).await?;
            }
            Err(_) => {
                turn.say(fl!(l, "room-invalid", max = Room::MAX_CHARS));
                turn.prompt(&Dialogue::RegRoom { building }).await?;
            }
        },
        Some(Dialogue::RegPhone { building, room }) if is_skip(turn.app, text) => {
            turn.reply(fl!(l, "phone-skipped"), Some(Keyboard::Remove));
            let next = Dialogue::RegPrivacy { building, room };
            turn.set_dialogue(&next)?;
            turn.prompt(&next).await?;
        }
        Some(Dialogue::StaffPhone) if is_skip(turn.app, text) => {
            turn.end_dialogue();
            turn.reply(fl!(l, "cancelled"), Some(Keyboard::Remove));
        }
        Some(Dialogue::Report { mut draft }) if draft.step() == ReportStep::Description => {
            add_to_description(turn, &mut draft, msg).await?;
        }
        Some(Dialogue::ResolveNote { request }) if !text.is_empty() => {
            actions::resolve(turn, RequestId(request), &clip(text)).await?;
        }
        Some(Dialogue::DeclineNote { request }) if !text.is_empty() => {
            turn.end_dialogue();
            let answer = actions::decline(turn, RequestId(request), &clip(text), None).await?;
            turn.say(answer);
        }
        Some(Dialogue::Relay { request }) => {
            let attachment = attachment_of(msg);
            let words = msg.text().or(msg.caption()).map(str::trim).unwrap_or_default();
            if attachment.is_none() && words.is_empty() {
                turn.say(fl!(l, "description-unsupported"));
            } else {
                actions::relay(turn, RequestId(request), &clip(words), attachment).await?;
            }
        }
        Some(Dialogue::ReopenReason { request }) if !text.is_empty() => {
            actions::reopen(turn, RequestId(request), &clip(text)).await?;
        }
        Some(Dialogue::NoticeUnit) if !text.is_empty() => notices::choose_unit(turn, Err(text)).await?,
        Some(Dialogue::NoticeText { unit }) if !text.is_empty() => notices::preview(turn, UnitId(unit), text).await?,
        Some(dialogue) => {
            turn.say(fl!(l, "unexpected-input"));
            turn.prompt(&dialogue).await?;
        }
    }
    Ok(())
}

/// The photo, voice note, video, document or location a message carries.
fn attachment_of(msg: &Message) -> Option<Attachment> {
    if let Some(sizes) = msg.photo() {
        sizes.last().map(|p| Attachment::Photo { file_id: p.file.id.0.clone() })
    } else if let Some(voice) = msg.voice() {
        Some(Attachment::Voice { file_id: voice.file.id.0.clone() })
    } else if let Some(video) = msg.video() {
        Some(Attachment::Video { file_id: video.file.id.0.clone() })
    } else if let Some(document) = msg.document() {
        Some(Attachment::Document { file_id: document.file.id.0.clone() })
    } else {
        msg.location().map(|loc| Attachment::Location { latitude: loc.latitude, longitude: loc.longitude })
    }
}

/// A note or reason, bounded like a description.
fn clip(text: &str) -> String {
    text.chars().take(Description::MAX_CHARS).collect()
}

/// Whether a text is the "skip" button of the reply keyboard, in either
/// language (the person may have changed language since it was shown).
fn is_skip(app: &App, text: &str) -> bool {
    Locale::ALL.iter().any(|locale| fl!(app.i18n.get(*locale), "button-skip") == text)
}

async fn choose_building(turn: &mut Turn<'_>, typed: &str) -> HandlerResult {
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
                .map(|code| {
                    super::outgoing::Button::new(code.to_string(), CallbackData::Step(Step::Building(code)).encode())
                })
                .collect(),
        ];
        turn.reply(fl!(l, "building-suggest", typed = typed), Some(Keyboard::Inline(buttons)));
    }
    Ok(())
}

async fn add_to_description(turn: &mut Turn<'_>, draft: &mut Draft, msg: &Message) -> HandlerResult {
    let l = turn.l();
    let attachment = attachment_of(msg);
    let words = msg.text().or(msg.caption()).map(str::trim).unwrap_or_default();
    if attachment.is_none() && words.is_empty() {
        turn.say(fl!(l, "description-unsupported"));
        return Ok(());
    }
    let mut text = draft.text.clone();
    if !words.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(words);
    }
    if Description::parse(&text).is_err() {
        turn.say(fl!(l, "description-too-long", max = Description::MAX_CHARS));
        return Ok(());
    }
    if draft.attachments.len() >= 10 && attachment.is_some() {
        turn.say(fl!(l, "too-many-attachments", max = "10"));
        return Ok(());
    }
    draft.text = text;
    draft.attachments.extend(attachment);
    turn.set_dialogue(&Dialogue::Report { draft: draft.clone() })?;
    let done = super::outgoing::Button::new(fl!(l, "button-done"), CallbackData::Step(Step::DescriptionDone).encode());
    turn.reply(fl!(l, "description-added"), Some(Keyboard::Inline(vec![vec![done]])));
    Ok(())
}

async fn on_callback(app: Arc<App>, job: InboxJob, query: CallbackQuery) -> HandlerResult {
    let mut turn = Turn::begin(&app, &job, &query.from).await?;
    let message = query.message.as_ref().map(|m| (m.chat().id.0, m.id()));
    let data = query.data.as_deref().and_then(CallbackData::parse);
    let finished = finished_request(&mut turn, data.as_ref(), message).await?;
    let answer = match data {
        _ if finished.is_some() => finished,
        None => Some(fl!(turn.l(), "button-unknown")),
        Some(CallbackData::Language(locale)) => {
            turn.tx.set_locale(turn.person.id, locale.code()).await?;
            turn.locale = locale;
            if !turn.tx.roles_of(turn.person.id).await?.is_empty() {
                super::menus::refresh(turn.app, &mut turn.tx, &mut turn.out, turn.person.id).await?;
            }
            clear_buttons(&mut turn, message);
            let l = turn.l();
            turn.say(fl!(l, "language-set"));
            if turn.dialogue().is_some() {
                turn.remind().await?;
            }
            None
        }
        Some(CallbackData::RegisterAsResident) => {
            clear_buttons(&mut turn, message);
            turn.set_dialogue(&Dialogue::RegBuilding)?;
            turn.prompt(&Dialogue::RegBuilding).await?;
            None
        }
        Some(CallbackData::RegisterAsStaff) => {
            clear_buttons(&mut turn, message);
            turn.set_dialogue(&Dialogue::StaffPhone)?;
            turn.prompt(&Dialogue::StaffPhone).await?;
            None
        }
        Some(CallbackData::Step(step)) => on_step(&mut turn, step, message).await?,
        Some(CallbackData::Forget { confirmed }) => {
            clear_buttons(&mut turn, message);
            let l = turn.l();
            if confirmed {
                let now = turn.now;
                let withdrawn = super::cards::before_erasure(&mut turn.tx, turn.person.id).await?;
                crate::app::privacy::forget(&mut turn.tx, turn.person.id, now).await?;
                super::cards::after_erasure(&mut turn, withdrawn).await?;
                // Forgetting erased the dialogue already; the turn must not
                // write back the state it began with.
                turn.end_dialogue();
                turn.reply(fl!(l, "forgotten"), Some(Keyboard::Remove));
                let chat = turn.chat;
                turn.out.erase_when_sent(chat);
            } else {
                turn.say(fl!(l, "forget-kept"));
            }
            None
        }
        Some(CallbackData::Accept(id)) => Some(actions::accept(&mut turn, id, message).await?),
        Some(CallbackData::Decline(id)) => Some(actions::decline_menu(&mut turn, id).await?),
        Some(CallbackData::DeclineWith(id, reason)) => {
            Some(actions::decline_with(&mut turn, id, reason, message).await?)
        }
        Some(CallbackData::Claim(id)) => Some(actions::claim(&mut turn, id, message).await?),
        Some(CallbackData::Talk(id)) => Some(actions::talk_start(&mut turn, id).await?),
        Some(CallbackData::ReplyTo(id)) => super::replies::chosen(&mut turn, id, message).await?,
        Some(CallbackData::Resolve(id)) => Some(actions::resolve_start(&mut turn, id).await?),
        Some(CallbackData::Fixed(id, fixed)) => Some(actions::fixed(&mut turn, id, fixed, message).await?),
        Some(CallbackData::Rate(id, stars)) => Some(actions::rate(&mut turn, id, stars, message).await?),
        Some(CallbackData::CancelRequest(id)) => Some(actions::cancel(&mut turn, id, message).await?),
        Some(CallbackData::TakeOver(id)) => Some(actions::take_over(&mut turn, id, message).await?),
        Some(CallbackData::Reassign(id)) => Some(actions::reassign_menu(&mut turn, id).await?),
        Some(CallbackData::ReassignTo(id, to)) => Some(actions::reassign(&mut turn, id, to, message).await?),
        Some(CallbackData::NoticeUnit(unit)) => {
            if turn.dialogue() == Some(Dialogue::NoticeUnit) {
                clear_buttons(&mut turn, message);
                notices::choose_unit(&mut turn, Ok(unit)).await?;
                None
            } else {
                Some(fl!(turn.l(), "button-expired"))
            }
        }
        Some(CallbackData::NoticeSend) => {
            let answer = notices::send(&mut turn).await?;
            if answer.is_some() {
                clear_buttons(&mut turn, message);
            }
            answer
        }
        Some(CallbackData::NoticeAbort) => {
            clear_buttons(&mut turn, message);
            let notice_dialogue = matches!(
                turn.dialogue(),
                Some(Dialogue::NoticeUnit | Dialogue::NoticeText { .. } | Dialogue::NoticeConfirm { .. })
            );
            if notice_dialogue {
                turn.end_dialogue();
            }
            Some(fl!(turn.l(), "cancelled"))
        }
        Some(CallbackData::NoticeAck(notice)) => Some(notices::acknowledge(&mut turn, notice).await?),
        Some(CallbackData::NoticeRefresh(notice)) => notices::refresh(&mut turn, notice).await?,
    };
    turn.send(Outgoing::AnswerCallback { callback_id: query.id.0.clone(), text: answer });
    turn.finish().await
}

/// A button on a request that is closed or cancelled, which it no longer
/// applies to (or the answer to the question a button asked): every such
/// button, whoever pressed it, says so (rather than whose request it is)
/// and loses its buttons.
async fn finished_request(
    turn: &mut Turn<'_>,
    data: Option<&CallbackData>,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<Option<String>> {
    let Some(data) = data else { return Ok(None) };
    let Some(id) = data.request() else { return Ok(None) };
    let Some(status) = turn.tx.request_view(id).await?.map(|request| request.status) else { return Ok(None) };
    if data.applies_to(status) {
        return Ok(None);
    }
    clear_buttons(turn, message);
    let l = turn.l();
    Ok(Some(fl!(l, "no-longer-open", status = render::status(l, status))))
}

pub fn clear_buttons(turn: &mut Turn<'_>, message: Option<(i64, MessageId)>) {
    if let Some((chat, id)) = message {
        turn.send(Outgoing::ClearButtons { chat, message_id: id.0 });
    }
}

/// A dialogue button. It counts only if the dialogue is at the step that
/// asked it; otherwise it is from an earlier message.
async fn on_step(turn: &mut Turn<'_>, step: Step, message: Option<(i64, MessageId)>) -> anyhow::Result<Option<String>> {
    let l = turn.l();
    let dialogue = turn.dialogue();
    let next = match (dialogue.clone(), step) {
        (Some(Dialogue::RegBuilding), Step::Building(code)) => {
            clear_buttons(turn, message);
            choose_building(turn, code.as_str()).await?;
            return Ok(None);
        }
        (Some(Dialogue::RegRoom { building }), Step::SkipRoom) => Dialogue::RegPhone { building, room: None },
        (Some(Dialogue::RegPrivacy { building, room }), Step::Privacy { accepted }) => {
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
            return Ok(None);
        }
        (Some(Dialogue::Report { mut draft }), step) => match (draft.step(), step) {
            (ReportStep::Category, Step::Category(category)) => {
                draft.category = Some(category);
                Dialogue::Report { draft }
            }
            (ReportStep::Description, Step::DescriptionDone) => {
                if !draft.has_description() {
                    return Ok(Some(fl!(l, "description-empty")));
                }
                draft.description_done = true;
                Dialogue::Report { draft }
            }
            (ReportStep::Urgency, Step::Urgency(urgency)) => {
                draft.urgency = Some(urgency);
                if urgency == crate::domain::Urgency::Emergency {
                    turn.say(fl!(l, "emergency-numbers"));
                }
                Dialogue::Report { draft }
            }
            (ReportStep::Confirm, Step::Confirm) => {
                clear_buttons(turn, message);
                actions::submit(turn, &draft).await?;
                return Ok(None);
            }
            (ReportStep::Confirm, Step::Edit) => {
                draft.editing = true;
                Dialogue::Report { draft }
            }
            (ReportStep::Confirm | ReportStep::EditChoice, Step::Abort) => {
                clear_buttons(turn, message);
                turn.end_dialogue();
                turn.say(fl!(l, "report-abandoned"));
                return Ok(None);
            }
            (ReportStep::EditChoice, Step::EditField(field)) => {
                draft.editing = false;
                match field {
                    Field::Category => draft.category = None,
                    Field::Description => {
                        draft.text.clear();
                        draft.attachments.clear();
                        draft.description_done = false;
                    }
                    Field::Urgency => draft.urgency = None,
                }
                Dialogue::Report { draft }
            }
            _ => return stale_button(turn, dialogue.as_ref()).await,
        },
        _ => return stale_button(turn, dialogue.as_ref()).await,
    };
    clear_buttons(turn, message);
    turn.set_dialogue(&next)?;
    turn.prompt(&next).await?;
    Ok(None)
}

async fn stale_button(turn: &mut Turn<'_>, dialogue: Option<&Dialogue>) -> anyhow::Result<Option<String>> {
    let l = turn.l();
    match dialogue {
        Some(dialogue) => {
            turn.say(fl!(l, "button-stale"));
            turn.prompt(dialogue).await?;
        }
        None => turn.say(fl!(l, "button-expired")),
    }
    Ok(None)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handler_tree_needs_only_what_the_inbox_provides() {
        // The tree's signature must be satisfied by what the inbox worker
        // injects (see inbox.rs); dptree panics here otherwise.
        dptree::type_check(
            schema().sig(),
            &dptree::deps![],
            &[
                dptree::Type::of::<Update>(),
                dptree::Type::of::<Bot>(),
                dptree::Type::of::<Me>(),
                dptree::Type::of::<Arc<App>>(),
                dptree::Type::of::<InboxJob>(),
            ],
        );
    }

    #[test]
    fn commands_parse_with_and_without_the_bot_name() {
        assert_eq!(Command::parse("/start b_E01", "desk_bot").unwrap(), Command::Start("b_E01".into()));
        assert_eq!(Command::parse("/start", "desk_bot").unwrap(), Command::Start(String::new()));
        assert_eq!(Command::parse("/new@desk_bot", "desk_bot").unwrap(), Command::New);
        assert!(Command::parse("/frobnicate", "desk_bot").is_err());
    }
}
