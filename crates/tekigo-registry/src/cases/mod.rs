//! Cases against labels and the lifecycle's storage: every change of a label after issue goes
//! through [`Registry::apply_in`], which loads the label's [`Lifecycle`], applies one event with
//! the pure machine, and writes the new state, the feed event, the case's status, the vendor's
//! notice and the audit record in the caller's transaction.

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use tekigo_base::Text;

pub mod lifecycle;

pub use lifecycle::{Correction, Event, Ground, Lifecycle, Refused, Source, Transition};

use crate::accounts::User;
use crate::db::{self, Registry, RegistryError, invalid};
use crate::labels::rules::{self, State, Status};

/// A non-conformity against a label, as the vendor, staff and the public see it.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub id: i64,
    pub label_number: String,
    pub source: String,
    /// `open` (grace period running), `suspended`, `closed` or `revoked`.
    pub status: String,
    pub opened_on: String,
    pub grace_until: String,
    pub closed_on: Option<String>,
    pub outcome: Option<String>,
    pub summary: Text,
    pub detail: serde_json::Value,
    pub updated: i64,
}

/// A message from the certification body to a vendor.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub id: i64,
    pub label_number: Option<String>,
    pub case_id: Option<i64>,
    pub at: i64,
    pub kind: String,
    pub subject: Text,
    pub body: Text,
}

/// A revocation the certification body announced (SCHEME §5.4).
#[derive(Debug, Clone, Serialize)]
pub struct Announcement {
    pub label_number: String,
    pub vendor: String,
    pub product_name: String,
    pub model: String,
    pub ground: Ground,
    pub ground_text: Text,
    pub on: String,
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

fn case_status(lifecycle: &Lifecycle) -> &'static str {
    match lifecycle {
        Lifecycle::Active => "closed",
        Lifecycle::Correcting { .. } => "open",
        Lifecycle::Suspended { .. } => "suspended",
        Lifecycle::Revoked { .. } => "revoked",
    }
}

/// The vendor's notice for a feed event, in both languages.
fn notice_text(kind: &str, number: &str, to: &Lifecycle) -> Option<(Text, Text)> {
    let (subject, body) = match (kind, to) {
        ("case-opened", Lifecycle::Correcting { grace_until, .. }) => (
            Text::new(format!("{number}: a non-conformity was found"), format!("{number}: 不適合が見つかりました")),
            Text::new(
                format!(
                    "A non-conformity was found in the labeled product. Correct it by {grace_until} with a VEX statement, an updated SBOM or a new firmware version; otherwise the label will be suspended and the revocation procedure started (SCHEME §5.4)."
                ),
                format!(
                    "ラベル取得製品に不適合が見つかりました。{grace_until} までに VEX、更新した SBOM または新しいファームウェアで是正してください。是正されない場合、ラベルは一時停止され、取消しの手続きが始まります（SCHEME §5.4）。"
                ),
            ),
        ),
        ("case-closed", _) => (
            Text::new(format!("{number}: the case is closed"), format!("{number}: 案件は終了しました")),
            Text::new(
                "The non-conformity was corrected. The label stays valid.",
                "不適合は是正されました。ラベルは引き続き有効です。",
            ),
        ),
        ("suspended", Lifecycle::Suspended { hearing_until, ground, urgent, .. }) => (
            Text::new(format!("{number}: the label is suspended"), format!("{number}: ラベルを一時停止しました")),
            if *urgent {
                Text::new(
                    format!("The label is suspended ({}) with urgency.", ground.text().en),
                    format!("ラベルを緊急に一時停止しました（{}）。", ground.text().ja),
                )
            } else {
                Text::new(
                    format!(
                        "The label is suspended ({}). You may answer until {hearing_until} (hearing); without a correction the label will then be revoked.",
                        ground.text().en
                    ),
                    format!(
                        "ラベルを一時停止しました（{}）。{hearing_until} まで意見を述べることができます（聴聞）。是正がなければその後ラベルは取り消されます。",
                        ground.text().ja
                    ),
                )
            },
        ),
        ("reinstated", _) => (
            Text::new(format!("{number}: the label is reinstated"), format!("{number}: ラベルを再開しました")),
            Text::new(
                "The suspension is lifted; the label is valid again.",
                "一時停止を解除しました。ラベルは再び有効です。",
            ),
        ),
        ("revoked", Lifecycle::Revoked { ground, .. }) => (
            Text::new(format!("{number}: the label is revoked"), format!("{number}: ラベルを取り消しました")),
            Text::new(
                format!("The label is revoked: {}. The product may no longer carry it.", ground.text().en),
                format!("ラベルを取り消しました: {}。製品にラベルを表示することはできません。", ground.text().ja),
            ),
        ),
        _ => return None,
    };
    Some((subject, body))
}

