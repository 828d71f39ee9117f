//! A registry made before product series and firmware releases existed opens with every label a
//! series of its one model and one release: the database is built by the migrations up to the last one before series (0009), filled
//! as that schema was filled, and then opened by today's registry, which runs the rest.

use std::path::Path;

use sqlx::AnyPool;
use tekigo_registry::{Registry, Search};
use tekigo_testkit::{TODAY, catalog, fresh_postgres_database};

/// The last migration before product series.
const BEFORE_SERIES: i64 = 9;

async fn old_registry(url: &str, migrations: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url).await.expect("the database opens");
    let migrator = sqlx::migrate::Migrator::new(Path::new(migrations)).await.expect("the migrations read");
    migrator.run_to(BEFORE_SERIES, &pool).await.expect("the old schema is made");
    let has_series: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE version > 9").fetch_one(&pool).await.unwrap();
    assert_eq!(has_series, 0, "the database stops before series");
    // Two products of one vendor with the same model (the old way to update firmware: a new
    // product and a new label), and one whose model is spelled in full-width characters.
    let statements = [
        "INSERT INTO organisations (id, name, kind, created) VALUES (1, 'Example Devices K.K.', 'vendor', 0)",
        "INSERT INTO products (id, organisation_id, name, model, firmware_version, product_type, support_end, vulnerability_contact, created) \
         VALUES (1, 1, 'EXC-100 network camera', 'EXC-100', '2.4.1', 'network-camera', '2030-03-31', 'https://example.com/security', 0)",
        "INSERT INTO products (id, organisation_id, name, model, firmware_version, product_type, support_end, vulnerability_contact, created) \
         VALUES (2, 1, 'EXC-100 network camera', 'EXC-100', '2.5.0', 'network-camera', '2030-03-31', 'https://example.com/security', 0)",
        "INSERT INTO products (id, organisation_id, name, model, firmware_version, product_type, support_end, vulnerability_contact, created) \
         VALUES (3, 1, 'ルーター', 'ＲＴ－５', '1.0', NULL, '2030-03-31', 'https://example.com/security', 0)",
        "INSERT INTO users (id, email, name, role, organisation_id, password_hash, created) \
         VALUES (50, 'sato@example.com', 'Sato', 'vendor', 1, 'x', 0)",
        // Submitted at 2025-12-31 20:00 UTC, already 2026 in Japan.
        "INSERT INTO applications (id, product_id, level, declaration_id, declaration, sbom, sbom_sha256, checks, status, \
         submitted, submitted_by) VALUES (7, 1, '1', 'd-7', '{}', '{}', 'x', '[]', 'returned', 1767211200, 50)",
    ];
    for statement in statements {
        sqlx::query(statement).execute(&pool).await.expect(statement);
    }
    for (number, product, model, firmware) in [
        ("JC1-2025-000000001", 1, "EXC-100", "2.4.1"),
        ("JC1-2026-000000002", 2, "EXC-100", "2.5.0"),
        ("JC1-2026-000000003", 3, "ＲＴ－５", "1.0"),
    ] {
        sqlx::query(
            "INSERT INTO labels (number, product_id, organisation_id, application_id, level, scheme_version, assurance, state, \
             issued, first_evaluated, expires, support_end, calendar_status, vendor, product_name, model, firmware_version, \
             product_type, vulnerability_contact, updated) VALUES ($1, $2, 1, NULL, '1', '1.1', 'self-declared', 'active', \
             '2026-01-10', '2026-01-10', '2028-01-09', '2030-03-31', 'valid', 'Example Devices K.K.', 'EXC-100 network camera', \
             $3, $4, 'network-camera', 'https://example.com/security', 0)",
        )
        .bind(number)
        .bind(product)
        .bind(model)
        .bind(firmware)
        .execute(&pool)
        .await
        .expect("a label of the old schema");
    }
    pool
}

async fn every_label_becomes_a_series_of_its_model(url: &str) {
    let registry = Registry::open(url, catalog()).await.expect("today's registry opens the old database");
    for (number, model) in
        [("JC1-2025-000000001", "EXC-100"), ("JC1-2026-000000002", "EXC-100"), ("JC1-2026-000000003", "ＲＴ－５")]
    {
        let label = registry.label(number, TODAY).await.unwrap().expect("the label is still there");
        assert_eq!(label.models.len(), 1, "{number}");
        assert_eq!(label.models[0].model, model, "{number}");
        assert_eq!(label.models[0].gtin, None);
        // ... and its firmware the series' one release (no SBOM: these labels had no application).
        let releases = registry.releases_of(label.product_id).await.unwrap();
        assert_eq!(releases.len(), 1, "{number}");
        assert_eq!(
            (releases[0].version.as_str(), releases[0].models.as_slice()),
            (label.firmware_version.as_str(), [model.to_owned()].as_slice())
        );
        assert_eq!(releases[0].sbom_sha256, None);
        let current = registry.current_firmware(label.product_id).await.unwrap();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].version, label.firmware_version);
    }
    // Found by any spelling of the model, the full-width one included (the key the migration's
    // SQL could not spell is put right when the registry opens).
    for spelling in ["exc 100", "EXC100", "rt-5", "RT 5"] {
        let search = Search { identifier: Some(spelling.into()), limit: 50, ..Search::default() };
        let (found, total) = registry.search(&search, TODAY).await.unwrap();
        let expected = if spelling.to_ascii_uppercase().starts_with("EXC") { 2 } else { 1 };
        assert_eq!(total, expected, "{spelling}: {found:?}");
    }
    // An application of the old schema gets its number from its id and the year in Japan, the
    // standard route, and no fee record: staff record the fee of anything still pending.
    let staff = registry
        .create_staff(None, "review@ipa.example", "Reviewer", tekigo_registry::Role::Reviewer, "reviewer password 1", 0)
        .await
        .unwrap();
    let application = registry.application(&staff, 7).await.unwrap();
    assert_eq!(application.number, "A-2026-000007");
    assert_eq!(application.route, tekigo_registry::applications::Route::Standard);
    assert!(application.fee_due.is_none() && application.fee_received.is_none() && application.agent.is_none());
    let search = Search { vendor: Some("example devices k.k.".into()), limit: 50, ..Search::default() };
    assert_eq!(registry.search(&search, TODAY).await.unwrap().1, 3, "vendor search ignores case");
    // Opening again changes nothing.
    registry.pool().close().await;
    let again = Registry::open(url, catalog()).await.unwrap();
    let models: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM product_models").fetch_one(again.pool()).await.unwrap();
    assert_eq!(models, 3);
    again.pool().close().await;
}

#[tokio::test]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = tekigo_registry::default_url(dir.path());
    old_registry(&url, "migrations/sqlite").await.close().await;
    every_label_becomes_a_series_of_its_model(&url).await;
}

#[tokio::test]
async fn postgres() {
    let Some((url, admin_url, name)) = fresh_postgres_database().await else { return };
    old_registry(&url, "migrations/postgres").await.close().await;
    every_label_becomes_a_series_of_its_model(&url).await;
    if let Ok(admin) = AnyPool::connect(&admin_url).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&admin).await;
    }
}
