pub mod body;
pub mod export;
pub mod people;
pub mod queues;
pub mod stats;
