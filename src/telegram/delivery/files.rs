//! Files people sent the bot, fetched back from Telegram: a directory file
//! to import, an attachment the office opens on its dashboard.

use std::time::Duration;

use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::FileId;

use crate::app::FetchFile;

/// How long a download may take before it is given up.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The file's bytes if it is at most `max` bytes; `None` when it is bigger
/// or cannot be had. The download URL holds the token, so errors are not
/// logged in detail.
pub async fn fetch(bot: &Bot, file: FileId, max: u64) -> Option<Vec<u8>> {
    let download = async {
        let file = bot.get_file(file).await.ok()?;
        if u64::from(file.size) > max {
            return None;
        }
        let mut bytes = Vec::new();
        bot.download_file(&file.path, &mut bytes).await.ok()?;
        (bytes.len() as u64 <= max).then_some(bytes)
    };
    match tokio::time::timeout(TIMEOUT, download).await {
        Ok(Some(bytes)) => Some(bytes),
        Ok(None) => {
            tracing::warn!("could not fetch a file from Telegram");
            None
        }
        Err(_) => {
            tracing::warn!("fetching a file from Telegram timed out");
            None
        }
    }
}

/// [`fetch`] through `bot`, for the app to hand to those who must not know
/// Telegram.
pub fn fetcher(bot: Bot) -> FetchFile {
    Box::new(move |file, max| {
        let bot = bot.clone();
        Box::pin(async move { fetch(&bot, FileId::from(file), max).await })
    })
}
