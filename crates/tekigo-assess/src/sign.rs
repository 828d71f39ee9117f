//! Signing a declaration: Ed25519 over the RFC 8785 (JCS) canonical form of the document without
//! its `signature` member. The signature sits inside the document, which stays readable JSON.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature as Ed25519Signature, Signer as _, SigningKey, VerifyingKey};
use serde_json::Value;

use crate::declaration::{Declaration, Signature};
use crate::keys::key_id;

pub const ALGORITHM: &str = "Ed25519";
pub const CANONICALIZATION: &str = "RFC8785";

#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("the document is not signed (it has no `signature`)")]
    Unsigned,
    #[error(
        "unsupported signature: algorithm `{algorithm}`, canonicalization `{canonicalization}` (tekigo signs with Ed25519 over RFC8785)"
    )]
    Unsupported { algorithm: String, canonicalization: String },
    #[error("signed by key {signed_by}, not by the key given ({given})")]
    OtherKey { signed_by: String, given: String },
    #[error("the public key written in the signature is not the key that signed it")]
    EmbeddedKey,
    #[error("the signature value is not 64 bytes of base64")]
    Malformed,
    #[error(
        "the signature does not match the content: the document was changed after it was signed, or signed by another key"
    )]
    Mismatch,
    #[error("cannot canonicalize the document: {0}")]
    Canonical(String),
}

/// The members that hold signatures: every signer signs the document without all of them, so the
/// vendor's and the evaluator's signatures cover the same content and neither depends on the
/// other's. A declaration without an evaluator signs exactly what it always did.
const SIGNATURE_MEMBERS: [&str; 2] = ["signature", "evaluator_signature"];

/// The bytes that are signed: JCS of the document without its signatures.
pub fn signed_bytes(document: &Value) -> Result<Vec<u8>, SignatureError> {
    let mut unsigned = document.clone();
    if let Value::Object(map) = &mut unsigned {
        for member in SIGNATURE_MEMBERS {
            map.remove(member);
        }
    }
    serde_jcs::to_vec(&unsigned).map_err(|error| SignatureError::Canonical(error.to_string()))
}

/// Which signature of a declaration: the vendor's (`signature`) or the skilled evaluator's
/// (`evaluator_signature`, JC-STAR ★2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    Vendor,
    Evaluator,
}

impl Signer {
    fn member(self) -> &'static str {
        match self {
            Signer::Vendor => "signature",
            Signer::Evaluator => "evaluator_signature",
        }
    }
}

fn signature_by(declaration: &Declaration, key: &SigningKey) -> Result<Signature, SignatureError> {
    let value = serde_json::to_value(declaration).map_err(|error| SignatureError::Canonical(error.to_string()))?;
    let signature = key.sign(&signed_bytes(&value)?);
    Ok(Signature {
        algorithm: ALGORITHM.to_owned(),
        canonicalization: CANONICALIZATION.to_owned(),
        key_id: key_id(&key.verifying_key()),
        public_key: BASE64.encode(key.verifying_key().as_bytes()),
        value: BASE64.encode(signature.to_bytes()),
    })
}

/// Signs in place as the vendor, replacing any earlier vendor signature.
pub fn sign(declaration: &mut Declaration, key: &SigningKey) -> Result<(), SignatureError> {
    declaration.signature = Some(signature_by(declaration, key)?);
    Ok(())
}

/// Co-signs in place as the skilled evaluator the declaration names.
pub fn sign_as_evaluator(declaration: &mut Declaration, key: &SigningKey) -> Result<(), SignatureError> {
    declaration.evaluator_signature = Some(signature_by(declaration, key)?);
    Ok(())
}

/// Checks the vendor's signature of a parsed document (the JSON as read, so that no field
/// escapes it) against the key the verifier trusts. The key embedded in the document is not
/// trusted.
pub fn verify(document: &Value, key: &VerifyingKey) -> Result<(), SignatureError> {
    verify_signer(document, Signer::Vendor, key)
}

