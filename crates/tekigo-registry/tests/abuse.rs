//! Abuse resistance in the store, on both databases: API tokens with a scope, an expiry and
//! revocation (and the migration of tokens made before them), and text search answered by the
//! trigram index with the semantics of the scan it replaced.

use tekigo_registry::Registry;
use tekigo_registry::{Search, TOKEN_MAX_DAYS, TokenCheck, TokenScope, User};
use tekigo_testkit::{NOW, TODAY, on_both};

const DAY: i64 = 86_400;

async fn vendor(registry: &Registry, organisation: &str, email: &str) -> User {
    registry.sign_up_vendor(organisation, email, "Hanako Sato", "correct horse battery", NOW).await.unwrap()
}

async fn audit_actions(registry: &Registry) -> Vec<(String, String)> {
    sqlx::query_as::<_, (String, String)>("SELECT action, object FROM audit ORDER BY id")
        .fetch_all(registry.pool())
        .await
        .unwrap()
}

async fn tokens_have_a_scope_an_expiry_and_can_be_revoked(registry: &Registry) {
    let sato = vendor(registry, "Example Devices K.K.", "sato@example.com").await;
    let other = vendor(registry, "Other Co.", "o@other.example").await;

    for (name, days) in [(" ", 90), ("x".repeat(101).as_str(), 90), ("CI", 0), ("CI", TOKEN_MAX_DAYS + 1)] {
        let refused = registry.create_api_token(&sato, name, TokenScope::Submit, days, NOW).await;
        assert!(refused.is_err(), "{name:?} for {days} days");
    }
    let (read, made) = registry.create_api_token(&sato, " read only ", TokenScope::Read, 30, NOW).await.unwrap();
    assert!(read.starts_with("tkg_"));
    assert_eq!((made.name.as_str(), made.scope, made.expires), ("read only", TokenScope::Read, NOW + 30 * DAY));
    let (upload, upload_made) = registry.create_api_token(&sato, "CI", TokenScope::Submit, 90, NOW).await.unwrap();

    match registry.api_token(&read, NOW + 1).await.unwrap() {
        TokenCheck::Valid { user, scope } => assert_eq!((user.id, scope), (sato.id, TokenScope::Read)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        registry.api_token(&read, NOW + 30 * DAY).await.unwrap(),
        TokenCheck::Expired { at } if at == NOW + 30 * DAY
    ));
    assert!(matches!(registry.api_token("tkg_unknown", NOW).await.unwrap(), TokenCheck::Unknown));

    // Listed for the organisation, never with the token itself; another vendor sees none of them.
    let listed = registry.api_tokens(&sato).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|t| t.owner == "sato@example.com" && t.id.len() == 16 && !read.contains(&t.id)));
    assert!(registry.api_tokens(&other).await.unwrap().is_empty());

    // Another vendor cannot revoke it; its owners can, for good.
    assert!(registry.revoke_api_token(&other, &upload_made.id, NOW + 5).await.is_err(), "not found for others");
    assert!(matches!(registry.api_token(&upload, NOW + 6).await.unwrap(), TokenCheck::Valid { .. }));
    registry.revoke_api_token(&sato, &upload_made.id, NOW + 10).await.unwrap();
    registry.revoke_api_token(&sato, &upload_made.id, NOW + 20).await.unwrap();
    assert!(
        matches!(registry.api_token(&upload, NOW + 11).await.unwrap(), TokenCheck::Revoked { at } if at == NOW + 10)
    );
    let listed = registry.api_tokens(&sato).await.unwrap();
    assert_eq!(listed.iter().find(|t| t.id == upload_made.id).unwrap().revoked, Some(NOW + 10));

    let audit = audit_actions(registry).await;
    let tokens: Vec<_> = audit.iter().filter(|(action, _)| action.contains("api-token")).collect();
    assert_eq!(
        tokens,
        [
            &("create-api-token".to_owned(), format!("api-token:{}", made.id)),
            &("create-api-token".to_owned(), format!("api-token:{}", upload_made.id)),
            &("revoke-api-token".to_owned(), format!("api-token:{}", upload_made.id)),
        ],
        "every creation and the one revocation that changed something"
    );
}
on_both!(tokens_have_a_scope_an_expiry_and_can_be_revoked);

/// Search results as a scan gives them: case-insensitive substring of the product name or the
/// model, or exactly one of the series' models (as `model_key` spells them) or GTINs, computed
/// here from every label.
async fn expected(registry: &Registry, text: &str) -> Vec<String> {
    let all = registry.search(&Search { limit: 200, ..Search::default() }, TODAY).await.unwrap().1;
    let mut numbers = Vec::new();
    let mut offset = 0;
    while offset < all {
        let (page, _) = registry.search(&Search { limit: 200, offset, ..Search::default() }, TODAY).await.unwrap();
        for label in page {
            let needle = text.to_lowercase();
            let key = tekigo_base::model_key(text);
            let gtin = tekigo_base::Gtin::parse(text).ok().map(|g| g.key());
            let in_series = label.models.iter().any(|m| {
                tekigo_base::model_key(&m.model) == key
                    || (gtin.is_some()
                        && m.gtin.as_deref().and_then(|g| tekigo_base::Gtin::parse(g).ok()).map(|g| g.key()) == gtin)
            });
            if label.product_name.to_lowercase().contains(&needle)
                || label.model.to_lowercase().contains(&needle)
                || in_series
            {
                numbers.push(label.number);
            }
        }
        offset += 200;
    }
    numbers
}

