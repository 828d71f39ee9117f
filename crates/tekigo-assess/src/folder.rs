//! The assessment folder: what `tekigo assess init` creates and every other `assess` command reads
//! and updates.
//!
//! Why this file is long: it owns the folder's whole file format (create, read, validate, update),
//! so that the files and their checks change together.
//!
//! ```text
//! DIR/assessment.toml   scheme, level, criteria version, product facts, declarant
//! DIR/answers.toml      one table per evaluation item (edited by hand or by `assess answer`)
//! DIR/evidence.toml     the evidence register: ID, kind, file or URL, SHA-256
//! DIR/evidence/         evidence files, named by the start of their SHA-256
//! DIR/checklist.en.md   every requirement with its guidance, in English
//! DIR/checklist.ja.md   the same in Japanese
//! ```
//!
//! Every write goes to a temporary file that is renamed over the old one, so an interrupted
//! command leaves the folder as it was.

use std::fs::{self, File};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tekigo_base::{Lang, Text};
use tekigo_criteria::Catalog;

use crate::automated::{self, ProbeReport, ReportError, SbomCheckReport};
use crate::checklist::{answers_template, checklist_markdown};
use crate::declaration::{
    Answer, Counts, DecidedBy, Declarant, Deemed, EvidenceKind, EvidenceRecord, Product, RequirementResult,
    VulnerabilityResult,
};
use crate::evaluate::{self, Answers, ItemAnswer, items_of};
use crate::keys::hex;
use crate::scope::{Scope, ScopeError, scope};

pub const FORMAT: &str = "tekigo-assessment/1";
pub const ASSESSMENT_FILE: &str = "assessment.toml";
pub const ANSWERS_FILE: &str = "answers.toml";
pub const EVIDENCE_FILE: &str = "evidence.toml";
pub const EVIDENCE_DIR: &str = "evidence";
/// Evidence is documents and reports, not firmware images.
pub const MAX_EVIDENCE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{0}: exists and is not empty; `assess init` starts a new assessment in a new folder")]
    NotEmpty(PathBuf),
    #[error("{0}: not an assessment folder (no {ASSESSMENT_FILE}); create one with `tekigo assess init`")]
    NotAnAssessment(PathBuf),
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("{path}: {size} bytes; evidence files are limited to {MAX_EVIDENCE_BYTES} bytes")]
    TooLarge { path: PathBuf, size: u64 },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FolderError + '_ {
    move |error| FolderError::Io { path: path.to_owned(), error }
}

fn invalid(path: &Path, message: impl Into<String>) -> FolderError {
    FolderError::Invalid { path: path.to_owned(), message: message.into() }
}

/// `assessment.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentFile {
    pub format: String,
    pub scheme: String,
    pub scheme_version: String,
    pub level: String,
    /// RFC 3339.
    pub created: String,
    /// The assessment folder whose answers pre-filled this one, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefilled_from: Option<String>,
    pub product: Product,
    #[serde(default)]
    pub declarant: Declarant,
    /// Compliance statements under schemes the certification body recognises: the
    /// requirements the catalog deems met by them are decided with that evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deemed: Vec<DeemedBy>,
    /// Set by `tekigo evaluate init`: the folder is an accredited lab's evaluation of the
    /// product (★3/★4), and its report names this lab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<LabEngagement>,
}

/// The lab that evaluates the product, as its report will name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabEngagement {
    /// The lab's name, as the certification body's register holds it.
    pub lab: String,
    /// The lab's evaluator in charge, who signs for the lab.
    pub lead_evaluator: String,
    pub accreditation: crate::declaration::Accreditation,
}

/// A compliance statement under a recognised scheme (`assess init --deemed uk-psti=FILE|URL`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeemedBy {
    /// The recognised scheme's catalog ID.
    pub scheme: String,
    /// The evidence ID of the statement.
    pub evidence: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceFile {
    #[serde(default)]
    evidence: Vec<EvidenceRecord>,
}

/// Where a piece of evidence comes from.
#[derive(Debug, Clone)]
pub enum EvidenceSource {
    File(PathBuf),
    Url(String),
    /// A place in a document, in words.
    Reference(String),
}

impl EvidenceSource {
    /// Reads what a person wrote: a URL, an existing file (relative to `base`), or else words.
    pub fn parse(text: &str, base: &Path) -> EvidenceSource {
        let text = text.trim();
        if text.starts_with("https://") || text.starts_with("http://") {
            return EvidenceSource::Url(text.to_owned());
        }
        let path = base.join(text);
        if path.is_file() { EvidenceSource::File(path) } else { EvidenceSource::Reference(text.to_owned()) }
    }
}

