//! Simulated residents and the two load shapes: a closed loop (each resident
//! offers its next update only after the answer to the previous one arrived)
//! and an open loop (updates offered at a fixed rate, whatever the bot does).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::telegram::{Expect, Reply, Telegram, callback_query, own_contact, text_message};

/// How long a resident waits for an answer before it counts an error and
/// gives up on its identity. Far above any healthy latency; it exists so that
/// a stuck bot ends the run instead of hanging it.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// Reports each identity makes after registering. Four registration steps
/// and six per report make 16 updates, under the bot's flood limit of 20 a
/// minute per person, and two reports stay under the limit of 3 open
/// requests per resident.
const REPORTS_PER_IDENTITY: usize = 2;

/// What a simulated resident does.
#[derive(Clone)]
pub enum Flow {
    /// The whole report flow with community-desk, registering in one of
    /// these buildings.
    Desk { buildings: Arc<Vec<String>> },
    /// Text messages to the echo bot, one reply each.
    Echo,
    /// Residents seeded in the middle of a report: description, done,
    /// urgency, confirm.
    FinishReport,
}

enum Action {
    Text(String),
    Contact(String),
    /// Press the first button of the last answer whose data starts so.
    Press(&'static str),
}

struct Step {
    action: Action,
    expect: Expect,
}

fn step(action: Action, expect: Expect) -> Step {
    Step { action, expect }
}

impl Flow {
    /// The updates one identity sends, each with the answer it waits for:
    /// the message that asks the next question (see `telegram/handlers.rs`
    /// and `dialogue.rs`).
    fn script(&self, id: i64) -> Vec<Step> {
        let report = || {
            vec![
                step(Action::Text("/new".into()), Expect::Button("d:cat:")),
                step(Action::Press("d:cat:property"), Expect::Button("d:desc-done")),
                step(
                    Action::Text("No water since this morning on the 3rd floor".into()),
                    Expect::Button("d:desc-done"),
                ),
                step(Action::Press("d:desc-done"), Expect::Button("d:urg:")),
                step(Action::Press("d:urg:normal"), Expect::Button("d:ok")),
                step(Action::Press("d:ok"), Expect::AnyText),
            ]
        };
        match self {
            Flow::Desk { buildings } => {
                let building = &buildings[id as usize % buildings.len()];
                let mut steps = vec![
                    step(Action::Text(format!("/start b_{building}")), Expect::Button("d:room-skip")),
                    step(Action::Text("302".into()), Expect::ReplyKeyboard),
                    step(Action::Contact(phone_of(id)), Expect::Button("d:priv:y")),
                    step(Action::Press("d:priv:y"), Expect::AnyText),
                ];
                for _ in 0..REPORTS_PER_IDENTITY {
                    steps.extend(report());
                }
                steps
            }
            Flow::Echo => (0..16).map(|i| step(Action::Text(format!("hello {i}")), Expect::AnyText)).collect(),
            Flow::FinishReport => report().split_off(2),
        }
    }
}

/// A distinct Chinese mobile number per identity, so no phone is "taken".
pub fn phone_of(id: i64) -> String {
    format!("+8613{:09}", id % 1_000_000_000)
}

/// One answered update: when it was offered (or, in the open loop, when it
/// was due) and how long the answer took.
#[derive(Clone, Copy)]
pub struct Sample {
    pub start: Instant,
    pub latency: Duration,
}

impl Sample {
    fn answered(&self) -> Instant {
        self.start + self.latency
    }
}

#[derive(Default)]
struct Errors {
    timeouts: AtomicU64,
    missing_buttons: AtomicU64,
}

/// Where identities come from: fresh Telegram ids, or a fixed list.
pub enum Identities {
    Fresh(AtomicI64),
    Listed { ids: Vec<i64>, next: AtomicU64 },
}

impl Identities {
    pub fn fresh(first: i64) -> Identities {
        Identities::Fresh(AtomicI64::new(first))
    }

