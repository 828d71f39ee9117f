//! `tekigo incident duties CASE`: the responsibilities table of SCHEME §6 for one case, from
//! `tekigo_registry::incidents` (pure, no database).

use std::io::Write;

use anyhow::anyhow;
use tekigo_base::Lang;
use tekigo_registry::incidents::{self, Case};

use crate::cli::{Format, IncidentCommand};
use crate::exit::Answer;
use crate::output::{self, tr};

pub(crate) fn run(command: &IncidentCommand, lang: Lang, out: &mut dyn Write) -> anyhow::Result<Answer> {
    match command {
        IncidentCommand::Duties { case, format } => {
            let case = Case::parse(case)
                .ok_or_else(|| anyhow!("{}: `{case}` (A-1, A-2, B-1, B-2)", tr(lang, "unknown case", "不明な区分")))?;
            let duties = incidents::responsibilities(case);
            match output::table_or_json(format.format)? {
                Format::Json => output::write_json(
                    out,
                    &serde_json::json!({
                        "case": case,
                        "cause": case.cause(),
                        "description": case.text(),
                        "responsibilities": duties.iter().map(|d| serde_json::json!({
                            "stakeholder": d.stakeholder,
                            "stakeholder_text": d.stakeholder.text(),
                            "duty": d.duty,
                            "actions": d.actions.iter().map(|a| serde_json::json!({ "action": a, "text": a.text() })).collect::<Vec<_>>(),
                        })).collect::<Vec<_>>(),
                    }),
                )?,
                _ => {
                    writeln!(out, "{} {}: {}", tr(lang, "Case", "区分"), case.name(), case.text().get(lang))?;
                    let mut table = output::table(vec![
                        tr(lang, "stakeholder", "主体"),
                        tr(lang, "duty", "役割"),
                        tr(lang, "actions", "対応"),
                    ]);
                    for duty in &duties {
                        table.add_row(vec![
                            duty.stakeholder.text().get(lang).to_owned(),
                            duty.duty.get(lang).to_owned(),
                            duty.actions
                                .iter()
                                .map(|a| format!("- {}", a.text().get(lang)))
                                .collect::<Vec<_>>()
                                .join("\n"),
                        ]);
                    }
                    writeln!(out, "{table}")?;
                    writeln!(
                        out,
                        "{}",
                        tr(
                            lang,
                            "Stakeholders with no duty in this case are not listed (SCHEME §6).",
                            "この区分で役割のない主体は表示していません（SCHEME §6）。"
                        )
                    )?;
                }
            }
            Ok(Answer::Yes)
        }
    }
}
