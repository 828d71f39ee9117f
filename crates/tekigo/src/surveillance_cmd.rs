//! `tekigo surveillance plan`: the plan the registry would publish for a year and seed, drawn
//! from the same candidates (`Registry::surveillance_candidates`) by the same function
//! (`tekigo_registry::surveillance::plan`) as `publish_plan`, without storing anything.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tekigo_base::Lang;
use tekigo_registry::surveillance::{self, Reason};

use crate::cli::{Format, SurveillanceCommand};
use crate::criteria_cmd::load_catalog;
use crate::exit::Answer;
use crate::output::{self, tr};

pub(crate) fn run(
    command: &SurveillanceCommand,
    criteria: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Answer> {
    let SurveillanceCommand::Plan(args) = command;
    let format = output::table_or_json(args.format)?;
    let catalog = Arc::new(load_catalog(criteria)?);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("start the async runtime")?;
    let today = args.today.unwrap_or_else(|| tekigo_base::Clock::system().today());
    let plan = runtime.block_on(async {
        let registry = crate::registry_cmd::open_existing(&args.database, catalog, lang).await?;
        let candidates = registry.surveillance_candidates(today).await?;
        anyhow::Ok(surveillance::plan(args.year, &args.seed, &candidates, args.capacity, args.sample))
    })?;
    if format == Format::Json {
        output::write_json(out, &plan)?;
        return Ok(Answer::Yes);
    }
    writeln!(
        out,
        "{} {} ({})",
        tr(lang, "Surveillance plan", "サーベイランス計画"),
        plan.year,
        tr(lang, "dry run, not stored", "試行・保存していません")
    )?;
    writeln!(out, "{}: {}", tr(lang, "Seed", "シード"), plan.seed)?;
    writeln!(out, "{}: {}", tr(lang, "RNG seed", "乱数シード"), plan.rng_seed)?;
    writeln!(out, "{}: {}", tr(lang, "Derivation", "導出"), plan.derivation)?;
    writeln!(
        out,
        "{}: {} / {}: {}",
        tr(lang, "Reported candidates", "報告のある候補"),
        plan.reported_candidates,
        tr(lang, "★1 self-declared candidates", "★1 自己適合宣言の候補"),
        plan.random_candidates
    )?;
    let mut table =
        output::table(vec!["#", tr(lang, "Label", "ラベル"), tr(lang, "Why", "理由"), tr(lang, "Weight", "重み")]);
    for (i, pick) in plan.picks.iter().enumerate() {
        let reason = match pick.reason {
            Reason::Report => tr(lang, "reports", "報告"),
            Reason::Random => tr(lang, "random test purchase", "無作為試買"),
        };
        table.add_row(vec![(i + 1).to_string(), pick.label_number.clone(), reason.to_owned(), pick.weight.to_string()]);
    }
    writeln!(out, "{table}")?;
    Ok(Answer::Yes)
}
