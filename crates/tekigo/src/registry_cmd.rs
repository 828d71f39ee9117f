//! `tekigo registry monitor` and `tekigo csaf export`: the registry's work after issue, run from a
//! scheduler (cron, a systemd timer) next to `tekigo serve`, on the same database; and `tekigo
//! registry artwork`, a label's printable artwork written to a file.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use tekigo_base::Lang;
use tekigo_registry::monitoring::Scope;
use tekigo_registry::{HourlyJob, HourlyReport, Registry, RegistryError, Step, run_hourly};
use tekigo_vuln::VulnDb;

use crate::cli::{ArtworkFormat, CsafCommand, DatabaseArgs, Format, RegistryCommand};
use crate::criteria_cmd::load_catalog;
use crate::exit::Answer;
use crate::output::{table, table_or_json, tr, write_json};

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("start the async runtime")
}

async fn open(args: &DatabaseArgs, criteria: Option<&Path>, lang: Lang) -> anyhow::Result<Registry> {
    let url = match &args.database {
        Some(url) => url.clone(),
        None => tekigo_registry::default_url(&args.data_dir),
    };
    let catalog = Arc::new(load_catalog(criteria)?);
    open_existing(&url, catalog, lang).await
}

/// The registry `tekigo serve` made, never a new empty one: a command run in the wrong folder
/// names the place it looked and how to point at the registry.
pub(crate) async fn open_existing(
    url: &str,
    catalog: Arc<tekigo_criteria::Catalog>,
    lang: Lang,
) -> anyhow::Result<Registry> {
    match Registry::open_existing(url, catalog).await {
        Ok(registry) => Ok(registry),
        Err(RegistryError::NoRegistry(place)) => anyhow::bail!(
            "{} {place}{}",
            tr(lang, "no registry at", "登録簿がありません:"),
            tr(
                lang,
                ": nothing was made. Run the command where `tekigo serve` keeps its data, or point at the registry with --database sqlite://PATH (or postgres://...) or --data-dir DIR",
                "（何も作成していません）。`tekigo serve` のデータがある場所で実行するか、--database sqlite://PATH（または postgres://...）か --data-dir DIR で登録簿を指定してください"
            )
        ),
        Err(error) => Err(anyhow::Error::new(error).context(format!(
            "{} {}",
            tr(lang, "cannot open the registry database", "登録簿のデータベースを開けません:"),
            crate::serve_cmd::without_password(url)
        ))),
    }
}

/// `tekigo registry init`: the one command besides `serve` that makes a registry.
fn init(
    database: &DatabaseArgs,
    demo: Option<u32>,
    criteria: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Answer> {
    let catalog = Arc::new(load_catalog(criteria)?);
    runtime()?.block_on(async {
        let (registry, url) =
            crate::serve_cmd::open_or_make(database.database.as_deref(), &database.data_dir, catalog).await?;
        if let Some(count) = demo {
            crate::serve_cmd::fill_demo(&registry, count, &tekigo_base::Clock::system(), lang, out).await?;
        }
        let labels = registry.label_count().await?;
        let shown = crate::serve_cmd::without_password(&url);
        match lang {
            Lang::En => writeln!(out, "The registry at {shown} is ready ({labels} labels).")?,
            Lang::Ja => writeln!(out, "{shown} の登録簿を用意しました（ラベル {labels} 件）。")?,
        }
        anyhow::Ok(())
    })?;
    Ok(Answer::Yes)
}

struct ArtworkRequest<'a> {
    number: &'a str,
    base_url: &'a str,
    width_mm: u32,
    format: ArtworkFormat,
    file: &'a Path,
}

