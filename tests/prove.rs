//! The prover: a counterexample for each change that breaks the wire, none for the changes
//! that do not. Each case writes an old and a new tree to a temporary directory, compiles
//! both (protox, imports included; editions files with the vendored protoc (`protoc-bin-vendored`), as
//! images), and proves with a fixed seed and 64 cases per direction. The prover's model of
//! readers is held against a real runtime by scripts/prove-vs-runtime.sh, not here.

use std::path::Path;

use protoguard::prove::{prove, render_text, Direction, ProveOptions, ProveReport};
use protoguard::{Input, LoadOptions, Schema};

mod common;
use common::write;

/// Compiles one side: the encoded FileDescriptorSet and the index.
fn side(dir: &Path) -> (Vec<u8>, Schema) {
    let files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".proto"))
        .collect();
    let fds = protox::Compiler::new([dir])
        .unwrap()
        .include_imports(true)
        .open_files(files)
        .unwrap()
        .encode_file_descriptor_set();
    let schema = Schema::load(&Input::Dir(dir.to_path_buf()), &LoadOptions::default()).unwrap();
    (fds, schema)
}

fn run_with(old: &str, new: &str, opts: &ProveOptions) -> ProveReport {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "old/a.proto", old);
    write(tmp.path(), "new/a.proto", new);
    let (old_fds, old_schema) = side(&tmp.path().join("old"));
    let (new_fds, new_schema) = side(&tmp.path().join("new"));
    prove(
        &old_fds,
        &new_fds,
        &old_schema.index,
        &new_schema.index,
        opts,
    )
    .unwrap()
}

fn opts() -> ProveOptions {
    ProveOptions {
        cases: 64,
        seed: Some(7),
        message: None,
        json: false,
        depth: None,
    }
}

fn run(old: &str, new: &str) -> ProveReport {
    run_with(old, new, &opts())
}

fn assert_clean(report: &ProveReport) {
    assert!(
        report.counterexamples.is_empty(),
        "unexpected counterexample:\n{}",
        render_text(report)
    );
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert!(report.types_checked > 0);
    assert!(report.cases_run >= 128, "cases: {}", report.cases_run);
}

/// Identical declarations are not run (they read the same by construction) unless named.
fn focused(message: &str) -> ProveOptions {
    ProveOptions {
        message: Some(message.into()),
        ..opts()
    }
}

const P3: &str = "syntax = \"proto3\";\npackage shop.v1;\n";
const P2: &str = "syntax = \"proto2\";\npackage shop.v1;\n";

fn p3(body: &str) -> String {
    format!("{P3}{body}")
}

fn p2(body: &str) -> String {
    format!("{P2}{body}")
}

#[test]
fn int32_to_sint32_is_misread() {
    let r = run(
        &p3("message Order { int32 quantity = 1; }"),
        &p3("message Order { sint32 quantity = 1; }"),
    );
    let text = render_text(&r);
    assert!(!r.counterexamples.is_empty(), "{text}");
    let c = &r.counterexamples[0];
    assert_eq!(c.message, "shop.v1.Order");
    assert!(!c.rules.is_empty(), "{text}");
    assert!(
        c.rules.iter().any(|r| r == "FIELD_WIRE_COMPATIBLE_TYPE"),
        "{text}"
    );
    assert!(c.seen[0].starts_with("quantity: "), "{text}");
    assert!(
        c.seen[0].contains("(int32) read as") || c.seen[0].contains("(sint32) read as"),
        "{text}"
    );
    // Shrunk: one field, a handful of bytes.
    assert!(c.bytes_hex.len() <= 3 * 11, "{text}");
    assert!(text.contains("seed 7"), "{text}");
}

#[test]
fn string_to_int64_reusing_a_number_is_lost() {
    let r = run(
        &p3("message Item { string sku = 2; }"),
        &p3("message Item { int64 price = 2; }"),
    );
    let text = render_text(&r);
    let dirs: Vec<Direction> = r.counterexamples.iter().map(|c| c.direction).collect();
    assert!(dirs.contains(&Direction::OldReadersNewData), "{text}");
    assert!(dirs.contains(&Direction::NewReadersOldData), "{text}");
    assert!(text.contains("unknown field"), "{text}");
    assert!(
        r.counterexamples
            .iter()
            .all(|c| c.rules.iter().any(|r| r == "FIELD_WIRE_COMPATIBLE_TYPE")),
        "{text}"
    );
}

#[test]
fn bytes_to_string_fails_on_invalid_utf8() {
    let r = run(
        &p3("message Blob { bytes data = 1; }"),
        &p3("message Blob { string data = 1; }"),
    );
    let text = render_text(&r);
    let c = r
        .counterexamples
        .iter()
        .find(|c| c.direction == Direction::NewReadersOldData)
        .unwrap_or_else(|| panic!("{text}"));
    assert!(c.seen[0].contains("invalid UTF-8"), "{text}");
    assert!(
        c.rules.iter().any(|r| r == "FIELD_WIRE_COMPATIBLE_TYPE"),
        "{text}"
    );
    // string -> bytes is the safe direction: new data is always valid UTF-8.
    assert!(
        r.counterexamples
            .iter()
            .all(|c| c.direction == Direction::NewReadersOldData),
        "{text}"
    );
}

#[test]
fn repeated_to_singular_loses_elements() {
    let r = run(
        &p3("message Cart { repeated int32 items = 1; }"),
        &p3("message Cart { int32 items = 1; }"),
    );
    let text = render_text(&r);
    let c = r
        .counterexamples
        .iter()
        .find(|c| c.direction == Direction::NewReadersOldData)
        .unwrap_or_else(|| panic!("{text}"));
    assert!(c.seen[0].contains("repeated int32"), "{text}");
    assert!(c.rules.iter().any(|r| r.contains("CARDINALITY")), "{text}");
}

#[test]
fn renamed_field_is_safe() {
    assert_clean(&run(
        &p3("message Order { int32 quantity = 1; string note = 2; }"),
        &p3("message Order { int32 qty = 1; string note = 2; }"),
    ));
}

#[test]
fn pure_additions_are_safe() {
    assert_clean(&run(
        &p3("message Order { int32 id = 1; Status status = 2; }
             enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; }"),
        &p3("message Order {
               int32 id = 1; Status status = 2;
               repeated string tags = 3; map<string, Line> lines = 4; Line first = 5;
               optional double discount = 6; oneof payment { string card = 7; bytes token = 8; }
             }
             message Line { sint64 qty = 1; fixed32 price = 2; repeated Line children = 3; }
             message Extra { bool flag = 1; }
             enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; STATUS_CLOSED = 2; }"),
    ));
}

#[test]
fn deleted_and_reserved_field_is_safe() {
    assert_clean(&run(
        &p3("message Order { int32 id = 1; string legacy = 2; repeated int64 old = 3; }"),
        &p3("message Order { int32 id = 1; reserved 2, 3; reserved \"legacy\", \"old\"; }"),
    ));
}

#[test]
fn renamed_enum_value_is_safe() {
    assert_clean(&run(
        &p3(
            "message Order { Status status = 1; repeated Status history = 2; }
             enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; STATUS_DONE = 2; }",
        ),
        &p3(
            "message Order { Status status = 1; repeated Status history = 2; }
             enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; STATUS_COMPLETED = 2; }",
        ),
    ));
}

