//! Approving an application: number the label (or keep the product's), write it, correct an open
//! lifecycle case, index the SBOM for monitoring, record the event and the audit, in one
//! transaction.

use jiff::civil::Date;
use sqlx::Row;

use super::Application;
use crate::accounts::User;
use crate::cases::lifecycle::{Correction, Event, Lifecycle};
use crate::db::{Registry, RegistryError, day, invalid};
use crate::labels::Label;
use crate::labels::rules::{self, Assurance, State, Status};
use crate::products::Product;

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// The label the product holds already: approving renews it.
struct Held {
    number: String,
    lifecycle: Lifecycle,
}

/// The dates and assurance the approved label carries.
struct Terms {
    assurance: Assurance,
    issued: Date,
    first_evaluated: Date,
    expires: Date,
    support_end: Date,
}

/// How a renewal corrects an open case: a new firmware, or the same product evaluated again.
fn correction(declaration: &tekigo_assess::Declaration, product: &Product) -> Correction {
    if declaration.product.firmware_version != product.firmware_version {
        Correction::NewFirmware
    } else {
        Correction::Reevaluated
    }
}

impl Registry {
    /// Approves an application: issues the product's label, or renews it (same number, new dates).
    /// One transaction: number the label (or keep the held one's), write it, correct an open
    /// case, index the SBOM, record the event and the audit.
    pub async fn approve(&self, reviewer: &User, id: i64, today: Date, now: i64) -> Result<Label, RegistryError> {
        Self::require_reviewer(reviewer)?;
        let application = self.application(reviewer, id).await?;
        if application.status != "submitted" {
            return Err(invalid(
                format!("application {id} is not waiting for review"),
                format!("申請 {id} は審査待ちではありません"),
            ));
        }
        // The fee is paid before issuance (docs/scheme.md, "Registration").
        if application.fee_received.is_none() {
            return Err(invalid(
                format!(
                    "the fee for application {} is not recorded as received: record it before approving",
                    application.number
                ),
                format!("申請 {} の手数料の入金が記録されていません。承認の前に記録してください", application.number),
            ));
        }
        let product = self.product(reviewer, application.product_id).await?;
        let (declaration_bytes, sbom_bytes) = self.application_files(reviewer, id).await?;
        let declaration: tekigo_assess::Declaration = serde_json::from_slice(&declaration_bytes).map_err(|error| {
            invalid(format!("stored declaration unreadable: {error}"), format!("保存された宣言書を読めません: {error}"))
        })?;
        let assurance = Assurance::for_level(&application.level);
        let support_end = day(&product.support_end)?;
        let mut tx = self.begin_write().await?;
        let held = Self::held_label(&mut tx, product.id).await?;
        let (number, event) = match &held {
            Some(held) => (held.number.clone(), "renewed"),
            None => (Self::number_label(&mut tx, &application.level, today).await?, "issued"),
        };
        // An approved application carries a new declaration or a new lab report: a new
        // evaluation, from which the five years of third-party extensions count (SCHEME §5.1;
        // extensions without one are `Registry::extend_label`).
        let first_evaluated = today;
        let expires = rules::expiry(assurance, today, support_end, first_evaluated)
            .map_err(|error| invalid(error.to_string(), "有効期間を計算できません（SCHEME §5.1）"))?;
        let terms = Terms { assurance, issued: today, first_evaluated, expires, support_end };
        Self::upsert_label(&mut tx, &number, &application, &product, &declaration.scheme.version, &terms, now).await?;
        let evaluated_by = Self::record_evaluator(&mut tx, &number, &declaration).await?;
        if let Some(held) = &held {
            let how = correction(&declaration, &product);
            Self::correct_lifecycle(&mut tx, held, how, &reviewer.email, id, today, now).await?;
        }
        Self::index_approved_sbom(&mut tx, &number, &application, &sbom_bytes).await?;
        Self::record_first_release(&mut tx, &application, &product, &sbom_bytes, today, now).await?;
        Self::record_approval(&mut tx, reviewer, id, &number, event, expires, evaluated_by.as_deref(), now).await?;
        tx.commit().await?;
        self.label(&number, today).await?.ok_or_else(|| RegistryError::NotFound(number))
    }

