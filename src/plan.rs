//! What can differ between the two sides, decided before anything is compiled.
//!
//! A file whose content is the same on both sides (same git blob id), and none of whose
//! transitive imports changed, compiles to the same descriptors on both sides: no rule can
//! report anything in it. Only the other files — changed ones and everything that imports
//! them, whose name resolution may change — are compiled and compared. Files left out
//! still exist on both sides (so nothing looks deleted) and keep their package (so package
//! rules stay exact).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::lexer::{Token, Tokens};

/// The statements of a file that planning needs, found without parsing it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub syntax: Option<String>,
    pub edition: Option<String>,
    pub package: String,
    pub imports: Vec<String>,
    /// Names the file declares in its package's scope (to catch clashes across files):
    /// top-level messages, enums and services, the values of top-level enums (C++ scoping
    /// puts them beside their enum) and top-level extension fields.
    pub decls: Vec<String>,
    /// Which kinds of element the file declares at any depth (for files left uncompiled).
    pub declares: Declares,
}

/// Whether a file declares any message (or group), enum or extension, nested ones included:
/// what a file left uncompiled still tells the package rules (buf checks a package for
/// deleted messages only while it declares some message).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Declares {
    pub messages: bool,
    pub enums: bool,
    pub extensions: bool,
}

/// The kind of a top-level block whose depth-1 statements declare names in the package.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ScopeBlock {
    /// Not one of those (a message or service body: its names are under its own name).
    Other,
    /// A top-level `enum`: each value.
    Enum,
    /// A top-level `extend`: each extension field.
    Extend,
}

/// What a comment directive read by the compatibility contract starts with: a mark
/// (`@experimental`, `@internal`, see `marks`) or a waiver (`protoguard:allow`, see
/// `policy::waivers`, whose keyword holds `:allow`).
pub const DIRECTIVE_TOKENS: &[&str] = &["@", "protoguard:allow"];

/// Whether `text` may hold a directive the contract reads from the comments that source
/// info carries: a file that may is always compiled with its source info.
pub fn may_hold_directive(text: &str) -> bool {
    DIRECTIVE_TOKENS.iter().any(|t| text.contains(t))
}

/// Reads `syntax`, `edition`, `package` and `import` statements at the top level of a
/// `.proto` file, skipping comments, strings and everything inside braces.
pub fn scan(text: &str) -> Header {
    let mut header = Header::default();
    let mut tokens = Tokens::new(text).peekable();
    let mut depth = 0usize;
    // The kind of the top-level block being declared or entered, and the words of the
    // current statement inside it (first, last before `=`, whether named already).
    let mut block = ScopeBlock::Other;
    let mut first: Option<&str> = None;
    let mut last: Option<&str> = None;
    let mut named = false;
    while let Some(token) = tokens.next() {
        // A declaration keyword followed by a name, at any depth (`string enum = 1;` is a
        // field, not a declaration).
        if let Token::Word(w @ ("message" | "group" | "enum" | "extend")) = &token {
            if matches!(tokens.peek(), Some(Token::Word(_))) {
                match *w {
                    "enum" => header.declares.enums = true,
                    "extend" => header.declares.extensions = true,
                    _ => header.declares.messages = true,
                }
            }
        }
        if depth == 1 && block != ScopeBlock::Other {
            match token {
                Token::Punct(';' | '{' | '}') => (first, last, named) = (None, None, false),
                Token::Word(w) => {
                    first.get_or_insert(w);
                    last = Some(w);
                }
                Token::Punct('=') if !named => {
                    named = true;
                    let statement = first.unwrap_or("");
                    if !matches!(statement, "option" | "reserved" | "extensions") {
                        header.decls.extend(last.map(str::to_string));
                    }
                }
                _ => {}
            }
        }
        match token {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    block = ScopeBlock::Other;
                }
            }
            Token::Punct(';') if depth == 0 => block = ScopeBlock::Other,
            Token::Word(w) if depth == 0 => match w {
                "syntax" | "edition" if tokens.next_if_eq(&Token::Punct('=')).is_some() => {
                    if let Some(Token::Str(s)) = tokens.next() {
                        let slot = if w == "syntax" {
                            &mut header.syntax
                        } else {
                            &mut header.edition
                        };
                        *slot = Some(s.to_string());
                    }
                }
                "package" => {
                    let mut name = String::new();
                    while let Some(t) =
                        tokens.next_if(|t| matches!(t, Token::Word(_) | Token::Punct('.')))
                    {
                        match t {
                            Token::Word(p) => name.push_str(p),
                            _ => name.push('.'),
                        }
                    }
                    header.package = name;
                }
                "import" => {
                    // `option`: edition 2024's imports of option definitions only.
                    tokens.next_if(|t| matches!(t, Token::Word("public" | "weak" | "option")));
                    if let Some(Token::Str(s)) = tokens.next_if(|t| matches!(t, Token::Str(_))) {
                        header.imports.push(s.to_string());
                    }
                }
                "message" | "enum" | "service" => {
                    if let Some(Token::Word(name)) = tokens.next_if(|t| matches!(t, Token::Word(_)))
                    {
                        header.decls.push(name.to_string());
                    }
                    block = if w == "enum" {
                        ScopeBlock::Enum
                    } else {
                        ScopeBlock::Other
                    };
                }
                "extend" => block = ScopeBlock::Extend,
                _ => {}
            },
            _ => {}
        }
    }
    header
}