#[test]
fn comment_only_change_is_safe() {
    let body = "message Order {
        int32 id = 1;
        repeated Line lines = 2;
        map<int64, string> notes = 3;
        oneof payment { string card = 4; Line voucher = 5; }
        optional bool gift = 6;
        float weight = 7;
        double total = 8;
        bytes blob = 9;
        uint64 big = 10;
        sfixed64 when = 11;
        Order parent = 12;
      }
      message Line { int32 qty = 1; }";
    let commented = body.replace(
        "int32 id = 1;",
        "// The order id.\n int32 id = 1; /* trailing */",
    );
    let r = run(&p3(body), &p3(&commented));
    assert!(r.counterexamples.is_empty() && r.skipped.is_empty());
    assert_eq!((r.types_checked, r.types_unchanged), (0, 2));
    assert_clean(&run_with(
        &p3(body),
        &p3(&commented),
        &focused("shop.v1.Order"),
    ));
}

#[test]
fn proto2_groups_required_and_defaults_round_trip() {
    let body = "message Order {
        required int32 id = 1;
        optional group Meta = 2 { optional string note = 3; repeated int32 tags = 4; }
        optional Color color = 5 [default = RED];
        repeated Color history = 6 [packed = true];
        optional string name = 7 [default = \"x\"];
        repeated sint32 deltas = 8;
      }
      enum Color { RED = 1; GREEN = 2; }";
    assert_clean(&run_with(&p2(body), &p2(body), &focused("shop.v1.Order")));
}

#[test]
fn adding_a_value_to_a_closed_enum_loses_it_for_old_readers() {
    let r = run(
        &p2("message Order { optional Color color = 1; } enum Color { RED = 1; GREEN = 2; }"),
        &p2("message Order { optional Color color = 1; } enum Color { RED = 1; GREEN = 2; BLUE = 3; }"),
    );
    let text = render_text(&r);
    let c = r
        .counterexamples
        .iter()
        .find(|c| c.direction == Direction::OldReadersNewData)
        .unwrap_or_else(|| panic!("{text}"));
    assert!(c.input.contains("BLUE"), "{text}");
    assert!(c.seen[0].contains("closed"), "{text}");
}

/// int32 -> int64 is in one WIRE group and buf allows it; it is lossless for new readers of
/// old data, but an old reader truncates a new 64-bit value: the prover says so, no rule does.
#[test]
fn int32_to_int64_truncates_for_old_readers_only() {
    let r = run(
        &p3("message M { int32 v = 1; }"),
        &p3("message M { int64 v = 1; }"),
    );
    let text = render_text(&r);
    assert!(!r.counterexamples.is_empty(), "{text}");
    for c in &r.counterexamples {
        assert_eq!(c.direction, Direction::OldReadersNewData, "{text}");
        assert!(c.seen[0].contains("(int64) read as"), "{text}");
        assert!(c.rules.is_empty(), "{text}");
    }
}

#[test]
fn the_seed_reproduces_and_message_focuses() {
    let old = p3("message A { int32 x = 1; } message B { int32 y = 1; }");
    let new = p3("message A { uint32 x = 1; } message B { int32 y = 1; }");
    let a = run(&old, &new);
    let b = run(&old, &new);
    assert_eq!(render_text(&a), render_text(&b));
    assert_eq!((a.types_checked, a.types_unchanged), (1, 1));
    let one = run_with(&old, &new, &focused("shop.v1.A"));
    assert_eq!(one.types_checked, 1);
    assert_eq!(one.counterexamples[0].input, a.counterexamples[0].input);
    let missing = ProveOptions {
        message: Some("shop.v1.Nope".into()),
        ..opts()
    };
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "old/a.proto", &old);
    write(tmp.path(), "new/a.proto", &new);
    let (of, os) = side(&tmp.path().join("old"));
    let (nf, ns) = side(&tmp.path().join("new"));
    assert!(prove(&of, &nf, &os.index, &ns.index, &missing).is_err());
}

#[test]
fn packed_to_unpacked_and_proto2_to_proto3_packing_are_safe() {
    assert_clean(&run(
        &p3("message M { repeated int32 a = 1; repeated E e = 2; } enum E { E0 = 0; E1 = 1; }"),
        &p3("message M { repeated int32 a = 1 [packed = false]; repeated E e = 2 [packed = false]; } enum E { E0 = 0; E1 = 1; }"),
    ));
}

#[test]
fn unknown_syntax_is_skipped_and_fails_the_run_and_bad_bytes_are_an_error() {
    use prost::Message as _;
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "old/a.proto", p3("message M { int32 a = 1; }"));
    write(tmp.path(), "new/a.proto", p3("message M { int64 a = 1; }"));
    let (of, os) = side(&tmp.path().join("old"));
    let (nf, ns) = side(&tmp.path().join("new"));
    // A syntax the prover does not know: the type is skipped, and the run is incomplete.
    let mut set = prost_types::FileDescriptorSet::decode(of.as_slice()).unwrap();
    for f in &mut set.file {
        if f.name() == "a.proto" {
            f.syntax = Some("proto4".into());
        }
    }
    let r = prove(&set.encode_to_vec(), &nf, &os.index, &ns.index, &opts()).unwrap();
    assert_eq!(r.types_checked, 0);
    assert_eq!(r.skipped.len(), 1, "{:?}", r.skipped);
    assert!(r.skipped[0].1.contains("proto4"), "{:?}", r.skipped);
    let text = render_text(&r);
    assert!(text.contains("skipped shop.v1.M"), "{text}");
    assert!(r.incomplete().is_some(), "{text}");
    assert!(
        text.contains("incomplete: 1 message type could not be proved"),
        "{text}"
    );
    let err = prove(b"\xff\xff", &nf, &os.index, &ns.index, &opts()).unwrap_err();
    assert!(err.to_string().contains("old descriptor set"), "{err}");
}

fn json() -> ProveOptions {
    ProveOptions {
        json: true,
        ..opts()
    }
}

/// The JSON counterexamples of a report (binary ones are checked by the tests above).
fn json_counterexamples(r: &ProveReport) -> Vec<&protoguard::prove::Counterexample> {
    r.counterexamples
        .iter()
        .filter(|c| c.json.is_some())
        .collect()
}

#[test]
fn json_renamed_field_is_dropped() {
    let r = run_with(
        &p3("message Order { int32 quantity = 1; string note = 2; }"),
        &p3("message Order { int32 qty = 1; string note = 2; }"),
        &json(),
    );
    let text = render_text(&r);
    // Binary-safe: every counterexample is a JSON one, in both directions.
    assert!(r.counterexamples.iter().all(|c| c.json.is_some()), "{text}");
    let dirs: Vec<Direction> = r.counterexamples.iter().map(|c| c.direction).collect();
    assert!(dirs.contains(&Direction::OldReadersNewData), "{text}");
    assert!(dirs.contains(&Direction::NewReadersOldData), "{text}");
    assert!(
        text.contains("old readers, new data (JSON)") && text.contains("json:   {"),
        "{text}"
    );
    let c = &r.counterexamples[0];
    assert!(c.json.as_deref().unwrap().contains("\"qty\""), "{text}");
    assert!(
        c.seen[0].contains("quantity") || c.seen[0].contains("qty"),
        "{text}"
    );
    assert!(
        c.rules
            .iter()
            .any(|r| r == "FIELD_SAME_JSON_NAME" || r == "FIELD_SAME_NAME"),
        "{text}"
    );
}

