//! `/import`: an admin sends the directory as CSV files, one document at a
//! time, until `/done` or until the import has waited too long. A file is
//! downloaded before the update's transaction opens, so that no database
//! lock waits on the network.

use i18n_embed_fl::fl;
use teloxide::prelude::*;

use super::admin::admin;
use crate::app::App;
use crate::app::directory::{DirectoryFile, import_file};
use crate::domain::Phone;
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::{Dialogue, IMPORT_IDLE};

/// The largest directory file `/import` downloads.
pub const MAX_IMPORT_BYTES: u32 = 2 * 1024 * 1024;

/// `/import`: asks for the files; they arrive as documents.
pub async fn import(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    if admin(turn).await?.is_none() {
        return Ok(());
    }
    let dialogue = Dialogue::Import { since: turn.now_ms() };
    turn.set_dialogue(&dialogue)?;
    turn.prompt(&dialogue).await
}

/// `/done`: ends `/import`.
pub fn done(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    if matches!(turn.dialogue(), Some(Dialogue::Import { .. })) {
        turn.end_dialogue();
        turn.say(fl!(l, "import-finished"));
    } else {
        turn.say(fl!(l, "nothing-to-finish"));
    }
    Ok(())
}

/// Ends an `/import` that has waited longer than [`IMPORT_IDLE`] for a
/// file, and says so; whether it did.
pub fn end_lapsed_import(turn: &mut Turn<'_>) -> bool {
    let now = turn.now_ms();
    match turn.dialogue() {
        Some(dialogue @ Dialogue::Import { .. }) if !dialogue.awaits_file(now) => {
            turn.end_dialogue();
            let l = turn.l();
            turn.say(fl!(l, "import-lapsed", minutes = IMPORT_IDLE.num_minutes()));
            true
        }
        _ => false,
    }
}

/// A directory file sent while `/import` waits for one, already downloaded
/// (or `None` when it could not be: too big, or Telegram did not hand it
/// over).
pub async fn import_document(turn: &mut Turn<'_>, name: &str, bytes: Option<Vec<u8>>) -> anyhow::Result<()> {
    let Some(authority) = admin(turn).await? else { return Ok(()) };
    let l = turn.l();
    let Some(bytes) = bytes else {
        turn.say(fl!(l, "import-download-failed", max = (MAX_IMPORT_BYTES / 1024 / 1024)));
        return Ok(());
    };
    // The phones of a people file, to refresh the menus of whoever of them
    // already uses the bot once their roles have changed.
    let phones: Vec<Phone> = crate::domain::directory::parse_people_lines(name, &bytes)
        .map(|(lines, _)| lines.into_iter().map(|line| line.phone).collect())
        .unwrap_or_default();
    let file = DirectoryFile { name: name.chars().take(60).collect(), bytes };
    let admins = turn.app.config.admin_ids.clone();
    let now = turn.now_ms();
    // A refused file leaves nothing behind: every check runs before the
    // first write, and an accepted file's writes commit with this update.
    let report = import_file(&mut turn.tx, file, &admins, &authority.scope, Some(turn.person.id), now).await?;
    if report.outcome.as_ref().is_ok_and(|counts| counts.created + counts.updated > 0) {
        for phone in &phones {
            if let Some(person) = turn.tx.person_id_by_phone(phone).await? {
                crate::telegram::menus::refresh(turn.app, &mut turn.tx, &mut turn.out, person).await?;
            }
        }
    }
    let text = match report.outcome {
        Ok(counts) => fl!(
            l,
            "import-applied",
            file = report.name,
            created = counts.created,
            updated = counts.updated,
            unchanged = counts.unchanged
        ),
        Err(errors) => {
            let shown: Vec<String> = errors.iter().take(20).map(ToString::to_string).collect();
            let mut text = fl!(l, "import-refused", file = report.name, count = errors.len());
            text.push('\n');
            text.push_str(&shown.join("\n"));
            text
        }
    };
    turn.say(text);
    // Each file restarts the wait for the next one.
    turn.set_dialogue(&Dialogue::Import { since: now })
}

/// Whether the sender's dialogue is `/import` waiting for a file.
pub async fn awaits_import(app: &App, user: &teloxide::types::User) -> anyhow::Result<bool> {
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
pub async fn download(bot: &Bot, document: &teloxide::types::Document) -> Option<Vec<u8>> {
    if document.file.size > MAX_IMPORT_BYTES {
        return None;
    }
    crate::telegram::delivery::files::fetch(bot, document.file.id.clone(), u64::from(MAX_IMPORT_BYTES)).await
}
