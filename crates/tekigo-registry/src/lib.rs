//! The scheme's registry: organisations and accounts, products, applications and their automatic
//! checks, labels and their validity, lifecycle cases, incidents, the public reports desk,
//! surveillance, continuous vulnerability monitoring, the transparency log and CSAF advisories.
//!
//! # Layout
//!
//! - [`db`] is the shared layer: the [`Registry`] handle, connecting and migrating (SQLite, the
//!   default, or PostgreSQL, through one code path), [`RegistryError`], write transactions and
//!   the audit record. It names no domain.
//! - Each domain is a module holding its pure rules (no I/O) and its own storage: an
//!   `impl Registry` block that is the only place its SQL lives.
//!   - [`accounts`]: users, organisations, roles, sessions, log-in, API tokens, signing keys.
//!   - [`products`]: the products vendors register.
//!   - [`applications`]: submission, the automatic checks ([`applications::checks`]), the
//!     registry's vulnerability check ([`applications::vulnerability_check`]), approval.
//!   - [`labels`]: the label rules ([`labels::rules`]: numbers, validity, status) and the public
//!     reads (a label, search, the changes feed, counts).
//!   - [`cases`]: the lifecycle rules ([`cases::lifecycle`]) and the cases, notices and the
//!     calendar sweep that move them.
//!   - [`incidents`]: the classification and responsibility rules, and the incident register and
//!     committee agenda.
//!   - [`reports`]: the public reports desk.
//!   - [`surveillance`]: the yearly plan's draw (rules) and its cases and evaluations (storage).
//!   - [`monitoring`]: re-checking every label's SBOM as the vulnerability database changes.
//!   - [`transparency`]: the transparency log, the writer of every label event.
//!   - [`advisories`]: the CSAF advisories exported from monitoring's VEX.
//! - [`scheduled`] runs the hourly job (monitoring, advisories, the lifecycle sweep) in order.
//! - [`validate`] (names and contacts) and [`demo`] (sample data) stand apart.
//!
//! A module never names one that names it back (checked by tekigo-testkit's architecture test).

/// SQL built with `format!` from constants and numbers only, never from input (which is always
/// bound as a parameter); sqlx asks that such strings be marked.
macro_rules! safe {
    ($($arg:tt)*) => {
        sqlx::AssertSqlSafe(format!($($arg)*))
    };
}

pub mod accounts;
pub mod advisories;
pub mod applications;
pub mod cases;
pub mod db;
pub mod demo;
pub mod engagements;
pub mod evaluators;
pub mod fees;
pub mod incidents;
pub mod labels;
pub mod labs;
pub mod monitoring;
pub mod products;
pub mod releases;
pub mod reports;
pub mod scheduled;
pub mod support;
pub mod surveillance;
pub mod transparency;
pub mod validate;

pub use accounts::{ApiToken, AuditRecord, Role, TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, TokenCheck, TokenScope, User};
pub use applications::{Application, Upload};
pub use db::{Backend, Registry, RegistryError, default_url};
pub use labels::{Assurance, Label, Search, State, Status};
pub use products::{NewProduct, Product};
pub use scheduled::{HourlyJob, HourlyReport, Step, run_hourly};
pub use transparency::{LabelEvent, LogEntry};