#[derive(Debug, Clone)]
pub struct Assessment {
    pub dir: PathBuf,
    pub file: AssessmentFile,
    pub answers: Answers,
    pub evidence: Vec<EvidenceRecord>,
}

/// An assessment's verdicts as they stand.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub requirements: Vec<RequirementResult>,
    pub vulnerabilities: Option<VulnerabilityResult>,
    pub counts: Counts,
    pub conformant: bool,
    /// Product facts still missing or wrong.
    pub fact_gaps: Vec<Text>,
    /// The requirements decided by a recognised scheme's compliance statement.
    pub deemed: Vec<Deemed>,
}

impl Evaluation {
    /// Nothing left to answer and nothing wrong with the facts.
    pub fn complete(&self) -> bool {
        self.counts.pending == 0
            && self.fact_gaps.is_empty()
            && self.vulnerabilities.as_ref().is_none_or(|v| v.verdict != crate::declaration::Verdict::Pending)
    }
}

fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), FolderError> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io(path))
}

fn read_text(path: &Path) -> Result<String, FolderError> {
    fs::read_to_string(path).map_err(io(path))
}

fn parse_toml<T: for<'de> Deserialize<'de>>(path: &Path, text: &str) -> Result<T, FolderError> {
    toml::from_str(text).map_err(|error| {
        let location = error
            .span()
            .map(|span| {
                let line = text[..span.start].matches('\n').count() + 1;
                let column = span.start - text[..span.start].rfind('\n').map_or(0, |i| i + 1) + 1;
                format!(":{line}:{column}")
            })
            .unwrap_or_default();
        FolderError::Invalid {
            path: PathBuf::from(format!("{}{location}", path.display())),
            message: error.message().to_owned(),
        }
    })
}

/// The line in `text` where `needle` first appears, for errors about a key.
fn line_of(text: &str, needle: &str) -> String {
    text.find(needle).map(|at| format!(":{}", text[..at].matches('\n').count() + 1)).unwrap_or_default()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Creates the folder for a new assessment; refuses a folder that holds anything.
pub fn init(
    dir: &Path,
    catalog: &Catalog,
    scheme_id: &str,
    level_id: &str,
    product: Product,
    now: &str,
) -> Result<Assessment, FolderError> {
    let scope = scope(catalog, scheme_id, level_id, product.product_type.as_deref())?;
    if let Some(product_type) = &product.product_type
        && !catalog.schemes.iter().any(|s| s.product_types.iter().any(|t| &t.id == product_type))
    {
        let known: Vec<&str> = catalog.schemes.iter().flat_map(|s| &s.product_types).map(|t| t.id.as_str()).collect();
        return Err(invalid(dir, format!("unknown product type `{product_type}` (known: {})", known.join(", "))));
    }
    if dir.exists() && fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
        return Err(FolderError::NotEmpty(dir.to_owned()));
    }
    fs::create_dir_all(dir.join(EVIDENCE_DIR)).map_err(io(dir))?;
    let file = AssessmentFile {
        format: FORMAT.to_owned(),
        scheme: scope.scheme.id.clone(),
        scheme_version: scope.scheme.version.clone(),
        level: scope.level.id.clone(),
        created: now.to_owned(),
        prefilled_from: None,
        product,
        declarant: Declarant::default(),
        deemed: Vec::new(),
        evaluation: None,
    };
    let assessment = Assessment { dir: dir.to_owned(), file, answers: Answers::default(), evidence: Vec::new() };
    assessment.write_assessment_file()?;
    atomic_write(&dir.join(ANSWERS_FILE), answers_template(&scope).as_bytes())?;
    atomic_write(
        &dir.join(EVIDENCE_FILE),
        b"# The evidence register: written by `tekigo assess evidence` and `tekigo assess import`.\n",
    )?;
    for lang in Lang::ALL {
        atomic_write(&dir.join(format!("checklist.{}.md", lang.code())), checklist_markdown(&scope, lang).as_bytes())?;
    }
    Ok(assessment)
}

