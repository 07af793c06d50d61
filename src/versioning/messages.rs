//! The changes of messages, their oneofs and fields (by number), and of extensions (by
//! extendee and number), from the pairs of the element diff.

use std::collections::BTreeSet;

use super::changes::{declaration, oneof_name, parent_of, range_text, ranges, reservation_changes};
use super::changes::{Action, Change, Differ, Element};
use super::notes::OptionsOf;
use super::version::Bump;
use crate::diff::{MessagePair, OneofAt};
use crate::finding;
use crate::index::{Field, Index, Message};

impl<'a> Differ<'a> {
    pub(super) fn messages(&mut self) {
        let (old, new, diff) = (self.old, self.new, self.diff);
        let live_old = |m: &&Message| Self::live(old, m.file) && !m.map_entry;
        let live_new = |m: &&Message| Self::live(new, m.file) && !m.map_entry;
        let in_old = |name: &str| old.message(name).filter(live_old).is_some();
        let in_new = |name: &str| new.message(name).filter(live_new).is_some();
        // A map entry is compared through its map field: a message that is an entry on one
        // side only is added or removed as a message on the other.
        let mut added: Vec<&Message> = Vec::new();
        let mut removed: Vec<&Message> = Vec::new();
        for p in &diff.messages.both {
            match (p.old.map_entry, p.new.map_entry) {
                (false, false) => self.message_pair(p),
                (true, false) => added.push(p.new),
                (false, true) => removed.push(p.old),
                (true, true) => {}
            }
        }
        added.extend(diff.messages.added.iter().filter(|m| !m.map_entry));
        removed.extend(diff.messages.deleted.iter().filter(|m| !m.map_entry));
        for m in added {
            let parent = parent_of(&m.full_name);
            if new.message(parent).is_some() && !in_old(parent) {
                continue;
            }
            self.push(Change::new(
                Element::Message,
                Action::Added,
                &m.full_name,
                Some(m.site.clone()),
                None,
                format!("{} fields", m.fields.len()),
                Bump::Minor,
            ));
        }
        for m in removed {
            let parent = parent_of(&m.full_name);
            if old.message(parent).is_some() && !in_new(parent) {
                continue;
            }
            self.push(
                Change::new(
                    Element::Message,
                    Action::Removed,
                    &m.full_name,
                    None,
                    Some(m.site.clone()),
                    format!("had {} fields", m.fields.len()),
                    Bump::Major,
                )
                .removing(finding::Element::message(old, m)),
            );
        }
    }

