//! The checklist an applicant submits, as an XLSX workbook: the same checklist in Japanese and in
//! English, one row per evaluation item, and a sheet of the evidence they cite.
//!
//! The workbook is reproducible: the same declaration gives the same bytes, so a hash of it can be
//! recorded next to the declaration. rust_xlsxwriter already gives every ZIP entry the same fixed
//! timestamp; the one clock it reads is the document's creation time, set here from `issued`.

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use tekigo_base::Lang;
use tekigo_criteria::ItemsRule;

use super::labels::{Labels, labels};
use super::{Fact, RenderError};
use crate::declaration::{Declaration, EvidenceRecord, ItemResult, RequirementResult};

/// The name of the evidence sheet, which serves both languages.
const EVIDENCE_SHEET: &str = "証跡 Evidence";

/// A4 in Excel's paper-size numbering.
const PAPER_A4: u8 = 9;

/// Renders the applicant's checklist workbook: sheets `チェックリスト`, `Checklist` and
/// `証跡 Evidence`.
pub fn xlsx(declaration: &Declaration) -> Result<Vec<u8>, RenderError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(declaration)?);
    let formats = Formats::new();
    for lang in [Lang::Ja, Lang::En] {
        write_checklist(workbook.add_worksheet(), declaration, lang, &formats)?;
    }
    write_evidence_sheet(workbook.add_worksheet(), declaration, &formats)?;
    Ok(workbook.save_to_buffer()?)
}

/// The document properties, created at the declaration's issue time rather than now so that two
/// runs give the same bytes.
fn properties(declaration: &Declaration) -> Result<DocProperties, RenderError> {
    let issued = declaration
        .issued
        .parse::<jiff::Timestamp>()
        .map_err(|error| RenderError::Issued { value: declaration.issued.clone(), error })?;
    let created = ExcelDateTime::from_timestamp(issued.as_second())?;
    Ok(DocProperties::new()
        .set_title(format!("{} ({})", declaration.product.name, declaration.scheme.selector()))
        .set_creation_datetime(&created))
}

struct Formats {
    title: Format,
    label: Format,
    header: Format,
    text: Format,
    number: Format,
}

impl Formats {
    fn new() -> Self {
        let cell = Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::Top);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new().set_bold(),
            header: cell.clone().set_bold().set_text_wrap().set_background_color("#E7E6E6"),
            text: cell.clone().set_text_wrap(),
            number: cell.set_num_format("#,##0"),
        }
    }
}

/// A table column: its header and its width in Excel's character units.
struct Column {
    header: String,
    width: f64,
}

enum Cell {
    Text(String),
    Number(f64),
}

fn write_checklist(
    sheet: &mut Worksheet,
    declaration: &Declaration,
    lang: Lang,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let l = labels(lang);
    sheet.set_name(l.checklist_sheet)?;
    let title = format!(
        "{}: {} {}",
        l.checklist_sheet,
        declaration.scheme.title.get(lang),
        declaration.scheme.level_name.get(lang)
    );
    sheet.write_string_with_format(0, 0, title, &formats.title)?;
    let header_row = write_facts(sheet, declaration, lang, formats)?;
    write_table(sheet, header_row, &checklist_columns(l), &checklist_rows(declaration, lang), formats)
}

/// Where the two columns of facts sit. A label overflows into the empty cells to its right, so
/// the left labels get columns A to C and the right ones F to H without merged cells (Excel does
/// not grow a merged row to fit wrapped text).
const LEFT_LABEL: u16 = 0;
const LEFT_VALUE: u16 = 3;
const RIGHT_LABEL: u16 = 5;
const RIGHT_VALUE: u16 = 8;

/// Writes the header block under the title: the declaration's facts on the left, the product's on
/// the right. Returns the row for the table's header, one blank row below.
fn write_facts(
    sheet: &mut Worksheet,
    declaration: &Declaration,
    lang: Lang,
    formats: &Formats,
) -> Result<u32, XlsxError> {
    let left = declaration_facts(declaration, lang);
    let right = super::product_facts(declaration, lang);
    let mut row = 1;
    for index in 0..left.len().max(right.len()) {
        if let Some(fact) = left.get(index) {
            write_fact(sheet, row, LEFT_LABEL, LEFT_VALUE, fact, formats)?;
        }
        if let Some(fact) = right.get(index) {
            write_fact(sheet, row, RIGHT_LABEL, RIGHT_VALUE, fact, formats)?;
        }
        row += 1;
    }
    Ok(row + 1)
}

