//! The scheme's registry: organisations and accounts, products, applications and their automatic
//! checks, labels and their validity, the public search and the changes feed, and the audit trail.
//! Storage is SQLite (embedded, the default) or PostgreSQL, through one code path ([`store`]).
//! The rules ([`rules`], [`checks`]) do no I/O.

/// SQL built with `format!` from constants and numbers only, never from input (which is always
/// bound as a parameter); sqlx asks that such strings be marked.
macro_rules! safe {
    ($($arg:tt)*) => {
        sqlx::AssertSqlSafe(format!($($arg)*))
    };
}

pub mod cases;
pub mod checks;
pub mod csaf_export;
pub mod demo;
pub mod health;
pub mod incident_store;
pub mod incidents;
pub mod lifecycle;
pub mod monitor;
pub mod reports;
pub mod rules;
pub mod store;
pub mod surveillance;
pub mod transparency;
pub mod validate;
pub mod vulnerability_check;

pub use store::{Registry, RegistryError};
