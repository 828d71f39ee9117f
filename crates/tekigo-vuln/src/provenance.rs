//! Which database a check read: every source with its dates and size, a digest that names the
//! database's content, and the sources older than the policy allows.
//!
//! The digest is SHA-256 over the database's schema version, each source's name, data date and
//! item count, and every advisory record's source, ID and `modified` stamp, in that order
//! (`sha256:<hex>`). Two databases that hold the same advisories at the same revisions from
//! sources of the same dates have the same digest, wherever and whenever they were built; any
//! imported change to an advisory, or a new KEV or EPSS release, changes it. The import time is
//! left out: re-importing unchanged files does not change what a check reads. Hashing the rows
//! rather than the SQLite file is what keeps it cheap: the file holds indexes, free pages and
//! every range and CPE row, many times the size of the three short columns read here, and its
//! bytes change with page layout even when the content does not.
//!
//! One pass over the records still grows with the database, and a registry checks many SBOMs
//! against one database in a process. So the digest is remembered for the process, keyed by what
//! changes whenever an import changes anything: the folder, the schema version, the head of the
//! change journal (every record, KEV or EPSS change is journalled) and each source's row, import
//! time included. Reading that key costs two indexed reads.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use sha2::{Digest, Sha256};
use tekigo_base::Text;

use crate::db::{DbError, VulnDb};

/// The database behind a report.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// The database folder, as the check was given it.
    pub path: String,
    /// `sha256:<hex>`, see the module comment.
    pub digest: String,
    /// Advisory records (OSV, NVD, CSAF) the database holds.
    pub records: i64,
    pub sources: Vec<SourceProvenance>,
    /// The largest age a source may have before reports warn (the policy's `max_age_days`).
    pub max_age_days: u32,
    /// Sources older than that, as warnings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale: Vec<StaleSource>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceProvenance {
    pub name: String,
    /// When tekigo last imported from the source (UTC, RFC 3339).
    pub last_import: String,
    /// The newest date the source's data carries (record modified, catalog release, score date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_date: Option<String>,
    pub items: i64,
    /// Days from the data date (or, without one, the import) to the day of the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
}

/// A source whose data is older than the policy allows: a warning, never a failure.
#[derive(Debug, Clone, Serialize)]
pub struct StaleSource {
    pub source: String,
    pub age_days: i64,
    pub message: Text,
}

/// What changes whenever an import changes anything (see the module comment).
type StateKey = (String, i64, i64, Vec<(String, String, Option<String>, i64)>);

/// Digest and record count per database state, for this process.
static DIGESTS: Mutex<Option<HashMap<StateKey, (String, i64)>>> = Mutex::new(None);

fn day_of(stamp: &str) -> Option<jiff::civil::Date> {
    jiff::civil::Date::strptime("%Y-%m-%d", stamp.get(..10)?).ok()
}

impl VulnDb {
    /// The database's sources and digest, and which sources are older than `max_age_days` on
    /// `today`. Reads the `sources` table and the head of the change journal; the records only
    /// the first time this process sees the database in this state.
    pub fn provenance(&self, max_age_days: u32, today: jiff::civil::Date) -> Result<Provenance, DbError> {
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))?;
        let journal: i64 = self
            .conn
            .query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let mut sources = Vec::new();
        {
            let mut statement = self
                .conn
                .prepare_cached("SELECT name, last_import, data_date, items FROM sources ORDER BY name")
                .map_err(|e| self.err(e))?;
            let mut rows = statement.query([]).map_err(|e| self.err(e))?;
            while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                sources.push(SourceProvenance {
                    name: row.get(0).map_err(|e| self.err(e))?,
                    last_import: row.get(1).map_err(|e| self.err(e))?,
                    data_date: row.get(2).map_err(|e| self.err(e))?,
                    items: row.get(3).map_err(|e| self.err(e))?,
                    age_days: None,
                });
            }
        }
        let key: StateKey = (
            self.dir().display().to_string(),
            version,
            journal,
            sources.iter().map(|s| (s.name.clone(), s.last_import.clone(), s.data_date.clone(), s.items)).collect(),
        );
        let known = DIGESTS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .and_then(|digests| digests.get(&key).cloned());
        let (digest, records) = match known {
            Some(known) => known,
            None => {
                let computed = self.content_digest(version, &sources)?;
                DIGESTS
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert_with(HashMap::new)
                    .insert(key, computed.clone());
                computed
            }
        };

        let mut stale = Vec::new();
        for source in &mut sources {
            let Some(dated) = source.data_date.as_deref().and_then(day_of).or_else(|| day_of(&source.last_import))
            else {
                continue;
            };
            let age = today.since(dated).map_or(0, |span| i64::from(span.get_days()));
            source.age_days = Some(age);
            if age > i64::from(max_age_days) {
                stale.push(StaleSource {
                    source: source.name.clone(),
                    age_days: age,
                    message: Text::new(
                        format!(
                            "the {} data is {age} days old (newest entry {dated}), more than the {max_age_days} days allowed: run `tekigo vulndb update`",
                            source.name
                        ),
                        format!(
                            "{} のデータは {age} 日前のもの（最新の項目 {dated}）で、許容の {max_age_days} 日を超えています: `tekigo vulndb update` を実行してください",
                            source.name
                        ),
                    ),
                });
            }
        }
        Ok(Provenance { path: self.dir().display().to_string(), digest, records, sources, max_age_days, stale })
    }
}

impl VulnDb {
    /// `sha256:<hex>` over the content (see the module comment), and the number of records.
    fn content_digest(&self, version: i64, sources: &[SourceProvenance]) -> Result<(String, i64), DbError> {
        let mut hasher = Sha256::new();
        let field = |hasher: &mut Sha256, value: &[u8]| {
            hasher.update(value);
            hasher.update([0u8]);
        };
        field(&mut hasher, format!("tekigo-vulndb/{version}").as_bytes());
        for source in sources {
            field(&mut hasher, source.name.as_bytes());
            field(&mut hasher, source.data_date.as_deref().unwrap_or_default().as_bytes());
            field(&mut hasher, source.items.to_string().as_bytes());
        }
        field(&mut hasher, b"records");
        // The primary key's order is (source, record_id): reading in it needs no sort.
        let mut records = 0i64;
        let mut statement = self
            .conn
            .prepare_cached("SELECT source, record_id, modified FROM records ORDER BY source, record_id")
            .map_err(|e| self.err(e))?;
        let mut rows = statement.query([]).map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            for column in 0..3 {
                let value = row.get_ref(column).map_err(|e| self.err(e))?;
                field(&mut hasher, value.as_bytes().unwrap_or_default());
            }
            records += 1;
        }
        let hex: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok((format!("sha256:{hex}"), records))
    }

    /// Whether the database holds any advisory record: without one a check has nothing to match.
    pub fn holds_advisories(&self) -> Result<bool, DbError> {
        self.conn.query_row("SELECT EXISTS (SELECT 1 FROM records)", [], |r| r.get(0)).map_err(|e| self.err(e))
    }
}
