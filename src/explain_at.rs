//! `protoguard explain FILE:LINE[:COL] --against OLD`: the findings at one place of the
//! schema, each with the element's own source before and after, who it breaks (and, for a
//! wire finding, the prover's shrunk counterexample on that message), what the contract
//! says of it, and the concrete safe path: the `reserved` statements `fix` would write, the
//! deprecation step, and when the contract allows the removal.
//!
//! A finding is at the place when its location in the new file starts on that line (and
//! spans the column, when one is given), or, for a deletion, when the deleted element's
//! own line in the old file of the same path is that line: a reviewer reading the diff
//! points at the line that went away.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::api::{Check, Loaded};
use crate::config::{FileRef, Policy};
use crate::finding::{AllowedBy, Element, ElementKind, Finding, Verdict};
use crate::index::{Index, Site, Span};
use crate::prove::ProveReport;
use crate::source::Input;

/// A place in a schema file, as `FILE:LINE[:COL]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: PathBuf,
    pub line: u32,
    pub column: Option<u32>,
}

impl Place {
    /// Reads `FILE:LINE[:COL]`. `None` when the argument is not a place (no `:`, so a
    /// rule ID); an error when it has the shape of one but names no file or line.
    pub fn parse(arg: &str) -> Option<Result<Place, String>> {
        if !arg.contains(':') {
            return None;
        }
        let number = |s: &str| s.parse::<u32>().ok().filter(|n| *n > 0);
        let mut parts = arg.rsplitn(3, ':');
        let (last, middle, first) = (parts.next(), parts.next(), parts.next());
        let (file, line, column) = match (first, middle.and_then(number), last.and_then(number)) {
            (Some(f), Some(l), Some(c)) => (f.to_string(), l, Some(c)),
            _ => match arg
                .rsplit_once(':')
                .and_then(|(f, l)| Some((f, number(l)?)))
            {
                Some((f, l)) => (f.to_string(), l, None),
                _ => {
                    return Some(Err(format!(
                    "{arg}: expected FILE:LINE or FILE:LINE:COL (lines and columns count from 1)"
                )))
                }
            },
        };
        let path = PathBuf::from(&file);
        if !path.is_file() {
            return Some(Err(format!("{file}: no such file")));
        }
        Some(Ok(Place {
            file: path,
            line,
            column,
        }))
    }
}

/// When the contract's deprecation rule (`deprecation:` in protoguard.yaml) lets an element
/// be removed, read from the release history; supplied by the policy layer.
pub trait RemovalSchedule {
    fn removal(&self, element: &Element) -> Option<Removal>;
}

/// What the deprecation rule says of one element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Removal {
    /// The release that first marked it deprecated, if one did.
    pub deprecated_in: Option<String>,
    /// The first release from which removing it is allowed.
    pub allowed_from: String,
}

