//! The rules: pure functions of the old and the new index that return findings.
//!
//! Each rule ID has exactly one function, registered in [`REGISTRY`]; its documentation,
//! categories and default membership live in `rules/<ID>.yaml` (see [`crate::catalog`]).
//! Matching follows buf: files by path, types by full name, fields and values by number,
//! extensions by extendee and number, RPCs by name within their service, oneofs by name.

mod enums;
mod fields;
mod files;
pub mod google_api;
mod history;
mod messages;
mod packages;
mod ranges;
mod services;
mod stability;

use crate::diff::Diff;
use crate::index::{Enum, Field, File, FileId, Index, Message, Method, Service, Site};
use crate::quote::q;

pub use crate::finding::{Element, ElementKind, Finding, Subject, TypeChange, Verdict};
pub use stability::STABILITY_NO_DEMOTE;

/// The two sides of a comparison, their elements matched, and what history knows of
/// earlier releases.
pub struct Pair<'a> {
    pub old: &'a Index,
    pub new: &'a Index,
    /// The elements of `old` and `new` matched by buf's keys (computed once per run; the
    /// rules iterate it instead of pairing elements themselves).
    pub diff: &'a Diff<'a>,
    /// Elements of earlier releases (git inputs only); `None` keeps history rules silent.
    pub history: Option<&'a crate::history::Ledger>,
    pub options: RuleOptions,
}

/// Switches that change what a rule accepts (protoguard's own config, not buf's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleOptions {
    /// FIELD_WIRE_COMPATIBLE_TYPE accepts a message type renamed to a structurally wire
    /// compatible one (off by default, so buf.yaml users see buf's verdicts).
    pub structural_types: bool,
}

/// A rule's logic.
pub type CheckFn = fn(&Pair, &mut Findings);

/// Collects findings for one rule.
pub struct Findings {
    rule: &'static str,
    pub out: Vec<Finding>,
}

impl Findings {
    pub fn new(rule: &'static str) -> Findings {
        Findings {
            rule,
            out: Vec::new(),
        }
    }
    /// Records a finding about `subject`, located at `new` (and `old`); returned so that a
    /// rule can add typed facts (a [`TypeChange`]).
    pub fn add(
        &mut self,
        subject: Subject,
        new: Option<Site>,
        old: Option<Site>,
        message: String,
    ) -> &mut Finding {
        self.out.push(Finding {
            rule: self.rule,
            subject,
            message,
            new,
            old,
            type_change: None,
            renamed_to: None,
            affects: Vec::new(),
            notes: Vec::new(),
            verdict: Verdict::Breaking,
            verdict_note: None,
            against: Vec::new(),
        });
        self.out.last_mut().expect("just pushed")
    }
}

