//! The changes of enums and their values (by number; aliases share one), from the pairs of
//! the element diff.

use super::changes::{parent_of, reservation_changes};
use super::changes::{Action, Change, Differ, Element};
use super::notes::OptionsOf;
use super::version::Bump;
use crate::diff::EnumPair;
use crate::finding;
use crate::index::EnumValue;

impl<'a> Differ<'a> {
    pub(super) fn enums(&mut self) {
        let (old, new, diff) = (self.old, self.new, self.diff);
        let msg_in_old = |name: &str| {
            old.message(name)
                .filter(|m| Self::live(old, m.file))
                .is_some()
        };
        let msg_in_new = |name: &str| {
            new.message(name)
                .filter(|m| Self::live(new, m.file))
                .is_some()
        };
        for p in &diff.enums.both {
            self.enum_pair(p);
        }
        for e in &diff.enums.added {
            let parent = parent_of(&e.full_name);
            if msg_in_new(parent) && !msg_in_old(parent) {
                continue;
            }
            self.push(Change::new(
                Element::Enum,
                Action::Added,
                &e.full_name,
                Some(e.site.clone()),
                None,
                format!("{} values", e.values.len()),
                Bump::Minor,
            ));
        }
        for e in &diff.enums.deleted {
            let parent = parent_of(&e.full_name);
            if msg_in_old(parent) && !msg_in_new(parent) {
                continue;
            }
            self.push(
                Change::new(
                    Element::Enum,
                    Action::Removed,
                    &e.full_name,
                    None,
                    Some(e.site.clone()),
                    format!("had {} values", e.values.len()),
                    Bump::Major,
                )
                .removing(finding::Element::enum_(old, e)),
            );
        }
    }

    fn enum_pair(&mut self, pair: &EnumPair<'a>) {
        let (o, n) = (pair.old, pair.new);
        let name = n.full_name.as_str();
        let (of, nf) = (&self.old.files[o.file], &self.new.files[n.file]);
        if of.name != nf.name {
            self.push(Change::new(
                Element::Enum,
                Action::Changed,
                name,
                Some(n.site.clone()),
                Some(o.site.clone()),
                format!("moved from {} to {}", of.name, nf.name),
                Bump::Major,
            ));
        }
        let reserved = reservation_changes(
            &o.reserved_ranges,
            &n.reserved_ranges,
            &o.reserved_names,
            &n.reserved_names,
        );
        for (what, bump) in reserved {
            self.push(Change::new(
                Element::Enum,
                Action::Changed,
                name,
                Some(n.site.clone()),
                Some(o.site.clone()),
                what,
                bump,
            ));
        }
        let compiled = self.both_compiled(o.file, n.file);
        if compiled {
            self.notes(OptionsOf::Enum, Element::Enum, name, &o.site, &n.site);
        }
        // Values, by number; aliases share a number. Values are scoped next to their enum
        // in protobuf, but read best under it.
        let value_name = |v: &str| format!("{name}.{v}");
        let old_index = self.old;
        let removed = |a: &EnumValue, number: i32| {
            Change::new(
                Element::EnumValue,
                Action::Removed,
                &value_name(&a.name),
                None,
                Some(a.site.clone()),
                format!("was `{} = {number}`", a.name),
                Bump::Major,
            )
            .removing(finding::Element::enum_value(old_index, o, a))
        };
        let held = pair
            .values
            .both
            .iter()
            .map(|g| (g.number, g.old.as_slice(), g.new.as_slice()))
            .chain(
                pair.values
                    .added
                    .iter()
                    .map(|g| (g.number, &[][..], g.members.as_slice())),
            );
        for (number, ovs, nvs) in held {
            let gone: Vec<_> = ovs
                .iter()
                .filter(|v| !nvs.iter().any(|x| x.name == v.name))
                .collect();
            let fresh: Vec<_> = nvs
                .iter()
                .filter(|v| !ovs.iter().any(|x| x.name == v.name))
                .collect();
            if let ([a], [b]) = (gone.as_slice(), fresh.as_slice()) {
                self.push(Change::new(
                    Element::EnumValue,
                    Action::Changed,
                    &value_name(&b.name),
                    Some(b.site.clone()),
                    Some(a.site.clone()),
                    format!("value {number} renamed {} → {}", a.name, b.name),
                    Bump::Major,
                ));
            } else {
                for b in &fresh {
                    self.push(Change::new(
                        Element::EnumValue,
                        Action::Added,
                        &value_name(&b.name),
                        Some(b.site.clone()),
                        None,
                        format!("`{} = {number}`", b.name),
                        Bump::Minor,
                    ));
                }
                for a in &gone {
                    self.push(removed(a, number));
                }
            }
            if compiled {
                for b in nvs {
                    if let Some(a) = ovs.iter().find(|x| x.name == b.name) {
                        let full = value_name(&b.name);
                        self.notes(
                            OptionsOf::EnumValue,
                            Element::EnumValue,
                            &full,
                            &a.site,
                            &b.site,
                        );
                    }
                }
            }
        }
        for g in &pair.values.deleted {
            for a in &g.members {
                self.push(removed(a, g.number));
            }
        }
    }
}
