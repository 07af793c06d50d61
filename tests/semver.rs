//! `protoguard semver` as a library: every change between two schemas, the bump it
//! requires (MAJOR for breaking findings of the selected rules, MINOR for additions, PATCH
//! for options and doc comments, NONE for nothing), the next version (0.x and
//! pre-releases included), the three renderers, and the release-tag audit on a git
//! repository built here with git2.

use std::path::Path;

use git2::{Oid, Repository, RepositoryInitOptions};
use protoguard::source::Mode;
use protoguard::versioning::{
    self, bump_between, check_tags, next_version, Action, Bump, Element, Format, Report,
};
use protoguard::{Input, LoadOptions, Policy, Schema};

mod common;
use common::{commit_all, tag};

const BASE: &str = r#"syntax = "proto3";
package shop.v1;

import "google/protobuf/descriptor.proto";

extend google.protobuf.MethodOptions {
  string route = 50001;
}

// An order.
message Order {
  string id = 1;
  string coupon = 2;
  Status status = 3;
}

enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1;
}

service Orders {
  rpc Get(Order) returns (Order);
}
"#;

fn write_tree(dir: &Path, text: &str) {
    std::fs::create_dir_all(dir.join("shop/v1")).unwrap();
    std::fs::write(dir.join("shop/v1/order.proto"), text).unwrap();
}

fn load(old: &str, new: &str) -> (Schema, Schema, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let (o, n) = (tmp.path().join("old"), tmp.path().join("new"));
    write_tree(&o, old);
    write_tree(&n, new);
    let opts = LoadOptions::default();
    let (old, new) = Schema::load_pair(
        (&Input::Dir(o), &opts),
        (&Input::Dir(n), &opts),
        Mode::Planned,
    )
    .unwrap();
    (old, new, tmp)
}

fn policy(use_: &[&str]) -> Policy {
    let use_: Vec<String> = use_.iter().map(|s| s.to_string()).collect();
    Policy::new(None, &use_, &[]).unwrap()
}

fn report(old: &str, new: &str) -> Report {
    report_with(old, new, &policy(&[]))
}

fn report_with(old: &str, new: &str, policy: &Policy) -> Report {
    let (o, n, _tmp) = load(old, new);
    versioning::analyze(&o, &n, policy)
}

fn count(r: &Report, key: &str) -> usize {
    r.counts.get(key).copied().unwrap_or(0)
}

#[test]
fn identical_schemas_need_no_bump() {
    let (o, n, _tmp) = load(BASE, BASE);
    assert!(versioning::changes(&o.index, &n.index).is_empty());
    let r = versioning::analyze(&o, &n, &policy(&[]));
    assert_eq!(r.bump, Bump::None);
    assert!(r.render_text().ends_with("bump: NONE\n"));
}

#[test]
fn additions_only_are_minor() {
    let new = BASE
        .replace(
            "  Status status = 3;\n",
            "  Status status = 3;\n  int64 total_cents = 4;\n  oneof payment {\n    string card = 5;\n    string iban = 6;\n  }\n",
        )
        .replace("  STATUS_OPEN = 1;\n", "  STATUS_OPEN = 1;\n  STATUS_PAID = 2;\n")
        .replace(
            "  rpc Get(Order) returns (Order);\n",
            "  rpc Get(Order) returns (Order);\n  rpc List(Order) returns (stream Order);\n",
        )
        + "message Refund {\n  string order_id = 1;\n  message Line { int32 n = 1; }\n}\n\nservice Refunds {\n  rpc Create(Refund) returns (Refund);\n}\n";
    let (o, n, _tmp) = load(BASE, &new);
    let changes = versioning::changes(&o.index, &n.index);
    assert!(
        changes.iter().all(|c| c.kind.action == Action::Added),
        "{changes:#?}"
    );
    assert!(changes.iter().all(|c| c.bump == Bump::Minor));
    assert_eq!(versioning::classify(&changes, &[]), Bump::Minor);
    let r = versioning::analyze(&o, &n, &policy(&[]));
    assert_eq!(r.bump, Bump::Minor);
    // Fields of the oneof and of the new message are not listed apart from their parent
    // (the oneof's fields are new fields of an existing message, so they are).
    assert_eq!(count(&r, "field_added"), 3, "{:#?}", r.counts);
    assert_eq!(count(&r, "oneof_added"), 1);
    assert_eq!(count(&r, "enum_value_added"), 1);
    assert_eq!(count(&r, "rpc_added"), 1);
    assert_eq!(
        count(&r, "message_added"),
        1,
        "nested Refund.Line is part of Refund"
    );
    assert_eq!(count(&r, "service_added"), 1);
    let added = r
        .changes
        .iter()
        .find(|c| c.element == "shop.v1.Order.total_cents")
        .unwrap();
    assert_eq!(added.description, "`int64 total_cents = 4`");
    assert_eq!(
        added.location.as_deref(),
        Some(&*format!(
            "{}:15:3",
            n.index.file("shop/v1/order.proto").unwrap().display
        ))
    );
    let text = r.render_text();
    assert!(text.contains("MINOR:\n"), "{text}");
    assert!(text.ends_with("bump: MINOR\n"), "{text}");
}

