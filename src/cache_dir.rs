//! Where protoguard keeps what it learns between runs: the history ledger's summaries
//! ([`crate::history::Cache`]) and the sets already verified to compile
//! ([`crate::verified`]). One root for both, below every layer that caches.

use std::path::PathBuf;

/// `$XDG_CACHE_HOME/protoguard` (when absolute), else `$HOME/.cache/protoguard`; `None`
/// when neither is set to an absolute path (nothing is cached on disk then).
pub fn root() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from) {
        if x.is_absolute() {
            return Some(x.join("protoguard"));
        }
    }
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
        .map(|h| h.join(".cache").join("protoguard"))
}