    fn message_pair(&mut self, pair: &MessagePair<'a>) {
        let (o, n) = (pair.old, pair.new);
        let name = n.full_name.as_str();
        let (of, nf) = (&self.old.files[o.file], &self.new.files[n.file]);
        if of.name != nf.name {
            self.push(Change::new(
                Element::Message,
                Action::Changed,
                name,
                Some(n.site.clone()),
                Some(o.site.clone()),
                format!("moved from {} to {}", of.name, nf.name),
                Bump::Major,
            ));
        }
        // Reserved numbers and names, extension ranges.
        let mut reserve = |what: String, bump: Bump| {
            self.out.push(Change::new(
                Element::Message,
                Action::Changed,
                name,
                Some(n.site.clone()),
                Some(o.site.clone()),
                what,
                bump,
            ));
        };
        let reserved = reservation_changes(
            &o.reserved_ranges,
            &n.reserved_ranges,
            &o.reserved_names,
            &n.reserved_names,
        );
        for (what, bump) in reserved {
            reserve(what, bump);
        }
        let (oe, ne) = (ranges(&o.extension_ranges), ranges(&n.extension_ranges));
        let added: BTreeSet<_> = ne.difference(&oe).copied().collect();
        let removed: BTreeSet<_> = oe.difference(&ne).copied().collect();
        if !added.is_empty() {
            reserve(
                format!("extension range {} added", range_text(&added)),
                Bump::Minor,
            );
        }
        if !removed.is_empty() {
            reserve(
                format!("extension range {} removed", range_text(&removed)),
                Bump::Major,
            );
        }
        // Options held by value.
        for (option, number, a, b) in [
            (
                "message_set_wire_format",
                1,
                o.message_set_wire_format,
                n.message_set_wire_format,
            ),
            (
                "no_standard_descriptor_accessor",
                2,
                o.no_standard_descriptor_accessor,
                n.no_standard_descriptor_accessor,
            ),
        ] {
            if a != b {
                self.push(Change::new(
                    Element::Message,
                    Action::Options,
                    name,
                    Some(n.site.child(&[7, number])),
                    Some(o.site.child(&[7, number])),
                    format!("option {option} {a} → {b}"),
                    Bump::Patch,
                ));
            }
        }
        let compiled = self.both_compiled(o.file, n.file);
        if compiled {
            self.notes(OptionsOf::Message, Element::Message, name, &o.site, &n.site);
        }
        // Oneofs, by name (synthetic ones belong to proto3 `optional` fields).
        let mut added: Vec<OneofAt> = pair
            .oneofs
            .added
            .iter()
            .copied()
            .filter(|(_, x)| !x.synthetic)
            .collect();
        let mut removed: Vec<OneofAt> = pair
            .oneofs
            .deleted
            .iter()
            .copied()
            .filter(|(_, x)| !x.synthetic)
            .collect();
        for &((j, oo), (i, no)) in &pair.oneofs.both {
            match (oo.synthetic, no.synthetic) {
                (false, false) if compiled => {
                    let full = format!("{name}.{}", no.name);
                    let (old_site, site) =
                        (o.site.child(&[8, j as i32]), n.site.child(&[8, i as i32]));
                    self.notes(OptionsOf::Oneof, Element::Oneof, &full, &old_site, &site);
                }
                (true, false) => added.push((i, no)),
                (false, true) => removed.push((j, oo)),
                _ => {}
            }
        }
        for (i, no) in added {
            self.push(Change::new(
                Element::Oneof,
                Action::Added,
                &format!("{name}.{}", no.name),
                Some(n.site.child(&[8, i as i32])),
                None,
                format!(
                    "{} fields",
                    n.fields.iter().filter(|f| f.oneof == Some(i)).count()
                ),
                Bump::Minor,
            ));
        }
        for (i, oo) in removed {
            self.push(
                Change::new(
                    Element::Oneof,
                    Action::Removed,
                    &format!("{name}.{}", oo.name),
                    None,
                    Some(o.site.child(&[8, i as i32])),
                    format!(
                        "had {} fields",
                        o.fields.iter().filter(|f| f.oneof == Some(i)).count()
                    ),
                    Bump::Major,
                )
                .removing(finding::Element::oneof(self.old, o, oo)),
            );
        }
        // Fields, by number.
        for (ofield, nfield) in pair.field_pairs() {
            self.field_pair(Some((o, n)), ofield, nfield, Element::Field);
        }
        for nfield in pair.fields.added.iter().map(|g| g.first()) {
            self.push(Change::new(
                Element::Field,
                Action::Added,
                &nfield.full_name,
                Some(nfield.site.clone()),
                None,
                format!("`{}`", declaration(self.new, nfield)),
                Bump::Minor,
            ));
        }
        for ofield in pair.fields.deleted.iter().map(|g| g.first()) {
            self.push(
                Change::new(
                    Element::Field,
                    Action::Removed,
                    &ofield.full_name,
                    None,
                    Some(ofield.site.clone()),
                    format!("was `{}`", declaration(self.old, ofield)),
                    Bump::Major,
                )
                .removing(finding::Element::field(self.old, ofield)),
            );
        }
    }

