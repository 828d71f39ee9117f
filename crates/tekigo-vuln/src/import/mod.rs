//! `tekigo vulndb import`: recognise each input by its content, and write it into the database in
//! one transaction. A malformed file aborts the import with its name and position, and nothing of
//! that run is kept; a re-run skips records whose `modified` stamp has not changed.
//!
//! Why this file is long: one import is one transaction (recognise each input, the skip rules, the
//! write), read best as one sequence; the per-format readers are the sibling modules.

mod csaf;
mod epss;
mod kev;
mod nvd;
mod osv;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::db::{DbError, StagedDb, VulnDb};

/// Largest single input read (an NVD yearly feed is a few hundred MiB at most).
pub const MAX_INPUT_BYTES: u64 = 2 << 30;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{origin}: {message}")]
    Input { origin: String, message: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ImportError {
    pub(crate) fn input(origin: &str, message: impl Into<String>) -> Self {
        ImportError::Input { origin: origin.to_owned(), message: message.into() }
    }

    /// A JSON error with the line and column serde_json reports.
    pub(crate) fn json(origin: &str, error: &serde_json::Error) -> Self {
        ImportError::Input {
            origin: format!("{origin}:{}:{}", error.line(), error.column()),
            message: format!("not valid {}: {error}", "JSON"),
        }
    }
}

/// What one import did, per source.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    pub files: usize,
    pub sources: BTreeMap<String, SourceSummary>,
    /// Files in the folders and archives given that were not read, each with why.
    pub skipped_files: Vec<SkippedFile>,
}

/// A file an import passed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
}

/// The file names an import reads in folders; others are named as skipped.
const READ_EXTENSIONS: &[&str] = &["json", "yaml", "yml", "csv", "gz", "zip"];

#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceSummary {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Records read but not usable (withdrawn, or naming nothing we can match).
    pub skipped: usize,
    pub data_date: Option<String>,
}

/// Progress of an import, for a progress bar.
#[derive(Debug, Clone)]
pub enum Progress {
    Started { files: usize },
    File { done: usize, origin: String },
}

/// One advisory record, as every source is reduced to before it is written.
#[derive(Debug, Default)]
pub(crate) struct Record {
    pub source: &'static str,
    pub record_id: String,
    pub modified: String,
    pub published: Option<String>,
    pub summary: Option<String>,
    /// The record's own ID and its aliases: all name the same vulnerability.
    pub ids: Vec<String>,
    pub packages: Vec<PackageRow>,
    pub cpes: Vec<CpeRow>,
    pub severities: Vec<SeverityRow>,
    pub exploited: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct PackageRow {
    pub key: String,
    pub ecosystem: String,
    /// OSV `ranges`, as JSON.
    pub ranges: String,
    /// Explicitly listed affected versions, as a JSON array.
    pub versions: String,
}

#[derive(Debug, Default)]
pub(crate) struct CpeRow {
    pub vendor: String,
    pub product: String,
    pub criteria: String,
    pub version: String,
    pub start_including: Option<String>,
    pub start_excluding: Option<String>,
    pub end_including: Option<String>,
    pub end_excluding: Option<String>,
    /// The platform a configuration requires besides the vulnerable product ("running on").
    pub running_on: Option<String>,
}

#[derive(Debug)]
pub(crate) struct SeverityRow {
    /// `CVSS_V3`, `CVSS_V4` or `CVSS_V2`.
    pub kind: String,
    pub vector: Option<String>,
    pub score: Option<f64>,
    /// Who scored it: `nvd:Primary`, `cna:Secondary`, `osv`, `csaf`.
    pub origin: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

/// Writes records into one open transaction.
pub(crate) struct Writer<'a> {
    tx: Transaction<'a>,
    pub summary: ImportSummary,
    now: String,
}

fn display_id(ids: &[String]) -> String {
    // A CVE ID is what most people search for; otherwise keep the first ID given.
    ids.iter().filter(|id| id.starts_with("CVE-")).min().or_else(|| ids.first()).cloned().unwrap_or_default()
}

impl Writer<'_> {
    pub(crate) fn source(&mut self, name: &str) -> &mut SourceSummary {
        self.summary.sources.entry(name.to_owned()).or_default()
    }

