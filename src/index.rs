//! The index: one pass over one side's descriptors, every element keyed the way rules match
//! them (files by path, types by full name, fields and values by number, extensions by
//! extendee and number, RPCs by name), each with the source path that locates it.
//!
//! Rules only ever read two indexes; spans are resolved from source paths at report time, and
//! only for the files that have findings, so building the index stays cheap on large trees.
//!
//! Why one file of over 800 lines: the element types and the single pass that builds them
//! from descriptors change together (a field added to a type is filled in the same pass);
//! about 60 of its lines are tests.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use crate::descriptor::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileOptions, SourceCodeInfo,
    WithExtensions,
};
use crate::features::{self, Features};
use crate::spans;
// Defined below the index (compile and spans use them), re-exported where rules read them.
pub use crate::compile::InputFile;
pub use crate::spans::Span;

pub type FileId = usize;

/// Where an element is: a file and the `SourceCodeInfo` path of the element inside it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Site {
    pub file: FileId,
    /// `None` when the finding is attached to the file as a whole (buf prints `1:1`).
    pub path: Option<Box<[i32]>>,
}

impl Site {
    pub fn file(file: FileId) -> Site {
        Site { file, path: None }
    }
    pub fn at(file: FileId, path: &[i32]) -> Site {
        Site {
            file,
            path: Some(path.into()),
        }
    }
    /// The site of a child of this element: `path + suffix`.
    pub fn child(&self, suffix: &[i32]) -> Site {
        let mut p: Vec<i32> = self.path.as_deref().unwrap_or(&[]).to_vec();
        p.extend_from_slice(suffix);
        Site {
            file: self.file,
            path: Some(p.into()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Proto2,
    Proto3,
    Editions(i32),
}

impl Syntax {
    pub fn edition(self) -> i32 {
        match self {
            Syntax::Proto2 => features::EDITION_PROTO2,
            Syntax::Proto3 => features::EDITION_PROTO3,
            Syntax::Editions(e) => e,
        }
    }
}

#[derive(Debug)]
pub struct File {
    /// Path of the file relative to its import root, e.g. `foo/v1/foo.proto`.
    pub name: String,
    pub package: String,
    pub syntax: Syntax,
    /// With its custom options (extension fields) still encoded.
    pub options: WithExtensions<FileOptions>,
    /// Imported from outside the checked tree (well-known types, `-I` roots): not checked.
    pub is_import: bool,
    /// The path as shown to the user, as buf shows it (relative to the working directory).
    pub display: String,
    /// The buf module the file belongs to (its import root relative to the workspace).
    pub module_root: String,
    /// The git blob id of the file's content.
    pub content_id: Option<git2::Oid>,
    /// Same on both sides and nothing it imports changed: no rule looks inside it. It may
    /// be a stub that carries only its name and package.
    pub unchanged: bool,
    /// The source text the file was compiled from (`None` for an image): spans are
    /// resolved against it, never against the disk, so a git side locates like a directory.
    pub text: Option<Arc<str>>,
    /// For a file left uncompiled (a stub): which kinds of element its text declares.
    pub stub_declares: Option<crate::plan::Declares>,
    pub source_info: Option<SourceCodeInfo>,
    /// Spans as the compiler gave them: 0-based line, byte column (protox) or protoc's
    /// column (an image), keyed by source path.
    raw_spans: OnceLock<HashMap<Box<[i32]>, Span>>,
    /// The same spans as buf prints them.
    spans: OnceLock<HashMap<Box<[i32]>, Span>>,
    /// Byte offset of the start of each line of `text`.
    line_starts: OnceLock<Vec<usize>>,
    pub messages: Vec<usize>,
    pub enums: Vec<usize>,
    pub services: Vec<usize>,
    pub extensions: Vec<usize>,
}

impl File {
    /// The span of the element at `path` as buf prints it (1-based lines, columns in
    /// terminal cells with tab stops every 4, see [`crate::columns`]), if the file carries
    /// source info for it.
    pub fn span(&self, path: &[i32]) -> Option<Span> {
        self.spans
            .get_or_init(|| spans::as_buf_prints(self.raw_spans(), self.text.as_deref()))
            .get(path)
            .copied()
    }

    /// The byte range in [`File::text`] of the element at `path`, for showing its source.
    pub fn byte_range(&self, path: &[i32]) -> Option<Range<usize>> {
        let text = self.text.as_deref()?;
        let raw = self.raw_spans().get(path)?;
        let starts = self.line_starts.get_or_init(|| spans::line_starts(text));
        Some(spans::byte_range(*raw, text, starts))
    }

    pub fn has_span(&self, path: &[i32]) -> bool {
        self.raw_spans().contains_key(path)
    }

    /// The compiler's spans, 0-based, one per path.
    fn raw_spans(&self) -> &HashMap<Box<[i32]>, Span> {
        self.raw_spans
            .get_or_init(|| spans::from_compiler(self.source_info.as_ref(), self.text.as_deref()))
    }
}

#[derive(Debug)]
pub struct Oneof {
    pub name: String,
    pub synthetic: bool,
}

/// How many values a field holds and how presence is tracked (buf's "cardinality").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cardinality {
    OptionalExplicit,
    OptionalImplicit,
    Required,
    Repeated,
    Map,
}

impl Cardinality {
    pub fn describe(self) -> &'static str {
        match self {
            Cardinality::OptionalExplicit => "optional with explicit presence",
            Cardinality::OptionalImplicit => "optional with implicit presence",
            Cardinality::Required => "required",
            Cardinality::Repeated => "repeated",
            Cardinality::Map => "map",
        }
    }
}

/// The wire kind of a field, as protobuf-go's `protoreflect.Kind` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WireKind {
    Double,
    Float,
    Int64,
    Uint64,
    Int32,
    Fixed64,
    Fixed32,
    Bool,
    String,
    Group,
    Message,
    Bytes,
    Uint32,
    Enum,
    Sfixed32,
    Sfixed64,
    Sint32,
    Sint64,
}

