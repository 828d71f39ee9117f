//! The offline vulnerability database: one SQLite file in a folder. It holds what was imported,
//! record by record and source by source, so imports are incremental and can be re-run, and a
//! check reads only the rows for the packages an SBOM names.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

pub const DB_FILE: &str = "vulndb.sqlite";

/// Raise with every change to `SCHEMA`; an older database is rebuilt from a new import.
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS groups (
    id          INTEGER PRIMARY KEY,
    display_id  TEXT NOT NULL
);
-- Every identifier (CVE, GHSA, GO-, PYSEC-, ...) points to one vulnerability group.
CREATE TABLE IF NOT EXISTS aliases (
    alias     TEXT PRIMARY KEY,
    group_id  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS aliases_group ON aliases(group_id);
-- One row per imported advisory record, per source.
CREATE TABLE IF NOT EXISTS records (
    source     TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    group_id   INTEGER NOT NULL,
    modified   TEXT NOT NULL,
    published  TEXT,
    summary    TEXT,
    PRIMARY KEY (source, record_id)
);
CREATE INDEX IF NOT EXISTS records_group ON records(group_id);
CREATE TABLE IF NOT EXISTS affected_packages (
    group_id     INTEGER NOT NULL,
    source       TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    package_key  TEXT NOT NULL,
    ecosystem    TEXT NOT NULL,
    ranges       TEXT NOT NULL,
    versions     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS affected_packages_key ON affected_packages(package_key);
CREATE INDEX IF NOT EXISTS affected_packages_record ON affected_packages(source, record_id);
CREATE TABLE IF NOT EXISTS affected_cpes (
    group_id         INTEGER NOT NULL,
    source           TEXT NOT NULL,
    record_id        TEXT NOT NULL,
    vendor           TEXT NOT NULL,
    product          TEXT NOT NULL,
    criteria         TEXT NOT NULL,
    version          TEXT NOT NULL,
    start_including  TEXT,
    start_excluding  TEXT,
    end_including    TEXT,
    end_excluding    TEXT,
    running_on       TEXT
);
CREATE INDEX IF NOT EXISTS affected_cpes_product ON affected_cpes(product, vendor);
CREATE INDEX IF NOT EXISTS affected_cpes_record ON affected_cpes(source, record_id);
CREATE TABLE IF NOT EXISTS severities (
    group_id   INTEGER NOT NULL,
    source     TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    vector     TEXT,
    score      REAL,
    origin     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS severities_group ON severities(group_id);
CREATE INDEX IF NOT EXISTS severities_record ON severities(source, record_id);
CREATE TABLE IF NOT EXISTS exploited (
    group_id   INTEGER NOT NULL,
    source     TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS exploited_group ON exploited(group_id);
CREATE TABLE IF NOT EXISTS kev (
    cve         TEXT PRIMARY KEY,
    date_added  TEXT NOT NULL,
    due_date    TEXT,
    ransomware  TEXT,
    name        TEXT
);
CREATE TABLE IF NOT EXISTS epss (
    cve         TEXT PRIMARY KEY,
    score       REAL NOT NULL,
    percentile  REAL
);
-- The journal of what imports changed, one row per vulnerability group touched, so a registry
-- re-checks only the components those groups name (schema 2).
CREATE TABLE IF NOT EXISTS changes (
    seq       INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    name         TEXT PRIMARY KEY,
    last_import  TEXT NOT NULL,
    data_date    TEXT,
    items        INTEGER NOT NULL
);
";

/// What `vulndb update` needs from its last run, per feed URL: the validators for a conditional
/// request, and for the NVD the end of the last completed `lastModified` window. Added beside the
/// other tables without a format change: an older database gains it when opened for writing.
const FETCH_STATE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS fetch_state (
    feed           TEXT PRIMARY KEY,
    source         TEXT NOT NULL,
    url            TEXT NOT NULL,
    etag           TEXT,
    last_modified  TEXT,
    cursor         TEXT,
    fetched_at     TEXT NOT NULL
);
";

/// What the imports after a point of the journal touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The last journal entry read: the next call starts after it.
    pub last: i64,
    /// Index keys of what the touched vulnerabilities affect.
    pub keys: Vec<String>,
    /// The touched vulnerabilities' IDs and aliases (a component that had a finding under one of
    /// them is re-checked even when the advisory no longer names its package).
    pub ids: Vec<String>,
}

/// The keys under which a registry indexes a component, matching [`VulnDb::changes_since`]:
/// its package (from the purl), every CPE product, and, with neither, its name as a CPE product
/// (the check matches such components by name).
pub fn component_index_keys(component: &tekigo_sbom::Component) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(package) = component.purl.as_deref().and_then(crate::package::parse_purl) {
        keys.push(format!("pkg:{}", package.key.0));
    }
    for cpe in &component.cpes {
        if let Some(name) = crate::cpe::parse(cpe) {
            keys.push(format!("cpe:{}", name.product));
        }
    }
    if component.purl.is_none() && component.cpes.is_empty() {
        keys.push(format!("cpe:{}", component.name.to_lowercase().replace(' ', "_")));
    }
    keys.sort();
    keys.dedup();
    keys
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "no vulnerability database in {0}: build one with `tekigo vulndb update --db {0}` (or `tekigo vulndb import --db {0} PATH...`)"
    )]
    Missing(String),
    #[error(
        "the vulnerability database in {0} holds no advisories, so a check would find nothing: fill it with `tekigo vulndb update --db {0}` (or `tekigo vulndb import --db {0} PATH...`)"
    )]
    Empty(String),
    #[error(
        "the vulnerability database in {dir} has format {found}, this tekigo reads format {expected}: import again into a new folder"
    )]
    Version { dir: String, found: i64, expected: i64 },
    #[error("cannot create {0}: {1}")]
    Create(String, std::io::Error),
    #[error("vulnerability database {0}: {1}")]
    Sqlite(String, rusqlite::Error),
}