fn write_fact(
    sheet: &mut Worksheet,
    row: u32,
    label_column: u16,
    value_column: u16,
    fact: &Fact,
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, label_column, fact.label, &formats.label)?;
    sheet.write_string(row, value_column, &fact.value)?;
    Ok(())
}

/// The declaration's side of the header block. The scheme's title is in the sheet's title row,
/// where it has the whole width.
fn declaration_facts(declaration: &Declaration, lang: Lang) -> Vec<Fact> {
    let l = labels(lang);
    let scheme = &declaration.scheme;
    let mut facts =
        vec![Fact::new(l.criteria_version, &scheme.version, l), Fact::new(l.level, scheme.level_name.get(lang), l)];
    facts.extend(super::criteria_status_fact(scheme, lang));
    if let Some(against) = &declaration.assessed_against {
        facts.push(Fact::new(l.assessed_against, &super::scheme_line(against, lang), l));
    }
    facts.extend([
        Fact::new(l.declaration_id, &declaration.id, l),
        Fact::new(l.issued, &super::readable_time(&declaration.issued), l),
        Fact::new(l.declarant, &declarant_line(declaration), l),
        Fact::new(l.overall_result, super::overall_verdict(declaration).label().get(lang), l),
        Fact::new(l.section_vulnerabilities, &vulnerability_summary(declaration, lang), l),
    ]);
    facts
}

