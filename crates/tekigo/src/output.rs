//! Shared pieces of terminal output: language choice, tables, JSON, errors.

use std::io::Write;
use std::sync::OnceLock;

use comfy_table::{ContentArrangement, Table, presets};
use tekigo_base::Lang;

use crate::cli::Format;

/// Japanese when the locale says so (LC_ALL, then LC_MESSAGES, then LANG), English otherwise.
pub(crate) fn lang_from_environment() -> Lang {
    for variable in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Ok(value) = std::env::var(variable) {
            if value.is_empty() {
                continue;
            }
            return if value.starts_with("ja") { Lang::Ja } else { Lang::En };
        }
    }
    Lang::En
}

/// Picks the text for the output language. Both languages stand side by side at every call site,
/// so neither can be forgotten.
pub(crate) fn tr(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

pub(crate) fn table(header: Vec<&str>) -> Table {
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    // Off a terminal (pipes, files, tests) there is no width to fit: wrap at a fixed one so the
    // output is the same everywhere.
    if !table.is_tty() {
        table.set_width(120);
    }
    table.set_header(header);
    table
}

pub(crate) fn write_json(out: &mut dyn Write, value: &impl serde::Serialize) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// The language of error messages, set once at start: a [`Localized`] message anywhere in an
/// error's chain is displayed in it.
static ERROR_LANGUAGE: OnceLock<Lang> = OnceLock::new();

pub(crate) fn set_error_language(lang: Lang) {
    let _ = ERROR_LANGUAGE.set(lang);
}

/// An error message in both languages; it displays in the language of [`set_error_language`].
/// Made by [`localized`] and the [`LocalizedContext`] methods.
#[derive(Debug)]
pub(crate) struct Localized {
    en: String,
    ja: String,
}

impl std::fmt::Display for Localized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match ERROR_LANGUAGE.get() {
            Some(Lang::Ja) => f.write_str(&self.ja),
            _ => f.write_str(&self.en),
        }
    }
}

impl std::error::Error for Localized {}

/// A new error saying `en` / `ja`.
pub(crate) fn localized(en: impl Into<String>, ja: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Localized { en: en.into(), ja: ja.into() })
}

/// `.context` in both languages.
pub(crate) trait LocalizedContext<T> {
    fn context_tr(self, en: impl Into<String>, ja: impl Into<String>) -> anyhow::Result<T>;
    fn with_context_tr<F: FnOnce() -> (String, String)>(self, f: F) -> anyhow::Result<T>;
}

impl<T, E> LocalizedContext<T> for Result<T, E>
where
    Result<T, E>: anyhow::Context<T, E>,
{
    fn context_tr(self, en: impl Into<String>, ja: impl Into<String>) -> anyhow::Result<T> {
        anyhow::Context::context(self, Localized { en: en.into(), ja: ja.into() })
    }

    fn with_context_tr<F: FnOnce() -> (String, String)>(self, f: F) -> anyhow::Result<T> {
        anyhow::Context::with_context(self, || {
            let (en, ja) = f();
            Localized { en, ja }
        })
    }
}

impl<T> LocalizedContext<T> for Option<T> {
    fn context_tr(self, en: impl Into<String>, ja: impl Into<String>) -> anyhow::Result<T> {
        anyhow::Context::context(self, Localized { en: en.into(), ja: ja.into() })
    }

    fn with_context_tr<F: FnOnce() -> (String, String)>(self, f: F) -> anyhow::Result<T> {
        anyhow::Context::with_context(self, || {
            let (en, ja) = f();
            Localized { en, ja }
        })
    }
}

