//! Claiming jobs and settling them: the statements the inbox, the outbox
//! and the timers run for every job, and the lease that keeps a worker from
//! settling a job it no longer holds.

use super::{Priority, Queue};
use crate::store::{Backend, Result, StoreError, Tx, exec, on};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: i64,
    pub lane: Option<String>,
    pub payload: String,
    pub attempts: i64,
    pub request_id: Option<i64>,
    #[sqlx(try_from = "i32")]
    pub priority: Priority,
    pub lease_token: String,
    /// For a claim that counts (see [`Tx::claim_counting`]): how many jobs of
    /// this lane were created since the given moment, up to and including
    /// this one; otherwise 0.
    pub recent: i64,
}

/// The claim statement, one text for both backends but for the row lock
/// PostgreSQL takes on the rows it picks (`$lock`) and the order it takes
/// them in. The outbox takes the most urgent first (`by_priority`), sorting
/// what is due: the messages waiting to go, a few thousand at most. The
/// inbox and the timers take the earliest due (`by_due`), the order of their
/// index, so that a claim reads no more rows than it takes however many of
/// the million timers of a large desk are open or due.
///
/// The limit is `$5 + 0` rather than `$5`: SQLite's planner reads the value
/// of a bare parameter in `LIMIT`, and a statement whose plan depends on a
/// bound value is prepared again every time that parameter is bound. For
/// this statement that cost more than running it.
macro_rules! claim_sql {
    (by_priority, $lock:literal) => {
        claim_sql!(@ "j.priority, j.due_at, j.id", $lock)
    };
    (by_due, $lock:literal) => {
        claim_sql!(@ "j.due_at, j.id", $lock)
    };
    (@ $order:literal, $lock:literal) => {
        concat!(
            "UPDATE jobs SET due_at = $1, lease_token = $2, lease_owner = $6, attempts = attempts + 1 WHERE id IN ( \
               SELECT j.id FROM jobs j WHERE j.queue = $3 AND j.status = 'pending' AND j.due_at <= $4 \
               AND j.priority <= $8 \
               AND (j.lane IS NULL OR NOT EXISTS (SELECT 1 FROM jobs e WHERE e.queue = j.queue \
                 AND e.lane = j.lane AND e.status = 'pending' AND e.id < j.id)) \
               ORDER BY ",
            $order,
            " LIMIT $5 + 0",
            $lock,
            ") RETURNING id, lane, payload, attempts, request_id, priority, lease_token, \
               CASE WHEN $7 IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM jobs r WHERE r.queue = jobs.queue \
                 AND r.lane = jobs.lane AND r.created_at >= $7 AND r.id <= jobs.id) END AS recent"
        )
    };
}

/// The statement that finishes a job and says whether its lane has another
/// pending behind it (a claimed job is the oldest pending one of its lane).
///
/// Only a pending job holds a lease: whatever settles or cancels a job
/// clears its token, so the job's id and token are the whole condition.
macro_rules! finish_sql {
    () => {
        "UPDATE jobs SET status = 'done', result = $1, finished_at = $2, last_error = NULL, lease_token = NULL \
         WHERE id = $3 AND lease_token = $4 \
         RETURNING EXISTS (SELECT 1 FROM jobs e WHERE e.queue = jobs.queue AND e.lane = jobs.lane \
           AND e.status = 'pending' AND e.id > jobs.id)"
    };
}

/// [`Tx::finish_all`] on SQLite: the jobs arrive as a JSON array of
/// `[id, lease token, result]` triples.
macro_rules! finish_all_sql {
    () => {
        "UPDATE jobs SET status = 'done', result = json_extract(d.value, '$[2]'), finished_at = $2, \
           last_error = NULL, lease_token = NULL \
         FROM json_each($1) d \
         WHERE jobs.id = json_extract(d.value, '$[0]') AND jobs.lease_token = json_extract(d.value, '$[1]') \
         RETURNING EXISTS (SELECT 1 FROM jobs e WHERE e.queue = jobs.queue AND e.lane = jobs.lane \
           AND e.status = 'pending' AND e.id > jobs.id)"
    };
}

