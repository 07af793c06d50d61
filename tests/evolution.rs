//! Beyond buf: renames, structural type compatibility and blast radius, on schemas written
//! to temporary directories. buf's findings (rule, message, location) are never changed;
//! these tests look only at what protoguard adds: `renamed_to`, `notes` and `affects`.

use protoguard::diff::Diff;
use protoguard::evolution::{self, structurally_compatible, structurally_json_compatible};
use protoguard::rules::{self, Pair, RuleOptions};
use protoguard::source::Mode;
use protoguard::{config, report, Annotation, IgnoreRules, Input, LoadOptions, Policy, Schema};
use tempfile::TempDir;

mod common;

/// Both sides loaded from temp dirs (planned mode, as the command line does).
fn load(old: &[(&str, &str)], new: &[(&str, &str)]) -> (TempDir, Schema, Schema) {
    let dir = common::trees(old, new);
    let opts = LoadOptions::default();
    let (o, n) = Schema::load_pair(
        (&Input::Dir(dir.path().join("old")), &opts),
        (&Input::Dir(dir.path().join("new")), &opts),
        Mode::Planned,
    )
    .unwrap();
    (dir, o, n)
}

/// Findings under the rules (IDs or categories) `use_`.
fn check(old: &[(&str, &str)], new: &[(&str, &str)], use_: &[&str]) -> Vec<Annotation> {
    let (_dir, o, n) = load(old, new);
    let use_: Vec<String> = use_.iter().map(|s| s.to_string()).collect();
    let rules = config::resolve_rules(&use_, &[]).unwrap();
    protoguard::check_schemas(&o, &n, &rules, &IgnoreRules::default())
}

fn of_rule<'a>(findings: &'a [Annotation], rule: &str) -> Vec<&'a Annotation> {
    findings.iter().filter(|a| a.rule == rule).collect()
}

fn one<'a>(findings: &'a [Annotation], rule: &str) -> &'a Annotation {
    let found = of_rule(findings, rule);
    assert_eq!(found.len(), 1, "one {rule} expected in {findings:#?}");
    found[0]
}

fn notes_mention(a: &Annotation, text: &str) -> bool {
    a.notes.iter().any(|n| n.contains(text))
}

// ---- renames ----------------------------------------------------------------------------------

const SHOP_OLD: &str = r#"syntax = "proto3";
package shop.v1;

message Money {
  string currency = 1;
  int64 units = 2;
}
message Order {
  string id = 1;
  Money total = 2;
  repeated string items = 3;
}
message GetOrderRequest {
  string id = 1;
}
service OrderService {
  rpc GetOrder(GetOrderRequest) returns (Order);
  rpc WatchOrder(GetOrderRequest) returns (stream Order);
}
"#;

