//! Verifier keys into a keyring.

use tekigo_translog::{Keyring, NoteVerifier};

use crate::http::ClientError;
use crate::wire::{KeyEntry, KeysResponse};

/// Keys as a person gives them: the registry's keys JSON (`/api/v1/log/keys`), or verifier key
/// lines (`<name>+<hex id>+<base64>`; blank lines and `#` comments skipped).
pub fn parse_keys(text: &str) -> Result<Vec<KeyEntry>, ClientError> {
    if text.trim_start().starts_with('{') {
        let keys: KeysResponse = serde_json::from_str(text)
            .map_err(|e| ClientError::Keyring(format!("not the registry's keys JSON: {e}")))?;
        return Ok(keys.keys);
    }
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| KeyEntry { verifier: line.to_owned(), valid_from: None, not_after: None })
        .collect())
}

/// The keyring of these keys, each valid in its window.
pub fn keyring_from(keys: &[KeyEntry]) -> Result<Keyring, ClientError> {
    let mut verifiers = Vec::new();
    for key in keys {
        let mut verifier =
            NoteVerifier::parse(key.verifier.trim()).map_err(|_| ClientError::Key(key.verifier.trim().to_owned()))?;
        let at = |second: i64| {
            jiff::Timestamp::from_second(second).map_err(|e| ClientError::Keyring(format!("{}: {e}", key.verifier)))
        };
        // As the registry reads its own keyring: 0 means "from the start".
        if let Some(from) = key.valid_from.filter(|&from| from > 0) {
            verifier = verifier.valid_from(at(from)?);
        }
        if let Some(until) = key.not_after {
            verifier = verifier.retired_at(at(until)?);
        }
        verifiers.push(verifier);
    }
    if verifiers.is_empty() {
        return Err(ClientError::NoKey);
    }
    Keyring::new(verifiers).map_err(|e| ClientError::Keyring(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_as_lines_or_as_the_registrys_json() {
        let lines = parse_keys("# the registry's key\n\nregistry+0123abcd+AAAA\n").unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].verifier, "registry+0123abcd+AAAA");
        let json = parse_keys(r#"{"keys":[{"verifier":"r+01+AA","valid_from":0,"not_after":1700000000}]}"#).unwrap();
        assert_eq!(json[0].not_after, Some(1_700_000_000));
        assert!(matches!(parse_keys("{not json"), Err(ClientError::Keyring(_))));
    }

    #[test]
    fn no_key_or_a_malformed_one_is_an_error_not_an_empty_keyring() {
        assert!(matches!(keyring_from(&[]), Err(ClientError::NoKey)));
        let bad = KeyEntry { verifier: "not a key".into(), valid_from: None, not_after: None };
        assert!(matches!(keyring_from(&[bad]), Err(ClientError::Key(_))));
    }
}
