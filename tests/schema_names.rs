//! The OpenAPI document names each schema by its Rust type's bare name, and utoipa keeps only
//! the last of two types that share one: the document then describes one of them wrongly
//! (a `MoveInput` of stock moves once read as the kanban's). This test reads the sources and
//! fails when two types deriving `ToSchema` share a name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// (schema name, file:line) of every type deriving `ToSchema`; `#[schema(as = X)]` renames.
fn schema_types(file: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(file).expect("read source");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.trim_start().starts_with("#[derive(") {
            continue;
        }
        // rustfmt spreads a long derive over several lines: read it to its `)]`.
        let end = (i..lines.len())
            .find(|&j| lines[j].contains(")]"))
            .unwrap_or(i);
        if !lines[i..=end].iter().any(|l| l.contains("ToSchema")) {
            continue;
        }
        let mut renamed = None;
        for (j, next) in lines.iter().enumerate().skip(i + 1) {
            let t = next.trim_start();
            if let Some(rest) = t.strip_prefix("#[schema(as = ") {
                renamed = rest.split([')', ',']).next().map(|s| s.trim().to_string());
            }
            let item = t
                .strip_prefix("pub ")
                .unwrap_or(t)
                .strip_prefix("struct ")
                .or_else(|| t.strip_prefix("pub ").unwrap_or(t).strip_prefix("enum "));
            if let Some(item) = item {
                let name: String = item
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let at = format!("{}:{}", file.display(), j + 1);
                out.push((renamed.unwrap_or(name), at));
                break;
            }
            if j > i + 40 {
                break;
            }
        }
    }
    out
}

#[test]
fn no_two_api_types_share_a_schema_name() {
    let mut files = Vec::new();
    rust_files(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut files,
    );
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &files {
        for (name, at) in schema_types(f) {
            seen.entry(name).or_default().push(at);
        }
    }
    assert!(
        seen.len() > 100,
        "the scan found only {} schema types",
        seen.len()
    );
    let clashes: Vec<_> = seen.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(
        clashes.is_empty(),
        "schema names used by more than one type (rename one, or #[schema(as = …)]): {clashes:#?}"
    );
}
