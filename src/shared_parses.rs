//! Parses the two sides of a comparison share. Files compiled without source info (the
//! importers a change reached, and imports) are mostly the same content on both sides; the
//! sides compile at the same time, and each such content is parsed once for both (see
//! [`crate::compile::compile_set_spanless`]).

use std::sync::Arc;

/// Parses without source info that the two sides of a comparison share, by path and
/// content: the first side to need one parses it (the other waits for it rather than
/// parsing it too), the first to take it gets a copy, the second the parse itself and the
/// slot is emptied.
#[derive(Default)]
pub struct SharedParses {
    slots: std::sync::Mutex<std::collections::HashMap<(String, git2::Oid), Arc<SharedParse>>>,
}

#[derive(Default)]
struct SharedParse {
    done: std::sync::OnceLock<()>,
    proto: std::sync::Mutex<Option<prost_types::FileDescriptorProto>>,
    takers: std::sync::atomic::AtomicUsize,
}

impl SharedParses {
    /// The parse of `name` with content `key`, from `parse` if no side has parsed it yet
    /// (`None`: it did not parse; the resolver then parses it again and reports why).
    pub(crate) fn parsed(
        &self,
        name: &str,
        key: git2::Oid,
        parse: impl FnOnce() -> Option<prost_types::FileDescriptorProto>,
    ) -> Option<prost_types::FileDescriptorProto> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(slots.entry((name.to_string(), key)).or_default())
        };
        // A panic in `parse` leaves the slot unset (the caller's guard reports it); the
        // other side then tries for itself.
        slot.done.get_or_init(|| {
            let proto = parse();
            *slot.proto.lock().unwrap_or_else(|e| e.into_inner()) = proto;
        });
        let mut proto = slot.proto.lock().unwrap_or_else(|e| e.into_inner());
        if slot
            .takers
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            == 0
        {
            return proto.clone();
        }
        // Both sides have it: the slot goes (a later compile of the file parses it anew).
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if slots
            .get(&(name.to_string(), key))
            .is_some_and(|s| Arc::ptr_eq(s, &slot))
        {
            slots.remove(&(name.to_string(), key));
        }
        proto.take()
    }
}
