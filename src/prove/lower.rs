//! Editions files lowered to a form prost-reflect loads.
//!
//! prost-reflect 0.16 reads proto2 and proto3 descriptors only (and prost-types 0.14 drops the
//! `edition` and `features` fields when decoding). The prover still uses prost-reflect for
//! what it is good at — resolving names, walking fields, the proto3 JSON mapping — so an
//! editions file is rewritten as a proto2 file whose *descriptors* carry every resolved
//! feature proto2 can express:
//!
//! - `field_presence = LEGACY_REQUIRED` becomes `LABEL_REQUIRED`;
//! - `message_encoding = DELIMITED` becomes `TYPE_GROUP` (map fields stay length-prefixed);
//! - `repeated_field_encoding` becomes an explicit `[packed = true|false]`.
//!
//! What proto2 cannot say is not taken from prost-reflect at all: implicit presence (every
//! proto2 singular field has presence) is returned here as a set of fields, which the
//! [`Side`](super::Side) consults; closed enums and UTF-8 validation are always read from our
//! own descriptor model's resolved features ([`crate::index`]). The features come from
//! [`crate::features`], resolved the way protoc resolves them, so the reader model follows
//! the edition, the file, the message, the oneof and the field in that order.

use std::collections::{HashMap, HashSet};

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorProto};

use crate::features;
use crate::index::{Cardinality, Index, WireKind};

/// Fields with implicit presence in lowered editions files: message full name → numbers.
pub type ImplicitFields = HashMap<String, HashSet<u32>>;

/// Rewrites an editions file as proto2 with the same wire behaviour, recording its
/// implicit-presence fields in `implicit`. `Err` names the first message our index does
/// not know (the file cannot be lowered faithfully then).
pub fn lower_editions(
    file: &mut FileDescriptorProto,
    index: &Index,
    implicit: &mut ImplicitFields,
) -> Result<(), String> {
    file.syntax = Some("proto2".into());
    let package = file.package().to_string();
    for m in &mut file.message_type {
        lower_message(m, &package, index, implicit)?;
    }
    Ok(())
}

fn lower_message(
    m: &mut DescriptorProto,
    scope: &str,
    index: &Index,
    implicit: &mut ImplicitFields,
) -> Result<(), String> {
    let full_name = if scope.is_empty() {
        m.name().to_string()
    } else {
        format!("{scope}.{}", m.name())
    };
    let Some(im) = index.message(&full_name) else {
        return Err(format!("{full_name} is not in the schema index"));
    };
    for f in &mut m.field {
        let Some(field) = im.field_by_number(f.number()) else {
            return Err(format!(
                "{full_name} field {} is not in the index",
                f.number()
            ));
        };
        lower_field(f, field);
        if field.cardinality == Cardinality::OptionalImplicit {
            implicit
                .entry(full_name.clone())
                .or_default()
                .insert(f.number() as u32);
        }
    }
    for nested in &mut m.nested_type {
        lower_message(nested, &full_name, index, implicit)?;
    }
    Ok(())
}

fn lower_field(f: &mut FieldDescriptorProto, field: &crate::index::Field) {
    if field.cardinality == Cardinality::Required && f.label() == Label::Optional {
        f.set_label(Label::Required);
    }
    // Map entries are length-prefixed whatever the features say.
    let map = field.cardinality == Cardinality::Map;
    if field.kind == WireKind::Group && f.r#type() == Type::Message && !map {
        f.set_type(Type::Group);
    }
    let packable = !matches!(
        f.r#type(),
        Type::String | Type::Bytes | Type::Message | Type::Group
    );
    if f.label() == Label::Repeated && packable {
        let packed = field.features.repeated_field_encoding == features::REPEATED_PACKED;
        f.options.get_or_insert_with(Default::default).packed = Some(packed);
    }
}
