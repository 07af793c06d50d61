//! Options messages with their extension fields kept, still encoded.
//!
//! Custom options (`(google.api.http)`, `(acme.v1.audit)`) are extensions of the `*Options`
//! messages of descriptor.proto: fields numbered 1000 and up (every options message says
//! `extensions 1000 to max`). Which extension a number stands for depends on the files a
//! schema imports, so they cannot be declared as fields of our descriptor structs: two
//! unrelated extensions may share a number (in different schemas), with different types.
//! [`WithExtensions`] keeps them as their encoded bytes, whatever their wire type, and a
//! reader decodes one only after resolving its number by the extension's full name in the
//! schema (see `rules::google_api`). Nothing is decoded for runs that do not read them.

use prost::bytes::{Buf, BufMut};
use prost::encoding::{decode_key, decode_varint, encode_key, encode_varint, DecodeContext};
use prost::encoding::{skip_field, WireType};
use prost::{DecodeError, Message};

/// The first field number of an extension range of every options message.
const FIRST_EXTENSION: u32 = 1000;

/// An options message `T` and its extension fields, encoded as they came (key and value of
/// each, in order; a group-typed extension value is not kept).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WithExtensions<T> {
    pub known: T,
    pub extensions: Vec<u8>,
}

impl<T> std::ops::Deref for WithExtensions<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.known
    }
}

impl<T> std::ops::DerefMut for WithExtensions<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.known
    }
}

impl<T: Message + Default> Message for WithExtensions<T> {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        self.known.encode_raw(buf);
        buf.put_slice(&self.extensions);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        if tag < FIRST_EXTENSION {
            return self.known.merge_field(tag, wire_type, buf, ctx);
        }
        let out = &mut self.extensions;
        match wire_type {
            WireType::Varint => {
                let value = decode_varint(buf)?;
                encode_key(tag, wire_type, out);
                encode_varint(value, out);
            }
            WireType::SixtyFourBit => {
                let mut value = 0u64;
                prost::encoding::fixed64::merge(wire_type, &mut value, buf, ctx)?;
                encode_key(tag, wire_type, out);
                out.put_u64_le(value);
            }
            WireType::ThirtyTwoBit => {
                let mut value = 0u32;
                prost::encoding::fixed32::merge(wire_type, &mut value, buf, ctx)?;
                encode_key(tag, wire_type, out);
                out.put_u32_le(value);
            }
            WireType::LengthDelimited => {
                let mut value: Vec<u8> = Vec::new();
                prost::encoding::bytes::merge(wire_type, &mut value, buf, ctx)?;
                encode_key(tag, wire_type, out);
                encode_varint(value.len() as u64, out);
                out.extend_from_slice(&value);
            }
            // No option anyone reads is a group; it is skipped whole.
            WireType::StartGroup | WireType::EndGroup => skip_field(wire_type, tag, buf, ctx)?,
        }
        Ok(())
    }

    fn encoded_len(&self) -> usize {
        self.known.encoded_len() + self.extensions.len()
    }

    fn clear(&mut self) {
        self.known.clear();
        self.extensions.clear();
    }
}

/// One encoded value of an extension field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawValue<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
}

/// The values of field `number` in `encoded` (extension fields as [`WithExtensions`] keeps
/// them), in order. Bytes that do not decode end the list (they cannot come from a compiler).
pub fn values_of(encoded: &[u8], number: u32) -> Vec<RawValue<'_>> {
    let mut out = Vec::new();
    let mut buf = encoded;
    while buf.has_remaining() {
        let Ok((tag, wire_type)) = decode_key(&mut buf) else {
            break;
        };
        let value = match wire_type {
            WireType::Varint => match decode_varint(&mut buf) {
                Ok(v) => RawValue::Varint(v),
                Err(_) => break,
            },
            WireType::SixtyFourBit if buf.remaining() >= 8 => RawValue::Fixed64(buf.get_u64_le()),
            WireType::ThirtyTwoBit if buf.remaining() >= 4 => RawValue::Fixed32(buf.get_u32_le()),
            WireType::LengthDelimited => {
                let Ok(len) = decode_varint(&mut buf) else {
                    break;
                };
                let Some(bytes) = usize::try_from(len).ok().and_then(|n| buf.get(..n)) else {
                    break;
                };
                buf = &buf[bytes.len()..];
                RawValue::Bytes(bytes)
            }
            _ => break,
        };
        if tag == number {
            out.push(value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::FieldOptions;

    #[test]
    fn extension_fields_of_every_wire_type_are_kept_and_found() {
        let mut encoded = Vec::new();
        // deprecated = true (field 3, known), then extensions 1052 (varint, twice),
        // 1055 (bytes), 50000 (fixed32) and 50001 (fixed64).
        encode_key(3, WireType::Varint, &mut encoded);
        encode_varint(1, &mut encoded);
        for v in [2u64, 5] {
            encode_key(1052, WireType::Varint, &mut encoded);
            encode_varint(v, &mut encoded);
        }
        encode_key(1055, WireType::LengthDelimited, &mut encoded);
        encode_varint(3, &mut encoded);
        encoded.extend_from_slice(b"abc");
        encode_key(50000, WireType::ThirtyTwoBit, &mut encoded);
        encoded.put_u32_le(7);
        encode_key(50001, WireType::SixtyFourBit, &mut encoded);
        encoded.put_u64_le(9);
        let decoded = WithExtensions::<FieldOptions>::decode(encoded.as_slice()).unwrap();
        assert_eq!(decoded.deprecated, Some(true));
        assert_eq!(
            values_of(&decoded.extensions, 1052),
            [RawValue::Varint(2), RawValue::Varint(5)]
        );
        assert_eq!(
            values_of(&decoded.extensions, 1055),
            [RawValue::Bytes(b"abc")]
        );
        assert_eq!(
            values_of(&decoded.extensions, 50000),
            [RawValue::Fixed32(7)]
        );
        assert_eq!(
            values_of(&decoded.extensions, 50001),
            [RawValue::Fixed64(9)]
        );
        // Encoding gives the same bytes back.
        assert_eq!(decoded.encode_to_vec(), encoded);
    }
}
