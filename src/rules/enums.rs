//! Enum rules: deleted and renamed values, reserved ranges and names, open/closed semantics
//! and JSON support.

use crate::quote::q;

use super::ranges::{collapse, missing, range_string, ENUM_MAX};
use super::{backup, element, quoted_list, Element, Findings, Pair, Subject};
use crate::features::json_format_name;
use crate::features::JSON_ALLOW;
use crate::index::EnumValue;

/// The values holding one number, names sorted (as buf lists them).
fn sorted<'a>(values: &[&'a EnumValue]) -> Vec<&'a EnumValue> {
    let mut values = values.to_vec();
    values.sort_by(|a, b| a.name.cmp(&b.name));
    values
}

#[derive(Clone, Copy, PartialEq)]
enum Allow {
    Never,
    IfNumberReserved,
    IfNameReserved,
}

fn value_no_delete_with(pair: &Pair, out: &mut Findings, allow: Allow) {
    for e in &pair.diff.enums.both {
        let (oe, ne) = (e.old, e.new);
        for group in &e.values.deleted {
            let number = group.number;
            let values = sorted(&group.members);
            let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
            let suffix = match allow {
                Allow::Never => String::new(),
                Allow::IfNumberReserved => {
                    if ne
                        .reserved_ranges
                        .iter()
                        .any(|&(s, e)| s <= number && number <= e)
                    {
                        continue;
                    }
                    format!(" without reserving the number \"{number}\"")
                }
                Allow::IfNameReserved => {
                    if names
                        .iter()
                        .all(|n| ne.reserved_names.iter().any(|r| r == n))
                    {
                        continue;
                    }
                    let s = if names.len() > 1 { "s" } else { "" };
                    format!(" without reserving the name{s} {}", quoted_list(&names))
                }
            };
            out.add(
                Subject::deleted(Element::enum_value(pair.old, oe, values[0])),
                element(pair.new, &ne.site),
                element(pair.old, &oe.site),
                format!(
                    "Previously present enum value \"{number}\" on enum {} was deleted{suffix}.",
                    q(&ne.name)
                ),
            );
        }
    }
}

/// ENUM_VALUE_NO_DELETE: no enum value (number) disappears.
pub fn enum_value_no_delete(pair: &Pair, out: &mut Findings) {
    value_no_delete_with(pair, out, Allow::Never);
}

/// ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED: a deleted value's number is reserved.
pub fn enum_value_no_delete_unless_number_reserved(pair: &Pair, out: &mut Findings) {
    value_no_delete_with(pair, out, Allow::IfNumberReserved);
}

/// ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED: a deleted value's names are reserved.
pub fn enum_value_no_delete_unless_name_reserved(pair: &Pair, out: &mut Findings) {
    value_no_delete_with(pair, out, Allow::IfNameReserved);
}

/// ENUM_VALUE_SAME_NAME: every name a number has now, it had before.
pub fn enum_value_same_name(pair: &Pair, out: &mut Findings) {
    for e in &pair.diff.enums.both {
        let (oe, ne) = (e.old, e.new);
        for held in &e.values.both {
            let number = held.number;
            let (old_values, values) = (sorted(&held.old), sorted(&held.new));
            let old_names: Vec<&str> = old_values.iter().map(|v| v.name.as_str()).collect();
            let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
            // Adding an alias is fine; losing any name the number had is not.
            if old_names.iter().all(|n| names.contains(n)) {
                continue;
            }
            let s = if old_names.len() > 1 && names.len() > 1 {
                "s"
            } else {
                ""
            };
            for v in &values {
                let old_site = old_values
                    .iter()
                    .find(|o| o.name == v.name)
                    .and_then(|o| element(pair.old, &o.site.child(&[2])));
                let old_value = old_values[0];
                out.add(
                    Subject::changed(
                        Element::enum_value(pair.old, oe, old_value),
                        Element::enum_value(pair.new, ne, v),
                    ),
                    element(pair.new, &v.site.child(&[2])),
                    old_site,
                    format!(
                        "Enum value \"{number}\" on enum {} changed name{s} from {} to {}.",
                        q(&ne.name),
                        quoted_list(&old_names),
                        quoted_list(&names)
                    ),
                );
            }
        }
    }
}

/// ENUM_SAME_TYPE: an enum stays open or stays closed.
pub fn enum_same_type(pair: &Pair, out: &mut Findings) {
    for (oe, ne) in pair.enums() {
        if oe.is_closed() == ne.is_closed() {
            continue;
        }
        let (was, now) = if ne.is_closed() {
            ("open", "closed")
        } else {
            ("closed", "open")
        };
        out.add(
            Subject::changed(Element::enum_(pair.old, oe), Element::enum_(pair.new, ne)),
            backup(pair.new, &[ne.site.child(&[3, 7, 2]), ne.site.clone()]),
            backup(pair.old, &[oe.site.child(&[3, 7, 2]), oe.site.clone()]),
            format!("Enum {} changed from {was} to {now}.", q(&ne.name)),
        );
    }
}

/// ENUM_SAME_JSON_FORMAT: an enum that supported JSON keeps supporting it.
pub fn enum_same_json_format(pair: &Pair, out: &mut Findings) {
    for (oe, ne) in pair.enums() {
        let (was, now) = (oe.features.json_format, ne.features.json_format);
        if was == JSON_ALLOW && now != JSON_ALLOW {
            out.add(
                Subject::changed(Element::enum_(pair.old, oe), Element::enum_(pair.new, ne)),
                backup(pair.new, &[ne.site.child(&[3, 7, 6]), ne.site.clone()]),
                backup(pair.old, &[oe.site.child(&[3, 7, 6]), oe.site.clone()]),
                format!(
                    "Enum {} JSON format support changed from {} to {}.",
                    q(&ne.name),
                    json_format_name(was),
                    json_format_name(now)
                ),
            );
        }
    }
}

/// RESERVED_ENUM_NO_DELETE: reserved numbers and names of an enum stay reserved.
pub fn reserved_enum_no_delete(pair: &Pair, out: &mut Findings) {
    for (oe, ne) in pair.enums() {
        if !oe.reserved_ranges.is_empty() {
            let collapsed = collapse(&ne.reserved_ranges);
            for &(s, e) in &oe.reserved_ranges {
                let lost = missing(s, e, &collapsed);
                if lost.is_empty() {
                    continue;
                }
                let lost: Vec<String> = lost
                    .iter()
                    .map(|&(a, b)| range_string(a, b, ENUM_MAX))
                    .collect();
                out.add(
                    Subject::changed(Element::enum_(pair.old, oe), Element::enum_(pair.new, ne)),
                    element(pair.new, &ne.site),
                    element(pair.old, &oe.site),
                    format!(
                        "Previously present reserved range {} on enum {} is missing values: {} were removed.",
                        q(&range_string(s, e, ENUM_MAX)),
                        q(&ne.name),
                        lost.join(", ")
                    ),
                );
            }
        }
        for name in &oe.reserved_names {
            if !ne.reserved_names.contains(name) {
                out.add(
                    Subject::changed(Element::enum_(pair.old, oe), Element::enum_(pair.new, ne)),
                    element(pair.new, &ne.site),
                    element(pair.old, &oe.site),
                    format!(
                        "Previously present reserved name {name} on enum {} was deleted.",
                        q(&ne.name),
                        name = q(name)
                    ),
                );
            }
        }
    }
}
