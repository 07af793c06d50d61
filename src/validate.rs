//! An image is checked as a compiler checks its output before any rule reads it: rules
//! assume that names resolve, numbers are in range and unique, and spans are real. A
//! corrupt or hand-made image exits 2 naming the file and the element, never gives
//! ordinary findings.
//!
//! Checked here, on protoguard's own descriptor model (editions files included):
//! - every file has a name, no two files the same name;
//! - `syntax` is empty, `proto2`, `proto3` or `editions`, and an editions file names an
//!   edition protoc knows (2023, 2024);
//! - every dependency is in the image (images are written with their imports), no file
//!   depends on itself, and dependencies form no cycle;
//! - field numbers are in 1..=536870911 and outside 19000..=19999 (reserved for the
//!   implementation), labels and types are known values, a message or enum field names
//!   its type, a `oneof_index` points at a oneof of the message;
//! - an enum has values, and the first value of an open enum (proto3, or editions
//!   without `enum_type = CLOSED`) is 0;
//! - features are set only in editions files, each to a value of its enum;
//! - a map entry message (`map_entry = true`) has exactly the fields `key = 1` and
//!   `value = 2`;
//! - reserved and extension ranges are ranges of valid numbers (every positive int32 for
//!   a message set's extensions) and do not overlap (in a message or an enum);
//! - source-info spans have three or four non-negative elements and do not end before
//!   they start.
//!
//! Then the image goes through prost-reflect's descriptor pool (the checker protox uses
//! on its own output): every type, extendee and method type resolves to a message or enum
//! of the right kind, names are unique in their scope, field numbers are unique and outside
//! reserved and extension ranges, extension numbers inside the extendee's ranges, enum
//! numbers unique unless `allow_alias`, JSON names of proto3 fields unique, defaults fit
//! their type, options have the right types. prost-reflect does not know editions: an
//! editions file goes through it as proto2, whose checks editions only relaxes; and it
//! follows `import public` one level only, so files visible through public imports are
//! made direct imports first.

use std::collections::{BTreeMap, BTreeSet};

use crate::descriptor::{DescriptorProto, EnumDescriptorProto, FeatureSet, FileDescriptorProto};
use crate::error::LoadError;
use crate::features::{self, Features};

/// The largest field number (2^29 - 1).
const MAX_FIELD_NUMBER: i32 = 536_870_911;
/// Field numbers reserved for the protobuf implementation.
const IMPLEMENTATION_RESERVED: std::ops::RangeInclusive<i32> = 19_000..=19_999;
/// `Edition` values of the editions protoc supports.
const KNOWN_EDITIONS: &[(i32, &str)] = &[(1000, "2023"), (1001, "2024")];

/// Checks an image whose bytes decoded to `files`; `shown` is the image path.
pub fn image(shown: &str, bytes: &[u8], files: &[FileDescriptorProto]) -> Result<(), LoadError> {
    let fail = |file: &str, element: &str, reason: String| LoadError::Image {
        path: shown.to_string(),
        reason: if element.is_empty() {
            format!("{file}: {reason}")
        } else {
            format!("{file}: {element}: {reason}")
        },
    };
    let mut names = BTreeSet::new();
    for f in files {
        let name = f.name.as_deref().unwrap_or("");
        if !names.insert(name) {
            return Err(fail(name, "", "the image holds this file twice".into()));
        }
    }
    for f in files {
        let name = f.name.as_deref().unwrap_or("");
        check_file(f).map_err(|(element, reason)| fail(name, &element, reason))?;
    }
    check_dependencies(files).map_err(|(file, reason)| fail(&file, "", reason))?;
    check_with_pool(bytes, files).map_err(|(file, element, reason)| fail(&file, &element, reason))
}

/// An element's description and what is wrong with it.
type Problem = (String, String);

