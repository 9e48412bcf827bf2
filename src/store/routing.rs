//! The routing chain: the units above a building with the responders who
//! hold a role on each, as routing needs to see them.

use super::directory::chain_cte;
use super::{Result, Tx, on};
use crate::domain::routing::{Candidate, ChainLevel};
use crate::domain::{Category, PersonId, RequestId, Role, UnitId};

impl Tx {
    /// The units from `building` up to its community, each with the
    /// responders holding a role there and what routing needs to know about
    /// them for `request`.
    pub async fn routing_chain(
        &mut self,
        building: UnitId,
        request: Option<RequestId>,
        now: i64,
    ) -> Result<Vec<ChainLevel>> {
        let units = self.ancestry(building).await?;
        // Everyone holding a role anywhere on the chain, in one statement
        // rather than one per level.
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, i64, String, Option<String>, Option<i64>, bool, Option<i64>, i64, i64)> = on!(self, |c| {
            sqlx::query_as(concat!(
                chain_cte!(),
                "SELECT r.unit_id, p.id, r.role, r.categories, p.telegram_id, p.reachable, p.away_until, \
                     (SELECT COUNT(*) FROM events e WHERE e.request_id = $2 AND e.actor_id = p.id \
                       AND e.kind = 'declined'), \
                     (SELECT COUNT(*) FROM requests q WHERE q.assignee_id = p.id AND q.status IN ('open', 'accepted')) \
                     FROM chain c JOIN roles r ON r.unit_id = c.id JOIN people p ON p.id = r.person_id \
                     ORDER BY c.depth, p.id"
            ))
            .bind(building.0)
            .bind(request.map_or(0, |r| r.0))
            .fetch_all(c)
            .await
        })?;
        let mut chain: Vec<ChainLevel> =
            units.iter().map(|unit| ChainLevel { unit: unit.id, level: unit.level, candidates: Vec::new() }).collect();
        for (unit, person, role, categories, telegram, reachable, away_until, declined, load) in rows {
            let Some(role) = Role::parse(&role) else { continue };
            let Some(level) = chain.iter_mut().find(|level| level.unit.0 == unit) else { continue };
            level.candidates.push(Candidate {
                person: PersonId(person),
                role,
                categories: categories.map(|list| list.split(',').filter_map(Category::parse).collect()),
                bound: telegram.is_some(),
                reachable,
                away: away_until.is_some_and(|until| until > now),
                declined_this_request: declined > 0,
                active_load: u32::try_from(load).unwrap_or(u32::MAX),
            });
        }
        Ok(chain)
    }
}
