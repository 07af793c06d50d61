//! Resource rules (AIP-122, AIP-123, AIP-180): a resource's type and name patterns are how
//! clients build and parse its names, and a `resource_reference` is what generated code
//! types a name field with. Changing them breaks the helpers and callers built on them;
//! appending a pattern does not.

use std::collections::BTreeSet;

use super::annotations::{Annotations, ResourceDescriptor};
use super::option_site;
use crate::index::{Index, Site};
use crate::quote::q;
use crate::rules::{element, field_description, Element, Findings, Pair, Subject};

/// The options fields of DescriptorProto, FieldDescriptorProto and FileDescriptorProto.
const MESSAGE_OPTIONS: i32 = 7;
const FIELD_OPTIONS: i32 = 8;
const FILE_OPTIONS: i32 = 8;

fn quoted_all(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
}

/// Where a message's `(google.api.resource)` is, with backup to the message.
fn resource_site(index: &Index, api: &Annotations, site: &Site) -> Option<Site> {
    api.resource
        .and_then(|n| option_site(index, site, MESSAGE_OPTIONS, n))
        .or_else(|| element(index, site))
}

/// GOOGLE_API_RESOURCE_SAME_TYPE: a resource message stays a resource, of the same type.
pub fn resource_same_type(pair: &Pair, out: &mut Findings) {
    let (old_api, new_api) = (Annotations::of(pair.old), Annotations::of(pair.new));
    for (om, nm) in pair.messages() {
        let Some(was) = old_api.resource(&om.custom_options) else {
            continue;
        };
        let now = new_api.resource(&nm.custom_options);
        let now_type = now.as_ref().map(|r| r.r#type.as_str()).unwrap_or("");
        if now_type == was.r#type {
            continue;
        }
        let message = match &now {
            Some(_) => format!(
                "Message {} changed its resource type from {} to {}.",
                q(&nm.name),
                q(&was.r#type),
                q(now_type)
            ),
            None => format!(
                "Message {} is no longer resource {}.",
                q(&nm.name),
                q(&was.r#type)
            ),
        };
        out.add(
            pair.message_subject(om, nm),
            resource_site(pair.new, &new_api, &nm.site),
            element(pair.old, &om.site),
            message,
        );
    }
}

/// Whether `now` keeps every pattern of `was`, in order (new ones may only be appended).
fn keeps_patterns(was: &ResourceDescriptor, now: &ResourceDescriptor) -> bool {
    now.pattern.starts_with(&was.pattern)
}

/// GOOGLE_API_RESOURCE_SAME_PATTERNS: a resource (a message's, or a file-level definition,
/// by type) keeps its name patterns in order; appending patterns is fine.
pub fn resource_same_patterns(pair: &Pair, out: &mut Findings) {
    let (old_api, new_api) = (Annotations::of(pair.old), Annotations::of(pair.new));
    for (om, nm) in pair.messages() {
        let (Some(was), Some(now)) = (
            old_api.resource(&om.custom_options),
            new_api.resource(&nm.custom_options),
        ) else {
            continue;
        };
        if was.r#type != now.r#type || keeps_patterns(&was, &now) {
            continue;
        }
        out.add(
            pair.message_subject(om, nm),
            resource_site(pair.new, &new_api, &nm.site),
            element(pair.old, &om.site),
            format!(
                "Resource {} of message {} changed its patterns from {} to {}.",
                q(&now.r#type),
                q(&nm.name),
                quoted_all(&was.pattern),
                quoted_all(&now.pattern)
            ),
        );
    }
    for (of, nf) in pair.files() {
        let now_defs = new_api.resource_definitions(&nf.options.extensions);
        for was in old_api.resource_definitions(&of.options.extensions) {
            let Some((i, now)) = now_defs
                .iter()
                .enumerate()
                .find(|(_, d)| d.r#type == was.r#type)
            else {
                continue;
            };
            if keeps_patterns(&was, now) {
                continue;
            }
            let (Some(old_id), Some(new_id)) =
                (pair.old.file_id(&of.name), pair.new.file_id(&nf.name))
            else {
                continue;
            };
            out.add(
                Subject::changed(Element::file(of), Element::file(nf)),
                definition_site(pair.new, &new_api, new_id, i),
                element(pair.old, &Site::file(old_id)),
                format!(
                    "Resource definition {} changed its patterns from {} to {}.",
                    q(&now.r#type),
                    quoted_all(&was.pattern),
                    quoted_all(&now.pattern)
                ),
            );
        }
    }
}

/// Where the `i`th `(google.api.resource_definition)` of a file is, with backup to the
/// first one, then to the file.
fn definition_site(index: &Index, api: &Annotations, file: usize, i: usize) -> Option<Site> {
    let Some(n) = api.resource_definition else {
        return Some(Site::file(file));
    };
    let at = [FILE_OPTIONS, n as i32, i as i32];
    let any = [FILE_OPTIONS, n as i32];
    crate::rules::locate(index, file, &[&at, &any, &[FILE_OPTIONS]])
        .or_else(|| Some(Site::file(file)))
}

/// GOOGLE_API_RESOURCE_DEFINITION_NO_DELETE: every resource type a file defines at file
/// level is still defined in the new schema (at file level in any file, or by a message).
pub fn resource_definition_no_delete(pair: &Pair, out: &mut Findings) {
    let (old_api, new_api) = (Annotations::of(pair.old), Annotations::of(pair.new));
    let mut defined: Option<BTreeSet<String>> = None;
    for (of, nf) in pair.files() {
        for was in old_api.resource_definitions(&of.options.extensions) {
            let defined = defined.get_or_insert_with(|| defined_types(pair.new, &new_api));
            if defined.contains(&was.r#type) {
                continue;
            }
            let (Some(old_id), Some(new_id)) =
                (pair.old.file_id(&of.name), pair.new.file_id(&nf.name))
            else {
                continue;
            };
            out.add(
                Subject::changed(Element::file(of), Element::file(nf)),
                definition_site(pair.new, &new_api, new_id, 0),
                element(pair.old, &Site::file(old_id)),
                format!(
                    "File {} no longer defines resource {}.",
                    q(&nf.name),
                    q(&was.r#type)
                ),
            );
        }
    }
}

/// Every resource type `index` defines, at file level or by a message.
fn defined_types(index: &Index, api: &Annotations) -> BTreeSet<String> {
    let files = index
        .files
        .iter()
        .flat_map(|f| api.resource_definitions(&f.options.extensions));
    let messages = index
        .messages
        .iter()
        .filter_map(|m| api.resource(&m.custom_options));
    files.chain(messages).map(|d| d.r#type).collect()
}

/// GOOGLE_API_RESOURCE_REFERENCE_SAME_TYPE: a field's `(google.api.resource_reference)`
/// keeps its `type` and `child_type` (and is not removed).
pub fn resource_reference_same_type(pair: &Pair, out: &mut Findings) {
    let (old_api, new_api) = (Annotations::of(pair.old), Annotations::of(pair.new));
    let describe = |r: &super::annotations::ResourceReference| {
        if !r.child_type.is_empty() {
            format!("child_type {}", q(&r.child_type))
        } else {
            format!("type {}", q(&r.r#type))
        }
    };
    for (of, nf) in pair.fields() {
        let Some(was) = old_api.resource_reference(&of.custom_options) else {
            continue;
        };
        let now = new_api.resource_reference(&nf.custom_options);
        if now.as_ref() == Some(&was) {
            continue;
        }
        let message = match &now {
            Some(now) => format!(
                "{} changed its resource reference from {} to {}.",
                field_description(nf),
                describe(&was),
                describe(now)
            ),
            None => format!(
                "{} no longer references resource {}.",
                field_description(nf),
                describe(&was)
            ),
        };
        let site = new_api
            .resource_reference
            .and_then(|n| option_site(pair.new, &nf.site, FIELD_OPTIONS, n))
            .or_else(|| element(pair.new, &nf.site));
        out.add(
            pair.field_subject(of, nf),
            site,
            element(pair.old, &of.site),
            message,
        );
    }
}
