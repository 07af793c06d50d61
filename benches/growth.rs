//! Criterion benchmarks of the pathological growth cases of issue 14, each at two sizes so
//! the report shows how the cost grows (linear: twice the time for twice the size):
//! one message of many fields (compile, index and every rule), a package name of many parts
//! (refused at buf's bound before the compiler registers every prefix), and the prover on a
//! chain of messages whose last one changed. Growth is read from the report, never asserted.
//! `check` and the package are loaded as the command line loads them (planned: the header
//! scan and the plan run too; a quadratic step there once cost 2.9 s at 40,000 parts).

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use protoguard::prove::{self, ProveOptions};
use protoguard::source::Mode;
use protoguard::{config, Input, LoadOptions, Schema};

/// Writes `old/a.proto` and `new/a.proto` under `dir`, `text(t)` each, `t` being the scalar
/// type that differs (`int32` on the old side, `int64` on the new).
fn sides(dir: &Path, text: impl Fn(&str) -> String) -> (Input, Input) {
    for (side, t) in [("old", "int32"), ("new", "int64")] {
        std::fs::create_dir_all(dir.join(side)).unwrap();
        std::fs::write(dir.join(side).join("a.proto"), text(t)).unwrap();
    }
    (Input::Dir(dir.join("old")), Input::Dir(dir.join("new")))
}

fn wide_message(fields: usize) -> impl Fn(&str) -> String {
    move |t| {
        let mut s = String::from("syntax = \"proto3\";\npackage x;\nmessage M {\n");
        let numbers = (1..).filter(|n| !(19_000..20_000).contains(n)).take(fields);
        for n in numbers {
            let ty = if n == 1 { t } else { "int32" };
            s.push_str(&format!("  {ty} f{n} = {n};\n"));
        }
        s + "}\n"
    }
}

fn long_package(parts: usize) -> impl Fn(&str) -> String {
    move |t| {
        let package: Vec<String> = (0..parts).map(|i| format!("p{i}")).collect();
        format!(
            "syntax = \"proto3\";\npackage {};\nmessage M {{ {t} a = 1; }}\n",
            package.join(".")
        )
    }
}

fn chain(messages: usize) -> impl Fn(&str) -> String {
    move |t| {
        let mut s = String::from("syntax = \"proto3\";\npackage c;\n");
        for i in 0..messages - 1 {
            s.push_str(&format!("message M{i} {{ M{} next = 1; }}\n", i + 1));
        }
        s + &format!("message M{} {{ {t} v = 1; }}\n", messages - 1)
    }
}

fn bench(c: &mut Criterion) {
    let opts = LoadOptions::default();
    let rules = config::resolve_rules(&["FILE".into(), "WIRE_JSON".into()], &[]).unwrap();

    let mut group = c.benchmark_group("growth_wide_message");
    group.sample_size(10);
    for fields in [10_000usize, 20_000] {
        let tmp = tempfile::tempdir().unwrap();
        let (old_in, new_in) = sides(tmp.path(), wide_message(fields));
        group.bench_with_input(BenchmarkId::new("check", fields), &fields, |b, _| {
            b.iter(|| {
                let (old, new) =
                    Schema::load_pair((&old_in, &opts), (&new_in, &opts), Mode::Planned).unwrap();
                protoguard::check(&old.index, &new.index, &rules)
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("growth_package_parts");
    group.sample_size(10);
    for parts in [20_000usize, 40_000] {
        let tmp = tempfile::tempdir().unwrap();
        let (old_in, new_in) = sides(tmp.path(), long_package(parts));
        group.bench_with_input(BenchmarkId::new("refuse", parts), &parts, |b, _| {
            b.iter(|| {
                Schema::load_pair((&old_in, &opts), (&new_in, &opts), Mode::Planned).unwrap_err()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("growth_chain_prove");
    group.sample_size(10);
    let descriptors = LoadOptions {
        keep_descriptors: true,
        ..LoadOptions::default()
    };
    for messages in [1_000usize, 2_000] {
        let tmp = tempfile::tempdir().unwrap();
        let (old_in, new_in) = sides(tmp.path(), chain(messages));
        let old = Schema::load(&old_in, &descriptors).unwrap();
        let new = Schema::load(&new_in, &descriptors).unwrap();
        let (old_fds, new_fds) = (old.encoded.clone().unwrap(), new.encoded.clone().unwrap());
        let options = ProveOptions {
            cases: 32,
            seed: Some(1),
            ..ProveOptions::default()
        };
        group.bench_with_input(BenchmarkId::new("prove", messages), &messages, |b, _| {
            b.iter(|| prove::prove(&old_fds, &new_fds, &old.index, &new.index, &options).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