    /// The label the product holds, if any; a revoked one cannot be renewed.
    async fn held_label(tx: &mut Tx<'_>, product_id: i64) -> Result<Option<Held>, RegistryError> {
        let Some(row) = sqlx::query("SELECT number, state, lifecycle FROM labels WHERE product_id = $1")
            .bind(product_id)
            .fetch_optional(&mut **tx)
            .await?
        else {
            return Ok(None);
        };
        let state: String = row.try_get("state")?;
        if state == State::Revoked.name() {
            return Err(invalid(
                "the product's label was revoked; it cannot be renewed",
                "この製品のラベルは取り消されています。更新できません",
            ));
        }
        let number: String = row.try_get("number")?;
        let stored: String = row.try_get("lifecycle")?;
        let lifecycle = crate::cases::stored_lifecycle(&number, &stored)?;
        Ok(Some(Held { number, lifecycle }))
    }

    /// The next label number of `level` in `today`'s year, from the counter of that level and year.
    async fn number_label(tx: &mut Tx<'_>, level: &str, today: Date) -> Result<String, RegistryError> {
        let year = today.year();
        let counter = format!("label-serial-{level}-{year}");
        sqlx::query("INSERT INTO counters (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING")
            .bind(&counter)
            .execute(&mut **tx)
            .await?;
        let serial: i64 = sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value")
            .bind(&counter)
            .fetch_one(&mut **tx)
            .await?;
        Ok(rules::label_number(level, year, serial.unsigned_abs()))
    }

