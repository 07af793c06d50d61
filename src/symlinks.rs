//! Symbolic links, read the same way on both sides. A `.proto` committed as a link
//! (`alias.proto -> a.proto`) is a blob holding the link's text; the work tree follows it.
//! So a git side follows links too: a link whose target stays inside the import root is
//! read as the file (or directory) it points at, and one whose target leaves the import
//! root is refused on both sides, since a commit's import root cannot hold what lies
//! outside it. Loops and dangling links are errors, never skipped files. Links to
//! anything but `.proto` files and directories (a README, a buf.yaml) are not followed
//! on a git side (a directory side follows what the walk meets, as buf does).

use std::collections::BTreeMap;
use std::path::Path;

use git2::Oid;

/// The git file mode of a symbolic link.
pub const LINK_MODE: u32 = 0o120000;

/// Links followed in a row (or directory links nested) before the path is called a loop,
/// as the kernel's ELOOP does.
const MAX_HOPS: usize = 40;

/// Checks a symbolic link met while walking a directory input: its target must lie inside
/// `root`. Returns why not.
pub fn check_dir_link(root: &Path, link: &Path) -> Result<(), String> {
    let target = std::fs::read_link(link)
        .map(|t| t.display().to_string())
        .unwrap_or_default();
    let canonical = link
        .canonicalize()
        .map_err(|e| format!("symbolic link to {target:?} that cannot be followed: {e}"))?;
    let root = root.canonicalize().map_err(|e| e.to_string())?;
    if canonical.starts_with(&root) {
        Ok(())
    } else {
        Err(leaves(&target))
    }
}

fn leaves(target: &str) -> String {
    format!(
        "symbolic link to {target:?}, outside the import root; protoguard follows links only \
         inside it, so that a git commit and a work tree read the same files (copy the file \
         in, or pass its directory with -I)"
    )
}

/// Every entry of a git import root: path (relative, `/`-separated) → (blob id, mode).
pub type Listing = BTreeMap<String, (Oid, u32)>;

/// What a path names once links are followed.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    File(Oid),
    Dir(String),
}

/// The `.proto` files of a git import root, links followed: path → blob id of the
/// content. `read_link` gives a link blob's text. Fails, naming the path, on a link that
/// leaves the root, dangles or loops.
pub fn proto_files(
    listing: &Listing,
    read_link: &dyn Fn(Oid) -> Result<String, String>,
) -> Result<BTreeMap<String, Oid>, (String, String)> {
    let mut out = BTreeMap::new();
    add_entries(listing, read_link, "", "", &mut Vec::new(), &mut out)?;
    Ok(out)
}

/// Adds the files under `dir` (empty: the root) as if they lay under `shown`. `expanding`
/// holds the directories entered through links on the way here: entering one again, or
/// a directory that holds the link itself, would never end (a loop, as `find -L` says).
fn add_entries(
    listing: &Listing,
    read_link: &dyn Fn(Oid) -> Result<String, String>,
    dir: &str,
    shown: &str,
    expanding: &mut Vec<String>,
    out: &mut BTreeMap<String, Oid>,
) -> Result<(), (String, String)> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    for (path, &(id, mode)) in listing.range(prefix.clone()..) {
        let Some(rel) = path.strip_prefix(&prefix) else {
            break;
        };
        // Hidden files and directories are not part of an input, as in a directory walk
        // (a link may still point into one).
        if rel.split('/').any(|c| c.starts_with('.')) {
            continue;
        }
        let name = if shown.is_empty() {
            rel.to_string()
        } else {
            format!("{shown}/{rel}")
        };
        if mode != LINK_MODE {
            if rel.ends_with(".proto") {
                out.insert(name, id);
            }
            continue;
        }
        let is_proto = rel.ends_with(".proto");
        let target = match resolve(listing, read_link, path) {
            Ok(t) => t,
            Err(why) if is_proto => return Err((name, why)),
            // A link to something that is not a .proto (a README, a buf.yaml) may lead
            // anywhere: nothing is read through it.
            Err(_) => continue,
        };
        match target {
            Target::File(blob) => {
                if is_proto {
                    out.insert(name, blob);
                }
            }
            Target::Dir(target) => {
                let holds_link = target.is_empty() || path.starts_with(&format!("{target}/"));
                if holds_link || expanding.contains(&target) {
                    return Err((name, "symbolic link loop".into()));
                }
                expanding.push(target.clone());
                add_entries(listing, read_link, &target, &name, expanding, out)?;
                expanding.pop();
            }
        }
    }
    Ok(())
}

