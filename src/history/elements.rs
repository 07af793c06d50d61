//! Which messages, fields, enums, enum values, services and RPCs each release declared, and
//! which of them carried `deprecated = true`: what the deprecation cycle
//! ([`crate::policy::deprecation`]) reads.
//!
//! Files are only parsed, so options are still uninterpreted: `deprecated = true` is the
//! option whose name is the single plain word `deprecated` and whose value is the identifier
//! `true`, which is how proto2, proto3 and editions files all write it (editions files reach
//! here as the proto3 text of [`crate::editions_text`], options untouched).

use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto, UninterpretedOption};
use serde::{Deserialize, Serialize};

use crate::finding::ElementKind;

/// The kinds of element whose deletion the deprecation cycle can allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DeclKind {
    Message,
    Field,
    Enum,
    EnumValue,
    Service,
    Rpc,
}

impl DeclKind {
    /// The ledger's kind for a finding's element kind (`None` for files, packages, oneofs
    /// and extensions, which have no deprecation cycle).
    pub fn of(kind: ElementKind) -> Option<DeclKind> {
        Some(match kind {
            ElementKind::Message => DeclKind::Message,
            ElementKind::Field => DeclKind::Field,
            ElementKind::Enum => DeclKind::Enum,
            ElementKind::EnumValue => DeclKind::EnumValue,
            ElementKind::Service => DeclKind::Service,
            ElementKind::Rpc => DeclKind::Rpc,
            _ => return None,
        })
    }
}

/// One element as a file declares it; full names as [`crate::finding::Element`] spells them
/// (`pkg.Msg.field`, `pkg.Enum.VALUE`, `pkg.Service.Method`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementDecl {
    pub kind: DeclKind,
    pub full_name: String,
    pub deprecated: bool,
}

/// Whether an element's options say `deprecated = true`.
pub fn is_deprecated(options: &[UninterpretedOption]) -> bool {
    options.iter().any(|o| {
        matches!(o.name.as_slice(), [part] if part.name_part == "deprecated" && !part.is_extension)
            && o.identifier_value.as_deref() == Some("true")
    })
}

fn qualify(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

/// Every element a parsed file declares, in declaration order.
pub fn collect(file: &FileDescriptorProto) -> Vec<ElementDecl> {
    let mut out = Vec::new();
    let package = file.package.clone().unwrap_or_default();
    for m in &file.message_type {
        message(&mut out, &package, m);
    }
    for e in &file.enum_type {
        enum_(&mut out, &package, e);
    }
    for s in &file.service {
        let full = qualify(&package, s.name());
        let deprecated = s
            .options
            .as_ref()
            .is_some_and(|o| is_deprecated(&o.uninterpreted_option));
        out.push(ElementDecl {
            kind: DeclKind::Service,
            full_name: full.clone(),
            deprecated,
        });
        for m in &s.method {
            out.push(ElementDecl {
                kind: DeclKind::Rpc,
                full_name: format!("{full}.{}", m.name()),
                deprecated: m
                    .options
                    .as_ref()
                    .is_some_and(|o| is_deprecated(&o.uninterpreted_option)),
            });
        }
    }
    out
}

fn message(out: &mut Vec<ElementDecl>, scope: &str, m: &DescriptorProto) {
    let opts = m.options.as_ref();
    // Map entries are generated, never written: their fields are the map's, not the user's.
    if opts.and_then(|o| o.map_entry) == Some(true) {
        return;
    }
    let full = qualify(scope, m.name());
    out.push(ElementDecl {
        kind: DeclKind::Message,
        full_name: full.clone(),
        deprecated: opts.is_some_and(|o| is_deprecated(&o.uninterpreted_option)),
    });
    for f in &m.field {
        out.push(ElementDecl {
            kind: DeclKind::Field,
            full_name: format!("{full}.{}", f.name()),
            deprecated: f
                .options
                .as_ref()
                .is_some_and(|o| is_deprecated(&o.uninterpreted_option)),
        });
    }
    for n in &m.nested_type {
        message(out, &full, n);
    }
    for e in &m.enum_type {
        enum_(out, &full, e);
    }
}

fn enum_(out: &mut Vec<ElementDecl>, scope: &str, e: &EnumDescriptorProto) {
    let full = qualify(scope, e.name());
    out.push(ElementDecl {
        kind: DeclKind::Enum,
        full_name: full.clone(),
        deprecated: e
            .options
            .as_ref()
            .is_some_and(|o| is_deprecated(&o.uninterpreted_option)),
    });
    for v in &e.value {
        out.push(ElementDecl {
            kind: DeclKind::EnumValue,
            full_name: format!("{full}.{}", v.name()),
            deprecated: v
                .options
                .as_ref()
                .is_some_and(|o| is_deprecated(&o.uninterpreted_option)),
        });
    }
}

/// In which releases one element existed and in which it was deprecated (runs of release
/// indexes, first and last inclusive; runs may overlap when a file moved).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ElementHistory {
    pub present: Vec<(usize, usize)>,
    pub deprecated: Vec<(usize, usize)>,
}

