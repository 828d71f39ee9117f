//! The whole log, watched from outside: each run verifies the newest signed tree head against the
//! one kept from the last run (a consistency proof) and rebuilds the root from the entries added
//! since, so a rewritten, shortened or reordered history is noticed by anyone running it.

use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use tekigo_base::Text;
use tekigo_translog::{Frontier, Hash, empty_root};

use crate::http::{ClientError, LogClient};
use crate::keys::keyring_from;
use crate::verify::{check_entry, consistency, open_checkpoint};
use crate::wire::{EntriesResponse, Entry, KeyEntry, KeysResponse};

/// The most entries `/api/v1/log/entries` returns at once.
const PAGE: u64 = 1000;
/// The first field of a state; a reader refuses any other.
pub const STATE_FORMAT: &str = "tekigo-log-monitor/1";

/// What a monitor keeps between runs (a JSON file for the CLI).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MonitorState {
    pub format: String,
    pub registry: String,
    /// The pinned keys.
    pub keys: Vec<KeyEntry>,
    /// The last verified checkpoint.
    pub size: u64,
    pub root: String,
    pub checkpoint: String,
    /// [`Frontier`] bytes of the verified tree, base64.
    pub frontier: String,
    /// Unix seconds of the last successful run.
    pub checked_at: i64,
}

impl MonitorState {
    /// Reads a kept state, refusing another format.
    pub fn from_json(bytes: &[u8]) -> Result<MonitorState, ClientError> {
        let state: MonitorState = serde_json::from_slice(bytes)
            .map_err(|e| ClientError::State(format!("not a tekigo monitor state: {e}")))?;
        if state.format != STATE_FORMAT {
            return Err(ClientError::State(format!("unknown state format {:?}", state.format)));
        }
        Ok(state)
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// The kept tree: its size, root and right edge, which must agree with each other.
    fn tree(&self) -> Result<(u64, Hash, Frontier), ClientError> {
        let root = Hash::from_base64(&self.root).map_err(|e| ClientError::State(format!("the kept root: {e}")))?;
        let bytes =
            BASE64.decode(&self.frontier).map_err(|e| ClientError::State(format!("the kept right edge: {e}")))?;
        let frontier = if bytes.is_empty() {
            Frontier::new()
        } else {
            Frontier::from_bytes(&bytes).map_err(|e| ClientError::State(format!("the kept right edge: {e}")))?
        };
        if frontier.size() != self.size || frontier.root() != root {
            return Err(ClientError::State("the kept right edge does not match the kept checkpoint".into()));
        }
        Ok((self.size, root, frontier))
    }
}

/// A run that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub from: u64,
    pub to: u64,
    pub verified: usize,
    pub audit: bool,
    pub elapsed_ms: u128,
}

/// What a run found. Empty `alerts`: the log verified, `new_state` is what to keep.
#[derive(Debug, Clone)]
pub struct Watch {
    /// Things to tell the person running it that are not alarms (a key pinned, a key added).
    pub notices: Vec<Text>,
    pub alerts: Vec<Text>,
    pub summary: Option<Summary>,
    pub new_state: Option<MonitorState>,
}

impl Watch {
    fn alarm(notices: Vec<Text>, alerts: Vec<Text>) -> Watch {
        Watch { notices, alerts, summary: None, new_state: None }
    }
}

