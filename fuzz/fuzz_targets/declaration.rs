//! `tekigo declaration verify` and the registry's check of an uploaded declaration: parsing,
//! the signature, and (for any document of the right shape) the content checks.
#![no_main]
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static CATALOG: LazyLock<tekigo_criteria::Catalog> =
    LazyLock::new(|| tekigo_criteria::builtin().expect("the built-in catalog loads"));
static KEY: LazyLock<ed25519_dalek::VerifyingKey> =
    LazyLock::new(|| ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key());

fuzz_target!(|data: &[u8]| {
    let _ = tekigo_assess::verify::verify_bytes("fuzz", data, &KEY, &CATALOG);
    // The signature stops nearly every mutation above; the content checks run on any shape.
    if let Ok(declaration) = serde_json::from_slice::<tekigo_assess::declaration::Declaration>(data) {
        let _ = tekigo_assess::verify::content_problems(&declaration, &CATALOG);
    }
});
