//! The handler tree: one entry for every update the inbox hands over. Each
//! endpoint reads the update inside one [`Turn`] and passes it to the
//! conversation it belongs to, in the room of whoever has it.

use std::sync::Arc;

use i18n_embed_fl::fl;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{Me, MessageId, UpdateKind, User};
use teloxide::utils::command::BotCommands;

use super::callback::{CallbackData, Step};
use super::delivery::outgoing::{Keyboard, Outgoing};
use super::delivery::turn::{InboxJob, Turn};
use super::dialogue::{Dialogue, ReportStep, Stepped, clear_buttons};
use super::followers;
use super::office::{admin, import, notices, oversight, web};
use super::render;
use super::resident::{self, privacy, registration, replies, report, requests};
use super::responder::{actions, care, tasks};
use crate::app::App;
use crate::domain::{Attachment, Description, RequestId, UnitId};

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
    Merge(String),
    Unmerge(String),
    Outage(String),
    Invite(String),
    People(String),
    Broadcast,
    Export(String),
    Import,
    Done,
    Visit(String),
    Building(String),
    Web,
    Checkin(String),
    Family,
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
fn served_sender(update: &Update) -> Option<&User> {
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
        Some(document) if import::awaits_import(&app, user).await? => {
            let name = document.file_name.clone().unwrap_or_else(|| "directory.csv".into());
            Some((name, import::download(&bot, document).await))
        }
        _ => None,
    };
    let mut turn = Turn::begin(&app, &job, user).await?;
    // Anything a resident sends checks them in when a day waits for them.
    let checked_in = resident::checkin::any_message(&mut turn).await?;
    let lapsed = import::end_lapsed_import(&mut turn);
    if let Some((name, bytes)) = import.filter(|_| !lapsed) {
        import::import_document(&mut turn, &name, bytes).await?;
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
        registration::contact(&mut turn, &contact.phone_number, own).await?;
    } else if !(checked_in && turn.dialogue().is_none()) {
        on_input(&mut turn, &msg).await?;
    }
    turn.finish().await
}

