//! `tekigo log verify` and `tekigo log monitor`: the command line over `tekigo-logclient`, which
//! does the fetching and verifying. This module reads the arguments and the files they name, and
//! prints what the library found.
//!
//! Exit codes (`exit::MEANINGS`), both commands: `Yes` verified (and, for `verify`, valid); `No`
//! `verify` only: verified but the label is not valid; `Undecided` something does not verify (an
//! alert names it); an error for usage or network problems.

use std::io::Write;
use std::path::Path;

use tekigo_base::{Lang, Status, Text};
use tekigo_logclient::wire::{KeyEntry, KeysResponse};
use tekigo_logclient::{ClientError, LogClient, MonitorState, Watch};
use tekigo_translog::LabelStatus;

use crate::cli::{Format, MonitorArgs, VerifyArgs};
use crate::exit::Answer;
use crate::output::{LocalizedContext, localized, table, table_or_json, tr, write_json};

const ALERT: (&str, &str) = ("ALERT", "警報");
/// A key file larger than this is not a key file.
const MAX_KEY_FILE_BYTES: u64 = 1024 * 1024;

/// A library error in the output language.
fn client_error(error: ClientError) -> anyhow::Error {
    let text = error.text();
    localized(text.en, text.ja)
}

fn text_error(text: Text) -> anyhow::Error {
    localized(text.en, text.ja)
}

/// `--pubkey`: a key text, or a file holding key lines or the registry's keys JSON.
fn load_pubkeys(arg: &str) -> anyhow::Result<Vec<KeyEntry>> {
    let path = Path::new(arg);
    let text = if path.is_file() {
        let bytes = tekigo_input::read_regular(path, MAX_KEY_FILE_BYTES, tekigo_input::Links::Follow).with_context_tr(
            || {
                (
                    format!("cannot read the key file {}", path.display()),
                    format!("鍵ファイル {} を読めません", path.display()),
                )
            },
        )?;
        String::from_utf8(bytes).map_err(|_| {
            localized(
                format!("{}: not a text file", path.display()),
                format!("{}: テキストファイルではありません", path.display()),
            )
        })?
    } else {
        arg.to_owned()
    };
    tekigo_logclient::parse_keys(&text).map_err(client_error)
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
        (tr(lang, "status", "状態"), status.status.label().get(lang).to_owned()),
        (tr(lang, "validity", "有効期間"), format!("{} – {}", status.valid_from, status.valid_until)),
        (tr(lang, "issued at", "発行時刻"), status.issued_at.to_string()),
        (tr(lang, "tree size", "ツリーサイズ"), status.tree_size.to_string()),
    ]
}

fn in_lang(texts: &[Text], lang: Lang) -> Vec<String> {
    texts.iter().map(|t| t.get(lang).to_owned()).collect()
}

fn write_alerts(alerts: &[Text], lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    let label = tr(lang, ALERT.0, ALERT.1);
    for alert in alerts {
        writeln!(out, "{label}: {}", alert.get(lang))?;
    }
    Ok(())
}

fn answer(alerts: &[Text], status: Option<&LabelStatus>) -> Answer {
    if !alerts.is_empty() {
        Answer::Undecided
    } else {
        Answer::from_bool(status.is_some_and(|s| s.status == Status::Valid))
    }
}