    pub(crate) fn note_data_date(&mut self, source: &str, date: &str) {
        let entry = self.source(source);
        if entry.data_date.as_deref().is_none_or(|d| d < date) {
            entry.data_date = Some(date.to_owned());
        }
    }

    pub(crate) fn skip(&mut self, source: &str) {
        self.source(source).skipped += 1;
    }

    /// Inserts or replaces one record, merging its IDs into one vulnerability.
    pub(crate) fn record(&mut self, record: Record) -> rusqlite::Result<Outcome> {
        let tx = &self.tx;
        let existing: Option<String> = tx
            .prepare_cached("SELECT modified FROM records WHERE source = ?1 AND record_id = ?2")?
            .query_row(params![record.source, record.record_id], |r| r.get(0))
            .optional()?;
        let outcome = match &existing {
            Some(modified) if *modified == record.modified => {
                self.source(record.source).unchanged += 1;
                return Ok(Outcome::Unchanged);
            }
            Some(_) => Outcome::Updated,
            None => Outcome::Inserted,
        };
        if existing.is_some() {
            for table in ["affected_packages", "affected_cpes", "severities", "exploited"] {
                tx.prepare_cached(&format!("DELETE FROM {table} WHERE source = ?1 AND record_id = ?2"))?
                    .execute(params![record.source, record.record_id])?;
            }
        }
        let group = self.merge_group(&record.ids)?;
        self.insert_rows(group, &record)?;
        self.tx.prepare_cached("INSERT INTO changes (group_id) VALUES (?1)")?.execute(params![group])?;
        let summary = self.source(record.source);
        match outcome {
            Outcome::Inserted => summary.inserted += 1,
            Outcome::Updated => summary.updated += 1,
            Outcome::Unchanged => {}
        }
        // Some feeds leave `modified` at year 1 (Go's vulndb): the publication date says more then.
        let stamp = [Some(&record.modified), record.published.as_ref()]
            .into_iter()
            .flatten()
            .filter(|d| !d.is_empty() && !d.starts_with("0001"))
            .max()
            .cloned();
        if let Some(stamp) = stamp {
            self.note_data_date(record.source, &stamp);
        }
        Ok(outcome)
    }

    fn insert_rows(&self, group: i64, record: &Record) -> rusqlite::Result<()> {
        let tx = &self.tx;
        tx.prepare_cached(
            "INSERT INTO records (source, record_id, group_id, modified, published, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (source, record_id) DO UPDATE SET group_id = ?3, modified = ?4, published = ?5, summary = ?6",
        )?
        .execute(params![record.source, record.record_id, group, record.modified, record.published, record.summary])?;
        let mut insert_package = tx.prepare_cached(
            "INSERT INTO affected_packages (group_id, source, record_id, package_key, ecosystem, ranges, versions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for package in &record.packages {
            insert_package.execute(params![
                group,
                record.source,
                record.record_id,
                package.key,
                package.ecosystem,
                package.ranges,
                package.versions
            ])?;
        }
        let mut insert_cpe = tx.prepare_cached(
            "INSERT INTO affected_cpes (group_id, source, record_id, vendor, product, criteria, version, start_including, start_excluding, end_including, end_excluding, running_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for cpe in &record.cpes {
            insert_cpe.execute(params![
                group,
                record.source,
                record.record_id,
                cpe.vendor,
                cpe.product,
                cpe.criteria,
                cpe.version,
                cpe.start_including,
                cpe.start_excluding,
                cpe.end_including,
                cpe.end_excluding,
                cpe.running_on
            ])?;
        }
        let mut insert_severity = tx.prepare_cached(
            "INSERT INTO severities (group_id, source, record_id, kind, vector, score, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for severity in &record.severities {
            insert_severity.execute(params![
                group,
                record.source,
                record.record_id,
                severity.kind,
                severity.vector,
                severity.score,
                severity.origin
            ])?;
        }
        let mut insert_exploited =
            tx.prepare_cached("INSERT INTO exploited (group_id, source, record_id, detail) VALUES (?1, ?2, ?3, ?4)")?;
        for detail in &record.exploited {
            insert_exploited.execute(params![group, record.source, record.record_id, detail])?;
        }
        Ok(())
    }

