//! Applications: a vendor submits a signed declaration, its SBOM, VEX and evidence for a product;
//! the automatic checks ([`checks`], the rules, no I/O) and the registry's own known-vulnerability
//! check ([`vulnerability_check`]) run first; a reviewer returns it or approves it
//! ([`approve`](Registry::approve), approve.rs), which issues or renews the product's label.

mod approve;
pub mod checks;
mod fee_record;
mod lab;
pub mod vulnerability_check;

pub use crate::fees::{Fee, FeeSchedule, FeeScheduleError, Route};
pub use checks::{CheckResult, Expected};
pub use vulnerability_check::RegistryCheck;

use std::sync::Arc;

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tekigo_base::Text;

use crate::accounts::{Role, User};
use crate::db::{Registry, RegistryError, day, invalid};

/// What a vendor uploads for an application.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// The signed declaration.json.
    pub declaration: &'a [u8],
    /// The SBOM the declaration names.
    pub sbom: &'a [u8],
    /// A VEX document (CycloneDX VEX, CSAF VEX or OpenVEX).
    pub vex: Option<&'a [u8]>,
    /// Evidence files (their names and bytes), each one the declaration fixes by its SHA-256.
    pub files: &'a [(String, Vec<u8>)],
    /// An agent filing on the vendor's behalf.
    pub agent: Option<AgentUpload<'a>>,
}

/// An agent filing on the vendor's behalf (IPA's form for a proxy, 委任状): who it is and the
/// vendor's authorisation document, kept with the application for the reviewer.
#[derive(Debug, Clone, Copy)]
pub struct AgentUpload<'a> {
    pub organisation: &'a str,
    pub contact: &'a str,
    /// The authorisation document's file name and bytes.
    pub authorisation: (&'a str, &'a [u8]),
}

/// The agent as the application records it.
#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    pub organisation: String,
    pub contact: String,
    pub authorisation_name: String,
    pub authorisation_sha256: String,
}

/// The fee the schedule asked for on the day of submission.
#[derive(Debug, Clone, Serialize)]
pub struct FeeDue {
    pub yen: u64,
    /// The schedule entry's source.
    pub source: String,
}

/// Staff's record that the fee was received (a record only: tekigo processes no payment).
#[derive(Debug, Clone, Serialize)]
pub struct FeeReceived {
    pub at: i64,
    pub yen: u64,
    pub reference: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: i64,
    /// The application number given at submission (`A-YYYY-NNNNNN`).
    pub number: String,
    pub route: Route,
    /// `None` when the schedule has no fee for the route and level on that day.
    pub fee_due: Option<FeeDue>,
    pub fee_received: Option<FeeReceived>,
    pub agent: Option<Agent>,
    /// Where the UK PSTI statement of compliance is (a URL, or the name of an uploaded file) on
    /// the PSTI route.
    pub psti_statement: Option<String>,
    pub product_id: i64,
    pub product_name: String,
    pub vendor: String,
    pub level: String,
    pub declaration_id: String,
    pub sbom_sha256: String,
    pub checks: Vec<CheckResult>,
    pub status: String,
    pub submitted: i64,
    pub decided: Option<i64>,
    pub comment: Option<String>,
    pub label_number: Option<String>,
    /// The registry's own known-vulnerability check of the SBOM; `None` for an application
    /// stored before the registry checked for itself.
    pub registry_check: Option<RegistryCheck>,
    /// VEX statements sent with the application.
    pub vex_statements: usize,
}

impl Registry {
    /// Submits a signed self-declaration and its SBOM for a product. The automatic checks run
    /// first; an application that fails any is refused and nothing is stored.
    pub async fn submit(
        &self,
        user: &User,
        product_id: i64,
        declaration: &[u8],
        sbom: &[u8],
        today: Date,
        now: i64,
    ) -> Result<Application, RegistryError> {
        self.submit_upload(
            user,
            product_id,
            Upload { declaration, sbom, vex: None, files: &[], agent: None },
            today,
            now,
        )
        .await
    }

