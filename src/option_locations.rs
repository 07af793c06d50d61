//! A file's source info kept out of the compiler, and put back after it, with the paths of
//! its options resolved as the compiler would have resolved them.
//!
//! Why: prost-reflect, which protox's checker builds on, moves each location of an option
//! from the option as written (`…, options, 999, i`) to the field it sets (`…, options, 8`
//! for `jstype`, `…, options, 1052` for `(google.api.field_behavior)`) by scanning every
//! location of the file once per option. Where every field carries an option, as in
//! googleapis, that is time in the square of the file's size: half of the CPU of compiling
//! a large change. Here the file goes to the compiler without its locations, and they are
//! moved after, in one pass, by the same resolution.
//!
//! The resolution is the compiler's, made exact by refusing to guess: a name written
//! without a leading dot is looked up in every scope around the element, and must name
//! exactly one extension of the options message there; otherwise [`KeptSourceInfo::restore`]
//! answers `None`, and the caller compiles the file with its locations in the compiler.

use std::collections::HashMap;

use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};
use prost_types::{uninterpreted_option::NamePart, FileDescriptorProto, SourceCodeInfo};

/// The field number of `uninterpreted_option` in every `*Options` message.
const UNINTERPRETED_OPTION: i32 = 999;

/// The locations of one file, taken from it before it was compiled, and where its
/// options were written.
pub(crate) struct KeptSourceInfo {
    info: SourceCodeInfo,
    options: Vec<WrittenOptions>,
}

/// The options of one element, as written: the path of its options message, the scope
/// names are resolved in, and the name of each option in order.
struct WrittenOptions {
    path: Vec<i32>,
    scope: String,
    message: &'static str,
    names: Vec<Vec<NamePart>>,
}

impl KeptSourceInfo {
    /// Takes the source info out of `proto`, noting where its options were written.
    pub(crate) fn take_from(proto: &mut FileDescriptorProto) -> Self {
        let info = proto.source_code_info.take().unwrap_or_default();
        let mut options = Vec::new();
        collect_file(proto, &mut options);
        KeptSourceInfo { info, options }
    }

    /// The source info with each option's locations moved to the field the option sets,
    /// resolved in `pool` (the compiled side); `None` when a name does not resolve to
    /// exactly one field.
    pub(crate) fn restore(
        self,
        pool: &DescriptorPool,
    ) -> Option<crate::descriptor::SourceCodeInfo> {
        let moves = self.moves(pool)?;
        let location = self
            .info
            .location
            .into_iter()
            .map(|l| crate::descriptor::Location {
                path: moved(l.path, &moves),
                span: l.span,
                leading_comments: l.leading_comments,
                trailing_comments: l.trailing_comments,
            })
            .collect();
        Some(crate::descriptor::SourceCodeInfo { location })
    }

    /// Where each written option's locations go: from `…, options, 999, i` to the path of
    /// the field it sets.
    fn moves(&self, pool: &DescriptorPool) -> Option<HashMap<Vec<i32>, Vec<i32>>> {
        let mut moves = HashMap::new();
        for written in &self.options {
            let desc = pool
                .get_message_by_name(written.message)
                .or_else(|| DescriptorPool::global().get_message_by_name(written.message))?;
            // Options of one element setting entries of one list: each entry's index.
            let mut entries: HashMap<Vec<i32>, i32> = HashMap::new();
            let mut set: Vec<Vec<i32>> = Vec::new();
            for (i, name) in written.names.iter().enumerate() {
                let (mut to, is_list) = resolve(pool, &desc, &written.scope, name)?;
                // One option setting a message another one then sets a field of: the
                // compiler's list indices then count entries this pass cannot see. (Two
                // setting the same field add entries to one list.)
                let nested =
                    |s: &Vec<i32>| s.len() != to.len() && (s.starts_with(&to) || to.starts_with(s));
                if set.iter().any(nested) {
                    return None;
                }
                set.push(to.clone());
                if is_list {
                    let n = entries.entry(to.clone()).or_insert(0);
                    to.push(*n);
                    *n += 1;
                }
                let mut from = written.path.clone();
                from.extend([UNINTERPRETED_OPTION, i as i32]);
                let mut full = written.path.clone();
                full.extend(to);
                moves.insert(from, full);
            }
        }
        // The compiler moves locations one option after another: a moved path that another
        // option's move would match again is left to it.
        if moves.values().any(|to| find_move(to, &moves).is_some()) {
            return None;
        }
        Some(moves)
    }
}

/// `path` with its written option's prefix replaced by the option's field path.
fn moved(mut path: Vec<i32>, moves: &HashMap<Vec<i32>, Vec<i32>>) -> Vec<i32> {
    if let Some((len, to)) = find_move(&path, moves) {
        path.splice(..len, to.iter().copied());
    }
    path
}