impl Assessment {
    /// Reads the folder and checks it against the catalog: the criteria version, every answered
    /// requirement and item, every evidence ID, and every evidence file's hash.
    pub fn load(dir: &Path, catalog: &Catalog) -> Result<Assessment, FolderError> {
        let assessment_path = dir.join(ASSESSMENT_FILE);
        if !assessment_path.is_file() {
            return Err(FolderError::NotAnAssessment(dir.to_owned()));
        }
        let file: AssessmentFile = parse_toml(&assessment_path, &read_text(&assessment_path)?)?;
        if file.format != FORMAT {
            return Err(invalid(&assessment_path, format!("format `{}`; this tekigo reads `{FORMAT}`", file.format)));
        }
        let scope = scope(catalog, &file.scheme, &file.level, file.product.product_type.as_deref())?;
        if scope.scheme.version != file.scheme_version {
            return Err(invalid(
                &assessment_path,
                format!(
                    "made against {} version {}, this tekigo's catalog has version {}; pass --criteria with the older catalog",
                    file.scheme, file.scheme_version, scope.scheme.version
                ),
            ));
        }
        let evidence_path = dir.join(EVIDENCE_FILE);
        let evidence = if evidence_path.exists() {
            parse_toml::<EvidenceFile>(&evidence_path, &read_text(&evidence_path)?)?.evidence
        } else {
            Vec::new()
        };
        let answers_path = dir.join(ANSWERS_FILE);
        let answers_text = read_text(&answers_path)?;
        let answers: Answers = parse_toml(&answers_path, &answers_text)?;
        let assessment = Assessment { dir: dir.to_owned(), file, answers, evidence };
        assessment.check_answers(&scope, &answers_path, &answers_text, &assessment.answers)?;
        assessment.check_evidence_files()?;
        Ok(assessment)
    }

