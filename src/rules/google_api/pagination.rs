//! AIP-158 pagination: a List RPC whose request has `page_size` and `page_token` and whose
//! response has `next_page_token` and a repeated field is generated as a paged call (an
//! iterator over the items instead of the response message). Adding or removing
//! pagination on an existing RPC changes that call's type in every generated client.

use crate::index::{Cardinality, Index, Method, WireKind};
use crate::quote::q;
use crate::rules::{element, Findings, Pair};

/// Whether `method` is paginated as GAPIC generators decide it (AIP-158): unary, request
/// with an integer `page_size` and a string `page_token`, response with a string
/// `next_page_token` and a repeated (or map) field.
pub fn is_paginated(index: &Index, method: &Method) -> bool {
    if method.client_streaming || method.server_streaming {
        return false;
    }
    let message = |name: &str| index.message(name.trim_start_matches('.'));
    let (Some(request), Some(response)) =
        (message(&method.input_type), message(&method.output_type))
    else {
        return false;
    };
    let has = |fields: &[crate::index::Field], name: &str, ok: fn(WireKind) -> bool| {
        fields
            .iter()
            .any(|f| f.name == name && f.cardinality != Cardinality::Repeated && ok(f.kind))
    };
    let integer = |k: WireKind| {
        matches!(
            k,
            WireKind::Int32 | WireKind::Uint32 | WireKind::Int64 | WireKind::Uint64
        )
    };
    let string = |k: WireKind| k == WireKind::String;
    has(&request.fields, "page_size", integer)
        && has(&request.fields, "page_token", string)
        && has(&response.fields, "next_page_token", string)
        && response
            .fields
            .iter()
            .any(|f| matches!(f.cardinality, Cardinality::Repeated | Cardinality::Map))
}

/// GOOGLE_API_RPC_SAME_PAGINATION: an existing RPC is paginated on both sides or on none.
pub fn rpc_same_pagination(pair: &Pair, out: &mut Findings) {
    for (os, om, ns, nm) in pair.methods() {
        let (was, now) = (is_paginated(pair.old, om), is_paginated(pair.new, nm));
        if was == now {
            continue;
        }
        let change = if now {
            "became paginated (AIP-158)"
        } else {
            "is no longer paginated (AIP-158)"
        };
        out.add(
            pair.rpc_subject(os, om, ns, nm),
            element(pair.new, &nm.site),
            element(pair.old, &om.site),
            format!(
                "RPC {} on service {} {change}: generated clients change its return type.",
                q(&nm.name),
                q(&ns.name)
            ),
        );
    }
}
