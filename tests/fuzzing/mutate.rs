//! Mutations below the model: tokens of `.proto` text (delete, duplicate, swap, huge
//! numbers, odd unicode, BOM, tabs, CRs, deep nesting), raw bytes of encoded images, and
//! decoded `FileDescriptorSet`s mutated field by field and re-encoded.

use prost::Message as _;
use prost_types::{FileDescriptorProto, FileDescriptorSet};

use super::rng::Rng;

/// Classes of input that known open bugs make crash; a run can be told to skip them.
pub const DEEP_AGGREGATE: &str = "deep-aggregate-nesting";
pub const DEEP_MESSAGES: &str = "deep-message-nesting";
pub const DEEP_OPTION_BRACES: &str = "deep-option-braces";
/// A prove case whose schema has a message that requires itself (through required fields):
/// no finite message of that type exists, and the prover takes seconds to minutes.
pub const PROVE_REQUIRED_CYCLE: &str = "prove-required-cycle";

/// Splits text into tokens: words, numbers, strings, single punctuation, runs of space.
fn tokens(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
        } else if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        } else if c.is_ascii_whitespace() {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
        } else {
            i += 1;
            while i < bytes.len() && !text.is_char_boundary(i) {
                i += 1;
            }
        }
        out.push(&text[start..i]);
    }
    out
}

const HUGE_NUMBERS: &[&str] = &[
    "0",
    "-1",
    "536870911",
    "536870912",
    "19000",
    "19999",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967296",
    "9223372036854775807",
    "18446744073709551616",
    "99999999999999999999999999",
    "0x7fffffff",
    "0xFFFFFFFFFFFFFFFFF",
    "1e400",
    "-0",
    "0777",
    "09",
    "1.",
    ".5e-",
    "inf",
    "nan",
];
const ODD_TEXT: &[&str] = &[
    "ñame",
    "Ω",
    "\u{200B}",
    "\u{FEFF}",
    "🦀",
    "a\u{0301}",
    "\u{202E}evil",
    "\t",
    "\r",
    "\r\n",
    "\0",
    "\\",
    "\"",
    "'",
    "/*",
    "*/",
    "//",
    "\u{00A0}",
    "𝔘",
    "{",
    "}",
    ";",
    "=",
    "<",
    ">",
    "[",
    "]",
    "(",
    ")",
    "stream",
    "map",
    "group",
    "oneof",
    "extend",
    "extensions",
    "reserved",
    "max",
    "to",
    "weak",
    "public",
    "option",
    "import",
    "syntax",
    "edition",
    "package",
    "optional",
    "required",
    "repeated",
    "returns",
    "rpc",
    "service",
    "enum",
    "message",
];

/// One token-level mutation of source text; returns its name. May produce invalid UTF-8.
pub fn mutate_text(
    text: &[u8],
    rng: &mut Rng,
    classes: &mut Vec<&'static str>,
) -> (Vec<u8>, String) {
    let Ok(s) = std::str::from_utf8(text) else {
        return (byte_mutation(text, rng), "bytes".into());
    };
    let toks = tokens(s);
    if toks.is_empty() {
        return (b"syntax = \"proto3\";".to_vec(), "empty->minimal".into());
    }
    let mut toks: Vec<String> = toks.into_iter().map(str::to_string).collect();
    let i = rng.below(toks.len());
    let j = rng.below(toks.len());
    let name = match rng.below(16) {
        0 | 1 => {
            toks.remove(i);
            "delete token"
        }
        2 => {
            let t = toks[i].clone();
            toks.insert(i, t);
            "duplicate token"
        }
        3 => {
            toks.swap(i, j);
            "swap tokens"
        }
        4 | 5 => {
            let numeric: Vec<usize> = (0..toks.len())
                .filter(|&k| toks[k].bytes().all(|b| b.is_ascii_digit()))
                .collect();
            let at = if numeric.is_empty() {
                i
            } else {
                *rng.pick(&numeric)
            };
            toks[at] = rng.pick(HUGE_NUMBERS).to_string();
            "huge number"
        }
        6 | 7 => {
            let odd = rng.pick(ODD_TEXT).to_string();
            if rng.chance(50) {
                toks.insert(i, odd);
            } else {
                toks[i] = odd;
            }
            "odd text"
        }
        8 => {
            toks.insert(0, "\u{FEFF}".into());
            "BOM"
        }
        9 => {
            for t in toks.iter_mut().filter(|t| t.starts_with(' ')) {
                *t = t.replace(' ', "\t");
            }
            "tabs"
        }
        10 => {
            for t in toks.iter_mut().filter(|t| t.contains('\n')) {
                *t = t.replace('\n', if rng.chance(50) { "\r\n" } else { "\r" });
            }
            "carriage returns"
        }
        11 => {
            toks.truncate(i);
            "truncate"
        }
        12 => {
            let t: Vec<String> = toks[j..].to_vec();
            toks.splice(i..i, t);
            "splice"
        }
        13 => return (deep_nesting(s, rng, classes), "deep nesting".into()),
        14 => {
            let comment = rng.pick(&["// c\n", "/* c */", "/* unterminated", "//", "/**/"]);
            toks.insert(i, comment.to_string());
            "comment"
        }
        _ => return (byte_mutation(text, rng), "bytes".into()),
    };
    (toks.concat().into_bytes(), name.into())
}