    /// Writes the label: one statement for issue and renewal. A renewal keeps the number and the
    /// product and takes everything else from the new application.
    async fn upsert_label(
        tx: &mut Tx<'_>,
        number: &str,
        application: &Application,
        product: &Product,
        scheme_version: &str,
        terms: &Terms,
        now: i64,
    ) -> Result<(), RegistryError> {
        sqlx::query(
            "INSERT INTO labels (number, product_id, organisation_id, application_id, level, scheme_version, assurance, state, issued, \
             first_evaluated, expires, support_end, calendar_status, vendor, product_name, model, firmware_version, product_type, \
             vulnerability_contact, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $10, $11, 'valid', $12, $13, $14, $15, $16, $17, $18) \
             ON CONFLICT (number) DO UPDATE SET application_id = excluded.application_id, level = excluded.level, \
             scheme_version = excluded.scheme_version, assurance = excluded.assurance, state = 'active', issued = excluded.issued, \
             first_evaluated = excluded.first_evaluated, expires = excluded.expires, support_end = excluded.support_end, \
             calendar_status = 'valid', vendor = excluded.vendor, product_name = excluded.product_name, model = excluded.model, \
             firmware_version = excluded.firmware_version, product_type = excluded.product_type, \
             vulnerability_contact = excluded.vulnerability_contact, updated = excluded.updated",
        )
        .bind(number)
        .bind(product.id)
        .bind(product.organisation_id)
        .bind(application.id)
        .bind(&application.level)
        .bind(scheme_version)
        .bind(terms.assurance.name())
        .bind(terms.issued.to_string())
        .bind(terms.first_evaluated.to_string())
        .bind(terms.expires.to_string())
        .bind(terms.support_end.to_string())
        .bind(&product.vendor)
        .bind(&product.name)
        .bind(&product.model)
        .bind(&product.firmware_version)
        .bind(product.product_type.clone())
        .bind(&product.vulnerability_contact)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Who evaluated, from the register the application's checks matched them in: the lab of a
    /// third-party report, or the evaluator who co-signed. Returns how the log names them.
    async fn record_evaluator(
        tx: &mut Tx<'_>,
        number: &str,
        declaration: &tekigo_assess::Declaration,
    ) -> Result<Option<String>, RegistryError> {
        let Some(evaluator) = &declaration.evaluator else {
            sqlx::query("UPDATE labels SET lab_id = NULL, evaluator_id = NULL WHERE number = $1")
                .bind(number)
                .execute(&mut **tx)
                .await?;
            return Ok(None);
        };
        let lab = evaluator.accreditation.is_some();
        let table = if lab { "labs" } else { "evaluators" };
        let id: Option<i64> = sqlx::query_scalar(safe!("SELECT id FROM {table} WHERE key_id = $1"))
            .bind(&evaluator.key_id)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(id) = id else {
            return Err(invalid(
                format!("{} is no longer on the register; the application cannot be approved", evaluator.organisation),
                format!("{} は登録簿にありません。この申請は承認できません", evaluator.organisation),
            ));
        };
        sqlx::query("UPDATE labels SET lab_id = $1, evaluator_id = $2 WHERE number = $3")
            .bind(lab.then_some(id))
            .bind((!lab).then_some(id))
            .bind(number)
            .execute(&mut **tx)
            .await?;
        if lab {
            let product_id: i64 = sqlx::query_scalar("SELECT product_id FROM labels WHERE number = $1")
                .bind(number)
                .fetch_one(&mut **tx)
                .await?;
            Self::complete_engagement_in(tx, product_id, id, &declaration.scheme.level).await?;
        }
        Ok(Some(match &evaluator.accreditation {
            Some(accreditation) => {
                format!("evaluated by lab {} ({} {})", evaluator.organisation, accreditation.body, accreditation.number)
            }
            None => format!("co-signed by evaluator {} ({})", evaluator.name, evaluator.organisation),
        }))
    }

    /// A new declaration approved by a reviewer answers an open case; monitoring opens a new one
    /// at its next run if the new SBOM still fails (lifecycle.rs).
    async fn correct_lifecycle(
        tx: &mut Tx<'_>,
        held: &Held,
        how: Correction,
        reviewer: &str,
        application: i64,
        today: Date,
        now: i64,
    ) -> Result<(), RegistryError> {
        if matches!(held.lifecycle, Lifecycle::Active) {
            return Ok(());
        }
        let event = Event::Corrected { how, on: today };
        let detail = serde_json::json!({ "application": application });
        Self::apply_in(tx, &held.number, &event, reviewer, now, detail).await?;
        Ok(())
    }

    /// Indexes the approved SBOM for monitoring; the VEX sent with the application stays with the
    /// label.
    async fn index_approved_sbom(
        tx: &mut Tx<'_>,
        number: &str,
        application: &Application,
        sbom: &[u8],
    ) -> Result<(), RegistryError> {
        Self::index_sbom_in(tx, number, &application.level, sbom, crate::monitoring::DIRTY_INDEXED).await?;
        let sent: String = sqlx::query_scalar("SELECT vex FROM applications WHERE id = $1")
            .bind(application.id)
            .fetch_one(&mut **tx)
            .await?;
        let sent: Vec<tekigo_vuln::vex::VexStatement> = serde_json::from_str(&sent).unwrap_or_default();
        // Just indexed: the label is monitored.
        Self::append_vex_in(tx, number, &sent).await?;
        Ok(())
    }

    /// The approved firmware is the series' release for every model (releases.rs); a renewal of
    /// a firmware already released changes nothing.
    async fn record_first_release(
        tx: &mut Tx<'_>,
        application: &Application,
        product: &Product,
        sbom: &[u8],
        today: Date,
        now: i64,
    ) -> Result<(), RegistryError> {
        let models: Vec<&str> = product.models.iter().map(|m| m.model.as_str()).collect();
        let vex: String = sqlx::query_scalar("SELECT vex FROM applications WHERE id = $1")
            .bind(application.id)
            .fetch_one(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO firmware_releases (product_id, version, released, models, changes_security, sbom, sbom_sha256, vex, \
             registry_check, published_by, at) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, NULL, $9) \
             ON CONFLICT (product_id, version) DO NOTHING",
        )
        .bind(product.id)
        .bind(product.firmware_version.trim())
        .bind(today.to_string())
        .bind(serde_json::to_string(&models).unwrap_or_default())
        .bind(sbom.to_vec())
        .bind(&application.sbom_sha256)
        .bind(vex)
        .bind(application.registry_check.as_ref().map(|c| serde_json::to_string(c).unwrap_or_default()))
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Marks the application approved, and records the label's event and the audit.
    #[allow(clippy::too_many_arguments)]
    async fn record_approval(
        tx: &mut Tx<'_>,
        reviewer: &User,
        application: i64,
        number: &str,
        event: &str,
        expires: Date,
        evaluated_by: Option<&str>,
        now: i64,
    ) -> Result<(), RegistryError> {
        sqlx::query("UPDATE applications SET status = 'approved', decided = $1, decided_by = $2, label_number = $3 WHERE id = $4")
            .bind(now)
            .bind(reviewer.id)
            .bind(number)
            .bind(application)
            .execute(&mut **tx)
            .await?;
        // The transparency log records who evaluated a label above ★1 with its issuance.
        let detail = match evaluated_by {
            Some(by) => format!("expires {expires}; {by}"),
            None => format!("expires {expires}"),
        };
        Self::event(tx, number, event, Status::Valid, now, Some(detail)).await?;
        Self::audit(
            tx,
            now,
            &reviewer.email,
            event,
            &format!("label:{number}"),
            serde_json::json!({ "application": application, "expires": expires.to_string() }),
        )
        .await?;
        Ok(())
    }
}
