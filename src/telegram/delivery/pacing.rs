//! Telegram's limits, and who goes first under them. At most `global_rate`
//! new messages go to all chats in any second and one per `chat_interval` to
//! each chat; of the messages waiting, the most urgent goes first: answers
//! to whoever is talking to the bot now, then cards and alerts to
//! responders, then bulk (notices). One dispatcher hands out the turns, so a
//! notice to thousands holds up an answer by one message at most.

use std::collections::{BTreeMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::HashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::sync::{Notify, oneshot};

use super::outgoing::Priority;
use crate::config::Tuning;

type Direct<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;
type Keyed<C> = RateLimiter<i64, HashMapStateStore<i64>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Hands out sending turns (see the module's comment).
pub struct Pacer<C: Clock = DefaultClock> {
    clock: C,
    /// With no global limit, `None`; otherwise the rate, and the spacing of
    /// turns at twice the rate (see [`Pacer::next`]).
    global: Option<(usize, Direct<C>)>,
    /// `None` when chats need no spacing.
    per_chat: Option<Keyed<C>>,
    waiting: Mutex<Waiting<C::Instant>>,
    arrived: Notify,
}

struct Waiting<I> {
    /// Arrivals so far, which orders messages of the same priority.
    arrivals: u64,
    queue: BTreeMap<(Priority, u64), Waiter<I>>,
    /// When the last `rate` turns were given, oldest first.
    given: VecDeque<I>,
}

struct Waiter<I> {
    chat: i64,
    /// Before this its chat may not receive another message.
    not_before: Option<I>,
    go: oneshot::Sender<()>,
}

/// What the dispatcher does next.
enum Next {
    /// A message was given its turn.
    Went,
    /// Nothing may go for this long (unless a message arrives).
    Wait(Duration),
    /// Nothing waits.
    Idle,
}

impl Pacer {
    pub fn new(tuning: Tuning) -> Pacer {
        Pacer::with_clock(tuning, DefaultClock::default())
    }
}

impl<C: Clock + Clone> Pacer<C> {
    fn with_clock(tuning: Tuning, clock: C) -> Pacer<C> {
        let global = NonZeroU32::new(tuning.global_rate).map(|rate| {
            let spacing = quota(Duration::from_secs(1) / rate.get().saturating_mul(2));
            (rate.get() as usize, RateLimiter::direct_with_clock(spacing, clock.clone()))
        });
        let per_chat = (!tuning.chat_interval.is_zero())
            .then(|| RateLimiter::hashmap_with_clock(quota(tuning.chat_interval), clock.clone()));
        Pacer {
            clock,
            global,
            per_chat,
            waiting: Mutex::new(Waiting { arrivals: 0, queue: BTreeMap::new(), given: VecDeque::new() }),
            arrived: Notify::new(),
        }
    }

    /// Waits until a new message to `chat` may be sent. Without limits it
    /// goes at once; otherwise the dispatcher ([`Pacer::run`]) decides.
    pub async fn wait_turn(&self, chat: i64, priority: Priority) {
        if self.global.is_none() && self.per_chat.is_none() {
            return;
        }
        // If the dispatcher is gone the process is stopping; the message
        // is left to its lease.
        let _ = self.enqueue(chat, priority).await;
    }

    fn enqueue(&self, chat: i64, priority: Priority) -> oneshot::Receiver<()> {
        let (go, turn) = oneshot::channel();
        let mut waiting = lock(&self.waiting);
        waiting.arrivals += 1;
        let key = (priority, waiting.arrivals);
        waiting.queue.insert(key, Waiter { chat, not_before: None, go });
        drop(waiting);
        self.arrived.notify_one();
        turn
    }

    /// The dispatcher: gives turns until the process stops.
    pub async fn run(&self) {
        loop {
            match self.next() {
                Next::Went => {}
                Next::Wait(wait) => {
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = self.arrived.notified() => {}
                    }
                }
                Next::Idle => self.arrived.notified().await,
            }
        }
    }

    /// Gives the turn to the most urgent waiting message whose chat may
    /// receive one, if the global limit allows a message now: fewer than
    /// `rate` turns in the last second and [`WINDOW_MARGIN`], and none in the
    /// last half of a turn's share of a second (governor's limiter), so that
    /// turns lost while the dispatcher could not run are caught up at twice
    /// the rate, never in one burst. A turn is given as it is taken.
    fn next(&self) -> Next {
        let now = self.clock.now();
        let mut waiting = lock(&self.waiting);
        // A message whose sender stopped waiting (its task was aborted) is
        // dropped.
        waiting.queue.retain(|_, waiter| !waiter.go.is_closed());
        if waiting.queue.is_empty() {
            return Next::Idle;
        }
        let ready = |waiter: &Waiter<C::Instant>| waiter.not_before.is_none_or(|at| at <= now);
        if !waiting.queue.values().any(ready) {
            return self.wait_for_chats(&waiting, now);
        }
        if let Some((rate, spacing)) = &self.global {
            if waiting.given.len() >= *rate
                && let Some(&oldest) = waiting.given.front()
            {
                let free = oldest + Nanos::from(Duration::from_secs(1) + WINDOW_MARGIN);
                if now <= free {
                    return Next::Wait(Duration::from(free.duration_since(now)) + Duration::from_micros(1));
                }
            }
            if let Err(not_until) = spacing.check() {
                return Next::Wait(not_until.wait_time_from(now));
            }
        }
        let mut chosen = None;
        for (key, waiter) in waiting.queue.iter_mut().filter(|(_, waiter)| ready(waiter)) {
            match self.per_chat.as_ref().map(|limiter| limiter.check_key(&waiter.chat)) {
                Some(Err(not_until)) => waiter.not_before = Some(not_until.earliest_possible()),
                _ => {
                    chosen = Some(*key);
                    break;
                }
            }
        }
        match chosen.and_then(|key| waiting.queue.remove(&key)) {
            Some(waiter) => {
                let _ = waiter.go.send(());
                if let Some((rate, _)) = &self.global {
                    waiting.given.push_back(now);
                    if waiting.given.len() > *rate {
                        waiting.given.pop_front();
                    }
                }
                if let Some(per_chat) = &self.per_chat
                    && per_chat.len() > 10_000
                {
                    per_chat.retain_recent();
                }
                Next::Went
            }
            // Every chat that looked ready had just been sent to; the
            // spacing's turn is lost, which costs nothing of the limit.
            None => self.wait_for_chats(&waiting, now),
        }
    }

    /// Until the first chat of a waiting message may receive one.
    fn wait_for_chats(&self, waiting: &Waiting<C::Instant>, now: C::Instant) -> Next {
        let soonest = waiting.queue.values().filter_map(|waiter| waiter.not_before).min();
        let wait = soonest.filter(|at| *at > now).map(|at| Duration::from(at.duration_since(now)));
        Next::Wait(wait.unwrap_or(Duration::ZERO))
    }
}

/// How much longer than a second the window is in which at most `rate`
/// turns are given, so that arrivals at Telegram that drift closer together
/// than they were let go (a busy machine, the network) still count at most
/// `rate` in any second there.
const WINDOW_MARGIN: Duration = Duration::from_millis(10);

fn quota(period: Duration) -> Quota {
    Quota::with_period(period).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
}

/// The lock is never held across an await; a poisoned one only means a
/// panic elsewhere, and the queue is still whole.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn pacer(rate: u32, chat_interval: Duration) -> (Pacer<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let tuning = Tuning { global_rate: rate, chat_interval, ..Tuning::default() };
        (Pacer::with_clock(tuning, clock.clone()), clock)
    }

    /// Runs the dispatcher on the fake clock until nothing waits; returns
    /// when each turn was given, in milliseconds, in the order given.
    fn dispatch(pacer: &Pacer<FakeRelativeClock>, clock: &FakeRelativeClock) -> Vec<u64> {
        let start = clock.now();
        let mut given = Vec::new();
        loop {
            match pacer.next() {
                Next::Went => given.push(Duration::from(clock.now().duration_since(start)).as_millis() as u64),
                Next::Wait(wait) => clock.advance(wait.max(Duration::from_micros(1))),
                Next::Idle => return given,
            }
        }
    }

    #[test]
    fn an_answer_goes_before_a_card_and_both_before_the_copies_of_a_notice() {
        let (pacer, clock) = pacer(30, Duration::from_secs(1));
        let mut turns: Vec<(&str, oneshot::Receiver<()>)> = Vec::new();
        for chat in 0..100 {
            turns.push(("notice", pacer.enqueue(1_000 + chat, Priority::Bulk)));
        }
        turns.push(("card", pacer.enqueue(7, Priority::Responder)));
        turns.push(("answer", pacer.enqueue(8, Priority::Interactive)));
        let mut order = Vec::new();
        // The first turn goes to the answer, the second to the card, though
        // a hundred copies of a notice were waiting before them.
        for _ in 0..3 {
            assert!(matches!(pacer.next(), Next::Went));
            clock.advance(Duration::from_millis(40));
            turns.retain_mut(|(what, turn)| match turn.try_recv() {
                Ok(()) => {
                    order.push(*what);
                    false
                }
                Err(_) => true,
            });
        }
        assert_eq!(order, ["answer", "card", "notice"]);
    }

    #[test]
    fn an_answer_that_arrives_during_a_notice_waits_for_one_message_at_most() {
        let (pacer, clock) = pacer(30, Duration::from_secs(1));
        let _copies: Vec<_> = (0..50).map(|chat| pacer.enqueue(1_000 + chat, Priority::Bulk)).collect();
        for _ in 0..10 {
            while !matches!(pacer.next(), Next::Went) {
                clock.advance(Duration::from_millis(1));
            }
        }
        let arrived = clock.now();
        let mut answer = pacer.enqueue(8, Priority::Interactive);
        while answer.try_recv().is_err() {
            match pacer.next() {
                Next::Went => {}
                _ => clock.advance(Duration::from_millis(1)),
            }
        }
        let waited = Duration::from(clock.now().duration_since(arrived));
        assert!(waited <= Duration::from_millis(35), "waited {waited:?} for one message's pacing");
    }

    #[test]
    fn no_second_holds_more_than_the_rate_and_the_rate_is_nearly_reached() {
        let (pacer, clock) = pacer(10, Duration::from_secs(1));
        let _turns: Vec<_> = (0..40).map(|chat| pacer.enqueue(chat, Priority::Bulk)).collect();
        let given = dispatch(&pacer, &clock);
        assert_eq!(given.len(), 40);
        for (i, at) in given.iter().enumerate() {
            let in_second = given[i..].iter().filter(|other| **other <= at + 1000).count();
            assert!(in_second <= 10, "{in_second} messages in the closed second from {at} ms: {given:?}");
        }
        let last = *given.last().unwrap();
        assert!(last < 4400, "forty at ten a second take about four seconds, not {last} ms");
    }

    #[test]
    fn a_turn_given_late_is_caught_up_without_crowding_any_second() {
        let (pacer, clock) = pacer(10, Duration::ZERO);
        let _turns: Vec<_> = (0..40).map(|chat| pacer.enqueue(chat, Priority::Bulk)).collect();
        let start = clock.now();
        let mut given = Vec::new();
        while given.len() < 40 {
            match pacer.next() {
                Next::Went => given.push(Duration::from(clock.now().duration_since(start)).as_millis() as u64),
                // The dispatcher always wakes 30 ms late, as on a busy machine.
                Next::Wait(wait) => clock.advance(wait + Duration::from_millis(30)),
                Next::Idle => unreachable!("messages still wait"),
            }
        }
        for (i, at) in given.iter().enumerate() {
            let in_second = given[i..].iter().filter(|other| **other <= at + 1000).count();
            assert!(in_second <= 10, "{in_second} messages in the closed second from {at} ms: {given:?}");
        }
        let last = *given.last().unwrap();
        assert!(last < 4500, "lateness is caught up, not added to every turn: {last} ms");
    }

    #[test]
    fn one_chats_messages_are_spaced_and_do_not_hold_up_other_chats() {
        let (pacer, clock) = pacer(10, Duration::from_secs(1));
        let mut first = pacer.enqueue(1, Priority::Interactive);
        let mut second = pacer.enqueue(1, Priority::Interactive);
        let mut other = pacer.enqueue(2, Priority::Bulk);
        let start = clock.now();
        let when = |turn: &mut oneshot::Receiver<()>| loop {
            if turn.try_recv().is_ok() {
                return Duration::from(clock.now().duration_since(start)).as_millis();
            }
            match pacer.next() {
                Next::Went => {}
                Next::Wait(wait) => clock.advance(wait.max(Duration::from_micros(1))),
                Next::Idle => unreachable!("a message still waits"),
            }
        };
        assert_eq!(when(&mut first), 0);
        let other_at = when(&mut other);
        assert!(other_at < 1000, "another chat's message goes while chat 1 waits: {other_at} ms");
        let second_at = when(&mut second);
        assert!(second_at >= 1000, "a chat's second message waits its interval: {second_at} ms");
    }
}
