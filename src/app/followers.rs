//! Many reporters of one problem: "me too" before a new request, merges of
//! duplicates, and known outages that answer new reports at once.

use chrono::{DateTime, Utc};

use super::clock::{self, Policy};
use super::requests::routing::authority_over;
use super::requests::{self, StepOutcome};
use crate::domain::escalation::{Timer, TimerKind};
use crate::domain::events::Event;
use crate::domain::reporters::{self, CardEdit, MergeRefusal, UnmergeRefusal};
use crate::domain::{BuildingCode, Category, PersonId, RequestId, Status, UnitId};
use crate::store::{RequestView, StoreError, Tx, from_millis, millis};

/// At most this many open requests are offered before a new one.
pub const MAX_OFFERS: i64 = 3;

/// The unit whose open requests of `category` a resident of `building` is
/// offered: the building, or its estate for estate-wide categories.
async fn offer_unit(tx: &mut Tx, building: UnitId, category: Category) -> Result<UnitId, StoreError> {
    if !tx.estate_wide_categories().await?.contains(&category) {
        return Ok(building);
    }
    let chain = tx.ancestry(building).await?;
    Ok(chain.get(1).map_or(building, |estate| estate.id))
}

/// The open requests of `category` a resident about to report may follow
/// instead ("Me too"). Sensitive categories are never offered: another
/// resident's dispute is not shown to a neighbour.
pub async fn offers(tx: &mut Tx, person: PersonId, category: Category) -> Result<Vec<RequestView>, StoreError> {
    if category.is_sensitive() {
        return Ok(Vec::new());
    }
    let Some(home) = tx.resident(person).await? else { return Ok(Vec::new()) };
    let unit = offer_unit(tx, home.building, category).await?;
    let mut offered = Vec::new();
    for id in tx.open_requests_like(unit, category, person, MAX_OFFERS).await? {
        offered.extend(tx.request_view(id).await?);
    }
    Ok(offered)
}

#[derive(Debug, Clone, PartialEq)]
pub enum FollowOutcome {
    /// They follow it now; it affects this many households. Its cards are
    /// to show that now if `cards_now` (otherwise a timer will).
    Following {
        request: RequestView,
        households: i64,
        cards_now: bool,
    },
    /// Their own request, or one they follow already.
    AlreadyFollowing(RequestView),
    /// Not a request they could have been offered.
    NotOffered,
    NoLongerOpen(RequestView),
    Missing,
}

/// A resident presses "Me too" on a request they were offered.
pub async fn follow(
    tx: &mut Tx,
    request: RequestId,
    person: PersonId,
    now: DateTime<Utc>,
) -> Result<FollowOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(FollowOutcome::Missing) };
    let Some(home) = tx.resident(person).await? else { return Ok(FollowOutcome::NotOffered) };
    if view.category.is_sensitive() {
        return Ok(FollowOutcome::NotOffered);
    }
    let unit = offer_unit(tx, home.building, view.category).await?;
    let building = tx.request_building(request).await?;
    let within = building == unit || tx.ancestry(building).await?.get(1).is_some_and(|estate| estate.id == unit);
    if !within {
        return Ok(FollowOutcome::NotOffered);
    }
    add_follower(tx, view, person, false, now).await
}

async fn add_follower(
    tx: &mut Tx,
    view: RequestView,
    person: PersonId,
    outage: bool,
    now: DateTime<Utc>,
) -> Result<FollowOutcome, StoreError> {
    if !view.status.is_active() {
        return Ok(FollowOutcome::NoLongerOpen(view));
    }
    let now_ms = millis(now);
    if view.resident == Some(person) || !tx.follow(view.id, person, None, now_ms).await? {
        return Ok(FollowOutcome::AlreadyFollowing(view));
    }
    tx.record_event(Some(view.id), Some(person), &Event::Followed { outage }, now_ms).await?;
    let cards_now = cards_after_join(tx, &view, now_ms).await?;
    let request = tx.request_view(view.id).await?.unwrap_or(view);
    Ok(FollowOutcome::Following { households: request.households, request, cards_now })
}

