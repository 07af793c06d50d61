//! Columns as buf prints them.
//!
//! Compilers locate elements by byte offset within a line (protox) or with tab stops every 8
//! (protoc). buf 1.75 prints the column a monospace terminal shows: it walks the line's
//! grapheme clusters (Unicode 15.0, UAX #29 extended clusters), counts each by its cell width
//! (East Asian Wide and Fullwidth take two cells, emoji presentation two, control, format
//! and combining characters none) and advances a tab to the next multiple of 4. This module
//! reproduces that count; the tables in `tables.rs` are generated from the Unicode
//! Character Database by `scripts/gen-unicode-tables.py`.
//!
//! The width of a cluster follows the rules of buf's terminal-width library, measured
//! against buf itself: the first character's width, plus the widths of the following ones
//! unless the cluster starts with an emoji (then only a variation selector changes it: VS15
//! makes it 1, VS16 makes it 2), a regional indicator (a flag is 2), or a leading Hangul
//! jamo (a conjoining syllable is 2). The segmentation passes every case of the UCD's
//! `GraphemeBreakTest.txt` for 15.0 (checked when the tables were generated).

mod tables;

/// Grapheme_Cluster_Break of a character, with Extended_Pictographic folded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prop {
    Other,
    CR,
    LF,
    Control,
    Extend,
    ZWJ,
    RegionalIndicator,
    Prepend,
    SpacingMark,
    L,
    V,
    T,
    LV,
    LVT,
    ExtendedPictographic,
}

/// Cells between tab stops.
const TAB_WIDTH: u32 = 4;
const VS15: char = '\u{FE0E}';
const VS16: char = '\u{FE0F}';

