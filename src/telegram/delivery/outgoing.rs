//! What the bot sends, as it is stored in the outbox: rendered, in the
//! recipient's language, ready for the sender to hand to Telegram.

use serde::{Deserialize, Serialize};

use crate::domain::Attachment;
use crate::store::Priority;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Outgoing {
    Text {
        chat: i64,
        text: String,
        keyboard: Option<Keyboard>,
    },
    Attachment {
        chat: i64,
        attachment: Attachment,
        caption: Option<String>,
    },
    /// Replaces the text (and buttons) of a message the bot sent earlier.
    EditText {
        chat: i64,
        message_id: i32,
        text: String,
        buttons: Vec<Vec<Button>>,
    },
    /// Takes the buttons off a message, so that an answered question cannot
    /// be answered twice.
    ClearButtons {
        chat: i64,
        message_id: i32,
    },
    AnswerCallback {
        callback_id: String,
        text: Option<String>,
    },
    /// A request's card, so that later changes can edit it in place.
    Card {
        chat: i64,
        request: i64,
        text: String,
        buttons: Vec<Vec<Button>>,
    },
    /// Shows a request's card as it is now, on the message that carried it
    /// (the latest card of that request sent to that chat).
    EditCard {
        chat: i64,
        request: i64,
        text: String,
        buttons: Vec<Vec<Button>>,
    },
    /// A small text file, such as a person's data export.
    File {
        chat: i64,
        name: String,
        content: String,
    },
    /// A PNG picture (a chart, a QR code), base64 in the outbox.
    Image {
        chat: i64,
        name: String,
        png_base64: String,
        caption: Option<String>,
    },
    /// One resident's copy of an admin's notice. Its delivery is counted.
    Notice {
        chat: i64,
        notice: i64,
        text: String,
        buttons: Vec<Vec<Button>>,
    },
    /// The message that shows the author how a notice's delivery goes;
    /// later [`Outgoing::EditProgress`] replace its text.
    Progress {
        chat: i64,
        notice: i64,
        text: String,
        buttons: Vec<Vec<Button>>,
    },
    EditProgress {
        chat: i64,
        notice: i64,
        text: String,
        buttons: Vec<Vec<Button>>,
    },
    /// The command menu of one person's chat.
    Menu {
        chat: i64,
        commands: Vec<(String, String)>,
    },
}

impl Outgoing {
    /// The chat this goes to; messages to one chat are sent one at a time, in
    /// order. Callback answers have no chat and need no order.
    pub fn chat(&self) -> Option<i64> {
        match self {
            Outgoing::Text { chat, .. }
            | Outgoing::Attachment { chat, .. }
            | Outgoing::EditText { chat, .. }
            | Outgoing::ClearButtons { chat, .. }
            | Outgoing::File { chat, .. }
            | Outgoing::Card { chat, .. }
            | Outgoing::EditCard { chat, .. }
            | Outgoing::Image { chat, .. }
            | Outgoing::Notice { chat, .. }
            | Outgoing::Progress { chat, .. }
            | Outgoing::EditProgress { chat, .. }
            | Outgoing::Menu { chat, .. } => Some(*chat),
            Outgoing::AnswerCallback { .. } => None,
        }
    }

