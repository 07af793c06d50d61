//! The CI output formats (src/formats/):
//!
//! * golden files: `tests/golden/<format>.txt` is each format's rendering of three fixed
//!   findings (one with no file, one with `,:%\n"<&` in its message); `UPDATE_GOLDEN=1 cargo
//!   test --test formats` rewrites them;
//! * parity with buf: `tests/golden/buf/<case>.<format>` is buf 1.75's own output
//!   (`capture.sh`), and protoguard, fed buf's findings (`<case>.json`), must print the same
//!   bytes, except where src/formats/mod.rs documents a fix of buf's output;
//! * consumers: SARIF validates against the official SARIF 2.1.0 schema
//!   (`tests/sarif-schema-2.1.0.json`), JUnit parses as XML, the GitLab report as JSON with a
//!   path and a line on every issue, workflow commands stay one a line.

use std::path::{Path, PathBuf};

use protoguard::formats::{self, FORMATS};
use protoguard::{catalog, Annotation};
use serde_json::Value;

fn categories(rule: &str) -> Vec<String> {
    catalog::get(rule)
        .map(|d| d.categories.clone())
        .unwrap_or_default()
}

/// Three findings: a deleted file (no new path, an old one), an ordinary retyped field, and a
/// changed `json_name` whose message and path hold characters every format must escape.
fn fixture() -> Vec<Annotation> {
    vec![
        Annotation {
            path: None,
            start_line: 1,
            start_column: 1,
            end_line: 1,
            end_column: 1,
            rule: "FILE_NO_DELETE",
            message: "Previously present file \"acme/v1/gone.proto\" was deleted.".into(),
            old_path: Some("acme/v1/gone.proto".into()),
            old_start_line: Some(1),
            old_start_column: Some(1),
            categories: categories("FILE_NO_DELETE"),
            renamed_to: None,
            affects: Vec::new(),
            notes: Vec::new(),
            source: None,
            verdict: Default::default(),
            ..Default::default()
        },
        Annotation {
            path: Some("acme/v1/order.proto".into()),
            start_line: 12,
            start_column: 3,
            end_line: 12,
            end_column: 8,
            rule: "FIELD_SAME_TYPE",
            message: "Field \"2\" with name \"quantity\" on message \"Order\" changed type from \"int32\" to \"int64\".".into(),
            old_path: Some("acme/v1/order.proto".into()),
            old_start_line: Some(11),
            old_start_column: Some(3),
            categories: categories("FIELD_SAME_TYPE"),
            renamed_to: None,
            affects: Vec::new(),
            notes: Vec::new(),
            source: None,
            verdict: Default::default(),
            ..Default::default()
        },
        Annotation {
            path: Some("acme/v1/odd dir,x/a:b%.proto".into()),
            start_line: 7,
            start_column: 5,
            end_line: 7,
            end_column: 40,
            rule: "FIELD_SAME_JSON_NAME",
            message: "Field \"3\" with name \"note\" on message \"Odd\" changed option \"json_name\" from \"a,b:c%\" to \"x\n\\\"<&>'\".".into(),
            old_path: Some("acme/v1/odd dir,x/a:b%.proto".into()),
            old_start_line: Some(7),
            old_start_column: Some(5),
            categories: categories("FIELD_SAME_JSON_NAME"),
            renamed_to: None,
            affects: Vec::new(),
            notes: Vec::new(),
            source: None,
            verdict: Default::default(),
            ..Default::default()
        },
    ]
}

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

#[test]
fn golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let annotations = fixture();
    let mut stale = Vec::new();
    for format in FORMATS {
        let got = formats::render(format, &annotations).expect("a listed format renders");
        let got = if *format == "sarif" {
            elide_catalogue(&got)
        } else {
            got
        };
        let path = tests_dir().join("golden").join(format!("{format}.txt"));
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == got => {}
            Ok(want) => {
                eprintln!(
                    "--- {} (expected)\n{want}\n--- {format} (got)\n{got}",
                    path.display()
                );
                stale.push(format);
            }
            Err(e) => panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()),
        }
    }
    assert!(
        stale.is_empty(),
        "output differs from tests/golden for {stale:?}; if the change is intended, rerun \
         with UPDATE_GOLDEN=1 and review the diff"
    );
}

