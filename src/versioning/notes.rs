//! What `protoguard semver` reads of a schema besides its structure: doc comments and the
//! options set on each element (from the source locations, once per file), the names of
//! standard and custom options, and the file options the index decodes by value.

use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap};

use crate::descriptor::FileOptions;
use crate::index::{FileId, Index, Site};

/// Comments and option locations of one file, read once from its source info.
#[derive(Default)]
pub(super) struct FileNotes {
    /// Element path → normalized leading and trailing comment.
    docs: HashMap<Box<[i32]>, String>,
    /// Element path → (options field, option number) of each option statement located
    /// directly under it (`[4, 0, 7, 3]` is `deprecated` on message 0).
    options: HashMap<Box<[i32]>, Vec<(i32, i32)>>,
}

pub(super) struct Notes<'a> {
    index: &'a Index,
    files: Vec<OnceCell<FileNotes>>,
}

impl<'a> Notes<'a> {
    pub(super) fn new(index: &'a Index) -> Notes<'a> {
        Notes {
            index,
            files: (0..index.files.len()).map(|_| OnceCell::new()).collect(),
        }
    }

    fn file(&self, id: FileId) -> &FileNotes {
        self.files[id].get_or_init(|| {
            let mut notes = FileNotes::default();
            let Some(info) = &self.index.files[id].source_info else {
                return notes;
            };
            for loc in &info.location {
                let text = [&loc.leading_comments, &loc.trailing_comments]
                    .into_iter()
                    .flatten()
                    .flat_map(|c| c.split_whitespace())
                    .collect::<Vec<_>>()
                    .join(" ");
                if !text.is_empty() {
                    notes
                        .docs
                        .entry(loc.path.clone().into_boxed_slice())
                        .or_insert(text);
                }
                let n = loc.path.len();
                if n >= 2 && n % 2 == 0 {
                    notes
                        .options
                        .entry(loc.path[..n - 2].into())
                        .or_default()
                        .push((loc.path[n - 2], loc.path[n - 1]));
                }
            }
            notes
        })
    }

    pub(super) fn doc(&self, site: &Site) -> Option<&str> {
        let path = site.path.as_deref()?;
        self.file(site.file).docs.get(path).map(String::as_str)
    }

    /// Numbers of the options set on the element at `site` (its options field is `field`).
    pub(super) fn options(&self, site: &Site, field: i32) -> BTreeSet<i32> {
        let path = site.path.as_deref().unwrap_or(&[]);
        self.file(site.file)
            .options
            .get(path)
            .map(|v| {
                v.iter()
                    .filter(|(f, _)| *f == field)
                    .map(|(_, n)| *n)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Which options message an element's options are, and the field of the element that
/// holds them.
#[derive(Clone, Copy)]
pub(super) enum OptionsOf {
    File,
    Message,
    Field,
    Oneof,
    Enum,
    EnumValue,
    Service,
    Method,
}

impl OptionsOf {
    pub(super) fn field(self) -> i32 {
        match self {
            OptionsOf::File | OptionsOf::Field => 8,
            OptionsOf::Message => 7,
            OptionsOf::Oneof => 2,
            OptionsOf::Enum | OptionsOf::EnumValue | OptionsOf::Service => 3,
            OptionsOf::Method => 4,
        }
    }

    pub(super) fn message(self) -> &'static str {
        match self {
            OptionsOf::File => "FileOptions",
            OptionsOf::Message => "MessageOptions",
            OptionsOf::Field => "FieldOptions",
            OptionsOf::Oneof => "OneofOptions",
            OptionsOf::Enum => "EnumOptions",
            OptionsOf::EnumValue => "EnumValueOptions",
            OptionsOf::Service => "ServiceOptions",
            OptionsOf::Method => "MethodOptions",
        }
    }

    /// Options whose values the index holds (compared by value, not by presence).
    pub(super) fn decoded(self) -> &'static [i32] {
        match self {
            OptionsOf::File => &[
                1, 8, 9, 10, 11, 16, 17, 18, 23, 27, 31, 36, 37, 39, 40, 41, 44, 45, 50,
            ],
            OptionsOf::Message => &[1, 2],
            OptionsOf::Field => &[1, 6],
            OptionsOf::Method => &[34],
            _ => &[],
        }
    }

    /// The standard option of this options message with this number.
    pub(super) fn standard(self, n: i32) -> Option<&'static str> {
        let table: &[(i32, &str)] = match self {
            OptionsOf::File => &[
                (1, "java_package"),
                (8, "java_outer_classname"),
                (9, "optimize_for"),
                (10, "java_multiple_files"),
                (11, "go_package"),
                (16, "cc_generic_services"),
                (17, "java_generic_services"),
                (18, "py_generic_services"),
                (20, "java_generate_equals_and_hash"),
                (23, "deprecated"),
                (27, "java_string_check_utf8"),
                (31, "cc_enable_arenas"),
                (36, "objc_class_prefix"),
                (37, "csharp_namespace"),
                (39, "swift_prefix"),
                (40, "php_class_prefix"),
                (41, "php_namespace"),
                (44, "php_metadata_namespace"),
                (45, "ruby_package"),
                (50, "features"),
            ],
            OptionsOf::Message => &[
                (1, "message_set_wire_format"),
                (2, "no_standard_descriptor_accessor"),
                (3, "deprecated"),
                (7, "map_entry"),
                (11, "deprecated_legacy_json_field_conflicts"),
                (12, "features"),
            ],
            OptionsOf::Field => &[
                (1, "ctype"),
                (2, "packed"),
                (3, "deprecated"),
                (5, "lazy"),
                (6, "jstype"),
                (10, "weak"),
                (15, "unverified_lazy"),
                (16, "debug_redact"),
                (17, "retention"),
                (19, "targets"),
                (20, "edition_defaults"),
                (21, "features"),
                (22, "feature_support"),
            ],
            OptionsOf::Oneof => &[(1, "features")],
            OptionsOf::Enum => &[
                (2, "allow_alias"),
                (3, "deprecated"),
                (6, "deprecated_legacy_json_field_conflicts"),
                (7, "features"),
            ],
            OptionsOf::EnumValue => &[
                (1, "deprecated"),
                (2, "features"),
                (3, "debug_redact"),
                (4, "feature_support"),
            ],
            OptionsOf::Service => &[(33, "deprecated"), (34, "features")],
            OptionsOf::Method => &[
                (33, "deprecated"),
                (34, "idempotency_level"),
                (35, "features"),
            ],
        };
        table.iter().find(|(k, _)| *k == n).map(|(_, name)| *name)
    }

    /// Widely used custom options, named when the file declaring them is not compiled.
    pub(super) fn well_known_custom(self, n: i32) -> Option<&'static str> {
        let table: &[(i32, &str)] = match self {
            OptionsOf::File => &[(1053, "google.api.resource_definition")],
            OptionsOf::Message => &[(1053, "google.api.resource")],
            OptionsOf::Field => &[
                (1052, "google.api.field_behavior"),
                (1055, "google.api.resource_reference"),
                (291403980, "google.api.field_info"),
            ],
            OptionsOf::Service => &[
                (1049, "google.api.default_host"),
                (1050, "google.api.oauth_scopes"),
                (525000001, "google.api.api_version"),
            ],
            OptionsOf::Method => &[
                (1049, "google.longrunning.operation_info"),
                (1051, "google.api.method_signature"),
                (72295728, "google.api.http"),
                (72295729, "google.api.routing"),
            ],
            _ => &[],
        };
        table.iter().find(|(k, _)| *k == n).map(|(_, name)| *name)
    }
}

/// Extensions of the `google.protobuf.*Options` messages declared on either side: their
/// names, for option changes.
pub(super) fn option_extensions(old: &Index, new: &Index) -> HashMap<(String, i32), String> {
    let mut out = HashMap::new();
    for index in [new, old] {
        for e in &index.extensions {
            if e.extendee.starts_with(".google.protobuf.") && e.extendee.ends_with("Options") {
                out.entry((e.extendee.clone(), e.number))
                    .or_insert_with(|| e.full_name.clone());
            }
        }
    }
    out
}

pub(super) fn option_value_change(name: &str, a: Option<&str>, b: Option<&str>) -> String {
    match (a, b) {
        (None, Some(b)) => format!("option {name} set to {b}"),
        (Some(a), None) => format!("option {name} removed (was {a})"),
        (Some(a), Some(b)) => format!("option {name} {a} → {b}"),
        (None, None) => format!("option {name}"),
    }
}

/// Every standard file option: name, number, value as written (`None` when unset).
pub(super) fn file_option_values(o: &FileOptions) -> Vec<(&'static str, i32, Option<String>)> {
    let s = |v: &Option<String>| v.as_ref().map(|x| format!("{x:?}"));
    let b = |v: &Option<bool>| v.map(|x| x.to_string());
    vec![
        ("java_package", 1, s(&o.java_package)),
        ("java_outer_classname", 8, s(&o.java_outer_classname)),
        (
            "optimize_for",
            9,
            o.optimize_for.map(|x| {
                match x {
                    1 => "SPEED",
                    2 => "CODE_SIZE",
                    3 => "LITE_RUNTIME",
                    _ => "?",
                }
                .to_string()
            }),
        ),
        ("java_multiple_files", 10, b(&o.java_multiple_files)),
        ("go_package", 11, s(&o.go_package)),
        ("cc_generic_services", 16, b(&o.cc_generic_services)),
        ("java_generic_services", 17, b(&o.java_generic_services)),
        ("py_generic_services", 18, b(&o.py_generic_services)),
        ("deprecated", 23, b(&o.deprecated)),
        ("java_string_check_utf8", 27, b(&o.java_string_check_utf8)),
        ("cc_enable_arenas", 31, b(&o.cc_enable_arenas)),
        ("objc_class_prefix", 36, s(&o.objc_class_prefix)),
        ("csharp_namespace", 37, s(&o.csharp_namespace)),
        ("swift_prefix", 39, s(&o.swift_prefix)),
        ("php_class_prefix", 40, s(&o.php_class_prefix)),
        ("php_namespace", 41, s(&o.php_namespace)),
        ("php_metadata_namespace", 44, s(&o.php_metadata_namespace)),
        ("ruby_package", 45, s(&o.ruby_package)),
        (
            "features",
            50,
            o.features.as_ref().map(|f| format!("{f:?}")),
        ),
    ]
}