#[test]
fn json_renamed_enum_value_is_lost() {
    let r = run_with(
        &p3("message Order { Status status = 1; }
             enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; STATUS_DONE = 2; }"),
        &p3("message Order { Status status = 1; }
             enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; STATUS_COMPLETED = 2; }"),
        &json(),
    );
    let text = render_text(&r);
    let found = json_counterexamples(&r);
    assert!(!found.is_empty(), "{text}");
    assert!(r.counterexamples.iter().all(|c| c.json.is_some()), "{text}");
    assert!(
        found
            .iter()
            .any(|c| c.json.as_deref().unwrap().contains("STATUS_COMPLETED")
                || c.json.as_deref().unwrap().contains("STATUS_DONE")),
        "{text}"
    );
}

#[test]
fn json_int32_to_int64_is_fine_for_new_readers() {
    let r = run_with(
        &p3("message M { int32 v = 1; repeated int32 w = 2; }"),
        &p3("message M { int64 v = 1; repeated int64 w = 2; }"),
        &json(),
    );
    let text = render_text(&r);
    // Old data (32-bit values) reads the same through JSON; only new 64-bit values do not
    // fit an old reader, as in binary.
    for c in &r.counterexamples {
        assert_eq!(c.direction, Direction::OldReadersNewData, "{text}");
    }
    // The new-readers directions (binary and JSON) run all their cases; each old-readers
    // one stops at its counterexample, and the count says so.
    assert_eq!(r.directions_stopped, r.counterexamples.len(), "{text}");
    assert!(r.cases_run > 2 * 64, "{text}");
}

#[test]
fn json_pure_additions_and_every_kind_round_trip_but_enum_values() {
    let old = p3("message Order {
        int32 id = 1;
        repeated Line lines = 2;
        map<int64, string> notes = 3;
        oneof payment { string card = 4; Line voucher = 5; }
        optional bool gift = 6;
        float weight = 7;
        double total = 8;
        bytes blob = 9;
        uint64 big = 10;
        sfixed64 when = 11;
        Order parent = 12;
        Status status = 13;
        map<bool, Line> by_flag = 14;
      }
      message Line { int32 qty = 1; sint64 delta = 2; repeated fixed32 prices = 3; }
      enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; }");
    let new = old
        .replace(
            "int32 qty = 1;",
            "int32 qty = 1; string label = 4; repeated Status hist = 5;",
        )
        .replace(
            "Status status = 13;",
            "Status status = 13; map<string, double> rates = 15;",
        );
    let r = run_with(&old, &new, &json());
    assert_clean(&r);
    assert!(r.cases_run >= 4 * 64 * 2, "cases: {}", r.cases_run);
    // An added enum value is not a pure addition in JSON: an old reader ignoring unknown
    // names reads the new name as unset (binary keeps the number: open enum).
    let added = new.replace("STATUS_OPEN = 1;", "STATUS_OPEN = 1; STATUS_CLOSED = 2;");
    let r = run_with(&old, &added, &json());
    let text = render_text(&r);
    assert!(!r.counterexamples.is_empty(), "{text}");
    for c in &r.counterexamples {
        assert!(
            c.json.as_deref().unwrap().contains("STATUS_CLOSED"),
            "{text}"
        );
        assert_eq!(c.direction, Direction::OldReadersNewData, "{text}");
    }
    // And a proto2 message with groups, closed enums and defaults, unchanged, through JSON.
    let body = "message Order {
        required int32 id = 1;
        optional group Meta = 2 { optional string note = 3; repeated int32 tags = 4; }
        optional Color color = 5 [default = RED];
        repeated Color history = 6 [packed = true];
        optional string name = 7 [default = \"x\"];
      }
      enum Color { RED = 1; GREEN = 2; }";
    assert_clean(&run_with(
        &p2(body),
        &p2(body),
        &ProveOptions {
            message: Some("shop.v1.Order".into()),
            ..json()
        },
    ));
}

