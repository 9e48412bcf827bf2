//! What the admin console reads and writes: subtrees of the unit tree, the
//! responders in them, timelines, invitations and notices (its open work is
//! read as the office dashboard's is, in `office.rs`).

use super::{Result, StoreError, Tx, exec, on};
use crate::domain::events::Event;
use crate::domain::{PersonId, RequestId, RequestNumber, Role, UnitId};

/// A role holder as `/people` lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Responder {
    pub person: PersonId,
    pub name: String,
    /// Whether their Telegram account is known (they shared their phone or
    /// accepted an invitation).
    pub bound: bool,
    pub role: Role,
    pub unit: UnitId,
    /// The role is theirs only because `ADMIN_IDS` lists them.
    pub from_config: bool,
}

/// One line of a request's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub at: i64,
    pub actor: Option<String>,
    pub event: Event,
    /// What the event names by id, readable: the number of the request a
    /// merge joined or undid, the units a known outage covers.
    pub names: Vec<String>,
}

/// How far a notice has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoticeCounts {
    pub recipients: i64,
    pub delivered: i64,
    pub unreachable: i64,
    pub acknowledged: i64,
}

impl NoticeCounts {
    pub fn finished(&self) -> bool {
        self.delivered + self.unreachable >= self.recipients
    }
}

/// A notice as its progress message needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub unit: UnitId,
    pub author: Option<PersonId>,
    pub progress_chat: i64,
}

/// A registered resident a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub person: PersonId,
    pub chat: i64,
    pub locale: Option<String>,
}

fn parse<T>(what: &str, value: &str, parsed: Option<T>) -> Result<T> {
    parsed.ok_or_else(|| StoreError::Corrupt(format!("{what} {value}")))
}

impl Tx {
    /// Everyone holding a role on `root` or below, by unit then role.
    pub async fn responders_under(&mut self, root: UnitId) -> Result<Vec<Responder>> {
        let rows: Vec<(i64, String, bool, String, i64, bool)> = on!(self, |c| {
            sqlx::query_as(
                "WITH RECURSIVE sub (id) AS (SELECT id FROM units WHERE id = $1 \
                   UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) \
                 SELECT p.id, p.name, p.telegram_id IS NOT NULL, r.role, r.unit_id, r.from_config FROM roles r \
                 JOIN people p ON p.id = r.person_id WHERE r.unit_id IN (SELECT id FROM sub) \
                 ORDER BY r.unit_id, r.role, p.name, p.id",
            )
            .bind(root.0)
            .fetch_all(c)
            .await
        })?;
        rows.into_iter()
            .map(|(person, name, bound, role, unit, from_config)| {
                Ok(Responder {
                    person: PersonId(person),
                    name,
                    bound,
                    role: parse("role", &role, Role::parse(&role))?,
                    unit: UnitId(unit),
                    from_config,
                })
            })
            .collect()
    }

    /// The person with this phone, created (unbound) with `name` if the
    /// directory does not know them yet.
    pub async fn person_with_phone(&mut self, phone: &crate::domain::Phone, name: &str, now: i64) -> Result<PersonId> {
        if let Some(id) = self.person_id_by_phone(phone).await? {
            return Ok(id);
        }
        let id: i64 = on!(self, |c| sqlx::query_scalar(
            "INSERT INTO people (name, phone, created_at) VALUES ($1, $2, $3) RETURNING id"
        )
        .bind(name)
        .bind(phone.as_str())
        .bind(now)
        .fetch_one(c)
        .await)?;
        Ok(PersonId(id))
    }

    pub async fn person_id_by_phone(&mut self, phone: &crate::domain::Phone) -> Result<Option<PersonId>> {
        let id: Option<i64> = on!(self, |c| sqlx::query_scalar("SELECT id FROM people WHERE phone = $1")
            .bind(phone.as_str())
            .fetch_optional(c)
            .await)?;
        Ok(id.map(PersonId))
    }

    /// Takes a role away; returns whether it was held.
    pub async fn revoke_role(&mut self, person: PersonId, role: Role, unit: UnitId) -> Result<bool> {
        let removed =
            exec!(self, |c| sqlx::query("DELETE FROM roles WHERE person_id = $1 AND role = $2 AND unit_id = $3")
                .bind(person.0)
                .bind(role.as_str())
                .bind(unit.0)
                .execute(c)
                .await)?;
        Ok(removed > 0)
    }

