//! Bumps and versions: the bump a change or a rule requires, the version to release after
//! a bump (semver 2.0.0 with Cargo's convention for `0.y.z`, pre-releases followed by their
//! own release when it is big enough), and the bump between two released versions.

use std::fmt;

use serde::Serialize;

/// A semantic-version bump, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "NONE",
            Bump::Patch => "PATCH",
            Bump::Minor => "MINOR",
            Bump::Major => "MAJOR",
        }
    }

    /// `major`, `MINOR`, `patch`, `none` (as in the rules' yaml `semver:` key).
    pub fn parse(s: &str) -> Option<Bump> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Bump::None),
            "patch" => Some(Bump::Patch),
            "minor" => Some(Bump::Minor),
            "major" => Some(Bump::Major),
            _ => None,
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The bump a finding of `rule` requires: its `semver:` in `rules/<ID>.yaml`, MAJOR when the
/// rule has no documentation.
pub fn rule_bump(rule: &str) -> Bump {
    crate::catalog::get(rule)
        .and_then(|d| Bump::parse(&d.semver))
        .unwrap_or(Bump::Major)
}

/// The bump a finding requires: its rule's, but at most MINOR when the compatibility
/// contract allows it (a break inside something experimental breaks no promise).
pub fn finding_bump(a: &crate::report::Annotation) -> Bump {
    let bump = rule_bump(a.rule);
    if a.verdict.is_breaking() {
        bump
    } else {
        bump.min(Bump::Minor)
    }
}

/// The version to release after `current` with changes that require `bump` (see the
/// module documentation for 0.x and pre-releases). Build metadata is dropped.
pub fn next_version(current: &semver::Version, bump: Bump) -> semver::Version {
    use semver::{BuildMetadata, Prerelease, Version};
    let (ma, mi, pa) = (current.major, current.minor, current.patch);
    let pre = !current.pre.is_empty();
    let v = |ma, mi, pa| Version {
        major: ma,
        minor: mi,
        patch: pa,
        pre: Prerelease::EMPTY,
        build: BuildMetadata::EMPTY,
    };
    if bump == Bump::None {
        let mut same = current.clone();
        same.build = BuildMetadata::EMPTY;
        return same;
    }
    // In 0.x the components shift one place to the right.
    let bump = match (ma, mi, bump) {
        (0, 0, _) => Bump::Patch,
        (0, _, Bump::Major) => Bump::Minor,
        (0, _, Bump::Minor) => Bump::Patch,
        (_, _, b) => b,
    };
    match bump {
        Bump::Major if pre && mi == 0 && pa == 0 => v(ma, 0, 0),
        Bump::Major => v(ma + 1, 0, 0),
        Bump::Minor if pre && pa == 0 => v(ma, mi, 0),
        Bump::Minor => v(ma, mi + 1, 0),
        Bump::Patch if pre => v(ma, mi, pa),
        _ => v(ma, mi, pa + 1),
    }
}

/// The largest bump that going from `previous` to `current` grants: the strongest `b` with
/// `next_version(previous, b) <= current` (a pre-release counts as its release, so
/// `2.0.0-rc.1` after `1.4.0` grants MAJOR).
pub fn bump_between(previous: &semver::Version, current: &semver::Version) -> Bump {
    let mut released = current.clone();
    released.pre = semver::Prerelease::EMPTY;
    released.build = semver::BuildMetadata::EMPTY;
    let mut prev = previous.clone();
    prev.build = semver::BuildMetadata::EMPTY;
    [Bump::Major, Bump::Minor, Bump::Patch]
        .into_iter()
        .find(|&b| next_version(&prev, b) <= released)
        .unwrap_or(Bump::None)
}

/// Parses a tag or version string, ignoring a leading `v` (or any non-digit prefix).
pub fn parse_version(text: &str) -> Option<semver::Version> {
    let digits = text.trim_start_matches(|c: char| !c.is_ascii_digit());
    semver::Version::parse(digits).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> semver::Version {
        semver::Version::parse(s).unwrap()
    }

    fn next(s: &str, bump: Bump) -> String {
        next_version(&v(s), bump).to_string()
    }

    #[test]
    fn stable_versions_bump_their_component() {
        assert_eq!(next("1.4.2", Bump::Major), "2.0.0");
        assert_eq!(next("1.4.2", Bump::Minor), "1.5.0");
        assert_eq!(next("1.4.2", Bump::Patch), "1.4.3");
        assert_eq!(next("1.4.2+build.7", Bump::None), "1.4.2");
    }

    #[test]
    fn zero_major_shifts_one_place_right() {
        assert_eq!(next("0.3.1", Bump::Major), "0.4.0");
        assert_eq!(next("0.3.1", Bump::Minor), "0.3.2");
        assert_eq!(next("0.3.1", Bump::Patch), "0.3.2");
        assert_eq!(next("0.0.4", Bump::Major), "0.0.5");
    }

    #[test]
    fn a_prerelease_is_followed_by_its_release_when_big_enough() {
        assert_eq!(next("1.5.0-rc.1", Bump::Minor), "1.5.0");
        assert_eq!(next("1.5.1-rc.1", Bump::Minor), "1.6.0");
        assert_eq!(next("2.0.0-rc.1", Bump::Major), "2.0.0");
        assert_eq!(next("2.1.0-rc.1", Bump::Major), "3.0.0");
        assert_eq!(next("1.5.1-rc.1", Bump::Patch), "1.5.1");
    }

    #[test]
    fn bump_between_is_the_strongest_one_granted() {
        assert_eq!(bump_between(&v("1.4.0"), &v("2.0.0")), Bump::Major);
        assert_eq!(bump_between(&v("1.4.0"), &v("2.0.0-rc.1")), Bump::Major);
        assert_eq!(bump_between(&v("1.4.0"), &v("1.5.0")), Bump::Minor);
        assert_eq!(bump_between(&v("1.4.0"), &v("1.4.1")), Bump::Patch);
        assert_eq!(bump_between(&v("1.4.0"), &v("1.4.0")), Bump::None);
        assert_eq!(bump_between(&v("0.2.0"), &v("0.3.0")), Bump::Major);
    }

    #[test]
    fn versions_parse_after_a_prefix() {
        assert_eq!(parse_version("v1.2.3"), Some(v("1.2.3")));
        assert_eq!(parse_version("release-0.1.0"), Some(v("0.1.0")));
        assert_eq!(parse_version("v1.2"), None);
        assert_eq!(Bump::parse(" Minor "), Some(Bump::Minor));
        assert_eq!(Bump::parse("huge"), None);
    }
}
