//! The protobuf descriptor model, as prost messages of our own.
//!
//! prost-types 0.14 has no editions fields (`edition`, `features`), and decoding a whole
//! googleapis image through `DynamicMessage` is slow, so we mirror the parts of
//! `google/protobuf/descriptor.proto` that the index reads, with their real field numbers.
//! Anything not declared here (detached comments...) is skipped by prost while decoding, except
//! the extension fields (custom options) of the options messages that rules may read: those
//! are kept encoded (see [`crate::extensions`]).

use prost::Message;

pub use crate::extensions::WithExtensions;

#[derive(Clone, PartialEq, Message)]
pub struct FileDescriptorSet {
    #[prost(message, repeated, tag = "1")]
    pub file: Vec<FileDescriptorProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct FileDescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub package: Option<String>,
    #[prost(string, repeated, tag = "3")]
    pub dependency: Vec<String>,
    #[prost(message, repeated, tag = "4")]
    pub message_type: Vec<DescriptorProto>,
    #[prost(message, repeated, tag = "5")]
    pub enum_type: Vec<EnumDescriptorProto>,
    #[prost(message, repeated, tag = "6")]
    pub service: Vec<ServiceDescriptorProto>,
    #[prost(message, repeated, tag = "7")]
    pub extension: Vec<FieldDescriptorProto>,
    #[prost(message, optional, tag = "8")]
    pub options: Option<WithExtensions<FileOptions>>,
    #[prost(message, optional, tag = "9")]
    pub source_code_info: Option<SourceCodeInfo>,
    #[prost(string, optional, tag = "12")]
    pub syntax: Option<String>,
    #[prost(int32, optional, tag = "14")]
    pub edition: Option<i32>,
    /// buf's image extension (`buf.alpha.image.v1.ImageFileExtension`), present in images
    /// written by `buf build`: says whether the file is an import.
    #[prost(message, optional, tag = "8042")]
    pub buf_extension: Option<BufImageFileExtension>,
}

#[derive(Clone, PartialEq, Message)]
pub struct BufImageFileExtension {
    #[prost(bool, optional, tag = "1")]
    pub is_import: Option<bool>,
}

#[derive(Clone, PartialEq, Message)]
pub struct DescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(message, repeated, tag = "2")]
    pub field: Vec<FieldDescriptorProto>,
    #[prost(message, repeated, tag = "6")]
    pub extension: Vec<FieldDescriptorProto>,
    #[prost(message, repeated, tag = "3")]
    pub nested_type: Vec<DescriptorProto>,
    #[prost(message, repeated, tag = "4")]
    pub enum_type: Vec<EnumDescriptorProto>,
    #[prost(message, repeated, tag = "5")]
    pub extension_range: Vec<ExtensionRange>,
    #[prost(message, repeated, tag = "8")]
    pub oneof_decl: Vec<OneofDescriptorProto>,
    #[prost(message, optional, tag = "7")]
    pub options: Option<WithExtensions<MessageOptions>>,
    #[prost(message, repeated, tag = "9")]
    pub reserved_range: Vec<ReservedRange>,
    #[prost(string, repeated, tag = "10")]
    pub reserved_name: Vec<String>,
}

/// `DescriptorProto.ExtensionRange` and `DescriptorProto.ReservedRange`: `end` is exclusive.
#[derive(Clone, PartialEq, Message)]
pub struct ExtensionRange {
    #[prost(int32, optional, tag = "1")]
    pub start: Option<i32>,
    #[prost(int32, optional, tag = "2")]
    pub end: Option<i32>,
}

pub type ReservedRange = ExtensionRange;

/// `EnumDescriptorProto.EnumReservedRange`: `end` is inclusive.
pub type EnumReservedRange = ExtensionRange;

#[derive(Clone, PartialEq, Message)]
pub struct FieldDescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(int32, optional, tag = "3")]
    pub number: Option<i32>,
    #[prost(int32, optional, tag = "4")]
    pub label: Option<i32>,
    #[prost(int32, optional, tag = "5")]
    pub r#type: Option<i32>,
    #[prost(string, optional, tag = "6")]
    pub type_name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub extendee: Option<String>,
    #[prost(string, optional, tag = "7")]
    pub default_value: Option<String>,
    #[prost(int32, optional, tag = "9")]
    pub oneof_index: Option<i32>,
    #[prost(string, optional, tag = "10")]
    pub json_name: Option<String>,
    #[prost(message, optional, tag = "8")]
    pub options: Option<WithExtensions<FieldOptions>>,
    #[prost(bool, optional, tag = "17")]
    pub proto3_optional: Option<bool>,
}

