use super::*;
use crate::source::{Input, LoadOptions, Schema};

fn load(text: &str) -> (Schema, tempfile::TempDir) {
    load_files(&[("a.proto", text)], &[])
}

/// Loads `files` as a schema, with `imports` in an import root beside it.
fn load_files(files: &[(&str, &str)], imports: &[(&str, &str)]) -> (Schema, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (root, include) = (dir.path().join("root"), dir.path().join("include"));
    for (dir, files) in [(&root, files), (&include, imports)] {
        std::fs::create_dir_all(dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let options = LoadOptions {
        includes: vec![include],
        ..LoadOptions::default()
    };
    let schema = Schema::load(&Input::Dir(root), &options).unwrap();
    (schema, dir)
}

const OLD: &str = r#"syntax = "proto3";
package p;
message M {
  string a = 1;
  int32 b = 2;
  oneof choice { string c = 3; }
  optional int32 d = 4;
}
message Gone {}
enum E {
  option allow_alias = true;
  E_ZERO = 0;
  E_ONE = 1;
  E_UNO = 1;
  E_TWO = 2;
}
service S {
  rpc Get(M) returns (M);
  rpc Drop(M) returns (M);
}
"#;

const NEW: &str = r#"syntax = "proto3";
package p;
message M {
  string renamed = 1;
  int64 e = 5;
  oneof other { string c = 3; }
  optional int32 d = 4;
}
message Fresh {}
enum E {
  E_ZERO = 0;
  E_ONE = 1;
  E_THREE = 3;
}
service S {
  rpc Get(M) returns (M);
  rpc Put(M) returns (M);
}
"#;

#[test]
fn types_pair_by_full_name() {
    let ((o, _a), (n, _b)) = (load(OLD), load(NEW));
    let d = Diff::new(&o.index, &n.index);
    let names = |v: &[&Message]| v.iter().map(|m| m.full_name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&d.messages.deleted), ["p.Gone"]);
    assert_eq!(names(&d.messages.added), ["p.Fresh"]);
    assert_eq!(d.messages.both.len(), 1);
    assert_eq!(d.enums.both.len(), 1);
    assert_eq!(d.files.both.len(), 1);
    assert_eq!(d.packages.both, [("p", "p")]);
}

#[test]
fn fields_pair_by_number_whatever_their_name() {
    let ((o, _a), (n, _b)) = (load(OLD), load(NEW));
    let d = Diff::new(&o.index, &n.index);
    let m = &d.messages.both[0];
    let pairs: Vec<(&str, &str)> = m
        .field_pairs()
        .map(|(a, b)| (a.name.as_str(), b.name.as_str()))
        .collect();
    assert_eq!(pairs, [("a", "renamed"), ("c", "c"), ("d", "d")]);
    let numbers = |g: &[Group<Field>]| g.iter().map(|g| g.number).collect::<Vec<_>>();
    assert_eq!(numbers(&m.fields.deleted), [2]);
    assert_eq!(numbers(&m.fields.added), [5]);
}

#[test]
fn oneofs_pair_by_name_synthetic_ones_included() {
    let ((o, _a), (n, _b)) = (load(OLD), load(NEW));
    let d = Diff::new(&o.index, &n.index);
    let m = &d.messages.both[0];
    let names = |v: &[OneofAt]| v.iter().map(|(_, o)| o.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&m.oneofs.deleted), ["choice"]);
    assert_eq!(names(&m.oneofs.added), ["other"]);
    let both: Vec<_> = m.oneofs.both.iter().map(|(a, b)| (a.0, b.0)).collect();
    assert_eq!(both, [(1, 1)], "the synthetic `_d` keeps its place");
}

#[test]
fn enum_aliases_share_their_number() {
    let ((o, _a), (n, _b)) = (load(OLD), load(NEW));
    let d = Diff::new(&o.index, &n.index);
    let e = &d.enums.both[0];
    let one = e.values.both.iter().find(|p| p.number == 1).unwrap();
    let names = |v: &[&EnumValue]| v.iter().map(|v| v.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&one.old), ["E_ONE", "E_UNO"]);
    assert_eq!(names(&one.new), ["E_ONE"]);
    assert_eq!(e.values.deleted.len(), 1);
    assert_eq!(e.values.deleted[0].names(), ["E_TWO"]);
    assert_eq!(e.values.added[0].number, 3);
}

#[test]
fn rpcs_pair_by_name_within_their_service() {
    let ((o, _a), (n, _b)) = (load(OLD), load(NEW));
    let d = Diff::new(&o.index, &n.index);
    let s = &d.services.both[0];
    assert_eq!(s.rpcs.both.len(), 1);
    assert_eq!(s.rpcs.deleted[0].name, "Drop");
    assert_eq!(s.rpcs.added[0].name, "Put");
}

#[test]
fn generic_matching_keeps_each_sides_order() {
    let m = match_by([3, 1, 2], [2, 4, 3, 5], |x| x);
    assert_eq!(m.both, [(3, 3), (2, 2)]);
    assert_eq!(m.deleted, [1]);
    assert_eq!(m.added, [4, 5]);
}

