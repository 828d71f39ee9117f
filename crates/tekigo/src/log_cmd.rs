//! `tekigo verify` and `tekigo monitor`: the client side of the registry's transparency log.
//! Nothing the registry serves is trusted beyond what its signatures and proofs show: leaf hashes
//! are computed here from the served events (`tekigo_translog::EventLeaf`, the registry's own
//! leaf format), and every proof is checked with `tekigo_translog::verify_*`.
//!
//! Exit codes, both commands: 0 verified (and, for `verify`, valid); 1 `verify` only: verified
//! but the label is not valid; 3 something does not verify (an alert names it); 2 usage or
//! network error (the `Err` path).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tekigo_base::Lang;
use tekigo_translog::{
    Checkpoint, EventLeaf, Frontier, Hash, Keyring, LabelStatus, NoteVerifier, SignedNote, Status, empty_root,
    verify_consistency, verify_inclusion,
};

use crate::cli::{Format, MonitorArgs, VerifyArgs};
use crate::output::{LocalizedContext, localized, table, table_or_json, tr, write_json};

/// A response larger than this is refused: 1,000 entries are far below it.
const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most entries `/api/v1/log/entries` returns at once.
const PAGE: u64 = 1000;
const STATE_FORMAT: &str = "tekigo-log-monitor/1";

const ALERT: (&str, &str) = ("ALERT", "警報");