/// The move whose written path `path` starts with, and that prefix's length.
fn find_move<'m>(
    path: &[i32],
    moves: &'m HashMap<Vec<i32>, Vec<i32>>,
) -> Option<(usize, &'m Vec<i32>)> {
    (1..path.len().saturating_sub(1))
        .filter(|&k| path[k] == UNINTERPRETED_OPTION)
        .find_map(|k| moves.get(&path[..k + 2]).map(|to| (k + 2, to)))
}

/// The field numbers an option name sets, from `options` (the options message), and
/// whether the last one is a list (its entries are then numbered).
fn resolve(
    pool: &DescriptorPool,
    options: &MessageDescriptor,
    scope: &str,
    name: &[NamePart],
) -> Option<(Vec<i32>, bool)> {
    let mut desc = options.clone();
    let mut path = Vec::with_capacity(name.len() + 1);
    for (i, part) in name.iter().enumerate() {
        let last = i + 1 == name.len();
        let (number, kind, is_list) = if part.is_extension {
            let ext = extension(pool, &desc, scope, &part.name_part)?;
            (ext.number(), ext.kind(), ext.is_list())
        } else {
            let field = desc.get_field_by_name(&part.name_part)?;
            // The compiler reads an options message from the pool as it stood when the
            // file was added, else from descriptor.proto as protox ships it: a schema's own
            // copy (or one imported later) must agree with that one.
            if let Some(shipped) = DescriptorPool::global().get_message_by_name(desc.full_name()) {
                let same = shipped.get_field_by_name(&part.name_part).is_some_and(|f| {
                    f.number() == field.number() && f.is_list() == field.is_list()
                });
                if !same {
                    return None;
                }
            }
            (field.number(), field.kind(), field.is_list())
        };
        path.push(number as i32);
        if last {
            return Some((path, is_list));
        }
        // The compiler refuses to set a field inside a list: never reached on a file that
        // compiled, refused here alike.
        match kind {
            Kind::Message(next) if !is_list => desc = next,
            _ => return None,
        }
    }
    None
}

/// The one extension of `extendee` that `name` can mean from `scope`: every scope from
/// the innermost out (the compiler's choice is one of them), or none if two can.
fn extension(
    pool: &DescriptorPool,
    extendee: &MessageDescriptor,
    scope: &str,
    name: &str,
) -> Option<prost_reflect::ExtensionDescriptor> {
    let fits = |full: &str| {
        pool.get_extension_by_name(full)
            .filter(|e| e.containing_message().full_name() == extendee.full_name())
    };
    if let Some(full) = name.strip_prefix('.') {
        return fits(full);
    }
    let parents = std::iter::once(scope)
        .chain(scope.rmatch_indices('.').map(|(i, _)| &scope[..i]))
        .filter(|p| !p.is_empty());
    let mut found = parents
        .map(|p| format!("{p}.{name}"))
        .chain(std::iter::once(name.to_string()))
        .filter_map(|full| fits(&full));
    let one = found.next()?;
    found.next().is_none().then_some(one)
}

// Field numbers of descriptor.proto, for the paths of options.
const FILE_MESSAGE: i32 = 4;
const FILE_ENUM: i32 = 5;
const FILE_SERVICE: i32 = 6;
const FILE_EXTENSION: i32 = 7;
const FILE_OPTIONS: i32 = 8;
const MESSAGE_FIELD: i32 = 2;
const MESSAGE_NESTED: i32 = 3;
const MESSAGE_ENUM: i32 = 4;
const MESSAGE_EXTENSION_RANGE: i32 = 5;
const MESSAGE_EXTENSION: i32 = 6;
const MESSAGE_OPTIONS: i32 = 7;
const MESSAGE_ONEOF: i32 = 8;
const EXTENSION_RANGE_OPTIONS: i32 = 3;
const FIELD_OPTIONS: i32 = 8;
const ONEOF_OPTIONS: i32 = 2;
const ENUM_VALUE: i32 = 2;
const ENUM_OPTIONS: i32 = 3;
const ENUM_VALUE_OPTIONS: i32 = 3;
const SERVICE_METHOD: i32 = 2;
const SERVICE_OPTIONS: i32 = 3;
const METHOD_OPTIONS: i32 = 4;

/// Notes the options of one element, if it has any written.
fn note(
    out: &mut Vec<WrittenOptions>,
    path: &[i32],
    scope: &str,
    message: &'static str,
    written: Option<&Vec<prost_types::UninterpretedOption>>,
) {
    if let Some(written) = written.filter(|w| !w.is_empty()) {
        out.push(WrittenOptions {
            path: path.to_vec(),
            scope: scope.to_string(),
            message,
            names: written.iter().map(|o| o.name.clone()).collect(),
        });
    }
}

fn join(path: &[i32], more: &[i32]) -> Vec<i32> {
    let mut p = path.to_vec();
    p.extend_from_slice(more);
    p
}

