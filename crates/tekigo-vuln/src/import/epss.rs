//! EPSS scores (FIRST): `#model_version:...,score_date:...` then `cve,epss,percentile`. Each
//! import replaces the table: a file holds the scores of one day for every CVE.

use rusqlite::params;

use super::{Failure, ImportError, Writer};

pub(super) fn import(writer: &mut Writer<'_>, bytes: &[u8], origin: &str) -> Result<(), Failure> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::input(origin, "an EPSS file must be UTF-8 text"))?;
    let mut score_date = None;
    let mut body = text;
    if let Some(rest) = text.strip_prefix('#') {
        let (comment, after) = rest.split_once('\n').unwrap_or((rest, ""));
        score_date = comment
            .split(',')
            .find_map(|part| part.trim().strip_prefix("score_date:"))
            .map(|d| d.get(..10).unwrap_or(d).to_owned());
        body = after;
    }
    let line_offset = usize::from(score_date.is_some() || text.starts_with('#'));
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let tx = writer.tx();
    tx.execute_batch(
        "DROP TABLE IF EXISTS temp.epss_before; CREATE TEMP TABLE epss_before AS SELECT * FROM epss; DELETE FROM epss;",
    )?;
    let mut insert = tx.prepare_cached("INSERT OR REPLACE INTO epss (cve, score, percentile) VALUES (?1, ?2, ?3)")?;
    let mut count = 0;
    for (index, row) in reader.records().enumerate() {
        let line = index + 2 + line_offset;
        let row = row.map_err(|e| ImportError::input(&format!("{origin}:{line}"), format!("not an EPSS row: {e}")))?;
        let cve = row.get(0).unwrap_or_default();
        let score: f64 =
            row.get(1).and_then(|s| s.trim().parse().ok()).filter(|s: &f64| (0.0..=1.0).contains(s)).ok_or_else(
                || ImportError::input(&format!("{origin}:{line}"), "the EPSS score must be a number between 0 and 1"),
            )?;
        let percentile: Option<f64> = row.get(2).and_then(|s| s.trim().parse().ok());
        if !cve.starts_with("CVE-") {
            return Err(ImportError::input(&format!("{origin}:{line}"), format!("`{cve}` is not a CVE ID")).into());
        }
        insert.execute(params![cve, score, percentile])?;
        count += 1;
    }
    drop(insert);
    writer.journal_table_diff("epss", "temp.epss_before", "score")?;
    writer.source("epss").inserted += count;
    if let Some(date) = score_date {
        writer.note_data_date("epss", &date);
    }
    Ok(())
}
