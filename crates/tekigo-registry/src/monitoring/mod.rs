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
use tekigo_criteria::Level;
use tekigo_sbom::{Component, Sbom, SbomFormat};
use tekigo_vuln::VulnDb;
use tekigo_vuln::check::CheckRequest;
use tekigo_vuln::policy::Policy;
use tekigo_vuln::vex::VexStatement;

use crate::db::{Registry, RegistryError, invalid};

mod index;
mod settle;

mod vex;

use vex::vex_clears;
pub(crate) use vex::vex_statement_for;

/// Components per matcher call and per `IN (...)` list: large enough to batch the database's
/// queries, well under SQLite's and PostgreSQL's limits on bound parameters.
const CHUNK: usize = 2_000;

/// The journal position a registry has read up to, kept in `counters`.
const JOURNAL_COUNTER: &str = "monitor-journal";

/// Why a monitored label must be evaluated again whatever the journal says.
pub(crate) const DIRTY_INDEXED: i64 = 1;

const DIRTY_VEX: i64 = 2;

pub(crate) const DIRTY_SBOM: i64 = 3;

/// Which components a run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Only what the vulnerability imports since the last run touched (and new components).
    #[default]
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
}