    fn next(&self) -> Option<i64> {
        match self {
            Identities::Fresh(next) => Some(next.fetch_add(1, Ordering::Relaxed)),
            Identities::Listed { ids, next } => ids.get(next.fetch_add(1, Ordering::Relaxed) as usize).copied(),
        }
    }
}

/// When updates may be offered: at once (closed loop) or when the
/// dispatcher says so (open loop), in which case the latency counts from the
/// instant the update was due, so a late offer is not hidden.
enum Pace {
    Closed,
    Open(mpsc::Sender<oneshot::Sender<Instant>>),
}

/// Runs one identity through its script; stops early once `stop` has
/// passed, so a run ends on time.
async fn run_identity(
    telegram: &Telegram,
    flow: &Flow,
    id: i64,
    pace: &Pace,
    stop: Instant,
    errors: &Errors,
    samples: &mut Vec<Sample>,
) -> bool {
    let mut last: Option<Reply> = None;
    for step in flow.script(id) {
        if Instant::now() >= stop {
            return false;
        }
        let update = match &step.action {
            Action::Text(text) => text_message(id, text),
            Action::Contact(phone) => own_contact(id, phone),
            Action::Press(prefix) => {
                let found = last.as_ref().and_then(|reply| {
                    reply.buttons.iter().find(|b| b.starts_with(prefix)).map(|data| (data.clone(), reply.message_id))
                });
                let Some((data, message_id)) = found else {
                    errors.missing_buttons.fetch_add(1, Ordering::Relaxed);
                    return true;
                };
                callback_query(id, &data, message_id)
            }
        };
        let due = match pace {
            Pace::Closed => None,
            Pace::Open(idle) => {
                let (tx, rx) = oneshot::channel();
                if idle.send(tx).await.is_err() {
                    return false;
                }
                match rx.await {
                    Ok(due) => Some(due),
                    // The dispatcher stopped: the run is over.
                    Err(_) => return false,
                }
            }
        };
        let answer = telegram.expect(id, step.expect);
        let offered = telegram.offer(update);
        let start = due.unwrap_or(offered);
        match tokio::time::timeout(STEP_TIMEOUT, answer).await {
            Ok(Ok(reply)) => {
                samples.push(Sample { start, latency: reply.at.saturating_duration_since(start) });
                last = Some(reply);
            }
            _ => {
                telegram.forget(id);
                errors.timeouts.fetch_add(1, Ordering::Relaxed);
                return true;
            }
        }
    }
    true
}

/// The figures of one load phase.
#[derive(Clone, Debug, Default)]
pub struct LoadResult {
    /// Answers per second within the measured window.
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Answers in the measured window.
    pub answered: usize,
    /// Answers in the whole phase, warm-up included, for CPU per update.
    pub answered_total: usize,
    pub timeouts: u64,
    pub missing_buttons: u64,
    pub identities: u64,
}

/// The shape of a load phase.
pub struct Shape {
    pub flow: Flow,
    pub residents: usize,
    pub warmup: Duration,
    pub measure: Duration,
    /// `None` for the closed loop, `Some(rate)` updates a second for the
    /// open loop.
    pub rate: Option<f64>,
}

pub async fn run(telegram: Arc<Telegram>, shape: Shape, identities: Arc<Identities>) -> LoadResult {
    let t0 = Instant::now();
    let from = t0 + shape.warmup;
    let stop = from + shape.measure;
    let errors = Arc::new(Errors::default());
    let started = Arc::new(AtomicU64::new(0));
    let (idle_tx, mut idle_rx) = mpsc::channel::<oneshot::Sender<Instant>>(shape.residents.max(1));
    let dispatcher = shape.rate.map(|rate| {
        tokio::spawn(async move {
            let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
            let mut due = Instant::now();
            while due < stop {
                tokio::time::sleep_until(due.into()).await;
                // A resident that is not idle yet is waited for; the update
                // is still counted from when it was due.
                let Ok(Some(resident)) = tokio::time::timeout_at(stop.into(), idle_rx.recv()).await else { break };
                let _ = resident.send(due);
                due += period;
            }
            // Dropping the receiver ends every resident waiting for a turn.
        })
    });
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..shape.residents {
        let telegram = telegram.clone();
        let flow = shape.flow.clone();
        let identities = identities.clone();
        let errors = errors.clone();
        let started = started.clone();
        let pace = if shape.rate.is_some() { Pace::Open(idle_tx.clone()) } else { Pace::Closed };
        tasks.spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < stop {
                let Some(id) = identities.next() else { break };
                started.fetch_add(1, Ordering::Relaxed);
                if !run_identity(&telegram, &flow, id, &pace, stop, &errors, &mut samples).await {
                    break;
                }
            }
            samples
        });
    }
    drop(idle_tx);
    let mut samples = Vec::new();
    let deadline = tokio::time::Instant::from(stop) + STEP_TIMEOUT + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, tasks.join_next()).await {
            Ok(Some(Ok(mut part))) => samples.append(&mut part),
            Ok(Some(Err(error))) => eprintln!("a resident task failed: {error}"),
            Ok(None) => break,
            Err(_) => {
                eprintln!("residents still waiting after the deadline were stopped");
                tasks.abort_all();
                break;
            }
        }
    }
    if let Some(dispatcher) = dispatcher {
        dispatcher.abort();
    }
    summarise(&samples, from, stop, &errors, started.load(Ordering::Relaxed))
}

fn summarise(samples: &[Sample], from: Instant, stop: Instant, errors: &Errors, identities: u64) -> LoadResult {
    let mut window: Vec<Duration> =
        samples.iter().filter(|s| s.answered() >= from && s.answered() <= stop).map(|s| s.latency).collect();
    window.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let quantile = |q: f64| {
        if window.is_empty() {
            return f64::NAN;
        }
        let index = ((window.len() as f64 * q).ceil() as usize).clamp(1, window.len()) - 1;
        ms(window[index])
    };
    let seconds = stop.saturating_duration_since(from).as_secs_f64().max(1e-9);
    LoadResult {
        rate: window.len() as f64 / seconds,
        p50_ms: quantile(0.50),
        p99_ms: quantile(0.99),
        max_ms: window.last().map_or(f64::NAN, |d| ms(*d)),
        answered: window.len(),
        answered_total: samples.len(),
        timeouts: errors.timeouts.load(Ordering::Relaxed),
        missing_buttons: errors.missing_buttons.load(Ordering::Relaxed),
        identities,
    }
}