#[test]
fn message_renamed_and_used_by_two_rpcs_is_one_rename_with_its_blast_radius() {
    let new = SHOP_OLD
        .replace("message Order {", "message PurchaseOrder {")
        .replace("returns (Order)", "returns (PurchaseOrder)")
        .replace("returns (stream Order)", "returns (stream PurchaseOrder)");
    let findings = check(
        &[("shop.proto", SHOP_OLD)],
        &[("shop.proto", &new)],
        &["FILE", "PACKAGE"],
    );
    for rule in ["MESSAGE_NO_DELETE", "PACKAGE_MESSAGE_NO_DELETE"] {
        let deletion = one(&findings, rule);
        assert_eq!(
            deletion.renamed_to.as_deref(),
            Some("shop.v1.PurchaseOrder"),
            "{deletion:#?}"
        );
        assert_eq!(
            deletion.affects,
            vec![
                "shop.v1.OrderService",
                "shop.v1.OrderService.GetOrder",
                "shop.v1.OrderService.WatchOrder"
            ]
        );
        assert!(notes_mention(deletion, "binary wire format is unaffected"));
        assert!(notes_mention(deletion, "type.googleapis.com/shop.v1.Order"));
        assert!(notes_mention(deletion, "JSON field names are unchanged"));
    }
    // buf's two RPC findings stay, each pointing at the one rename.
    let changed = of_rule(&findings, "RPC_SAME_RESPONSE_TYPE");
    assert_eq!(changed.len(), 2);
    for a in changed {
        assert!(
            notes_mention(
                a,
                "rename of message `shop.v1.Order` to `shop.v1.PurchaseOrder`"
            ),
            "{a:#?}"
        );
        assert!(a.renamed_to.is_none());
    }
    // The text output shows the rename under the deletion.
    let text = report::render_text(&findings);
    assert!(
        text.contains("    renamed to: shop.v1.PurchaseOrder\n"),
        "{text}"
    );
    assert!(
        text.contains("    affects: shop.v1.OrderService, "),
        "{text}"
    );
    let json = report::render_json(&findings);
    assert!(
        json.contains(r#""renamed_to":"shop.v1.PurchaseOrder""#),
        "{json}"
    );
}

#[test]
fn renamed_message_with_renamed_field_names_says_json_breaks() {
    let old = "syntax = \"proto3\";\npackage p;\nmessage A { string x = 1; int32 y = 2; }\nmessage H { A a = 1; }\n";
    let new = "syntax = \"proto3\";\npackage p;\nmessage B { string xx = 1; int32 y = 2; }\nmessage H { B a = 1; }\n";
    let findings = check(&[("a.proto", old)], &[("a.proto", new)], &["FILE"]);
    let deletion = one(&findings, "MESSAGE_NO_DELETE");
    assert_eq!(deletion.renamed_to.as_deref(), Some("p.B"));
    assert!(notes_mention(deletion, "JSON breaks too"), "{deletion:#?}");
    assert!(notes_mention(deletion, "`x` → `xx`"));
    assert_eq!(deletion.affects, vec!["p.H"]);
    let ty = one(&findings, "FIELD_SAME_TYPE");
    assert!(
        notes_mention(ty, "rename of message `p.A` to `p.B`"),
        "{ty:#?}"
    );
    assert!(notes_mention(ty, "not in JSON"));
}

#[test]
fn renamed_message_carries_its_nested_types_along() {
    let old = r#"syntax = "proto3";
package p;
message Parent {
  message Kid { string id = 1; }
  enum Mood { MOOD_UNSPECIFIED = 0; MOOD_HAPPY = 1; }
  Kid kid = 1;
  Mood mood = 2;
  map<string, Kid> kids = 3;
}
"#;
    let new = old.replace("message Parent {", "message Guardian {");
    let findings = check(&[("a.proto", old)], &[("a.proto", &new)], &["FILE"]);
    let renamed: Vec<(String, Option<String>)> = of_rule(&findings, "MESSAGE_NO_DELETE")
        .into_iter()
        .chain(of_rule(&findings, "ENUM_NO_DELETE"))
        .map(|a| (a.message.clone(), a.renamed_to.clone()))
        .collect();
    for (message, to) in &renamed {
        let expected = if message.contains("\"Parent\"") {
            "p.Guardian"
        } else if message.contains("\"Parent.Kid\"") {
            "p.Guardian.Kid"
        } else if message.contains("\"Parent.Mood\"") {
            "p.Guardian.Mood"
        } else {
            "p.Guardian.KidsEntry"
        };
        assert_eq!(to.as_deref(), Some(expected), "{message}");
    }
    assert_eq!(renamed.len(), 4, "{renamed:#?}");
}

#[test]
fn enum_renamed_with_its_value_prefix() {
    let old = r#"syntax = "proto3";
package paint;
enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; COLOR_BLUE = 2; }
message Can { Color color = 1; }
"#;
    let new = r#"syntax = "proto3";
package paint;
enum Hue { HUE_UNSPECIFIED = 0; HUE_RED = 1; HUE_BLUE = 2; }
message Can { Hue color = 1; }
"#;
    let findings = check(&[("a.proto", old)], &[("a.proto", new)], &["FILE"]);
    let deletion = one(&findings, "ENUM_NO_DELETE");
    assert_eq!(deletion.renamed_to.as_deref(), Some("paint.Hue"));
    assert!(notes_mention(deletion, "binary wire format is unaffected"));
    assert!(
        notes_mention(deletion, "`COLOR_RED` → `HUE_RED`"),
        "{deletion:#?}"
    );
    assert_eq!(deletion.affects, vec!["paint.Can"]);
    let ty = one(&findings, "FIELD_SAME_TYPE");
    assert!(notes_mention(
        ty,
        "rename of enum `paint.Color` to `paint.Hue`"
    ));
}