    /// [`Registry::submit`] with everything a vendor may upload: a VEX document, which the
    /// registry's own vulnerability check applies and the label keeps, and evidence files.
    pub async fn submit_upload(
        &self,
        user: &User,
        product_id: i64,
        upload: Upload<'_>,
        today: Date,
        now: i64,
    ) -> Result<Application, RegistryError> {
        if user.role != Role::Vendor {
            return Err(RegistryError::Forbidden("only the vendor applies for its product".into()));
        }
        let product = self.product(user, product_id).await?;
        let id = self.store_application(user, product, upload, today, now).await?;
        self.application(user, id).await
    }

    /// The checks and the stored application, for the vendor or for the lab it engaged
    /// (`lab.rs`); `user` is who submits. Returns the application's id.
    pub(crate) async fn store_application(
        &self,
        user: &User,
        product: crate::products::Product,
        upload: Upload<'_>,
        today: Date,
        now: i64,
    ) -> Result<i64, RegistryError> {
        let product_id = product.id;
        let Upload { declaration, sbom, vex, files, agent } = upload;
        let keys = self.signing_keys(product.organisation_id).await?;
        let evaluators = self.evaluators().await?;
        let labs = self.labs().await?;
        let expected = Expected {
            vendor: &product.vendor,
            name: &product.name,
            model: &product.model,
            models: &product.models,
            firmware_version: &product.firmware_version,
            support_end: day(&product.support_end)?,
            today,
            evaluators: &evaluators,
            labs: &labs,
        };
        let (declared, results) = checks::check_application(&self.catalog, declaration, sbom, &keys, &expected)
            .map_err(RegistryError::Rejected)?;
        // A lab's report is accepted only under the vendor's engagement of that lab.
        if let Some(lab) = declared
            .evaluator
            .as_ref()
            .filter(|e| e.accreditation.is_some())
            .and_then(|e| labs.iter().find(|lab| lab.key_id == e.key_id))
            && let Err(problem) = self.engaged(product_id, lab.id, &declared.scheme.level).await?
        {
            return Err(RegistryError::Rejected(vec![problem]));
        }
        let sent_vex = match vex {
            None => Vec::new(),
            Some(bytes) => {
                let statements = tekigo_vuln::vex::read(bytes, "VEX").map_err(|error| {
                    RegistryError::Rejected(vec![Text::new(
                        format!("the VEX document cannot be read: {error}"),
                        format!("VEX 文書を読めません: {error}"),
                    )])
                })?;
                if statements.is_empty() {
                    return Err(RegistryError::Rejected(vec![Text::new(
                        "the VEX document holds no statement",
                        "VEX 文書に記述がありません",
                    )]));
                }
                statements
            }
        };
        let files = checks::named_files(&declared, files).map_err(RegistryError::Rejected)?;
        let psti_statement = checks::recognised_statements(&declared, &files).map_err(RegistryError::Rejected)?;
        let agent = agent.map(checks::agent).transpose().map_err(RegistryError::Rejected)?;
        let route = Route::of(&declared);
        let fee_due = self.fees.fee(route, &declared.scheme.level, today).cloned();
        let registry_check =
            self.check_vulnerabilities(product_id, &declared.scheme.level, sbom, &sent_vex, today).await?;
        if let Some(refusal) = registry_check.refusal() {
            return Err(RegistryError::Rejected(vec![refusal]));
        }
        let mut tx = self.begin_write().await?;
        let used: Option<i64> = sqlx::query_scalar("SELECT id FROM applications WHERE declaration_id = $1")
            .bind(&declared.id)
            .fetch_optional(&mut *tx)
            .await?;
        if used.is_some() {
            return Err(invalid(
                "this declaration was submitted before; sign a new one",
                "この宣言書は提出済みです。新しい宣言書に署名してください",
            ));
        }
        let pending: Option<i64> =
            sqlx::query_scalar("SELECT id FROM applications WHERE product_id = $1 AND status = 'submitted'")
                .bind(product_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(pending) = pending {
            return Err(invalid(
                format!("application {pending} for this product is still under review"),
                format!("この製品の申請 {pending} は審査中です"),
            ));
        }
        let sha256 = tekigo_assess::folder::sha256_hex(sbom);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO applications (product_id, level, declaration_id, declaration, sbom, sbom_sha256, checks, status, submitted, submitted_by, \
             registry_check, vex, route, fee_yen, fee_source, agent_organisation, agent_contact, agent_authorisation, \
             agent_authorisation_name, agent_authorisation_sha256, psti_statement) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
        )
        .bind(product_id)
        .bind(&declared.scheme.level)
        .bind(&declared.id)
        .bind(declaration.to_vec())
        .bind(sbom.to_vec())
        .bind(&sha256)
        .bind(serde_json::to_string(&results).unwrap_or_default())
        .bind(now)
        .bind(user.id)
        .bind(serde_json::to_string(&registry_check).unwrap_or_default())
        .bind(serde_json::to_string(&sent_vex).unwrap_or_default())
        .bind(route.name())
        .bind(fee_due.as_ref().map(|fee| i64::try_from(fee.yen).unwrap_or(i64::MAX)))
        .bind(fee_due.as_ref().map(|fee| fee.source.clone()))
        .bind(agent.as_ref().map(|agent| agent.organisation.clone()))
        .bind(agent.as_ref().map(|agent| agent.contact.clone()))
        .bind(agent.as_ref().map(|agent| agent.authorisation.clone()))
        .bind(agent.as_ref().map(|agent| agent.authorisation_name.clone()))
        .bind(agent.as_ref().map(|agent| agent.authorisation_sha256.clone()))
        .bind(psti_statement.clone())
        .fetch_one(&mut *tx)
        .await?;
        // The number follows the id: unique without a counter, and the same rule as for the
        // applications numbered by the migration.
        let number = application_number(today, id);
        sqlx::query("UPDATE applications SET number = $1 WHERE id = $2")
            .bind(&number)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for file in &files {
            sqlx::query(
                "INSERT INTO application_files (application_id, sha256, name, content) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(&file.sha256)
            .bind(&file.name)
            .bind(file.bytes.to_vec())
            .execute(&mut *tx)
            .await?;
        }
        Self::audit(
            &mut tx,
            now,
            &user.email,
            "submit",
            &format!("application:{id}"),
            serde_json::json!({
                "number": number,
                "route": route.name(),
                "fee_yen": fee_due.as_ref().map(|fee| fee.yen),
                "agent": agent.as_ref().map(|agent| &agent.organisation),
                "psti_statement": psti_statement,
                "product": product_id,
                "declaration": declared.id,
                "sbom_sha256": sha256,
                "registry_check": registry_check.outcome,
                "vex_statements": sent_vex.len(),
                "files": files.iter().map(|f| serde_json::json!({ "name": f.name, "sha256": f.sha256 })).collect::<Vec<_>>(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    const APPLICATION_COLUMNS: &'static str = "a.id, a.number, a.route, a.fee_yen, a.fee_source, a.fee_received, \
         a.fee_received_yen, a.fee_reference, a.agent_organisation, a.agent_contact, a.agent_authorisation_name, \
         a.agent_authorisation_sha256, a.psti_statement, a.product_id, p.name AS product_name, o.name AS vendor, p.organisation_id, a.level, \
         a.declaration_id, a.sbom_sha256, a.checks, a.status, a.submitted, a.decided, a.comment, a.label_number, \
         a.registry_check, a.vex FROM applications a JOIN products p ON p.id = a.product_id JOIN organisations o ON o.id = p.organisation_id";

    fn application_from(row: &AnyRow) -> Result<Application, RegistryError> {
        let checks: String = row.try_get("checks")?;
        let id: i64 = row.try_get("id")?;
        let route: String = row.try_get("route")?;
        let route =
            Route::parse(&route).ok_or_else(|| crate::db::corrupt(format!("application {id}'s route"), &route))?;
        let yen = |value: Option<i64>| value.map(i64::unsigned_abs);
        let fee_due = match (yen(row.try_get("fee_yen")?), row.try_get::<Option<String>, _>("fee_source")?) {
            (Some(yen), source) => Some(FeeDue { yen, source: source.unwrap_or_default() }),
            (None, _) => None,
        };
        let fee_received = match row.try_get::<Option<i64>, _>("fee_received")? {
            Some(at) => Some(FeeReceived {
                at,
                yen: yen(row.try_get("fee_received_yen")?).unwrap_or(0),
                reference: row.try_get::<Option<String>, _>("fee_reference")?.unwrap_or_default(),
            }),
            None => None,
        };
        let agent = match row.try_get::<Option<String>, _>("agent_organisation")? {
            Some(organisation) => Some(Agent {
                organisation,
                contact: row.try_get::<Option<String>, _>("agent_contact")?.unwrap_or_default(),
                authorisation_name: row.try_get::<Option<String>, _>("agent_authorisation_name")?.unwrap_or_default(),
                authorisation_sha256: row
                    .try_get::<Option<String>, _>("agent_authorisation_sha256")?
                    .unwrap_or_default(),
            }),
            None => None,
        };
        let psti_statement: Option<String> = row.try_get("psti_statement")?;
        Ok(Application {
            id,
            number: row.try_get::<Option<String>, _>("number")?.unwrap_or_default(),
            route,
            fee_due,
            fee_received,
            agent,
            psti_statement,
            product_id: row.try_get("product_id")?,
            product_name: row.try_get("product_name")?,
            vendor: row.try_get("vendor")?,
            level: row.try_get("level")?,
            declaration_id: row.try_get("declaration_id")?,
            sbom_sha256: row.try_get("sbom_sha256")?,
            checks: serde_json::from_str(&checks).unwrap_or_default(),
            status: row.try_get("status")?,
            submitted: row.try_get("submitted")?,
            decided: row.try_get("decided")?,
            comment: row.try_get("comment")?,
            label_number: row.try_get("label_number")?,
            registry_check: row
                .try_get::<Option<String>, _>("registry_check")?
                .and_then(|text| serde_json::from_str(&text).ok()),
            vex_statements: serde_json::from_str::<Vec<serde_json::Value>>(&row.try_get::<String, _>("vex")?)
                .map_or(0, |statements| statements.len()),
        })
    }

    /// The registry's own known-vulnerability check of an application's SBOM at `level`, with
    /// the VEX sent with it and the VEX the product's label holds already (a renewal).
    pub(crate) async fn check_vulnerabilities(
        &self,
        product_id: i64,
        level: &str,
        sbom: &[u8],
        sent_vex: &[tekigo_vuln::vex::VexStatement],
        today: Date,
    ) -> Result<RegistryCheck, RegistryError> {
        let Some(dir) = self.vulndb.clone() else {
            return Ok(RegistryCheck::not_checked(
                level,
                today,
                Text::new(
                    "the registry has no vulnerability database (tekigo serve --vulndb DIR): it did not check the SBOM itself",
                    "登録簿に脆弱性データベースがありません（tekigo serve --vulndb DIR）。SBOM を登録簿自身では確認していません",
                ),
            ));
        };
        let held: Option<String> = sqlx::query_scalar(
            "SELECT m.vex FROM monitored_labels m JOIN labels l ON l.number = m.label_number WHERE l.product_id = $1",
        )
        .bind(product_id)
        .fetch_optional(&self.pool)
        .await?;
        let mut vex = sent_vex.to_vec();
        vex.extend(
            held.and_then(|text| serde_json::from_str::<Vec<tekigo_vuln::vex::VexStatement>>(&text).ok())
                .unwrap_or_default(),
        );
        let (catalog, sbom, level_id) = (Arc::clone(&self.catalog), sbom.to_vec(), level.to_owned());
        let checked = tokio::task::spawn_blocking(move || {
            vulnerability_check::run(&dir, &catalog, &sbom, &level_id, &vex, today)
        })
        .await;
        Ok(checked.unwrap_or_else(|error| {
            RegistryCheck::not_checked(
                level,
                today,
                Text::new(
                    format!("the registry's vulnerability check stopped: {error}"),
                    format!("登録簿の脆弱性チェックが停止しました: {error}"),
                ),
            )
        }))
    }

    async fn application_row(&self, id: i64) -> Result<AnyRow, RegistryError> {
        sqlx::query(safe!("SELECT {} WHERE a.id = $1", Self::APPLICATION_COLUMNS))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("application {id}")))
    }

    /// An application whoever asks (the caller has checked they may see it).
    pub(crate) async fn application_unchecked(&self, id: i64) -> Result<Application, RegistryError> {
        Self::application_from(&self.application_row(id).await?)
    }

    /// An application its vendor or staff may see; another vendor's reads as not found.
    pub async fn application(&self, user: &User, id: i64) -> Result<Application, RegistryError> {
        let row = self.application_row(id).await?;
        let organisation: i64 = row.try_get("organisation_id")?;
        if user.role.is_staff() || user.organisation_id == Some(organisation) {
            Self::application_from(&row)
        } else {
            Err(RegistryError::NotFound(format!("application {id}")))
        }
    }

    /// A vendor's own applications; for staff, the queue of one status (or all).
    pub async fn applications(&self, user: &User, status: Option<&str>) -> Result<Vec<Application>, RegistryError> {
        let status = status.unwrap_or("%");
        let rows = if user.role.is_staff() {
            sqlx::query(safe!(
                "SELECT {} WHERE a.status LIKE $1 ORDER BY a.submitted, a.id LIMIT 500",
                Self::APPLICATION_COLUMNS
            ))
            .bind(status)
            .fetch_all(&self.pool)
            .await?
        } else {
            sqlx::query(safe!(
                "SELECT {} WHERE p.organisation_id = $1 AND a.status LIKE $2 ORDER BY a.id DESC",
                Self::APPLICATION_COLUMNS
            ))
            .bind(user.organisation_id.unwrap_or(-1))
            .bind(status)
            .fetch_all(&self.pool)
            .await?
        };
        rows.iter().map(Self::application_from).collect()
    }

    /// The stored declaration of an application, for the reviewer and the vendor.
    pub async fn application_files(&self, user: &User, id: i64) -> Result<(Vec<u8>, Vec<u8>), RegistryError> {
        self.application(user, id).await?;
        let row = sqlx::query("SELECT declaration, sbom FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("declaration")?, row.try_get("sbom")?))
    }

    /// The SHA-256 of every evidence file uploaded with an application.
    pub async fn application_file_hashes(&self, user: &User, id: i64) -> Result<Vec<String>, RegistryError> {
        self.application(user, id).await?;
        Ok(sqlx::query_scalar("SELECT sha256 FROM application_files WHERE application_id = $1 ORDER BY name")
            .bind(id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// One evidence file uploaded with an application: its name and bytes.
    pub async fn application_file(
        &self,
        user: &User,
        id: i64,
        sha256: &str,
    ) -> Result<(String, Vec<u8>), RegistryError> {
        self.application(user, id).await?;
        let row = sqlx::query("SELECT name, content FROM application_files WHERE application_id = $1 AND sha256 = $2")
            .bind(id)
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("file {sha256} of application {id}")))?;
        Ok((row.try_get("name")?, row.try_get("content")?))
    }

    /// The vendor's authorisation of the agent that filed an application: its name and bytes.
    pub async fn agent_authorisation(&self, user: &User, id: i64) -> Result<(String, Vec<u8>), RegistryError> {
        self.application(user, id).await?;
        let row = sqlx::query(
            "SELECT agent_authorisation_name, agent_authorisation FROM applications WHERE id = $1 AND agent_authorisation IS NOT NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| RegistryError::NotFound(format!("the agent's authorisation of application {id}")))?;
        Ok((row.try_get("agent_authorisation_name")?, row.try_get("agent_authorisation")?))
    }

    /// Returns an application to its vendor with the reviewer's comment.
    pub async fn return_application(
        &self,
        reviewer: &User,
        id: i64,
        comment: &str,
        now: i64,
    ) -> Result<Application, RegistryError> {
        Self::require_reviewer(reviewer)?;
        if comment.trim().is_empty() {
            return Err(invalid("say why the application is returned", "差し戻しの理由を記入してください"));
        }
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query("UPDATE applications SET status = 'returned', decided = $1, decided_by = $2, comment = $3 WHERE id = $4 AND status = 'submitted'")
            .bind(now)
            .bind(reviewer.id)
            .bind(comment.trim())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(invalid(
                format!("application {id} is not waiting for review"),
                format!("申請 {id} は審査待ちではありません"),
            ));
        }
        Self::audit(
            &mut tx,
            now,
            &reviewer.email,
            "return",
            &format!("application:{id}"),
            serde_json::json!({ "comment": comment.trim() }),
        )
        .await?;
        tx.commit().await?;
        self.application(reviewer, id).await
    }
}

/// `A-YYYY-NNNNNN`: the year the application was received (Japan time) and its serial.
pub(crate) fn application_number(received: Date, id: i64) -> String {
    format!("A-{}-{id:06}", received.year())
}
