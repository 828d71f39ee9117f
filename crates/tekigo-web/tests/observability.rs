//! What operators see: a request that fails inside (a database error) is a 500 whose cause is in
//! the log and not on the page; `/metrics` in the Prometheus text format counts the requests by
//! route and status and the labels by status as the registry holds them; `/healthz` says whether
//! the database answers.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tekigo_registry::Registry;
use tekigo_testkit::{NOW, TODAY};
use tekigo_web::{AppState, Clock};
use tower::ServiceExt;

fn state(registry: &Registry) -> AppState {
    let clock = Clock::system();
    clock.set_today(TODAY);
    AppState::new(registry.clone(), clock, "http://registry.test")
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: String,
}

async fn get(router: &Router, uri: &str, bearer: Option<&str>) -> Reply {
    let mut request = Request::builder().uri(uri);
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let content_type =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    Reply { status, content_type, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// What the test's own thread logs, as text.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    /// A subscriber writing into this log, for the current thread while the guard lives.
    fn capture(&self) -> tracing::subscriber::DefaultGuard {
        let log = self.clone();
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || log.clone()).finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_database_error_is_a_500_with_its_cause_in_the_log() {
    let (registry, db) = tekigo_testkit::open("sqlite").await.unwrap();
    let router = tekigo_web::router(state(&registry));
    let log = Log::default();
    let _guard = log.capture();
    assert_eq!(get(&router, "/", None).await.status, StatusCode::OK);
    // The home page counts the labels: without their table, the database refuses.
    sqlx::query("DROP TABLE labels").execute(registry.pool()).await.unwrap();
    let reply = get(&router, "/", None).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", reply.body);
    assert!(reply.body.contains("internal error"), "{}", reply.body);
    assert!(!reply.body.contains("no such table"), "the database's words stay out of the page: {}", reply.body);
    let text = log.text();
    let line =
        text.lines().find(|l| l.contains("ERROR") && l.contains("request failed")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("no such table: labels"), "the cause is logged: {line}");
    assert!(line.contains("status=500"), "{line}");
    assert!(line.contains("route=/"), "the request's span is on the line: {line}");
    // The request's own line: method, route, status and latency.
    assert!(
        text.lines().any(|l| l.contains("answered")
            && l.contains("method=GET")
            && l.contains("status=500")
            && l.contains("latency_ms=")),
        "{text}"
    );
    db.drop_database(registry).await;
}

/// One parsed exposition: `# HELP` and `# TYPE` per metric family, and every sample.
#[derive(Debug, Default)]
struct Exposition {
    help: BTreeMap<String, String>,
    types: BTreeMap<String, String>,
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

impl Exposition {
    /// The text format: `# HELP name text`, `# TYPE name type`, `# EOF`, and sample lines
    /// `name{label="value",...} value` (label values with `\\`, `\"` and `\n` escapes).
    fn parse(text: &str) -> Exposition {
        let mut exposition = Exposition::default();
        let mut ended = false;
        for line in text.lines() {
            assert!(!ended, "nothing follows # EOF: {line}");
            if line == "# EOF" {
                ended = true;
            } else if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
                exposition.help.insert(name.to_owned(), help.to_owned());
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("a type");
                exposition.types.insert(name.to_owned(), kind.to_owned());
            } else if line.starts_with('#') {
                panic!("unknown comment line: {line}");
            } else {
                exposition.samples.push(sample(line));
            }
        }
        assert!(ended, "the exposition ends with # EOF");
        exposition
    }

    /// The value of the sample `name` with exactly these labels.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        self.samples.iter().find(|(n, l, _)| n == name && *l == wanted).map(|(_, _, v)| *v)
    }
}

fn sample(line: &str) -> (String, BTreeMap<String, String>, f64) {
    let name_end = line.find(['{', ' ']).expect("a sample has a value");
    let name = line[..name_end].to_owned();
    assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'), "a metric name: {name}");
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices();
        let mut key = String::new();
        loop {
            let (at, c) = chars.next().expect("labels end with }");
            match c {
                '}' => {
                    rest = &inner[at + 1..];
                    break;
                }
                ',' => {}
                '=' => {
                    assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "a label value is quoted: {line}");
                    let mut value = String::new();
                    loop {
                        match chars.next().expect("a closing quote").1 {
                            '"' => break,
                            '\\' => match chars.next().expect("an escape").1 {
                                'n' => value.push('\n'),
                                other => value.push(other),
                            },
                            other => value.push(other),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), value);
                }
                other => key.push(other),
            }
        }
    }
    let value = rest.trim().split(' ').next().expect("a value");
    let value = match value {
        "+Inf" => f64::INFINITY,
        other => other.parse().unwrap_or_else(|_| panic!("a number: {line}")),
    };
    (name, labels, value)
}

