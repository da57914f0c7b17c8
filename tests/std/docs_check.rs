//! Keeps the docs honest.
//!
//! - Every check a page in `docs/` names must exist.
//! - `docs/verification.md` below its marker line is generated from the primitives' pages, so
//!   every promise a page lists appears in the matrix, sorted into the loom, shuttle, std and
//!   fuzz columns. It must be current: regenerate with
//!   `UPDATE_MATRIX=1 cargo test --test std docs_check`.
//!
//! How a page names checks, in a Markdown table cell: `` `path/to/file.rs::test_name` `` names a
//! test; after it in the same cell, `` `other_test` `` or `` `::other_test` `` names another test
//! in the same file, `` `prefix_*` `` every test starting with the prefix, and `` `_suffix` ``
//! the previous test with its last words replaced (`a_random` / `_pct` is `a_pct`);
//! `` `path/to/file.rs::*` `` names the whole file. Bare words without an underscore are prose.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether the nested `fuzz/` crate is here: `cargo package` leaves it out, so in a packaged
/// copy the checks the pages name under `fuzz/` cannot be looked at.
fn fuzz_crate_present() -> bool {
    root().join("fuzz/Cargo.toml").is_file()
}

/// Whether the `weftsync-redis` workspace member (`redis/`) is here: `cargo package` leaves it
/// out as well, so in a packaged copy the checks `docs/distributed.md` names cannot be read.
fn redis_crate_present() -> bool {
    root().join("redis/Cargo.toml").is_file()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_default()
}

fn pages() -> Vec<String> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    v.sort();
    v
}

/// Names of the functions defined in a source file, each with whether it sits inside a
/// `proptest!` block (a property test).
fn functions(file: &str) -> Vec<(String, bool)> {
    let src = read(file);
    let mut out = Vec::new();
    let mut prop_depth: Option<i64> = None;
    let mut depth = 0i64;
    for line in src.lines() {
        let t = line.trim_start();
        if t.starts_with("proptest!") {
            prop_depth = Some(depth);
        }
        let t = t.strip_prefix("pub ").unwrap_or(t);
        if let Some(rest) = t.strip_prefix("fn ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((name, prop_depth.is_some()));
        }
        depth += line.matches('{').count() as i64 - line.matches('}').count() as i64;
        if prop_depth.is_some_and(|d| depth <= d) && !t.starts_with("proptest!") {
            prop_depth = None;
        }
    }
    out
}