/// A blocking HTTP client for one registry.
struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    fn new(base: &str) -> Http {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .user_agent(concat!("tekigo/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Http { agent, base: base.trim_end_matches('/').to_owned() }
    }

    fn get_text(&self, path: &str) -> anyhow::Result<String> {
        let url = format!("{}{path}", self.base);
        let mut response = self
            .agent
            .get(&url)
            .call()
            .with_context_tr(|| (format!("GET {url}"), format!("GET {url} に失敗しました")))?;
        let status = response.status();
        let body =
            response.body_mut().with_config().limit(MAX_RESPONSE_BYTES).read_to_string().with_context_tr(|| {
                (
                    format!("GET {url}: reading the response (at most {MAX_RESPONSE_BYTES} bytes)"),
                    format!("GET {url}: 応答を読めません（上限 {MAX_RESPONSE_BYTES} バイト）"),
                )
            })?;
        if !status.is_success() {
            let said: String = body.chars().take(300).collect();
            return Err(localized(
                format!("GET {url}: HTTP {status}: {said}"),
                format!("GET {url}: HTTP {status} が返されました: {said}"),
            ));
        }
        Ok(body)
    }

    fn get_json<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let body = self.get_text(path)?;
        serde_json::from_str(&body).with_context_tr(|| {
            (
                format!("GET {}{path}: not the expected JSON", self.base),
                format!("GET {}{path}: 想定した JSON ではありません", self.base),
            )
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct KeyEntry {
    verifier: String,
    #[serde(default)]
    valid_from: Option<i64>,
    #[serde(default)]
    not_after: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct KeysResponse {
    keys: Vec<KeyEntry>,
}

#[derive(Debug, Deserialize)]
struct StatusResponse {
    note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    index: u64,
    seq: i64,
    label: String,
    kind: String,
    status: String,
    at: i64,
    #[serde(default)]
    detail: Option<String>,
}

impl Entry {
    fn leaf_hash(&self) -> Hash {
        EventLeaf {
            seq: self.seq,
            label: &self.label,
            kind: &self.kind,
            status: &self.status,
            at: self.at,
            detail: self.detail.as_deref(),
        }
        .hash()
    }
}

#[derive(Debug, Deserialize)]
struct EntriesResponse {
    entries: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct ProofResponse {
    proof: Vec<String>,
}

fn keyring_from(keys: &[KeyEntry]) -> anyhow::Result<Keyring> {
    let mut verifiers = Vec::new();
    for key in keys {
        let mut verifier = NoteVerifier::parse(key.verifier.trim()).with_context_tr(|| {
            (
                format!("not a verifier key: {}", key.verifier.trim()),
                format!("検証鍵ではありません: {}", key.verifier.trim()),
            )
        })?;
        // As the registry reads its own keyring: 0 means "from the start".
        if let Some(from) = key.valid_from.filter(|&from| from > 0) {
            verifier = verifier.valid_from(jiff::Timestamp::from_second(from)?);
        }
        if let Some(until) = key.not_after {
            verifier = verifier.retired_at(jiff::Timestamp::from_second(until)?);
        }
        verifiers.push(verifier);
    }
    if verifiers.is_empty() {
        return Err(localized("no verifier key given", "検証鍵が指定されていません"));
    }
    Ok(Keyring::new(verifiers)?)
}

/// `--pubkey`: a key text, or a file holding key lines or the registry's keys JSON.
fn load_pubkeys(arg: &str) -> anyhow::Result<Vec<KeyEntry>> {
    let path = Path::new(arg);
    let text = if path.is_file() {
        std::fs::read_to_string(path).with_context_tr(|| {
            (
                format!("cannot read the key file {}", path.display()),
                format!("鍵ファイル {} を読めません", path.display()),
            )
        })?
    } else {
        arg.to_owned()
    };
    if text.trim_start().starts_with('{') {
        let keys: KeysResponse = serde_json::from_str(&text).with_context_tr(|| {
            (format!("{arg}: not the registry's keys JSON"), format!("{arg}: 登録簿の鍵の JSON ではありません"))
        })?;
        return Ok(keys.keys);
    }
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| KeyEntry { verifier: line.to_owned(), valid_from: None, not_after: None })
        .collect())
}

fn decode_proof(proof: &ProofResponse) -> Result<Vec<Hash>, String> {
    proof.proof.iter().map(|h| Hash::from_base64(h).map_err(|e| e.to_string())).collect()
}

/// What `tekigo verify` was given.
#[derive(Debug)]
struct Target {
    label: String,
    registry: Option<String>,
    fragment: Option<String>,
}

fn parse_target(text: &str, registry: Option<&str>) -> anyhow::Result<Target> {
    let registry = registry.map(|r| r.trim_end_matches('/').to_owned());
    if !text.contains("://") {
        if !tekigo_registry::rules::is_label_number(text) {
            return Err(localized(
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
        return Err(localized(
            format!("{text}: not a label page URL (…/labels/<number>)"),
            format!("{text}: ラベルのページの URL（…/labels/<番号>）ではありません"),
        ));
    };
    let label = before[at + "/labels/".len()..].trim_end_matches('/').to_owned();
    if !tekigo_registry::rules::is_label_number(&label) {
        return Err(localized(
            format!("{text}: `{label}` is not a label number"),
            format!("{text}: `{label}` はラベル番号ではありません"),
        ));
    }
    Ok(Target { label, registry: registry.or_else(|| Some(before[..at].to_owned())), fragment })
}

fn status_name(status: Status, lang: Lang) -> &'static str {
    match status {
        Status::Valid => tr(lang, "valid", "有効"),
        Status::Expired => tr(lang, "expired", "有効期限切れ"),
        Status::SupportEnded => tr(lang, "support ended", "サポート終了"),
        Status::Suspended => tr(lang, "suspended", "一時停止"),
        Status::Revoked => tr(lang, "revoked", "取消し"),
    }
}

fn statement_json(status: &LabelStatus) -> serde_json::Value {
    serde_json::json!({
        "label": status.label,
        "product": status.product,
        "level": status.level,
        "status": status.status.name(),
        "valid_from": status.valid_from.to_string(),
        "valid_until": status.valid_until.to_string(),
        "issued_at": status.issued_at.to_string(),
        "tree_size": status.tree_size,
        "root": status.root.to_base64(),
    })
}

fn statement_rows(status: &LabelStatus, lang: Lang) -> Vec<(&'static str, String)> {
    vec![
        (tr(lang, "label", "ラベル番号"), status.label.clone()),
        (tr(lang, "product", "製品"), status.product.clone()),
        (tr(lang, "level", "水準"), format!("★{}", status.level)),
        (tr(lang, "status", "状態"), status_name(status.status, lang).to_owned()),
        (tr(lang, "validity", "有効期間"), format!("{} – {}", status.valid_from, status.valid_until)),
        (tr(lang, "issued at", "発行時刻"), status.issued_at.to_string()),
        (tr(lang, "tree size", "ツリーサイズ"), status.tree_size.to_string()),
    ]
}

/// Alerts in the output language, each naming what failed.
struct Alerts {
    lang: Lang,
    list: Vec<String>,
}

impl Alerts {
    fn new(lang: Lang) -> Alerts {
        Alerts { lang, list: Vec::new() }
    }

    fn push(&mut self, en: String, ja: String) {
        self.list.push(match self.lang {
            Lang::En => en,
            Lang::Ja => ja,
        });
    }

    fn write(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let label = tr(self.lang, ALERT.0, ALERT.1);
        for alert in &self.list {
            writeln!(out, "{label}: {alert}")?;
        }
        Ok(())
    }
}

fn open_status(note_text: &str, keyring: &Keyring) -> Result<LabelStatus, String> {
    let note = SignedNote::parse(note_text).map_err(|e| e.to_string())?;
    LabelStatus::open(&note, keyring).map_err(|e| e.to_string())
}

fn open_fragment(fragment: &str, keyring: &Keyring) -> Result<LabelStatus, String> {
    let note = tekigo_translog::decode_from_url(fragment).map_err(|e| e.to_string())?;
    LabelStatus::open(&note, keyring).map_err(|e| e.to_string())
}

/// One checked log entry of the label.
#[derive(Debug, Serialize)]
struct EntryCheck {
    index: u64,
    seq: i64,
    kind: String,
    status: String,
    at: i64,
    verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

pub(crate) fn verify(args: &VerifyArgs, lang: Lang, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let format = table_or_json(args.format.format)?;
    let target = parse_target(&args.target, args.registry.as_deref())?;
    if args.offline {
        return verify_offline(args, &target, format, lang, out);
    }
    let Some(base) = &target.registry else {
        return Err(localized(
            "a label number needs --registry URL (or give the label's URL)",
            "ラベル番号には --registry URL が必要です（またはラベルの URL を指定してください）",
        ));
    };
    let http = Http::new(base);
    let mut alerts = Alerts::new(lang);
    let (keys, keys_source) = match &args.pubkey {
        Some(arg) => (load_pubkeys(arg)?, ("given with --pubkey", "--pubkey で指定")),
        None => {
            let fetched: KeysResponse = http.get_json("/api/v1/log/keys")?;
            (
                fetched.keys,
                (
                    "fetched from the registry itself (trust on first use: this only shows the registry agrees with itself; pin its keys with --pubkey)",
                    "登録簿自身から取得（初回信頼: 登録簿の自己整合しか示しません。--pubkey で鍵を固定してください）",
                ),
            )
        }
    };
    let keyring = keyring_from(&keys)?;
    let number = &target.label;

    // The status first, then the checkpoint: the status's tree is then a prefix of the checkpoint's.
    let status_note: StatusResponse = http.get_json(&format!("/api/v1/labels/{number}/status"))?;
    let current = match open_status(&status_note.note, &keyring) {
        Ok(status) if status.label == *number => Some(status),
        Ok(status) => {
            alerts.push(
                format!("the signed status is about label {}, not {number}", status.label),
                format!("署名付き状態はラベル {} のもので、{number} のものではありません", status.label),
            );
            None
        }
        Err(e) => {
            alerts.push(
                format!("the registry's signed status of {number} does not verify: {e}"),
                format!("登録簿の {number} の署名付き状態を検証できません: {e}"),
            );
            None
        }
    };
    let checkpoint_text = http.get_text("/api/v1/log/checkpoint")?;
    let checkpoint = match SignedNote::parse(&checkpoint_text)
        .and_then(|note| Checkpoint::open(&note, &keyring, Some(jiff::Timestamp::now())))
    {
        Ok(checkpoint) => Some(checkpoint),
        Err(e) => {
            alerts.push(
                format!("the registry's checkpoint (signed tree head) does not verify: {e}"),
                format!("登録簿のチェックポイント（署名付きツリーヘッド）を検証できません: {e}"),
            );
            None
        }
    };

    let mut entries = Vec::new();
    let mut fragment_status = None;
    let mut consistent = Vec::new();
    if let Some(checkpoint) = &checkpoint {
        // The signed status's tree, and the fragment's, must be prefixes of the checkpoint's.
        let mut against = Vec::new();
        if let Some(status) = &current {
            against.push((("the signed status", "署名付き状態"), status.tree_size, status.root));
        }
        if let Some(fragment) = &target.fragment {
            match open_fragment(fragment, &keyring) {
                Ok(status) if status.label == *number => {
                    against.push((("the URL's signed status", "URL の署名付き状態"), status.tree_size, status.root));
                    fragment_status = Some(status);
                }
                Ok(status) => alerts.push(
                    format!("the URL's signed status is about label {}, not {number}", status.label),
                    format!("URL の署名付き状態はラベル {} のもので、{number} のものではありません", status.label),
                ),
                Err(e) => alerts.push(
                    format!("the URL's signed status (#s=...) does not verify: {e}"),
                    format!("URL の署名付き状態（#s=...）を検証できません: {e}"),
                ),
            }
        }
        for ((en, ja), size, root) in against {
            let result = consistency(&http, size, checkpoint.size, &root, &checkpoint.root)?;
            match result {
                Ok(()) => consistent.push(size),
                Err(e) => alerts.push(
                    format!(
                        "{en}'s tree (size {size}) is not consistent with the checkpoint (size {}): consistency proof {size}→{}: {e}",
                        checkpoint.size, checkpoint.size
                    ),
                    format!(
                        "{ja}のツリー（サイズ {size}）がチェックポイント（サイズ {}）と一致しません: 一貫性証明 {size}→{}: {e}",
                        checkpoint.size, checkpoint.size
                    ),
                ),
            }
        }

        let log: EntriesResponse = http.get_json(&format!("/api/v1/labels/{number}/log"))?;
        if log.entries.is_empty() {
            alerts.push(
                format!("the log holds no event of label {number}"),
                format!("ログにラベル {number} のイベントがありません"),
            );
        }
        for entry in log.entries {
            let problem = check_entry(&http, &entry, number, checkpoint)?;
            if let Some(problem) = &problem {
                alerts.push(
                    format!("entry {} (event {}, {}): {}", entry.index, entry.seq, entry.kind, problem.0),
                    format!("エントリー {}（イベント {}、{}）: {}", entry.index, entry.seq, entry.kind, problem.1),
                );
            }
            entries.push(EntryCheck {
                index: entry.index,
                seq: entry.seq,
                kind: entry.kind,
                status: entry.status,
                at: entry.at,
                verified: problem.is_none(),
                problem: problem.map(|p| p.0),
            });
        }
    }

    let code = if !alerts.list.is_empty() {
        ExitCode::from(3)
    } else if current.as_ref().is_some_and(|s| s.status == Status::Valid) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if format == Format::Json {
        write_json(
            out,
            &serde_json::json!({
                "mode": "online",
                "label": number,
                "registry": base,
                "keys": keys_source.0,
                "verified": alerts.list.is_empty(),
                "statement": current.as_ref().map(statement_json),
                "checkpoint": checkpoint.as_ref().map(|c| serde_json::json!({ "size": c.size, "root": c.root.to_base64() })),
                "entries": entries,
                "fragment": fragment_status.as_ref().map(statement_json),
                "consistent_sizes": consistent,
                "alerts": alerts.list,
            }),
        )?;
        return Ok(code);
    }
    writeln!(out, "{} {number} ({base})", tr(lang, "Online check of label", "ラベルのオンライン検証:"))?;
    writeln!(out, "{}: {}", tr(lang, "keys", "鍵"), tr(lang, keys_source.0, keys_source.1))?;
    if let Some(checkpoint) = &checkpoint {
        writeln!(
            out,
            "{}: {} {}, {} {}",
            tr(lang, "checkpoint verified", "チェックポイント検証済み"),
            tr(lang, "size", "サイズ"),
            checkpoint.size,
            tr(lang, "root", "ルート"),
            checkpoint.root.to_base64()
        )?;
    }
    if let Some(status) = &current {
        let mut rows = table(vec![tr(lang, "signed status (now)", "署名付き状態（現在）"), ""]);
        for (name, value) in statement_rows(status, lang) {
            rows.add_row(vec![name.to_owned(), value]);
        }
        writeln!(out, "{rows}")?;
    }
    if let Some(status) = &fragment_status {
        writeln!(
            out,
            "{}: {} ({} {}, {} {})",
            tr(lang, "URL's signed status", "URL の署名付き状態"),
            status_name(status.status, lang),
            tr(lang, "issued at", "発行時刻"),
            status.issued_at,
            tr(lang, "tree size", "ツリーサイズ"),
            status.tree_size
        )?;
    }
    if !entries.is_empty() {
        let mut rows = table(vec![
            tr(lang, "index", "インデックス"),
            tr(lang, "event", "イベント"),
            tr(lang, "kind", "種類"),
            tr(lang, "status", "状態"),
            tr(lang, "at", "時刻"),
            tr(lang, "inclusion proof", "包含証明"),
        ]);
        for entry in &entries {
            let at = jiff::Timestamp::from_second(entry.at).map(|t| t.to_string()).unwrap_or_default();
            rows.add_row(vec![
                entry.index.to_string(),
                entry.seq.to_string(),
                entry.kind.clone(),
                entry.status.clone(),
                at,
                if entry.verified { tr(lang, "verified", "検証済み") } else { tr(lang, "FAILED", "失敗") }.to_owned(),
            ]);
        }
        writeln!(out, "{rows}")?;
    }
    alerts.write(out)?;
    let verdict = if alerts.list.is_empty() {
        match &current {
            Some(s) if s.status == Status::Valid => tr(
                lang,
                "Verified: every entry is in the signed log, and the label is valid.",
                "検証成功: すべてのエントリーが署名付きログに含まれ、ラベルは有効です。",
            ),
            _ => tr(lang, "Verified, but the label is NOT valid.", "検証成功。ただしラベルは有効ではありません。"),
        }
    } else {
        tr(lang, "Verification FAILED (see the alerts above).", "検証失敗（上の警報を参照）。")
    };
    writeln!(out, "{verdict}")?;
    Ok(code)
}

/// A consistency check between two sizes; `Err` outside is the network's, inside the proof's.
fn consistency(
    http: &Http,
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
) -> anyhow::Result<Result<(), String>> {
    if first > second {
        return Ok(Err(format!("size {first} is beyond the checkpoint's {second}: the log shrank")));
    }
    let proof = if first == 0 || first == second {
        Vec::new()
    } else {
        let served: ProofResponse =
            http.get_json(&format!("/api/v1/log/proof/consistency?first={first}&second={second}"))?;
        match decode_proof(&served) {
            Ok(proof) => proof,
            Err(e) => return Ok(Err(e)),
        }
    };
    Ok(verify_consistency(first, second, first_root, second_root, &proof).map_err(|e| e.to_string()))
}

/// Checks one of the label's entries against the checkpoint: `Some((en, ja))` names the problem.
fn check_entry(
    http: &Http,
    entry: &Entry,
    number: &str,
    checkpoint: &Checkpoint,
) -> anyhow::Result<Option<(String, String)>> {
    if entry.label != *number {
        return Ok(Some((
            format!("served as an event of {number} but is about {}", entry.label),
            format!("{number} のイベントとして返されたが {} のもの", entry.label),
        )));
    }
    if entry.index >= checkpoint.size {
        return Ok(Some((
            format!("index beyond the checkpoint's size {}", checkpoint.size),
            format!("インデックスがチェックポイントのサイズ {} を超えています", checkpoint.size),
        )));
    }
    let served: ProofResponse =
        http.get_json(&format!("/api/v1/log/proof/inclusion?index={}&size={}", entry.index, checkpoint.size))?;
    let result = decode_proof(&served).and_then(|proof| {
        verify_inclusion(&entry.leaf_hash(), entry.index, checkpoint.size, &proof, &checkpoint.root)
            .map_err(|e| e.to_string())
    });
    Ok(result.err().map(|e| {
        (
            format!("the inclusion proof against the checkpoint (size {}) fails: the event as served is not what the log committed to ({e})", checkpoint.size),
            format!("チェックポイント（サイズ {}）への包含証明が失敗: 返されたイベントはログが記録したものと異なります（{e}）", checkpoint.size),
        )
    }))
}

fn verify_offline(
    args: &VerifyArgs,
    target: &Target,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let Some(fragment) = &target.fragment else {
        return Err(localized(
            "--offline needs the label's URL with its signed status in the fragment (…/labels/N#s=...); without it there is nothing to check offline",
            "--offline には署名付き状態をフラグメントに持つラベルの URL（…/labels/N#s=...）が必要です。それがなければオフラインで確かめるものがありません",
        ));
    };
    let keys = load_pubkeys(args.pubkey.as_deref().unwrap_or_default())?;
    let keyring = keyring_from(&keys)?;
    let mut alerts = Alerts::new(lang);
    let status = match open_fragment(fragment, &keyring) {
        Ok(status) if status.label == target.label => Some(status),
        Ok(status) => {
            alerts.push(
                format!("the signed status is about label {}, but the URL names {}", status.label, target.label),
                format!("署名付き状態はラベル {} のものですが、URL は {} を指しています", status.label, target.label),
            );
            None
        }
        Err(e) => {
            alerts.push(
                format!("the signed status in the URL (#s=...) does not verify with the given key: {e}"),
                format!("URL の署名付き状態（#s=...）を指定の鍵で検証できません: {e}"),
            );
            None
        }
    };
    let code = match &status {
        _ if !alerts.list.is_empty() => ExitCode::from(3),
        Some(s) if s.status == Status::Valid => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    };
    let caveat = (
        "Offline check: this shows what the registry signed at the issue time above, not the label's status today. Check online for today's status.",
        "オフライン検証: 上の発行時刻に登録簿が署名した内容であり、今日の状態ではありません。今日の状態はオンラインで検証してください。",
    );
    if format == Format::Json {
        write_json(
            out,
            &serde_json::json!({
                "mode": "offline",
                "label": target.label,
                "verified": alerts.list.is_empty(),
                "statement": status.as_ref().map(statement_json),
                "note": caveat.0,
                "alerts": alerts.list,
            }),
        )?;
        return Ok(code);
    }
    if let Some(status) = &status {
        let mut rows = table(vec![tr(lang, "signed status (verified)", "署名付き状態（検証済み）"), ""]);
        for (name, value) in statement_rows(status, lang) {
            rows.add_row(vec![name.to_owned(), value]);
        }
        writeln!(out, "{rows}")?;
    }
    alerts.write(out)?;
    writeln!(out, "{}", tr(lang, caveat.0, caveat.1))?;
    Ok(code)
}

/// The monitor's state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MonitorState {
    format: String,
    registry: String,
    /// The pinned keys.
    keys: Vec<KeyEntry>,
    /// The last verified checkpoint.
    size: u64,
    root: String,
    checkpoint: String,
    /// `tekigo_translog::Frontier` bytes of the verified tree, base64.
    frontier: String,
    /// Unix seconds of the last successful run.
    checked_at: i64,
}

fn read_state(path: &Path) -> anyhow::Result<Option<MonitorState>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let state: MonitorState = serde_json::from_slice(&bytes).with_context_tr(|| {
                (
                    format!("{}: not a tekigo monitor state file", path.display()),
                    format!("{}: tekigo monitor の状態ファイルではありません", path.display()),
                )
            })?;
            if state.format != STATE_FORMAT {
                return Err(localized(
                    format!("{}: unknown state format {:?}", path.display(), state.format),
                    format!("{}: 不明な状態ファイル形式 {:?}", path.display(), state.format),
                ));
            }
            Ok(Some(state))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context_tr(|| {
            (format!("cannot read {}", path.display()), format!("{} を読めません", path.display()))
        }),
    }
}

/// Written beside and renamed: a crash never leaves half a state file.
fn write_state(path: &Path, state: &MonitorState) -> anyhow::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(state)?;
    bytes.push(b'\n');
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "state".into());
    let partial = path.with_file_name(format!(".{name}.partial"));
    std::fs::write(&partial, &bytes).with_context_tr(|| {
        (format!("cannot write {}", partial.display()), format!("{} に書き込めません", partial.display()))
    })?;
    std::fs::rename(&partial, path).with_context_tr(|| {
        (format!("cannot write {}", path.display()), format!("{} に書き込めません", path.display()))
    })?;
    Ok(())
}

pub(crate) fn monitor(args: &MonitorArgs, lang: Lang, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let base = args.url.trim_end_matches('/').to_owned();
    let old = read_state(&args.state)?;
    if let Some(old) = &old
        && old.registry != base
    {
        return Err(localized(
            format!("{} watches {}, not {base}: use one state file per registry", args.state.display(), old.registry),
            format!(
                "{} は {base} ではなく {} を監視しています: 登録簿ごとに状態ファイルを分けてください",
                args.state.display(),
                old.registry
            ),
        ));
    }
    let http = Http::new(&base);
    let mut alerts = Alerts::new(lang);
    let mut said: Vec<String> = Vec::new();

    // Keys: pinned on the first run; later, a new key only while every pinned key is still listed.
    let fetched: KeysResponse = http.get_json("/api/v1/log/keys")?;
    let keys = match &old {
        None => {
            for key in &fetched.keys {
                said.push(match lang {
                    Lang::En => format!(
                        "FIRST RUN: pinned the registry's key {} as fetched from the registry itself (trust on first use; compare it with the key the registry publishes elsewhere)",
                        key.verifier
                    ),
                    Lang::Ja => format!(
                        "初回実行: 登録簿から取得した鍵 {} を固定しました（初回信頼。登録簿が別の経路で公表する鍵と照合してください）",
                        key.verifier
                    ),
                });
            }
            fetched.keys.clone()
        }
        Some(old) => {
            let missing: Vec<&str> = old
                .keys
                .iter()
                .filter(|pinned| !fetched.keys.iter().any(|k| k.verifier == pinned.verifier))
                .map(|k| k.verifier.as_str())
                .collect();
            if missing.is_empty() {
                for key in fetched.keys.iter().filter(|k| !old.keys.iter().any(|p| p.verifier == k.verifier)) {
                    said.push(match lang {
                        Lang::En => {
                            format!("new key accepted (the registry still lists every pinned key): {}", key.verifier)
                        }
                        Lang::Ja => format!(
                            "新しい鍵を受け入れました（固定したすべての鍵がまだ掲載されています）: {}",
                            key.verifier
                        ),
                    });
                }
                fetched.keys.clone()
            } else {
                let missing = missing.join(", ");
                alerts.push(
                    format!("the registry's keyring no longer lists pinned key(s) {missing}: a rotation adds keys, never removes them; no new key accepted"),
                    format!("登録簿の鍵一覧に固定した鍵 {missing} がありません（鍵の更新は追加のみで削除はしません）。新しい鍵は受け入れません"),
                );
                old.keys.clone()
            }
        }
    };
    let keyring = keyring_from(&keys)?;

    let note_text = http.get_text("/api/v1/log/checkpoint")?;
    let checkpoint = match SignedNote::parse(&note_text)
        .and_then(|note| Checkpoint::open(&note, &keyring, Some(jiff::Timestamp::now())))
    {
        Ok(checkpoint) => checkpoint,
        Err(e) => {
            alerts.push(
                format!("the checkpoint (signed tree head) does not verify with the pinned keys: {e}"),
                format!("チェックポイント（署名付きツリーヘッド）を固定した鍵で検証できません: {e}"),
            );
            return finish_monitor(&alerts, &said, None, lang, out);
        }
    };
    let (kept_size, kept_root, kept_frontier) = match &old {
        Some(old) => {
            let root = Hash::from_base64(&old.root).context_tr("the state file's root", "状態ファイルの根ハッシュ")?;
            let bytes = BASE64.decode(&old.frontier).context_tr("the state file's frontier", "状態ファイルの右端")?;
            let frontier = if bytes.is_empty() { Frontier::new() } else { Frontier::from_bytes(&bytes)? };
            if frontier.size() != old.size || frontier.root() != root {
                return Err(localized(
                    format!("{}: the kept right edge does not match the kept checkpoint", args.state.display()),
                    format!("{}: 保存した右端が保存したチェックポイントと一致しません", args.state.display()),
                ));
            }
            (old.size, root, frontier)
        }
        None => (0, empty_root(), Frontier::new()),
    };
    let new_size = checkpoint.size;
    if new_size < kept_size {
        alerts.push(
            format!("history rewritten: the log shrank from {kept_size} entries (verified before) to {new_size}"),
            format!("履歴の書き換え: ログが {kept_size} 件（検証済み）から {new_size} 件に減りました"),
        );
        return finish_monitor(&alerts, &said, None, lang, out);
    }
    if let Err(e) = consistency(&http, kept_size, new_size, &kept_root, &checkpoint.root)? {
        alerts.push(
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
        );
        return finish_monitor(&alerts, &said, None, lang, out);
    }

    // The entries: from the kept right edge, or from scratch with --audit.
    let (from, mut frontier) = if args.audit { (0, Frontier::new()) } else { (kept_size, kept_frontier) };
    let mut fetched_entries: Vec<Entry> = Vec::new();
    let mut expected = from;
    let mut broken = false;
    let mut start = from;
    while start < new_size {
        let end = (start + PAGE).min(new_size);
        let page: EntriesResponse = http.get_json(&format!("/api/v1/log/entries?start={start}&end={end}"))?;
        for entry in page.entries {
            if entry.index < expected || entry.index >= end {
                alerts.push(
                    format!("entry {} served out of order or outside {start}..{end}", entry.index),
                    format!("エントリー {} が順序外または範囲 {start}..{end} の外で返されました", entry.index),
                );
                broken = true;
                continue;
            }
            if entry.index > expected {
                alerts.push(
                    format!("entries {expected}..{} are missing: their events are gone (deleted?)", entry.index),
                    format!("エントリー {expected}..{} がありません: イベントが消えています（削除?）", entry.index),
                );
                broken = true;
            }
            if !broken {
                frontier.append(entry.leaf_hash())?;
            }
            expected = entry.index + 1;
            fetched_entries.push(entry);
        }
        if expected < end {
            alerts.push(
                format!("entries {expected}..{end} are missing: their events are gone (deleted?)"),
                format!("エントリー {expected}..{end} がありません: イベントが消えています（削除?）"),
            );
            broken = true;
            expected = end;
        }
        start = end;
    }
    if !broken && frontier.root() != checkpoint.root {
        broken = true;
        alerts.push(
            format!(
                "entries {from}..{new_size} as served do not hash to the checkpoint's root: an event was changed or reordered"
            ),
            format!("返されたエントリー {from}..{new_size} のハッシュがチェックポイントのルートと一致しません: イベントの変更または並べ替え"),
        );
    }
    if broken {
        // Name the entries: each one's inclusion proof against the checkpoint.
        for entry in &fetched_entries {
            if let Some((en, ja)) = check_entry(&http, entry, &entry.label, &checkpoint)? {
                alerts.push(
                    format!("entry {} (event {}, label {}, {}): {en}", entry.index, entry.seq, entry.label, entry.kind),
                    format!(
                        "エントリー {}（イベント {}、ラベル {}、{}）: {ja}",
                        entry.index, entry.seq, entry.label, entry.kind
                    ),
                );
            }
        }
        return finish_monitor(&alerts, &said, None, lang, out);
    }

    let summary = Summary {
        from: kept_size,
        to: new_size,
        verified: fetched_entries.len(),
        audit: args.audit,
        elapsed_ms: started.elapsed().as_millis(),
    };
    if alerts.list.is_empty() {
        write_state(
            &args.state,
            &MonitorState {
                format: STATE_FORMAT.to_owned(),
                registry: base,
                keys,
                size: new_size,
                root: checkpoint.root.to_base64(),
                checkpoint: note_text,
                frontier: BASE64.encode(frontier.to_bytes()),
                checked_at: jiff::Timestamp::now().as_second(),
            },
        )?;
    }
    finish_monitor(&alerts, &said, Some(summary), lang, out)
}

struct Summary {
    from: u64,
    to: u64,
    verified: usize,
    audit: bool,
    elapsed_ms: u128,
}

fn finish_monitor(
    alerts: &Alerts,
    said: &[String],
    summary: Option<Summary>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    for line in said {
        writeln!(out, "{line}")?;
    }
    if let Some(s) = summary {
        let mode = if s.audit {
            tr(lang, " (audit: every entry rehashed)", "（監査: 全エントリーを再ハッシュ）")
        } else {
            ""
        };
        match lang {
            Lang::En => writeln!(
                out,
                "log ok{mode}: size {} → {}, {} entries verified against the checkpoint's root, {} ms",
                s.from, s.to, s.verified, s.elapsed_ms
            )?,
            Lang::Ja => writeln!(
                out,
                "ログ正常{mode}: サイズ {} → {}、{} 件のエントリーをチェックポイントのルートで検証、{} ms",
                s.from, s.to, s.verified, s.elapsed_ms
            )?,
        }
    }
    alerts.write(out)?;
    if alerts.list.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(out, "{}", tr(lang, "The state file was not updated.", "状態ファイルは更新していません。"))?;
        Ok(ExitCode::from(3))
    }
}