/// The files of one side as planning sees them: content key and imports, by name.
pub struct SideFiles<'a> {
    pub files: BTreeMap<&'a str, (git2::Oid, &'a Header)>,
}

/// Which files to compile on each side, and which are unchanged.
#[derive(Debug, Default)]
pub struct Plan {
    /// Changed files and every file that imports one, transitively (either side).
    pub dirty: BTreeSet<String>,
}

impl Plan {
    pub fn new(old: &SideFiles, new: &SideFiles) -> Plan {
        let mut dirty: BTreeSet<String> = BTreeSet::new();
        let names: HashSet<&str> = old.files.keys().chain(new.files.keys()).copied().collect();
        for name in &names {
            let a = old.files.get(name).map(|(k, _)| k);
            let b = new.files.get(name).map(|(k, _)| k);
            if a != b {
                dirty.insert(name.to_string());
            }
        }
        // Importers of each file, on both sides.
        let mut importers: HashMap<&str, Vec<&str>> = HashMap::new();
        for side in [old, new] {
            for (name, (_, header)) in &side.files {
                for imp in &header.imports {
                    importers.entry(imp.as_str()).or_default().push(name);
                }
            }
        }
        // A name declared in two files is an error the compiler must see: compile both,
        // whether or not either changed (unchanged files are otherwise compiled one by
        // one, see crate::verified). A package's name and each of its prefixes are names
        // too: `package p.A;` clashes with `message A` of package `p`.
        for side in [old, new] {
            for files in clashes(side) {
                dirty.extend(files.into_iter().map(str::to_string));
            }
        }
        let mut queue: Vec<String> = dirty.iter().cloned().collect();
        while let Some(f) = queue.pop() {
            if let Some(users) = importers.get(f.as_str()) {
                for u in users {
                    if dirty.insert(u.to_string()) {
                        queue.push(u.to_string());
                    }
                }
            }
        }
        Plan { dirty }
    }
}