    pub fn scope<'c>(&self, catalog: &'c Catalog) -> Result<Scope<'c>, FolderError> {
        Ok(scope(catalog, &self.file.scheme, &self.file.level, self.file.product.product_type.as_deref())?)
    }

    fn check_answers(&self, scope: &Scope<'_>, path: &Path, text: &str, answers: &Answers) -> Result<(), FolderError> {
        for (id, answer) in &answers.requirements {
            let Some(requirement) = scope.requirement(id) else {
                return Err(invalid(
                    Path::new(&format!("{}{}", path.display(), line_of(text, &format!("\"{id}\"")))),
                    format!("unknown requirement `{id}` ({} has {})", scope.selector(), scope.ids()),
                ));
            };
            let items = items_of(requirement);
            for (item_id, item) in &answer.items {
                if !items.iter().any(|i| &i.id == item_id) {
                    let known: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
                    return Err(invalid(
                        Path::new(&format!("{}{}", path.display(), line_of(text, &format!("\"{id}\"")))),
                        format!("{id} has no evaluation item `{item_id}` (items: {})", known.join(", ")),
                    ));
                }
                self.check_evidence_ids(path, text, &format!("{id} item {item_id}"), &item.evidence)?;
            }
        }
        if let Some(answer) = &answers.vulnerabilities {
            self.check_evidence_ids(path, text, "vulnerabilities", &answer.evidence)?;
        }
        Ok(())
    }

    fn check_evidence_ids(&self, path: &Path, text: &str, what: &str, ids: &[String]) -> Result<(), FolderError> {
        for id in ids {
            if !self.evidence.iter().any(|e| &e.id == id) {
                return Err(invalid(
                    Path::new(&format!("{}{}", path.display(), line_of(text, &format!("\"{id}\"")))),
                    format!(
                        "{what}: evidence `{id}` is not in {EVIDENCE_FILE}; name evidence by its ID, or pass URLs and \
                         files through `tekigo assess answer DIR --answers FILE`, which registers them"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// An evidence file that changed after it was registered no longer proves what it did.
    fn check_evidence_files(&self) -> Result<(), FolderError> {
        for record in self.evidence.iter().filter(|e| e.kind.is_file()) {
            let path = self.dir.join(EVIDENCE_DIR).join(&record.location);
            let bytes = fs::read(&path).map_err(io(&path))?;
            let actual = sha256_hex(&bytes);
            if record.sha256.as_deref() != Some(actual.as_str()) {
                return Err(invalid(
                    &path,
                    format!(
                        "evidence {} changed after it was added (SHA-256 now {actual}); add the new version as new evidence",
                        record.id
                    ),
                ));
            }
        }
        Ok(())
    }

    fn write_assessment_file(&self) -> Result<(), FolderError> {
        let path = self.dir.join(ASSESSMENT_FILE);
        let body = toml::to_string_pretty(&self.file).map_err(|error| invalid(&path, error.to_string()))?;
        let text = format!(
            "# tekigo assessment: the scope and the product's facts. Edit the facts here.\n\
             # 評価の範囲と製品情報です。製品情報はここで編集できます。\n\n{body}"
        );
        atomic_write(&path, text.as_bytes())
    }

    pub fn save_facts(&self) -> Result<(), FolderError> {
        self.write_assessment_file()
    }

    fn write_evidence_file(&self) -> Result<(), FolderError> {
        let path = self.dir.join(EVIDENCE_FILE);
        let body = toml::to_string_pretty(&EvidenceFile { evidence: self.evidence.clone() })
            .map_err(|error| invalid(&path, error.to_string()))?;
        let text = format!(
            "# The evidence register: written by `tekigo assess evidence` and `tekigo assess import`.\n\
             # Files are kept in evidence/ and fixed by their SHA-256.\n\n{body}"
        );
        atomic_write(&path, text.as_bytes())
    }

    /// Writes the answers back into `answers.toml`, keeping its comments and layout.
    pub fn save_answers(&self) -> Result<(), FolderError> {
        let path = self.dir.join(ANSWERS_FILE);
        let text = read_text(&path)?;
        let mut doc: toml_edit::DocumentMut =
            text.parse().map_err(|error: toml_edit::TomlError| invalid(&path, error.message().to_owned()))?;
        for (id, answer) in &self.answers.requirements {
            let table = &mut doc["requirements"][id.as_str()];
            match &answer.not_applicable {
                Some(reason) => table["not_applicable"] = toml_edit::value(reason.as_str()),
                None => {
                    if let Some(table) = table.as_table_like_mut() {
                        table.remove("not_applicable");
                    }
                }
            }
            for (item_id, item) in &answer.items {
                write_item(&mut table["items"][item_id.as_str()], item);
            }
        }
        if let Some(vulnerabilities) = &self.answers.vulnerabilities {
            write_item(&mut doc["vulnerabilities"], vulnerabilities);
        }
        atomic_write(&path, doc.to_string().as_bytes())
    }

    /// Registers a piece of evidence (a file is copied into `evidence/`), or finds it registered
    /// already (same SHA-256, same URL, same words); returns its ID.
    pub fn add_evidence(
        &mut self,
        kind: EvidenceKind,
        source: &EvidenceSource,
        description: Option<String>,
        now: &str,
    ) -> Result<String, FolderError> {
        let (location, sha256, size) = match source {
            EvidenceSource::File(path) => {
                let (name, sha256, size) = self.store_file(path)?;
                (name, Some(sha256), Some(size))
            }
            EvidenceSource::Url(url) => (url.clone(), None, None),
            EvidenceSource::Reference(words) => (words.clone(), None, None),
        };
        let kind = match (kind, source) {
            (EvidenceKind::File, EvidenceSource::Url(_)) => EvidenceKind::Url,
            (EvidenceKind::File, EvidenceSource::Reference(_)) => EvidenceKind::Reference,
            (kind, _) => kind,
        };
        if let Some(existing) =
            self.evidence.iter().find(|e| e.kind == kind && e.location == location && e.sha256 == sha256)
        {
            return Ok(existing.id.clone());
        }
        let id = format!("E{}", self.evidence.len() + 1);
        self.evidence.push(EvidenceRecord {
            id: id.clone(),
            kind,
            location,
            sha256,
            size,
            description,
            added: now.to_owned(),
        });
        self.write_evidence_file()?;
        Ok(id)
    }

    /// Copies a file into `evidence/` under a name that starts with its hash; hashing and copying
    /// are one pass, and the copy appears only when complete.
    fn store_file(&self, source: &Path) -> Result<(String, String, u64), FolderError> {
        let size = fs::metadata(source).map_err(io(source))?.len();
        if size > MAX_EVIDENCE_BYTES {
            return Err(FolderError::TooLarge { path: source.to_owned(), size });
        }
        let evidence_dir = self.dir.join(EVIDENCE_DIR);
        fs::create_dir_all(&evidence_dir).map_err(io(&evidence_dir))?;
        let tmp = evidence_dir.join(format!(".incoming-{}", std::process::id()));
        let mut reader = BufReader::new(File::open(source).map_err(io(source))?);
        let mut writer = File::create(&tmp).map_err(io(&tmp))?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = reader.read(&mut buffer).map_err(io(source))?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
            writer.write_all(&buffer[..read]).map_err(io(&tmp))?;
        }
        writer.sync_all().map_err(io(&tmp))?;
        let sha256 = hex(&hasher.finalize());
        let base = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "evidence".into());
        let safe: String = base
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
            .take(80)
            .collect();
        let name = format!("{}-{safe}", &sha256[..12]);
        let target = evidence_dir.join(&name);
        fs::rename(&tmp, &target).map_err(io(&target))?;
        Ok((name, sha256, size))
    }

    /// Records a compliance statement under a recognised scheme (a file copied into the folder,
    /// or a URL): the requirements the catalog deems met by it are decided with it. Refused when
    /// the catalog has no deemed mapping from that scheme to this one.
    pub fn deem(
        &mut self,
        catalog: &Catalog,
        scheme: &str,
        source: &EvidenceSource,
        now: &str,
    ) -> Result<Deemed, FolderError> {
        let requirements = deemed_requirements(catalog, scheme, &self.file.scheme);
        if requirements.is_empty() {
            return Err(invalid(
                &self.dir,
                format!(
                    "the catalog deems nothing of {} met by {scheme}: no mapping from {scheme} to {} has deemed entries",
                    self.file.scheme, self.file.scheme
                ),
            ));
        }
        if let EvidenceSource::Reference(words) = source {
            return Err(invalid(
                &self.dir,
                format!("the {scheme} compliance statement must be a file or an http(s) URL, not {words:?}"),
            ));
        }
        let evidence =
            self.add_evidence(EvidenceKind::File, source, Some(format!("{scheme} statement of compliance")), now)?;
        self.file.deemed.retain(|d| d.scheme != scheme);
        self.file.deemed.push(DeemedBy { scheme: scheme.to_owned(), evidence: evidence.clone() });
        self.save_facts()?;
        Ok(Deemed { scheme: scheme.to_owned(), requirements, evidence })
    }

    /// Names evidence for an item (keeps the answer as it is).
    pub fn link_evidence(&mut self, requirement: &str, item: &str, evidence_id: &str) {
        let entry = self.answers.requirements.entry(requirement.to_owned()).or_default();
        let item = entry.items.entry(item.to_owned()).or_default();
        if !item.evidence.iter().any(|e| e == evidence_id) {
            item.evidence.push(evidence_id.to_owned());
        }
    }

    pub fn set_answer(&mut self, requirement: &str, item: &str, answer: Answer, note: Option<String>) {
        let entry = self.answers.requirements.entry(requirement.to_owned()).or_default();
        let item = entry.items.entry(item.to_owned()).or_default();
        item.answer = answer;
        if note.is_some() {
            item.note = note;
        }
    }

    /// Imports a `tekigo probe --format json` report; the newest one imported decides.
    pub fn import_probe(
        &mut self,
        path: &Path,
        catalog: &Catalog,
        now: &str,
    ) -> Result<(String, ProbeReport), FolderError> {
        let bytes = fs::read(path).map_err(io(path))?;
        let name = path.display().to_string();
        let report = automated::read_probe(&name, &bytes)?;
        automated::check_probe_level(&name, &report, &self.file.scheme, &self.file.level)?;
        self.scope(catalog)?;
        let description = format!(
            "tekigo probe of {} ({}) started {}: {} findings",
            report.target,
            report.address,
            report.started,
            report.findings.len()
        );
        let id =
            self.add_evidence(EvidenceKind::Probe, &EvidenceSource::File(path.to_owned()), Some(description), now)?;
        Ok((id, report))
    }

    /// Imports a `tekigo sbom check --format json` report and, if given, the SBOM it checked.
    pub fn import_sbom_check(
        &mut self,
        report_path: &Path,
        sbom: Option<&Path>,
        catalog: &Catalog,
        now: &str,
    ) -> Result<(Vec<String>, SbomCheckReport), FolderError> {
        let bytes = fs::read(report_path).map_err(io(report_path))?;
        let name = report_path.display().to_string();
        let report = automated::read_sbom_check(&name, &bytes)?;
        let scope = self.scope(catalog)?;
        if scope.level.vulnerability_cvss_min.is_none() {
            return Err(invalid(
                report_path,
                format!("{} has no known-vulnerability rule for an SBOM check to decide", scope.selector()),
            ));
        }
        automated::check_sbom_level(&name, &report, &scope.selector())?;
        let mut ids = Vec::new();
        if let Some(sbom) = sbom {
            let description = format!("SBOM, {} components", report.components);
            ids.push(self.add_evidence(
                EvidenceKind::Sbom,
                &EvidenceSource::File(sbom.to_owned()),
                Some(description),
                now,
            )?);
        }
        let mut description = format!(
            "tekigo sbom check at {}: {}, {} findings",
            report.level,
            match report.outcome() {
                automated::SbomOutcome::Conformant => "conformant",
                automated::SbomOutcome::NotConformant => "NOT conformant",
                automated::SbomOutcome::Undecided => "cannot be decided",
            },
            report.findings.len()
        );
        // What the check read and warned of stays with the evidence, not only in the report file.
        if let Some(database) = report.database_summary() {
            description.push_str(&format!("; database {database}"));
        }
        for warning in &report.warnings {
            description.push_str(&format!("; warning: {}", warning.message.en));
        }
        ids.push(self.add_evidence(
            EvidenceKind::SbomCheck,
            &EvidenceSource::File(report_path.to_owned()),
            Some(description),
            now,
        )?);
        Ok((ids, report))
    }

    /// Merges an answers file (same format as `answers.toml`). Evidence there may be IDs, URLs,
    /// or files relative to the answers file; URLs and files are registered. Checks everything
    /// before changing anything.
    pub fn merge_answers(&mut self, path: &Path, catalog: &Catalog, now: &str) -> Result<usize, FolderError> {
        let text = read_text(path)?;
        let incoming: Answers = parse_toml(path, &text)?;
        let scope = self.scope(catalog)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut staged = self.clone();
        let mut changed = 0;
        let resolve = |staged: &mut Assessment, what: &str, evidence: &[String]| -> Result<Vec<String>, FolderError> {
            let mut ids = Vec::new();
            for entry in evidence {
                if staged.evidence.iter().any(|e| &e.id == entry) {
                    ids.push(entry.clone());
                    continue;
                }
                let source = EvidenceSource::parse(entry, base);
                if let EvidenceSource::Reference(_) = source {
                    return Err(invalid(
                        Path::new(&format!("{}{}", path.display(), line_of(&text, entry))),
                        format!(
                            "{what}: evidence `{entry}` is neither an evidence ID, a URL, nor a file next to the answers file"
                        ),
                    ));
                }
                ids.push(staged.add_evidence_staged(&source, now)?);
            }
            Ok(ids)
        };
        for (id, answer) in &incoming.requirements {
            let Some(requirement) = scope.requirement(id) else {
                return Err(invalid(
                    Path::new(&format!("{}{}", path.display(), line_of(&text, &format!("\"{id}\"")))),
                    format!("unknown requirement `{id}` ({} has {})", scope.selector(), scope.ids()),
                ));
            };
            let items = items_of(requirement);
            let target = staged.answers.requirements.entry(id.clone()).or_default().clone();
            let mut merged = target;
            if answer.not_applicable.is_some() {
                merged.not_applicable = answer.not_applicable.clone();
            }
            for (item_id, item) in &answer.items {
                if !items.iter().any(|i| &i.id == item_id) {
                    return Err(invalid(
                        Path::new(&format!("{}{}", path.display(), line_of(&text, &format!("\"{id}\"")))),
                        format!("{id} has no evaluation item `{item_id}`"),
                    ));
                }
                let evidence = resolve(&mut staged, &format!("{id} item {item_id}"), &item.evidence)?;
                let slot = merged.items.entry(item_id.clone()).or_default();
                if item.answer != Answer::Pending || slot.answer == Answer::Pending {
                    slot.answer = item.answer;
                }
                for e in evidence {
                    if !slot.evidence.contains(&e) {
                        slot.evidence.push(e);
                    }
                }
                if item.note.is_some() {
                    slot.note = item.note.clone();
                }
                changed += 1;
            }
            staged.answers.requirements.insert(id.clone(), merged);
        }
        if let Some(vulnerabilities) = &incoming.vulnerabilities {
            let evidence = resolve(&mut staged, "vulnerabilities", &vulnerabilities.evidence)?;
            staged.answers.vulnerabilities = Some(ItemAnswer { evidence, ..vulnerabilities.clone() });
            changed += 1;
        }
        staged.commit_evidence()?;
        staged.save_answers()?;
        *self = staged;
        Ok(changed)
    }

    /// Registers evidence in memory only (files are copied, the register is not written); the
    /// caller commits with [`Self::commit_evidence`] once everything checked out.
    fn add_evidence_staged(&mut self, source: &EvidenceSource, now: &str) -> Result<String, FolderError> {
        let (location, sha256, size, kind) = match source {
            EvidenceSource::File(path) => {
                let (name, sha256, size) = self.store_file(path)?;
                (name, Some(sha256), Some(size), EvidenceKind::File)
            }
            EvidenceSource::Url(url) => (url.clone(), None, None, EvidenceKind::Url),
            EvidenceSource::Reference(words) => (words.clone(), None, None, EvidenceKind::Reference),
        };
        if let Some(existing) = self.evidence.iter().find(|e| e.location == location && e.sha256 == sha256) {
            return Ok(existing.id.clone());
        }
        let id = format!("E{}", self.evidence.len() + 1);
        let description = match source {
            EvidenceSource::File(path) => path.file_name().map(|n| n.to_string_lossy().into_owned()),
            _ => None,
        };
        self.evidence.push(EvidenceRecord {
            id: id.clone(),
            kind,
            location,
            sha256,
            size,
            description,
            added: now.to_owned(),
        });
        Ok(id)
    }

    fn commit_evidence(&self) -> Result<(), FolderError> {
        self.write_evidence_file()
    }

    /// The newest imported report of a kind, read and parsed.
    fn latest(&self, kind: EvidenceKind) -> Result<Option<(&EvidenceRecord, Vec<u8>)>, FolderError> {
        let Some(record) = self.evidence.iter().rev().find(|e| e.kind == kind) else { return Ok(None) };
        let path = self.dir.join(EVIDENCE_DIR).join(&record.location);
        Ok(Some((record, fs::read(&path).map_err(io(&path))?)))
    }

    /// The verdicts as they stand, with the newest probe and SBOM-check reports deciding what
    /// they decide.
    pub fn evaluate(&self, catalog: &Catalog, today: jiff::civil::Date) -> Result<Evaluation, FolderError> {
        let scope = self.scope(catalog)?;
        let requirements: Vec<_> = scope.requirements.iter().map(|(_, r)| *r).collect();
        let mut decisions = Vec::new();
        if let Some((record, bytes)) = self.latest(EvidenceKind::Probe)? {
            let report = automated::read_probe(&record.location, &bytes)?;
            decisions = automated::probe_decisions(&report, &record.id, &requirements);
        }
        let mut deemed = Vec::new();
        for source in &self.file.deemed {
            let ids = deemed_requirements(catalog, &source.scheme, &self.file.scheme)
                .into_iter()
                .filter(|id| scope.requirements.iter().any(|(in_scope, _)| in_scope == id))
                .collect::<Vec<_>>();
            for (id, requirement) in scope.requirements.iter().filter(|(id, _)| ids.contains(id)) {
                for item in evaluate::items_of(requirement) {
                    decisions.push(evaluate::AutoDecision {
                        requirement: id.clone(),
                        item: item.id,
                        answer: Answer::Yes,
                        decided_by: DecidedBy::Recognition,
                        evidence: source.evidence.clone(),
                        detail: Text::new(
                            format!("deemed met by the product's {} compliance statement", source.scheme),
                            format!("{} の適合宣言によりみなし適合", source.scheme),
                        ),
                    });
                }
            }
            deemed.push(Deemed { scheme: source.scheme.clone(), requirements: ids, evidence: source.evidence.clone() });
        }
        let results: Vec<RequirementResult> = scope
            .requirements
            .iter()
            .map(|(id, requirement)| {
                let mut result =
                    evaluate::evaluate_requirement(requirement, self.answers.requirements.get(id), &decisions);
                result.id = id.clone();
                result
            })
            .collect();
        let vulnerabilities = match scope.level.vulnerability_cvss_min {
            Some(min) => {
                let decision = match self.latest(EvidenceKind::SbomCheck)? {
                    Some((record, bytes)) => {
                        let report = automated::read_sbom_check(&record.location, &bytes)?;
                        let mut evidence: Vec<String> = self
                            .evidence
                            .iter()
                            .rev()
                            .find(|e| e.kind == EvidenceKind::Sbom)
                            .map(|e| vec![e.id.clone()])
                            .unwrap_or_default();
                        evidence.push(record.id.clone());
                        Some(automated::sbom_decision(&report, &evidence))
                    }
                    None => None,
                };
                Some(evaluate::evaluate_vulnerabilities(min, self.answers.vulnerabilities.as_ref(), decision.as_ref()))
            }
            None => None,
        };
        let counts = evaluate::count(&results);
        let conformant = evaluate::overall(&results, vulnerabilities.as_ref());
        Ok(Evaluation {
            deemed,
            fact_gaps: fact_gaps(&self.file.product, catalog, today),
            requirements: results,
            vulnerabilities,
            counts,
            conformant,
        })
    }
}

fn write_item(item: &mut toml_edit::Item, answer: &ItemAnswer) {
    let name = serde_json::to_value(answer.answer).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    item["answer"] = toml_edit::value(name);
    if answer.evidence.is_empty() {
        if let Some(table) = item.as_table_like_mut() {
            table.remove("evidence");
        }
    } else {
        let array: toml_edit::Array = answer.evidence.iter().map(String::as_str).collect();
        item["evidence"] = toml_edit::value(array);
    }
    match &answer.note {
        Some(note) => item["note"] = toml_edit::value(note.as_str()),
        None => {
            if let Some(table) = item.as_table_like_mut() {
                table.remove("note");
            }
        }
    }
}

/// The requirements of `to` the catalog deems met by compliance with `from` (its mapping entries
/// marked `deemed`), in the catalog's order.
pub fn deemed_requirements(catalog: &Catalog, from: &str, to: &str) -> Vec<String> {
    catalog
        .mappings
        .iter()
        .filter(|mapping| mapping.from == from && mapping.to == to)
        .flat_map(|mapping| mapping.entries.iter().filter(|entry| entry.deemed).map(|entry| entry.to.clone()))
        .fold(Vec::new(), |mut ids, id| {
            if !ids.contains(&id) {
                ids.push(id);
            }
            ids
        })
}

/// What is missing or wrong in the product's facts; each is needed on the declaration and on the
/// label (SCHEME §5.2: support end and the contact are what the product page shows).
pub fn fact_gaps(product: &Product, catalog: &Catalog, today: jiff::civil::Date) -> Vec<Text> {
    let mut gaps = Vec::new();
    let mut need = |value: &str, en: &str, ja: &str| {
        if value.trim().is_empty() {
            gaps.push(Text::new(format!("product fact missing: {en}"), format!("製品情報が未記入です: {ja}")));
        }
    };
    need(&product.name, "name", "製品名");
    need(&product.vendor, "vendor", "製造者");
    need(&product.model, "model", "型番");
    need(&product.firmware_version, "firmware_version", "ファームウェアのバージョン");
    need(&product.support_end, "support_end (YYYY-MM-DD)", "サポート終了日 (YYYY-MM-DD)");
    need(&product.vulnerability_contact, "vulnerability_contact", "脆弱性の連絡先");
    if !product.support_end.trim().is_empty() {
        match product.support_end.trim().parse::<jiff::civil::Date>() {
            Err(_) => gaps.push(Text::new(
                format!("support_end `{}` is not a date (YYYY-MM-DD)", product.support_end),
                format!("サポート終了日 `{}` が日付 (YYYY-MM-DD) ではありません", product.support_end),
            )),
            Ok(end) if end < today => gaps.push(Text::new(
                format!("support ended on {end}: a label cannot outlast the support period (SCHEME §5.1)"),
                format!(
                    "サポートは {end} に終了しています。ラベルの有効期間はサポート期間を超えられません（SCHEME §5.1）"
                ),
            )),
            Ok(_) => {}
        }
    }
    // The series' models and their GTINs (docs/scheme.md, "Registration").
    gaps.extend(
        tekigo_base::identifiers::check_series(&product.model, &product.models)
            .into_iter()
            .map(|problem| Text::new(format!("product models: {}", problem.en), format!("製品の型番: {}", problem.ja))),
    );
    let contact = product.vulnerability_contact.trim();
    let reachable = contact.starts_with("https://") || contact.starts_with("http://") || looks_like_email(contact);
    if !contact.is_empty() && !reachable {
        gaps.push(Text::new(
            format!("vulnerability_contact `{contact}` is neither a URL nor an e-mail address"),
            format!("脆弱性の連絡先 `{contact}` が URL でもメールアドレスでもありません"),
        ));
    }
    if let Some(product_type) = &product.product_type
        && !catalog.schemes.iter().any(|s| s.product_types.iter().any(|t| &t.id == product_type))
    {
        gaps.push(Text::new(
            format!("unknown product type `{product_type}`"),
            format!("製品類型 `{product_type}` は定義されていません"),
        ));
    }
    gaps
}

fn looks_like_email(text: &str) -> bool {
    let text = text.strip_prefix("mailto:").unwrap_or(text);
    matches!(text.split_once('@'), Some((user, domain)) if !user.is_empty() && domain.contains('.') && !text.contains(' '))
}
