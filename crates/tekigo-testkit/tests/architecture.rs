//! The workspace's shape, checked: no import circle among the top-level modules of any crate, the
//! web crate's domains reach only its shared `http` module, and no source file grows past
//! [`LONG_FILE`] lines without saying why at its top. ARCHITECTURE.md states these invariants; this
//! test is what keeps them true.
//!
//! A module `a` depends on `b` when any file of `a` (`src/a.rs` or anything under `src/a/`) names
//! `crate::b` (in a path or a `use crate::{b, ...}` group). Comments are not read. The crate root
//! (`lib.rs`, `main.rs`) assembles the modules and is not a node.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Above this many lines a source file says why, in a line of its `//!` doc starting with
/// [`LONG_REASON`].
const LONG_FILE: usize = 600;
const LONG_REASON: &str = "Why this file is long:";

/// Crates split into domains over one shared module: (crate folder, the shared module). The shared
/// module reaches no domain; a domain reaches the shared module and nothing else of its crate.
const LAYERED: &[(&str, &str)] = &[("tekigo-web", "http")];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line without its comment (a `//` outside a string literal).
fn code(line: &str) -> &str {
    let mut in_string = false;
    let mut previous = '\0';
    for (at, c) in line.char_indices() {
        match c {
            '"' if previous != '\\' => in_string = !in_string,
            '/' if !in_string && previous == '/' => return &line[..at - 1],
            _ => {}
        }
        previous = c;
    }
    line
}

/// The top-level modules a line of code names through `crate::`.
fn named_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident = rest[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[at + "crate::".len()..];
        if preceded_by_ident {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the first name of each item at the group's first level.
            let mut depth = 0;
            let mut items = vec![String::new()];
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => items.push(String::new()),
                    _ => {}
                }
                if let Some(item) = items.last_mut()
                    && c != ','
                {
                    item.push(c);
                }
            }
            for item in items {
                let word: String = item.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !word.is_empty() {
                    found.push(word);
                }
            }
        } else {
            let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !word.is_empty() {
                found.push(word);
            }
        }
    }
    found
}

struct Crate {
    name: String,
    /// module → (module it names → the first place it does).
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

fn read_crate(dir: &Path) -> Crate {
    let src = dir.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| f.strip_prefix(&src).ok())
        .filter_map(|relative| {
            let first = relative.components().next()?.as_os_str().to_str()?;
            Some(first.trim_end_matches(".rs").to_owned())
        })
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let Some(module) = relative.components().next().and_then(|c| c.as_os_str().to_str()) else { continue };
        let module = module.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = fs::read_to_string(file).expect("source file is UTF-8");
        for (number, line) in text.lines().enumerate() {
            for target in named_modules(code(line)) {
                if target != module && modules.contains(&target) {
                    edges
                        .entry(module.clone())
                        .or_default()
                        .entry(target)
                        .or_insert_with(|| format!("{}:{}", relative.display(), number + 1));
                }
            }
        }
    }
    Crate { name: dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned(), edges }
}

fn crates() -> Vec<Crate> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(workspace().join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("src").is_dir())
        .collect();
    dirs.sort();
    dirs.iter().map(|d| read_crate(d)).collect()
}

/// The circles of a module graph (Tarjan's strongly connected components of two or more).
fn circles(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
    struct Search<'a> {
        edges: &'a BTreeMap<String, BTreeMap<String, String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Search<'a> {
        fn visit(&mut self, node: &'a str) {
            let number = self.index.len();
            self.index.insert(node, number);
            self.low.insert(node, number);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.edges.get(node).into_iter().flat_map(|e| e.keys()) {
                if !self.index.contains_key(next.as_str()) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next.as_str()]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next.as_str()) {
                    let low = self.low[node].min(self.index[next.as_str()]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.push(top.to_owned());
                    if top == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut search = Search {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !search.index.contains_key(node.as_str()) {
            search.visit(node);
        }
    }
    search.found
}

#[test]
fn no_crate_has_an_import_circle_among_its_modules() {
    let mut problems = Vec::new();
    for krate in crates() {
        for circle in circles(&krate.edges) {
            let members: BTreeSet<&String> = circle.iter().collect();
            let mut evidence = Vec::new();
            for from in &circle {
                for (to, place) in krate.edges.get(from).into_iter().flatten() {
                    if members.contains(to) {
                        evidence.push(format!("    {from} → {to} ({place})"));
                    }
                }
            }
            problems.push(format!("{}: {} form a circle:\n{}", krate.name, circle.join(", "), evidence.join("\n")));
        }
    }
    assert!(
        problems.is_empty(),
        "import circles (break each by moving what both sides need down a layer):\n{}",
        problems.join("\n")
    );
}

#[test]
fn layered_crates_keep_their_domains_apart() {
    let mut problems = Vec::new();
    for krate in crates() {
        let Some((_, shared)) = LAYERED.iter().find(|(name, _)| *name == krate.name) else { continue };
        for (from, targets) in &krate.edges {
            for (to, place) in targets {
                if from == shared {
                    problems
                        .push(format!("{}: the shared module {shared} reaches the domain {to} ({place})", krate.name));
                } else if to != shared {
                    problems.push(format!("{}: the domain {from} reaches the domain {to} ({place})", krate.name));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn long_files_say_why_they_are_long() {
    let mut problems = Vec::new();
    for entry in fs::read_dir(workspace().join("crates")).expect("crates/").flatten() {
        let mut files = Vec::new();
        rust_files(&entry.path().join("src"), &mut files);
        for file in files {
            let text = fs::read_to_string(&file).expect("UTF-8");
            let lines = text.lines().count();
            let says_why = text
                .lines()
                .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
                .any(|l| l.trim_start_matches("//!").trim_start().starts_with(LONG_REASON));
            if lines > LONG_FILE && !says_why {
                let shown = file.strip_prefix(workspace()).unwrap_or(&file).display().to_string();
                problems.push(format!("{shown}: {lines} lines"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "files over {LONG_FILE} lines: split them, or start a line of the `//!` doc with `{LONG_REASON}`\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_reader_finds_paths_and_groups_but_not_comments() {
    assert_eq!(named_modules("use crate::state::AppState;"), ["state"]);
    assert_eq!(named_modules("use crate::{auth::{A, B}, view, error::WebError};"), ["auth", "view", "error"]);
    assert_eq!(named_modules("let x = crate::limits::too_many(crate::i18n::t(1));"), ["limits", "i18n"]);
    assert_eq!(named_modules("use tekigo_crate::x;"), Vec::<String>::new());
    assert_eq!(code("let a = 1; // see crate::other"), "let a = 1; ");
    assert_eq!(code(r#"let url = "https://x"; // crate::y"#), r#"let url = "https://x"; "#);
}

#[test]
fn a_circle_is_found_and_a_chain_is_not() {
    let graph = |pairs: &[(&str, &str)]| {
        let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (a, b) in pairs {
            edges.entry((*a).into()).or_default().insert((*b).into(), String::new());
        }
        edges
    };
    assert!(circles(&graph(&[("a", "b"), ("b", "c")])).is_empty());
    assert_eq!(circles(&graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])), vec![vec!["a", "b", "c"]]);
}
