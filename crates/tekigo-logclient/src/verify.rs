//! One label: online against the registry's log, or offline against a signed status.

use serde::Serialize;
use tekigo_base::{Text, is_label_number};
use tekigo_translog::{Checkpoint, Hash, Keyring, LabelStatus, SignedNote, verify_consistency, verify_inclusion};

use crate::http::{ClientError, LogClient};
use crate::wire::{EntriesResponse, Entry, ProofResponse, StatusResponse};

/// What a label check was given: a label number (with the registry's address from elsewhere) or a
/// label page's URL, perhaps with a signed status in its fragment (`#s=...`, as a QR code carries it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub label: String,
    pub registry: Option<String>,
    pub fragment: Option<String>,
}

/// Reads a label number or a label page URL. `registry` overrides the URL's own address.
pub fn parse_target(text: &str, registry: Option<&str>) -> Result<Target, Text> {
    let registry = registry.map(|r| r.trim_end_matches('/').to_owned());
    if !text.contains("://") {
        if !is_label_number(text) {
            return Err(Text::new(
                format!("`{text}` is neither a label number (JC1-2026-000123) nor a URL"),
                format!("`{text}` はラベル番号（JC1-2026-000123）でも URL でもありません"),
            ));
        }
        return Ok(Target { label: text.to_owned(), registry, fragment: None });
    }
    let (before, fragment) = text.split_once('#').unwrap_or((text, ""));
    let fragment = fragment.split('&').find_map(|part| part.strip_prefix("s=")).map(str::to_owned);
    let before = before.split_once('?').map_or(before, |(path, _)| path);
    let Some(at) = before.rfind("/labels/") else {
        return Err(Text::new(
            format!("{text}: not a label page URL (…/labels/<number>)"),
            format!("{text}: ラベルのページの URL（…/labels/<番号>）ではありません"),
        ));
    };
    let label = before[at + "/labels/".len()..].trim_end_matches('/').to_owned();
    if !is_label_number(&label) {
        return Err(Text::new(
            format!("{text}: `{label}` is not a label number"),
            format!("{text}: `{label}` はラベル番号ではありません"),
        ));
    }
    Ok(Target { label, registry: registry.or_else(|| Some(before[..at].to_owned())), fragment })
}

