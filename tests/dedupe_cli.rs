//! `kontor dedupe pairs`: every example pair of duplicate detection passes through the CLI.
//!
//! `tests/data/dedup-pairs.tsv` is a copy of `../shared/testdata/dedup-pairs.tsv` (CI clones the
//! repository without it beside); `tests/data/dedup-pairs-extra.tsv` holds our own pairs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kontor"))
        .args(args)
        .env("KONTOR_LOG", "warn")
        .output()
        .expect("run kontor")
}

/// The pairs in a file (lines that are neither blank nor comments).
fn pair_count(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .expect("read pairs")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .count()
}

fn assert_all_pass(file: &str) {
    let path = data(file);
    let out = run(&["dedupe", "pairs", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(
        failures.is_empty(),
        "{file}: {} pairs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let n = pair_count(&path);
    assert!(n > 0, "{file} has no pairs");
    assert_eq!(
        stdout.lines().last(),
        Some(format!("{n} passed, 0 failed").as_str()),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("PASS")).count(),
        n,
        "{stdout}"
    );
    assert!(out.status.success(), "{stdout}");
}

#[test]
fn shared_pairs_all_pass() {
    assert_all_pass("dedup-pairs.tsv");
}

#[test]
fn the_copy_of_the_shared_pairs_is_current() {
    // Beside a clone with ../shared (a developer's machine), the copy must not have drifted.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/dedup-pairs.tsv");
    if let Ok(original) = std::fs::read_to_string(&shared) {
        let copy = std::fs::read_to_string(data("dedup-pairs.tsv")).unwrap();
        assert_eq!(
            copy, original,
            "tests/data/dedup-pairs.tsv differs from ../shared/testdata/dedup-pairs.tsv: copy it again"
        );
    }
}

#[test]
fn extra_pairs_all_pass() {
    assert_all_pass("dedup-pairs-extra.tsv");
}

#[test]
fn a_wrong_expectation_and_a_malformed_line_fail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pairs.tsv");
    std::fs::write(
        &path,
        "# comment\n\
         \n\
         match\tname\tBrandt Werkzeuge GmbH\tBRANDT Werkzeuge\tpasses\n\
         match\tname\tBrandt Werkzeuge GmbH\tBrandt Moebel GmbH\twrong expectation\n\
         match\tname\tonly three fields\n\
         perhaps\tname\ta\tb\tunknown expectation\n\
         nomatch\tfax\ta\tb\tunknown field\n\
         nomatch\temail\tli.wei@qq.com\tzhang.min@qq.com\n",
    )
    .unwrap();
    let out = run(&["dedupe", "pairs", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(!out.status.success(), "{stdout}");
    assert_eq!(lines.last(), Some(&"2 passed, 4 failed"), "{stdout}");
    assert!(
        lines[0].starts_with("PASS") && lines[0].contains("line 3"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("FAIL") && lines[1].contains("line 4"),
        "{stdout}"
    );
    assert!(
        lines[1].contains("0.4") && lines[1].contains("werkzeuge ≠ moebel"),
        "{stdout}"
    );
    for (i, line) in [(2, "line 5"), (3, "line 6"), (4, "line 7")] {
        assert!(
            lines[i].starts_with("FAIL")
                && lines[i].contains(line)
                && lines[i].contains("malformed"),
            "{stdout}"
        );
    }
    assert!(lines[5].starts_with("PASS"), "{stdout}");
}

#[test]
fn region_flag_reads_national_phone_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pairs.tsv");
    std::fs::write(
        &path,
        "match\tphone\t030 12345678\t+49 30 12345678\tGerman national\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    let out = run(&["dedupe", "pairs", p, "--region", "DE"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("1.00  same phone +493012345678"),
        "{stdout}"
    );
    // With the default region (CN) the number is only read as German because the other one is.
    let out = run(&["dedupe", "pairs", p]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("0.90  same phone +493012345678 when"),
        "{stdout}"
    );
    // A number with its country first in the file is read in that country.
    std::fs::write(
        &path,
        "match\tphone\tDE:030 12345678\t+49 30 12345678\tcountry given\n",
    )
    .unwrap();
    let out = run(&["dedupe", "pairs", p]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1.00  same phone +493012345678"),
        "{stdout}"
    );
}

#[test]
fn a_missing_file_is_an_error() {
    let out = run(&["dedupe", "pairs", "/nonexistent/pairs.tsv"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