impl WireKind {
    pub fn from_type(t: i32) -> WireKind {
        use WireKind::*;
        match t {
            1 => Double,
            2 => Float,
            3 => Int64,
            4 => Uint64,
            5 => Int32,
            6 => Fixed64,
            7 => Fixed32,
            8 => Bool,
            9 => String,
            10 => Group,
            12 => Bytes,
            13 => Uint32,
            14 => Enum,
            15 => Sfixed32,
            16 => Sfixed64,
            17 => Sint32,
            18 => Sint64,
            _ => Message,
        }
    }
    pub fn name(self) -> &'static str {
        use WireKind::*;
        match self {
            Double => "double",
            Float => "float",
            Int64 => "int64",
            Uint64 => "uint64",
            Int32 => "int32",
            Fixed64 => "fixed64",
            Fixed32 => "fixed32",
            Bool => "bool",
            String => "string",
            Group => "group",
            Message => "message",
            Bytes => "bytes",
            Uint32 => "uint32",
            Enum => "enum",
            Sfixed32 => "sfixed32",
            Sfixed64 => "sfixed64",
            Sint32 => "sint32",
            Sint64 => "sint64",
        }
    }
    /// Wire groups: types within one group read each other's bytes.
    pub fn wire_group(self) -> u8 {
        use WireKind::*;
        match self {
            Int32 | Int64 | Uint32 | Uint64 | Bool => 1,
            Sint32 | Sint64 => 2,
            String => 3,
            Bytes => 4,
            Fixed32 | Sfixed32 => 5,
            Fixed64 | Sfixed64 => 6,
            Double => 7,
            Float => 8,
            Group => 9,
            Message => 10,
            Enum => 11,
        }
    }

    /// Wire-and-JSON groups: wire compatible and printed the same way in JSON.
    pub fn wire_json_group(self) -> u8 {
        use WireKind::*;
        match self {
            Int32 | Uint32 => 1,
            Int64 | Uint64 => 2,
            Fixed32 | Sfixed32 => 3,
            Fixed64 | Sfixed64 => 4,
            Bool => 5,
            Sint32 => 6,
            Sint64 => 7,
            String => 8,
            Bytes => 9,
            Double => 10,
            Float => 11,
            Group => 12,
            Message => 13,
            Enum => 14,
        }
    }

    pub fn is_named_type(self) -> bool {
        matches!(self, WireKind::Message | WireKind::Group | WireKind::Enum)
    }
}