/// The Japanese for an operating-system error, by its number (`errno`, the same on Linux and
/// macOS for these) or kind; the system's own words follow in parentheses.
fn os_error_ja(code: Option<i32>, kind: Option<std::io::ErrorKind>) -> Option<&'static str> {
    use std::io::ErrorKind;
    Some(match (code, kind) {
        (Some(2), _) | (_, Some(ErrorKind::NotFound)) => "ファイルまたはフォルダが見つかりません",
        (Some(1 | 13), _) | (_, Some(ErrorKind::PermissionDenied)) => "アクセスが許可されていません",
        (Some(17), _) | (_, Some(ErrorKind::AlreadyExists)) => "既に存在します",
        (Some(21), _) | (_, Some(ErrorKind::IsADirectory)) => "フォルダです（ファイルを指定してください）",
        (Some(20), _) | (_, Some(ErrorKind::NotADirectory)) => "フォルダではありません",
        (Some(111), _) | (_, Some(ErrorKind::ConnectionRefused)) => "接続を拒否されました",
        (Some(110), _) | (_, Some(ErrorKind::TimedOut)) => "時間切れです",
        (Some(28), _) | (_, Some(ErrorKind::StorageFull)) => "ディスクに空きがありません",
        (Some(30), _) | (_, Some(ErrorKind::ReadOnlyFilesystem)) => "読み取り専用のファイルシステムです",
        (_, Some(ErrorKind::UnexpectedEof)) => "データが途中で終わっています",
        _ => return None,
    })
}

/// One cause of an error in Japanese: an `io::Error` by its kind, and in any other message
/// (libraries often keep an OS error as text) each `<words> (os error N)` by its number.
fn cause_ja(cause: &(dyn std::error::Error + 'static)) -> String {
    if let Some(io) = cause.downcast_ref::<std::io::Error>()
        && let Some(ja) = os_error_ja(io.raw_os_error(), Some(io.kind()))
    {
        return format!("{ja}（{io}）");
    }
    let mut text = cause.to_string();
    let mut from = 0;
    while let Some(at) = text[from..].find(" (os error ").map(|i| i + from) {
        let digits_at = at + " (os error ".len();
        let Some(close) = text[digits_at..].find(')').map(|i| i + digits_at) else { break };
        let code = text[digits_at..close].parse::<i32>().ok();
        let start = text[..at].rfind(": ").map_or(0, |i| i + 2);
        match os_error_ja(code, None) {
            Some(ja) => {
                let replacement = format!("{ja}（{}）", &text[start..at]);
                from = start + replacement.len();
                text.replace_range(start..=close, &replacement);
            }
            None => from = close,
        }
    }
    text
}

/// Prints the error, every cause after the other, in the output language.
#[allow(clippy::print_stderr)]
pub(crate) fn report_error(error: &anyhow::Error, lang: Lang) {
    let causes: Vec<String> = error
        .chain()
        .map(|cause| match lang {
            Lang::Ja => cause_ja(cause),
            Lang::En => cause.to_string(),
        })
        .collect();
    eprintln!("{}: {}", tr(lang, "error", "エラー"), causes.join(": "));
}

/// The language before the arguments are understood: `--lang ja` / `--lang=ja` among them, then
/// `TEKIGO_LANG`, then the locale.
pub(crate) fn lang_from_arguments() -> Lang {
    let arguments: Vec<String> = std::env::args().collect();
    for (index, argument) in arguments.iter().enumerate() {
        let value = match argument.strip_prefix("--lang=") {
            Some(value) => Some(value),
            None if argument == "--lang" => arguments.get(index + 1).map(String::as_str),
            None => None,
        };
        match value {
            Some("ja") => return Lang::Ja,
            Some("en") => return Lang::En,
            _ => {}
        }
    }
    match std::env::var("TEKIGO_LANG").as_deref() {
        Ok("ja") => Lang::Ja,
        Ok("en") => Lang::En,
        _ => lang_from_environment(),
    }
}

/// clap's own message (English, it names the argument precisely) after a Japanese line saying
/// what kind of mistake it is; `--help` and `--version` print as usual. True when the command line
/// was refused (not a request for help or the version).
#[allow(clippy::print_stderr)]
pub(crate) fn usage_error(error: &clap::Error, lang: Lang) -> bool {
    use clap::error::ErrorKind;
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) || !error.use_stderr() {
        let _ = error.print();
        return false;
    }
    if lang == Lang::Ja {
        let what = match error.kind() {
            ErrorKind::InvalidValue | ErrorKind::ValueValidation => "引数の値が正しくありません",
            ErrorKind::UnknownArgument => "知らない引数があります",
            ErrorKind::InvalidSubcommand => "知らないサブコマンドです",
            ErrorKind::MissingRequiredArgument => "必須の引数がありません",
            ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                "サブコマンドを指定してください"
            }
            ErrorKind::ArgumentConflict => "同時に指定できない引数があります",
            ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
                "引数の値の数が正しくありません"
            }
            _ => "コマンドの使い方に誤りがあります",
        };
        eprintln!("エラー: {what}（詳細は以下、`tekigo --help` で使い方を表示）");
    }
    let _ = error.print();
    true
}

