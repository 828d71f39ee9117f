//! `tekigo vulndb ...`: build and inspect the offline vulnerability database.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use tekigo_base::Lang;
use tekigo_feeds::{Endpoints, Event, FeedStatus, Options, Source};
use tekigo_vuln::{Progress, VulnDb, import_into};

use crate::cli::{FeedSource, Format, VulndbCommand};
use crate::exit::Answer;
use crate::output::{table, table_or_json, tr, write_json};

#[allow(clippy::print_stderr)]
pub(crate) fn run(command: &VulndbCommand, lang: Lang, out: &mut dyn Write) -> anyhow::Result<Answer> {
    match command {
        VulndbCommand::Import { db, paths, format } => {
            let format = table_or_json(format.format)?;
            // Bars go to stderr, and only on a terminal: scripts and logs get the summary alone.
            let bar = std::io::stderr().is_terminal().then(|| {
                let bar = ProgressBar::new(0);
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar
            });
            let started = Instant::now();
            let summary = import_into(db, paths, &mut |progress| {
                if let Some(bar) = &bar {
                    match progress {
                        Progress::Started { files } => bar.set_length(files as u64),
                        Progress::File { done, origin } => {
                            bar.set_position(done as u64);
                            bar.set_message(origin);
                        }
                    }
                }
            })?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            for skipped in &summary.skipped_files {
                match lang {
                    Lang::En => eprintln!("skipped {}: {}", skipped.path, skipped.reason),
                    Lang::Ja => eprintln!("読み飛ばし {}: {}", skipped.path, skipped.reason),
                }
            }
            if format == Format::Json {
                return write_json(out, &summary).map(|()| Answer::Yes);
            }
            let mut rows = table(vec![
                tr(lang, "Source", "ソース"),
                tr(lang, "New", "新規"),
                tr(lang, "Updated", "更新"),
                tr(lang, "Unchanged", "変更なし"),
                tr(lang, "Skipped", "対象外"),
                tr(lang, "Data as of", "データ日付"),
            ]);
            for (name, source) in &summary.sources {
                rows.add_row(vec![
                    name.clone(),
                    source.inserted.to_string(),
                    source.updated.to_string(),
                    source.unchanged.to_string(),
                    source.skipped.to_string(),
                    source.data_date.clone().unwrap_or_default(),
                ]);
            }
            writeln!(out, "{rows}")?;
            let seconds = started.elapsed().as_secs_f64();
            match lang {
                Lang::En => {
                    writeln!(out, "imported {} file(s) into {} in {seconds:.2} s", summary.files, db.display())?
                }
                Lang::Ja => writeln!(
                    out,
                    "{} 件のファイルを {} に取り込みました（{seconds:.2} 秒）",
                    summary.files,
                    db.display()
                )?,
            }
        }
        VulndbCommand::Update { db, source, ecosystem, sbom, mirror, format } => {
            let format = table_or_json(format.format)?;
            return update(db, source, ecosystem, sbom, mirror.as_deref(), format, lang, out);
        }
        VulndbCommand::Stats { db, format } => {
            let format = table_or_json(format.format)?;
            let stats = VulnDb::open(db)?.stats()?;
            if format == Format::Json {
                return write_json(out, &stats).map(|()| Answer::Yes);
            }
            let mut totals = table(vec![tr(lang, "Held", "件数"), tr(lang, "Count", "数")]);
            for (name, count) in [
                (tr(lang, "vulnerabilities (aliases merged)", "脆弱性（別名を統合）"), stats.vulnerabilities),
                (tr(lang, "identifiers (CVE, GHSA, GO-, ...)", "識別子（CVE・GHSA・GO- など）"), stats.aliases),
                (tr(lang, "advisory records", "アドバイザリ"), stats.records),
                (tr(lang, "affected package ranges", "影響を受けるパッケージ範囲"), stats.affected_packages),
                (tr(lang, "affected CPE ranges", "影響を受けるCPE範囲"), stats.affected_cpes),
                (tr(lang, "KEV entries", "KEV 登録"), stats.kev),
                (tr(lang, "EPSS scores", "EPSS スコア"), stats.epss),
            ] {
                totals.add_row(vec![name.to_owned(), count.to_string()]);
            }
            writeln!(out, "{totals}")?;
            let mut sources = table(vec![
                tr(lang, "Source", "ソース"),
                tr(lang, "Items", "件数"),
                tr(lang, "Data as of", "データ日付"),
                tr(lang, "Age (days)", "経過日数"),
                tr(lang, "Imported at (UTC)", "取り込み日時（UTC）"),
            ]);
            let today = jiff::ZonedDateTime::now().date();
            for source in &stats.sources {
                let age = source
                    .data_date
                    .as_deref()
                    .and_then(|d| jiff::civil::Date::strptime("%Y-%m-%d", d.get(..10)?).ok())
                    .map(|d| i64::from((today - d).get_days()))
                    .map_or_else(String::new, |days: i64| days.to_string());
                sources.add_row(vec![
                    source.name.clone(),
                    source.items.to_string(),
                    source.data_date.clone().unwrap_or_default(),
                    age,
                    source.last_import.clone(),
                ]);
            }
            writeln!(out, "{sources}")?;
        }
    }
    Ok(Answer::Yes)
}