/// Explains the findings at `place`: loads both sides with `check` (again with
/// descriptors, when a wire finding wants a counterexample). `Err` is a user mistake (a
/// file that is in neither schema) or a load error: exit 2.
pub fn explain_at(
    check: &Check,
    place: &Place,
    schedule: Option<&dyn RemovalSchedule>,
) -> miette::Result<String> {
    let loaded = check.load()?;
    let Some(name) = import_name(&loaded, &place.file) else {
        return Err(miette::miette!(
            "{}: not a .proto file of the new or the old schema",
            place.file.display()
        ));
    };
    let mut findings = crate::findings_with_history(
        &loaded.old,
        &loaded.new,
        &loaded.policy,
        loaded.ledger.as_ref(),
    );
    // What the contract says of each (marks, waivers, protoguard.yaml), as `check` says it.
    let _ = loaded
        .contract
        .apply(&mut findings, &loaded.old.index, &loaded.new.index, None);
    // Then the deprecation cycle, when protoguard.yaml asks for one: it allows a deletion
    // that went through it and says of the others when removal will be allowed.
    if let Some(ctx) = loaded.deprecation_context() {
        crate::policy::deprecation::apply(&mut findings, &ctx);
    }
    let findings = kept(&loaded, findings);
    let (old, new) = (&loaded.old.index, &loaded.new.index);
    let located: Vec<Located> = findings
        .into_iter()
        .map(|f| Located::new(old, new, f, &name))
        .collect();
    let here: Vec<&Located> = located.iter().filter(|l| l.is_at(place)).collect();
    let shown = format!(
        "{}:{}{}",
        place.file.display(),
        place.line,
        place.column.map(|c| format!(":{c}")).unwrap_or_default()
    );
    if here.is_empty() {
        return Ok(nothing_at(&shown, place.line, &located));
    }
    // Descriptors are compiled, and each message proved once, only when a counterexample
    // is wanted.
    let targets: BTreeSet<String> = here
        .iter()
        .filter_map(|l| proof_target(old, new, &l.finding))
        .collect();
    let mut proofs = Proofs::new();
    if !targets.is_empty() {
        let with_descriptors = check.clone().keep_descriptors(true).load()?;
        for t in targets {
            let report = prove_one(&with_descriptors, &t);
            proofs.insert(t, report);
        }
    }
    let mut out = String::new();
    for (k, l) in here.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        out.push_str(&explain_one(&loaded, &proofs, l, schedule));
    }
    Ok(out)
}

/// The prover's report on each message a finding at the place wants evidence from.
type Proofs = BTreeMap<String, Result<ProveReport, String>>;

fn prove_one(p: &Loaded, message: &str) -> Result<ProveReport, String> {
    let (Some(old_fds), Some(new_fds)) = (&p.old.encoded, &p.new.encoded) else {
        return Err("the prover needs descriptors of both sides, and they were not kept".into());
    };
    let options = crate::prove::ProveOptions {
        message: Some(message.to_string()),
        // A fixed seed: the same question gets the same answer.
        seed: Some(1),
        ..Default::default()
    };
    crate::prove::prove(old_fds, new_fds, &p.old.index, &p.new.index, &options)
        .map_err(|e| format!("the prover could not run: {e}"))
}

/// The import path of `file` in either schema: by its place on disk under a directory
/// side, else by the path as shown.
fn import_name(loaded: &Loaded, file: &Path) -> Option<String> {
    let wanted = std::fs::canonicalize(file).ok()?;
    for schema in [&loaded.new, &loaded.old] {
        let checked = schema.index.files.iter().filter(|f| !f.is_import);
        if let Input::Dir(dir) = &schema.input {
            for f in checked.clone() {
                let mut p = dir.clone();
                if f.module_root != "." && !f.module_root.is_empty() {
                    p.push(&f.module_root);
                }
                p.push(&f.name);
                if std::fs::canonicalize(&p).is_ok_and(|p| p == wanted) {
                    return Some(f.name.clone());
                }
            }
        }
        let given = file.to_string_lossy().replace('\\', "/");
        let given = given.trim_start_matches("./");
        for f in checked {
            if f.display == given || given.ends_with(&format!("/{}", f.name)) {
                return Some(f.name.clone());
            }
        }
    }
    None
}

/// The findings buf.yaml's ignores keep, as `check` reports them.
fn kept(loaded: &Loaded, findings: Vec<Finding>) -> Vec<Finding> {
    let (old, new) = (&loaded.old.index, &loaded.new.index);
    let policy: &Policy = &loaded.policy;
    findings
        .into_iter()
        .filter(|f| {
            let new_site = new_site(old, new, f);
            policy.keeps(f.rule, file_ref(new, &new_site), file_ref(old, &f.old))
        })
        .collect()
}

fn file_ref<'a>(index: &'a Index, site: &Option<Site>) -> Option<FileRef<'a>> {
    site.as_ref().map(|s| {
        let f = &index.files[s.file];
        FileRef {
            module_root: &f.module_root,
            name: &f.name,
            package: &f.package,
        }
    })
}

