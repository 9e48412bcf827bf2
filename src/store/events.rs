//! The events table: what happened to a request, or in the office, and who
//! did it; every change of data records one.

use super::{Backend, Result, StoreError, Tx, exec, on};
use crate::domain::events::Event;
use crate::domain::{PersonId, RequestId};

impl Tx {
    pub async fn record_event(
        &mut self,
        request: Option<RequestId>,
        actor: Option<PersonId>,
        event: &Event,
        at: i64,
    ) -> Result<()> {
        let data = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        exec!(self, |c| sqlx::query(
            "INSERT INTO events (request_id, actor_id, kind, data, at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(request.map(|r| r.0))
        .bind(actor.map(|a| a.0))
        .bind(event.kind())
        .bind(data)
        .bind(at)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Records several events at once, in order, in one statement.
    pub async fn record_events(
        &mut self,
        events: &[(Option<RequestId>, Option<PersonId>, &Event)],
        at: i64,
    ) -> Result<()> {
        let rows = events
            .iter()
            .map(|(request, actor, event)| {
                let data = serde_json::to_string(event)?;
                Ok(serde_json::json!({
                    "request_id": request.map(|r| r.0),
                    "actor_id": actor.map(|a| a.0),
                    "kind": event.kind(),
                    "data": data,
                }))
            })
            .collect::<serde_json::Result<Vec<_>>>()
            .and_then(|rows| serde_json::to_string(&rows))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let statement = match self.backend() {
            Backend::Sqlite => {
                "INSERT INTO events (request_id, actor_id, kind, data, at) \
                 SELECT json_extract(e.value, '$.request_id'), json_extract(e.value, '$.actor_id'), \
                   json_extract(e.value, '$.kind'), json_extract(e.value, '$.data'), $2 \
                 FROM json_each($1) e ORDER BY e.key"
            }
            Backend::Postgres => {
                "INSERT INTO events (request_id, actor_id, kind, data, at) \
                 SELECT (e.value ->> 'request_id')::BIGINT, (e.value ->> 'actor_id')::BIGINT, e.value ->> 'kind', \
                   e.value ->> 'data', $2 \
                 FROM jsonb_array_elements($1::JSONB) WITH ORDINALITY AS e (value, n) ORDER BY e.n"
            }
        };
        exec!(self, |c| sqlx::query(statement).bind(&rows).bind(at).execute(c).await)?;
        Ok(())
    }

    pub async fn events_of(&mut self, request: RequestId) -> Result<Vec<Event>> {
        let rows: Vec<String> =
            on!(self, |c| sqlx::query_scalar("SELECT data FROM events WHERE request_id = $1 ORDER BY id")
                .bind(request.0)
                .fetch_all(c)
                .await)?;
        rows.iter().map(|data| serde_json::from_str(data).map_err(|e| StoreError::Corrupt(e.to_string()))).collect()
    }
}