/// Every rule ID with the function that checks it.
pub static REGISTRY: &[(&str, CheckFn)] = &[
    // The compatibility contract's own rule (category POLICY), see src/rules/stability.rs.
    ("STABILITY_NO_DEMOTE", stability::stability_no_demote),
    ("ENUM_NO_DELETE", packages::enum_no_delete),
    ("EXTENSION_NO_DELETE", packages::extension_no_delete),
    ("FILE_NO_DELETE", files::file_no_delete),
    ("MESSAGE_NO_DELETE", packages::message_no_delete),
    ("SERVICE_NO_DELETE", packages::service_no_delete),
    ("ENUM_SAME_TYPE", enums::enum_same_type),
    ("ENUM_VALUE_NO_DELETE", enums::enum_value_no_delete),
    (
        "EXTENSION_MESSAGE_NO_DELETE",
        messages::extension_message_no_delete,
    ),
    ("FIELD_NO_DELETE", messages::field_no_delete),
    ("FIELD_SAME_CARDINALITY", fields::field_same_cardinality),
    (
        "FIELD_SAME_CPP_STRING_TYPE",
        fields::field_same_cpp_string_type,
    ),
    (
        "FIELD_SAME_JAVA_UTF8_VALIDATION",
        fields::field_same_java_utf8_validation,
    ),
    ("FIELD_SAME_JSTYPE", fields::field_same_jstype),
    ("FIELD_SAME_TYPE", fields::field_same_type),
    (
        "FIELD_SAME_UTF8_VALIDATION",
        fields::field_same_utf8_validation,
    ),
    (
        "FILE_SAME_CC_ENABLE_ARENAS",
        files::file_same_cc_enable_arenas,
    ),
    (
        "FILE_SAME_CC_GENERIC_SERVICES",
        files::file_same_cc_generic_services,
    ),
    (
        "FILE_SAME_CSHARP_NAMESPACE",
        files::file_same_csharp_namespace,
    ),
    ("FILE_SAME_GO_PACKAGE", files::file_same_go_package),
    (
        "FILE_SAME_JAVA_GENERIC_SERVICES",
        files::file_same_java_generic_services,
    ),
    (
        "FILE_SAME_JAVA_MULTIPLE_FILES",
        files::file_same_java_multiple_files,
    ),
    (
        "FILE_SAME_JAVA_OUTER_CLASSNAME",
        files::file_same_java_outer_classname,
    ),
    ("FILE_SAME_JAVA_PACKAGE", files::file_same_java_package),
    (
        "FILE_SAME_OBJC_CLASS_PREFIX",
        files::file_same_objc_class_prefix,
    ),
    ("FILE_SAME_OPTIMIZE_FOR", files::file_same_optimize_for),
    (
        "FILE_SAME_PHP_CLASS_PREFIX",
        files::file_same_php_class_prefix,
    ),
    (
        "FILE_SAME_PHP_METADATA_NAMESPACE",
        files::file_same_php_metadata_namespace,
    ),
    ("FILE_SAME_PHP_NAMESPACE", files::file_same_php_namespace),
    (
        "FILE_SAME_PY_GENERIC_SERVICES",
        files::file_same_py_generic_services,
    ),
    ("FILE_SAME_RUBY_PACKAGE", files::file_same_ruby_package),
    ("FILE_SAME_SWIFT_PREFIX", files::file_same_swift_prefix),
    ("FILE_SAME_SYNTAX", files::file_same_syntax),
    (
        "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
        messages::message_no_remove_standard_descriptor_accessor,
    ),
    ("ONEOF_NO_DELETE", messages::oneof_no_delete),
    ("RPC_NO_DELETE", services::rpc_no_delete),
    ("ENUM_SAME_JSON_FORMAT", enums::enum_same_json_format),
    ("ENUM_VALUE_SAME_NAME", enums::enum_value_same_name),
    ("FIELD_SAME_JSON_NAME", fields::field_same_json_name),
    ("FIELD_SAME_NAME", fields::field_same_name),
    (
        "MESSAGE_SAME_JSON_FORMAT",
        messages::message_same_json_format,
    ),
    ("FIELD_SAME_DEFAULT", fields::field_same_default),
    ("FIELD_SAME_ONEOF", fields::field_same_oneof),
    ("FILE_SAME_PACKAGE", files::file_same_package),
    (
        "MESSAGE_SAME_REQUIRED_FIELDS",
        messages::message_same_required_fields,
    ),
    ("RESERVED_ENUM_NO_DELETE", enums::reserved_enum_no_delete),
    (
        "RESERVED_MESSAGE_NO_DELETE",
        messages::reserved_message_no_delete,
    ),
    (
        "RPC_SAME_CLIENT_STREAMING",
        services::rpc_same_client_streaming,
    ),
    (
        "RPC_SAME_IDEMPOTENCY_LEVEL",
        services::rpc_same_idempotency_level,
    ),
    ("RPC_SAME_REQUEST_TYPE", services::rpc_same_request_type),
    ("RPC_SAME_RESPONSE_TYPE", services::rpc_same_response_type),
    (
        "RPC_SAME_SERVER_STREAMING",
        services::rpc_same_server_streaming,
    ),
    ("PACKAGE_ENUM_NO_DELETE", packages::package_enum_no_delete),
    (
        "PACKAGE_EXTENSION_NO_DELETE",
        packages::package_extension_no_delete,
    ),
    (
        "PACKAGE_MESSAGE_NO_DELETE",
        packages::package_message_no_delete,
    ),
    ("PACKAGE_NO_DELETE", packages::package_no_delete),
    (
        "PACKAGE_SERVICE_NO_DELETE",
        packages::package_service_no_delete,
    ),
    (
        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
        enums::enum_value_no_delete_unless_name_reserved,
    ),
    (
        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
        messages::field_no_delete_unless_name_reserved,
    ),
    (
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
        fields::field_wire_json_compatible_cardinality,
    ),
    (
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
        fields::field_wire_json_compatible_type,
    ),
    (
        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        enums::enum_value_no_delete_unless_number_reserved,
    ),
    (
        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        messages::field_no_delete_unless_number_reserved,
    ),
    (
        "FIELD_WIRE_COMPATIBLE_CARDINALITY",
        fields::field_wire_compatible_cardinality,
    ),
    (
        "FIELD_WIRE_COMPATIBLE_TYPE",
        fields::field_wire_compatible_type,
    ),
    (
        "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
        messages::message_same_message_set_wire_format,
    ),
    ("FIELD_NUMBER_REUSED", history::field_number_reused),
    (
        "ENUM_VALUE_NUMBER_REUSED",
        history::enum_value_number_reused,
    ),
    ("FIELD_NAME_REUSED", history::field_name_reused),
    ("ENUM_VALUE_NAME_REUSED", history::enum_value_name_reused),
    // The GOOGLE_API category (protoguard's own, never in a default set).
    (
        "GOOGLE_API_FIELD_NO_REQUIRED_ADDED",
        google_api::field_behavior::field_no_required_added,
    ),
    (
        "GOOGLE_API_MESSAGE_NO_REQUIRED_FIELD_ADDED",
        google_api::field_behavior::message_no_required_field_added,
    ),
    (
        "GOOGLE_API_FIELD_NO_OUTPUT_ONLY_REMOVED",
        google_api::field_behavior::field_no_output_only_removed,
    ),
    (
        "GOOGLE_API_FIELD_NO_IMMUTABLE_ADDED",
        google_api::field_behavior::field_no_immutable_added,
    ),
    (
        "GOOGLE_API_HTTP_SAME_PATTERN",
        google_api::http::http_same_pattern,
    ),
    (
        "GOOGLE_API_HTTP_SAME_BODY",
        google_api::http::http_same_body,
    ),
    (
        "GOOGLE_API_HTTP_NO_BINDING_DELETE",
        google_api::http::http_no_binding_delete,
    ),
    (
        "GOOGLE_API_RESOURCE_SAME_TYPE",
        google_api::resources::resource_same_type,
    ),
    (
        "GOOGLE_API_RESOURCE_SAME_PATTERNS",
        google_api::resources::resource_same_patterns,
    ),
    (
        "GOOGLE_API_RESOURCE_REFERENCE_SAME_TYPE",
        google_api::resources::resource_reference_same_type,
    ),
    (
        "GOOGLE_API_RESOURCE_DEFINITION_NO_DELETE",
        google_api::resources::resource_definition_no_delete,
    ),
    (
        "GOOGLE_API_METHOD_SIGNATURE_NO_DELETE",
        google_api::client::method_signature_no_delete,
    ),
    (
        "GOOGLE_API_OPERATION_INFO_SAME_TYPES",
        google_api::client::operation_info_same_types,
    ),
    (
        "GOOGLE_API_SERVICE_SAME_DEFAULT_HOST",
        google_api::client::service_same_default_host,
    ),
    (
        "GOOGLE_API_SERVICE_NO_OAUTH_SCOPE_DELETE",
        google_api::client::service_no_oauth_scope_delete,
    ),
    (
        "GOOGLE_API_RPC_SAME_PAGINATION",
        google_api::pagination::rpc_same_pagination,
    ),
];

