//! Writing a declaration folder: the signed JSON and the files issued with it, fixed by their
//! hashes inside the signed document. The folder appears whole or not at all.

use std::fs;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use tekigo_base::{Lang, Text};
use tekigo_criteria::Catalog;

use crate::declaration::{Attachment, Declaration, EvidenceKind, Signature};
use crate::folder::{EVIDENCE_DIR, sha256_hex};
use crate::keys::key_id;
use crate::sign::{self, ALGORITHM, CANONICALIZATION, SignatureError};

pub const DECLARATION_FILE: &str = "declaration.json";

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{0}: holds a declaration already; choose another --out (a signed declaration is never overwritten)")]
    Exists(PathBuf),
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("nothing to sign with: a declaration is signed by the vendor, the evaluator, or both")]
    NoKey,
    #[error("{path}: {message}")]
    Countersign { path: PathBuf, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PublishError + '_ {
    move |error| PublishError::Io { path: path.to_owned(), error }
}

/// A file issued with a declaration: its name, media type and bytes.
type IssuedFile = (String, &'static str, Vec<u8>);

/// A JSON document as the files of a declaration folder hold it.
fn json_bytes(value: &serde_json::Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The files of a declaration folder besides `declaration.json`. The OSCAL documents reference
/// each other by file name: the assessment results import the plan, and both name the level's
/// profile, which imports its catalogs; all of them are issued here, so every reference resolves
/// inside the folder.
fn rendered(declaration: &Declaration, catalog: &Catalog) -> Result<Vec<IssuedFile>, PublishError> {
    let mut files = vec![
        (
            "declaration.oscal-ar.json".to_owned(),
            "application/json",
            json_bytes(&crate::oscal::assessment_results(declaration, Lang::En)),
        ),
        (
            crate::oscal::ASSESSMENT_PLAN_FILE.to_owned(),
            "application/json",
            json_bytes(&crate::oscal::assessment_plan(declaration, Lang::En)),
        ),
    ];
    files.extend(
        crate::oscal::criteria_documents(declaration, catalog, Lang::En)
            .into_iter()
            .map(|document| (document.file_name, "application/json", json_bytes(&document.json))),
    );
    files.extend([
        (
            "checklist.xlsx".to_owned(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            crate::render::xlsx::xlsx(declaration)?,
        ),
        ("declaration.ja.html".to_owned(), "text/html", crate::render::html::html(declaration, Lang::Ja).into_bytes()),
        ("declaration.en.html".to_owned(), "text/html", crate::render::html::html(declaration, Lang::En).into_bytes()),
    ]);
    Ok(files)
}

/// Renders, fixes every file by its hash, signs, and moves the finished folder into place.
/// `assessment_dir` is where the SBOM named as evidence is copied from, so that the registry
/// receives exactly the SBOM the declaration names. `catalog` is the one the declaration was
/// evaluated against: its OSCAL profile and catalogs are issued with it. `key` is the vendor's;
/// a lab issues its evaluation report with `evaluator_key` alone, and the vendor adds theirs
/// with [`countersign`].
pub fn publish(
    mut declaration: Declaration,
    catalog: &Catalog,
    key: Option<&SigningKey>,
    evaluator_key: Option<&SigningKey>,
    out: &Path,
    assessment_dir: &Path,
) -> Result<(Declaration, Vec<PathBuf>), PublishError> {
    let Some(first_key) = key.or(evaluator_key) else { return Err(PublishError::NoKey) };
    if out.join(DECLARATION_FILE).exists() || (out.exists() && fs::read_dir(out).map_err(io(out))?.next().is_some()) {
        return Err(PublishError::Exists(out.to_owned()));
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io(parent))?;
    let staging = parent.join(format!(
        ".{}.incoming-{}",
        out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).map_err(io(&staging))?;
    let result = (|| {
        // The readable documents name the key that signs them; the value comes last.
        declaration.signature = Some(Signature {
            algorithm: ALGORITHM.to_owned(),
            canonicalization: CANONICALIZATION.to_owned(),
            key_id: key_id(&first_key.verifying_key()),
            public_key: String::new(),
            value: String::new(),
        });
        let mut files = rendered(&declaration, catalog)?;
        if let Some(sbom) = declaration.evidence.iter().rev().find(|e| e.kind == EvidenceKind::Sbom) {
            let source = assessment_dir.join(EVIDENCE_DIR).join(&sbom.location);
            let bytes = fs::read(&source).map_err(io(&source))?;
            files.push((format!("sbom-{}", sbom.location), "application/octet-stream", bytes));
        }
        declaration.attachments.clear();
        for (name, media_type, bytes) in &files {
            let path = staging.join(name);
            fs::write(&path, bytes).map_err(io(&path))?;
            declaration.attachments.push(Attachment {
                name: name.clone(),
                media_type: (*media_type).to_owned(),
                sha256: sha256_hex(bytes),
                size: bytes.len() as u64,
            });
        }
        // The evaluator co-signs the same content as the vendor (see `sign::signed_bytes`).
        if let Some(evaluator_key) = evaluator_key {
            sign::sign_as_evaluator(&mut declaration, evaluator_key)?;
        }
        match key {
            Some(key) => sign::sign(&mut declaration, key)?,
            None => declaration.signature = None,
        }
        let mut json = serde_json::to_vec_pretty(&declaration).unwrap_or_default();
        json.push(b'\n');
        let path = staging.join(DECLARATION_FILE);
        fs::write(&path, json).map_err(io(&path))?;
        if out.exists() {
            fs::remove_dir(out).map_err(io(out))?;
        }
        fs::rename(&staging, out).map_err(io(out))?;
        let mut written = vec![out.join(DECLARATION_FILE)];
        written.extend(files.iter().map(|(name, _, _)| out.join(name)));
        Ok(written)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result.map(|written| (declaration, written))
}

/// The vendor signs a lab's evaluation report issued without their signature: the document is
/// read as issued (the lab's signature must verify and the vendor must not have signed yet),
/// signed over the same content, and written back by rename, so a crash leaves the report as it
/// was. Returns the signed declaration.
pub fn countersign(dir: &Path, key: &SigningKey) -> Result<Declaration, PublishError> {
    let path = dir.join(DECLARATION_FILE);
    let refuse = |message: String| PublishError::Countersign { path: path.clone(), message };
    let bytes = crate::input::read_regular(&path, crate::input::MAX_DECLARATION_BYTES, tekigo_input::Links::Refuse)
        .map_err(|error| refuse(error.text().en.clone()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|error| refuse(format!("not JSON: {error}")))?;
    let mut declaration: Declaration =
        serde_json::from_value(value.clone()).map_err(|error| refuse(format!("not a tekigo declaration: {error}")))?;
    if declaration.signature.is_some() {
        return Err(refuse("the vendor has signed this declaration already".to_owned()));
    }
    if declaration.evaluator.is_none() {
        return Err(refuse(
            "only an evaluator's or lab's report is countersigned; this one names no evaluator".to_owned(),
        ));
    }
    let lab_key = sign::embedded_key(&value, sign::Signer::Evaluator)
        .ok_or_else(|| refuse("the evaluator's signature is missing or names no readable key".to_owned()))?;
    sign::verify_signer(&value, sign::Signer::Evaluator, &lab_key)
        .map_err(|error| refuse(format!("the evaluator's signature does not verify: {error}")))?;
    sign::sign(&mut declaration, key)?;
    let mut json = serde_json::to_vec_pretty(&declaration).unwrap_or_default();
    json.push(b'\n');
    let staging = dir.join(format!(".{DECLARATION_FILE}.countersigned-{}", std::process::id()));
    fs::write(&staging, &json).map_err(io(&staging))?;
    fs::rename(&staging, &path).map_err(io(&path))?;
    Ok(declaration)
}

/// The issued files next to a declaration: changed ones are problems; missing ones are listed
/// apart (a declaration may travel alone).
pub fn attachment_problems(declaration: &Declaration, dir: &Path) -> (Vec<Text>, Vec<String>) {
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    for attachment in &declaration.attachments {
        if attachment.name.contains('/') || attachment.name.contains('\\') || attachment.name.starts_with('.') {
            problems.push(Text::new(
                format!("attachment name `{}` is not a plain file name", attachment.name),
                format!("添付ファイル名 `{}` が単純なファイル名ではありません", attachment.name),
            ));
            continue;
        }
        match crate::input::sha256_regular(&dir.join(&attachment.name), crate::input::MAX_ATTACHMENT_BYTES) {
            Ok(digest) if digest == attachment.sha256 => {}
            Ok(_) => problems.push(Text::new(
                format!("{}: changed after signing (SHA-256 differs)", attachment.name),
                format!("{}: 署名後に変更されています（SHA-256 が一致しません）", attachment.name),
            )),
            Err(error) if error.is_not_found() => missing.push(attachment.name.clone()),
            // A link, FIFO or device in its place, or a file past the limit, is not a file
            // that was issued: a problem, not merely absent.
            Err(error) => problems.push(error.text()),
        }
    }
    (problems, missing)
}
