//! The google.api annotations of one side, read from the custom options the index keeps
//! encoded (see [`crate::extensions`]).
//!
//! An option is found by the extension's full name in that side's schema, never by its
//! number alone: `google.api.field_behavior` is whatever number the compiled
//! `google/api/field_behavior.proto` gives it (1052 in googleapis), and it only counts when
//! it extends the right options message with the right type. A schema whose own `acme.tag`
//! extension happens to use number 1052 has no field_behavior, and a schema that does not
//! import the google/api protos has no annotation at all.
//!
//! The numbers, for reference (googleapis `google/api/*.proto`, `google/longrunning/
//! operations.proto`): FieldOptions `field_behavior` 1052 (repeated enum), `resource_reference`
//! 1055; MessageOptions `resource` 1053; FileOptions `resource_definition` 1053 (repeated);
//! MethodOptions `http` 72295728, `method_signature` 1051 (repeated string),
//! `google.longrunning.operation_info` 1049; ServiceOptions `default_host` 1049,
//! `oauth_scopes` 1050.

use prost::Message;

use crate::extensions::{values_of, RawValue};
use crate::index::Index;

/// The google.api messages the annotations hold: only the fields the rules read, at their
/// real numbers (`google/api/resource.proto`, `http.proto`, `google/longrunning/operations.proto`).
#[derive(Clone, PartialEq, Message)]
pub struct ResourceDescriptor {
    #[prost(string, tag = "1")]
    pub r#type: String,
    #[prost(string, repeated, tag = "2")]
    pub pattern: Vec<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ResourceReference {
    #[prost(string, tag = "1")]
    pub r#type: String,
    #[prost(string, tag = "2")]
    pub child_type: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct HttpRule {
    #[prost(string, optional, tag = "2")]
    pub get: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub put: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub post: Option<String>,
    #[prost(string, optional, tag = "5")]
    pub delete: Option<String>,
    #[prost(string, optional, tag = "6")]
    pub patch: Option<String>,
    #[prost(message, optional, tag = "8")]
    pub custom: Option<CustomHttpPattern>,
    #[prost(string, tag = "7")]
    pub body: String,
    #[prost(string, tag = "12")]
    pub response_body: String,
    #[prost(message, repeated, tag = "11")]
    pub additional_bindings: Vec<HttpRule>,
}

#[derive(Clone, PartialEq, Message)]
pub struct CustomHttpPattern {
    #[prost(string, tag = "1")]
    pub kind: String,
    #[prost(string, tag = "2")]
    pub path: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct OperationInfo {
    #[prost(string, tag = "1")]
    pub response_type: String,
    #[prost(string, tag = "2")]
    pub metadata_type: String,
}

impl HttpRule {
    /// The verb and path template (`GET`, `/v1/{name=books/*}`); a custom verb by its kind.
    /// The last set member of the `pattern` oneof wins, as when decoding.
    pub fn pattern(&self) -> (String, String) {
        let custom = self
            .custom
            .as_ref()
            .map(|c| (c.kind.clone(), c.path.clone()));
        [
            ("GET", &self.get),
            ("PUT", &self.put),
            ("POST", &self.post),
            ("DELETE", &self.delete),
            ("PATCH", &self.patch),
        ]
        .into_iter()
        .find_map(|(verb, path)| path.as_ref().map(|p| (verb.to_string(), p.clone())))
        .or(custom)
        .unwrap_or_default()
    }

    /// `GET /v1/{name=books/*}`, for messages.
    pub fn describe(&self) -> String {
        let (verb, path) = self.pattern();
        format!("{verb} {path}")
    }
}

/// `google.api.FieldBehavior` values the rules name.
pub const REQUIRED: i32 = 2;
pub const OUTPUT_ONLY: i32 = 3;
pub const IMMUTABLE: i32 = 5;

/// The name of a `google.api.FieldBehavior` value (its number when unknown).
pub fn behavior_name(value: i32) -> String {
    match value {
        0 => "FIELD_BEHAVIOR_UNSPECIFIED".into(),
        1 => "OPTIONAL".into(),
        2 => "REQUIRED".into(),
        3 => "OUTPUT_ONLY".into(),
        4 => "INPUT_ONLY".into(),
        5 => "IMMUTABLE".into(),
        6 => "UNORDERED_LIST".into(),
        7 => "NON_EMPTY_DEFAULT".into(),
        8 => "IDENTIFIER".into(),
        n => n.to_string(),
    }
}

/// One annotation: the extension's full name, the options message it extends, and the
/// declared type it must have (`None` for a scalar).
struct Known {
    full_name: &'static str,
    extendee: &'static str,
    type_name: Option<&'static str>,
}

const FIELD_BEHAVIOR: Known = Known {
    full_name: "google.api.field_behavior",
    extendee: ".google.protobuf.FieldOptions",
    type_name: Some(".google.api.FieldBehavior"),
};
const RESOURCE_REFERENCE: Known = Known {
    full_name: "google.api.resource_reference",
    extendee: ".google.protobuf.FieldOptions",
    type_name: Some(".google.api.ResourceReference"),
};
const RESOURCE: Known = Known {
    full_name: "google.api.resource",
    extendee: ".google.protobuf.MessageOptions",
    type_name: Some(".google.api.ResourceDescriptor"),
};
const RESOURCE_DEFINITION: Known = Known {
    full_name: "google.api.resource_definition",
    extendee: ".google.protobuf.FileOptions",
    type_name: Some(".google.api.ResourceDescriptor"),
};
const HTTP: Known = Known {
    full_name: "google.api.http",
    extendee: ".google.protobuf.MethodOptions",
    type_name: Some(".google.api.HttpRule"),
};
const METHOD_SIGNATURE: Known = Known {
    full_name: "google.api.method_signature",
    extendee: ".google.protobuf.MethodOptions",
    type_name: None,
};
const OPERATION_INFO: Known = Known {
    full_name: "google.longrunning.operation_info",
    extendee: ".google.protobuf.MethodOptions",
    type_name: Some(".google.longrunning.OperationInfo"),
};
const DEFAULT_HOST: Known = Known {
    full_name: "google.api.default_host",
    extendee: ".google.protobuf.ServiceOptions",
    type_name: None,
};
const OAUTH_SCOPES: Known = Known {
    full_name: "google.api.oauth_scopes",
    extendee: ".google.protobuf.ServiceOptions",
    type_name: None,
};

/// Where each annotation lives in one side's schema: its field number in the options
/// message, when the schema declares it (as the google/api protos do).
#[derive(Clone, Copy, Debug, Default)]
pub struct Annotations {
    pub field_behavior: Option<u32>,
    pub resource_reference: Option<u32>,
    pub resource: Option<u32>,
    pub resource_definition: Option<u32>,
    pub http: Option<u32>,
    pub method_signature: Option<u32>,
    pub operation_info: Option<u32>,
    pub default_host: Option<u32>,
    pub oauth_scopes: Option<u32>,
}

impl Annotations {
    /// Resolves every annotation by name among the extensions `index` declares.
    pub fn of(index: &Index) -> Annotations {
        let number = |known: &Known| {
            index
                .extensions
                .iter()
                .find(|e| {
                    e.full_name == known.full_name
                        && e.extendee == known.extendee
                        && known.type_name.is_none_or(|t| e.type_name == t)
                })
                .and_then(|e| u32::try_from(e.number).ok())
        };
        Annotations {
            field_behavior: number(&FIELD_BEHAVIOR),
            resource_reference: number(&RESOURCE_REFERENCE),
            resource: number(&RESOURCE),
            resource_definition: number(&RESOURCE_DEFINITION),
            http: number(&HTTP),
            method_signature: number(&METHOD_SIGNATURE),
            operation_info: number(&OPERATION_INFO),
            default_host: number(&DEFAULT_HOST),
            oauth_scopes: number(&OAUTH_SCOPES),
        }
    }

    /// `(google.api.field_behavior)` of a field's options, in order (packed or not).
    pub fn field_behavior(&self, options: &[u8]) -> Vec<i32> {
        let Some(n) = self.field_behavior else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for value in values_of(options, n) {
            match value {
                RawValue::Varint(v) => out.push(v as i32),
                RawValue::Bytes(mut packed) => {
                    while let Ok(v) = prost::encoding::decode_varint(&mut packed) {
                        out.push(v as i32);
                    }
                }
                _ => {}
            }
        }
        out
    }

    pub fn resource_reference(&self, options: &[u8]) -> Option<ResourceReference> {
        message(options, self.resource_reference?)
    }

    pub fn resource(&self, options: &[u8]) -> Option<ResourceDescriptor> {
        message(options, self.resource?)
    }

    pub fn resource_definitions(&self, options: &[u8]) -> Vec<ResourceDescriptor> {
        self.resource_definition
            .map(|n| messages(options, n))
            .unwrap_or_default()
    }

    pub fn http(&self, options: &[u8]) -> Option<HttpRule> {
        message(options, self.http?)
    }

    pub fn method_signatures(&self, options: &[u8]) -> Vec<String> {
        self.method_signature
            .map(|n| strings(options, n))
            .unwrap_or_default()
    }

    pub fn operation_info(&self, options: &[u8]) -> Option<OperationInfo> {
        message(options, self.operation_info?)
    }

    pub fn default_host(&self, options: &[u8]) -> Option<String> {
        strings(options, self.default_host?).pop()
    }

    pub fn oauth_scopes(&self, options: &[u8]) -> Option<String> {
        strings(options, self.oauth_scopes?).pop()
    }
}

/// A singular message option: its occurrences merged, as protobuf merges them.
fn message<M: Message + Default>(options: &[u8], number: u32) -> Option<M> {
    let parts = values_of(options, number);
    if parts.is_empty() {
        return None;
    }
    let mut out = M::default();
    for part in parts {
        if let RawValue::Bytes(b) = part {
            out.merge(b).ok()?;
        }
    }
    Some(out)
}

/// A repeated message option, one element per occurrence.
fn messages<M: Message + Default>(options: &[u8], number: u32) -> Vec<M> {
    values_of(options, number)
        .into_iter()
        .filter_map(|v| match v {
            RawValue::Bytes(b) => M::decode(b).ok(),
            _ => None,
        })
        .collect()
}

/// A string option's occurrences (the last one is a singular option's value).
fn strings(options: &[u8], number: u32) -> Vec<String> {
    values_of(options, number)
        .into_iter()
        .filter_map(|v| match v {
            RawValue::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        })
        .collect()
}
