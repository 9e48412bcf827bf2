//! The admin console: people, service levels, imports and exports, notices
//! to residents, and oversight of open requests.

pub mod admin;
pub mod import;
pub mod notices;
pub mod oversight;
pub mod progress;
pub mod reporter_rules;
pub mod web;
