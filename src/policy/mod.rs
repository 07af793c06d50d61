//! The compatibility contract: a layer over the rules that decides each finding's
//! [`Verdict`](crate::finding::Verdict) (breaking, or allowed with what allowed it and why)
//! without ever changing what a rule found.
//!
//! The contract is written in `protoguard.yaml` ([`file`]) and in the schema itself
//! (`@experimental` / `@internal` marks, `// protoguard:allow RULE -- reason` waivers).
//! With neither, every verdict is buf's: every finding is breaking.

pub mod deprecation;
pub mod file;
pub mod payloads;
pub mod window;

pub use file::{ContractFile, CONTRACT_FILE_NAME};