/// [`Tx::finish_all`] on PostgreSQL, with the triples as a JSONB array.
///
/// The planner cannot see how many jobs the array holds (it guesses a
/// hundred), and joined to the array alone it read the whole table when it
/// had no statistics; the ids, given again as an array, are looked up by key.
macro_rules! finish_all_postgres_sql {
    () => {
        "UPDATE jobs SET status = 'done', result = d.value ->> 2, finished_at = $2, last_error = NULL, \
           lease_token = NULL \
         FROM jsonb_array_elements($1::JSONB) AS d (value) \
         WHERE jobs.id = ANY (ARRAY(SELECT (i.value ->> 0)::BIGINT FROM jsonb_array_elements($1::JSONB) AS i (value))) \
           AND jobs.id = (d.value ->> 0)::BIGINT AND jobs.lease_token = d.value ->> 1 \
         RETURNING EXISTS (SELECT 1 FROM jobs e WHERE e.queue = jobs.queue AND e.lane = jobs.lane \
           AND e.status = 'pending' AND e.id > jobs.id)"
    };
}

impl Tx {
    /// Claims up to `limit` due jobs — at most one per lane, the oldest — for
    /// `lease_ms`, the earliest due first; from the outbox the most urgent
    /// first (and so returned). PostgreSQL skips rows another instance is claiming at the
    /// same moment; SQLite has one writer at a time, so its claim is atomic as
    /// it stands.
    pub async fn claim(
        &mut self,
        queue: Queue,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>> {
        self.claim_counting(queue, owner, now, lease_ms, limit, None).await
    }

    /// Like [`Tx::claim`], but only jobs of [`Priority::Interactive`]: the
    /// answers to whoever is talking to the bot, which the sender takes even
    /// when it has no room for anything else.
    pub async fn claim_interactive(
        &mut self,
        queue: Queue,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>> {
        self.claim_up_to(queue, owner, now, lease_ms, limit, None, Priority::Interactive).await
    }

    /// Like [`Tx::claim`], and with `count_since`, each job also says how
    /// many jobs of its lane were created since then, up to and including
    /// itself: for the inbox, how many updates one person had sent by the
    /// time of this one (later ones of a burst do not count). Counting in the
    /// claim saves the flood check a transaction of its own.
    pub async fn claim_counting(
        &mut self,
        queue: Queue,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
        count_since: Option<i64>,
    ) -> Result<Vec<ClaimedJob>> {
        self.claim_up_to(queue, owner, now, lease_ms, limit, count_since, Priority::Bulk).await
    }

    /// Claims as [`Tx::claim_counting`] does the jobs no less urgent than
    /// `up_to`.
    #[allow(clippy::too_many_arguments)]
    async fn claim_up_to(
        &mut self,
        queue: Queue,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
        count_since: Option<i64>,
        up_to: Priority,
    ) -> Result<Vec<ClaimedJob>> {
        let token = uuid::Uuid::new_v4().to_string();
        let lease_until = now + lease_ms;
        let statement = match (self.backend(), queue) {
            (Backend::Sqlite, Queue::Outbox) => claim_sql!(by_priority, ""),
            (Backend::Sqlite, _) => claim_sql!(by_due, ""),
            (Backend::Postgres, _) => {
                // With a million pending timers PostgreSQL would re-plan this
                // statement on every call (its generic plan looks costly on
                // paper), which makes the sweep grow with the table. The
                // generic plan is the right one: an index range on due_at.
                if !self.generic_plans {
                    exec!(self, |c| sqlx::query("SET LOCAL plan_cache_mode = force_generic_plan").execute(c).await)?;
                    self.generic_plans = true;
                }
                match queue {
                    Queue::Outbox => claim_sql!(by_priority, " FOR UPDATE SKIP LOCKED"),
                    _ => claim_sql!(by_due, " FOR UPDATE SKIP LOCKED"),
                }
            }
        };
        let mut jobs: Vec<ClaimedJob> = on!(self, |c| sqlx::query_as(statement)
            .bind(lease_until)
            .bind(&token)
            .bind(queue.as_str())
            .bind(now)
            .bind(limit)
            .bind(owner)
            .bind(count_since)
            .bind(i32::from(up_to))
            .fetch_all(c)
            .await)?;
        jobs.sort_by_key(|job| (job.priority, job.id));
        Ok(jobs)
    }

    /// Marks a claimed job done, with an optional result (such as the id of
    /// the message it sent). Returns `false` if the lease was lost, in which
    /// case the caller must roll back whatever it did in this transaction.
    pub async fn finish(&mut self, job: i64, lease_token: &str, result: Option<&str>, now: i64) -> Result<bool> {
        Ok(self.finish_in_lane(job, lease_token, result, now).await?.is_some())
    }

    /// Like [`Tx::finish`], and says whether the job's lane has another job
    /// pending behind it (`Some(true)`), which its worker should claim next;
    /// `None` if the lease was lost.
    pub async fn finish_in_lane(
        &mut self,
        job: i64,
        lease_token: &str,
        result: Option<&str>,
        now: i64,
    ) -> Result<Option<bool>> {
        let more: Option<bool> = on!(self, |c| sqlx::query_scalar(finish_sql!())
            .bind(result)
            .bind(now)
            .bind(job)
            .bind(lease_token)
            .fetch_optional(c)
            .await)?;
        Ok(more)
    }

    /// Marks several claimed jobs done in one statement, each `(id, lease
    /// token, result)` as for [`Tx::finish`]; a job whose lease was lost is
    /// left alone. For each job it marked done, says whether its lane has
    /// another job pending behind it; so fewer answers than jobs means a
    /// lease was lost.
    pub async fn finish_all(&mut self, jobs: &[(i64, &str, Option<&str>)], now: i64) -> Result<Vec<bool>> {
        if let [(job, lease_token, result)] = jobs {
            return Ok(self.finish_in_lane(*job, lease_token, *result, now).await?.into_iter().collect());
        }
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        let jobs = serde_json::to_string(jobs).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let statement = match self.backend() {
            Backend::Sqlite => finish_all_sql!(),
            Backend::Postgres => finish_all_postgres_sql!(),
        };
        let more: Vec<bool> = on!(self, |c| sqlx::query_scalar(statement).bind(&jobs).bind(now).fetch_all(c).await)?;
        Ok(more)
    }

    /// Gives a claimed job back to be tried again at `retry_at`.
    pub async fn retry_later(&mut self, job: i64, lease_token: &str, error: &str, retry_at: i64) -> Result<bool> {
        let updated = exec!(self, |c| sqlx::query(
            "UPDATE jobs SET due_at = $1, last_error = $2, lease_token = NULL WHERE id = $3 AND lease_token = $4"
        )
        .bind(retry_at)
        .bind(error)
        .bind(job)
        .bind(lease_token)
        .execute(c)
        .await)?;
        Ok(updated == 1)
    }

    /// Gives up on a claimed job for good.
    pub async fn fail(&mut self, job: i64, lease_token: &str, error: &str, now: i64) -> Result<bool> {
        let updated = exec!(self, |c| sqlx::query(
            "UPDATE jobs SET status = 'failed', last_error = $1, finished_at = $2, lease_token = NULL \
             WHERE id = $3 AND lease_token = $4"
        )
        .bind(error)
        .bind(now)
        .bind(job)
        .bind(lease_token)
        .execute(c)
        .await)?;
        Ok(updated == 1)
    }

    /// Makes every job leased by `owner` due now. Called at start-up: whatever
    /// this instance held when it last stopped was abandoned.
    pub async fn release_leases_of(&mut self, owner: &str, now: i64) -> Result<u64> {
        Ok(exec!(self, |c| {
            sqlx::query(
                "UPDATE jobs SET due_at = $1, lease_token = NULL WHERE lease_owner = $2 AND status = 'pending' \
             AND lease_token IS NOT NULL",
            )
            .bind(now)
            .bind(owner)
            .execute(c)
            .await
        })?)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;
    use crate::store::scratch::ScratchDatabase;

    /// Whether a step of SQLite's query plan reads the job history row by
    /// row instead of going to the rows it needs: the updated job by its id,
    /// the due jobs through their index, and the jobs of one lane through
    /// an index on the lane.
    fn reads_the_history(step: &str) -> bool {
        let mut words = step.split_whitespace();
        let (Some(access @ ("SEARCH" | "SCAN")), Some(table)) = (words.next(), words.next()) else {
            return false;
        };
        let targeted = match table {
            "jobs" => step.contains("(rowid=?)"),
            "j" => step.contains("INDEX jobs_due (queue=? AND due_at<?)"),
            "e" | "r" => step.contains("lane=?"),
            // The JSON list of jobs a statement was given, read whole.
            "d" => return false,
            _ => true,
        };
        access == "SCAN" || !targeted
    }

    #[test]
    fn a_scan_or_a_search_without_the_lane_reads_the_history() {
        assert!(reads_the_history("SCAN e USING INDEX jobs_lane"));
        assert!(reads_the_history("SEARCH r USING COVERING INDEX jobs_lane_created (queue=?)"));
        assert!(reads_the_history("SEARCH r USING INTEGER PRIMARY KEY (rowid<?)"));
        assert!(!reads_the_history("SEARCH e USING COVERING INDEX jobs_lane (queue=? AND lane=? AND id>?)"));
        assert!(!reads_the_history("CORRELATED SCALAR SUBQUERY 1"));
        assert!(!reads_the_history("SCAN d VIRTUAL TABLE INDEX 0:"));
    }

    /// The claim and the finishes run for every update and every message sent,
    /// while the job history grows with both; each must find its rows through
    /// an index whatever the history holds.
    #[tokio::test]
    async fn the_claim_and_the_finishes_search_indexes_instead_of_reading_the_job_history() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let Store::Sqlite(pool) = &store else { unreachable!("a sqlite URL") };
        for statement in [
            concat!("EXPLAIN QUERY PLAN ", claim_sql!(by_due, "")),
            concat!("EXPLAIN QUERY PLAN ", claim_sql!(by_priority, "")),
            concat!("EXPLAIN QUERY PLAN ", finish_sql!()),
            concat!("EXPLAIN QUERY PLAN ", finish_all_sql!()),
        ] {
            let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(statement).fetch_all(pool).await.unwrap();
            let steps: Vec<&str> = plan.iter().map(|(_, _, _, detail)| detail.as_str()).collect();
            assert!(steps.iter().any(|s| s.starts_with("SEARCH")), "no plan for {statement}: {steps:?}");
            assert!(!steps.iter().any(|s| reads_the_history(s)), "{statement}\nreads the history: {steps:?}");
        }
    }

    /// The indexes a PostgreSQL plan (`EXPLAIN (FORMAT JSON)`) reads the
    /// updated jobs through (the table under its own name, not a subquery's
    /// alias); `None` for a step that reads it whole. A bitmap scan names its
    /// index in the step below it.
    fn indexes_reading(plan: &serde_json::Value, found: &mut Vec<Option<String>>) {
        let children = plan["Plans"].as_array().into_iter().flatten();
        if plan["Relation Name"] == "jobs" && plan["Alias"] == "jobs" && plan["Node Type"] != "ModifyTable" {
            match plan["Node Type"].as_str() {
                Some("Bitmap Heap Scan") => {
                    found.extend(children.map(|index| index["Index Name"].as_str().map(str::to_owned)));
                }
                _ => found.push(plan["Index Name"].as_str().map(str::to_owned)),
            }
            return;
        }
        for child in children {
            indexes_reading(child, found);
        }
    }

    /// A store on a database of its own on the server `TEST_DATABASE_URL`
    /// names, dropped with the first of the pair; `None` without one.
    async fn scratch_postgres() -> Option<(ScratchDatabase, Store)> {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
            eprintln!("skipped: set TEST_DATABASE_URL to run the PostgreSQL tests");
            return None;
        };
        let db = ScratchDatabase::create(&url, "desk_unit_").await.unwrap();
        let store = Store::connect(&db.url).await.unwrap();
        Some((db, store))
    }

    /// With twenty thousand open timers, ten thousand of them due, the claim
    /// PostgreSQL plans once for all sweeps (the generic plan, see
    /// [`Tx::claim_counting`]) walks the due timers in order through their
    /// index and stops at its limit. A plan that gathers every due timer to
    /// sort them grows with the table, and its estimated cost is also what
    /// makes PostgreSQL compile it to machine code on every sweep.
    #[tokio::test]
    async fn on_postgres_claiming_timers_reads_no_more_than_it_takes() {
        let Some((_db, store)) = scratch_postgres().await else { return };
        let Store::Postgres(pool) = &store else { unreachable!("a postgres URL") };
        sqlx::query(
            "INSERT INTO jobs (queue, lane, dedupe_key, payload, due_at, created_at) \
             SELECT 'timer', NULL, 't' || g, 'x', (g * 7919) % 20000, g FROM generate_series(1, 20000) g",
        )
        .execute(pool)
        .await
        .unwrap();
        sqlx::query("ANALYZE jobs").execute(pool).await.unwrap();
        let mut conn = pool.acquire().await.unwrap();
        sqlx::raw_sql(concat!(
            "SET plan_cache_mode = force_generic_plan; \
             PREPARE claim (BIGINT, TEXT, TEXT, BIGINT, BIGINT, TEXT, BIGINT, INTEGER) AS ",
            claim_sql!(by_due, " FOR UPDATE SKIP LOCKED")
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
        let (plan,): (serde_json::Value,) = sqlx::query_as(
            "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE claim (30000, 'lease', 'timer', 10000, 50, 'me', NULL, 2)",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        let reading = reading_alias(&plan[0]["Plan"], "j").expect("a step reads the timers");
        let read = reading["Actual Rows"].as_i64().expect("an analysed plan");
        assert!((50..200).contains(&read), "read {read} timers to claim 50: {plan:#}");
        drop(conn);
        store.close().await;
    }

    /// The step of a PostgreSQL plan that reads the table under `alias`.
    fn reading_alias<'a>(plan: &'a serde_json::Value, alias: &str) -> Option<&'a serde_json::Value> {
        if plan["Alias"] == alias {
            return Some(plan);
        }
        plan["Plans"].as_array().into_iter().flatten().find_map(|child| reading_alias(child, alias))
    }

    /// Finishing a few jobs looks up just those, whether the table has no
    /// statistics yet or has statistics that lag behind the pending jobs'
    /// growth (see [`finish_all_postgres_sql`]): neither the indexes kept
    /// for claiming pending jobs nor the whole table.
    #[tokio::test]
    async fn on_postgres_finishing_several_jobs_looks_each_up_by_its_key() {
        let Some((_db, store)) = scratch_postgres().await else { return };
        let Store::Postgres(pool) = &store else { unreachable!("a postgres URL") };
        sqlx::query(
            "INSERT INTO jobs (queue, lane, dedupe_key, payload, status, due_at, lease_token, created_at) \
             SELECT 'outbox', 'chat:' || (g % 500), 'k' || g, 'x', CASE WHEN g <= 3 THEN 'pending' ELSE 'done' END, \
               g, 'token' || g, g FROM generate_series(1, 20000) g",
        )
        .execute(pool)
        .await
        .unwrap();
        let triples = r#"[[1, "token1", null], [2, "token2", "5"], [3, "token3", null]]"#;
        let plan = || async {
            let (plan,): (serde_json::Value,) =
                sqlx::query_as(concat!("EXPLAIN (FORMAT JSON) ", finish_all_postgres_sql!()))
                    .bind(triples)
                    .bind(10_i64)
                    .fetch_one(pool)
                    .await
                    .unwrap();
            let mut found = Vec::new();
            indexes_reading(&plan[0]["Plan"], &mut found);
            assert_eq!(found, [Some("jobs_pkey".to_owned())], "{plan:#}");
        };
        plan().await;
        sqlx::query("ANALYZE jobs").execute(pool).await.unwrap();
        sqlx::query(
            "INSERT INTO jobs (queue, lane, dedupe_key, payload, due_at, created_at) \
             SELECT 'timer', NULL, 't' || g, 'x', 1000000 + g, g FROM generate_series(1, 20000) g",
        )
        .execute(pool)
        .await
        .unwrap();
        plan().await;
        store.close().await;
    }
}