    /// The group all `ids` belong to. IDs already known in different groups prove those groups
    /// are one vulnerability: they are merged into the oldest.
    fn merge_group(&mut self, ids: &[String]) -> rusqlite::Result<i64> {
        let tx = &self.tx;
        let mut groups: Vec<i64> = Vec::new();
        {
            let mut lookup = tx.prepare_cached("SELECT group_id FROM aliases WHERE alias = ?1")?;
            for id in ids {
                if let Some(group) = lookup.query_row(params![id], |r| r.get::<_, i64>(0)).optional()?
                    && !groups.contains(&group)
                {
                    groups.push(group);
                }
            }
        }
        groups.sort_unstable();
        let group = match groups.first() {
            Some(&group) => group,
            None => {
                tx.prepare_cached("INSERT INTO groups (display_id) VALUES (?1)")?.execute(params![display_id(ids)])?;
                tx.last_insert_rowid()
            }
        };
        for &other in groups.iter().skip(1) {
            for table in ["aliases", "records", "affected_packages", "affected_cpes", "severities", "exploited"] {
                tx.prepare_cached(&format!("UPDATE {table} SET group_id = ?1 WHERE group_id = ?2"))?
                    .execute(params![group, other])?;
            }
            tx.prepare_cached("DELETE FROM groups WHERE id = ?1")?.execute(params![other])?;
        }
        let mut insert_alias = tx.prepare_cached("INSERT OR IGNORE INTO aliases (alias, group_id) VALUES (?1, ?2)")?;
        for id in ids {
            insert_alias.execute(params![id, group])?;
        }
        if groups.len() != 1 {
            let all: Vec<String> = tx
                .prepare_cached("SELECT alias FROM aliases WHERE group_id = ?1")?
                .query_map(params![group], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            tx.prepare_cached("UPDATE groups SET display_id = ?1 WHERE id = ?2")?
                .execute(params![display_id(&all), group])?;
        }
        Ok(group)
    }

    /// Journals the vulnerabilities whose row in `table` (keyed by `cve`) was added, removed or
    /// changed since `snapshot` (a temporary copy taken before the table was replaced).
    pub(crate) fn journal_table_diff(&self, table: &str, snapshot: &str, columns: &str) -> rusqlite::Result<()> {
        self.tx.execute_batch(&format!(
            "INSERT INTO changes (group_id)
             SELECT DISTINCT a.group_id FROM aliases a JOIN (
                 SELECT cve FROM (SELECT cve, {columns} FROM {table} EXCEPT SELECT cve, {columns} FROM {snapshot})
                 UNION
                 SELECT cve FROM (SELECT cve, {columns} FROM {snapshot} EXCEPT SELECT cve, {columns} FROM {table})
             ) d ON d.cve = a.alias;
             DROP TABLE {snapshot};"
        ))
    }

    pub(crate) fn tx(&self) -> &Transaction<'_> {
        &self.tx
    }
}

/// Imports into the database in `dir`. A database that was not there before is made only when
/// the import succeeds: a failed import leaves nothing behind, and an existing database as it was.
pub fn import_into(
    dir: &Path,
    paths: &[PathBuf],
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, ImportError> {
    // Inputs that cannot be read are refused before any database is opened.
    collect_inputs(paths)?;
    if VulnDb::exists(dir) {
        let mut db = VulnDb::create_or_open(dir)?;
        return import_paths(&mut db, paths, progress);
    }
    let mut stage = StagedDb::begin(dir)?;
    let summary = import_paths(stage.db(), paths, progress)?;
    stage.commit()?;
    Ok(summary)
}

/// The files `paths` name, folders walked; a folder with nothing to read is an error.
fn collect_inputs(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<SkippedFile>), ImportError> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        let before = files.len();
        collect_files(path, &mut files, &mut skipped, 0)?;
        if files.len() == before {
            let origin = path.display().to_string();
            let listed: Vec<&str> = skipped.iter().take(5).map(|s| s.path.as_str()).collect();
            let passed_over = if listed.is_empty() {
                String::new()
            } else {
                format!(" (passed over: {}{})", listed.join(", "), if skipped.len() > 5 { ", ..." } else { "" })
            };
            return Err(ImportError::input(
                &origin,
                format!(
                    "no file to import in this folder: tekigo reads files named *.{}{passed_over}",
                    READ_EXTENSIONS.join(", *.")
                ),
            ));
        }
    }
    Ok((files, skipped))
}