#[test]
fn options_and_docs_only_are_patch() {
    let new = BASE
        .replace(
            "  string coupon = 2;",
            "  string coupon = 2 [deprecated = true];",
        )
        .replace("// An order.", "// An order placed by a customer.")
        .replace(
            "  rpc Get(Order) returns (Order);",
            "  rpc Get(Order) returns (Order) {\n    option (route) = \"/orders/{id}\";\n  }",
        );
    let r = report(BASE, &new);
    assert_eq!(r.bump, Bump::Patch, "{}", r.render_text());
    let find = |element: &str, action: Action| {
        r.changes
            .iter()
            .find(|c| c.element == element && c.kind.action == action)
            .unwrap_or_else(|| panic!("no {action:?} on {element}: {:#?}", r.changes))
    };
    assert_eq!(
        find("shop.v1.Order.coupon", Action::Options).description,
        "option deprecated set"
    );
    assert_eq!(
        find("shop.v1.Orders.Get", Action::Options).description,
        "option (shop.v1.route) set"
    );
    assert_eq!(
        find("shop.v1.Order", Action::Docs).description,
        "doc comment changed"
    );
    assert_eq!(r.changes.len(), 3, "{:#?}", r.changes);
    // Reformatting a comment is not a change.
    let reflowed = BASE.replace("// An order.", "//   An\n//   order.");
    assert_eq!(report(BASE, &reflowed).bump, Bump::None);
}

#[test]
fn file_option_values_are_compared() {
    let old = BASE.replace(
        "package shop.v1;\n",
        "package shop.v1;\noption java_package = \"com.shop.v1\";\n",
    );
    let new = BASE.replace(
        "package shop.v1;\n",
        "package shop.v1;\noption java_package = \"com.shop.api.v1\";\n",
    );
    let r = report(&old, &new);
    let c = r
        .changes
        .iter()
        .find(|c| c.kind.action == Action::Options)
        .unwrap();
    assert_eq!(c.kind.element, Element::File);
    assert_eq!(
        c.description,
        "option java_package \"com.shop.v1\" → \"com.shop.api.v1\""
    );
    // FILE_SAME_JAVA_PACKAGE: generated Java code moves, which the FILE rules call breaking.
    assert_eq!(r.bump, Bump::Major);
    assert_eq!(c.bump, Bump::Major);
    assert_eq!(c.findings[0].rule, "FILE_SAME_JAVA_PACKAGE");
    // Under WIRE the same change is only an option change.
    assert_eq!(
        report_with(&old, &new, &policy(&["WIRE"])).bump,
        Bump::Patch
    );
}

#[test]
fn a_breaking_change_is_major_and_names_its_rule() {
    let new = BASE.replace("  string coupon = 2;\n", "");
    let r = report(BASE, &new);
    assert_eq!(r.bump, Bump::Major);
    let removed = r
        .changes
        .iter()
        .find(|c| c.element == "shop.v1.Order.coupon")
        .unwrap();
    assert_eq!(removed.kind.action, Action::Removed);
    assert_eq!(removed.description, "was `string coupon = 2`");
    assert_eq!(removed.bump, Bump::Major);
    assert_eq!(removed.findings.len(), 1);
    assert_eq!(removed.findings[0].rule, "FIELD_NO_DELETE");
    assert!(r.other_breaking.is_empty(), "{:#?}", r.other_breaking);
    let text = r.render_text();
    assert!(text.starts_with("MAJOR:\n"), "{text}");
    assert!(text.contains("      FIELD_NO_DELETE "), "{text}");
    assert!(text.ends_with("bump: MAJOR\n"));
}