#[derive(Debug)]
pub struct Field {
    pub name: String,
    /// Fully-qualified name (`pkg.Msg.field`, or `pkg.ext` for extensions).
    pub full_name: String,
    pub number: i32,
    pub label: i32,
    /// `FieldDescriptorProto.Type` as declared.
    pub ty: i32,
    pub kind: WireKind,
    /// As declared, with its leading dot (`.pkg.Msg`); empty for scalars.
    pub type_name: String,
    /// As declared, with its leading dot; empty for plain fields.
    pub extendee: String,
    pub json_name: String,
    pub default_value: Option<String>,
    pub oneof: Option<usize>,
    pub proto3_optional: bool,
    pub ctype: Option<i32>,
    pub jstype: Option<i32>,
    pub features: Features,
    pub cardinality: Cardinality,
    /// Short name of the message declaring this field (empty for top-level extensions).
    pub parent_name: String,
    /// True when the declaring message is a synthesized map entry.
    pub in_map_entry: bool,
    pub site: Site,
    /// The custom options (extension fields of FieldOptions), still encoded.
    pub custom_options: Vec<u8>,
}

impl Field {
    pub fn is_extension(&self) -> bool {
        !self.extendee.is_empty()
    }

    /// The site of a part of this field's declaration (`[6]` its type name, `[8, 6]` its
    /// jstype option...). Map entry fields have no declaration of their own: every part of
    /// them is located where the field is (the `map<K, V>` type).
    pub fn part(&self, suffix: &[i32]) -> Site {
        if self.in_map_entry {
            self.site.clone()
        } else {
            self.site.child(suffix)
        }
    }
}

#[derive(Debug)]
pub struct Message {
    pub full_name: String,
    pub name: String,
    /// Name relative to the package (`Outer.Inner`).
    pub nested_name: String,
    pub file: FileId,
    pub site: Site,
    pub fields: Vec<Field>,
    pub oneofs: Vec<Oneof>,
    /// Inclusive ranges.
    pub reserved_ranges: Vec<(i32, i32)>,
    pub reserved_names: Vec<String>,
    /// Inclusive ranges.
    pub extension_ranges: Vec<(i32, i32)>,
    pub map_entry: bool,
    pub message_set_wire_format: bool,
    pub no_standard_descriptor_accessor: bool,
    pub features: Features,
    /// The custom options (extension fields of MessageOptions), still encoded.
    pub custom_options: Vec<u8>,
    /// Positions in `fields` by number, for wide messages only: rules look a field up by
    /// number once per field of the other side, which a scan makes quadratic (a message of
    /// 40,000 fields took minutes). Narrow messages scan, which is faster for them.
    by_number: HashMap<i32, usize>,
}

/// Messages with more fields than this index them by number.
const SCAN_FIELDS: usize = 16;

impl Message {
    pub fn field_by_number(&self, number: i32) -> Option<&Field> {
        if self.fields.len() <= SCAN_FIELDS {
            return self.fields.iter().find(|f| f.number == number);
        }
        self.by_number.get(&number).map(|&i| &self.fields[i])
    }
}

/// The first field of each number (as a scan finds it), for messages wider than
/// [`SCAN_FIELDS`].
fn fields_by_number(fields: &[Field]) -> HashMap<i32, usize> {
    let mut out = HashMap::new();
    if fields.len() > SCAN_FIELDS {
        for (i, f) in fields.iter().enumerate() {
            out.entry(f.number).or_insert(i);
        }
    }
    out
}

#[derive(Debug)]
pub struct EnumValue {
    pub name: String,
    pub number: i32,
    pub site: Site,
}

#[derive(Debug)]
pub struct Enum {
    pub full_name: String,
    pub name: String,
    pub nested_name: String,
    pub file: FileId,
    pub site: Site,
    pub values: Vec<EnumValue>,
    /// Inclusive ranges.
    pub reserved_ranges: Vec<(i32, i32)>,
    pub reserved_names: Vec<String>,
    pub features: Features,
}

impl Enum {
    pub fn is_closed(&self) -> bool {
        self.features.enum_type == features::ENUM_CLOSED
    }
}