/// Every `.proto` below `root`, relative to it.
fn proto_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "proto") {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

/// Proves a real corpus: `PROVE_OLD` and `PROVE_NEW` name two import roots (for example two
/// checkouts of ../shared/corpora/googleapis-protos.bundle), `PROVE_CASES` the cases per
/// type and direction (default 32). Prints types and cases per second.
#[test]
#[ignore = "needs two corpus checkouts named by PROVE_OLD and PROVE_NEW"]
fn corpus() {
    let (Ok(old), Ok(new)) = (std::env::var("PROVE_OLD"), std::env::var("PROVE_NEW")) else {
        panic!("set PROVE_OLD and PROVE_NEW to two import roots");
    };
    let cases: u32 = std::env::var("PROVE_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(32);
    let load = |dir: &str| {
        let root = Path::new(dir);
        let fds = protox::Compiler::new([root])
            .unwrap()
            .include_imports(true)
            .open_files(proto_files(root))
            .unwrap()
            .encode_file_descriptor_set();
        let schema =
            Schema::load(&Input::Dir(root.to_path_buf()), &LoadOptions::default()).unwrap();
        (fds, schema)
    };
    let t = std::time::Instant::now();
    let (of, os) = load(&old);
    let (nf, ns) = load(&new);
    eprintln!("compiled both sides in {:.1?}", t.elapsed());
    let t = std::time::Instant::now();
    let opts = ProveOptions {
        cases,
        seed: Some(1),
        message: std::env::var("PROVE_MESSAGE").ok(),
        json: false,
        depth: None,
    };
    let report = prove(&of, &nf, &os.index, &ns.index, &opts).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!("{}", render_text(&report));
    println!(
        "proved {} types ({} skipped), {} cases in {secs:.1} s: {:.0} types/s, {:.0} cases/s, {} counterexamples",
        report.types_checked,
        report.skipped.len(),
        report.cases_run,
        report.types_checked as f64 / secs,
        report.cases_run as f64 / secs,
        report.counterexamples.len()
    );
}

/// Static and dynamic must agree: random old schemas, one random mutation each, the WIRE
/// rules and the prover run on the pair. Asserted: whenever the prover finds a
/// counterexample, some WIRE rule fired, unless the mutation applied is one of the accepted
/// disagreements below (matched by mutation kind, types and direction); for mutations
/// known to be lossless (rename of a field or an enum value, field additions, deletion with
/// or without reserving, comment only), the prover finds nothing; and each accepted
/// disagreement, run once more on a one-field schema, is found by the prover with no WIRE
/// finding (so the list holds nothing it does not need).
///
/// **Prover finds a counterexample, no WIRE rule fires** (buf's WIRE verdict deliberately
/// allows a lossy change; accepted, matched by [`accepted_loss`]):
/// - varint in-group type changes (int32, int64, uint32, uint64, bool, any pair): one wire
///   type, so buf allows them, but values outside the narrower or differently-signed range
///   are truncated or reinterpreted (int64 → int32 truncates, -1 as uint32 is 4294967295,
///   2 read as bool is true and re-written as 1).
/// - sint32 ↔ sint64: same zigzag encoding, but a 64-bit value is truncated by a 32-bit reader.
/// - fixed32 ↔ sfixed32, fixed64 ↔ sfixed64: same width, the sign is reinterpreted.
/// - string → bytes in proto3, old readers of new data only: the new side writes invalid
///   UTF-8 that an old proto3 reader rejects (bytes → string is flagged by WIRE; proto2 does
///   not validate, so it is lossless there).
/// - a value added to a closed (proto2) enum, old readers of new data only: the old reader
///   moves the unknown number to unknown fields, so the field reads as unset.
/// - presence changes (proto3 plain ↔ `optional`), after a relay only: the relaying side's
///   field has no presence and drops an explicit zero. (Moving a plain field into a oneof
///   changes presence the same way, but FIELD_SAME_ONEOF fires, so it is no disagreement.)
///
/// **WIRE fires, the prover finds nothing** (rules stricter than the bytes; not asserted, the
/// prover being a sampler, but these are what the random mutations produce):
/// - deleting a field without reserving it, and renumbering one: the old number's data stays
///   in unknown fields and survives a relay; the rule is about a future reuse of the number.
/// - int32 (or another varint) ↔ an open enum: open enums keep every number.
/// - deleting a value of an open enum: the number still reads and relays as a number.
/// - a field moved alone into a new oneof: its bytes are unchanged, and a proto2 `optional`
///   or message field keeps its presence (FIELD_SAME_ONEOF fires because a later member of
///   the oneof could clear it); for a proto3 plain field the prover finds the relay loss
///   above, usually, so the two agree.
/// - a message or enum type renamed to a structurally identical one, and proto2 bytes →
///   string (proto2 does not validate UTF-8): identical bytes, identical meaning.
#[test]
fn rules_versus_prover() {
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut tally = Tally::default();
    let trials = 240;
    for trial in 0..trials {
        let old = RandomSchema::generate(&mut rng);
        if let Some((new, mutation)) = old.mutate(&mut rng) {
            tally.judge(trial, &old, &new, mutation);
        }
    }
    eprintln!(
        "{trials} random trials: {} with counterexamples ({} accepted disagreements: {:?}), \
         {} where only WIRE fired {:?}; mutations: {:?}",
        tally.found,
        tally.accepted.len(),
        tally.accepted,
        tally.wire_only.len(),
        tally.wire_only,
        tally.kinds
    );
    assert!(
        tally.found > 10 && !tally.accepted.is_empty(),
        "too few counterexamples: {}",
        tally.found
    );
    assert!(tally.kinds.len() >= 12, "{:?}", tally.kinds);

    // Every accepted disagreement, once each: the prover must find it (else it does not
    // belong in the list) and no WIRE rule may fire (else it is not a disagreement).
    let one = |proto2: bool, ty: &'static str, label: Label| RandomSchema {
        proto2,
        fields: vec![RandomField {
            name: "f1".into(),
            number: 1,
            ty,
            label,
            in_oneof: false,
            comment: false,
        }],
        enum_values: vec![("E_TWO".into(), 2), ("E_THREE".into(), 3)],
        reserved: Vec::new(),
    };
    let mut fixed: Vec<(RandomSchema, RandomSchema, Mutation)> = Vec::new();
    for (proto2, from, to) in [
        (false, "int32", "int64"),
        (false, "int64", "int32"),
        (false, "int32", "uint32"),
        (false, "uint64", "bool"),
        (false, "sint32", "sint64"),
        (false, "sfixed32", "fixed32"),
        (false, "fixed64", "sfixed64"),
        (false, "string", "bytes"),
        (true, "uint32", "int64"),
    ] {
        let old = one(proto2, from, Label::Plain);
        let mut new = old.clone();
        new.fields[0].ty = to;
        fixed.push((old, new, Mutation::ChangeType { field: 1, from, to }));
    }
    let old = one(true, "E", Label::Plain);
    let mut new = old.clone();
    new.enum_values.push(("E_NINE".into(), 9));
    fixed.push((old, new, Mutation::AddEnumValue));
    let old = one(false, "int32", Label::Plain);
    let mut new = old.clone();
    new.fields[0].label = Label::Optional;
    fixed.push((old, new, Mutation::TogglePresence { field: 1 }));
    let before = tally.accepted.len();
    let n = fixed.len();
    for (i, (old, new, mutation)) in fixed.into_iter().enumerate() {
        tally.judge(1000 + i as u64, &old, &new, mutation);
        assert_eq!(
            tally.accepted.len(),
            before + i + 1,
            "fixed case {i} is not a disagreement: {:?}",
            tally.accepted
        );
    }
    assert_eq!(tally.accepted.len(), before + n);
}

/// What [`rules_versus_prover`] has seen so far.
#[derive(Default)]
struct Tally {
    found: usize,
    /// Mutations with a counterexample and no WIRE finding (all accepted, or the test fails).
    accepted: Vec<String>,
    /// Mutations where a WIRE rule fired and the prover found nothing.
    wire_only: Vec<String>,
    kinds: std::collections::BTreeMap<&'static str, usize>,
}

impl Tally {
    fn judge(&mut self, seed: u64, old: &RandomSchema, new: &RandomSchema, mutation: Mutation) {
        let wire = protoguard::resolve_rules(&["WIRE".into()], &[]).unwrap();
        *self.kinds.entry(mutation.kind()).or_default() += 1;
        let (old_text, new_text) = (old.render(), new.render());
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "old/a.proto", &old_text);
        write(tmp.path(), "new/a.proto", &new_text);
        let (of, os) = side(&tmp.path().join("old"));
        let (nf, ns) = side(&tmp.path().join("new"));
        let fired: std::collections::BTreeSet<&str> =
            protoguard::check(&os.index, &ns.index, &wire)
                .iter()
                .map(|f| f.rule)
                .collect();
        let r = prove(
            &of,
            &nf,
            &os.index,
            &ns.index,
            &ProveOptions {
                cases: 48,
                seed: Some(seed),
                ..opts()
            },
        )
        .unwrap();
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
        let context = || {
            format!(
                "seed {seed}, mutation {mutation:?}, WIRE fired: {fired:?}\n--- old\n{old_text}\n--- new\n{new_text}\n--- prover\n{}",
                render_text(&r)
            )
        };
        if mutation.lossless() {
            assert!(
                r.counterexamples.is_empty(),
                "a lossless mutation has a counterexample: {}",
                context()
            );
        }
        if r.counterexamples.is_empty() {
            if !fired.is_empty() {
                self.wire_only.push(format!("{mutation:?}"));
            }
            return;
        }
        self.found += 1;
        if fired.is_empty() {
            for c in &r.counterexamples {
                assert!(
                    accepted_loss(&mutation, old, c),
                    "the prover found a counterexample no WIRE rule predicted, and it is \
                     not an accepted disagreement: {}",
                    context()
                );
            }
            self.accepted.push(format!("{mutation:?}"));
        }
    }
}

/// Whether a counterexample nobody predicted is one of the accepted disagreements (see
/// [`rules_versus_prover`]), by the mutation that was applied and the direction found.
fn accepted_loss(m: &Mutation, old: &RandomSchema, c: &protoguard::prove::Counterexample) -> bool {
    const VARINT: [&str; 5] = ["int32", "int64", "uint32", "uint64", "bool"];
    match m {
        Mutation::ChangeType { from, to, .. } => {
            let pair = |a: &str, b: &str| (*from == a && *to == b) || (*from == b && *to == a);
            (VARINT.contains(from) && VARINT.contains(to))
                || pair("sint32", "sint64")
                || pair("fixed32", "sfixed32")
                || pair("fixed64", "sfixed64")
                || (*from == "string"
                    && *to == "bytes"
                    && !old.proto2
                    && c.direction == Direction::OldReadersNewData)
        }
        Mutation::AddEnumValue => old.proto2 && c.direction == Direction::OldReadersNewData,
        Mutation::TogglePresence { .. } => c.relay,
        _ => false,
    }
}

