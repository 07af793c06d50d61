//! One side of the comparison: its descriptors as prost-reflect loads them (editions files
//! lowered first, see [`super::lower`]), its index, and the reader semantics that come from
//! our own resolved features rather than from prost-reflect: closed enums, UTF-8 validation,
//! implicit presence.

use std::collections::{BTreeMap, BTreeSet};

use prost::Message as _;
use prost_reflect::{DescriptorPool, EnumDescriptor, FieldDescriptor, Syntax};

use super::{lower, wire, ProveError};
use crate::features;
use crate::index::Index;

/// One side of the comparison: its descriptors, loaded file by file, and its index.
pub struct Side<'a> {
    pub pool: DescriptorPool,
    pub index: &'a Index,
    /// Files that could not be loaded, and why.
    pub failed: BTreeMap<String, String>,
    /// Editions files, loaded lowered to proto2 ([`lower`]).
    pub editions: BTreeSet<String>,
    /// Their implicit-presence fields (proto2 cannot say so).
    pub implicit: lower::ImplicitFields,
}

impl Side<'_> {
    pub fn load<'a>(
        fds: &[u8],
        index: &'a Index,
        side: &'static str,
    ) -> Result<Side<'a>, ProveError> {
        let set =
            prost_types::FileDescriptorSet::decode(fds).map_err(|e| ProveError::Descriptors {
                side,
                reason: e.to_string(),
            })?;
        // prost-reflect reads proto2 and proto3 only (and panics building its error for an
        // editions file): editions files are lowered to proto2 first; files of another
        // syntax, and the files importing them, are left out.
        let mut failed: BTreeMap<String, String> = BTreeMap::new();
        let mut editions = BTreeSet::new();
        let mut implicit = lower::ImplicitFields::new();
        let mut loadable = Vec::new();
        for mut file in set.file {
            let name = file.name().to_string();
            if let Some(dep) = file.dependency.iter().find(|d| failed.contains_key(*d)) {
                failed.insert(name, format!("it imports {dep}, which cannot be loaded"));
            } else if file.syntax() == "editions" {
                match lower::lower_editions(&mut file, index, &mut implicit) {
                    Ok(()) => {
                        editions.insert(name);
                        loadable.push(file);
                    }
                    Err(why) => {
                        failed.insert(name.clone(), format!("{name}: {why}"));
                    }
                }
            } else if !matches!(file.syntax(), "" | "proto2" | "proto3") {
                failed.insert(
                    name.clone(),
                    format!(
                        "{name} has syntax {:?}, which the prover does not know",
                        file.syntax()
                    ),
                );
            } else {
                loadable.push(file);
            }
        }
        let add = |pool: &mut DescriptorPool, files: Vec<prost_types::FileDescriptorProto>| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                pool.add_file_descriptor_protos(files)
            }))
            .map_err(|_| "prost-reflect panicked loading it".to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
        };
        let mut pool = DescriptorPool::new();
        if failed.is_empty() && add(&mut pool, loadable.clone()).is_ok() {
            return Ok(Side {
                pool,
                index,
                failed,
                editions,
                implicit,
            });
        }
        // Some file cannot be loaded: load the others one by one.
        pool = DescriptorPool::new();
        for file in loadable {
            let name = file.name().to_string();
            if let Some(dep) = file.dependency.iter().find(|d| failed.contains_key(*d)) {
                failed.insert(name, format!("it imports {dep}, which cannot be loaded"));
                continue;
            }
            if let Err(e) = add(&mut pool, vec![file]) {
                failed.insert(name.clone(), format!("{name}: {e}"));
            }
        }
        Ok(Side {
            pool,
            index,
            failed,
            editions,
            implicit,
        })
    }

    /// A singular field without presence: its zero value is not written and reads as
    /// unset (proto3 fields without `optional`, `field_presence = IMPLICIT` in editions).
    pub fn implicit_presence(&self, f: &FieldDescriptor) -> bool {
        wire::implicit_presence(f)
            || (!f.is_list()
                && !f.is_map()
                && !f.is_required()
                && self
                    .implicit
                    .get(f.parent_message().full_name())
                    .is_some_and(|fields| fields.contains(&f.number())))
    }

    /// Closed enums (proto2, or `enum_type = CLOSED`) keep undeclared numbers out of fields.
    pub fn enum_closed(&self, e: &EnumDescriptor) -> bool {
        match self.index.enum_(e.full_name()) {
            Some(ie) => ie.is_closed(),
            None => e.parent_file().syntax() == Syntax::Proto2,
        }
    }

    /// Whether a reader rejects a string field holding invalid UTF-8 (proto3, or
    /// `utf8_validation = VERIFY`).
    pub fn utf8_verified(&self, f: &FieldDescriptor) -> bool {
        match self
            .index
            .message(f.parent_message().full_name())
            .and_then(|m| m.field_by_number(f.number() as i32))
        {
            Some(field) => field.features.utf8_validation == features::UTF8_VERIFY,
            None => f.parent_file().syntax() == Syntax::Proto3,
        }
    }

    /// What makes a reader validate UTF-8 in `f`, for messages.
    pub fn syntax_of(&self, f: &FieldDescriptor) -> &'static str {
        if self.editions.contains(f.parent_file().name()) {
            return "utf8_validation = VERIFY";
        }
        match f.parent_file().syntax() {
            Syntax::Proto2 => "proto2",
            Syntax::Proto3 => "proto3",
        }
    }

    /// Why a message type of this side cannot be checked, if it cannot.
    pub fn unavailable(&self, name: &str) -> Option<String> {
        if self.pool.get_message_by_name(name).is_some() {
            return None;
        }
        let file = self
            .index
            .message(name)
            .map(|m| self.index.files[m.file].name.clone())?;
        Some(
            self.failed
                .get(&file)
                .cloned()
                .unwrap_or_else(|| format!("{file} could not be loaded")),
        )
    }
}
