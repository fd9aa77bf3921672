//! The code's shape, checked: no process-wide mutable state, data and domain below I/O, and
//! no import cycle between the top-level modules. Read from the sources, so a change that
//! breaks a rule fails here with the file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source is text");
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out.sort();
    out
}

/// `src/probe/round.rs` → `probe`; `src/history.rs` → `history`.
fn top_module(path: &Path) -> String {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rel = path.strip_prefix(&src).expect("under src");
    let first = rel.components().next().expect("a component");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// The code of a file without its `#[cfg(test)]` module (tests may reach anywhere).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
        .map_or(text, |i| &text[..i])
}

fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    without_tests(text)
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.starts_with("//"))
}

#[test]
fn no_static_holds_mutable_state() {
    const INTERIOR: [&str; 10] = [
        "Mutex",
        "RwLock",
        "OnceLock",
        "OnceCell",
        "LazyLock",
        "Lazy<",
        "Atomic",
        "Cell<",
        "RefCell",
        "static mut",
    ];
    let mut found = Vec::new();
    for (path, text) in sources() {
        for (n, line) in code_lines(&text) {
            let is_static = line.starts_with("static ")
                || line.starts_with("pub static ")
                || line.starts_with("pub(crate) static ")
                || line.contains("thread_local!");
            if is_static
                && (line.contains("thread_local!") || INTERIOR.iter().any(|w| line.contains(w)))
            {
                found.push(format!("{}:{n}: {line}", path.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "process-wide mutable state:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_shell_runs_a_command() {
    let mut found = Vec::new();
    for (path, text) in sources() {
        for (n, line) in code_lines(&text) {
            for shell in ["\"sh\"", "\"bash\"", "\"/bin/sh\"", "\"/bin/bash\""] {
                if line.contains(&format!("Command::new({shell}")) {
                    found.push(format!("{}:{n}: {line}", path.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "a shell is spawned:\n{}",
        found.join("\n")
    );
}

/// Modules that do I/O: the domain, the model, the renderer and the config import none of them.
const IO: [&str; 6] = ["probe", "zk", "sandbox", "audit", "tui", "cli"];

fn is_pure_layer(path: &Path) -> bool {
    let top = top_module(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    match top.as_str() {
        "ensemble" | "alerts" | "history" | "report" | "app" | "ui" | "config" | "load"
        | "advisor" | "notify" | "incident" => true,
        // The executor runs steps; the planner, the preview and their rendering are pure.
        "workflow" => name != "executor.rs",
        _ => false,
    }
}

#[test]
fn data_and_domain_live_below_io() {
    let mut found = Vec::new();
    for (path, text) in sources().into_iter().filter(|(p, _)| is_pure_layer(p)) {
        for (n, line) in code_lines(&text) {
            for io in IO {
                if line.contains(&format!("crate::{io}::"))
                    || line.contains(&format!("crate::{io};"))
                {
                    found.push(format!("{}:{n}: {line}", path.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "pure layers importing I/O modules:\n{}",
        found.join("\n")
    );
}

/// Which top-level modules each top-level module names (`crate::x`), tests left out.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in sources() {
        let from = top_module(&path);
        let deps = graph.entry(from.clone()).or_default();
        for (_, line) in code_lines(&text) {
            let mut rest = line;
            while let Some(i) = rest.find("crate::") {
                rest = &rest[i + "crate::".len()..];
                let to: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !to.is_empty() && to != from {
                    deps.insert(to);
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if there is one, as the list of modules on it.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in graph.get(&node).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.to_string());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut p = path.clone();
                p.push(next.clone());
                stack.push((next.clone(), p));
            }
        }
    }
    None
}

#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let graph = import_graph();
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_from(&graph, m))
        .map(|c| c.join(" → "))
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycle_from(&g, "a").map(|c| c.len()), Some(4));
    g.get_mut("c").unwrap().clear();
    assert_eq!(cycle_from(&g, "a"), None);
}
