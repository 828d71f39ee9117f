//! Labels: the rules ([`rules`]: numbers, validity, status on a day; no I/O) and the public reads
//! (a label, its history, search, the changes feed, counts).

pub mod psti;
pub mod rules;

pub use rules::{Assurance, State, Status};

use std::collections::HashMap;

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use tekigo_base::ModelEntry;

use crate::db::{Backend, Registry, RegistryError, corrupt, day};
use crate::transparency::{LabelEvent, event_from};

/// A label as the public sees it on a given day.
#[derive(Debug, Clone, Serialize)]
pub struct Label {
    pub number: String,
    pub level: String,
    pub scheme_version: String,
    pub assurance: Assurance,
    pub status: Status,
    pub state: State,
    pub issued: String,
    pub first_evaluated: String,
    pub expires: String,
    pub support_end: String,
    pub vendor: String,
    pub product_name: String,
    /// The series' representative model.
    pub model: String,
    /// Every model the label covers, the representative first, with the identifiers sellers use.
    pub models: Vec<ModelEntry>,
    pub firmware_version: String,
    pub product_type: Option<String>,
    pub vulnerability_contact: String,
    pub updated: i64,
    #[serde(skip)]
    pub product_id: i64,
    /// The lab whose evaluation report the label was issued on (★3/★4; the lab register).
    pub lab_id: Option<i64>,
    /// The skilled evaluator who co-signed the declaration (★2; the evaluator register).
    pub evaluator_id: Option<i64>,
    /// A renewal application for the product, submitted on or before the expiry day, is still
    /// under review: what IPA's reading of an expired label turns on ([`tekigo_base::IpaStatus`]).
    #[serde(skip)]
    pub renewal_pending: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Search {
    /// The vendor's name, any case.
    pub vendor: Option<String>,
    pub product_type: Option<String>,
    pub level: Option<String>,
    pub status: Option<Status>,
    /// Words in the product name or the representative model, or any model number of the series
    /// or a GTIN, as [`tekigo_base::model_key`] spells it.
    pub text: Option<String>,
    /// Exactly a model number of the series or a GTIN (the sellers' lookup), any spelling.
    pub identifier: Option<String>,
    /// Only labels listed as deemed to meet the UK PSTI regime (psti.rs).
    pub psti_listed: bool,
    /// Only labels numbered after this one: the cursor of the API's deep pages.
    pub after: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

impl Registry {
    const LABEL_COLUMNS: &'static str = "number, level, scheme_version, assurance, state, issued, first_evaluated, expires, support_end, \
         vendor, product_name, model, firmware_version, product_type, vulnerability_contact, updated, product_id, lab_id, evaluator_id FROM labels";

    fn label_from(row: &AnyRow, today: Date) -> Result<Label, RegistryError> {
        let state: String = row.try_get("state")?;
        let number: String = row.try_get("number")?;
        let state = State::parse(&state)
            .ok_or_else(|| corrupt(format!("label {number}: state"), format!("`{state}` is not a label state")))?;
        let expires: String = row.try_get("expires")?;
        let support_end: String = row.try_get("support_end")?;
        let assurance: String = row.try_get("assurance")?;
        let assurance =
            [Assurance::SelfDeclared, Assurance::ThirdParty].into_iter().find(|a| a.name() == assurance).ok_or_else(
                || corrupt(format!("label {number}: assurance"), format!("`{assurance}` is not an assurance")),
            )?;
        Ok(Label {
            number,
            level: row.try_get("level")?,
            scheme_version: row.try_get("scheme_version")?,
            assurance,
            status: rules::status_on(state, today, day(&expires)?, day(&support_end)?),
            state,
            issued: row.try_get("issued")?,
            first_evaluated: row.try_get("first_evaluated")?,
            expires,
            support_end,
            vendor: row.try_get("vendor")?,
            product_name: row.try_get("product_name")?,
            model: row.try_get("model")?,
            models: Vec::new(),
            firmware_version: row.try_get("firmware_version")?,
            product_type: row.try_get("product_type")?,
            vulnerability_contact: row.try_get("vulnerability_contact")?,
            updated: row.try_get("updated")?,
            product_id: row.try_get("product_id")?,
            lab_id: row.try_get("lab_id")?,
            evaluator_id: row.try_get("evaluator_id")?,
            renewal_pending: false,
        })
    }

    /// Fills in each label's models and whether a renewal is pending (one query each for all of
    /// them).
    async fn with_models(&self, mut labels: Vec<Label>) -> Result<Vec<Label>, RegistryError> {
        let ids: Vec<i64> = labels.iter().map(|l| l.product_id).collect();
        let series = self.series_of(&ids).await?;
        let renewals = self.pending_renewals(&ids).await?;
        for label in &mut labels {
            label.renewal_pending = match renewals.get(&label.product_id) {
                Some(submitted) => *submitted <= day(&label.expires)?,
                None => false,
            };
            // Every product has its models since the series migration; none is damage, and a
            // label shown without the models it covers would mislead a seller.
            label.models = series
                .get(&label.product_id)
                .cloned()
                .ok_or_else(|| corrupt(format!("label {}", label.number), "its product has no model"))?;
        }
        Ok(labels)
    }

    /// The day (Japan time) of the earliest application still under review for each product that
    /// has one. Compared with a label's expiry day it says whether a renewal is pending: the
    /// earliest is the one that could have come in time.
    pub async fn pending_renewals(&self, product_ids: &[i64]) -> Result<HashMap<i64, Date>, RegistryError> {
        let mut earliest = HashMap::new();
        // In chunks, as `series_of`: a bind list has a limit.
        for chunk in product_ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let list = (1..=chunk.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT product_id, MIN(submitted) FROM applications \
                 WHERE status = 'submitted' AND product_id IN ({list}) GROUP BY product_id"
            );
            let mut query = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            for (product_id, submitted) in query.fetch_all(&self.pool).await? {
                let at = jiff::Timestamp::from_second(submitted)
                    .map_err(|e| corrupt(format!("applications of product {product_id}: submitted"), e.to_string()))?;
                earliest.insert(product_id, tekigo_base::scheme_day(at));
            }
        }
        Ok(earliest)
    }

    /// A label by number, with its status on `today`.
    pub async fn label(&self, number: &str, today: Date) -> Result<Option<Label>, RegistryError> {
        if !rules::is_label_number(number) {
            return Ok(None);
        }
        let row = sqlx::query(safe!("SELECT {} WHERE number = $1", Self::LABEL_COLUMNS))
            .bind(number)
            .fetch_optional(&self.pool)
            .await?;
        let Some(label) = row.map(|row| Self::label_from(&row, today)).transpose()? else { return Ok(None) };
        Ok(self.with_models(vec![label]).await?.pop())
    }

    /// The label's history, oldest first.
    pub async fn label_events(&self, number: &str) -> Result<Vec<LabelEvent>, RegistryError> {
        let rows = sqlx::query(
            "SELECT seq, label_number, kind, status, at, detail FROM label_events WHERE label_number = $1 ORDER BY seq",
        )
        .bind(number)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from).collect()
    }

