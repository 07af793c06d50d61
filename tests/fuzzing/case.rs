//! One execution's input: two sides (directories of `.proto` files or encoded images), an
//! optional buf.yaml, rule flags and the entry point, generated from (seed, index) alone.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::rng::Rng;
use super::{bufyaml, evolve, mutate, render, schema};

/// Which library entry point the case drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `check`: planned and full loads, findings in every format.
    Check,
    /// `semver`: every change and its bump.
    Semver,
    /// `prove`: random messages round-tripped between the sides.
    Prove,
}

#[derive(Clone, Debug)]
pub enum Side {
    Dir(Vec<(String, Vec<u8>)>),
    Image(Vec<u8>),
}

#[derive(Clone, Debug)]
pub struct Case {
    pub seed: u64,
    pub index: u64,
    pub entry: Entry,
    pub old: Side,
    pub new: Side,
    /// Placed in the new directory.
    pub buf_yaml: Option<Vec<u8>>,
    pub use_: Vec<String>,
    pub except: Vec<String>,
    /// Both sides are the same input: no finding, no change, no counterexample.
    pub identical: bool,
    /// Input classes (see [`mutate`]) a run may skip as known open bugs.
    pub classes: Vec<&'static str>,
    /// What was done to make this case, for the saved reproducer.
    pub notes: Vec<String>,
    /// The classes the run skipped (a case is regenerated until it has none of them, so the
    /// replay needs the same list).
    pub skip: Vec<String>,
}

/// Case `index` of a run, skipping input classes listed in `skip`.
pub fn generate(seed: u64, index: u64, skip: &[String]) -> Case {
    for salt in 0u64.. {
        let mut rng = Rng::for_case(seed ^ salt.wrapping_mul(0x51_7CC1_B727_220A), index);
        let mut case = generate_with(&mut rng, seed, index);
        if !case.classes.iter().any(|c| skip.iter().any(|s| s == c)) {
            case.skip = skip.to_vec();
            return case;
        }
    }
    unreachable!()
}

fn generate_with(rng: &mut Rng, seed: u64, index: u64) -> Case {
    let mut notes = Vec::new();
    let mut classes = Vec::new();
    let mut identical = rng.chance(10);
    // Fixtures have no required cycle; generated schemas are looked at below.
    let mut required_cycle = [false, false];
    let (mut old, mut new) = if rng.chance(20) && !fixtures().is_empty() {
        let (name, old, new) = rng.pick(fixtures()).clone();
        notes.push(format!("fixture {name}"));
        if identical {
            (old.clone(), old)
        } else {
            (old, new)
        }
    } else {
        let old = schema::generate(rng);
        let mut new = old.clone();
        if !identical {
            notes.extend(evolve::evolve(&mut new, rng));
        }
        required_cycle = [schema::required_cycle(&old), schema::required_cycle(&new)];
        (
            Side::Dir(render::render(&old)),
            Side::Dir(render::render(&new)),
        )
    };
    if rng.chance(25) {
        // The same mutation on both sides keeps them identical (two equally broken inputs).
        let both = identical || rng.chance(15);
        for _ in 0..1 + rng.below(2) {
            let on_old = !both && rng.chance(30);
            let side = if on_old { &mut old } else { &mut new };
            if let Some(note) = mutate_side(side, rng, &mut classes) {
                notes.push(format!(
                    "{} text: {note}",
                    if on_old { "old" } else { "new" }
                ));
            }
        }
        if both {
            old = new.clone();
            identical = true;
        }
    }
    // Deeply nested texts are not compiled into images here: a crash belongs to the execution.
    if rng.chance(25) && classes.is_empty() {
        for (which, side) in [("old", &mut old), ("new", &mut new)] {
            if rng.chance(60) {
                if let Side::Dir(files) = side {
                    if let Some(image) = compile_image(files) {
                        *side = Side::Image(image);
                        notes.push(format!("{which} as image"));
                    }
                }
            }
        }
        if identical {
            old = new.clone();
        }
        let both = identical;
        for (which, side) in [("old", &mut old), ("new", &mut new)] {
            if let Side::Image(bytes) = side {
                if !both && rng.chance(60) {
                    let (b, note) = if rng.chance(60) {
                        mutate::mutate_image(bytes, rng)
                    } else {
                        (mutate::byte_mutation(bytes, rng), "image bytes".into())
                    };
                    *bytes = b;
                    notes.push(format!("{which} image: {note}"));
                }
            }
        }
    }
    let buf_yaml = (matches!(new, Side::Dir(_)) && rng.chance(30)).then(|| {
        let (text, note) = bufyaml::generate(rng);
        notes.push(note);
        text
    });
    if identical {
        if let (Side::Dir(files), Some(yaml)) = (&mut old, &buf_yaml) {
            files.push(("buf.yaml".into(), yaml.clone()));
        }
    }
    let flags = [
        "FILE",
        "WIRE",
        "WIRE_JSON",
        "PACKAGE",
        "FIELD_NO_DELETE",
        "CSR",
        "BOGUS",
    ];
    let mut use_ = Vec::new();
    let mut except = Vec::new();
    if rng.chance(20) {
        use_.push(rng.pick(&flags[..6]).to_string());
    }
    if rng.chance(10) {
        except.push(rng.pick(&flags[..6]).to_string());
    }
    if rng.chance(2) {
        use_.push(flags[6].to_string());
    }
    let entry = match rng.below(10) {
        0..=5 => Entry::Check,
        6 | 7 => Entry::Semver,
        _ => Entry::Prove,
    };
    if entry == Entry::Prove && required_cycle.iter().any(|c| *c) {
        classes.push(mutate::PROVE_REQUIRED_CYCLE);
    }
    Case {
        seed,
        index,
        entry,
        old,
        new,
        buf_yaml,
        use_,
        except,
        identical,
        classes,
        notes,
        skip: Vec::new(),
    }
}