#[test]
fn a_modification_links_to_its_finding() {
    let new = BASE.replace("string coupon = 2;", "int64 coupon = 2;");
    let r = report(BASE, &new);
    assert_eq!(r.bump, Bump::Major);
    let c = r
        .changes
        .iter()
        .find(|c| c.element == "shop.v1.Order.coupon")
        .unwrap();
    assert_eq!(c.kind.action, Action::Changed);
    assert_eq!(c.description, "`string coupon = 2` → `int64 coupon = 2`");
    let rules: Vec<&str> = c.findings.iter().map(|a| a.rule).collect();
    assert!(rules.contains(&"FIELD_SAME_TYPE"), "{rules:?}");
}

#[test]
fn removals_the_selected_rules_accept_are_minor() {
    // Under WIRE a deleted field whose number is reserved breaks no reader.
    let new = BASE.replace("  string coupon = 2;\n", "  reserved 2;\n");
    let r = report_with(BASE, &new, &policy(&["WIRE"]));
    assert_eq!(r.bump, Bump::Minor, "{}", r.render_text());
    assert_eq!(count(&r, "field_removed"), 1);
    assert_eq!(count(&r, "message_changed"), 1, "reserved 2");
    // Under the default FILE rules it is breaking.
    assert_eq!(report(BASE, &new).bump, Bump::Major);
}

#[test]
fn renames_moves_and_enum_values() {
    let new = BASE
        .replace("string coupon = 2;", "string voucher = 2;")
        .replace("STATUS_OPEN = 1;", "STATUS_ACTIVE = 1;");
    let r = report_with(BASE, &new, &policy(&["WIRE"]));
    assert_eq!(r.bump, Bump::Minor, "renames keep the wire format");
    let field = r
        .changes
        .iter()
        .find(|c| c.element == "shop.v1.Order.voucher")
        .unwrap();
    assert_eq!(
        field.description,
        "`string coupon = 2` → `string voucher = 2`"
    );
    let value = r
        .changes
        .iter()
        .find(|c| c.kind.element == Element::EnumValue)
        .unwrap();
    assert_eq!(value.element, "shop.v1.Status.STATUS_ACTIVE");
    assert_eq!(
        value.description,
        "value 1 renamed STATUS_OPEN → STATUS_ACTIVE"
    );
    let strict = report_with(BASE, &new, &policy(&["WIRE_JSON"]));
    assert_eq!(strict.bump, Bump::Major);
}

#[test]
fn next_version_follows_semver_and_cargo_for_zero_x() {
    let v = |s: &str| semver::Version::parse(s).unwrap();
    let next = |s: &str, b| next_version(&v(s), b).to_string();
    assert_eq!(next("1.4.2", Bump::Major), "2.0.0");
    assert_eq!(next("1.4.2", Bump::Minor), "1.5.0");
    assert_eq!(next("1.4.2", Bump::Patch), "1.4.3");
    assert_eq!(next("1.4.2", Bump::None), "1.4.2");
    assert_eq!(next("1.4.2+build.7", Bump::Patch), "1.4.3");
    // 0.y.z: breaking bumps y, anything else bumps z; 0.0.z: everything bumps z.
    assert_eq!(next("0.3.1", Bump::Major), "0.4.0");
    assert_eq!(next("0.3.1", Bump::Minor), "0.3.2");
    assert_eq!(next("0.3.1", Bump::Patch), "0.3.2");
    assert_eq!(next("0.0.3", Bump::Major), "0.0.4");
    assert_eq!(next("0.0.3", Bump::Minor), "0.0.4");
    // A pre-release is followed by its release when that is big enough.
    assert_eq!(next("2.0.0-rc.1", Bump::Major), "2.0.0");
    assert_eq!(next("1.5.0-rc.1", Bump::Minor), "1.5.0");
    assert_eq!(next("1.5.1-rc.1", Bump::Minor), "1.6.0");
    assert_eq!(next("1.5.1-rc.1", Bump::Patch), "1.5.1");
    assert_eq!(next("2.1.0-beta", Bump::Major), "3.0.0");
    assert_eq!(next("0.5.0-rc.1", Bump::Major), "0.5.0");
    // What a version change grants.
    let between = |a: &str, b: &str| bump_between(&v(a), &v(b));
    assert_eq!(between("1.1.0", "1.1.1"), Bump::Patch);
    assert_eq!(between("1.1.0", "1.2.0"), Bump::Minor);
    assert_eq!(between("1.1.0", "2.0.0"), Bump::Major);
    assert_eq!(between("1.1.0", "2.0.0-rc.1"), Bump::Major);
    assert_eq!(between("2.0.0-rc.1", "2.0.0-rc.2"), Bump::Major);
    assert_eq!(between("0.3.1", "0.4.0"), Bump::Major);
    assert_eq!(between("0.3.1", "0.3.2"), Bump::Minor);
    assert_eq!(between("0.0.1", "0.0.2"), Bump::Major);
    assert_eq!(between("1.0.0", "1.0.0"), Bump::None);
}

