//! Line starts of a file, to turn proc-macro2's line/column (characters) into byte offsets and
//! the ranges annotate-snippets underlines.

use proc_macro2::Span;

/// Byte offsets of line starts.
pub(crate) struct LineIndex(Vec<usize>);

impl LineIndex {
    pub(crate) fn new(source: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex(starts)
    }

    /// Byte offset of a span's start.
    pub(crate) fn offset(&self, source: &str, span: Span) -> usize {
        let start = span.start();
        let line_start = self
            .0
            .get(start.line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let line = &source[line_start..];
        line_start
            + line
                .char_indices()
                .nth(start.column)
                .map_or(line.len(), |(i, _)| i)
    }

    /// 1-based line, 1-based character column, and the span's byte range within its line
    /// (to the end of the line if it spans several).
    pub(crate) fn locate(
        &self,
        source: &str,
        span: Span,
    ) -> (usize, usize, std::ops::Range<usize>) {
        let start = span.start();
        let end = span.end();
        let line = start.line.max(1);
        let line_start = self.0.get(line - 1).copied().unwrap_or(0);
        let text = source[line_start..].lines().next().unwrap_or("");
        let byte = |column: usize| {
            text.char_indices()
                .nth(column)
                .map_or(text.len(), |(i, _)| i)
        };
        let from = byte(start.column);
        let to = if end.line == start.line {
            byte(end.column).max(from + 1).min(text.len().max(from))
        } else {
            text.len()
        };
        (line, start.column + 1, from..to)
    }

    /// 1-based line and the byte range within it of a byte range of the file (toml_edit's
    /// spans).
    pub(crate) fn locate_bytes(
        &self,
        source: &str,
        range: std::ops::Range<usize>,
    ) -> (usize, std::ops::Range<usize>) {
        let line = self.0.partition_point(|&start| start <= range.start);
        let line_start = self.0[line - 1];
        let text = source[line_start..].lines().next().unwrap_or("");
        let from = range.start - line_start;
        let to = (range.end - line_start).min(text.len()).max(from);
        (line, from..to)
    }
}
