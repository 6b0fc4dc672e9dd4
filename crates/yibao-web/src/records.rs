//! Records: people, institutions (suspend and resume an agreement), the catalogue, policy versions (view, compare,
//! upload with validation errors shown), visits and settlements with filters, and their export to xlsx.

mod lists;
mod policies;

pub use lists::routes as list_routes;

use axum::Router;

use crate::App;

pub fn routes() -> Router<App> {
    lists::routes().merge(policies::routes())
}
