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
    /// From report to acceptance, over the requests accepted.
    pub to_accept: Median,
    /// From report to resolution, over the requests resolved.
    pub to_resolve: Median,
    /// The requests still waiting or being handled.
    pub open: Open,
    pub service_level: ServiceLevelCount,
    /// The share of resolved requests the resident reopened.
    pub reopen_rate: Option<f64>,
    pub average_rating: Option<f64>,
    pub ratings: usize,
    pub grids: Vec<GroupStats>,
    /// The ten buildings whose requests take or have waited longest
    /// ([`GroupStats::wait`]), slowest first.
    pub slowest_buildings: Vec<GroupStats>,
}

/// A median duration and how many requests it is taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Median {
    pub of: usize,
    pub median: Option<Duration>,
}

/// Requests not yet resolved, and the age of the oldest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Open {
    pub count: usize,
    pub oldest: Option<Duration>,
}

/// How requests (cancelled ones aside) fare against their deadlines. A
/// missed deadline escalates the request, so a request that never escalated
/// met its deadlines if it is resolved, and is still running if it is not:
/// its deadline has not come, and it counts neither way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServiceLevelCount {
    pub met: usize,
    pub missed: usize,
    pub running: usize,
}

impl ServiceLevelCount {
    /// Those whose deadlines have come: met or missed.
    pub fn decided(&self) -> usize {
        self.met + self.missed
    }

    /// The share of the decided requests that met their deadlines.
    pub fn share(&self) -> Option<f64> {
        share(self.met, self.decided())
    }
}

/// Figures for one grid or one building.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStats {
    pub name: String,
    pub requests: usize,
    pub to_resolve: Median,
    pub open: Open,
    pub service_level: ServiceLevelCount,
}

impl GroupStats {
    /// How long the group's requests take: the median time to resolve, or
    /// the age of the oldest open request when that is longer (so that
    /// stuck work shows).
    pub fn wait(&self) -> Option<Duration> {
        self.to_resolve.median.max(self.open.oldest)
    }

    /// Whether [`GroupStats::wait`] is the age of an open request.
    pub fn waiting_on_open(&self) -> bool {
        self.open.oldest.is_some() && self.open.oldest >= self.to_resolve.median
    }
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
        slowest_buildings.sort_by(|a, b| b.wait().cmp(&a.wait()).then(a.name.cmp(&b.name)));
        slowest_buildings.truncate(SLOWEST_BUILDINGS);
        Stats {
            total: facts.len(),
            by_category,
            by_status: by_status.into_iter().collect(),
            to_accept: Median { of: to_accept.len(), median: median(to_accept) },
            to_resolve: to_resolve(facts.iter()),
            open: open(facts.iter(), now),
            service_level: service_level(facts.iter()),
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
    GroupStats {
        name: name.to_string(),
        requests: members.len(),
        to_resolve: to_resolve(members.iter().copied()),
        open: open(members.iter().copied(), now),
        service_level: service_level(members.iter().copied()),
    }
}

fn to_resolve<'a>(facts: impl Iterator<Item = &'a RequestFacts>) -> Median {
    let times: Vec<i64> = facts.filter_map(|f| f.resolved_at.map(|at| at - f.created_at)).collect();
    Median { of: times.len(), median: median(times) }
}

fn open<'a>(facts: impl Iterator<Item = &'a RequestFacts>, now: i64) -> Open {
    let ages: Vec<i64> = facts.filter(|f| f.status.is_active()).map(|f| now - f.created_at).collect();
    let oldest = ages.iter().max().map(|&age| Duration::from_millis(u64::try_from(age).unwrap_or(0)));
    Open { count: ages.len(), oldest }
}

fn service_level<'a>(facts: impl Iterator<Item = &'a RequestFacts>) -> ServiceLevelCount {
    let mut count = ServiceLevelCount::default();
    // A merged request is its original's business: neither met nor missed.
    for fact in facts.filter(|f| !matches!(f.status, Status::Cancelled | Status::Merged)) {
        if fact.escalated {
            count.missed += 1;
        } else if fact.status.is_active() {
            count.running += 1;
        } else {
            count.met += 1;
        }
    }
    count
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
        assert_eq!(stats.to_accept, Median { of: 2, median: Some(Duration::from_secs(3600)) });
        assert_eq!(stats.to_resolve, Median { of: 2, median: Some(Duration::from_secs(10 * 3600)) });
        assert_eq!(stats.open, Open { count: 1, oldest: Some(Duration::from_secs(100 * 3600)) });
        assert_eq!(stats.service_level, ServiceLevelCount { met: 2, missed: 1, running: 0 });
        assert_eq!(stats.service_level.share(), Some(2.0 / 3.0));
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
    fn an_open_request_is_still_running_and_its_age_is_no_time_to_resolve() {
        let mut open = fact(Category::Property, Status::Open, "g", "E01");
        open.created_at = 10 * HOUR;
        let stats = Stats::compute(&[open], 10 * HOUR + 2_000);
        assert_eq!(stats.to_resolve, Median { of: 0, median: None });
        assert_eq!(stats.open, Open { count: 1, oldest: Some(Duration::from_secs(2)) });
        assert_eq!(stats.service_level, ServiceLevelCount { met: 0, missed: 0, running: 1 });
        assert_eq!(stats.service_level.share(), None, "no share of requests whose deadline has not come");
        for group in [&stats.grids[0], &stats.slowest_buildings[0]] {
            assert_eq!(group.to_resolve.median, None);
            assert_eq!(group.open.oldest, Some(Duration::from_secs(2)));
            assert_eq!(group.service_level.share(), None);
            assert!(group.waiting_on_open());
        }
    }

    #[test]
    fn a_missed_deadline_counts_against_the_share_even_while_the_request_is_open() {
        let mut late = fact(Category::Property, Status::Accepted, "g", "E01");
        late.escalated = true;
        let mut done = fact(Category::Property, Status::Closed, "g", "E01");
        done.resolved_at = Some(HOUR);
        let stats = Stats::compute(&[late, done], 5 * HOUR);
        assert_eq!(stats.service_level, ServiceLevelCount { met: 1, missed: 1, running: 0 });
        assert_eq!(stats.service_level.share(), Some(0.5));
    }

    #[test]
    fn a_merged_request_counts_as_merged_not_as_resolved_nor_against_the_service_level() {
        let mut done = fact(Category::Property, Status::Closed, "g", "E01");
        done.resolved_at = Some(HOUR);
        let merged = fact(Category::Property, Status::Merged, "g", "E01");
        let stats = Stats::compute(&[done, merged], 5 * HOUR);
        assert_eq!(stats.to_resolve.of, 1);
        assert_eq!(stats.open.count, 0);
        assert_eq!(stats.service_level, ServiceLevelCount { met: 1, missed: 0, running: 0 });
        assert!(stats.by_status.contains(&(Status::Merged, 1)));
    }

    #[test]
    fn no_requests_give_no_figures_rather_than_zeros() {
        let stats = Stats::compute(&[], 0);
        assert_eq!(stats.total, 0);
        assert_eq!(stats.to_accept.median, None);
        assert_eq!(stats.service_level.share(), None);
        assert_eq!(stats.average_rating, None);
        assert!(stats.slowest_buildings.is_empty());
    }
}
