//! `src/descriptor.rs` mirrors parts of `google/protobuf/descriptor.proto` (and the C++ and
//! Java feature protos, whose `pb.cpp`/`pb.java` extensions of FeatureSet count as its
//! fields) by hand, field number by field number. A wrong number would decode
//! the wrong field silently, so every `#[prost(..., tag = "N")] pub name` of it is held
//! against the real files, compiled by the protoc that `protoc-bin-vendored` carries.

use std::collections::BTreeMap;
use std::process::Command;

use prost::Message as _;

/// Which real message each struct of ours mirrors, where the names differ or the struct
/// stands for several messages of the same shape (`ExtensionRange` is also used for both
/// reserved-range messages, which have the same fields).
const MIRRORS: &[(&str, &[&str])] = &[
    (
        "ExtensionRange",
        &[
            "google.protobuf.DescriptorProto.ExtensionRange",
            "google.protobuf.DescriptorProto.ReservedRange",
            "google.protobuf.EnumDescriptorProto.EnumReservedRange",
        ],
    ),
    ("Location", &["google.protobuf.SourceCodeInfo.Location"]),
    ("CppFeatures", &["pb.CppFeatures"]),
    ("JavaFeatures", &["pb.JavaFeatures"]),
];

/// Ours, not descriptor.proto's: buf's image extension (field 8042 of FileDescriptorProto,
/// `buf.alpha.image.v1.ImageFileExtension`), checked by the image tests instead.
const NOT_IN_DESCRIPTOR_PROTO: &[&str] = &["BufImageFileExtension"];
const BUF_EXTENSION_FIELD: (&str, i32) = ("buf_extension", 8042);

/// `struct name -> [(field name, tag)]`, read from the source of src/descriptor.rs.
fn our_structs() -> BTreeMap<String, Vec<(String, i32)>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/descriptor.rs"))
        .expect("read src/descriptor.rs");
    let mut out: BTreeMap<String, Vec<(String, i32)>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut tag: Option<i32> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("pub struct ") {
            let name = rest.split([' ', '{', '(']).next().unwrap().to_string();
            out.entry(name.clone()).or_default();
            current = Some(name);
        } else if line.starts_with("#[prost(") {
            tag = line
                .split("tag = \"")
                .nth(1)
                .and_then(|t| t.split('"').next())
                .map(|t| t.parse().expect("a numeric tag"));
        } else if let (Some(s), Some(t), Some(rest)) = (&current, tag, line.strip_prefix("pub ")) {
            let field = rest.split(':').next().unwrap().trim_start_matches("r#");
            out.get_mut(s).unwrap().push((field.to_string(), t));
            tag = None;
        } else if line == "}" {
            current = None;
        }
    }
    out
}

/// Every message of the real descriptor protos: full name -> field name -> number.
fn real_messages() -> BTreeMap<String, BTreeMap<String, i32>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("descriptors.binpb");
    let include = protoc_bin_vendored::include_path().expect("vendored includes");
    let status = Command::new(protoc_bin_vendored::protoc_bin_path().expect("vendored protoc"))
        .arg("-I")
        .arg(&include)
        .args(["--include_imports", "-o"])
        .arg(&out)
        .args([
            "google/protobuf/descriptor.proto",
            "google/protobuf/cpp_features.proto",
            "google/protobuf/java_features.proto",
        ])
        .status()
        .expect("run the vendored protoc");
    assert!(status.success());
    let set =
        prost_types::FileDescriptorSet::decode(std::fs::read(&out).unwrap().as_slice()).unwrap();
    let mut messages = BTreeMap::new();
    fn walk(
        prefix: &str,
        m: &prost_types::DescriptorProto,
        into: &mut BTreeMap<String, BTreeMap<String, i32>>,
    ) {
        let name = format!("{prefix}.{}", m.name());
        into.insert(
            name.clone(),
            m.field
                .iter()
                .map(|f| (f.name().to_string(), f.number()))
                .collect(),
        );
        for nested in &m.nested_type {
            walk(&name, nested, into);
        }
    }
    for file in &set.file {
        for m in &file.message_type {
            walk(file.package(), m, &mut messages);
        }
    }
    // Extensions of descriptor messages (`pb.cpp = 1000` on FeatureSet) count as their
    // fields, under their short name.
    for file in &set.file {
        for ext in &file.extension {
            messages
                .entry(ext.extendee().trim_start_matches('.').to_string())
                .or_default()
                .insert(ext.name().to_string(), ext.number());
        }
    }
    messages
}

#[test]
fn every_field_number_is_descriptor_protos() {
    let ours = our_structs();
    let real = real_messages();
    assert!(ours.len() > 20, "parsed only {} structs", ours.len());
    let mut checked = 0;
    for (name, fields) in &ours {
        if NOT_IN_DESCRIPTOR_PROTO.contains(&name.as_str()) {
            continue;
        }
        let targets: Vec<String> = match MIRRORS.iter().find(|(n, _)| n == name) {
            Some((_, t)) => t.iter().map(|s| s.to_string()).collect(),
            None => vec![format!("google.protobuf.{name}")],
        };
        for target in targets {
            let Some(real_fields) = real.get(&target) else {
                panic!("{name}: no message {target} in descriptor.proto");
            };
            for (field, tag) in fields {
                if name == "FileDescriptorProto" && (field.as_str(), *tag) == BUF_EXTENSION_FIELD {
                    continue;
                }
                assert_eq!(
                    real_fields.get(field),
                    Some(tag),
                    "{name}.{field} has tag {tag}; {target} says {:?}",
                    real_fields.get(field)
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 80, "only {checked} fields checked");
}