#[derive(Debug)]
pub struct Method {
    pub name: String,
    pub input_type: String,
    pub output_type: String,
    pub client_streaming: bool,
    pub server_streaming: bool,
    pub idempotency_level: i32,
    pub site: Site,
    /// The custom options (extension fields of MethodOptions), still encoded.
    pub custom_options: Vec<u8>,
}

#[derive(Debug)]
pub struct Service {
    pub full_name: String,
    pub name: String,
    pub file: FileId,
    pub site: Site,
    pub methods: Vec<Method>,
    /// The custom options (extension fields of ServiceOptions), still encoded.
    pub custom_options: Vec<u8>,
}

/// Everything one side of a comparison declares.
#[derive(Debug, Default)]
pub struct Index {
    pub files: Vec<File>,
    pub messages: Vec<Message>,
    pub enums: Vec<Enum>,
    pub services: Vec<Service>,
    pub extensions: Vec<Field>,
    file_ids: HashMap<String, FileId>,
    message_ids: HashMap<String, usize>,
    enum_ids: HashMap<String, usize>,
    service_ids: HashMap<String, usize>,
}

impl Index {
    /// Builds the index of one side in one pass over its files.
    pub fn build(files: Vec<InputFile>) -> Index {
        let mut index = Index::default();
        for input in files {
            index.add_file(input);
        }
        index.resolve_field_kinds();
        index
    }

    pub fn file_id(&self, name: &str) -> Option<FileId> {
        self.file_ids.get(name).copied()
    }

    pub fn file(&self, name: &str) -> Option<&File> {
        self.file_ids.get(name).map(|&i| &self.files[i])
    }
    pub fn message(&self, full_name: &str) -> Option<&Message> {
        self.message_ids.get(full_name).map(|&i| &self.messages[i])
    }
    pub fn enum_(&self, full_name: &str) -> Option<&Enum> {
        self.enum_ids.get(full_name).map(|&i| &self.enums[i])
    }
    pub fn service(&self, full_name: &str) -> Option<&Service> {
        self.service_ids.get(full_name).map(|&i| &self.services[i])
    }