pub struct VulnDb {
    pub(crate) conn: Connection,
    dir: PathBuf,
    path: PathBuf,
}

impl VulnDb {
    /// Opens the database in `dir`, creating the folder and the schema when missing.
    pub fn create_or_open(dir: &Path) -> Result<Self, DbError> {
        std::fs::create_dir_all(dir).map_err(|e| DbError::Create(dir.display().to_string(), e))?;
        Self::open_file(dir, &dir.join(DB_FILE), true)
    }

    /// Opens an existing database for reading.
    pub fn open(dir: &Path) -> Result<Self, DbError> {
        if !Self::exists(dir) {
            return Err(DbError::Missing(dir.display().to_string()));
        }
        Self::open_file(dir, &dir.join(DB_FILE), false)
    }

    /// Whether `dir` holds a database file.
    pub fn exists(dir: &Path) -> bool {
        dir.join(DB_FILE).is_file()
    }

    fn open_file(dir: &Path, path: &Path, create: bool) -> Result<Self, DbError> {
        let name = path.display().to_string();
        let wrap = |e| DbError::Sqlite(name.clone(), e);
        let conn = Connection::open(path).map_err(wrap)?;
        // WAL lets a check read while an import writes; the busy timeout rides out short locks.
        // Memory-mapped reads spare a copy per page; a larger cache keeps index pages across a check.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
             PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
        )
        .map_err(wrap)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(wrap)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(wrap)?;
        let has_tables: bool = conn
            .query_row("SELECT count(*) > 0 FROM sqlite_master WHERE name = 'groups'", [], |row| row.get(0))
            .map_err(wrap)?;
        if has_tables && version == 1 && create {
            // Schema 2 only adds the change journal: older databases gain it in place.
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, group_id INTEGER NOT NULL); PRAGMA user_version = 2;",
            )
            .map_err(wrap)?;
        } else if has_tables && version != SCHEMA_VERSION {
            return Err(DbError::Version { dir: dir.display().to_string(), found: version, expected: SCHEMA_VERSION });
        }
        if !has_tables {
            if !create {
                return Err(DbError::Missing(dir.display().to_string()));
            }
            conn.execute_batch(SCHEMA).map_err(wrap)?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(wrap)?;
        }
        if create {
            conn.execute_batch(FETCH_STATE_SCHEMA).map_err(wrap)?;
        }
        Ok(VulnDb { conn, dir: dir.to_owned(), path: path.to_owned() })
    }

    /// What the last `vulndb update` recorded for `feed`; None before the first.
    pub fn fetch_state(&self, feed: &str) -> Result<Option<FetchState>, DbError> {
        let has_table: bool = self
            .conn
            .query_row("SELECT count(*) > 0 FROM sqlite_master WHERE name = 'fetch_state'", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if !has_table {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT feed, source, url, etag, last_modified, cursor, fetched_at FROM fetch_state WHERE feed = ?1",
                params![feed],
                |r| {
                    Ok(FetchState {
                        feed: r.get(0)?,
                        source: r.get(1)?,
                        url: r.get(2)?,
                        etag: r.get(3)?,
                        last_modified: r.get(4)?,
                        cursor: r.get(5)?,
                        fetched_at: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Records what a successful fetch of `state.feed` needs next time.
    pub fn set_fetch_state(&self, state: &FetchState) -> Result<(), DbError> {
        self.conn
            .execute(
                "INSERT INTO fetch_state (feed, source, url, etag, last_modified, cursor, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (feed) DO UPDATE SET source = ?2, url = ?3, etag = ?4, last_modified = ?5,
                     cursor = ?6, fetched_at = ?7",
                params![
                    state.feed,
                    state.source,
                    state.url,
                    state.etag,
                    state.last_modified,
                    state.cursor,
                    state.fetched_at
                ],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The last entry of the change journal (0 when empty): where a registry that has seen
    /// everything so far starts reading.
    pub fn last_change(&self) -> Result<i64, DbError> {
        self.conn.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    /// What changed after journal entry `since`: the index keys of every package and CPE product
    /// the touched vulnerabilities name (`pkg:<package key>`, `cpe:<product>`, see
    /// [`component_index_keys`]), their IDs and aliases, and the last entry read.
    pub fn changes_since(&self, since: i64) -> Result<Changes, DbError> {
        let last = self.last_change()?;
        let mut keys = std::collections::BTreeSet::new();
        let mut ids = std::collections::BTreeSet::new();
        let query = |sql: &str, prefix: &str, out: &mut std::collections::BTreeSet<String>| -> Result<(), DbError> {
            let mut statement = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
            let rows = statement.query_map(params![since, last], |r| r.get::<_, String>(0)).map_err(|e| self.err(e))?;
            for row in rows {
                out.insert(format!("{prefix}{}", row.map_err(|e| self.err(e))?));
            }
            Ok(())
        };
        let touched = "SELECT DISTINCT group_id FROM changes WHERE seq > ?1 AND seq <= ?2";
        query(
            &format!("SELECT DISTINCT package_key FROM affected_packages WHERE group_id IN ({touched})"),
            "pkg:",
            &mut keys,
        )?;
        query(&format!("SELECT DISTINCT product FROM affected_cpes WHERE group_id IN ({touched})"), "cpe:", &mut keys)?;
        query(&format!("SELECT alias FROM aliases WHERE group_id IN ({touched})"), "", &mut ids)?;
        query(&format!("SELECT display_id FROM groups WHERE id IN ({touched})"), "", &mut ids)?;
        Ok(Changes { last, keys: keys.into_iter().collect(), ids: ids.into_iter().collect() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn err(&self, error: rusqlite::Error) -> DbError {
        DbError::Sqlite(self.path.display().to_string(), error)
    }

    /// What the database holds and how old each source is.
    pub fn stats(&self) -> Result<Stats, DbError> {
        let count =
            |sql: &str| -> Result<i64, DbError> { self.conn.query_row(sql, [], |r| r.get(0)).map_err(|e| self.err(e)) };
        let mut statement = self
            .conn
            .prepare("SELECT name, last_import, data_date, items FROM sources ORDER BY name")
            .map_err(|e| self.err(e))?;
        let sources = statement
            .query_map([], |row| {
                Ok(SourceStats {
                    name: row.get(0)?,
                    last_import: row.get(1)?,
                    data_date: row.get(2)?,
                    items: row.get(3)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.err(e))?;
        Ok(Stats {
            vulnerabilities: count("SELECT count(*) FROM groups")?,
            aliases: count("SELECT count(*) FROM aliases")?,
            records: count("SELECT count(*) FROM records")?,
            affected_packages: count("SELECT count(*) FROM affected_packages")?,
            affected_cpes: count("SELECT count(*) FROM affected_cpes")?,
            kev: count("SELECT count(*) FROM kev")?,
            epss: count("SELECT count(*) FROM epss")?,
            sources,
        })
    }

    /// The group an identifier belongs to, if any.
    pub fn group_of(&self, id: &str) -> Result<Option<i64>, DbError> {
        self.conn
            .query_row("SELECT group_id FROM aliases WHERE alias = ?1", params![id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// One feed's state after the last successful `vulndb update` (table `fetch_state`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FetchState {
    /// The feed's name: `osv:Go`, `nvd`, `kev`, `epss`.
    pub feed: String,
    /// The `sources` row the feed fills (`osv`, `nvd`, `kev`, `epss`).
    pub source: String,
    pub url: String,
    /// The validators of the last full download, sent back as `If-None-Match` and
    /// `If-Modified-Since`.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The NVD: the `lastModEndDate` of the last completed run, where the next one starts.
    pub cursor: Option<String>,
    /// When the feed was last fetched (UTC, RFC 3339).
    pub fetched_at: String,
}

/// A working copy of the database beside it, for an update that must be all or nothing: every
/// change goes to the copy, and [`StagedDb::commit`] renames it over the database. Dropped
/// without a commit, the copy is deleted and the database (or its absence) is as it was; a folder
/// the stage made is removed again.
pub struct StagedDb {
    db: Option<VulnDb>,
    staging: PathBuf,
    target: PathBuf,
    made_dir: Option<PathBuf>,
}

impl StagedDb {
    /// Copies the database in `dir` (or starts an empty one) to a working file in `dir`.
    pub fn begin(dir: &Path) -> Result<Self, DbError> {
        let made_dir = if dir.is_dir() {
            None
        } else {
            std::fs::create_dir_all(dir).map_err(|e| DbError::Create(dir.display().to_string(), e))?;
            Some(dir.to_owned())
        };
        let target = dir.join(DB_FILE);
        let staging = dir.join(format!("{DB_FILE}.staging-{}", std::process::id()));
        let mut stage = StagedDb { db: None, staging, target, made_dir };
        remove_database_files(&stage.staging);
        if stage.target.is_file() {
            let name = stage.target.display().to_string();
            let source = Connection::open_with_flags(&stage.target, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| DbError::Sqlite(name.clone(), e))?;
            source.busy_timeout(std::time::Duration::from_secs(30)).map_err(|e| DbError::Sqlite(name.clone(), e))?;
            // VACUUM INTO writes one consistent file, whatever the WAL still holds.
            source
                .execute("VACUUM INTO ?1", params![stage.staging.display().to_string()])
                .map_err(|e| DbError::Sqlite(name, e))?;
        }
        stage.db = Some(VulnDb::open_file(dir, &stage.staging, true)?);
        Ok(stage)
    }

    pub fn db(&mut self) -> &mut VulnDb {
        self.db.as_mut().expect("a stage holds its database until commit")
    }

    /// Puts the working copy in place of the database, in one rename.
    pub fn commit(mut self) -> Result<(), DbError> {
        let db = self.db.take().expect("a stage holds its database until commit");
        let staging_name = self.staging.display().to_string();
        let wrap = |e| DbError::Sqlite(staging_name.clone(), e);
        // Leaving WAL mode folds the log into the file: the renamed file is complete by itself.
        db.conn.execute_batch("PRAGMA journal_mode = DELETE").map_err(wrap)?;
        db.conn.close().map_err(|(_, e)| wrap(e))?;
        let io = |e: std::io::Error| DbError::Create(self.staging.display().to_string(), e);
        std::fs::File::open(&self.staging).and_then(|f| f.sync_all()).map_err(io)?;
        if self.target.is_file() {
            // SQLite replays a `-wal` file beside a database on open: the old database's log must be
            // empty before another file takes its name.
            let name = self.target.display().to_string();
            let old = Connection::open(&self.target).map_err(|e| DbError::Sqlite(name.clone(), e))?;
            old.busy_timeout(std::time::Duration::from_secs(30)).map_err(|e| DbError::Sqlite(name.clone(), e))?;
            let busy: i64 = old
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
                .map_err(|e| DbError::Sqlite(name.clone(), e))?;
            if busy != 0 {
                return Err(DbError::Sqlite(
                    name,
                    rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                        Some("another process holds the database open for reading: try again".into()),
                    ),
                ));
            }
            old.close().map_err(|(_, e)| DbError::Sqlite(name, e))?;
        }
        std::fs::rename(&self.staging, &self.target).map_err(io)?;
        if let Some(dir) = self.target.parent() {
            // The rename is durable once the folder is written.
            let _ = std::fs::File::open(dir).and_then(|f| f.sync_all());
        }
        self.made_dir = None;
        Ok(())
    }
}

impl Drop for StagedDb {
    fn drop(&mut self) {
        if self.db.take().is_some() || self.staging.exists() {
            remove_database_files(&self.staging);
        }
        if let Some(dir) = &self.made_dir {
            // Only when empty: anything else there is not ours to delete.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

fn remove_database_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub vulnerabilities: i64,
    pub aliases: i64,
    pub records: i64,
    pub affected_packages: i64,
    pub affected_cpes: i64,
    pub kev: i64,
    pub epss: i64,
    pub sources: Vec<SourceStats>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceStats {
    pub name: String,
    /// When tekigo last imported from the source (UTC, RFC 3339).
    pub last_import: String,
    /// The newest date the source's data carries (record modified, catalog release, score date).
    pub data_date: Option<String>,
    pub items: i64,
}