    /// Whether this counts against Telegram's per-chat message limit. Edits
    /// and callback answers do not.
    pub fn is_new_message(&self) -> bool {
        matches!(
            self,
            Outgoing::Text { .. }
                | Outgoing::Attachment { .. }
                | Outgoing::File { .. }
                | Outgoing::Card { .. }
                | Outgoing::Image { .. }
                | Outgoing::Notice { .. }
                | Outgoing::Progress { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keyboard {
    Inline(Vec<Vec<Button>>),
    /// A reply keyboard whose first button shares the user's phone number and
    /// whose second skips that step.
    ShareContact {
        share: String,
        skip: String,
    },
    /// Removes a reply keyboard shown earlier.
    Remove,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub text: String,
    pub data: String,
}

impl Button {
    pub fn new(text: impl Into<String>, data: impl Into<String>) -> Button {
        Button { text: text.into(), data: data.into() }
    }
}

/// Telegram's limit on one message's text.
const MAX_TEXT_CHARS: usize = 4096;

/// Outgoing messages collected during one transaction, written to the outbox
/// in that same transaction, each with how long after the commit it is due,
/// whether its record is erased once it is sent, and how urgent it is.
#[derive(Debug, Default)]
pub struct Outbox {
    entries: Vec<Entry>,
    /// The chat of someone just erased (see [`Outbox::erase_when_sent`]).
    erased_chat: Option<i64>,
    /// Whom these messages are for, which sets their priority.
    audience: Audience,
}

#[derive(Debug)]
struct Entry {
    outgoing: Outgoing,
    delay_ms: i64,
    erase: bool,
    priority: Priority,
}

/// Whom an outbox's messages are for (see [`Outbox::priority`]).
#[derive(Debug, Default, Clone, Copy)]
enum Audience {
    /// Responders and residents, one by one: cards and alerts.
    #[default]
    Others,
    /// A turn's: messages to `chat` answer the person talking to the bot.
    Speaker(i64),
    /// Many people at once, none of them waiting at the screen.
    Bulk,
}

impl Outbox {
    /// The outbox of a turn handling an update from `chat`: what goes back
    /// to that chat is sent before anything else.
    pub fn answering(chat: i64) -> Outbox {
        Outbox { audience: Audience::Speaker(chat), ..Outbox::default() }
    }

    /// An outbox for bulk — follower updates, digests, greetings — sent after
    /// everything else; [`Outbox::append`] it to the transaction's outbox.
    pub fn bulk() -> Outbox {
        Outbox { audience: Audience::Bulk, ..Outbox::default() }
    }

    /// Queues a text, split if it is over Telegram's limit (the keyboard goes
    /// with the last part).
    pub fn text(&mut self, chat: i64, text: String, keyboard: Option<Keyboard>) {
        let mut parts = split_text(&text, MAX_TEXT_CHARS);
        let last = parts.pop().unwrap_or_default();
        for part in parts {
            self.push(Outgoing::Text { chat, text: part, keyboard: None });
        }
        self.push(Outgoing::Text { chat, text: last, keyboard });
    }

    pub fn push(&mut self, outgoing: Outgoing) {
        self.push_later(outgoing, 0);
    }

    /// Adds another outbox's messages after these, each as urgent as it was
    /// there.
    pub fn append(&mut self, other: Outbox) {
        for mut entry in other.entries {
            entry.erase |= self.erases(&entry.outgoing);
            self.entries.push(entry);
        }
    }

    /// Queues something that is due `delay_ms` after the commit, such as the
    /// copies of a notice, spread out so that other messages pass between
    /// them.
    pub fn push_later(&mut self, outgoing: Outgoing, delay_ms: i64) {
        let erase = self.erases(&outgoing);
        let priority = self.priority(&outgoing);
        self.entries.push(Entry { outgoing, delay_ms, erase, priority });
    }

    /// How urgent a message is: the answer to a pressed button and whatever
    /// goes back to the person talking to the bot come first; a notice's
    /// copies and its progress, and everything in a bulk outbox, last.
    fn priority(&self, outgoing: &Outgoing) -> Priority {
        match (outgoing, self.audience) {
            (Outgoing::AnswerCallback { .. }, _) => Priority::Interactive,
            (Outgoing::Notice { .. } | Outgoing::EditProgress { .. }, _) | (_, Audience::Bulk) => Priority::Bulk,
            (_, Audience::Speaker(chat)) if outgoing.chat() == Some(chat) => Priority::Interactive,
            _ => Priority::Cards,
        }
    }

    /// The last words to someone erased: what this outbox holds and will
    /// hold for `chat` (and the answers to their buttons, which name no
    /// chat) is stored only until it is sent, and then leaves no record.
    pub fn erase_when_sent(&mut self, chat: i64) {
        self.erased_chat = Some(chat);
        for index in 0..self.entries.len() {
            let erase = self.erases(&self.entries[index].outgoing);
            self.entries[index].erase |= erase;
        }
    }

    fn erases(&self, outgoing: &Outgoing) -> bool {
        self.erased_chat.is_some() && (outgoing.chat().is_none() || outgoing.chat() == self.erased_chat)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes everything to the outbox; returns whether there was anything.
    pub async fn write(self, tx: &mut crate::store::Tx, now: i64) -> Result<bool, crate::store::StoreError> {
        let rows = self
            .entries
            .iter()
            .map(|Entry { outgoing, delay_ms, erase, priority }| {
                let payload =
                    serde_json::to_string(outgoing).map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
                let payload = if *erase { mark_erasable(&payload) } else { payload };
                let dedupe_key = match outgoing {
                    Outgoing::Progress { notice, .. } => Some(crate::store::progress_key(*notice)),
                    _ => None,
                };
                Ok((outgoing, payload, lane(outgoing), dedupe_key, now + delay_ms, *priority))
            })
            .collect::<Result<Vec<_>, crate::store::StoreError>>()?;
        let jobs: Vec<_> = rows
            .iter()
            .map(|(outgoing, payload, lane, dedupe_key, due_at, priority)| crate::store::NewJob {
                queue: crate::store::Queue::Outbox,
                lane: lane.as_deref(),
                dedupe_key: dedupe_key.as_deref(),
                payload,
                due_at: *due_at,
                // A card's job remembers its request: the outbox is the
                // record of whom a request was shown to, and of the message
                // an edit of the card finds.
                request_id: match outgoing {
                    Outgoing::Card { request, .. } => Some(*request),
                    _ => None,
                },
                priority: *priority,
            })
            .collect();
        tx.enqueue_all(&jobs, now).await?;
        Ok(!jobs.is_empty())
    }
}

/// How the payload of a message erased once sent begins: a field the
/// payload's own reading ignores, first, so that the sender tells such a
/// message apart without reading it twice.
const ERASE_WHEN_SENT: &str = r#"{"erase_when_sent":true,"#;

fn mark_erasable(payload: &str) -> String {
    match payload.strip_prefix('{') {
        Some(fields) => format!("{ERASE_WHEN_SENT}{fields}"),
        None => payload.to_owned(),
    }
}

/// Whether the record of this outbox payload is to be erased once it is
/// sent (see [`Outbox::erase_when_sent`]).
pub fn erased_when_sent(payload: &str) -> bool {
    payload.starts_with(ERASE_WHEN_SENT)
}

/// The lane an outgoing message is sent in: what goes in one lane goes one
/// at a time, in order.
fn lane(outgoing: &Outgoing) -> Option<String> {
    match outgoing {
        // A notice is one message per chat whose order against the chat's
        // other messages does not matter; outside the lane, a copy not yet due
        // does not hold up the chat's other messages.
        Outgoing::Notice { .. } => None,
        // An edit of a message already sent changes nothing about the order
        // of the chat's messages, so it need not wait for them (nor they for
        // it: the question after a pressed button goes out beside the edit
        // that clears the button). Edits of one message keep their order.
        Outgoing::EditText { chat, message_id, .. } | Outgoing::ClearButtons { chat, message_id } => {
            Some(format!("message:{chat}:{message_id}"))
        }
        other => other.chat().map(|chat| format!("chat:{chat}")),
    }
}

/// The chat of a chat's lane (see [`lane`]).
pub fn lane_chat(lane: &str) -> Option<i64> {
    lane.strip_prefix("chat:")?.parse().ok()
}

/// Telegram refuses messages over 4,096 characters; longer texts are split
/// on line breaks where possible.
pub fn split_text(text: &str, max_chars: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for line in text.split_inclusive('\n') {
        let mut line = line;
        loop {
            let line_len = line.chars().count();
            if current_len + line_len <= max_chars {
                current.push_str(line);
                current_len += line_len;
                break;
            }
            if current_len > 0 {
                parts.push(std::mem::take(&mut current));
                current_len = 0;
                continue;
            }
            let cut = line.char_indices().nth(max_chars).map_or(line.len(), |(i, _)| i);
            parts.push(line[..cut].to_string());
            line = &line[cut..];
        }
    }
    if !current.is_empty() || parts.is_empty() {
        parts.push(current);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_split_on_line_breaks_within_the_limit() {
        let text = format!("{}\n{}\n{}", "a".repeat(3000), "b".repeat(3000), "c".repeat(10));
        let parts = split_text(&text, 4096);
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.chars().count() <= 4096));
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn a_single_huge_line_is_cut_at_the_limit() {
        let text = "水".repeat(9000);
        let parts = split_text(&text, 4096);
        assert_eq!(parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(), [4096, 4096, 808]);
    }

    #[test]
    fn outgoing_messages_survive_the_outbox_round_trip() {
        let message = Outgoing::Text {
            chat: 5,
            text: "你好".into(),
            keyboard: Some(Keyboard::Inline(vec![vec![Button::new("OK", "r:1:acc")]])),
        };
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(serde_json::from_str::<Outgoing>(&json).unwrap(), message);
    }

    #[test]
    fn a_message_erased_when_sent_reads_as_itself_and_says_so() {
        let mut out = Outbox::default();
        out.text(7, "kept".into(), None);
        out.text(5, "before".into(), None);
        out.erase_when_sent(5);
        out.push(Outgoing::AnswerCallback { callback_id: "c".into(), text: None });
        out.text(5, "after".into(), None);
        let payloads: Vec<(String, bool)> = out
            .entries
            .iter()
            .map(|Entry { outgoing, erase, .. }| {
                let payload = serde_json::to_string(outgoing).unwrap();
                let payload = if *erase { mark_erasable(&payload) } else { payload };
                assert_eq!(&serde_json::from_str::<Outgoing>(&payload).unwrap(), outgoing, "{payload}");
                let erased = erased_when_sent(&payload);
                (payload, erased)
            })
            .collect();
        let erased: Vec<bool> = payloads.iter().map(|(_, erased)| *erased).collect();
        assert_eq!(erased, [false, true, true, true], "{payloads:?}");
    }

    #[test]
    fn the_speaker_comes_first_responders_next_and_bulk_last() {
        let text = |chat: i64| Outgoing::Text { chat, text: "t".into(), keyboard: None };
        let mut out = Outbox::answering(5);
        out.push(text(5));
        out.push(Outgoing::AnswerCallback { callback_id: "c".into(), text: None });
        out.push(text(7));
        out.push(Outgoing::Notice { chat: 5, notice: 1, text: "n".into(), buttons: vec![] });
        let mut followers = Outbox::bulk();
        followers.push(text(8));
        out.append(followers);
        let mut timer = Outbox::default();
        timer.push(text(5));
        out.append(timer);
        let priorities: Vec<Priority> = out.entries.iter().map(|entry| entry.priority).collect();
        use Priority::*;
        assert_eq!(priorities, [Interactive, Interactive, Cards, Bulk, Bulk, Cards]);
    }
}