    /// Files that are part of the schema (not imports), in path order.
    pub fn target_files(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|f| !f.is_import)
    }

    /// Whether rules look inside this file: part of the schema and not known unchanged.
    pub fn is_checked(&self, file: FileId) -> bool {
        let f = &self.files[file];
        !f.is_import && !f.unchanged
    }

    pub fn extension(&self, extendee: &str, number: i32) -> Option<&Field> {
        self.extensions
            .iter()
            .find(|e| e.extendee == extendee && e.number == number)
    }

    fn add_file(&mut self, input: InputFile) {
        let proto = input.proto;
        let id = self.files.len();
        let name = proto.name.clone().unwrap_or_default();
        let syntax = match (proto.syntax.as_deref(), proto.edition) {
            (Some("editions"), e) => Syntax::Editions(e.unwrap_or(features::EDITION_2023)),
            (Some("proto3"), _) => Syntax::Proto3,
            _ => Syntax::Proto2,
        };
        let options = proto.options.clone().unwrap_or_default();
        let file_features = Features::defaults(syntax.edition()).merge(options.features.as_ref());
        let package = proto.package.clone().unwrap_or_default();
        self.file_ids.insert(name.clone(), id);
        self.files.push(File {
            name,
            package: package.clone(),
            syntax,
            options,
            is_import: input.is_import,
            content_id: input.content_id,
            unchanged: input.unchanged,
            display: input.display,
            module_root: input.module_root,
            text: input.text,
            stub_declares: input.stub_declares,
            source_info: proto.source_code_info,
            raw_spans: OnceLock::new(),
            spans: OnceLock::new(),
            line_starts: OnceLock::new(),
            messages: Vec::new(),
            enums: Vec::new(),
            services: Vec::new(),
            extensions: Vec::new(),
        });
        let scope = Scope {
            file: id,
            package: &package,
            prefix: String::new(),
            features: file_features,
            syntax,
        };
        for (i, m) in proto.message_type.iter().enumerate() {
            self.add_message(&scope, m, &[4, i as i32], None);
        }
        for (i, e) in proto.enum_type.iter().enumerate() {
            self.add_enum(&scope, e, &[5, i as i32]);
        }
        for (i, ext) in proto.extension.iter().enumerate() {
            let field = make_field(&scope, "", false, ext, &[7, i as i32], &[]);
            self.files[id].extensions.push(self.extensions.len());
            self.extensions.push(field);
        }
        for (i, s) in proto.service.iter().enumerate() {
            let full_name = qualify(&package, s.name());
            let site = Site::at(id, &[6, i as i32]);
            let methods = s
                .method
                .iter()
                .enumerate()
                .map(|(j, m)| Method {
                    name: m.name.clone().unwrap_or_default(),
                    input_type: m.input_type.clone().unwrap_or_default(),
                    output_type: m.output_type.clone().unwrap_or_default(),
                    client_streaming: m.client_streaming.unwrap_or(false),
                    server_streaming: m.server_streaming.unwrap_or(false),
                    idempotency_level: m
                        .options
                        .as_ref()
                        .and_then(|o| o.idempotency_level)
                        .unwrap_or(0),
                    site: site.child(&[2, j as i32]),
                    custom_options: custom_options(m.options.as_ref()),
                })
                .collect();
            self.files[id].services.push(self.services.len());
            self.service_ids
                .insert(full_name.clone(), self.services.len());
            self.services.push(Service {
                full_name,
                name: s.name().to_string(),
                file: id,
                site,
                methods,
                custom_options: custom_options(s.options.as_ref()),
            });
        }
    }

    fn add_message(
        &mut self,
        scope: &Scope,
        m: &DescriptorProto,
        path: &[i32],
        located_at: Option<&[i32]>,
    ) {
        let name = m.name().to_string();
        let nested_name = join(&scope.prefix, &name);
        let full_name = qualify(scope.package, &nested_name);
        let opts = m.options.clone().unwrap_or_default();
        let features = scope.features.merge(opts.features.as_ref());
        let map_entry = opts.map_entry.unwrap_or(false);
        let oneofs: Vec<Oneof> =
            m.oneof_decl
                .iter()
                .enumerate()
                .map(|(i, o)| Oneof {
                    name: o.name.clone().unwrap_or_default(),
                    // A oneof is synthetic when its only field is a proto3 `optional` one.
                    synthetic: m.field.iter().any(|f| {
                        f.oneof_index == Some(i as i32) && f.proto3_optional == Some(true)
                    }),
                })
                .collect();
        let inner = Scope {
            file: scope.file,
            package: scope.package,
            prefix: nested_name.clone(),
            features,
            syntax: scope.syntax,
        };
        let oneof_features: Vec<Features> = m
            .oneof_decl
            .iter()
            .map(|o| features.merge(o.options.as_ref().and_then(|o| o.features.as_ref())))
            .collect();
        let fields = m
            .field
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let p = match located_at {
                    Some(at) => at.to_vec(),
                    None => {
                        let mut p = path.to_vec();
                        p.extend_from_slice(&[2, i as i32]);
                        p
                    }
                };
                make_field(&inner, &name, map_entry, f, &p, &oneof_features)
            })
            .collect::<Vec<Field>>();
        let by_number = fields_by_number(&fields);
        let id = self.messages.len();
        self.message_ids.insert(full_name.clone(), id);
        self.files[scope.file].messages.push(id);
        self.messages.push(Message {
            full_name,
            name: name.clone(),
            nested_name,
            file: scope.file,
            site: Site::at(scope.file, located_at.unwrap_or(path)),
            fields,
            oneofs,
            reserved_ranges: m
                .reserved_range
                .iter()
                .map(|r| (r.start.unwrap_or(0), r.end.unwrap_or(0) - 1))
                .collect(),
            reserved_names: m.reserved_name.clone(),
            extension_ranges: m
                .extension_range
                .iter()
                .map(|r| (r.start.unwrap_or(0), r.end.unwrap_or(0) - 1))
                .collect(),
            map_entry,
            message_set_wire_format: opts.message_set_wire_format.unwrap_or(false),
            no_standard_descriptor_accessor: opts.no_standard_descriptor_accessor.unwrap_or(false),
            features,
            custom_options: opts.extensions,
            by_number,
        });
        for (i, nested) in m.nested_type.iter().enumerate() {
            let mut p = path.to_vec();
            p.extend_from_slice(&[3, i as i32]);
            // A map entry is synthesized from `map<K, V>`: compilers give it no location of
            // its own, so it (and its fields) is located at the map field's type, as buf does.
            let is_entry = nested.options.as_ref().and_then(|o| o.map_entry) == Some(true);
            let entry_type = format!(
                ".{}.{}",
                qualify(scope.package, &inner.prefix),
                nested.name()
            );
            let map_field = m
                .field
                .iter()
                .position(|f| is_entry && f.type_name.as_deref() == Some(entry_type.as_str()));
            let located_at = map_field.map(|j| {
                let mut q = path.to_vec();
                q.extend_from_slice(&[2, j as i32, 6]);
                q
            });
            self.add_message(&inner, nested, &p, located_at.as_deref());
        }
        for (i, e) in m.enum_type.iter().enumerate() {
            let mut p = path.to_vec();
            p.extend_from_slice(&[4, i as i32]);
            self.add_enum(&inner, e, &p);
        }
        for (i, ext) in m.extension.iter().enumerate() {
            let mut p = path.to_vec();
            p.extend_from_slice(&[6, i as i32]);
            let field = make_field(&inner, &name, false, ext, &p, &[]);
            self.files[scope.file]
                .extensions
                .push(self.extensions.len());
            self.extensions.push(field);
        }
    }

    fn add_enum(&mut self, scope: &Scope, e: &EnumDescriptorProto, path: &[i32]) {
        let name = e.name.clone().unwrap_or_default();
        let nested_name = join(&scope.prefix, &name);
        let full_name = qualify(scope.package, &nested_name);
        let features = scope
            .features
            .merge(e.options.as_ref().and_then(|o| o.features.as_ref()));
        let site = Site::at(scope.file, path);
        let values = e
            .value
            .iter()
            .enumerate()
            .map(|(i, v)| EnumValue {
                name: v.name.clone().unwrap_or_default(),
                number: v.number.unwrap_or(0),
                site: site.child(&[2, i as i32]),
            })
            .collect();
        let id = self.enums.len();
        self.enum_ids.insert(full_name.clone(), id);
        self.files[scope.file].enums.push(id);
        self.enums.push(Enum {
            full_name,
            name,
            nested_name,
            file: scope.file,
            site,
            values,
            reserved_ranges: e
                .reserved_range
                .iter()
                .map(|r| (r.start.unwrap_or(0), r.end.unwrap_or(0)))
                .collect(),
            reserved_names: e.reserved_name.clone(),
            features,
        });
    }

    /// Second pass: a field's cardinality depends on whether its message type is a map entry,
    /// and its kind on whether an editions message field is delimited-encoded.
    fn resolve_field_kinds(&mut self) {
        let map_entries: std::collections::HashSet<String> = self
            .messages
            .iter()
            .filter(|m| m.map_entry)
            .map(|m| format!(".{}", m.full_name))
            .collect();
        let fix = |f: &mut Field| {
            if f.cardinality == Cardinality::Repeated
                && matches!(f.kind, WireKind::Message | WireKind::Group)
                && map_entries.contains(&f.type_name)
            {
                f.cardinality = Cardinality::Map;
                // Map fields are always length-prefixed, whatever the file's default.
                f.kind = WireKind::Message;
            }
        };
        for m in &mut self.messages {
            for f in &mut m.fields {
                fix(f);
            }
        }
        for f in &mut self.extensions {
            fix(f);
        }
    }
}

