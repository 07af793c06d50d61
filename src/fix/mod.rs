//! `protoguard fix [NEW] --against OLD`: writes the `reserved` numbers and names of every
//! field and enum value deleted without them into the new files, so that the
//! `*_NO_DELETE_UNLESS_*_RESERVED` rules accept the deletion. The only code in protoguard
//! that writes to a user's files.
//!
//! The four rules ([`RULES`]) run whatever the user selected; their findings say what each
//! message and enum must reserve ([`plan`]). Every edit is an insertion at a byte offset
//! found from the compiler's spans ([`body`]): nothing is reformatted, comments stay. The
//! plan is all or nothing (one edit that cannot be placed safely refuses the run, exit 2),
//! each file is replaced atomically ([`write`]), and afterwards both sides are loaded
//! again and the four rules must accept; if they do not, every file is put back as it was
//! and the run fails. A second run finds nothing to do. `--dry-run` prints the unified diff
//! ([`diff`]) instead of writing.

pub mod body;
pub mod diff;
pub mod plan;
mod write;

use std::path::PathBuf;

use crate::api::{Check, Loaded};
use crate::finding::Finding;
use crate::index::Index;
use crate::source::Input;

pub use plan::{Addition, Refusal, RULES};

const BOM: &str = "\u{feff}";

/// Why `fix` wrote nothing (or put everything back): the command line's exit 2.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum FixError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] crate::api::Error),
    #[error("{new}: fix writes into NEW, which must be a directory of .proto files, not {what}")]
    #[diagnostic(code(protoguard::fix::not_a_directory))]
    NotADirectory { new: String, what: &'static str },
    #[error("{}", refusals.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    #[diagnostic(
        code(protoguard::fix::unplaceable),
        help("nothing was written; reserve these by hand or change the schema so they can be")
    )]
    Unplaceable { refusals: Vec<Refusal> },
    #[error("{path}: {reason}")]
    #[diagnostic(code(protoguard::fix::write))]
    Write { path: String, reason: String },
    #[error("{path}: changed on disk since protoguard read it; nothing was written to it, run fix again")]
    #[diagnostic(code(protoguard::fix::changed))]
    Changed { path: String },
    #[error("the rules still reject the deletions after the edit ({reason}); every file was put back as it was")]
    #[diagnostic(code(protoguard::fix::unconfirmed))]
    Unconfirmed { reason: String },
}

/// The edits to one file.
#[derive(Clone, Debug)]
pub struct FileFix {
    /// The path as shown to the user.
    pub display: String,
    /// Where it is on disk.
    pub path: PathBuf,
    /// The file as it is (a byte-order mark included, when it has one).
    pub before: String,
    /// The file as `fix` writes it.
    pub after: String,
    pub additions: Vec<Addition>,
}

/// Everything `fix` would write.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub files: Vec<FileFix>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The unified diff of every file (`--dry-run`).
    pub fn diff(&self) -> String {
        self.files
            .iter()
            .map(|f| diff::unified(&f.display, &f.before, &f.after))
            .collect()
    }
}

/// The findings of the four rules `fix` resolves, whatever rules the user selected.
pub fn findings(old: &Index, new: &Index) -> Vec<Finding> {
    let diff = crate::diff::Diff::new(old, new);
    crate::rules::run(&crate::rules::Pair::new(&diff), &RULES)
}

