//! Where the module lives in the build context, and which module files the dependency stage needs:
//! the module's go.mod/go.sum, a go.work workspace with all its modules, and local replace targets.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::Diagnostic;
use crate::gofile::Gofile;
use crate::gomod::{self, GoMod};

/// How far the transfer of the module files reaches into the context.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ModuleSearch {
    /// The root's go.mod, go.sum, go.work, go.work.sum and vendor/modules.txt: the client walks
    /// two directories, which settles a module at the root without replaces or workspace.
    Root,
    /// Those files in every directory: the client walks the whole tree (on buildctl's, ~85 ms of
    /// every build), which a module elsewhere, a workspace or a local replace needs.
    #[default]
    Tree,
}

const MODULE_FILE_NAMES: [&str; 5] = ["go.mod", "go.sum", "go.work", "go.work.sum", "vendor/modules.txt"];

impl ModuleSearch {
    /// The include patterns of the transfer.
    pub fn patterns(self) -> Vec<String> {
        let names = MODULE_FILE_NAMES.iter();
        match self {
            ModuleSearch::Root => names.map(|name| name.to_string()).collect(),
            ModuleSearch::Tree => names.flat_map(|name| [name.to_string(), format!("**/{name}")]).collect(),
        }
    }

    /// Whether the transfer leaves out what .dockerignore ignores. The root's few files travel
    /// without it: the frontend reads them beside the .dockerignore, before it knows the patterns,
    /// and the build's graph names the same transfer, so it is made once; the patterns then
    /// decide which of them the build copies ([`ContextFiles::without_excluded`]).
    pub fn applies_ignore(self) -> bool {
        self == ModuleSearch::Tree
    }

    /// The client's key for what it sent before: one per set of patterns, so that switching
    /// between them does not make either transfer start over.
    pub fn shared_key(self) -> &'static str {
        match self {
            ModuleSearch::Root => "gofront-module-files-root",
            ModuleSearch::Tree => "gofront-module-files",
        }
    }

    /// Whether the files of directory `dir` can match: every directory for the tree, and for the
    /// root only those the names go through (vendor/).
    pub fn enters(self, dir: &str) -> bool {
        let holds_a_name = |name: &&str| name.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'));
        self == ModuleSearch::Tree || MODULE_FILE_NAMES.iter().any(holds_a_name)
    }
}

/// Module metadata files found in the context: every path, and the text of go.mod/go.work files.
#[derive(Debug, Clone, Default)]
pub struct ContextFiles {
    /// The transfer they came from.
    pub search: ModuleSearch,
    pub paths: BTreeSet<String>,
    pub texts: BTreeMap<String, String>,
    /// Symbolic links among them, with their targets.
    pub links: BTreeMap<String, String>,
}