#[allow(clippy::too_many_arguments, clippy::print_stderr)]
fn update(
    db: &std::path::Path,
    sources: &[FeedSource],
    ecosystems: &[String],
    sboms: &[std::path::PathBuf],
    mirror: Option<&str>,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Answer> {
    let mut options = Options::new(db);
    options.sources = sources
        .iter()
        .map(|s| match s {
            FeedSource::Osv => Source::Osv,
            FeedSource::Nvd => Source::Nvd,
            FeedSource::Kev => Source::Kev,
            FeedSource::Epss => Source::Epss,
        })
        .collect();
    options.ecosystems = ecosystems.iter().map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()).collect();
    options.ecosystems.extend(tekigo_feeds::ecosystems_of_sboms(sboms)?);
    if let Some(mirror) = mirror {
        options.endpoints = Endpoints::mirror(mirror);
    }
    options.nvd_api_key = std::env::var("NVD_API_KEY").ok().filter(|k| !k.trim().is_empty());
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {bytes}/{total_bytes} {bar:30}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let started = Instant::now();
    let report = tekigo_feeds::update(&options, &mut |event| match event {
        Event::Request { feed, url } => {
            if let Some(bar) = &bar {
                bar.set_length(0);
                bar.set_position(0);
                bar.set_message(format!("{feed} {url}"));
            }
        }
        Event::Bytes { done, total, .. } => {
            if let Some(bar) = &bar {
                bar.set_length(total.unwrap_or(done));
                bar.set_position(done);
            }
        }
        Event::Records { feed, done, total } => {
            if let Some(bar) = &bar {
                bar.set_message(format!("{feed} {done}/{total} CVE"));
            }
        }
        Event::Importing { feed } => {
            if let Some(bar) = &bar {
                bar.set_message(format!("{feed}: {}", tr(lang, "importing", "取り込み中")));
            }
        }
        // Waits are told even without a terminal: a log shows why a run took long.
        Event::Retry { feed, reason, wait } => {
            let line = match lang {
                Lang::En => format!("{feed}: {reason}; trying again in {:.1} s", wait.as_secs_f64()),
                Lang::Ja => format!("{feed}: {reason}。{:.1} 秒後に再試行します", wait.as_secs_f64()),
            };
            match &bar {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = report?;
    if format == Format::Json {
        return write_json(out, &report).map(|()| Answer::Yes);
    }
    let mut rows = table(vec![
        tr(lang, "Feed", "フィード"),
        tr(lang, "Status", "状態"),
        tr(lang, "Requests", "要求数"),
        tr(lang, "Bytes", "バイト数"),
        tr(lang, "New", "新規"),
        tr(lang, "Updated", "更新"),
        tr(lang, "Unchanged", "変更なし"),
    ]);
    for feed in &report.feeds {
        let sum = |pick: fn(&tekigo_vuln::import::SourceSummary) -> usize| -> String {
            feed.sources.values().map(pick).sum::<usize>().to_string()
        };
        rows.add_row(vec![
            feed.feed.clone(),
            match feed.status {
                FeedStatus::Updated => tr(lang, "updated", "更新"),
                FeedStatus::NotModified => tr(lang, "not modified", "変更なし"),
            }
            .to_owned(),
            feed.requests.to_string(),
            feed.bytes.to_string(),
            sum(|s| s.inserted),
            sum(|s| s.updated),
            sum(|s| s.unchanged),
        ]);
    }
    writeln!(out, "{rows}")?;
    let seconds = started.elapsed().as_secs_f64();
    match lang {
        Lang::En => writeln!(out, "updated {} in {seconds:.2} s", db.display())?,
        Lang::Ja => writeln!(out, "{} を更新しました（{seconds:.2} 秒）", db.display())?,
    }
    Ok(Answer::Yes)
}
