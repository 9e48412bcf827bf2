//! Households and visits: who may see a building's households and how much,
//! recording a visit (a request on the household's behalf when it needs
//! help), coverage against the visit target, and the monthly lists and
//! weekly digests.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::clock::Policy;
use super::requests::{self, Draft, Submitted};
use crate::domain::directory::UnitIndex;
use crate::domain::households::{HouseholdRoom, TagVocabulary};
use crate::domain::scope::AdminScope;
use crate::domain::visits::{CareFacts, Coverage, VisitOutcome, due_order};
use crate::domain::{BuildingCode, Category, Description, PersonId, Role, Unit, UnitId, UnitLevel, Urgency};
use crate::store::{Household, HouseholdCare, Resident, StoreError, Tx, Visit, from_millis, millis};

/// How much of a building's households a person may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Every tag and the notes: the building's liaison and deputy, the
    /// community's admins.
    Full,
    /// Tags that are not sensitive, no notes: leaders and admins above the
    /// building.
    Plain,
}

/// Where a person's care duties and oversight reach.
pub struct CareReach {
    pub units: Vec<Unit>,
    roles: Vec<(Role, UnitId)>,
    scope: AdminScope,
}

impl CareReach {
    /// `scope` is the person's admin scope (from [`super::admin::Authority`]).
    pub async fn of(tx: &mut Tx, person: PersonId, scope: AdminScope) -> Result<CareReach, StoreError> {
        let units = tx.units().await?;
        let roles = tx.roles_of(person).await?.into_iter().map(|r| (r.role, r.unit)).collect();
        Ok(CareReach { units, roles, scope })
    }

    pub fn index(&self) -> UnitIndex<'_> {
        UnitIndex::new(&self.units)
    }

    /// Whether the person is the building's liaison or deputy: who visits.
    pub fn visits(&self, building: UnitId) -> bool {
        self.roles.iter().any(|(role, unit)| *unit == building && matches!(role, Role::Liaison | Role::Deputy))
    }

    pub fn sight(&self, building: UnitId) -> Option<Sight> {
        let index = self.index();
        if self.visits(building) || self.scope.sees_sensitive(&index, building) {
            return Some(Sight::Full);
        }
        let above = index.ancestors(building);
        let leads = self.roles.iter().any(|(role, unit)| {
            matches!(role, Role::GroupLeader | Role::GridLeader) && above.iter().any(|u| u.id == *unit)
        });
        (leads || self.scope.covers(&index, building)).then_some(Sight::Plain)
    }

    /// The buildings the person visits, in the tree's order.
    pub fn visited_buildings(&self) -> Vec<&Unit> {
        self.units.iter().filter(|u| u.level == UnitLevel::Building && self.visits(u.id)).collect()
    }
}

/// The local date of an instant.
pub fn local_date(at: DateTime<Utc>, timezone: Tz) -> NaiveDate {
    at.with_timezone(&timezone).date_naive()
}

/// The instant a local date begins.
fn start_of(date: NaiveDate, timezone: Tz) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    timezone.from_local_datetime(&midnight).earliest().map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

pub fn facts(care: &HouseholdCare, vocabulary: &TagVocabulary, timezone: Tz) -> CareFacts {
    CareFacts {
        every_months: vocabulary.visit_every_months(&care.household.tags),
        last_visit: care.last_visit_at.map(|at| local_date(from_millis(at), timezone)),
    }
}