/// Where a finding is in the new schema; buf attaches one without a place to the new file
/// of the same path, as a whole.
fn new_site(old: &Index, new: &Index, f: &Finding) -> Option<Site> {
    f.new.clone().or_else(|| {
        let o = f.old.as_ref()?;
        new.file_id(&old.files[o.file].name).map(Site::file)
    })
}

/// A finding with the lines it occupies in the file being explained.
struct Located {
    finding: Finding,
    /// Its span in the new file, when that file is the one explained.
    new_span: Option<Span>,
    /// For a deletion, the deleted element's own span in the old file of the same path.
    old_span: Option<Span>,
    /// `path:line:col` as `check` prints it.
    at: String,
}

const WHOLE_FILE: Span = Span {
    start_line: 1,
    start_column: 1,
    end_line: 1,
    end_column: 1,
};

impl Located {
    fn new(old: &Index, new: &Index, finding: Finding, name: &str) -> Located {
        let site = new_site(old, new, &finding);
        let span_of = |index: &Index, s: &Site| {
            s.path
                .as_deref()
                .and_then(|p| index.files[s.file].span(p))
                .unwrap_or(WHOLE_FILE)
        };
        let at = match &site {
            Some(s) => {
                let sp = span_of(new, s);
                format!(
                    "{}:{}:{}",
                    new.files[s.file].display, sp.start_line, sp.start_column
                )
            }
            None => "<input>:1:1".to_string(),
        };
        let new_span = site
            .as_ref()
            .filter(|s| new.files[s.file].name == name)
            .map(|s| span_of(new, s));
        let old_span = match &finding.subject.old {
            Some(e) if finding.subject.is_deletion() && e.file.as_deref() == Some(name) => {
                element_site(old, e).map(|s| span_of(old, &s))
            }
            _ => None,
        };
        Located {
            finding,
            new_span,
            old_span,
            at,
        }
    }

    fn is_at(&self, place: &Place) -> bool {
        let on = |s: &Span| {
            s.start_line == place.line
                && place.column.is_none_or(|c| {
                    c >= s.start_column && (s.end_line > s.start_line || c <= s.end_column)
                })
        };
        self.new_span.as_ref().is_some_and(on) || self.old_span.as_ref().is_some_and(on)
    }

    fn lines(&self) -> impl Iterator<Item = u32> + '_ {
        [self.new_span, self.old_span]
            .into_iter()
            .flatten()
            .map(|s| s.start_line)
    }
}