/// `Hanako Sato (Product security manager, Example Devices K.K.)`.
fn declarant_line(declaration: &Declaration) -> String {
    let declarant = &declaration.declarant;
    let context: Vec<&str> =
        [declarant.role.as_str(), declarant.organisation.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
    if context.is_empty() { declarant.name.clone() } else { format!("{} ({})", declarant.name, context.join(", ")) }
}

fn vulnerability_summary(declaration: &Declaration, lang: Lang) -> String {
    match &declaration.vulnerabilities {
        Some(result) => {
            format!("{} (CVSS v3 {})", result.verdict.label().get(lang), super::cvss_threshold(result.cvss_min))
        }
        None => labels(lang).no_vulnerability_rule.to_owned(),
    }
}

fn checklist_columns(l: &Labels) -> Vec<Column> {
    [
        (l.number, 5.0),
        (l.requirement_id, 10.0),
        (l.requirement, 26.0),
        (l.item_id, 6.0),
        (l.item_text, 60.0),
        (l.method, 9.0),
        (l.answer, 10.0),
        (l.verdict, 11.0),
        (l.evidence, 34.0),
        (l.note, 40.0),
    ]
    .into_iter()
    .map(|(header, width)| Column { header: header.to_owned(), width })
    .collect()
}

/// One row per evaluation item, numbered through the whole checklist.
fn checklist_rows(declaration: &Declaration, lang: Lang) -> Vec<Vec<Cell>> {
    let items = declaration.requirements.iter().flat_map(|requirement| {
        requirement.items.iter().enumerate().map(move |(index, item)| (requirement, index == 0, item))
    });
    items
        .enumerate()
        .map(|(index, (requirement, first, item))| {
            checklist_row(index + 1, requirement, first, item, &declaration.evidence, lang)
        })
        .collect()
}

fn checklist_row(
    number: usize,
    requirement: &RequirementResult,
    first_of_requirement: bool,
    item: &ItemResult,
    evidence: &[EvidenceRecord],
    lang: Lang,
) -> Vec<Cell> {
    let l = labels(lang);
    vec![
        Cell::Number(number as f64),
        Cell::Text(requirement.id.clone()),
        Cell::Text(requirement.title.get(lang).to_owned()),
        Cell::Text(item.id.clone()),
        Cell::Text(item.text.get(lang).to_owned()),
        Cell::Text(l.method(item.method).to_owned()),
        Cell::Text(item.answer.label().get(lang).to_owned()),
        Cell::Text(requirement.verdict.label().get(lang).to_owned()),
        Cell::Text(cited_evidence(&item.evidence, evidence)),
        Cell::Text(note(requirement, first_of_requirement, item, lang)),
    ]
}

/// `E1: user-manual.pdf`, one per line, so a reviewer finds the file without the evidence sheet.
fn cited_evidence(ids: &[String], evidence: &[EvidenceRecord]) -> String {
    let line = |id: &String| match evidence.iter().find(|record| &record.id == id) {
        Some(record) => format!("{id}: {}", record.location),
        None => id.clone(),
    };
    ids.iter().map(line).collect::<Vec<_>>().join("\n")
}

/// The answerer's note, what a tool found, and on a requirement's first row why it has its verdict
/// and what it rests on: the checklist's columns are fixed, so these share the last one.
fn note(requirement: &RequirementResult, first_of_requirement: bool, item: &ItemResult, lang: Lang) -> String {
    let l = labels(lang);
    let mut lines = Vec::new();
    lines.extend(item.note.clone());
    if let Some(detail) = &item.detail {
        lines.push(format!("{}: {}", l.decided_by(item.decided_by), detail.get(lang)));
    }
    if first_of_requirement {
        // Without this, a reviewer would read S1.1-07's "not applicable" items as gaps.
        if requirement.items_rule == ItemsRule::Any && requirement.items.len() > 1 {
            lines.push(l.any_item_suffices.to_owned());
        }
        if let Some(reason) = &requirement.reason {
            lines.push(format!("{}: {}", l.reason, reason.get(lang)));
        }
        if !requirement.covered_by.is_empty() {
            lines.push(format!("{}: {}", l.covered_by, requirement.covered_by.join(", ")));
        }
    }
    lines.join("\n")
}

fn write_evidence_sheet(sheet: &mut Worksheet, declaration: &Declaration, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(EVIDENCE_SHEET)?;
    let rows: Vec<Vec<Cell>> = declaration.evidence.iter().map(evidence_row).collect();
    write_table(sheet, 0, &evidence_columns(), &rows, formats)
}

fn evidence_columns() -> Vec<Column> {
    let size = |l: &Labels| format!("{} ({})", l.size, l.bytes);
    [
        (bilingual(|l| l.evidence_id.to_owned()), 6.0),
        (bilingual(|l| l.evidence_kind.to_owned()), 16.0),
        (bilingual(|l| l.location.to_owned()), 40.0),
        (bilingual(|l| l.sha256.to_owned()), 68.0),
        (bilingual(size), 14.0),
        (bilingual(|l| l.description.to_owned()), 44.0),
        (bilingual(|l| l.added.to_owned()), 22.0),
    ]
    .into_iter()
    .map(|(header, width)| Column { header, width })
    .collect()
}

fn evidence_row(record: &EvidenceRecord) -> Vec<Cell> {
    let text = |value: Option<&str>| Cell::Text(value.unwrap_or_default().to_owned());
    vec![
        Cell::Text(record.id.clone()),
        Cell::Text(bilingual(|l| l.evidence_kind(record.kind).to_owned())),
        Cell::Text(record.location.clone()),
        text(record.sha256.as_deref()),
        record.size.map_or_else(|| text(None), |size| Cell::Number(size as f64)),
        text(record.description.as_deref()),
        Cell::Text(record.added.clone()),
    ]
}

/// `日本語 / English`, or the word once where both languages write it the same (`ID`, `SBOM`).
fn bilingual(word: impl Fn(&Labels) -> String) -> String {
    let (japanese, english) = (word(labels(Lang::Ja)), word(labels(Lang::En)));
    if japanese == english { japanese } else { format!("{japanese} / {english}") }
}

/// Writes a table with its header at `header_row`: bold header, set widths, wrapped cells, the
/// panes frozen under the header, an autofilter, and for printing the header repeated on every
/// landscape A4 page one page wide.
fn write_table(
    sheet: &mut Worksheet,
    header_row: u32,
    columns: &[Column],
    rows: &[Vec<Cell>],
    formats: &Formats,
) -> Result<(), XlsxError> {
    for (column, spec) in (0u16..).zip(columns) {
        sheet.set_column_width(column, spec.width)?;
        sheet.write_string_with_format(header_row, column, &spec.header, &formats.header)?;
    }
    for (row, cells) in (header_row + 1..).zip(rows) {
        for (column, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Text(text) => sheet.write_string_with_format(row, column, text, &formats.text)?,
                Cell::Number(number) => sheet.write_number_with_format(row, column, *number, &formats.number)?,
            };
        }
    }
    let last_row = header_row + rows.len() as u32;
    let last_column = columns.len().saturating_sub(1) as u16;
    sheet.set_freeze_panes(header_row + 1, 0)?;
    sheet.autofilter(header_row, 0, last_row, last_column)?;
    sheet.set_repeat_rows(header_row, header_row)?;
    sheet.set_landscape().set_paper_size(PAPER_A4).set_print_fit_to_pages(1, 0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    use super::*;
    use crate::render::test_support::sample;

    fn sheets(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        open_workbook_from_rs(Cursor::new(bytes)).unwrap()
    }

    fn grid(workbook: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str) -> Vec<Vec<String>> {
        let range = workbook.worksheet_range(sheet).unwrap();
        range.rows().map(|row| row.iter().map(Data::to_string).collect()).collect()
    }

    /// The table below the header block: the rows after the one that starts with `No.`.
    fn table(grid: &[Vec<String>]) -> &[Vec<String>] {
        let header = grid.iter().position(|row| row[0] == "No.").expect("a header row");
        &grid[header + 1..]
    }

    #[test]
    fn two_runs_give_the_same_bytes() {
        let declaration = sample();
        assert_eq!(xlsx(&declaration).unwrap(), xlsx(&declaration).unwrap());
    }

    #[test]
    fn the_workbook_is_created_at_the_issue_time() {
        let mut archive = zip::ZipArchive::new(Cursor::new(xlsx(&sample()).unwrap())).unwrap();
        let mut core = String::new();
        archive.by_name("docProps/core.xml").unwrap().read_to_string(&mut core).unwrap();
        assert!(core.contains(">2026-11-26T04:00:00Z</dcterms:created>"), "{core}");
    }

    #[test]
    fn an_issue_time_that_is_not_rfc_3339_is_refused() {
        let mut declaration = sample();
        declaration.issued = "26 November 2026".into();
        assert!(matches!(xlsx(&declaration), Err(RenderError::Issued { .. })));
    }

    #[test]
    fn the_sheets_are_the_two_checklists_and_the_evidence() {
        let workbook = sheets(xlsx(&sample()).unwrap());
        assert_eq!(workbook.sheet_names(), ["チェックリスト", "Checklist", "証跡 Evidence"]);
    }

    #[test]
    fn each_checklist_has_one_row_per_evaluation_item() {
        let declaration = sample();
        let mut workbook = sheets(xlsx(&declaration).unwrap());
        let expected: Vec<(&str, &ItemResult)> = declaration
            .requirements
            .iter()
            .flat_map(|requirement| requirement.items.iter().map(move |item| (requirement.id.as_str(), item)))
            .collect();
        for (sheet, lang) in [("チェックリスト", Lang::Ja), ("Checklist", Lang::En)] {
            let grid = grid(&mut workbook, sheet);
            let rows = table(&grid);
            assert_eq!(rows.len(), expected.len(), "{sheet}");
            for (number, (row, (requirement_id, item))) in rows.iter().zip(&expected).enumerate() {
                assert_eq!(row[0], (number + 1).to_string());
                assert_eq!(row[1], *requirement_id);
                assert_eq!(row[3], item.id);
                assert_eq!(row[6], item.answer.label().get(lang));
            }
        }
    }

    #[test]
    fn the_english_checklist_is_in_english() {
        let mut workbook = sheets(xlsx(&sample()).unwrap());
        let grid = grid(&mut workbook, "Checklist");
        let rows = table(&grid);
        let s1_1_07_item_2 = &rows[7];
        assert_eq!(s1_1_07_item_2[1], "S1.1-07");
        assert_eq!(s1_1_07_item_2[5], "document");
        assert_eq!(s1_1_07_item_2[6], "not applicable");
        assert_eq!(s1_1_07_item_2[7], "conformant");
        assert_eq!(s1_1_07_item_2[9], "Updates are automatic only");
        let s1_1_04 = &rows[3];
        assert_eq!(s1_1_04[8], "E3: 9b1e-probe.json");
        assert_eq!(s1_1_04[9], "probe: The probe found no failure for this requirement.");
    }

    #[test]
    fn the_japanese_checklist() {
        let mut workbook = sheets(xlsx(&sample()).unwrap());
        insta::assert_snapshot!(as_text(&grid(&mut workbook, "チェックリスト")));
    }

    #[test]
    fn the_evidence_sheet_lists_every_record() {
        let declaration = sample();
        let mut workbook = sheets(xlsx(&declaration).unwrap());
        let grid = grid(&mut workbook, EVIDENCE_SHEET);
        assert_eq!(grid[0][..3], ["ID", "種別 / Kind", "所在 / Location"]);
        let ids: Vec<&str> = grid[1..].iter().map(|row| row[0].as_str()).collect();
        assert_eq!(ids, ["E1", "E2", "E3", "E4", "E5"]);
        assert_eq!(grid[1][1], "ファイル / file");
        assert_eq!(grid[1][4], "182233");
    }

    /// The cells row by row, `|` between cells and empty cells at a row's end left out, so a
    /// snapshot shows the layout as well as the values.
    fn as_text(grid: &[Vec<String>]) -> String {
        let line = |row: &Vec<String>| {
            let used = row.iter().rposition(|cell| !cell.is_empty()).map_or(0, |last| last + 1);
            row[..used].iter().map(|cell| cell.replace('\n', "⏎")).collect::<Vec<_>>().join(" | ")
        };
        grid.iter().map(line).collect::<Vec<_>>().join("\n")
    }
}
