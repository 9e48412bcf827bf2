//! The Queues page: requests breaching soon, overdue, escalated and those
//! nobody could take, each a table sortable by a column.

use i18n_embed_fl::fl;
use maud::{Markup, html};
use serde::Deserialize;

use super::body::{Reach, Viewer, request_href};
use crate::app::admin::Authority;
use crate::app::clock::Policy;
use crate::domain::Status;
use crate::domain::escalation::{ACCEPT_WARNING_BEFORE, RESOLVE_WARNING_SHARE};
use crate::store::{ActiveRequest, StoreError, Tx};
use crate::telegram::render;

/// The query of the page: `?sort=due&order=desc`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueQuery {
    pub sort: Option<String>,
    pub order: Option<String>,
}

/// The columns a queue can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Number,
    Building,
    Category,
    Status,
    Due,
    Age,
    Assignee,
}

impl SortBy {
    const ALL: [SortBy; 7] = [
        SortBy::Number,
        SortBy::Building,
        SortBy::Category,
        SortBy::Status,
        SortBy::Due,
        SortBy::Age,
        SortBy::Assignee,
    ];

    fn as_str(self) -> &'static str {
        match self {
            SortBy::Number => "number",
            SortBy::Building => "building",
            SortBy::Category => "category",
            SortBy::Status => "status",
            SortBy::Due => "due",
            SortBy::Age => "age",
            SortBy::Assignee => "assignee",
        }
    }

    fn parse(text: &str) -> Option<SortBy> {
        SortBy::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The four queues; a request may stand in several (escalated and overdue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Soon,
    Overdue,
    Escalated,
    Nobody,
}

impl Queue {
    const ALL: [Queue; 4] = [Queue::Soon, Queue::Overdue, Queue::Escalated, Queue::Nobody];

    fn id(self) -> &'static str {
        match self {
            Queue::Soon => "soon",
            Queue::Overdue => "overdue",
            Queue::Escalated => "escalated",
            Queue::Nobody => "nobody",
        }
    }
}

/// Whether `request` stands in `queue` at `now`. "Soon" is the window in
/// which the clock warns the assignee: the last quarter hour before an
/// accept deadline, the last fifth of the resolve time.
fn stands_in(queue: Queue, request: &ActiveRequest, policy: &Policy, now: i64) -> bool {
    match queue {
        Queue::Soon => request.due().is_some_and(|due| {
            let window = match request.status {
                Status::Open => ACCEPT_WARNING_BEFORE,
                _ => policy.level(request.urgency).resolve_within.mul_f64(1.0 - RESOLVE_WARNING_SHARE),
            };
            due >= now && due - now <= i64::try_from(window.as_millis()).unwrap_or(i64::MAX)
        }),
        Queue::Overdue => request.due().is_some_and(|due| due < now),
        Queue::Escalated => request.escalated,
        Queue::Nobody => request.assignee.is_none(),
    }
}

fn sort(requests: &mut [&ActiveRequest], by: SortBy, descending: bool) {
    requests.sort_by(|a, b| {
        let order = match by {
            SortBy::Number => a.number.0.cmp(&b.number.0),
            SortBy::Building => a.building_code.cmp(&b.building_code),
            SortBy::Category => a.category.as_str().cmp(b.category.as_str()),
            SortBy::Status => a.status.as_str().cmp(b.status.as_str()),
            // Requests without a deadline go last.
            SortBy::Due => a.due().unwrap_or(i64::MAX).cmp(&b.due().unwrap_or(i64::MAX)),
            // Oldest first: the age grows as the creation time falls.
            SortBy::Age => b.created_at.cmp(&a.created_at),
            SortBy::Assignee => a.assignee_name.cmp(&b.assignee_name),
        };
        let order = order.then(a.id.0.cmp(&b.id.0));
        if descending { order.reverse() } else { order }
    });
}

impl QueueQuery {
    /// The column to sort by (the deadline unless asked otherwise) and
    /// whether the order is descending.
    pub(super) fn order(&self) -> (SortBy, bool) {
        let by = self.sort.as_deref().and_then(SortBy::parse).unwrap_or(SortBy::Due);
        (by, self.order.as_deref() == Some("desc"))
    }
}

/// `requests` in the order the query asks for.
pub(super) fn sorted<'a>(
    requests: impl Iterator<Item = &'a ActiveRequest>,
    by: SortBy,
    descending: bool,
) -> Vec<&'a ActiveRequest> {
    let mut requests: Vec<&ActiveRequest> = requests.collect();
    sort(&mut requests, by, descending);
    requests
}

