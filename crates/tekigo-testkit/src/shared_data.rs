//! The larger public data set some tests read beside the repository: the whole Go OSV database,
//! the full CISA KEV catalogue, CSAF and SBOM examples. The repository carries small fixtures
//! cut from it, so a fresh clone tests everything without it; the tests that want the whole set
//! (to show that a fixture is representative, or to run at real scale) skip without it and say
//! so, unless `TEKIGO_REQUIRE_SHARED=1` makes its absence a failure (CI sets it).
//!
//! `TEKIGO_SHARED_DATA=DIR` points at the set; by default it is `../shared/data` beside the
//! clone. This file is included with `#[path]` by test crates that cannot depend on the testkit
//! (it depends on the registry, which depends on them).

use std::io::Write;
use std::path::PathBuf;

/// The path of `relative` inside the shared data set, or `None` (and a line on the real stderr,
/// which the test harness does not capture) when the set is not there.
#[allow(dead_code, unreachable_pub)]
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let root = match std::env::var_os("TEKIGO_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let path = root.join(relative);
    if path.exists() {
        return Some(path);
    }
    let required = std::env::var("TEKIGO_REQUIRE_SHARED").is_ok_and(|v| v == "1");
    assert!(!required, "{} is missing and TEKIGO_REQUIRE_SHARED=1: the shared data set is required", path.display());
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {} is not there (set TEKIGO_SHARED_DATA to the shared data set to run this test)",
        path.display()
    );
    None
}