/// `tekigo registry artwork`: the same artwork as the label page's links, for a label in the
/// registry, written to a file.
fn artwork(
    database: &DatabaseArgs,
    request: &ArtworkRequest<'_>,
    criteria: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Answer> {
    use tekigo_web::labels::artwork::{self, LabelFacts};

    let number = request.number.trim();
    let today = tekigo_base::Clock::system().today();
    let label = runtime()?.block_on(async {
        let registry = open(database, criteria, lang).await?;
        anyhow::Ok(registry.label(number, today).await?)
    })?;
    let Some(label) = label else {
        bail!("{} {number}", tr(lang, "no label is registered under", "登録されていないラベル番号です:"));
    };
    // The URL the product page has under `tekigo serve --base-url`, which its QR code encodes.
    let url = format!("{}/labels/{}", request.base_url.trim_end_matches('/'), label.number);
    let made = LabelFacts::from_label(&label, &url, lang).and_then(|facts| match request.format {
        ArtworkFormat::Svg => artwork::svg(&facts, request.width_mm, None).map(String::into_bytes),
        ArtworkFormat::Pdf => artwork::pdf(&facts, request.width_mm, None),
    });
    let bytes = made.map_err(|error| anyhow::anyhow!(error.in_lang(lang)))?;
    let file = request.file;
    // Written beside and renamed: a print pipeline watching the folder never takes half a file.
    let partial = file.with_file_name(format!(
        ".{}.partial",
        file.file_name().map_or_else(|| "artwork".into(), |name| name.to_string_lossy())
    ));
    std::fs::write(&partial, &bytes).with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, file).with_context(|| format!("cannot write {}", file.display()))?;
    match lang {
        Lang::En => writeln!(
            out,
            "{}: the artwork of {} ({} mm wide), its QR code leading to {url}",
            file.display(),
            label.number,
            request.width_mm
        )?,
        Lang::Ja => writeln!(
            out,
            "{}: {} の版下（幅 {} mm、QR コードの行き先 {url}）",
            file.display(),
            label.number,
            request.width_mm
        )?,
    }
    Ok(Answer::Yes)
}

