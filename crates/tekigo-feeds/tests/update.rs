//! `vulndb update` against a local server that serves the feeds in their published layouts (the
//! `--mirror` layout), with conditional requests, NVD API paging, and faults on demand.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use tekigo_feeds::{Endpoints, FeedStatus, Options, Source, update};
use tekigo_vuln::{VulnDb, import_into};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// What a served request should meet instead of its answer, `times` times.
#[derive(Debug, Clone)]
struct Fault {
    path: &'static str,
    /// For the NVD: only the page starting here.
    start_index: Option<u64>,
    kind: FaultKind,
    times: u32,
}

#[derive(Debug, Clone, Copy)]
enum FaultKind {
    Status(u16),
    /// Half the body, then the connection breaks.
    BreakOff,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    query: BTreeMap<String, String>,
    if_none_match: Option<String>,
    api_key: Option<String>,
}

#[derive(Default)]
struct Served {
    files: BTreeMap<String, Vec<u8>>,
    nvd: serde_json::Value,
    faults: Vec<Fault>,
    seen: Vec<Seen>,
}

#[derive(Clone)]
struct Mirror {
    url: String,
    served: Arc<Mutex<Served>>,
}

/// The NVD API returns fewer records per page than asked when it likes; this one, three.
const NVD_PAGE: usize = 3;

