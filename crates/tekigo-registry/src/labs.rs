//! The register of evaluation labs (docs/scheme.md, ★3/★4: an independent lab accredited to
//! ISO/IEC 17025 evaluates the product, and the certification body decides on its report). Staff
//! register a lab with its accreditation body and number, the key its reports are signed with,
//! and its accreditation over time: status, scope (product types and levels) and validity. A
//! report is judged by the accreditation on the day it was issued ([`accreditation_on`]); when an
//! accreditation lapses or is withdrawn, every label the lab evaluated gets a case
//! ([`Registry::change_lab_accreditation`]).
//!
//! Why this file is long: the register and everything that turns on a lab's standing (its
//! staff's accounts, the labels it evaluated, their extensions on its re-confirmation, the
//! incidents that name it) read the same rows and rule, and are kept together.

use ed25519_dalek::VerifyingKey;
use ed25519_dalek::pkcs8::DecodePublicKey;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tekigo_base::Text;

use crate::accounts::User;
use crate::cases::Source;
use crate::db::{Registry, RegistryError, invalid};

/// A lab's accreditation from a day on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccreditationStatus {
    Active,
    Suspended,
    Withdrawn,
    /// Not renewed by the accreditation body at the end of its validity.
    Lapsed,
}

impl AccreditationStatus {
    pub const ALL: [AccreditationStatus; 4] = [
        AccreditationStatus::Active,
        AccreditationStatus::Suspended,
        AccreditationStatus::Withdrawn,
        AccreditationStatus::Lapsed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AccreditationStatus::Active => "active",
            AccreditationStatus::Suspended => "suspended",
            AccreditationStatus::Withdrawn => "withdrawn",
            AccreditationStatus::Lapsed => "lapsed",
        }
    }

    pub fn parse(text: &str) -> Option<AccreditationStatus> {
        Self::ALL.into_iter().find(|s| s.name() == text)
    }

    pub fn label(self) -> Text {
        match self {
            AccreditationStatus::Active => Text::new("accredited", "認定有効"),
            AccreditationStatus::Suspended => Text::new("suspended", "認定一時停止"),
            AccreditationStatus::Withdrawn => Text::new("withdrawn", "認定取消し"),
            AccreditationStatus::Lapsed => Text::new("lapsed", "認定失効"),
        }
    }
}

/// What a lab is accredited to evaluate: one product type at some levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeEntry {
    pub product_type: String,
    /// Level IDs (`3`, `4`).
    pub levels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccreditationChange {
    pub status: AccreditationStatus,
    /// The day it takes effect.
    pub effective: Date,
    /// The last day the accreditation is valid.
    pub valid_until: Date,
    pub scope: Vec<ScopeEntry>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lab {
    pub id: i64,
    /// The organisation whose accounts are the lab's staff.
    #[serde(skip)]
    pub organisation_id: Option<i64>,
    pub name: String,
    pub accreditation_body: String,
    pub accreditation_number: String,
    pub key_id: String,
    pub contact: String,
    /// Oldest first; the first is the registration.
    pub accreditation: Vec<AccreditationChange>,
    #[serde(skip)]
    pub key: Option<VerifyingKey>,
}

/// The accreditation in effect on `day`: the last change that took effect on or before it (a
/// later record for the same day overrides an earlier one); `None` before registration.
pub fn accreditation_on(changes: &[AccreditationChange], day: Date) -> Option<&AccreditationChange> {
    tekigo_base::calendar::in_effect_on(changes, day, |c| c.effective)
}

impl Lab {
    /// Whether the lab could evaluate `product_type` at `level` on `day`: accredited, within the
    /// validity and the scope. `Err` says why not, in both languages.
    pub fn accredited_for(&self, day: Date, product_type: Option<&str>, level: &str) -> Result<(), Text> {
        let Some(current) = accreditation_on(&self.accreditation, day) else {
            return Err(Text::new(
                format!("the lab {} was not yet registered on {day}", self.name),
                format!("評価機関 {} は {day} にはまだ登録されていませんでした", self.name),
            ));
        };
        if current.status != AccreditationStatus::Active {
            return Err(Text::new(
                format!("the lab {}'s accreditation was {} on {day}", self.name, current.status.label().en),
                format!("評価機関 {} の認定は {day} に{}でした", self.name, current.status.label().ja),
            ));
        }
        if day > current.valid_until {
            return Err(Text::new(
                format!("the lab {}'s accreditation was valid until {}, before {day}", self.name, current.valid_until),
                format!(
                    "評価機関 {} の認定の有効期限は {} で、{day} には切れていました",
                    self.name, current.valid_until
                ),
            ));
        }
        let covered = product_type.is_some_and(|product_type| {
            current.scope.iter().any(|s| s.product_type == product_type && s.levels.iter().any(|l| l == level))
        });
        if !covered {
            let product_type = product_type.unwrap_or("-");
            return Err(Text::new(
                format!("the lab {}'s accreditation does not cover {product_type} at level {level}", self.name),
                format!("評価機関 {} の認定範囲に {product_type} のレベル {level} は含まれません", self.name),
            ));
        }
        Ok(())
    }
}

/// Who evaluated a labeled product: `kind` is `lab` or `evaluator`, `id` its register entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluatedBy {
    pub kind: String,
    pub id: i64,
    pub name: String,
    /// A lab's organisation, which its notices go to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<i64>,
}

