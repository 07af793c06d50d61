//! Waivers: a person allows one break and signs it with a reason.
//!
//! Written as a comment on the element in NEW (`// protoguard:allow RULE_ID -- reason`,
//! several IDs separated by commas), on its parent or on the `reserved` line for a deletion,
//! on the `package` or `syntax` line for the whole file; or as an entry of
//! `protoguard.yaml`'s `waivers:` (rule, element or path, reason, optional `expires`).
//! A waiver covers findings of its rules on the element it is written on and on everything
//! inside it.
//!
//! A waiver without a reason, with an unknown rule ID or a date that is not `YYYY-MM-DD` is
//! an error. One past its `expires` day stops waiving and says so; one that waives nothing
//! is stale and says so (a warning, not a failure).

use std::collections::HashMap;

use super::file::ContractFile;
use super::PolicyWarning;
use crate::error::ConfigError;
use crate::finding::{Element, ElementKind, Finding};
use crate::index::{FileId, Index};
use crate::marks::comments::{self, Directive};
use crate::marks::glob;

/// The directive's keyword.
pub const KEYWORD: &str = "protoguard:allow";

/// A calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Day {
    /// `YYYY-MM-DD`, a day that exists.
    pub fn parse(s: &str) -> Option<Day> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = &s[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let (year, month, day) = (num(0..4)? as i32, num(5..7)?, num(8..10)?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Day { year, month, day })
    }

    /// Today (UTC).
    pub fn today() -> Day {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Day::from_days((secs / 86_400) as i64)
    }

    /// The civil date of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
    fn from_days(z: i64) -> Day {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Day { year, month, day }
    }
}

/// What a waiver covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A comment in NEW: the element at `path` of `file` and everything inside it (`path`
    /// empty: the whole file). `deletions_only` for one written on a `reserved` line.
    Comment {
        file: FileId,
        path: Box<[i32]>,
        deletions_only: bool,
    },
    /// `element:` of a `waivers:` entry (a glob of full names), the element or what holds it.
    Element(String),
    /// `path:` of a `waivers:` entry (a glob relative to `protoguard.yaml`'s directory).
    Path(String),
}

/// One signed waiver.
#[derive(Clone, Debug)]
pub struct Waiver {
    pub rules: Vec<String>,
    pub target: Target,
    pub reason: String,
    pub expires: Option<Day>,
    /// Where it is written (`path:line:col`).
    pub origin: String,
    /// What it names, for people (`acme.v1.User.email`, `proto/x.proto`, the element a
    /// comment is on).
    pub subject: String,
}

/// Whether a policy rule or a rule of the catalogue has this ID.
fn known_rule(id: &str) -> bool {
    crate::catalog::get(id).is_some() || super::POLICY_RULES.contains(&id)
}

/// Parses the text after a comment's markers: `protoguard:allow RULE[,RULE] -- reason`.
fn parse_comment(line: &str) -> Result<(Vec<String>, String), String> {
    let usage = format!("write \"{KEYWORD} RULE_ID -- reason\"");
    let rest = line.strip_prefix(KEYWORD).unwrap_or(line);
    let (head, reason) = match rest.split_once("--") {
        Some((h, r)) => (h.trim(), r.trim()),
        None => (rest.trim(), ""),
    };
    let rules: Vec<String> = head
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if rules.is_empty() {
        return Err(format!("waiver names no rule: {usage}"));
    }
    if let Some(bad) = rules.iter().find(|r| !known_rule(r)) {
        return Err(format!(
            "waiver names unknown rule {bad:?} (`protoguard rules` lists them): {usage}"
        ));
    }
    if reason.is_empty() {
        return Err(format!(
            "waiver of {} without a reason: a waiver is signed with why, {usage}",
            rules.join(", ")
        ));
    }
    Ok((rules, reason.to_string()))
}

fn is_waiver_line(line: &str) -> bool {
    line.starts_with(KEYWORD)
}