/// The public key written in a signature, for a verifier that has no other copy (offline checks
/// of who co-signed); trusting it is the caller's decision.
pub fn embedded_key(document: &Value, signer: Signer) -> Option<VerifyingKey> {
    let encoded = document.get(signer.member())?.get("public_key")?.as_str()?;
    let bytes: [u8; 32] = BASE64.decode(encoded).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// Checks one signer's signature against the key the verifier trusts.
pub fn verify_signer(document: &Value, signer: Signer, key: &VerifyingKey) -> Result<(), SignatureError> {
    let signature = document.get(signer.member()).ok_or(SignatureError::Unsigned)?;
    let field = |name: &str| signature.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let (algorithm, canonicalization) = (field("algorithm"), field("canonicalization"));
    if algorithm != ALGORITHM || canonicalization != CANONICALIZATION {
        return Err(SignatureError::Unsupported { algorithm, canonicalization });
    }
    let given = key_id(key);
    let signed_by = field("key_id");
    if signed_by != given {
        return Err(SignatureError::OtherKey { signed_by, given });
    }
    // The embedded key is not what is trusted, but it must name the same key: a document that
    // says one thing and was signed by another is not accepted.
    if BASE64.decode(field("public_key")).ok().as_deref() != Some(key.as_bytes().as_slice()) {
        return Err(SignatureError::EmbeddedKey);
    }
    let bytes: [u8; 64] =
        BASE64.decode(field("value")).ok().and_then(|bytes| bytes.try_into().ok()).ok_or(SignatureError::Malformed)?;
    key.verify_strict(&signed_bytes(document)?, &Ed25519Signature::from_bytes(&bytes))
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Declaration {
        serde_json::from_str(include_str!("../tests/fixtures/declaration-sample.json")).unwrap()
    }

    #[test]
    fn a_signed_document_verifies_and_any_change_breaks_it() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let mut declaration = sample();
        sign(&mut declaration, &key).unwrap();
        let value = serde_json::to_value(&declaration).unwrap();
        verify(&value, &key.verifying_key()).unwrap();

        let mut changed = value.clone();
        changed["product"]["firmware_version"] = Value::from("2.4.2");
        assert!(matches!(verify(&changed, &key.verifying_key()), Err(SignatureError::Mismatch)));

        let mut added = value.clone();
        added["extra"] = Value::from(true);
        assert!(matches!(verify(&added, &key.verifying_key()), Err(SignatureError::Mismatch)));

        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(matches!(verify(&value, &other.verifying_key()), Err(SignatureError::OtherKey { .. })));
    }

    #[test]
    fn vendor_and_evaluator_sign_the_same_content_independently() {
        let vendor = SigningKey::from_bytes(&[7; 32]);
        let evaluator = SigningKey::from_bytes(&[9; 32]);
        let mut declaration = sample();
        let vendor_only = {
            let mut copy = declaration.clone();
            sign(&mut copy, &vendor).unwrap();
            copy.signature.unwrap().value
        };
        declaration.evaluator = Some(crate::declaration::EvaluatorRef {
            name: "E".into(),
            organisation: "O".into(),
            key_id: key_id(&evaluator.verifying_key()),
            accreditation: None,
        });
        sign_as_evaluator(&mut declaration, &evaluator).unwrap();
        sign(&mut declaration, &vendor).unwrap();
        let value = serde_json::to_value(&declaration).unwrap();
        verify(&value, &vendor.verifying_key()).unwrap();
        verify_signer(&value, Signer::Evaluator, &evaluator.verifying_key()).unwrap();
        assert_eq!(embedded_key(&value, Signer::Evaluator), Some(evaluator.verifying_key()));
        // Naming the evaluator changes what the vendor signs.
        assert_ne!(declaration.signature.as_ref().unwrap().value, vendor_only);
        // Dropping the evaluator's name breaks both signatures.
        let mut changed = value.clone();
        changed["evaluator"]["name"] = Value::from("Someone else");
        assert!(matches!(verify(&changed, &vendor.verifying_key()), Err(SignatureError::Mismatch)));
        assert!(matches!(
            verify_signer(&changed, Signer::Evaluator, &evaluator.verifying_key()),
            Err(SignatureError::Mismatch)
        ));
    }

    #[test]
    fn key_order_and_whitespace_do_not_matter() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let mut declaration = sample();
        sign(&mut declaration, &key).unwrap();
        let pretty = serde_json::to_string_pretty(&declaration).unwrap();
        let reparsed: Value = serde_json::from_str(&pretty).unwrap();
        verify(&reparsed, &key.verifying_key()).unwrap();
    }
}
