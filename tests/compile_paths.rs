//! protoguard compiles proto2/proto3 sets with protox and sets holding editions files with
//! protoc (`src/protoc.rs`). Findings must not depend on which compiler read a file: for a
//! varied proto2/proto3 tree (tabs, CRLF, non-ASCII in comments and strings, nested types,
//! options, groups, extensions, every kind of comment) both paths must produce the same
//! descriptors, the same source-info spans and the same comments.

use std::collections::BTreeMap;
use std::path::Path;

use prost::Message as _;
use protoguard::compile::{self, SourceFile, SourceSet};
use protoguard::descriptor::{FileDescriptorProto, FileDescriptorSet};

fn tree() -> SourceSet {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compile_paths");
    let mut set = SourceSet::default();
    set.display_root = "tree".into();
    for name in compile::find_protos(&root, &[]).unwrap() {
        let bytes = std::fs::read(root.join(&name)).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        set.files.insert(
            name.clone(),
            SourceFile {
                text: text.into(),
                key: git2::Oid::hash_object(git2::ObjectType::Blob, &bytes).unwrap(),
                display: format!("tree/{name}"),
                module_root: ".".into(),
            },
        );
    }
    set
}

fn by_name(set: FileDescriptorSet) -> BTreeMap<String, FileDescriptorProto> {
    set.file
        .into_iter()
        .map(|f| (f.name.clone().unwrap_or_default(), f))
        .collect()
}

#[test]
fn protoc_and_protox_give_the_same_descriptors_and_source_info() {
    let set = tree();
    let names: Vec<String> = set.files.keys().cloned().collect();
    assert!(names.len() >= 2, "the tree is missing: {names:?}");
    assert!(
        !protoguard::protoc::needs_protoc(&set),
        "a proto2/proto3 tree must stay on the protox path"
    );
    let (_, protox_bytes) = compile::compile_set_encoded(&set, &names).unwrap();
    let from_protox = by_name(FileDescriptorSet::decode(protox_bytes.as_slice()).unwrap());
    let (from_protoc, _) = protoguard::protoc::compile(&set, &names).unwrap();
    let from_protoc = by_name(from_protoc);
    for name in &names {
        let (a, b) = (&from_protox[name], &from_protoc[name]);
        let spans = |f: &FileDescriptorProto| {
            let mut locs: Vec<_> = f
                .source_code_info
                .clone()
                .unwrap_or_default()
                .location
                .into_iter()
                .map(|l| {
                    format!(
                        "{:?} {:?} {:?} {:?}",
                        l.path, l.span, l.leading_comments, l.trailing_comments
                    )
                })
                .collect();
            locs.sort();
            locs
        };
        let (sa, sb) = (spans(a), spans(b));
        assert!(sa.len() > 20, "{name}: too little source info");
        let only_protox: Vec<_> = sa.iter().filter(|l| !sb.contains(l)).collect();
        let only_protoc: Vec<_> = sb.iter().filter(|l| !sa.contains(l)).collect();
        assert!(
            only_protox.is_empty() && only_protoc.is_empty(),
            "{name}: source info differs\n  only protox: {only_protox:#?}\n  only protoc: {only_protoc:#?}"
        );
        let strip = |f: &FileDescriptorProto| FileDescriptorProto {
            source_code_info: None,
            ..f.clone()
        };
        assert_eq!(strip(a), strip(b), "{name}: descriptors differ");
    }
}
