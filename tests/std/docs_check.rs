//! Keeps the docs honest: every check a page in `docs/` names must exist, and every promise a
//! primitive's page lists must appear in the verification matrix.
//!
//! In a Markdown table cell, `` `path/to/file.rs::test_name` `` names a test; bare
//! `` `other_test` `` tokens after it in the same cell name further tests in the same file;
//! `` `path/to/file.rs::*` `` names the whole file. Each must exist as `fn test_name` there.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pages() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    v.sort();
    v
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// (file, test) pairs named in the tables of one page; test `*` means "the file exists".
fn named_checks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.trim_start().starts_with('|')) {
        for cell in line.split('|') {
            let mut file: Option<String> = None;
            for (i, tok) in cell.split('`').enumerate() {
                if i % 2 == 0 {
                    continue; // outside backticks
                }
                if let Some((f, name)) = tok.split_once("::") {
                    if f.ends_with(".rs") {
                        file = Some(f.to_string());
                        out.push((f.to_string(), name.to_string()));
                        continue;
                    }
                }
                match &file {
                    Some(f) if is_ident(tok) => out.push((f.clone(), tok.to_string())),
                    _ => {}
                }
            }
        }
    }
    out
}

fn has_fn(file: &Path, name: &str) -> bool {
    let Ok(src) = std::fs::read_to_string(file) else {
        return false;
    };
    name == "*"
        || src.lines().any(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            l.strip_prefix("fn ").is_some_and(|rest| {
                rest.strip_prefix(name)
                    .is_some_and(|r| r.starts_with(['(', '<']))
            })
        })
}

#[test]
#[cfg_attr(miri, ignore = "reads files; Miri isolates the file system")]
fn every_check_named_in_docs_exists() {
    let mut missing = Vec::new();
    let mut count = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for (file, name) in named_checks(&text) {
            count += 1;
            if !has_fn(&root().join(&file), &name) {
                missing.push(format!("{}: {file}::{name}", page.display()));
            }
        }
    }
    assert!(count > 0, "no checks named in docs/ at all");
    assert!(
        missing.is_empty(),
        "docs name checks that do not exist:\n{}",
        missing.join("\n")
    );
}

/// Promise ids are the first cell of a page's promise table: a capital letter or two and a
/// number (`L1`, `SE3`). Each must appear in docs/verification.md.
#[test]
#[cfg_attr(miri, ignore = "reads files; Miri isolates the file system")]
fn every_promise_appears_in_the_matrix() {
    let matrix = std::fs::read_to_string(root().join("docs/verification.md")).unwrap();
    let mut missing = Vec::new();
    for page in pages() {
        if page.ends_with("verification.md") {
            continue;
        }
        let text = std::fs::read_to_string(&page).unwrap();
        for line in text.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let Some(id) = cells.get(1) else { continue };
            let (letters, digits) = id.split_at(id.find(|c: char| c.is_ascii_digit()).unwrap_or(0));
            let promise_id = (1..=3).contains(&letters.len())
                && letters.chars().all(|c| c.is_ascii_uppercase())
                && !digits.is_empty()
                && digits.chars().all(|c| c.is_ascii_digit());
            if promise_id && !matrix.contains(&format!("| {id} |")) {
                missing.push(format!("{}: {id}", page.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "promises missing from docs/verification.md:\n{}",
        missing.join("\n")
    );
}