/// Looks a rule's function up by ID.
pub fn check_fn(id: &str) -> Option<CheckFn> {
    REGISTRY.iter().find(|(i, _)| *i == id).map(|(_, f)| *f)
}

/// Runs the given rules over a pair of indexes.
pub fn run(pair: &Pair, rules: &[&'static str]) -> Vec<Finding> {
    let mut out = Vec::new();
    for &id in rules {
        if let Some(f) = check_fn(id) {
            let mut findings = Findings::new(id);
            f(pair, &mut findings);
            out.extend(findings.out);
        }
    }
    out
}

// ---- pairing helpers shared by the rules ----------------------------------------------

impl<'a> Pair<'a> {
    /// The pair of `diff`'s two sides, without history and with default options.
    pub fn new(diff: &'a Diff<'a>) -> Pair<'a> {
        Pair {
            old: diff.old,
            new: diff.new,
            diff,
            history: None,
            options: RuleOptions::default(),
        }
    }

    /// The subject of a finding about a field (or extension) present on both sides.
    pub fn field_subject(&self, old: &Field, new: &Field) -> Subject {
        Subject::changed(Element::field(self.old, old), Element::field(self.new, new))
    }

    /// The subject of a finding about an RPC present on both sides.
    pub fn rpc_subject(&self, os: &Service, om: &Method, ns: &Service, nm: &Method) -> Subject {
        Subject::changed(
            Element::rpc(self.old, os, om),
            Element::rpc(self.new, ns, nm),
        )
    }

    /// The subject of a finding about a message present on both sides.
    pub fn message_subject(&self, old: &Message, new: &Message) -> Subject {
        Subject::changed(
            Element::message(self.old, old),
            Element::message(self.new, new),
        )
    }

    /// Files present on both sides, by path (old, new), leaving out files known unchanged.
    pub fn files(&self) -> impl Iterator<Item = (&'a File, &'a File)> + '_ {
        let (old, new) = (self.old, self.new);
        self.diff
            .files
            .both
            .iter()
            .filter(move |&&(o, _)| !old.files[o].unchanged)
            .map(move |&(o, n)| (&old.files[o], &new.files[n]))
    }

    /// Messages present on both sides, by full name (old, new).
    pub fn messages(&self) -> impl Iterator<Item = (&'a Message, &'a Message)> + '_ {
        self.diff.messages.both.iter().map(|p| (p.old, p.new))
    }

    /// Enums present on both sides, by full name (old, new).
    pub fn enums(&self) -> impl Iterator<Item = (&'a Enum, &'a Enum)> + '_ {
        self.diff.enums.both.iter().map(|p| (p.old, p.new))
    }

    /// Services present on both sides, by full name (old, new).
    pub fn services(&self) -> impl Iterator<Item = (&'a Service, &'a Service)> + '_ {
        self.diff.services.both.iter().map(|p| (p.old, p.new))
    }

    /// RPCs present on both sides, by service full name and method name.
    pub fn methods(
        &self,
    ) -> impl Iterator<Item = (&'a Service, &'a Method, &'a Service, &'a Method)> + '_ {
        self.diff.services.both.iter().flat_map(|s| {
            s.rpcs
                .both
                .iter()
                .map(move |&(om, nm)| (s.old, om, s.new, nm))
        })
    }

    /// Fields present on both sides: message fields by message full name and number, then
    /// extensions by extendee and number (old, new).
    pub fn fields(&self) -> Vec<(&'a Field, &'a Field)> {
        let mut out: Vec<(&'a Field, &'a Field)> = self
            .diff
            .messages
            .both
            .iter()
            .flat_map(|m| m.field_pairs())
            .collect();
        out.extend(self.diff.extensions.both.iter().copied());
        out
    }
}

