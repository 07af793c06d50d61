//! The prover: a counterexample for each change that breaks the wire, none for the changes
//! that do not. Each case writes an old and a new tree to a temporary directory, compiles
//! both (protox, imports included), and proves with a fixed seed and 64 cases per direction.

use std::path::Path;

use protoguard::prove::{prove, render_text, Direction, ProveOptions, ProveReport};
use protoguard::{Input, LoadOptions, Schema};

fn write(root: &Path, rel: &str, contents: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, contents).unwrap();
}

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
fn editions_files_are_skipped_and_bad_bytes_are_an_error() {
    use prost::Message as _;
    let tmp = tempfile::tempdir().unwrap();
    let body = p3("message M { int32 a = 1; }");
    write(tmp.path(), "old/a.proto", &body);
    write(tmp.path(), "new/a.proto", &p3("message M { int64 a = 1; }"));
    let (of, os) = side(&tmp.path().join("old"));
    let (nf, ns) = side(&tmp.path().join("new"));
    // Make the old file an editions file, as a buf image of one would be.
    let mut set = prost_types::FileDescriptorSet::decode(of.as_slice()).unwrap();
    for f in &mut set.file {
        if f.name() == "a.proto" {
            f.syntax = Some("editions".into());
        }
    }
    let r = prove(&set.encode_to_vec(), &nf, &os.index, &ns.index, &opts()).unwrap();
    assert_eq!(r.types_checked, 0);
    assert_eq!(r.skipped.len(), 1, "{:?}", r.skipped);
    assert!(r.skipped[0].1.contains("editions"), "{:?}", r.skipped);
    assert!(render_text(&r).contains("skipped shop.v1.M"));
    let err = prove(b"\xff\xff", &nf, &os.index, &ns.index, &opts()).unwrap_err();
    assert!(err.to_string().contains("old descriptor set"), "{err}");
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
        eprintln!("skipped: set PROVE_OLD and PROVE_NEW to two import roots");
        return;
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

/// Static and dynamic side by side: for each change, the WIRE rules that fire and what the
/// prover finds in each direction. Prints the cases where they disagree.
#[test]
#[ignore = "prints the rules-versus-prover table (run with --release)"]
fn rules_versus_prover() {
    let kinds = [
        "double", "float", "int64", "uint64", "int32", "fixed64", "fixed32", "bool", "string",
        "bytes", "uint32", "sfixed32", "sfixed64", "sint32", "sint64", "E", "N",
    ];
    let decls = "enum E { E0 = 0; E1 = 1; } message N { int32 a = 1; }\n";
    let mut cases: Vec<(String, String, String)> = Vec::new();
    for a in kinds {
        for b in kinds {
            if a != b {
                cases.push((
                    format!("{a} -> {b}"),
                    p3(&format!("message M {{ {a} f = 1; }}\n{decls}")),
                    p3(&format!("message M {{ {b} f = 1; }}\n{decls}")),
                ));
            }
        }
    }
    let pairs: &[(&str, String, String)] = &[
        ("int32 -> repeated int32", p3("message M { int32 f = 1; }"), p3("message M { repeated int32 f = 1; }")),
        ("repeated int32 -> int32", p3("message M { repeated int32 f = 1; }"), p3("message M { int32 f = 1; }")),
        ("string -> repeated string", p3("message M { string f = 1; }"), p3("message M { repeated string f = 1; }")),
        ("repeated string -> string", p3("message M { repeated string f = 1; }"), p3("message M { string f = 1; }")),
        ("N -> repeated N", p3("message M { N f = 1; } message N { int32 a = 1; }"), p3("message M { repeated N f = 1; } message N { int32 a = 1; }")),
        ("repeated N -> N", p3("message M { repeated N f = 1; } message N { int32 a = 1; }"), p3("message M { N f = 1; } message N { int32 a = 1; }")),
        ("int32 -> optional int32", p3("message M { int32 f = 1; }"), p3("message M { optional int32 f = 1; }")),
        ("optional int32 -> int32", p3("message M { optional int32 f = 1; }"), p3("message M { int32 f = 1; }")),
        ("two fields -> oneof", p3("message M { int32 a = 1; string b = 2; }"), p3("message M { oneof o { int32 a = 1; string b = 2; } }")),
        ("oneof -> two fields", p3("message M { oneof o { int32 a = 1; string b = 2; } }"), p3("message M { int32 a = 1; string b = 2; }")),
        ("one field -> oneof", p3("message M { int32 a = 1; }"), p3("message M { oneof o { int32 a = 1; } }")),
        ("map -> repeated entry", p3("message M { map<string, int32> f = 1; }"), p3("message M { repeated Entry f = 1; } message Entry { string key = 1; int32 value = 2; }")),
        ("repeated entry -> map", p3("message M { repeated Entry f = 1; } message Entry { string key = 1; int32 value = 2; }"), p3("message M { map<string, int32> f = 1; }")),
        ("packed -> unpacked", p3("message M { repeated int32 f = 1; }"), p3("message M { repeated int32 f = 1 [packed = false]; }")),
        ("delete field", p3("message M { int32 a = 1; string b = 2; }"), p3("message M { int32 a = 1; }")),
        ("delete field, reserved", p3("message M { int32 a = 1; string b = 2; }"), p3("message M { int32 a = 1; reserved 2; }")),
        ("rename field", p3("message M { int32 a = 1; }"), p3("message M { int32 b = 1; }")),
        ("renumber field", p3("message M { int32 a = 1; }"), p3("message M { int32 a = 2; }")),
        ("open enum: add value", p3("message M { E f = 1; } enum E { E0 = 0; }"), p3("message M { E f = 1; } enum E { E0 = 0; E1 = 1; }")),
        ("open enum: delete value", p3("message M { E f = 1; } enum E { E0 = 0; E1 = 1; }"), p3("message M { E f = 1; } enum E { E0 = 0; }")),
        ("open enum: rename value", p3("message M { E f = 1; } enum E { E0 = 0; E1 = 1; }"), p3("message M { E f = 1; } enum E { E0 = 0; EX = 1; }")),
        ("message type renamed", p3("message M { N f = 1; } message N { int32 a = 1; }"), p3("message M { O f = 1; } message O { int32 a = 1; }")),
        ("enum type renamed", p3("message M { E f = 1; } enum E { E0 = 0; }"), p3("message M { F f = 1; } enum F { F0 = 0; }")),
        ("proto2 closed enum: add value", p2("message M { optional E f = 1; } enum E { A = 1; }"), p2("message M { optional E f = 1; } enum E { A = 1; B = 2; }")),
        ("proto2 closed enum: delete value", p2("message M { optional E f = 1; } enum E { A = 1; B = 2; }"), p2("message M { optional E f = 1; } enum E { A = 1; }")),
        ("proto2 required -> optional", p2("message M { required int32 f = 1; }"), p2("message M { optional int32 f = 1; }")),
        ("proto2 optional -> required", p2("message M { optional int32 f = 1; }"), p2("message M { required int32 f = 1; }")),
        ("proto2 default changed", p2("message M { optional int32 f = 1 [default = 1]; }"), p2("message M { optional int32 f = 1 [default = 2]; }")),
        ("proto2 group -> message", p2("message M { optional group G = 1 { optional int32 a = 2; } }"), p2("message M { optional G g = 1; message G { optional int32 a = 2; } }")),
        ("proto2 -> proto3 string", p2("message M { optional string f = 1; }"), p3("message M { string f = 1; }")),
        ("proto3 -> proto2 string", p3("message M { string f = 1; }"), p2("message M { optional string f = 1; }")),
        ("proto2 -> proto3 int32", p2("message M { optional int32 f = 1; }"), p3("message M { int32 f = 1; }")),
        ("proto2 bytes -> string", p2("message M { optional bytes f = 1; }"), p2("message M { optional string f = 1; }")),
        ("proto2 closed enum -> int32", p2("message M { optional E f = 1; } enum E { A = 1; B = 2; }"), p2("message M { optional int32 f = 1; } enum E { A = 1; B = 2; }")),
        ("proto2 int32 -> closed enum", p2("message M { optional int32 f = 1; } enum E { A = 0; B = 2; }"), p2("message M { optional E f = 1; } enum E { A = 0; B = 2; }")),
    ];
    cases.extend(pairs.iter().cloned().map(|(a, b, c)| (a.to_string(), b, c)));
    let wire = protoguard::resolve_rules(&["WIRE".into()], &[]).unwrap();
    let (mut agree, mut lossless, mut unpredicted) = (0, Vec::new(), Vec::new());
    for (name, old, new) in &cases {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "old/a.proto", old);
        write(tmp.path(), "new/a.proto", new);
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
                cases: 128,
                ..opts()
            },
        )
        .unwrap();
        let dirs: Vec<String> = r
            .counterexamples
            .iter()
            .map(|c| {
                format!(
                    "{}{}: {}",
                    c.direction.describe(),
                    if c.relay { " (relay)" } else { "" },
                    c.seen[0]
                )
            })
            .collect();
        if std::env::var("PROVE_TABLE").is_ok() {
            println!("{name} | {fired:?} | {}", dirs.join(" // "));
        }
        match (fired.is_empty(), dirs.is_empty()) {
            (true, true) | (false, false) => agree += 1,
            (false, true) => lossless.push(format!("{name}: {fired:?}")),
            (true, false) => unpredicted.push(format!("{name}:\n      {}", dirs.join("\n      "))),
        }
    }
    println!("{} cases, {agree} agree", cases.len());
    println!("\nWIRE fires, prover finds nothing ({}):", lossless.len());
    for l in &lossless {
        println!("  {l}");
    }
    println!(
        "\nprover finds a counterexample, no WIRE rule ({}):",
        unpredicted.len()
    );
    for l in &unpredicted {
        println!("  {l}");
    }
}
