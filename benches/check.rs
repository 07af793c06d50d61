//! Criterion benchmarks of the three stages on generated schemas: compile (protox), index
//! (one pass over descriptors) and compare (every rule of every category); and loading both
//! sides of a comparison with a 1% change, planned (only files that can differ are compiled)
//! next to full.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use protoguard::source::Mode;
use protoguard::{config, Input, LoadOptions, Schema};

/// Writes `files` files of `per_file` messages (8 fields, a nested enum each) under `dir`.
/// `variant` 1 changes a field type in every tenth message; `variant` 2 does so only in every
/// tenth file (1% of the messages, in a tenth of the files: a typical change).
fn generate(dir: &Path, files: usize, per_file: usize, variant: u32) {
    for f in 0..files {
        let mut s = format!("syntax = \"proto3\";\npackage bench.p{f};\n\n");
        for m in 0..per_file {
            let changed = match variant {
                1 => m % 10 == 0,
                2 => f % 10 == 0 && m % 10 == 0,
                _ => false,
            };
            let ty = if changed { "int64" } else { "int32" };
            s.push_str(&format!(
                "message M{m} {{\n  string name = 1;\n  {ty} count = 2;\n  repeated string tags = 3;\n  map<string, int64> attrs = 4;\n  optional bool flag = 5;\n  bytes blob = 6;\n  Kind kind = 7;\n  oneof choice {{ string a = 8; int32 b = 9; }}\n  enum Kind {{ KIND_UNSPECIFIED = 0; KIND_A = 1; KIND_B = 2; }}\n}}\n\n"
            ));
        }
        std::fs::write(dir.join(format!("f{f}.proto")), s).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("stages");
    group.sample_size(10);
    for messages in [1_000usize, 10_000] {
        let tmp = tempfile::tempdir().unwrap();
        let (old_dir, new_dir) = (tmp.path().join("old"), tmp.path().join("new"));
        std::fs::create_dir_all(&old_dir).unwrap();
        std::fs::create_dir_all(&new_dir).unwrap();
        let files = messages / 100;
        generate(&old_dir, files, 100, 0);
        generate(&new_dir, files, 100, 1);
        let (old_in, new_in) = (Input::Dir(old_dir), Input::Dir(new_dir));
        let opts = LoadOptions::default();
        group.bench_with_input(
            BenchmarkId::new("compile+index", messages),
            &messages,
            |b, _| b.iter(|| Schema::load(&new_in, &opts).unwrap()),
        );
        let old = Schema::load(&old_in, &opts).unwrap();
        let new = Schema::load(&new_in, &opts).unwrap();
        let rules = config::resolve_rules(
            &[
                "FILE".into(),
                "PACKAGE".into(),
                "WIRE_JSON".into(),
                "WIRE".into(),
            ],
            &[],
        )
        .unwrap();
        group.bench_with_input(BenchmarkId::new("compare", messages), &messages, |b, _| {
            b.iter(|| protoguard::check(&old.index, &new.index, &rules))
        });
    }
    group.finish();
}

/// Both sides of a comparison whose new side changes 1% of the messages.
fn bench_load_pair(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_pair_1pct");
    group.sample_size(10);
    for messages in [1_000usize, 10_000] {
        let tmp = tempfile::tempdir().unwrap();
        let (old_dir, new_dir) = (tmp.path().join("old"), tmp.path().join("new"));
        std::fs::create_dir_all(&old_dir).unwrap();
        std::fs::create_dir_all(&new_dir).unwrap();
        let files = messages / 100;
        generate(&old_dir, files, 100, 0);
        generate(&new_dir, files, 100, 2);
        let (old_in, new_in) = (Input::Dir(old_dir), Input::Dir(new_dir));
        let opts = LoadOptions::default();
        for (name, mode) in [("full", Mode::Full), ("planned", Mode::Planned)] {
            group.bench_with_input(BenchmarkId::new(name, messages), &messages, |b, _| {
                b.iter(|| Schema::load_pair((&old_in, &opts), (&new_in, &opts), mode).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench, bench_load_pair);
criterion_main!(benches);