/// splitmix64: a fixed seed, the same schemas on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

const FIELD_TYPES: [&str; 17] = [
    "double", "float", "int64", "uint64", "int32", "fixed64", "fixed32", "bool", "string", "bytes",
    "uint32", "sfixed32", "sfixed64", "sint32", "sint64", "E", "N",
];

/// Types sharing a wire type.
const WIRE_GROUPS: [&[&str]; 5] = [
    &["int32", "int64", "uint32", "uint64", "bool", "E"],
    &["sint32", "sint64"],
    &["fixed32", "sfixed32", "float"],
    &["fixed64", "sfixed64", "double"],
    &["string", "bytes", "N"],
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Label {
    /// proto3 implicit presence; proto2 `optional`.
    Plain,
    /// proto3 `optional`.
    Optional,
    Repeated,
}

#[derive(Clone, Debug)]
struct RandomField {
    name: String,
    number: u32,
    ty: &'static str,
    label: Label,
    in_oneof: bool,
    comment: bool,
}

#[derive(Clone, Debug)]
struct RandomSchema {
    proto2: bool,
    fields: Vec<RandomField>,
    /// Values of enum E after the first (which is `E0 = 0` in proto3, `E1 = 1` in proto2).
    enum_values: Vec<(String, i32)>,
    reserved: Vec<(u32, String)>,
}

/// One change applied to a random schema.
#[derive(Clone, Debug)]
#[allow(dead_code)] // the numbers and types are read through Debug, in failure messages
enum Mutation {
    ChangeType {
        field: u32,
        from: &'static str,
        to: &'static str,
    },
    ToRepeated {
        field: u32,
    },
    ToSingular {
        field: u32,
    },
    TogglePresence {
        field: u32,
    },
    MoveIntoOneof {
        field: u32,
    },
    Rename {
        field: u32,
    },
    Renumber {
        field: u32,
    },
    Delete {
        field: u32,
    },
    DeleteReserved {
        field: u32,
    },
    Add {
        ty: &'static str,
    },
    Comment,
    RenameEnumValue,
    AddEnumValue,
    DeleteEnumValue,
}

impl Mutation {
    fn kind(&self) -> &'static str {
        match self {
            Mutation::ChangeType { .. } => "change type",
            Mutation::ToRepeated { .. } => "to repeated",
            Mutation::ToSingular { .. } => "to singular",
            Mutation::TogglePresence { .. } => "toggle presence",
            Mutation::MoveIntoOneof { .. } => "move into oneof",
            Mutation::Rename { .. } => "rename field",
            Mutation::Renumber { .. } => "renumber field",
            Mutation::Delete { .. } => "delete field",
            Mutation::DeleteReserved { .. } => "delete and reserve field",
            Mutation::Add { .. } => "add field",
            Mutation::Comment => "comment only",
            Mutation::RenameEnumValue => "rename enum value",
            Mutation::AddEnumValue => "add enum value",
            Mutation::DeleteEnumValue => "delete enum value",
        }
    }

    /// Mutations that change nothing on the wire: the prover must find nothing. (Adding a
    /// value to a closed enum is an addition that loses data, see [`accepted_loss`].)
    fn lossless(&self) -> bool {
        matches!(
            self,
            Mutation::Rename { .. }
                | Mutation::Delete { .. }
                | Mutation::DeleteReserved { .. }
                | Mutation::Add { .. }
                | Mutation::Comment
                | Mutation::RenameEnumValue
        )
    }
}

impl RandomSchema {
    fn generate(rng: &mut Rng) -> RandomSchema {
        let proto2 = rng.below(4) == 0;
        let n = 1 + rng.below(4);
        let with_enum = rng.below(3) == 0;
        let fields = (1..=n as u32)
            .map(|number| RandomField {
                name: format!("f{number}"),
                number,
                ty: if number == 1 && with_enum {
                    "E"
                } else {
                    rng.pick(&FIELD_TYPES)
                },
                label: match rng.below(4) {
                    0 => Label::Repeated,
                    1 if !proto2 => Label::Optional,
                    _ => Label::Plain,
                },
                in_oneof: false,
                comment: false,
            })
            .collect();
        RandomSchema {
            proto2,
            fields,
            enum_values: vec![("E_TWO".into(), 2), ("E_THREE".into(), 3)],
            reserved: Vec::new(),
        }
    }

    fn mutate(&self, rng: &mut Rng) -> Option<(RandomSchema, Mutation)> {
        let mut s = self.clone();
        let i = rng.below(s.fields.len());
        let f = &mut s.fields[i];
        let field = f.number;
        let scalar = !matches!(f.ty, "N");
        let m = match rng.below(14) {
            0..=2 => {
                // Half the changes stay within a wire group, where the rules and the
                // prover can disagree.
                let group = WIRE_GROUPS.iter().find(|g| g.contains(&f.ty)).unwrap();
                let to = if rng.below(2) == 0 {
                    rng.pick(group)
                } else {
                    rng.pick(&FIELD_TYPES)
                };
                if to == f.ty {
                    return None;
                }
                let from = f.ty;
                f.ty = to;
                Mutation::ChangeType { field, from, to }
            }
            3 if f.label != Label::Repeated && !f.in_oneof => {
                f.label = Label::Repeated;
                Mutation::ToRepeated { field }
            }
            3 if f.label == Label::Repeated => {
                f.label = Label::Plain;
                Mutation::ToSingular { field }
            }
            4 if !s.proto2 && scalar && f.label != Label::Repeated && !f.in_oneof => {
                f.label = match f.label {
                    Label::Plain => Label::Optional,
                    _ => Label::Plain,
                };
                Mutation::TogglePresence { field }
            }
            5 if f.label == Label::Plain && !f.in_oneof => {
                f.in_oneof = true;
                Mutation::MoveIntoOneof { field }
            }
            6 => {
                f.name = format!("renamed{field}");
                Mutation::Rename { field }
            }
            7 => {
                f.number += 100;
                Mutation::Renumber { field }
            }
            8 => {
                s.fields.remove(i);
                Mutation::Delete { field }
            }
            9 => {
                let name = s.fields.remove(i).name;
                s.reserved.push((field, name));
                Mutation::DeleteReserved { field }
            }
            10 => {
                let ty = rng.pick(&FIELD_TYPES);
                s.fields.push(RandomField {
                    name: "added".into(),
                    number: 50,
                    ty,
                    label: if rng.below(2) == 0 {
                        Label::Plain
                    } else {
                        Label::Repeated
                    },
                    in_oneof: false,
                    comment: false,
                });
                Mutation::Add { ty }
            }
            11 => {
                f.comment = true;
                Mutation::Comment
            }
            12 => match rng.below(3) {
                0 => {
                    s.enum_values[0].0 = "E_DEUX".into();
                    Mutation::RenameEnumValue
                }
                1 => {
                    s.enum_values.push(("E_NINE".into(), 9));
                    Mutation::AddEnumValue
                }
                _ => {
                    s.enum_values.pop();
                    Mutation::DeleteEnumValue
                }
            },
            _ => return None,
        };
        // Enum mutations matter only when a field uses E.
        if matches!(
            m,
            Mutation::RenameEnumValue | Mutation::AddEnumValue | Mutation::DeleteEnumValue
        ) && !s.fields.iter().any(|f| f.ty == "E")
        {
            return None;
        }
        Some((s, m))
    }

    fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(if self.proto2 { P2 } else { P3 });
        out.push_str("message M {\n");
        for f in &self.fields {
            if f.comment {
                out.push_str("  // A comment.\n");
            }
            let label = match (f.label, self.proto2) {
                _ if f.in_oneof => "",
                (Label::Repeated, _) => "repeated ",
                (Label::Optional, _) | (Label::Plain, true) => "optional ",
                (Label::Plain, false) => "",
            };
            let decl = format!("{label}{} {} = {};", f.ty, f.name, f.number);
            if f.in_oneof {
                out.push_str(&format!("  oneof o{} {{ {decl} }}\n", f.number));
            } else {
                out.push_str(&format!("  {decl}\n"));
            }
        }
        for (n, name) in &self.reserved {
            out.push_str(&format!("  reserved {n}; reserved \"{name}\";\n"));
        }
        out.push_str("}\n");
        out.push_str(if self.proto2 {
            "enum E { E1 = 1;"
        } else {
            "enum E { E0 = 0;"
        });
        for (name, v) in &self.enum_values {
            out.push_str(&format!(" {name} = {v};"));
        }
        out.push_str(" }\n");
        let label = if self.proto2 { "optional " } else { "" };
        out.push_str(&format!("message N {{ {label}int32 a = 1; }}\n"));
        out
    }
}

// ---- editions images (protoc), defaults, open enums, JSON names, case counts, depth ----

