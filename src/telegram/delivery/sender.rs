//! The outbox sender: claims outgoing messages from the outbox and hands
//! them to Telegram at Telegram's pace, one at a time per chat, retrying what
//! can be retried and recording the id of what was sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, ButtonRequest, CallbackQueryId, FileId, InlineKeyboardButton, InlineKeyboardMarkup,
    InputFile, KeyboardButton, KeyboardMarkup, KeyboardRemove, MessageId, Recipient, ReplyMarkup,
};
use teloxide::{ApiError, RequestError};
use tokio::time::Instant;

use super::outgoing::{Button, Keyboard, Outbox, Outgoing};
use crate::app::App;
use crate::app::requests;
use crate::config::Tuning;
use crate::domain::{Attachment, TelegramId};
use crate::store::{ClaimedJob, Queue, StoreError, Tx};
use crate::telegram::notify;
use crate::telegram::render::CardFor;
use crate::work::{Backoff, Shutdown};

/// How a send ended, as far as the outbox is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Sent; the message id when Telegram gave one.
    Sent(Option<i32>),
    /// Try again later: Telegram asked us to wait, or the network failed.
    Retry { after: Option<Duration>, reason: String },
    /// The recipient cannot be reached (blocked the bot, deactivated, never
    /// started it): give up and stop routing to them.
    Unreachable(String),
    /// Telegram refused this message for good.
    Rejected(String),
}

/// Classifies a failed request. teloxide does not recognise every text
/// Telegram uses, so the texts of unknown errors are classified by prefix.
pub fn classify(error: &RequestError) -> Verdict {
    match error {
        RequestError::RetryAfter(seconds) => {
            Verdict::Retry { after: Some(seconds.duration()), reason: "rate limited by Telegram".into() }
        }
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Verdict::Retry { after: None, reason: "network or server failure".into() }
        }
        RequestError::Api(api) => classify_api(api),
        RequestError::MigrateToChatId(_) => Verdict::Rejected("chat migrated".into()),
    }
}

fn classify_api(error: &ApiError) -> Verdict {
    match error {
        ApiError::BotBlocked
        | ApiError::UserDeactivated
        | ApiError::CantInitiateConversation
        | ApiError::CantTalkWithBots
        | ApiError::ChatNotFound
        | ApiError::BotKicked
        | ApiError::BotKickedFromSupergroup
        | ApiError::BotKickedFromChannel => Verdict::Unreachable(error.to_string()),
        ApiError::MessageNotModified => Verdict::Sent(None),
        ApiError::Unknown(text) => classify_text(text),
        other => Verdict::Rejected(other.to_string()),
    }
}

fn classify_text(text: &str) -> Verdict {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("forbidden:") || lower.contains("chat not found") || lower.contains("user is deactivated") {
        Verdict::Unreachable(text.to_string())
    } else if lower.contains("message is not modified") {
        Verdict::Sent(None)
    } else if lower.starts_with("bad request:") {
        Verdict::Rejected(text.to_string())
    } else {
        // Server errors ("Internal Server Error", "Bad Gateway") and texts we
        // have never seen are worth another try; the attempt limit stops it.
        Verdict::Retry { after: None, reason: text.chars().take(120).collect() }
    }
}

/// Spaces messages out: at most `global_rate` a second to all chats and one
/// per `chat_interval` to each chat. Edits and callback answers are not
/// counted, as Telegram does not count them.
///
/// Time is cut into slots of `1 / global_rate`; each message takes the first
/// free slot at or after the moment its chat may receive it. No two messages
/// share a slot, so no second ever holds more than `global_rate` of them, and
/// a chat that must wait does not hold up the others. That holds for the
/// seconds as planned; [`Pacer::admit`] makes it hold for the seconds as
/// they happen.
pub struct Pacer {
    slot: Duration,
    rate: usize,
    chat_interval: Duration,
    epoch: Instant,
    state: Mutex<PacerState>,
}