fn child(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

fn collect_file(file: &FileDescriptorProto, out: &mut Vec<WrittenOptions>) {
    let package = file.package();
    let uninterpreted = file.options.as_ref().map(|o| &o.uninterpreted_option);
    note(
        out,
        &[FILE_OPTIONS],
        package,
        "google.protobuf.FileOptions",
        uninterpreted,
    );
    for (i, m) in file.message_type.iter().enumerate() {
        collect_message(m, &[FILE_MESSAGE, i as i32], package, out);
    }
    for (i, e) in file.enum_type.iter().enumerate() {
        collect_enum(e, &[FILE_ENUM, i as i32], package, out);
    }
    for (i, f) in file.extension.iter().enumerate() {
        collect_field(f, &[FILE_EXTENSION, i as i32], package, out);
    }
    for (i, s) in file.service.iter().enumerate() {
        let path = [FILE_SERVICE, i as i32];
        let scope = child(package, s.name());
        let written = s.options.as_ref().map(|o| &o.uninterpreted_option);
        note(
            out,
            &join(&path, &[SERVICE_OPTIONS]),
            &scope,
            "google.protobuf.ServiceOptions",
            written,
        );
        for (j, m) in s.method.iter().enumerate() {
            let written = m.options.as_ref().map(|o| &o.uninterpreted_option);
            let method = join(&path, &[SERVICE_METHOD, j as i32, METHOD_OPTIONS]);
            let scope = child(&scope, m.name());
            note(
                out,
                &method,
                &scope,
                "google.protobuf.MethodOptions",
                written,
            );
        }
    }
}

fn collect_message(
    m: &prost_types::DescriptorProto,
    path: &[i32],
    parent: &str,
    out: &mut Vec<WrittenOptions>,
) {
    let scope = child(parent, m.name());
    let written = m.options.as_ref().map(|o| &o.uninterpreted_option);
    note(
        out,
        &join(path, &[MESSAGE_OPTIONS]),
        &scope,
        "google.protobuf.MessageOptions",
        written,
    );
    for (i, f) in m.field.iter().enumerate() {
        collect_field(f, &join(path, &[MESSAGE_FIELD, i as i32]), &scope, out);
    }
    for (i, f) in m.extension.iter().enumerate() {
        collect_field(f, &join(path, &[MESSAGE_EXTENSION, i as i32]), &scope, out);
    }
    for (i, n) in m.nested_type.iter().enumerate() {
        collect_message(n, &join(path, &[MESSAGE_NESTED, i as i32]), &scope, out);
    }
    for (i, e) in m.enum_type.iter().enumerate() {
        collect_enum(e, &join(path, &[MESSAGE_ENUM, i as i32]), &scope, out);
    }
    for (i, r) in m.extension_range.iter().enumerate() {
        let written = r.options.as_ref().map(|o| &o.uninterpreted_option);
        let at = join(
            path,
            &[MESSAGE_EXTENSION_RANGE, i as i32, EXTENSION_RANGE_OPTIONS],
        );
        note(
            out,
            &at,
            &scope,
            "google.protobuf.ExtensionRangeOptions",
            written,
        );
    }
    for (i, o) in m.oneof_decl.iter().enumerate() {
        let written = o.options.as_ref().map(|o| &o.uninterpreted_option);
        let at = join(path, &[MESSAGE_ONEOF, i as i32, ONEOF_OPTIONS]);
        note(
            out,
            &at,
            &child(&scope, o.name()),
            "google.protobuf.OneofOptions",
            written,
        );
    }
}

fn collect_field(
    f: &prost_types::FieldDescriptorProto,
    path: &[i32],
    parent: &str,
    out: &mut Vec<WrittenOptions>,
) {
    let written = f.options.as_ref().map(|o| &o.uninterpreted_option);
    let scope = child(parent, f.name());
    note(
        out,
        &join(path, &[FIELD_OPTIONS]),
        &scope,
        "google.protobuf.FieldOptions",
        written,
    );
}

fn collect_enum(
    e: &prost_types::EnumDescriptorProto,
    path: &[i32],
    parent: &str,
    out: &mut Vec<WrittenOptions>,
) {
    let scope = child(parent, e.name());
    let written = e.options.as_ref().map(|o| &o.uninterpreted_option);
    note(
        out,
        &join(path, &[ENUM_OPTIONS]),
        &scope,
        "google.protobuf.EnumOptions",
        written,
    );
    for (i, v) in e.value.iter().enumerate() {
        let written = v.options.as_ref().map(|o| &o.uninterpreted_option);
        let at = join(path, &[ENUM_VALUE, i as i32, ENUM_VALUE_OPTIONS]);
        // An enum value's scope is the enum's parent (values are its siblings' names).
        let value_scope = child(parent, v.name());
        note(
            out,
            &at,
            &value_scope,
            "google.protobuf.EnumValueOptions",
            written,
        );
    }
}