/// What staff enter to register a lab.
#[derive(Debug, Clone)]
pub struct NewLab {
    pub name: String,
    pub accreditation_body: String,
    pub accreditation_number: String,
    pub public_key_pem: String,
    pub contact: String,
    pub scope: Vec<ScopeEntry>,
    /// The day registration takes effect.
    pub from: Date,
    pub valid_until: Date,
}

fn scope_problems(scope: &[ScopeEntry], catalog: &tekigo_criteria::Catalog) -> Vec<Text> {
    let mut problems = Vec::new();
    if scope.is_empty() {
        problems.push(Text::new(
            "a lab is accredited for at least one product type and level",
            "評価機関の認定範囲には、少なくとも一つの製品類型とレベルが必要です",
        ));
    }
    let known: Vec<&str> = catalog.schemes.iter().flat_map(|s| &s.product_types).map(|t| t.id.as_str()).collect();
    for entry in scope {
        if !known.contains(&entry.product_type.as_str()) {
            problems.push(Text::new(
                format!("unknown product type `{}` (known: {})", entry.product_type, known.join(", ")),
                format!("不明な製品類型 `{}`（既知: {}）", entry.product_type, known.join(", ")),
            ));
        }
        if entry.levels.is_empty() || entry.levels.iter().any(|l| !matches!(l.as_str(), "2" | "3" | "4")) {
            problems.push(Text::new(
                format!("{}: levels are 2, 3 or 4", entry.product_type),
                format!("{}: レベルは 2、3、4 のいずれかです", entry.product_type),
            ));
        }
    }
    problems
}

impl Registry {
    /// Registers a lab, accredited from `new.from` to `new.valid_until` for `new.scope`. Every
    /// problem with the entry is named at once and nothing is stored.
    pub async fn register_lab(&self, staff: &User, new: NewLab, now: i64) -> Result<Lab, RegistryError> {
        Self::require_staff(staff)?;
        let mut problems = Vec::new();
        for (field, value) in [
            (("lab's name", "評価機関の名称"), &new.name),
            (("accreditation body", "認定機関"), &new.accreditation_body),
            (("accreditation number", "認定番号"), &new.accreditation_number),
            (("contact", "連絡先"), &new.contact),
        ] {
            if let Err(problem) = crate::validate::name(field, value) {
                problems.push(problem);
            }
        }
        problems.extend(scope_problems(&new.scope, &self.catalog));
        if new.valid_until < new.from {
            problems.push(Text::new(
                format!("the accreditation ends ({}) before it starts ({})", new.valid_until, new.from),
                format!("認定の有効期限（{}）が開始日（{}）より前です", new.valid_until, new.from),
            ));
        }
        let key = VerifyingKey::from_public_key_pem(new.public_key_pem.trim());
        if let Err(error) = &key {
            problems.push(Text::new(
                format!("the lab's key is not an Ed25519 public key in PEM: {error}"),
                format!("評価機関の鍵が Ed25519 の公開鍵 (PEM) ではありません: {error}"),
            ));
        }
        let Ok(key) = key else { return Err(RegistryError::Rejected(problems)) };
        if !problems.is_empty() {
            return Err(RegistryError::Rejected(problems));
        }
        let key_id = tekigo_assess::keys::key_id(&key);
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM labs WHERE key_id = $1").bind(&key_id).fetch_optional(&mut *tx).await?;
        if taken.is_some() {
            return Err(invalid(
                format!("key {key_id} is registered to another lab already"),
                format!("鍵 {key_id} はすでに別の評価機関に登録されています"),
            ));
        }
        let organisation = Self::new_organisation_in(&mut tx, new.name.trim(), "lab", now).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO labs (name, accreditation_body, accreditation_number, key_id, public_key_pem, contact, registered_by, at, organisation_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.name.trim())
        .bind(new.accreditation_body.trim())
        .bind(new.accreditation_number.trim())
        .bind(&key_id)
        .bind(new.public_key_pem.trim())
        .bind(new.contact.trim())
        .bind(staff.id)
        .bind(now)
        .bind(organisation)
        .fetch_one(&mut *tx)
        .await?;
        let change = AccreditationChange {
            status: AccreditationStatus::Active,
            effective: new.from,
            valid_until: new.valid_until,
            scope: new.scope,
            reason: "registered".to_owned(),
        };
        Self::record_accreditation(&mut tx, staff, id, &change, now).await?;
        tx.commit().await?;
        self.lab(id).await
    }

