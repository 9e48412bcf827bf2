//! `/broadcast`: an admin's notice to the registered residents of a unit.
//! Choose the unit, write the notice, see a preview, confirm. The copies go
//! through the outbox spread out at Telegram's pace, so that other messages
//! still pass between them; the author's progress message is edited as they
//! are delivered, and residents can answer "Received".

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

use super::admin::admin;
use super::progress::{progress_buttons, progress_edit, progress_text};
use crate::app::admin::Authority;
use crate::domain::events::Event;
use crate::domain::{UnitId, UnitLevel};
use crate::i18n::Locale;
use crate::telegram::callback::CallbackData;
use crate::telegram::delivery::outgoing::{Button, Keyboard, Outgoing};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::Dialogue;

/// The most units offered as buttons; others can be typed.
const MAX_UNIT_BUTTONS: usize = 24;
/// The longest notice, leaving room for the heading within one message.
pub const MAX_NOTICE_CHARS: usize = 3500;

/// `/broadcast`: offers the units the admin may write to.
pub async fn start(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let Some(authority) = admin(turn).await? else { return Ok(()) };
    turn.set_dialogue(&Dialogue::NoticeUnit)?;
    prompt_unit(turn, &authority);
    Ok(())
}

fn prompt_unit(turn: &mut Turn<'_>, authority: &Authority) {
    let l = turn.l();
    let index = authority.index();
    let mut buttons = Vec::new();
    for unit in authority.units.iter().filter(|u| u.level != UnitLevel::Building && authority.covers(u.id)) {
        if buttons.len() == MAX_UNIT_BUTTONS {
            break;
        }
        let label = index.path(unit.id).join(" / ");
        buttons.push(vec![Button::new(label, CallbackData::NoticeUnit(unit.id).encode())]);
    }
    buttons.push(vec![Button::new(fl!(l, "button-cancel"), CallbackData::NoticeAbort.encode())]);
    turn.reply(fl!(l, "notice-choose-unit"), Some(Keyboard::Inline(buttons)));
}

/// The unit was chosen (by button or typed).
pub async fn choose_unit(turn: &mut Turn<'_>, chosen: Result<UnitId, &str>) -> anyhow::Result<()> {
    let Some(authority) = admin(turn).await? else { return Ok(()) };
    let l = turn.l();
    let unit = match chosen {
        Ok(id) if authority.covers(id) => id,
        Ok(_) => {
            turn.say(fl!(l, "unit-outside-scope", unit = "—"));
            return Ok(());
        }
        Err(typed) => match super::admin::resolve_unit(turn, &authority, typed) {
            Some(unit) => unit.id,
            None => return Ok(()),
        },
    };
    let dialogue = Dialogue::NoticeText { unit: unit.0 };
    turn.set_dialogue(&dialogue)?;
    turn.say(fl!(l, "notice-ask-text", unit = authority.path(unit), max = MAX_NOTICE_CHARS));
    Ok(())
}

/// The notice was written: show the preview with Send and Cancel.
pub async fn preview(turn: &mut Turn<'_>, unit: UnitId, text: &str) -> anyhow::Result<()> {
    let Some(authority) = admin(turn).await? else { return Ok(()) };
    let l = turn.l();
    if text.chars().count() > MAX_NOTICE_CHARS {
        turn.say(fl!(l, "notice-too-long", max = MAX_NOTICE_CHARS));
        return Ok(());
    }
    let recipients = turn.tx.residents_under(unit).await?.len();
    turn.set_dialogue(&Dialogue::NoticeConfirm { unit: unit.0, text: text.to_string() })?;
    let heading = fl!(l, "notice-preview", unit = authority.path(unit), recipients = recipients);
    let buttons = vec![vec![
        Button::new(fl!(l, "button-send"), CallbackData::NoticeSend.encode()),
        Button::new(fl!(l, "button-cancel"), CallbackData::NoticeAbort.encode()),
    ]];
    turn.reply(format!("{heading}\n\n{}", notice_text(l, text)), Some(Keyboard::Inline(buttons)));
    Ok(())
}

/// What a resident receives.
fn notice_text(l: &FluentLanguageLoader, text: &str) -> String {
    format!("{}\n\n{text}", fl!(l, "notice-heading"))
}

/// Send was pressed: one copy per registered resident, spread out over
/// time at the sending rate.
pub async fn send(turn: &mut Turn<'_>) -> anyhow::Result<Option<String>> {
    let Some(Dialogue::NoticeConfirm { unit, text }) = turn.dialogue() else {
        return Ok(Some(fl!(turn.l(), "button-expired")));
    };
    let Some(authority) = admin(turn).await? else { return Ok(None) };
    let unit = UnitId(unit);
    if !authority.covers(unit) {
        return Ok(Some(fl!(turn.l(), "unit-outside-scope", unit = "—")));
    }
    turn.end_dialogue();
    let now = turn.now_ms();
    let recipients = turn.tx.residents_under(unit).await?;
    let notice = turn.tx.create_notice(unit, turn.person.id, &text, turn.chat, &recipients, now).await?;
    let event = Event::NoticeSent { notice, unit: unit.0, recipients: recipients.len() as u64 };
    turn.tx.record_event(None, Some(turn.person.id), &event, now).await?;
    let counts = turn.tx.notice_counts(notice).await?;
    let l = turn.l();
    let progress = progress_text(l, &authority.path(unit), &counts);
    turn.send(Outgoing::Progress { chat: turn.chat, notice, text: progress, buttons: progress_buttons(l, notice) });
    let spacing = notice_spacing_ms(turn.app.config.send_rate);
    for (position, recipient) in recipients.iter().enumerate() {
        let locale = recipient.locale.as_deref().and_then(Locale::from_code).unwrap_or_default();
        let rl = turn.app.i18n.get(locale);
        let copy = Outgoing::Notice {
            chat: recipient.chat,
            notice,
            text: notice_text(rl, &text),
            buttons: vec![vec![Button::new(fl!(rl, "button-received"), CallbackData::NoticeAck(notice).encode())]],
        };
        turn.out.push_later(copy, position as i64 * spacing);
    }
    Ok(Some(fl!(l, "notice-queued", recipients = recipients.len())))
}

/// Copies are due one slot apart at the sending rate, so that they queue in
/// time rather than in front of everything else.
fn notice_spacing_ms(send_rate: u32) -> i64 {
    if send_rate == 0 { 0 } else { i64::from(1000_u32.div_ceil(send_rate)) }
}

/// A resident pressed "Received".
pub async fn acknowledge(turn: &mut Turn<'_>, notice: i64) -> anyhow::Result<String> {
    let now = turn.now_ms();
    let l = turn.l();
    Ok(if turn.tx.acknowledge_notice(notice, turn.person.id, now).await? {
        fl!(l, "notice-acknowledged")
    } else {
        fl!(l, "notice-already-acknowledged")
    })
}

/// The author pressed "Refresh" on the progress message.
pub async fn refresh(turn: &mut Turn<'_>, notice: i64) -> anyhow::Result<Option<String>> {
    let author = turn.tx.notice(notice).await?.and_then(|n| n.author);
    if author != Some(turn.person.id) {
        return Ok(Some(fl!(turn.l(), "button-unknown")));
    }
    let counts = turn.tx.notice_counts(notice).await?;
    if let Some(edit) = progress_edit(turn.app, &mut turn.tx, notice, &counts).await? {
        turn.send(edit);
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_spaced_at_the_sending_rate() {
        assert_eq!(notice_spacing_ms(30), 34, "never faster than the rate");
        assert_eq!(notice_spacing_ms(0), 0, "no limit, no spacing");
    }
}