/// A check named in a page: the file, and the test (or `*` for the whole file).
#[derive(Clone, PartialEq)]
struct Check {
    file: String,
    name: String,
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The checks one table cell names, in order, resolved against the files (`Err` for names that
/// do not resolve).
fn cell_checks(cell: &str) -> Vec<Result<Check, String>> {
    let mut out = Vec::new();
    let mut file: Option<String> = None;
    let mut last: Option<String> = None;
    for (i, tok) in cell.split('`').enumerate() {
        if i % 2 == 0 {
            continue; // outside backticks
        }
        let (f, name) = match tok.split_once("::") {
            Some((f, name)) if f.ends_with(".rs") => (f.to_string(), name.to_string()),
            Some(("", name)) if file.is_some() => (file.clone().unwrap(), name.to_string()),
            _ => match &file {
                Some(f) if is_ident(tok.trim_end_matches('*')) && tok.contains('_') => {
                    (f.clone(), tok.to_string())
                }
                _ => continue, // prose in backticks
            },
        };
        // `module::fn` inside the file: the function's own name is what must exist.
        let name = name.rsplit("::").next().unwrap().to_string();
        file = Some(f.clone());
        let fns = functions(&f);
        let exists = |n: &str| fns.iter().any(|(g, _)| g == n);
        let resolved: Vec<String> = if name == "*" {
            if root().join(&f).is_file() {
                vec!["*".into()]
            } else {
                vec![]
            }
        } else if let Some(prefix) = name.strip_suffix('*') {
            fns.iter()
                .filter(|(g, _)| g.starts_with(prefix))
                .map(|(g, _)| g.clone())
                .collect()
        } else if name.starts_with('_') {
            // Suffix shorthand: cut the previous name at an underscore, add the suffix.
            let prev = last.clone().unwrap_or_default();
            let cuts = prev
                .match_indices('_')
                .map(|(k, _)| format!("{}{name}", &prev[..k]));
            cuts.filter(|n| exists(n)).take(1).collect()
        } else if exists(&name)
            || (f.starts_with("fuzz/") && !fuzz_crate_present())
            || (f.starts_with("redis/") && !redis_crate_present())
        {
            vec![name.clone()]
        } else {
            vec![]
        };
        if resolved.is_empty() {
            out.push(Err(format!("{f}::{name}")));
        }
        for n in resolved {
            last = Some(n.clone());
            out.push(Ok(Check {
                file: f.clone(),
                name: n,
            }));
        }
    }
    out
}

fn table_rows(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    text.lines()
        .filter(|l| l.trim_start().starts_with('|'))
        .map(|l| {
            let l = l.trim().trim_start_matches('|').trim_end_matches('|');
            l.split('|').map(|c| c.trim().to_string()).collect()
        })
}

#[test]
#[cfg_attr(miri, ignore = "reads files; Miri isolates the file system")]
fn every_check_named_in_docs_exists() {
    let mut missing = Vec::new();
    let mut count = 0;
    for page in pages() {
        for row in table_rows(&read(&page)) {
            for cell in &row {
                for check in cell_checks(cell) {
                    count += 1;
                    if let Err(name) = check {
                        missing.push(format!("{page}: {name}"));
                    }
                }
            }
        }
    }
    assert!(
        count > 100,
        "only {count} checks named in docs/: is the parser broken?"
    );
    if !fuzz_crate_present() {
        crate::skipped(
            "docs_check: the checks named under fuzz/",
            "no fuzz/ crate here (cargo package leaves it out); the others were checked",
        );
    }
    if !redis_crate_present() {
        crate::skipped(
            "docs_check: the checks named under redis/",
            "no redis/ crate here (cargo package leaves it out); the others were checked",
        );
    }
    assert!(
        missing.is_empty(),
        "docs name checks that do not exist:\n{}",
        missing.join("\n")
    );
}

/// The primitives' pages, in matrix order, with the prefix of their promise ids.
const PAGES: &[(&str, &str, &str)] = &[
    ("Lock", "docs/lock.md", "L"),
    ("RLock", "docs/rlock.md", "RL"),
    ("Semaphore and BoundedSemaphore", "docs/semaphore.md", "S"),
    ("Event", "docs/event.md", "E"),
    ("Condition", "docs/condition.md", "C"),
    ("Queue", "docs/queue.md", "Q"),
    ("SimpleQueue", "docs/simple_queue.md", "SQ"),
    ("Waiting on many", "docs/select.md", "W"),
    ("Pipe", "docs/pipe.md", "P"),
    ("ThreadLocal", "docs/thread_local.md", "TL"),
    ("Processes", "docs/process.md", "PR"),
    ("Barrier", "docs/barrier.md", "B"),
    ("Timer", "docs/timer.md", "TM"),
    ("ThreadPool and futures", "docs/pool.md", "TP"),
    ("Distributed, on Redis", "docs/distributed.md", "D"),
];

const MARKER: &str = "<!-- Generated below from the pages' promise tables by tests/std/docs_check.rs: \
                      UPDATE_MATRIX=1 cargo test --test std docs_check -->";

/// A page's promise → check table: the last table whose header's last cell mentions "check".
fn promise_rows(text: &str) -> Vec<(String, String)> {
    let mut best = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for line in text.lines() {
        if !line.trim_start().starts_with('|') {
            if let Some(t) = current.take() {
                best = t;
            }
            continue;
        }
        let cells: Vec<String> = table_rows(line).next().unwrap();
        match &mut current {
            None if cells
                .last()
                .is_some_and(|c| c.to_lowercase().contains("check")) =>
            {
                current = Some(Vec::new());
            }
            Some(rows) if !cells[0].starts_with("---") && cells.len() >= 2 => {
                let promise = cells[..cells.len() - 1].join(" — ");
                rows.push((promise, cells.last().unwrap().clone()));
            }
            _ => {}
        }
    }
    current.unwrap_or(best)
}

/// Drops a leading id or number the page gave the promise (`L3`, `E2 no lost…`, `3 exact…`)
/// and shortens it to its first clause.
fn promise_title(p: &str) -> String {
    let mut words = p.split_whitespace().peekable();
    if let Some(w) = words.peek() {
        let w = w.trim_end_matches(['.', ':']);
        let id_like = w.chars().any(|c| c.is_ascii_digit())
            && w.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if id_like {
            words.next();
        }
    }
    let rest: Vec<&str> = words.collect();
    let rest = rest
        .join(" ")
        .trim_start_matches('—')
        .trim()
        .replace("**", "");
    let short = rest
        .split([':', ';'])
        .next()
        .unwrap_or(&rest)
        .trim()
        .to_string();
    if short.chars().count() > 90 {
        let cut: String = short.chars().take(87).collect();
        format!("{cut}…")
    } else {
        short
    }
}

/// A loom model inside the library: a test after the `mod loom_tests` line of a `src/` file
/// (that module comes last in every file that has one).
fn is_loom_unit_test(file: &str, name: &str) -> bool {
    let src = read(file);
    match (src.find("mod loom_tests"), src.find(&format!("fn {name}("))) {
        (Some(module), Some(test)) => file.starts_with("src/") && test > module,
        _ => false,
    }
}

fn generate_matrix() -> String {
    let mut out = String::new();
    for (title, page, prefix) in PAGES {
        let rows = promise_rows(&read(page));
        assert!(!rows.is_empty(), "{page} has no promise → check table");
        out += &format!("\n## {title} (`{page}`)\n\n");
        out +=
            "| id | promise | loom | shuttle | std: property | std: behaviour, stress | fuzz |\n";
        out += "|---|---|---|---|---|---|---|\n";
        for (i, (promise, checks)) in rows.iter().enumerate() {
            let mut cols: [Vec<String>; 5] = Default::default();
            for check in cell_checks(checks).into_iter().flatten() {
                let Check { file, name } = check;
                let props = functions(&file);
                let is_prop = props.iter().any(|(g, p)| *g == name && *p);
                let col = if file.starts_with("loom-tests/") || is_loom_unit_test(&file, &name) {
                    0
                } else if file.starts_with("shuttle-tests/") {
                    1
                } else if file.starts_with("fuzz/")
                    || file.starts_with("tests/fuzz_harness/")
                    || name.starts_with("fuzz_corpus")
                {
                    4
                } else if is_prop {
                    2
                } else {
                    3
                };
                let item = format!("`{file}::{name}`");
                if !cols[col].contains(&item) {
                    cols[col].push(item);
                }
            }
            let cols: Vec<String> = cols.iter().map(|c| c.join(", ")).collect();
            out += &format!(
                "| {prefix}{} | {} | {} |\n",
                i + 1,
                promise_title(promise).replace('|', "\\|"),
                cols.join(" | ")
            );
        }
    }
    out
}

#[test]
#[cfg_attr(miri, ignore = "reads files; Miri isolates the file system")]
fn verification_matrix_is_current() {
    let path = root().join("docs/verification.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let head = text.split(MARKER).next().unwrap();
    let want = format!(
        "{}{MARKER}\n{}",
        head.trim_end_matches('\n').to_string() + "\n\n",
        generate_matrix()
    );
    if std::env::var_os("UPDATE_MATRIX").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    // Without redis/ (a packaged copy) the kinds of its checks cannot be read: compare the
    // matrix up to the distributed page's section.
    let cut = |s: &str| -> String {
        if redis_crate_present() {
            s.to_string()
        } else {
            s.split("\n## Distributed, on Redis")
                .next()
                .unwrap()
                .to_string()
        }
    };
    let (text, want) = (cut(&text), cut(&want));
    assert!(
        text == want,
        "docs/verification.md is out of date with the pages' promise tables: \
         run `UPDATE_MATRIX=1 cargo test --test std docs_check`"
    );
}

#[test]
#[cfg_attr(miri, ignore = "reads files; Miri isolates the file system")]
fn parser_resolves_the_shorthands() {
    let cell = "`tests/std/docs_check.rs::parser_resolves_the_shorthands`, `::every_check_named_in_docs_exists`, `verification_*`, `true`";
    let got: Vec<_> = cell_checks(cell)
        .into_iter()
        .map(|c| c.map(|c| c.name))
        .collect();
    assert_eq!(
        got,
        [
            Ok("parser_resolves_the_shorthands".to_string()),
            Ok("every_check_named_in_docs_exists".to_string()),
            Ok("verification_matrix_is_current".to_string()),
        ],
        "same-file, glob and prose tokens must resolve as documented"
    );
    let missing = cell_checks("`loom-tests/lock.rs::no_such_model`");
    assert!(
        matches!(&missing[..], [Err(_)]),
        "an unknown test must be reported"
    );
}

/// `loom-tests/README.md`'s bound-2 row, written by `scripts/loom-facts` from a run, counts every
/// model in `loom-tests/` (each `#[test]` there but the isolation checks): a model added without
/// rerunning the script fails here.
#[test]
#[cfg_attr(miri, ignore = "reads files; Miri isolates the file system")]
fn loom_readme_counts_every_model() {
    let mut models = 0;
    for entry in std::fs::read_dir(root().join("loom-tests")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".rs") && name != "main.rs" && name != "isolation.rs" {
            let src = std::fs::read_to_string(&path).unwrap();
            models += src.lines().filter(|l| l.trim() == "#[test]").count();
        }
    }
    let readme = read("loom-tests/README.md");
    let counted = readme
        .lines()
        .find(|l| l.starts_with("| bound 2 |"))
        .and_then(|row| row.split('|').nth(3))
        .and_then(|cell| cell.trim().parse::<usize>().ok());
    assert_eq!(
        counted,
        Some(models),
        "loom-tests/README.md's bound-2 row must count the {models} models in loom-tests/: \
         run scripts/loom-facts 2"
    );
}

/// The calls that put a thread to sleep, as the primitives write them: the wait layer's `wait`
/// (directly, or through a wake mode), the process primitives' sliced wait, and the pidfd poll.
const SLEEPS: [&str; 6] = [
    "shim::wait(",
    "M::wait(",
    "Shared::wait(",
    "Private::wait(",
    "owner::wait_slice(",
    "os::wait_readable(",
];

/// Every Rust file under `dir`, sorted.
fn rust_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
}

/// Every Rust file under `src/`, sorted: its path from the crate root (with `/`), and its path.
fn src_files() -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files
        .into_iter()
        .map(|path| {
            let file = path.strip_prefix(root()).unwrap().to_string_lossy();
            (file.replace('\\', "/"), path)
        })
        .collect()
}

