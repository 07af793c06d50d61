//! Unified diffs (`diff -u`, three lines of context) for `fix --dry-run`.
//!
//! Lines are matched with Myers' O(ND) algorithm, keeping only the diagonals each step can
//! reach, so memory grows with the square of the number of changed lines, not with the
//! file: `fix` changes a few lines of files that may be long.

use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// The same line on both sides (old index, new index).
    Keep(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// The shortest edit script turning `a` into `b`.
fn script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (n + m) as usize;
    // trace[d][k + d] is the furthest x on diagonal k after d edits.
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut v: Vec<isize> = vec![0; 3];
    'outer: for d in 0..=max as isize {
        let mut next = vec![0isize; (2 * d + 1) as usize];
        let get = |v: &Vec<isize>, k: isize| -> isize {
            // v holds diagonals -(d-1)..=(d-1), offset by d-1.
            let off = k + (d - 1);
            if off < 0 || off as usize >= v.len() {
                -1
            } else {
                v[off as usize]
            }
        };
        for k in (-d..=d).step_by(2) {
            let mut x = if d == 0 {
                0
            } else if k == -d || (k != d && get(&v, k - 1) < get(&v, k + 1)) {
                get(&v, k + 1)
            } else {
                get(&v, k - 1) + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            next[(k + d) as usize] = x;
            if x >= n && y >= m {
                trace.push(next);
                break 'outer;
            }
        }
        trace.push(next.clone());
        v = next;
    }
    // Walk back from (n, m) through the recorded steps.
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..trace.len() as isize).rev() {
        let k = x - y;
        let at = |d: isize, k: isize| trace[d as usize][(k + d) as usize];
        if d == 0 {
            while x > 0 && y > 0 {
                x -= 1;
                y -= 1;
                ops.push(Op::Keep(x as usize, y as usize));
            }
            break;
        }
        let prev_k = if k == -d || (k != d && at(d - 1, k - 1) < at(d - 1, k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = at(d - 1, prev_k);
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            ops.push(Op::Keep(x as usize, y as usize));
        }
        if x == prev_x {
            y -= 1;
            ops.push(Op::Insert(y as usize));
        } else {
            x -= 1;
            ops.push(Op::Delete(x as usize));
        }
    }
    ops.reverse();
    ops
}

/// `text` as lines that keep their line ending.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// A unified diff of `old` and `new`, headed `--- a/PATH` / `+++ b/PATH`; empty when they
/// are equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    const CONTEXT: usize = 3;
    let (a, b) = (lines(old), lines(new));
    let ops = script(&a, &b);
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Keep(..)))
        .map(|(i, _)| i)
        .collect();
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let mut i = 0;
    while i < changed.len() {
        // A hunk: changes closer than twice the context share one.
        let mut j = i;
        while j + 1 < changed.len() && changed[j + 1] - changed[j] <= 2 * CONTEXT + 1 {
            j += 1;
        }
        let start = changed[i].saturating_sub(CONTEXT);
        let end = (changed[j] + CONTEXT + 1).min(ops.len());
        let hunk = &ops[start..end];
        // Where the hunk starts on each side: the first line it shows, or (for an empty
        // side) the line before it, as `diff -u` counts.
        let old_start = ops[..start]
            .iter()
            .filter(|op| !matches!(op, Op::Insert(_)))
            .count();
        let new_start = ops[..start]
            .iter()
            .filter(|op| !matches!(op, Op::Delete(_)))
            .count();
        let old_len = hunk
            .iter()
            .filter(|op| !matches!(op, Op::Insert(_)))
            .count();
        let new_len = hunk
            .iter()
            .filter(|op| !matches!(op, Op::Delete(_)))
            .count();
        let shown = |start: usize, len: usize| {
            if len == 0 {
                format!("{start},0")
            } else if len == 1 {
                format!("{}", start + 1)
            } else {
                format!("{},{len}", start + 1)
            }
        };
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            shown(old_start, old_len),
            shown(new_start, new_len)
        );
        for op in hunk {
            let (mark, line) = match *op {
                Op::Keep(x, _) => (' ', a[x]),
                Op::Delete(x) => ('-', a[x]),
                Op::Insert(y) => ('+', b[y]),
            };
            out.push(mark);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a.proto", "x\n", "x\n"), "");
    }

    #[test]
    fn insertions_and_changes_read_as_diff_u_prints_them() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n";
        let new = "1\n2\nnew\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13 changed\n14\n15\n";
        assert_eq!(
            unified("a.proto", old, new),
            "--- a/a.proto\n+++ b/a.proto\n\
             @@ -1,5 +1,6 @@\n 1\n 2\n+new\n 3\n 4\n 5\n\
             @@ -10,6 +11,6 @@\n 10\n 11\n 12\n-13\n+13 changed\n 14\n 15\n"
        );
    }

    /// Applies a unified diff made by [`unified`] to `old`.
    fn patch(old: &str, diff: &str) -> String {
        let a = lines(old);
        let mut out = String::new();
        let mut next = 0; // the next old line not yet copied
        let mut body = diff.split_inclusive('\n').skip(2).peekable();
        while let Some(header) = body.next() {
            let start: usize = header[4..]
                .split([',', ' '])
                .next()
                .unwrap()
                .parse()
                .unwrap();
            // A hunk that removes nothing names the line before it.
            let first = if header.starts_with(&format!("@@ -{start},0 ")) {
                start
            } else {
                start - 1
            };
            for l in &a[next..first] {
                out.push_str(l);
            }
            next = first;
            while let Some(l) = body.peek().filter(|l| !l.starts_with("@@")) {
                let l = *l;
                body.next();
                if l.starts_with('\\') {
                    out.pop();
                    continue;
                }
                match &l[..1] {
                    " " => {
                        out.push_str(&l[1..]);
                        next += 1;
                    }
                    "-" => next += 1,
                    _ => out.push_str(&l[1..]),
                }
            }
        }
        for l in &a[next..] {
            out.push_str(l);
        }
        out
    }

    #[test]
    fn the_diff_of_random_edits_patches_old_into_new() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rand = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for _ in 0..300 {
            let len = rand(30) as usize;
            let old: Vec<String> = (0..len).map(|_| format!("l{}\n", rand(6))).collect();
            let mut new = old.clone();
            for _ in 0..rand(6) {
                let at = rand(new.len() as u64 + 1) as usize;
                match rand(3) {
                    0 if at < new.len() => {
                        new.remove(at);
                    }
                    1 if at < new.len() => new[at] = format!("x{}\n", rand(4)),
                    _ => new.insert(at, format!("n{}\n", rand(4))),
                }
            }
            let (old, mut new) = (old.concat(), new.concat());
            if rand(4) == 0 {
                new.pop(); // no final newline
            }
            let diff = unified("f", &old, &new);
            assert_eq!(patch(&old, &diff), new, "old:\n{old}\ndiff:\n{diff}");
        }
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        assert_eq!(
            unified("a", "x", "y\nx"),
            "--- a/a\n+++ b/a\n@@ -1 +1,2 @@\n+y\n x\n\\ No newline at end of file\n"
        );
        assert_eq!(
            unified("a", "", "y\n"),
            "--- a/a\n+++ b/a\n@@ -0,0 +1 @@\n+y\n"
        );
    }
}