fn osv_zip(folder: &Path) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths {
        zip.start_file(path.file_name().unwrap().to_string_lossy(), options).unwrap();
        zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

impl Mirror {
    fn start() -> Mirror {
        let mut served = Served::default();
        for ecosystem in ["Go", "PyPI"] {
            served.files.insert(format!("/osv/{ecosystem}/all.zip"), osv_zip(&fixture(&format!("osv/{ecosystem}"))));
        }
        for path in ["kev/known_exploited_vulnerabilities.json", "epss/epss_scores-current.csv.gz"] {
            served.files.insert(format!("/{path}"), std::fs::read(fixture(path)).unwrap());
        }
        served.nvd = serde_json::from_slice(&std::fs::read(fixture("nvd-cves.json")).unwrap()).unwrap();
        let served = Arc::new(Mutex::new(served));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(answer).with_state(served.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        Mirror { url, served }
    }

    fn fault(&self, fault: Fault) {
        self.served.lock().unwrap().faults.push(fault);
    }

    fn seen(&self) -> Vec<Seen> {
        std::mem::take(&mut self.served.lock().unwrap().seen)
    }

    fn options(&self, db: &Path) -> Options {
        let mut options = Options::new(db);
        options.ecosystems = vec!["Go".into(), "PyPI".into()];
        options.endpoints = Endpoints::mirror(&self.url);
        options.nvd_pause = Some(Duration::ZERO);
        options.limits.retry_base = Duration::from_millis(5);
        options.limits.retries = 3;
        options
    }

    /// The served files, written out for `vulndb import`.
    fn write_files(&self, dir: &Path) -> Vec<PathBuf> {
        let served = self.served.lock().unwrap();
        let mut paths = Vec::new();
        for (path, bytes) in &served.files {
            let file = dir.join(path.trim_start_matches('/').replace('/', "_"));
            std::fs::write(&file, bytes).unwrap();
            paths.push(file);
        }
        paths.push(fixture("nvd-cves.json"));
        paths
    }
}

fn etag(bytes: &[u8]) -> String {
    // FNV-1a: enough to tell the fixtures' versions apart.
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    format!("\"{hash:016x}\"")
}

async fn answer(State(served): State<Arc<Mutex<Served>>>, uri: Uri, headers: HeaderMap) -> Response<Body> {
    let query: BTreeMap<String, String> = uri.query().map(url_decode_pairs).unwrap_or_default();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut served = served.lock().unwrap();
    let path = uri.path().to_owned();
    served.seen.push(Seen {
        path: path.clone(),
        query: query.clone(),
        if_none_match: header("if-none-match"),
        api_key: header("apikey"),
    });
    let start_index: u64 = query.get("startIndex").and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut fault = None;
    for candidate in &mut served.faults {
        if candidate.times > 0 && path == candidate.path && candidate.start_index.is_none_or(|s| s == start_index) {
            candidate.times -= 1;
            fault = Some(candidate.kind);
            break;
        }
    }
    if let Some(FaultKind::Status(code)) = fault {
        return Response::builder()
            .status(code)
            .header("retry-after", "0")
            .body(Body::from("try again later"))
            .unwrap();
    }
    let (body, tag) = if path == "/nvd/rest/json/cves/2.0" {
        (nvd_page(&served.nvd, &query), None)
    } else if let Some(bytes) = served.files.get(&path) {
        let tag = etag(bytes);
        if header("if-none-match").as_deref() == Some(tag.as_str()) {
            return Response::builder().status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap();
        }
        (bytes.clone(), Some(tag))
    } else {
        return Response::builder().status(404).body(Body::from("no such feed")).unwrap();
    };
    let mut response = Response::builder().status(200).header("last-modified", "Mon, 01 Jan 2024 00:00:00 GMT");
    if let Some(tag) = tag {
        response = response.header("etag", tag);
    }
    if let Some(FaultKind::BreakOff) = fault {
        let half = body[..body.len() / 2].to_vec();
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            vec![Ok(half), Err(std::io::Error::other("the server went away"))];
        return response.body(Body::from_stream(futures_util::stream::iter(chunks))).unwrap();
    }
    response.body(Body::from(body)).unwrap()
}

fn url_decode_pairs(query: &str) -> BTreeMap<String, String> {
    let decode = |s: &str| {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'%' if i + 2 < bytes.len() => {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 3;
                }
                b'+' => {
                    out.push(b' ');
                    i += 1;
                }
                other => {
                    out.push(other);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).unwrap()
    };
    query.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (decode(k), decode(v))).collect()
}

/// A page of the NVD CVE API 2.0 over the fixture feed.
fn nvd_page(feed: &serde_json::Value, query: &BTreeMap<String, String>) -> Vec<u8> {
    let start: usize = query.get("startIndex").and_then(|s| s.parse().ok()).unwrap_or(0);
    let asked: usize = query.get("resultsPerPage").and_then(|s| s.parse().ok()).unwrap_or(2000);
    let window =
        |key: &str| query.get(key).map(|s| s.parse::<jiff::Timestamp>().unwrap_or_else(|e| panic!("{key}={s}: {e}")));
    let (from, to) = (window("lastModStartDate"), window("lastModEndDate"));
    let all: Vec<&serde_json::Value> = feed["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| {
            let modified: jiff::Timestamp =
                format!("{}Z", item["cve"]["lastModified"].as_str().unwrap()).parse().unwrap();
            from.is_none_or(|f| modified >= f) && to.is_none_or(|t| modified <= t)
        })
        .collect();
    let page: Vec<&serde_json::Value> = all.iter().skip(start).take(asked.min(NVD_PAGE)).copied().collect();
    serde_json::to_vec(&serde_json::json!({
        "resultsPerPage": page.len(),
        "startIndex": start,
        "totalResults": all.len(),
        "format": "NVD_CVE",
        "version": "2.0",
        "timestamp": "2024-01-02T00:00:00.000",
        "vulnerabilities": page,
    }))
    .unwrap()
}

/// Everything a check reads, in a stable order, to compare two databases.
fn contents(dir: &Path) -> Vec<String> {
    drop(VulnDb::open(dir).unwrap());
    let conn = rusqlite::Connection::open(dir.join(tekigo_vuln::db::DB_FILE)).unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT source || ' ' || record_id || ' ' || modified || ' ' || coalesce(summary, '') FROM records",
        "SELECT a.alias || ' -> ' || g.display_id FROM aliases a JOIN groups g ON g.id = a.group_id",
        "SELECT source || ' ' || record_id || ' ' || package_key || ' ' || ranges || ' ' || versions FROM affected_packages",
        "SELECT source || ' ' || record_id || ' ' || criteria || ' ' || coalesce(end_excluding, '') FROM affected_cpes",
        "SELECT source || ' ' || record_id || ' ' || kind || ' ' || coalesce(vector, '') FROM severities",
        "SELECT cve || ' ' || date_added FROM kev",
        "SELECT cve || ' ' || score FROM epss",
        "SELECT name || ' ' || coalesce(data_date, '') || ' ' || items FROM sources",
    ] {
        let mut rows: Vec<String> =
            conn.prepare(sql).unwrap().query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect();
        rows.sort();
        out.push(format!("-- {sql}"));
        out.extend(rows);
    }
    out
}

fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging") || n.starts_with(".tekigo-download"))
        .collect();
    names.sort();
    names
}

#[test]
fn an_update_builds_what_an_import_of_the_same_files_builds() {
    let mirror = Mirror::start();
    let work = tempfile::tempdir().unwrap();
    let updated = work.path().join("updated");
    let report = update(&mirror.options(&updated), &mut |_| {}).unwrap();
    let feeds: Vec<(&str, FeedStatus)> = report.feeds.iter().map(|f| (f.feed.as_str(), f.status)).collect();
    assert_eq!(
        feeds,
        [
            ("osv:Go", FeedStatus::Updated),
            ("osv:PyPI", FeedStatus::Updated),
            ("nvd", FeedStatus::Updated),
            ("kev", FeedStatus::Updated),
            ("epss", FeedStatus::Updated)
        ]
    );
    let seen = mirror.seen();
    let nvd: Vec<&Seen> = seen.iter().filter(|s| s.path.starts_with("/nvd/")).collect();
    // Seven CVEs, three a page: three pages, each asking for the most the API gives.
    let starts: Vec<&str> = nvd.iter().map(|s| s.query["startIndex"].as_str()).collect();
    assert_eq!(starts, ["0", "3", "6"]);
    assert!(nvd.iter().all(|s| s.query["resultsPerPage"] == "2000" && !s.query.contains_key("lastModStartDate")));
    assert!(seen.iter().all(|s| s.api_key.is_none()), "no key configured, none sent");
    assert_eq!(report.feeds[2].sources["nvd"].inserted, 7);

    let imported = work.path().join("imported");
    let files = work.path().join("files");
    std::fs::create_dir(&files).unwrap();
    import_into(&imported, &mirror.write_files(&files), &mut |_| {}).unwrap();
    let (a, b) = (contents(&updated), contents(&imported));
    assert!(a.len() > 30, "{a:#?}");
    assert_eq!(a, b);
    assert!(a.iter().any(|row| row.starts_with("osv PYSEC-2023-74")));
    assert!(a.iter().any(|row| row.starts_with("CVE-2016-5195 2022-03-03")), "KEV entry");
    assert!(leftovers(&updated).is_empty(), "{:?}", leftovers(&updated));
    let db = VulnDb::open(&updated).unwrap();
    let state = db.fetch_state("osv:Go").unwrap().unwrap();
    assert_eq!(state.url, format!("{}/osv/Go/all.zip", mirror.url));
    assert!(state.etag.is_some() && state.last_modified.is_some());
    assert!(db.fetch_state("nvd").unwrap().unwrap().cursor.is_some());
}

#[test]
fn a_second_update_asks_conditionally_and_changes_nothing() {
    let mirror = Mirror::start();
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db");
    let mut options = mirror.options(&db);
    options.nvd_api_key = Some("test-key".into());
    update(&options, &mut |_| {}).unwrap();
    let first_cursor = VulnDb::open(&db).unwrap().fetch_state("nvd").unwrap().unwrap().cursor.unwrap();
    let before = contents(&db);
    mirror.seen();

    let report = update(&options, &mut |_| {}).unwrap();
    for feed in &report.feeds {
        let expected = if feed.feed == "nvd" { FeedStatus::Updated } else { FeedStatus::NotModified };
        assert_eq!(feed.status, expected, "{feed:?}");
        assert_eq!(feed.sources.values().map(|s| s.inserted + s.updated).sum::<usize>(), 0, "{feed:?}");
    }
    let seen = mirror.seen();
    for whole in seen.iter().filter(|s| !s.path.starts_with("/nvd/")) {
        assert!(whole.if_none_match.is_some(), "{whole:?} asked without its ETag");
    }
    // The NVD is asked only for what changed since the end of the last run, with the key.
    let nvd: Vec<&Seen> = seen.iter().filter(|s| s.path.starts_with("/nvd/")).collect();
    assert_eq!(nvd.len(), 1, "{nvd:?}");
    assert_eq!(nvd[0].query["lastModStartDate"], first_cursor);
    assert!(nvd[0].query.contains_key("lastModEndDate"));
    assert_eq!(nvd[0].api_key.as_deref(), Some("test-key"));
    assert_eq!(contents(&db), before);
}