#[test]
fn rpc_renamed() {
    let new = SHOP_OLD.replace("rpc GetOrder(", "rpc FetchOrder(");
    let findings = check(
        &[("shop.proto", SHOP_OLD)],
        &[("shop.proto", &new)],
        &["FILE"],
    );
    let deletion = one(&findings, "RPC_NO_DELETE");
    assert_eq!(
        deletion.renamed_to.as_deref(),
        Some("shop.v1.OrderService.FetchOrder")
    );
    assert!(notes_mention(
        deletion,
        "`/shop.v1.OrderService/GetOrder` → `/shop.v1.OrderService/FetchOrder`"
    ));
    assert!(notes_mention(deletion, "UNIMPLEMENTED"));
}

#[test]
fn service_renamed() {
    let new = SHOP_OLD.replace("service OrderService {", "service Orders {");
    let findings = check(
        &[("shop.proto", SHOP_OLD)],
        &[("shop.proto", &new)],
        &["FILE", "PACKAGE"],
    );
    for rule in ["SERVICE_NO_DELETE", "PACKAGE_SERVICE_NO_DELETE"] {
        let deletion = one(&findings, rule);
        assert_eq!(deletion.renamed_to.as_deref(), Some("shop.v1.Orders"));
        assert!(notes_mention(
            deletion,
            "`/shop.v1.OrderService/GetOrder` → `/shop.v1.Orders/GetOrder`"
        ));
    }
}

#[test]
fn field_renumbered_is_a_wire_break() {
    let old = "syntax = \"proto3\";\npackage p;\nmessage M { string id = 1; string note = 3; }\n";
    let new = "syntax = \"proto3\";\npackage p;\nmessage M { string id = 1; string note = 7; }\n";
    let findings = check(&[("a.proto", old)], &[("a.proto", new)], &["FILE", "WIRE"]);
    for rule in ["FIELD_NO_DELETE", "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"] {
        let deletion = one(&findings, rule);
        assert_eq!(deletion.renamed_to.as_deref(), Some("p.M.note = 7"));
        assert!(notes_mention(deletion, "renumbered from 3 to 7"));
        assert!(notes_mention(deletion, "breaks the binary wire format"));
    }
}

#[test]
fn enum_value_renumbered() {
    let old = "syntax = \"proto3\";\npackage p;\nenum E { E_UNSPECIFIED = 0; E_ONE = 1; }\n";
    let new = "syntax = \"proto3\";\npackage p;\nenum E { E_UNSPECIFIED = 0; E_ONE = 5; }\n";
    let findings = check(&[("a.proto", old)], &[("a.proto", new)], &["FILE"]);
    let deletion = one(&findings, "ENUM_VALUE_NO_DELETE");
    assert_eq!(deletion.renamed_to.as_deref(), Some("p.E.E_ONE = 5"));
    assert!(notes_mention(deletion, "breaks the binary wire format"));
}

#[test]
fn ambiguous_candidates_are_not_paired() {
    // Two deleted messages with one shape, two added with it: no way to tell which is which.
    let old = "syntax = \"proto3\";\npackage p;\nmessage A { string x = 1; int32 y = 2; }\nmessage B { string x = 1; int32 y = 2; }\n";
    let new = "syntax = \"proto3\";\npackage p;\nmessage C { string x = 1; int32 y = 2; }\nmessage D { string x = 1; int32 y = 2; }\n";
    let findings = check(&[("a.proto", old)], &[("a.proto", new)], &["FILE"]);
    let deletions = of_rule(&findings, "MESSAGE_NO_DELETE");
    assert_eq!(deletions.len(), 2);
    assert!(
        deletions.iter().all(|a| a.renamed_to.is_none()),
        "{deletions:#?}"
    );

    // One deleted, two added candidates: still ambiguous.
    let old = "syntax = \"proto3\";\npackage p;\nmessage A { string x = 1; int32 y = 2; }\n";
    let findings = check(&[("a.proto", old)], &[("a.proto", new)], &["FILE"]);
    assert!(one(&findings, "MESSAGE_NO_DELETE").renamed_to.is_none());
}

