//! Coverage comparison of number ranges (reserved ranges, extension ranges): re-splitting
//! ranges is fine, losing any number is not.

/// Largest field number of a message, of a message-set message, and of an enum.
pub const MESSAGE_MAX: i32 = 536_870_911;
pub const MESSAGE_SET_MAX: i32 = 2_147_483_646;
pub const ENUM_MAX: i32 = 2_147_483_647;

/// Sorted, merged copy of inclusive ranges (adjacent ranges merge too).
pub fn collapse(ranges: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let mut sorted = ranges.to_vec();
    sorted.sort();
    let mut out: Vec<(i32, i32)> = Vec::new();
    for (s, e) in sorted {
        match out.last_mut() {
            Some(last) if (s as i64) <= last.1 as i64 + 1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The parts of `[start, end]` not covered by `collapsed`.
pub fn missing(start: i32, end: i32, collapsed: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    let mut next = start as i64;
    for &(s, e) in collapsed {
        if (e as i64) < next {
            continue;
        }
        if s as i64 > end as i64 {
            break;
        }
        if (s as i64) > next {
            out.push((next as i32, (s as i64 - 1) as i32));
        }
        next = e as i64 + 1;
        if next > end as i64 {
            break;
        }
    }
    if next <= end as i64 {
        out.push((next as i32, end));
    }
    out
}

/// `[5]`, `[5,9]` or `[5,max]`, as buf prints a range.
pub fn range_string(start: i32, end: i32, max: i32) -> String {
    if start == end {
        format!("[{start}]")
    } else if end == max {
        format!("[{start},max]")
    } else {
        format!("[{start},{end}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resplit_ranges_lose_nothing() {
        let now = collapse(&[(1, 3), (4, 10)]);
        assert!(missing(1, 10, &now).is_empty());
    }

    #[test]
    fn lost_numbers_are_listed() {
        let now = collapse(&[(1, 2), (5, 6)]);
        assert_eq!(missing(1, 8, &now), vec![(3, 4), (7, 8)]);
        assert_eq!(missing(1, 8, &[]), vec![(1, 8)]);
    }
}
