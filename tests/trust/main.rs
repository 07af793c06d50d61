//! A gate you can trust: no crash, no hang and no silent pass on hostile or broken input.
//! Every case exits 2 with one located line, or is judged exactly as `--full` judges it.
//!
//! Each test runs the real binary in a temporary directory, with its own cache directory.
//! `sources`: crashes, hangs, silent passes and unclear answers on `.proto` trees and
//! command lines; `images`: images checked as a compiler checks its output; `buf_yaml`:
//! configuration errors in the user's terms.

#[path = "../common/mod.rs"]
mod common;

mod buf_yaml;
mod images;
mod sources;
mod support;