/// One checked log entry of the label.
#[derive(Debug, Clone, Serialize)]
pub struct EntryCheck {
    pub index: u64,
    pub seq: i64,
    pub kind: String,
    pub status: String,
    pub at: i64,
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// What an online check established. Empty `alerts` means everything the registry served verified.
#[derive(Debug, Clone)]
pub struct OnlineCheck {
    /// The registry's signed status of the label now, when it verified.
    pub current: Option<LabelStatus>,
    pub checkpoint: Option<Checkpoint>,
    pub entries: Vec<EntryCheck>,
    /// The signed status the URL carried, when it verified.
    pub fragment_status: Option<LabelStatus>,
    /// Tree sizes proven to be prefixes of the checkpoint's tree.
    pub consistent_sizes: Vec<u64>,
    pub alerts: Vec<Text>,
}

/// Checks `number` against the log of the registry `client` speaks to, with `keyring`; `fragment`
/// is a signed status from the label's URL, to be proven a prefix of today's log.
pub fn verify_online(
    client: &LogClient,
    number: &str,
    keyring: &Keyring,
    fragment: Option<&str>,
) -> Result<OnlineCheck, ClientError> {
    let mut alerts = Vec::new();
    // The status first, then the checkpoint: the status's tree is then a prefix of the checkpoint's.
    let status_note: StatusResponse = client.get_json(&format!("/api/v1/labels/{number}/status"))?;
    let current = match open_status(&status_note.note, keyring) {
        Ok(status) if status.label == *number => Some(status),
        Ok(status) => {
            alerts.push(Text::new(
                format!("the signed status is about label {}, not {number}", status.label),
                format!("署名付き状態はラベル {} のもので、{number} のものではありません", status.label),
            ));
            None
        }
        Err(e) => {
            alerts.push(Text::new(
                format!("the registry's signed status of {number} does not verify: {e}"),
                format!("登録簿の {number} の署名付き状態を検証できません: {e}"),
            ));
            None
        }
    };
    let checkpoint_text = client.get_text("/api/v1/log/checkpoint")?;
    let checkpoint = match open_checkpoint(&checkpoint_text, keyring) {
        Ok(checkpoint) => Some(checkpoint),
        Err(e) => {
            alerts.push(Text::new(
                format!("the registry's checkpoint (signed tree head) does not verify: {e}"),
                format!("登録簿のチェックポイント（署名付きツリーヘッド）を検証できません: {e}"),
            ));
            None
        }
    };

    let mut check = OnlineCheck {
        current,
        checkpoint: None,
        entries: Vec::new(),
        fragment_status: None,
        consistent_sizes: Vec::new(),
        alerts,
    };
    let Some(checkpoint) = checkpoint else { return Ok(check) };
    // The signed status's tree, and the fragment's, must be prefixes of the checkpoint's.
    let mut against = Vec::new();
    if let Some(status) = &check.current {
        against.push((("the signed status", "署名付き状態"), status.tree_size, status.root));
    }
    if let Some(fragment) = fragment {
        match open_fragment(fragment, keyring) {
            Ok(status) if status.label == *number => {
                against.push((("the URL's signed status", "URL の署名付き状態"), status.tree_size, status.root));
                check.fragment_status = Some(status);
            }
            Ok(status) => check.alerts.push(Text::new(
                format!("the URL's signed status is about label {}, not {number}", status.label),
                format!("URL の署名付き状態はラベル {} のもので、{number} のものではありません", status.label),
            )),
            Err(e) => check.alerts.push(Text::new(
                format!("the URL's signed status (#s=...) does not verify: {e}"),
                format!("URL の署名付き状態（#s=...）を検証できません: {e}"),
            )),
        }
    }
    for ((en, ja), size, root) in against {
        match consistency(client, size, checkpoint.size, &root, &checkpoint.root)? {
            Ok(()) => check.consistent_sizes.push(size),
            Err(e) => check.alerts.push(Text::new(
                format!(
                    "{en}'s tree (size {size}) is not consistent with the checkpoint (size {}): consistency proof {size}→{}: {e}",
                    checkpoint.size, checkpoint.size
                ),
                format!(
                    "{ja}のツリー（サイズ {size}）がチェックポイント（サイズ {}）と一致しません: 一貫性証明 {size}→{}: {e}",
                    checkpoint.size, checkpoint.size
                ),
            )),
        }
    }

    let log: EntriesResponse = client.get_json(&format!("/api/v1/labels/{number}/log"))?;
    if log.entries.is_empty() {
        check.alerts.push(Text::new(
            format!("the log holds no event of label {number}"),
            format!("ログにラベル {number} のイベントがありません"),
        ));
    }
    for entry in log.entries {
        let problem = check_entry(client, &entry, number, &checkpoint)?;
        if let Some(problem) = &problem {
            check.alerts.push(Text::new(
                format!("entry {} (event {}, {}): {}", entry.index, entry.seq, entry.kind, problem.en),
                format!("エントリー {}（イベント {}、{}）: {}", entry.index, entry.seq, entry.kind, problem.ja),
            ));
        }
        check.entries.push(EntryCheck {
            index: entry.index,
            seq: entry.seq,
            kind: entry.kind,
            status: entry.status,
            at: entry.at,
            verified: problem.is_none(),
            problem: problem.map(|p| p.en),
        });
    }
    check.checkpoint = Some(checkpoint);
    Ok(check)
}

/// What an offline check established: the status the registry signed at its issue time.
#[derive(Debug, Clone)]
pub struct OfflineCheck {
    pub status: Option<LabelStatus>,
    pub alerts: Vec<Text>,
}

/// Checks the signed status of a label's URL fragment with `keyring`, with no network.
pub fn verify_offline(number: &str, fragment: &str, keyring: &Keyring) -> OfflineCheck {
    let mut alerts = Vec::new();
    let status = match open_fragment(fragment, keyring) {
        Ok(status) if status.label == number => Some(status),
        Ok(status) => {
            alerts.push(Text::new(
                format!("the signed status is about label {}, but the URL names {number}", status.label),
                format!("署名付き状態はラベル {} のものですが、URL は {number} を指しています", status.label),
            ));
            None
        }
        Err(e) => {
            alerts.push(Text::new(
                format!("the signed status in the URL (#s=...) does not verify with the given key: {e}"),
                format!("URL の署名付き状態（#s=...）を指定の鍵で検証できません: {e}"),
            ));
            None
        }
    };
    OfflineCheck { status, alerts }
}

pub(crate) fn open_checkpoint(text: &str, keyring: &Keyring) -> Result<Checkpoint, String> {
    SignedNote::parse(text)
        .and_then(|note| Checkpoint::open(&note, keyring, Some(jiff::Timestamp::now())))
        .map_err(|e| e.to_string())
}

fn open_status(note_text: &str, keyring: &Keyring) -> Result<LabelStatus, String> {
    let note = SignedNote::parse(note_text).map_err(|e| e.to_string())?;
    LabelStatus::open(&note, keyring).map_err(|e| e.to_string())
}

fn open_fragment(fragment: &str, keyring: &Keyring) -> Result<LabelStatus, String> {
    let note = tekigo_translog::decode_from_url(fragment).map_err(|e| e.to_string())?;
    LabelStatus::open(&note, keyring).map_err(|e| e.to_string())
}

/// A consistency check between two sizes; the outer `Err` is the network's, the inner the proof's.
pub(crate) fn consistency(
    client: &LogClient,
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
) -> Result<Result<(), String>, ClientError> {
    if first > second {
        return Ok(Err(format!("size {first} is beyond the checkpoint's {second}: the log shrank")));
    }
    let proof = if first == 0 || first == second {
        Vec::new()
    } else {
        let served: ProofResponse =
            client.get_json(&format!("/api/v1/log/proof/consistency?first={first}&second={second}"))?;
        match served.hashes() {
            Ok(proof) => proof,
            Err(e) => return Ok(Err(e)),
        }
    };
    Ok(verify_consistency(first, second, first_root, second_root, &proof).map_err(|e| e.to_string()))
}

/// Checks one entry said to be of label `number` against the checkpoint: `Some` names the problem.
pub(crate) fn check_entry(
    client: &LogClient,
    entry: &Entry,
    number: &str,
    checkpoint: &Checkpoint,
) -> Result<Option<Text>, ClientError> {
    if entry.label != *number {
        return Ok(Some(Text::new(
            format!("served as an event of {number} but is about {}", entry.label),
            format!("{number} のイベントとして返されたが {} のもの", entry.label),
        )));
    }
    if entry.index >= checkpoint.size {
        return Ok(Some(Text::new(
            format!("index beyond the checkpoint's size {}", checkpoint.size),
            format!("インデックスがチェックポイントのサイズ {} を超えています", checkpoint.size),
        )));
    }
    let served: ProofResponse =
        client.get_json(&format!("/api/v1/log/proof/inclusion?index={}&size={}", entry.index, checkpoint.size))?;
    let result = served.hashes().and_then(|proof| {
        verify_inclusion(&entry.leaf_hash(), entry.index, checkpoint.size, &proof, &checkpoint.root)
            .map_err(|e| e.to_string())
    });
    Ok(result.err().map(|e| {
        Text::new(
            format!("the inclusion proof against the checkpoint (size {}) fails: the event as served is not what the log committed to ({e})", checkpoint.size),
            format!("チェックポイント（サイズ {}）への包含証明が失敗: 返されたイベントはログが記録したものと異なります（{e}）", checkpoint.size),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_url_gives_its_number_registry_and_signed_status() {
        let target = parse_target("https://registry.example/labels/JC1-2026-000123?lang=ja#s=abc&x=1", None).unwrap();
        assert_eq!(target.label, "JC1-2026-000123");
        assert_eq!(target.registry.as_deref(), Some("https://registry.example"));
        assert_eq!(target.fragment.as_deref(), Some("abc"));
        let number = parse_target("JC1-2026-000123", Some("https://r.example/")).unwrap();
        assert_eq!(number.registry.as_deref(), Some("https://r.example"));
    }

    #[test]
    fn what_is_not_a_label_is_refused_in_both_languages() {
        for bad in ["JC5-2026-000123", "JC1-26-000123", "https://registry.example/search", "hello", "JC1-2026-12"] {
            let refusal = parse_target(bad, None).unwrap_err();
            assert!(!refusal.en.is_empty() && !refusal.ja.is_empty(), "{bad}");
        }
    }
}
