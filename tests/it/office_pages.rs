//! The bodies of the office dashboard's Queues, Statistics, People and
//! Export pages, rendered straight from a seeded community on both backends:
//! what each shows, and what it must not show to whom.

use chrono::{DateTime, Duration, TimeZone, Utc};
use community_desk::app::admin::Authority;
use community_desk::app::clock::{self, Policy};
use community_desk::app::directory::{self, DirectoryFile};
use community_desk::app::requests::{self, AcceptOutcome, Draft};
use community_desk::domain::escalation::{Timer, TimerKind};
use community_desk::domain::scope::AdminScope;
use community_desk::domain::{
    BuildingCode, Category, Description, PersonId, Phone, RequestId, Status, TelegramId, UnitId, UnitLevel, Urgency,
};
use community_desk::i18n::{I18n, Locale};
use community_desk::store::{BindOutcome, Store, Tx};
use community_desk::web::office::body::Viewer;
use community_desk::web::office::export::{ExportQuery, Exported};
use community_desk::web::office::people::{InviteForm, Invited};
use community_desk::web::office::queues::QueueQuery;
use community_desk::web::office::stats::{BarQuery, StatsQuery};
use community_desk::web::office::{building, export, people, queues, stats};

use crate::support::db::TestDb;
use crate::support::on_both_backends;

const UNITS: &str = "community,grid,estate,building,households\n\
    绿杨社区,第一网格,东苑,E01,36\n\
    绿杨社区,第一网格,东苑,E02,40\n\
    绿杨社区,第二网格,西苑,W01,30\n\
    绿杨社区,第二网格,西苑,W02,24\n";

const PEOPLE: &str = "name,phone,role,unit\n\
    王芳,13800000001,liaison,E01\n\
    孙丽,13800000011,liaison,W01\n\
    李强,13800000002,deputy,E01\n\
    赵敏,13800000003,group_leader,第一网格/东苑\n\
    周伟,13800000005,admin,绿杨社区\n";

const SCRIPT: &str = "<script>alert(1)</script> 楼道灯坏了";
const SECRET: &str = "邻居吵架的秘密细节";
const RESIDENT_PHONE: &str = "13900000042";

/// The seeded community: its units, the requests by what they are for, and
/// the moment the pages are rendered at.
struct Seeded {
    store: Store,
    community: UnitId,
    grid1: UnitId,
    grid2: UnitId,
    liaison: PersonId,
    /// E01, never accepted: overdue.
    overdue: i64,
    /// E01, a dispute whose accept deadline was missed: escalated.
    escalated: i64,
    /// W01, in the other grid, overdue.
    west: i64,
    /// W02, where nobody up to the community holds a role with an account.
    nobody: i64,
    /// E01, its accept deadline five minutes away.
    soon: i64,
    /// E01 and W01, done and rated: neither in any queue.
    done_east: i64,
    done_west: i64,
    now: DateTime<Utc>,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
}

async fn unit(tx: &mut Tx, level: UnitLevel, name: &str) -> UnitId {
    tx.units().await.unwrap().into_iter().find(|u| u.level == level && u.name == name).expect("the unit exists").id
}

async fn bind(tx: &mut Tx, telegram: i64, name: &str, phone: &str) -> PersonId {
    let person = tx.touch_person(TelegramId(telegram), Some(name), Some("en"), 0).await.unwrap().id;
    let outcome = tx.bind_phone(person, &Phone::parse(phone).unwrap()).await.unwrap();
    assert!(matches!(outcome, BindOutcome::Bound { .. }), "{outcome:?}");
    person
}

