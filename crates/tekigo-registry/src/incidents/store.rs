//! Incidents and the technical committee's agenda, stored (SCHEME §6; the rules are
//! [`crate::incidents`]). Recording an incident classifies it and, in the same transaction, opens
//! a case against the label (A-2, B-1: the revocation path of SCHEME §5.4) or recomputes the
//! agenda for its requirements (B-2), each with its audit record.

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tekigo_base::Text;

use crate::accounts::{Role, User};
use crate::cases::lifecycle::{Lifecycle, Source};
use crate::db::{Registry, RegistryError, invalid};
use crate::incidents::{self, AGENDA_THRESHOLD, Case, Cause, Duty, IncidentFacts};

/// What staff enter about an incident.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub label_number: String,
    /// `YYYY-MM-DD`, not after the day it is recorded.
    pub occurred: String,
    pub cause: Cause,
    pub vendor_gave_information: bool,
    pub product_met_criteria: bool,
    /// Requirement IDs of the JC-STAR catalog (`S1.1-03`); at least one when the product's own
    /// security is the cause.
    pub requirements: Vec<String>,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub id: i64,
    pub label_number: String,
    pub occurred: String,
    pub reported: i64,
    pub cause: Cause,
    pub vendor_gave_information: bool,
    pub product_met_criteria: bool,
    pub case: Case,
    pub requirements: Vec<String>,
    pub summary: String,
    pub recorded_by: String,
    /// The non-conformity case opened against the label (A-2, B-1).
    pub case_id: Option<i64>,
    /// Who evaluated the product (A-2, B-1 above ★1): told of the incident, they record how
    /// they improve their evaluation (SCHEME §6).
    pub evaluated_by: Option<crate::labs::EvaluatedBy>,
    pub improvement: Option<Improvement>,
}

/// What the evaluator or lab recorded about improving its evaluation after an incident.
#[derive(Debug, Clone, Serialize)]
pub struct Improvement {
    pub text: String,
    pub at: i64,
    pub by: String,
}

