//! Keeps the table of every blocking operation in `docs/overview.md` ("## Every blocking
//! operation") and the code in step, as `docs_check.rs` keeps the verification matrix.
//!
//! - Every name the table gives is a public inherent method of that type in `src/`, with the
//!   return type the table says (lifetimes, paths and spaces aside), named by the four-form rule
//!   of `docs/api.md`: `op`, `try_op`, `op_for` (taking a `Duration`), `op_until` (taking an
//!   `Instant`). A `try_` cell may name the question the type answers under its Python name
//!   instead (`Event::is_set`), which must then carry `#[doc(alias = "try_op")]`.
//! - Every public method `op_for(…, Duration)` or `op_until(…, Instant)` in `src/` has its row
//!   `(type, op)`, and every one of the four names that exists in `src/` is in that row (not a
//!   "—").
//!
//! The source is read with a small parser: comments and literals are blanked, then inherent
//! `impl` blocks at the top level of each file are followed by brace depth. A type declared in
//! `src/x.rs` is named bare in the table (`Lock`); one in `src/dir/…` as `dir::Type`. `src/shim/`
//! is internal and not read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TABLE_PAGE: &str = "docs/overview.md";
const TABLE_HEADING: &str = "## Every blocking operation";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A public inherent method as the source declares it.
#[derive(Debug, Clone)]
struct Method {
    /// The return type, normalized (see [`normalize_type`]); `()` when there is none.
    ret: String,
    /// The parameter list as written, between the parentheses.
    params: String,
    /// Its `#[doc(alias = …)]` names.
    aliases: Vec<String>,
    /// `src/file.rs:line`, for messages.
    at: String,
}

/// Public types (`Lock`, `process::Lock`) to their public inherent methods by name.
type Api = BTreeMap<String, BTreeMap<String, Method>>;

