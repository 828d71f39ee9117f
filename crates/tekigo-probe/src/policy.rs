//! The check catalogue and the per-level policies, as data (`data/checks.toml`,
//! `data/policy-jc-star-*.toml`): which requirements each kind of finding bears on, and which
//! kinds fail at a level. Filled in by the probe's checks.