struct Scope<'a> {
    file: FileId,
    package: &'a str,
    /// Nested name of the enclosing message, empty at file level.
    prefix: String,
    features: Features,
    syntax: Syntax,
}

fn make_field(
    scope: &Scope,
    parent_name: &str,
    in_map_entry: bool,
    f: &FieldDescriptorProto,
    path: &[i32],
    oneof_features: &[Features],
) -> Field {
    let name = f.name.clone().unwrap_or_default();
    let oneof = f.oneof_index.map(|i| i as usize);
    let inherited = oneof
        .and_then(|i| oneof_features.get(i).copied())
        .unwrap_or(scope.features);
    let opts = f.options.clone().unwrap_or_default();
    let features = inherited.merge(opts.features.as_ref());
    let ty = f.r#type.unwrap_or(0);
    let mut kind = WireKind::from_type(ty);
    if kind == WireKind::Message
        && !in_map_entry
        && matches!(scope.syntax, Syntax::Editions(_))
        && features.message_encoding == features::MESSAGE_DELIMITED
    {
        kind = WireKind::Group;
    }
    let label = f.label.unwrap_or(1);
    let extendee = f.extendee.clone().unwrap_or_default();
    let proto3_optional = f.proto3_optional.unwrap_or(false);
    let cardinality = if label == 3 {
        Cardinality::Repeated
    } else if label == 2 || features.field_presence == features::PRESENCE_LEGACY_REQUIRED {
        Cardinality::Required
    } else if kind == WireKind::Message
        || kind == WireKind::Group
        || oneof.is_some()
        || !extendee.is_empty()
        || proto3_optional
        || (scope.syntax != Syntax::Proto3
            && features.field_presence != features::PRESENCE_IMPLICIT)
    {
        Cardinality::OptionalExplicit
    } else {
        Cardinality::OptionalImplicit
    };
    let full_name = qualify(scope.package, &join(&scope.prefix, &name));
    Field {
        json_name: f
            .json_name
            .clone()
            .unwrap_or_else(|| default_json_name(&name)),
        name,
        full_name,
        number: f.number.unwrap_or(0),
        label,
        ty,
        kind,
        type_name: f.type_name.clone().unwrap_or_default(),
        extendee,
        default_value: f.default_value.clone(),
        oneof,
        proto3_optional,
        ctype: opts.ctype,
        jstype: opts.jstype,
        features,
        cardinality,
        parent_name: parent_name.to_string(),
        in_map_entry,
        site: Site::at(scope.file, path),
        custom_options: opts.extensions,
    }
}