impl ContextFiles {
    fn has(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// These files as a transfer with the ignore `patterns` would have found them.
    pub fn without_excluded(mut self, patterns: &[String]) -> ContextFiles {
        if !patterns.is_empty() {
            let kept = |path: &String| !crate::dockerignore::excluded(patterns, path);
            self.paths.retain(kept);
            self.texts.retain(|path, _| kept(path));
            self.links.retain(|path, _| kept(path));
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The module root relative to the context ("" for the root).
    pub module_dir: String,
    pub gomod: GoMod,
    /// Directory of the go.work that governs the module, if any.
    pub workspace: Option<String>,
    /// Context-relative files the dependency stage copies, sorted.
    pub module_files: Vec<String>,
    /// The transfer they come from.
    pub module_search: ModuleSearch,
    /// The vendor/ directory `-mod=vendor` builds from (the module's or the workspace's), if any.
    pub vendor_dir: Option<String>,
    /// The module's go.sum and the vendor tree's modules.txt, as the build sees them.
    pub gosum: Option<String>,
    pub modules_txt: Option<String>,
}

impl Layout {
    /// Whether the files of the context's root are all this layout needs, so that a search of the
    /// whole tree would find it the same: the module `module` at the root, without a workspace or
    /// replaces by directory.
    pub fn settled_at_root(&self, module: &str) -> bool {
        self.module_dir.is_empty()
            && self.gomod.module == module
            && self.workspace.is_none()
            && self.gomod.local_replaces.is_empty()
    }
}

/// `a/b` + `../c` → `a/c`; None when it climbs out of the context.
pub fn join(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// `name` inside the context directory `dir` ("" is the root).
pub fn file_in(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn parent(dir: &str) -> Option<String> {
    if dir.is_empty() {
        None
    } else {
        Some(dir.rsplit_once('/').map_or(String::new(), |(p, _)| p.to_string()))
    }
}

fn ignored(path: &str) -> bool {
    path.split('/').any(|p| p == "vendor" || p == "testdata" || p == "node_modules" || p.starts_with('.'))
}

/// A `version` build: no module in the context. What gofront knows is the module path; the
/// module's own go.mod arrives with it from GOPROXY during the build.
pub fn published(gofile: &Gofile) -> Layout {
    Layout {
        module_dir: String::new(),
        gomod: GoMod { module: gofile.module.value.clone(), ..Default::default() },
        workspace: None,
        module_files: Vec::new(),
        module_search: ModuleSearch::default(),
        vendor_dir: None,
        gosum: None,
        modules_txt: None,
    }
}

pub fn locate(gofile: &Gofile, files: &ContextFiles) -> Result<Layout, Diagnostic> {
    let module_dir = module_dir(gofile, files)?;
    let gomod_path = file_in(&module_dir, "go.mod");
    if let Some(target) = files.links.get(&gomod_path) {
        return Err(Diagnostic::new(format!(
            "{gomod_path} is a symbolic link to {target:?}; the dependency stage gets go.mod and go.sum alone, where the link would point at nothing"
        ))
        .at(gofile.module.span.clone())
        .hint(format!("make {gomod_path} a regular file (e.g. `cp --remove-destination {target} {gomod_path}`)")));
    }
    let gomod_text = files.texts.get(&gomod_path).cloned().unwrap_or_default();
    let gomod = gomod::parse(&gomod_text).map_err(|e| {
        Diagnostic::new(format!("cannot read {gomod_path}: {e}"))
            .at(gofile.module.span.clone())
            .hint("fix go.mod; `go mod tidy` checks it")
    })?;

    let mut wanted = BTreeSet::new();
    let add_module = |dir: &str, wanted: &mut BTreeSet<String>| {
        for name in ["go.mod", "go.sum"] {
            let path = file_in(dir, name);
            if files.has(&path) {
                wanted.insert(path);
            }
        }
    };
    add_module(&module_dir, &mut wanted);
    let mut module_dirs = vec![(module_dir.clone(), gomod.clone())];

    let workspace = workspace_of(&module_dir, files);
    if let Some(work_dir) = &workspace {
        let work_path = file_in(work_dir, "go.work");
        let work = gomod::parse_work(files.texts.get(&work_path).map(String::as_str).unwrap_or(""));
        wanted.insert(work_path.clone());
        let sum = file_in(work_dir, "go.work.sum");
        if files.has(&sum) {
            wanted.insert(sum);
        }
        let mut used = Vec::new();
        for written in &work.uses {
            let dir = join(work_dir, written).ok_or_else(|| outside(gofile, &work_path, written))?;
            if !files.has(&file_in(&dir, "go.mod")) {
                return Err(Diagnostic::new(format!(
                    "{work_path} uses {written:?}, but the build context has no {}",
                    file_in(&dir, "go.mod")
                ))
                .at(gofile.module.span.clone())
                .hint("remove it with `go work edit -dropuse`, or check that .dockerignore does not exclude it"));
            }
            used.push(dir);
        }
        if !used.contains(&module_dir) {
            return Err(Diagnostic::new(format!(
                "{work_path} does not `use` {:?}, the directory of module {}",
                if module_dir.is_empty() { "." } else { &module_dir },
                gofile.module.value
            ))
            .at(gofile.module.span.clone())
            .hint(format!("add it with `go work use ./{module_dir}`")));
        }
        for dir in used {
            add_module(&dir, &mut wanted);
            if let Some(text) = files.texts.get(&file_in(&dir, "go.mod")) {
                if let Ok(m) = gomod::parse(text) {
                    module_dirs.push((dir, m));
                }
            }
        }
        for target in &work.local_replaces {
            let dir = join(work_dir, target).ok_or_else(|| outside(gofile, &work_path, target))?;
            add_module(&dir, &mut wanted);
        }
    }
    for (dir, m) in &module_dirs {
        for target in &m.local_replaces {
            let target_dir = join(dir, target).ok_or_else(|| outside(gofile, &file_in(dir, "go.mod"), target))?;
            if !files.has(&file_in(&target_dir, "go.mod")) {
                return Err(Diagnostic::new(format!(
                    "{} replaces a module with {target:?}, but the build context has no {}",
                    file_in(dir, "go.mod"),
                    file_in(&target_dir, "go.mod")
                ))
                .at(gofile.module.span.clone())
                .hint("build from a directory that holds both (e.g. the repository root) and set `dir`"));
            }
            add_module(&target_dir, &mut wanted);
        }
    }

    let vendor_dir = std::iter::once(module_dir.as_str())
        .chain(workspace.as_deref())
        .map(|dir| file_in(dir, "vendor"))
        .find(|vendor| files.has(&format!("{vendor}/modules.txt")));
    let gosum = files.texts.get(&file_in(&module_dir, "go.sum")).cloned();
    let modules_txt = vendor_dir.as_ref().and_then(|dir| files.texts.get(&file_in(dir, "modules.txt"))).cloned();
    Ok(Layout {
        module_dir,
        gomod,
        workspace,
        module_files: wanted.into_iter().collect(),
        module_search: files.search,
        vendor_dir,
        gosum,
        modules_txt,
    })
}

fn outside(gofile: &Gofile, file: &str, target: &str) -> Diagnostic {
    Diagnostic::new(format!("{file} points at {target:?}, which is outside the build context"))
        .at(gofile.module.span.clone())
        .hint("build from the repository root (`docker buildx build -f path/Gofile .`) and set `dir`")
}

fn workspace_of(module_dir: &str, files: &ContextFiles) -> Option<String> {
    let mut dir = Some(module_dir.to_string());
    while let Some(d) = dir {
        if files.has(&file_in(&d, "go.work")) {
            return Some(d);
        }
        dir = parent(&d);
    }
    None
}

fn module_dir(gofile: &Gofile, files: &ContextFiles) -> Result<String, Diagnostic> {
    let wanted = &gofile.module.value;
    if let Some(dir) = &gofile.dir {
        let clean = join("", &dir.value).unwrap_or_default();
        if !files.has(&file_in(&clean, "go.mod")) {
            return Err(Diagnostic::new(format!("`dir` is {:?}, but there is no go.mod in it", dir.value))
                .at(dir.span.clone())
                .hint("point `dir` at the directory that holds the module's go.mod"));
        }
        return Ok(clean);
    }
    let modules: Vec<(String, String)> = files
        .texts
        .iter()
        .filter(|(path, _)| path.ends_with("go.mod") && (path.as_str() == "go.mod" || path.ends_with("/go.mod")))
        .filter(|(path, _)| !ignored(path))
        .filter_map(|(path, text)| {
            let dir = path.strip_suffix("go.mod").unwrap_or("").trim_end_matches('/').to_string();
            gomod::parse(text).ok().map(|m| (dir, m.module))
        })
        .collect();
    let matching: Vec<&String> = modules.iter().filter(|(_, m)| m == wanted).map(|(d, _)| d).collect();
    // The root's go.mod wins over copies deeper in the tree, so that the root's files alone can
    // settle the usual layout (see [`Layout::settled_at_root`]).
    if matching.iter().any(|dir| dir.is_empty()) {
        return Ok(String::new());
    }
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] if files.has("go.mod") => Ok(String::new()),
        [] => {
            let found: Vec<String> = modules.iter().map(|(d, m)| format!("{m} in {}", file_in(d, "go.mod"))).collect();
            let mut diagnostic = Diagnostic::new("there is no go.mod at the root of the build context")
                .at(gofile.module.span.clone())
                .hint(format!(
                    "run `go mod init {wanted}` there, or build the directory that holds go.mod (and check that .dockerignore does not exclude it)"
                ));
            if !found.is_empty() {
                diagnostic = Diagnostic::new(format!(
                    "no go.mod in the build context declares module {wanted}; found: {}",
                    found.join(", ")
                ))
                .at(gofile.module.span.clone())
                .hint("set `module` to one of those, or `dir` to the module's directory");
            }
            Err(diagnostic)
        }
        several => Err(Diagnostic::new(format!(
            "several go.mod files declare module {wanted}: {}",
            several.iter().map(|d| file_in(d, "go.mod")).collect::<Vec<_>>().join(", ")
        ))
        .at(gofile.module.span.clone())
        .hint("set `dir` to the one to build")),
    }
}
