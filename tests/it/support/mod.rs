//! Shared support code for the end-to-end tests: a Telegram Bot API double,
//! a handle on the real bot process, and throwaway databases.

// Each test module uses a different subset of these helpers, so unused ones
// are expected in any single build.
#![allow(dead_code)]

pub mod db;
pub mod double;
pub mod process;