/// The SARIF golden file leaves out what changes with the catalogue and the crate rather than
/// with the renderer: the rule descriptors (one per rules/<ID>.yaml, checked against the
/// catalogue by `sarif_has_what_github_code_scanning_reads`) and the version.
fn elide_catalogue(sarif: &str) -> String {
    let (open, close) = ("\n          \"rules\": [\n", "\n          ]\n");
    let start = sarif.find(open).expect("a rules array") + open.len();
    let end = start + sarif[start..].find(close).expect("the rules array ends");
    let version = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    format!(
        "{}            \"(one reportingDescriptor per rules/<ID>.yaml)\"{}",
        &sarif[..start],
        &sarif[end..]
    )
    .replace(
        &format!("\"version\": {version}"),
        "\"version\": \"(CARGO_PKG_VERSION)\"",
    )
    .replace(
        &format!("\"semanticVersion\": {version}"),
        "\"semanticVersion\": \"(CARGO_PKG_VERSION)\"",
    )
}

#[test]
fn unknown_format_is_none() {
    assert!(formats::render("checkstyle", &fixture()).is_none());
}

// ---------------------------------------------------------------------------------------------
// parity with buf

/// buf's findings of one captured case, from its `--error-format json` output.
fn buf_findings(case: &str) -> Vec<Annotation> {
    let text = buf_output(case, "json");
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            let num = |k: &str| v[k].as_u64().unwrap_or(0) as u32;
            let rule: &'static str = Box::leak(v["type"].as_str().unwrap().to_string().into());
            Annotation {
                path: v["path"].as_str().map(String::from),
                start_line: num("start_line"),
                start_column: num("start_column"),
                end_line: num("end_line"),
                end_column: num("end_column"),
                rule,
                message: v["message"].as_str().unwrap().to_string(),
                old_path: None,
                old_start_line: None,
                old_start_column: None,
                categories: categories(rule),
                renamed_to: None,
                affects: Vec::new(),
                notes: Vec::new(),
                source: None,
                verdict: Default::default(),
                ..Default::default()
            }
        })
        .collect()
}