/// buf's `withBackupLocation`: the first candidate that the new file has source info for.
/// A file without any source info (an image built without it) is located as a whole.
pub fn locate(index: &Index, file: FileId, candidates: &[&[i32]]) -> Option<Site> {
    let f = &index.files[file];
    if f.source_info.is_none() {
        return Some(Site::file(file));
    }
    candidates
        .iter()
        .find(|p| f.has_span(p))
        .map(|p| Site::at(file, p))
}

/// [`locate`] over sites of one file: the first that has source info.
pub fn backup(index: &Index, sites: &[Site]) -> Option<Site> {
    let file = sites.first()?.file;
    let paths: Vec<&[i32]> = sites
        .iter()
        .map(|s| s.path.as_deref().unwrap_or(&[]))
        .collect();
    locate(index, file, &paths)
}

/// The location of an element that always has a place in its file.
pub fn element(index: &Index, site: &Site) -> Option<Site> {
    match &site.path {
        Some(p) => locate(index, site.file, &[p]),
        None => Some(site.clone()),
    }
}

/// Joins names as `"a", "b"` the way buf quotes lists.
pub fn quoted_list(names: &[&str]) -> String {
    names.iter().map(|n| q(n)).collect::<Vec<_>>().join(", ")
}

/// buf's description of a field: `Field "1" with name "foo" on message "Bar"`, or for an
/// extension `Extension "100" with name "pkg.ext" on message ".pkg.Extendee"`.
pub fn field_description(f: &Field) -> String {
    let name = if f.is_extension() {
        &f.full_name
    } else {
        &f.name
    };
    field_description_with_name(f, name)
}

pub fn field_description_with_name(f: &Field, name: &str) -> String {
    let name = if name.is_empty() {
        String::new()
    } else {
        format!(" with name {name}", name = q(name))
    };
    if f.is_extension() {
        format!(
            "Extension \"{}\"{} on message {}",
            f.number,
            name,
            q(f.extendee.trim_start_matches('.'))
        )
    } else {
        format!(
            "Field \"{}\"{} on message {}",
            f.number,
            name,
            q(&f.parent_name)
        )
    }
}
