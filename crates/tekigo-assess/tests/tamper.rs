//! A signed declaration is outside data once it leaves the vendor: whatever bytes arrive, the
//! verifier answers with an error or a verdict, never a panic, and no change to a signed document
//! verifies.

use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use tekigo_assess::Declaration;
use tekigo_assess::sign::sign;
use tekigo_assess::verify::verify_bytes;

fn signed() -> (Vec<u8>, SigningKey) {
    let key = SigningKey::from_bytes(&[42; 32]);
    let mut declaration: Declaration =
        serde_json::from_str(include_str!("fixtures/declaration-sample.json")).expect("the sample reads");
    sign(&mut declaration, &key).expect("signs");
    (serde_json::to_vec_pretty(&declaration).expect("writes"), key)
}

#[test]
fn the_untouched_sample_verifies() {
    let catalog = tekigo_criteria::builtin().unwrap();
    let (bytes, key) = signed();
    let (_, problems) = verify_bytes("sample", &bytes, &key.verifying_key(), &catalog).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_flipped_bit_fails_verification(position in any::<prop::sample::Index>(), bit in 0u8..8) {
        let catalog = tekigo_criteria::builtin().unwrap();
        let (mut bytes, key) = signed();
        let at = position.index(bytes.len());
        let before = bytes[at];
        bytes[at] ^= 1 << bit;
        // Whitespace between tokens is not content: a flip that turns one JSON whitespace into
        // another leaves the same document.
        let whitespace = |b: u8| matches!(b, b' ' | b'\n' | b'\t' | b'\r');
        prop_assume!(!(whitespace(before) && whitespace(bytes[at])));
        let result = verify_bytes("flipped", &bytes, &key.verifying_key(), &catalog);
        prop_assert!(result.is_err(), "a flipped bit at {} verified: {:?}", at, String::from_utf8_lossy(&bytes[at.saturating_sub(60)..(at + 20).min(bytes.len())]));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let catalog = tekigo_criteria::builtin().unwrap();
        let key = SigningKey::from_bytes(&[1; 32]);
        let _ = verify_bytes("noise", &bytes, &key.verifying_key(), &catalog);
    }
}