    /// Records a change of a lab's accreditation from `effective` on (suspension, withdrawal,
    /// lapse, renewal or a new scope; `valid_until` and `scope` stay as they were when not
    /// given). When the lab is no longer accredited, every active label it evaluated gets a
    /// case (SCHEME §5.3: the label rests on an evaluation whose basis is gone); returns the
    /// lab and the cases opened, each with its label's number.
    #[allow(clippy::too_many_arguments)]
    pub async fn change_lab_accreditation(
        &self,
        staff: &User,
        id: i64,
        status: AccreditationStatus,
        effective: Date,
        valid_until: Option<Date>,
        scope: Option<Vec<ScopeEntry>>,
        reason: &str,
        now: i64,
    ) -> Result<(Lab, Vec<(String, i64)>), RegistryError> {
        Self::require_staff(staff)?;
        crate::validate::name(("reason", "理由"), reason).map_err(|problem| RegistryError::Rejected(vec![problem]))?;
        if let Some(scope) = &scope {
            let problems = scope_problems(scope, &self.catalog);
            if !problems.is_empty() {
                return Err(RegistryError::Rejected(problems));
            }
        }
        let lab = self.lab(id).await?;
        let previous = lab.accreditation.last().ok_or_else(|| RegistryError::Corrupt {
            what: format!("the lab register: lab {id}"),
            detail: "no accreditation recorded".to_owned(),
        })?;
        let change = AccreditationChange {
            status,
            effective,
            valid_until: valid_until.unwrap_or(previous.valid_until),
            scope: scope.unwrap_or_else(|| previous.scope.clone()),
            reason: reason.trim().to_owned(),
        };
        let mut tx = self.begin_write().await?;
        Self::record_accreditation(&mut tx, staff, id, &change, now).await?;
        let mut cases = Vec::new();
        if status != AccreditationStatus::Active {
            let numbers: Vec<String> =
                sqlx::query_scalar("SELECT number FROM labels WHERE lab_id = $1 AND state = 'active' ORDER BY number")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let summary = Text::new(
                format!(
                    "The lab that evaluated this product, {}, is no longer accredited ({} from {effective}: {}). The certification body reviews whether the evaluation still stands.",
                    lab.name,
                    status.label().en,
                    reason.trim()
                ),
                format!(
                    "本製品を評価した評価機関 {} の認定が {effective} から{}となりました（{}）。認証機関が評価の有効性を確認します。",
                    lab.name,
                    status.label().ja,
                    reason.trim()
                ),
            );
            let detail = serde_json::json!({ "lab": id, "lab_name": lab.name, "accreditation": status.name() });
            for number in numbers {
                let case = Self::open_case_in(
                    &mut tx,
                    &number,
                    Source::Oversight,
                    &summary,
                    &detail,
                    &staff.email,
                    effective,
                    now,
                )
                .await?;
                cases.push((number, case));
            }
        }
        tx.commit().await?;
        Ok((self.lab(id).await?, cases))
    }

