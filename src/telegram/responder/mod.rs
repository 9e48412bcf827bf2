//! What responders do: act on a request from its card, keep every card of
//! it true, list their tasks, go away and come back.

pub mod actions;
pub mod cards;
pub mod care;
pub mod checkin;
pub mod tasks;
