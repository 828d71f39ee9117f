//! The CISA Known Exploited Vulnerabilities catalog, JSON or CSV. Each import replaces the table:
//! the catalog is published whole.

use rusqlite::params;
use serde::Deserialize;

use super::{Failure, ImportError, Writer};

#[derive(Deserialize)]
struct Catalog {
    #[serde(rename = "dateReleased", default)]
    date_released: Option<String>,
    vulnerabilities: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "cveID")]
    cve: String,
    #[serde(rename = "dateAdded")]
    date_added: String,
    #[serde(rename = "dueDate", default)]
    due_date: Option<String>,
    #[serde(rename = "knownRansomwareCampaignUse", default)]
    ransomware: Option<String>,
    #[serde(rename = "vulnerabilityName", default)]
    name: Option<String>,
}

pub(super) fn import_json(writer: &mut Writer<'_>, bytes: &[u8], origin: &str) -> Result<(), Failure> {
    let catalog: Catalog = serde_json::from_slice(bytes).map_err(|e| ImportError::json(origin, &e))?;
    let released = catalog.date_released.clone();
    store(writer, catalog.vulnerabilities, released)
}

pub(super) fn import_csv(writer: &mut Writer<'_>, bytes: &[u8], origin: &str) -> Result<(), Failure> {
    let mut reader = csv::Reader::from_reader(bytes);
    let mut entries = Vec::new();
    for (index, row) in reader.deserialize::<Entry>().enumerate() {
        let entry = row.map_err(|e| {
            ImportError::input(&format!("{origin}:{}", index + 2), format!("not a KEV catalog row: {e}"))
        })?;
        entries.push(entry);
    }
    store(writer, entries, None)
}

fn store(writer: &mut Writer<'_>, entries: Vec<Entry>, released: Option<String>) -> Result<(), Failure> {
    let tx = writer.tx();
    tx.execute_batch(
        "DROP TABLE IF EXISTS temp.kev_before; CREATE TEMP TABLE kev_before AS SELECT * FROM kev; DELETE FROM kev;",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO kev (cve, date_added, due_date, ransomware, name) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let newest = entries.iter().map(|e| e.date_added.clone()).max();
    for entry in &entries {
        insert.execute(params![entry.cve, entry.date_added, entry.due_date, entry.ransomware, entry.name])?;
    }
    drop(insert);
    writer.journal_table_diff("kev", "temp.kev_before", "date_added, due_date")?;
    writer.source("kev").inserted += entries.len();
    if let Some(date) = released.or(newest) {
        writer.note_data_date("kev", &date);
    }
    Ok(())
}