/// The encoded custom options of an options message, if it has any.
fn custom_options<T>(options: Option<&WithExtensions<T>>) -> Vec<u8> {
    options.map(|o| o.extensions.clone()).unwrap_or_default()
}

/// protoc's default JSON name: lowerCamelCase of the field name.
pub fn default_json_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn qualify(package: &str, nested: &str) -> String {
    join(package, nested)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_of(numbers: &[i32]) -> Index {
        let field = |(i, &n): (usize, &i32)| FieldDescriptorProto {
            name: Some(format!("f{i}")),
            number: Some(n),
            label: Some(1),
            r#type: Some(5),
            ..Default::default()
        };
        let proto = crate::descriptor::FileDescriptorProto {
            name: Some("a.proto".into()),
            package: Some("p".into()),
            syntax: Some("proto3".into()),
            message_type: vec![DescriptorProto {
                name: Some("M".into()),
                field: numbers.iter().enumerate().map(field).collect(),
                ..Default::default()
            }],
            ..Default::default()
        };
        Index::build(vec![InputFile {
            proto,
            display: "a.proto".into(),
            module_root: ".".into(),
            content_id: None,
            is_import: false,
            unchanged: false,
            text: None,
            stub_declares: None,
        }])
    }

    /// Narrow messages scan, wide ones look up by number: both find what a scan finds, the
    /// first field of a repeated number (an image may hold one) included.
    #[test]
    fn fields_by_number_in_narrow_and_wide_messages() {
        for width in [3usize, SCAN_FIELDS, SCAN_FIELDS + 1, 1000] {
            let mut numbers: Vec<i32> = (1..=width as i32).rev().collect();
            numbers.push(2);
            let index = message_of(&numbers);
            let m = index.message("p.M").expect("p.M");
            for n in 1..=width as i32 {
                let want = m.fields.iter().find(|f| f.number == n).map(|f| &f.name);
                assert_eq!(m.field_by_number(n).map(|f| &f.name), want, "{width}: {n}");
            }
            assert_eq!(
                m.field_by_number(2).map(|f| f.name.as_str()),
                Some(format!("f{}", width - 2).as_str())
            );
            assert!(m.field_by_number(0).is_none());
            assert!(m.field_by_number(width as i32 + 1).is_none());
        }
    }
}
