//! Shared support code for the end-to-end tests: a Telegram Bot API double,
//! a handle on the real bot process, throwaway databases, and a desk that
//! puts the three together.

// Each test module uses a different subset of these helpers, so unused ones
// are expected in any single build.
#![allow(dead_code)]

pub mod db;
pub mod desk;
pub mod double;
pub mod process;