    async fn record_accreditation(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        staff: &User,
        id: i64,
        change: &AccreditationChange,
        now: i64,
    ) -> Result<(), RegistryError> {
        let scope = serde_json::to_string(&change.scope).unwrap_or_default();
        sqlx::query(
            "INSERT INTO lab_accreditations (lab_id, status, effective, valid_until, scope, reason, decided_by, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(change.status.name())
        .bind(change.effective.to_string())
        .bind(change.valid_until.to_string())
        .bind(scope)
        .bind(&change.reason)
        .bind(staff.id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let detail = serde_json::json!({
            "status": change.status.name(),
            "effective": change.effective.to_string(),
            "valid_until": change.valid_until.to_string(),
            "scope": change.scope,
            "reason": change.reason,
        });
        Self::audit(tx, now, &staff.email, "lab-accreditation", &format!("lab:{id}"), detail).await
    }

    /// Extends a third-party label without a new evaluation (SCHEME §5.1), on the evaluating
    /// lab's re-confirmation (`reconfirmation`: its reference, as the lab wrote it): the lab must
    /// be accredited for the label's product type and level today, and the rule
    /// [`crate::labels::rules::extended_expiry`] must allow it. Logged in the transparency log.
    pub async fn extend_label(
        &self,
        staff: &User,
        number: &str,
        reconfirmation: &str,
        today: Date,
        now: i64,
    ) -> Result<crate::Label, RegistryError> {
        use crate::labels::rules::{self, ReleaseFact};
        Self::require_staff(staff)?;
        crate::validate::name(("the lab's re-confirmation", "評価機関の再確認"), reconfirmation)
            .map_err(|problem| RegistryError::Rejected(vec![problem]))?;
        let label =
            self.label(number, today).await?.ok_or_else(|| RegistryError::NotFound(format!("label {number}")))?;
        if label.state != crate::State::Active {
            return Err(invalid(
                format!("label {number} is {}: it cannot be extended", label.state.name()),
                format!("ラベル {number} は有効な状態ではないため延長できません"),
            ));
        }
        let Some(lab_id) = label.lab_id else {
            return Err(invalid(
                format!("label {number} names no lab whose re-confirmation could extend it"),
                format!("ラベル {number} には再確認を行う評価機関の記録がありません"),
            ));
        };
        let lab = self.lab(lab_id).await?;
        lab.accredited_for(today, label.product_type.as_deref(), &label.level)
            .map_err(|problem| RegistryError::Rejected(vec![problem]))?;
        let releases: Vec<ReleaseFact> = self
            .releases_of(label.product_id)
            .await?
            .into_iter()
            .map(|release| {
                Ok(ReleaseFact {
                    released: crate::db::day(&release.released)?,
                    version: release.version,
                    changes_security: release.changes_security,
                })
            })
            .collect::<Result<_, RegistryError>>()?;
        let current = self.catalog.scheme("jc-star").map(|s| s.version.clone()).unwrap_or_default();
        let expires = rules::extended_expiry(
            label.assurance,
            crate::db::day(&label.first_evaluated)?,
            today,
            crate::db::day(&label.support_end)?,
            &label.scheme_version,
            &current,
            &releases,
        )
        .map_err(RegistryError::Rejected)?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE labels SET expires = $1, calendar_status = 'valid', updated = $2 WHERE number = $3")
            .bind(expires.to_string())
            .bind(now)
            .bind(number)
            .execute(&mut *tx)
            .await?;
        let detail = format!("expires {expires}; re-confirmed by lab {} ({})", lab.name, reconfirmation.trim());
        Self::event(&mut tx, number, "extended", crate::Status::Valid, now, Some(detail)).await?;
        Self::audit(
            &mut tx,
            now,
            &staff.email,
            "extended",
            &format!("label:{number}"),
            serde_json::json!({ "expires": expires.to_string(), "lab": lab_id, "reconfirmation": reconfirmation.trim() }),
        )
        .await?;
        tx.commit().await?;
        self.label(number, today).await?.ok_or_else(|| RegistryError::NotFound(format!("label {number}")))
    }

    /// Staff open an account for one of the lab's staff (role `evaluator`): they log in to read
    /// the lab's notices and answer the incidents that name it.
    pub async fn add_lab_account(
        &self,
        staff: &User,
        lab_id: i64,
        email: &str,
        name: &str,
        password: &str,
        now: i64,
    ) -> Result<User, RegistryError> {
        Self::require_staff(staff)?;
        let lab = self.lab(lab_id).await?;
        let Some(organisation) = lab.organisation_id else {
            return Err(invalid(
                format!("the lab {} has no organisation for accounts", lab.name),
                format!("評価機関 {} にはアカウント用の組織がありません", lab.name),
            ));
        };
        let user = self
            .add_member(
                staff,
                organisation,
                crate::Role::Evaluator,
                email,
                name,
                password,
                ("lab-account", &format!("lab:{lab_id}")),
                now,
            )
            .await?;
        Ok(user)
    }

    /// The lab a user works for, if they are one of a lab's staff.
    pub async fn lab_of(&self, user: &User) -> Result<Option<Lab>, RegistryError> {
        if user.role != crate::Role::Evaluator {
            return Ok(None);
        }
        let Some(organisation) = user.organisation_id else { return Ok(None) };
        Ok(self.labs_where("organisation_id", Some(organisation)).await?.pop())
    }

    /// Who evaluated a label's product, as an incident names them: the lab (with the
    /// organisation its notices go to) or the skilled evaluator.
    pub(crate) async fn evaluated_by_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        number: &str,
    ) -> Result<Option<EvaluatedBy>, RegistryError> {
        let row = sqlx::query(
            "SELECT l.lab_id, b.name AS lab_name, b.organisation_id, l.evaluator_id, e.name AS evaluator_name, \
             e.organisation AS evaluator_organisation FROM labels l LEFT JOIN labs b ON b.id = l.lab_id \
             LEFT JOIN evaluators e ON e.id = l.evaluator_id WHERE l.number = $1",
        )
        .bind(number)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if let Some(id) = row.try_get::<Option<i64>, _>("lab_id")? {
            return Ok(Some(EvaluatedBy {
                kind: "lab".to_owned(),
                id,
                name: row.try_get::<Option<String>, _>("lab_name")?.unwrap_or_default(),
                organisation_id: row.try_get("organisation_id")?,
            }));
        }
        if let Some(id) = row.try_get::<Option<i64>, _>("evaluator_id")? {
            let name: Option<String> = row.try_get("evaluator_name")?;
            let organisation: Option<String> = row.try_get("evaluator_organisation")?;
            return Ok(Some(EvaluatedBy {
                kind: "evaluator".to_owned(),
                id,
                name: format!("{} ({})", name.unwrap_or_default(), organisation.unwrap_or_default()),
                organisation_id: None,
            }));
        }
        Ok(None)
    }

    /// The labels issued on the lab's evaluations: number, level and product name.
    pub async fn labels_evaluated_by_lab(&self, id: i64) -> Result<Vec<(String, String, String)>, RegistryError> {
        let rows = sqlx::query("SELECT number, level, product_name FROM labels WHERE lab_id = $1 ORDER BY number")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("number")?, row.try_get("level")?, row.try_get("product_name")?)))
            .collect()
    }

    pub async fn lab(&self, id: i64) -> Result<Lab, RegistryError> {
        self.labs_where("id", Some(id)).await?.pop().ok_or_else(|| RegistryError::NotFound(format!("lab {id}")))
    }

    /// The whole register, each lab with its accreditation history. A stored row that does not
    /// read is an error, never an accredited lab.
    pub async fn labs(&self) -> Result<Vec<Lab>, RegistryError> {
        self.labs_where("id", None).await
    }

    /// The labs whose `column` (`id` or `organisation_id`, a constant) is `value`, or all of
    /// them: one lab's page or account reads its own rows, not the whole register.
    async fn labs_where(&self, column: &'static str, value: Option<i64>) -> Result<Vec<Lab>, RegistryError> {
        let filter = if value.is_some() { format!("WHERE {column} = $1") } else { String::new() };
        let rows = sqlx::query(safe!(
            "SELECT id, name, accreditation_body, accreditation_number, key_id, public_key_pem, contact, organisation_id \
             FROM labs {filter} ORDER BY id"
        ));
        let rows = match value {
            Some(value) => rows.bind(value),
            None => rows,
        }
        .fetch_all(&self.pool)
        .await?;
        let changes = sqlx::query(safe!(
            "SELECT lab_id, status, effective, valid_until, scope, reason FROM lab_accreditations \
             WHERE lab_id IN (SELECT id FROM labs {filter}) ORDER BY lab_id, id"
        ));
        let changes = match value {
            Some(value) => changes.bind(value),
            None => changes,
        }
        .fetch_all(&self.pool)
        .await?;
        let corrupt = |what: String| RegistryError::Corrupt {
            what: format!("the lab register: {what}"),
            detail: "the stored value does not read".to_owned(),
        };
        let mut labs = Vec::new();
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let pem: String = row.try_get("public_key_pem")?;
            let key = VerifyingKey::from_public_key_pem(&pem).map_err(|_| corrupt(format!("lab {id}'s key")))?;
            let mut accreditation = Vec::new();
            for change in changes.iter().filter(|c| c.try_get::<i64, _>("lab_id").is_ok_and(|l| l == id)) {
                let status: String = change.try_get("status")?;
                let effective: String = change.try_get("effective")?;
                let valid_until: String = change.try_get("valid_until")?;
                let scope: String = change.try_get("scope")?;
                accreditation.push(AccreditationChange {
                    status: AccreditationStatus::parse(&status).ok_or_else(|| corrupt(format!("lab {id}'s status")))?,
                    effective: effective.parse().map_err(|_| corrupt(format!("lab {id}'s day")))?,
                    valid_until: valid_until.parse().map_err(|_| corrupt(format!("lab {id}'s validity")))?,
                    scope: serde_json::from_str(&scope).map_err(|_| corrupt(format!("lab {id}'s scope")))?,
                    reason: change.try_get("reason")?,
                });
            }
            labs.push(Lab {
                id,
                organisation_id: row.try_get("organisation_id")?,
                name: row.try_get("name")?,
                accreditation_body: row.try_get("accreditation_body")?,
                accreditation_number: row.try_get("accreditation_number")?,
                key_id: row.try_get("key_id")?,
                contact: row.try_get("contact")?,
                accreditation,
                key: Some(key),
            });
        }
        Ok(labs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn lab(changes: Vec<AccreditationChange>) -> Lab {
        Lab {
            id: 1,
            organisation_id: None,
            name: "Lab".into(),
            accreditation_body: "IAJapan".into(),
            accreditation_number: "RTL-1".into(),
            key_id: String::new(),
            contact: String::new(),
            accreditation: changes,
            key: None,
        }
    }

    fn change(status: AccreditationStatus, effective: Date, valid_until: Date, levels: &[&str]) -> AccreditationChange {
        AccreditationChange {
            status,
            effective,
            valid_until,
            scope: vec![ScopeEntry {
                product_type: "network-camera".into(),
                levels: levels.iter().map(|l| (*l).to_owned()).collect(),
            }],
            reason: String::new(),
        }
    }

    #[test]
    fn a_lab_is_accredited_for_its_scope_within_validity_while_active() {
        let end = date(2028, 3, 31);
        let lab = lab(vec![
            change(AccreditationStatus::Active, date(2026, 4, 1), end, &["3"]),
            change(AccreditationStatus::Active, date(2026, 10, 1), end, &["3", "4"]),
            change(AccreditationStatus::Suspended, date(2027, 1, 10), end, &["3", "4"]),
            change(AccreditationStatus::Active, date(2027, 2, 1), end, &["3", "4"]),
        ]);
        let camera = Some("network-camera");
        assert!(lab.accredited_for(date(2026, 3, 31), camera, "3").is_err(), "before registration");
        assert!(lab.accredited_for(date(2026, 4, 1), camera, "3").is_ok());
        assert!(lab.accredited_for(date(2026, 5, 1), camera, "4").is_err(), "★4 not yet in scope");
        assert!(lab.accredited_for(date(2026, 10, 1), camera, "4").is_ok());
        assert!(lab.accredited_for(date(2026, 10, 1), Some("router"), "3").is_err(), "another product type");
        assert!(lab.accredited_for(date(2026, 10, 1), None, "3").is_err(), "no product type");
        let suspended = lab.accredited_for(date(2027, 1, 15), camera, "3").unwrap_err();
        assert!(suspended.en.contains("suspended"), "{suspended:?}");
        assert!(lab.accredited_for(date(2027, 2, 1), camera, "3").is_ok(), "reinstated");
        let expired = lab.accredited_for(date(2028, 4, 1), camera, "3").unwrap_err();
        assert!(expired.en.contains("valid until 2028-03-31"), "{expired:?}");
    }
}
