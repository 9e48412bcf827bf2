//! What residents do: register, report, follow their requests, reply to
//! the people handling them, and see or erase what the desk keeps.

pub mod checkin;
pub mod privacy;
pub mod registration;
pub mod replies;
pub mod report;
pub mod requests;