/// The type an `impl` line is for (`impl<T> Trait for Type<T>` gives `Type`), if `t` is one.
fn impl_type(t: &str) -> Option<String> {
    let mut rest = t.strip_prefix("impl")?;
    if rest.starts_with('<') {
        let mut open = 0;
        let end = rest.char_indices().find_map(|(i, c)| {
            open += match c {
                '<' => 1,
                '>' => -1,
                _ => 0,
            };
            (open == 0).then_some(i + 1)
        })?;
        rest = &rest[end..];
    } else if !rest.starts_with(' ') {
        return None;
    }
    let rest = rest.trim_start();
    let rest = rest
        .split_once(" for ")
        .map_or(rest, |(_, ty)| ty.trim_start());
    let path: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    path.rsplit("::").next().map(str::to_string)
}

/// A block being scanned line by line: the brace depth its first line began at, and whether its
/// `{` has been seen yet (an `impl` with a `where` clause opens lines later). Ends it (`None`)
/// once the depth after a line is back at its start.
fn end_block(block: &mut Option<(i64, bool)>, depth: i64) {
    if let Some((start, entered)) = block {
        *entered |= depth > *start;
        if *entered && depth <= *start {
            *block = None;
        }
    }
}

/// Every call of one of `calls` in `src/`, outside the wait layer itself (`src/shim/`) and the
/// test modules: the file and the function it is in, as `Type::function` (or the bare name of a
/// free function). Brace counting, so good for rustfmt'ed code, which this is.
fn call_sites(calls: &[&str]) -> std::collections::BTreeSet<(String, String)> {
    let mut sites = std::collections::BTreeSet::new();
    for (file, path) in src_files() {
        if file.starts_with("src/shim/") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        let mut depth = 0i64;
        // (depth the block opened at, whether its `{` was seen), for the impl and a test module.
        let mut in_impl: Option<(i64, bool)> = None;
        let mut in_tests: Option<(i64, bool)> = None;
        let mut ty: Option<String> = None;
        let mut func = String::new();
        for line in src.lines() {
            let code = line.split("//").next().unwrap();
            let t = code.trim_start();
            let bare = [
                "pub(crate) ",
                "pub(super) ",
                "pub ",
                "const ",
                "unsafe ",
                "async ",
            ]
            .iter()
            .fold(t, |t, p| t.strip_prefix(p).unwrap_or(t));
            if in_tests.is_none()
                && ["mod tests", "mod loom_tests", "mod shuttle_tests"]
                    .iter()
                    .any(|m| bare.starts_with(m))
            {
                in_tests = Some((depth, false));
            }
            if let Some(name) = impl_type(t) {
                ty = Some(name);
                in_impl = Some((depth, false));
            }
            if let Some(rest) = bare.strip_prefix("fn ") {
                func = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
            }
            if in_tests.is_none() && calls.iter().any(|s| code.contains(s)) {
                let name = match &ty {
                    Some(ty) => format!("{ty}::{func}"),
                    None => func.clone(),
                };
                sites.insert((file.clone(), name));
            }
            depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
            end_block(&mut in_impl, depth);
            end_block(&mut in_tests, depth);
            if in_impl.is_none() {
                ty = None;
            }
        }
    }
    sites
}