    /// A field or extension present on both sides (by number).
    pub(super) fn field_pair(
        &mut self,
        messages: Option<(&Message, &Message)>,
        o: &Field,
        n: &Field,
        element: Element,
    ) {
        let (old, new) = (self.old, self.new);
        let name = n.full_name.as_str();
        let mut what = Vec::new();
        let (od, nd) = (declaration(old, o), declaration(new, n));
        // Name, type and label show in the declarations; the rest is spelled out.
        let changed_decl = od != nd;
        if o.cardinality != n.cardinality {
            what.push(format!(
                "{} → {}",
                o.cardinality.describe(),
                n.cardinality.describe()
            ));
        }
        let implied = |f: &Field| f.json_name == crate::index::default_json_name(&f.name);
        if o.json_name != n.json_name && !(implied(o) && implied(n)) {
            what.push(format!("json name {} → {}", o.json_name, n.json_name));
        }
        if o.default_value != n.default_value {
            let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "(none)".into());
            what.push(format!(
                "default {} → {}",
                show(&o.default_value),
                show(&n.default_value)
            ));
        }
        if let Some((om, nm)) = messages {
            match (oneof_name(Some(om), o), oneof_name(Some(nm), n)) {
                (None, Some(b)) => what.push(format!("moved into oneof {b}")),
                (Some(a), None) => what.push(format!("moved out of oneof {a}")),
                (Some(a), Some(b)) if a != b => {
                    what.push(format!("moved from oneof {a} to oneof {b}"))
                }
                _ => {}
            }
        }
        if o.in_map_entry || n.in_map_entry {
            // Entry fields are compared through their map field's type.
            return;
        }
        if changed_decl || !what.is_empty() {
            let mut description = String::new();
            if changed_decl {
                description = format!("`{od}` → `{nd}`");
            }
            if !what.is_empty() {
                if changed_decl {
                    description.push_str(": ");
                }
                description.push_str(&what.join("; "));
            }
            self.push(Change::new(
                element,
                Action::Changed,
                name,
                Some(n.site.clone()),
                Some(o.site.clone()),
                description,
                Bump::Major,
            ));
        }
        let describe = |v: Option<i32>, names: &[&str]| match v {
            None => "(unset)".to_string(),
            Some(x) => names
                .get(x as usize)
                .map(|s| s.to_string())
                .unwrap_or_else(|| x.to_string()),
        };
        for (option, number, a, b, names) in [
            (
                "ctype",
                1,
                o.ctype,
                n.ctype,
                &["STRING", "CORD", "STRING_PIECE"][..],
            ),
            (
                "jstype",
                6,
                o.jstype,
                n.jstype,
                &["JS_NORMAL", "JS_STRING", "JS_NUMBER"][..],
            ),
        ] {
            if a != b {
                self.push(Change::new(
                    element,
                    Action::Options,
                    name,
                    Some(n.site.child(&[8, number])),
                    Some(o.site.child(&[8, number])),
                    format!(
                        "option {option} {} → {}",
                        describe(a, names),
                        describe(b, names)
                    ),
                    Bump::Patch,
                ));
            }
        }
        if self.both_compiled(o.site.file, n.site.file) {
            self.notes(OptionsOf::Field, element, name, &o.site, &n.site);
        }
    }

    // -- enums --

    pub(super) fn extensions(&mut self) {
        let (old, new, diff) = (self.old, self.new, self.diff);
        // An extension declared inside a message that is added or removed with it.
        let scope_in = |index: &Index, f: &Field| {
            index
                .message(parent_of(&f.full_name))
                .filter(|m| Self::live(index, m.file))
                .is_some()
        };
        for &(o, f) in &diff.extensions.both {
            self.field_pair(None, o, f, Element::Extension);
        }
        for &f in &diff.extensions.added {
            if scope_in(new, f) && !scope_in(old, f) {
                continue;
            }
            self.push(Change::new(
                Element::Extension,
                Action::Added,
                &f.full_name,
                Some(f.site.clone()),
                None,
                format!(
                    "`{}` extends {}",
                    declaration(new, f),
                    f.extendee.trim_start_matches('.')
                ),
                Bump::Minor,
            ));
        }
        for &f in &diff.extensions.deleted {
            if scope_in(old, f) && !scope_in(new, f) {
                continue;
            }
            self.push(
                Change::new(
                    Element::Extension,
                    Action::Removed,
                    &f.full_name,
                    None,
                    Some(f.site.clone()),
                    format!(
                        "was `{}` extending {}",
                        declaration(old, f),
                        f.extendee.trim_start_matches('.')
                    ),
                    Bump::Major,
                )
                .removing(finding::Element::field(old, f)),
            );
        }
    }
}
