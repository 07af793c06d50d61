//! Service rules: deleted RPCs, and an RPC's request and response types, streaming and
//! idempotency level.

use super::{element, Element, Findings, Pair, Subject, TypeChange};
use crate::index::Method;
use crate::quote::q;

/// RPC_NO_DELETE: no RPC disappears from a service.
pub fn rpc_no_delete(pair: &Pair, out: &mut Findings) {
    for s in &pair.diff.services.both {
        let (os, ns) = (s.old, s.new);
        for om in &s.rpcs.deleted {
            out.add(
                Subject::deleted(Element::rpc(pair.old, os, om)),
                element(pair.new, &ns.site),
                element(pair.old, &os.site),
                format!(
                    "Previously present RPC {} on service {} was deleted.",
                    q(&om.name),
                    q(&ns.name)
                ),
            );
        }
    }
}

fn streaming(pair: &Pair, out: &mut Findings, side: &str, get: fn(&Method) -> bool) {
    for (os, om, ns, nm) in pair.methods() {
        if get(om) != get(nm) {
            let (was, now) = if get(nm) {
                ("unary", "streaming")
            } else {
                ("streaming", "unary")
            };
            out.add(
                pair.rpc_subject(os, om, ns, nm),
                element(pair.new, &nm.site),
                element(pair.old, &om.site),
                format!(
                    "RPC {} on service {} changed from {side} {was} to {side} {now}.",
                    q(&nm.name),
                    q(&ns.name)
                ),
            );
        }
    }
}

/// RPC_SAME_CLIENT_STREAMING: client streaming is unchanged.
pub fn rpc_same_client_streaming(pair: &Pair, out: &mut Findings) {
    streaming(pair, out, "client", |m| m.client_streaming);
}

/// RPC_SAME_SERVER_STREAMING: server streaming is unchanged.
pub fn rpc_same_server_streaming(pair: &Pair, out: &mut Findings) {
    streaming(pair, out, "server", |m| m.server_streaming);
}

/// RPC_SAME_REQUEST_TYPE: the request message is unchanged.
pub fn rpc_same_request_type(pair: &Pair, out: &mut Findings) {
    for (os, om, ns, nm) in pair.methods() {
        if om.input_type != nm.input_type {
            let (was, now) = (
                om.input_type.trim_start_matches('.'),
                nm.input_type.trim_start_matches('.'),
            );
            out.add(
                pair.rpc_subject(os, om, ns, nm),
                element(pair.new, &nm.site.child(&[2])),
                element(pair.old, &om.site.child(&[2])),
                format!(
                    "RPC {} on service {} changed request type from {} to {}.",
                    q(&nm.name),
                    q(&ns.name),
                    q(was),
                    q(now)
                ),
            )
            .type_change = Some(TypeChange {
                old: was.to_string(),
                new: now.to_string(),
            });
        }
    }
}

/// RPC_SAME_RESPONSE_TYPE: the response message is unchanged.
pub fn rpc_same_response_type(pair: &Pair, out: &mut Findings) {
    for (os, om, ns, nm) in pair.methods() {
        if om.output_type != nm.output_type {
            let (was, now) = (
                om.output_type.trim_start_matches('.'),
                nm.output_type.trim_start_matches('.'),
            );
            out.add(
                pair.rpc_subject(os, om, ns, nm),
                element(pair.new, &nm.site.child(&[3])),
                element(pair.old, &om.site.child(&[3])),
                format!(
                    "RPC {} on service {} changed response type from {} to {}.",
                    q(&nm.name),
                    q(&ns.name),
                    q(was),
                    q(now)
                ),
            )
            .type_change = Some(TypeChange {
                old: was.to_string(),
                new: now.to_string(),
            });
        }
    }
}

fn idempotency_name(v: i32) -> &'static str {
    match v {
        1 => "NO_SIDE_EFFECTS",
        2 => "IDEMPOTENT",
        _ => "IDEMPOTENCY_UNKNOWN",
    }
}

/// RPC_SAME_IDEMPOTENCY_LEVEL: the idempotency level is unchanged.
pub fn rpc_same_idempotency_level(pair: &Pair, out: &mut Findings) {
    for (os, om, ns, nm) in pair.methods() {
        if om.idempotency_level != nm.idempotency_level {
            // buf points at the option, or at the file when the option is gone.
            let new = element(pair.new, &nm.site.child(&[4, 34]))
                .or(Some(crate::index::Site::file(nm.site.file)));
            out.add(
                pair.rpc_subject(os, om, ns, nm),
                new,
                element(pair.old, &om.site.child(&[4, 34])),
                format!(
                    "RPC {} on service {} changed option \"idempotency_level\" from {} to {}.",
                    q(&nm.name),
                    q(&ns.name),
                    q(idempotency_name(om.idempotency_level)),
                    q(idempotency_name(nm.idempotency_level))
                ),
            );
        }
    }
}
