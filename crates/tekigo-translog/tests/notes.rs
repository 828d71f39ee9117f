//! Signed notes against Go's note package example, checkpoints against the C2SP example, label
//! statuses, their URL form, and key rotation.

use ed25519_dalek::SigningKey;
use jiff::Timestamp;
use jiff::civil::date;
use proptest::prelude::*;
use tekigo_translog::{
    Checkpoint, Hash, Keyring, LabelStatus, NoteError, NoteSigner, NoteVerifier, SignedNote, Status, decode_from_url,
    encode_for_url, leaf_hash,
};

// The example key and note of Go's golang.org/x/mod/sumdb/note package documentation.
const GO_SIGNER_KEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VERIFIER_KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
then you don't know what your problem is.\n\
\n\
— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn signer(name: &str, seed: u8) -> NoteSigner {
    NoteSigner::new(name, SigningKey::from_bytes(&[seed; 32])).unwrap()
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap()
}

#[test]
fn go_note_package_vector() {
    let signer = NoteSigner::from_private_key_text(GO_SIGNER_KEY).unwrap();
    assert_eq!(signer.key_id(), 0xc74f20a3);
    assert_eq!(signer.to_private_key_text(), GO_SIGNER_KEY);
    assert_eq!(signer.verifier().to_string(), GO_VERIFIER_KEY);
    // Ed25519 is deterministic: our signature is byte for byte Go's.
    assert_eq!(signer.sign(GO_TEXT).unwrap().to_string(), GO_NOTE);

    let verifier = NoteVerifier::parse(GO_VERIFIER_KEY).unwrap();
    let note = SignedNote::parse(GO_NOTE).unwrap();
    assert_eq!(note.text, GO_TEXT);
    assert_eq!(note.signatures[0].key_id, 0xc74f20a3);
    let keyring = Keyring::new(vec![verifier]).unwrap();
    assert_eq!(keyring.verify(&note, None).unwrap().name(), "PeterNeumann");
}

