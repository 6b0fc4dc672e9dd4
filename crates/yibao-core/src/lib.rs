//! Yibao's pure core: exact money, code dictionaries, policy packs, fee-line classification and the one-stop
//! settlement cascade with its explanation. No database, no network, no clock: the same input always gives the
//! same settlement.
//!
//! ```text
//! SettleRequest ──validate──▶ classify lines (catalogue) ──▶ cascade (layers) ──▶ account / cash ──▶ Settlement
//!                                                                                      │
//!                                          explain::render_zh ◀── LayerCalc (structured explanation)
//! ```

pub mod catalogue;
pub mod codes;
pub mod explain;
pub mod money;
pub mod output;
pub mod policy;
pub mod settlement;

pub use money::{Fen, Price, Qty, Ratio};
pub use policy::Policy;
pub use settlement::{SettleError, SettleRequest, Settlement, settle};