/// `docs/wait-layer.md`'s table "Every sleep in the crate" names every place in `src/` that puts
/// a thread to sleep, with the word it sleeps on and who wakes it: a sleep added without a row,
/// or a row left behind by a sleep that is gone, fails here.
#[test]
#[cfg_attr(miri, ignore = "reads files; Miri isolates the file system")]
fn every_sleep_in_src_is_in_the_wait_layer_table() {
    let page = read("docs/wait-layer.md");
    let section = page
        .split("\n## ")
        .find(|s| s.starts_with("Every sleep in the crate"))
        .expect("docs/wait-layer.md has a section \"Every sleep in the crate\"");
    let rows: std::collections::BTreeSet<(String, String)> = table_rows(section)
        .filter_map(|cells| {
            let names: Vec<&str> = cells[0].split('`').skip(1).step_by(2).collect();
            match names[..] {
                [file, name] if file.ends_with(".rs") => Some((file.into(), name.into())),
                _ => None,
            }
        })
        .collect();
    let sites = call_sites(&SLEEPS);
    assert!(
        sites.len() >= 20,
        "the scan of src/ found only {} sleeps: {sites:?}",
        sites.len()
    );
    let missing: Vec<_> = sites.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&sites).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/wait-layer.md, \"Every sleep in the crate\": sleeps in src/ without a row: \
         {missing:?}; rows naming no sleep in src/: {stale:?}"
    );
}