fn check_file(f: &FileDescriptorProto) -> Result<(), Problem> {
    let syntax = f.syntax.as_deref().unwrap_or("");
    match syntax {
        "" | "proto2" | "proto3" => {}
        "editions" => {
            let edition = f.edition.unwrap_or(0);
            if !KNOWN_EDITIONS.iter().any(|(e, _)| *e == edition) {
                return Err((
                    "edition".into(),
                    format!("unknown edition {edition} (protoc knows 2023 and 2024)"),
                ));
            }
        }
        other => {
            return Err((
                "syntax".into(),
                format!(
                    "unknown syntax \"{}\" (expected proto2, proto3 or editions)",
                    crate::limits::escape_controls(other)
                ),
            ))
        }
    }
    let package = f.package.as_deref().unwrap_or("");
    let edition = match syntax {
        "editions" => f.edition.unwrap_or(0),
        "proto3" => features::EDITION_PROTO3,
        _ => features::EDITION_PROTO2,
    };
    let file_features = f.options.as_ref().and_then(|o| o.features.as_ref());
    check_features(file_features, "file options", syntax)?;
    let scope = Features::defaults(edition).merge(file_features);
    for m in &f.message_type {
        check_message(m, package, scope, syntax)?;
    }
    for e in &f.enum_type {
        check_enum(e, package, scope, syntax)?;
    }
    for x in &f.extension {
        check_field(x, package, None)?;
    }
    check_spans(f)
}

fn full_name(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

fn check_message(
    m: &DescriptorProto,
    scope: &str,
    inherited: Features,
    syntax: &str,
) -> Result<(), Problem> {
    let name = full_name(scope, m.name.as_deref().unwrap_or(""));
    let own = m.options.as_ref().and_then(|o| o.features.as_ref());
    check_features(own, &format!("message {name}"), syntax)?;
    let here = inherited.merge(own);
    if m.name.as_deref().unwrap_or("").is_empty() {
        return Err((format!("a message in {scope:?}"), "it has no name".into()));
    }
    for f in &m.field {
        check_field(f, &name, Some(m))?;
        let own = f.options.as_ref().and_then(|o| o.features.as_ref());
        check_features(
            own,
            &format!("field {name}.{}", f.name.as_deref().unwrap_or("")),
            syntax,
        )?;
    }
    for x in &m.extension {
        check_field(x, &name, None)?;
    }
    check_message_ranges(m).map_err(|reason| (format!("message {name}"), reason))?;
    if m.options.as_ref().and_then(|o| o.map_entry) == Some(true) {
        let kv: Vec<(&str, i32)> = m
            .field
            .iter()
            .map(|f| (f.name.as_deref().unwrap_or(""), f.number.unwrap_or(0)))
            .collect();
        if kv != [("key", 1), ("value", 2)] {
            return Err((
                format!("message {name}"),
                "a map entry must have exactly the fields key = 1 and value = 2".into(),
            ));
        }
    }
    for n in &m.nested_type {
        check_message(n, &name, here, syntax)?;
    }
    for e in &m.enum_type {
        check_enum(e, &name, here, syntax)?;
    }
    Ok(())
}

/// `TYPE_MESSAGE`, `TYPE_ENUM` and `TYPE_GROUP`: the types that name another type.
const NAMED_TYPES: [i32; 3] = [11, 14, 10];

fn check_field(
    f: &crate::descriptor::FieldDescriptorProto,
    scope: &str,
    message: Option<&DescriptorProto>,
) -> Result<(), Problem> {
    let name = f.name.as_deref().unwrap_or("");
    let element = || {
        if message.is_some() {
            format!("field {}", full_name(scope, name))
        } else {
            format!("extension {}", full_name(scope, name))
        }
    };
    if name.is_empty() {
        return Err((format!("a field of {scope:?}"), "it has no name".into()));
    }
    let number = f.number.unwrap_or(0);
    if !(1..=MAX_FIELD_NUMBER).contains(&number) {
        return Err((
            element(),
            format!("field number {number} is out of range (1 to {MAX_FIELD_NUMBER})"),
        ));
    }
    if IMPLEMENTATION_RESERVED.contains(&number) {
        return Err((
            element(),
            format!("field number {number} is reserved for the protobuf implementation (19000 to 19999)"),
        ));
    }
    if let Some(label) = f.label {
        if !(1..=3).contains(&label) {
            return Err((element(), format!("unknown label {label}")));
        }
    }
    match f.r#type {
        Some(t) if !(1..=18).contains(&t) => {
            return Err((element(), format!("unknown type {t}")));
        }
        Some(t) if NAMED_TYPES.contains(&t) && f.type_name.as_deref().unwrap_or("").is_empty() => {
            return Err((element(), "a message or enum field names no type".into()));
        }
        None if f.type_name.as_deref().unwrap_or("").is_empty() => {
            return Err((element(), "the field has no type".into()));
        }
        _ => {}
    }
    if let Some(index) = f.oneof_index {
        let oneofs = message.map_or(0, |m| m.oneof_decl.len());
        if index < 0 || index as usize >= oneofs {
            return Err((
                element(),
                format!("oneof_index {index} points at no oneof ({oneofs} declared)"),
            ));
        }
    }
    Ok(())
}