/// A new resident of `building` reports; each has their own account, since
/// a resident may only have a few requests open.
async fn report(
    tx: &mut Tx,
    telegram: i64,
    building: &str,
    category: Category,
    text: &str,
    policy: &Policy,
    at: DateTime<Utc>,
) -> (RequestId, i64, PersonId) {
    let resident = tx.touch_person(TelegramId(telegram), Some("张居民"), None, 0).await.unwrap().id;
    let code = BuildingCode::parse(building).unwrap();
    let home = tx.building_by_code(&code).await.unwrap().unwrap().id;
    community_desk::app::people::register(tx, resident, home, None, 0).await.unwrap();
    let draft = Draft {
        category,
        urgency: Urgency::Urgent,
        description: Description::parse(text).unwrap(),
        attachments: Vec::new(),
    };
    let submitted = requests::submit(tx, resident, &draft, policy, at).await.unwrap().unwrap();
    (submitted.request.id, submitted.request.number.0, resident)
}

/// Accepted an hour (east) or two (west) after it came, resolved, confirmed
/// and rated.
async fn done(tx: &mut Tx, id: RequestId, resident: PersonId, by: PersonId, hours: i64, stars: u8, policy: &Policy) {
    let at = start() + Duration::hours(hours);
    let accepted = requests::accept(tx, id, by, policy, at).await.unwrap();
    assert!(matches!(accepted, AcceptOutcome::Accepted(_)), "{accepted:?}");
    requests::resolve(tx, id, by, "fixed", at + Duration::hours(2)).await.unwrap();
    requests::confirm(tx, id, resident, true, "", policy, at + Duration::hours(3)).await.unwrap();
    requests::rate(tx, id, resident, stars, at + Duration::hours(3)).await.unwrap();
    assert_eq!(tx.request_view(id).await.unwrap().unwrap().status, Status::Closed);
}

async fn seed(db: &TestDb) -> Seeded {
    let store = Store::connect(db.url()).await.expect("the test database opens");
    let files = [("units.csv", UNITS), ("people.csv", PEOPLE)]
        .map(|(name, text)| DirectoryFile { name: name.into(), bytes: text.as_bytes().to_vec() });
    for report in directory::import(&store, Vec::from(files), &[], 0).await.unwrap() {
        report.outcome.expect("the directory imports");
    }
    let mut tx = store.begin().await.unwrap();
    let policy = Policy::load(&mut tx, chrono_tz::Asia::Shanghai).await.unwrap();
    let liaison = bind(&mut tx, 1001, "王芳", "13800000001").await;
    let west_liaison = bind(&mut tx, 1011, "孙丽", "13800000011").await;
    // The estate's group leader has an account: a missed deadline on E01
    // goes up to her.
    bind(&mut tx, 1003, "赵敏", "13800000003").await;
    let t0 = start();
    let (_, overdue, first) = report(&mut tx, 5001, "E01", Category::Property, SCRIPT, &policy, t0).await;
    tx.bind_phone(first, &Phone::parse(RESIDENT_PHONE).unwrap()).await.unwrap();
    let (dispute, escalated, _) = report(&mut tx, 5002, "E01", Category::Dispute, SECRET, &policy, t0).await;
    let missed = Timer { request: dispute, kind: TimerKind::Deadline, status: Status::Open, level: 0 };
    clock::fire(&mut tx, &missed, &policy, t0 + Duration::minutes(16)).await.unwrap();
    assert!(tx.request_view(dispute).await.unwrap().unwrap().escalation_level > 0, "the dispute escalated");
    let (_, west, _) = report(&mut tx, 5003, "W01", Category::Property, "西苑漏水", &policy, t0).await;
    let (lost, nobody, _) = report(&mut tx, 5004, "W02", Category::Property, "西苑二号楼无人", &policy, t0).await;
    assert_eq!(tx.request_view(lost).await.unwrap().unwrap().assignee, None, "nobody could take it");
    let (east_done, done_east, east_resident) =
        report(&mut tx, 5005, "E01", Category::Property, "门禁坏了", &policy, t0).await;
    done(&mut tx, east_done, east_resident, liaison, 1, 4, &policy).await;
    let (west_done, done_west, west_resident) =
        report(&mut tx, 5006, "W01", Category::Property, "水管坏了", &policy, t0).await;
    done(&mut tx, west_done, west_resident, west_liaison, 2, 2, &policy).await;
    // Three days on, a request whose accept deadline (15 minutes for an
    // urgent one) is five minutes away when the pages are looked at.
    let now = t0 + Duration::days(3);
    let (_, soon, _) =
        report(&mut tx, 5007, "E01", Category::Property, "电梯异响", &policy, now - Duration::minutes(10)).await;
    let community = unit(&mut tx, UnitLevel::Community, "绿杨社区").await;
    let grid1 = unit(&mut tx, UnitLevel::Grid, "第一网格").await;
    let grid2 = unit(&mut tx, UnitLevel::Grid, "第二网格").await;
    tx.commit().await.unwrap();
    Seeded {
        store,
        community,
        grid1,
        grid2,
        liaison,
        overdue,
        escalated,
        west,
        nobody,
        soon,
        done_east,
        done_west,
        now,
    }
}

