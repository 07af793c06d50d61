//! The globs of `protoguard.yaml`: `*` matches within one part, `**` matches any number of
//! whole parts (none included), everything else matches itself. Parts are separated by `/`
//! in file paths and by `.` in package and element names, so `acme.*` is every package one
//! level below `acme` and `acme.**` is `acme` and everything below it.

/// Whether `name` matches `pattern`, parts separated by `sep`.
pub fn matches(pattern: &str, name: &str, sep: char) -> bool {
    let pattern: Vec<&str> = pattern.split(sep).collect();
    let name: Vec<&str> = name.split(sep).collect();
    parts_match(&pattern, &name)
}

fn parts_match(pattern: &[&str], name: &[&str]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((&"**", rest)) => (0..=name.len()).any(|skip| parts_match(rest, &name[skip..])),
        Some((first, rest)) => match name.split_first() {
            Some((n, name_rest)) => part_matches(first, n) && parts_match(rest, name_rest),
            None => false,
        },
    }
}

/// One part: `*` matches any run of characters (none included).
fn part_matches(pattern: &str, part: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == part,
        Some((prefix, rest)) => {
            let Some(tail) = part.strip_prefix(prefix) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| part_matches(rest, &tail[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_stay_in_their_part_and_double_stars_cross() {
        assert!(matches("acme.labs.*", "acme.labs.v1", '.'));
        assert!(!matches("acme.labs.*", "acme.labs.v1.x", '.'));
        assert!(!matches("acme.labs.*", "acme.labs", '.'));
        assert!(matches("acme.**", "acme", '.'));
        assert!(matches("acme.**", "acme.a.b", '.'));
        assert!(matches(
            "acme.v1.User.beta_*",
            "acme.v1.User.beta_flag",
            '.'
        ));
        assert!(!matches("acme.v1.User.beta_*", "acme.v1.User.alpha", '.'));
        assert!(matches("proto/labs/**", "proto/labs/x/y.proto", '/'));
        assert!(matches(
            "**/experimental/*.proto",
            "a/experimental/b.proto",
            '/'
        ));
        assert!(matches("*.proto", "b.proto", '/'));
        assert!(!matches("*.proto", "a/b.proto", '/'));
        assert!(matches("a*b*c", "aXbYc", '/'));
    }
}