/// An incident with who does what about it (SCHEME §6).
#[derive(Debug, Clone, Serialize)]
pub struct IncidentRecord {
    pub incident: Incident,
    pub responsibilities: Vec<Duty>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgendaEntry {
    pub id: i64,
    pub requirement_id: String,
    pub opened: i64,
    /// `open` or `reviewed`.
    pub status: String,
    pub incidents: Vec<i64>,
    pub note: Option<String>,
    pub closed: Option<i64>,
    pub closed_by: Option<String>,
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

const INCIDENT_COLUMNS: &str = "id, label_number, occurred, reported, cause, vendor_gave_information, product_met_criteria, \
     case_code, requirements, summary, recorded_by, case_id, evaluated_by, improvement, improvement_at, improvement_by FROM incidents";
const AGENDA_COLUMNS: &str = "id, requirement_id, opened, status, incidents, note, closed, closed_by FROM agenda_items";

fn incident_from(row: &AnyRow) -> Result<Incident, RegistryError> {
    let cause: String = row.try_get("cause")?;
    let case: String = row.try_get("case_code")?;
    let requirements: String = row.try_get("requirements")?;
    let unreadable = |what: &str, value: &str| crate::db::corrupt(format!("incident {what}"), format!("`{value}`"));
    Ok(Incident {
        id: row.try_get("id")?,
        label_number: row.try_get("label_number")?,
        occurred: row.try_get("occurred")?,
        reported: row.try_get("reported")?,
        cause: Cause::parse(&cause).ok_or_else(|| unreadable("cause", &cause))?,
        vendor_gave_information: row.try_get::<i64, _>("vendor_gave_information")? != 0,
        product_met_criteria: row.try_get::<i64, _>("product_met_criteria")? != 0,
        case: Case::parse(&case).ok_or_else(|| unreadable("case", &case))?,
        requirements: serde_json::from_str(&requirements).map_err(|_| unreadable("requirements", &requirements))?,
        summary: row.try_get("summary")?,
        recorded_by: row.try_get("recorded_by")?,
        case_id: row.try_get("case_id")?,
        evaluated_by: match row.try_get::<Option<String>, _>("evaluated_by")? {
            Some(text) => Some(serde_json::from_str(&text).map_err(|_| unreadable("evaluated_by", &text))?),
            None => None,
        },
        improvement: match (
            row.try_get::<Option<String>, _>("improvement")?,
            row.try_get::<Option<i64>, _>("improvement_at")?,
        ) {
            (Some(text), Some(at)) => Some(Improvement {
                text,
                at,
                by: row.try_get::<Option<String>, _>("improvement_by")?.unwrap_or_default(),
            }),
            _ => None,
        },
    })
}

fn agenda_from(row: &AnyRow) -> Result<AgendaEntry, RegistryError> {
    let incidents: String = row.try_get("incidents")?;
    Ok(AgendaEntry {
        id: row.try_get("id")?,
        requirement_id: row.try_get("requirement_id")?,
        opened: row.try_get("opened")?,
        status: row.try_get("status")?,
        incidents: serde_json::from_str(&incidents).unwrap_or_default(),
        note: row.try_get("note")?,
        closed: row.try_get("closed")?,
        closed_by: row.try_get("closed_by")?,
    })
}

/// Who sees the agenda: staff (the committee is staff).
fn require_agenda_reader(user: &User) -> Result<(), RegistryError> {
    if user.role.is_staff() { Ok(()) } else { Err(RegistryError::Forbidden("the agenda is for staff".into())) }
}

impl Registry {
    /// Records an incident on a labeled product: validates, classifies (SCHEME §6), stores, and in
    /// the same transaction opens a case against the label for A-2 and B-1 (a certification body's
    /// investigation and the revocation path) or puts the criteria on the committee's agenda when
    /// B-2 incidents on a requirement recur. Nothing is stored when anything is refused.
    pub async fn record_incident(
        &self,
        staff: &User,
        input: &NewIncident,
        today: Date,
        now: i64,
    ) -> Result<IncidentRecord, RegistryError> {
        Self::require_reviewer(staff)?;
        let number = input.label_number.trim();
        let summary = input.summary.trim();
        if summary.is_empty() {
            return Err(invalid("describe the incident in the summary", "インシデントの概要を記入してください"));
        }
        let occurred: Date = input.occurred.trim().parse().map_err(|_| {
            invalid(
                format!("occurred: `{}` is not a date (YYYY-MM-DD)", input.occurred.trim()),
                format!("発生日: `{}` は日付 (YYYY-MM-DD) ではありません", input.occurred.trim()),
            )
        })?;
        if occurred > today {
            return Err(invalid(
                format!("occurred: {occurred} is after today ({today})"),
                format!("発生日: {occurred} は今日（{today}）より後です"),
            ));
        }
        let mut requirements: Vec<String> = Vec::new();
        for id in input.requirements.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            if !requirements.iter().any(|r| r == id) {
                requirements.push(id.to_owned());
            }
        }
        let scheme = self.catalog().scheme("jc-star").map_err(|e| invalid(e.to_string(), e.to_string()))?;
        let unknown: Vec<&str> =
            requirements.iter().map(String::as_str).filter(|id| scheme.requirement(id).is_none()).collect();
        if !unknown.is_empty() {
            return Err(invalid(
                format!("unknown requirement {} (not in the JC-STAR criteria)", unknown.join(", ")),
                format!("要求事項 {} は JC-STAR の基準にありません", unknown.join(", ")),
            ));
        }
        if input.cause == Cause::ProductSecurity && requirements.is_empty() {
            return Err(invalid(
                "name the requirement(s) the incident concerns",
                "インシデントに関係する要求事項を挙げてください",
            ));
        }
        let case = incidents::classify(input.cause, input.vendor_gave_information, input.product_met_criteria);

        let mut tx = self.begin_write().await?;
        let lifecycle: Option<String> = sqlx::query_scalar("SELECT lifecycle FROM labels WHERE number = $1")
            .bind(number)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(lifecycle) = lifecycle else {
            return Err(invalid(format!("no label {number}"), format!("ラベル {number} はありません")));
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incidents (label_number, occurred, reported, cause, vendor_gave_information, product_met_criteria, \
             case_code, requirements, summary, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(number)
        .bind(occurred.to_string())
        .bind(now)
        .bind(input.cause.name())
        .bind(i64::from(input.vendor_gave_information))
        .bind(i64::from(input.product_met_criteria))
        .bind(case.name())
        .bind(serde_json::to_string(&requirements).unwrap_or_default())
        .bind(summary)
        .bind(&staff.email)
        .fetch_one(&mut *tx)
        .await?;
        Self::audit(
            &mut tx,
            now,
            &staff.email,
            "incident-recorded",
            &format!("incident:{id}"),
            serde_json::json!({ "label": number, "case": case.name(), "requirements": requirements }),
        )
        .await?;

        let revoked = matches!(serde_json::from_str::<Lifecycle>(&lifecycle), Ok(Lifecycle::Revoked { .. }));
        if case.opens_case() && !revoked {
            // SCHEME §6 A-2, B-1: the certification body investigates the non-conformity; the
            // case's grace period and the revocation path follow (lifecycle.rs).
            let text = Text::new(
                format!("Incident {id} (case {}): {}", case.name(), case.text().en),
                format!("インシデント {id}（{}）: {}", case.name(), case.text().ja),
            );
            let detail = serde_json::json!({ "incident": id, "case": case.name(), "requirements": requirements, "summary": summary });
            let case_id =
                Self::open_case_in(&mut tx, number, Source::Incident, &text, &detail, &staff.email, today, now).await?;
            sqlx::query("UPDATE incidents SET case_id = $1 WHERE id = $2")
                .bind(case_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            // SCHEME §6 A-2, B-1: the evaluator finds why conformity was misjudged and improves
            // its evaluation; a lab is told through its account's notices.
            if let Some(evaluated_by) = Self::evaluated_by_in(&mut tx, number).await? {
                sqlx::query("UPDATE incidents SET evaluated_by = $1, lab_id = $2 WHERE id = $3")
                    .bind(serde_json::to_string(&evaluated_by).unwrap_or_default())
                    .bind((evaluated_by.kind == "lab").then_some(evaluated_by.id))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if let Some(organisation) = evaluated_by.organisation_id {
                    let subject = Text::new(
                        format!("Incident {id} on label {number} (case {}): a product you evaluated", case.name()),
                        format!("ラベル {number} のインシデント {id}（{}）: 貴機関が評価した製品", case.name()),
                    );
                    let body = Text::new(
                        format!(
                            "{} The certification body investigates whether the label stands. As the lab that evaluated the product, find why the non-conformity was not found and record how you improve your evaluation (SCHEME §6).",
                            case.text().en
                        ),
                        format!(
                            "{}。認証機関がラベルの適否を調査します。製品を評価した評価機関として、不適合を見つけられなかった理由を確認し、評価の改善内容を記録してください（SCHEME §6）。",
                            case.text().ja
                        ),
                    );
                    Self::notify_in(
                        &mut tx,
                        organisation,
                        Some(number),
                        Some(case_id),
                        "incident",
                        &subject,
                        &body,
                        now,
                    )
                    .await?;
                }
            }
        }
        if case == Case::B2 {
            Self::update_agenda_in(&mut tx, &requirements, &staff.email, now).await?;
        }
        tx.commit().await?;
        self.incident(staff, id).await
    }

    /// Recomputes the agenda for `requirements` from every stored B-2 incident that names one of
    /// them: an item is opened when the threshold is reached, or the open item's incidents updated.
    async fn update_agenda_in(
        tx: &mut Tx<'_>,
        requirements: &[String],
        actor: &str,
        now: i64,
    ) -> Result<(), RegistryError> {
        for requirement in requirements {
            // A cheap filter on the JSON text; `agenda_items` decides on the parsed list.
            let rows =
                sqlx::query("SELECT id, requirements FROM incidents WHERE case_code = 'B-2' AND requirements LIKE $1")
                    .bind(format!("%\"{requirement}\"%"))
                    .fetch_all(&mut **tx)
                    .await?;
            let facts = rows
                .iter()
                .map(|row| {
                    let listed: String = row.try_get("requirements")?;
                    Ok(IncidentFacts {
                        id: row.try_get("id")?,
                        case: Case::B2,
                        requirements: serde_json::from_str::<Vec<String>>(&listed)
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|r| r == requirement)
                            .collect(),
                    })
                })
                .collect::<Result<Vec<_>, RegistryError>>()?;
            let Some(item) = incidents::agenda_items(&facts, AGENDA_THRESHOLD).into_iter().next() else { continue };
            let listed = serde_json::to_string(&item.incidents).unwrap_or_default();
            let open: Option<i64> =
                sqlx::query_scalar("SELECT id FROM agenda_items WHERE requirement_id = $1 AND status = 'open'")
                    .bind(requirement)
                    .fetch_optional(&mut **tx)
                    .await?;
            let (agenda_id, action) = match open {
                Some(agenda_id) => {
                    sqlx::query("UPDATE agenda_items SET incidents = $1 WHERE id = $2")
                        .bind(&listed)
                        .bind(agenda_id)
                        .execute(&mut **tx)
                        .await?;
                    (agenda_id, "agenda-item-updated")
                }
                None => {
                    let agenda_id: i64 = sqlx::query_scalar(
                        "INSERT INTO agenda_items (requirement_id, opened, status, incidents) VALUES ($1, $2, 'open', $3) RETURNING id",
                    )
                    .bind(requirement)
                    .bind(now)
                    .bind(&listed)
                    .fetch_one(&mut **tx)
                    .await?;
                    (agenda_id, "agenda-item-opened")
                }
            };
            Self::audit(
                tx,
                now,
                actor,
                action,
                &format!("agenda:{agenda_id}"),
                serde_json::json!({ "requirement": requirement, "incidents": item.incidents }),
            )
            .await?;
        }
        Ok(())
    }

    /// One incident with its responsibilities (staff).
    pub async fn incident(&self, staff: &User, id: i64) -> Result<IncidentRecord, RegistryError> {
        Self::require_staff(staff)?;
        self.incident_record(id).await
    }

    /// One incident with its responsibilities, whoever asks (the caller has checked).
    async fn incident_record(&self, id: i64) -> Result<IncidentRecord, RegistryError> {
        let row = sqlx::query(safe!("SELECT {INCIDENT_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("incident {id}")))?;
        let incident = incident_from(&row)?;
        let responsibilities = incidents::responsibilities(incident.case);
        Ok(IncidentRecord { incident, responsibilities })
    }

    /// The evaluator's or lab's answer to an incident that names it (SCHEME §6: it improves its
    /// evaluation): by one of the lab's staff, or by certification-body staff for an evaluator
    /// without an account. Recorded once; audited.
    pub async fn record_improvement(
        &self,
        user: &User,
        id: i64,
        text: &str,
        now: i64,
    ) -> Result<IncidentRecord, RegistryError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 4000 {
            return Err(invalid(
                "describe the improvement (at most 4,000 characters)",
                "改善内容を記入してください（4,000 字まで）",
            ));
        }
        let incident = self.incident_record(id).await?.incident;
        let Some(named) = &incident.evaluated_by else {
            return Err(invalid(
                format!("incident {id} names no evaluator or lab"),
                format!("インシデント {id} には評価者・評価機関の記載がありません"),
            ));
        };
        let allowed = user.role.is_staff()
            || (named.kind == "lab" && self.lab_of(user).await?.is_some_and(|lab| lab.id == named.id));
        if !allowed {
            return Err(RegistryError::Forbidden(
                "only the lab the incident names, or staff, record its improvement".into(),
            ));
        }
        if incident.improvement.is_some() {
            return Err(invalid(
                format!("the improvement for incident {id} is recorded already"),
                format!("インシデント {id} の改善内容は記録済みです"),
            ));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE incidents SET improvement = $1, improvement_at = $2, improvement_by = $3 WHERE id = $4")
            .bind(text)
            .bind(now)
            .bind(&user.email)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Self::audit(
            &mut tx,
            now,
            &user.email,
            "incident-improvement",
            &format!("incident:{id}"),
            serde_json::json!({ "by": named }),
        )
        .await?;
        tx.commit().await?;
        self.incident_record(id).await
    }

    /// The incidents that name a lab (for its staff).
    pub async fn lab_incidents(&self, lab_id: i64) -> Result<Vec<Incident>, RegistryError> {
        let rows = sqlx::query(safe!("SELECT {INCIDENT_COLUMNS} WHERE lab_id = $1 ORDER BY id DESC LIMIT 200"))
            .bind(lab_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(incident_from).collect()
    }

    /// Incidents, newest first (staff).
    pub async fn incidents(&self, staff: &User, limit: i64) -> Result<Vec<Incident>, RegistryError> {
        Self::require_staff(staff)?;
        let rows = sqlx::query(safe!("SELECT {INCIDENT_COLUMNS} ORDER BY id DESC LIMIT {}", limit.clamp(1, 1000)))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(incident_from).collect()
    }

    /// The technical committee's agenda: open items first, then reviewed ones, newest first.
    pub async fn agenda(&self, user: &User) -> Result<Vec<AgendaEntry>, RegistryError> {
        require_agenda_reader(user)?;
        let rows = sqlx::query(safe!(
            "SELECT {AGENDA_COLUMNS} ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, id DESC LIMIT 500"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(agenda_from).collect()
    }

    /// The committee has reviewed the requirement: the item is closed with its note. A later B-2
    /// incident on the same requirement may open a new item.
    pub async fn close_agenda_item(
        &self,
        user: &User,
        id: i64,
        note: &str,
        now: i64,
    ) -> Result<AgendaEntry, RegistryError> {
        if !matches!(user.role, Role::Committee | Role::Admin) {
            return Err(RegistryError::Forbidden("only the technical committee closes agenda items".into()));
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(invalid("say what the committee concluded", "委員会の結論を記入してください"));
        }
        let mut tx = self.begin_write().await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM agenda_items WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        match status.as_deref() {
            None => return Err(RegistryError::NotFound(format!("agenda item {id}"))),
            Some("open") => {}
            Some(_) => {
                return Err(invalid(
                    format!("agenda item {id} is closed already"),
                    format!("議題 {id} は終了済みです"),
                ));
            }
        }
        sqlx::query(
            "UPDATE agenda_items SET status = 'reviewed', note = $1, closed = $2, closed_by = $3 WHERE id = $4",
        )
        .bind(note)
        .bind(now)
        .bind(&user.email)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Self::audit(
            &mut tx,
            now,
            &user.email,
            "agenda-item-reviewed",
            &format!("agenda:{id}"),
            serde_json::json!({ "note": note }),
        )
        .await?;
        tx.commit().await?;
        let row = sqlx::query(safe!("SELECT {AGENDA_COLUMNS} WHERE id = $1")).bind(id).fetch_one(self.pool()).await?;
        agenda_from(&row)
    }
}