#[tokio::test]
async fn metrics_count_requests_and_labels() {
    let (registry, db) = tekigo_testkit::open("sqlite").await.unwrap();
    tekigo_registry::demo::fill(&registry, 40, TODAY, NOW).await.unwrap();
    // Some labels revoked, suspended, or past their end of support, so statuses differ.
    let state = state(&registry).with_metrics_token("s3cret");
    let router = tekigo_web::router(state.clone());
    assert_eq!(get(&router, "/", None).await.status, StatusCode::OK);
    assert_eq!(get(&router, "/labels?q=demo", None).await.status, StatusCode::OK);
    assert_eq!(get(&router, "/labels?q=demo", None).await.status, StatusCode::OK);
    assert_eq!(get(&router, "/labels/JC1-2026-999999999", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&router, "/no/such/page", None).await.status, StatusCode::NOT_FOUND);
    // The hourly job, with a vulnerability database that is not there: monitoring fails (and is
    // counted as a failure), the advisories and the sweep run.
    let missing = tempfile::tempdir().unwrap();
    let state = state.with_vulndb(&missing.path().join("no-such-vulndb"));
    let report = tekigo_web::run_scheduled_job(&state).await;
    assert_eq!(report.failures().len(), 1, "{report:?}");

    let refused = get(&router, "/metrics", None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(get(&router, "/metrics", Some("wrong")).await.status, StatusCode::UNAUTHORIZED);
    let reply = get(&router, "/metrics", Some("s3cret")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.content_type.starts_with("application/openmetrics-text"), "{}", reply.content_type);
    let metrics = Exposition::parse(&reply.body);

    for (family, kind) in [
        ("http_requests", "counter"),
        ("http_request_duration_seconds", "histogram"),
        ("scheduled_job_runs", "counter"),
        ("scheduled_job_failures", "counter"),
        ("labels", "gauge"),
    ] {
        assert_eq!(metrics.types.get(family).map(String::as_str), Some(kind), "{}", reply.body);
        assert!(metrics.help.get(family).is_some_and(|h| !h.is_empty()), "{family} has help");
    }
    let requests =
        |route: &str, status: &str| metrics.value("http_requests_total", &[("route", route), ("status", status)]);
    assert_eq!(requests("/", "200"), Some(1.0));
    assert_eq!(requests("/labels", "200"), Some(2.0));
    assert_eq!(requests("/labels/{number}", "404"), Some(1.0));
    assert_eq!(requests("unmatched", "404"), Some(1.0));
    assert_eq!(requests("/metrics", "401"), Some(2.0), "refused scrapes count too");
    assert_eq!(metrics.value("http_request_duration_seconds_count", &[("route", "/labels")]), Some(2.0));
    assert_eq!(
        metrics.value("http_request_duration_seconds_bucket", &[("route", "/labels"), ("le", "+Inf")]),
        Some(2.0)
    );
    assert_eq!(metrics.value("scheduled_job_runs_total", &[("step", "monitoring")]), Some(1.0));
    assert_eq!(metrics.value("scheduled_job_failures_total", &[("step", "monitoring")]), Some(1.0));
    assert_eq!(metrics.value("scheduled_job_runs_total", &[("step", "sweep")]), Some(1.0));
    assert_eq!(metrics.value("scheduled_job_runs_total", &[("step", "advisories")]), Some(1.0));
    assert_eq!(metrics.value("scheduled_job_failures_total", &[("step", "sweep")]), None);

    // The labels gauge is what the registry holds, status by status, and adds up to every label.
    let counts = registry.label_counts_by_status(TODAY).await.unwrap();
    assert_eq!(counts.len(), 5);
    let mut total = 0;
    for (status, count) in counts {
        assert_eq!(metrics.value("labels", &[("status", status.name())]), Some(count as f64), "{}", status.name());
        total += count;
    }
    assert_eq!(i64::try_from(total).unwrap(), registry.label_count().await.unwrap());
    assert_eq!(total, 40);
    db.drop_database(registry).await;
}

#[tokio::test]
async fn healthz_says_whether_the_database_answers() {
    let (registry, db) = tekigo_testkit::open("sqlite").await.unwrap();
    let router = tekigo_web::router(state(&registry));
    let log = Log::default();
    let _guard = log.capture();
    let ok = get(&router, "/healthz", None).await;
    assert_eq!((ok.status, ok.body.as_str()), (StatusCode::OK, "ok"));
    registry.pool().close().await;
    let down = get(&router, "/healthz", None).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE, "{}", down.body);
    assert!(log.text().contains("health check"), "{}", log.text());
    db.drop_database(registry).await;
}