/// Inserts deeply nested messages, aggregate option values or braces.
fn deep_nesting(text: &str, rng: &mut Rng, classes: &mut Vec<&'static str>) -> Vec<u8> {
    let depth = *rng.pick(&[10, 64, 200, 500, 1_200, 3_000]);
    let mut out = text.to_string();
    match rng.below(3) {
        0 => {
            classes.push(DEEP_MESSAGES);
            out.push_str(&"message D { ".repeat(depth));
            out.push_str(&"} ".repeat(depth));
        }
        1 => {
            classes.push(DEEP_AGGREGATE);
            out.push_str("import \"google/protobuf/descriptor.proto\";\n");
            out.push_str("message DeepAgg { optional DeepAgg c = 1; optional int32 n = 2; }\n");
            out.push_str(
                "extend google.protobuf.MessageOptions { optional DeepAgg deep = 51234; }\n",
            );
            out.push_str("message UsesDeep { option (deep) = ");
            out.push_str(&"{ c ".repeat(depth));
            out.push_str("{ n: 1 }");
            out.push_str(&" }".repeat(depth));
            out.push_str("; }\n");
        }
        _ => {
            classes.push(DEEP_OPTION_BRACES);
            out.push_str("message Braces { option (x) = ");
            out.push_str(&"{ a: [".repeat(depth));
            out.push_str(&"] }".repeat(depth));
            out.push_str("; }\n");
        }
    }
    out.into_bytes()
}

/// Flips, deletes, inserts or duplicates bytes.
pub fn byte_mutation(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.is_empty() {
            out.push(rng.next_u64() as u8);
            continue;
        }
        let i = rng.below(out.len());
        match rng.below(7) {
            0 => out[i] ^= 1 << rng.below(8),
            1 => out[i] = rng.next_u64() as u8,
            2 => {
                let end = (i + 1 + rng.below(16)).min(out.len());
                out.drain(i..end);
            }
            3 => out.insert(i, *rng.pick(&[0x00, 0xff, 0x80, 0xc0, 0x7f, 0x0a])),
            4 => out.truncate(i),
            5 => {
                let end = (i + 1 + rng.below(32)).min(out.len());
                let chunk = out[i..end].to_vec();
                out.splice(i..i, chunk);
            }
            _ => {
                for b in out.iter_mut().skip(i).take(10) {
                    *b = 0xff;
                }
            }
        }
    }
    out
}

/// A structure-aware mutation of an encoded image: decoded, one field changed, re-encoded.
/// Falls back to bytes when the image does not decode.
pub fn mutate_image(image: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let Ok(mut set) = FileDescriptorSet::decode(image) else {
        return (byte_mutation(image, rng), "image bytes".into());
    };
    if set.file.is_empty() {
        return (byte_mutation(image, rng), "image bytes".into());
    }
    let fi = rng.below(set.file.len());
    let note = descriptor_step(&mut set, fi, rng);
    (set.encode_to_vec(), note)
}