#[test]
fn text_shows_next_version_before_the_bump_line() {
    let new = BASE.replace(
        "  string id = 1;\n",
        "  string id = 1;\n  string note = 9;\n",
    );
    let r = report(BASE, &new).with_current_version(&semver::Version::new(1, 4, 2));
    let text = r.render_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[lines.len() - 2], "next version: 1.5.0", "{text}");
    assert_eq!(lines[lines.len() - 1], "bump: MINOR");
    assert!(text.contains("  field added: 1\n"), "{text}");
}

#[test]
fn markdown_release_notes_have_sections() {
    let new = BASE
        .replace("  string coupon = 2;\n", "  int64 total_cents = 4;\n")
        .replace("// An order.", "// An order, with its total.")
        .replace(
            "  STATUS_OPEN = 1;",
            "  STATUS_OPEN = 1 [deprecated = true];",
        );
    let r = report(BASE, &new).with_current_version(&semver::Version::new(1, 4, 2));
    let md = r.render(Format::Markdown);
    assert!(
        md.starts_with("# 2.0.0\n\nRequired bump: **MAJOR** (1.4.2 → 2.0.0)\n"),
        "{md}"
    );
    for section in [
        "## Breaking\n",
        "## Added\n",
        "## Changed\n",
        "## Docs\n",
        "## Counts\n",
    ] {
        assert!(md.contains(section), "no {section:?} in\n{md}");
    }
    let breaking = &md[md.find("## Breaking").unwrap()..md.find("## Added").unwrap()];
    assert!(
        breaking.contains("- Field removed `shop.v1.Order.coupon`"),
        "{md}"
    );
    assert!(breaking.contains("  - `FIELD_NO_DELETE`: "), "{md}");
    let added = &md[md.find("## Added").unwrap()..md.find("## Changed").unwrap()];
    assert!(added.contains("`shop.v1.Order.total_cents`"), "{md}");
    let changed = &md[md.find("## Changed").unwrap()..md.find("## Docs").unwrap()];
    assert!(changed.contains("option deprecated set"), "{md}");
    assert!(md.ends_with("|\n\n"), "{md}");
}

#[test]
fn json_is_one_object_with_counts() {
    let new = BASE.replace(
        "  string id = 1;\n",
        "  string id = 1;\n  string note = 9;\n",
    );
    let r = report(BASE, &new).with_current_version(&semver::Version::new(0, 2, 0));
    let v: serde_json::Value = serde_json::from_str(&r.render(Format::Json)).unwrap();
    assert_eq!(v["bump"], "MINOR");
    assert_eq!(v["next_version"], "0.2.1");
    assert_eq!(v["counts"]["field_added"], 1);
    assert_eq!(v["changes"][0]["kind"], "field_added");
    assert_eq!(v["changes"][0]["element"], "shop.v1.Order.note");
}

// ---- release tags ---------------------------------------------------------------------

fn commit(repo: &Repository, text: &str, message: &str) -> Oid {
    write_tree(&repo.workdir().unwrap().join("proto"), text);
    commit_all(repo, message)
}

