//! community-desk: the front desk of a residential community, as a Telegram bot.
//!
//! See `ARCHITECTURE.md` for the map of this crate.

pub mod domain;
