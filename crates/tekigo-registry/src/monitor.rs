//! Continuous vulnerability monitoring of every labeled product's SBOM (SCHEME §5.2: the label's
//! page carries the product's vulnerability information; §5.4: a product that no longer meets
//! the criteria loses its label).
//!
//! Components are stored once however many labels hold them and indexed by the keys the
//! vulnerability database's change journal names (`pkg:<package>`, `cpe:<product>`; see
//! `tekigo_vuln::db::component_index_keys`). A run reads the journal after the last entry it saw,
//! looks the touched keys up in the index, and checks only those components, once per level in
//! use, in batches through the same matcher and level rule as `tekigo sbom check`. Only the
//! labels holding a component whose failing findings changed are then re-evaluated (with their
//! own VEX), and only their lifecycle can move: a new failing finding opens a case, a label with
//! nothing failing any more has its monitoring case closed.
//!
//! A run is idempotent: findings are replaced, not added, and the journal position is saved last,
//! so a run cut short is simply done again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use tekigo_base::Text;
use tekigo_criteria::Level;
use tekigo_sbom::{Component, Sbom, SbomFormat};
use tekigo_vuln::VulnDb;
use tekigo_vuln::check::CheckRequest;
use tekigo_vuln::policy::Policy;
use tekigo_vuln::vex::{VexStatement, VexStatus, names_component};

use crate::lifecycle::{Correction, Event, Lifecycle, Source};
use crate::store::{Registry, RegistryError, invalid};

/// Components per matcher call and per `IN (...)` list: large enough to batch the database's
/// queries, well under SQLite's and PostgreSQL's limits on bound parameters.
const CHUNK: usize = 2_000;

/// The journal position a registry has read up to, kept in `counters`.
const JOURNAL_COUNTER: &str = "monitor-journal";

/// Why a monitored label must be evaluated again whatever the journal says.
pub(crate) const DIRTY_INDEXED: i64 = 1;
const DIRTY_VEX: i64 = 2;
const DIRTY_SBOM: i64 = 3;

/// Which components a run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only what the vulnerability imports since the last run touched (and new components).
    Journal,
    /// Every component of every label: after a rebuilt database, or to compare.
    Full,
}

/// What one run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MonitorRun {
    pub journal_from: i64,
    pub journal_to: i64,
    pub touched_keys: usize,
    pub components_checked: usize,
    pub components_changed: usize,
    pub labels_evaluated: usize,
    pub labels_failing: usize,
    pub cases_opened: Vec<String>,
    pub cases_closed: Vec<String>,
    pub elapsed_ms: u128,
    /// Of which: checking the touched components against the vulnerability database.
    pub check_ms: u128,
    /// Of which: opening and closing cases (the lifecycle's writes, notices, feed, log, audit).
    pub cases_ms: u128,
    /// The same in microseconds as it accumulates (one case takes well under a millisecond).
    #[serde(skip)]
    cases_us: u128,
    pub diagnostics: Vec<String>,
}

/// A component as stored: what the matcher reads.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq, Hash)]
struct StoredComponent {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cpes: Vec<String>,
}

impl StoredComponent {
    fn of(component: &Component) -> StoredComponent {
        StoredComponent {
            name: component.name.clone(),
            version: component.version.clone(),
            purl: component.purl.clone(),
            cpes: component.cpes.clone(),
        }
    }