/// Follows `path` (a link) to a file or directory of the listing.
fn resolve(
    listing: &Listing,
    read_link: &dyn Fn(Oid) -> Result<String, String>,
    path: &str,
) -> Result<Target, String> {
    let mut parts: Vec<String> = path.split('/').map(str::to_string).collect();
    let mut hops = 0;
    'restart: loop {
        // Walk component by component, replacing any link met by its target.
        for i in 0..parts.len() {
            let here = parts[..=i].join("/");
            let Some(&(id, mode)) = listing.get(&here) else {
                continue;
            };
            if mode != LINK_MODE {
                continue;
            }
            hops += 1;
            if hops > MAX_HOPS {
                return Err("too many levels of symbolic links".into());
            }
            let text = read_link(id)?;
            if text.starts_with('/') {
                return Err(leaves(&text));
            }
            let mut next: Vec<String> = parts[..i].to_vec();
            for c in text.split('/') {
                match c {
                    "" | "." => {}
                    ".." => {
                        if next.pop().is_none() {
                            return Err(leaves(&text));
                        }
                    }
                    c => next.push(c.to_string()),
                }
            }
            next.extend(parts[i + 1..].iter().cloned());
            parts = next;
            continue 'restart;
        }
        let path = parts.join("/");
        if let Some(&(id, _)) = listing.get(&path) {
            return Ok(Target::File(id));
        }
        let under = format!("{path}/");
        if path.is_empty()
            || listing
                .range(under.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&under))
        {
            return Ok(Target::Dir(path));
        }
        return Err(format!("symbolic link to {path:?}, which does not exist"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> Oid {
        Oid::hash_object(git2::ObjectType::Blob, &[n]).unwrap()
    }

    /// A listing with link texts kept aside, by link blob id.
    fn listing(entries: &[(&str, &str)]) -> (Listing, BTreeMap<Oid, String>) {
        let mut l = Listing::new();
        let mut texts = BTreeMap::new();
        for (i, (path, link)) in entries.iter().enumerate() {
            if let Some(target) = link.strip_prefix("->") {
                let blob = id(100 + i as u8);
                texts.insert(blob, target.to_string());
                l.insert(path.to_string(), (blob, LINK_MODE));
            } else {
                l.insert(path.to_string(), (id(i as u8), 0o100644));
            }
        }
        (l, texts)
    }

    fn files(entries: &[(&str, &str)]) -> Result<Vec<(String, Oid)>, (String, String)> {
        let (l, texts) = listing(entries);
        let read = |b: Oid| {
            texts
                .get(&b)
                .cloned()
                .ok_or_else(|| "no such blob".to_string())
        };
        proto_files(&l, &read).map(|m| m.into_iter().collect())
    }

    #[test]
    fn links_inside_the_root_read_their_target() {
        let got = files(&[
            ("a.proto", ""),
            ("alias.proto", "->a.proto"),
            ("v1/b.proto", ""),
            ("v1/up.proto", "->../a.proto"),
            ("latest", "->v1"),
            ("notes.txt", ""),
            (".hidden/c.proto", ""),
            ("generated.proto", "->.hidden/c.proto"),
        ])
        .unwrap();
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "a.proto",
                "alias.proto",
                "generated.proto",
                "latest/b.proto",
                "latest/up.proto",
                "v1/b.proto",
                "v1/up.proto"
            ]
        );
        let of = |n: &str| got.iter().find(|(x, _)| x == n).unwrap().1;
        assert_eq!(of("alias.proto"), of("a.proto"));
        assert_eq!(of("latest/up.proto"), of("a.proto"));
        assert_eq!(of("latest/b.proto"), of("v1/b.proto"));
    }

    #[test]
    fn links_that_leave_the_root_dangle_or_loop_are_refused() {
        for (entries, path, why) in [
            (vec![("out.proto", "->../x.proto")], "out.proto", "outside"),
            (
                vec![("abs.proto", "->/etc/x.proto")],
                "abs.proto",
                "outside",
            ),
            (
                vec![("gone.proto", "->nope.proto")],
                "gone.proto",
                "does not exist",
            ),
            (
                vec![("a.proto", "->b.proto"), ("b.proto", "->a.proto")],
                "a.proto",
                "levels",
            ),
            (
                vec![("d/self", "->.."), ("d/x.proto", "")],
                "d/self",
                "loop",
            ),
            (
                vec![("a/b", "->../c"), ("c/d", "->../a"), ("c/x.proto", "")],
                "a/b/d",
                "loop",
            ),
        ] {
            let err = files(&entries).expect_err(path);
            assert!(err.0.starts_with(path) && err.1.contains(why), "{err:?}");
        }
    }
}