#[derive(Default)]
struct PacerState {
    taken: std::collections::BTreeSet<u64>,
    next_per_chat: HashMap<i64, Instant>,
    /// When the last `rate` messages were let go, oldest first.
    sent: std::collections::VecDeque<Instant>,
}

impl Pacer {
    pub fn new(tuning: Tuning) -> Pacer {
        // A millisecond of margin per slot: thirty sends exactly a thirtieth
        // of a second apart put thirty-one into some closed one-second
        // window, and network jitter can do the same; with the margin no
        // second, however it is cut, sees more than the rate.
        let slot = if tuning.global_rate == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs(1) / tuning.global_rate + Duration::from_millis(1)
        };
        Pacer {
            slot,
            rate: tuning.global_rate as usize,
            chat_interval: tuning.chat_interval,
            epoch: Instant::now(),
            state: Mutex::default(),
        }
    }

    /// Waits, once a message's slot has come, until sending it keeps every
    /// span of `rate` slots (a second and its margin) to `rate` messages
    /// actually let go. A message whose task woke late — on a busy machine,
    /// a stall of tens of milliseconds — would otherwise go out late and
    /// join the on-time messages of the second after its slot: in one full
    /// run 32 copies of a notice reached the double within one second.
    pub async fn admit(&self) {
        if self.slot.is_zero() {
            return;
        }
        let span = self.slot * u32::try_from(self.rate).unwrap_or(u32::MAX);
        loop {
            let wait = {
                let now = Instant::now();
                let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                match state.sent.front() {
                    Some(&oldest) if state.sent.len() >= self.rate && now < oldest + span => oldest + span - now,
                    _ => {
                        state.sent.push_back(now);
                        if state.sent.len() > self.rate {
                            state.sent.pop_front();
                        }
                        return;
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Reserves the moment at which a new message to `chat` may be sent.
    pub fn reserve(&self, chat: i64) -> Instant {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let earliest = state.next_per_chat.get(&chat).copied().unwrap_or(now).max(now);
        let at = if self.slot.is_zero() {
            earliest
        } else {
            let slot_nanos = self.slot.as_nanos();
            let since = (earliest - self.epoch).as_nanos();
            let mut index = u64::try_from(since.div_ceil(slot_nanos)).unwrap_or(u64::MAX);
            while state.taken.contains(&index) {
                index += 1;
            }
            state.taken.insert(index);
            let past = u64::try_from((now - self.epoch).as_nanos() / slot_nanos).unwrap_or(0);
            state.taken = state.taken.split_off(&past.saturating_sub(1));
            self.epoch + self.slot * u32::try_from(index).unwrap_or(u32::MAX)
        };
        state.next_per_chat.insert(chat, at + self.chat_interval);
        if state.next_per_chat.len() > 10_000 {
            state.next_per_chat.retain(|_, next| *next > now);
        }
        at
    }
}

/// The most outcomes recorded in one transaction.
const SETTLE_BATCH: usize = 256;
/// How long the sender may take over a message before another may retry it.
const LEASE_MS: i64 = 30_000;

/// Claims, in a transaction the caller has open, as many messages as the
/// sender has room for, to hand over once that transaction commits: a turn
/// does so for the messages it wrote, which spares the sender a
/// transaction of its own for the claim.
pub(super) async fn claim_for_sender(app: &App, tx: &mut Tx, now: i64) -> Result<Vec<ClaimedJob>, StoreError> {
    let room = app.handoff.outbox.room();
    if room == 0 {
        return Ok(Vec::new());
    }
    tx.claim(Queue::Outbox, &app.config.instance, now, LEASE_MS, room as i64).await
}

pub async fn run(app: Arc<App>, bot: Bot, tuning: Tuning, shutdown: Shutdown) {
    let pacer = Arc::new(Pacer::new(tuning));
    let (settlements, receiver) = tokio::sync::mpsc::unbounded_channel();
    let settler = tokio::spawn(settler(app.clone(), receiver));
    let mut in_flight = tokio::task::JoinSet::new();
    let mut failures = 0u32;
    // Claim no more than about two seconds of sending, and let turns hand
    // over as much again, so that a claimed message never waits in the pacer
    // for longer than its lease.
    let max_in_flight = if tuning.global_rate == 0 { 64 } else { (tuning.global_rate as usize * 2).clamp(1, 64) };
    app.handoff.outbox.open(max_in_flight);
    loop {
        if shutdown.is_triggered() {
            break;
        }
        while in_flight.try_join_next().is_some() {}
        let capacity = max_in_flight.saturating_sub(in_flight.len());
        let handed = app.handoff.outbox.take(capacity);
        let was_handed = !handed.is_empty();
        let claimed = if capacity == 0 || was_handed {
            Ok(handed)
        } else {
            app.claim(Queue::Outbox, LEASE_MS, capacity as i64, None).await
        };
        match claimed {
            Ok(jobs) if !jobs.is_empty() => {
                failures = 0;
                for job in jobs {
                    let (app, bot, pacer, settlements) = (app.clone(), bot.clone(), pacer.clone(), settlements.clone());
                    in_flight.spawn(async move {
                        let settlement = deliver(&app, &bot, &pacer, job).await;
                        // The settler outlives every delivery; if it is gone,
                        // the process is stopping and the lease will expire.
                        let _ = settlements.send(settlement);
                    });
                }
                if !was_handed || app.handoff.outbox.look_again() {
                    continue;
                }
            }
            Ok(_) => failures = 0,
            Err(error) => {
                failures += 1;
                tracing::warn!(%error, "could not claim outgoing messages");
            }
        }
        let pause = Backoff::after_failures(failures).min(Duration::from_secs(1));
        tokio::select! {
            _ = app.wake.outbox.notified() => {}
            // A finished send frees a place, which matters only when every
            // place was taken; its chat's next message waits for the settler,
            // which wakes this loop once the outcome is recorded.
            Some(_) = in_flight.join_next(), if in_flight.len() >= max_in_flight => {}
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.triggered() => {}
        }
    }
    // Messages already handed to Telegram are allowed to finish; anything
    // unfinished is left to its lease and sent after the restart.
    app.handoff.outbox.close();
    let _ =
        tokio::time::timeout(Duration::from_secs(5), async { while in_flight.join_next().await.is_some() {} }).await;
    // What was sent is recorded before the process stops.
    in_flight.abort_all();
    drop(settlements);
    let _ = tokio::time::timeout(Duration::from_secs(5), settler).await;
}

/// Records the outcomes of sends, as many as have finished since the last
/// transaction in one: a message's outcome is written as soon as the
/// connection is free, and under load one commit serves many messages.
async fn settler(app: Arc<App>, mut receiver: tokio::sync::mpsc::UnboundedReceiver<Settlement>) {
    let mut batch = Vec::with_capacity(SETTLE_BATCH);
    while receiver.recv_many(&mut batch, SETTLE_BATCH).await > 0 {
        let more = match record(&app, &batch).await {
            Ok(more) => more,
            Err(error) if batch.len() > 1 => {
                // One outcome that cannot be recorded must not hold up the
                // others: each is tried on its own.
                tracing::warn!(%error, "could not record a batch of sends; recording them one by one");
                let mut more = false;
                for settlement in &batch {
                    match record(&app, std::slice::from_ref(settlement)).await {
                        Ok(then) => more |= then,
                        Err(error) => {
                            tracing::warn!(job = settlement.job.id, %error, "could not record the outcome of a send; it will be retried")
                        }
                    }
                }
                more
            }
            Err(error) => {
                tracing::warn!(job = batch[0].job.id, %error, "could not record the outcome of a send; it will be retried");
                false
            }
        };
        batch.clear();
        if more {
            app.wake.outbox.notify_one();
        }
    }
}

/// Sends one claimed message and says how it ended.
async fn deliver(app: &App, bot: &Bot, pacer: &Pacer, job: ClaimedJob) -> Settlement {
    let erase = super::outgoing::erased_when_sent(&job.payload);
    if job.attempts > 12 {
        // A send that panicked or hung never settled; past the limit it stops
        // holding up the chat's later messages.
        return Settlement { job, outcome: Settle::Failed("never finished".into()), notice: None, erase };
    }
    let outgoing: Outgoing = match serde_json::from_str(&job.payload) {
        Ok(outgoing) => outgoing,
        Err(error) => {
            tracing::error!(job = job.id, line = error.line(), column = error.column(), "unreadable outbox entry");
            return Settlement { job, outcome: Settle::Failed("unreadable outbox entry".into()), notice: None, erase };
        }
    };
    // An edit of a card needs the id the card was sent under; the card went
    // first in the same lane, so it is known by now (or was never sent).
    let outgoing = match outgoing {
        Outgoing::EditCard { chat, request, text, buttons } => match card_message(app, chat, request).await {
            Ok(Some(message_id)) => Outgoing::EditText { chat, message_id, text, buttons },
            Ok(None) => return Settlement { job, outcome: Settle::Done(None), notice: None, erase },
            Err(error) => {
                tracing::warn!(job = job.id, %error, "could not look up a card to edit");
                let retry = Settle::Retry { after: Backoff::after_failures(1), reason: "lookup failed".into() };
                return Settlement { job, outcome: retry, notice: None, erase };
            }
        },
        Outgoing::EditProgress { chat, notice, text, buttons } => match progress_message(app, notice).await {
            Ok(Some(message_id)) => Outgoing::EditText { chat, message_id, text, buttons },
            Ok(None) => return Settlement { job, outcome: Settle::Done(None), notice: None, erase },
            Err(error) => {
                tracing::warn!(job = job.id, %error, "could not look up a progress message to edit");
                let retry = Settle::Retry { after: Backoff::after_failures(1), reason: "lookup failed".into() };
                return Settlement { job, outcome: retry, notice: None, erase };
            }
        },
        other => other,
    };
    let notice = match &outgoing {
        Outgoing::Notice { notice, chat, .. } => Some((*notice, *chat)),
        _ => None,
    };
    if let Some(chat) = outgoing.chat().filter(|_| outgoing.is_new_message()) {
        tokio::time::sleep_until(pacer.reserve(chat)).await;
        pacer.admit().await;
    }
    let verdict = match send(bot, &outgoing).await {
        Ok(id) => Verdict::Sent(id),
        Err(error) => classify(&error),
    };
    let outcome = match verdict {
        Verdict::Sent(id) => Settle::Done(id.map(|id| id.to_string())),
        Verdict::Retry { after, reason } if job.attempts < 10 => {
            let wait = after.unwrap_or_else(|| Backoff::after_failures(job.attempts as u32));
            tracing::info!(job = job.id, attempt = job.attempts, ?wait, reason, "sending failed, will retry");
            Settle::Retry { after: wait, reason }
        }
        Verdict::Retry { reason, .. } => Settle::Failed(format!("gave up after {} attempts: {reason}", job.attempts)),
        Verdict::Unreachable(reason) => {
            tracing::info!(job = job.id, reason, "recipient unreachable");
            Settle::Unreachable { chat: outgoing.chat(), reason }
        }
        Verdict::Rejected(reason) => {
            tracing::warn!(job = job.id, reason, "Telegram refused a message");
            Settle::Failed(reason)
        }
    };
    Settlement { job, outcome, notice, erase }
}

/// A finished delivery, waiting to be recorded.
struct Settlement {
    job: ClaimedJob,
    outcome: Settle,
    /// The notice and chat, when the message was a copy of a notice.
    notice: Option<(i64, i64)>,
    /// Whether its record goes once it is settled for good (see
    /// `Outbox::erase_when_sent`).
    erase: bool,
}

/// What to record about a claimed outbox job.
pub enum Settle {
    Done(Option<String>),
    Retry { after: Duration, reason: String },
    Unreachable { chat: Option<i64>, reason: String },
    Failed(String),
}

async fn card_message(app: &App, chat: i64, request: i64) -> Result<Option<i32>, crate::store::StoreError> {
    let mut tx = app.store.begin().await?;
    let id = tx.card_message(&format!("chat:{chat}"), request).await?;
    tx.commit().await?;
    Ok(id)
}

async fn progress_message(app: &App, notice: i64) -> Result<Option<i32>, crate::store::StoreError> {
    let mut tx = app.store.begin().await?;
    let id = tx.progress_message(notice).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records how sends ended, in one transaction. A recipient found
/// unreachable is marked so, and the requests waiting on them move on to the
/// next responder. The copy of a notice is counted once it is settled.
/// Returns whether there is more to send: a recorded message's chat has
/// another waiting behind it, or the outcomes caused new messages; what the
/// sender has room for of that is claimed in the same transaction and
/// handed to it.
async fn record(app: &App, batch: &[Settlement]) -> anyhow::Result<bool> {
    let now = app.now();
    let now_ms = crate::store::millis(now);
    // Losing this record in a crash of the database server would only mean
    // sending the messages again; but when the outcomes caused new messages
    // (a notice's progress, a card passed on), those must be durable.
    let mut tx = app.store.begin_lazy().await?;
    let mut out = Outbox::default();
    let mut more = false;
    let mut sent = Vec::new();
    let mut erased = Vec::new();
    for Settlement { job, outcome, notice, erase } in batch {
        if *erase && !matches!(outcome, Settle::Retry { .. }) {
            erased.push(job.id);
        }
        let delivered = match outcome {
            Settle::Done(_) => Some(true),
            Settle::Unreachable { .. } | Settle::Failed(_) => Some(false),
            Settle::Retry { .. } => None,
        };
        if let (Some((notice, chat)), Some(delivered)) = (*notice, delivered) {
            crate::telegram::office::progress::settled(app, &mut tx, &mut out, notice, chat, delivered, now_ms).await?;
        }
        match outcome {
            Settle::Done(result) => sent.push((job.id, job.lease_token.as_str(), result.as_deref())),
            Settle::Retry { after, reason } => {
                tx.retry_later(job.id, &job.lease_token, reason, now_ms + after.as_millis() as i64).await?;
            }
            Settle::Failed(reason) => {
                // Rare enough that whatever waited behind it is simply
                // looked for.
                more = true;
                tx.fail(job.id, &job.lease_token, reason, now_ms).await?;
            }
            Settle::Unreachable { chat, reason } => {
                if let Some(chat) = *chat
                    && let Some(person) = tx.person_by_telegram(TelegramId(chat)).await?
                {
                    tx.set_reachable(person.id, false).await?;
                    let policy = app.policy(&mut tx).await?;
                    for (request, assignment) in requests::reroute_from(&mut tx, person.id, &policy, now).await? {
                        crate::telegram::responder::cards::refresh(app, &mut tx, &mut out, &request).await?;
                        if let Some(next) = assignment {
                            notify::card(app, &mut tx, &mut out, next.person, &request, CardFor::Assignee, |_| None)
                                .await?;
                        }
                    }
                }
                more = true;
                tx.fail(job.id, &job.lease_token, reason, now_ms).await?;
            }
        }
    }
    more |= tx.finish_all(&sent, now_ms).await?.contains(&true);
    if !erased.is_empty() {
        tx.delete_jobs(&erased).await?;
    }
    if !out.is_empty() {
        tx.waiting_for_disk().await?;
    }
    more |= out.write(&mut tx, now_ms).await?;
    // What waited behind a sent message (the question after the edit that
    // took the last one's buttons away, say) is claimed here rather than in
    // a transaction of the sender's own.
    let handed = if more { claim_for_sender(app, &mut tx, now_ms).await? } else { Vec::new() };
    tx.commit().await?;
    app.handoff.outbox.give(handed);
    if !erased.is_empty() {
        app.wake.erased.notify_one();
    }
    Ok(more)
}

async fn send(bot: &Bot, outgoing: &Outgoing) -> Result<Option<i32>, RequestError> {
    let message = match outgoing.clone() {
        Outgoing::Text { chat, text, keyboard } => {
            let mut request = bot.send_message(ChatId(chat), text);
            if let Some(keyboard) = keyboard {
                request = request.reply_markup(reply_markup(keyboard));
            }
            request.await?
        }
        Outgoing::Attachment { chat, attachment, caption } => {
            let chat = ChatId(chat);
            let file = |id: String| InputFile::file_id(FileId(id));
            let caption = caption.unwrap_or_default();
            match attachment {
                Attachment::Photo { file_id } => bot.send_photo(chat, file(file_id)).caption(caption).await?,
                Attachment::Voice { file_id } => bot.send_voice(chat, file(file_id)).caption(caption).await?,
                Attachment::Video { file_id } => bot.send_video(chat, file(file_id)).caption(caption).await?,
                Attachment::Document { file_id } => bot.send_document(chat, file(file_id)).caption(caption).await?,
                Attachment::Location { latitude, longitude } => bot.send_location(chat, latitude, longitude).await?,
            }
        }
        Outgoing::EditText { chat, message_id, text, buttons } => {
            bot.edit_message_text(ChatId(chat), MessageId(message_id), text).reply_markup(inline(buttons)).await?
        }
        Outgoing::ClearButtons { chat, message_id } => {
            bot.edit_message_reply_markup(ChatId(chat), MessageId(message_id)).await?
        }
        Outgoing::Card { chat, text, buttons, .. } => {
            bot.send_message(ChatId(chat), text).reply_markup(inline(buttons)).await?
        }
        Outgoing::EditCard { .. } | Outgoing::EditProgress { .. } => return Ok(None),
        Outgoing::Image { chat, name, png_base64, caption } => {
            use base64::Engine;
            // An undecodable picture is a bug of ours, not Telegram's; it is
            // sent as an empty file and Telegram refuses it, which fails the job.
            let png = base64::engine::general_purpose::STANDARD.decode(png_base64).unwrap_or_default();
            let mut request = bot.send_photo(ChatId(chat), InputFile::memory(png).file_name(name));
            if let Some(caption) = caption {
                request = request.caption(caption);
            }
            request.await?
        }
        Outgoing::Notice { chat, text, buttons, .. } | Outgoing::Progress { chat, text, buttons, .. } => {
            bot.send_message(ChatId(chat), text).reply_markup(inline(buttons)).await?
        }
        Outgoing::Menu { chat, commands } => {
            let commands = commands.into_iter().map(|(command, description)| BotCommand::new(command, description));
            let scope = BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(chat)) };
            bot.set_my_commands(commands).scope(scope).await?;
            return Ok(None);
        }
        Outgoing::File { chat, name, content } => {
            bot.send_document(ChatId(chat), InputFile::memory(content.into_bytes()).file_name(name)).await?
        }
        Outgoing::AnswerCallback { callback_id, text } => {
            let mut request = bot.answer_callback_query(CallbackQueryId(callback_id));
            if let Some(text) = text {
                request = request.text(text);
            }
            request.await?;
            return Ok(None);
        }
    };
    Ok(Some(message.id.0))
}

fn inline(rows: Vec<Vec<Button>>) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(
        rows.into_iter()
            .map(|row| row.into_iter().map(|b| InlineKeyboardButton::callback(b.text, b.data)).collect::<Vec<_>>()),
    )
}

fn reply_markup(keyboard: Keyboard) -> ReplyMarkup {
    match keyboard {
        Keyboard::Inline(rows) => ReplyMarkup::InlineKeyboard(inline(rows)),
        Keyboard::ShareContact { share, skip } => ReplyMarkup::Keyboard(
            KeyboardMarkup::new(vec![
                vec![KeyboardButton::new(share).request(ButtonRequest::Contact)],
                vec![KeyboardButton::new(skip)],
            ])
            .resize_keyboard()
            .one_time_keyboard(),
        ),
        Keyboard::Remove => ReplyMarkup::KeyboardRemove(KeyboardRemove::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_texts_teloxide_does_not_know_mean_unreachable() {
        let verdict = classify(&RequestError::Api(ApiError::Unknown("Forbidden: bot was blocked by the user ".into())));
        assert!(matches!(verdict, Verdict::Unreachable(_)));
        assert!(matches!(classify(&RequestError::Api(ApiError::BotBlocked)), Verdict::Unreachable(_)));
        assert!(matches!(classify(&RequestError::Api(ApiError::ChatNotFound)), Verdict::Unreachable(_)));
    }

    #[test]
    fn server_errors_are_retried_and_bad_requests_are_not() {
        let server = classify(&RequestError::Api(ApiError::Unknown("Internal Server Error".into())));
        assert!(matches!(server, Verdict::Retry { after: None, .. }));
        let bad = classify(&RequestError::Api(ApiError::Unknown("Bad Request: message text is empty".into())));
        assert!(matches!(bad, Verdict::Rejected(_)));
    }

    #[test]
    fn retry_after_is_honoured() {
        let verdict = classify(&RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(7)));
        assert_eq!(
            verdict,
            Verdict::Retry { after: Some(Duration::from_secs(7)), reason: "rate limited by Telegram".into() }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_pacer_spaces_one_chats_messages_and_caps_the_total() {
        let pacer = Pacer::new(Tuning { global_rate: 10, chat_interval: Duration::from_secs(1), ..Tuning::default() });
        let start = Instant::now();
        assert_eq!(pacer.reserve(1) - start, Duration::ZERO);
        assert_eq!(pacer.reserve(1) - start, Duration::from_millis(1010), "a second later, on a slot");
        assert_eq!(pacer.reserve(2) - start, Duration::from_millis(101));
        let slots: Vec<Duration> = (10..40).map(|chat| pacer.reserve(chat) - start).collect();
        for window_start in 0..3000 {
            let from = Duration::from_millis(window_start);
            let in_window = slots.iter().filter(|s| **s >= from && **s <= from + Duration::from_secs(1)).count();
            assert!(in_window <= 10, "{in_window} messages in the closed second from {from:?}");
        }
        let last = *slots.last().unwrap();
        assert!(last < Duration::from_millis(3300), "the cap costs little throughput: {last:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_message_let_go_late_does_not_crowd_the_second_after_it() {
        let pacer = Pacer::new(Tuning { global_rate: 10, chat_interval: Duration::ZERO, ..Tuning::default() });
        let start = Instant::now();
        let mut sent = Vec::new();
        for chat in 0..40 {
            let slot = pacer.reserve(chat);
            // The third message's task wakes a quarter of a second after its
            // slot, as on a busy machine.
            let woke = if chat == 2 { slot + Duration::from_millis(250) } else { slot };
            tokio::time::sleep_until(woke).await;
            pacer.admit().await;
            sent.push(Instant::now() - start);
        }
        for at in &sent {
            let in_second =
                sent.iter().filter(|other| **other >= *at && **other <= *at + Duration::from_secs(1)).count();
            assert!(in_second <= 10, "{in_second} messages in the closed second from {at:?}: {sent:?}");
        }
        let last = *sent.last().unwrap();
        assert!(last < Duration::from_millis(4400), "the stall costs no more than itself: {last:?}");
    }
}
