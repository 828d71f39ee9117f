//! Product trees as deep as a JSON parser lets through are validated on a small stack: the schema
//! and every mandatory test, with no recursion that grows with the tree.

use serde_json::{Value, json};

fn on_small_stack(check: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(512 * 1024).spawn(check).unwrap().join().unwrap();
}

/// `levels` branches inside each other, the innermost with a product.
fn deep_tree_document(levels: usize) -> String {
    let mut branch =
        json!({"category": "product_version", "name": "1", "product": {"name": "p 1", "product_id": "P1"}});
    for level in 0..levels {
        branch = json!({"category": "product_family", "name": format!("f{level}"), "branches": [branch]});
    }
    let document = json!({
        "document": {
            "category": "csaf_base",
            "csaf_version": "2.0",
            "publisher": {"category": "vendor", "name": "V", "namespace": "https://v.example"},
            "title": "deep",
            "tracking": {
                "current_release_date": "2026-01-01T00:00:00Z",
                "id": "DEEP-1",
                "initial_release_date": "2026-01-01T00:00:00Z",
                "revision_history": [{"date": "2026-01-01T00:00:00Z", "number": "1", "summary": "s"}],
                "status": "final",
                "version": "1"
            }
        },
        "product_tree": {"branches": [branch]}
    });
    serde_json::to_string(&document).unwrap()
}

#[test]
fn the_deepest_tree_json_allows_is_validated_on_a_small_stack() {
    on_small_stack(|| {
        // serde_json stops at 128 nested arrays and objects; a branch level takes two.
        let levels = 60;
        let document: Value = serde_json::from_str(&deep_tree_document(levels)).unwrap();
        let _ = tekigo_csaf::validate_schema(&document);
        let problems = tekigo_csaf::mandatory_tests(&document);
        // The product deep inside is found and defined once: no 6.1.1/6.1.2 problem about it.
        assert!(!problems.iter().any(|p| p.to_string().contains("P1")), "{problems:?}");
        assert!(serde_json::from_str::<Value>(&deep_tree_document(200)).is_err(), "past the parser's limit");
    });
}