async fn found(registry: &Registry, text: &str) -> (Vec<String>, i64) {
    let search = Search { text: Some(text.to_owned()), limit: 200, ..Search::default() };
    let (labels, total) = registry.search(&search, TODAY).await.unwrap();
    (labels.into_iter().map(|l| l.number).collect(), total)
}

async fn text_search_uses_the_index_and_keeps_its_meaning(registry: &Registry) {
    tekigo_registry::demo::fill(registry, 600, TODAY, NOW).await.unwrap();
    // Renaming goes through the update trigger: Japanese names without spaces, mixed case.
    // Demo numbers carry their issue year: the labels are picked by serial.
    let (every, _) = registry.search(&Search { limit: 200, ..Search::default() }, TODAY).await.unwrap();
    let serial = |n: &str| every.iter().find(|l| l.number.ends_with(n)).map(|l| l.number.clone()).unwrap();
    let renamed = [serial("900000010"), serial("900000020"), serial("900000030")];
    let rename = [
        (renamed[0].as_str(), "見守りカメラ Pro", "MC-10"),
        (renamed[1].as_str(), "ネットワークカメラ", "nc-20x"),
        (renamed[2].as_str(), "スマート電球", "SB-30"),
    ];
    let old_name = registry.label(rename[0].0, TODAY).await.unwrap().unwrap().product_name;
    for (number, name, model) in rename {
        sqlx::query("UPDATE labels SET product_name = $1, model = $2 WHERE number = $3")
            .bind(name)
            .bind(model)
            .bind(number)
            .execute(registry.pool())
            .await
            .unwrap();
    }
    let gtin = every[7].models.last().and_then(|m| m.gtin.clone()).unwrap();
    let spaced = format!("{} {}", &gtin[..1], &gtin[1..]);
    for text in [
        "カメラ",
        "メラ",
        "電球",
        "mc-1",
        "NC-20X",
        "product 12",
        "DEMO PRODUCT 59",
        "dv001-1",
        "dv 001 1w",
        &gtin,
        &spaced,
        "5",
        "zz",
    ] {
        let want = expected(registry, text).await;
        let (got, total) = found(registry, text).await;
        assert_eq!(got, want, "{text}");
        assert_eq!(total, want.len() as i64, "{text}");
    }
    let mut cameras = vec![renamed[0].clone(), renamed[1].clone()];
    cameras.sort();
    assert_eq!(found(registry, "カメラ").await.0, cameras);
    assert_eq!(found(registry, &spaced).await.0, [every[7].number.clone()], "a GTIN finds its series");
    let (old_holders, _) = found(registry, &old_name).await;
    assert!(!old_holders.is_empty(), "other vendors' products keep the name `{old_name}`");
    assert!(!old_holders.contains(&rename[0].0.to_owned()), "the renamed label left the index under its old name");
    // LIKE's wildcards typed in are not wildcards.
    assert_eq!(found(registry, "%").await.1, 600, "an empty text after removing them is no filter");
    assert_eq!(found(registry, "p_oduct").await.1, 0);
}
on_both!(text_search_uses_the_index_and_keeps_its_meaning);

/// Tokens made before scopes existed keep working as `submit` tokens expiring 90 days after the
/// migration, on both databases.
async fn migrated_tokens(url: &str, postgres: bool) {
    let all = if postgres { sqlx::migrate!("./migrations/postgres") } else { sqlx::migrate!("./migrations/sqlite") };
    let before: Vec<_> = all.iter().filter(|m| m.version < 9).cloned().collect();
    let mut old = sqlx::migrate::Migrator::DEFAULT;
    old.migrations = std::borrow::Cow::Owned(before);
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    old.run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO users (id, email, name, role, organisation_id, password_hash, created) \
         VALUES (7, 'old@example.com', 'Old', 'vendor', NULL, 'x', 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let token = "tkg_made_before_scopes";
    let hash = tekigo_assess::folder::sha256_hex(token.as_bytes());
    sqlx::query("INSERT INTO api_tokens (token_hash, user_id, name, created) VALUES ($1, 7, 'old CI', 1)")
        .bind(&hash)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let registry = Registry::open(url, tekigo_testkit::catalog()).await.unwrap();
    let now = jiff::Timestamp::now().as_second();
    match registry.api_token(token, now).await.unwrap() {
        TokenCheck::Valid { user, scope } => assert_eq!((user.id, scope), (7, TokenScope::Submit)),
        other => panic!("{other:?}"),
    }
    let expires: i64 = sqlx::query_scalar("SELECT expires FROM api_tokens").fetch_one(registry.pool()).await.unwrap();
    assert!((expires - (now + 90 * DAY)).abs() < 600, "90 days after the migration: {expires} vs {now}");
    assert!(matches!(registry.api_token(token, expires).await.unwrap(), TokenCheck::Expired { .. }));
    assert_eq!(
        registry.api_tokens(&registry.user_by_email("old@example.com").await.unwrap().unwrap()).await.unwrap()[0].id,
        hash[..16]
    );
    registry.pool().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_made_before_scopes_migrate_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    migrated_tokens(&tekigo_registry::default_url(dir.path()), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_made_before_scopes_migrate_on_postgres() {
    let Some((url, admin_url, name)) = tekigo_testkit::fresh_postgres_database().await else { return };
    migrated_tokens(&url, true).await;
    let admin = sqlx::AnyPool::connect(&admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
        .execute(&admin)
        .await
        .unwrap();
}