impl Seeded {
    async fn authority(&self, tx: &mut Tx, root: UnitId) -> Authority {
        Authority { scope: AdminScope::Units(vec![root]), units: tx.units().await.unwrap() }
    }
}

fn viewer<'a>(i18n: &'a I18n, now: DateTime<Utc>) -> Viewer<'a> {
    Viewer { l: i18n.get(Locale::En), timezone: chrono_tz::Asia::Shanghai, now }
}

fn link(number: i64) -> String {
    format!("href=\"/office/requests/{number}\"")
}

/// The HTML of the queue section `id`.
fn section<'h>(html: &'h str, id: &str) -> &'h str {
    let start =
        html.find(&format!("<section class=\"queue\" id=\"{id}\">")).unwrap_or_else(|| panic!("{id} in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// The request numbers of the rows of some HTML, in order.
fn rows(html: &str) -> Vec<i64> {
    html.split("<tr data-number=\"").skip(1).map(|row| row[..row.find('"').unwrap()].parse().unwrap()).collect()
}

async fn the_queues_sort_each_request_into_its_queue_and_a_grid_admin_sees_only_their_grid(db: TestDb) {
    let seeded = seed(&db).await;
    let i18n = I18n::load().unwrap();
    let viewer = viewer(&i18n, seeded.now);
    let mut tx = seeded.store.begin().await.unwrap();
    let office = seeded.authority(&mut tx, seeded.community).await;
    let html = queues::page(&mut tx, &office, &viewer, &QueueQuery::default()).await.unwrap().into_string();
    let s = &seeded;
    assert_eq!(rows(section(&html, "soon")), [s.soon]);
    let mut overdue = rows(section(&html, "overdue"));
    overdue.sort();
    assert_eq!(overdue, [s.overdue, s.escalated, s.west, s.nobody]);
    assert_eq!(rows(section(&html, "escalated")), [s.escalated]);
    assert_eq!(rows(section(&html, "nobody")), [s.nobody]);
    for number in [s.done_east, s.done_west] {
        assert!(!html.contains(&link(number)), "a closed request is in no queue");
    }
    assert!(html.contains(&link(s.west)), "the community's admin sees the other grid");
    assert!(html.contains(SECRET), "and the details of a dispute");
    assert!(html.contains(RESIDENT_PHONE) && html.contains("张居民"), "and who reported");
    assert!(!html.contains("<script>"), "a description is text, never markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    let grid = seeded.authority(&mut tx, seeded.grid1).await;
    let html = queues::page(&mut tx, &grid, &viewer, &QueueQuery::default()).await.unwrap().into_string();
    assert!(html.contains(&link(s.overdue)) && html.contains(&link(s.escalated)));
    assert!(!html.contains(&link(s.west)) && !html.contains("西苑漏水"), "another grid's request: {html}");
    assert!(!html.contains(SECRET), "a grid admin never sees a dispute's details");
    assert!(html.contains("[sensitive: shown only to admins of the community]"));
    assert!(!html.contains(RESIDENT_PHONE) && !html.contains("张居民"), "nor who reported");
}

async fn a_queue_is_sorted_by_the_column_the_query_names(db: TestDb) {
    let seeded = seed(&db).await;
    let i18n = I18n::load().unwrap();
    let viewer = viewer(&i18n, seeded.now);
    let mut tx = seeded.store.begin().await.unwrap();
    let office = seeded.authority(&mut tx, seeded.community).await;
    let sorted = |sort: &str, order: &str| QueueQuery { sort: Some(sort.into()), order: Some(order.into()) };
    let html = queues::page(&mut tx, &office, &viewer, &sorted("number", "desc")).await.unwrap().into_string();
    let down = rows(section(&html, "overdue"));
    let mut expected = down.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(down, expected);
    assert_eq!(down.len(), 4);
    assert!(html.contains("aria-sort=\"descending\""), "the sorted column says so");
    assert!(html.contains("href=\"?sort=number&amp;order=asc\""), "and a click turns the order round");
    let html = queues::page(&mut tx, &office, &viewer, &sorted("building", "asc")).await.unwrap().into_string();
    let by_building = rows(section(&html, "overdue"));
    assert_eq!(by_building.last(), Some(&seeded.nobody), "W02 last: {by_building:?}");
    assert_eq!(by_building.iter().position(|n| *n == seeded.west), Some(2), "W01 after E01's two");
}

/// A bar of a chart as drawn: its value, its height and its link.
#[derive(Debug, PartialEq)]
struct DrawnBar {
    value: String,
    height: String,
    href: String,
}

fn attribute(tag: &str, name: &str) -> String {
    let start = tag.find(&format!(" {name}=\"")).unwrap_or_else(|| panic!("{name} in {tag}")) + name.len() + 3;
    tag[start..start + tag[start..].find('"').unwrap()].to_string()
}

/// The bars of the chart `id`, left to right.
fn bars(html: &str, id: &str) -> Vec<DrawnBar> {
    let start = html.find(&format!("<figure class=\"chart\" id=\"{id}\">")).unwrap_or_else(|| panic!("{id}"));
    let chart = &html[start..start + html[start..].find("</figure>").unwrap()];
    assert!(chart.contains("<svg"), "the chart is inline SVG");
    chart
        .split("<a href=\"")
        .skip(1)
        .map(|piece| {
            let href = piece[..piece.find('"').unwrap()].replace("&amp;", "&");
            let rect = &piece[piece.find("<rect").expect("a bar in the link")..];
            let rect = &rect[..rect.find('>').unwrap()];
            DrawnBar { value: attribute(rect, "data-value"), height: attribute(rect, "height"), href }
        })
        .collect()
}

async fn the_statistics_draw_a_bar_per_grid_and_estate_linked_to_its_requests(db: TestDb) {
    let seeded = seed(&db).await;
    let i18n = I18n::load().unwrap();
    let viewer = viewer(&i18n, seeded.now);
    let mut tx = seeded.store.begin().await.unwrap();
    let office = seeded.authority(&mut tx, seeded.community).await;
    let html = stats::page(&mut tx, &office, &viewer, &StatsQuery { period: Some(30) }).await.unwrap().into_string();
    let (g1, g2) = (seeded.grid1.0, seeded.grid2.0);
    let bar = |value: &str, height: &str, unit: i64, what: &str| DrawnBar {
        value: value.into(),
        height: height.into(),
        href: format!("/office/stats/requests?unit={unit}&period=30&what={what}"),
    };
    // Grid one: the request done in time met its deadline, the dispute
    // missed it, the others are still running. Grid two: done in time.
    assert_eq!(bars(&html, "service-grids"), [bar("50.00", "80", g1, "service"), bar("100.00", "160", g2, "service")]);
    assert_eq!(bars(&html, "service-estates").len(), 2);
    // Accepted after one hour and after two: the longer is the full height.
    assert_eq!(bars(&html, "accept-grids"), [bar("1.00", "80", g1, "accept"), bar("2.00", "160", g2, "accept")]);
    assert_eq!(bars(&html, "rating-grids"), [bar("4.00", "128", g1, "rating"), bar("2.00", "64", g2, "rating")]);
    assert_eq!(bars(&html, "reopen-grids"), [bar("0.00", "0", g1, "reopen"), bar("0.00", "0", g2, "reopen")]);
    assert!(html.contains("id=\"total\">7<"), "{html}");
    assert!(html.contains("aria-current=\"page\""));

    let grid = seeded.authority(&mut tx, seeded.grid1).await;
    let html = stats::page(&mut tx, &grid, &viewer, &StatsQuery { period: Some(30) }).await.unwrap().into_string();
    assert_eq!(bars(&html, "service-grids"), [bar("50.00", "80", g1, "service")]);
    assert!(!html.contains("第二网格") && !html.contains("西苑"), "a grid admin's charts hold only their grid");
}

async fn a_bar_lists_the_requests_it_counts_and_only_within_reach(db: TestDb) {
    let seeded = seed(&db).await;
    let i18n = I18n::load().unwrap();
    let viewer = viewer(&i18n, seeded.now);
    let mut tx = seeded.store.begin().await.unwrap();
    let grid = seeded.authority(&mut tx, seeded.grid1).await;
    let query = |unit: UnitId, what: &str| BarQuery { unit: unit.0, period: Some(7), what: what.into() };
    let html = stats::requests(&mut tx, &grid, &viewer, &query(seeded.grid1, "service")).await.unwrap().unwrap();
    let html = html.into_string();
    let mut listed = rows(&html);
    listed.sort();
    assert_eq!(listed, [seeded.escalated, seeded.done_east], "the decided requests of the grid: {html}");
    assert!(html.contains("missed") && html.contains("met"));
    assert!(html.contains(&link(seeded.done_east)));
    assert!(!html.contains(SECRET), "the list shows no description");
    let rated = stats::requests(&mut tx, &grid, &viewer, &query(seeded.grid1, "rating")).await.unwrap().unwrap();
    assert_eq!(rows(&rated.into_string()), [seeded.done_east]);
    let other = stats::requests(&mut tx, &grid, &viewer, &query(seeded.grid2, "service")).await.unwrap();
    assert!(other.is_none(), "another grid's bar is not found for a grid admin");
    let unknown = stats::requests(&mut tx, &grid, &viewer, &query(seeded.grid1, "nonsense")).await.unwrap();
    assert!(unknown.is_none());
}

async fn the_people_page_shows_roles_reach_absence_and_load_and_makes_invitations(db: TestDb) {
    let seeded = seed(&db).await;
    let i18n = I18n::load().unwrap();
    let viewer = viewer(&i18n, seeded.now);
    let mut tx = seeded.store.begin().await.unwrap();
    let away = seeded.now + Duration::days(2);
    tx.set_away(seeded.liaison, Some(away.timestamp_millis())).await.unwrap();
    let grid = seeded.authority(&mut tx, seeded.grid1).await;
    let html = people::page(&mut tx, &grid, &viewer, "token-123", None).await.unwrap().into_string();
    let row = |name: &str| {
        let start = html.find(&format!("<td>{name}</td>")).unwrap_or_else(|| panic!("{name} listed: {html}"));
        html[start..start + html[start..].find("</tr>").unwrap()].to_string()
    };
    let wang = row("王芳");
    // She holds the overdue request, the escalated dispute (escalating
    // leaves it hers) and the one due soon.
    assert!(wang.contains("<td class=\"load\">3</td>"), "{wang}");
    assert!(wang.contains("class=\"reachable\"") && wang.contains("class=\"away\""), "{wang}");
    assert!(row("李强").contains("class=\"unbound\""), "the deputy never bound an account");
    assert!(row("赵敏").contains("<td class=\"load\">0</td>"), "alerted is not holding");
    assert!(!html.contains("孙丽") && !html.contains("周伟"), "nobody outside the grid: {html}");
    assert!(html.contains("<input type=\"hidden\" name=\"csrf\" value=\"token-123\">"));
    assert!(html.contains("method=\"post\""));

    let e02 = tx.building_by_code(&BuildingCode::parse("E02").unwrap()).await.unwrap().unwrap().id;
    let w01 = tx.building_by_code(&BuildingCode::parse("W01").unwrap()).await.unwrap().unwrap().id;
    let form = |role: &str, unit: UnitId| InviteForm { role: role.into(), unit: unit.0 };
    let invited =
        people::invite(&mut tx, &grid, seeded.liaison, &viewer, &form("liaison", e02), "desk_bot").await.unwrap();
    let Invited::Link(link) = &invited else { panic!("{invited:?}") };
    assert!(link.starts_with("https://t.me/desk_bot?start=join_"), "{link}");
    for refused in [form("liaison", w01), form("liaison", seeded.grid1), form("mayor", e02)] {
        let outcome = people::invite(&mut tx, &grid, seeded.liaison, &viewer, &refused, "desk_bot").await.unwrap();
        assert_eq!(outcome, Invited::Refused, "{refused:?}");
    }
    let html = people::page(&mut tx, &grid, &viewer, "t", Some(&invited)).await.unwrap().into_string();
    assert!(html.contains(link.as_str()));
    let code = link.rsplit("join_").next().unwrap();
    let newcomer = tx.touch_person(TelegramId(7001), Some("新人"), None, 0).await.unwrap().id;
    let accepted = community_desk::app::admin::accept_invitation(&mut tx, code, newcomer, seeded.now).await.unwrap();
    assert_eq!(accepted, Some((community_desk::domain::Role::Liaison, e02)), "the link is a real invitation");
}

async fn the_export_is_the_chat_export_for_community_admins_only(db: TestDb) {
    let seeded = seed(&db).await;
    let i18n = I18n::load().unwrap();
    let viewer = viewer(&i18n, seeded.now);
    let mut tx = seeded.store.begin().await.unwrap();
    let admin = tx.touch_person(TelegramId(9001), Some("office"), None, 0).await.unwrap().id;
    let grid = seeded.authority(&mut tx, seeded.grid1).await;
    let everything = ExportQuery::default();
    assert_eq!(export::csv(&mut tx, &grid, admin, &viewer, &everything).await.unwrap(), Exported::NotCommunityAdmin);
    assert!(export::page(&grid, &viewer, None).into_string().contains("whole community"));
    let office = seeded.authority(&mut tx, seeded.community).await;
    let bad = ExportQuery { from: Some("30/11/2026".into()), to: None };
    assert_eq!(export::csv(&mut tx, &office, admin, &viewer, &bad).await.unwrap(), Exported::BadDate);
    let form = export::page(&office, &viewer, Some(&Exported::BadDate)).into_string();
    assert!(form.contains("action=\"/office/export.csv\"") && form.contains("2026-11-30"));
    let Exported::Csv(download) = export::csv(&mut tx, &office, admin, &viewer, &everything).await.unwrap() else {
        panic!("a community admin exports")
    };
    assert_eq!(download.rows, 7);
    assert_eq!(download.name, "requests-20261203.csv");
    assert!(download.csv.contains("[redacted]") && !download.csv.contains(SECRET), "the same redaction as in chat");
    assert!(!download.csv.contains(RESIDENT_PHONE) && !download.csv.contains("张居民"));
    let first_day = ExportQuery { from: Some("2026-11-30".into()), to: Some("2026-11-30".into()) };
    let Exported::Csv(day) = export::csv(&mut tx, &office, admin, &viewer, &first_day).await.unwrap() else {
        panic!("a period exports")
    };
    assert_eq!(day.rows, 6, "the request of three days later is outside the first day");
    tx.commit().await.unwrap();
    let exports = exported_by(&db, admin).await;
    assert_eq!(exports, 2, "each download is recorded as an export");
}

/// How many exports `admin` is recorded as having made.
async fn a_building_page_lists_its_own_requests_open_and_closed_its_liaisons_and_is_not_found_outside_reach(
    db: TestDb,
) {
    let seeded = seed(&db).await;
    let s = &seeded;
    let households = "building,room,members,tags,note\nE01,301,1,elderly_alone,\nE01,302,3,,\nE02,101,2,,\n";
    let file = DirectoryFile { name: "households.csv".into(), bytes: households.as_bytes().to_vec() };
    for report in directory::import(&seeded.store, vec![file], &[], 0).await.unwrap() {
        report.outcome.expect("the households import");
    }
    let i18n = I18n::load().unwrap();
    let viewer = viewer(&i18n, seeded.now);
    let mut tx = seeded.store.begin().await.unwrap();
    let neighbour = tx.touch_person(TelegramId(5099), Some("邻居"), None, 0).await.unwrap().id;
    let e01 = tx.building_by_code(&BuildingCode::parse("E01").unwrap()).await.unwrap().unwrap().id;
    let room = community_desk::domain::Room::parse("301").unwrap();
    community_desk::app::people::register(&mut tx, neighbour, e01, Some(&room), 0).await.unwrap();
    let office = seeded.authority(&mut tx, seeded.community).await;
    let e01 = building::find(&mut tx, &office, "e01").await.unwrap().expect("E01 is within the office's reach");
    let html =
        building::page(&mut tx, &office, &viewer, e01, &QueueQuery::default()).await.unwrap().unwrap().into_string();
    let part = |id: &str| {
        let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("{id} in {html}"));
        html[start..][..html[start..].find("</section>").unwrap()].to_string()
    };
    let mut open = rows(&part("open"));
    open.sort();
    assert_eq!(open, [s.overdue, s.escalated, s.soon], "E01's open requests only");
    assert_eq!(rows(&part("recent")), [s.done_east], "and the one closed there");
    let people = &html[html.find("class=\"people\"").unwrap()..html.find("class=\"households\"").unwrap()];
    let (liaison, deputy) = (people.find("王芳").expect("the liaison"), people.find("李强").expect("the deputy"));
    assert!(liaison < deputy, "the liaison first: {people}");
    assert!(!people.contains("赵敏"), "the group leader is not the building's: {people}");
    assert!(html.contains("1 of 2 households registered"), "{html}");
    assert!(!html.contains("西苑漏水") && !html.contains(&link(s.west)), "another building's request: {html}");

    let east = seeded.authority(&mut tx, seeded.grid1).await;
    let west = seeded.authority(&mut tx, seeded.grid2).await;
    assert!(building::find(&mut tx, &west, "E01").await.unwrap().is_none(), "E01 is not the west grid's");
    assert!(building::find(&mut tx, &east, "W01").await.unwrap().is_none(), "W01 is not the east grid's");
    assert!(building::find(&mut tx, &west, "W01").await.unwrap().is_some());
    assert!(building::page(&mut tx, &west, &viewer, e01, &QueueQuery::default()).await.unwrap().is_none());
}

async fn exported_by(db: &TestDb, admin: PersonId) -> i64 {
    let query = "SELECT COUNT(*) FROM events WHERE kind = 'exported' AND actor_id = $1";
    if db.is_postgres() {
        let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
        sqlx::query_scalar(query).bind(admin.0).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(db.url()).await.unwrap();
        sqlx::query_scalar(query).bind(admin.0).fetch_one(&pool).await.unwrap()
    }
}

on_both_backends!(
    the_queues_sort_each_request_into_its_queue_and_a_grid_admin_sees_only_their_grid,
    a_queue_is_sorted_by_the_column_the_query_names,
    the_statistics_draw_a_bar_per_grid_and_estate_linked_to_its_requests,
    a_bar_lists_the_requests_it_counts_and_only_within_reach,
    the_people_page_shows_roles_reach_absence_and_load_and_makes_invitations,
    the_export_is_the_chat_export_for_community_admins_only,
    a_building_page_lists_its_own_requests_open_and_closed_its_liaisons_and_is_not_found_outside_reach,
);
