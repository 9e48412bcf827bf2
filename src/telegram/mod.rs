//! The Telegram edge. `delivery` carries updates in and messages out; the
//! conversations live by who has them: `resident`, `responder`, `office`.
//! What several of them use sits here: button data, dialogue state, labels,
//! dates, command menus and messages to other people. Nothing outside this
//! module knows about teloxide.

pub mod callback;
pub mod checkin;
pub mod dates;
pub mod delivery;
pub mod dialogue;
pub mod escalation;
pub mod followers;
pub mod handlers;
pub mod menus;
pub mod notify;
pub mod office;
pub mod render;
pub mod resident;
pub mod responder;
