//! The coverage table of the crate docs (`src/coverage.md`) lists every operation of the
//! seller OpenAPI exactly once, with the spec's method and path. The operation list is
//! `tests/fixtures/operations.txt`, derived from
//! `../shared/specs/mirakl/mirakl-mmp-seller-openapi.json` by `scripts/gen_ops.py`; when
//! the spec is present it is derived again here, so neither can go stale.

use std::collections::BTreeMap;
use std::path::PathBuf;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// code -> "METHOD path"
fn operations() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(crate_dir().join("tests/fixtures/operations.txt")).unwrap();
    let mut out = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "{line}");
        let prev = out.insert(cols[0].to_owned(), format!("{} {}", cols[1], cols[2]));
        assert!(prev.is_none(), "{} listed twice", cols[0]);
    }
    out
}

#[test]
fn coverage_table_lists_every_operation_once() {
    let ops = operations();
    assert_eq!(ops.len(), 122);
    let table = std::fs::read_to_string(crate_dir().join("src/coverage.md")).unwrap();
    let mut seen = BTreeMap::new();
    for line in table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| operation"))
    {
        let cols: Vec<&str> = line.split(" | ").collect();
        let code = cols[0].trim_start_matches("| ").to_owned();
        let endpoint = cols[1].trim_matches('`').replace("\\|", "|");
        let call = cols[2];
        assert!(
            call.contains("(crate::api::"),
            "{code} has no method: {line}"
        );
        let expected = ops
            .get(&code)
            .unwrap_or_else(|| panic!("{code} is not an operation of the spec"));
        assert_eq!(&endpoint, expected, "{code}");
        if !cols[3].starts_with("hand-written") {
            let module = cols[3]
                .split("(crate::")
                .nth(1)
                .unwrap()
                .trim_end_matches(") |");
            let file = crate_dir()
                .join("src")
                .join(module.replace("::", "/") + ".rs");
            assert!(file.exists(), "{code}: {} missing", file.display());
        }
        assert!(
            seen.insert(code.clone(), ()).is_none(),
            "{code} listed twice"
        );
    }
    let missing: Vec<_> = ops.keys().filter(|k| !seen.contains_key(*k)).collect();
    assert!(missing.is_empty(), "not in the coverage table: {missing:?}");
}

#[test]
fn operation_list_matches_the_spec_when_present() {
    let spec = crate_dir().join("../../shared/specs/mirakl/mirakl-mmp-seller-openapi.json");
    let Ok(text) = std::fs::read_to_string(&spec) else {
        eprintln!(
            "{} absent: checked against the committed list only",
            spec.display()
        );
        return;
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut derived = BTreeMap::new();
    for (path, item) in v["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op.get("operationId").and_then(|i| i.as_str()) {
                derived.insert(id.to_owned(), format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert_eq!(derived, operations(), "re-run scripts/gen_ops.py");
}