/// The households of the buildings `person` visits, those due first, with
/// their building's code.
pub async fn visit_choices(
    tx: &mut Tx,
    reach: &CareReach,
    now: DateTime<Utc>,
    timezone: Tz,
) -> Result<Vec<(BuildingCode, HouseholdCare, CareFacts)>, StoreError> {
    let vocabulary = tx.tag_vocabulary().await?;
    let today = local_date(now, timezone);
    let mut choices = Vec::new();
    for building in reach.visited_buildings() {
        let Some(code) = building.code.clone() else { continue };
        for care in tx.household_care(building.id).await? {
            let facts = facts(&care, &vocabulary, timezone);
            choices.push((code.clone(), care, facts));
        }
    }
    choices.sort_by_key(|(_, care, facts)| (due_order(facts, today), care.household.id));
    Ok(choices)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitRefusal {
    NoHousehold,
    /// Only the building's liaison and deputy record visits.
    NotYourBuilding,
    /// Needs help makes a request, whose description the note is.
    NoteNeeded,
    NoteTooLong {
        max: usize,
    },
}

/// What a visitor reports of a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitReport {
    pub household: i64,
    pub outcome: VisitOutcome,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VisitDone {
    pub household: Household,
    pub outcome: VisitOutcome,
    /// The request made on the household's behalf, when it needs help.
    pub request: Option<Submitted>,
}

/// Records a visit. Needs help creates an urgent request from the
/// household's room, reported in the name of its first registered resident
/// (or of the visitor when nobody of it uses the bot), routed as usual.
pub async fn record_visit(
    tx: &mut Tx,
    visitor: PersonId,
    reach: &CareReach,
    report: &VisitReport,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Result<VisitDone, VisitRefusal>, StoreError> {
    let outcome = report.outcome;
    let Some(household) = tx.household(report.household).await? else {
        return Ok(Err(VisitRefusal::NoHousehold));
    };
    if !reach.visits(household.building) {
        return Ok(Err(VisitRefusal::NotYourBuilding));
    }
    let note = report.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let request = match (outcome, note) {
        (VisitOutcome::NeedsHelp, None) => return Ok(Err(VisitRefusal::NoteNeeded)),
        (VisitOutcome::NeedsHelp, Some(note)) => {
            let description = match Description::parse(note) {
                Ok(description) => description,
                Err(crate::domain::DomainError::DescriptionTooLong { max }) => {
                    return Ok(Err(VisitRefusal::NoteTooLong { max }));
                }
                Err(_) => return Ok(Err(VisitRefusal::NoteNeeded)),
            };
            let elderly = household.tags.iter().any(|t| t == "elderly_alone" || t == "empty_nest");
            let draft = Draft {
                category: if elderly { Category::Elderly } else { Category::Household },
                urgency: Urgency::Urgent,
                description,
                attachments: Vec::new(),
            };
            let reporter = tx.residents_of_household(household.id).await?.first().copied().unwrap_or(visitor);
            let home =
                Resident { person: reporter, building: household.building, room: Some(household.room.to_string()) };
            Some(requests::submit_from(tx, reporter, &home, &draft, policy, now).await?)
        }
        _ => None,
    };
    tx.record_visit(&Visit {
        household: household.id,
        visitor: Some(visitor),
        outcome,
        note: note.map(str::to_string),
        request: request.as_ref().map(|s| s.request.id),
        at: millis(now),
    })
    .await?;
    Ok(Ok(VisitDone { household, outcome, request }))
}

/// Visit coverage of every building with a visit target that `covers`
/// accepts, so far this period, by building.
pub async fn coverage(
    tx: &mut Tx,
    covers: impl Fn(UnitId) -> bool,
    now: DateTime<Utc>,
    timezone: Tz,
) -> Result<BTreeMap<UnitId, Coverage>, StoreError> {
    let vocabulary = tx.tag_vocabulary().await?;
    let today = local_date(now, timezone);
    let mut by_building: BTreeMap<UnitId, Vec<CareFacts>> = BTreeMap::new();
    for care in tx.tagged_household_care(i64::MAX).await? {
        if covers(care.household.building) {
            by_building.entry(care.household.building).or_default().push(facts(&care, &vocabulary, timezone));
        }
    }
    Ok(by_building
        .into_iter()
        .map(|(building, facts)| (building, Coverage::on(&facts, today)))
        .filter(|(_, coverage)| coverage.target > 0)
        .collect())
}

/// One liaison's monthly list: the rooms due in each of their buildings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueList {
    pub to: PersonId,
    pub buildings: Vec<(BuildingCode, Vec<HouseholdRoom>)>,
}

/// One group leader's weekly digest: the buildings of their estate that
/// ended last month under their visit target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub to: PersonId,
    pub month: NaiveDate,
    pub buildings: Vec<(BuildingCode, Coverage)>,
}

