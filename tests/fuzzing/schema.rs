//! Structure-aware schemas: a small model of `.proto` files (messages, nested types, enums,
//! oneofs, maps, options with aggregate values, reserved ranges, extensions, services,
//! imports; proto2, proto3 and `edition = "2023"`), a generator of valid-ish instances, a
//! renderer to source text, and the evolution steps a team makes between two versions
//! (delete, rename, renumber, retype, move, re-option...). Most generated pairs compile so
//! that the rules run; some are deliberately invalid so that the error paths run too.

use super::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Proto2,
    Proto3,
    Edition2023,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    Plain,
    Optional,
    Required,
    Repeated,
}

#[derive(Clone, Debug)]
pub enum Type {
    Scalar(&'static str),
    Named(String),
    Map(&'static str, Box<Type>),
}

#[derive(Clone, Debug)]
pub struct Field {
    pub label: Label,
    pub ty: Type,
    pub name: String,
    pub number: i64,
    pub options: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Oneof {
    pub name: String,
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug, Default)]
pub struct Message {
    pub name: String,
    pub fields: Vec<Field>,
    pub oneofs: Vec<Oneof>,
    pub messages: Vec<Message>,
    pub enums: Vec<Enum>,
    /// Rendered `reserved` items (`2, 9 to 11` or `"old_name"`).
    pub reserved: Vec<String>,
    pub extension_ranges: Vec<String>,
    pub options: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Enum {
    pub name: String,
    pub values: Vec<(String, i64)>,
    pub reserved: Vec<String>,
    pub options: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Rpc {
    pub name: String,
    pub input: String,
    pub output: String,
    pub client_streaming: bool,
    pub server_streaming: bool,
    pub options: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Service {
    pub name: String,
    pub rpcs: Vec<Rpc>,
}

#[derive(Clone, Debug)]
pub struct Extend {
    pub extendee: String,
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug)]
pub struct File {
    pub path: String,
    pub syntax: Syntax,
    pub package: String,
    /// Rendered import targets (`"a.proto"`, `public "b.proto"`).
    pub imports: Vec<String>,
    pub options: Vec<String>,
    pub messages: Vec<Message>,
    pub enums: Vec<Enum>,
    pub services: Vec<Service>,
    pub extends: Vec<Extend>,
}

#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub files: Vec<File>,
}

pub const SCALARS: &[&str] = &[
    "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32",
    "sfixed64", "bool", "string", "bytes", "float", "double",
];
const MAP_KEYS: &[&str] = &["int32", "int64", "uint32", "string", "bool", "sfixed64"];
const PACKAGES: &[&str] = &["", "a", "shop.v1", "shop.v1", "x.y.z", "pkg.v1beta1"];
const WORDS: &[&str] = &[
    "id", "name", "amount", "items", "price", "note", "state", "kind", "value", "tags", "count",
    "created", "user", "order", "line", "ref", "data", "flag",
];
const TYPE_WORDS: &[&str] = &[
    "Order", "Item", "User", "Money", "Status", "Line", "Event", "Page", "Ref", "Node", "Blob",
];
/// The file declaring custom options (with a message type, for aggregate values).
pub const OPTS_PATH: &str = "opts/opts.proto";

/// A new schema of 1 to 3 files (plus, sometimes, a file of custom options).
pub fn generate(rng: &mut Rng) -> Schema {
    let mut schema = Schema::default();
    let with_opts = rng.chance(30);
    if with_opts {
        schema.files.push(options_file());
    }
    let package = rng.pick(PACKAGES).to_string();
    let count = 1 + rng.below(3);
    let mut visible: Vec<(String, String, bool)> = Vec::new(); // (file, type, is_message)
    for i in 0..count {
        let syntax = match rng.below(50) {
            0..=26 => Syntax::Proto3,
            27..=47 => Syntax::Proto2,
            _ => Syntax::Edition2023,
        };
        let pkg = if rng.chance(80) {
            package.clone()
        } else {
            rng.pick(PACKAGES).to_string()
        };
        let dir = if pkg.is_empty() {
            String::new()
        } else {
            format!("{}/", pkg.replace('.', "/"))
        };
        let mut file = File {
            path: format!("{dir}f{i}.proto"),
            syntax,
            package: pkg.clone(),
            imports: Vec::new(),
            options: file_options(rng, syntax),
            messages: Vec::new(),
            enums: Vec::new(),
            services: Vec::new(),
            extends: Vec::new(),
        };
        let uses_opts = with_opts && rng.chance(70);
        if uses_opts {
            file.imports.push(format!("\"{OPTS_PATH}\""));
        }
        // Types this file may refer to: its own and those of the files it imports.
        let mut types: Vec<(String, bool)> = Vec::new();
        for prior in &schema.files {
            if prior.path != OPTS_PATH && rng.chance(60) {
                let public = if rng.chance(10) { "public " } else { "" };
                file.imports.push(format!("{public}\"{}\"", prior.path));
                types.extend(
                    visible
                        .iter()
                        .filter(|(f, _, _)| *f == prior.path)
                        .map(|(_, t, m)| (t.clone(), *m)),
                );
            }
        }
        if rng.chance(5) {
            file.imports
                .push("\"google/protobuf/timestamp.proto\"".into());
            types.push((".google.protobuf.Timestamp".into(), true));
        }
        let qualify = |name: &str| {
            if pkg.is_empty() {
                format!(".{name}")
            } else {
                format!(".{pkg}.{name}")
            }
        };
        let nmessages = 1 + rng.below(4);
        let mut names: Vec<String> = Vec::new();
        for _ in 0..nmessages {
            let n = unique(rng, TYPE_WORDS, &names, &format!("{i}"));
            names.push(n.clone());
            types.push((
                if rng.chance(50) {
                    n.clone()
                } else {
                    qualify(&n)
                },
                true,
            ));
        }
        let nenums = rng.below(3);
        let mut enum_names = Vec::new();
        for _ in 0..nenums {
            let n = unique(rng, TYPE_WORDS, &names, &format!("E{i}"));
            names.push(n.clone());
            enum_names.push(n.clone());
            types.push((qualify(&n), false));
        }
        for n in &enum_names {
            file.enums.push(gen_enum(rng, n, syntax));
        }
        for n in &names[..nmessages] {
            let m = gen_message(rng, n, syntax, &types, uses_opts, 0);
            file.messages.push(m);
        }
        if rng.chance(35) {
            file.services
                .push(gen_service(rng, &format!("Svc{i}"), &types));
        }
        if syntax == Syntax::Proto2 {
            if let Some(m) = file
                .messages
                .iter()
                .find(|m| !m.extension_ranges.is_empty())
            {
                file.extends.push(Extend {
                    extendee: m.name.clone(),
                    fields: vec![Field {
                        label: Label::Optional,
                        ty: Type::Scalar(rng.pick_str(SCALARS)),
                        name: format!("ext_{i}"),
                        number: 100 + rng.range(0, 99),
                        options: Vec::new(),
                    }],
                });
            }
        }
        for (k, n) in names.iter().enumerate() {
            visible.push((file.path.clone(), qualify(n), k < nmessages));
        }
        schema.files.push(file);
    }
    schema
}

fn unique(rng: &mut Rng, words: &[&str], taken: &[String], suffix: &str) -> String {
    loop {
        let n = format!("{}{suffix}", rng.pick(words));
        if !taken.contains(&n) {
            return n;
        }
        if rng.chance(30) {
            return format!("{n}{}", taken.len());
        }
    }
}

fn options_file() -> File {
    let agg = Message {
        name: "Agg".into(),
        fields: vec![
            field(Label::Optional, Type::Scalar("int32"), "n", 1),
            field(Label::Optional, Type::Scalar("string"), "s", 2),
            field(Label::Optional, Type::Named("Agg".into()), "child", 3),
            field(Label::Repeated, Type::Scalar("int64"), "list", 4),
        ],
        ..Default::default()
    };
    let ext = |extendee: &str, fields: Vec<Field>| Extend {
        extendee: extendee.into(),
        fields,
    };
    File {
        path: OPTS_PATH.into(),
        syntax: Syntax::Proto2,
        package: "fuzzopt".into(),
        imports: vec!["\"google/protobuf/descriptor.proto\"".into()],
        options: Vec::new(),
        messages: vec![agg],
        enums: Vec::new(),
        services: Vec::new(),
        extends: vec![
            ext(
                "google.protobuf.FieldOptions",
                vec![
                    field(Label::Optional, Type::Named("Agg".into()), "agg", 50001),
                    field(Label::Optional, Type::Scalar("int32"), "level", 50002),
                ],
            ),
            ext(
                "google.protobuf.MessageOptions",
                vec![field(
                    Label::Optional,
                    Type::Named("Agg".into()),
                    "magg",
                    50001,
                )],
            ),
        ],
    }
}

fn field(label: Label, ty: Type, name: &str, number: i64) -> Field {
    Field {
        label,
        ty,
        name: name.into(),
        number,
        options: Vec::new(),
    }
}

/// An aggregate option value `{ n: 1 child { ... } }` nested `depth` levels.
pub fn aggregate(depth: usize, rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..depth {
        s.push_str("{ n: 1 child ");
    }
    s.push_str(&format!("{{ s: \"x{}\" list: [1, 2] }}", rng.below(9)));
    for _ in 0..depth {
        s.push_str(" }");
    }
    s
}

fn file_options(rng: &mut Rng, syntax: Syntax) -> Vec<String> {
    let mut out = Vec::new();
    let all: &[&str] = &[
        "java_package = \"com.example.fuzz\"",
        "java_multiple_files = true",
        "java_outer_classname = \"Outer\"",
        "go_package = \"example.com/fuzz;fuzz\"",
        "optimize_for = CODE_SIZE",
        "optimize_for = LITE_RUNTIME",
        "cc_enable_arenas = false",
        "objc_class_prefix = \"FZ\"",
        "csharp_namespace = \"Fuzz\"",
        "php_namespace = \"Fuzz\\\\V1\"",
        "ruby_package = \"Fuzz::V1\"",
        "swift_prefix = \"FZ\"",
        "deprecated = true",
    ];
    for _ in 0..rng.below(3) {
        let o = rng.pick(all).to_string();
        // Setting an option twice is an error; a few duplicates still come from evolution.
        let key = o.split(' ').next().unwrap_or("").to_string();
        if !out
            .iter()
            .any(|x: &String| x.starts_with(&format!("{key} ")))
        {
            out.push(o);
        }
    }
    if syntax == Syntax::Edition2023 && rng.chance(50) {
        let editions: &[&str] = &[
            "features.field_presence = IMPLICIT",
            "features.field_presence = EXPLICIT",
            "features.enum_type = CLOSED",
            "features.repeated_field_encoding = EXPANDED",
            "features.utf8_validation = NONE",
            "features.json_format = LEGACY_BEST_EFFORT",
        ];
        out.push(rng.pick(editions).to_string());
    }
    out
}

fn gen_enum(rng: &mut Rng, name: &str, syntax: Syntax) -> Enum {
    let prefix = name.to_ascii_uppercase();
    let mut e = Enum {
        name: name.into(),
        ..Default::default()
    };
    let mut number = if syntax == Syntax::Proto3 || rng.chance(70) {
        0
    } else {
        rng.range(-3, 3)
    };
    for i in 0..1 + rng.below(4) {
        e.values.push((format!("{prefix}_V{i}"), number));
        number += 1 + rng.below(3) as i64;
    }
    if rng.chance(10) {
        e.options.push("allow_alias = true".into());
        let (_, n) = e.values[0].clone();
        e.values.push((format!("{prefix}_ALIAS"), n));
    }
    if rng.chance(15) {
        e.reserved.push(format!("{}", number + 5));
        e.reserved.push(format!("\"{prefix}_GONE\""));
    }
    if syntax == Syntax::Edition2023 && rng.chance(20) {
        e.options.push("features.enum_type = CLOSED".into());
    }
    e
}

fn gen_label(rng: &mut Rng, syntax: Syntax) -> Label {
    match syntax {
        Syntax::Proto3 => {
            *rng.pick(&[Label::Plain, Label::Plain, Label::Optional, Label::Repeated])
        }
        Syntax::Proto2 => *rng.pick(&[
            Label::Optional,
            Label::Optional,
            Label::Required,
            Label::Repeated,
        ]),
        Syntax::Edition2023 => {
            *rng.pick(&[Label::Plain, Label::Plain, Label::Plain, Label::Repeated])
        }
    }
}

pub fn gen_type(rng: &mut Rng, types: &[(String, bool)], allow_map: bool) -> Type {
    match rng.below(20) {
        0..=12 => Type::Scalar(rng.pick_str(SCALARS)),
        13..=17 if !types.is_empty() => Type::Named(rng.pick(types).0.clone()),
        _ if allow_map => {
            let value = if !types.is_empty() && rng.chance(40) {
                Type::Named(rng.pick(types).0.clone())
            } else {
                Type::Scalar(rng.pick_str(SCALARS))
            };
            Type::Map(rng.pick_str(MAP_KEYS), Box::new(value))
        }
        _ => Type::Scalar("string"),
    }
}

fn field_options(rng: &mut Rng, f: &Field, syntax: Syntax, with_opts: bool) -> Vec<String> {
    let mut out = Vec::new();
    let scalar = match f.ty {
        Type::Scalar(s) => Some(s),
        _ => None,
    };
    if rng.chance(8) {
        out.push("deprecated = true".into());
    }
    if rng.chance(5) {
        out.push(format!("json_name = \"{}J\"", f.name));
    }
    if f.label == Label::Repeated && scalar.is_some_and(|s| s != "string" && s != "bytes") {
        if syntax == Syntax::Edition2023 {
            if rng.chance(15) {
                out.push("features.repeated_field_encoding = EXPANDED".into());
            }
        } else if rng.chance(15) {
            out.push(format!("packed = {}", rng.chance(50)));
        }
    }
    if matches!(scalar, Some("int64" | "uint64" | "sint64" | "fixed64")) && rng.chance(8) {
        out.push("jstype = JS_STRING".into());
    }
    if scalar == Some("string") && rng.chance(5) {
        out.push(if syntax == Syntax::Edition2023 {
            "features.utf8_validation = NONE".into()
        } else {
            "ctype = CORD".into()
        });
    }
    if f.label != Label::Repeated && rng.chance(12) {
        if let Some(s) = scalar {
            if syntax == Syntax::Proto2 || (syntax == Syntax::Edition2023 && rng.chance(50)) {
                out.push(format!("default = {}", default_for(s, rng)));
            }
        }
    }
    if syntax == Syntax::Edition2023 && f.label == Label::Plain && rng.chance(15) {
        let p = rng.pick(&["EXPLICIT", "IMPLICIT", "LEGACY_REQUIRED"]);
        out.push(format!("features.field_presence = {p}"));
    }
    if with_opts && rng.chance(15) {
        if rng.chance(50) {
            out.push(format!("(fuzzopt.level) = {}", rng.range(-5, 5)));
        } else {
            let depth = rng.below(4);
            out.push(format!("(fuzzopt.agg) = {}", aggregate(depth, rng)));
        }
    }
    out
}

fn default_for(scalar: &str, rng: &mut Rng) -> String {
    match scalar {
        "string" => "\"dflt\"".into(),
        "bytes" => "\"\\x00\\xff\"".into(),
        "bool" => "true".into(),
        "float" | "double" => rng.pick(&["1.5", "inf", "-inf", "nan", "1e10"]).to_string(),
        "uint32" | "uint64" | "fixed32" | "fixed64" => rng.range(0, 9).to_string(),
        _ => rng.range(-9, 9).to_string(),
    }
}

fn gen_message(
    rng: &mut Rng,
    name: &str,
    syntax: Syntax,
    types: &[(String, bool)],
    with_opts: bool,
    depth: usize,
) -> Message {
    let mut m = Message {
        name: name.into(),
        ..Default::default()
    };
    let mut number = 1;
    let mut used: Vec<String> = Vec::new();
    let mut next_field = |rng: &mut Rng, in_oneof: bool| {
        let ty = gen_type(rng, types, !in_oneof);
        let label = if in_oneof || matches!(ty, Type::Map(..)) {
            Label::Plain
        } else {
            gen_label(rng, syntax)
        };
        let name = unique(rng, WORDS, &used, "");
        used.push(name.clone());
        number += 1 + if rng.chance(20) { rng.below(20) } else { 0 } as i64;
        let mut f = Field {
            label,
            ty,
            name,
            number: number - 1,
            options: Vec::new(),
        };
        f.options = field_options(rng, &f, syntax, with_opts);
        f
    };
    for _ in 0..rng.below(7) {
        let f = next_field(rng, false);
        m.fields.push(f);
    }
    if rng.chance(25) {
        let fields = (0..1 + rng.below(3))
            .map(|_| next_field(rng, true))
            .collect();
        m.oneofs.push(Oneof {
            name: "choice".into(),
            fields,
        });
    }
    if depth < 2 && rng.chance(25) {
        let inner = gen_message(
            rng,
            &format!("Inner{depth}"),
            syntax,
            types,
            with_opts,
            depth + 1,
        );
        m.messages.push(inner);
    }
    if rng.chance(20) {
        m.enums.push(gen_enum(rng, &format!("{name}Kind"), syntax));
    }
    if rng.chance(20) {
        m.reserved
            .push(format!("{} to {}", number + 10, number + 12));
        m.reserved.push("\"legacy\"".into());
    }
    if syntax != Syntax::Proto3 && rng.chance(20) {
        m.extension_ranges.push("100 to 199".into());
    }
    if with_opts && rng.chance(10) {
        m.options
            .push(format!("(fuzzopt.magg) = {}", aggregate(rng.below(3), rng)));
    }
    if rng.chance(5) {
        m.options.push("deprecated = true".into());
    }
    m
}

fn gen_service(rng: &mut Rng, name: &str, types: &[(String, bool)]) -> Service {
    let messages: Vec<&String> = types.iter().filter(|(_, m)| *m).map(|(t, _)| t).collect();
    let mut s = Service {
        name: name.into(),
        rpcs: Vec::new(),
    };
    for i in 0..1 + rng.below(3) {
        let mut rpc = Rpc {
            name: format!("{}{i}", rng.pick(&["Get", "List", "Put", "Watch"])),
            input: rng.pick(&messages).to_string(),
            output: rng.pick(&messages).to_string(),
            client_streaming: rng.chance(15),
            server_streaming: rng.chance(20),
            options: Vec::new(),
        };
        if rng.chance(10) {
            rpc.options
                .push("idempotency_level = NO_SIDE_EFFECTS".into());
        }
        s.rpcs.push(rpc);
    }
    s
}

/// Whether some message reaches itself through required fields (by simple type name, an
/// over-approximation across packages), or through legacy-required fields in editions files.
/// No finite message of such a type is valid.
pub fn required_cycle(schema: &Schema) -> bool {
    use std::collections::BTreeMap;
    fn simple(name: &str) -> &str {
        name.rsplit('.').next().unwrap_or(name)
    }
    fn collect<'a>(m: &'a Message, edges: &mut BTreeMap<&'a str, Vec<&'a str>>) {
        let e = edges.entry(m.name.as_str()).or_default();
        for f in &m.fields {
            let required = f.label == Label::Required
                || f.options.iter().any(|o| o.contains("LEGACY_REQUIRED"));
            if let (true, Type::Named(t)) = (required, &f.ty) {
                e.push(simple(t));
            }
        }
        for n in &m.messages {
            collect(n, edges);
        }
    }
    fn reaches<'a>(
        from: &'a str,
        target: &str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        seen: &mut Vec<&'a str>,
    ) -> bool {
        for &next in edges.get(from).map(Vec::as_slice).unwrap_or(&[]) {
            if next == target {
                return true;
            }
            if !seen.contains(&next) {
                seen.push(next);
                if reaches(next, target, edges, seen) {
                    return true;
                }
            }
        }
        false
    }
    let mut edges = BTreeMap::new();
    for f in &schema.files {
        for m in &f.messages {
            collect(m, &mut edges);
        }
    }
    edges
        .keys()
        .any(|&m| reaches(m, m, &edges, &mut Vec::new()))
}
