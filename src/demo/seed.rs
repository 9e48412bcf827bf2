//! The demo's first state: the example community, and a few people already
//! bound to their roles, as if each had opened the bot and shared their
//! phone — through the same use cases as the chat.

use anyhow::{Context, bail};

use crate::app::directory::{self, DirectoryFile};
use crate::domain::{BuildingCode, PersonId, Phone, Room, TelegramId};
use crate::store::{BindOutcome, DemoPerson, Store, Tx};

/// The example community's directory, in the binary, so that the demo runs
/// from any directory.
const UNITS: &[u8] = include_bytes!("../../examples/green-yangyuan/units.csv");
const PEOPLE: &[u8] = include_bytes!("../../examples/green-yangyuan/people.csv");

/// The building the demo's resident lives in, which the seeded volunteers
/// look after.
pub const HOME: &str = "E01";
const HOME_ROOM: &str = "301";

/// A demo person as seeded: who they are on Telegram, and the phone that
/// binds them (for everyone but the resident, the phone the directory lists
/// for their role).
struct Seeded {
    telegram_id: i64,
    name: &'static str,
    language: &'static str,
    part: &'static str,
    phone: &'static str,
}

/// The resident of E01, E01's liaison and deputy, the group leader of its
/// estate (绿杨东苑 of the first grid), the first grid's leader and an admin
/// of the community. Two speak English, to show that each chat follows its
/// person's language.
const SEEDED: [Seeded; 6] = [
    Seeded { telegram_id: 900_001, name: "李梅", language: "zh-CN", part: "resident", phone: "13800000001" },
    Seeded { telegram_id: 900_002, name: "戴春生", language: "zh-CN", part: "liaison", phone: "13662594117" },
    Seeded { telegram_id: 900_003, name: "龚桂英", language: "zh-CN", part: "deputy", phone: "15874962477" },
    Seeded { telegram_id: 900_004, name: "毛玉珍", language: "zh-CN", part: "group_leader", phone: "13912680976" },
    Seeded { telegram_id: 900_005, name: "Wan Jianhua", language: "en", part: "grid_leader", phone: "13907064667" },
    Seeded { telegram_id: 900_006, name: "Feng Lixin", language: "en", part: "admin", phone: "13693202221" },
];

/// The first Telegram id given to a person added on the page.
pub const FIRST_ADDED_ID: i64 = 900_100;

/// Seeds an empty, migrated database: marks the seed begun, imports the
/// directory, binds the demo people, and marks it done in the last
/// transaction.
pub async fn seed(store: &Store, now: i64) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    tx.begin_demo_seed().await?;
    tx.commit().await?;

    let files = vec![
        DirectoryFile { name: "units.csv".into(), bytes: UNITS.to_vec() },
        DirectoryFile { name: "people.csv".into(), bytes: PEOPLE.to_vec() },
    ];
    for report in directory::import(store, files, &[], now).await? {
        if let Err(errors) = report.outcome {
            let first = errors.first().map(ToString::to_string).unwrap_or_default();
            bail!("the example directory did not import: {first}");
        }
    }

    let mut tx = store.begin().await?;
    for person in &SEEDED {
        bind(&mut tx, person, now).await.with_context(|| format!("could not seed the demo {}", person.part))?;
    }
    tx.finish_demo_seed(now).await?;
    tx.commit().await?;
    Ok(())
}

async fn bind(tx: &mut Tx, seeded: &Seeded, now: i64) -> anyhow::Result<()> {
    let person = tx.touch_person(TelegramId(seeded.telegram_id), Some(seeded.name), Some(seeded.language), now).await?;
    let phone = Phone::parse(seeded.phone)?;
    if crate::app::people::bind_phone(tx, person.id, &phone, now).await? == BindOutcome::TakenByAnother {
        bail!("the phone is someone else's");
    }
    if seeded.part == "resident" {
        register_at_home(tx, person.id, now).await?;
    }
    let demo = DemoPerson {
        telegram_id: TelegramId(seeded.telegram_id),
        name: seeded.name.to_string(),
        language: seeded.language.to_string(),
        part: seeded.part.to_string(),
    };
    tx.add_demo_person(&demo, now).await?;
    Ok(())
}

async fn register_at_home(tx: &mut Tx, person: PersonId, now: i64) -> anyhow::Result<()> {
    let building = tx.building_by_code(&BuildingCode::parse(HOME)?).await?.context("E01 is not in the directory")?;
    let room = Room::parse(HOME_ROOM)?;
    crate::app::people::register(tx, person, building.id, Some(&room), now).await?;
    Ok(())
}

/// The phone a seeded demo person was bound with.
pub fn phone_of(telegram_id: i64) -> Option<String> {
    SEEDED.iter().find(|person| person.telegram_id == telegram_id).map(|person| person.phone.to_string())
}
