//! Editions features, resolved the way protoc resolves them.
//!
//! proto2 and proto3 files behave as if they were editions files with fixed feature values
//! (`EDITION_PROTO2`, `EDITION_PROTO3`), so rules read one resolved [`Features`] value per
//! element whatever the file's syntax. Only editions files can override features, per element,
//! inheriting from the enclosing scope (file → message → field/oneof, enum → value).

use crate::descriptor::FeatureSet;

pub const PRESENCE_EXPLICIT: i32 = 1;
pub const PRESENCE_IMPLICIT: i32 = 2;
pub const PRESENCE_LEGACY_REQUIRED: i32 = 3;
pub const ENUM_OPEN: i32 = 1;
pub const ENUM_CLOSED: i32 = 2;
pub const REPEATED_PACKED: i32 = 1;
pub const REPEATED_EXPANDED: i32 = 2;
pub const UTF8_VERIFY: i32 = 2;
pub const UTF8_NONE: i32 = 3;
pub const MESSAGE_LENGTH_PREFIXED: i32 = 1;
pub const MESSAGE_DELIMITED: i32 = 2;
pub const JSON_ALLOW: i32 = 1;
pub const JSON_LEGACY_BEST_EFFORT: i32 = 2;
pub const CPP_STRING_VIEW: i32 = 1;
pub const CPP_STRING_CORD: i32 = 2;
pub const CPP_STRING_STRING: i32 = 3;
pub const JAVA_UTF8_DEFAULT: i32 = 1;
pub const JAVA_UTF8_VERIFY: i32 = 2;

/// `google.protobuf.Edition` numbers.
pub const EDITION_PROTO2: i32 = 998;
pub const EDITION_PROTO3: i32 = 999;
pub const EDITION_2023: i32 = 1000;
pub const EDITION_2024: i32 = 1001;

/// The `google.protobuf.Edition` number of an `edition = "..."` statement's value.
pub fn edition_number(edition: &str) -> Option<i32> {
    match edition {
        "2023" => Some(EDITION_2023),
        "2024" => Some(EDITION_2024),
        _ => None,
    }
}

/// The resolved value of every feature a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features {
    pub field_presence: i32,
    pub enum_type: i32,
    pub repeated_field_encoding: i32,
    pub utf8_validation: i32,
    pub message_encoding: i32,
    pub json_format: i32,
    pub cpp_string_type: i32,
    pub java_utf8_validation: i32,
}

impl Features {
    /// The defaults of an edition (`EDITION_PROTO2`, `EDITION_PROTO3`, 2023, 2024...).
    pub fn defaults(edition: i32) -> Features {
        match edition {
            e if e <= EDITION_PROTO2 => Features {
                field_presence: PRESENCE_EXPLICIT,
                enum_type: ENUM_CLOSED,
                repeated_field_encoding: REPEATED_EXPANDED,
                utf8_validation: UTF8_NONE,
                message_encoding: MESSAGE_LENGTH_PREFIXED,
                json_format: JSON_LEGACY_BEST_EFFORT,
                cpp_string_type: CPP_STRING_STRING,
                java_utf8_validation: JAVA_UTF8_DEFAULT,
            },
            EDITION_PROTO3 => Features {
                field_presence: PRESENCE_IMPLICIT,
                enum_type: ENUM_OPEN,
                repeated_field_encoding: REPEATED_PACKED,
                utf8_validation: UTF8_VERIFY,
                message_encoding: MESSAGE_LENGTH_PREFIXED,
                json_format: JSON_ALLOW,
                cpp_string_type: CPP_STRING_STRING,
                java_utf8_validation: JAVA_UTF8_DEFAULT,
            },
            e => Features {
                field_presence: PRESENCE_EXPLICIT,
                enum_type: ENUM_OPEN,
                repeated_field_encoding: REPEATED_PACKED,
                utf8_validation: UTF8_VERIFY,
                message_encoding: MESSAGE_LENGTH_PREFIXED,
                json_format: JSON_ALLOW,
                cpp_string_type: if e >= EDITION_2024 {
                    CPP_STRING_VIEW
                } else {
                    CPP_STRING_STRING
                },
                java_utf8_validation: JAVA_UTF8_DEFAULT,
            },
        }
    }

    /// These features with the values explicitly set in `set` applied on top.
    pub fn merge(self, set: Option<&FeatureSet>) -> Features {
        let Some(set) = set else { return self };
        let pick = |v: Option<i32>, d: i32| v.filter(|v| *v != 0).unwrap_or(d);
        Features {
            field_presence: pick(set.field_presence, self.field_presence),
            enum_type: pick(set.enum_type, self.enum_type),
            repeated_field_encoding: pick(
                set.repeated_field_encoding,
                self.repeated_field_encoding,
            ),
            utf8_validation: pick(set.utf8_validation, self.utf8_validation),
            message_encoding: pick(set.message_encoding, self.message_encoding),
            json_format: pick(set.json_format, self.json_format),
            cpp_string_type: pick(
                set.cpp.as_ref().and_then(|c| c.string_type),
                self.cpp_string_type,
            ),
            java_utf8_validation: pick(
                set.java.as_ref().and_then(|j| j.utf8_validation),
                self.java_utf8_validation,
            ),
        }
    }
}

pub fn utf8_validation_name(v: i32) -> &'static str {
    match v {
        UTF8_VERIFY => "VERIFY",
        UTF8_NONE => "NONE",
        _ => "UTF8_VALIDATION_UNKNOWN",
    }
}

pub fn json_format_name(v: i32) -> &'static str {
    match v {
        JSON_ALLOW => "ALLOW",
        JSON_LEGACY_BEST_EFFORT => "LEGACY_BEST_EFFORT",
        _ => "JSON_FORMAT_UNKNOWN",
    }
}

pub fn cpp_string_type_name(v: i32) -> &'static str {
    match v {
        CPP_STRING_VIEW => "VIEW",
        CPP_STRING_CORD => "CORD",
        CPP_STRING_STRING => "STRING",
        _ => "STRING_TYPE_UNKNOWN",
    }
}
