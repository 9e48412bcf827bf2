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
    bulk_turn: tokio::sync::Mutex<()>,
    admit_turn: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct PacerState {
    taken: std::collections::BTreeSet<u64>,
    next_per_chat: HashMap<i64, Instant>,
    /// When the last `rate` messages were let go, oldest first.
    sent: std::collections::VecDeque<Instant>,
    /// When each chat's last message was let go.
    let_go_per_chat: HashMap<i64, Instant>,
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
            bulk_turn: tokio::sync::Mutex::new(()),
            admit_turn: tokio::sync::Mutex::new(()),
        }
    }

    /// Waits, once a message's slot has come, until sending it keeps every
    /// span of `rate` slots (a second and its margin) to `rate` messages
    /// actually let go, and the chat's interval (and a slot) since the last
    /// message actually let go to `chat`. A message whose task woke late — on
    /// a busy machine, a stall of tens of milliseconds — would otherwise go
    /// out late and join the on-time messages of the second after its slot,
    /// or of its chat's next one (the storm measured both). Letting it go
    /// moves the chat's next slot to a full interval after it.
    ///
    /// Messages pass here in the order they came (tokio's mutex is fair):
    /// racing for each place in the second, an answer lost to the copies of a
    /// notice behind it for seconds (the storm measured that too).
    pub async fn admit(&self, chat: i64) {
        let span = self.slot * u32::try_from(self.rate).unwrap_or(u32::MAX);
        let gap = self.chat_interval + self.slot;
        let mut turn = None;
        loop {
            if turn.is_none() {
                turn = Some(self.admit_turn.lock().await);
            }
            let wait = {
                let now = Instant::now();
                let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let global = match state.sent.front() {
                    Some(&oldest) if state.sent.len() >= self.rate && now < oldest + span => oldest + span - now,
                    _ => Duration::ZERO,
                };
                let own = match state.let_go_per_chat.get(&chat) {
                    Some(&last) if now < last + gap => last + gap - now,
                    _ => Duration::ZERO,
                };
                if global.is_zero() && own.is_zero() {
                    if !self.slot.is_zero() {
                        state.sent.push_back(now);
                        if state.sent.len() > self.rate {
                            state.sent.pop_front();
                        }
                    }
                    if !gap.is_zero() {
                        state.let_go_per_chat.insert(chat, now);
                        let next = state.next_per_chat.entry(chat).or_insert(now);
                        *next = (*next).max(now + gap);
                        if state.let_go_per_chat.len() > 10_000 {
                            state.let_go_per_chat.retain(|_, last| now < *last + gap);
                        }
                    }
                    return;
                }
                (global, own)
            };
            match wait {
                // Waiting for the second keeps this message's place: the
                // others would wait for the second too. (Queueing again
                // behind them, an answer lost its place for 20 s in the
                // morning of check-ins.)
                (global, own) if own <= global => tokio::time::sleep(global).await,
                // A chat that must wait for its interval gives its place up
                // (rare: a chat's messages are claimed one after another).
                (_, own) => {
                    turn = None;
                    tokio::time::sleep(own).await;
                }
            }
        }
    }

    /// Waits until a message to `chat` of this priority may take its slot
    /// (see [`Pacer`]), takes it and says when it comes. Bulk waits in the
    /// order it asked (tokio's mutex is fair): racing for each slot as it
    /// comes near, a copy of a notice could lose for longer than its lease
    /// and be claimed and sent a second time (the storm saw it).
    pub async fn take_slot(&self, chat: i64, priority: Priority) -> Instant {
        let _turn = match priority {
            Priority::Bulk => Some(self.bulk_turn.lock().await),
            _ => None,
        };
        let horizon = (priority == Priority::Bulk).then_some(LOOK_AHEAD);
        loop {
            match self.reserve_within(chat, horizon) {
                Ok(at) => return at,
                Err(retry_at) => tokio::time::sleep_until(retry_at).await,
            }
        }
    }

    /// Reserves the moment at which a new message to `chat` may be sent if
    /// the next free slot for anyone is within `horizon` from now; otherwise
    /// reserves nothing and says when to ask again. (A chat that must wait
    /// for its interval does not hold up the bulk queued behind it.)
    fn reserve_within(&self, chat: i64, horizon: Option<Duration>) -> Result<Instant, Instant> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(horizon) = horizon {
            let (_, free) = self.free_slot(&state.taken, now);
            if free > now + horizon {
                return Err(free - horizon);
            }
        }
        let earliest = state.next_per_chat.get(&chat).copied().unwrap_or(now).max(now);
        let (index, at) = self.free_slot(&state.taken, earliest);
        if let Some(index) = index {
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

    /// The first slot not taken at or after `from`, and when it comes; with
    /// no global rate, `from` itself.
    fn free_slot(&self, taken: &std::collections::BTreeSet<u64>, from: Instant) -> (Option<u64>, Instant) {
        if self.slot.is_zero() {
            return (None, from);
        }
        let since = (from - self.epoch).as_nanos();
        let mut index = u64::try_from(since.div_ceil(self.slot.as_nanos())).unwrap_or(u64::MAX);
        while taken.contains(&index) {
            index += 1;
        }
        (Some(index), self.epoch + self.slot * u32::try_from(index).unwrap_or(u32::MAX))
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
            pacer.admit(chat).await;
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

    #[tokio::test(start_paused = true)]
    async fn a_message_let_go_late_moves_its_chats_next_one_back() {
        let pacer = Pacer::new(Tuning { global_rate: 10, chat_interval: Duration::from_secs(1), ..Tuning::default() });
        let first = reserve(&pacer, 1);
        // Its task wakes 200 ms after its slot, as on a busy machine.
        tokio::time::sleep_until(first + Duration::from_millis(200)).await;
        pacer.admit(1).await;
        let let_go = Instant::now();
        let next = reserve(&pacer, 1);
        assert!(next >= let_go + Duration::from_secs(1), "planned {:?} after the first left", next - let_go);
        // A message planned before the first left still waits a full
        // interval after it.
        let early = Pacer::new(Tuning { global_rate: 10, chat_interval: Duration::from_secs(1), ..Tuning::default() });
        let (a, b) = (reserve(&early, 2), reserve(&early, 2));
        tokio::time::sleep_until(a + Duration::from_millis(300)).await;
        early.admit(2).await;
        let a_left = Instant::now();
        tokio::time::sleep_until(b.max(Instant::now())).await;
        early.admit(2).await;
        assert!(
            Instant::now() - a_left >= Duration::from_secs(1),
            "the second left {:?} after the first",
            Instant::now() - a_left
        );
    }

    #[tokio::test(start_paused = true)]
    async fn bulk_takes_its_slots_in_the_order_it_asked_while_answers_pass_it() {
        let pacer = Arc::new(Pacer::new(Tuning { global_rate: 10, ..Tuning::default() }));
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut copies = tokio::task::JoinSet::new();
        for chat in 100..160 {
            let (pacer, order) = (pacer.clone(), order.clone());
            copies.spawn(async move {
                let at = pacer.take_slot(chat, Priority::Bulk).await;
                order.lock().unwrap().push((at, chat));
            });
            // Each copy asks once the one before it has.
            tokio::task::yield_now().await;
        }
        // Someone talks to the bot all along, taking a slot every 300 ms.
        let talker = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                for n in 0..30 {
                    let at = pacer.take_slot(1 + n, Priority::Interactive).await;
                    assert!(at - Instant::now() <= LOOK_AHEAD + pacer.slot, "an answer waits behind the bulk");
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
            })
        };
        while copies.join_next().await.is_some() {}
        talker.await.unwrap();
        let order = order.lock().unwrap();
        let chats: Vec<i64> = order.iter().map(|(_, chat)| *chat).collect();
        assert_eq!(chats, (100..160).collect::<Vec<_>>(), "the copies went in the order they asked");
    }

    #[tokio::test(start_paused = true)]
    async fn messages_waiting_for_the_second_go_in_the_order_they_came() {
        let pacer =
            Arc::new(Pacer::new(Tuning { global_rate: 10, chat_interval: Duration::ZERO, ..Tuning::default() }));
        // A second's worth just went out.
        for chat in 0..10 {
            pacer.admit(chat).await;
        }
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut waiting = tokio::task::JoinSet::new();
        for chat in 100..125 {
            let (pacer, order) = (pacer.clone(), order.clone());
            waiting.spawn(async move {
                pacer.admit(chat).await;
                order.lock().unwrap().push(chat);
            });
            tokio::task::yield_now().await;
        }
        while waiting.join_next().await.is_some() {}
        assert_eq!(*order.lock().unwrap(), (100..125).collect::<Vec<_>>(), "none lost its place");
    }
}