pub(crate) fn verify(args: &VerifyArgs, lang: Lang, out: &mut dyn Write) -> anyhow::Result<Answer> {
    let format = table_or_json(args.format.format)?;
    let target = tekigo_logclient::parse_target(&args.target, args.registry.as_deref()).map_err(text_error)?;
    if args.offline {
        return verify_offline(args, &target, format, lang, out);
    }
    let Some(base) = &target.registry else {
        return Err(localized(
            "a label number needs --registry URL (or give the label's URL)",
            "ラベル番号には --registry URL が必要です（またはラベルの URL を指定してください）",
        ));
    };
    let client = LogClient::new(base);
    let (keys, keys_source) = match &args.pubkey {
        Some(arg) => (load_pubkeys(arg)?, ("given with --pubkey", "--pubkey で指定")),
        None => {
            let fetched: KeysResponse = client.get_json("/api/v1/log/keys").map_err(client_error)?;
            (
                fetched.keys,
                (
                    "fetched from the registry itself (trust on first use: this only shows the registry agrees with itself; pin its keys with --pubkey)",
                    "登録簿自身から取得（初回信頼: 登録簿の自己整合しか示しません。--pubkey で鍵を固定してください）",
                ),
            )
        }
    };
    let keyring = tekigo_logclient::keyring_from(&keys).map_err(client_error)?;
    let number = &target.label;
    let check =
        tekigo_logclient::verify_online(&client, number, &keyring, target.fragment.as_deref()).map_err(client_error)?;
    let code = answer(&check.alerts, check.current.as_ref());
    if format == Format::Json {
        write_json(
            out,
            &serde_json::json!({
                "mode": "online",
                "label": number,
                "registry": base,
                "keys": keys_source.0,
                "verified": check.alerts.is_empty(),
                "statement": check.current.as_ref().map(statement_json),
                "checkpoint": check.checkpoint.as_ref().map(|c| serde_json::json!({ "size": c.size, "root": c.root.to_base64() })),
                "entries": check.entries,
                "fragment": check.fragment_status.as_ref().map(statement_json),
                "consistent_sizes": check.consistent_sizes,
                "alerts": in_lang(&check.alerts, lang),
            }),
        )?;
        return Ok(code);
    }
    writeln!(out, "{} {number} ({base})", tr(lang, "Online check of label", "ラベルのオンライン検証:"))?;
    writeln!(out, "{}: {}", tr(lang, "keys", "鍵"), tr(lang, keys_source.0, keys_source.1))?;
    if let Some(checkpoint) = &check.checkpoint {
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
    if let Some(status) = &check.current {
        let mut rows = table(vec![tr(lang, "signed status (now)", "署名付き状態（現在）"), ""]);
        for (name, value) in statement_rows(status, lang) {
            rows.add_row(vec![name.to_owned(), value]);
        }
        writeln!(out, "{rows}")?;
    }
    if let Some(status) = &check.fragment_status {
        writeln!(
            out,
            "{}: {} ({} {}, {} {})",
            tr(lang, "URL's signed status", "URL の署名付き状態"),
            status.status.label().get(lang),
            tr(lang, "issued at", "発行時刻"),
            status.issued_at,
            tr(lang, "tree size", "ツリーサイズ"),
            status.tree_size
        )?;
    }
    if !check.entries.is_empty() {
        let mut rows = table(vec![
            tr(lang, "index", "インデックス"),
            tr(lang, "event", "イベント"),
            tr(lang, "kind", "種類"),
            tr(lang, "status", "状態"),
            tr(lang, "at", "時刻"),
            tr(lang, "inclusion proof", "包含証明"),
        ]);
        for entry in &check.entries {
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
    write_alerts(&check.alerts, lang, out)?;
    let verdict = match code {
        Answer::Yes => tr(
            lang,
            "Verified: every entry is in the signed log, and the label is valid.",
            "検証成功: すべてのエントリーが署名付きログに含まれ、ラベルは有効です。",
        ),
        Answer::No => tr(lang, "Verified, but the label is NOT valid.", "検証成功。ただしラベルは有効ではありません。"),
        Answer::Undecided => tr(lang, "Verification FAILED (see the alerts above).", "検証失敗（上の警報を参照）。"),
    };
    writeln!(out, "{verdict}")?;
    Ok(code)
}

fn verify_offline(
    args: &VerifyArgs,
    target: &tekigo_logclient::Target,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Answer> {
    let Some(fragment) = &target.fragment else {
        return Err(localized(
            "--offline needs the label's URL with its signed status in the fragment (…/labels/N#s=...); without it there is nothing to check offline",
            "--offline には署名付き状態をフラグメントに持つラベルの URL（…/labels/N#s=...）が必要です。それがなければオフラインで確かめるものがありません",
        ));
    };
    let keys = load_pubkeys(args.pubkey.as_deref().unwrap_or_default())?;
    let keyring = tekigo_logclient::keyring_from(&keys).map_err(client_error)?;
    let check = tekigo_logclient::verify_offline(&target.label, fragment, &keyring);
    let code = answer(&check.alerts, check.status.as_ref());
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
                "verified": check.alerts.is_empty(),
                "statement": check.status.as_ref().map(statement_json),
                "note": caveat.0,
                "alerts": in_lang(&check.alerts, lang),
            }),
        )?;
        return Ok(code);
    }
    if let Some(status) = &check.status {
        let mut rows = table(vec![tr(lang, "signed status (verified)", "署名付き状態（検証済み）"), ""]);
        for (name, value) in statement_rows(status, lang) {
            rows.add_row(vec![name.to_owned(), value]);
        }
        writeln!(out, "{rows}")?;
    }
    write_alerts(&check.alerts, lang, out)?;
    writeln!(out, "{}", tr(lang, caveat.0, caveat.1))?;
    Ok(code)
}