/// Whether the cards of a request are to show a follower who just joined
/// now. If not, a timer shows them at the first moment allowed, unless one
/// is due already: a responder's card changes at most every ten seconds
/// however many join.
async fn cards_after_join(tx: &mut Tx, request: &RequestView, now_ms: i64) -> Result<bool, StoreError> {
    match reporters::card_edit(tx.cards_edited_at(request.id).await?, now_ms) {
        CardEdit::Now => {
            tx.set_cards_edited_at(request.id, now_ms).await?;
            Ok(true)
        }
        CardEdit::At(at) => {
            tx.set_cards_edited_at(request.id, at).await?;
            let timer = Timer {
                request: request.id,
                kind: TimerKind::CardCount,
                status: request.status,
                level: request.escalation_level,
            };
            tx.schedule_timer(&timer, from_millis(at), now_ms).await?;
            Ok(false)
        }
        CardEdit::AlreadyDue => Ok(false),
    }
}

/// A new report of `category` by `person` where a known outage of it is
/// declared: they follow the outage's request at once instead of opening a
/// new one. `None` when there is no such outage.
pub async fn report_into_outage(
    tx: &mut Tx,
    person: PersonId,
    category: Category,
    now: DateTime<Utc>,
) -> Result<Option<FollowOutcome>, StoreError> {
    let Some(home) = tx.resident(person).await? else { return Ok(None) };
    let Some(request) = tx.outage_for(home.building, category).await? else { return Ok(None) };
    let Some(view) = tx.request_view(request).await? else { return Ok(None) };
    Ok(Some(add_follower(tx, view, person, true, now).await?))
}

/// Whether `actor` may act on a request as its holder or from above it.
async fn may_handle(tx: &mut Tx, request: &RequestView, actor: PersonId, now_ms: i64) -> Result<bool, StoreError> {
    Ok(request.assignee == Some(actor) || authority_over(tx, request, actor, now_ms).await?.is_some())
}

/// The community a request's building belongs to.
async fn community_of(tx: &mut Tx, request: RequestId) -> Result<UnitId, StoreError> {
    let building = tx.request_building(request).await?;
    let chain = tx.ancestry(building).await?;
    Ok(chain.last().map_or(building, |unit| unit.id))
}

// Made once per merge and taken apart at once: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum MergeOutcome {
    /// `moved` (the duplicate's reporter and followers) follow `into` now.
    Merged {
        duplicate: RequestView,
        into: RequestView,
        moved: Vec<PersonId>,
        households: i64,
    },
    /// Only its holder, or someone above it, may merge a request.
    NotAllowed,
    Refused(MergeRefusal),
    Missing,
}

/// Marks `duplicate` a duplicate of `into`: its reporter and followers
/// follow `into`, its clocks stop, and it counts as merged.
pub async fn merge(
    tx: &mut Tx,
    duplicate: RequestId,
    into: RequestId,
    actor: PersonId,
    now: DateTime<Utc>,
) -> Result<MergeOutcome, StoreError> {
    let (Some(dup), Some(original)) = (tx.request_view(duplicate).await?, tx.request_view(into).await?) else {
        return Ok(MergeOutcome::Missing);
    };
    // A request of another community is as good as unknown here.
    if community_of(tx, duplicate).await? != community_of(tx, into).await? {
        return Ok(MergeOutcome::Missing);
    }
    let now_ms = millis(now);
    if !may_handle(tx, &dup, actor, now_ms).await? {
        return Ok(MergeOutcome::NotAllowed);
    }
    if let Err(refusal) = reporters::check_merge(duplicate == into, dup.status, original.status) {
        return Ok(MergeOutcome::Refused(refusal));
    }
    if !tx.mark_merged(duplicate, into, now_ms).await? {
        return Ok(MergeOutcome::Refused(MergeRefusal::DuplicateFinished));
    }
    tx.cancel_timers(duplicate, now_ms).await?;
    let moved = tx.move_followers(duplicate, into, now_ms).await?;
    let merged = Event::Merged { into: into.0, from_status: dup.status };
    let merged_from = Event::MergedFrom { from: duplicate.0 };
    tx.record_events(&[(Some(duplicate), Some(actor), &merged), (Some(into), Some(actor), &merged_from)], now_ms)
        .await?;
    let dup = tx.request_view(duplicate).await?.unwrap_or(dup);
    let original = tx.request_view(into).await?.unwrap_or(original);
    Ok(MergeOutcome::Merged { duplicate: dup, households: original.households, into: original, moved })
}

