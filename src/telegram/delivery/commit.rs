//! How turns end, alone or together. A turn leaves its messages and the
//! mark that its update is done; they are written and committed with its
//! change, or not at all.
//!
//! Group commit: on SQLite one transaction an update cannot keep up with the
//! floor of 1,000 updates/s (593/s in BENCHMARKS.md), so the inbox worker
//! may hand several updates' turns one [`Batch`], whose transaction they pass
//! on and which commits once after the last. Handlers never know: a turn
//! takes and leaves the same things either way.

use std::sync::{Mutex, MutexGuard, PoisonError};

use super::outgoing::Outbox;
use crate::app::App;
use crate::store::{ClaimedJob, Tx, millis};

/// Several updates handled one after another in one transaction, so that
/// they share its commit (see `inbox`): each turn takes the transaction and
/// puts it back; a turn that fails drops it, which rolls the whole batch back.
/// What the turns send and the notes that their updates are done are
/// gathered and written when the batch commits, a statement for all rather
/// than one or two for each, and what they would wake is woken after that,
/// since before it there is nothing to see.
pub struct Batch(Mutex<Shared>);

struct Shared {
    /// `None` once a turn has dropped it.
    tx: Option<Tx>,
    out: Outbox,
    /// The jobs of the turns that finished, with their lease tokens.
    done: Vec<(i64, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("an earlier update of the batch gave up its transaction")]
pub struct BatchBroken;

impl Batch {
    /// Opens the batch's transaction.
    pub async fn open(app: &App) -> anyhow::Result<Batch> {
        let tx = app.store.begin().await?;
        Ok(Batch(Mutex::new(Shared { tx: Some(tx), out: Outbox::default(), done: Vec::new() })))
    }

    pub fn take(&self) -> Result<Tx, BatchBroken> {
        lock(&self.0).tx.take().ok_or(BatchBroken)
    }

    pub fn put_back(&self, tx: Tx) {
        lock(&self.0).tx = Some(tx);
    }

    /// Notes that the turn of `job` is over, with what it sends.
    pub fn done(&self, job: &ClaimedJob, out: Outbox) {
        let mut shared = lock(&self.0);
        shared.out.append(out);
        shared.done.push((job.id, job.lease_token.clone()));
    }

    /// Writes what the turns left and commits (see [`commit_turns`]).
    pub async fn commit(self, app: &App) -> anyhow::Result<()> {
        let shared = self.0.into_inner().unwrap_or_else(PoisonError::into_inner);
        let tx = shared.tx.ok_or(BatchBroken)?;
        let done: Vec<(i64, &str, Option<&str>)> =
            shared.done.iter().map(|(id, token)| (*id, token.as_str(), None)).collect();
        commit_turns(app, tx, shared.out, &done, millis(app.now())).await
    }
}

/// Ends the transaction of one turn or of a batch of them: writes what they
/// send and the marks that their updates are done, commits, and then wakes
/// whoever has work — before the commit there is nothing to see. If another
/// worker took any of the updates over meanwhile, nothing is committed.
pub(super) async fn commit_turns(
    app: &App,
    mut tx: Tx,
    out: Outbox,
    done: &[(i64, &str, Option<&str>)],
    now: i64,
) -> anyhow::Result<()> {
    let wrote = out.write(&mut tx, now).await?;
    let more = tx.finish_all(done, now).await?;
    anyhow::ensure!(more.len() == done.len(), LeaseLost);
    tx.commit().await?;
    // The inbox worker claims again only when a person's next update is
    // already waiting; otherwise the claim would find nothing.
    if more.contains(&true) {
        app.wake.inbox.notify_one();
    }
    if wrote {
        app.wake.outbox.notify_one();
    }
    // A turn may have started, stopped or moved a timer.
    app.wake.timers.notify_one();
    Ok(())
}

/// The batch's lock is never held across an await, so a poisoned one only
/// means a turn panicked; what it guards is still whole.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, thiserror::Error)]
#[error("another worker took over this update")]
pub struct LeaseLost;