/// The most a state file may weigh: it holds keys, one checkpoint and one right edge.
const MAX_STATE_BYTES: u64 = 1024 * 1024;

fn read_state(path: &Path) -> anyhow::Result<Option<MonitorState>> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = tekigo_input::read_regular(path, MAX_STATE_BYTES, tekigo_input::Links::Follow)
        .with_context_tr(|| (format!("cannot read {}", path.display()), format!("{} を読めません", path.display())))?;
    let state = MonitorState::from_json(&bytes).map_err(client_error).with_context_tr(|| {
        (
            format!("{}: not a tekigo log monitor state file", path.display()),
            format!("{}: tekigo log monitor の状態ファイルではありません", path.display()),
        )
    })?;
    Ok(Some(state))
}

/// Written beside and renamed: a crash never leaves half a state file.
fn write_state(path: &Path, state: &MonitorState) -> anyhow::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "state".into());
    let partial = path.with_file_name(format!(".{name}.partial"));
    std::fs::write(&partial, state.to_json()).with_context_tr(|| {
        (format!("cannot write {}", partial.display()), format!("{} に書き込めません", partial.display()))
    })?;
    std::fs::rename(&partial, path).with_context_tr(|| {
        (format!("cannot write {}", path.display()), format!("{} に書き込めません", path.display()))
    })?;
    Ok(())
}

pub(crate) fn monitor(args: &MonitorArgs, lang: Lang, out: &mut dyn Write) -> anyhow::Result<Answer> {
    let kept = read_state(&args.state)?;
    let client = LogClient::new(&args.url);
    let watch = tekigo_logclient::watch(&client, kept.as_ref(), args.audit)
        .map_err(client_error)
        .with_context_tr(|| (format!("{}", args.state.display()), format!("{}", args.state.display())))?;
    if let Some(state) = &watch.new_state {
        write_state(&args.state, state)?;
    }
    finish_monitor(&watch, lang, out)
}

fn finish_monitor(watch: &Watch, lang: Lang, out: &mut dyn Write) -> anyhow::Result<Answer> {
    for line in &watch.notices {
        writeln!(out, "{}", line.get(lang))?;
    }
    if let Some(s) = &watch.summary {
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
    write_alerts(&watch.alerts, lang, out)?;
    if watch.alerts.is_empty() {
        Ok(Answer::Yes)
    } else {
        writeln!(out, "{}", tr(lang, "The state file was not updated.", "状態ファイルは更新していません。"))?;
        Ok(Answer::Undecided)
    }
}