/// No loop outside the wait layer spins or yields on its own: every active wait takes its rounds
/// from a `shim::Spin` budget (`src/shim/spin.rs`, `docs/wait-layer.md` "Spinning"), which is
/// bounded and ends in one of the sleeps above, so no waiter can starve the thread it waits for
/// by yielding without end. A `yield_now`, `spin_loop` or `thread::sleep` written into a
/// primitive's code fails here. (`src/model.rs` re-exports the checkers' `yield_now` for users'
/// models; a re-export is no call.)
#[test]
#[cfg_attr(miri, ignore = "reads files; Miri isolates the file system")]
fn no_primitive_spins_or_yields_outside_the_spin_budget() {
    let sites = call_sites(&["yield_now(", "spin_loop(", "thread::sleep("]);
    assert!(
        sites.is_empty(),
        "spins, yields or sleeps outside shim::Spin (src/shim/spin.rs): {sites:?}"
    );
}

/// Every loom model takes a timeout that is not meant to pass from `loom-tests/main.rs`'s `LONG`
/// (an hour): a deadline that real time could pass during one execution makes loom's
/// exploration depend on the clock ("Reached unexpected exploration state"). `Duration::ZERO`
/// and `Duration::MAX` stay allowed; any other `Duration::from_*` in a model (in `loom-tests/`,
/// or in a `mod loom_tests` of `src/`) fails here.
#[test]
#[cfg_attr(miri, ignore = "reads files; Miri isolates the file system")]
fn loom_models_take_their_timeouts_from_long() {
    let mut files = Vec::new();
    rust_files(&root().join("loom-tests"), &mut files);
    let mut found = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "main.rs" || name == "isolation.rs" {
            continue; // LONG itself; the isolation checks time the harness, not a model
        }
        let src = std::fs::read_to_string(&path).unwrap();
        for (i, line) in src.lines().enumerate() {
            if line.split("//").next().unwrap().contains("Duration::from_") {
                found.push(format!("loom-tests/{name}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    // The library's own models (`mod loom_tests` in `src/`) cannot name `LONG`: they write its
    // hour out.
    for (file, path) in src_files() {
        let src = std::fs::read_to_string(&path).unwrap();
        let mut depth = 0i64;
        let mut models: Option<(i64, bool)> = None;
        for (i, line) in src.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            if models.is_none() && code.trim_start().starts_with("mod loom_tests") {
                models = Some((depth, false));
            }
            if models.is_some()
                && code.contains("Duration::from_")
                && !code.contains("Duration::from_secs(3600)")
            {
                found.push(format!("{file}:{}: {}", i + 1, line.trim()));
            }
            depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
            end_block(&mut models, depth);
        }
    }
    assert!(
        found.is_empty(),
        "timeouts in loom models must be LONG (loom-tests/main.rs; in src/, its hour: \
         Duration::from_secs(3600)), ZERO or MAX: {found:#?}"
    );
}
