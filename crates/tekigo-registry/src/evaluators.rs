//! The register of skilled evaluators (docs/scheme.md, ★2: a product is evaluated by an evaluator
//! who meets the certification body's skill requirements, and the declaration carries their
//! signature beside the vendor's). Staff register an evaluator with their qualifications, the
//! evidence of each, an independence statement and the key their co-signatures verify with, and
//! change their standing over time. An application's declaration is checked against the
//! standing on the day it was issued ([`standing_on`]).

use ed25519_dalek::VerifyingKey;
use ed25519_dalek::pkcs8::DecodePublicKey;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tekigo_base::Text;

use crate::accounts::User;
use crate::db::{Registry, RegistryError, invalid};

/// An evaluator's standing from a day on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    Active,
    Suspended,
    Withdrawn,
}

impl Standing {
    pub fn name(self) -> &'static str {
        match self {
            Standing::Active => "active",
            Standing::Suspended => "suspended",
            Standing::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Standing> {
        [Standing::Active, Standing::Suspended, Standing::Withdrawn].into_iter().find(|s| s.name() == text)
    }

    pub fn label(self) -> Text {
        match self {
            Standing::Active => Text::new("in good standing", "有効"),
            Standing::Suspended => Text::new("suspended", "停止中"),
            Standing::Withdrawn => Text::new("withdrawn", "登録取消し"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qualification {
    /// The qualification, as its issuer names it.
    pub name: String,
    /// Where it can be checked: a certificate number, a URL, a document.
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StandingChange {
    pub standing: Standing,
    /// The day it takes effect.
    pub effective: Date,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluator {
    pub id: i64,
    pub name: String,
    pub organisation: String,
    pub key_id: String,
    pub qualifications: Vec<Qualification>,
    pub independence: String,
    /// Oldest first; the first is the registration.
    pub standing: Vec<StandingChange>,
    #[serde(skip)]
    pub key: Option<VerifyingKey>,
}

impl Evaluator {
    pub fn standing_on(&self, day: Date) -> Option<Standing> {
        standing_on(&self.standing, day)
    }
}

/// The standing on `day`: the last change that took effect on or before it; `None` before
/// registration. Changes are in the order they were recorded; a later record for the same day
/// overrides an earlier one.
pub fn standing_on(changes: &[StandingChange], day: Date) -> Option<Standing> {
    tekigo_base::calendar::in_effect_on(changes, day, |c| c.effective).map(|c| c.standing)
}

/// What staff enter to register an evaluator.
#[derive(Debug, Clone)]
pub struct NewEvaluator {
    pub name: String,
    pub organisation: String,
    pub public_key_pem: String,
    pub qualifications: Vec<Qualification>,
    pub independence: String,
    /// The day registration takes effect.
    pub from: Date,
}

impl Registry {
    /// Registers an evaluator, in good standing from `new.from`. Every problem with the entry is
    /// named at once and nothing is stored.
    pub async fn register_evaluator(
        &self,
        staff: &User,
        new: NewEvaluator,
        now: i64,
    ) -> Result<Evaluator, RegistryError> {
        Self::require_staff(staff)?;
        let mut problems = Vec::new();
        for (field, value) in [
            (("evaluator's name", "評価者の氏名"), &new.name),
            (("evaluator's organisation", "評価者の所属"), &new.organisation),
            (("independence statement", "独立性の表明"), &new.independence),
        ] {
            if let Err(problem) = crate::validate::name(field, value) {
                problems.push(problem);
            }
        }
        if new.qualifications.is_empty() {
            problems.push(Text::new(
                "an evaluator is registered with at least one qualification and its evidence",
                "評価者の登録には、少なくとも一つの資格とその根拠が必要です",
            ));
        }
        for (n, qualification) in new.qualifications.iter().enumerate() {
            for (field, value) in [("name", &qualification.name), ("evidence", &qualification.evidence)] {
                if value.trim().is_empty() {
                    problems.push(Text::new(
                        format!("qualification {}: the {field} is empty", n + 1),
                        format!("資格 {}: {} が空です", n + 1, if field == "name" { "名称" } else { "根拠" }),
                    ));
                }
            }
        }
        let key = VerifyingKey::from_public_key_pem(new.public_key_pem.trim());
        if let Err(error) = &key {
            problems.push(Text::new(
                format!("the evaluator's key is not an Ed25519 public key in PEM: {error}"),
                format!("評価者の鍵が Ed25519 の公開鍵 (PEM) ではありません: {error}"),
            ));
        }
        let Ok(key) = key else { return Err(RegistryError::Rejected(problems)) };
        if !problems.is_empty() {
            return Err(RegistryError::Rejected(problems));
        }
        let key_id = tekigo_assess::keys::key_id(&key);
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM evaluators WHERE key_id = $1")
            .bind(&key_id)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(invalid(
                format!("key {key_id} is registered to another evaluator already"),
                format!("鍵 {key_id} はすでに別の評価者に登録されています"),
            ));
        }
        let qualifications = serde_json::to_string(&new.qualifications).unwrap_or_default();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evaluators (name, organisation, key_id, public_key_pem, qualifications, independence, registered_by, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(new.name.trim())
        .bind(new.organisation.trim())
        .bind(&key_id)
        .bind(new.public_key_pem.trim())
        .bind(qualifications)
        .bind(new.independence.trim())
        .bind(staff.id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        Self::record_standing(&mut tx, staff, id, Standing::Active, new.from, "registered", now).await?;
        tx.commit().await?;
        self.evaluator(id).await
    }

    /// Changes an evaluator's standing from `effective` on, with the reason (suspension,
    /// withdrawal, reinstatement).
    pub async fn set_evaluator_standing(
        &self,
        staff: &User,
        id: i64,
        standing: Standing,
        effective: Date,
        reason: &str,
        now: i64,
    ) -> Result<Evaluator, RegistryError> {
        Self::require_staff(staff)?;
        crate::validate::name(("reason", "理由"), reason).map_err(|problem| RegistryError::Rejected(vec![problem]))?;
        let evaluator = self.evaluator(id).await?;
        let mut tx = self.begin_write().await?;
        Self::record_standing(&mut tx, staff, evaluator.id, standing, effective, reason.trim(), now).await?;
        tx.commit().await?;
        self.evaluator(id).await
    }

    async fn record_standing(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        staff: &User,
        id: i64,
        standing: Standing,
        effective: Date,
        reason: &str,
        now: i64,
    ) -> Result<(), RegistryError> {
        sqlx::query(
            "INSERT INTO evaluator_standing (evaluator_id, status, effective, reason, decided_by, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(standing.name())
        .bind(effective.to_string())
        .bind(reason)
        .bind(staff.id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let detail =
            serde_json::json!({ "standing": standing.name(), "effective": effective.to_string(), "reason": reason });
        Self::audit(tx, now, &staff.email, "evaluator-standing", &format!("evaluator:{id}"), detail).await
    }

    pub async fn evaluator(&self, id: i64) -> Result<Evaluator, RegistryError> {
        self.evaluators_where(Some(id)).await?.pop().ok_or_else(|| RegistryError::NotFound(format!("evaluator {id}")))
    }

    /// The whole register, with each evaluator's standing history. A stored row that does not
    /// read (a corrupt key, qualification list, day or status) is an error, never an evaluator
    /// in good standing.
    pub async fn evaluators(&self) -> Result<Vec<Evaluator>, RegistryError> {
        self.evaluators_where(None).await
    }

    /// One evaluator's rows (a label page names them), or the whole register.
    async fn evaluators_where(&self, id: Option<i64>) -> Result<Vec<Evaluator>, RegistryError> {
        let (filter, standing_filter) =
            if id.is_some() { ("WHERE id = $1", "WHERE evaluator_id = $1") } else { ("", "") };
        let rows = sqlx::query(safe!(
            "SELECT id, name, organisation, key_id, public_key_pem, qualifications, independence FROM evaluators {filter} ORDER BY id"
        ));
        let rows = match id {
            Some(id) => rows.bind(id),
            None => rows,
        }
        .fetch_all(&self.pool)
        .await?;
        let changes = sqlx::query(safe!(
            "SELECT evaluator_id, status, effective, reason FROM evaluator_standing {standing_filter} ORDER BY evaluator_id, id"
        ));
        let changes = match id {
            Some(id) => changes.bind(id),
            None => changes,
        }
        .fetch_all(&self.pool)
        .await?;
        let corrupt = |what: &str| RegistryError::Corrupt {
            what: format!("the evaluator register: {what}"),
            detail: "the stored value does not read".to_owned(),
        };
        let mut evaluators = Vec::new();
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let pem: String = row.try_get("public_key_pem")?;
            let key = VerifyingKey::from_public_key_pem(&pem).map_err(|_| corrupt(&format!("evaluator {id}'s key")))?;
            let qualifications: String = row.try_get("qualifications")?;
            let mut standing = Vec::new();
            for change in changes.iter().filter(|c| c.try_get::<i64, _>("evaluator_id").is_ok_and(|e| e == id)) {
                let status: String = change.try_get("status")?;
                let effective: String = change.try_get("effective")?;
                standing.push(StandingChange {
                    standing: Standing::parse(&status).ok_or_else(|| corrupt(&format!("evaluator {id}'s status")))?,
                    effective: effective.parse().map_err(|_| corrupt(&format!("evaluator {id}'s day")))?,
                    reason: change.try_get("reason")?,
                });
            }
            evaluators.push(Evaluator {
                id,
                name: row.try_get("name")?,
                organisation: row.try_get("organisation")?,
                key_id: row.try_get("key_id")?,
                qualifications: serde_json::from_str(&qualifications)
                    .map_err(|_| corrupt(&format!("evaluator {id}'s qualifications")))?,
                independence: row.try_get("independence")?,
                standing,
                key: Some(key),
            });
        }
        Ok(evaluators)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn change(standing: Standing, effective: Date) -> StandingChange {
        StandingChange { standing, effective, reason: String::new() }
    }

    #[test]
    fn standing_is_the_last_change_in_effect_on_the_day() {
        let history = [
            change(Standing::Active, date(2026, 1, 1)),
            change(Standing::Suspended, date(2026, 6, 1)),
            change(Standing::Active, date(2026, 9, 1)),
        ];
        assert_eq!(standing_on(&history, date(2025, 12, 31)), None);
        assert_eq!(standing_on(&history, date(2026, 1, 1)), Some(Standing::Active));
        assert_eq!(standing_on(&history, date(2026, 6, 1)), Some(Standing::Suspended));
        assert_eq!(standing_on(&history, date(2026, 8, 31)), Some(Standing::Suspended));
        assert_eq!(standing_on(&history, date(2026, 9, 1)), Some(Standing::Active));
        // Recorded later for an earlier day: a withdrawal back-dated before the reinstatement.
        let mut later = history.to_vec();
        later.push(change(Standing::Withdrawn, date(2026, 7, 1)));
        assert_eq!(standing_on(&later, date(2026, 7, 15)), Some(Standing::Withdrawn));
        assert_eq!(standing_on(&later, date(2026, 10, 1)), Some(Standing::Active));
    }
}