fn check_enum(
    e: &EnumDescriptorProto,
    scope: &str,
    inherited: Features,
    syntax: &str,
) -> Result<(), Problem> {
    let name = full_name(scope, e.name.as_deref().unwrap_or(""));
    let element = || format!("enum {name}");
    let own = e.options.as_ref().and_then(|o| o.features.as_ref());
    check_features(own, &element(), syntax)?;
    let open = inherited.merge(own).enum_type == features::ENUM_OPEN;
    // Enum reserved ranges are inclusive.
    let mut ranges = Vec::new();
    for r in &e.reserved_range {
        let (start, end) = (r.start.unwrap_or(0), r.end.unwrap_or(0));
        if end < start {
            return Err((
                element(),
                format!("reserved range {start} to {end} ends before it starts"),
            ));
        }
        ranges.push((start, end.saturating_add(1), "reserved range"));
    }
    overlap(ranges).map_err(|reason| (element(), reason))?;
    match e.value.first() {
        None => return Err((element(), "an enum must have at least one value".into())),
        // Open enums (proto3, and editions unless `enum_type = CLOSED`) default to 0.
        Some(first) if open && first.number != Some(0) => {
            let kind = if syntax == "proto3" {
                "a proto3"
            } else {
                "an open"
            };
            return Err((
                element(),
                format!("the first value of {kind} enum must be 0"),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Reserved and extension ranges (`end` exclusive) lie in 1..=536870912 and do not
/// overlap one another.
fn check_message_ranges(m: &DescriptorProto) -> Result<(), String> {
    // A message set's extensions may use every positive int32.
    let message_set = m.options.as_ref().and_then(|o| o.message_set_wire_format) == Some(true);
    let limit = if message_set {
        i32::MAX
    } else {
        MAX_FIELD_NUMBER + 1
    };
    let mut ranges: Vec<(i32, i32, &str)> = Vec::new();
    for (list, kind) in [
        (&m.reserved_range, "reserved range"),
        (&m.extension_range, "extension range"),
    ] {
        for r in list.iter() {
            let (start, end) = (r.start.unwrap_or(0), r.end.unwrap_or(0));
            if start < 1 || end <= start || end > limit {
                return Err(format!(
                    "{kind} {start} to {} is not a range of field numbers",
                    i64::from(end) - 1
                ));
            }
            ranges.push((start, end, kind));
        }
    }
    overlap(ranges)
}

/// The first two of `ranges` (`end` exclusive) that overlap, in words.
fn overlap(mut ranges: Vec<(i32, i32, &str)>) -> Result<(), String> {
    ranges.sort();
    for pair in ranges.windows(2) {
        let ((s1, e1, k1), (s2, e2, k2)) = (pair[0], pair[1]);
        if s2 < e1 {
            return Err(format!(
                "{k1} {s1} to {} overlaps {k2} {s2} to {}",
                e1 - 1,
                e2 - 1
            ));
        }
    }
    Ok(())
}

/// Feature values are known values of their enums, and only editions files set features.
fn check_features(set: Option<&FeatureSet>, element: &str, syntax: &str) -> Result<(), Problem> {
    let Some(set) = set else { return Ok(()) };
    if syntax != "editions" {
        return Err((
            element.to_string(),
            "features are only valid in editions files".into(),
        ));
    }
    let known: [(&str, Option<i32>, &[i32]); 6] = [
        ("field_presence", set.field_presence, &[1, 2, 3]),
        ("enum_type", set.enum_type, &[1, 2]),
        (
            "repeated_field_encoding",
            set.repeated_field_encoding,
            &[1, 2],
        ),
        ("utf8_validation", set.utf8_validation, &[2, 3]),
        ("message_encoding", set.message_encoding, &[1, 2]),
        ("json_format", set.json_format, &[1, 2]),
    ];
    for (feature, value, allowed) in known {
        if let Some(v) = value {
            if !allowed.contains(&v) {
                return Err((
                    element.to_string(),
                    format!("feature {feature} has no value {v}"),
                ));
            }
        }
    }
    Ok(())
}

fn check_spans(f: &FileDescriptorProto) -> Result<(), Problem> {
    let Some(info) = &f.source_code_info else {
        return Ok(());
    };
    for (i, loc) in info.location.iter().enumerate() {
        let s = &loc.span;
        let ok = match s.as_slice() {
            [line, col, end_col] => *line >= 0 && *col >= 0 && end_col >= col,
            [line, col, end_line, end_col] => {
                *line >= 0 && *col >= 0 && *end_col >= 0 && (end_line, end_col) >= (line, col)
            }
            _ => false,
        };
        if !ok {
            return Err((
                format!("source info location {i} (path {:?})", loc.path),
                format!("malformed span {s:?} (want [line, column, end column] or [line, column, end line, end column], none negative)"),
            ));
        }
    }
    Ok(())
}

/// Missing dependencies, a file depending on itself, and cycles.
fn check_dependencies(files: &[FileDescriptorProto]) -> Result<(), (String, String)> {
    let by_name: BTreeMap<&str, &FileDescriptorProto> = files
        .iter()
        .map(|f| (f.name.as_deref().unwrap_or(""), f))
        .collect();
    for (name, f) in &by_name {
        for dep in &f.dependency {
            if dep == name {
                return Err((name.to_string(), "the file depends on itself".into()));
            }
            if !by_name.contains_key(dep.as_str()) {
                return Err((
                    name.to_string(),
                    format!("imports {dep}, which the image does not hold (write images with their imports: `buf build`, or `protoc --include_imports`)"),
                ));
            }
        }
    }
    // Depth-first, iteratively (an image may chain thousands of files).
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for start in by_name.keys() {
        if marks.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        marks.insert(start, Mark::Open);
        while let Some((name, next)) = stack.last_mut() {
            let deps = &by_name[*name].dependency;
            if *next == deps.len() {
                marks.insert(name, Mark::Done);
                stack.pop();
                continue;
            }
            let dep = deps[*next].as_str();
            *next += 1;
            match marks.get(dep) {
                Some(Mark::Open) => {
                    let mut cycle: Vec<&str> = stack
                        .iter()
                        .map(|(n, _)| *n)
                        .skip_while(|n| *n != dep)
                        .collect();
                    cycle.push(dep);
                    return Err((
                        cycle[0].to_string(),
                        format!("import cycle: {}", cycle.join(" -> ")),
                    ));
                }
                Some(Mark::Done) => {}
                None => {
                    marks.insert(dep, Mark::Open);
                    stack.push((dep, 0));
                }
            }
        }
    }
    Ok(())
}

/// prost-reflect's checks (names, numbers, ranges, options); editions files as proto2.
fn check_with_pool(
    bytes: &[u8],
    files: &[FileDescriptorProto],
) -> Result<(), (String, String, String)> {
    use prost::Message as _;
    use prost_reflect::prost_types;
    let mut set = prost_types::FileDescriptorSet::decode(bytes)
        .map_err(|e| (String::new(), String::new(), e.to_string()))?;
    for f in &mut set.file {
        if f.syntax.as_deref() == Some("editions") {
            f.syntax = Some("proto2".into());
        }
    }
    // prost-reflect 0.16 follows `import public` one level only (protoc follows it
    // transitively): make every file visible through public imports a direct import.
    let public: BTreeMap<String, Vec<String>> = set
        .file
        .iter()
        .map(|f| {
            let deps = f
                .public_dependency
                .iter()
                .filter_map(|&i| f.dependency.get(usize::try_from(i).ok()?).cloned())
                .collect();
            (f.name.clone().unwrap_or_default(), deps)
        })
        .collect();
    for f in &mut set.file {
        let mut seen: BTreeSet<String> = f.dependency.iter().cloned().collect();
        let mut stack: Vec<String> = f.dependency.clone();
        while let Some(d) = stack.pop() {
            for p in public.get(&d).into_iter().flatten() {
                if seen.insert(p.clone()) {
                    f.dependency.push(p.clone());
                    stack.push(p.clone());
                }
            }
        }
    }
    // prost-reflect panics on some descriptors it cannot link (an index out of bounds while
    // describing the error): that is a broken image too.
    let pool =
        crate::threads::guarded(|| prost_reflect::DescriptorPool::from_file_descriptor_set(set))
            .map_err(|panic| {
                (
                    String::new(),
                    String::new(),
                    format!("the descriptors do not link (prost-reflect: {panic})"),
                )
            })?;
    let Err(err) = pool else {
        return Ok(());
    };
    let file = err.file().unwrap_or("").to_string();
    let element = err
        .path()
        .and_then(|p| {
            files
                .iter()
                .find(|f| f.name.as_deref() == Some(file.as_str()))
                .map(|f| describe(f, p))
        })
        .unwrap_or_default();
    Err((file, element, err.to_string()))
}

/// prost's decode error in a few words: the cause, then where, outermost first, with a
/// repeated step counted once (a 100-level nesting is one step ×100, not 100 steps).
pub fn decode_reason(e: &prost::DecodeError) -> String {
    let text = e.to_string();
    let text = text
        .strip_prefix("failed to decode Protobuf message: ")
        .unwrap_or(&text);
    let mut parts: Vec<&str> = text.split(": ").collect();
    let cause = parts.pop().unwrap_or("");
    let cause = if cause == "recursion limit reached" {
        "nested more than 100 levels deep (recursion limit reached)"
    } else {
        cause
    };
    let mut steps: Vec<(&str, usize)> = Vec::new();
    for part in parts.into_iter().rev() {
        match steps.last_mut() {
            Some((last, n)) if *last == part => *n += 1,
            _ => steps.push((part, 1)),
        }
    }
    if steps.is_empty() {
        return cause.to_string();
    }
    let path: Vec<String> = steps
        .iter()
        .map(|(p, n)| {
            if *n > 1 {
                format!("{p} ×{n}")
            } else {
                p.to_string()
            }
        })
        .collect();
    format!("{cause}, in {}", path.join(" > "))
}

/// The element a descriptor path points at (`message a.M, field x`), as far as it goes.
pub fn describe(file: &FileDescriptorProto, path: &[i32]) -> String {
    let package = file.package.as_deref().unwrap_or("");
    let at = |i: usize| path.get(i).map(|&n| n as usize);
    match path.first() {
        Some(4) => {
            let Some(mut m) = at(1).and_then(|i| file.message_type.get(i)) else {
                return String::new();
            };
            let mut name = full_name(package, m.name.as_deref().unwrap_or(""));
            let mut i = 2;
            // Nested messages: [3, index]*.
            while path.get(i) == Some(&3) {
                let Some(n) = at(i + 1).and_then(|j| m.nested_type.get(j)) else {
                    break;
                };
                m = n;
                name = full_name(&name, m.name.as_deref().unwrap_or(""));
                i += 2;
            }
            let member = |list: &[crate::descriptor::FieldDescriptorProto], kind: &str| {
                at(i + 1)
                    .and_then(|j| list.get(j))
                    .map(|f| format!(", {kind} {}", f.name.as_deref().unwrap_or("")))
                    .unwrap_or_default()
            };
            let detail = match path.get(i) {
                Some(2) => member(&m.field, "field"),
                Some(6) => member(&m.extension, "extension"),
                Some(4) => at(i + 1)
                    .and_then(|j| m.enum_type.get(j))
                    .map(|e| format!(", enum {}", e.name.as_deref().unwrap_or("")))
                    .unwrap_or_default(),
                Some(8) => at(i + 1)
                    .and_then(|j| m.oneof_decl.get(j))
                    .map(|o| format!(", oneof {}", o.name.as_deref().unwrap_or("")))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            format!("message {name}{detail}")
        }
        Some(5) => at(1)
            .and_then(|i| file.enum_type.get(i))
            .map(|e| {
                let value = at(3)
                    .filter(|_| path.get(2) == Some(&2))
                    .and_then(|j| e.value.get(j))
                    .map(|v| format!(", value {}", v.name.as_deref().unwrap_or("")))
                    .unwrap_or_default();
                format!(
                    "enum {}{value}",
                    full_name(package, e.name.as_deref().unwrap_or(""))
                )
            })
            .unwrap_or_default(),
        Some(6) => at(1)
            .and_then(|i| file.service.get(i))
            .map(|s| {
                let method = at(3)
                    .filter(|_| path.get(2) == Some(&2))
                    .and_then(|j| s.method.get(j))
                    .map(|m| format!(", method {}", m.name.as_deref().unwrap_or("")))
                    .unwrap_or_default();
                format!(
                    "service {}{method}",
                    full_name(package, s.name.as_deref().unwrap_or(""))
                )
            })
            .unwrap_or_default(),
        Some(7) => at(1)
            .and_then(|i| file.extension.get(i))
            .map(|x| {
                format!(
                    "extension {}",
                    full_name(package, x.name.as_deref().unwrap_or(""))
                )
            })
            .unwrap_or_default(),
        Some(3) => at(1)
            .and_then(|i| file.dependency.get(i))
            .map(|d| format!("import {d}"))
            .unwrap_or_default(),
        _ => String::new(),
    }
}
