//! Stored data that does not read fails closed: a corrupt lifecycle or state is an error
//! (`RegistryError::Corrupt`), never read as "active" or "valid". Also the health and metrics
//! reads.

use tekigo_registry::{Registry, RegistryError, Search, Status};
use tekigo_testkit::{NOW, TODAY, on_both};

async fn corrupt_stored_values_are_refused(registry: &Registry) {
    registry.ping().await.unwrap();
    tekigo_registry::demo::fill(registry, 30, TODAY, NOW).await.unwrap();
    let counts = registry.label_counts_by_status(TODAY).await.unwrap();
    assert_eq!(counts.len(), Status::ALL.len());
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<u64>(), 30);
    for (status, count) in &counts {
        let (_, total) =
            registry.search(&Search { status: Some(*status), limit: 1, ..Search::default() }, TODAY).await.unwrap();
        assert_eq!(u64::try_from(total).unwrap(), *count, "{status:?}: the count and the public search agree");
    }

    let (labels, _) = registry.search(&Search { limit: 2, ..Search::default() }, TODAY).await.unwrap();
    let (first, second) = (&labels[0].number, &labels[1].number);
    sqlx::query("UPDATE labels SET lifecycle = 'not a lifecycle' WHERE number = $1")
        .bind(first)
        .execute(registry.pool())
        .await
        .unwrap();
    let read = registry.lifecycle(first).await;
    assert!(matches!(read, Err(RegistryError::Corrupt { .. })), "{read:?}");

    sqlx::query("UPDATE labels SET state = 'bogus' WHERE number = $1")
        .bind(second)
        .execute(registry.pool())
        .await
        .unwrap();
    let read = registry.label(second, TODAY).await;
    assert!(matches!(read, Err(RegistryError::Corrupt { .. })), "{read:?}");
    assert!(matches!(registry.label_counts_by_status(TODAY).await, Err(RegistryError::Corrupt { .. })));
}
on_both!(corrupt_stored_values_are_refused);
