//! File-level rules: deleted files, and file options, syntax and package that generated
//! code depends on.

use super::{locate, Element, Findings, Pair, Subject};
use crate::index::{File, Site, Syntax};
use crate::quote::q;

/// FILE_NO_DELETE: every file of the old schema still exists at the same path.
pub fn file_no_delete(pair: &Pair, out: &mut Findings) {
    for &id in &pair.diff.files.deleted {
        let old = &pair.old.files[id];
        // A file that is now only imported (from an `-I` root) still exists for buf.
        if pair.new.file(&old.name).is_some() {
            continue;
        }
        out.add(
            Subject::deleted(Element::file(old)),
            None,
            Some(Site::file(id)),
            format!("Previously present file {} was deleted.", q(&old.name)),
        );
    }
}

/// Compares one value of the two files and reports `File <what> changed from "a" to "b".`,
/// located at the option in the new file (buf: no location when the new file lacks it).
fn same_value(
    pair: &Pair,
    out: &mut Findings,
    what: &str,
    option_path: &[i32],
    value: impl Fn(&File) -> String,
) {
    let compared = pair
        .diff
        .files
        .both
        .iter()
        .filter(|&&(o, _)| !pair.old.files[o].unchanged);
    for &(old_id, new_id) in compared {
        let (old, new) = (&pair.old.files[old_id], &pair.new.files[new_id]);
        let (a, b) = (value(old), value(new));
        if a != b {
            out.add(
                Subject::changed(Element::file(old), Element::file(new)),
                locate(pair.new, new_id, &[option_path]),
                locate(pair.old, old_id, &[option_path]),
                format!("File {what} changed from {a} to {b}.", a = q(&a), b = q(&b)),
            );
        }
    }
}

fn bool_opt(v: Option<bool>, default: bool) -> String {
    v.unwrap_or(default).to_string()
}

fn str_opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

macro_rules! file_option_rule {
    ($fn:ident, $name:literal, $num:literal, $get:expr) => {
        #[doc = concat!("The file option `", $name, "` (field ", stringify!($num), " of FileOptions) is unchanged.")]
        pub fn $fn(pair: &Pair, out: &mut Findings) {
            same_value(
                pair,
                out,
                concat!("option \"", $name, "\""),
                &[8, $num],
                $get,
            );
        }
    };
}

file_option_rule!(file_same_cc_enable_arenas, "cc_enable_arenas", 31, |f| {
    bool_opt(f.options.cc_enable_arenas, true)
});
file_option_rule!(
    file_same_cc_generic_services,
    "cc_generic_services",
    16,
    |f| { bool_opt(f.options.cc_generic_services, false) }
);
file_option_rule!(file_same_csharp_namespace, "csharp_namespace", 37, |f| {
    str_opt(&f.options.csharp_namespace)
});
file_option_rule!(file_same_go_package, "go_package", 11, |f| str_opt(
    &f.options.go_package
));
file_option_rule!(
    file_same_java_generic_services,
    "java_generic_services",
    17,
    |f| { bool_opt(f.options.java_generic_services, false) }
);
file_option_rule!(
    file_same_java_multiple_files,
    "java_multiple_files",
    10,
    |f| { bool_opt(f.options.java_multiple_files, false) }
);
file_option_rule!(
    file_same_java_outer_classname,
    "java_outer_classname",
    8,
    |f| { str_opt(&f.options.java_outer_classname) }
);
file_option_rule!(file_same_java_package, "java_package", 1, |f| str_opt(
    &f.options.java_package
));
file_option_rule!(file_same_objc_class_prefix, "objc_class_prefix", 36, |f| {
    str_opt(&f.options.objc_class_prefix)
});
file_option_rule!(file_same_optimize_for, "optimize_for", 9, |f| {
    match f.options.optimize_for.unwrap_or(1) {
        2 => "CODE_SIZE",
        3 => "LITE_RUNTIME",
        _ => "SPEED",
    }
    .to_string()
});
file_option_rule!(file_same_php_class_prefix, "php_class_prefix", 40, |f| {
    str_opt(&f.options.php_class_prefix)
});
file_option_rule!(
    file_same_php_metadata_namespace,
    "php_metadata_namespace",
    44,
    |f| { str_opt(&f.options.php_metadata_namespace) }
);
file_option_rule!(file_same_php_namespace, "php_namespace", 41, |f| str_opt(
    &f.options.php_namespace
));
file_option_rule!(
    file_same_py_generic_services,
    "py_generic_services",
    18,
    |f| { bool_opt(f.options.py_generic_services, false) }
);
file_option_rule!(file_same_ruby_package, "ruby_package", 45, |f| str_opt(
    &f.options.ruby_package
));
file_option_rule!(file_same_swift_prefix, "swift_prefix", 39, |f| str_opt(
    &f.options.swift_prefix
));

/// FILE_SAME_SYNTAX: the file's syntax (proto2, proto3, editions) is unchanged.
pub fn file_same_syntax(pair: &Pair, out: &mut Findings) {
    same_value(pair, out, "syntax", &[12], |f| match f.syntax {
        Syntax::Proto2 => "proto2".to_string(),
        Syntax::Proto3 => "proto3".to_string(),
        Syntax::Editions(_) => "editions".to_string(),
    });
}

/// FILE_SAME_PACKAGE: the file's package is unchanged.
pub fn file_same_package(pair: &Pair, out: &mut Findings) {
    same_value(pair, out, "package", &[2], |f| f.package.clone());
}
