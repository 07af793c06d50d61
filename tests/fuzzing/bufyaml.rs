//! buf.yaml inputs: generated from the shape buf documents (versions v1beta1, v1, v2;
//! `breaking:` with use, except, ignore, ignore_only, ignore_unstable_packages; v1 `build:`
//! roots and excludes; v2 `modules:`), then sometimes broken at the YAML level (anchors,
//! aliases, tags, wrong types, duplicate keys, tabs, several documents) or token by token.

use super::mutate;
use super::rng::Rng;

const RULES: &[&str] = &[
    "FILE",
    "PACKAGE",
    "WIRE",
    "WIRE_JSON",
    "CSR",
    "FIELD_NO_DELETE",
    "FIELD_SAME_TYPE",
    "ENUM_VALUE_NO_DELETE",
    "FILE_SAME_PACKAGE",
    "FIELD_SAME_CTYPE",
    "FIELD_SAME_LABEL",
    "FILE_SAME_PHP_GENERIC_SERVICES",
    "RPC_NO_DELETE",
    "NOT_A_RULE",
    "field_no_delete",
    "",
];
const PATHS: &[&str] = &[
    "shop",
    "shop/v1",
    "shop/v1/f0.proto",
    "a",
    "x/y",
    "f0.proto",
    "opts",
    "..",
    "/",
    "*",
];

fn list(rng: &mut Rng, items: &[&str]) -> String {
    let picked: Vec<&str> = (0..rng.below(3)).map(|_| *rng.pick(items)).collect();
    if rng.chance(50) {
        format!("[{}]", picked.join(", "))
    } else if picked.is_empty() {
        "[]".into()
    } else {
        picked
            .iter()
            .map(|p| format!("\n    - {p}"))
            .collect::<String>()
    }
}

fn breaking(rng: &mut Rng, indent: &str) -> String {
    let mut s = format!("{indent}breaking:\n");
    if rng.chance(70) {
        s.push_str(&format!("{indent}  use: {}\n", list(rng, RULES)));
    }
    if rng.chance(30) {
        s.push_str(&format!("{indent}  except: {}\n", list(rng, RULES)));
    }
    if rng.chance(25) {
        s.push_str(&format!("{indent}  ignore: {}\n", list(rng, PATHS)));
    }
    if rng.chance(20) {
        s.push_str(&format!(
            "{indent}  ignore_only:\n{indent}    {}: {}\n",
            rng.pick(RULES),
            list(rng, PATHS)
        ));
    }
    if rng.chance(20) {
        s.push_str(&format!(
            "{indent}  ignore_unstable_packages: {}\n",
            rng.chance(50)
        ));
    }
    s
}

/// A buf.yaml text, sometimes broken.
pub fn generate(rng: &mut Rng) -> (Vec<u8>, String) {
    let version = if rng.chance(5) {
        *rng.pick(&["v3", "1", "null", "[v1]"])
    } else {
        *rng.pick(&["v1", "v2", "v2", "v1beta1", "", "\"v1\"", "'v2'"])
    };
    let mut s = String::new();
    if !version.is_empty() {
        s.push_str(&format!("version: {version}\n"));
    }
    if version.contains("v2") && rng.chance(40) {
        s.push_str("modules:\n  - path: .\n");
        if rng.chance(40) {
            s.push_str(&format!("    excludes: {}\n", list(rng, PATHS)));
        }
        if rng.chance(40) {
            s.push_str(&breaking(rng, "    "));
        }
    } else if rng.chance(25) {
        s.push_str(&format!(
            "build:\n  roots: {}\n  excludes: {}\n",
            list(rng, PATHS),
            list(rng, PATHS)
        ));
    }
    if rng.chance(70) {
        s.push_str(&breaking(rng, ""));
    }
    if !rng.chance(25) {
        return (s.into_bytes(), "buf.yaml".into());
    }
    let broken = match rng.below(9) {
        0 => format!("{s}lint: &a {{use: [DEFAULT]}}\nother: *a\n"),
        1 => format!("{s}breaking: {{use: 5}}\n"),
        2 => s.replace("  ", "\t"),
        3 => format!("{s}---\nversion: v2\n"),
        4 => format!("{s}breaking: !!binary aGVsbG8=\n"),
        5 => {
            // A small alias fan-out: each level refers to the previous one several times.
            let mut t = String::from("a0: &a0 [x, x, x]\n");
            for i in 1..5 {
                t.push_str(&format!(
                    "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}]\n",
                    p = i - 1
                ));
            }
            format!("{s}{t}")
        }
        6 => format!("{s}breaking:\n  use: [FILE\n"),
        7 => format!("{s}{}\n", "[".repeat(*rng.pick(&[10usize, 100, 1000]))),
        _ => {
            let mut classes = Vec::new();
            let (t, _) = mutate::mutate_text(s.as_bytes(), rng, &mut classes);
            return (t, "buf.yaml tokens".into());
        }
    };
    (broken.into_bytes(), "buf.yaml broken".into())
}
