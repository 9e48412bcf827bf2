//! What responders do: keep cards true, act on a request, list their tasks,
//! go away and come back.

pub mod actions;
pub mod cards;