    /// Public search: a page of the matching labels, ordered by number, and how many match on
    /// every page together (ignoring `after`).
    pub async fn search(&self, search: &Search, today: Date) -> Result<(Vec<Label>, i64), RegistryError> {
        let (filter, binds) = self.filter(search, today);
        let count_sql = format!("SELECT COUNT(*) FROM labels{filter}");
        let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql.clone()));
        for value in &binds {
            count = count.bind(value.clone());
        }
        let total = count.fetch_one(&self.pool).await?;
        Ok((self.page_of(search, today, filter, binds).await?, total))
    }

    /// A page of the search without counting the matches: how an export walks every page, where
    /// a count on each would read the whole result again and again.
    pub async fn search_page(&self, search: &Search, today: Date) -> Result<Vec<Label>, RegistryError> {
        let (filter, binds) = self.filter(search, today);
        self.page_of(search, today, filter, binds).await
    }

    async fn page_of(
        &self,
        search: &Search,
        today: Date,
        filter: String,
        mut binds: Vec<String>,
    ) -> Result<Vec<Label>, RegistryError> {
        let limit = search.limit.clamp(1, 200);
        let offset = search.offset.max(0);
        // A cursor is a condition on the primary key, so a deep page costs what the first does;
        // OFFSET would read and drop every row before it.
        let filter = match &search.after {
            Some(after) => {
                binds.push(after.clone());
                let condition = format!("number > ${}", binds.len());
                if filter.is_empty() { format!(" WHERE {condition}") } else { format!("{filter} AND {condition}") }
            }
            None => filter,
        };
        let sql = format!("SELECT {}{filter} ORDER BY number LIMIT {limit} OFFSET {offset}", Self::LABEL_COLUMNS);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for value in &binds {
            query = query.bind(value.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        let labels = rows.iter().map(|row| Self::label_from(row, today)).collect::<Result<Vec<_>, _>>()?;
        self.with_models(labels).await
    }

    /// The search's conditions (` WHERE ...`, or nothing) and their values. The status filter is
    /// turned into conditions on the stored state and the dates, so it is answered by the
    /// indexes, not by reading every label.
    fn filter(&self, search: &Search, today: Date) -> (String, Vec<String>) {
        let mut conditions = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let bind = |value: String, binds: &mut Vec<String>| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if let Some(vendor) = &search.vendor {
            conditions.push(format!("lower(vendor) = lower({})", bind(vendor.clone(), &mut binds)));
        }
        if let Some(identifier) = search.identifier.as_ref().filter(|t| !t.trim().is_empty()) {
            conditions.push(Self::identifier_condition(identifier, &mut |value| bind(value, &mut binds)));
        }
        if search.psti_listed {
            conditions.push("number IN (SELECT label_number FROM psti_listings WHERE status = 'listed')".to_owned());
        }
        if let Some(product_type) = &search.product_type {
            conditions.push(format!("product_type = {}", bind(product_type.clone(), &mut binds)));
        }
        if let Some(level) = &search.level {
            conditions.push(format!("level = {}", bind(level.clone(), &mut binds)));
        }
        if let Some(text) = search.text.as_ref().filter(|t| !t.trim().is_empty()) {
            let text = text.trim().replace(['%', '_'], "");
            // A case-insensitive substring of the product name or the model, answered by the
            // trigram indexes of migration 0009 when the text has a trigram (three characters
            // or more): SQLite's FTS5 table through a phrase of the text's trigrams, which is
            // the substring; PostgreSQL's pg_trgm GIN indexes through ILIKE. A shorter text
            // has no trigram and is read by a scan, as every search was before the index.
            if self.backend == Backend::Sqlite && text.chars().count() >= 3 {
                let phrase = format!("{{product_name model}} : \"{}\"", text.replace('"', "\"\""));
                let a = bind(phrase, &mut binds);
                let series = Self::identifier_condition(&text, &mut |value| bind(value, &mut binds));
                conditions.push(format!(
                    "(number IN (SELECT r.number FROM label_search s JOIN label_search_rows r ON r.id = s.rowid \
                     WHERE label_search MATCH {a}) OR {series})"
                ));
            } else {
                let like = if self.backend == Backend::Sqlite { "LIKE" } else { "ILIKE" };
                let pattern = format!("%{text}%");
                let a = bind(pattern.clone(), &mut binds);
                let b = bind(pattern, &mut binds);
                let series = Self::identifier_condition(&text, &mut |value| bind(value, &mut binds));
                conditions.push(format!("(product_name {like} {a} OR model {like} {b} OR {series})"));
            }
        }
        if let Some(status) = search.status {
            let today = today.to_string();
            let condition = match status {
                Status::Revoked => "state = 'revoked'".to_owned(),
                Status::Suspended => "state = 'suspended'".to_owned(),
                Status::SupportEnded => format!("state = 'active' AND support_end < {}", bind(today, &mut binds)),
                Status::Expired => {
                    let a = bind(today.clone(), &mut binds);
                    let b = bind(today, &mut binds);
                    format!("state = 'active' AND support_end >= {a} AND expires < {b}")
                }
                Status::Valid => {
                    let a = bind(today.clone(), &mut binds);
                    let b = bind(today, &mut binds);
                    format!("state = 'active' AND support_end >= {a} AND expires >= {b}")
                }
            };
            conditions.push(condition);
        }
        let filter = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
        (filter, binds)
    }

    /// Events after `since` (a sequence number from an earlier page), oldest first: the feed
    /// sellers and insurers poll.
    pub async fn changes(&self, since: i64, limit: i64) -> Result<Vec<LabelEvent>, RegistryError> {
        let rows = sqlx::query(safe!(
            "SELECT seq, label_number, kind, status, at, detail FROM label_events WHERE seq > $1 ORDER BY seq LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from).collect()
    }

    /// The models of each label's series by label number, in the vendor's order, in one query for
    /// a page of the feed: its events name labels, and a seller matches listings by the models.
    pub async fn series_of_labels(&self, numbers: &[&str]) -> Result<HashMap<String, Vec<ModelEntry>>, RegistryError> {
        let mut numbers = numbers.to_vec();
        numbers.sort_unstable();
        numbers.dedup();
        let mut series: HashMap<String, Vec<ModelEntry>> = HashMap::new();
        // In chunks, as `series_of`: a bind list has a limit.
        for chunk in numbers.chunks(500) {
            let list = (1..=chunk.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT l.number, m.model, m.gtin, m.sku FROM labels l JOIN product_models m ON m.product_id = l.product_id \
                 WHERE l.number IN ({list}) ORDER BY l.number, m.position"
            );
            let mut query =
                sqlx::query_as::<_, (String, String, Option<String>, Option<String>)>(sqlx::AssertSqlSafe(sql));
            for number in chunk {
                query = query.bind(*number);
            }
            for (number, model, gtin, sku) in query.fetch_all(&self.pool).await? {
                series.entry(number).or_default().push(ModelEntry { model, gtin, sku });
            }
        }
        Ok(series)
    }

    /// The sequence number to pass to [`Registry::changes`] for the events at or after a time, for
    /// `since=` given as a date-time. With no such event yet it is the last event's number, so a
    /// poller that starts from "now" receives the events that come after.
    pub async fn first_seq_at(&self, at: i64) -> Result<i64, RegistryError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM label_events WHERE at >= $1")
            .bind(at)
            .fetch_one(&self.pool)
            .await?;
        match seq {
            Some(seq) => Ok(seq - 1),
            None => Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM label_events")
                .fetch_one(&self.pool)
                .await?
                .unwrap_or(0)),
        }
    }

    /// How many labels hold each status on `today`, every status listed (zero included), in the
    /// order of [`Status::ALL`]. Counted in the database by the public search's own status filter,
    /// so the numbers are what `/labels?status=...` finds and a scrape of /metrics reads no label
    /// row.
    pub async fn label_counts_by_status(&self, today: Date) -> Result<Vec<(Status, u64)>, RegistryError> {
        let mut counts = Vec::with_capacity(Status::ALL.len());
        for status in Status::ALL {
            let search = Search { status: Some(status), limit: 1, ..Search::default() };
            let (_, total) = self.search(&search, today).await?;
            counts.push((status, u64::try_from(total).unwrap_or(0)));
        }
        // Every label has exactly one status; one counted under none holds a stored state no
        // status is computed from, and the counts would quietly leave it out.
        let counted: u64 = counts.iter().map(|(_, n)| n).sum();
        let held = u64::try_from(self.label_count().await?).unwrap_or(0);
        if counted != held {
            return Err(corrupt(
                "labels",
                format!("{} of {held} labels hold a state no status is computed from", held.abs_diff(counted)),
            ));
        }
        Ok(counts)
    }

    pub async fn label_count(&self) -> Result<i64, RegistryError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM labels").fetch_one(&self.pool).await?)
    }
}
