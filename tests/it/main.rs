//! The integration tests, built as one binary: the store's contract on both
//! backends, the Bot API double's own checks, and end-to-end runs of the real
//! `community-desk` binary against the double.

mod double_speaks_telegram;
mod e2e;
mod store;
mod support;