/// Reads the comment waivers of NEW's compared files; a malformed one is an error, one in a
/// comment no element carries is reported (it can waive nothing).
pub fn read_comments(
    new: &Index,
    warnings: &mut Vec<PolicyWarning>,
) -> Result<Vec<Waiver>, ConfigError> {
    let mut out = Vec::new();
    for (id, file) in new.files.iter().enumerate() {
        if !new.is_checked(id) || !comments::mentions(file, KEYWORD) {
            continue;
        }
        let found = comments::attached(file, false, &is_waiver_line);
        let elements = comments::elements_by_path(new, id);
        for d in &found {
            let origin = format!("{}:{}:{}", file.display, d.line, d.column);
            let (rules, reason) =
                parse_comment(&d.text).map_err(|reason| ConfigError::Invalid {
                    path: origin.clone(),
                    reason,
                })?;
            let (target, subject) = comment_target(id, d, &elements, file);
            out.push(Waiver {
                rules,
                target,
                reason,
                expires: None,
                origin,
                subject,
            });
        }
        for l in comments::loose(file, &found, &is_waiver_line) {
            let origin = format!("{}:{}:{}", file.display, l.line, l.column);
            parse_comment(&l.text).map_err(|reason| ConfigError::Invalid {
                path: origin.clone(),
                reason,
            })?;
            warnings.push(PolicyWarning {
                location: Some((file.display.clone(), l.line, l.column)),
                message: format!(
                    "waiver {:?} is in a comment no element carries (a blank line between a comment and its element detaches it): it waives nothing",
                    l.text
                ),
            });
        }
    }
    Ok(out)
}

/// What a comment waiver covers: the element it is on, the whole file for the file's own
/// statements, the message or enum for a `reserved` statement (deletions only).
fn comment_target(
    file_id: FileId,
    d: &Directive,
    elements: &HashMap<Box<[i32]>, Element>,
    file: &crate::index::File,
) -> (Target, String) {
    if comments::FILE_STATEMENTS.contains(&&*d.path) {
        let target = Target::Comment {
            file: file_id,
            path: Box::new([]),
            deletions_only: false,
        };
        return (target, file.name.clone());
    }
    if let Some(e) = elements.get(&d.path) {
        let target = Target::Comment {
            file: file_id,
            path: d.path.clone(),
            deletions_only: false,
        };
        return (target, e.full_name.clone());
    }
    // A `reserved` statement (or one range or name of it) of a message (9, 10) or enum (4, 5).
    for cut in [1, 2] {
        let Some(parent_len) = d.path.len().checked_sub(cut) else {
            continue;
        };
        let parent = &d.path[..parent_len];
        let Some(e) = elements.get(parent) else {
            continue;
        };
        let key = d.path[parent_len];
        let reserved = match e.kind {
            ElementKind::Message => key == 9 || key == 10,
            ElementKind::Enum => key == 4 || key == 5,
            _ => false,
        };
        if reserved {
            let target = Target::Comment {
                file: file_id,
                path: parent.into(),
                deletions_only: true,
            };
            return (target, format!("reserved of {}", e.full_name));
        }
    }
    // Some other part of a declaration (an option, a range): the part itself.
    let target = Target::Comment {
        file: file_id,
        path: d.path.clone(),
        deletions_only: false,
    };
    (target, file.name.clone())
}

