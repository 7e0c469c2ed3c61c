//! No import circle between the gateway's modules: the `crate::` paths of every file under
//! `src/` (outside its `#[cfg(test)]` module and comments) form a graph with no cycle.
//!
//! A node is a source file (`src/routes/list.rs` is `routes::list`); `crate::a::b::C` is an
//! edge to the longest module prefix that is a file (`a::b` if `src/a/b.rs` exists, else `a`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Edges tolerated while a circle is being broken (none since the `config` split of issue 14):
/// ignored here, and each must still exist, so that the line is deleted the day its edge goes.
const KNOWN: &[(&str, &str)] = &[];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The module name of a file path relative to `src/` (`None` for the crate root).
fn module_of(rel: &Path) -> Option<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    if stem != "mod" && !(parts.is_empty() && stem == "lib") {
        parts.push(stem.to_owned());
    }
    (!parts.is_empty()).then(|| parts.join("::"))
}

/// The source without comments and without its `#[cfg(test)]` module and what follows.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        let line = line.find("//").map_or(line, |i| &line[..i]);
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn ident(chars: &[char], i: &mut usize) -> Option<String> {
    let start = *i;
    while *i < chars.len() && (chars[*i].is_alphanumeric() || chars[*i] == '_') {
        *i += 1;
    }
    (*i > start).then(|| chars[start..*i].iter().collect())
}

fn skip_space(chars: &[char], i: &mut usize) {
    while *i < chars.len() && chars[*i].is_whitespace() {
        *i += 1;
    }
}

/// Parses one use tree at `i` (`a::b`, `a::{b, c::d}`, `{a, b}`) into full paths.
fn use_tree(chars: &[char], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    loop {
        skip_space(chars, i);
        if chars.get(*i) == Some(&'{') {
            *i += 1;
            loop {
                use_tree(chars, i, &path, out);
                skip_space(chars, i);
                match chars.get(*i) {
                    Some(',') => *i += 1,
                    Some('}') => {
                        *i += 1;
                        return;
                    }
                    _ => return,
                }
                skip_space(chars, i);
                if chars.get(*i) == Some(&'}') {
                    *i += 1;
                    return;
                }
            }
        }
        match ident(chars, i) {
            Some(seg) => path.push(seg),
            None => break,
        }
        if chars.get(*i) == Some(&':') && chars.get(*i + 1) == Some(&':') {
            *i += 2;
        } else {
            break;
        }
    }
    out.push(path);
}

/// Every `crate::` path in `code`.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let needle: Vec<char> = "crate::".chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + needle.len() <= chars.len() {
        let boundary = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if boundary && chars[i..i + needle.len()] == needle[..] {
            i += needle.len();
            use_tree(&chars, &mut i, &[], &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// The import graph of the files `(module, code)`.
fn graph(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
    let mut g = Graph::new();
    for (module, code) in files {
        let edges = g.entry(module.clone()).or_default();
        for path in crate_paths(code) {
            let target = (1..=path.len())
                .rev()
                .map(|k| path[..k].join("::"))
                .find(|c| modules.contains(c.as_str()));
            if let Some(t) = target.filter(|t| t != module) {
                edges.insert(t);
            }
        }
    }
    g
}

/// The strongly connected components of more than one module (Tarjan), each sorted.
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    struct Walk<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a str) {
        let n = w.index.len();
        w.index.insert(v, n);
        w.low.insert(v, n);
        w.stack.push(v);
        w.on.insert(v);
        let g = w.g;
        for t in g.get(v).into_iter().flatten() {
            let t = t.as_str();
            if !w.index.contains_key(t) {
                visit(w, t);
                let lt = w.low[t];
                let lv = w.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lt);
            } else if w.on.contains(t) {
                let it = w.index[t];
                let lv = w.low.get_mut(v).expect("visited");
                *lv = (*lv).min(it);
            }
        }
        if w.low[v] == w.index[v] {
            let mut comp = Vec::new();
            while let Some(x) = w.stack.pop() {
                w.on.remove(x);
                comp.push(x.to_owned());
                if x == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                w.out.push(comp);
            }
        }
    }
    let mut w = Walk {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !w.index.contains_key(v.as_str()) {
            visit(&mut w, v);
        }
    }
    w.out
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let rel = p.strip_prefix(root).expect("under src");
            if let Some(m) = module_of(rel) {
                let text = std::fs::read_to_string(&p).expect("read source");
                out.push((m, code_of(&text)));
            }
        }
    }
}

#[test]
fn the_gateway_has_no_import_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    assert!(files.len() > 20, "found the sources");
    let mut g = graph(&files);
    assert!(
        g["state"].contains("account"),
        "the graph sees `use crate::` lines"
    );
    for (from, to) in KNOWN {
        let edges = g.get_mut(*from).expect("known module");
        assert!(
            edges.remove(*to),
            "{from} → {to} is gone: delete it from KNOWN"
        );
    }
    let found = cycles(&g);
    let described: Vec<String> = found
        .iter()
        .map(|comp| {
            comp.iter()
                .map(|m| {
                    let to: Vec<&str> = g[m]
                        .iter()
                        .filter(|t| comp.contains(t))
                        .map(String::as_str)
                        .collect();
                    format!("{m} → {}", to.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect();
    assert!(found.is_empty(), "import circles: {described:#?}");
}

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(m, c)| (m.to_string(), code_of(c)))
        .collect()
}

#[test]
fn the_check_finds_circles_through_use_trees_and_inline_paths() {
    let g = graph(&files(&[
        ("a", "use crate::b::{self, X};\n"),
        ("b", "fn f() { crate::c::go(); }\n"),
        (
            "c",
            "use crate::{\n    d::Y,\n    routes::{list::Z, W},\n};\n",
        ),
        ("d", "use crate::a;\n"),
        ("routes", "use crate::d;\n"),
        ("routes::list", "use crate::e::Q;\n"),
        (
            "e",
            "// use crate::routes::list;\nfn f() {}\n#[cfg(test)]\nmod tests { use crate::c; }\n",
        ),
    ]));
    assert_eq!(
        g["c"],
        ["d", "routes", "routes::list"].map(String::from).into()
    );
    assert!(g["e"].is_empty(), "comments and tests are not imports");
    assert_eq!(
        cycles(&g),
        vec![vec!["a", "b", "c", "d", "routes"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()]
    );
    let acyclic = graph(&files(&[
        ("a", "use crate::b;"),
        ("b", "use crate::c::X;"),
        ("c", ""),
    ]));
    assert!(cycles(&acyclic).is_empty());
    let pair = graph(&files(&[
        ("a", "use crate::b;"),
        ("b", "fn f() { crate::a::g() }"),
    ]));
    assert_eq!(cycles(&pair).len(), 1);
}

#[test]
fn modules_are_named_by_their_file() {
    assert_eq!(module_of(Path::new("lib.rs")), None);
    assert_eq!(module_of(Path::new("state.rs")).as_deref(), Some("state"));
    assert_eq!(
        module_of(Path::new("routes/mod.rs")).as_deref(),
        Some("routes")
    );
    assert_eq!(
        module_of(Path::new("routes/list.rs")).as_deref(),
        Some("routes::list")
    );
}
