//! Message-level rules: deleted fields and oneofs, reserved and extension ranges, required
//! fields, and message options that generated code or JSON depend on.

use super::ranges::{collapse, missing, range_string, MESSAGE_MAX, MESSAGE_SET_MAX};
use super::{backup, element, field_description, Element, Findings, Pair, Subject};
use crate::features::{json_format_name, JSON_ALLOW};
use crate::index::Message;
use crate::quote::q;

#[derive(Clone, Copy, PartialEq)]
enum Allow {
    Never,
    IfNumberReserved,
    IfNameReserved,
}

fn field_no_delete_with(pair: &Pair, out: &mut Findings, allow: Allow) {
    for m in &pair.diff.messages.both {
        let (om, nm) = (m.old, m.new);
        for of in m.fields.deleted.iter().map(|g| g.first()) {
            let reserved_number = nm
                .reserved_ranges
                .iter()
                .any(|&(s, e)| s <= of.number && of.number <= e);
            let reserved_name = nm.reserved_names.contains(&of.name);
            let suffix = match allow {
                Allow::Never => String::new(),
                Allow::IfNumberReserved if reserved_number => continue,
                Allow::IfNameReserved if reserved_name => continue,
                Allow::IfNumberReserved => {
                    format!(" without reserving the number \"{}\"", of.number)
                }
                Allow::IfNameReserved => format!(" without reserving the name {}", q(&of.name)),
            };
            let description = field_description(of);
            let description = lower_first(&description);
            out.add(
                Subject::deleted(Element::field(pair.old, of)),
                element(pair.new, &nm.site),
                element(pair.old, &om.site),
                format!("Previously present {description} was deleted{suffix}."),
            );
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// FIELD_NO_DELETE: no field disappears from a message.
pub fn field_no_delete(pair: &Pair, out: &mut Findings) {
    field_no_delete_with(pair, out, Allow::Never);
}

/// FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED: a deleted field's number is reserved.
pub fn field_no_delete_unless_number_reserved(pair: &Pair, out: &mut Findings) {
    field_no_delete_with(pair, out, Allow::IfNumberReserved);
}

/// FIELD_NO_DELETE_UNLESS_NAME_RESERVED: a deleted field's name is reserved.
pub fn field_no_delete_unless_name_reserved(pair: &Pair, out: &mut Findings) {
    field_no_delete_with(pair, out, Allow::IfNameReserved);
}

/// ONEOF_NO_DELETE: no (non-synthetic) oneof disappears from a message.
pub fn oneof_no_delete(pair: &Pair, out: &mut Findings) {
    for m in &pair.diff.messages.both {
        let (om, nm) = (m.old, m.new);
        for (_, oo) in m.oneofs.deleted.iter().filter(|(_, o)| !o.synthetic) {
            out.add(
                Subject::deleted(Element::oneof(pair.old, om, oo)),
                element(pair.new, &nm.site),
                element(pair.old, &om.site),
                format!(
                    "Previously present oneof {} on message {} was deleted.",
                    q(&oo.name),
                    q(&nm.name)
                ),
            );
        }
    }
}

/// Reports every old range whose numbers the new ranges no longer cover.
fn check_ranges(
    pair: &Pair,
    out: &mut Findings,
    kind: &str,
    om: &Message,
    nm: &Message,
    old_ranges: &[(i32, i32)],
    new_ranges: &[(i32, i32)],
) {
    if old_ranges.is_empty() {
        return;
    }
    let max = if nm.message_set_wire_format {
        MESSAGE_SET_MAX
    } else {
        MESSAGE_MAX
    };
    let collapsed = collapse(new_ranges);
    for &(s, e) in old_ranges {
        let lost = missing(s, e, &collapsed);
        if lost.is_empty() {
            continue;
        }
        let lost: Vec<String> = lost.iter().map(|&(a, b)| range_string(a, b, max)).collect();
        out.add(
            pair.message_subject(om, nm),
            element(pair.new, &nm.site),
            element(pair.old, &om.site),
            format!(
                "Previously present {kind} range {} on message {} is missing values: {} were removed.",
                q(&range_string(s, e, max)),
                q(&nm.name),
                lost.join(", ")
            ),
        );
    }
}

/// EXTENSION_MESSAGE_NO_DELETE: extension ranges keep covering every number they covered.
pub fn extension_message_no_delete(pair: &Pair, out: &mut Findings) {
    for (om, nm) in pair.messages() {
        check_ranges(
            pair,
            out,
            "extension",
            om,
            nm,
            &om.extension_ranges,
            &nm.extension_ranges,
        );
    }
}

/// RESERVED_MESSAGE_NO_DELETE: reserved numbers and names of a message stay reserved.
pub fn reserved_message_no_delete(pair: &Pair, out: &mut Findings) {
    for (om, nm) in pair.messages() {
        check_ranges(
            pair,
            out,
            "reserved",
            om,
            nm,
            &om.reserved_ranges,
            &nm.reserved_ranges,
        );
        for name in &om.reserved_names {
            if !nm.reserved_names.contains(name) {
                out.add(
                    pair.message_subject(om, nm),
                    element(pair.new, &nm.site),
                    element(pair.old, &om.site),
                    format!(
                        "Previously present reserved name {name} on message {} was deleted.",
                        q(&nm.name),
                        name = q(name)
                    ),
                );
            }
        }
    }
}

/// `LABEL_REQUIRED`: buf (and so this rule) reads the label, not the editions
/// `LEGACY_REQUIRED` presence feature.
const LABEL_REQUIRED: i32 = 2;

/// MESSAGE_SAME_REQUIRED_FIELDS: no required field is added or removed.
pub fn message_same_required_fields(pair: &Pair, out: &mut Findings) {
    const WHY: &str = "Required fields must always be sent, so if one side does not know about the required field, this will result in a breakage.";
    let required = |m: &Message| -> Vec<i32> {
        m.fields
            .iter()
            .filter(|f| f.label == LABEL_REQUIRED)
            .map(|f| f.number)
            .collect()
    };
    for (om, nm) in pair.messages() {
        let (was, now) = (required(om), required(nm));
        for n in was.iter().filter(|n| !now.contains(n)) {
            let deleted = om
                .field_by_number(*n)
                .expect("a required number names a field");
            out.add(
                Subject::deleted(Element::field(pair.old, deleted)),
                element(pair.new, &nm.site),
                element(pair.old, &om.site),
                format!(
                    "Message {} had required field \"{n}\" deleted. {WHY}",
                    q(&om.name)
                ),
            );
        }
        for f in nm
            .fields
            .iter()
            .filter(|f| f.label == LABEL_REQUIRED && !was.contains(&f.number))
        {
            out.add(
                Subject::added(Element::field(pair.new, f)),
                element(pair.new, &f.site),
                None,
                format!(
                    "Message {} had required field \"{}\" added. {WHY}",
                    q(&nm.name),
                    f.number
                ),
            );
        }
    }
}

/// MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR: `no_standard_descriptor_accessor` is not
/// turned on.
pub fn message_no_remove_standard_descriptor_accessor(pair: &Pair, out: &mut Findings) {
    for (om, nm) in pair.messages() {
        if !om.no_standard_descriptor_accessor && nm.no_standard_descriptor_accessor {
            let opt = |m: &Message| m.site.child(&[7, 2]);
            out.add(
                pair.message_subject(om, nm),
                element(pair.new, &opt(nm)),
                element(pair.old, &opt(om)),
                "Message option \"no_standard_descriptor_accessor\" changed from \"false\" to \"true\"."
                    .to_string(),
            );
        }
    }
}

/// MESSAGE_SAME_JSON_FORMAT: a message that supported JSON keeps supporting it.
pub fn message_same_json_format(pair: &Pair, out: &mut Findings) {
    for (om, nm) in pair.messages() {
        let (was, now) = (om.features.json_format, nm.features.json_format);
        if was == JSON_ALLOW && now != JSON_ALLOW {
            out.add(
                pair.message_subject(om, nm),
                backup(pair.new, &[nm.site.child(&[7, 12, 6]), nm.site.clone()]),
                backup(pair.old, &[om.site.child(&[7, 12, 6]), om.site.clone()]),
                format!(
                    "Message {} JSON format support changed from {} to {}.",
                    q(&nm.name),
                    json_format_name(was),
                    json_format_name(now)
                ),
            );
        }
    }
}

/// MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT: deprecated by buf; checks nothing.
pub fn message_same_message_set_wire_format(_pair: &Pair, _out: &mut Findings) {}
