//! Byte offsets and serde_json's byte columns turned into line and character column.

use crate::Position;

/// The position of the byte at `offset` (clamped to the end of `bytes`).
pub(crate) fn from_offset(bytes: &[u8], offset: usize) -> Position {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    Position { line, column: chars(&before[line_start..]) + 1 }
}

/// Positions of many offsets in one text: the line starts are found once.
pub(crate) struct LineIndex<'a> {
    bytes: &'a [u8],
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        let line_starts = std::iter::once(0)
            .chain(bytes.iter().enumerate().filter(|&(_, &b)| b == b'\n').map(|(i, _)| i + 1))
            .collect();
        Self { bytes, line_starts }
    }

    pub(crate) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.bytes.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        Position { line, column: chars(&self.bytes[start..offset]) + 1 }
    }
}

/// serde_json counts columns in bytes; count characters instead.
pub(crate) fn from_line_and_byte_column(bytes: &[u8], line: usize, column: usize) -> Position {
    let line_start = if line <= 1 {
        0
    } else {
        bytes.iter().enumerate().filter(|&(_, &b)| b == b'\n').nth(line - 2).map_or(bytes.len(), |(i, _)| i + 1)
    };
    let end = line_start.saturating_add(column).min(bytes.len());
    let column = if column == 0 { 0 } else { chars(&bytes[line_start..end]).max(1) };
    Position { line, column }
}

/// Characters in a UTF-8 byte run (an invalid byte counts as one).
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "ab\ncdé\nf".as_bytes();
        assert_eq!(from_offset(text, 0), Position { line: 1, column: 1 });
        assert_eq!(from_offset(text, 3), Position { line: 2, column: 1 });
        // "é" is two bytes but one column.
        assert_eq!(from_offset(text, 7), Position { line: 2, column: 4 });
        assert_eq!(from_offset(text, 99), Position { line: 3, column: 2 });
        let index = LineIndex::new(text);
        for offset in 0..12 {
            assert_eq!(index.position(offset), from_offset(text, offset), "offset {offset}");
        }
    }

    #[test]
    fn byte_columns_become_character_columns() {
        let text = "{\n\"é\": x".as_bytes();
        // serde_json reports the `x` at line 2, byte column 7.
        assert_eq!(from_line_and_byte_column(text, 2, 7), Position { line: 2, column: 6 });
        assert_eq!(from_line_and_byte_column(text, 1, 1), Position { line: 1, column: 1 });
    }
}
