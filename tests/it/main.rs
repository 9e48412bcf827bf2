//! The integration tests, built as one binary: the store's contract on both
//! backends, the Bot API emulator's own checks, end-to-end runs of the real
//! `community-desk` binary against the emulator, and the crash test that kills
//! it again and again.

mod cards;
mod care;
mod checkin_use_cases;
mod checkins;
mod console;
mod console_edges;
mod crash;
mod demo;
mod dropped;
mod e2e;
mod emulator_shows_chats;
mod emulator_speaks_telegram;
mod erasure;
mod faults;
mod followers;
mod hostile;
mod households;
mod instances;
mod interactive_first;
mod loadgen;
mod media;
mod office;
mod office_pages;
mod open311;
mod replies;
mod reporters;
mod store;
mod support;
mod use_cases;
mod visits;
mod webhook;
mod workflow;