/// Groups of files of a side that declare the same full name (packages may be shared).
/// A full name is kept as its package and its last part (declarations are top-level
/// identifiers), so no name is built for the thousands of files that clash with nothing.
fn clashes<'a>(side: &SideFiles<'a>) -> Vec<Vec<&'a str>> {
    let mut declared: HashMap<(&'a str, &'a str), Vec<&'a str>> = HashMap::new();
    for (name, (_, header)) in &side.files {
        for d in &header.decls {
            let owners = declared
                .entry((header.package.as_str(), d.as_str()))
                .or_default();
            if !owners.contains(name) {
                owners.push(name);
            }
        }
    }
    let mut groups: Vec<Vec<&'a str>> =
        declared.values().filter(|f| f.len() > 1).cloned().collect();
    for (name, (_, header)) in &side.files {
        let package = header.package.as_str();
        // A package name past buf's bounds is refused when its file is compiled (changed
        // or verified); its prefixes are not looked up: that would hash the name once per
        // part, quadratic in its length.
        if !crate::compile::package_within_bounds(package) {
            continue;
        }
        // Each prefix of the package (`p`, `p.A`, `p.A.v1`), as its parent and last part.
        let mut end = 0;
        while end < package.len() {
            let next = package[end..]
                .find('.')
                .map_or(package.len(), |dot| end + dot);
            let prefix = &package[..next];
            let (parent, last) = match prefix.rfind('.') {
                Some(dot) => (&prefix[..dot], &prefix[dot + 1..]),
                None => ("", prefix),
            };
            if !last.is_empty() {
                if let Some(owners) = declared.get(&(parent, last)) {
                    let mut group = owners.clone();
                    group.push(name);
                    groups.push(group);
                }
            }
            end = next + 1;
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_top_level_statements_only() {
        let h = scan(
            r#"// package wrong;
syntax = "proto3";
/* import "no.proto"; */
package acme . v1;
import public "a/b.proto";
import weak 'c.proto';
import option "opts.proto";
option go_package = "x";
message M { string package = 1; }
import "late.proto";
"#,
        );
        assert_eq!(h.syntax.as_deref(), Some("proto3"));
        assert_eq!(h.package, "acme.v1");
        assert_eq!(
            h.imports,
            vec!["a/b.proto", "c.proto", "opts.proto", "late.proto"]
        );
        assert_eq!(h.decls, vec!["M"]);
    }

    #[test]
    fn names_in_the_package_scope_are_declarations() {
        let h = scan(
            r#"syntax = "proto2";
package p;
enum E { option allow_alias = true; X = 0; Y = 1 [deprecated = true]; reserved 5; }
extend google.protobuf.FieldOptions { optional int32 ext = 5000; repeated group G = 5001 { optional int32 in = 1; } }
message M { enum Inner { NOT_TOP = 0; } optional int32 f = 1; }
service S { rpc R(M) returns (M) { option deprecated = true; } }
"#,
        );
        assert_eq!(h.decls, vec!["E", "X", "Y", "ext", "G", "M", "S"]);
    }

    #[test]
    fn a_package_that_is_a_declared_name_clashes_even_when_unchanged() {
        let k = |n: u8| git2::Oid::from_bytes(&[n; 20]).unwrap();
        let a = Header {
            package: "p".into(),
            decls: vec!["A".into()],
            ..Default::default()
        };
        let b = Header {
            package: "p.A.v1".into(),
            ..Default::default()
        };
        let other = Header {
            package: "p".into(),
            decls: vec!["Z".into()],
            ..Default::default()
        };
        let side = SideFiles {
            files: BTreeMap::from([
                ("a.proto", (k(1), &a)),
                ("b.proto", (k(2), &b)),
                ("c.proto", (k(3), &other)),
            ]),
        };
        let plan = Plan::new(&side, &side);
        assert_eq!(
            plan.dirty,
            BTreeSet::from(["a.proto".into(), "b.proto".into()])
        );
    }

    #[test]
    fn a_declared_name_clashes_with_its_package_and_those_below_it_only() {
        let k = |n: u8| git2::Oid::from_bytes(&[n; 20]).unwrap();
        let header = |package: &str, decls: &[&str]| Header {
            package: package.into(),
            decls: decls.iter().map(|d| d.to_string()).collect(),
            ..Default::default()
        };
        let (a, same, below, longer_word, sibling) = (
            header("p", &["A"]),
            header("p.A", &[]),
            header("p.A.b.c", &[]),
            header("p.AB", &[]),
            header("p.B.A", &[]),
        );
        let side = SideFiles {
            files: BTreeMap::from([
                ("a.proto", (k(1), &a)),
                ("same.proto", (k(2), &same)),
                ("below.proto", (k(3), &below)),
                ("longer_word.proto", (k(4), &longer_word)),
                ("sibling.proto", (k(5), &sibling)),
            ]),
        };
        let plan = Plan::new(&side, &side);
        assert_eq!(
            plan.dirty,
            BTreeSet::from(["a.proto".into(), "same.proto".into(), "below.proto".into()])
        );
    }

    #[test]
    fn importers_of_changed_files_are_dirty() {
        let (h_a, h_b, h_c) = (
            Header::default(),
            Header {
                imports: vec!["a.proto".into()],
                ..Default::default()
            },
            Header {
                imports: vec!["b.proto".into()],
                ..Default::default()
            },
        );
        let k = |n: u8| git2::Oid::from_bytes(&[n; 20]).unwrap();
        let old = SideFiles {
            files: BTreeMap::from([
                ("a.proto", (k(1), &h_a)),
                ("b.proto", (k(2), &h_b)),
                ("c.proto", (k(3), &h_c)),
                ("d.proto", (k(4), &h_a)),
            ]),
        };
        let new = SideFiles {
            files: BTreeMap::from([
                ("a.proto", (k(9), &h_a)),
                ("b.proto", (k(2), &h_b)),
                ("c.proto", (k(3), &h_c)),
                ("d.proto", (k(4), &h_a)),
            ]),
        };
        let plan = Plan::new(&old, &new);
        assert_eq!(
            plan.dirty,
            BTreeSet::from(["a.proto".into(), "b.proto".into(), "c.proto".into()])
        );
    }
}
