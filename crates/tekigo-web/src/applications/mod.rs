//! Applications for a label (SCHEME §1: the vendor applies and declares conformity; the
//! certification body reviews and issues): the vendor's product page with its applications and
//! the upload of a signed declaration, its SBOM and evidence (`vendor.rs`), and the reviewer's
//! queue, one application with its automatic checks and declaration, the decision and the audit
//! trail (`review.rs`).

mod declaration;
mod review;
mod vendor;

use axum::Router;

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().merge(vendor::routes()).merge(review::routes())
}
