//! What the import targets share: one database and one input file for the whole run, in a
//! temporary folder (on /dev/shm when there is one).

use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

struct Place {
    _dir: tempfile::TempDir,
    input: PathBuf,
    db: tekigo_vuln::db::VulnDb,
}

static PLACE: LazyLock<Mutex<Place>> = LazyLock::new(|| {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.expect("a temporary folder");
    let db = tekigo_vuln::db::VulnDb::create_or_open(&dir.path().join("db")).expect("a database");
    Mutex::new(Place { input: dir.path().join("input"), db, _dir: dir })
});

/// Imports `head` + `data` as one file, as `tekigo vulndb import FILE` does.
pub fn import_one(data: &[u8], head: &[u8]) {
    let mut place = PLACE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut bytes = head.to_vec();
    bytes.extend_from_slice(data);
    std::fs::write(&place.input, &bytes).expect("the input is written");
    let input = place.input.clone();
    let _ = tekigo_vuln::import::import_paths(&mut place.db, &[input], &mut |_| {});
}