#[derive(Clone, PartialEq, Message)]
pub struct OneofDescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(message, optional, tag = "2")]
    pub options: Option<OneofOptions>,
}

#[derive(Clone, PartialEq, Message)]
pub struct EnumDescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(message, repeated, tag = "2")]
    pub value: Vec<EnumValueDescriptorProto>,
    #[prost(message, optional, tag = "3")]
    pub options: Option<EnumOptions>,
    #[prost(message, repeated, tag = "4")]
    pub reserved_range: Vec<EnumReservedRange>,
    #[prost(string, repeated, tag = "5")]
    pub reserved_name: Vec<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct EnumValueDescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(int32, optional, tag = "2")]
    pub number: Option<i32>,
    #[prost(message, optional, tag = "3")]
    pub options: Option<EnumValueOptions>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ServiceDescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(message, repeated, tag = "2")]
    pub method: Vec<MethodDescriptorProto>,
    #[prost(message, optional, tag = "3")]
    pub options: Option<WithExtensions<ServiceOptions>>,
}

#[derive(Clone, PartialEq, Message)]
pub struct MethodDescriptorProto {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub input_type: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub output_type: Option<String>,
    #[prost(message, optional, tag = "4")]
    pub options: Option<WithExtensions<MethodOptions>>,
    #[prost(bool, optional, tag = "5")]
    pub client_streaming: Option<bool>,
    #[prost(bool, optional, tag = "6")]
    pub server_streaming: Option<bool>,
}

#[derive(Clone, PartialEq, Message)]
pub struct FileOptions {
    #[prost(string, optional, tag = "1")]
    pub java_package: Option<String>,
    #[prost(string, optional, tag = "8")]
    pub java_outer_classname: Option<String>,
    #[prost(bool, optional, tag = "10")]
    pub java_multiple_files: Option<bool>,
    #[prost(bool, optional, tag = "27")]
    pub java_string_check_utf8: Option<bool>,
    #[prost(int32, optional, tag = "9")]
    pub optimize_for: Option<i32>,
    #[prost(string, optional, tag = "11")]
    pub go_package: Option<String>,
    #[prost(bool, optional, tag = "16")]
    pub cc_generic_services: Option<bool>,
    #[prost(bool, optional, tag = "17")]
    pub java_generic_services: Option<bool>,
    #[prost(bool, optional, tag = "18")]
    pub py_generic_services: Option<bool>,
    #[prost(bool, optional, tag = "23")]
    pub deprecated: Option<bool>,
    #[prost(bool, optional, tag = "31")]
    pub cc_enable_arenas: Option<bool>,
    #[prost(string, optional, tag = "36")]
    pub objc_class_prefix: Option<String>,
    #[prost(string, optional, tag = "37")]
    pub csharp_namespace: Option<String>,
    #[prost(string, optional, tag = "39")]
    pub swift_prefix: Option<String>,
    #[prost(string, optional, tag = "40")]
    pub php_class_prefix: Option<String>,
    #[prost(string, optional, tag = "41")]
    pub php_namespace: Option<String>,
    #[prost(string, optional, tag = "44")]
    pub php_metadata_namespace: Option<String>,
    #[prost(string, optional, tag = "45")]
    pub ruby_package: Option<String>,
    #[prost(message, optional, tag = "50")]
    pub features: Option<FeatureSet>,
}

#[derive(Clone, PartialEq, Message)]
pub struct MessageOptions {
    #[prost(bool, optional, tag = "1")]
    pub message_set_wire_format: Option<bool>,
    #[prost(bool, optional, tag = "2")]
    pub no_standard_descriptor_accessor: Option<bool>,
    #[prost(bool, optional, tag = "3")]
    pub deprecated: Option<bool>,
    #[prost(bool, optional, tag = "7")]
    pub map_entry: Option<bool>,
    #[prost(bool, optional, tag = "11")]
    pub deprecated_legacy_json_field_conflicts: Option<bool>,
    #[prost(message, optional, tag = "12")]
    pub features: Option<FeatureSet>,
}

