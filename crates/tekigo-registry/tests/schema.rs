//! The two migration sets agree: a fresh SQLite and a fresh PostgreSQL registry have the same
//! tables, the same columns (types normalised: the engines spell them differently), the same
//! nullability, primary keys, named indexes (and their columns) and unique constraints. The
//! label search's machinery differs by design (SQLite's FTS5 trigram table and its row map,
//! PostgreSQL's pg_trgm GIN indexes, migration 0009) and is left out. Without a PostgreSQL
//! server the test is skipped, unless `TEKIGO_REQUIRE_POSTGRES=1`.

use std::collections::BTreeSet;

use sqlx::Row;
use tekigo_registry::Registry;

/// Tables and indexes only one engine has, by design (the label search, migration 0009).
const ENGINE_SPECIFIC: &[&str] =
    &["label_search", "label_search_rows", "labels_by_name_trigrams", "labels_by_model_trigrams"];

/// One fact about the schema, as a line (sorted sets of them are compared).
type Facts = BTreeSet<String>;

/// INTEGER, BIGINT, int8 … → integer; TEXT, varchar … → text; BLOB, bytea → bytes; REAL,
/// double precision … → real; BOOLEAN → bool.
fn normalise(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") || t.contains("serial") {
        "integer".into()
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text".into()
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes".into()
    } else if t.contains("real") || t.contains("double") || t.contains("float") || t.contains("numeric") {
        "real".into()
    } else if t.contains("bool") {
        "bool".into()
    } else {
        t
    }
}

fn kept(name: &str) -> bool {
    !name.starts_with("_sqlx") && !ENGINE_SPECIFIC.iter().any(|s| name == *s || name.starts_with(&format!("{s}_")))
}

async fn sqlite_facts(registry: &Registry) -> Facts {
    let pool = registry.pool();
    let mut facts = Facts::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in tables.into_iter().filter(|t| kept(t)) {
        facts.insert(format!("table {table}"));
        let columns = sqlx::query("SELECT name, type, \"notnull\" AS nn, pk FROM pragma_table_info($1)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for c in columns {
            let name: String = c.get("name");
            let pk_place: i64 = c.get("pk");
            let not_null = c.get::<i64, _>("nn") == 1 || pk_place > 0;
            facts.insert(format!(
                "column {table}.{name} {} {}",
                normalise(&c.get::<String, _>("type")),
                if not_null { "not null" } else { "null" }
            ));
            if pk_place > 0 {
                pk.push((pk_place, name));
            }
        }
        pk.sort();
        if !pk.is_empty() {
            facts.insert(format!(
                "primary key {table}({})",
                pk.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join(", ")
            ));
        }
        let indexes = sqlx::query("SELECT name, \"unique\" AS u, origin FROM pragma_index_list($1)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap();
        for index in indexes {
            let name: String = index.get("name");
            let origin: String = index.get("origin");
            let unique = index.get::<i64, _>("u") == 1;
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT coalesce(name, '(expression)') FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(pool)
                    .await
                    .unwrap();
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    facts.insert(format!("unique {table}({})", columns.join(", ")));
                }
                _ if kept(&name) => {
                    facts.insert(format!(
                        "index {name} on {table}({}){}",
                        columns.join(", "),
                        if unique { " unique" } else { "" }
                    ));
                }
                _ => {}
            }
        }
    }
    facts
}

async fn postgres_facts(registry: &Registry) -> Facts {
    let pool = registry.pool();
    let mut facts = Facts::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in tables.into_iter().filter(|t| kept(t)) {
        facts.insert(format!("table {table}"));
        let columns = sqlx::query(
            "SELECT column_name::text AS name, data_type::text AS type, is_nullable::text AS nullable \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        for c in columns {
            let name: String = c.get("name");
            let nullable: String = c.get("nullable");
            facts.insert(format!(
                "column {table}.{name} {} {}",
                normalise(&c.get::<String, _>("type")),
                if nullable == "NO" { "not null" } else { "null" }
            ));
        }
        // Every index of the table with its columns in order, and the constraint it backs (if any).
        let indexes = sqlx::query(
            "SELECT i.relname::text AS name, CAST(CASE WHEN ix.indisunique THEN 1 ELSE 0 END AS INT8) AS u, \
             coalesce((SELECT c.contype::text FROM pg_constraint c WHERE c.conindid = ix.indexrelid LIMIT 1), '') AS kind, \
             array_to_string(ARRAY(SELECT coalesce(a.attname::text, '(expression)') FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
               LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ', ') AS columns \
             FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND t.relname = $1",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        for index in indexes {
            let name: String = index.get("name");
            let kind: String = index.get("kind");
            let columns: String = index.get("columns");
            let unique = index.get::<i64, _>("u") == 1;
            match kind.as_str() {
                "p" => {
                    facts.insert(format!("primary key {table}({columns})"));
                }
                "u" => {
                    facts.insert(format!("unique {table}({columns})"));
                }
                _ if kept(&name) => {
                    facts.insert(format!("index {name} on {table}({columns}){}", if unique { " unique" } else { "" }));
                }
                _ => {}
            }
        }
    }
    facts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_migrations_agree() {
    let Some((postgres, postgres_db)) = tekigo_testkit::open("postgres").await else { return };
    let (sqlite, sqlite_db) = tekigo_testkit::open("sqlite").await.unwrap();
    let on_sqlite = sqlite_facts(&sqlite).await;
    let on_postgres = postgres_facts(&postgres).await;
    sqlite_db.drop_database(sqlite).await;
    postgres_db.drop_database(postgres).await;
    if std::env::var_os("TEKIGO_SCHEMA_DUMP").is_some() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{}", on_sqlite.iter().cloned().collect::<Vec<_>>().join("\n"));
        }
    }
    for kind in ["table ", "column ", "primary key ", "index ", "unique "] {
        assert!(on_sqlite.iter().any(|f| f.starts_with(kind)), "the introspection reads every kind of fact: {kind}");
    }
    let only_sqlite: Vec<_> = on_sqlite.difference(&on_postgres).collect();
    let only_postgres: Vec<_> = on_postgres.difference(&on_sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the migrations disagree.\nonly on SQLite:\n  {}\nonly on PostgreSQL:\n  {}",
        only_sqlite.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
        only_postgres.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
    );
}