#[derive(Debug)]
struct V(i32, &'static str);

impl Numbered for V {
    fn number(&self) -> i32 {
        self.0
    }
    fn name(&self) -> &str {
        self.1
    }
}

#[test]
fn numbered_elements_group_before_matching() {
    let old = [V(1, "a"), V(2, "b"), V(1, "c")];
    let new = [V(2, "b"), V(3, "d")];
    let m = by_number(&old, &new);
    assert_eq!(m.both.len(), 1);
    assert_eq!(m.both[0].number, 2);
    assert_eq!(m.deleted.len(), 1);
    assert_eq!(m.deleted[0].names(), ["a", "c"]);
    assert_eq!(m.added[0].names(), ["d"]);
}

/// Full names of matched elements, sorted: (both, deleted, added), pairs shown by their old
/// name.
fn names<T>(m: &Matched<&T>, name: impl Fn(&T) -> &str) -> [Vec<String>; 3] {
    let all = |v: &mut dyn Iterator<Item = &&T>| {
        let mut out: Vec<String> = v.map(|t| name(t).to_string()).collect();
        out.sort();
        out
    };
    [
        all(&mut m.both.iter().map(|(o, _)| o)),
        all(&mut m.deleted.iter()),
        all(&mut m.added.iter()),
    ]
}

fn message_name(m: &Message) -> &str {
    &m.full_name
}

fn field_name(f: &Field) -> &str {
    &f.full_name
}

#[test]
fn by_file_an_element_keeps_its_place_when_the_package_changes() {
    let old = "syntax = \"proto3\";\npackage p;\nmessage M { message N {} }\nenum E { E_0 = 0; }\nservice S {}\n";
    let new = "syntax = \"proto3\";\npackage q;\nmessage M { message N {} }\nenum E { E_0 = 0; }\nservice S {}\n";
    let ((o, _a), (n, _b)) = (load(old), load(new));
    let d = Diff::new(&o.index, &n.index);
    let none: Vec<String> = Vec::new();
    assert_eq!(
        names(&d.in_files.messages, message_name),
        [
            vec!["p.M".to_string(), "p.M.N".into()],
            none.clone(),
            none.clone()
        ]
    );
    assert_eq!(d.in_files.enums.both.len(), 1);
    assert_eq!(d.in_files.services.both.len(), 1);
    // By package, everything of `p` is gone and everything of `q` is new.
    assert_eq!(
        names(&d.in_packages.messages, message_name),
        [
            none,
            vec!["p.M".into(), "p.M.N".into()],
            vec!["q.M".into(), "q.M.N".into()]
        ]
    );
    assert_eq!(d.in_packages.enums.deleted.len(), 1);
    assert_eq!(d.in_packages.services.added.len(), 1);
}

#[test]
fn by_package_an_element_may_move_between_files() {
    let old = [
        (
            "a.proto",
            "syntax = \"proto3\";\npackage p;\nmessage M {}\nenum E { E_0 = 0; }\n",
        ),
        ("b.proto", "syntax = \"proto3\";\npackage p;\n"),
    ];
    let new = [
        ("a.proto", "syntax = \"proto3\";\npackage p;\n"),
        (
            "b.proto",
            "syntax = \"proto3\";\npackage p;\nmessage M {}\nenum E { E_0 = 0; }\n",
        ),
    ];
    let ((o, _a), (n, _b)) = (load_files(&old, &[]), load_files(&new, &[]));
    let d = Diff::new(&o.index, &n.index);
    let none: Vec<String> = Vec::new();
    let moved = vec!["p.M".to_string()];
    assert_eq!(
        names(&d.in_files.messages, message_name),
        [none.clone(), moved.clone(), moved.clone()]
    );
    assert_eq!(
        names(&d.in_packages.messages, message_name),
        [moved, none.clone(), none]
    );
    assert_eq!(
        (d.in_files.enums.deleted.len(), d.in_files.enums.added.len()),
        (1, 1)
    );
    assert_eq!(d.in_packages.enums.both.len(), 1);
}

#[test]
fn extensions_are_declared_by_name_not_by_number() {
    let text = |number: i32| {
        format!(
            "syntax = \"proto2\";\npackage p;\nmessage Base {{ extensions 100 to 200; }}\n\
             extend Base {{ optional int32 top = {number}; }}\n\
             message Outer {{ extend Base {{ optional int32 inner = {}; }} }}\n",
            number + 1
        )
    };
    let ((o, _a), (n, _b)) = (load(&text(100)), load(&text(150)));
    let d = Diff::new(&o.index, &n.index);
    let none: Vec<String> = Vec::new();
    let both = vec!["p.Outer.inner".to_string(), "p.top".into()];
    assert_eq!(
        names(&d.in_files.extensions, field_name),
        [both.clone(), none.clone(), none.clone()]
    );
    assert_eq!(
        names(&d.in_packages.extensions, field_name),
        [both.clone(), none.clone(), none]
    );
    // The properties' key, extendee and number, sees them deleted and added.
    assert_eq!(names(&d.extensions, field_name)[1], both);
    let mut nested: Vec<&str> = d
        .in_files
        .extensions
        .both
        .iter()
        .map(|(f, _)| f.nested_name(&o.index))
        .collect();
    nested.sort();
    assert_eq!(nested, ["Outer.inner", "top"]);
}

#[test]
fn by_file_a_schema_file_now_imported_still_declares_its_elements() {
    let t = "syntax = \"proto3\";\npackage t;\nmessage T {}\n";
    let a = "syntax = \"proto3\";\npackage a;\nimport \"t.proto\";\nmessage A { t.T t = 1; }\n";
    let (o, _a) = load_files(&[("a.proto", a), ("t.proto", t)], &[]);
    let (n, _b) = load_files(&[("a.proto", a)], &[("t.proto", t)]);
    let d = Diff::new(&o.index, &n.index);
    let none: Vec<String> = Vec::new();
    assert_eq!(
        names(&d.in_files.messages, message_name),
        [
            vec!["a.A".to_string(), "t.T".into()],
            none.clone(),
            none.clone()
        ]
    );
    // Not by package: an import declares nothing in the new schema's packages.
    assert_eq!(
        names(&d.in_packages.messages, message_name),
        [vec!["a.A".to_string()], vec!["t.T".into()], none]
    );
}