fn descriptor_step(set: &mut FileDescriptorSet, fi: usize, rng: &mut Rng) -> String {
    let file_count = set.file.len();
    let f: &mut FileDescriptorProto = &mut set.file[fi];
    let odd_names = [
        "",
        ".",
        "..a",
        "a..b",
        "1x",
        "ñ",
        "a b",
        ".pkg.Missing",
        "google.protobuf.Any",
    ];
    match rng.below(16) {
        0 if !f.message_type.is_empty() => {
            let m = rng.below(f.message_type.len());
            if let Some(fd) = f.message_type[m].field.first_mut() {
                fd.r#type = Some(rng.range(-1, 20) as i32);
            }
            "field type number".into()
        }
        1 if !f.message_type.is_empty() => {
            let m = rng.below(f.message_type.len());
            if let Some(fd) = f.message_type[m].field.first_mut() {
                fd.number = Some(*rng.pick(&[0, -5, 19_000, 536_870_912, i32::MAX, i32::MIN]));
            }
            "field number".into()
        }
        2 if !f.message_type.is_empty() => {
            let m = rng.below(f.message_type.len());
            if let Some(fd) = f.message_type[m].field.first_mut() {
                fd.type_name = Some(rng.pick(&odd_names).to_string());
            }
            "field type name".into()
        }
        3 if !f.message_type.is_empty() => {
            let m = rng.below(f.message_type.len());
            if let Some(fd) = f.message_type[m].field.first_mut() {
                fd.label = Some(rng.range(-1, 5) as i32);
            }
            "field label".into()
        }
        4 if !f.message_type.is_empty() => {
            let m = rng.below(f.message_type.len());
            if let Some(fd) = f.message_type[m].field.first_mut() {
                fd.oneof_index = Some(rng.range(-1, 3) as i32);
            }
            "oneof index".into()
        }
        5 if !f.message_type.is_empty() => {
            let m = rng.below(f.message_type.len());
            f.message_type[m].name = Some(rng.pick(&odd_names).to_string());
            "message name".into()
        }
        6 => {
            f.syntax = Some(
                rng.pick(&["proto4", "editions", "", "proto2", "proto3"])
                    .to_string(),
            );
            "syntax".into()
        }
        7 => {
            f.name = Some(
                rng.pick(&["", "a.proto", "../x.proto", "/abs.proto", "dup.proto"])
                    .to_string(),
            );
            "file name".into()
        }
        8 => {
            f.dependency.push(
                rng.pick(&["missing.proto", "google/protobuf/any.proto", ""])
                    .to_string(),
            );
            "dependency".into()
        }
        9 => {
            f.public_dependency.push(rng.range(-1, 5) as i32);
            "public dependency".into()
        }
        10 => {
            if let Some(info) = f.source_code_info.as_mut() {
                let at = rng.below(info.location.len().max(1));
                if let Some(loc) = info.location.get_mut(at) {
                    match rng.below(3) {
                        0 => loc.span = vec![rng.range(-2, 3) as i32; rng.below(6)],
                        1 => loc.path = vec![rng.range(-1, 9) as i32; rng.below(8)],
                        _ => loc.span = vec![i32::MAX, i32::MAX, i32::MIN],
                    }
                }
            }
            "source info".into()
        }
        11 if file_count > 0 => {
            let copy = set.file[rng.below(file_count)].clone();
            set.file.push(copy);
            "duplicate file".into()
        }
        12 => {
            set.file.remove(fi);
            "remove file".into()
        }
        13 if !f.enum_type.is_empty() => {
            let e = &mut f.enum_type[0];
            if rng.chance(50) {
                e.value.clear();
            } else if let Some(v) = e.value.first_mut() {
                v.number = Some(*rng.pick(&[i32::MIN, -1, 5]));
            }
            "enum values".into()
        }
        14 => {
            f.weak_dependency.push(rng.range(-1, 5) as i32);
            "weak dependency".into()
        }
        _ => {
            f.package = Some(rng.pick(&odd_names).to_string());
            "package".into()
        }
    }
}
