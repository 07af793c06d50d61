//! `(google.api.field_behavior)` rules (AIP-203, AIP-180): a field may not become
//! REQUIRED, gain IMMUTABLE or lose OUTPUT_ONLY, and an existing message may not gain a
//! REQUIRED field. Every finding on a message used as an RPC request says so: that is
//! where a new requirement refuses calls that used to succeed.

use super::annotations::{behavior_name, Annotations, IMMUTABLE, OUTPUT_ONLY, REQUIRED};
use super::{option_site, request_of};
use crate::index::Field;
use crate::quote::q;
use crate::rules::{element, field_description, Element, Findings, Pair, Subject};

/// FieldOptions' field number in FieldDescriptorProto.
const FIELD_OPTIONS: i32 = 8;

/// `"OPTIONAL", "IMMUTABLE"`, or `none` when the field has no behaviour.
fn describe(behaviors: &[i32]) -> String {
    if behaviors.is_empty() {
        return "none".to_string();
    }
    behaviors
        .iter()
        .map(|b| q(&behavior_name(*b)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A note naming the RPCs that take `field`'s message as their request, if any.
fn request_note(
    requests: &std::collections::BTreeMap<String, Vec<String>>,
    f: &Field,
) -> Option<String> {
    let message = f.full_name.rsplit_once('.').map(|(m, _)| m)?;
    let rpcs = requests.get(message)?;
    Some(format!(
        "{} is the request of {}: calls that do not meet the new behaviour are refused",
        q(message),
        rpcs.iter().map(|r| q(r)).collect::<Vec<_>>().join(", ")
    ))
}

/// Runs `judge` on every field present on both sides with its old and new behaviours;
/// `judge` returns what the field newly is (for the message) when the change breaks.
fn changed_behavior(
    pair: &Pair,
    out: &mut Findings,
    judge: impl Fn(&[i32], &[i32]) -> Option<&'static str>,
) {
    let (old_api, new_api) = (Annotations::of(pair.old), Annotations::of(pair.new));
    let requests = request_of(pair.new);
    for (of, nf) in pair.fields() {
        if of.is_extension() {
            continue;
        }
        let was = old_api.field_behavior(&of.custom_options);
        let now = new_api.field_behavior(&nf.custom_options);
        let Some(what) = judge(&was, &now) else {
            continue;
        };
        let site = new_api
            .field_behavior
            .and_then(|n| option_site(pair.new, &nf.site, FIELD_OPTIONS, n))
            .or_else(|| element(pair.new, &nf.site));
        out.add(
            pair.field_subject(of, nf),
            site,
            element(pair.old, &of.site),
            format!(
                "{} {what}: its field_behavior changed from {} to {}.",
                field_description(nf),
                describe(&was),
                describe(&now)
            ),
        );
        if let (Some(note), Some(finding)) = (request_note(&requests, nf), out.out.last_mut()) {
            finding.notes.push(note);
        }
    }
}

/// GOOGLE_API_FIELD_NO_REQUIRED_ADDED: an existing field does not become REQUIRED (from no
/// behaviour, OPTIONAL, OUTPUT_ONLY or anything else).
pub fn field_no_required_added(pair: &Pair, out: &mut Findings) {
    changed_behavior(pair, out, |was, now| {
        (now.contains(&REQUIRED) && !was.contains(&REQUIRED)).then_some("became REQUIRED")
    });
}

/// GOOGLE_API_FIELD_NO_OUTPUT_ONLY_REMOVED: an OUTPUT_ONLY field stays OUTPUT_ONLY.
pub fn field_no_output_only_removed(pair: &Pair, out: &mut Findings) {
    changed_behavior(pair, out, |was, now| {
        (was.contains(&OUTPUT_ONLY) && !now.contains(&OUTPUT_ONLY))
            .then_some("is no longer OUTPUT_ONLY")
    });
}

/// GOOGLE_API_FIELD_NO_IMMUTABLE_ADDED: an existing field does not become IMMUTABLE.
pub fn field_no_immutable_added(pair: &Pair, out: &mut Findings) {
    changed_behavior(pair, out, |was, now| {
        (now.contains(&IMMUTABLE) && !was.contains(&IMMUTABLE)).then_some("became IMMUTABLE")
    });
}

/// GOOGLE_API_MESSAGE_NO_REQUIRED_FIELD_ADDED: a message present on both sides gains no
/// REQUIRED field (a field number the old message did not have).
pub fn message_no_required_field_added(pair: &Pair, out: &mut Findings) {
    let new_api = Annotations::of(pair.new);
    if new_api.field_behavior.is_none() {
        return;
    }
    let requests = request_of(pair.new);
    for (om, nm) in pair.messages() {
        for nf in &nm.fields {
            if om.field_by_number(nf.number).is_some() {
                continue;
            }
            let now = new_api.field_behavior(&nf.custom_options);
            if !now.contains(&REQUIRED) {
                continue;
            }
            let site = new_api
                .field_behavior
                .and_then(|n| option_site(pair.new, &nf.site, FIELD_OPTIONS, n))
                .or_else(|| element(pair.new, &nf.site));
            out.add(
                Subject::added(Element::field(pair.new, nf)),
                site,
                element(pair.old, &om.site),
                format!(
                    "Field {} with name {} was added to existing message {} as REQUIRED.",
                    q(&nf.number.to_string()),
                    q(&nf.name),
                    q(&nm.name)
                ),
            );
            if let (Some(note), Some(finding)) = (request_note(&requests, nf), out.out.last_mut()) {
                finding.notes.push(note);
            }
        }
    }
}
