//! Shared pieces of terminal output: language choice, tables, JSON, errors.

use std::io::Write;
use std::process::ExitCode;

use comfy_table::{ContentArrangement, Table, presets};
use tekigo_criteria::Lang;

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

#[allow(clippy::print_stderr)]
pub(crate) fn report_error(error: &anyhow::Error, lang: Lang) -> ExitCode {
    eprintln!("{}: {error:#}", tr(lang, "error", "エラー"));
    ExitCode::FAILURE
}

/// Commands other than `criteria export` print tables or JSON, not OSCAL.
pub(crate) fn table_or_json(format: Format) -> anyhow::Result<Format> {
    match format {
        Format::Oscal => anyhow::bail!("--format oscal is for `criteria export`; this command takes table or json"),
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