fn prop(c: char) -> Prop {
    let c = c as u32;
    let table = tables::PROPS;
    match table.binary_search_by(|&(lo, hi, _)| {
        if hi < c {
            std::cmp::Ordering::Less
        } else if lo > c {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    }) {
        Ok(i) => table[i].2,
        Err(_) => Prop::Other,
    }
}

/// Whether `c` falls in one of the sorted, disjoint inclusive ranges of `table` (the
/// generated Unicode tables of this module and of [`crate::quote`]).
pub(crate) fn in_table(c: char, table: &[(u32, u32)]) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Cells one character takes on its own.
fn char_width(c: char, p: Prop) -> u32 {
    match p {
        Prop::CR | Prop::LF | Prop::Control | Prop::Extend | Prop::ZWJ => 0,
        Prop::RegionalIndicator => 2,
        Prop::ExtendedPictographic if in_table(c, tables::EMOJI_PRESENTATION) => 2,
        Prop::ExtendedPictographic => 1,
        _ => match c {
            '\u{2E3A}' => 3, // TWO-EM DASH
            '\u{2E3B}' => 4, // THREE-EM DASH
            _ if in_table(c, tables::WIDE) => 2,
            _ => 1,
        },
    }
}

/// What the segmenter remembers of the characters before the current one.
#[derive(Default)]
struct Segmenter {
    prev: Option<Prop>,
    /// Regional indicators in a row just before the current character.
    regional_run: usize,
    /// The characters before form `ExtPict Extend*` (possibly followed by the previous ZWJ).
    after_pictographic: bool,
}

impl Segmenter {
    /// Whether a cluster boundary lies before a character of property `cur` (UAX #29 rules
    /// GB3 to GB999, Unicode 15.0), and remembers it.
    fn boundary_before(&mut self, cur: Prop) -> bool {
        use Prop::*;
        let Some(prev) = self.prev else {
            self.advance(cur);
            return true;
        };
        let joined = match (prev, cur) {
            (CR, LF) => true,
            (CR | LF | Control, _) | (_, CR | LF | Control) => false,
            (L, L | V | LV | LVT) | (LV | V, V | T) | (LVT | T, T) => true,
            (_, Extend | ZWJ | SpacingMark) | (Prepend, _) => true,
            (ZWJ, ExtendedPictographic) => self.after_pictographic,
            (RegionalIndicator, RegionalIndicator) => self.regional_run % 2 == 1,
            _ => false,
        };
        self.advance(cur);
        !joined
    }

    fn advance(&mut self, cur: Prop) {
        self.regional_run = if cur == Prop::RegionalIndicator {
            self.regional_run + 1
        } else {
            0
        };
        self.after_pictographic = match cur {
            Prop::ExtendedPictographic => true,
            // ZWJ ends the sequence GB11 looks at; the next character decides.
            Prop::Extend | Prop::ZWJ => self.after_pictographic && self.prev != Some(Prop::ZWJ),
            _ => false,
        };
        self.prev = Some(cur);
    }
}

/// Cells `text` takes on a terminal, starting at column 0 (tabs stop every 4 cells).
pub fn width(text: &str) -> u32 {
    let mut column = 0;
    let mut segmenter = Segmenter::default();
    // The cluster being read: its first character's property and its width so far.
    let mut first = Prop::Other;
    let mut cluster = 0;
    for c in text.chars() {
        let p = prop(c);
        if segmenter.boundary_before(p) {
            column += cluster;
            cluster = 0;
            first = p;
            if c == '\t' {
                column += TAB_WIDTH - column % TAB_WIDTH;
            } else {
                cluster = char_width(c, p);
            }
            continue;
        }
        match first {
            Prop::ExtendedPictographic if c == VS15 => cluster = 1,
            Prop::ExtendedPictographic if c == VS16 => cluster = 2,
            Prop::ExtendedPictographic | Prop::RegionalIndicator | Prop::L => {}
            _ => cluster += char_width(c, p),
        }
    }
    column + cluster
}

/// buf's 1-based column of the byte offset `byte_column` (0-based) within `line`.
pub fn display_column(line: &str, byte_column: usize) -> u32 {
    let prefix = &line.as_bytes()[..byte_column.min(line.len())];
    // Plain ASCII without tabs (nearly every line) counts one cell a byte.
    if prefix.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        return prefix.len() as u32 + 1;
    }
    let mut end = prefix.len();
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    width(&line[..end]) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns buf 1.75 printed for `PREFIX int64 x` lines (measured side by side).
    #[test]
    fn columns_match_buf() {
        let cases: &[(&str, u32)] = &[
            ("\t", 5),
            ("\t\t", 9),
            ("  \t", 5),
            (" \t /* \t */ ", 17),
            ("/*é*/\t", 9),
            ("/*ééé*/ ", 9),
            ("/*中*/", 7),
            ("/*中*/\t", 9),
            ("/*e\u{301}*/", 6),
            ("/*\u{200d}*/", 5),
            ("/*😀\u{fe0f}*/", 7),
            ("/*😀😀😀*/ ", 12),
            ("/*\u{1}\u{7f}*/", 5),
            ("/*\u{a0}*/", 6),
            ("/*\u{ad}*/", 5),
            ("/*\u{feff}*/", 5),
            ("/*👍🏽*/", 7),
            ("/*🇫🇷*/", 7),
            ("/*🇫🇷🇫*/", 9),
            ("/*Ａ*/", 7),
            ("/*ｱ*/", 6),
            ("\u{b}\u{c}", 1),
            ("/*\u{2764}\u{fe0f}*/", 7),
            ("/*👨\u{200d}👩\u{200d}👧*/", 7),
            ("/*\u{1100}\u{1161}*/", 7),
            ("/*\u{1100}\u{1100}*/", 7),
            ("/*\u{ac00}\u{11a8}*/", 8),
            ("/*\u{e01}\u{e33}*/", 7),
            ("/*\u{3000}*/", 7),
            ("/*é\t*/", 7),
            ("/*#\u{fe0f}*/", 6),
            ("/*\u{2603}\u{301}*/", 6),
            ("/*😀\u{fe0e}*/", 6),
            ("/*\u{600}a*/", 7),
            ("/*\u{2e3a}*/", 8),
            ("/*\u{2e3b}\t*/", 11),
            ("/*😀\u{903}*/", 7),
            ("/*a\u{903}*/", 7),
            ("/*\u{903}*/", 6),
            ("/*\u{1160}*/", 6),
            ("/*\u{231a}\u{fe0e}*/", 6),
            ("/*\u{2194}*/", 6),
            ("/*\u{e0001}*/", 5),
        ];
        for (prefix, want) in cases {
            let line = format!("{prefix}int64 x = 1;");
            assert_eq!(
                display_column(&line, prefix.len()),
                *want,
                "prefix {prefix:?}"
            );
        }
    }

    #[test]
    fn ascii_columns_count_bytes() {
        assert_eq!(display_column("  int32 a = 1;", 2), 3);
        assert_eq!(display_column("", 0), 1);
    }
}