/// A label's stored lifecycle; one that does not read is [`RegistryError::Corrupt`], never
/// "active".
pub(crate) fn stored_lifecycle(number: &str, stored: &str) -> Result<Lifecycle, RegistryError> {
    serde_json::from_str(stored).map_err(|error| db::corrupt(format!("label {number}: lifecycle `{stored}`"), error))
}

impl Registry {
    /// Applies `event` to the label `number` inside `tx`: the one place a label's lifecycle is
    /// written. Returns the transition; a refused event is an `Invalid` error naming why.
    pub(crate) async fn apply_in(
        tx: &mut Tx<'_>,
        number: &str,
        event: &Event,
        actor: &str,
        now: i64,
        detail: serde_json::Value,
    ) -> Result<Transition, RegistryError> {
        let row = sqlx::query("SELECT lifecycle, expires, support_end, organisation_id FROM labels WHERE number = $1")
            .bind(number)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("label {number}")))?;
        let stored: String = row.try_get("lifecycle")?;
        let lifecycle = stored_lifecycle(number, &stored)?;
        let transition = lifecycle.apply(event).map_err(|refused| {
            let text = refused.text();
            invalid(format!("{number}: {}", text.en), format!("{number}: {}", text.ja))
        })?;
        let Some(kind) = transition.kind else { return Ok(transition) };
        let expires: String = row.try_get("expires")?;
        let support_end: String = row.try_get("support_end")?;
        let organisation: i64 = row.try_get("organisation_id")?;
        let state = transition.to.state();
        sqlx::query("UPDATE labels SET lifecycle = $1, state = $2, updated = $3 WHERE number = $4")
            .bind(serde_json::to_string(&transition.to).unwrap_or_default())
            .bind(state.name())
            .bind(now)
            .bind(number)
            .execute(&mut **tx)
            .await?;
        let status = rules::status_on(state, event.on(), db::day(&expires)?, db::day(&support_end)?);
        let case = transition.to.case().or(transition.from.case());
        let event_detail = match (&transition.to, case) {
            (Lifecycle::Revoked { ground, .. } | Lifecycle::Suspended { ground, .. }, _) => {
                Some(ground.name().to_owned())
            }
            (_, Some(case)) => Some(format!("case {case}")),
            _ => None,
        };
        if kind != "renewed" {
            // Renewal writes its own feed event with the new expiry (store.rs `approve`).
            Self::event(tx, number, kind, status, now, event_detail).await?;
        }
        if let Some(case) = case {
            let closed = matches!(transition.to, Lifecycle::Active);
            let outcome = match (event, &transition.to) {
                (Event::Corrected { how, .. }, _) => Some(how.name().to_owned()),
                (_, Lifecycle::Revoked { ground, .. }) => Some(format!("revoked: {}", ground.name())),
                (Event::Reinstate { .. }, _) => Some("reinstated".to_owned()),
                _ => None,
            };
            sqlx::query(
                "UPDATE cases SET status = $1, closed_on = CASE WHEN $2 = 1 THEN $3 ELSE closed_on END, \
                 outcome = coalesce($4, outcome), updated = $5 WHERE id = $6",
            )
            .bind(case_status(&transition.to))
            .bind(i64::from(closed || matches!(transition.to, Lifecycle::Revoked { .. })))
            .bind(event.on().to_string())
            .bind(outcome)
            .bind(now)
            .bind(case)
            .execute(&mut **tx)
            .await?;
        }
        if let Some((subject, body)) = notice_text(kind, number, &transition.to) {
            Self::notify_in(tx, organisation, Some(number), case, kind, &subject, &body, now).await?;
        }
        let mut audit = serde_json::json!({ "event": event, "from": transition.from, "to": transition.to });
        if !detail.is_null() {
            audit["detail"] = detail;
        }
        Self::audit(tx, now, actor, kind, &format!("label:{number}"), audit).await?;
        Ok(transition)
    }

    /// A notice to an organisation (a vendor, or a lab), in `tx`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn notify_in(
        tx: &mut Tx<'_>,
        organisation: i64,
        number: Option<&str>,
        case: Option<i64>,
        kind: &str,
        subject: &Text,
        body: &Text,
        now: i64,
    ) -> Result<(), RegistryError> {
        sqlx::query(
            "INSERT INTO notices (organisation_id, label_number, case_id, at, kind, subject_en, subject_ja, body_en, body_ja) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(organisation)
        .bind(number)
        .bind(case)
        .bind(now)
        .bind(kind)
        .bind(&subject.en)
        .bind(&subject.ja)
        .bind(&body.en)
        .bind(&body.ja)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Opens a case against `number` (or joins the one open) in `tx`; returns the case's ID.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn open_case_in(
        tx: &mut Tx<'_>,
        number: &str,
        source: Source,
        summary: &Text,
        detail: &serde_json::Value,
        actor: &str,
        today: Date,
        now: i64,
    ) -> Result<i64, RegistryError> {
        let stored: Option<String> = sqlx::query_scalar("SELECT lifecycle FROM labels WHERE number = $1")
            .bind(number)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(stored) = stored else { return Err(RegistryError::NotFound(format!("label {number}"))) };
        if let Ok(lifecycle) = serde_json::from_str::<Lifecycle>(&stored)
            && let Some(case) = lifecycle.case()
            && !matches!(lifecycle, Lifecycle::Revoked { .. })
        {
            // One proceeding at a time: a new finding joins the open case.
            sqlx::query("UPDATE cases SET detail = $1, updated = $2 WHERE id = $3")
                .bind(detail.to_string())
                .bind(now)
                .bind(case)
                .execute(&mut **tx)
                .await?;
            return Ok(case);
        }
        let case: i64 = sqlx::query_scalar(
            "INSERT INTO cases (label_number, source, status, opened_on, grace_until, summary, detail, updated) \
             VALUES ($1, $2, 'open', $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(number)
        .bind(source.name())
        .bind(today.to_string())
        .bind(lifecycle::grace_end(today).to_string())
        .bind(serde_json::to_string(summary).unwrap_or_default())
        .bind(detail.to_string())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        Self::apply_in(tx, number, &Event::NonConformityFound { case, source, on: today }, actor, now, detail.clone())
            .await?;
        Ok(case)
    }

    /// Staff open a case by hand (a confirmed report, a surveillance finding, an incident).
    #[allow(clippy::too_many_arguments)]
    pub async fn open_case(
        &self,
        staff: &User,
        number: &str,
        source: Source,
        summary: &Text,
        detail: serde_json::Value,
        today: Date,
        now: i64,
    ) -> Result<i64, RegistryError> {
        Self::require_reviewer(staff)?;
        let mut tx = self.begin_write().await?;
        let case = Self::open_case_in(&mut tx, number, source, summary, &detail, &staff.email, today, now).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Applies one staff decision (suspend, revoke, reinstate, close as corrected).
    pub async fn decide(
        &self,
        staff: &User,
        number: &str,
        event: Event,
        reason: &str,
        now: i64,
    ) -> Result<Transition, RegistryError> {
        Self::require_reviewer(staff)?;
        if matches!(event, Event::NonConformityFound { .. } | Event::DayPassed { .. } | Event::Renewed { .. }) {
            return Err(invalid("that event is not a staff decision", "その操作は職員の判断ではありません"));
        }
        if reason.trim().is_empty() {
            return Err(invalid("give the reason for the decision", "判断の理由を記入してください"));
        }
        let mut tx = self.begin_write().await?;
        let transition =
            Self::apply_in(&mut tx, number, &event, &staff.email, now, serde_json::json!({ "reason": reason.trim() }))
                .await?;
        tx.commit().await?;
        Ok(transition)
    }

    /// Moves every label with a running grace period or hearing to `today`: suspensions after
    /// the grace period, revocations after the hearing. Idempotent; part of the hourly sweep.
    pub async fn advance_lifecycles(&self, today: Date, now: i64) -> Result<Vec<(String, Transition)>, RegistryError> {
        let numbers: Vec<String> = sqlx::query_scalar(
            "SELECT number FROM labels WHERE lifecycle NOT LIKE '{\"state\":\"active\"%' AND state <> 'revoked'",
        )
        .fetch_all(self.pool())
        .await?;
        let mut moved = Vec::new();
        for number in numbers {
            let mut tx = self.begin_write().await?;
            let transition = Self::apply_in(
                &mut tx,
                &number,
                &Event::DayPassed { on: today },
                "tekigo:calendar",
                now,
                serde_json::Value::Null,
            )
            .await;
            match transition {
                Ok(transition) if transition.kind.is_some() => {
                    tx.commit().await?;
                    moved.push((number, transition));
                }
                // Nothing due, or a label whose last step is dated after `today` (a clock set back).
                Ok(_) | Err(RegistryError::Invalid(_)) => tx.rollback().await?,
                Err(error) => return Err(error),
            }
        }
        Ok(moved)
    }

    /// The label's lifecycle state.
    pub async fn lifecycle(&self, number: &str) -> Result<Option<Lifecycle>, RegistryError> {
        let stored: Option<String> = sqlx::query_scalar("SELECT lifecycle FROM labels WHERE number = $1")
            .bind(number)
            .fetch_optional(self.pool())
            .await?;
        stored.map(|s| stored_lifecycle(number, &s)).transpose()
    }

    fn case_from(row: &sqlx::any::AnyRow) -> Result<Case, RegistryError> {
        let summary: String = row.try_get("summary")?;
        let detail: String = row.try_get("detail")?;
        Ok(Case {
            id: row.try_get("id")?,
            label_number: row.try_get("label_number")?,
            source: row.try_get("source")?,
            status: row.try_get("status")?,
            opened_on: row.try_get("opened_on")?,
            grace_until: row.try_get("grace_until")?,
            closed_on: row.try_get("closed_on")?,
            outcome: row.try_get("outcome")?,
            summary: serde_json::from_str(&summary).unwrap_or_else(|_| Text::new(summary.clone(), summary)),
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            updated: row.try_get("updated")?,
        })
    }

    const CASE_COLUMNS: &'static str = "id, label_number, source, status, opened_on, grace_until, closed_on, outcome, summary, detail, updated FROM cases";

    /// The cases of one label, newest first: public, as the product page shows them.
    pub async fn label_cases(&self, number: &str) -> Result<Vec<Case>, RegistryError> {
        let rows = sqlx::query(safe!("SELECT {} WHERE label_number = $1 ORDER BY id DESC", Self::CASE_COLUMNS))
            .bind(number)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(Self::case_from).collect()
    }

    /// Cases for staff: open ones (status `open` or `suspended`) or all, newest first.
    pub async fn cases(&self, staff: &User, only_open: bool, limit: i64) -> Result<Vec<Case>, RegistryError> {
        Self::require_staff(staff)?;
        let filter = if only_open { "WHERE status IN ('open', 'suspended')" } else { "" };
        let rows = sqlx::query(safe!(
            "SELECT {} {filter} ORDER BY id DESC LIMIT {}",
            Self::CASE_COLUMNS,
            limit.clamp(1, 1000)
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(Self::case_from).collect()
    }

    /// The vendor's notices, newest first.
    pub async fn notices(&self, user: &User) -> Result<Vec<Notice>, RegistryError> {
        let Some(organisation) = user.organisation_id else { return Ok(Vec::new()) };
        let rows = sqlx::query(
            "SELECT id, label_number, case_id, at, kind, subject_en, subject_ja, body_en, body_ja FROM notices \
             WHERE organisation_id = $1 ORDER BY id DESC LIMIT 200",
        )
        .bind(organisation)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Notice {
                    id: row.try_get("id")?,
                    label_number: row.try_get("label_number")?,
                    case_id: row.try_get("case_id")?,
                    at: row.try_get("at")?,
                    kind: row.try_get("kind")?,
                    subject: Text::new(
                        row.try_get::<String, _>("subject_en")?,
                        row.try_get::<String, _>("subject_ja")?,
                    ),
                    body: Text::new(row.try_get::<String, _>("body_en")?, row.try_get::<String, _>("body_ja")?),
                })
            })
            .collect()
    }

    /// Announced revocations, newest first (SCHEME §5.4: serious cases are made public).
    pub async fn announcements(&self, limit: i64) -> Result<Vec<Announcement>, RegistryError> {
        let rows = sqlx::query(safe!(
            "SELECT number, vendor, product_name, model, lifecycle FROM labels WHERE state = 'revoked' \
             AND lifecycle LIKE '%\"announced\":true%' ORDER BY updated DESC LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let number: String = row.try_get("number")?;
            let lifecycle: String = row.try_get("lifecycle")?;
            if let Lifecycle::Revoked { ground, on, .. } = stored_lifecycle(&number, &lifecycle)? {
                out.push(Announcement {
                    label_number: row.try_get("number")?,
                    vendor: row.try_get("vendor")?,
                    product_name: row.try_get("product_name")?,
                    model: row.try_get("model")?,
                    ground,
                    ground_text: ground.text(),
                    on: on.to_string(),
                });
            }
        }
        Ok(out)
    }
}

/// One event the sweep recorded in a label's feed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SweptEvent {
    pub label: String,
    /// The feed event's kind (`expired`, `support-ended`, `suspended`, `revoked`, ...).
    pub event: &'static str,
    /// The lifecycle reached, when a grace period or hearing moved on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
}

impl Registry {
    /// Records the calendar's changes up to `today` (expiry, end of support) as events, once each,
    /// so the feed carries them. Idempotent; the status shown never waits for it.
    pub async fn sweep(&self, today: Date, now: i64) -> Result<Vec<SweptEvent>, RegistryError> {
        let day = today.to_string();
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT number, expires, support_end, calendar_status FROM labels WHERE state = 'active' AND (expires < $1 OR support_end < $2) \
             AND calendar_status <> 'support-ended'",
        )
        .bind(&day)
        .bind(&day)
        .fetch_all(&mut *tx)
        .await?;
        let mut recorded = Vec::new();
        for row in rows {
            let number: String = row.try_get("number")?;
            let expires: String = row.try_get("expires")?;
            let support_end: String = row.try_get("support_end")?;
            let before: String = row.try_get("calendar_status")?;
            let status = rules::status_on(State::Active, today, db::day(&expires)?, db::day(&support_end)?);
            if status.name() == before {
                continue;
            }
            sqlx::query("UPDATE labels SET calendar_status = $1, updated = $2 WHERE number = $3")
                .bind(status.name())
                .bind(now)
                .bind(&number)
                .execute(&mut *tx)
                .await?;
            let kind = if status == Status::SupportEnded { "support-ended" } else { "expired" };
            Self::event(&mut tx, &number, kind, status, now, None).await?;
            recorded.push(SweptEvent { label: number, event: kind, lifecycle: None });
        }
        tx.commit().await?;
        // Grace periods and hearings run on the same calendar (lifecycle.rs).
        for (label, transition) in self.advance_lifecycles(today, now).await? {
            if let Some(event) = transition.kind {
                recorded.push(SweptEvent { label, event, lifecycle: Some(transition.to) });
            }
        }
        Ok(recorded)
    }
}