// Made once per unmerge and taken apart at once: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum UnmergeOutcome {
    /// `request` stands on its own again; `from` is the request it had been
    /// merged into; `told` its reporter and followers.
    Unmerged {
        request: RequestView,
        from: RequestView,
        told: Vec<PersonId>,
    },
    NotAllowed,
    Refused(UnmergeRefusal),
    Missing,
}

/// Undoes a merge within [`reporters::UNMERGE_WITHIN_DAYS`]: the request
/// takes back its status and its clock, and those who came with it stop
/// following the original.
pub async fn unmerge(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<UnmergeOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(UnmergeOutcome::Missing) };
    let now_ms = millis(now);
    let merge = tx.merge_of(request).await?;
    if let Err(refusal) = reporters::check_unmerge(view.status, merge.map(|(_, at)| at), now_ms) {
        return Ok(UnmergeOutcome::Refused(refusal));
    }
    let Some((into, _)) = merge else { return Ok(UnmergeOutcome::Refused(UnmergeRefusal::NotMerged)) };
    let Some(from) = tx.request_view(into).await? else { return Ok(UnmergeOutcome::Missing) };
    // The original's holder, or someone above it, may undo a merge into
    // it as well as the duplicate's.
    if !may_handle(tx, &view, actor, now_ms).await? && !may_handle(tx, &from, actor, now_ms).await? {
        return Ok(UnmergeOutcome::NotAllowed);
    }
    let Some(restored) = tx.unmark_merged(request, now_ms).await? else {
        return Ok(UnmergeOutcome::Refused(UnmergeRefusal::NotMerged));
    };
    tx.record_event(Some(request), Some(actor), &Event::Unmerged { from: into.0 }, now_ms).await?;
    let mut told: Vec<PersonId> = view.resident.into_iter().collect();
    told.extend(tx.followers_of(request).await?);
    let reopened = RequestView { status: restored, ..view };
    let request = clock::restart(tx, &reopened, policy, now).await?;
    Ok(UnmergeOutcome::Unmerged { request, from, told })
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutageOutcome {
    Declared {
        request: RequestView,
        units: Vec<UnitId>,
    },
    NotAllowed,
    /// A sensitive request is never a known outage: its details are
    /// nobody else's.
    Sensitive,
    /// A building named is not in the request's estate.
    UnknownBuilding(String),
    NoLongerOpen(RequestView),
    Missing,
}

/// Declares a request a known outage of its estate (`buildings` empty) or
/// of the buildings of its estate named: new reports of its category there
/// follow it at once.
pub async fn declare_outage(
    tx: &mut Tx,
    request: RequestId,
    buildings: &[BuildingCode],
    actor: PersonId,
    now: DateTime<Utc>,
) -> Result<OutageOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(OutageOutcome::Missing) };
    let now_ms = millis(now);
    if !may_handle(tx, &view, actor, now_ms).await? {
        return Ok(OutageOutcome::NotAllowed);
    }
    if view.category.is_sensitive() {
        return Ok(OutageOutcome::Sensitive);
    }
    if !view.status.is_active() {
        return Ok(OutageOutcome::NoLongerOpen(view));
    }
    let building = tx.request_building(request).await?;
    let Some(estate) = tx.ancestry(building).await?.get(1).map(|estate| estate.id) else {
        return Ok(OutageOutcome::Missing);
    };
    let mut units = Vec::new();
    for code in buildings {
        match tx.building_by_code(code).await? {
            Some(unit) if unit.parent == Some(estate) => units.push(unit.id),
            _ => return Ok(OutageOutcome::UnknownBuilding(code.to_string())),
        }
    }
    if units.is_empty() {
        units.push(estate);
    }
    tx.declare_outage(request, &units, view.category, actor, now_ms).await?;
    let persons = units.iter().map(|unit| unit.0).collect();
    tx.record_event(Some(request), Some(actor), &Event::OutageDeclared { units: persons }, now_ms).await?;
    Ok(OutageOutcome::Declared { request: view, units })
}

