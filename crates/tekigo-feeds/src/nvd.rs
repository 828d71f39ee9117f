//! The NVD CVE API 2.0: pages of at most 2000 CVEs, by `lastModified` window (at most 120 days
//! each) since the end of the last completed run. Each page is saved beside the database before
//! it is imported; a run that breaks off leaves them, and the next run with the same start reuses
//! them with the same end date instead of asking the NVD again.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tekigo_vuln::import::SourceSummary;
use tekigo_vuln::{FetchState, VulnDb, import_paths};

use crate::http::{Client, Get};
use crate::{Event, FeedError, FeedReport, FeedStatus, now_utc};

/// The folder, inside the database folder, holding the pages of an unfinished run.
pub(crate) const RESUME_DIR: &str = ".nvd-pages";

const FEED: &str = "nvd";
/// The most the API returns per page.
const PAGE_SIZE: u64 = 2000;
/// The widest `lastModStartDate`..`lastModEndDate` the API accepts.
const WINDOW_DAYS: i64 = 120;

/// What the saved pages belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Run {
    url: String,
    since: Option<String>,
    until: String,
}

/// Only the paging fields of a response.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageHead {
    total_results: u64,
    #[serde(default)]
    vulnerabilities: Vec<serde::de::IgnoredAny>,
}

pub(crate) struct Nvd<'a> {
    pub endpoint: &'a str,
    pub pause: Duration,
    pub resume_dir: &'a Path,
}

/// The API's date form: ISO-8601 with milliseconds and an offset.
fn api_date(timestamp: jiff::Timestamp) -> String {
    timestamp.strftime("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

/// The windows from `since` to `until`, none wider than the API allows; with no `since`, the
/// whole database in one unbounded query.
fn windows(since: Option<&str>, until: &str) -> Result<Vec<Option<(String, String)>>, String> {
    let Some(since) = since else { return Ok(vec![None]) };
    let parse = |s: &str| {
        s.parse::<jiff::Timestamp>().map_err(|e| format!("`{s}` is not a date the NVD window can start at: {e}"))
    };
    let (mut start, end) = (parse(since)?, parse(until)?);
    let step = jiff::SignedDuration::from_hours(24 * WINDOW_DAYS);
    let mut out = Vec::new();
    while start < end {
        let stop = start.checked_add(step).map_err(|e| e.to_string())?.min(end);
        out.push(Some((api_date(start), api_date(stop))));
        start = stop;
    }
    Ok(out)
}

impl Nvd<'_> {
    pub(crate) fn update(
        &self,
        client: &mut Client,
        db: &mut VulnDb,
        progress: &mut dyn FnMut(Event<'_>),
    ) -> Result<FeedReport, FeedError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |error| FeedError::Io { path, error }
        };
        let since = db.fetch_state(FEED)?.filter(|state| state.url == self.endpoint).and_then(|state| state.cursor);
        let run_file = self.resume_dir.join("run.json");
        let saved: Option<Run> = std::fs::read(&run_file).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let run = match saved {
            Some(run) if run.url == self.endpoint && run.since == since => run,
            _ => {
                if self.resume_dir.exists() {
                    std::fs::remove_dir_all(self.resume_dir).map_err(io(self.resume_dir))?;
                }
                std::fs::create_dir_all(self.resume_dir).map_err(io(self.resume_dir))?;
                // The end is fixed when the run starts: what changes while it pages is read next time.
                let run = Run { url: self.endpoint.to_owned(), since, until: api_date(jiff::Timestamp::now()) };
                let json = serde_json::to_vec(&run).unwrap_or_default();
                std::fs::write(&run_file, json).map_err(io(&run_file))?;
                run
            }
        };
        let windows = windows(run.since.as_deref(), &run.until)
            .map_err(|message| FeedError::Http { url: self.endpoint.to_owned(), message })?;
        let requests_before = client.requests;
        let mut bytes = 0;
        let mut sources: BTreeMap<String, SourceSummary> = BTreeMap::new();
        for (number, window) in windows.iter().enumerate() {
            let mut index: u64 = 0;
            loop {
                let page = self.resume_dir.join(format!("window{number}-from{index}.json"));
                let head = match read_head(&page) {
                    Some(head) => head,
                    None => {
                        if client.requests > requests_before {
                            std::thread::sleep(self.pause);
                        }
                        let mut query =
                            vec![("resultsPerPage", PAGE_SIZE.to_string()), ("startIndex", index.to_string())];
                        if let Some((start, end)) = window {
                            query.push(("lastModStartDate", start.clone()));
                            query.push(("lastModEndDate", end.clone()));
                        }
                        let partial = page.with_extension("part");
                        let get = Get { feed: FEED, url: self.endpoint, query, validators: None, send_api_key: true };
                        if let crate::http::Fetched::Saved { bytes: got, .. } =
                            client.fetch(&get, &partial, progress)?
                        {
                            bytes += got;
                        }
                        let head = read_head(&partial).ok_or_else(|| FeedError::Http {
                            url: self.endpoint.to_owned(),
                            message: format!("page from {index}: not an NVD CVE API 2.0 response (no totalResults)"),
                        })?;
                        std::fs::rename(&partial, &page).map_err(io(&page))?;
                        head
                    }
                };
                progress(Event::Importing { feed: FEED });
                let summary = import_paths(db, std::slice::from_ref(&page), &mut |_| {})?;
                merge(&mut sources, summary.sources);
                let read = head.vulnerabilities.len() as u64;
                index += read;
                progress(Event::Records { feed: FEED, done: index.min(head.total_results), total: head.total_results });
                if read == 0 || index >= head.total_results {
                    break;
                }
            }
        }
        db.set_fetch_state(&FetchState {
            feed: FEED.to_owned(),
            source: FEED.to_owned(),
            url: self.endpoint.to_owned(),
            etag: None,
            last_modified: None,
            cursor: Some(run.until.clone()),
            fetched_at: now_utc(),
        })?;
        Ok(FeedReport {
            feed: FEED.to_owned(),
            url: self.endpoint.to_owned(),
            status: FeedStatus::Updated,
            requests: client.requests - requests_before,
            bytes,
            sources,
        })
    }
}

fn read_head(path: &Path) -> Option<PageHead> {
    let file = std::fs::File::open(path).ok()?;
    serde_json::from_reader(std::io::BufReader::new(file)).ok()
}

fn merge(into: &mut BTreeMap<String, SourceSummary>, from: BTreeMap<String, SourceSummary>) {
    for (name, summary) in from {
        let entry = into.entry(name).or_default();
        entry.inserted += summary.inserted;
        entry.updated += summary.updated;
        entry.unchanged += summary.unchanged;
        entry.skipped += summary.skipped;
        if summary.data_date > entry.data_date {
            entry.data_date = summary.data_date;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::windows;

    #[test]
    fn windows_are_at_most_120_days() {
        assert_eq!(windows(None, "2026-01-01T00:00:00Z").unwrap(), vec![None]);
        let split = windows(Some("2025-01-01T00:00:00.000+00:00"), "2025-09-01T00:00:00.000+00:00").unwrap();
        assert_eq!(split.len(), 3);
        let (first_start, first_end) = split[0].clone().unwrap();
        assert_eq!(first_start, "2025-01-01T00:00:00.000+00:00");
        assert_eq!(first_end, "2025-05-01T00:00:00.000+00:00");
        assert_eq!(split[2].clone().unwrap().1, "2025-09-01T00:00:00.000+00:00");
        assert!(windows(Some("2025-01-01T00:00:00Z"), "2025-01-01T00:00:00Z").unwrap().is_empty());
    }
}
