//! Statistics over a period's requests, for `/stats`: counts, medians and
//! shares computed from facts the event log already holds.

use std::collections::BTreeMap;
use std::time::Duration;

use super::request::{Category, Status};

/// What is known about one request, as the statistics need it. Times are
/// epoch milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestFacts {
    pub category: Category,
    pub status: Status,
    pub grid: String,
    pub building: String,
    pub created_at: i64,
    pub accepted_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub reopened: u32,
    pub rating: Option<u8>,
    /// Whether a deadline of the request was ever missed.
    pub escalated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub total: usize,
    /// Most frequent first.
    pub by_category: Vec<(Category, usize)>,
    pub by_status: Vec<(Status, usize)>,
    pub median_to_accept: Option<Duration>,
    pub median_to_resolve: Option<Duration>,
    /// The share of requests (cancelled ones aside) that never missed a
    /// deadline.
    pub within_service_level: Option<f64>,
    /// The share of resolved requests the resident reopened.
    pub reopen_rate: Option<f64>,
    pub average_rating: Option<f64>,
    pub ratings: usize,
    pub grids: Vec<GroupStats>,
    /// The ten buildings whose requests take longest, slowest first.
    pub slowest_buildings: Vec<GroupStats>,
}

/// Figures for one grid or one building.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStats {
    pub name: String,
    pub requests: usize,
    /// The median time to resolve, where a request not yet resolved counts
    /// with its age so far (so that stuck work shows).
    pub median_to_resolve: Option<Duration>,
    pub within_service_level: Option<f64>,
}

/// How many buildings the "slowest" list shows.
pub const SLOWEST_BUILDINGS: usize = 10;

impl Stats {
    pub fn compute(facts: &[RequestFacts], now: i64) -> Stats {
        let mut by_category: BTreeMap<Category, usize> = BTreeMap::new();
        let mut by_status: BTreeMap<Status, usize> = BTreeMap::new();
        for fact in facts {
            *by_category.entry(fact.category).or_default() += 1;
            *by_status.entry(fact.status).or_default() += 1;
        }
        let mut by_category: Vec<(Category, usize)> = by_category.into_iter().collect();
        by_category.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let to_accept: Vec<i64> = facts.iter().filter_map(|f| f.accepted_at.map(|at| at - f.created_at)).collect();
        let to_resolve: Vec<i64> = facts.iter().filter_map(|f| f.resolved_at.map(|at| at - f.created_at)).collect();
        let resolved: Vec<&RequestFacts> = facts.iter().filter(|f| f.resolved_at.is_some()).collect();
        let ratings: Vec<u8> = facts.iter().filter_map(|f| f.rating).collect();
        let group = |key: fn(&RequestFacts) -> &str| {
            let mut groups: BTreeMap<&str, Vec<&RequestFacts>> = BTreeMap::new();
            for fact in facts {
                groups.entry(key(fact)).or_default().push(fact);
            }
            groups.into_iter().map(|(name, members)| group_stats(name, &members, now)).collect::<Vec<_>>()
        };
        let grids = group(|f| &f.grid);
        let mut slowest_buildings = group(|f| &f.building);
        slowest_buildings.sort_by(|a, b| b.median_to_resolve.cmp(&a.median_to_resolve).then(a.name.cmp(&b.name)));
        slowest_buildings.truncate(SLOWEST_BUILDINGS);
        Stats {
            total: facts.len(),
            by_category,
            by_status: by_status.into_iter().collect(),
            median_to_accept: median(to_accept),
            median_to_resolve: median(to_resolve),
            within_service_level: within(facts.iter()),
            reopen_rate: share(resolved.iter().filter(|f| f.reopened > 0).count(), resolved.len()),
            average_rating: (!ratings.is_empty())
                .then(|| ratings.iter().map(|&r| f64::from(r)).sum::<f64>() / ratings.len() as f64),
            ratings: ratings.len(),
            grids,
            slowest_buildings,
        }
    }
}

fn group_stats(name: &str, members: &[&RequestFacts], now: i64) -> GroupStats {
    let times = members
        .iter()
        .filter(|f| f.status != Status::Cancelled)
        .map(|f| f.resolved_at.unwrap_or(now) - f.created_at)
        .collect();
    GroupStats {
        name: name.to_string(),
        requests: members.len(),
        median_to_resolve: median(times),
        within_service_level: within(members.iter().copied()),
    }
}

fn within<'a>(facts: impl Iterator<Item = &'a RequestFacts>) -> Option<f64> {
    let counted: Vec<&RequestFacts> = facts.filter(|f| f.status != Status::Cancelled).collect();
    share(counted.iter().filter(|f| !f.escalated).count(), counted.len())
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The median of durations in milliseconds (the lower middle for an even
/// count, so that it is always a time that happened).
fn median(mut millis: Vec<i64>) -> Option<Duration> {
    if millis.is_empty() {
        return None;
    }
    millis.sort_unstable();
    let middle = millis[(millis.len() - 1) / 2];
    Some(Duration::from_millis(u64::try_from(middle).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn fact(category: Category, status: Status, grid: &str, building: &str) -> RequestFacts {
        RequestFacts {
            category,
            status,
            grid: grid.into(),
            building: building.into(),
            created_at: 0,
            accepted_at: None,
            resolved_at: None,
            reopened: 0,
            rating: None,
            escalated: false,
        }
    }

    #[test]
    fn medians_shares_and_ratings_come_from_the_facts() {
        let mut a = fact(Category::Property, Status::Closed, "第一网格", "E01");
        a.accepted_at = Some(HOUR);
        a.resolved_at = Some(10 * HOUR);
        a.rating = Some(5);
        let mut b = fact(Category::Property, Status::Closed, "第一网格", "E02");
        b.accepted_at = Some(3 * HOUR);
        b.resolved_at = Some(20 * HOUR);
        b.reopened = 1;
        b.rating = Some(2);
        let mut c = fact(Category::Elderly, Status::Open, "第二网格", "W01");
        c.escalated = true;
        let d = fact(Category::Other, Status::Cancelled, "第二网格", "W01");
        let stats = Stats::compute(&[a, b, c, d], 100 * HOUR);
        assert_eq!(stats.total, 4);
        assert_eq!(stats.by_category[0], (Category::Property, 2));
        assert_eq!(stats.median_to_accept, Some(Duration::from_secs(3600)));
        assert_eq!(stats.median_to_resolve, Some(Duration::from_secs(10 * 3600)));
        assert_eq!(stats.within_service_level, Some(2.0 / 3.0));
        assert_eq!(stats.reopen_rate, Some(0.5));
        assert_eq!(stats.average_rating, Some(3.5));
        assert_eq!(stats.ratings, 2);
        assert_eq!(stats.grids.len(), 2);
        assert_eq!(stats.grids[1].requests, 2);
    }

    #[test]
    fn buildings_with_stuck_requests_are_the_slowest() {
        let mut quick = fact(Category::Property, Status::Closed, "g", "E01");
        quick.resolved_at = Some(HOUR);
        let stuck = fact(Category::Property, Status::Open, "g", "E02");
        let stats = Stats::compute(&[quick, stuck], 50 * HOUR);
        let names: Vec<&str> = stats.slowest_buildings.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["E02", "E01"]);
    }

    #[test]
    fn no_requests_give_no_figures_rather_than_zeros() {
        let stats = Stats::compute(&[], 0);
        assert_eq!(stats.total, 0);
        assert_eq!(stats.median_to_accept, None);
        assert_eq!(stats.within_service_level, None);
        assert_eq!(stats.average_rating, None);
        assert!(stats.slowest_buildings.is_empty());
    }
}