/// Compiles one `a.proto` with protoc into an image (as `protoc --include_imports -o` makes
/// it) and reads it as protoguard reads images: the bytes and the schema, editions included.
/// protoc is the one the `protoc-bin-vendored` dev-dependency carries (always there).
fn protoc_side(dir: &Path, src: &str) -> (Vec<u8>, Schema) {
    write(dir, "a.proto", src);
    let out = dir.join("image.binpb");
    let protoc = protoc_bin_vendored::protoc_bin_path().expect("vendored protoc");
    let output = std::process::Command::new(protoc)
        .arg("-I")
        .arg(dir)
        .arg("-I")
        .arg(protoc_bin_vendored::include_path().expect("vendored includes"))
        .args(["--include_imports", "-o"])
        .arg(&out)
        .arg(dir.join("a.proto"))
        .output()
        .expect("run the vendored protoc");
    assert!(
        output.status.success(),
        "protoc rejects:\n{src}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let schema = Schema::load(&Input::Image(out.clone()), &LoadOptions::default()).unwrap();
    (std::fs::read(&out).unwrap(), schema)
}

fn run_images(old: &str, new: &str, opts: &ProveOptions) -> ProveReport {
    let tmp = tempfile::tempdir().unwrap();
    let (of, os) = protoc_side(&tmp.path().join("old"), old);
    let (nf, ns) = protoc_side(&tmp.path().join("new"), new);
    prove(&of, &nf, &os.index, &ns.index, opts).unwrap()
}

const E23: &str = "edition = \"2023\";\npackage ed;\n";

fn e23(body: &str) -> String {
    format!("{E23}{body}")
}

#[test]
fn editions_delimited_encoding_is_a_wire_change() {
    let old = e23("message Order { Line line = 1; } message Line { int32 n = 1; }");
    let new = e23(
        "message Order { Line line = 1 [features.message_encoding = DELIMITED]; }
         message Line { int32 n = 1; }",
    );
    let r = run_images(&old, &new, &opts());
    let text = render_text(&r);
    assert!(r.skipped.is_empty(), "{text}");
    let dirs: Vec<Direction> = r.counterexamples.iter().map(|c| c.direction).collect();
    assert!(dirs.contains(&Direction::OldReadersNewData), "{text}");
    assert!(dirs.contains(&Direction::NewReadersOldData), "{text}");
    assert!(text.contains("SGROUP"), "{text}");
}

#[test]
fn editions_enum_closedness_comes_from_features() {
    let body = |enum_type: &str, extra: &str| {
        e23(&format!(
            "message M {{ Color c = 1; repeated Color cs = 2; }}
             enum Color {{ option features.enum_type = {enum_type}; RED = 0; GREEN = 1; {extra} }}"
        ))
    };
    // A value added to a closed enum: an old reader moves the new number to unknown fields.
    let r = run_images(&body("CLOSED", ""), &body("CLOSED", "BLUE = 2;"), &opts());
    let text = render_text(&r);
    assert!(!r.counterexamples.is_empty(), "{text}");
    assert!(
        r.counterexamples
            .iter()
            .all(|c| c.direction == Direction::OldReadersNewData),
        "{text}"
    );
    assert!(text.contains("is closed"), "{text}");
    // The same addition to an open enum (the 2023 default) loses nothing.
    assert_clean(&run_images(
        &body("OPEN", ""),
        &body("OPEN", "BLUE = 2;"),
        &opts(),
    ));
}

#[test]
fn editions_presence_comes_from_features_even_file_wide() {
    let file = |presence: &str| {
        e23(&format!(
            "option features.field_presence = {presence};\nmessage M {{ int32 a = 1; string s = 2; }}"
        ))
    };
    // Only the file's default changes: the message's declaration is the same text, but an
    // implicit-presence relay drops a zero the explicit writer set.
    let r = run_images(&file("EXPLICIT"), &file("IMPLICIT"), &opts());
    let text = render_text(&r);
    assert!(r.types_checked == 1 && r.types_unchanged == 0, "{text}");
    assert!(
        r.counterexamples
            .iter()
            .any(|c| c.relay && c.direction == Direction::NewReadersOldData),
        "{text}"
    );
    assert!(text.contains("has no presence"), "{text}");
}

#[test]
fn editions_utf8_validation_comes_from_features() {
    let old = |validation: &str| {
        e23(&format!(
            "message M {{ string s = 1 [features.utf8_validation = {validation}]; }}"
        ))
    };
    let new = e23("message M { bytes s = 1; }");
    // New writers put invalid UTF-8 in `bytes`: an old reader that verifies fails.
    let r = run_images(&old("VERIFY"), &new, &opts());
    let text = render_text(&r);
    assert!(
        r.counterexamples
            .iter()
            .any(|c| c.direction == Direction::OldReadersNewData
                && c.seen[0].contains("invalid UTF-8")
                && c.seen[0].contains("utf8_validation = VERIFY")),
        "{text}"
    );
    // One that does not verify reads the same bytes.
    let r = run_images(&old("NONE"), &new, &opts());
    let text = render_text(&r);
    assert!(
        r.counterexamples
            .iter()
            .all(|c| c.direction != Direction::OldReadersNewData),
        "{text}"
    );
}

#[test]
fn editions_file_with_every_feature_round_trips_unchanged() {
    let body = e23("option features.field_presence = IMPLICIT;
        message Order {
          int32 id = 1 [features.field_presence = LEGACY_REQUIRED];
          Meta meta = 2 [features.message_encoding = DELIMITED];
          repeated int32 packed = 3;
          repeated int32 expanded = 4 [features.repeated_field_encoding = EXPANDED];
          Color color = 5 [features.field_presence = EXPLICIT];
          string note = 6 [features.utf8_validation = NONE];
          int64 n = 7;
          map<string, Meta> by_name = 8;
          repeated Meta metas = 9 [features.message_encoding = DELIMITED];
          oneof choice { string a = 10; Meta b = 11; }
        }
        message Meta { string tag = 1; Order parent = 2; }
        enum Color { option features.enum_type = CLOSED; RED = 1; GREEN = 2; }");
    let r = run_images(&body, &body, &focused("ed.Order"));
    assert_clean(&r);
    let r = run_images(
        &body,
        &body,
        &ProveOptions {
            message: Some("ed.Order".into()),
            ..json()
        },
    );
    assert_clean(&r);
}

#[test]
fn proto2_string_and_bytes_defaults_are_compared() {
    for (old, new) in [
        (
            "optional string f = 1;",
            "optional string f = 1 [default = \"x\"];",
        ),
        (
            "optional string f = 1 [default = \"a\"];",
            "optional string f = 1 [default = \"b\"];",
        ),
        (
            "optional bytes f = 1;",
            "optional bytes f = 1 [default = \"\\001\"];",
        ),
    ] {
        let r = run(
            &p2(&format!("message M {{ {old} }}")),
            &p2(&format!("message M {{ {new} }}")),
        );
        let text = render_text(&r);
        let dirs: Vec<Direction> = r.counterexamples.iter().map(|c| c.direction).collect();
        assert!(
            dirs.contains(&Direction::OldReadersNewData),
            "{old} → {new}\n{text}"
        );
        assert!(
            dirs.contains(&Direction::NewReadersOldData),
            "{old} → {new}\n{text}"
        );
        assert!(text.contains("unset, default"), "{text}");
    }
    // The same default on both sides, or a string default against a number's: nothing.
    assert_clean(&run_with(
        &p2("message M { optional string f = 1 [default = \"x\"]; }"),
        &p2("message M { optional string f = 1 [default = \"x\"]; optional int32 g = 2; }"),
        &opts(),
    ));
}

#[test]
fn open_enum_to_uint64_is_found_for_new_readers() {
    let r = run(
        &p3("message M { E f = 1; } enum E { E0 = 0; E1 = 1; }"),
        &p3("message M { uint64 f = 1; } enum E { E0 = 0; E1 = 1; }"),
    );
    let text = render_text(&r);
    // An open enum carries -1 (ten bytes on the wire), which a uint64 reader takes for
    // 18446744073709551615; and the other way, a uint64 beyond int32 is truncated.
    let new_readers: Vec<_> = r
        .counterexamples
        .iter()
        .filter(|c| c.direction == Direction::NewReadersOldData)
        .collect();
    assert!(!new_readers.is_empty(), "{text}");
    assert!(new_readers[0].seen[0].contains("(uint64)"), "{text}");
}

#[test]
fn json_renumbered_field_under_the_same_name_is_intact() {
    let r = run_with(
        &p3("message Order { int32 qty = 1; string note = 2; }"),
        &p3("message Order { int32 qty = 3; string note = 2; }"),
        &json(),
    );
    let text = render_text(&r);
    // JSON carries the field by name (binary readers keep the new number as unknown).
    assert!(json_counterexamples(&r).is_empty(), "{text}");
    assert_eq!(r.cases_run, 4 * 64, "{text}");
    // A JSON key the reader knows as its proto name reaches that field too.
    let r = run_with(
        &p3("message Order { int32 qty = 1 [json_name = \"amount\"]; }"),
        &p3("message Order { int32 amount = 2; }"),
        &json(),
    );
    let text = render_text(&r);
    assert!(json_counterexamples(&r).is_empty(), "{text}");
}

#[test]
fn json_closed_enum_rejects_an_unknown_number() {
    // proto3 → proto2: the enum becomes closed. An old (open) writer prints an undeclared
    // number; a new (closed) JSON reader refuses the message, as the runtimes do.
    let r = run_with(
        &p3("message M { optional E e = 1; } enum E { E0 = 0; E1 = 1; }"),
        &p2("message M { optional E e = 1; } enum E { E0 = 0; E1 = 1; }"),
        &json(),
    );
    let text = render_text(&r);
    assert!(
        json_counterexamples(&r)
            .iter()
            .any(|c| c.direction == Direction::NewReadersOldData
                && c.seen[0].contains("Invalid enum value")),
        "{text}"
    );
}

#[test]
fn the_case_count_is_what_cases_asked() {
    let old = p3("message A { int32 x = 1; } message B { int32 y = 1; }");
    let new = p3("message A { int32 x = 1; string z = 2; } message B { int64 y = 1; }");
    let clean = run(
        &old,
        &old.replace("int32 x = 1;", "int32 x = 1; bool w = 3;"),
    );
    assert_eq!(clean.cases_run, 2 * 64, "{}", render_text(&clean));
    assert!(
        render_text(&clean).contains("64 cases per type and direction (128 run)"),
        "{}",
        render_text(&clean)
    );
    // B's old readers stop at their first counterexample; the count says so, and never
    // includes shrinking steps.
    let r = run(&old, &new);
    let text = render_text(&r);
    assert_eq!(r.directions_stopped, 1, "{text}");
    assert!(r.cases_run < 4 * 64 && r.cases_run > 3 * 64, "{text}");
    assert!(
        text.contains("64 cases per type and direction (")
            && text.contains("1 direction stopped at its first counterexample"),
        "{text}"
    );
}

#[test]
fn nothing_proved_is_never_a_pass() {
    let r = run(
        &p3("message A { int32 x = 1; }"),
        &p3("message B { int32 x = 1; }"),
    );
    assert_eq!((r.types_checked, r.types_unchanged), (0, 0));
    assert!(r.incomplete().unwrap().contains("nothing was proved"));
    // Identical types are proved by identity: that is not nothing.
    let same = p3("message A { int32 x = 1; }");
    assert!(run(&same, &same).incomplete().is_none());
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "old/a.proto", &same);
    let (f, s) = side(&tmp.path().join("old"));
    let zero = ProveOptions { cases: 0, ..opts() };
    assert!(prove(&f, &f, &s.index, &s.index, &zero).is_err());
}

#[test]
fn a_break_many_levels_below_the_message_is_found() {
    let chain = |leaf: &str| {
        p3(&format!(
            "message A0 {{ A1 a = 1; string pad = 2; A0 self = 3; }}
             message A1 {{ A2 a = 1; repeated A1 more = 2; }}
             message A2 {{ A3 a = 1; int32 pad = 2; }}
             message A3 {{ A4 a = 1; Other o = 2; }}
             message A4 {{ {leaf} x = 1; }}
             message Other {{ Other o = 1; int32 y = 2; }}"
        ))
    };
    let (old, new) = (chain("int32"), chain("sint32"));
    let r = run_with(&old, &new, &focused("shop.v1.A0"));
    let text = render_text(&r);
    assert!(
        r.counterexamples
            .iter()
            .any(|c| c.seen[0].contains("a.a.a.x: ")),
        "{text}"
    );
    assert!(r.notes.is_empty(), "{text}");
    // A depth the user sets that does not reach the change is said, not hidden.
    let shallow = ProveOptions {
        depth: Some(2),
        ..focused("shop.v1.A0")
    };
    let r = run_with(&old, &new, &shallow);
    let text = render_text(&r);
    assert!(r.counterexamples.is_empty(), "{text}");
    assert!(
        text.contains(
            "note: shop.v1.A0: --depth 2 does not reach every change below it: the changed \
             type shop.v1.A4, 4 levels down, needs depth 5"
        ),
        "{text}"
    );
}

/// Runs the binary on two directories.
fn cli(old: &str, new: &str, args: &[&str]) -> std::process::Output {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "old/a.proto", old);
    write(tmp.path(), "new/a.proto", new);
    let mut all = vec!["prove", "new", "--against", "old", "--seed", "3"];
    all.extend_from_slice(args);
    common::run(tmp.path(), &all)
}

