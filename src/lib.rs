//! community-desk: the front desk of a residential community, as a Telegram bot.
//!
//! See `ARCHITECTURE.md` for the map of this crate.

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod emulator;
pub mod i18n;
pub mod media;
pub mod store;
pub mod telegram;
pub mod web;
pub mod work;