#[test]
fn c2sp_checkpoint_example_parses() {
    let note = SignedNote::parse(
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\
         — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n",
    )
    .unwrap();
    let checkpoint = Checkpoint::parse(&note.text).unwrap();
    assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
    assert_eq!(checkpoint.size, 20852163);
    assert_eq!(checkpoint.root.to_base64(), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
    assert_eq!(checkpoint.to_text(), note.text);
    // Its key is not given, so no keyring knows it.
    let keyring = Keyring::new(vec![signer("example.com/behind-the-sofa", 1).verifier()]).unwrap();
    assert!(matches!(keyring.verify(&note, None), Err(NoteError::UnknownKey { .. })));
}

#[test]
fn tampering_is_refused() {
    let signer = signer("registry.example/log", 1);
    let keyring = Keyring::new(vec![signer.verifier()]).unwrap();
    let note = signer.sign("hello\n").unwrap();
    keyring.verify(&note, None).unwrap();

    let mut body = note.clone();
    body.text = "hellp\n".into();
    assert!(matches!(keyring.verify(&body, None), Err(NoteError::BadSignature { .. })));

    let mut signature = note.clone();
    signature.signatures[0].signature[10] ^= 1;
    assert!(matches!(keyring.verify(&signature, None), Err(NoteError::BadSignature { .. })));

    // An unknown signer's line is ignored; a known key's bad signature rejects the note.
    let mut extra = note.clone();
    extra.signatures.insert(0, self::signer("witness.example", 2).sign("hello\n").unwrap().signatures[0].clone());
    keyring.verify(&extra, None).unwrap();
    let other = self::signer("registry.example/log", 3);
    let unknown = other.sign("hello\n").unwrap();
    assert!(matches!(keyring.verify(&unknown, None), Err(NoteError::UnknownKey { .. })));
}

#[test]
fn malformed_notes_name_the_line() {
    let good = signer("k", 1).sign("a\nb\n").unwrap().to_string();
    assert_eq!(SignedNote::parse(&good).unwrap().to_string(), good);
    let cases: [(&str, NoteError); 5] = [
        ("a\n— k AAAA\n", NoteError::Malformed("no blank line before the signatures")),
        (&good[..good.len() - 1], NoteError::Malformed("the last signature line does not end in a newline")),
        ("a\n\n", NoteError::Malformed("no signatures")),
        (
            "a\nb\n\n- k AAAAAAA=\n",
            NoteError::MalformedLine { line: 4, reason: "a signature line starts with \"— \"".into() },
        ),
        ("a\tb\n\n— k AAAAAAA=\n", NoteError::MalformedLine { line: 1, reason: "control character".into() }),
    ];
    for (text, error) in cases {
        assert_eq!(SignedNote::parse(text), Err(error), "{text:?}");
    }
    assert!(matches!(SignedNote::parse("a\n\n— k+x AAAAAAA=\n"), Err(NoteError::MalformedLine { line: 3, .. })));
    assert!(matches!(SignedNote::parse("a\n\n— k AAAA\n"), Err(NoteError::MalformedLine { line: 3, .. })));
    assert!(signer("k", 1).sign("no newline").is_err());
    assert!(NoteSigner::new("has space", SigningKey::from_bytes(&[1; 32])).is_err());
}

#[test]
fn verifier_keys() {
    let verifier = signer("registry.example/log", 1).verifier();
    let text = verifier.to_string();
    assert_eq!(NoteVerifier::parse(&text).unwrap(), verifier);
    let wrong_id = text.replacen(&format!("{:08x}", verifier.key_id()), "00000000", 1);
    assert!(matches!(NoteVerifier::parse(&wrong_id), Err(NoteError::KeyIdMismatch { .. })));
    assert!(matches!(NoteVerifier::parse("name+12345678"), Err(NoteError::MalformedVerifierKey { .. })));
    assert!(Keyring::new(vec![verifier.clone(), verifier]).is_err());
}

#[test]
fn checkpoints() {
    let signer = signer("registry.example/log", 1);
    let root = leaf_hash(b"x");
    let checkpoint = Checkpoint::new("registry.example/log", 42, root);
    let note = checkpoint.sign(&signer).unwrap();
    insta::assert_snapshot!("checkpoint_note", note.to_string());
    let keyring = Keyring::new(vec![signer.verifier()]).unwrap();
    let parsed = SignedNote::parse(&note.to_string()).unwrap();
    assert_eq!(Checkpoint::open(&parsed, &keyring, None).unwrap(), checkpoint);

    // Another log's key cannot vouch for this origin.
    let other = self::signer("other.example/log", 2);
    let forged = Checkpoint::new("registry.example/log", 43, root);
    assert!(forged.sign(&other).is_err());
    let forged_note = other.sign(&forged.to_text()).unwrap();
    let both = Keyring::new(vec![signer.verifier(), other.verifier()]).unwrap();
    assert!(matches!(Checkpoint::open(&forged_note, &both, None), Err(NoteError::OriginMismatch { .. })));

    for (text, line) in [
        ("o\n042\nPdgEo8OpoHkRUvvGj2ZKJ/XLmJ01nu4OOXlb13RwWXY=\n", 2),
        ("o\n1\nnot-base64\n", 3),
        ("o\n1\nPdgEo8OpoHkRUvvGj2ZKJ/XLmJ01nu4OOXlb13RwWXY=\n\n", 4),
    ] {
        assert!(
            matches!(Checkpoint::parse(text), Err(NoteError::MalformedLine { line: l, .. }) if l == line),
            "{text:?}"
        );
    }
    assert!(Checkpoint::parse("o\n1\n").is_err());
    let mut extended = checkpoint.clone();
    extended.extensions.push("ext".into());
    assert_eq!(Checkpoint::parse(&extended.to_text()).unwrap(), extended);
}

fn typical_status() -> LabelStatus {
    LabelStatus {
        label: "JC2-2026-000123".into(),
        product: "4711".into(),
        level: "2".into(),
        status: Status::Valid,
        valid_from: date(2026, 4, 1),
        valid_until: date(2028, 3, 31),
        tree_size: 123_456,
        root: leaf_hash(b"root"),
        issued_at: at(1_775_001_600),
    }
}

#[test]
fn label_status_text_and_url() {
    let signer = signer("registry.example.jp/log", 1);
    let status = typical_status();
    let note = status.sign(&signer).unwrap();
    insta::assert_snapshot!("status_note", note.to_string());
    let url = encode_for_url(&note);
    insta::assert_snapshot!("status_url", &url);
    // The QR code's budget, a fragment under 300 characters: the packed note is the text (136
    // bytes here), 3 framing bytes, the key name and 68 signature bytes, times 4/3. With this
    // 23-character key name it is 307; key names of 17 characters or fewer keep it under 300.
    assert_eq!(url.len(), ((note.text.len() + 3 + 23 + 68) * 4).div_ceil(3));
    assert_eq!(url.len(), 307);
    let short = self::signer("tekigo.example.jp", 1);
    assert_eq!(encode_for_url(&status.sign(&short).unwrap()).len(), 299);
    assert!(url.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    let decoded = decode_from_url(&url).unwrap();
    assert_eq!(decoded, note);
    let keyring = Keyring::new(vec![signer.verifier()]).unwrap();
    assert_eq!(LabelStatus::open(&decoded, &keyring).unwrap(), status);

    assert!(decode_from_url(&url[..url.len() - 4]).is_err());
    assert!(decode_from_url("not base64!").is_err());
    let mut tampered = decoded;
    tampered.text = tampered.text.replace("valid", "revoked");
    assert!(matches!(LabelStatus::open(&tampered, &keyring), Err(NoteError::BadSignature { .. })));
}

#[test]
fn label_status_parse_errors() {
    let text = typical_status().to_text();
    let replace = |line: usize, with: &str| {
        let mut lines: Vec<&str> = text.lines().collect();
        lines[line - 1] = with;
        lines.join("\n") + "\n"
    };
    assert!(matches!(LabelStatus::parse(&replace(1, "tekigo-label-status/2")), Err(NoteError::UnknownFormat { .. })));
    for (line, with) in
        [(2, ""), (3, " 4711"), (5, "ok"), (6, "2026-4-1"), (7, "2028-02-30"), (8, "-1"), (9, "AAAA"), (10, "1.5")]
    {
        assert!(
            matches!(LabelStatus::parse(&replace(line, with)), Err(NoteError::MalformedLine { line: l, .. }) if l == line),
            "line {line} = {with:?}"
        );
    }
    assert!(LabelStatus::parse(&(text.clone() + "extra\n")).is_err());
    let mut bad = typical_status();
    bad.product = "two\nlines".into();
    assert!(bad.sign(&signer("k", 1)).is_err());
}

#[test]
fn key_rotation() {
    let old = signer("registry.example/log", 1);
    let new = signer("registry.example/log", 2);
    let rotated = at(1_800_000_000);
    let keyring = Keyring::new(vec![old.verifier().retired_at(rotated), new.verifier().valid_from(rotated)]).unwrap();

    let mut before = typical_status();
    before.issued_at = at(1_799_999_999);
    let mut after = typical_status();
    after.issued_at = at(1_800_000_001);

    // Statuses the old key signed before its retirement keep verifying; later ones do not.
    assert_eq!(LabelStatus::open(&before.sign(&old).unwrap(), &keyring).unwrap(), before);
    assert!(matches!(LabelStatus::open(&after.sign(&old).unwrap(), &keyring), Err(NoteError::KeyRetired { .. })));
    assert_eq!(LabelStatus::open(&after.sign(&new).unwrap(), &keyring).unwrap(), after);
    assert!(matches!(LabelStatus::open(&before.sign(&new).unwrap(), &keyring), Err(NoteError::KeyNotYetValid { .. })));

    // A keyring that dropped the old key no longer knows its statuses.
    let only_new = Keyring::new(vec![new.verifier().valid_from(rotated)]).unwrap();
    assert!(matches!(LabelStatus::open(&before.sign(&old).unwrap(), &only_new), Err(NoteError::UnknownKey { .. })));

    let message = NoteError::KeyRetired {
        name: "registry.example/log".into(),
        key_id: 0x0102_0304,
        not_after: rotated,
        issued_at: after.issued_at,
    }
    .to_string();
    assert_eq!(
        message,
        "key registry.example/log+01020304 was retired at 2027-01-15T08:00:00Z, before the note was issued (2027-01-15T08:00:01Z)"
    );
}

proptest! {
    #[test]
    fn notes_round_trip_and_tampering_fails(
        lines in prop::collection::vec("[^\\x00-\\x1f]{0,40}", 1..6),
        flip in any::<prop::sample::Index>(),
    ) {
        let text = lines.join("\n") + "\n";
        let signer = signer("registry.example/log", 7);
        let keyring = Keyring::new(vec![signer.verifier()]).unwrap();
        let note = signer.sign(&text).unwrap();
        let parsed = SignedNote::parse(&note.to_string()).unwrap();
        prop_assert_eq!(&parsed, &note);
        prop_assert!(keyring.verify(&parsed, None).is_ok());
        prop_assert_eq!(&decode_from_url(&encode_for_url(&note)).unwrap(), &note);

        let mut bytes = note.text.clone().into_bytes();
        let i = flip.index(bytes.len());
        bytes[i] ^= 0x01;
        if let Ok(changed) = String::from_utf8(bytes) {
            let tampered = SignedNote { text: changed, signatures: note.signatures.clone() };
            prop_assert!(keyring.verify(&tampered, None).is_err());
        }
    }

    #[test]
    fn parsing_never_panics(text in "\\PC{0,200}") {
        let _ = SignedNote::parse(&text);
        let _ = Checkpoint::parse(&text);
        let _ = LabelStatus::parse(&text);
        let _ = decode_from_url(&text);
    }
}

#[test]
fn hash_helpers() {
    let hash = Hash::from_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").unwrap();
    assert_eq!(hash.to_base64(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}
