//! `tekigo vulndb update`: fetches the public vulnerability feeds from where they are published
//! (or from a mirror with the same layout) into the offline database of `tekigo-vuln`.
//!
//! A run works on a copy of the database ([`StagedDb`]) and puts it in place only when every feed
//! asked for was read: a failed or interrupted run leaves the database as it was. Whole-file feeds
//! are fetched with the validators of the last run (ETag, Last-Modified) and a `304 Not Modified`
//! costs nothing; the NVD is read by the `lastModified` window since the last run, and the pages an
//! interrupted run downloaded are reused by the next one.

mod http;
mod nvd;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use tekigo_vuln::import::SourceSummary;
use tekigo_vuln::{DbError, FetchState, ImportError, StagedDb, VulnDb, import_paths};

pub use http::Limits;

/// A feed family `vulndb update` can fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Osv,
    Nvd,
    Kev,
    Epss,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Osv, Source::Nvd, Source::Kev, Source::Epss];

    pub fn name(self) -> &'static str {
        match self {
            Source::Osv => "osv",
            Source::Nvd => "nvd",
            Source::Kev => "kev",
            Source::Epss => "epss",
        }
    }

    pub fn parse(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// Where each feed is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The root under which OSV publishes `<ECOSYSTEM>/all.zip`.
    pub osv: String,
    /// The NVD CVE API 2.0.
    pub nvd: String,
    pub kev: String,
    pub epss: String,
}

impl Endpoints {
    /// The feeds' official locations.
    pub fn official() -> Endpoints {
        Endpoints {
            osv: "https://osv-vulnerabilities.storage.googleapis.com".into(),
            nvd: "https://services.nvd.nist.gov/rest/json/cves/2.0".into(),
            kev: "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json".into(),
            epss: "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz".into(),
        }
    }

    /// A mirror holding every feed under one root: `osv/<ECOSYSTEM>/all.zip`,
    /// `nvd/rest/json/cves/2.0` (answering the NVD API's query), `kev/known_exploited_vulnerabilities.json`,
    /// `epss/epss_scores-current.csv.gz`.
    pub fn mirror(root: &str) -> Endpoints {
        let root = root.trim_end_matches('/');
        Endpoints {
            osv: format!("{root}/osv"),
            nvd: format!("{root}/nvd/rest/json/cves/2.0"),
            kev: format!("{root}/kev/known_exploited_vulnerabilities.json"),
            epss: format!("{root}/epss/epss_scores-current.csv.gz"),
        }
    }

    fn osv_archive(&self, ecosystem: &str) -> String {
        // Ecosystem names hold spaces ("GitHub Actions", "Red Hat"): a path segment needs them encoded.
        let segment: String = ecosystem
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => (b as char).to_string(),
                other => format!("%{other:02X}"),
            })
            .collect();
        format!("{}/{segment}/all.zip", self.osv)
    }
}

/// What to update, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The database folder (made when missing).
    pub db: PathBuf,
    pub sources: Vec<Source>,
    /// OSV ecosystems to fetch (`Go`, `PyPI`, `Debian`, ...).
    pub ecosystems: Vec<String>,
    pub endpoints: Endpoints,
    /// Sent to the NVD as the `apiKey` header: it raises the NVD's limit from 5 to 50 requests
    /// in 30 seconds.
    pub nvd_api_key: Option<String>,
    /// Pause between two NVD requests; None keeps to the NVD's published limits.
    pub nvd_pause: Option<Duration>,
    pub limits: Limits,
}

impl Options {
    /// Every source from the official locations, with the NVD's own pacing.
    pub fn new(db: &Path) -> Options {
        Options {
            db: db.to_owned(),
            sources: Source::ALL.to_vec(),
            ecosystems: Vec::new(),
            endpoints: Endpoints::official(),
            nvd_api_key: None,
            nvd_pause: None,
            limits: Limits::default(),
        }
    }

    fn nvd_pause(&self) -> Duration {
        // 5 requests in a rolling 30 s without a key, 50 with one: one request per 6 s or 0.6 s,
        // as the NVD asks.
        self.nvd_pause.unwrap_or(if self.nvd_api_key.is_some() {
            Duration::from_millis(600)
        } else {
            Duration::from_secs(6)
        })
    }
}

/// The OSV ecosystems the components of SBOMs use (by their package URLs), sorted.
pub fn ecosystems_of_sboms(paths: &[PathBuf]) -> Result<Vec<String>, FeedError> {
    let mut ecosystems = std::collections::BTreeSet::new();
    for path in paths {
        let sbom = tekigo_sbom::read_file(path).map_err(|e| FeedError::Usage(format!("{}: {e}", path.display())))?;
        for component in &sbom.components {
            if let Some(ecosystem) = component.purl.as_deref().and_then(tekigo_vuln::package::osv_ecosystem_of_purl) {
                ecosystems.insert(ecosystem.to_owned());
            }
        }
    }
    Ok(ecosystems.into_iter().collect())
}