#[test]
fn an_interrupted_update_leaves_the_database_byte_identical_and_resumes_its_pages() {
    let mirror = Mirror::start();
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db");
    let mut kev_only = mirror.options(&db);
    kev_only.sources = vec![Source::Kev];
    update(&kev_only, &mut |_| {}).unwrap();
    let file = db.join(tekigo_vuln::db::DB_FILE);
    let before = std::fs::read(&file).unwrap();
    mirror.seen();

    // The second NVD page breaks off mid-stream on every attempt.
    mirror.fault(Fault { path: "/nvd/rest/json/cves/2.0", start_index: Some(3), kind: FaultKind::BreakOff, times: 10 });
    let error = update(&mirror.options(&db), &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("/nvd/rest/json/cves/2.0") && error.contains("gave up after 4 attempts"), "{error}");
    assert_eq!(std::fs::read(&file).unwrap(), before, "the old database is untouched");
    assert!(leftovers(&db).is_empty(), "{:?}", leftovers(&db));
    assert_eq!(VulnDb::open(&db).unwrap().stats().unwrap().records, 0);

    // The next run takes up the NVD where it broke off: the first page is not asked for again.
    mirror.served.lock().unwrap().faults.clear();
    mirror.seen();
    update(&mirror.options(&db), &mut |_| {}).unwrap();
    let starts: Vec<String> =
        mirror.seen().iter().filter(|s| s.path.starts_with("/nvd/")).map(|s| s.query["startIndex"].clone()).collect();
    assert_eq!(starts, ["3", "6"]);
    assert_eq!(VulnDb::open(&db).unwrap().stats().unwrap().records, 7 + 4);
    assert!(!db.join(".nvd-pages").exists(), "saved pages are removed once imported");
}

#[test]
fn rate_limits_and_overload_are_waited_out() {
    let mirror = Mirror::start();
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db");
    mirror.fault(Fault {
        path: "/nvd/rest/json/cves/2.0",
        start_index: Some(3),
        kind: FaultKind::Status(429),
        times: 1,
    });
    mirror.fault(Fault {
        path: "/nvd/rest/json/cves/2.0",
        start_index: Some(6),
        kind: FaultKind::Status(403),
        times: 1,
    });
    mirror.fault(Fault {
        path: "/kev/known_exploited_vulnerabilities.json",
        start_index: None,
        kind: FaultKind::Status(503),
        times: 2,
    });
    mirror.fault(Fault { path: "/osv/Go/all.zip", start_index: None, kind: FaultKind::BreakOff, times: 1 });
    let mut retries = Vec::new();
    let report = update(&mirror.options(&db), &mut |event| {
        if let tekigo_feeds::Event::Retry { feed, reason, .. } = event {
            retries.push(format!("{feed} {reason}"));
        }
    })
    .unwrap();
    let requests: BTreeMap<&str, u32> = report.feeds.iter().map(|f| (f.feed.as_str(), f.requests)).collect();
    assert_eq!(requests["nvd"], 5);
    assert_eq!(requests["kev"], 3);
    assert_eq!(requests["osv:Go"], 2);
    assert_eq!(retries.len(), 5, "{retries:?}");
    assert!(retries.iter().any(|r| r == "nvd HTTP 429"), "{retries:?}");
    assert_eq!(VulnDb::open(&db).unwrap().stats().unwrap().records, 7 + 4);
}

#[test]
fn a_failed_first_update_leaves_no_database_and_limits_hold() {
    let mirror = Mirror::start();
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db");
    let mut options = mirror.options(&db);
    options.ecosystems = vec!["NoSuchEcosystem".into()];
    let error = update(&options, &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("/osv/NoSuchEcosystem/all.zip") && error.contains("HTTP 404"), "{error}");
    assert!(!db.exists(), "a failed first update leaves no folder behind");

    let mut small = mirror.options(&db);
    small.sources = vec![Source::Kev];
    small.limits.max_response_bytes = 100;
    let error = update(&small, &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("more than the 100"), "{error}");

    let mut no_ecosystem = mirror.options(&db);
    no_ecosystem.ecosystems.clear();
    let error = update(&no_ecosystem, &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("--ecosystem"), "{error}");
    assert!(!db.exists());
}
