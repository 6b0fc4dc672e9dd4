//! Simulation for demos, benchmarks and crash tests: synthetic counties (`gen`) and the gateway load generator
//! (`loadtest`).

pub mod bulk_rows;
pub mod county;
pub mod his;
pub mod loadtest;
pub mod storebench;
pub mod year;