fn mutate_side(side: &mut Side, rng: &mut Rng, classes: &mut Vec<&'static str>) -> Option<String> {
    let Side::Dir(files) = side else {
        return None;
    };
    if files.is_empty() {
        return None;
    }
    let i = rng.below(files.len());
    let (t, note) = mutate::mutate_text(&files[i].1, rng, classes);
    files[i].1 = t;
    Some(format!("{}: {note}", files[i].0))
}

/// Fixture pairs from `proto_fixtures/*/{old,new}`, read once.
fn fixtures() -> &'static [(String, Side, Side)] {
    static CORPUS: OnceLock<Vec<(String, Side, Side)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("proto_fixtures");
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(&root) else {
            return out;
        };
        let mut dirs: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        dirs.sort();
        for d in dirs {
            let side = |name: &str| -> Option<Side> {
                let dir = d.join(name);
                if dir.is_dir() {
                    let mut files = Vec::new();
                    for e in walkdir::WalkDir::new(&dir).sort_by_file_name() {
                        let e = e.ok()?;
                        if e.file_type().is_file() {
                            let rel = e.path().strip_prefix(&dir).ok()?;
                            let rel = rel.to_string_lossy().replace('\\', "/");
                            files.push((rel, std::fs::read(e.path()).ok()?));
                        }
                    }
                    Some(Side::Dir(files))
                } else {
                    std::fs::read(d.join(format!("{name}.binpb")))
                        .ok()
                        .map(Side::Image)
                }
            };
            if let (Some(o), Some(n)) = (side("old"), side("new")) {
                let name = d
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string();
                out.push((name, o, n));
            }
        }
        out
    })
}

struct Memory(Arc<BTreeMap<String, String>>);

impl protox::file::FileResolver for Memory {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        match self.0.get(name) {
            Some(text) => protox::file::File::from_source(name, text),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// An image of `files` (imports and source info included), or `None` if they do not compile.
pub fn compile_image(files: &[(String, Vec<u8>)]) -> Option<Vec<u8>> {
    use protox::file::{ChainFileResolver, GoogleFileResolver};
    let texts: BTreeMap<String, String> = files
        .iter()
        .filter(|(n, _)| n.ends_with(".proto"))
        .map(|(n, b)| Some((n.clone(), String::from_utf8(b.clone()).ok()?)))
        .collect::<Option<_>>()?;
    let names: Vec<String> = texts.keys().cloned().collect();
    let mut chain = ChainFileResolver::new();
    chain.add(Memory(Arc::new(texts)));
    chain.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(chain);
    compiler.include_imports(true).include_source_info(true);
    for n in &names {
        compiler.open_file(n).ok()?;
    }
    Some(compiler.encode_file_descriptor_set())
}

/// Writes the case under `dir` (`old/` or `old.binpb`, `new/` or `new.binpb`, `case.txt`),
/// replacing what was there; returns the two input paths.
pub fn materialize(case: &Case, dir: &Path) -> std::io::Result<(String, String)> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    let write_side = |name: &str, side: &Side| -> std::io::Result<String> {
        match side {
            Side::Dir(files) => {
                let root = dir.join(name);
                std::fs::create_dir_all(&root)?;
                for (path, bytes) in files {
                    let p = root.join(path);
                    if let Some(parent) = p.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    std::fs::write(p, bytes)?;
                }
                Ok(root.display().to_string())
            }
            Side::Image(bytes) => {
                let p = dir.join(format!("{name}.binpb"));
                std::fs::write(&p, bytes)?;
                Ok(p.display().to_string())
            }
        }
    };
    let old = write_side("old", &case.old)?;
    let new = write_side("new", &case.new)?;
    if let Some(yaml) = &case.buf_yaml {
        std::fs::write(Path::new(&new).join("buf.yaml"), yaml)?;
    }
    std::fs::write(dir.join("case.txt"), describe(case))?;
    Ok((old, new))
}

pub fn describe(case: &Case) -> String {
    let mut s = format!(
        "seed {} index {}\nentry {:?}\nidentical {}\nuse {:?}\nexcept {:?}\nclasses {:?}\n",
        case.seed, case.index, case.entry, case.identical, case.use_, case.except, case.classes
    );
    for n in &case.notes {
        s.push_str(&format!("note {n}\n"));
    }
    let skip = if case.skip.is_empty() {
        String::new()
    } else {
        format!(" --skip {}", case.skip.join(","))
    };
    s.push_str(&format!(
        "replay: cargo run --release --example fuzz -- --seed {} --replay {}{skip}\n",
        case.seed, case.index
    ));
    s
}
