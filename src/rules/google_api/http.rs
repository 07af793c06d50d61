//! `(google.api.http)` rules (AIP-127, AIP-180): the REST binding of an RPC is its public
//! URL. Its verb and path template, its `body` and `response_body`, and every additional
//! binding must stay, or REST clients and generated REST transports call what no longer
//! exists.

use super::annotations::{Annotations, HttpRule};
use super::option_site;
use crate::index::{Method, Service, Site};
use crate::quote::q;
use crate::rules::{element, Findings, Pair};

/// MethodOptions' field number in MethodDescriptorProto.
const METHOD_OPTIONS: i32 = 4;

/// An RPC present on both sides, with its old and new bindings and where the new one is.
struct Bound<'a> {
    os: &'a Service,
    om: &'a Method,
    ns: &'a Service,
    nm: &'a Method,
    was: Option<HttpRule>,
    now: Option<HttpRule>,
    site: Option<Site>,
}

impl Bound<'_> {
    fn add(&self, pair: &Pair, out: &mut Findings, message: String) {
        out.add(
            pair.rpc_subject(self.os, self.om, self.ns, self.nm),
            self.site.clone(),
            element(pair.old, &self.om.site),
            message,
        );
    }

    /// `RPC "GetBook" on service "Library"`.
    fn rpc(&self) -> String {
        format!("RPC {} on service {}", q(&self.nm.name), q(&self.ns.name))
    }
}

fn bindings<'a>(pair: &Pair<'a>) -> Vec<Bound<'a>> {
    let (old_api, new_api) = (Annotations::of(pair.old), Annotations::of(pair.new));
    pair.methods()
        .map(|(os, om, ns, nm)| Bound {
            os,
            om,
            ns,
            nm,
            was: old_api.http(&om.custom_options),
            now: new_api.http(&nm.custom_options),
            site: new_api
                .http
                .and_then(|n| option_site(pair.new, &nm.site, METHOD_OPTIONS, n))
                .or_else(|| element(pair.new, &nm.site)),
        })
        .collect()
}

/// GOOGLE_API_HTTP_SAME_PATTERN: the verb and path template of an RPC's main binding are
/// unchanged.
pub fn http_same_pattern(pair: &Pair, out: &mut Findings) {
    for b in bindings(pair) {
        let (Some(was), Some(now)) = (&b.was, &b.now) else {
            continue;
        };
        if was.pattern() != now.pattern() {
            let message = format!(
                "{} changed its HTTP binding from {} to {}.",
                b.rpc(),
                q(&was.describe()),
                q(&now.describe())
            );
            b.add(pair, out, message);
        }
    }
}

/// GOOGLE_API_HTTP_SAME_BODY: the `body` and `response_body` of every binding that stays
/// (the main one, and additional ones by verb and path) are unchanged.
pub fn http_same_body(pair: &Pair, out: &mut Findings) {
    for b in bindings(pair) {
        let (Some(was), Some(now)) = (&b.was, &b.now) else {
            continue;
        };
        let mut kept = vec![(was, now)];
        for old_extra in &was.additional_bindings {
            let same = |n: &&HttpRule| n.pattern() == old_extra.pattern();
            if let Some(new_extra) = now.additional_bindings.iter().find(same) {
                kept.push((old_extra, new_extra));
            }
        }
        for (was, now) in kept {
            for (what, old, new) in [
                ("body", &was.body, &now.body),
                ("response_body", &was.response_body, &now.response_body),
            ] {
                if old != new {
                    let message = format!(
                        "{} changed the {what} of HTTP binding {} from {} to {}.",
                        b.rpc(),
                        q(&now.describe()),
                        q(old),
                        q(new)
                    );
                    b.add(pair, out, message);
                }
            }
        }
    }
}

/// GOOGLE_API_HTTP_NO_BINDING_DELETE: an RPC keeps its HTTP annotation, and every
/// additional binding (by verb and path) is still one of its bindings.
pub fn http_no_binding_delete(pair: &Pair, out: &mut Findings) {
    for b in bindings(pair) {
        let Some(was) = &b.was else {
            continue;
        };
        let Some(now) = &b.now else {
            let message = format!(
                "{} no longer has HTTP binding {}.",
                b.rpc(),
                q(&was.describe())
            );
            b.add(pair, out, message);
            continue;
        };
        let kept: Vec<(String, String)> = std::iter::once(now.pattern())
            .chain(now.additional_bindings.iter().map(HttpRule::pattern))
            .collect();
        for extra in &was.additional_bindings {
            if !kept.contains(&extra.pattern()) {
                let message = format!(
                    "{} no longer has additional HTTP binding {}.",
                    b.rpc(),
                    q(&extra.describe())
                );
                b.add(pair, out, message);
            }
        }
    }
}