/// Ends the known outage a request was declared; returns whether it was
/// one, or `None` if the actor may not.
pub async fn end_outage(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    now: DateTime<Utc>,
) -> Result<Option<bool>, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(None) };
    let now_ms = millis(now);
    if !may_handle(tx, &view, actor, now_ms).await? {
        return Ok(None);
    }
    let ended = !tx.end_outage(request, now_ms).await?.is_empty();
    if ended {
        tx.record_event(Some(request), Some(actor), &Event::OutageEnded, now_ms).await?;
    }
    Ok(Some(ended))
}

/// Everyone to tell of a change of a request besides its holder: its
/// reporter first, then its followers. A merged request's people hear of
/// the original instead.
pub async fn audience(tx: &mut Tx, request: &RequestView) -> Result<Vec<PersonId>, StoreError> {
    if request.status == Status::Merged {
        return Ok(Vec::new());
    }
    let mut people: Vec<PersonId> = request.resident.into_iter().collect();
    for follower in tx.followers_of(request.id).await? {
        if !people.contains(&follower) {
            people.push(follower);
        }
    }
    Ok(people)
}

/// The answer to "is it fixed?" from the reporter or a follower. A
/// follower answers like the reporter: no reopens the request to its
/// responder; yes is recorded, and the reporter's answer (or the time
/// limit) closes it.
pub async fn confirm(
    tx: &mut Tx,
    request: RequestId,
    person: PersonId,
    fixed: bool,
    reason: &str,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<StepOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(StepOutcome::Missing) };
    if view.resident == Some(person) || !tx.is_follower(request, person).await? {
        return requests::confirm(tx, request, person, fixed, reason, policy, now).await;
    }
    let now_ms = millis(now);
    if fixed {
        if !matches!(view.status, Status::Resolved | Status::Closed) {
            return Ok(StepOutcome::NoLongerApplies(view));
        }
        tx.record_event(Some(view.id), Some(person), &Event::Confirmed, now_ms).await?;
        return Ok(StepOutcome::Done(view));
    }
    let reopenable = view.status.apply(crate::domain::Action::Reopen).is_ok();
    if !reopenable || !tx.transition_for_follower(view.id, view.status, Status::Accepted, now_ms).await? {
        return Ok(StepOutcome::NoLongerApplies(view));
    }
    tx.cancel_timers(view.id, now_ms).await?;
    tx.record_event(Some(view.id), Some(person), &Event::Reopened { reason: reason.to_string() }, now_ms).await?;
    let reopened = RequestView { status: Status::Accepted, ..view };
    Ok(StepOutcome::Done(clock::restart(tx, &reopened, policy, now).await?))
}

/// The rating of a request, 1 to 5, once, by its reporter (once it is
/// closed) or by each of its followers (once it is resolved: a follower who
/// said it is fixed is asked for stars while the reporter's answer is still
/// awaited).
pub async fn rate(
    tx: &mut Tx,
    request: RequestId,
    person: PersonId,
    stars: u8,
    now: DateTime<Utc>,
) -> Result<StepOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(StepOutcome::Missing) };
    if view.resident == Some(person) || !tx.is_follower(request, person).await? {
        return requests::rate(tx, request, person, stars, now).await;
    }
    if !matches!(view.status, Status::Resolved | Status::Closed)
        || !(1..=5).contains(&stars)
        || !tx.set_follower_rating(request, person, stars).await?
    {
        return Ok(StepOutcome::NoLongerApplies(view));
    }
    tx.record_event(Some(request), Some(person), &Event::Rated { stars }, millis(now)).await?;
    Ok(StepOutcome::Done(view))
}