#[test]
fn cli_exit_codes_and_machine_output() {
    let old = p3("message M { int32 a = 1; }");
    let new = p3("message M { sint32 a = 1; }");
    let out = cli(&old, &new, &["--cases", "0"]);
    assert_eq!(out.status.code(), Some(2), "{:?}", out);
    let out = cli(&old, &new, &["--cases", "16", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{:?}", out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["cases_per_direction"], 16);
    assert_eq!(report["incomplete"], serde_json::Value::Null);
    let c = &report["counterexamples"][0];
    assert_eq!(c["message"], "shop.v1.M");
    assert_eq!(c["encoding"], "binary");
    assert!(c["bytes_hex"].as_str().unwrap().starts_with("08"), "{c}");
    // Nothing in common: nothing proved, exit 2.
    let out = cli(&old, &p3("message N { int32 a = 1; }"), &[]);
    assert_eq!(out.status.code(), Some(2), "{:?}", out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was proved"));
}

#[test]
fn json_enum_reads_a_number_printed_as_a_string() {
    // An int64 writer prints 1 as "1"; the reference JSON parsers read that string as enum
    // number 1. Only values beyond int32 are lost.
    let r = run_with(
        &p3("message M { E f = 1; } enum E { E0 = 0; E1 = 1; }"),
        &p3("message M { int64 f = 1; } enum E { E0 = 0; E1 = 1; }"),
        &json(),
    );
    let text = render_text(&r);
    for c in json_counterexamples(&r) {
        if c.direction != Direction::OldReadersNewData {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(c.json.as_deref().unwrap()).unwrap();
        let n: i64 = v["f"].as_str().unwrap().parse().unwrap();
        assert!(i32::try_from(n).is_err(), "{text}");
    }
}

#[test]
fn json_enum_reads_an_integral_float() {
    // proto2 float → closed enum: an old float writer prints 0 as 0.0, which the reference
    // parsers read as enum number 0 (declared); only fractions and undeclared numbers fail.
    let r = run_with(
        &p2("message M { optional float f = 1; } enum E { E0 = 0; E1 = 1; }"),
        &p2("message M { optional E f = 1; } enum E { E0 = 0; E1 = 1; }"),
        &json(),
    );
    let text = render_text(&r);
    for c in json_counterexamples(&r) {
        if c.direction != Direction::NewReadersOldData {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(c.json.as_deref().unwrap()).unwrap();
        let f = v["f"].as_f64().unwrap_or(f64::NAN);
        assert!(f != 0.0 && f != 1.0, "{text}");
    }
}

/// The fuzz run found `prove` taking seconds to minutes on a proto2 message whose required
/// fields lead back to itself: every generated value doubled at each level. No finite
/// message of such a type exists, so it is skipped at once with the cycle named, and the
/// run says it is incomplete; a type that only optionally recurses is still proved.
#[test]
fn a_required_cycle_is_skipped_at_once_and_named() {
    let p2 = |body: &str| format!("syntax = \"proto2\";\npackage r;\n{body}\n");
    let r = run(
        &p2("message M { required M a = 1; required M b = 2; }"),
        &p2("message M { required M a = 1; required M b = 2; optional int32 x = 3; }"),
    );
    assert_eq!(r.types_checked, 0);
    assert_eq!(r.skipped.len(), 1, "{:?}", r.skipped);
    assert!(r.skipped[0]
        .1
        .contains("required fields form a cycle (r.M.a -> r.M)"));
    assert!(r.incomplete().is_some());
    let r = run(
        &p2("message M { optional M a = 1; required N n = 2; } message N { required int32 v = 1; }"),
        &p2("message M { optional M a = 1; required N n = 2; } message N { required sint32 v = 1; }"),
    );
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    assert!(!r.counterexamples.is_empty());
}

/// A type whose changes all lie deeper than its messages nest is not run (no case of its can
/// show them; a note says how deep they lie), unless a required field carries its smallest
/// value down there: then its cases can, and do, show it.
#[test]
fn types_reaching_changes_only_beyond_the_depth_are_not_run() {
    // `label` is "" (proto3) or "required " (proto2).
    let chain = |label: &str, last: &str| {
        let mut s = String::new();
        for i in 0..5 {
            s.push_str(&format!("message M{i} {{ {label}M{} next = 1; }}\n", i + 1));
        }
        s + &format!("message M5 {{ {label}{last} v = 1; }}\n")
    };
    let shallow = ProveOptions {
        depth: Some(1),
        ..opts()
    };
    let r = run_with(
        &p3(&chain("", "int32")),
        &p3(&chain("", "sint32")),
        &shallow,
    );
    assert_eq!(
        (r.types_checked, r.types_out_of_reach),
        (2, 4),
        "{}",
        render_text(&r)
    );
    assert!(r
        .counterexamples
        .iter()
        .all(|c| ["shop.v1.M4", "shop.v1.M5"].contains(&c.message.as_str())));
    assert!(r.counterexamples.iter().any(|c| c.message == "shop.v1.M5"));
    assert!(r
        .notes
        .iter()
        .any(|n| n.starts_with("shop.v1.M3: --depth 1")));
    assert!(r.incomplete().is_none());

    // Required fields write their zero below the depth limit: int32 0 read as a string.
    let (old, new) = (chain("required ", "int32"), chain("required ", "string"));
    let r = run_with(&p2(&old), &p2(&new), &shallow);
    assert_eq!(
        (r.types_checked, r.types_out_of_reach),
        (6, 0),
        "{}",
        render_text(&r)
    );
    assert!(
        r.counterexamples.iter().any(|c| c.message == "shop.v1.M0"),
        "{}",
        render_text(&r)
    );
}

/// `prove` compiles only the files that differ and those importing them (a planned load):
/// the others are counted as unchanged files; a run where nothing differs passes; `--message`
/// naming a type of an unchanged file still proves it (that run compiles everything).
#[test]
fn cli_compiles_only_what_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let same = p3("message Same { int32 a = 1; }");
    for side in ["old", "new"] {
        write(tmp.path(), &format!("{side}/same.proto"), &same);
    }
    write(tmp.path(), "old/a.proto", p3("message M { int32 a = 1; }"));
    write(tmp.path(), "new/a.proto", p3("message M { sint32 a = 1; }"));
    let run = |new: &str, args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_protoguard"))
            .current_dir(tmp.path())
            .args(["prove", new, "--against", "old", "--seed", "3"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run("new", &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("1 type checked (1 unchanged file not compiled)"),
        "{text}"
    );
    let out = run("old", &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("2 unchanged files not compiled"), "{text}");
    let out = run("new", &["--message", "shop.v1.Same"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("1 type checked,"), "{text}");
}