#[test]
fn check_tags_names_the_tag_that_lied() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = Repository::init_opts(dir.path(), &opts).unwrap();
    let v100 = commit(&repo, BASE, "1.0.0");
    let with_note = BASE.replace(
        "  string id = 1;\n",
        "  string id = 1;\n  string note = 9;\n",
    );
    let v110 = commit(&repo, &with_note, "adds a field");
    let without_coupon = with_note.replace("  string coupon = 2;\n", "");
    let v111 = commit(&repo, &without_coupon, "deletes a field");
    // Not a release: ignored by the pattern.
    tag(&repo, "experiment", v111);
    // Listed out of order on purpose: tags are sorted by version, not by name.
    tag(&repo, "v1.1.1", v111);
    tag(&repo, "v1.0.0", v100);
    tag(&repo, "v1.1.0", v110);

    // The protos live under proto/: read that directory of each tag.
    let verdicts = versioning::check_tags_in(
        dir.path(),
        "proto",
        "v*",
        &policy(&[]),
        &LoadOptions::default(),
    )
    .expect("check tags");
    assert_eq!(verdicts.len(), 2, "{verdicts:#?}");
    let (first, second) = (&verdicts[0], &verdicts[1]);
    assert_eq!(
        (first.tag.as_str(), first.previous_tag.as_str()),
        ("v1.1.0", "v1.0.0")
    );
    assert_eq!(
        (first.required, first.actual, first.ok),
        (Bump::Minor, Bump::Minor, true)
    );
    assert_eq!(second.tag, "v1.1.1");
    assert_eq!(
        (second.required, second.actual, second.ok),
        (Bump::Major, Bump::Patch, false)
    );
    let line = second.message();
    assert!(
        line.starts_with(
            "v1.1.1: bumped PATCH over v1.1.0 but its changes require MAJOR (FIELD_NO_DELETE "
        ),
        "{line}"
    );
    let text = versioning::render_verdicts(&verdicts, Format::Text);
    assert!(
        text.contains("v1.1.0: bumped MINOR over v1.0.0, its changes require MINOR"),
        "{text}"
    );
    assert!(text.ends_with(
        "2 tag pairs checked, 1 with a version bump smaller than their changes require\n"
    ));
}

#[test]
fn check_tags_reads_the_repository_top_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let root = dir.path();
    write_tree(root, BASE);
    let c1 = commit_all(&repo, "one");
    tag(&repo, "v0.1.0", c1);
    write_tree(
        root,
        &BASE.replace("string coupon = 2;", "bytes coupon = 2;"),
    );
    let c2 = commit_all(&repo, "two");
    // 0.x: a breaking change bumps the minor version, so 0.2.0 is honest.
    tag(&repo, "v0.2.0", c2);
    let verdicts = check_tags(root, "v*", &policy(&[])).unwrap();
    assert_eq!(verdicts.len(), 1);
    assert_eq!(verdicts[0].required, Bump::Major);
    assert_eq!(verdicts[0].actual, Bump::Major);
    assert!(verdicts[0].ok, "{}", verdicts[0].message());
}

/// `protoguard semver --check-tags` as the library runs it: the repository is found from a
/// subdirectory of its work tree, and that subdirectory is where each tag is read.
#[test]
fn check_tags_finds_the_repository_from_a_subdirectory() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let v1 = commit(&repo, BASE, "1.0.0");
    let without_coupon = BASE.replace("  string coupon = 2;\n", "");
    let v2 = commit(&repo, &without_coupon, "deletes a field");
    tag(&repo, "v1.0.0", v1);
    tag(&repo, "v1.0.1", v2);
    let verdicts = protoguard::Check::new(dir.path().join("proto").to_string_lossy())
        .check_tags()
        .expect("check tags");
    assert_eq!(verdicts.len(), 1, "{verdicts:#?}");
    assert_eq!((verdicts[0].required, verdicts[0].ok), (Bump::Major, false));
}

#[test]
fn check_tags_outside_a_repository_names_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), BASE);
    let err = protoguard::Check::new(dir.path().to_string_lossy())
        .check_tags()
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("{}: not a git repository", dir.path().display())),
        "{err}"
    );
}

/// The findings about one change, by element and action.
fn findings_of<'r>(r: &'r Report, element: &str, action: Action) -> Vec<&'r str> {
    r.changes
        .iter()
        .find(|c| c.element == element && c.kind.action == action)
        .unwrap_or_else(|| panic!("no {action:?} on {element}: {:#?}", r.changes))
        .findings
        .iter()
        .map(|a| a.rule)
        .collect()
}