    fn to_component(&self, id: i64) -> Component {
        Component {
            id: id.to_string(),
            name: self.name.clone(),
            version: self.version.clone(),
            supplier: None,
            purl: self.purl.clone(),
            cpes: self.cpes.clone(),
            hashes: Vec::new(),
            kind: None,
        }
    }
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

fn ids_list(ids: &[i64]) -> String {
    // Integers only: safe to inline, and it spares thousands of bound parameters.
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl Registry {
    /// Indexes the SBOM of label `number` in `tx` (issue and renewal): its components, their
    /// keys, and the label's link to them. The label is then evaluated at the next run.
    pub(crate) async fn index_sbom_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        number: &str,
        level: &str,
        sbom_bytes: &[u8],
        dirty: i64,
    ) -> Result<i64, RegistryError> {
        let sbom = tekigo_sbom::read(sbom_bytes, "SBOM").map_err(|error| {
            invalid(format!("the SBOM cannot be read: {error}"), format!("SBOM を読めません: {error}"))
        })?;
        let sha = tekigo_assess::folder::sha256_hex(sbom_bytes);
        let monitored: i64 = sqlx::query_scalar(
            "INSERT INTO monitored_labels (label_number, level, sbom_sha256, dirty) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (label_number) DO UPDATE SET level = excluded.level, sbom_sha256 = excluded.sbom_sha256, dirty = excluded.dirty \
             RETURNING id",
        )
        .bind(number)
        .bind(level)
        .bind(&sha)
        .bind(dirty)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(safe!("DELETE FROM label_components WHERE monitored_id = {monitored}")).execute(&mut **tx).await?;
        let mut seen = BTreeSet::new();
        let components: Vec<(String, StoredComponent, Vec<String>)> = sbom
            .components
            .iter()
            .map(|c| {
                let stored = StoredComponent::of(c);
                let body = serde_json::to_string(&stored).unwrap_or_default();
                (tekigo_assess::folder::sha256_hex(body.as_bytes()), stored, tekigo_vuln::db::component_index_keys(c))
            })
            .filter(|(fingerprint, _, _)| seen.insert(fingerprint.clone()))
            .collect();
        for chunk in components.chunks(500) {
            let values: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
            let sql = format!(
                "INSERT INTO components (fingerprint, body) VALUES {} ON CONFLICT (fingerprint) DO NOTHING",
                values.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (fingerprint, stored, _) in chunk {
                query = query.bind(fingerprint.clone()).bind(serde_json::to_string(stored).unwrap_or_default());
            }
            query.execute(&mut **tx).await?;
            let sql = format!(
                "SELECT id, fingerprint FROM components WHERE fingerprint IN ({})",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (fingerprint, _, _) in chunk {
                query = query.bind(fingerprint.clone());
            }
            let ids: HashMap<String, i64> = query
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|row| Ok((row.try_get::<String, _>("fingerprint")?, row.try_get::<i64, _>("id")?)))
                .collect::<Result<_, sqlx::Error>>()?;
            let mut keys = Vec::new();
            let mut links = Vec::new();
            for (fingerprint, _, component_keys) in chunk {
                let Some(id) = ids.get(fingerprint) else { continue };
                links.push(format!("({id}, {monitored})"));
                keys.extend(component_keys.iter().map(|key| (key.clone(), *id)));
            }
            if !links.is_empty() {
                sqlx::query(safe!(
                    "INSERT INTO label_components (component_id, monitored_id) VALUES {} ON CONFLICT DO NOTHING",
                    links.join(", ")
                ))
                .execute(&mut **tx)
                .await?;
            }
            for keys in keys.chunks(500) {
                let values: Vec<String> = (0..keys.len()).map(|i| format!("(${}, {})", i + 1, keys[i].1)).collect();
                let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO component_keys (key, component_id) VALUES {} ON CONFLICT DO NOTHING",
                    values.join(", ")
                )));
                for (key, _) in keys {
                    query = query.bind(key.clone());
                }
                query.execute(&mut **tx).await?;
            }
        }
        Ok(monitored)
    }

    /// Re-checks the labeled products against `vulndb`: what its imports touched since the last
    /// run ([`Scope::Journal`]) or everything ([`Scope::Full`]). Opens and closes monitoring cases.
    pub async fn monitor(
        &self,
        vulndb: &mut VulnDb,
        scope: Scope,
        today: Date,
        now: i64,
    ) -> Result<MonitorRun, RegistryError> {
        let started = Instant::now();
        let mut run = MonitorRun::default();
        let vuln_error = |error: tekigo_vuln::db::DbError| {
            invalid(format!("vulnerability database: {error}"), format!("脆弱性データベース: {error}"))
        };
        let cursor: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = $1")
            .bind(JOURNAL_COUNTER)
            .fetch_optional(self.pool())
            .await?
            .unwrap_or(0);
        let last = vulndb.last_change().map_err(vuln_error)?;
        // A journal behind our position means the database was rebuilt: check everything.
        let scope = if last < cursor { Scope::Full } else { scope };
        run.journal_from = cursor;
        run.journal_to = last;

        let mut touched: BTreeSet<i64> = BTreeSet::new();
        match scope {
            Scope::Full => {
                let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM components").fetch_all(self.pool()).await?;
                touched.extend(ids);
            }
            Scope::Journal => {
                let changes = vulndb.changes_since(cursor).map_err(vuln_error)?;
                run.touched_keys = changes.keys.len();
                for keys in changes.keys.chunks(CHUNK) {
                    let sql = format!(
                        "SELECT DISTINCT component_id FROM component_keys WHERE key IN ({})",
                        placeholders(1, keys.len())
                    );
                    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                    for key in keys {
                        query = query.bind(key.clone());
                    }
                    touched.extend(query.fetch_all(self.pool()).await?);
                }
                for ids in changes.ids.chunks(CHUNK) {
                    let sql = format!(
                        "SELECT DISTINCT component_id FROM component_findings WHERE vuln_id IN ({})",
                        placeholders(1, ids.len())
                    );
                    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                    for id in ids {
                        query = query.bind(id.clone());
                    }
                    touched.extend(query.fetch_all(self.pool()).await?);
                }
                let unchecked: Vec<i64> =
                    sqlx::query_scalar("SELECT id FROM components WHERE checked = 0").fetch_all(self.pool()).await?;
                touched.extend(unchecked);
            }
        }

        let level_ids: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT level FROM monitored_labels").fetch_all(self.pool()).await?;
        let scheme = self.catalog().scheme("jc-star").map_err(|e| invalid(e.to_string(), e.to_string()))?;
        let mut levels: Vec<(String, &Level)> = Vec::new();
        for id in &level_ids {
            match scheme.level(id) {
                Ok(level) if level.vulnerability_cvss_min.is_some() => levels.push((id.clone(), level)),
                Ok(_) => run.diagnostics.push(format!("level {id} sets no vulnerability rule: not monitored")),
                Err(_) => run.diagnostics.push(format!("level {id} is not in the catalog: not monitored")),
            }
        }
        let policy = Policy::default();

        // 1. Check the touched components, batch by batch; keep those whose failing set changed.
        let checking = Instant::now();
        let touched: Vec<i64> = touched.into_iter().collect();
        let mut changed: BTreeSet<i64> = BTreeSet::new();
        for chunk in touched.chunks(CHUNK) {
            let rows = sqlx::query(safe!("SELECT id, body FROM components WHERE id IN ({})", ids_list(chunk)))
                .fetch_all(self.pool())
                .await?;
            let mut components = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: i64 = row.try_get("id")?;
                let body: String = row.try_get("body")?;
                match serde_json::from_str::<StoredComponent>(&body) {
                    Ok(stored) => components.push(stored.to_component(id)),
                    Err(error) => run.diagnostics.push(format!("component {id}: unreadable ({error})")),
                }
            }
            let sbom = Sbom {
                format: SbomFormat::CycloneDxJson { spec_version: "1.6".into() },
                name: None,
                components,
                dependencies: Vec::new(),
                diagnostics: Vec::new(),
            };
            let mut new: BTreeMap<(i64, String), BTreeMap<String, String>> = BTreeMap::new();
            for (level_id, level) in &levels {
                let level_name = format!("jc-star:{level_id}");
                let report = vulndb
                    .check(&CheckRequest {
                        sbom: &sbom,
                        sbom_origin: "registry",
                        level_name: &level_name,
                        level,
                        policy: &policy,
                        vex: &[],
                        today,
                    })
                    .map_err(vuln_error)?;
                for finding in report.findings.iter().filter(|f| f.fails_level) {
                    let Ok(component) = finding.component.id.parse::<i64>() else { continue };
                    new.entry((component, level_id.clone()))
                        .or_default()
                        .insert(finding.id.clone(), serde_json::to_string(finding).unwrap_or_default());
                }
            }
            let old_rows = sqlx::query(safe!(
                "SELECT component_id, level, vuln_id FROM component_findings WHERE component_id IN ({})",
                ids_list(chunk)
            ))
            .fetch_all(self.pool())
            .await?;
            let mut old: BTreeMap<(i64, String), BTreeSet<String>> = BTreeMap::new();
            for row in &old_rows {
                old.entry((row.try_get("component_id")?, row.try_get("level")?))
                    .or_default()
                    .insert(row.try_get("vuln_id")?);
            }
            let new_keys: BTreeMap<(i64, String), BTreeSet<String>> =
                new.iter().map(|(k, v)| (k.clone(), v.keys().cloned().collect())).collect();
            for key in old.keys().chain(new_keys.keys()) {
                if old.get(key) != new_keys.get(key) {
                    changed.insert(key.0);
                }
            }
            let mut tx = self.begin_write().await?;
            sqlx::query(safe!("DELETE FROM component_findings WHERE component_id IN ({})", ids_list(chunk)))
                .execute(&mut *tx)
                .await?;
            for ((component, level), findings) in &new {
                for (vuln_id, finding) in findings {
                    sqlx::query(
                        "INSERT INTO component_findings (component_id, level, vuln_id, finding) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(component)
                    .bind(level)
                    .bind(vuln_id)
                    .bind(finding)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            sqlx::query(safe!("UPDATE components SET checked = 1 WHERE id IN ({}) AND checked = 0", ids_list(chunk)))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            run.components_checked += chunk.len();
        }
        run.components_changed = changed.len();
        run.check_ms = checking.elapsed().as_millis();

        // 2. The labels holding a changed component: only those pairs' findings are replaced.
        let changed: Vec<i64> = changed.into_iter().collect();
        let mut touched = self.fan_out(&changed).await?;
        // 3. Labels indexed, given VEX or a new SBOM since: evaluated whole.
        let dirty: Vec<(i64, i64)> = sqlx::query("SELECT id, dirty FROM monitored_labels WHERE dirty <> 0")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("dirty")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let reasons: HashMap<i64, i64> = dirty.iter().copied().collect();
        let dirty_ids: Vec<i64> = dirty.iter().map(|(id, _)| *id).collect();
        for chunk in dirty_ids.chunks(CHUNK) {
            self.recompute_labels(chunk).await?;
        }
        touched.extend(dirty_ids);
        // 4. Each touched label's lifecycle follows what now fails.
        let touched: Vec<i64> = touched.into_iter().collect();
        for chunk in touched.chunks(CHUNK) {
            self.settle(chunk, &reasons, &mut run, today, now).await?;
        }
        run.labels_evaluated = touched.len();

        sqlx::query("INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
            .bind(JOURNAL_COUNTER)
            .bind(last)
            .execute(self.pool())
            .await?;
        run.elapsed_ms = started.elapsed().as_millis();
        run.cases_ms = run.cases_us / 1000;
        Ok(run)
    }

    /// The labels holding one of `changed`: their findings for those components are replaced by
    /// the components' new failing findings at the label's level, less the label's VEX. Work is in
    /// proportion to the (component, label) pairs touched, not to the labels' sizes.
    async fn fan_out(&self, changed: &[i64]) -> Result<BTreeSet<i64>, RegistryError> {
        let mut touched = BTreeSet::new();
        for components in changed.chunks(500) {
            let pairs: Vec<(i64, i64)> = sqlx::query(safe!(
                "SELECT component_id, monitored_id FROM label_components WHERE component_id IN ({})",
                ids_list(components)
            ))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| Ok((row.try_get("component_id")?, row.try_get("monitored_id")?)))
            .collect::<Result<_, sqlx::Error>>()?;
            let mut findings: HashMap<i64, Vec<(String, String, String)>> = HashMap::new();
            for row in sqlx::query(safe!(
                "SELECT component_id, level, vuln_id, finding FROM component_findings WHERE component_id IN ({})",
                ids_list(components)
            ))
            .fetch_all(self.pool())
            .await?
            {
                findings.entry(row.try_get("component_id")?).or_default().push((
                    row.try_get("level")?,
                    row.try_get("vuln_id")?,
                    row.try_get("finding")?,
                ));
            }
            let mut by_label: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
            for (component, label) in pairs {
                by_label.entry(label).or_default().push(component);
            }
            let labels: Vec<i64> = by_label.keys().copied().collect();
            for chunk in labels.chunks(CHUNK) {
                let meta: HashMap<i64, (String, String, Vec<VexStatement>)> = sqlx::query(safe!(
                    "SELECT id, label_number, level, vex FROM monitored_labels WHERE id IN ({})",
                    ids_list(chunk)
                ))
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|row| {
                    let vex: String = row.try_get("vex")?;
                    Ok((
                        row.try_get("id")?,
                        (
                            row.try_get("label_number")?,
                            row.try_get("level")?,
                            serde_json::from_str(&vex).unwrap_or_default(),
                        ),
                    ))
                })
                .collect::<Result<_, sqlx::Error>>()?;
                let mut rows: Vec<(i64, i64, &str)> = Vec::new();
                for label in chunk {
                    let Some((number, level, vex)) = meta.get(label) else { continue };
                    for component in &by_label[label] {
                        for (finding_level, vuln_id, finding) in findings.get(component).into_iter().flatten() {
                            if finding_level != level {
                                continue;
                            }
                            if !vex.is_empty() {
                                let parsed: serde_json::Value = serde_json::from_str(finding).unwrap_or_default();
                                if vex_clears(vex, number, vuln_id, &parsed) {
                                    continue;
                                }
                            }
                            rows.push((*label, *component, vuln_id));
                        }
                    }
                }
                let mut tx = self.begin_write().await?;
                sqlx::query(safe!(
                    "DELETE FROM label_findings WHERE monitored_id IN ({}) AND component_id IN ({})",
                    ids_list(chunk),
                    ids_list(components)
                ))
                .execute(&mut *tx)
                .await?;
                for batch in rows.chunks(500) {
                    let values: Vec<String> = batch
                        .iter()
                        .enumerate()
                        .map(|(i, (label, component, _))| format!("({label}, {component}, ${})", i + 1))
                        .collect();
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO label_findings (monitored_id, component_id, vuln_id) VALUES {} ON CONFLICT DO NOTHING",
                        values.join(", ")
                    )));
                    for (_, _, vuln_id) in batch {
                        query = query.bind(vuln_id.to_string());
                    }
                    query.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            touched.extend(labels);
        }
        Ok(touched)
    }

    /// Evaluates labels whole (new, given VEX, a new SBOM): every failing finding of their
    /// components at their level, less their VEX.
    async fn recompute_labels(&self, monitored: &[i64]) -> Result<(), RegistryError> {
        let labels = sqlx::query(safe!(
            "SELECT id, label_number, level, vex FROM monitored_labels WHERE id IN ({})",
            ids_list(monitored)
        ))
        .fetch_all(self.pool())
        .await?;
        let rows = sqlx::query(safe!(
            "SELECT lc.monitored_id, cf.component_id, cf.level, cf.vuln_id, cf.finding FROM label_components lc \
             JOIN component_findings cf ON cf.component_id = lc.component_id WHERE lc.monitored_id IN ({})",
            ids_list(monitored)
        ))
        .fetch_all(self.pool())
        .await?;
        let mut by_label: HashMap<i64, Vec<(i64, String, String, String)>> = HashMap::new();
        for row in &rows {
            by_label.entry(row.try_get("monitored_id")?).or_default().push((
                row.try_get("component_id")?,
                row.try_get("level")?,
                row.try_get("vuln_id")?,
                row.try_get("finding")?,
            ));
        }
        let mut tx = self.begin_write().await?;
        for label in &labels {
            let id: i64 = label.try_get("id")?;
            let number: String = label.try_get("label_number")?;
            let level: String = label.try_get("level")?;
            let vex: Vec<VexStatement> = serde_json::from_str(&label.try_get::<String, _>("vex")?).unwrap_or_default();
            sqlx::query(safe!("DELETE FROM label_findings WHERE monitored_id = {id}")).execute(&mut *tx).await?;
            for (component, finding_level, vuln_id, finding) in by_label.remove(&id).unwrap_or_default() {
                let parsed: serde_json::Value = serde_json::from_str(&finding).unwrap_or_default();
                if finding_level != level || vex_clears(&vex, &number, &vuln_id, &parsed) {
                    continue;
                }
                sqlx::query(
                    "INSERT INTO label_findings (monitored_id, component_id, vuln_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(component)
                .bind(&vuln_id)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(safe!("UPDATE monitored_labels SET dirty = 0 WHERE id = {id}")).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Moves each label's lifecycle to what its findings now say: a case opened (or joined) for
    /// a label that fails, the monitoring case closed for one that no longer does. `reasons` are
    /// the dirty marks that say how a case was corrected.
    async fn settle(
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
            let lifecycle: Lifecycle = serde_json::from_str(&stored).unwrap_or(Lifecycle::Active);
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
    async fn case_covers(
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

    async fn case_source(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        case: Option<i64>,
    ) -> Result<Option<String>, RegistryError> {
        let Some(case) = case else { return Ok(None) };
        Ok(sqlx::query_scalar("SELECT source FROM cases WHERE id = $1").bind(case).fetch_optional(&mut **tx).await?)
    }

    /// The vendor adds VEX statements (CycloneDX VEX, OpenVEX or CSAF VEX) to its label; the
    /// next run re-evaluates the label with them.
    pub async fn add_vex(
        &self,
        vendor: &crate::store::User,
        number: &str,
        bytes: &[u8],
        now: i64,
    ) -> Result<usize, RegistryError> {
        self.require_label_owner(vendor, number).await?;
        let statements = tekigo_vuln::vex::read(bytes, "VEX").map_err(|error| {
            invalid(format!("the VEX document cannot be read: {error}"), format!("VEX 文書を読めません: {error}"))
        })?;
        if statements.is_empty() {
            return Err(invalid("the VEX document holds no statement", "VEX 文書に記述がありません"));
        }
        let mut tx = self.begin_write().await?;
        let stored: Option<String> = sqlx::query_scalar("SELECT vex FROM monitored_labels WHERE label_number = $1")
            .bind(number)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(stored) = stored else {
            return Err(invalid(
                format!("label {number} has no monitored SBOM"),
                format!("ラベル {number} には監視中の SBOM がありません"),
            ));
        };
        let mut all: Vec<VexStatement> = serde_json::from_str(&stored).unwrap_or_default();
        let added = statements.len();
        all.extend(statements);
        sqlx::query(safe!("UPDATE monitored_labels SET vex = $1, dirty = {DIRTY_VEX} WHERE label_number = $2"))
            .bind(serde_json::to_string(&all).unwrap_or_default())
            .bind(number)
            .execute(&mut *tx)
            .await?;
        Self::audit(
            &mut tx,
            now,
            &vendor.email,
            "vex-added",
            &format!("label:{number}"),
            serde_json::json!({ "statements": added }),
        )
        .await?;
        tx.commit().await?;
        Ok(added)
    }

    /// The vendor replaces its label's SBOM (a correction of the component list for the same
    /// firmware); the next run re-evaluates the label.
    pub async fn update_sbom(
        &self,
        vendor: &crate::store::User,
        number: &str,
        bytes: &[u8],
        now: i64,
    ) -> Result<(), RegistryError> {
        self.require_label_owner(vendor, number).await?;
        if bytes.len() > crate::checks::MAX_SBOM_BYTES {
            return Err(invalid("the SBOM is larger than 64 MiB", "SBOM が 64 MiB を超えています"));
        }
        let mut tx = self.begin_write().await?;
        let level: Option<String> = sqlx::query_scalar("SELECT level FROM labels WHERE number = $1")
            .bind(number)
            .fetch_optional(&mut *tx)
            .await?;
        let level = level.ok_or_else(|| RegistryError::NotFound(format!("label {number}")))?;
        Self::index_sbom_in(&mut tx, number, &level, bytes, DIRTY_SBOM).await?;
        Self::audit(
            &mut tx,
            now,
            &vendor.email,
            "sbom-updated",
            &format!("label:{number}"),
            serde_json::json!({ "sha256": tekigo_assess::folder::sha256_hex(bytes) }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn require_label_owner(&self, user: &crate::store::User, number: &str) -> Result<(), RegistryError> {
        let owner: Option<i64> = sqlx::query_scalar("SELECT organisation_id FROM labels WHERE number = $1")
            .bind(number)
            .fetch_optional(self.pool())
            .await?;
        match owner {
            Some(owner) if user.organisation_id == Some(owner) || user.role.is_staff() => Ok(()),
            // Another vendor's label is "not found", as its products are.
            _ => Err(RegistryError::NotFound(format!("label {number}"))),
        }
    }

    /// A label's failing findings as monitoring last saw them (after its VEX).
    pub async fn label_findings(&self, number: &str) -> Result<Vec<serde_json::Value>, RegistryError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT cf.finding FROM label_findings f JOIN monitored_labels m ON m.id = f.monitored_id \
             JOIN component_findings cf ON cf.component_id = f.component_id AND cf.level = m.level AND cf.vuln_id = f.vuln_id \
             WHERE m.label_number = $1 ORDER BY f.vuln_id, f.component_id",
        )
        .bind(number)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().filter_map(|text| serde_json::from_str(text).ok()).collect())
    }
}

/// The label's VEX statement that says a finding does not apply, if any: it names the
/// vulnerability (or an alias) and either the component (purl, CPE) or the labeled product as a
/// whole (no products, or the label number).
pub(crate) fn vex_statement_for<'a>(
    vex: &'a [VexStatement],
    number: &str,
    vuln_id: &str,
    finding: &serde_json::Value,
) -> Option<&'a VexStatement> {
    let aliases: Vec<&str> = finding
        .get("aliases")
        .and_then(|a| a.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let component = finding.get("component");
    let purl = component.and_then(|c| c.get("purl")).and_then(|p| p.as_str());
    let cpes: Vec<String> =
        component.and_then(|c| c.get("cpe")).and_then(|c| c.as_str()).map(|c| vec![c.to_owned()]).unwrap_or_default();
    vex.iter().find(|statement| {
        matches!(statement.status, VexStatus::NotAffected | VexStatus::Fixed)
            && (statement.vulnerability == vuln_id || aliases.contains(&statement.vulnerability.as_str()))
            && (statement.products.is_empty()
                || statement.products.iter().any(|product| {
                    product == number || (!product.is_empty() && names_component(product, "", purl, &cpes))
                }))
    })
}

fn vex_clears(vex: &[VexStatement], number: &str, vuln_id: &str, finding: &serde_json::Value) -> bool {
    vex_statement_for(vex, number, vuln_id, finding).is_some()
}
