//! A check protox lacks: two extensions of one message with the same number.
//!
//! protoc and buf refuse such a schema (buf: "field number `N` used more than once", at the
//! second one's number); protox compiles it, and a comparison then pairs the two
//! extensions of one side with those of the other as it happens to find them: findings
//! about a change nobody made, or none. Checked on every compiler's pool (files compiled
//! together), in buf's order: files as compiled, and in a file its own extensions before
//! those declared inside messages.

use std::collections::HashSet;

use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorProto};

use crate::compile::{SourceSet, BOM};
use crate::error::LoadError;

/// `FileDescriptorProto.extension`, `DescriptorProto.extension`, `.nested_type`, and
/// `FieldDescriptorProto.number`: for the location of a number.
const FILE_EXTENSION: i32 = 7;
const MESSAGE_EXTENSION: i32 = 6;
const MESSAGE_NESTED: i32 = 3;
const FIELD_NUMBER: i32 = 3;

/// The first extension whose extendee already has an extension with its number, as an
/// error at its number.
pub(crate) fn check(
    pool: &prost_reflect::DescriptorPool,
    set: &SourceSet,
) -> Result<(), LoadError> {
    let mut seen: HashSet<(String, i32)> = HashSet::new();
    for file in pool.files() {
        let proto = file.file_descriptor_proto();
        let mut extensions = Vec::new();
        in_order(proto, &mut extensions);
        for (path, ext) in extensions {
            if !seen.insert((ext.extendee().to_string(), ext.number())) {
                return Err(used_twice(proto, path, ext.number(), set));
            }
        }
    }
    Ok(())
}

/// The extensions of `file` with their paths: the file's own, then each message's (its
/// own, then its nested messages').
fn in_order<'f>(
    file: &'f FileDescriptorProto,
    out: &mut Vec<(Vec<i32>, &'f FieldDescriptorProto)>,
) {
    for (i, x) in file.extension.iter().enumerate() {
        out.push((vec![FILE_EXTENSION, i as i32], x));
    }
    fn message<'f>(
        m: &'f DescriptorProto,
        path: Vec<i32>,
        out: &mut Vec<(Vec<i32>, &'f FieldDescriptorProto)>,
    ) {
        for (i, x) in m.extension.iter().enumerate() {
            let mut p = path.clone();
            p.extend([MESSAGE_EXTENSION, i as i32]);
            out.push((p, x));
        }
        for (i, n) in m.nested_type.iter().enumerate() {
            let mut p = path.clone();
            p.extend([MESSAGE_NESTED, i as i32]);
            message(n, p, out);
        }
    }
    for (i, m) in file.message_type.iter().enumerate() {
        message(m, vec![4, i as i32], out);
    }
}

/// buf's error, at the number of the extension at `path` when the file has source info
/// (a compile without it is only a first pass: the load it fails compiles again with it).
fn used_twice(
    file: &FileDescriptorProto,
    mut path: Vec<i32>,
    number: i32,
    set: &SourceSet,
) -> LoadError {
    let name = file.name();
    let shown = if set.files.contains_key(name) {
        set.shown(name)
    } else {
        name.to_string()
    };
    path.push(FIELD_NUMBER);
    let at = file
        .source_code_info
        .as_ref()
        .and_then(|i| i.location.iter().find(|l| l.path == path))
        .and_then(|l| Some((*l.span.first()?, *l.span.get(1)?)));
    let location = match at {
        // Source-info columns count bytes, as buf's do; a byte-order mark is one of them.
        Some((line, col)) => {
            let bom = if line == 0 && set.had_bom(name) {
                BOM.len()
            } else {
                0
            };
            format!("{shown}:{}:{}", line + 1, col as usize + 1 + bom)
        }
        None => shown,
    };
    LoadError::Compile {
        location,
        reason: format!("field number `{number}` used more than once"),
        source_code: None,
        span: None,
    }
}