#[test]
fn too_little_structure_is_not_paired() {
    // One field under another name, and an empty message under another name, say nothing.
    let old =
        "syntax = \"proto3\";\npackage p;\nmessage A { string id = 1; }\nmessage Nothing {}\n";
    let new = "syntax = \"proto3\";\npackage p;\nmessage B { string key = 1; }\nmessage Void {}\n";
    let findings = check(&[("a.proto", old)], &[("a.proto", new)], &["FILE"]);
    let deletions = of_rule(&findings, "MESSAGE_NO_DELETE");
    assert_eq!(deletions.len(), 2);
    assert!(
        deletions.iter().all(|a| a.renamed_to.is_none()),
        "{deletions:#?}"
    );

    // The same single field name pairs; an empty message pairs by its name up to case.
    let new =
        "syntax = \"proto3\";\npackage p;\nmessage B { string id = 1; }\nmessage NOTHING {}\n";
    let findings = check(&[("a.proto", old)], &[("a.proto", new)], &["FILE"]);
    let mut to: Vec<_> = of_rule(&findings, "MESSAGE_NO_DELETE")
        .into_iter()
        .map(|a| a.renamed_to.clone())
        .collect();
    to.sort();
    assert_eq!(
        to,
        vec![Some("p.B".to_string()), Some("p.NOTHING".to_string())]
    );
}

#[test]
fn message_moved_to_another_file_is_noted() {
    let old = [
        (
            "a.proto",
            "syntax = \"proto3\";\npackage p;\nmessage A { string x = 1; }\n",
        ),
        (
            "b.proto",
            "syntax = \"proto3\";\npackage p;\nmessage B {}\n",
        ),
    ];
    let new = [
        ("a.proto", "syntax = \"proto3\";\npackage p;\n"),
        (
            "b.proto",
            "syntax = \"proto3\";\npackage p;\nmessage B {}\nmessage A { string x = 1; }\n",
        ),
    ];
    let findings = check(&old, &new, &["FILE"]);
    let deletion = one(&findings, "MESSAGE_NO_DELETE");
    assert!(deletion.renamed_to.is_none());
    assert!(
        notes_mention(deletion, "moved to `b.proto`"),
        "{deletion:#?}"
    );
}

// ---- structural types ---------------------------------------------------------------------------

const PRICED_OLD: &str = r#"syntax = "proto3";
package p;
message Money { string currency = 1; int64 units = 2; Inner inner = 3; }
message Inner { repeated int32 cents = 1; }
message Item { Money price = 1; }
"#;

/// Item.price becomes `Amount`, a new type; `Money` stays.
fn priced_new(units: &str) -> String {
    format!(
        r#"syntax = "proto3";
package p;
message Money {{ string currency = 1; int64 units = 2; Inner inner = 3; }}
message Inner {{ repeated int32 cents = 1; }}
message Amount {{ string currency = 1; {units} units = 2; Inner2 inner = 3; }}
message Inner2 {{ repeated int32 cents = 1; }}
message Item {{ Amount price = 1; }}
"#
    )
}