/// What `fix` would write for loaded sides. Reads each file to edit from disk to make
/// sure it is still what was compiled.
pub fn plan(loaded: &Loaded) -> Result<Plan, FixError> {
    let dir = match &loaded.new.input {
        Input::Dir(dir) => dir,
        Input::Image(p) => {
            return Err(FixError::NotADirectory {
                new: p.display().to_string(),
                what: "an image",
            })
        }
        Input::Git(g) => {
            return Err(FixError::NotADirectory {
                new: g.text.clone(),
                what: "a git input (or --staged)",
            })
        }
    };
    let (old, new) = (&loaded.old.index, &loaded.new.index);
    let additions = plan::additions(old, new, &findings(old, new))
        .map_err(|refusals| FixError::Unplaceable { refusals })?;
    let mut by_file: std::collections::BTreeMap<usize, Vec<Addition>> = Default::default();
    for a in additions {
        by_file.entry(a.file).or_default().push(a);
    }
    let mut files = Vec::new();
    let mut refusals = Vec::new();
    for (id, mut additions) in by_file {
        // In the order they appear in the file.
        additions.sort_by_key(|a| a.insertions.iter().map(|i| i.at).min());
        let file = &new.files[id];
        let mut path = dir.clone();
        if file.module_root != "." && !file.module_root.is_empty() {
            path.push(&file.module_root);
        }
        path.push(&file.name);
        // `plan::additions` refuses a container without text; a file without it has none.
        let text = file.text.as_deref().unwrap_or_default();
        let before = match read(&path) {
            Ok(b) => b,
            Err(reason) => {
                return Err(FixError::Write {
                    path: file.display.clone(),
                    reason,
                })
            }
        };
        let bom = if before.starts_with(BOM) { BOM } else { "" };
        if &before[bom.len()..] != text {
            return Err(FixError::Changed {
                path: file.display.clone(),
            });
        }
        let mut insertions: Vec<&plan::Insertion> =
            additions.iter().flat_map(|a| &a.insertions).collect();
        insertions.sort_by_key(|i| i.at);
        if insertions.iter().any(|i| !text.is_char_boundary(i.at)) {
            refusals.push(Refusal {
                at: format!("{}:1:1", file.display),
                reason: "an edit falls inside a character; the spans do not match the text".into(),
            });
            continue;
        }
        let mut after = String::with_capacity(before.len() + 64);
        after.push_str(bom);
        let mut from = 0;
        for i in insertions {
            after.push_str(&text[from..i.at]);
            after.push_str(&i.text);
            from = i.at;
        }
        after.push_str(&text[from..]);
        files.push(FileFix {
            display: file.display.clone(),
            path,
            before,
            after,
            additions,
        });
    }
    if !refusals.is_empty() {
        return Err(FixError::Unplaceable { refusals });
    }
    Ok(Plan { files })
}

fn read(path: &std::path::Path) -> Result<String, String> {
    let bytes = crate::limits::read_regular(path, crate::limits::MAX_SOURCE_BYTES)?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())
}

/// Writes every file of the plan; if one cannot be written, those already written are put
/// back. A file that changed on disk since it was planned is not touched.
pub fn apply(plan: &Plan) -> Result<(), FixError> {
    for (k, f) in plan.files.iter().enumerate() {
        let result = match read(&f.path) {
            Ok(now) if now == f.before => {
                write::replace(&f.path, f.after.as_bytes()).map_err(|reason| FixError::Write {
                    path: f.display.clone(),
                    reason,
                })
            }
            Ok(_) => Err(FixError::Changed {
                path: f.display.clone(),
            }),
            Err(reason) => Err(FixError::Write {
                path: f.display.clone(),
                reason,
            }),
        };
        if let Err(e) = result {
            restore(&plan.files[..k]);
            return Err(e);
        }
    }
    Ok(())
}

/// Puts files back as they were before the plan (best effort: this runs on a failure path).
fn restore(files: &[FileFix]) {
    for f in files {
        let _ = write::replace(&f.path, f.before.as_bytes());
    }
}

/// What a run of `fix` did.
#[derive(Debug)]
pub struct Outcome {
    pub plan: Plan,
    /// Whether the files were written (not with `dry_run`, nor when there was nothing to do).
    pub written: bool,
}

/// Loads both sides, plans, and (unless `dry_run`) writes, then loads again and confirms
/// that the four rules accept; if they do not, every file is put back.
pub fn run(check: &Check, dry_run: bool) -> Result<Outcome, FixError> {
    let loaded = check.load()?;
    let plan = plan(&loaded)?;
    if dry_run || plan.is_empty() {
        return Ok(Outcome {
            plan,
            written: false,
        });
    }
    apply(&plan)?;
    let confirmed = match check.load() {
        Ok(again) => {
            let left = findings(&again.old.index, &again.new.index);
            match left.first() {
                None => Ok(()),
                Some(f) => Err(format!("{} more: {} {}", left.len(), f.rule, f.message)),
            }
        }
        Err(e) => Err(format!("the edited schema does not load: {e}")),
    };
    if let Err(reason) = confirmed {
        restore(&plan.files);
        return Err(FixError::Unconfirmed { reason });
    }
    Ok(Outcome {
        plan,
        written: true,
    })
}
