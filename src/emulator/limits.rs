//! Telegram's flood limits, when the emulator plays them
//! ([`super::Options::telegram_limits`]): at most 30 new messages in any
//! second to all chats together and one a second to each chat. A message
//! over either is refused with 429 and `retry_after`, as Telegram refuses
//! it; edits and callback answers are not counted, as Telegram does not
//! count them.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const PER_SECOND: usize = 30;
const SECOND: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(super) struct Limits {
    /// When the messages of the last second were accepted, oldest first.
    accepted: VecDeque<Instant>,
    /// When each chat last received a message.
    last_per_chat: HashMap<i64, Instant>,
}

impl Limits {
    /// Whether a new message to `chat` arriving `at` is within the limits,
    /// and if not which one it passes; if it is, it counts against them.
    pub(super) fn admit(&mut self, chat: i64, at: Instant) -> Result<(), Refusal> {
        while self.accepted.front().is_some_and(|first| at.saturating_duration_since(*first) >= SECOND) {
            self.accepted.pop_front();
        }
        let chat_busy = self.last_per_chat.get(&chat).is_some_and(|last| at.saturating_duration_since(*last) < SECOND);
        if chat_busy {
            return Err(Refusal::ChatBusy);
        }
        if self.accepted.len() >= PER_SECOND {
            return Err(Refusal::AllChats);
        }
        self.accepted.push_back(at);
        self.last_per_chat.insert(chat, at);
        if self.last_per_chat.len() > 100_000 {
            self.last_per_chat.retain(|_, last| at.saturating_duration_since(*last) < SECOND);
        }
        Ok(())
    }
}

/// Which limit a refused message passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The thirty-first message of a second to all chats together.
    AllChats,
    /// A second message to one chat within a second.
    ChatBusy,
}

/// Whether a call sends a new message, which the limits count.
pub(super) fn sends_a_message(method: &str) -> bool {
    matches!(
        method.to_ascii_lowercase().as_str(),
        "sendmessage"
            | "sendphoto"
            | "senddocument"
            | "sendvoice"
            | "sendvideo"
            | "sendaudio"
            | "sendanimation"
            | "sendsticker"
            | "sendlocation"
            | "sendcontact"
            | "sendmediagroup"
            | "forwardmessage"
            | "copymessage"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_a_second_pass_and_one_a_second_per_chat() {
        let mut limits = Limits::default();
        let start = Instant::now();
        let ms = |m: u64| start + Duration::from_millis(m);
        assert_eq!(limits.admit(1, ms(0)), Ok(()));
        assert_eq!(limits.admit(1, ms(999)), Err(Refusal::ChatBusy), "the same chat within the second");
        assert_eq!(limits.admit(1, ms(1000)), Ok(()));
        for chat in 2..31 {
            assert_eq!(limits.admit(chat, ms(1000 + chat as u64)), Ok(()), "chat {chat}");
        }
        assert_eq!(limits.admit(99, ms(1500)), Err(Refusal::AllChats), "the thirty-first in one second");
        assert_eq!(limits.admit(99, ms(2000)), Ok(()), "the first of them is a second old");
    }
}