/// The Queues page body: only requests in buildings the authority covers.
pub async fn page(
    tx: &mut Tx,
    authority: &Authority,
    viewer: &Viewer<'_>,
    query: &QueueQuery,
) -> Result<Markup, StoreError> {
    let l = viewer.l;
    let reach = Reach::of(authority);
    let policy = Policy::load(tx, viewer.timezone).await?;
    let now = viewer.now_ms();
    let active: Vec<ActiveRequest> =
        tx.office_active_requests().await?.into_iter().filter(|r| reach.buildings.contains_key(&r.building)).collect();
    let (by, descending) = query.order();
    let title = |queue: Queue| match queue {
        Queue::Soon => fl!(l, "office-queues-soon"),
        Queue::Overdue => fl!(l, "office-queues-overdue"),
        Queue::Escalated => fl!(l, "office-queues-escalated"),
        Queue::Nobody => fl!(l, "office-queues-nobody"),
    };
    let queues = Queue::ALL
        .map(|queue| (queue, sorted(active.iter().filter(|r| stands_in(queue, r, &policy, now)), by, descending)));
    Ok(html! {
        h1 { (fl!(l, "office-queues-title")) }
        @for (queue, members) in &queues {
            @let queue = *queue;
            section.queue id=(queue.id()) {
                h2 { (title(queue)) " " span.count { (members.len()) } }
                @if members.is_empty() {
                    p.empty { (fl!(l, "office-queues-empty")) }
                } @else {
                    (table(viewer, &reach, members, by, descending))
                }
            }
        }
    })
}

pub(super) fn table(
    viewer: &Viewer<'_>,
    reach: &Reach,
    requests: &[&ActiveRequest],
    by: SortBy,
    descending: bool,
) -> Markup {
    let l = viewer.l;
    let now = viewer.now_ms();
    let heading = |column: SortBy| match column {
        SortBy::Number => fl!(l, "office-column-number"),
        SortBy::Building => fl!(l, "office-column-building"),
        SortBy::Category => fl!(l, "office-column-category"),
        SortBy::Status => fl!(l, "office-column-status"),
        SortBy::Due => fl!(l, "office-column-due"),
        SortBy::Age => fl!(l, "office-column-age"),
        SortBy::Assignee => fl!(l, "office-column-assignee"),
    };
    html! {
        table.requests {
            thead {
                tr {
                    @for column in SortBy::ALL {
                        @let flip = column == by && !descending;
                        th aria-sort=[(column == by).then_some(if descending { "descending" } else { "ascending" })] {
                            a href={ "?sort=" (column.as_str()) "&order=" (if flip { "desc" } else { "asc" }) } {
                                (heading(column))
                            }
                        }
                    }
                    th { (fl!(l, "office-column-description")) }
                    th { (fl!(l, "office-column-resident")) }
                }
            }
            tbody {
                @for request in requests {
                    @let sensitive = reach.buildings.get(&request.building).is_some_and(|p| p.sensitive);
                    @let href = request_href(request.number.0);
                    tr data-number=(request.number.0) {
                        td { a href=(href) { "#" (request.number.0) } }
                        td { a href=(href) { (request.building_code) } }
                        td { (render::category(l, request.category)) }
                        td { (render::status(l, request.status)) }
                        td {
                            @if let Some(due) = request.due() {
                                time class=(if due < now { "late" } else { "due" }) { (viewer.moment(due)) }
                            }
                        }
                        td { (viewer.span(request.created_at, now)) }
                        td {
                            @match (&request.assignee_name, request.assignee_role) {
                                (Some(name), Some(role)) => { (name) " (" (render::role(l, role)) ")" }
                                (Some(name), None) => { (name) }
                                _ => { em { (fl!(l, "office-unassigned")) } }
                            }
                        }
                        td.description {
                            @if request.category.is_sensitive() && !sensitive {
                                em { (fl!(l, "sensitive-hidden")) }
                            } @else {
                                (request.description.chars().take(80).collect::<String>())
                            }
                        }
                        td.resident {
                            @if sensitive {
                                (request.resident_name.clone().unwrap_or_default())
                                @if let Some(phone) = &request.resident_phone { " " (phone) }
                            }
                        }
                    }
                }
            }
        }
    }
}