impl ElementHistory {
    pub fn present_in(&self, release: usize) -> bool {
        self.present
            .iter()
            .any(|&(a, b)| a <= release && release <= b)
    }

    pub fn deprecated_in(&self, release: usize) -> bool {
        self.deprecated
            .iter()
            .any(|&(a, b)| a <= release && release <= b)
    }

    /// The last release in which it existed.
    pub fn last_present(&self) -> Option<usize> {
        self.present.iter().map(|&(_, b)| b).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls(text: &str) -> Vec<(DeclKind, String, bool)> {
        let rewritten = crate::editions_text::as_proto3(text);
        let file = protox_parse::parse("t.proto", rewritten.as_deref().unwrap_or(text)).unwrap();
        collect(&file)
            .into_iter()
            .map(|d| (d.kind, d.full_name, d.deprecated))
            .collect()
    }

    #[test]
    fn every_kind_and_its_mark() {
        let got = decls(
            r#"syntax = "proto3";
package p;
message A {
  option deprecated = true;
  string s = 1 [deprecated = true];
  map<string, int32> m = 2;
  message N { int32 x = 1 [deprecated = false]; }
  enum E { E_ZERO = 0; E_OLD = 1 [deprecated = true]; }
}
enum Top { option deprecated = true; TOP_ZERO = 0; }
service S {
  option deprecated = true;
  rpc Old(A) returns (A) { option deprecated = true; }
  rpc New(A) returns (A);
}
"#,
        );
        let want = [
            (DeclKind::Message, "p.A", true),
            (DeclKind::Field, "p.A.s", true),
            (DeclKind::Field, "p.A.m", false),
            (DeclKind::Message, "p.A.N", false),
            (DeclKind::Field, "p.A.N.x", false),
            (DeclKind::Enum, "p.A.E", false),
            (DeclKind::EnumValue, "p.A.E.E_ZERO", false),
            (DeclKind::EnumValue, "p.A.E.E_OLD", true),
            (DeclKind::Enum, "p.Top", true),
            (DeclKind::EnumValue, "p.Top.TOP_ZERO", false),
            (DeclKind::Service, "p.S", true),
            (DeclKind::Rpc, "p.S.Old", true),
            (DeclKind::Rpc, "p.S.New", false),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(k, n, d)| (*k, n.to_string(), *d))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn proto2_and_editions_marks_are_read() {
        let proto2 = decls(
            "syntax = \"proto2\"; message M { optional int32 a = 1 [default = 3, deprecated=true]; }",
        );
        assert_eq!(proto2[1], (DeclKind::Field, "M.a".into(), true));
        let editions = decls(
            "edition = \"2023\";\npackage e;\nmessage M {\n  int32 a = 1 [features.field_presence = IMPLICIT, deprecated = true];\n  int32 b = 2;\n}\n",
        );
        assert_eq!(editions[1], (DeclKind::Field, "e.M.a".into(), true));
        assert_eq!(editions[2], (DeclKind::Field, "e.M.b".into(), false));
    }
}
