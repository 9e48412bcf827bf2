//! What residents do: register, report, follow their requests, reply.

pub mod replies;
