//! Records: people, institutions (suspend and resume an agreement), the catalogue, policy versions (view, compare,
//! upload with validation errors shown), visits and settlements with filters, and their export to xlsx.

mod ledger;
mod lists;
mod policies;

use axum::Router;

use crate::App;

pub fn routes() -> Router<App> {
    lists::routes().merge(ledger::routes()).merge(policies::routes())
}