#[derive(Clone, PartialEq, Message)]
pub struct FieldOptions {
    #[prost(int32, optional, tag = "1")]
    pub ctype: Option<i32>,
    #[prost(bool, optional, tag = "2")]
    pub packed: Option<bool>,
    #[prost(int32, optional, tag = "6")]
    pub jstype: Option<i32>,
    #[prost(bool, optional, tag = "3")]
    pub deprecated: Option<bool>,
    #[prost(message, optional, tag = "21")]
    pub features: Option<FeatureSet>,
}

#[derive(Clone, PartialEq, Message)]
pub struct OneofOptions {
    #[prost(message, optional, tag = "1")]
    pub features: Option<FeatureSet>,
}

#[derive(Clone, PartialEq, Message)]
pub struct EnumOptions {
    #[prost(bool, optional, tag = "2")]
    pub allow_alias: Option<bool>,
    #[prost(bool, optional, tag = "3")]
    pub deprecated: Option<bool>,
    #[prost(bool, optional, tag = "6")]
    pub deprecated_legacy_json_field_conflicts: Option<bool>,
    #[prost(message, optional, tag = "7")]
    pub features: Option<FeatureSet>,
}

#[derive(Clone, PartialEq, Message)]
pub struct EnumValueOptions {
    #[prost(bool, optional, tag = "1")]
    pub deprecated: Option<bool>,
    #[prost(message, optional, tag = "2")]
    pub features: Option<FeatureSet>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ServiceOptions {
    #[prost(bool, optional, tag = "33")]
    pub deprecated: Option<bool>,
    #[prost(message, optional, tag = "34")]
    pub features: Option<FeatureSet>,
}

#[derive(Clone, PartialEq, Message)]
pub struct MethodOptions {
    #[prost(bool, optional, tag = "33")]
    pub deprecated: Option<bool>,
    #[prost(int32, optional, tag = "34")]
    pub idempotency_level: Option<i32>,
    #[prost(message, optional, tag = "35")]
    pub features: Option<FeatureSet>,
}

/// `google.protobuf.FeatureSet` with the two language extensions buf's rules read
/// (`pb.cpp` = 1000, `pb.java` = 1001), declared as plain fields at their extension numbers.
#[derive(Clone, PartialEq, Message)]
pub struct FeatureSet {
    #[prost(int32, optional, tag = "1")]
    pub field_presence: Option<i32>,
    #[prost(int32, optional, tag = "2")]
    pub enum_type: Option<i32>,
    #[prost(int32, optional, tag = "3")]
    pub repeated_field_encoding: Option<i32>,
    #[prost(int32, optional, tag = "4")]
    pub utf8_validation: Option<i32>,
    #[prost(int32, optional, tag = "5")]
    pub message_encoding: Option<i32>,
    #[prost(int32, optional, tag = "6")]
    pub json_format: Option<i32>,
    #[prost(message, optional, tag = "1000")]
    pub cpp: Option<CppFeatures>,
    #[prost(message, optional, tag = "1001")]
    pub java: Option<JavaFeatures>,
}

#[derive(Clone, PartialEq, Message)]
pub struct CppFeatures {
    #[prost(bool, optional, tag = "1")]
    pub legacy_closed_enum: Option<bool>,
    #[prost(int32, optional, tag = "2")]
    pub string_type: Option<i32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct JavaFeatures {
    #[prost(bool, optional, tag = "1")]
    pub legacy_closed_enum: Option<bool>,
    #[prost(int32, optional, tag = "2")]
    pub utf8_validation: Option<i32>,
}

#[derive(Clone, PartialEq, Message)]
pub struct SourceCodeInfo {
    #[prost(message, repeated, tag = "1")]
    pub location: Vec<Location>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Location {
    #[prost(int32, repeated, tag = "1")]
    pub path: Vec<i32>,
    #[prost(int32, repeated, tag = "2")]
    pub span: Vec<i32>,
    /// The comment attached before the element (doc comment), as the compiler recorded it.
    #[prost(string, optional, tag = "3")]
    pub leading_comments: Option<String>,
    /// The comment on the element's line or the line after it.
    #[prost(string, optional, tag = "4")]
    pub trailing_comments: Option<String>,
}

/// Decodes an encoded `FileDescriptorSet`.
pub fn decode_set(bytes: &[u8]) -> Result<FileDescriptorSet, prost::DecodeError> {
    FileDescriptorSet::decode(bytes)
}
