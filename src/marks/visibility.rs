//! googleapis' visibility annotations as stability marks.
//!
//! `google/api/visibility.proto` extends six options messages with a `VisibilityRule`
//! (`selector = 1`, `restriction = 2`), all under number 72295727: `api_visibility`
//! (ServiceOptions), `method_visibility`, `message_visibility`, `field_visibility`,
//! `enum_visibility`, `value_visibility`. An element whose rule has a non-empty
//! `restriction` (e.g. `"INTERNAL"`, `"PREVIEW"`) is not public: protoguard treats it as
//! internal, inherited by what it contains like every mark.
//!
//! The number is resolved by the extension's full name in the schema being read (so an
//! unrelated extension that happens to share the number is never misread), and only then is
//! the option decoded, from the element's custom options as the compiler encoded them.
//! The bytes are the element's custom options as the index keeps them (`custom_options` of
//! fields, messages, RPCs and services; enums and enum values keep none, so
//! `enum_visibility` and `value_visibility` are not read).

use crate::extensions::{values_of, RawValue};

use super::comments;
use super::Mark;
use crate::finding::{Element, ElementKind, Stability};
use crate::index::Index;

/// The extension each kind of element carries its rule in.
pub fn extension_name(kind: ElementKind) -> Option<&'static str> {
    Some(match kind {
        ElementKind::Service => "google.api.api_visibility",
        ElementKind::Rpc => "google.api.method_visibility",
        ElementKind::Message => "google.api.message_visibility",
        ElementKind::Field | ElementKind::Extension => "google.api.field_visibility",
        ElementKind::Enum => "google.api.enum_visibility",
        ElementKind::EnumValue => "google.api.value_visibility",
        _ => return None,
    })
}

/// The number of an extension declared in the schema (or its imports), by full name.
pub fn extension_number(index: &Index, full_name: &str) -> Option<u32> {
    index
        .extensions
        .iter()
        .find(|e| e.full_name == full_name)
        .and_then(|e| u32::try_from(e.number).ok())
}

/// The non-empty `restriction` of the `VisibilityRule` at field `number` of an options
/// message's encoded extension fields, if there is one (occurrences merge as protobuf merges
/// them: the last `restriction` written wins).
pub fn restriction(encoded: &[u8], number: u32) -> Option<String> {
    fn bytes(v: RawValue<'_>) -> Option<&[u8]> {
        match v {
            RawValue::Bytes(b) => Some(b),
            _ => None,
        }
    }
    let found = values_of(encoded, number)
        .into_iter()
        .filter_map(bytes)
        .flat_map(|rule| values_of(rule, 2).into_iter().filter_map(bytes))
        .last()
        .map(|r| String::from_utf8_lossy(r).into_owned());
    found.filter(|r| !r.is_empty())
}

/// An element's encoded custom options, as the index keeps them.
pub fn options_of(index: &Index, e: &Element) -> Option<Vec<u8>> {
    let options = match e.kind {
        ElementKind::Message => &index.message(&e.full_name)?.custom_options,
        ElementKind::Service => &index.service(&e.full_name)?.custom_options,
        ElementKind::Field => {
            let (parent, name) = e.full_name.rsplit_once('.')?;
            let m = index.message(parent)?;
            &m.fields.iter().find(|f| f.name == name)?.custom_options
        }
        ElementKind::Extension => {
            &index
                .extensions
                .iter()
                .find(|f| f.full_name == e.full_name)?
                .custom_options
        }
        ElementKind::Rpc => {
            let (parent, name) = e.full_name.rsplit_once('.')?;
            let s = index.service(parent)?;
            &s.methods.iter().find(|m| m.name == name)?.custom_options
        }
        _ => return None,
    };
    (!options.is_empty()).then(|| options.clone())
}

/// The visibility marks of one side: every element of a compared file whose options carry a
/// restricted `VisibilityRule`, by full name, located at the element. `options_of` gives an
/// element's encoded custom options (extension fields of its options message).
pub fn read(
    index: &Index,
    options_of: &dyn Fn(&Element) -> Option<Vec<u8>>,
) -> Vec<(String, Mark)> {
    let mut numbers: Vec<(ElementKind, u32)> = Vec::new();
    for kind in [
        ElementKind::Service,
        ElementKind::Rpc,
        ElementKind::Message,
        ElementKind::Field,
        ElementKind::Extension,
        ElementKind::Enum,
        ElementKind::EnumValue,
    ] {
        if let Some(n) = extension_name(kind).and_then(|name| extension_number(index, name)) {
            numbers.push((kind, n));
        }
    }
    if numbers.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (id, file) in index.files.iter().enumerate() {
        if !index.is_checked(id) {
            continue;
        }
        let mut elements: Vec<_> = comments::elements_by_path(index, id).into_iter().collect();
        elements.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, element) in elements {
            let Some(&(_, number)) = numbers.iter().find(|(k, _)| *k == element.kind) else {
                continue;
            };
            let Some(encoded) = options_of(&element) else {
                continue;
            };
            let Some(restricted) = restriction(&encoded, number) else {
                continue;
            };
            let line = file.span(&path).map_or(1, |s| s.start_line);
            out.push((
                element.full_name.clone(),
                Mark {
                    stability: Stability::Internal,
                    since: None,
                    reason: Some(format!(
                        "{} restriction {restricted:?}",
                        extension_name(element.kind).unwrap_or("google.api visibility")
                    )),
                    origin: format!("{}:{line}", file.display),
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::encoding::WireType;

    /// `VisibilityRule { selector, restriction }` as an extension field `number`.
    fn rule(number: u32, selector: &str, restriction: &str) -> Vec<u8> {
        let mut inner = Vec::new();
        for (field, text) in [(1u32, selector), (2, restriction)] {
            if !text.is_empty() {
                prost::encoding::encode_key(field, WireType::LengthDelimited, &mut inner);
                prost::encoding::encode_varint(text.len() as u64, &mut inner);
                inner.extend_from_slice(text.as_bytes());
            }
        }
        let mut out = Vec::new();
        prost::encoding::encode_key(number, WireType::LengthDelimited, &mut out);
        prost::encoding::encode_varint(inner.len() as u64, &mut out);
        out.extend_from_slice(&inner);
        out
    }

    #[test]
    fn a_non_empty_restriction_is_found_under_its_number_only() {
        const N: u32 = 72_295_727;
        assert_eq!(
            restriction(&rule(N, "", "INTERNAL"), N),
            Some("INTERNAL".into())
        );
        assert_eq!(restriction(&rule(N, "a.b", ""), N), None);
        assert_eq!(restriction(&rule(N + 1, "", "INTERNAL"), N), None);
        // Other options before it (a varint, a fixed32) are skipped; the last rule wins.
        let mut bytes = Vec::new();
        prost::encoding::encode_key(50_000, WireType::Varint, &mut bytes);
        prost::encoding::encode_varint(300, &mut bytes);
        prost::encoding::encode_key(50_001, WireType::ThirtyTwoBit, &mut bytes);
        bytes.extend_from_slice(&[1, 2, 3, 4]);
        bytes.extend(rule(N, "", "PREVIEW"));
        bytes.extend(rule(N, "", "INTERNAL"));
        assert_eq!(restriction(&bytes, N), Some("INTERNAL".into()));
        // Truncated bytes end the walk without a panic.
        assert_eq!(
            restriction(&bytes[..bytes.len() - 3], N),
            Some("PREVIEW".into())
        );
    }
}
