//! Accounts: who may do what. Vendor sign-up, log-in and log-out (`login.rs`); the vendor's own
//! page (`/vendor`, `vendor.rs`), where its products are registered, its signing keys and its API
//! tokens kept, and the certification body's messages read; the admin's page for staff accounts
//! (`/admin/staff`, `staff.rs`). The session, token and CSRF rules themselves are `http::auth`'s.

mod login;
mod staff;
mod vendor;

use axum::Router;

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().merge(login::routes()).merge(staff::routes()).merge(vendor::routes())
}
