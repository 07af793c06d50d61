//! The changes of services and their RPCs (by name), from the pairs of the element diff.

use super::changes::{rpc_signature, Action, Change, Differ, Element};
use super::notes::OptionsOf;
use super::version::Bump;
use crate::diff::ServicePair;
use crate::finding;

impl<'a> Differ<'a> {
    pub(super) fn services(&mut self) {
        let (old, diff) = (self.old, self.diff);
        for p in &diff.services.both {
            self.service_pair(p);
        }
        for s in &diff.services.added {
            self.push(Change::new(
                Element::Service,
                Action::Added,
                &s.full_name,
                Some(s.site.clone()),
                None,
                format!("{} RPCs", s.methods.len()),
                Bump::Minor,
            ));
        }
        for s in &diff.services.deleted {
            self.push(
                Change::new(
                    Element::Service,
                    Action::Removed,
                    &s.full_name,
                    None,
                    Some(s.site.clone()),
                    format!("had {} RPCs", s.methods.len()),
                    Bump::Major,
                )
                .removing(finding::Element::service(old, s)),
            );
        }
    }

    fn service_pair(&mut self, pair: &ServicePair<'a>) {
        let (old, new) = (self.old, self.new);
        let (o, s) = (pair.old, pair.new);
        let name = s.full_name.as_str();
        let (of, nf) = (&old.files[o.file], &new.files[s.file]);
        if of.name != nf.name {
            self.push(Change::new(
                Element::Service,
                Action::Changed,
                name,
                Some(s.site.clone()),
                Some(o.site.clone()),
                format!("moved from {} to {}", of.name, nf.name),
                Bump::Major,
            ));
        }
        let compiled = self.both_compiled(o.file, s.file);
        if compiled {
            self.notes(OptionsOf::Service, Element::Service, name, &o.site, &s.site);
        }
        for &(om, m) in &pair.rpcs.both {
            let full = format!("{name}.{}", m.name);
            let (a, b) = (rpc_signature(om), rpc_signature(m));
            if a != b {
                self.push(Change::new(
                    Element::Rpc,
                    Action::Changed,
                    &full,
                    Some(m.site.clone()),
                    Some(om.site.clone()),
                    format!("`{a}` → `{b}`"),
                    Bump::Major,
                ));
            }
            if om.idempotency_level != m.idempotency_level {
                let level = |l: i32| match l {
                    1 => "NO_SIDE_EFFECTS",
                    2 => "IDEMPOTENT",
                    _ => "IDEMPOTENCY_UNKNOWN",
                };
                self.push(Change::new(
                    Element::Rpc,
                    Action::Options,
                    &full,
                    Some(m.site.child(&[4, 34])),
                    Some(om.site.child(&[4, 34])),
                    format!(
                        "option idempotency_level {} → {}",
                        level(om.idempotency_level),
                        level(m.idempotency_level)
                    ),
                    Bump::Patch,
                ));
            }
            if compiled {
                self.notes(OptionsOf::Method, Element::Rpc, &full, &om.site, &m.site);
            }
        }
        for m in &pair.rpcs.added {
            self.push(Change::new(
                Element::Rpc,
                Action::Added,
                &format!("{name}.{}", m.name),
                Some(m.site.clone()),
                None,
                format!("`{}`", rpc_signature(m)),
                Bump::Minor,
            ));
        }
        for om in &pair.rpcs.deleted {
            self.push(
                Change::new(
                    Element::Rpc,
                    Action::Removed,
                    &format!("{name}.{}", om.name),
                    None,
                    Some(om.site.clone()),
                    format!("was `{}`", rpc_signature(om)),
                    Bump::Major,
                )
                .removing(finding::Element::rpc(old, o, om)),
            );
        }
    }
}