/// Commands other than `criteria export` print tables or JSON, not OSCAL.
pub(crate) fn table_or_json(format: Format) -> anyhow::Result<Format> {
    match format {
        Format::Oscal => Err(localized(
            "--format oscal is for `criteria export`; this command takes table or json",
            "--format oscal は `criteria export` 用です。このコマンドには table か json を指定してください",
        )),
        other => Ok(other),
    }
}

/// The SARIF 2.1.0 log every command that reports findings writes: one run of the tekigo tool
/// with its rules, results and run-level properties.
pub(crate) fn sarif_log(
    rules: Vec<serde_json::Value>,
    results: Vec<serde_json::Value>,
    properties: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "tekigo",
                "informationUri": "https://github.com/tekigo/tekigo",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            } },
            "results": results,
            "properties": properties,
        }],
    })
}

/// The base every relative artifact URI in tekigo's SARIF is resolved against: the folder the
/// command ran in, given in the run's `originalUriBaseIds`.
pub(crate) const SARIF_SRCROOT: &str = "%SRCROOT%";

/// A path's bytes as a URI path: RFC 3986's unreserved characters and `/` kept, every other byte
/// percent-encoded (RFC 8089 file URIs and relative references alike).
fn uri_path(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::new();
    for &byte in path.as_os_str().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// An absolute path as an RFC 8089 `file` URI (`file:///dir/name`), a folder with a closing `/`.
pub(crate) fn file_uri(path: &std::path::Path, folder: bool) -> String {
    let mut uri = format!("file://{}", uri_path(path));
    if folder && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// A SARIF `artifactLocation` for a file named on the command line: an absolute path as a `file`
/// URI; a relative one as a relative URI against [`SARIF_SRCROOT`], with the run's
/// `originalUriBaseIds` entry that says where that is (`cwd`, the folder it is relative to).
pub(crate) fn sarif_artifact_location(
    path: &std::path::Path,
    cwd: &std::path::Path,
) -> (serde_json::Value, Option<serde_json::Value>) {
    if path.is_absolute() {
        return (serde_json::json!({ "uri": file_uri(path, false) }), None);
    }
    let relative: std::path::PathBuf = path.components().filter(|c| *c != std::path::Component::CurDir).collect();
    (
        serde_json::json!({ "uri": uri_path(&relative), "uriBaseId": SARIF_SRCROOT }),
        Some(serde_json::json!({ SARIF_SRCROOT: { "uri": file_uri(cwd, true) } })),
    )
}

/// Diagnostic logs (`tracing`) on stderr, filtered by `TEKIGO_LOG` (the `RUST_LOG` syntax) or else
/// `default_level`. Reports and tables stay on stdout; logs never mix into them.
pub(crate) fn start_logging(format: crate::cli::LogFormat, default_level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TEKIGO_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    // Colours only for a person at a terminal, never into a log file or a collector.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    // A second subscriber (tests running main twice in one process) is not an error worth failing on.
    let _ = match format {
        crate::cli::LogFormat::Text => builder.try_init(),
        crate::cli::LogFormat::Json => builder.json().try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_kept_as_text_read_in_japanese() {
        let error = anyhow::anyhow!("/x/y.json: cannot read: No such file or directory (os error 2)");
        assert_eq!(
            cause_ja(error.as_ref()),
            "/x/y.json: cannot read: ファイルまたはフォルダが見つかりません（No such file or directory）"
        );
        let unknown = anyhow::anyhow!("odd: Something (os error 9999) and more");
        assert_eq!(cause_ja(unknown.as_ref()), "odd: Something (os error 9999) and more");
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(cause_ja(&io).starts_with("アクセスが許可されていません（"));
    }

    #[test]
    fn a_localized_message_displays_in_the_chosen_language() {
        set_error_language(Lang::Ja);
        let error = Err::<(), _>(std::io::Error::from(std::io::ErrorKind::NotFound))
            .context_tr("cannot read the policy", "ポリシーを読めません")
            .unwrap_err();
        assert_eq!(error.to_string(), "ポリシーを読めません");
    }
}