/// One run against the registry `client` speaks to, from `kept` (none on the first run, which pins
/// the registry's keys as served: trust on first use). `audit` re-fetches every entry from 0.
pub fn watch(client: &LogClient, kept: Option<&MonitorState>, audit: bool) -> Result<Watch, ClientError> {
    let started = Instant::now();
    let base = client.base().to_owned();
    if let Some(kept) = kept
        && kept.registry != base
    {
        return Err(ClientError::State(format!(
            "it watches {}, not {base}: keep one state per registry",
            kept.registry
        )));
    }
    let mut alerts = Vec::new();
    let mut notices = Vec::new();

    // Keys: pinned on the first run; later, a new key only while every pinned key is still listed.
    let fetched: KeysResponse = client.get_json("/api/v1/log/keys")?;
    let keys = match kept {
        None => {
            for key in &fetched.keys {
                notices.push(Text::new(
                    format!(
                        "FIRST RUN: pinned the registry's key {} as fetched from the registry itself (trust on first use; compare it with the key the registry publishes elsewhere)",
                        key.verifier
                    ),
                    format!(
                        "初回実行: 登録簿から取得した鍵 {} を固定しました（初回信頼。登録簿が別の経路で公表する鍵と照合してください）",
                        key.verifier
                    ),
                ));
            }
            fetched.keys.clone()
        }
        Some(kept) => {
            let missing: Vec<&str> = kept
                .keys
                .iter()
                .filter(|pinned| !fetched.keys.iter().any(|k| k.verifier == pinned.verifier))
                .map(|k| k.verifier.as_str())
                .collect();
            if missing.is_empty() {
                for key in fetched.keys.iter().filter(|k| !kept.keys.iter().any(|p| p.verifier == k.verifier)) {
                    notices.push(Text::new(
                        format!("new key accepted (the registry still lists every pinned key): {}", key.verifier),
                        format!(
                            "新しい鍵を受け入れました（固定したすべての鍵がまだ掲載されています）: {}",
                            key.verifier
                        ),
                    ));
                }
                fetched.keys.clone()
            } else {
                let missing = missing.join(", ");
                alerts.push(Text::new(
                    format!("the registry's keyring no longer lists pinned key(s) {missing}: a rotation adds keys, never removes them; no new key accepted"),
                    format!("登録簿の鍵一覧に固定した鍵 {missing} がありません（鍵の更新は追加のみで削除はしません）。新しい鍵は受け入れません"),
                ));
                kept.keys.clone()
            }
        }
    };
    let keyring = keyring_from(&keys)?;

    let note_text = client.get_text("/api/v1/log/checkpoint")?;
    let checkpoint = match open_checkpoint(&note_text, &keyring) {
        Ok(checkpoint) => checkpoint,
        Err(e) => {
            alerts.push(Text::new(
                format!("the checkpoint (signed tree head) does not verify with the pinned keys: {e}"),
                format!("チェックポイント（署名付きツリーヘッド）を固定した鍵で検証できません: {e}"),
            ));
            return Ok(Watch::alarm(notices, alerts));
        }
    };
    let (kept_size, kept_root, kept_frontier) = match kept {
        Some(kept) => kept.tree()?,
        None => (0, empty_root(), Frontier::new()),
    };
    let new_size = checkpoint.size;
    if new_size < kept_size {
        alerts.push(Text::new(
            format!("history rewritten: the log shrank from {kept_size} entries (verified before) to {new_size}"),
            format!("履歴の書き換え: ログが {kept_size} 件（検証済み）から {new_size} 件に減りました"),
        ));
        return Ok(Watch::alarm(notices, alerts));
    }
    if let Err(e) = consistency(client, kept_size, new_size, &kept_root, &checkpoint.root)? {
        alerts.push(Text::new(
            format!(
                "history rewritten: the checkpoint of size {new_size} (root {}) is not consistent with the verified checkpoint of size {kept_size} (root {}): consistency proof {kept_size}→{new_size}: {e}",
                checkpoint.root.to_base64(),
                kept_root.to_base64()
            ),
            format!(
                "履歴の書き換え: サイズ {new_size} のチェックポイント（ルート {}）が検証済みのサイズ {kept_size}（ルート {}）と一貫しません: 一貫性証明 {kept_size}→{new_size}: {e}",
                checkpoint.root.to_base64(),
                kept_root.to_base64()
            ),
        ));
        return Ok(Watch::alarm(notices, alerts));
    }

    // The entries: from the kept right edge, or from scratch in an audit.
    let (from, mut frontier) = if audit { (0, Frontier::new()) } else { (kept_size, kept_frontier) };
    let mut fetched_entries: Vec<Entry> = Vec::new();
    let mut expected = from;
    let mut broken = false;
    let mut start = from;
    while start < new_size {
        let end = (start + PAGE).min(new_size);
        let page: EntriesResponse = client.get_json(&format!("/api/v1/log/entries?start={start}&end={end}"))?;
        for entry in page.entries {
            if entry.index < expected || entry.index >= end {
                alerts.push(Text::new(
                    format!("entry {} served out of order or outside {start}..{end}", entry.index),
                    format!("エントリー {} が順序外または範囲 {start}..{end} の外で返されました", entry.index),
                ));
                broken = true;
                continue;
            }
            if entry.index > expected {
                alerts.push(Text::new(
                    format!("entries {expected}..{} are missing: their events are gone (deleted?)", entry.index),
                    format!("エントリー {expected}..{} がありません: イベントが消えています（削除?）", entry.index),
                ));
                broken = true;
            }
            if !broken {
                frontier.append(entry.leaf_hash()).map_err(|e| ClientError::State(e.to_string()))?;
            }
            expected = entry.index + 1;
            fetched_entries.push(entry);
        }
        if expected < end {
            alerts.push(Text::new(
                format!("entries {expected}..{end} are missing: their events are gone (deleted?)"),
                format!("エントリー {expected}..{end} がありません: イベントが消えています（削除?）"),
            ));
            broken = true;
            expected = end;
        }
        start = end;
    }
    if !broken && frontier.root() != checkpoint.root {
        broken = true;
        alerts.push(Text::new(
            format!(
                "entries {from}..{new_size} as served do not hash to the checkpoint's root: an event was changed or reordered"
            ),
            format!("返されたエントリー {from}..{new_size} のハッシュがチェックポイントのルートと一致しません: イベントの変更または並べ替え"),
        ));
    }
    if broken {
        // Name the entries: each one's inclusion proof against the checkpoint.
        for entry in &fetched_entries {
            if let Some(problem) = check_entry(client, entry, &entry.label, &checkpoint)? {
                alerts.push(Text::new(
                    format!(
                        "entry {} (event {}, label {}, {}): {}",
                        entry.index, entry.seq, entry.label, entry.kind, problem.en
                    ),
                    format!(
                        "エントリー {}（イベント {}、ラベル {}、{}）: {}",
                        entry.index, entry.seq, entry.label, entry.kind, problem.ja
                    ),
                ));
            }
        }
        return Ok(Watch::alarm(notices, alerts));
    }

    let summary = Summary {
        from: kept_size,
        to: new_size,
        verified: fetched_entries.len(),
        audit,
        elapsed_ms: started.elapsed().as_millis(),
    };
    let new_state = alerts.is_empty().then(|| MonitorState {
        format: STATE_FORMAT.to_owned(),
        registry: base,
        keys,
        size: new_size,
        root: checkpoint.root.to_base64(),
        checkpoint: note_text,
        frontier: BASE64.encode(frontier.to_bytes()),
        checked_at: jiff::Timestamp::now().as_second(),
    });
    Ok(Watch { notices, alerts, summary: Some(summary), new_state })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(size: u64, frontier: &Frontier) -> MonitorState {
        MonitorState {
            format: STATE_FORMAT.to_owned(),
            registry: "https://registry.example".to_owned(),
            keys: Vec::new(),
            size,
            root: frontier.root().to_base64(),
            checkpoint: String::new(),
            frontier: BASE64.encode(frontier.to_bytes()),
            checked_at: 0,
        }
    }

    #[test]
    fn a_kept_state_reads_back_and_its_tree_must_agree_with_itself() {
        let mut frontier = Frontier::new();
        for leaf in [b"a".as_slice(), b"b", b"c"] {
            frontier.append(tekigo_translog::leaf_hash(leaf)).unwrap();
        }
        let kept = state(3, &frontier);
        let read = MonitorState::from_json(&kept.to_json()).unwrap();
        assert_eq!(read.tree().unwrap().0, 3);
        // A state whose size disagrees with its right edge is refused, not trusted.
        let mut lying = read.clone();
        lying.size = 2;
        assert!(matches!(lying.tree(), Err(ClientError::State(_))));
    }

    #[test]
    fn another_format_or_garbage_is_refused_with_a_reason() {
        let mut other = state(0, &Frontier::new());
        other.format = "tekigo-log-monitor/9".to_owned();
        let refused = MonitorState::from_json(&other.to_json()).unwrap_err();
        assert!(refused.to_string().contains("tekigo-log-monitor/9"), "{refused}");
        assert!(!refused.text().ja.is_empty());
        assert!(MonitorState::from_json(b"{\"format\":").is_err());
    }
}