/// Runs rules with protoguard's options, then the enrichment, as the library does.
fn run_with(
    old: &Schema,
    new: &Schema,
    rules: &[&'static str],
    options: RuleOptions,
) -> Vec<Annotation> {
    let diff = Diff::new(&old.index, &new.index);
    let pair = Pair {
        options,
        ..Pair::new(&diff)
    };
    let mut findings = rules::run(&pair, rules);
    evolution::enrich_with(&diff, &mut findings);
    let policy = Policy::single(rules.to_vec(), IgnoreRules::default());
    report::annotate(&old.index, &new.index, findings, &policy)
}

const TYPE_RULES: &[&str] = &[
    "FIELD_SAME_TYPE",
    "FIELD_WIRE_COMPATIBLE_TYPE",
    "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
];

#[test]
fn structurally_identical_type_is_noted() {
    let new = priced_new("int64");
    let (_dir, o, n) = load(&[("a.proto", PRICED_OLD)], &[("a.proto", &new)]);
    let findings = run_with(&o, &n, TYPE_RULES, RuleOptions::default());
    for rule in TYPE_RULES {
        let a = one(&findings, rule);
        assert!(
            notes_mention(
                a,
                "`p.Amount` is structurally wire compatible with `p.Money`"
            ),
            "{a:#?}"
        );
        assert!(notes_mention(a, "so is its JSON form"));
        assert_eq!(a.affects, Vec::<String>::new());
    }
    assert!(structurally_compatible(
        &o.index,
        "p.Money",
        &n.index,
        ".p.Amount"
    ));
    assert!(structurally_json_compatible(
        &o.index, ".p.Money", &n.index, "p.Amount"
    ));
}

#[test]
fn structural_types_switch_silences_the_wire_rules_only() {
    let new = priced_new("int64");
    let (_dir, o, n) = load(&[("a.proto", PRICED_OLD)], &[("a.proto", &new)]);
    let on = RuleOptions {
        structural_types: true,
    };
    let findings = run_with(&o, &n, TYPE_RULES, on);
    assert!(of_rule(&findings, "FIELD_WIRE_COMPATIBLE_TYPE").is_empty());
    assert!(of_rule(&findings, "FIELD_WIRE_JSON_COMPATIBLE_TYPE").is_empty());
    // FIELD_SAME_TYPE is about the declared type: it still reports.
    one(&findings, "FIELD_SAME_TYPE");
    // Off (the default), buf's verdict stands.
    let findings = run_with(&o, &n, TYPE_RULES, RuleOptions::default());
    one(&findings, "FIELD_WIRE_COMPATIBLE_TYPE");
}

#[test]
fn structurally_incompatible_type_gets_no_note() {
    // `units` is a string in Amount: a different wire group.
    let new = priced_new("string");
    let (_dir, o, n) = load(&[("a.proto", PRICED_OLD)], &[("a.proto", &new)]);
    assert!(!structurally_compatible(
        &o.index, "p.Money", &n.index, "p.Amount"
    ));
    let on = RuleOptions {
        structural_types: true,
    };
    let findings = run_with(&o, &n, TYPE_RULES, on);
    for rule in TYPE_RULES {
        let a = one(&findings, rule);
        assert!(a.notes.is_empty(), "{a:#?}");
    }
}

#[test]
fn incompatibility_deep_inside_is_found() {
    let new = priced_new("int64").replace(
        "message Inner2 { repeated int32 cents = 1; }",
        "message Inner2 { int32 cents = 1; }",
    );
    let (_dir, o, n) = load(&[("a.proto", PRICED_OLD)], &[("a.proto", &new)]);
    assert!(!structurally_compatible(
        &o.index, "p.Money", &n.index, "p.Amount"
    ));
    let findings = run_with(&o, &n, TYPE_RULES, RuleOptions::default());
    assert!(one(&findings, "FIELD_SAME_TYPE").notes.is_empty());
}

#[test]
fn wire_compatible_but_not_json_compatible() {
    let new = priced_new("int64").replace(
        "string currency = 1; int64 units = 2; Inner2",
        "string code = 1; int64 units = 2; Inner2",
    );
    let (_dir, o, n) = load(&[("a.proto", PRICED_OLD)], &[("a.proto", &new)]);
    assert!(structurally_compatible(
        &o.index, "p.Money", &n.index, "p.Amount"
    ));
    assert!(!structurally_json_compatible(
        &o.index, "p.Money", &n.index, "p.Amount"
    ));
    let on = RuleOptions {
        structural_types: true,
    };
    let findings = run_with(&o, &n, TYPE_RULES, on);
    assert!(of_rule(&findings, "FIELD_WIRE_COMPATIBLE_TYPE").is_empty());
    let json = one(&findings, "FIELD_WIRE_JSON_COMPATIBLE_TYPE");
    assert!(notes_mention(json, "its JSON form differs"), "{json:#?}");
}

#[test]
fn enums_compare_by_value_numbers() {
    let old = r#"syntax = "proto3";
package p;
enum Size { SIZE_UNSPECIFIED = 0; SIZE_S = 1; }
message Shirt { Size size = 1; }
"#;
    let new = r#"syntax = "proto3";
package p;
enum Size { SIZE_UNSPECIFIED = 0; SIZE_S = 1; }
enum Fit { FIT_UNSPECIFIED = 0; FIT_S = 1; FIT_M = 2; }
message Shirt { Fit size = 1; }
"#;
    let (_dir, o, n) = load(&[("a.proto", old)], &[("a.proto", new)]);
    assert!(structurally_compatible(
        &o.index, "p.Size", &n.index, "p.Fit"
    ));
    assert!(!structurally_compatible(
        &n.index, "p.Fit", &o.index, "p.Size"
    ));
    let on = RuleOptions {
        structural_types: true,
    };
    let findings = run_with(&o, &n, TYPE_RULES, on);
    assert!(of_rule(&findings, "FIELD_WIRE_COMPATIBLE_TYPE").is_empty());
    // Value names differ: JSON is not the same.
    let json = one(&findings, "FIELD_WIRE_JSON_COMPATIBLE_TYPE");
    assert!(notes_mention(
        json,
        "every old value number is still a value"
    ));
}

#[test]
fn recursive_types_terminate() {
    let old = r#"syntax = "proto3";
package p;
message A { B b = 1; }
message B { A a = 1; string s = 2; }
message Holder { A a = 1; }
"#;
    let new = r#"syntax = "proto3";
package p;
message A { B b = 1; }
message B { A a = 1; string s = 2; }
message A2 { B2 b = 1; }
message B2 { A2 a = 1; string s = 2; }
message Holder { A2 a = 1; }
"#;
    let (_dir, o, n) = load(&[("a.proto", old)], &[("a.proto", new)]);
    assert!(structurally_compatible(&o.index, "p.A", &n.index, "p.A2"));
    assert!(structurally_compatible(&o.index, "p.A", &n.index, "p.A"));
    // A cycle with a break inside it is still found.
    let broken = new.replace(
        "message B2 { A2 a = 1; string s = 2; }",
        "message B2 { A2 a = 1; int32 s = 2; }",
    );
    let (_dir2, o2, n2) = load(&[("a.proto", old)], &[("a.proto", &broken)]);
    assert!(!structurally_compatible(
        &o2.index, "p.A", &n2.index, "p.A2"
    ));
    let findings = run_with(&o, &n, TYPE_RULES, RuleOptions::default());
    assert!(notes_mention(
        one(&findings, "FIELD_SAME_TYPE"),
        "structurally wire compatible"
    ));
}

#[test]
fn renamed_rpc_request_type_is_structurally_noted() {
    // The request type changes to a new, identical message while the old one stays.
    let new = SHOP_OLD
        .replace(
            "service OrderService {",
            "message FetchOrderRequest {\n  string id = 1;\n}\nservice OrderService {",
        )
        .replace(
            "rpc GetOrder(GetOrderRequest)",
            "rpc GetOrder(FetchOrderRequest)",
        );
    let findings = check(
        &[("shop.proto", SHOP_OLD)],
        &[("shop.proto", &new)],
        &["FILE"],
    );
    let a = one(&findings, "RPC_SAME_REQUEST_TYPE");
    assert!(
        notes_mention(
            a,
            "`shop.v1.FetchOrderRequest` is structurally wire compatible with `shop.v1.GetOrderRequest`"
        ),
        "{a:#?}"
    );
}

// ---- blast radius -----------------------------------------------------------------------------

#[test]
fn blast_radius_reaches_through_nesting_maps_and_rpcs() {
    let old = r#"syntax = "proto3";
package shop;
message Money { string currency = 1; int64 units = 2; }
message Order { string id = 1; Money total = 2; }
message Catalog { map<string, Money> prices = 1; }
message Outer {
  message Inner { Money tip = 1; }
  Inner inner = 1;
}
message Unrelated { string x = 1; }
service OrderService {
  rpc GetOrder(Unrelated) returns (Order);
  rpc Browse(Unrelated) returns (Catalog);
  rpc Ping(Unrelated) returns (Unrelated);
}
service Other {
  rpc Tip(Outer) returns (Unrelated);
}
"#;
    let new = old.replace("int64 units = 2;", "string units = 2;");
    let findings = check(&[("shop.proto", old)], &[("shop.proto", &new)], &["FILE"]);
    let a = one(&findings, "FIELD_SAME_TYPE");
    assert_eq!(
        a.affects,
        vec![
            "shop.Catalog",
            "shop.Order",
            "shop.OrderService",
            "shop.OrderService.Browse",
            "shop.OrderService.GetOrder",
            "shop.Other",
            "shop.Other.Tip",
            "shop.Outer",
            "shop.Outer.Inner",
        ]
    );
    // A break in a message nothing reaches affects nothing else.
    let new = old.replace(
        "message Unrelated { string x = 1; }",
        "message Unrelated { int32 x = 1; }",
    );
    let findings = check(&[("shop.proto", old)], &[("shop.proto", &new)], &["FILE"]);
    assert_eq!(
        one(&findings, "FIELD_SAME_TYPE").affects,
        vec![
            "shop.OrderService",
            "shop.OrderService.Browse",
            "shop.OrderService.GetOrder",
            "shop.OrderService.Ping",
            "shop.Other",
            "shop.Other.Tip"
        ]
    );
}

#[test]
fn blast_radius_of_a_deleted_field_and_enum_value() {
    let old = r#"syntax = "proto3";
package p;
enum State { STATE_UNSPECIFIED = 0; STATE_OPEN = 1; }
message Ticket { State state = 1; string title = 2; }
message Board { repeated Ticket tickets = 1; }
service Desk { rpc Get(Board) returns (Board); }
"#;
    let new = old
        .replace(" STATE_OPEN = 1;", "")
        .replace(" string title = 2;", "");
    let findings = check(&[("a.proto", old)], &[("a.proto", &new)], &["FILE"]);
    assert_eq!(
        one(&findings, "FIELD_NO_DELETE").affects,
        vec!["p.Board", "p.Desk", "p.Desk.Get"]
    );
    assert_eq!(
        one(&findings, "ENUM_VALUE_NO_DELETE").affects,
        vec!["p.Board", "p.Desk", "p.Desk.Get", "p.Ticket"]
    );
}

#[test]
fn blast_radius_across_files_and_deleted_rpcs() {
    let old = [
        (
            "money.proto",
            "syntax = \"proto3\";\npackage m;\nmessage Money { int64 units = 1; }\n",
        ),
        (
            "order.proto",
            "syntax = \"proto3\";\npackage o;\nimport \"money.proto\";\nmessage Order { m.Money total = 1; }\nservice Orders { rpc Get(Order) returns (Order); rpc Drop(Order) returns (Order); }\n",
        ),
    ];
    let new = [
        (
            "money.proto",
            "syntax = \"proto3\";\npackage m;\nmessage Money { sint64 units = 1; }\n",
        ),
        (
            "order.proto",
            "syntax = \"proto3\";\npackage o;\nimport \"money.proto\";\nmessage Order { m.Money total = 1; }\nservice Orders { rpc Get(Order) returns (Order); }\n",
        ),
    ];
    let findings = check(&old, &new, &["FILE"]);
    assert_eq!(
        one(&findings, "FIELD_SAME_TYPE").affects,
        vec!["o.Order", "o.Orders", "o.Orders.Get"]
    );
    // Services and RPCs are roots, not reached: a deleted RPC lists nothing.
    let rpc = one(&findings, "RPC_NO_DELETE");
    assert!(rpc.affects.is_empty());
    assert!(rpc.renamed_to.is_none());
}

/// The structural-types switch as a user sets it: the flag, or `protoguard.yaml`.
#[test]
fn structural_types_switch_from_flag_and_settings_file() {
    let t = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = t.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("old/a.proto", "syntax = \"proto3\";\npackage a;\nmessage Money { int64 units = 1; string currency = 2; }\nmessage Order { Money total = 1; }\n");
    write("new/a.proto", "syntax = \"proto3\";\npackage a;\nmessage Amount { int64 units = 1; string currency = 2; }\nmessage Order { Amount total = 1; }\n");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "check",
            ".",
            "--against",
            "../old",
            "--use",
            "FIELD_WIRE_COMPATIBLE_TYPE",
        ];
        args.extend_from_slice(extra);
        common::run(&t.path().join("new"), &args)
    };
    assert_eq!(run(&[]).status.code(), Some(1), "buf's verdict by default");
    assert_eq!(run(&["--structural-types"]).status.code(), Some(0));
    write("new/protoguard.yaml", "structural_types: true\n");
    assert_eq!(run(&[]).status.code(), Some(0));
    write("new/protoguard.yaml", "structural_typo: true\n");
    assert_eq!(
        run(&[]).status.code(),
        Some(2),
        "unknown settings are errors"
    );
}