/// Imports every file named (folders are walked, zip archives opened), all in one transaction.
pub fn import_paths(
    db: &mut VulnDb,
    paths: &[PathBuf],
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, ImportError> {
    let (files, skipped_files) = collect_inputs(paths)?;
    progress(Progress::Started { files: files.len() });
    let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let tx = db.conn.transaction().map_err(|e| db_error(db_dir(paths), e))?;
    let summary = ImportSummary { skipped_files, ..ImportSummary::default() };
    let mut writer = Writer { tx, summary, now };
    for (done, file) in files.iter().enumerate() {
        let origin = file.display().to_string();
        import_file(&mut writer, file, &origin)?;
        writer.summary.files += 1;
        progress(Progress::File { done: done + 1, origin });
    }
    let Writer { tx, summary, now } = writer;
    {
        let mut update = tx
            .prepare("INSERT INTO sources (name, last_import, data_date, items) VALUES (?1, ?2, ?3, ?4)
                      ON CONFLICT (name) DO UPDATE SET last_import = ?2, data_date = coalesce(?3, data_date), items = ?4")
            .map_err(|e| db_error(db_dir(paths), e))?;
        for (name, source) in &summary.sources {
            let items: i64 = match name.as_str() {
                "kev" => tx.query_row("SELECT count(*) FROM kev", [], |r| r.get(0)),
                "epss" => tx.query_row("SELECT count(*) FROM epss", [], |r| r.get(0)),
                _ => tx.query_row("SELECT count(*) FROM records WHERE source = ?1", params![name], |r| r.get(0)),
            }
            .map_err(|e| db_error(db_dir(paths), e))?;
            update.execute(params![name, now, source.data_date, items]).map_err(|e| db_error(db_dir(paths), e))?;
        }
    }
    tx.commit().map_err(|e| db_error(db_dir(paths), e))?;
    Ok(summary)
}

fn db_dir(_paths: &[PathBuf]) -> String {
    "vulnerability database".to_owned()
}

fn db_error(name: String, error: rusqlite::Error) -> ImportError {
    ImportError::Db(DbError::Sqlite(name, error))
}

/// How deep `import` walks into a folder.
pub const MAX_FOLDER_DEPTH: usize = 32;

fn collect_files(
    path: &Path,
    files: &mut Vec<PathBuf>,
    skipped: &mut Vec<SkippedFile>,
    depth: usize,
) -> Result<(), ImportError> {
    let origin = path.display().to_string();
    let metadata = std::fs::metadata(path).map_err(|e| ImportError::input(&origin, format!("cannot read: {e}")))?;
    if metadata.is_dir() && depth > MAX_FOLDER_DEPTH {
        return Err(ImportError::input(&origin, format!("folders nest deeper than {MAX_FOLDER_DEPTH} levels")));
    }
    if metadata.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| ImportError::input(&origin, format!("cannot read folder: {e}")))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .collect();
        entries.sort();
        for entry in entries {
            // A link to a folder is not followed: one pointing back up would never end.
            let is_dir = std::fs::symlink_metadata(&entry).is_ok_and(|m| m.is_dir());
            let readable = entry.extension().and_then(|e| e.to_str()).is_some_and(|e| READ_EXTENSIONS.contains(&e));
            if is_dir || readable {
                collect_files(&entry, files, skipped, depth + 1)?;
            } else {
                skipped.push(SkippedFile {
                    path: entry.display().to_string(),
                    reason: format!("not a file name tekigo reads (*.{})", READ_EXTENSIONS.join(", *.")),
                });
            }
        }
    } else {
        files.push(path.to_owned());
    }
    Ok(())
}