/// The care rounds due today that no instance has made yet: this month's
/// lists for liaisons and this week's digests for group leaders. Each round
/// is made once (recorded in this transaction), as soon as some household
/// has a visit target: a community that loads its households in the middle
/// of a month gets that month's lists the next day.
pub async fn rounds(tx: &mut Tx, now: DateTime<Utc>, timezone: Tz) -> Result<(Vec<DueList>, Vec<Digest>), StoreError> {
    let vocabulary = tx.tag_vocabulary().await?;
    let targets = tx.tagged_household_care(i64::MAX).await?;
    if !targets.iter().any(|care| vocabulary.visit_every_months(&care.household.tags).is_some()) {
        return Ok((Vec::new(), Vec::new()));
    }
    let today = local_date(now, timezone);
    let month = format!("{:04}-{:02}", today.year(), today.month());
    let week = today.iso_week();
    let week = format!("{:04}-W{:02}", week.year(), week.week());
    let lists =
        if tx.start_care_round("month", &month).await? { due_lists(tx, today, timezone).await? } else { vec![] };
    let digests = if tx.start_care_round("week", &week).await? { digests(tx, today, timezone).await? } else { vec![] };
    Ok((lists, digests))
}

async fn due_lists(tx: &mut Tx, today: NaiveDate, timezone: Tz) -> Result<Vec<DueList>, StoreError> {
    let vocabulary = tx.tag_vocabulary().await?;
    let units = tx.units().await?;
    let mut due: BTreeMap<UnitId, Vec<HouseholdRoom>> = BTreeMap::new();
    for care in tx.tagged_household_care(i64::MAX).await? {
        if facts(&care, &vocabulary, timezone).is_due(today) {
            due.entry(care.household.building).or_default().push(care.household.room);
        }
    }
    let mut lists: Vec<DueList> = Vec::new();
    for (person, role, unit) in tx.care_roles().await? {
        let (Role::Liaison, Some(rooms)) = (role, due.get(&unit)) else { continue };
        let Some(code) = units.iter().find(|u| u.id == unit).and_then(|u| u.code.clone()) else { continue };
        match lists.iter_mut().find(|l| l.to == person) {
            Some(list) => list.buildings.push((code, rooms.clone())),
            None => lists.push(DueList { to: person, buildings: vec![(code, rooms.clone())] }),
        }
    }
    Ok(lists)
}

async fn digests(tx: &mut Tx, today: NaiveDate, timezone: Tz) -> Result<Vec<Digest>, StoreError> {
    let vocabulary = tx.tag_vocabulary().await?;
    let units = tx.units().await?;
    let index = UnitIndex::new(&units);
    let first_of_month = today.with_day(1).unwrap_or(today);
    let month_end = first_of_month.pred_opt().unwrap_or(today);
    let before = millis(start_of(first_of_month, timezone));
    let mut by_building: BTreeMap<UnitId, Vec<CareFacts>> = BTreeMap::new();
    for care in tx.tagged_household_care(before).await? {
        by_building.entry(care.household.building).or_default().push(facts(&care, &vocabulary, timezone));
    }
    let mut digests = Vec::new();
    for (person, role, estate) in tx.care_roles().await? {
        if role != Role::GroupLeader {
            continue;
        }
        let buildings: Vec<(BuildingCode, Coverage)> = by_building
            .iter()
            .filter(|(building, _)| index.get(**building).is_some_and(|b| b.parent == Some(estate)))
            .map(|(building, facts)| (*building, Coverage::at_month_end(facts, month_end)))
            .filter(|(_, coverage)| coverage.under_target())
            .filter_map(|(building, coverage)| Some((index.get(building)?.code.clone()?, coverage)))
            .collect();
        if !buildings.is_empty() {
            digests.push(Digest { to: person, month: month_end, buildings });
        }
    }
    Ok(digests)
}
