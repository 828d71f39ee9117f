//! Settling a re-evaluated label's lifecycle: a new failing finding opens a monitoring case, a
//! label with nothing failing any more has its monitoring case closed.
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use jiff::civil::Date;
use tekigo_base::Text;

use super::*;
use crate::cases::lifecycle::{Correction, Event, Lifecycle, Source};
use crate::db::{Registry, RegistryError};

impl Registry {
    /// Moves each label's lifecycle to what its findings now say: a case opened (or joined) for
    /// a label that fails, the monitoring case closed for one that no longer does. `reasons` are
    /// the dirty marks that say how a case was corrected.
    pub(super) async fn settle(
        &self,
        monitored: &[i64],
        reasons: &HashMap<i64, i64>,
        run: &mut MonitorRun,
        today: Date,
        now: i64,
    ) -> Result<(), RegistryError> {
        let labels = sqlx::query(safe!(
            "SELECT m.id, m.label_number, l.state, l.lifecycle FROM monitored_labels m \
             JOIN labels l ON l.number = m.label_number WHERE m.id IN ({})",
            ids_list(monitored)
        ))
        .fetch_all(self.pool())
        .await?;
        let mut failing: HashMap<i64, BTreeSet<String>> = HashMap::new();
        for row in sqlx::query(safe!(
            "SELECT monitored_id, vuln_id FROM label_findings WHERE monitored_id IN ({})",
            ids_list(monitored)
        ))
        .fetch_all(self.pool())
        .await?
        {
            failing.entry(row.try_get("monitored_id")?).or_default().insert(row.try_get("vuln_id")?);
        }
        let mut tx = self.begin_write().await?;
        for label in &labels {
            let id: i64 = label.try_get("id")?;
            let number: String = label.try_get("label_number")?;
            let state: String = label.try_get("state")?;
            if state == "revoked" {
                continue;
            }
            let stored: String = label.try_get("lifecycle")?;
            let lifecycle: Lifecycle = crate::cases::stored_lifecycle(&number, &stored)?;
            let Some(findings) = failing.get(&id) else {
                let monitoring_case = matches!(lifecycle, Lifecycle::Correcting { source: Source::Monitoring, .. })
                    || matches!(&lifecycle, Lifecycle::Suspended { case: Some(_), .. })
                        && self.case_source(&mut tx, lifecycle.case()).await?
                            == Some(Source::Monitoring.name().to_owned());
                if monitoring_case {
                    let acting = Instant::now();
                    let how = match reasons.get(&id).copied().unwrap_or(0) {
                        DIRTY_VEX => Correction::Vex,
                        DIRTY_SBOM => Correction::UpdatedSbom,
                        DIRTY_INDEXED => Correction::NewFirmware,
                        _ => Correction::AdvisoryChanged,
                    };
                    Self::apply_in(
                        &mut tx,
                        &number,
                        &Event::Corrected { how, on: today },
                        "tekigo:monitor",
                        now,
                        serde_json::Value::Null,
                    )
                    .await?;
                    run.cases_closed.push(number.clone());
                    run.cases_us += acting.elapsed().as_micros();
                }
                continue;
            };
            run.labels_failing += 1;
            let was_open = !matches!(lifecycle, Lifecycle::Active);
            let ids: Vec<&str> = findings.iter().map(String::as_str).collect();
            let open_ids = match &lifecycle {
                Lifecycle::Active => Vec::new(),
                _ => ids.clone(),
            };
            // A case already open on the same findings is left as it is.
            if was_open && self.case_covers(&mut tx, lifecycle.case(), &open_ids).await? {
                continue;
            }
            let summary = Text::new(
                format!("Known exploitable vulnerabilities fail the level's rule (SCHEME §2): {}", ids.join(", ")),
                format!("既知の悪用可能な脆弱性がレベルの基準（SCHEME §2）を満たしません: {}", ids.join(", ")),
            );
            // The findings themselves stay with the label (`label_findings`); the case names them.
            let detail = serde_json::json!({ "vulnerabilities": ids });
            let acting = Instant::now();
            Self::open_case_in(&mut tx, &number, Source::Monitoring, &summary, &detail, "tekigo:monitor", today, now)
                .await?;
            run.cases_us += acting.elapsed().as_micros();
            if !was_open {
                run.cases_opened.push(number.clone());
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the open case `case` already lists exactly `ids` (no need to rewrite it).
    pub(super) async fn case_covers(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        case: Option<i64>,
        ids: &[&str],
    ) -> Result<bool, RegistryError> {
        let Some(case) = case else { return Ok(false) };
        let detail: Option<String> =
            sqlx::query_scalar("SELECT detail FROM cases WHERE id = $1").bind(case).fetch_optional(&mut **tx).await?;
        let listed: Vec<String> = detail
            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
            .and_then(|d| d.get("vulnerabilities").cloned())
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        Ok(!ids.is_empty() && listed.iter().map(String::as_str).eq(ids.iter().copied()))
    }

    pub(super) async fn case_source(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        case: Option<i64>,
    ) -> Result<Option<String>, RegistryError> {
        let Some(case) = case else { return Ok(None) };
        Ok(sqlx::query_scalar("SELECT source FROM cases WHERE id = $1").bind(case).fetch_optional(&mut **tx).await?)
    }
}
