use super::*;

#[test]
fn summaries_keep_types_as_written() {
    let s = summarize(
        "a.proto",
        r#"syntax = "proto3";
package p;
message A {
  string s = 1;
  optional int32 o = 2;
  repeated .p.B bs = 3;
  map<string, B> m = 4;
  oneof x { bytes raw = 5; }
  message N { E e = 1; }
  enum E { E_UNSPECIFIED = 0; E_ONE = 1; }
}
message B {}
"#,
    );
    assert!(s.error.is_none());
    let a = &s.messages.iter().find(|(n, _)| n == "p.A").unwrap().1;
    let decl: Vec<String> = a
        .iter()
        .map(|(n, name, ty, label)| format!("{n}:{label}:{ty}:{name}"))
        .collect();
    assert_eq!(
        decl,
        [
            "1::string:s",
            "2:optional:int32:o",
            "3:repeated:.p.B:bs",
            "4::map<string, B>:m",
            "5::bytes:raw"
        ]
    );
    assert!(s.messages.iter().any(|(n, _)| n == "p.A.N"));
    assert!(!s.messages.iter().any(|(n, _)| n.ends_with("Entry")));
    assert_eq!(s.enums[0].0, "p.A.E");
}

#[test]
fn editions_files_are_summarised() {
    let s = summarize(
        "e.proto",
        r#"edition = "2024";
package p;
import option "google/protobuf/cpp_features.proto";
export message A {
  string s = 1 [default = "x", features.field_presence = LEGACY_REQUIRED];
  repeated int32 ids = 2;
  reserved gone;
  reserved 7;
  local enum E { E_ZERO = 0; E_ONE = 1; }
}
"#,
    );
    assert_eq!(s.error, None);
    let a = &s.messages.iter().find(|(n, _)| n == "p.A").unwrap().1;
    assert_eq!(
        a,
        &[
            (1, "s".into(), "string".into(), String::new()),
            (2, "ids".into(), "int32".into(), "repeated".into())
        ]
    );
    assert_eq!(
        s.enums[0],
        (
            "p.A.E".into(),
            vec![(0, "E_ZERO".into()), (1, "E_ONE".into())]
        )
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let s = summarize(
        "a.proto",
        "\u{feff}syntax = \"proto3\";\nmessage A { string s = 1; }\n",
    );
    assert!(s.error.is_none(), "{:?}", s.error);
    assert_eq!(s.messages.len(), 1);
}

#[test]
fn proto2_labels_and_bad_files() {
    let s = summarize(
        "b.proto",
        "syntax = \"proto2\"; message M { optional string a = 1; required int64 b = 2; }",
    );
    let m = &s.messages[0].1;
    assert_eq!(m[0].3, "optional");
    assert_eq!(m[1].3, "required");
    assert!(summarize("c.proto", "message {").error.is_some());
}

#[test]
fn timeline_spans_runs_of_a_blob() {
    let a = Oid::hash_object(ObjectType::Blob, b"a").unwrap();
    let b = Oid::hash_object(ObjectType::Blob, b"b").unwrap();
    let mut t = Timeline::default();
    t.push_listing("1".into(), &BTreeMap::from([("x".to_string(), a)]));
    t.push_listing("2".into(), &BTreeMap::from([("x".to_string(), a)]));
    t.push_listing("3".into(), &BTreeMap::from([("x".to_string(), b)]));
    t.push_listing("4".into(), &BTreeMap::new());
    t.push_listing("5".into(), &BTreeMap::from([("y".to_string(), a)]));
    let (labels, spans) = t.finish();
    assert_eq!(labels.len(), 5);
    let mut got: Vec<(Oid, usize, usize)> = spans.iter().map(|s| (s.0, s.2, s.3)).collect();
    got.sort();
    let mut want = vec![(a, 0, 1), (b, 2, 2), (a, 4, 4)];
    want.sort();
    assert_eq!(got, want);
}

/// Issue 10: a parsing thread's panic was swallowed (`join().unwrap_or_default()`),
/// leaving the ledger without that thread's files. It now reaches the caller.
#[test]
fn a_parsing_threads_panic_reaches_the_caller() {
    let spans: Vec<Span> = (0..40u8)
        .map(|i| {
            let id = Oid::hash_object(ObjectType::Blob, &[i]).unwrap();
            (id, format!("f{i}.proto"), 0, 0)
        })
        .collect();
    let poisoned = spans[33].1.clone();
    let summarise = move |path: &str, bytes: &[u8]| {
        assert!(path != poisoned, "summariser failed on {path}");
        summarize_bytes(path, bytes)
    };
    let caught = std::panic::catch_unwind(|| {
        let mut stats = Stats::default();
        summaries_with(
            &spans,
            &Cache::in_memory(),
            &mut stats,
            &mut Vec::new(),
            &mut |_| Ok(b"syntax = \"proto3\";".to_vec()),
            &summarise,
        )
    });
    let payload = caught.expect_err("the worker's panic was swallowed");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("f33.proto"), "{message}");
}

#[test]
fn symbolic_links_are_left_out_of_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let text = repo.blob(b"syntax = \"proto3\";").unwrap();
    let link = repo.blob(b"a.proto").unwrap();
    let mut tree = repo.treebuilder(None).unwrap();
    tree.insert("a.proto", text, 0o100644).unwrap();
    tree.insert("alias.proto", link, LINK_MODE).unwrap();
    let tree = tree.write().unwrap();
    let mut changes = Vec::new();
    diff_trees(&repo, None, Some(tree), "", &mut changes).unwrap();
    assert_eq!(changes, [("a.proto".to_string(), Some(text))]);
}