fn read_bounded(path: &Path, origin: &str) -> Result<Vec<u8>, ImportError> {
    // A FIFO or a device (a link to /dev/zero) is refused at once, never read or waited on.
    tekigo_input::read_regular(path, MAX_INPUT_BYTES, tekigo_input::Links::Follow).map_err(|error| match error {
        tekigo_input::InputError::TooLarge { size, .. } => ImportError::input(
            origin,
            format!("{size} bytes is more than the {MAX_INPUT_BYTES} a single input may have"),
        ),
        tekigo_input::InputError::Io { error, .. } => ImportError::input(origin, format!("cannot read: {error}")),
        not_regular => ImportError::input(origin, not_regular.to_string()),
    })
}

fn import_file(writer: &mut Writer<'_>, path: &Path, origin: &str) -> Result<(), ImportError> {
    let mut bytes = read_bounded(path, origin)?;
    let mut name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        // EPSS publishes its scores gzip-compressed.
        bytes = gunzip(&bytes, origin)?;
        name = name.strip_suffix(".gz").unwrap_or(&name).to_owned();
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return import_zip(writer, &bytes, origin);
    }
    import_named(writer, &name, &bytes, origin)
}

/// Unpacks a gzip stream, refusing one that grows past [`MAX_INPUT_BYTES`].
fn gunzip(bytes: &[u8], origin: &str) -> Result<Vec<u8>, ImportError> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| ImportError::input(origin, format!("not a readable gzip file: {e}")))?;
    if out.len() as u64 > MAX_INPUT_BYTES {
        return Err(ImportError::input(origin, format!("unpacks to more than {MAX_INPUT_BYTES} bytes")));
    }
    Ok(out)
}

/// YAML is told by the file name (the PyPA advisory database's `*.yaml`); everything else by content.
fn import_named(writer: &mut Writer<'_>, name: &str, bytes: &[u8], origin: &str) -> Result<(), ImportError> {
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        let sql = |e: rusqlite::Error| ImportError::input(origin, format!("database write failed: {e}"));
        return osv::import_yaml(writer, bytes, origin).map_err(|e| e.or_sql(sql));
    }
    import_bytes(writer, bytes, origin)
}

fn import_zip(writer: &mut Writer<'_>, bytes: &[u8], origin: &str) -> Result<(), ImportError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ImportError::input(origin, format!("not a readable zip archive: {e}")))?;
    for index in 0..archive.len() {
        let mut entry =
            archive.by_index(index).map_err(|e| ImportError::input(origin, format!("zip entry {index}: {e}")))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("entry {index}"));
        if !entry.is_file() {
            continue;
        }
        if ![".json", ".yaml", ".yml"].iter().any(|suffix| name.ends_with(suffix)) {
            writer.summary.skipped_files.push(SkippedFile {
                path: format!("{origin}!{name}"),
                reason: "an archive entry that is neither *.json nor *.yaml".into(),
            });
            continue;
        }
        let entry_origin = format!("{origin}!{name}");
        if entry.size() > MAX_INPUT_BYTES {
            return Err(ImportError::input(&entry_origin, "entry too large"));
        }
        let mut content = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        (&mut entry)
            .take(MAX_INPUT_BYTES)
            .read_to_end(&mut content)
            .map_err(|e| ImportError::input(&entry_origin, format!("cannot unpack: {e}")))?;
        import_named(writer, &name, &content, &entry_origin)?;
    }
    Ok(())
}

/// Which source a document comes from, told by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Osv,
    OsvList,
    Nvd,
    Kev,
    Csaf,
    KevCsv,
    EpssCsv,
}

/// Only the top-level keys, to tell documents apart without building them.
#[derive(serde::Deserialize)]
struct Probe {
    #[serde(default)]
    id: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    modified: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "catalogVersion")]
    catalog_version: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    vulnerabilities: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    document: Option<serde::de::IgnoredAny>,
}

