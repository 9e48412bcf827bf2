//! Telegram's pace: a global rate for all chats and an interval per chat,
//! and the order in which messages take their turn under it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::config::Tuning;
use crate::store::Priority;

/// How far ahead of now a message that answers no one at the screen may
/// take its slot (see [`Pacer`]): a few slots at Telegram's rate, to keep it
/// busy through a short stall of the machine, and short enough not to be
/// felt by someone waiting for their next question. (Half a second gave a
/// median of 0.55 s to the next question in the storm of BENCHMARKS.md.)
pub const LOOK_AHEAD: Duration = Duration::from_millis(150);

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
///
/// Interactive first: a slot, once taken, is kept, so whatever takes the
/// slots far ahead makes every later message wait behind it. Bulk (notices,
/// follower updates) takes a slot only once the first free one for it is
/// within [`LOOK_AHEAD`], and until then waits without holding one; answers
/// and cards take the first free slot however far off it is. (Cards under
/// the look-ahead starved while answers alone filled Telegram's rate, until
/// their claims ran out across restarts: the crash test lost them.) A notice to thousands therefore never holds more than
/// `LOOK_AHEAD` of slots, and the next question passes all of its copies
/// not yet sent, waiting at most that long.
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

    /// Waits until a message to `chat` of this priority may take its slot
    /// (see [`Pacer`]), takes it and says when it comes.
    pub async fn take_slot(&self, chat: i64, priority: Priority) -> Instant {
        let horizon = (priority == Priority::Bulk).then_some(LOOK_AHEAD);
        loop {
            match self.reserve_within(chat, horizon) {
                Ok(at) => return at,
                Err(retry_at) => tokio::time::sleep_until(retry_at).await,
            }
        }
    }

    /// Reserves the moment at which a new message to `chat` may be sent if
    /// it is within `horizon` from now; otherwise reserves nothing and says
    /// when to ask again.
    fn reserve_within(&self, chat: i64, horizon: Option<Duration>) -> Result<Instant, Instant> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let earliest = state.next_per_chat.get(&chat).copied().unwrap_or(now).max(now);
        let (slot, at) = if self.slot.is_zero() {
            (None, earliest)
        } else {
            let since = (earliest - self.epoch).as_nanos();
            let mut index = u64::try_from(since.div_ceil(self.slot.as_nanos())).unwrap_or(u64::MAX);
            while state.taken.contains(&index) {
                index += 1;
            }
            (Some(index), self.epoch + self.slot * u32::try_from(index).unwrap_or(u32::MAX))
        };
        if let Some(horizon) = horizon
            && at > now + horizon
        {
            return Err(at - horizon);
        }
        if let Some(index) = slot {
            state.taken.insert(index);
            let past = u64::try_from((now - self.epoch).as_nanos() / self.slot.as_nanos()).unwrap_or(0);
            state.taken = state.taken.split_off(&past.saturating_sub(1));
        }
        // A slot of margin after the chat's interval, as each slot has one:
        // two messages a chat interval apart reach Telegram closer than that
        // when the first is late, and are refused (the storm measured it).
        state.next_per_chat.insert(chat, at + self.chat_interval + self.slot);
        if state.next_per_chat.len() > 10_000 {
            state.next_per_chat.retain(|_, next| *next > now);
        }
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn reserve(pacer: &Pacer, chat: i64) -> Instant {
        pacer.reserve_within(chat, None).unwrap_or_else(|never| never)
    }

    #[tokio::test(start_paused = true)]
    async fn the_next_question_passes_a_notice_that_is_waiting_for_its_slots() {
        let pacer = Arc::new(Pacer::new(Tuning { global_rate: 10, ..Tuning::default() }));
        let start = Instant::now();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let mut copies = tokio::task::JoinSet::new();
        for chat in 100..200 {
            let (pacer, sent) = (pacer.clone(), sent.clone());
            copies.spawn(async move {
                let at = pacer.take_slot(chat, Priority::Bulk).await;
                assert!(at - Instant::now() <= LOOK_AHEAD, "a copy holds a slot no further off than the look-ahead");
                tokio::time::sleep_until(at).await;
                sent.lock().unwrap().push((Instant::now() - start, chat));
            });
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        let answer = pacer.take_slot(1, Priority::Interactive).await;
        let waited = answer - Instant::now();
        assert!(waited <= LOOK_AHEAD + pacer.slot, "the answer waits {waited:?}, not behind the whole notice");
        while copies.join_next().await.is_some() {}
        let sent = sent.lock().unwrap();
        assert_eq!(sent.len(), 100);
        let last = sent.iter().map(|(at, _)| *at).max().unwrap();
        assert!(last < Duration::from_millis(10_300), "the notice still goes at the full rate: {last:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_pacer_spaces_one_chats_messages_and_caps_the_total() {
        let pacer = Pacer::new(Tuning { global_rate: 10, chat_interval: Duration::from_secs(1), ..Tuning::default() });
        let start = Instant::now();
        assert_eq!(reserve(&pacer, 1) - start, Duration::ZERO);
        assert_eq!(reserve(&pacer, 1) - start, Duration::from_millis(1111), "a second and a slot later, on a slot");
        assert_eq!(reserve(&pacer, 2) - start, Duration::from_millis(101));
        let slots: Vec<Duration> = (10..40).map(|chat| reserve(&pacer, chat) - start).collect();
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
            let slot = reserve(&pacer, chat);
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
