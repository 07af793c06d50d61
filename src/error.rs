//! Errors of each layer. Every user mistake (bad path, bad schema, bad flag, bad config) is
//! one of these, exits with code 2, and names `path:line:col` where there is one.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Reading and compiling one side of a comparison.
#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    #[error("{path}: no such file or directory")]
    #[diagnostic(code(protoguard::input::not_found))]
    NotFound { path: String },

    #[error("an empty path names nothing: give a directory, an image or a git input")]
    #[diagnostic(code(protoguard::input::empty_path))]
    EmptyPath,

    #[error("{path}: cannot read: {reason}")]
    #[diagnostic(code(protoguard::input::unreadable))]
    Unreadable { path: String, reason: String },

    #[error("{path}: no .proto files found")]
    #[diagnostic(
        code(protoguard::input::empty),
        help("point at the directory that is the import root of your .proto files")
    )]
    Empty { path: String },

    #[error("{location}: {reason}")]
    #[diagnostic(code(protoguard::compile))]
    Compile {
        /// `path:line:col`, or just the path when the compiler gave no position.
        location: String,
        reason: String,
        #[source_code]
        source_code: Option<NamedSource<String>>,
        #[label("here")]
        span: Option<SourceSpan>,
    },

    #[error("{path}: is a .proto file; pass the directory that is its import root, or an image")]
    #[diagnostic(
        code(protoguard::input::proto_file),
        help("every *.proto under a directory input is checked; imports resolve from that directory and -I")
    )]
    ProtoFile { path: String },

    #[error("{path}: not a valid FileDescriptorSet image: {reason}")]
    #[diagnostic(
        code(protoguard::input::image),
        help("images are written by `buf build -o x.binpb` or `protoc --include_imports --include_source_info -o x.binpb`")
    )]
    Image { path: String, reason: String },

    #[error("{input}: {reason}")]
    #[diagnostic(code(protoguard::input::git))]
    Git { input: String, reason: String },
}

/// Reading `buf.yaml` or choosing rules.
#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("{path}: {reason}")]
    #[diagnostic(code(protoguard::config::invalid))]
    Invalid { path: String, reason: String },

    #[error("unknown rule or category {name:?}")]
    #[diagnostic(
        code(protoguard::config::unknown_rule),
        help("`protoguard rules` lists every rule ID; categories are FILE, PACKAGE, WIRE_JSON, WIRE, CSR")
    )]
    UnknownRule { name: String },
}