/// What an update reports as it goes, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    Request {
        feed: &'a str,
        url: &'a str,
    },
    Bytes {
        feed: &'a str,
        done: u64,
        total: Option<u64>,
    },
    Retry {
        feed: &'a str,
        reason: &'a str,
        wait: Duration,
    },
    /// NVD records read so far, of how many the window holds.
    Records {
        feed: &'a str,
        done: u64,
        total: u64,
    },
    Importing {
        feed: &'a str,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What an update did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateReport {
    pub db: String,
    pub feeds: Vec<FeedReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedReport {
    /// `osv:Go`, `nvd`, `kev`, `epss`.
    pub feed: String,
    pub url: String,
    /// `updated`, or `not_modified` when the server said what we hold is current.
    pub status: FeedStatus,
    /// HTTP requests sent, retries included.
    pub requests: u32,
    pub bytes: u64,
    /// Records written, per source, as `vulndb import` counts them.
    pub sources: BTreeMap<String, SourceSummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedStatus {
    Updated,
    NotModified,
}

pub(crate) fn now_utc() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Fetches the feeds `options` names into the database, all or nothing.
pub fn update(options: &Options, progress: &mut dyn FnMut(Event<'_>)) -> Result<UpdateReport, FeedError> {
    let mut sources = options.sources.clone();
    sources.sort();
    sources.dedup();
    let mut ecosystems = options.ecosystems.clone();
    ecosystems.sort();
    ecosystems.dedup();
    if sources.contains(&Source::Osv) && ecosystems.is_empty() {
        return Err(FeedError::Usage(
            "OSV is published per ecosystem: name them with --ecosystem (Go, PyPI, npm, Debian, ...) or give SBOMs with --sbom, or leave OSV out with --source nvd,kev,epss".into(),
        ));
    }
    let mut client = http::Client::new(&options.limits, options.nvd_api_key.clone());
    let mut stage = StagedDb::begin(&options.db)?;
    let io = |error: std::io::Error| FeedError::Io { path: options.db.display().to_string(), error };
    // Declared after the stage, so dropped before it: the stage may remove a folder it made.
    let downloads = tempfile::Builder::new().prefix(".tekigo-download-").tempdir_in(&options.db).map_err(io)?;
    let resume_dir = options.db.join(nvd::RESUME_DIR);
    let mut report = UpdateReport { db: options.db.display().to_string(), feeds: Vec::new() };
    for source in sources {
        match source {
            Source::Osv => {
                for ecosystem in &ecosystems {
                    let feed = format!("osv:{ecosystem}");
                    let url = options.endpoints.osv_archive(ecosystem);
                    let whole = Whole { feed: &feed, source: "osv", url: &url };
                    report.feeds.push(whole.fetch(&mut client, stage.db(), downloads.path(), progress)?);
                }
            }
            Source::Kev => {
                let whole = Whole { feed: "kev", source: "kev", url: &options.endpoints.kev };
                report.feeds.push(whole.fetch(&mut client, stage.db(), downloads.path(), progress)?);
            }
            Source::Epss => {
                let whole = Whole { feed: "epss", source: "epss", url: &options.endpoints.epss };
                report.feeds.push(whole.fetch(&mut client, stage.db(), downloads.path(), progress)?);
            }
            Source::Nvd => {
                let nvd =
                    nvd::Nvd { endpoint: &options.endpoints.nvd, pause: options.nvd_pause(), resume_dir: &resume_dir };
                report.feeds.push(nvd.update(&mut client, stage.db(), progress)?);
            }
        }
    }
    downloads.close().map_err(io)?;
    stage.commit()?;
    // The saved pages served their purpose once the database holds them.
    if resume_dir.exists() {
        std::fs::remove_dir_all(&resume_dir).map_err(io)?;
    }
    Ok(report)
}

/// A feed published as one file.
struct Whole<'a> {
    feed: &'a str,
    source: &'a str,
    url: &'a str,
}

impl Whole<'_> {
    fn fetch(
        &self,
        client: &mut http::Client,
        db: &mut VulnDb,
        downloads: &Path,
        progress: &mut dyn FnMut(Event<'_>),
    ) -> Result<FeedReport, FeedError> {
        // Validators are only good for the URL they came from (a mirror may differ).
        let previous = db.fetch_state(self.feed)?.filter(|state| state.url == self.url);
        let validators = previous
            .as_ref()
            .map(|state| http::Validators { etag: state.etag.clone(), last_modified: state.last_modified.clone() });
        let name: String = self.feed.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let file = downloads.join(format!("{name}.download"));
        let requests_before = client.requests;
        let get = http::Get {
            feed: self.feed,
            url: self.url,
            query: Vec::new(),
            validators: validators.as_ref(),
            send_api_key: false,
        };
        let fetched = client.fetch(&get, &file, progress)?;
        let mut report = FeedReport {
            feed: self.feed.to_owned(),
            url: self.url.to_owned(),
            status: FeedStatus::NotModified,
            requests: client.requests - requests_before,
            bytes: 0,
            sources: BTreeMap::new(),
        };
        let kept = match fetched {
            http::Fetched::NotModified => validators.unwrap_or_default(),
            http::Fetched::Saved { validators, bytes } => {
                progress(Event::Importing { feed: self.feed });
                let summary = import_paths(db, std::slice::from_ref(&file), &mut |_| {})?;
                let _ = std::fs::remove_file(&file);
                report.status = FeedStatus::Updated;
                report.bytes = bytes;
                report.sources = summary.sources;
                validators
            }
        };
        db.set_fetch_state(&FetchState {
            feed: self.feed.to_owned(),
            source: self.source.to_owned(),
            url: self.url.to_owned(),
            etag: kept.etag,
            last_modified: kept.last_modified,
            cursor: None,
            fetched_at: now_utc(),
        })?;
        Ok(report)
    }
}