fn detect(bytes: &[u8], origin: &str) -> Result<Kind, ImportError> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let head = &bytes[start..];
    if head.first() == Some(&b'[') {
        return Ok(Kind::OsvList);
    }
    if head.first() == Some(&b'{') {
        let probe: Probe = serde_json::from_slice(bytes).map_err(|e| ImportError::json(origin, &e))?;
        return if probe.catalog_version.is_some() && probe.vulnerabilities.is_some() {
            Ok(Kind::Kev)
        } else if probe.format.as_deref() == Some("NVD_CVE") {
            Ok(Kind::Nvd)
        } else if probe.document.is_some() && probe.vulnerabilities.is_some() || probe.document.is_some() {
            Ok(Kind::Csaf)
        } else if probe.id.is_some() && probe.modified.is_some() {
            Ok(Kind::Osv)
        } else {
            Err(ImportError::input(
                origin,
                "JSON that is none of: an OSV record, an NVD CVE 2.0 feed, the CISA KEV catalog, a CSAF 2.0 advisory",
            ))
        };
    }
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let first_line = String::from_utf8_lossy(first_line);
    if first_line.starts_with("#model_version") || first_line.trim_end().starts_with("cve,epss") {
        return Ok(Kind::EpssCsv);
    }
    if first_line.starts_with("cveID,") {
        return Ok(Kind::KevCsv);
    }
    Err(ImportError::input(
        origin,
        "not a recognised input: expected OSV or NVD or KEV or CSAF JSON, an OSV zip, or an EPSS or KEV CSV file",
    ))
}

fn import_bytes(writer: &mut Writer<'_>, bytes: &[u8], origin: &str) -> Result<(), ImportError> {
    let sql = |e: rusqlite::Error| ImportError::input(origin, format!("database write failed: {e}"));
    match detect(bytes, origin)? {
        Kind::Osv => osv::import_one(writer, bytes, origin).map_err(|e| e.or_sql(sql)),
        Kind::OsvList => osv::import_list(writer, bytes, origin).map_err(|e| e.or_sql(sql)),
        Kind::Nvd => nvd::import(writer, bytes, origin).map_err(|e| e.or_sql(sql)),
        Kind::Kev => kev::import_json(writer, bytes, origin).map_err(|e| e.or_sql(sql)),
        Kind::KevCsv => kev::import_csv(writer, bytes, origin).map_err(|e| e.or_sql(sql)),
        Kind::EpssCsv => epss::import(writer, bytes, origin).map_err(|e| e.or_sql(sql)),
        Kind::Csaf => {
            check_csaf(bytes, origin)?;
            csaf::import(writer, bytes, origin).map_err(|e| e.or_sql(sql))
        }
    }
}

/// An importer's failure: bad input, or a database error that the caller names.
pub(crate) enum Failure {
    Input(ImportError),
    Sql(rusqlite::Error),
}

impl Failure {
    fn or_sql(self, sql: impl FnOnce(rusqlite::Error) -> ImportError) -> ImportError {
        match self {
            Failure::Input(error) => error,
            Failure::Sql(error) => sql(error),
        }
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Self {
        Failure::Sql(error)
    }
}

impl From<ImportError> for Failure {
    fn from(error: ImportError) -> Self {
        Failure::Input(error)
    }
}

/// A CSAF document the standard calls invalid is refused, naming the first failing mandatory
/// test of CSAF 2.0 §6.1: its statements would otherwise be taken as facts.
fn check_csaf(bytes: &[u8], origin: &str) -> Result<(), ImportError> {
    let document: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| ImportError::json(origin, &e))?;
    let problems = tekigo_csaf::mandatory_tests(&document);
    let Some(first) = problems.first() else { return Ok(()) };
    let more = match problems.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    // `first` reads "6.1.6 contradicting product status: /vulnerabilities/0/... what".
    Err(ImportError::input(origin, format!("refused: fails CSAF 2.0 mandatory test {first}{more}")))
}