fn buf_output(case: &str, format: &str) -> String {
    let path = tests_dir()
        .join("golden/buf")
        .join(format!("{case}.{format}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const CASES: &[&str] = &["basic", "multi", "xmlchars"];

#[test]
fn msvs_and_junit_are_bufs_bytes() {
    for case in CASES {
        let findings = buf_findings(case);
        assert_eq!(
            formats::render_msvs(&findings),
            buf_output(case, "msvs"),
            "{case}"
        );
        assert_eq!(
            formats::render_junit(&findings),
            buf_output(case, "junit"),
            "{case}"
        );
    }
}

/// Where a path or message needs no escaping and there is a file, each line is buf's.
#[test]
fn github_actions_is_bufs_bytes_except_escapes_and_fileless_findings() {
    for case in CASES {
        let findings = buf_findings(case);
        let ours = formats::render_github_actions(&findings);
        let theirs = buf_output(case, "github-actions");
        assert_eq!(ours.lines().count(), findings.len(), "{case}");
        for ((a, ours), theirs) in findings.iter().zip(ours.lines()).zip(theirs.lines()) {
            match &a.path {
                None => {
                    assert_eq!(theirs, format!("::error file=<input>::{}", a.message));
                    assert_eq!(ours, format!("::error title={}::{}", a.rule, a.message));
                }
                // Ours adds `,title=RULE` (the PR annotation's title) before the message.
                Some(p) => {
                    let escaped = p
                        .replace('%', "%25")
                        .replace(':', "%3A")
                        .replace(',', "%2C");
                    let (head, message) = theirs
                        .split_once("::")
                        .map(|(_, rest)| rest.split_once("::").unwrap())
                        .unwrap();
                    let expected = format!(
                        "::{},title={}::{}",
                        head.replacen(&format!("file={p}"), &format!("file={escaped}"), 1),
                        a.rule,
                        message
                    );
                    assert_eq!(ours, expected, "{case}");
                }
            }
        }
    }
}

#[test]
fn gitlab_code_quality_is_bufs_bytes_for_findings_with_a_file() {
    for case in CASES {
        let findings = buf_findings(case);
        let ours = formats::render_gitlab_code_quality(&findings);
        let theirs = buf_output(case, "gitlab-code-quality");
        if findings.iter().all(|a| a.path.is_some()) {
            assert_eq!(ours, theirs, "{case}");
            continue;
        }
        let ours: Vec<Value> = serde_json::from_str(&ours).unwrap();
        let theirs: Vec<Value> = serde_json::from_str(&theirs).unwrap();
        assert_eq!(ours.len(), theirs.len());
        for ((a, ours), theirs) in findings.iter().zip(&ours).zip(&theirs) {
            if a.path.is_some() {
                assert_eq!(ours, theirs, "{case}");
            } else {
                // buf: {"positions":{"begin":{},"end":{}}}, which GitLab cannot place.
                assert_eq!(theirs["location"].get("path"), None);
                assert_eq!(ours["location"]["path"], "");
                assert_eq!(ours["location"]["positions"]["begin"]["line"], 1);
                assert_eq!(ours["description"], theirs["description"]);
                assert_eq!(ours["check_name"], theirs["check_name"]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// consumers

/// A finding with no file at all, old or new (buf's PACKAGE_NO_DELETE).
fn fileless() -> Annotation {
    Annotation {
        path: None,
        start_line: 1,
        start_column: 1,
        end_line: 1,
        end_column: 1,
        rule: "PACKAGE_NO_DELETE",
        message: "Previously present package \"acme.v0\" was deleted.".into(),
        old_path: None,
        old_start_line: None,
        old_start_column: None,
        categories: categories("PACKAGE_NO_DELETE"),
        renamed_to: None,
        affects: Vec::new(),
        notes: Vec::new(),
        source: None,
        verdict: Default::default(),
        ..Default::default()
    }
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(tests_dir().join("sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        schema["id"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    );
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::Validator, text: &str) -> Value {
    let log: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF fails the schema:\n{}",
        errors.join("\n")
    );
    log
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let mut with_fileless = fixture();
    with_fileless.push(fileless());
    // A rule the catalogue does not know still gets a descriptor for its ruleIndex.
    let mut unknown = fileless();
    unknown.rule = "NOT_A_CATALOGUED_RULE";
    unknown.old_path = Some("x.proto".into());
    with_fileless.push(unknown);
    for annotations in [
        fixture(),
        with_fileless,
        buf_findings("multi"),
        buf_findings("xmlchars"),
        Vec::new(),
    ] {
        let log = assert_valid_sarif(&validator, &formats::render_sarif(&annotations));
        let run = &log["runs"][0];
        for r in run["results"].as_array().unwrap() {
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(run["tool"]["driver"]["rules"][index]["id"], r["ruleId"]);
        }
    }
}

#[test]
fn the_schema_check_rejects_broken_sarif() {
    let validator = sarif_validator();
    let good: Value = serde_json::from_str(&formats::render_sarif(&fixture())).unwrap();
    assert!(validator.is_valid(&good));
    let broken: [fn(&mut Value); 4] = [
        |v| v["version"] = "2.0.0".into(),
        |v| {
            v["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
                0.into()
        },
        |v| v["runs"][0]["results"][1]["level"] = "fatal".into(),
        |v| v["runs"][0]["tool"]["driver"]["unknownKey"] = true.into(),
    ];
    for (i, breaking) in broken.iter().enumerate() {
        let mut v = good.clone();
        breaking(&mut v);
        assert!(!validator.is_valid(&v), "broken log {i} passed the schema");
    }
}

#[test]
fn sarif_has_what_github_code_scanning_reads() {
    let validator = sarif_validator();
    let annotations = fixture();
    let log = assert_valid_sarif(&validator, &formats::render_sarif(&annotations));
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().starts_with("https://"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "protoguard");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));

    // Every catalogued rule is described, once, with its documentation.
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), catalog::all().len());
    for (rule, doc) in rules.iter().zip(catalog::all()) {
        assert_eq!(rule["id"], doc.id.as_str());
        assert_eq!(rule["shortDescription"]["text"], doc.summary.trim());
        assert_eq!(rule["fullDescription"]["text"], doc.breaks.trim());
        let help = rule["help"]["markdown"].as_str().unwrap();
        assert!(help.contains(doc.fix.trim()) && help.contains(doc.example.after.trim_end()));
        assert!(rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains(doc.breaks.trim()));
        assert_eq!(rule["defaultConfiguration"]["level"], "error");
        assert_eq!(
            rule["properties"]["tags"],
            serde_json::to_value(&doc.categories).unwrap()
        );
    }

    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), annotations.len());
    let mut fingerprints = std::collections::BTreeSet::new();
    for (r, a) in results.iter().zip(&annotations) {
        assert_eq!(r["ruleId"], a.rule);
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], a.rule);
        assert_eq!(r["level"], "error");
        assert_eq!(r["message"]["text"], a.message.as_str());
        // GitHub refuses a result without a location: the deleted file is located at the old
        // path.
        let locations = r["locations"].as_array().expect("every result is located");
        assert_eq!(locations.len(), 1);
        let loc = &locations[0]["physicalLocation"];
        let region = &loc["region"];
        match &a.path {
            Some(_) => {
                assert_eq!(region["startLine"], a.start_line);
                assert_eq!(region["startColumn"], a.start_column);
                assert_eq!(region["endLine"], a.end_line);
                assert_eq!(region["endColumn"], a.end_column);
            }
            None => {
                assert_eq!(loc["artifactLocation"]["uri"], "acme/v1/gone.proto");
                assert_eq!(region["startLine"], a.old_start_line.unwrap());
            }
        }
        let fp = r["partialFingerprints"]["protoguardFinding/v1"]
            .as_str()
            .unwrap();
        assert!(
            fingerprints.insert(fp.to_string()),
            "fingerprints are unique"
        );
    }
    assert_eq!(
        results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "acme/v1/odd%20dir%2Cx/a%3Ab%25.proto"
    );

    // A fingerprint ignores the line, so moving a finding keeps its alert.
    let mut moved = annotations.clone();
    moved[1].start_line += 5;
    moved[1].end_line += 5;
    let moved: Value = serde_json::from_str(&formats::render_sarif(&moved)).unwrap();
    assert_eq!(
        moved["runs"][0]["results"][1]["partialFingerprints"],
        results[1]["partialFingerprints"]
    );

    // A finding with no file anywhere has no location (see render_sarif).
    let log: Value = serde_json::from_str(&formats::render_sarif(&[fileless()])).unwrap();
    let r = &log["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "PACKAGE_NO_DELETE");
    assert!(r.get("locations").is_none());
}

#[test]
fn junit_is_well_formed_xml_holding_every_finding() {
    let mut annotations = fixture();
    annotations.push(fileless());
    let xml = formats::render_junit(&annotations);
    let doc = roxmltree::Document::parse(&xml).expect("JUnit output is XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let failures: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), annotations.len());
    // Attribute values round-trip, newline and markup included.
    let odd = &annotations[2];
    assert!(failures.iter().any(|f| f.attribute("message")
        == Some(&format!(
            "{}:7:5:{}",
            odd.path.as_deref().unwrap(),
            odd.message
        ))));
    for suite in root.children().filter(|n| n.is_element()) {
        let cases = suite.children().filter(|n| n.is_element()).count();
        assert_eq!(suite.attribute("tests"), Some(cases.to_string().as_str()));
        assert_eq!(
            suite.attribute("failures"),
            Some(cases.to_string().as_str())
        );
    }
    assert_eq!(formats::render_junit(&[]), "<testsuites></testsuites>\n");
    roxmltree::Document::parse(&formats::render_junit(&[])).unwrap();
}

#[test]
fn gitlab_report_is_placed_and_fingerprinted_per_finding() {
    let mut annotations = fixture();
    annotations.push(fileless());
    let text = formats::render_gitlab_code_quality(&annotations);
    assert_eq!(
        text,
        formats::render_gitlab_code_quality(&annotations),
        "stable"
    );
    assert!(text.ends_with("]\n") && !text.trim_end().contains('\n'));
    assert!(
        !text.contains('<') && !text.contains('&'),
        "HTML-safe, as Go"
    );
    let issues: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(issues.len(), annotations.len());
    let mut fingerprints = std::collections::BTreeSet::new();
    for (issue, a) in issues.iter().zip(&annotations) {
        assert_eq!(issue["description"], a.message.as_str());
        assert_eq!(issue["check_name"], a.rule);
        assert_eq!(issue["severity"], "minor");
        // What GitLab's parser needs to place an issue.
        assert!(issue["location"]["path"].is_string());
        assert!(
            issue["location"]["positions"]["begin"]["line"]
                .as_u64()
                .unwrap()
                >= 1
        );
        let fp = issue["fingerprint"].as_str().unwrap();
        assert_eq!(fp.len(), 128);
        assert!(fingerprints.insert(fp.to_string()), "unique");
    }
    assert_eq!(issues[0]["location"]["path"], "acme/v1/gone.proto");
    // Two findings differing only in place differ in fingerprint.
    let mut twin = annotations[1].clone();
    twin.start_line += 1;
    twin.end_line += 1;
    let pair: Vec<Value> = serde_json::from_str(&formats::render_gitlab_code_quality(&[
        annotations[1].clone(),
        twin,
    ]))
    .unwrap();
    assert_ne!(pair[0]["fingerprint"], pair[1]["fingerprint"]);
    assert_eq!(formats::render_gitlab_code_quality(&[]), "[]\n");
}

#[test]
fn workflow_commands_stay_one_a_line_and_escaped() {
    let annotations = fixture();
    let text = formats::render_github_actions(&annotations);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), annotations.len());
    assert_eq!(
        lines[0],
        "::error title=FILE_NO_DELETE::Previously present file \"acme/v1/gone.proto\" was deleted."
    );
    assert!(lines[2].starts_with(
        "::error file=acme/v1/odd dir%2Cx/a%3Ab%25.proto,line=7,col=5,endLine=7,endColumn=40,title=FIELD_SAME_JSON_NAME::"
    ));
    assert!(lines[2].contains("from \"a,b:c%25\" to \"x%0A\\\"<&>'\""));
    assert_eq!(formats::render_github_actions(&[]), "");
    assert_eq!(formats::render_msvs(&[]), "");
}
