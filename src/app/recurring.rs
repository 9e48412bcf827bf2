//! Recurring problems (未诉先办): the same category coming back in a
//! building goes to the estate group leader as one problem, with the
//! requests behind it, instead of being fixed again in isolation.

use chrono::{DateTime, Utc};

use crate::domain::events::Event;
use crate::domain::reporters::RecurringRule;
use crate::domain::{Category, PersonId, Role, UnitId};
use crate::store::{RecurringProblem, RequestView, StoreError, Tx, millis};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A recurring problem a new request opened or joined, for its estate
/// group leader.
#[derive(Debug, Clone, PartialEq)]
pub struct Recurring {
    pub problem: i64,
    /// Whether this request opened it (otherwise it joined one open).
    pub opened: bool,
    pub leader: Option<PersonId>,
    pub building_code: String,
    pub category: Category,
    /// The requests behind it, the new one last; read only when this
    /// request opened it (the leader is told then, not at every request
    /// that joins: in an outage storm that would be hundreds of messages).
    pub requests: Vec<RequestView>,
}

/// Applies the recurring-problem rule to a request just created. Sensitive
/// categories are left out: the leader would read other households'
/// private matters in the list.
pub async fn on_created(
    tx: &mut Tx,
    request: &RequestView,
    now: DateTime<Utc>,
) -> Result<Option<Recurring>, StoreError> {
    if request.category.is_sensitive() {
        return Ok(None);
    }
    let rule = tx.recurring_rule().await?;
    let building = tx.request_building(request.id).await?;
    let now_ms = millis(now);
    let since = now_ms - i64::from(rule.look_back_days()) * DAY_MS;
    let mut past = tx.past_requests(building, request.category, since).await?;
    let Some(position) = past.iter().position(|p| p.id == request.id) else { return Ok(None) };
    let new = past.remove(position);
    let earlier: Vec<_> = past.iter().map(|p| p.occurrence.clone()).collect();
    let Some(recurrence) = rule.judge(&earlier, &new.occurrence) else { return Ok(None) };
    let current = tx.current_recurring_problem(building, request.category, since).await?;
    let leader = group_leader(tx, building, now_ms).await?;
    let (problem, opened) = match current {
        Some(problem) => (problem, false),
        None => {
            let problem =
                tx.open_recurring_problem(building, request.category, leader, recurrence.as_str(), now_ms).await?;
            (problem, true)
        }
    };
    let mut ids: Vec<_> = past.iter().map(|p| p.id).collect();
    ids.push(request.id);
    let linked = tx.link_recurring(problem, &ids).await?;
    let event = Event::Recurring { problem };
    let events: Vec<_> = linked.iter().map(|id| (Some(*id), None, &event)).collect();
    tx.record_events(&events, now_ms).await?;
    let mut requests = Vec::new();
    if opened {
        for id in tx.recurring_requests(problem).await? {
            requests.extend(tx.request_view(id).await?);
        }
    }
    Ok(Some(Recurring {
        problem,
        opened,
        leader,
        building_code: request.building_code.clone(),
        category: request.category,
        requests,
    }))
}

/// The estate group leader above a building (one level above its
/// liaison), if one is bound to an account.
async fn group_leader(tx: &mut Tx, building: UnitId, now_ms: i64) -> Result<Option<PersonId>, StoreError> {
    let chain = tx.routing_chain(building, None, now_ms).await?;
    Ok(chain
        .iter()
        .flat_map(|level| &level.candidates)
        .find(|candidate| candidate.role == Role::GroupLeader && candidate.bound)
        .map(|candidate| candidate.person))
}

/// The recurring problems opened in `[from, to)` under `units`, the most
/// households affected first: the candidates for "the problem of the month".
pub async fn ranking(tx: &mut Tx, units: &[UnitId], from: i64, to: i64) -> Result<Vec<RecurringProblem>, StoreError> {
    let mut problems = Vec::new();
    for unit in units {
        problems.extend(tx.recurring_problems(*unit, from, to).await?);
    }
    problems.sort_by(|a, b| b.households.cmp(&a.households).then(b.requests.cmp(&a.requests)).then(a.id.cmp(&b.id)));
    problems.dedup_by_key(|p| p.id);
    Ok(problems)
}

/// An admin changes the rule's numbers.
pub async fn set_rule(
    tx: &mut Tx,
    actor: PersonId,
    rule: &RecurringRule,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.set_recurring_rule(rule).await?;
    let event = Event::RecurringRuleChanged {
        window_days: rule.window_days,
        min_requests: rule.min_requests,
        min_households: rule.min_households,
        after_close_days: rule.after_close_days,
    };
    tx.record_event(None, Some(actor), &event, millis(now)).await
}

/// An admin marks a category estate-wide or not; returns whether that
/// changed anything.
pub async fn set_estate_wide(
    tx: &mut Tx,
    actor: PersonId,
    category: Category,
    estate_wide: bool,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx.set_estate_wide(category, estate_wide).await?;
    if changed {
        tx.record_event(None, Some(actor), &Event::EstateWideChanged { category, estate_wide }, millis(now)).await?;
    }
    Ok(changed)
}
