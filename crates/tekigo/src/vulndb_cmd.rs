//! `tekigo vulndb ...`: build and inspect the offline vulnerability database.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use tekigo_criteria::Lang;
use tekigo_vuln::{Progress, VulnDb, import_paths};

use crate::cli::{Format, VulndbCommand};
use crate::output::{table, table_or_json, tr, write_json};

pub(crate) fn run(command: &VulndbCommand, lang: Lang, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match command {
        VulndbCommand::Import { db, paths, format } => {
            let format = table_or_json(format.format)?;
            let mut database = VulnDb::create_or_open(db)?;
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
            let summary = import_paths(&mut database, paths, &mut |progress| {
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
            if format == Format::Json {
                return write_json(out, &summary).map(|()| ExitCode::SUCCESS);
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
        VulndbCommand::Stats { db, format } => {
            let format = table_or_json(format.format)?;
            let stats = VulnDb::open(db)?.stats()?;
            if format == Format::Json {
                return write_json(out, &stats).map(|()| ExitCode::SUCCESS);
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
    Ok(ExitCode::SUCCESS)
}
