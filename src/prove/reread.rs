//! Stored bytes read again: a golden payload (binary, or proto3 JSON) read with the schema
//! of the release that wrote it and with another one, compared by meaning exactly as the
//! prover compares its random messages ([`super::compare`]), with the same readers
//! ([`super::wire`]: closed enums, UTF-8 validation, required fields, implicit presence).
//! Used by the golden payloads of the compatibility contract ([`crate::policy::payloads`]).

use prost::Message as _;
use prost_reflect::{DeserializeOptions, DynamicMessage, MessageDescriptor};

use super::compare::{Cmp, Diff};
use super::run::{closed_enum_violation, enum_numbers_as_numbers};
use super::wire::Reader;
use super::{ProveError, Side};
use crate::index::Index;

/// How a payload is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// The binary wire format.
    Binary,
    /// The proto3 JSON mapping.
    Json,
}

/// One way the reader's view of a payload differs from what its writer meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    /// Where and how (`amount: 1 (int64) read as "\x01" (string)`).
    pub text: String,
    /// The writer's field where it shows: (message full name, number).
    pub writer_field: Option<(String, u32)>,
    /// The reader's field where it shows.
    pub reader_field: Option<(String, u32)>,
}

/// Why a payload could not be judged at all (a user mistake, not a change of meaning).
#[derive(Debug, thiserror::Error)]
pub enum RereadError {
    #[error(transparent)]
    Descriptors(#[from] ProveError),
    #[error("message type `{name}` is not declared by the {side} schema")]
    UnknownType { name: String, side: &'static str },
    #[error("message type `{name}` of the {side} schema cannot be loaded: {why}")]
    Unavailable {
        name: String,
        side: &'static str,
        why: String,
    },
    #[error("it does not decode as `{name}` under the schema that wrote it: {why}")]
    NotWrittenBy { name: String, why: String },
}

/// Reads `payload`, a `type_name` written with `writer`'s schema, with `reader`'s, and
/// returns every difference of meaning (none: the reader sees what the writer meant).
/// A reader that cannot parse it at all, or that has no such type, is a difference too.
pub fn reread(
    writer: (&[u8], &Index),
    reader: (&[u8], &Index),
    type_name: &str,
    payload: &[u8],
    encoding: Encoding,
) -> Result<Vec<Changed>, RereadError> {
    crate::threads::guarded(|| reread_unguarded(writer, reader, type_name, payload, encoding))
        .map_err(|why| RereadError::Descriptors(ProveError::Internal(why)))?
}

fn reread_unguarded(
    (writer_fds, writer_index): (&[u8], &Index),
    (reader_fds, reader_index): (&[u8], &Index),
    type_name: &str,
    payload: &[u8],
    encoding: Encoding,
) -> Result<Vec<Changed>, RereadError> {
    let name = type_name.trim_start_matches('.');
    let writer = Side::load(writer_fds, writer_index, "writer")?;
    let reader = Side::load(reader_fds, reader_index, "reader")?;
    let desc =
        |side: &Side, label: &'static str| -> Result<Option<MessageDescriptor>, RereadError> {
            if let Some(why) = side.unavailable(name) {
                return Err(RereadError::Unavailable {
                    name: name.to_string(),
                    side: label,
                    why,
                });
            }
            Ok(side.pool.get_message_by_name(name))
        };
    let wd = desc(&writer, "writing")?.ok_or_else(|| RereadError::UnknownType {
        name: name.to_string(),
        side: "writing",
    })?;
    let Some(rd) = desc(&reader, "reading")? else {
        return Ok(vec![Changed {
            text: format!("the reading schema has no message type `{name}` to read it with"),
            writer_field: None,
            reader_field: None,
        }]);
    };
    let not_written = |why: String| RereadError::NotWrittenBy {
        name: name.to_string(),
        why,
    };
    let (written, read) = match encoding {
        Encoding::Binary => {
            let written = Reader { side: &writer }
                .decode(&wd, payload)
                .map_err(|e| not_written(e.reason))?;
            (
                written,
                Reader { side: &reader }
                    .decode(&rd, payload)
                    .map_err(|e| e.reason),
            )
        }
        Encoding::Json => {
            let text = std::str::from_utf8(payload)
                .map_err(|_| not_written("a JSON payload must be UTF-8".into()))?;
            // The writer wrote every key it holds: an unknown key means the wrong type or
            // release in the manifest. Readers ignore unknown keys, as deployed ones do.
            let written = parse_json(&writer, &wd, text, true).map_err(not_written)?;
            (written, parse_json(&reader, &rd, text, false))
        }
    };
    let read = match read {
        Ok(read) => read,
        Err(reason) => {
            return Ok(vec![Changed {
                text: format!("the reading schema fails to parse it: {reason}"),
                writer_field: None,
                reader_field: None,
            }])
        }
    };
    let cmp = Cmp {
        writer: &writer,
        reader: &reader,
        by_json_name: encoding == Encoding::Json,
    };
    let mut diffs: Vec<Diff> = Vec::new();
    cmp.messages(&wd, &written, &rd, &read, &mut diffs);
    Ok(diffs
        .into_iter()
        .map(|d| Changed {
            text: d.text,
            writer_field: d.writer_field,
            reader_field: d.reader_field,
        })
        .collect())
}

/// A JSON text parsed as one side's reader parses it (see the prover's JSON round trip).
fn parse_json(
    side: &Side,
    desc: &MessageDescriptor,
    text: &str,
    deny_unknown: bool,
) -> Result<super::wire::Msg, String> {
    let text = enum_numbers_as_numbers(desc, text);
    let mut de = serde_json::Deserializer::from_str(&text);
    let m = DynamicMessage::deserialize_with_options(
        desc.clone(),
        &mut de,
        &DeserializeOptions::new().deny_unknown_fields(deny_unknown),
    )
    .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    if let Some(why) = closed_enum_violation(side, &m) {
        return Err(why);
    }
    Reader { side }
        .decode(desc, &m.encode_to_vec())
        .map_err(|e| e.reason)
}
