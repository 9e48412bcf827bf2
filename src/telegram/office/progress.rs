//! The author's view of a notice going out: each copy delivered or found
//! undeliverable is counted, and the progress message is edited every few
//! seconds and at the end.

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

use crate::app::{App, notices};
use crate::i18n::Locale;
use crate::store::{NoticeCounts, StoreError, Tx};
use crate::telegram::callback::CallbackData;
use crate::telegram::delivery::outgoing::{Button, Outbox, Outgoing};

pub fn progress_buttons(l: &FluentLanguageLoader, notice: i64) -> Vec<Vec<Button>> {
    vec![vec![Button::new(fl!(l, "button-refresh"), CallbackData::NoticeRefresh(notice).encode())]]
}
pub fn progress_text(l: &FluentLanguageLoader, unit: &str, counts: &NoticeCounts) -> String {
    let (total, delivered, unreachable, acknowledged) =
        (counts.recipients, counts.delivered, counts.unreachable, counts.acknowledged);
    let unit = unit.to_string();
    if counts.finished() {
        fl!(
            l,
            "notice-done",
            unit = unit,
            total = total,
            delivered = delivered,
            unreachable = unreachable,
            acknowledged = acknowledged
        )
    } else {
        fl!(
            l,
            "notice-progress",
            unit = unit,
            total = total,
            delivered = delivered,
            unreachable = unreachable,
            acknowledged = acknowledged
        )
    }
}
/// The progress message showing `counts`, for the notice's author.
pub async fn progress_edit(
    app: &App,
    tx: &mut Tx,
    notice: i64,
    counts: &NoticeCounts,
) -> Result<Option<Outgoing>, StoreError> {
    let Some(found) = tx.notice(notice).await? else { return Ok(None) };
    let locale = match found.author {
        Some(author) => tx.person(author).await?.and_then(|p| p.locale),
        None => None,
    };
    let l = app.i18n.get(locale.as_deref().and_then(Locale::from_code).unwrap_or_default());
    let path = tx.ancestry(found.unit).await?.iter().rev().map(|u| u.name.clone()).collect::<Vec<_>>().join(" / ");
    Ok(Some(Outgoing::EditProgress {
        chat: found.progress_chat,
        notice,
        text: progress_text(l, &path, counts),
        buttons: progress_buttons(l, notice),
    }))
}
/// A copy was delivered or found undeliverable: counted
/// ([`notices::copy_settled`]), and the progress message edited when due.
pub async fn settled(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    notice: i64,
    chat: i64,
    delivered: bool,
    now: i64,
) -> Result<(), StoreError> {
    if let Some(counts) = notices::copy_settled(tx, notice, chat, delivered, now).await?
        && let Some(edit) = progress_edit(app, tx, notice, &counts).await?
    {
        out.push(edit);
    }
    Ok(())
}
