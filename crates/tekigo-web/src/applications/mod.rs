//! Applications for a label (SCHEME §1: the vendor applies and declares conformity; the
//! certification body reviews and issues): the vendor's product page with its applications and
//! the upload of a signed declaration, its SBOM and evidence (`vendor.rs`), and the reviewer's
//! queue, one application with its automatic checks and declaration, the decision and the audit
//! trail (`review.rs`); after issue, the support period, the UK PSTI listing and the older
//! firmware still supported, with the staff's decisions on them (`after_issue.rs`).

mod after_issue;
mod declaration;
mod review;
mod vendor;

use axum::Router;

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().merge(vendor::routes()).merge(review::routes()).merge(after_issue::routes())
}
