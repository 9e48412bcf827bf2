//! Telegram's pace: a global rate for all chats and an interval per chat.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::config::Tuning;

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

#[cfg(test)]
mod tests {
    use super::*;

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