    /// Requests with this number (numbers are per community) and their
    /// buildings.
    pub async fn requests_numbered(&mut self, number: RequestNumber) -> Result<Vec<(RequestId, UnitId)>> {
        let rows: Vec<(i64, i64)> =
            on!(self, |c| sqlx::query_as("SELECT id, building_id FROM requests WHERE number = $1 ORDER BY id")
                .bind(number.0)
                .fetch_all(c)
                .await)?;
        Ok(rows.into_iter().map(|(id, building)| (RequestId(id), UnitId(building))).collect())
    }

    /// Every event of a request with the name of who caused it, oldest first.
    pub async fn timeline(&mut self, request: RequestId) -> Result<Vec<TimelineEntry>> {
        let rows: Vec<(i64, Option<String>, String)> = on!(self, |c| {
            sqlx::query_as(
                "SELECT e.at, p.name, e.data FROM events e LEFT JOIN people p ON p.id = e.actor_id \
                 WHERE e.request_id = $1 ORDER BY e.id",
            )
            .bind(request.0)
            .fetch_all(c)
            .await
        })?;
        let mut timeline = Vec::with_capacity(rows.len());
        for (at, actor, data) in rows {
            let event: Event = serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let names = self.names_in(&event).await?;
            timeline.push(TimelineEntry { at, actor: actor.filter(|name| !name.is_empty()), event, names });
        }
        Ok(timeline)
    }

    /// The requests and units an event names by id, as people know them.
    async fn names_in(&mut self, event: &Event) -> Result<Vec<String>> {
        match event {
            Event::Merged { into: other, .. } | Event::MergedFrom { from: other } | Event::Unmerged { from: other } => {
                let number: Option<i64> =
                    on!(self, |c| sqlx::query_scalar("SELECT number FROM requests WHERE id = $1")
                        .bind(*other)
                        .fetch_optional(c)
                        .await)?;
                Ok(number.map(|n| RequestNumber(n).to_string()).into_iter().collect())
            }
            Event::OutageDeclared { units } => {
                let mut names = Vec::new();
                for unit in units {
                    names.extend(self.unit(UnitId(*unit)).await?.map(|unit| unit.name));
                }
                Ok(names)
            }
            _ => Ok(Vec::new()),
        }
    }

