//! `--policy FILE`: per-check verdicts that override the catalogue's, in the catalogue's own
//! verdicts format:
//!
//! ```toml
//! [verdicts]
//! telnet-open = { "1" = "warn", "2" = "fail" }
//! ```
//!
//! Levels left out keep the catalogue's verdict. Unknown check ids, levels or verdicts are errors.
