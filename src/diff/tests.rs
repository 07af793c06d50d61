use super::*;
use crate::source::{Input, LoadOptions, Schema};

fn load(text: &str) -> (Schema, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.proto"), text).unwrap();
    let schema = Schema::load(
        &Input::Dir(dir.path().to_path_buf()),
        &LoadOptions::default(),
    )
    .unwrap();
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