async fn on_command(turn: &mut Turn<'_>, command: Command, bot_username: &str) -> HandlerResult {
    let l = turn.l();
    match command {
        Command::Start(payload) if payload.trim().starts_with("f_") => {
            resident::checkin::family_start(turn, payload.trim().trim_start_matches("f_")).await?
        }
        Command::Start(payload) => registration::start(turn, payload.trim()).await?,
        Command::Help => {
            turn.say(fl!(l, "help"));
            if !turn.tx.roles_of(turn.person.id).await?.is_empty() {
                turn.say(fl!(l, "help-responder"));
                super::menus::refresh(turn.app, &mut turn.tx, &mut turn.out, turn.person.id).await?;
            }
            turn.remind().await?;
        }
        Command::New => report::start(turn).await?,
        Command::My => {
            requests::my(turn).await?;
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
        Command::Privacy => privacy::notice(turn).await?,
        Command::Mydata => privacy::my_data(turn).await?,
        Command::Forget => privacy::ask_forget(turn),
        Command::Tasks => tasks::tasks(turn).await?,
        Command::Away(args) => tasks::away(turn, &args).await?,
        Command::Back => tasks::back(turn).await?,
        Command::Open => oversight::open(turn).await?,
        Command::Request(args) => oversight::request(turn, &args).await?,
        Command::Assign(args) => oversight::assign(turn, &args).await?,
        Command::Stats(args) => oversight::stats(turn, &args).await?,
        Command::Merge(args) => followers::merge_command(turn, &args).await?,
        Command::Unmerge(args) => followers::unmerge_command(turn, &args).await?,
        Command::Outage(args) => followers::outage_command(turn, &args).await?,
        Command::Invite(args) => admin::invite(turn, &args, bot_username).await?,
        Command::People(args) => admin::people(turn, &args).await?,
        Command::Broadcast => notices::start(turn).await?,
        Command::Import => import::import(turn).await?,
        Command::Done => import::done(turn)?,
        Command::Visit(args) => care::visit(turn, &args).await?,
        Command::Building(args) => care::building(turn, &args).await?,
        Command::Web => web::sign_in(turn).await?,
        Command::Checkin(args) => resident::checkin::command(turn, &args).await?,
        Command::Family => resident::checkin::family(turn, bot_username).await?,
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
            replies::unprompted(turn, &clip(words), attachment_of(msg)).await?;
        }
        Some(Dialogue::RegBuilding) if !text.is_empty() => registration::choose_building(turn, text).await?,
        Some(Dialogue::RegRoom { building }) if !text.is_empty() => registration::room(turn, building, text).await?,
        Some(Dialogue::RegPhone { building, room }) if registration::is_skip(turn.app, text) => {
            registration::skip_phone(turn, building, room).await?;
        }
        Some(Dialogue::StaffPhone) if registration::is_skip(turn.app, text) => registration::skip_staff_phone(turn),
        Some(Dialogue::Report { mut draft }) if draft.step() == ReportStep::Description => {
            let words = msg.text().or(msg.caption()).map(str::trim).unwrap_or_default();
            report::add_to_description(turn, &mut draft, words, attachment_of(msg)).await?;
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
                replies::relay(turn, RequestId(request), &clip(words), attachment).await?;
            }
        }
        Some(Dialogue::ReopenReason { request }) if !text.is_empty() => {
            requests::reopen(turn, RequestId(request), &clip(text)).await?;
        }
        Some(Dialogue::NoticeUnit) if !text.is_empty() => notices::choose_unit(turn, Err(text)).await?,
        Some(Dialogue::NoticeText { unit }) if !text.is_empty() => notices::preview(turn, UnitId(unit), text).await?,
        Some(Dialogue::VisitNote { household, outcome }) if !text.is_empty() => {
            care::visit_note(turn, household, outcome, Some(text)).await?
        }
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

async fn on_callback(app: Arc<App>, job: InboxJob, query: CallbackQuery) -> HandlerResult {
    let mut turn = Turn::begin(&app, &job, &query.from).await?;
    let message = query.message.as_ref().map(|m| (m.chat().id.0, m.id()));
    let data = query.data.as_deref().and_then(CallbackData::parse);
    let finished = finished_request(&mut turn, data.as_ref(), message).await?;
    let answer = match data {
        _ if finished.is_some() => finished,
        None => Some(fl!(turn.l(), "button-unknown")),
        Some(CallbackData::Language(locale)) => {
            crate::app::people::set_locale(&mut turn.tx, turn.person.id, locale).await?;
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
            registration::as_resident(&mut turn, message).await?;
            None
        }
        Some(CallbackData::RegisterAsStaff) => {
            registration::as_staff(&mut turn, message).await?;
            None
        }
        Some(CallbackData::Step(step)) => on_step(&mut turn, step, message).await?,
        Some(CallbackData::Forget { confirmed }) => {
            privacy::forget(&mut turn, confirmed, message).await?;
            None
        }
        Some(CallbackData::Accept(id)) => Some(actions::accept(&mut turn, id, message).await?),
        Some(CallbackData::Decline(id)) => Some(actions::decline_menu(&mut turn, id).await?),
        Some(CallbackData::DeclineWith(id, reason)) => {
            Some(actions::decline_with(&mut turn, id, reason, message).await?)
        }
        Some(CallbackData::Claim(id)) => Some(actions::claim(&mut turn, id, message).await?),
        Some(CallbackData::Talk(id)) => Some(replies::talk_start(&mut turn, id).await?),
        Some(CallbackData::ReplyTo(id)) => replies::chosen(&mut turn, id, message).await?,
        Some(CallbackData::Resolve(id)) => Some(actions::resolve_start(&mut turn, id).await?),
        Some(CallbackData::Fixed(id, fixed)) => Some(requests::fixed(&mut turn, id, fixed, message).await?),
        Some(CallbackData::Rate(id, stars)) => Some(requests::rate(&mut turn, id, stars, message).await?),
        Some(CallbackData::CancelRequest(id)) => Some(requests::cancel(&mut turn, id, message).await?),
        Some(CallbackData::TakeOver(id)) => Some(actions::take_over(&mut turn, id, message).await?),
        Some(CallbackData::Reassign(id)) => Some(actions::reassign_menu(&mut turn, id).await?),
        Some(CallbackData::ReassignTo(id, to)) => Some(actions::reassign(&mut turn, id, to, message).await?),
        Some(CallbackData::MeToo(id)) => Some(followers::me_too(&mut turn, id, message).await?),
        Some(CallbackData::DuplicateOf(id)) => Some(followers::duplicate_choices(&mut turn, id).await?),
        Some(CallbackData::MergeInto(id, into)) => Some(followers::merge_button(&mut turn, id, into, message).await?),
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
        Some(CallbackData::VisitHousehold(household)) => care::visit_household(&mut turn, household).await?,
        Some(CallbackData::VisitOutcome(household, outcome)) => {
            care::visit_outcome(&mut turn, household, outcome, message).await?
        }
        Some(CallbackData::VisitNoNote(household, outcome)) => {
            if turn.dialogue() == Some(Dialogue::VisitNote { household, outcome }) {
                clear_buttons(&mut turn, message);
                care::visit_note(&mut turn, household, outcome, None).await?;
                None
            } else {
                Some(fl!(turn.l(), "button-expired"))
            }
        }
        Some(CallbackData::Household(household)) => care::household(&mut turn, household).await?,
        Some(CallbackData::ProposeCheckins(household)) => {
            super::responder::checkin::propose_ask_hour(&mut turn, household).await?
        }
        Some(CallbackData::ProposeCheckinsAt(household, hour)) => {
            super::responder::checkin::propose_household(&mut turn, household, hour, message).await?
        }
        Some(CallbackData::Checkin(button)) => resident::checkin::button(&mut turn, button, message).await?,
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

/// A dialogue button. It counts only if the dialogue is at the step that
/// asked it; otherwise it is from an earlier message.
async fn on_step(turn: &mut Turn<'_>, step: Step, message: Option<(i64, MessageId)>) -> anyhow::Result<Option<String>> {
    let dialogue = turn.dialogue();
    let stepped = match dialogue.clone() {
        Some(Dialogue::Report { draft }) => report::step(turn, draft, step, message).await?,
        Some(other) => registration::step(turn, other, step, message).await?,
        None => Stepped::Stale,
    };
    match stepped {
        Stepped::Next(next) => {
            clear_buttons(turn, message);
            turn.set_dialogue(&next)?;
            turn.prompt(&next).await?;
            Ok(None)
        }
        Stepped::Answered(answer) => Ok(answer),
        Stepped::Stale => stale_button(turn, dialogue.as_ref()).await,
    }
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
