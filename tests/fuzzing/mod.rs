//! protoguard's fuzz harness, on stable Rust: structure-aware generation and mutation of
//! `.proto` sources, images and buf.yaml ([`case`]), driven through the library's check,
//! semver and prove entry points with oracles that need no expected output ([`exec`]), in
//! worker processes that survive crashes and hangs ([`runner`]).
//!
//! Shared by the bounded run in `cargo test` (`tests/fuzz.rs`) and the long run
//! (`examples/fuzz.rs`, `scripts/fuzz.sh`); it is not part of the library.

// Each of the two crates that include this module uses part of it (the test never replays,
// the example never injects faults).
#![allow(dead_code)]

pub mod bufyaml;
pub mod case;
pub mod evolve;
pub mod exec;
pub mod mutate;
pub mod render;
pub mod rng;
pub mod runner;
pub mod schema;