    pub async fn create_invitation(
        &mut self,
        code: &str,
        role: Role,
        unit: UnitId,
        by: PersonId,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        exec!(self, |c| sqlx::query(
            "INSERT INTO invitations (code, role, unit_id, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(code)
        .bind(role.as_str())
        .bind(unit.0)
        .bind(by.0)
        .bind(now)
        .bind(expires_at)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Uses up an invitation: only once, and only before it expires. Returns
    /// the role it grants, or `None` if it is unknown, used or expired.
    pub async fn use_invitation(&mut self, code: &str, person: PersonId, now: i64) -> Result<Option<(Role, UnitId)>> {
        let row: Option<(String, i64)> = on!(self, |c| sqlx::query_as(
            "UPDATE invitations SET used_by = $2, used_at = $3 \
             WHERE code = $1 AND used_at IS NULL AND expires_at > $3 RETURNING role, unit_id"
        )
        .bind(code)
        .bind(person.0)
        .bind(now)
        .fetch_optional(c)
        .await)?;
        row.map(|(role, unit)| Ok((parse("role", &role, Role::parse(&role))?, UnitId(unit)))).transpose()
    }

    /// Registered residents of buildings on `root` or below whose Telegram
    /// account is known.
    pub async fn residents_under(&mut self, root: UnitId) -> Result<Vec<Recipient>> {
        let rows: Vec<(i64, i64, Option<String>)> = on!(self, |c| {
            sqlx::query_as(
                "WITH RECURSIVE sub (id) AS (SELECT id FROM units WHERE id = $1 \
                   UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) \
                 SELECT p.id, p.telegram_id, p.locale FROM residents r JOIN people p ON p.id = r.person_id \
                 WHERE r.building_id IN (SELECT id FROM sub) AND p.telegram_id IS NOT NULL ORDER BY p.id",
            )
            .bind(root.0)
            .fetch_all(c)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(person, chat, locale)| Recipient { person: PersonId(person), chat, locale })
            .collect())
    }

    /// Records a notice and who it goes to; returns its id.
    pub async fn create_notice(
        &mut self,
        unit: UnitId,
        author: PersonId,
        text: &str,
        progress_chat: i64,
        recipients: &[Recipient],
        now: i64,
    ) -> Result<i64> {
        let id: i64 = on!(self, |c| sqlx::query_scalar(
            "INSERT INTO broadcasts (unit_id, author_id, text, recipients, progress_chat, progress_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id"
        )
        .bind(unit.0)
        .bind(author.0)
        .bind(text)
        .bind(recipients.len() as i64)
        .bind(progress_chat)
        .bind(now)
        .fetch_one(c)
        .await)?;
        for recipient in recipients {
            exec!(self, |c| sqlx::query("INSERT INTO broadcast_deliveries (broadcast_id, person_id) VALUES ($1, $2)")
                .bind(id)
                .bind(recipient.person.0)
                .execute(c)
                .await)?;
        }
        Ok(id)
    }

    pub async fn notice(&mut self, id: i64) -> Result<Option<Notice>> {
        let row: Option<(i64, i64, Option<i64>, i64)> = on!(self, |c| sqlx::query_as(
            "SELECT id, unit_id, author_id, progress_chat FROM broadcasts WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?;
        Ok(row.map(|(id, unit, author, progress_chat)| Notice {
            id,
            unit: UnitId(unit),
            author: author.map(PersonId),
            progress_chat,
        }))
    }

    /// Records how the delivery of a notice to one chat ended; returns
    /// whether this was news (a retried send settles only once).
    pub async fn settle_notice(&mut self, notice: i64, chat: i64, delivered: bool) -> Result<bool> {
        let status = if delivered { "delivered" } else { "unreachable" };
        let settled = exec!(self, |c| sqlx::query(
            "UPDATE broadcast_deliveries SET status = $3 WHERE broadcast_id = $1 AND status = 'pending' \
             AND person_id = (SELECT id FROM people WHERE telegram_id = $2)"
        )
        .bind(notice)
        .bind(chat)
        .bind(status)
        .execute(c)
        .await)?;
        Ok(settled > 0)
    }

    /// A resident pressed "Received"; returns whether it was the first time.
    pub async fn acknowledge_notice(&mut self, notice: i64, person: PersonId, now: i64) -> Result<bool> {
        let acked = exec!(self, |c| sqlx::query(
            "UPDATE broadcast_deliveries SET acked_at = $3 WHERE broadcast_id = $1 AND person_id = $2 \
             AND acked_at IS NULL"
        )
        .bind(notice)
        .bind(person.0)
        .bind(now)
        .execute(c)
        .await)?;
        Ok(acked > 0)
    }

    pub async fn notice_counts(&mut self, notice: i64) -> Result<NoticeCounts> {
        let (recipients, delivered, unreachable, acknowledged): (i64, i64, i64, i64) = on!(self, |c| {
            sqlx::query_as(
                "SELECT COUNT(*), \
                 COALESCE(SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN status = 'unreachable' THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN acked_at IS NOT NULL THEN 1 ELSE 0 END), 0) \
                 FROM broadcast_deliveries WHERE broadcast_id = $1",
            )
            .bind(notice)
            .fetch_one(c)
            .await
        })?;
        Ok(NoticeCounts { recipients, delivered, unreachable, acknowledged })
    }

    /// Takes the right to update a notice's progress message now, at most
    /// once per `gap_ms`, so that a delivery to thousands of residents edits
    /// the message every few seconds rather than thousands of times.
    pub async fn take_progress_turn(&mut self, notice: i64, now: i64, gap_ms: i64) -> Result<bool> {
        let taken =
            exec!(self, |c| sqlx::query("UPDATE broadcasts SET progress_at = $2 WHERE id = $1 AND progress_at <= $3")
                .bind(notice)
                .bind(now)
                .bind(now - gap_ms)
                .execute(c)
                .await)?;
        Ok(taken > 0)
    }

    /// The message id of a notice's progress message, once it was sent.
    pub async fn progress_message(&mut self, notice: i64) -> Result<Option<i32>> {
        let key = progress_key(notice);
        let result: Option<Option<String>> =
            on!(self, |c| sqlx::query_scalar("SELECT result FROM jobs WHERE dedupe_key = $1 AND status = 'done'")
                .bind(&key)
                .fetch_optional(c)
                .await)?;
        Ok(result.flatten().and_then(|id| id.parse().ok()))
    }
}

/// The outbox dedupe key of a notice's progress message, by which later
/// edits find it.
pub fn progress_key(notice: i64) -> String {
    format!("progress:{notice}")
}
