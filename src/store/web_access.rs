//! Sign-in links and sessions of the office dashboard, by the hashes of
//! their secrets.

use super::{Result, Tx, exec, on};
use crate::domain::PersonId;

/// A session that is still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub person: PersonId,
    pub csrf: String,
}

impl Tx {
    pub async fn insert_sign_in(&mut self, token_hash: &str, person: PersonId, expires_at: i64) -> Result<()> {
        exec!(self, |c| {
            sqlx::query("INSERT INTO web_sign_ins (token_hash, person_id, expires_at) VALUES ($1, $2, $3)")
                .bind(token_hash)
                .bind(person.0)
                .bind(expires_at)
                .execute(c)
                .await
        })?;
        Ok(())
    }

    /// Uses a sign-in link once: the person it was made for, if it exists,
    /// has not been used and has not expired.
    pub async fn use_sign_in(&mut self, token_hash: &str, now: i64) -> Result<Option<PersonId>> {
        let person: Option<i64> = on!(self, |c| {
            sqlx::query_scalar(
                "UPDATE web_sign_ins SET used_at = $2 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING person_id",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        Ok(person.map(PersonId))
    }

    pub async fn insert_session(
        &mut self,
        id_hash: &str,
        person: PersonId,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        exec!(self, |c| {
            sqlx::query(
                "INSERT INTO web_sessions (id_hash, person_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id_hash)
            .bind(person.0)
            .bind(csrf)
            .bind(now)
            .bind(expires_at)
            .execute(c)
            .await
        })?;
        Ok(())
    }

    pub async fn open_session(&mut self, id_hash: &str, now: i64) -> Result<Option<WebSession>> {
        let row: Option<(i64, String)> = on!(self, |c| {
            sqlx::query_as(
                "SELECT person_id, csrf FROM web_sessions WHERE id_hash = $1 AND ended_at IS NULL AND expires_at > $2",
            )
            .bind(id_hash)
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        Ok(row.map(|(person, csrf)| WebSession { person: PersonId(person), csrf }))
    }

    pub async fn end_session(&mut self, id_hash: &str, now: i64) -> Result<()> {
        exec!(self, |c| {
            sqlx::query("UPDATE web_sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL")
                .bind(id_hash)
                .bind(now)
                .execute(c)
                .await
        })?;
        Ok(())
    }

    /// Forgets links and sessions that can no longer be used.
    pub async fn prune_web_access(&mut self, now: i64) -> Result<u64> {
        let links = exec!(self, |c| {
            sqlx::query("DELETE FROM web_sign_ins WHERE expires_at <= $1 OR used_at IS NOT NULL")
                .bind(now)
                .execute(c)
                .await
        })?;
        let sessions = exec!(self, |c| {
            sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1 OR ended_at IS NOT NULL")
                .bind(now)
                .execute(c)
                .await
        })?;
        Ok(links + sessions)
    }
}