/// "Nothing here", with the nearest lines of the file that have findings.
fn nothing_at(shown: &str, line: u32, located: &[Located]) -> String {
    let mut s = format!("no finding at {shown}\n");
    let mut near: Vec<(u32, &'static str)> = located
        .iter()
        .flat_map(|l| l.lines().map(move |n| (n, l.finding.rule)))
        .collect();
    near.sort_by_key(|&(n, rule)| (n.abs_diff(line), n, rule));
    near.dedup();
    if near.is_empty() {
        s.push_str("no line of this file has a finding\n");
        return s;
    }
    s.push_str("nearest lines with findings:\n");
    let mut lines: Vec<u32> = Vec::new();
    for &(n, _) in &near {
        if !lines.contains(&n) {
            lines.push(n);
        }
        if lines.len() == 5 {
            break;
        }
    }
    for n in lines {
        let rules: Vec<&str> = near
            .iter()
            .filter(|(m, _)| *m == n)
            .map(|(_, r)| *r)
            .collect();
        let _ = writeln!(s, "  line {n}: {}", rules.join(", "));
    }
    s
}

/// The site of an element in an index, found by its name and number.
pub fn element_site(index: &Index, e: &Element) -> Option<Site> {
    let parent = e.parent_name();
    let own = parent.map_or(e.full_name.as_str(), |p| &e.full_name[p.len() + 1..]);
    match e.kind {
        ElementKind::Field => {
            let m = index.message(parent?)?;
            m.field_by_number(e.number?).map(|f| f.site.clone())
        }
        ElementKind::Extension => index
            .extensions
            .iter()
            .find(|f| f.full_name == e.full_name)
            .map(|f| f.site.clone()),
        ElementKind::EnumValue => {
            let en = index.enum_(parent?)?;
            en.values
                .iter()
                .find(|v| v.name == own)
                .map(|v| v.site.clone())
        }
        ElementKind::Message => index.message(&e.full_name).map(|m| m.site.clone()),
        ElementKind::Enum => index.enum_(&e.full_name).map(|x| x.site.clone()),
        ElementKind::Service => index.service(&e.full_name).map(|x| x.site.clone()),
        ElementKind::Rpc => {
            let s = index.service(parent?)?;
            s.methods
                .iter()
                .find(|m| m.name == own)
                .map(|m| m.site.clone())
        }
        ElementKind::Oneof => {
            let m = index.message(parent?)?;
            let i = m.oneofs.iter().position(|o| o.name == own)?;
            Some(m.site.child(&[8, i as i32]))
        }
        ElementKind::File | ElementKind::Package => None,
    }
}

/// The element's source text and where it is, at most `MAX_LINES` lines.
fn element_source(index: &Index, e: &Element) -> Option<(String, String)> {
    const MAX_LINES: usize = 12;
    let site = element_site(index, e)?;
    let file = &index.files[site.file];
    let path = site.path.as_deref()?;
    let text = &file.text.as_deref()?[file.byte_range(path)?];
    let span = file.span(path)?;
    let at = format!("{}:{}:{}", file.display, span.start_line, span.start_column);
    let lines: Vec<&str> = text.lines().collect();
    let mut shown = lines[..lines.len().min(MAX_LINES)].join("\n");
    if lines.len() > MAX_LINES {
        let _ = write!(shown, "\n... ({} more lines)", lines.len() - MAX_LINES);
    }
    Some((at, shown))
}

/// The message type whose round trips show a wire finding, when there is one on both sides.
fn proof_target(old: &Index, new: &Index, f: &Finding) -> Option<String> {
    let wire = crate::catalog::get(f.rule)
        .is_some_and(|d| d.categories.iter().any(|c| c == "WIRE" || c == "WIRE_JSON"));
    // A deleted element's values go to unknown fields, which every reader keeps: no round
    // trip misreads them, so the prover has nothing to show for a deletion.
    if !wire || f.subject.is_deletion() {
        return None;
    }
    let on_both = |name: &str| old.message(name).is_some() && new.message(name).is_some();
    let e = f.subject.element();
    let own = match e.kind {
        ElementKind::Field | ElementKind::Oneof => e.parent_name().map(str::to_string),
        ElementKind::Message => Some(e.full_name.clone()),
        _ => None,
    };
    own.filter(|n| on_both(n))
        .or_else(|| f.affects.iter().find(|n| on_both(n)).cloned())
}

fn explain_one(
    loaded: &Loaded,
    proofs: &Proofs,
    l: &Located,
    schedule: Option<&dyn RemovalSchedule>,
) -> String {
    let f = &l.finding;
    let (old, new) = (&loaded.old.index, &loaded.new.index);
    let mut s = String::new();
    let _ = writeln!(s, "{}: {} {}", l.at, f.rule, f.message);
    let _ = writeln!(s, "  verdict: {}", verdict(&f.verdict));
    if let Some(note) = &f.verdict_note {
        let _ = writeln!(s, "  contract: {note}");
    }
    if let Some(to) = &f.renamed_to {
        let _ = writeln!(s, "  renamed to: {to}");
    }
    for n in &f.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    if !f.affects.is_empty() {
        let _ = writeln!(s, "  affects: {}", f.affects.join(", "));
    }
    for (title, index, element) in [
        ("before", old, f.subject.old.as_ref()),
        ("after", new, f.subject.new.as_ref()),
    ] {
        match element.and_then(|e| element_source(index, e).map(|src| (e, src))) {
            Some((_, (at, text))) => {
                let _ = writeln!(s, "\n  {title} ({at}):");
                indent(&mut s, &text, 4);
            }
            None => match element {
                Some(e) => {
                    let _ = writeln!(s, "\n  {title}: {} {}", e.kind.noun(), e.full_name);
                }
                None if title == "after" => {
                    let _ = writeln!(s, "\n  after: deleted");
                }
                None => {
                    let _ = writeln!(s, "\n  before: not declared");
                }
            },
        }
    }
    let doc = crate::catalog::get(f.rule);
    if let Some(doc) = doc {
        let _ = writeln!(s, "\n  who breaks:");
        indent(&mut s, doc.breaks.trim_end(), 4);
    }
    if let Some((message, report)) =
        proof_target(old, new, f).and_then(|m| proofs.get_key_value(&m))
    {
        let _ = writeln!(s, "\n  evidence (protoguard prove on {message}):");
        let e = f.subject.element();
        let field = (e.kind == ElementKind::Field)
            .then(|| e.full_name.rsplit('.').next())
            .flatten();
        indent(&mut s, &counterexample(report, message, f.rule, field), 4);
    }
    let _ = writeln!(s, "\n  safe path:");
    if let Some(doc) = doc {
        indent(&mut s, doc.fix.trim_end(), 4);
    }
    if let Some(gone) = f.subject.old.as_ref().filter(|_| f.subject.is_deletion()) {
        s.push_str(&removal_steps(loaded, gone, schedule));
    }
    s
}

fn verdict(v: &Verdict) -> String {
    match v {
        Verdict::Breaking => "breaking (fails the gate)".to_string(),
        Verdict::Allowed(a) => {
            let by = match &a.by {
                AllowedBy::Stability {
                    element, origin, ..
                } => format!("{element} is not stable ({origin})"),
                AllowedBy::UnstablePackage { package } => {
                    format!("unstable package {package}")
                }
                AllowedBy::Deprecation {
                    deprecated_in,
                    releases,
                } => format!("deprecated in {deprecated_in}, {releases} releases ago"),
                AllowedBy::Waiver { rule, origin, .. } => format!("waiver of {rule} at {origin}"),
            };
            format!("allowed: {} ({by})", a.reason)
        }
    }
}

/// The prover's shrunk counterexample on `message` that this rule predicted, or what it
/// could say instead.
fn counterexample(
    report: &Result<ProveReport, String>,
    message: &str,
    rule: &str,
    field: Option<&str>,
) -> String {
    let report = match report {
        Ok(r) => r,
        Err(e) => return e.clone(),
    };
    if let Some((name, why)) = report.skipped.first() {
        return format!("the prover could not check {name}: {why}");
    }
    // Only a counterexample that involves this finding's element is its evidence.
    let predicted = || {
        report
            .counterexamples
            .iter()
            .filter(|c| c.rules.iter().any(|r| r == rule))
    };
    // The one whose reader misread this very field, when it names one.
    let picked = field
        .and_then(|name| {
            predicted().find(|c| {
                c.seen.iter().any(|l| {
                    l.split(':')
                        .next()
                        .is_some_and(|path| path.rsplit('.').next() == Some(name))
                })
            })
        })
        .or_else(|| predicted().next());
    let Some(c) = picked else {
        return format!(
            "no {message} read differently because of this change in {} random cases (seed \
             {}): what it breaks is not a misread value today (generated code, names, or a \
             number left free for reuse)",
            report.cases_run, report.seed
        );
    };
    let mut s = format!(
        "{}{}: the writer sent\n",
        c.describe_direction(),
        if c.relay { ", through a relay" } else { "" }
    );
    indent(&mut s, c.input.trim_end(), 2);
    let _ = writeln!(s, "bytes: {}", c.bytes_hex);
    if let Some(json) = &c.json {
        let _ = writeln!(s, "JSON: {json}");
    }
    s.push_str("and the reader saw:\n");
    for line in &c.seen {
        let _ = writeln!(s, "  {line}");
    }
    s
}

/// For a deleted field or enum value: the `reserved` statements `fix` writes; for every
/// deletion: the deprecation step and when the contract allows the removal.
fn removal_steps(
    loaded: &Loaded,
    gone: &Element,
    schedule: Option<&dyn RemovalSchedule>,
) -> String {
    let (old, new) = (&loaded.old.index, &loaded.new.index);
    let mut s = String::new();
    if matches!(gone.kind, ElementKind::Field | ElementKind::EnumValue) {
        let parent = gone.parent_name().unwrap_or_default();
        let own = gone.full_name.rsplit('.').next().unwrap_or_default();
        match crate::fix::plan::additions(old, new, &crate::fix::findings(old, new)) {
            Ok(additions) => {
                let mine = additions.iter().find(|a| {
                    a.container == parent
                        && (gone.number.is_some_and(|n| a.numbers.contains(&n))
                            || a.names.iter().any(|n| n == own))
                });
                match mine {
                    Some(a) => {
                        let _ = writeln!(
                            s,
                            "\n    `protoguard fix` writes into {} {} ({}):",
                            a.kind.noun(),
                            a.container,
                            a.at
                        );
                        for st in &a.statements {
                            let _ = writeln!(s, "      {st}");
                        }
                    }
                    None => {
                        let _ = writeln!(s, "\n    its number and name are already reserved");
                    }
                }
            }
            Err(refusals) => {
                for r in refusals {
                    let _ = writeln!(s, "\n    `protoguard fix` cannot reserve it: {r}");
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "\n    deprecation first, in a release before the removal:"
    );
    let step = deprecation_step(old, gone);
    indent(&mut s, &step, 6);
    match schedule.and_then(|sch| sch.removal(gone)) {
        Some(r) => {
            if let Some(d) = &r.deprecated_in {
                let _ = writeln!(s, "    deprecated in {d};");
            }
            let _ = writeln!(s, "    removal is allowed from release {}", r.allowed_from);
        }
        None => {
            let _ = writeln!(
                s,
                "    with `deprecation: {{releases: N}}` in protoguard.yaml, removal is allowed\n    \
                 N releases after the first release that marks it deprecated"
            );
        }
    }
    s
}

/// The declaration with its deprecation mark, written out.
fn deprecation_step(old: &Index, gone: &Element) -> String {
    let source = element_source(old, gone).map(|(_, t)| t);
    match (gone.kind, source) {
        (_, Some(t)) if t.contains("deprecated = true") || t.contains("deprecated=true") => {
            "it is already marked deprecated; stop reading and writing it before removing it"
                .to_string()
        }
        (ElementKind::Field | ElementKind::EnumValue | ElementKind::Extension, Some(t))
            if !t.contains('\n') =>
        {
            let t = t.trim_end();
            let body = t.strip_suffix(';').unwrap_or(t).trim_end();
            match body.strip_suffix(']') {
                Some(opts) => format!("{}, deprecated = true];", opts.trim_end()),
                None => format!("{body} [deprecated = true];"),
            }
        }
        (ElementKind::Field | ElementKind::EnumValue | ElementKind::Extension, _) => {
            format!("{} [deprecated = true]", gone.full_name)
        }
        (ElementKind::Message | ElementKind::Enum | ElementKind::Service | ElementKind::Rpc, _) => {
            format!(
                "option deprecated = true;   // inside {} {}",
                gone.kind.noun(),
                gone.full_name
            )
        }
        _ => format!(
            "mark what {} declares deprecated, and stop using it",
            gone.full_name
        ),
    }
}

fn indent(s: &mut String, text: &str, by: usize) {
    for line in text.lines() {
        let _ = writeln!(s, "{:by$}{line}", "");
    }
}

/// What `protoguard explain ARG` explains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A rule ID (or deprecated alias), as typed.
    Rule(String),
    /// The findings at `FILE:LINE[:COL]`.
    Place(Place),
}

/// A rule, or a place: an argument with a `:` that names an existing file. `Err` when it
/// has a place's shape but names no file or line.
pub fn target(arg: &str) -> Result<Target, String> {
    match Place::parse(arg) {
        None => Ok(Target::Rule(arg.to_string())),
        Some(place) => place.map(Target::Place),
    }
}