#[test]
fn a_removed_extension_carries_its_deletion_finding() {
    let old =
        format!("{BASE}\nextend google.protobuf.FieldOptions {{\n  string label = 50002;\n}}\n");
    let r = report_with(&old, BASE, &policy(&["EXTENSION_NO_DELETE"]));
    assert_eq!(
        findings_of(&r, "shop.v1.label", Action::Removed),
        ["EXTENSION_NO_DELETE"]
    );
    assert!(r.other_breaking.is_empty(), "{:#?}", r.other_breaking);
    assert_eq!(r.bump, Bump::Major);
}

#[test]
fn a_deletion_finding_goes_to_the_element_deleted_not_to_a_namesake() {
    // `Line` is removed at the top level, and a field is removed from `Cart.Line`: buf's
    // message for the field names the message `Line` too, but it is about the field only.
    let old = format!(
        "{BASE}\nmessage Line {{\n  string sku = 1;\n}}\n\nmessage Cart {{\n  message Line {{\n    string sku = 1;\n    int32 count = 2;\n  }}\n  repeated Line lines = 1;\n}}\n"
    );
    let new = format!(
        "{BASE}\nmessage Cart {{\n  message Line {{\n    string sku = 1;\n  }}\n  repeated Line lines = 1;\n}}\n"
    );
    let r = report_with(
        &old,
        &new,
        &policy(&["FIELD_NO_DELETE", "MESSAGE_NO_DELETE"]),
    );
    assert_eq!(
        findings_of(&r, "shop.v1.Line", Action::Removed),
        ["MESSAGE_NO_DELETE"]
    );
    assert_eq!(
        findings_of(&r, "shop.v1.Cart.Line.count", Action::Removed),
        ["FIELD_NO_DELETE"]
    );
}

#[test]
fn a_removed_required_field_carries_the_required_fields_finding() {
    let old = "syntax = \"proto2\";\npackage shop.v1;\nmessage Order {\n  required string id = 1;\n  required string coupon = 2;\n  reserved 3;\n}\n";
    let new = "syntax = \"proto2\";\npackage shop.v1;\nmessage Order {\n  required string id = 1;\n  reserved 2, 3;\n}\n";
    let r = report_with(old, new, &policy(&["MESSAGE_SAME_REQUIRED_FIELDS"]));
    assert_eq!(
        findings_of(&r, "shop.v1.Order.coupon", Action::Removed),
        ["MESSAGE_SAME_REQUIRED_FIELDS"]
    );
    assert!(r.other_breaking.is_empty(), "{:#?}", r.other_breaking);
}

/// Reserved numbers and names, on messages and enums alike: reserving more is a PATCH,
/// releasing a reservation a MAJOR change.
#[test]
fn reservations_of_messages_and_enums_bump_alike() {
    let reserved = BASE
        .replace(
            "  Status status = 3;\n",
            "  Status status = 3;\n  reserved 8 to 9;\n  reserved \"gone\";\n",
        )
        .replace(
            "  STATUS_OPEN = 1;\n",
            "  STATUS_OPEN = 1;\n  reserved 8 to 9;\n  reserved \"GONE\";\n",
        );
    let described = |old: &str, new: &str| -> Vec<(String, String, Bump)> {
        let (o, n, _tmp) = load(old, new);
        let mut out: Vec<(String, String, Bump)> = versioning::changes(&o.index, &n.index)
            .into_iter()
            .map(|c| (c.element, c.description, c.bump))
            .collect();
        out.sort();
        out
    };
    let expect = |what: [&str; 2], bump: Bump| -> Vec<(String, String, Bump)> {
        let mut v = Vec::new();
        for element in ["shop.v1.Order", "shop.v1.Status"] {
            for w in what {
                v.push((element.to_string(), w.to_string(), bump));
            }
        }
        v.sort();
        v
    };
    assert_eq!(
        described(BASE, &reserved),
        expect(["reserved 8 to 9", "reserved names \"gone\""], Bump::Patch)
            .into_iter()
            .map(|(e, d, b)| {
                let d = if e.ends_with("Status") {
                    d.replace("gone", "GONE")
                } else {
                    d
                };
                (e, d, b)
            })
            .collect::<Vec<_>>()
    );
    let released = described(&reserved, BASE);
    assert_eq!(released.len(), 4, "{released:?}");
    assert!(
        released
            .iter()
            .all(|(_, d, b)| d.starts_with("no longer reserves") && *b == Bump::Major),
        "{released:?}"
    );
}
