//! Images are checked as a compiler checks its output.

use std::process::Output;

use super::support::*;
use prost::Message as _;
use prost_types::{
    field_descriptor_proto::{Label, Type},
    source_code_info::Location,
    DescriptorProto, FieldDescriptorProto, FileDescriptorProto, FileDescriptorSet,
    OneofDescriptorProto, SourceCodeInfo,
};
use protoguard::descriptor as pd;

fn field(name: &str, number: i32) -> FieldDescriptorProto {
    FieldDescriptorProto {
        name: Some(name.into()),
        number: Some(number),
        label: Some(Label::Optional as i32),
        r#type: Some(Type::Int32 as i32),
        json_name: Some(name.into()),
        ..Default::default()
    }
}

/// `a.proto`: proto3, package `a`, `message M { int32 x = 1; }`.
fn good() -> FileDescriptorProto {
    FileDescriptorProto {
        name: Some("a.proto".into()),
        package: Some("a".into()),
        syntax: Some("proto3".into()),
        message_type: vec![DescriptorProto {
            name: Some("M".into()),
            field: vec![field("x", 1)],
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// Checks an image of `files` against the good one: exit 2 naming the image, the file
/// and what is wrong.
fn assert_rejected(files: Vec<FileDescriptorProto>, why: &[&str]) {
    let t = Tree::new();
    let image = |set: FileDescriptorSet| set.encode_to_vec();
    t.write("old.binpb", image(FileDescriptorSet { file: vec![good()] }));
    t.write("new.binpb", image(FileDescriptorSet { file: files }));
    let out = t.run(&["check", "new.binpb", "--against", "old.binpb"]);
    let line = error_line(&out);
    assert!(
        line.starts_with("protoguard: new.binpb: not a valid FileDescriptorSet image: "),
        "{line}"
    );
    for w in why {
        assert!(line.contains(w), "should mention {w:?}: {line}");
    }
}

fn with_field(f: FieldDescriptorProto) -> FileDescriptorProto {
    let mut file = good();
    file.message_type[0].field.push(f);
    file
}

#[test]
fn good_image_passes() {
    let t = Tree::new();
    let bytes = FileDescriptorSet { file: vec![good()] }.encode_to_vec();
    t.write("old.binpb", &bytes);
    t.write("new.binpb", &bytes);
    let out = t.run(&["check", "new.binpb", "--against", "old.binpb"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn reference_to_a_type_that_does_not_exist() {
    let mut f = field("n", 2);
    f.r#type = Some(Type::Message as i32);
    f.type_name = Some(".a.Nope".into());
    assert_rejected(vec![with_field(f)], &["a.proto", "field n", "Nope"]);
}

#[test]
fn file_that_depends_on_itself() {
    let mut file = good();
    file.dependency.push("a.proto".into());
    assert_rejected(vec![file], &["a.proto", "depends on itself"]);
}

#[test]
fn import_cycle() {
    let mut a = good();
    a.dependency.push("b.proto".into());
    let b = FileDescriptorProto {
        name: Some("b.proto".into()),
        dependency: vec!["a.proto".into()],
        syntax: Some("proto3".into()),
        ..Default::default()
    };
    assert_rejected(
        vec![a, b],
        &["import cycle", "a.proto -> b.proto -> a.proto"],
    );
}

#[test]
fn missing_dependency() {
    let mut file = good();
    file.dependency.push("b.proto".into());
    assert_rejected(vec![file], &["a.proto", "imports b.proto", "does not hold"]);
}

#[test]
fn field_numbers_out_of_range() {
    for n in [-1, 0, 536_870_912, 19_500] {
        assert_rejected(
            vec![with_field(field("y", n))],
            &["field a.M.y", &n.to_string()],
        );
    }
}

#[test]
fn duplicate_field_numbers() {
    assert_rejected(
        vec![with_field(field("y", 1))],
        &["a.proto", "message a.M", "1"],
    );
}

#[test]
fn bad_oneof_index() {
    let mut f = field("y", 2);
    f.oneof_index = Some(3);
    let mut file = with_field(f);
    file.message_type[0].oneof_decl.push(OneofDescriptorProto {
        name: Some("o".into()),
        ..Default::default()
    });
    assert_rejected(vec![file], &["field a.M.y", "oneof_index 3"]);
}

#[test]
fn overlapping_reserved_ranges() {
    let mut file = good();
    let range = |start, end| prost_types::descriptor_proto::ReservedRange {
        start: Some(start),
        end: Some(end),
    };
    file.message_type[0].reserved_range = vec![range(5, 10), range(8, 12)];
    assert_rejected(
        vec![file],
        &[
            "message a.M",
            "reserved range 5 to 9 overlaps reserved range 8 to 11",
        ],
    );
}

#[test]
fn unknown_syntax() {
    let mut file = good();
    file.syntax = Some("proto4".into());
    assert_rejected(vec![file], &["a.proto", "unknown syntax \"proto4\""]);
}

#[test]
fn negative_source_span() {
    let mut file = good();
    file.source_code_info = Some(SourceCodeInfo {
        location: vec![Location {
            path: vec![4, 0],
            span: vec![-1, 0, 5],
            ..Default::default()
        }],
    });
    assert_rejected(vec![file], &["a.proto", "malformed span [-1, 0, 5]"]);
}

/// An editions file (our own descriptor model carries `edition` and `features`).
fn editions_image(first_value: i32, features: Option<pd::FeatureSet>) -> Vec<u8> {
    pd::FileDescriptorSet {
        file: vec![pd::FileDescriptorProto {
            name: Some("e.proto".into()),
            package: Some("e".into()),
            syntax: Some("editions".into()),
            edition: Some(1000),
            enum_type: vec![pd::EnumDescriptorProto {
                name: Some("E".into()),
                value: vec![pd::EnumValueDescriptorProto {
                    name: Some("E_FIRST".into()),
                    number: Some(first_value),
                    ..Default::default()
                }],
                options: features.map(|f| pd::EnumOptions {
                    features: Some(f),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

fn check_editions(bytes: Vec<u8>) -> Output {
    let t = Tree::new();
    t.write("old.binpb", editions_image(0, None));
    t.write("new.binpb", bytes);
    t.run(&["check", "new.binpb", "--against", "old.binpb"])
}

#[test]
fn editions_open_enums_start_at_zero_closed_ones_need_not() {
    let line = error_line(&check_editions(editions_image(1, None)));
    assert!(
        line.contains("enum e.E: the first value of an open enum must be 0"),
        "{line}"
    );
    let closed = pd::FeatureSet {
        enum_type: Some(2),
        ..Default::default()
    };
    let out = check_editions(editions_image(1, Some(closed)));
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn unknown_feature_values_are_refused() {
    let bad = pd::FeatureSet {
        field_presence: Some(7),
        ..Default::default()
    };
    let line = error_line(&check_editions(editions_image(0, Some(bad))));
    assert!(
        line.contains("enum e.E: feature field_presence has no value 7"),
        "{line}"
    );
}

#[test]
fn proto3_enum_must_start_at_zero() {
    let mut file = good();
    file.enum_type.push(prost_types::EnumDescriptorProto {
        name: Some("E".into()),
        value: vec![prost_types::EnumValueDescriptorProto {
            name: Some("E_ONE".into()),
            number: Some(1),
            ..Default::default()
        }],
        ..Default::default()
    });
    assert_rejected(vec![file], &["enum a.E", "must be 0"]);
}

#[test]
fn types_seen_through_chains_of_public_imports_resolve() {
    // a.proto imports public b.proto, which imports public c.proto; d.proto imports
    // a.proto and uses c.proto's message, as protoc allows.
    let file = |name: &str, deps: &[&str], public: bool| FileDescriptorProto {
        name: Some(name.into()),
        package: Some("p".into()),
        syntax: Some("proto3".into()),
        dependency: deps.iter().map(|d| d.to_string()).collect(),
        public_dependency: if public && !deps.is_empty() {
            vec![0]
        } else {
            vec![]
        },
        ..Default::default()
    };
    let mut c = file("c.proto", &[], false);
    c.message_type.push(DescriptorProto {
        name: Some("C".into()),
        ..Default::default()
    });
    let mut d = file("d.proto", &["a.proto"], false);
    let mut uses = field("c", 1);
    uses.r#type = Some(Type::Message as i32);
    uses.type_name = Some(".p.C".into());
    d.message_type.push(DescriptorProto {
        name: Some("D".into()),
        field: vec![uses],
        ..Default::default()
    });
    let files = vec![
        c,
        file("b.proto", &["c.proto"], true),
        file("a.proto", &["b.proto"], true),
        d,
    ];
    let t = Tree::new();
    let bytes = FileDescriptorSet { file: files }.encode_to_vec();
    t.write("old.binpb", &bytes);
    t.write("new.binpb", &bytes);
    let out = t.run(&["check", "new.binpb", "--against", "old.binpb"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