/// Reads and validates `protoguard.yaml`'s `waivers:`.
pub fn read_yaml(contract: &ContractFile) -> Result<Vec<Waiver>, ConfigError> {
    let mut out = Vec::new();
    for entry in &contract.yaml.waivers {
        let w = &entry.value;
        let at = |e: &Option<serde_saphyr::Spanned<String>>| {
            e.as_ref()
                .map_or_else(|| contract.at(entry), |s| contract.at(s))
        };
        let err = |path: String, reason: String| ConfigError::Invalid { path, reason };
        let rule = match &w.rule {
            None => return Err(err(contract.at(entry), "waiver without a rule".into())),
            Some(r) if !known_rule(r.value.trim()) => {
                return Err(err(
                    at(&w.rule),
                    format!(
                        "waiver names unknown rule {:?} (`protoguard rules` lists them)",
                        r.value
                    ),
                ))
            }
            Some(r) => r.value.trim().to_string(),
        };
        let reason = match &w.reason {
            Some(r) if !r.value.trim().is_empty() => r.value.trim().to_string(),
            _ => {
                return Err(err(
                    at(&w.reason),
                    format!("waiver of {rule} without a reason: a waiver is signed with why"),
                ))
            }
        };
        let (target, subject) = match (&w.element, &w.path) {
            (Some(e), None) => (Target::Element(e.value.clone()), e.value.clone()),
            (None, Some(p)) => (Target::Path(p.value.clone()), p.value.clone()),
            _ => {
                return Err(err(
                    contract.at(entry),
                    format!("waiver of {rule} needs exactly one of `element` or `path`"),
                ))
            }
        };
        let expires = match &w.expires {
            None => None,
            Some(d) => Some(Day::parse(d.value.trim()).ok_or_else(|| {
                err(
                    contract.at(d),
                    format!("expires {:?} is not a date (YYYY-MM-DD)", d.value),
                )
            })?),
        };
        out.push(Waiver {
            rules: vec![rule],
            target,
            reason,
            expires,
            origin: contract.at(entry),
            subject,
        });
    }
    Ok(out)
}

impl Waiver {
    /// Whether this waiver covers the finding (its rule, its element or file).
    pub fn covers(
        &self,
        f: &Finding,
        old: &Index,
        new: &Index,
        path_of: &dyn Fn(&Index, &Element) -> Option<String>,
    ) -> bool {
        if !self.rules.iter().any(|r| r == f.rule) {
            return false;
        }
        match &self.target {
            Target::Comment {
                file,
                path,
                deletions_only,
            } => {
                if *deletions_only && !f.subject.is_deletion() {
                    return false;
                }
                let Some(site) = &f.new else { return false };
                site.file == *file && site.path.as_deref().unwrap_or(&[]).starts_with(path)
            }
            Target::Element(pattern) => {
                [&f.subject.old, &f.subject.new]
                    .into_iter()
                    .flatten()
                    .any(|e| {
                        let mut name = e.full_name.as_str();
                        loop {
                            if glob::matches(pattern, name, '.') {
                                return true;
                            }
                            match name.rsplit_once('.') {
                                Some((parent, _)) => name = parent,
                                None => return false,
                            }
                        }
                    })
            }
            Target::Path(pattern) => [(&f.subject.old, old), (&f.subject.new, new)]
                .into_iter()
                .filter_map(|(e, index)| path_of(index, e.as_ref()?))
                .any(|p| glob::matches(pattern, &p, '/')),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_and_today_is_a_day() {
        assert_eq!(
            Day::parse("2024-02-29"),
            Some(Day {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "tomorrow",
            "2024-00-10",
        ] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
        assert_eq!(Day::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Day::from_days(19_782).to_string(), "2024-02-29");
        assert!(Day::today() > Day::parse("2020-01-01").unwrap());
    }

    #[test]
    fn comment_waivers_need_a_known_rule_and_a_reason() {
        let (rules, reason) =
            parse_comment("protoguard:allow FIELD_NO_DELETE, FIELD_SAME_TYPE -- moved to v2")
                .unwrap();
        assert_eq!(rules, ["FIELD_NO_DELETE", "FIELD_SAME_TYPE"]);
        assert_eq!(reason, "moved to v2");
        let no_reason = parse_comment("protoguard:allow FIELD_NO_DELETE").unwrap_err();
        assert!(no_reason.contains("without a reason"), "{no_reason}");
        let empty = parse_comment("protoguard:allow FIELD_NO_DELETE --  ").unwrap_err();
        assert!(empty.contains("without a reason"), "{empty}");
        let unknown = parse_comment("protoguard:allow FIELD_NO_DELET -- x").unwrap_err();
        assert!(
            unknown.contains("unknown rule \"FIELD_NO_DELET\""),
            "{unknown}"
        );
        assert!(parse_comment("protoguard:allow -- x").is_err());
    }
}
