//! No Gofile: go.mod (or go.work) as the build file, `docker buildx build -f go.mod .` with a
//! `// syntax=` first line. The Gofile is made from go.mod and the main packages found in the
//! context, every value pointing at go.mod's `module` line:
//! - the module root is `package main`: that is the image;
//! - otherwise each `package main` directory under `cmd/` is a target named after it, and the
//!   default image is the only one, or the one named after the module path's last element.

use std::collections::BTreeMap;

use super::{Gofile, Located, TargetTable};
use crate::diagnostic::Diagnostic;
use crate::gomod::{self, GoMod};

/// The main packages of a module, as found in the context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mains {
    /// The module root is `package main`.
    pub root: bool,
    /// Directories under `cmd/` that are `package main`, sorted.
    pub cmd: Vec<String>,
}

/// Whether a build file is a go.mod or go.work rather than a Gofile: by its name, or by its first
/// directive (`module path`, where a Gofile has `module = "path"`).
pub fn is_go_file(name: &str, text: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    if base == "go.mod" || base == "go.work" {
        return true;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with('#'));
    first.is_some_and(|l| {
        let mut words = l.split_whitespace();
        matches!(words.next(), Some("module" | "go" | "use")) && !l.contains('=')
    })
}

/// The byte range of a whole line (1-based).
pub fn line_span(text: &str, line: usize) -> std::ops::Range<usize> {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let length = text.get(start..).unwrap_or("").split('\n').next().unwrap_or("").len();
    start..start + length
}

/// The byte range of a directive's value on its line.
fn span_of(text: &str, line: usize, word: &str) -> std::ops::Range<usize> {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = text.get(start..).unwrap_or("");
    let line_text = rest.split('\n').next().unwrap_or("");
    let offset = line_text.find(word).map_or(0, |i| i + word.len());
    let value = line_text[offset..].trim_start();
    let begin = start + line_text.len() - value.len();
    begin..begin + value.trim_end().len()
}

/// A Gofile with the module of a go.mod and nothing else yet, to find its directory.
pub fn module_of(text: &str, gomod: &GoMod) -> Gofile {
    let span = span_of(text, gomod.module_line, "module");
    Gofile {
        module: Located::new(gomod.module.clone(), span),
        version: None,
        main: Vec::new(),
        dir: None,
        go: None,
        builder: None,
        base: None,
        name: None,
        cgo: None,
        tags: Vec::new(),
        ldflags: None,
        env: BTreeMap::new(),
        build_env: BTreeMap::new(),
        ports: Vec::new(),
        user: None,
        workdir: None,
        args: Vec::new(),
        healthcheck: None,
        labels: BTreeMap::new(),
        files: Vec::new(),
        packages: Vec::new(),
        generate: None,
        delve: None,
        race: None,
        targets: Vec::new(),
        written: Vec::new(),
        whole: 0..text.len(),
        source: text.to_string(),
    }
}

/// The module's mains as the Gofile's: the root as the image, or `cmd/*` as targets with the
/// default first. Err when there is no main package; Ok with the names when several could be the
/// default (a build without `--target` must then say which).
pub fn with_mains(mut gofile: Gofile, mains: &Mains) -> Result<(Gofile, Option<Vec<String>>), Diagnostic> {
    let span = gofile.module.span.clone();
    let at = |value: String| Located::new(value, span.clone());
    if mains.root {
        gofile.main = vec![at(".".into())];
        return Ok((gofile, None));
    }
    if mains.cmd.is_empty() {
        return Err(Diagnostic::new(format!(
            "go.mod is the build file, but module {} has no main package: its root is not `package main` and cmd/ has none",
            gofile.module.value
        ))
        .at(span)
        .hint("build with a Gofile that names `main` (gofront init writes one)"));
    }
    let own = gomod::binary_name(&gofile.module.value, ".");
    let mut names = mains.cmd.clone();
    let ambiguous = match names.iter().position(|n| *n == own) {
        Some(index) => {
            let default = names.remove(index);
            names.insert(0, default);
            None
        }
        None if names.len() == 1 => None,
        None => Some(names.clone()),
    };
    gofile.targets = names
        .into_iter()
        .map(|name| TargetTable {
            main: at(format!("./cmd/{name}")),
            name: at(name),
            binary: None,
            args: None,
            ports: None,
            env: BTreeMap::new(),
            labels: BTreeMap::new(),
            healthcheck: None,
        })
        .collect();
    Ok((gofile, ambiguous))
}

/// The Gofile the zero-configuration build uses, as text (`gofront init`).
pub fn gofile_text(gofile: &Gofile, syntax: &str) -> String {
    let mut out = format!("# syntax={syntax}\nmodule = \"{}\"\n", gofile.module.value);
    if let Some(dir) = &gofile.dir {
        out.push_str(&format!("dir = \"{}\"\n", dir.value));
    }
    for main in &gofile.main {
        out.push_str(&format!("main = \"{}\"\n", main.value));
    }
    for (index, target) in gofile.targets.iter().enumerate() {
        let note = if index == 0 && gofile.main.is_empty() { "  # the default image: the first table" } else { "" };
        out.push_str(&format!("\n[targets.{}]{note}\nmain = \"{}\"\n", target.name.value, target.main.value));
    }
    out
}