/// The source with comments, string and char literals blanked byte for byte (newlines kept), so
/// braces and keywords inside them do not count and offsets still match the original.
fn code_only(src: &str) -> Vec<u8> {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = src[i..].find('\n').map_or(b.len(), |k| i + k);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // Block comments nest in Rust.
                let (mut depth, mut j) = (0usize, i);
                while j < b.len() {
                    if b[j..].starts_with(b"/*") {
                        depth += 1;
                        j += 2;
                    } else if b[j..].starts_with(b"*/") {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                blank(&mut out, i, j);
                i = j;
            }
            b'r' if (i == 0 || !ident(b[i - 1]))
                && matches!(b.get(i + 1), Some(b'"' | b'#'))
                && b[i + 1..].iter().find(|&&c| c != b'#') == Some(&b'"') =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                let open = i + 1 + hashes + 1;
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                let end = (open..b.len())
                    .find(|&j| b[j..].starts_with(&close))
                    .unwrap_or(b.len());
                blank(&mut out, open, end);
                i = end + close.len();
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                blank(&mut out, i + 1, j);
                i = j + 1;
            }
            b'\'' => {
                // A char literal ('x', '\n', '→'), or else a lifetime ('a, '_, 'static).
                let len = if b.get(i + 1) == Some(&b'\\') {
                    b[i + 2..].iter().position(|&c| c == b'\'').map(|k| k + 2)
                } else {
                    src[i + 1..]
                        .chars()
                        .next()
                        .map(char::len_utf8)
                        .filter(|&n| b.get(i + 1 + n) == Some(&b'\''))
                        .map(|n| n + 1)
                };
                match len {
                    Some(n) => {
                        blank(&mut out, i + 1, i + n);
                        i += n + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// Skips a balanced `<…>` starting at `s[0] == '<'` (an `->` inside does not close it); returns
/// the rest after the closing `>`.
fn skip_generics(s: &str) -> &str {
    let mut depth = 0i32;
    let mut prev = ' ';
    for (k, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if prev != '-' => {
                depth -= 1;
                if depth == 0 {
                    return &s[k + 1..];
                }
            }
            _ => {}
        }
        prev = c;
    }
    ""
}

/// A type as compared: no lifetimes, no paths, no spaces. `Option<LockGuard<'_, T>>` and
/// `Option<LockGuard<T>>` are the same; so are `queue::Iter<T>` and `Iter<'_, T>`.
fn normalize_type(t: &str) -> String {
    // Lifetimes, with the comma and spaces after them.
    let mut no_lifetimes = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            while chars
                .next_if(|c| c.is_alphanumeric() || *c == '_')
                .is_some()
            {}
            while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        } else {
            no_lifetimes.push(c);
        }
    }
    let compact: String = no_lifetimes.split_whitespace().collect();
    let compact = compact.replace("<>", "");
    // Paths: drop every `segment::`.
    let mut out = String::new();
    let mut word = String::new();
    let mut rest = compact.as_str();
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("::") {
            word.clear();
            rest = &rest[2..];
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            out.push_str(&word);
            word.clear();
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out.push_str(&word);
    out
}

/// The name of a type's key: bare for `src/x.rs`, `dir::Type` for `src/dir/…`.
fn type_key(rel: &Path, name: &str) -> String {
    match rel.iter().next() {
        Some(dir) if rel.components().count() > 1 => {
            format!("{}::{name}", dir.to_string_lossy())
        }
        _ => name.to_string(),
    }
}

/// The `#[doc(alias …)]` names in the attribute and doc-comment lines right above `line`.
fn aliases_above(raw_lines: &[&str], line: usize) -> Vec<String> {
    let mut out = Vec::new();
    for l in raw_lines[..line].iter().rev() {
        let t = l.trim();
        if !(t.starts_with("#[") || t.starts_with("//")) {
            break;
        }
        if t.starts_with("#[doc(alias") {
            out.extend(
                t.split('"')
                    .enumerate()
                    .filter(|(k, _)| k % 2 == 1)
                    .map(|(_, s)| s.to_string()),
            );
        }
    }
    out
}

/// Parses one `fn` signature (from `fn`'s name on): name, parameters, return type.
fn parse_signature(sig: &str) -> Option<(String, String, String)> {
    let name: String = sig
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let mut rest = sig[name.len()..].trim_start();
    if rest.starts_with('<') {
        rest = skip_generics(rest).trim_start();
    }
    rest = rest.strip_prefix('(')?;
    let mut depth = 1;
    let close = rest.char_indices().find_map(|(k, c)| {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        (depth == 0).then_some(k)
    })?;
    let params = rest[..close].trim().to_string();
    let after = rest[close + 1..].trim();
    let ret = match after.strip_prefix("->") {
        Some(r) => {
            let end = r.find(" where ").unwrap_or(r.len());
            r[..end].trim().to_string()
        }
        None => "()".to_string(),
    };
    Some((name, params, normalize_type(&ret)))
}

/// The public inherent methods of the public types in `files` (path relative to `src/`, text).
fn public_api(files: &[(PathBuf, String)]) -> Api {
    let mut public_types: Vec<String> = Vec::new();
    let mut impls: Vec<(String, String, Method)> = Vec::new(); // (type key, name, method)
    for (rel, src) in files {
        let code = String::from_utf8(code_only(src)).expect("blanking keeps UTF-8 boundaries");
        let lines: Vec<&str> = code.lines().collect();
        let raw_lines: Vec<&str> = src.lines().collect();
        let mut depth = 0i64;
        let mut current: Option<String> = None; // the type of the inherent impl we are in
        let mut k = 0;
        while k < lines.len() {
            let t = lines[k].trim_start();
            if depth == 0 {
                for kind in ["pub struct ", "pub enum ", "pub type "] {
                    if let Some(rest) = t.strip_prefix(kind) {
                        let name: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        public_types.push(type_key(rel, &name));
                    }
                }
                let header = t.strip_prefix("unsafe ").unwrap_or(t);
                if header.starts_with("impl") && !header.starts_with("impl_") {
                    // The header may span lines: read up to its `{`.
                    let mut h = String::new();
                    let mut j = k;
                    while j < lines.len() {
                        h.push(' ');
                        h.push_str(lines[j]);
                        if lines[j].contains('{') || lines[j].contains(';') {
                            break;
                        }
                        j += 1;
                    }
                    let h = h.split('{').next().unwrap_or_default();
                    let mut rest = h.trim().trim_start_matches("unsafe").trim_start();
                    rest = rest.strip_prefix("impl").unwrap_or(rest).trim_start();
                    if rest.starts_with('<') {
                        rest = skip_generics(rest).trim_start();
                    }
                    let is_trait_impl = rest.split_whitespace().any(|w| w == "for");
                    current = (!is_trait_impl).then(|| {
                        let path: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                            .collect();
                        let name = path.rsplit("::").next().unwrap_or_default();
                        type_key(rel, name)
                    });
                }
            }
            if let (1, Some(ty)) = (depth, &current) {
                let is_pub_fn = [
                    "pub fn ",
                    "pub const fn ",
                    "pub unsafe fn ",
                    "pub const unsafe fn ",
                ]
                .iter()
                .any(|p| t.starts_with(p));
                if is_pub_fn {
                    let mut sig = String::new();
                    let mut j = k;
                    while j < lines.len() {
                        sig.push(' ');
                        sig.push_str(lines[j]);
                        if lines[j].contains('{') || lines[j].contains(';') {
                            break;
                        }
                        j += 1;
                    }
                    let sig = sig.split(['{', ';']).next().unwrap_or_default();
                    let sig = sig.split_once(" fn ").map(|(_, s)| s).unwrap_or_default();
                    if let Some((name, params, ret)) = parse_signature(sig.trim()) {
                        let at = format!("src/{}:{}", rel.display(), k + 1);
                        let aliases = aliases_above(&raw_lines, k);
                        impls.push((
                            ty.clone(),
                            name,
                            Method {
                                ret,
                                params,
                                aliases,
                                at,
                            },
                        ));
                    }
                }
            }
            depth += lines[k].matches('{').count() as i64 - lines[k].matches('}').count() as i64;
            if depth == 0 {
                current = current.filter(|_| !lines[k].contains('}'));
            }
            k += 1;
        }
    }
    let mut api = Api::new();
    for (ty, name, m) in impls {
        if public_types.contains(&ty) {
            // A `cfg`-doubled method (`const fn new` and its checker twin) keeps its first form.
            api.entry(ty).or_default().entry(name).or_insert(m);
        }
    }
    api
}

/// One cell of the table: a method with its return type, or "—" with the reason.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Method { name: String, ret: String },
    Absent { reason: String },
}

/// A row of the table: the type's key, and its four forms in column order.
#[derive(Debug)]
struct Row {
    ty: String,
    forms: [Cell; 4],
    line: usize,
}

const FORMS: [&str; 4] = ["blocking", "try_", "_for", "_until"];

/// The rows of the table under [`TABLE_HEADING`] in `page`, or the reasons they cannot be read.
fn table_rows(page: &str) -> Result<Vec<Row>, Vec<String>> {
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let Some(start) = page.lines().position(|l| l.trim() == TABLE_HEADING) else {
        return Err(vec![format!(
            "{TABLE_PAGE} has no `{TABLE_HEADING}` section"
        )]);
    };
    let mut seen_header = false;
    for (n, line) in page.lines().enumerate().skip(start + 1) {
        if line.starts_with("## ") {
            break;
        }
        let t = line.trim();
        if !t.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = t
            .trim_start_matches('|')
            .trim_end_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if !seen_header {
            seen_header = true; // the header row
            continue;
        }
        if cells
            .iter()
            .all(|c| c.chars().all(|c| c == '-' || c == ':'))
        {
            continue; // the separator row
        }
        let here = format!("{TABLE_PAGE}:{}", n + 1);
        if cells.len() != 5 {
            errors.push(format!("{here}: expected 5 cells, found {}", cells.len()));
            continue;
        }
        let ty = cells[0].split('`').nth(1).unwrap_or_default();
        let ty = ty.split('<').next().unwrap_or_default().trim().to_string();
        if ty.is_empty() {
            errors.push(format!("{here}: the type cell needs the type in backticks"));
            continue;
        }
        let mut forms = Vec::new();
        for (cell, form) in cells[1..].iter().zip(FORMS) {
            if let Some(reason) = cell.strip_prefix('—') {
                let reason = reason.trim().to_string();
                if reason.is_empty() {
                    errors.push(format!(
                        "{here}: `{ty}`'s {form} cell is \"—\" without a reason"
                    ));
                }
                forms.push(Cell::Absent { reason });
                continue;
            }
            let ticks: Vec<&str> = cell.split('`').collect();
            match (ticks.get(1), ticks.get(2), ticks.get(3)) {
                (Some(call), Some(arrow), Some(ret)) if arrow.trim() == "→" => {
                    let name = call
                        .split('(')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    forms.push(Cell::Method {
                        name,
                        ret: normalize_type(ret),
                    });
                }
                _ => {
                    errors.push(format!(
                        "{here}: `{ty}`'s {form} cell must be `` `name(args)` → `Type` `` or \
                         \"— reason\", found {cell:?}"
                    ));
                    forms.push(Cell::Absent {
                        reason: String::new(),
                    });
                }
            }
        }
        rows.push(Row {
            ty,
            forms: forms.try_into().expect("four form cells"),
            line: n + 1,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The operation a row is about: the blocking name, or the `_for` name without its suffix.
fn row_op(row: &Row) -> Option<String> {
    match (&row.forms[0], &row.forms[2]) {
        (Cell::Method { name, .. }, _) => Some(name.clone()),
        (_, Cell::Method { name, .. }) => name.strip_suffix("_for").map(str::to_string),
        _ => None,
    }
}

/// The four names the rule gives an operation, in column order.
fn four_names(op: &str) -> [String; 4] {
    [
        op.to_string(),
        format!("try_{op}"),
        format!("{op}_for"),
        format!("{op}_until"),
    ]
}

/// Every disagreement between the table in `page` and the public API parsed from `files`.
fn disagreements(page: &str, files: &[(PathBuf, String)]) -> Vec<String> {
    let api = public_api(files);
    let rows = match table_rows(page) {
        Ok(rows) => rows,
        Err(errors) => return errors,
    };
    let mut errors = Vec::new();
    let mut by_op: BTreeMap<(String, String), &Row> = BTreeMap::new();

    // The table against the code.
    for row in &rows {
        let here = format!("{TABLE_PAGE}:{}", row.line);
        let Some(methods) = api.get(&row.ty) else {
            errors.push(format!(
                "{here}: the table names `{}`, which is not a public type with methods in src/",
                row.ty
            ));
            continue;
        };
        let Some(op) = row_op(row) else {
            errors.push(format!(
                "{here}: `{}`'s row names neither a blocking nor a `_for` form",
                row.ty
            ));
            continue;
        };
        if by_op.insert((row.ty.clone(), op.clone()), row).is_some() {
            errors.push(format!("{here}: a second row for `{}::{op}`", row.ty));
        }
        for ((cell, rule_name), form) in row.forms.iter().zip(four_names(&op)).zip(FORMS) {
            let Cell::Method { name, ret } = cell else {
                continue;
            };
            let Some(m) = methods.get(name) else {
                errors.push(format!(
                    "{here}: the table names `{}::{name}`, which is not a public method in src/",
                    row.ty
                ));
                continue;
            };
            if *name != rule_name {
                let stand_in = form == "try_" && m.aliases.contains(&rule_name);
                if !stand_in {
                    errors.push(format!(
                        "{here}: `{}::{name}` stands in the {form} column of `{op}`, but its \
                         name is not `{rule_name}`{}",
                        row.ty,
                        if form == "try_" {
                            format!(" and it lacks `#[doc(alias = \"{rule_name}\")]` ({})", m.at)
                        } else {
                            String::new()
                        }
                    ));
                }
            }
            if m.ret != *ret {
                errors.push(format!(
                    "{here}: the table says `{}::{name}` returns `{ret}`, but {} returns `{}`",
                    row.ty, m.at, m.ret
                ));
            }
            let bound = match form {
                "_for" => Some("Duration"),
                "_until" => Some("Instant"),
                _ => None,
            };
            if bound.is_some_and(|b| !m.params.contains(b)) {
                let bound = bound.unwrap_or_default();
                errors.push(format!(
                    "{}: `{}::{name}` is the {form} form but takes no `{bound}`",
                    m.at, row.ty
                ));
            }
        }
    }

    // The code against the table: every operation with a timed form, with all its names.
    for (ty, methods) in &api {
        for (name, m) in methods {
            let op = match (name.strip_suffix("_for"), name.strip_suffix("_until")) {
                (Some(op), _) if m.params.contains("Duration") => op,
                (_, Some(op)) if m.params.contains("Instant") => op,
                _ => continue,
            };
            let Some(row) = by_op.get(&(ty.clone(), op.to_string())) else {
                errors.push(format!(
                    "{}: `{ty}::{name}` is a blocking operation missing from the table in \
                     {TABLE_PAGE}: add a row for `{ty}::{op}` and its four forms",
                    m.at
                ));
                continue;
            };
            for ((cell, rule_name), form) in row.forms.iter().zip(four_names(op)).zip(FORMS) {
                let Some(exists) = methods.get(&rule_name) else {
                    continue;
                };
                let listed = matches!(cell, Cell::Method { name, .. } if *name == rule_name);
                if !listed {
                    errors.push(format!(
                        "{TABLE_PAGE}:{}: `{ty}::{rule_name}` ({}) is missing from the {form} \
                         column of `{ty}::{op}`",
                        row.line, exists.at
                    ));
                }
            }
        }
    }
    errors.sort();
    errors.dedup();
    errors
}

/// Every `.rs` file under `src/` except the internal shim, as (path relative to `src/`, text).
fn source_files() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(base).unwrap().to_path_buf();
            if p.is_dir() {
                if rel != Path::new("shim") {
                    walk(&p, base, out);
                }
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    let src = root().join("src");
    walk(&src, &src, &mut out);
    out
}

#[test]
#[cfg_attr(miri, ignore = "reads files; Miri isolates the file system")]
fn the_blocking_operations_table_matches_the_code() {
    let page = std::fs::read_to_string(root().join(TABLE_PAGE)).unwrap();
    let files = source_files();
    let api = public_api(&files);
    let rows = table_rows(&page).unwrap_or_default();
    // The parser itself: it must see the types and rows we know are there.
    assert!(
        rows.len() >= 25,
        "only {} rows read from the table in {TABLE_PAGE}: is the parser broken?",
        rows.len()
    );
    for ty in [
        "Lock",
        "Semaphore",
        "Queue",
        "Connection",
        "Barrier",
        "Timer",
    ] {
        assert!(
            api.get(ty).is_some_and(|m| m.len() >= 3),
            "the source parser found no methods of `{ty}` in src/: is it broken?"
        );
    }
    let errors = disagreements(&page, &files);
    assert!(
        errors.is_empty(),
        "the table of blocking operations in {TABLE_PAGE} and the code disagree \
         ({} problems):\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// The check can fail: on a small made-up source and table it reports a row missing for a timed
/// method, a name the source lacks, a wrong return type, a `try_` stand-in without its alias, and
/// a form the source has that the table leaves out.
#[test]
fn the_table_check_names_each_missing_or_extra_entry() {
    let src = r#"
pub struct Gate { word: u32 }
// A comment with a brace { and an impl Gate { that must not count.
impl Gate {
    /// Doc with `fn nope() {`.
    pub fn pass(&self) -> Ticket<'_> { let _ = "}"; let _ = '{'; todo!() }
    pub fn try_pass(&self) -> Option<Ticket<'_>> { todo!() }
    pub fn pass_for(&self, timeout: Duration) -> Option<Ticket<'_>> { todo!() }
    pub fn pass_until(&self, deadline: Instant) -> Option<Ticket<'_>> { todo!() }
    #[doc(alias = "try_open")]
    pub fn is_open(&self) -> bool { todo!() }
    pub fn open(&self) { }
    pub fn open_for(
        &self,
        timeout: Duration,
    ) -> bool
    where
        Self: Sized,
    {
        todo!()
    }
    pub fn shut_for(&self, timeout: Duration) -> bool { todo!() }
    fn private_for(&self, timeout: Duration) -> bool { todo!() }
}
impl Drop for Gate {
    fn drop(&mut self) {}
}
"#;
    let files = vec![(PathBuf::from("gate.rs"), src.to_string())];
    let api = public_api(&files);
    let gate = &api["Gate"];
    assert_eq!(gate["pass"].ret, "Ticket", "lifetimes and `'_` dropped");
    assert_eq!(
        gate["open_for"].ret, "bool",
        "a multi-line signature with `where`"
    );
    assert_eq!(gate["is_open"].aliases, ["try_open"]);
    assert!(!gate.contains_key("private_for") && !gate.contains_key("drop"));

    let table = "\
## Every blocking operation

| type | blocking | try | for | until |
|---|---|---|---|---|
| `Gate` | `pass()` → `Ticket` | — no reason to have it | `pass_for(t)` → `Option<Ticket>` | `pass_until(d)` → `Option<bool>` |
| `Gate` | `open()` → `()` | `is_open()` → `bool` | `open_for(t)` → `bool` | `open_until(d)` → `bool` |
| `Gone` | `go()` → `()` | — | — x | — x |
";
    let errors = disagreements(table, &files);
    let expect = [
        // A "—" must say why.
        "`Gone`'s try_ cell is \"—\" without a reason",
    ];
    assert_eq!(
        errors.len(),
        1,
        "a table that cannot be read is reported alone: {errors:#?}"
    );
    assert!(errors[0].contains(expect[0]), "{errors:#?}");

    let table = table.replace("| — | — x | — x |", "| — a | — x | — x |");
    let errors = disagreements(&table, &files).join("\n");
    for want in [
        "`Gone`, which is not a public type",
        "`Gate::pass_until` returns `Option<bool>`, but src/gate.rs:9 returns `Option<Ticket>`",
        "`Gate::open_until`, which is not a public method",
        "`Gate::shut_for` is a blocking operation missing from the table",
        "`Gate::try_pass` (src/gate.rs:7) is missing from the try_ column of `Gate::pass`",
    ] {
        assert!(
            errors.contains(want),
            "the check must report {want:?}; it reported:\n{errors}"
        );
    }
    assert!(
        !errors.contains("is_open"),
        "a stand-in with its `try_` alias is fine: {errors}"
    );
    let no_alias = src.replace("#[doc(alias = \"try_open\")]", "");
    let files = vec![(PathBuf::from("gate.rs"), no_alias)];
    let errors = disagreements(&table, &files).join("\n");
    assert!(
        errors.contains("`Gate::is_open` stands in the try_ column of `open`")
            && errors.contains("lacks `#[doc(alias = \"try_open\")]`"),
        "a stand-in without its alias must be reported: {errors}"
    );
}
