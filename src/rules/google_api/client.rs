//! Client annotations (AIP-4232, AIP-151, AIP-4210, AIP-180): method signatures become
//! generated client overloads, `operation_info` types become a long-running call's typed
//! result, and a service's `default_host` and OAuth scopes are what clients connect to and
//! ask for. Removing or changing any of them breaks code or deployments built on them.

use super::annotations::Annotations;
use super::{option_site, qualified};
use crate::index::{Method, Service};
use crate::quote::q;
use crate::rules::{element, Element, Findings, Pair, Subject};

/// The options fields of MethodDescriptorProto and ServiceDescriptorProto.
const METHOD_OPTIONS: i32 = 4;
const SERVICE_OPTIONS: i32 = 3;

fn rpc(m: &Method, s: &Service) -> String {
    format!("RPC {} on service {}", q(&m.name), q(&s.name))
}

/// GOOGLE_API_METHOD_SIGNATURE_NO_DELETE: every `(google.api.method_signature)` of an RPC
/// is still one of its signatures (a changed signature is the old one removed).
pub fn method_signature_no_delete(pair: &Pair, out: &mut Findings) {
    let (old_api, new_api) = (Annotations::of(pair.old), Annotations::of(pair.new));
    for (os, om, ns, nm) in pair.methods() {
        let now: Vec<String> = new_api
            .method_signatures(&nm.custom_options)
            .iter()
            .map(|s| normalize_signature(s))
            .collect();
        for was in old_api.method_signatures(&om.custom_options) {
            if now.contains(&normalize_signature(&was)) {
                continue;
            }
            let site = new_api
                .method_signature
                .and_then(|n| option_site(pair.new, &nm.site, METHOD_OPTIONS, n))
                .or_else(|| element(pair.new, &nm.site));
            out.add(
                pair.rpc_subject(os, om, ns, nm),
                site,
                element(pair.old, &om.site),
                format!(
                    "{} no longer has method signature {}.",
                    rpc(nm, ns),
                    q(&was)
                ),
            );
        }
    }
}

/// A signature as generators read it: field paths separated by commas, spaces ignored.
fn normalize_signature(s: &str) -> String {
    s.split(',').map(str::trim).collect::<Vec<_>>().join(",")
}

/// GOOGLE_API_OPERATION_INFO_SAME_TYPES: a long-running RPC's
/// `(google.longrunning.operation_info)` keeps its `response_type` and `metadata_type`
/// (unqualified names resolved in the file's package) and is not removed.
pub fn operation_info_same_types(pair: &Pair, out: &mut Findings) {
    let (old_api, new_api) = (Annotations::of(pair.old), Annotations::of(pair.new));
    for (os, om, ns, nm) in pair.methods() {
        let Some(was) = old_api.operation_info(&om.custom_options) else {
            continue;
        };
        let site = new_api
            .operation_info
            .and_then(|n| option_site(pair.new, &nm.site, METHOD_OPTIONS, n))
            .or_else(|| element(pair.new, &nm.site));
        let Some(now) = new_api.operation_info(&nm.custom_options) else {
            out.add(
                pair.rpc_subject(os, om, ns, nm),
                site,
                element(pair.old, &om.site),
                format!(
                    "{} no longer has operation_info (its long-running operation was typed {} with metadata {}).",
                    rpc(nm, ns),
                    q(&qualified(pair.old, os.file, &was.response_type)),
                    q(&qualified(pair.old, os.file, &was.metadata_type))
                ),
            );
            continue;
        };
        for (what, old, new) in [
            ("response_type", &was.response_type, &now.response_type),
            ("metadata_type", &was.metadata_type, &now.metadata_type),
        ] {
            let old_name = qualified(pair.old, os.file, old);
            let new_name = qualified(pair.new, ns.file, new);
            if old_name == new_name {
                continue;
            }
            out.add(
                pair.rpc_subject(os, om, ns, nm),
                site.clone(),
                element(pair.old, &om.site),
                format!(
                    "{} changed the {what} of its long-running operation from {} to {}.",
                    rpc(nm, ns),
                    q(&old_name),
                    q(&new_name)
                ),
            );
        }
    }
}

/// A service option of both sides: the old and new values and where the new one is.
fn service_option(
    pair: &Pair,
    out: &mut Findings,
    get: impl Fn(&Annotations, &[u8]) -> Option<String>,
    number: impl Fn(&Annotations) -> Option<u32>,
    judge: impl Fn(&str, Option<&str>) -> Option<String>,
) {
    let (old_api, new_api) = (Annotations::of(pair.old), Annotations::of(pair.new));
    for (os, ns) in pair.services() {
        let Some(was) = get(&old_api, &os.custom_options) else {
            continue;
        };
        let now = get(&new_api, &ns.custom_options);
        let Some(message) = judge(&was, now.as_deref()) else {
            continue;
        };
        let site = number(&new_api)
            .and_then(|n| option_site(pair.new, &ns.site, SERVICE_OPTIONS, n))
            .or_else(|| element(pair.new, &ns.site));
        out.add(
            Subject::changed(
                Element::service(pair.old, os),
                Element::service(pair.new, ns),
            ),
            site,
            element(pair.old, &os.site),
            format!("Service {} {message}.", q(&ns.name)),
        );
    }
}

/// GOOGLE_API_SERVICE_SAME_DEFAULT_HOST: a service's `(google.api.default_host)` is
/// unchanged (and not removed).
pub fn service_same_default_host(pair: &Pair, out: &mut Findings) {
    service_option(
        pair,
        out,
        Annotations::default_host,
        |a| a.default_host,
        |was, now| match now {
            Some(now) if now == was => None,
            Some(now) => Some(format!(
                "changed its default host from {} to {}",
                q(was),
                q(now)
            )),
            None => Some(format!("no longer has default host {}", q(was))),
        },
    );
}

/// The scopes of an `oauth_scopes` value (comma-separated, AIP-4211).
fn scopes(value: &str) -> Vec<&str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// GOOGLE_API_SERVICE_NO_OAUTH_SCOPE_DELETE: every OAuth scope of a service's
/// `(google.api.oauth_scopes)` is still listed.
pub fn service_no_oauth_scope_delete(pair: &Pair, out: &mut Findings) {
    service_option(
        pair,
        out,
        Annotations::oauth_scopes,
        |a| a.oauth_scopes,
        |was, now| {
            let now = scopes(now.unwrap_or_default());
            let gone: Vec<&str> = scopes(was)
                .into_iter()
                .filter(|s| !now.contains(s))
                .collect();
            (!gone.is_empty()).then(|| {
                format!(
                    "no longer lists OAuth scope {}",
                    gone.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
                )
            })
        },
    );
}
