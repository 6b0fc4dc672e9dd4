//! Fund supervision (基金监管): a region's rule library as data, 事前/事中 screening of one visit (the national
//! 3101/3102 service) and 事后 review of a year of settlements. Pure: no database, no network, no clock.
//!
//! ```text
//! rule pack (TOML + knowledge CSV/xlsx) ──load/check──▶ RulePack
//!   3101/3102 request ──fsi──▶ Encounter ──screen::evaluate──▶ Finding ──fsi──▶ result[]
//!   ledger shards (Registry + Shard) ──review::review──▶ Case (person, institution, settlements, amount, evidence)
//! ```

pub mod encounter;
pub mod evidence;
pub mod finding;
pub mod fsi;
pub mod knowledge;
pub mod review;
pub mod rules;
pub mod screen;
pub mod synth;
pub mod templates;

pub use encounter::{Encounter, Line, PastDispense, Person, RegisteredDisease, Visit};
pub use finding::{Case, Finding, FindingLine, LineRole, RuleInfo};
pub use review::{Report, Review, ReviewOptions, review};
pub use rules::{Rule, RuleErrors, RulePack};
pub use screen::{Selection, evaluate, evaluate_selected};
pub use templates::TemplateKind;
