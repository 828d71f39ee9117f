//! The scheme's registry: organisations and accounts, products, applications and their automatic
//! checks, labels and their validity, the public search and the changes feed, and the audit trail.
//! Storage is SQLite (embedded, the default) or PostgreSQL, through one code path ([`store`]).
//! The rules ([`rules`], [`checks`]) do no I/O.

pub mod checks;
pub mod demo;
pub mod rules;
pub mod store;

pub use store::{Registry, RegistryError};