pub(crate) fn run_registry(
    command: &RegistryCommand,
    criteria: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Answer> {
    let (database, vulndb, full, base_url, today, format) = match command {
        RegistryCommand::Init { database, demo } => return init(database, *demo, criteria, lang, out),
        RegistryCommand::Monitor { database, vulndb, full, base_url, today, format } => {
            (database, vulndb, full, base_url, today, format)
        }
        RegistryCommand::Artwork { number, database, base_url, width_mm, format, out: file } => {
            let request = ArtworkRequest { number, base_url, width_mm: *width_mm, format: *format, file };
            return artwork(database, &request, criteria, lang, out);
        }
    };
    let format = table_or_json(format.format)?;
    let today = match today {
        Some(text) => {
            text.parse::<jiff::civil::Date>().with_context(|| format!("--today {text}: expected YYYY-MM-DD"))?
        }
        None => tekigo_base::Clock::system().today(),
    };
    // Refused now, with the reason, rather than reported as a failed step.
    VulnDb::open(vulndb)?;
    let job = HourlyJob {
        vulndb: Some(vulndb.clone()),
        scope: if *full { Scope::Full } else { Scope::Journal },
        base_url: base_url.as_ref().map(|url| url.trim_end_matches('/').to_owned()),
    };
    let now = jiff::Timestamp::now().as_second();
    let report = runtime()?.block_on(async {
        let registry = open(database, criteria, lang).await?;
        anyhow::Ok(run_hourly(&registry, &job, today, now).await)
    })?;
    let failures: Vec<String> = report.failures().iter().map(|(step, error)| format!("{step}: {error}")).collect();
    if format == Format::Json {
        write_json(out, &job_json(&report))?;
    } else {
        write_job_table(&report, lang, out)?;
    }
    if !failures.is_empty() {
        // Whatever ran is printed above; a failed step means the job did not do its work.
        bail!("{}: {}", tr(lang, "the job failed", "ジョブが失敗しました"), failures.join("; "));
    }
    Ok(Answer::Yes)
}

/// A step as JSON: `{"ran": ...}`, `{"failed": "why"}` or `{"skipped": "why"}`.
fn step_json<T: serde::Serialize>(step: &Step<T>) -> serde_json::Value {
    match step {
        Step::Ran(value) => serde_json::json!({ "ran": value }),
        Step::Failed(error) => serde_json::json!({ "failed": error }),
        Step::Skipped(reason) => serde_json::json!({ "skipped": reason.en }),
    }
}

fn job_json(report: &HourlyReport) -> serde_json::Value {
    let advisories = report.advisories.map(|files| files.iter().map(|file| file.file_name.clone()).collect::<Vec<_>>());
    serde_json::json!({
        "monitoring": step_json(&report.monitoring),
        "advisories": step_json(&advisories),
        "sweep": step_json(&report.sweep),
    })
}

fn write_job_table(report: &HourlyReport, lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    match &report.monitoring {
        Step::Ran(run) => {
            let mut rows = table(vec![tr(lang, "what", "項目"), tr(lang, "count", "件数")]);
            let lines: [(&str, &str, String); 8] = [
                ("journal entries read", "読んだ変更履歴", format!("{} → {}", run.journal_from, run.journal_to)),
                ("index keys touched", "該当した索引キー", run.touched_keys.to_string()),
                ("components checked", "検査した構成要素", run.components_checked.to_string()),
                ("components whose findings changed", "判定が変わった構成要素", run.components_changed.to_string()),
                ("labels evaluated", "評価したラベル", run.labels_evaluated.to_string()),
                ("cases opened", "開始した案件", run.cases_opened.len().to_string()),
                ("cases closed", "終了した案件", run.cases_closed.len().to_string()),
                ("time (ms)", "所要時間 (ms)", run.elapsed_ms.to_string()),
            ];
            for (en, ja, value) in lines {
                rows.add_row(vec![tr(lang, en, ja).to_owned(), value]);
            }
            writeln!(out, "{rows}")?;
            for number in &run.cases_opened {
                writeln!(out, "{} {number}", tr(lang, "case opened:", "案件開始:"))?;
            }
            for number in &run.cases_closed {
                writeln!(out, "{} {number}", tr(lang, "case closed:", "案件終了:"))?;
            }
            for diagnostic in &run.diagnostics {
                writeln!(out, "! {diagnostic}")?;
            }
        }
        other => write_not_ran(out, lang, tr(lang, "monitoring", "監視"), other)?,
    }
    match &report.advisories {
        Step::Ran(files) => match lang {
            Lang::En => {
                writeln!(out, "CSAF advisories: {} (each valid against the schema and mandatory tests)", files.len())?
            }
            Lang::Ja => writeln!(out, "CSAF アドバイザリ: {} 件（いずれもスキーマと必須テストに適合）", files.len())?,
        },
        other => write_not_ran(out, lang, tr(lang, "CSAF advisories", "CSAF アドバイザリ"), other)?,
    }
    match &report.sweep {
        Step::Ran(events) => {
            for event in events {
                writeln!(out, "{}: {}", event.label, event.event)?;
            }
        }
        other => write_not_ran(out, lang, tr(lang, "calendar sweep", "期日の処理"), other)?,
    }
    Ok(())
}

/// A step that did not run, and why.
fn write_not_ran<T>(out: &mut dyn Write, lang: Lang, step: &str, outcome: &Step<T>) -> anyhow::Result<()> {
    match outcome {
        Step::Ran(_) => {}
        Step::Failed(error) => writeln!(out, "{step}: {} {error}", tr(lang, "failed:", "失敗:"))?,
        Step::Skipped(reason) => writeln!(out, "{step}: {} {}", tr(lang, "not run:", "未実行:"), reason.get(lang))?,
    }
    Ok(())
}

pub(crate) fn run_csaf(
    command: &CsafCommand,
    criteria: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Answer> {
    let CsafCommand::Export { database, out: folder, base_url, publisher, contact } = command;
    let publisher = tekigo_csaf::Publisher {
        name: publisher.clone(),
        namespace: base_url.trim_end_matches('/').to_owned(),
        contact_details: contact.clone(),
    };
    let files = runtime()?.block_on(async {
        let registry = open(database, criteria, lang).await?;
        anyhow::Ok(registry.export_csaf(&publisher, base_url, jiff::Timestamp::now()).await?)
    })?;
    std::fs::create_dir_all(folder).with_context(|| format!("cannot make {}", folder.display()))?;
    for file in &files {
        let path = folder.join(&file.file_name);
        let mut bytes = serde_json::to_vec_pretty(&file.document)?;
        bytes.push(b'\n');
        // Written beside and renamed: a reader never sees half a document.
        let partial = folder.join(format!(".{}.partial", file.file_name));
        std::fs::write(&partial, &bytes).with_context(|| format!("cannot write {}", partial.display()))?;
        std::fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(out, "{}", path.display())?;
    }
    match lang {
        Lang::En => {
            writeln!(out, "{} advisories, each valid against the CSAF 2.0 schema and mandatory tests.", files.len())?
        }
        Lang::Ja => {
            writeln!(out, "{} 件のアドバイザリ（いずれも CSAF 2.0 スキーマと必須テストに適合）。", files.len())?
        }
    }
    Ok(Answer::Yes)
}
