//! The history ledger: every field and enum value each message and enum had in earlier
//! releases, so that reusing a number or name deleted long ago is caught even when the
//! baseline no longer shows it.

/// What earlier releases declared (filled from git history; see `history::build`).
#[derive(Debug, Default)]
pub struct Ledger {}
