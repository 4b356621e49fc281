//! Reading the build context, once for every caller: the module files, the main packages and
//! the `files` entries, over a [`Tree`]: a BuildKit transfer (the gateway) or a local directory
//! ([`LocalTree`]: `gofront check`, `gofront eject`, unit tests). Both apply `.dockerignore` the
//! way BuildKit does and read the same files, so the local commands agree with the build.

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use futures_util::future::{join_all, try_join_all};
use futures_util::stream::{self, FuturesUnordered, StreamExt};

use crate::diagnostic::Diagnostic;
use crate::gofile::zero::Mains;
use crate::gofile::Gofile;
use crate::gosource::{self, Scanned};
use crate::plan::groups::OwnPackage;
use crate::plan::imports::{ImportScan, SourceRead};
use crate::plan::layout::{Layout, ModuleSearch};
use crate::plan::{layout, BuildPlan, ContextFiles};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    /// A symbolic link, with its target.
    Link(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    pub size: u64,
}

/// The most gofront reads of a module file: anything larger is a mistake, refused with its size.
/// go.sum and vendor/modules.txt of big monorepos run to a few MB; go.mod to a few KB.
pub fn read_limit(name: &str) -> u64 {
    match name {
        "go.sum" | "go.work.sum" | "modules.txt" => 64 << 20,
        _ => 1 << 20,
    }
}

/// Why a file could not be read; "missing" is told apart from every other failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("{0} does not exist")]
    Missing(String),
    #[error("{path} is {size} bytes, over the {limit} bytes gofront reads of it")]
    TooLarge { path: String, size: u64, limit: u64 },
    #[error("cannot read {path}: {reason}")]
    Failed { path: String, reason: String },
}

/// A file tree gofront reads before it plans.
#[allow(async_fn_in_trait)] // single-threaded runtime: the futures need not be Send
pub trait Tree {
    /// The direct children of `dir` ("" is the root) whose names match `pattern` (a glob; "" for all).
    async fn list(&self, dir: &str, pattern: &str) -> Result<Vec<Entry>, ReadError>;
    /// The first `limit` bytes of a regular file (all of it when `limit` is None).
    async fn read(&self, path: &str, limit: Option<u64>) -> Result<Vec<u8>, ReadError>;
}

/// A read's outcome with a path that is not there as None, which the callers take as "nothing
/// here"; every other failure stays an error.
fn unless_missing<T>(result: Result<T, ReadError>) -> Result<Option<T>, ReadError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(ReadError::Missing(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

fn child(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The context's module metadata, one directory level at a time (every directory of a level and
/// every file read at once): every path, symbolic links, and the texts of go.mod, go.work, go.sum
/// and vendor/modules.txt. `tree` is a transfer with `search`'s patterns, or a whole context.
pub async fn module_files(tree: &impl Tree, search: ModuleSearch) -> Result<ContextFiles, ReadError> {
    let mut files = ContextFiles { search, ..Default::default() };
    let mut level = vec![String::new()];
    while !level.is_empty() {
        let listings = try_join_all(level.iter().map(|dir| tree.list(dir, ""))).await?;
        let mut next = Vec::new();
        let mut wanted = Vec::new();
        for (dir, entries) in level.iter().zip(listings) {
            for entry in entries {
                let path = child(dir, &entry.name);
                match entry.kind {
                    Kind::Dir if search.enters(&path) => next.push(path),
                    Kind::Dir => {}
                    Kind::Link(target) => {
                        files.links.insert(path.clone(), target);
                        files.paths.insert(path);
                    }
                    Kind::File => {
                        // go.sum and vendor/modules.txt too: the lint rules compare them with go.mod.
                        let name = entry.name.as_str();
                        let modules_txt = name == "modules.txt" && dir.rsplit('/').next() == Some("vendor");
                        if matches!(name, "go.mod" | "go.work" | "go.sum") || modules_txt {
                            let limit = read_limit(name);
                            if entry.size > limit {
                                return Err(ReadError::TooLarge { path, size: entry.size, limit });
                            }
                            wanted.push(path.clone());
                        }
                        files.paths.insert(path);
                    }
                }
            }
        }
        let texts = join_all(
            wanted.iter().map(|path| tree.read(path, Some(read_limit(path.rsplit('/').next().unwrap_or(path))))),
        )
        .await;
        for (path, text) in wanted.into_iter().zip(texts) {
            // Listed, then gone: as if it had not been there.
            if let Some(data) = unless_missing(text)? {
                files.texts.insert(path, String::from_utf8_lossy(&data).into_owned());
            }
        }
        level = next;
    }
    Ok(files)
}

/// How much of a Go file is read first for its header (a license and the imports fit in it
/// mostly); then eight times as much, until the imports end.
const HEADER_READ: u64 = 4 << 10;
/// The most of one Go file read for its header.
const HEADER_READ_MAX: u64 = 8 << 20;
/// How many packages are read at once, and how many files of each.
const PACKAGES_AT_ONCE: usize = 12;
const READS_PER_PACKAGE: usize = 6;

/// What the CI layers need to know of the sources, read from them (see [`ImportScan`]): the
/// packages the binaries import from outside the module, directly, and the module's own
/// packages they reach with their files and imports, as `go list -deps` would print them. The
/// files `go build` would compile for the target are read, in the main packages and in every
/// package of the module they reach, each package as soon as an import names it (a few at once,
/// each reading a few files at once). An own package missing from the context is left to the
/// build, and one with a go.mod of its own is another module: outside.
pub async fn read_sources(tree: &impl Tree, scan: &ImportScan) -> Result<SourceRead, ReadError> {
    let mut outside = BTreeSet::new();
    let mut own = Vec::new();
    let mut seen: BTreeSet<String> = scan.mains.iter().cloned().collect();
    let mut waiting: VecDeque<(String, Option<String>)> = scan.mains.iter().map(|dir| (dir.clone(), None)).collect();
    let mut reading = FuturesUnordered::new();
    loop {
        while reading.len() < PACKAGES_AT_ONCE {
            let Some((dir, import)) = waiting.pop_front() else { break };
            reading.push(read_package(tree, scan, dir, import));
        }
        let Some(read) = reading.next().await else { break };
        let Some(read) = read? else { continue };
        let import = match (read.import, read.other_module) {
            (Some(import), true) => {
                outside.insert(import);
                continue;
            }
            (import, _) => import,
        };
        for import in &read.imports {
            match scan.own_dir(import) {
                Some(dir) if seen.insert(dir.clone()) => waiting.push_back((dir, Some(import.clone()))),
                Some(_) => {}
                None => {
                    outside.insert(import.clone());
                }
            }
        }
        if let (Some(import_path), false) = (import, read.is_main || read.files.is_empty()) {
            let imports = read.imports.into_iter().collect();
            own.push(OwnPackage { import_path, dir: read.dir, imports, files: read.files });
        }
    }
    own.sort_by(|a, b| a.import_path.cmp(&b.import_path));
    Ok(SourceRead { outside_imports: outside.into_iter().collect(), own_packages: own })
}

/// One directory of the module, as [`read_sources`] reads it.
struct PackageRead {
    dir: String,
    /// None for a main package named by the Gofile.
    import: Option<String>,
    /// It has a go.mod of its own.
    other_module: bool,
    is_main: bool,
    /// Its source files for the target, relative to `dir`, sorted.
    files: Vec<String>,
    /// What the files import (but `C`).
    imports: BTreeSet<String>,
}

/// Lists `dir` and reads the headers of its Go files; None when it does not exist.
async fn read_package(
    tree: &impl Tree,
    scan: &ImportScan,
    dir: String,
    import: Option<String>,
) -> Result<Option<PackageRead>, ReadError> {
    let Some(entries) = unless_missing(tree.list(&dir, "").await)? else {
        return Ok(None);
    };
    // The module's own go.mod is at its root, which may be a package too.
    let other_module = import.is_some() && dir != scan.module_dir && entries.iter().any(|e| e.name == "go.mod");
    let mut read =
        PackageRead { dir, import, other_module, is_main: false, files: Vec::new(), imports: BTreeSet::new() };
    if other_module {
        return Ok(Some(read));
    }
    let go_files: Vec<&str> = entries
        .iter()
        .filter(|e| e.kind == Kind::File && scan.target.lists(&e.name))
        .map(|e| e.name.as_str())
        .collect();
    let headers: Vec<_> = stream::iter(go_files.iter().map(|name| go_header(tree, child(&read.dir, name))))
        .buffered(READS_PER_PACKAGE)
        .collect()
        .await;
    let mut embedding = Vec::new();
    for (name, header) in go_files.into_iter().zip(headers) {
        let Some(header) = header?.filter(|h| scan.target.compiles(h)) else { continue };
        read.is_main |= header.package == "main";
        if header.imports.iter().any(|i| i == "embed") {
            embedding.push(name);
        }
        read.imports.extend(header.imports.into_iter().filter(|i| i != "C"));
        read.files.push(name.to_string());
    }
    if read.files.is_empty() {
        return Ok(Some(read));
    }
    let others = entries.iter().filter(|e| e.kind == Kind::File && scan.target.other_source(&e.name));
    read.files.extend(others.map(|e| e.name.clone()));
    for name in embedding {
        // `//go:embed` lines may be anywhere in the file: all of it is read.
        let Some(data) = unless_missing(tree.read(&child(&read.dir, name), Some(HEADER_READ_MAX)).await)? else {
            continue;
        };
        for pattern in gosource::embed_patterns(&String::from_utf8_lossy(&data)) {
            read.files.extend(embedded(tree, &read.dir, &pattern).await?);
        }
    }
    read.files.sort();
    read.files.dedup();
    Ok(Some(read))
}

/// The files an embed pattern names under the package directory `dir`, relative to it: each
/// element a glob, a directory with every file under it (but names starting with `.` or `_`,
/// unless the pattern starts with `all:`).
async fn embedded(tree: &impl Tree, dir: &str, pattern: &str) -> Result<Vec<String>, ReadError> {
    let (all, pattern) = match pattern.strip_prefix("all:") {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    let mut found = Vec::new();
    let mut reached = vec![String::new()];
    for (k, part) in parts.iter().enumerate() {
        let mut next = Vec::new();
        for rel in &reached {
            let Some(entries) = unless_missing(tree.list(&child(dir, rel), "").await)? else { continue };
            for entry in entries.into_iter().filter(|e| crate::dockerignore::matches(part, &e.name)) {
                let path = child(rel, &entry.name);
                match (entry.kind, k + 1 == parts.len()) {
                    (Kind::Dir, true) => found.extend(files_under(tree, dir, &path, all).await?),
                    (Kind::Dir, false) => next.push(path),
                    (Kind::File, true) => found.push(path),
                    _ => {}
                }
            }
        }
        reached = next;
    }
    Ok(found)
}

/// Every file under `rel` in `dir`, relative to `dir`; names starting with `.` or `_` left out
/// unless `all`.
async fn files_under(tree: &impl Tree, dir: &str, rel: &str, all: bool) -> Result<Vec<String>, ReadError> {
    let mut found = Vec::new();
    let mut pending = vec![rel.to_string()];
    while let Some(rel) = pending.pop() {
        let Some(entries) = unless_missing(tree.list(&child(dir, &rel), "").await)? else { continue };
        for entry in entries.into_iter().filter(|e| all || !e.name.starts_with(['.', '_'])) {
            let path = child(&rel, &entry.name);
            match entry.kind {
                Kind::Dir => pending.push(path),
                Kind::File => found.push(path),
                Kind::Link(_) => {}
            }
        }
    }
    Ok(found)
}

/// A Go file's header: its start first, all of it when the imports run past that. None for a
/// file that is gone or is not Go.
async fn go_header(tree: &impl Tree, path: String) -> Result<Option<gosource::Header>, ReadError> {
    let mut limit = HEADER_READ;
    loop {
        let Some(data) = unless_missing(tree.read(&path, Some(limit)).await)? else {
            return Ok(None);
        };
        let whole = (data.len() as u64) < limit;
        match gosource::header(&String::from_utf8_lossy(&data), whole) {
            Scanned::Header(header) => return Ok(Some(header)),
            Scanned::NotGo => return Ok(None),
            Scanned::Truncated if limit < HEADER_READ_MAX => limit = (limit * 8).min(HEADER_READ_MAX),
            Scanned::Truncated => return Ok(None),
        }
    }
}

/// Where the module lives, found by `find` in the module files `read` gets: the root's first, the
/// whole tree's only when the root's do not settle it ([`Layout::settled_at_root`]). On most
/// projects the client then walks two directories instead of the whole tree. Returns what `find`
/// says of the files it was last given, and those files.
pub async fn settle<E>(
    read: impl AsyncFn(ModuleSearch) -> Result<ContextFiles, E>,
    find: impl AsyncFn(&ContextFiles) -> Result<(Gofile, Layout), Diagnostic>,
) -> Result<(Result<(Gofile, Layout), Diagnostic>, ContextFiles), E> {
    let root = read(ModuleSearch::Root).await?;
    settle_from(root, read, find).await
}

/// [`settle`] from the root's module files already read (beside another wait).
pub async fn settle_from<E>(
    root: ContextFiles,
    read: impl AsyncFn(ModuleSearch) -> Result<ContextFiles, E>,
    find: impl AsyncFn(&ContextFiles) -> Result<(Gofile, Layout), Diagnostic>,
) -> Result<(Result<(Gofile, Layout), Diagnostic>, ContextFiles), E> {
    let found = find(&root).await;
    if found.as_ref().is_ok_and(|(gofile, layout)| layout.settled_at_root(&gofile.module.value)) {
        return Ok((found, root));
    }
    let tree = read(ModuleSearch::Tree).await?;
    Ok((find(&tree).await, tree))
}

/// Each `main` must name a directory of the context holding a `package main`; said before compiling.
pub async fn check_main_packages(tree: &impl Tree, plan: &BuildPlan) -> Result<(), Diagnostic> {
    if plan.published.is_some() {
        // The source arrives from GOPROXY during the build; `go build` names a missing package.
        return Ok(());
    }
    try_join_all(plan.binaries.iter().map(|binary| check_main_package(tree, plan, binary))).await?;
    Ok(())
}

async fn check_main_package(
    tree: &impl Tree,
    plan: &BuildPlan,
    binary: &crate::plan::Binary,
) -> Result<(), Diagnostic> {
    let package = binary.package.trim_start_matches("./").trim_start_matches('.');
    let dir = layout::join(&plan.module_dir, package).unwrap_or_default();
    let shown = if dir.is_empty() { "." } else { dir.as_str() };
    let span = binary.span.clone();
    let names = package_names(tree, &dir).await.map_err(|_| {
        Diagnostic::new(format!("`main` is {:?}, but the build context has no directory {shown:?}", binary.package))
            .at(span.clone())
            .hint(
                "point `main` at the directory of your `package main`, e.g. \"./cmd/server\" (check .dockerignore too)",
            )
    })?;
    if names.is_empty() {
        return Err(Diagnostic::new(format!("`main` is {:?}, but {shown:?} holds no Go files", binary.package))
            .at(span)
            .hint("point `main` at the directory of your `package main`"));
    }
    if names.iter().any(|n| n == "main") {
        return Ok(());
    }
    Err(Diagnostic::new(format!(
        "`main` is {:?}, which is package {}, not a main package",
        binary.package,
        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    ))
    .at(span)
    .hint("point `main` at the directory whose files say `package main` and have func main()"))
}

/// The packages the (non-test) Go files of a directory declare, sorted; Err when there is no
/// such directory.
async fn package_names(tree: &impl Tree, dir: &str) -> Result<Vec<String>, ReadError> {
    let go_files: Vec<String> = tree
        .list(dir, "*.go")
        .await?
        .into_iter()
        .filter(|e| e.kind != Kind::Dir && e.name.ends_with(".go") && !e.name.ends_with("_test.go"))
        .map(|e| child(dir, &e.name))
        .collect();
    // Every file's head at once.
    let heads = join_all(go_files.iter().map(|path| tree.read(path, Some(64 << 10)))).await;
    let mut names: Vec<String> = heads
        .into_iter()
        .flatten()
        .filter_map(|head| crate::gosource::package_name(&String::from_utf8_lossy(&head)))
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// The module's main packages, for a build without a Gofile: its root, and `cmd/*`.
pub async fn detect_mains(tree: &impl Tree, module_dir: &str) -> Result<Mains, ReadError> {
    let is_main = |names: &[String]| names.iter().any(|n| n == "main");
    let root = is_main(&package_names(tree, module_dir).await?);
    let cmd = child(module_dir, "cmd");
    let entries = unless_missing(tree.list(&cmd, "").await)?.unwrap_or_default();
    let dirs: Vec<String> = entries.into_iter().filter(|e| e.kind == Kind::Dir).map(|e| e.name).collect();
    let paths: Vec<String> = dirs.iter().map(|d| child(&cmd, d)).collect();
    let found = try_join_all(paths.iter().map(|path| package_names(tree, path))).await?;
    let mut cmd: Vec<String> =
        dirs.into_iter().zip(found).filter(|(_, names)| is_main(names)).map(|(d, _)| d).collect();
    cmd.sort();
    Ok(Mains { root, cmd })
}

/// A `files` entry whose path goes through a symbolic link that leaves the context would copy
/// nothing (BuildKit resolves links inside the context): refused at its line.
pub async fn check_files(tree: &impl Tree, gofile: &Gofile) -> Result<(), Diagnostic> {
    for entry in &gofile.files {
        let from = entry.value.from.trim_start_matches("./");
        let mut dir = String::new();
        // The path up to its first wildcard is what can be a link.
        for name in from.split('/').filter(|p| !p.is_empty()).take_while(|p| !p.contains(['*', '?', '['])) {
            let Ok(entries) = tree.list(&dir, "").await else { break };
            let Some(found) = entries.into_iter().find(|e| e.name == name) else { break };
            let path = child(&dir, name);
            if let Kind::Link(target) = &found.kind {
                let inside = !target.starts_with('/') && layout::join(&dir, target).is_some();
                if !inside {
                    return Err(Diagnostic::new(format!(
                        "`files` copies {:?}, but {path} is a symbolic link to {target:?}, outside the build context",
                        entry.value.from
                    ))
                    .at(entry.span.clone())
                    .hint("a build sees only the context: copy the file into the context, or point `from` at a file inside it"));
                }
            }
            dir = path;
        }
    }
    Ok(())
}

/// A local directory as BuildKit would transfer it: `.dockerignore` (the excludes) applied, and
/// optionally only the paths that match `include` patterns.
pub struct LocalTree {
    pub root: PathBuf,
    pub excludes: Vec<String>,
    pub include: Vec<String>,
}

impl LocalTree {
    fn visible(&self, path: &str, is_dir: bool) -> bool {
        if crate::dockerignore::excluded(&self.excludes, path) {
            return false;
        }
        is_dir || self.include.is_empty() || self.include.iter().any(|p| crate::dockerignore::matches(p, path))
    }

    fn path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() || rel == "." {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }
}

fn failed(path: &str, err: std::io::Error) -> ReadError {
    match err.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing(path.to_string()),
        _ => ReadError::Failed { path: path.to_string(), reason: err.to_string() },
    }
}

impl Tree for LocalTree {
    async fn list(&self, dir: &str, pattern: &str) -> Result<Vec<Entry>, ReadError> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.path(dir)).map_err(|e| failed(dir, e))? {
            let entry = entry.map_err(|e| failed(dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = child(dir, &name);
            let size = entry.metadata().map_err(|e| failed(&path, e))?.len();
            let kind = match entry.file_type().map_err(|e| failed(&path, e))? {
                t if t.is_dir() => Kind::Dir,
                t if t.is_symlink() => Kind::Link(
                    std::fs::read_link(entry.path()).map_err(|e| failed(&path, e))?.to_string_lossy().into_owned(),
                ),
                _ => Kind::File,
            };
            let pattern_ok = pattern.is_empty() || crate::dockerignore::matches(pattern, &name);
            if pattern_ok && self.visible(&path, kind == Kind::Dir) {
                out.push(Entry { name, kind, size });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn read(&self, path: &str, limit: Option<u64>) -> Result<Vec<u8>, ReadError> {
        if !self.visible(path, false) {
            return Err(ReadError::Missing(path.to_string()));
        }
        let mut data = std::fs::read(self.path(path)).map_err(|e| failed(path, e))?;
        if let Some(limit) = limit {
            data.truncate(limit as usize);
        }
        Ok(data)
    }
}

/// The `.dockerignore` patterns for a build file at `file` in the context `root`: the file's own
/// `<name>.dockerignore` beside it wins over the context's, as BuildKit does.
pub fn local_excludes(root: &Path, file: &Path) -> Result<Vec<String>, ReadError> {
    let own = PathBuf::from(format!("{}.dockerignore", file.display()));
    for candidate in [own, root.join(".dockerignore")] {
        match std::fs::read_to_string(&candidate) {
            Ok(text) => return Ok(crate::dockerignore::patterns(&text)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(failed(&candidate.display().to_string(), err)),
        }
    }
    Ok(Vec::new())
}

/// A build file that is a go.mod or go.work: the Gofile made of it (see [`crate::gofile::zero`])
/// and where the module lives. `target` is the `--target` asked for: without one, several
/// candidates for the default image are an error that lists them.
pub async fn zero_config(
    name: &str,
    text: &str,
    files: &ContextFiles,
    context: &impl Tree,
    target: Option<&str>,
) -> Result<(Gofile, layout::Layout), Diagnostic> {
    use crate::gofile::zero;
    let unreadable = |e: ReadError| Diagnostic::new(format!("cannot read the build context: {e}"));
    let partial = match crate::gomod::parse(text) {
        Ok(gomod) => zero::module_of(text, &gomod),
        Err(error) if !text.contains("use") => {
            return Err(Diagnostic::new(format!("{name} is the build file, but {error}"))
                .hint("fix go.mod; `go mod tidy` checks it"))
        }
        // A go.work: the one module it uses that has main packages.
        Err(_) => {
            let work = crate::gomod::parse_work(text);
            let mut found = Vec::new();
            for dir in work.uses.iter().map(|d| if d == "." { String::new() } else { d.clone() }) {
                let Some(gomod) =
                    files.texts.get(&layout::file_in(&dir, "go.mod")).and_then(|t| crate::gomod::parse(t).ok())
                else {
                    continue;
                };
                let mains = detect_mains(context, &dir).await.map_err(unreadable)?;
                if mains.root || !mains.cmd.is_empty() {
                    found.push((dir, gomod.module));
                }
            }
            let [(dir, module)] = found.as_slice() else {
                let names: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
                return Err(Diagnostic::new(format!(
                    "{name} is the build file, and {} of its modules have main packages ({}): gofront builds one module",
                    found.len(),
                    names.join(", ")
                ))
                .hint("build the module's own go.mod (`-f DIR/go.mod`), or write a Gofile with `module` (gofront init)"));
            };
            let line = text.lines().position(|l| l.contains(dir.as_str())).map_or(1, |i| i + 1);
            let gomod = crate::gomod::GoMod { module: module.clone(), module_line: line, ..Default::default() };
            let mut gofile = zero::module_of(text, &gomod);
            gofile.module.span = zero::line_span(text, line);
            gofile.dir = Some(crate::gofile::Located::new(dir.clone(), gofile.module.span.clone()));
            gofile
        }
    };
    let layout = layout::locate(&partial, files)?;
    let mains = detect_mains(context, &layout.module_dir).await.map_err(unreadable)?;
    let (gofile, several) = zero::with_mains(partial, &mains)?;
    if let (Some(names), None | Some("image")) = (several, target.filter(|t| !t.is_empty())) {
        return Err(Diagnostic::new(format!(
            "{name} is the build file, and cmd/ has several main packages ({}): none is named after the module, so none is the default",
            names.join(", ")
        ))
        .at(gofile.module.span.clone())
        .hint(format!(
            "build one with --target NAME, or pin the default with a Gofile (gofront init writes it):\n{}",
            zero::gofile_text(&gofile, "ghcr.io/org/gofront:1")
        )));
    }
    Ok((gofile, layout))
}

#[cfg(test)]
mod tests {
    use super::{read_sources, LocalTree};
    use crate::gosource::constraint::Target;
    use crate::plan::imports::ImportScan;

    fn write(root: &std::path::Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
    }

    #[test]
    fn the_sources_are_read_from_the_mains_through_the_module_for_the_target() {
        let dir = tempfile::tempdir().expect("temp dir");
        let long_header = format!("// {}\npackage store\n\nimport \"encoding/json\"\n", "x".repeat(40_000));
        write(
            dir.path(),
            &[
                ("svc/go.mod", "module example.com/svc\n"),
                (
                    "svc/cmd/api/main.go",
                    "package main\n\nimport (\n\t\"fmt\"\n\t\"example.com/svc/internal/store\"\n)\n",
                ),
                ("svc/cmd/api/main_test.go", "package main\n\nimport \"testing\"\n"),
                (
                    "svc/cmd/api/tool.go",
                    "//go:build ignore\n\npackage main\n\nimport \"golang.org/x/tools/go/packages\"\n",
                ),
                ("svc/internal/store/store.go", &long_header),
                ("svc/internal/store/helper.c", "int helper(void) { return 1; }\n"),
                ("svc/internal/store/asm_amd64.s", "TEXT ·f(SB),0,$0\n"),
                ("svc/internal/store/asm_arm64.s", "TEXT ·f(SB),0,$0\n"),
                ("svc/internal/store/store_test.go", "package store\n\nimport \"testing\"\n"),
                ("svc/internal/store/store_linux.go", "package store\n\nimport \"golang.org/x/sys/unix\"\n"),
                ("svc/internal/store/store_windows.go", "package store\n\nimport \"golang.org/x/sys/windows\"\n"),
                (
                    "svc/internal/store/cgo.go",
                    "package store\n\n// #include <stdio.h>\nimport \"C\"\nimport \"unsafe\"\n",
                ),
                (
                    "svc/internal/store/more.go",
                    "package store\n\nimport _ \"example.com/svc/internal/unused\"\nimport \"example.com/svc/api\"\n",
                ),
                (
                    "svc/internal/unused/u.go",
                    "package unused\n\nimport \"github.com/google/uuid\"\nimport \"example.com/svc\"\n",
                ),
                ("svc/svc.go", "package svc\n\nimport \"errors\"\n"),
                ("svc/api/go.mod", "module example.com/svc/api\n"),
                ("svc/api/api.go", "package api\n\nimport \"never/read\"\n"),
                ("svc/internal/notimported/n.go", "package notimported\n\nimport \"never/either\"\n"),
            ],
        );
        let tree = LocalTree { root: dir.path().to_path_buf(), excludes: Vec::new(), include: Vec::new() };
        let target =
            |cgo: bool| Target { goos: "linux".into(), goarch: "amd64".into(), cgo, tags: Vec::new(), go_minor: None };
        let scan = |cgo: bool| ImportScan {
            module: "example.com/svc".into(),
            module_dir: "svc".into(),
            mains: vec!["svc/cmd/api".into(), "svc/cmd/missing".into()],
            target: target(cgo),
        };
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let read = runtime.block_on(read_sources(&tree, &scan(false))).expect("read");
        assert_eq!(
            read.outside_imports,
            [
                "encoding/json",
                "errors",
                "example.com/svc/api",
                "fmt",
                "github.com/google/uuid",
                "golang.org/x/sys/unix"
            ]
        );
        // The own packages the main reaches (the module's root among them: its go.mod is the
        // module's own), as `go list -deps` prints them (not the main itself).
        let own: Vec<(&str, &str, Vec<&str>, Vec<&str>)> = read
            .own_packages
            .iter()
            .map(|p| {
                let imports = p.imports.iter().map(String::as_str).collect();
                (p.import_path.as_str(), p.dir.as_str(), imports, p.files.iter().map(String::as_str).collect())
            })
            .collect();
        assert_eq!(
            own,
            [
                ("example.com/svc", "svc", vec!["errors"], vec!["svc.go"]),
                (
                    "example.com/svc/internal/store",
                    "svc/internal/store",
                    vec![
                        "encoding/json",
                        "example.com/svc/api",
                        "example.com/svc/internal/unused",
                        "golang.org/x/sys/unix"
                    ],
                    vec!["asm_amd64.s", "more.go", "store.go", "store_linux.go"]
                ),
                (
                    "example.com/svc/internal/unused",
                    "svc/internal/unused",
                    vec!["example.com/svc", "github.com/google/uuid"],
                    vec!["u.go"]
                ),
            ]
        );
        let with_cgo = runtime.block_on(read_sources(&tree, &scan(true))).expect("read");
        let imports = &with_cgo.outside_imports;
        assert!(imports.contains(&"unsafe".to_string()) && !imports.contains(&"C".to_string()), "{imports:?}");
        let store = &with_cgo.own_packages[1].files;
        assert!(store.contains(&"cgo.go".to_string()) && store.contains(&"helper.c".to_string()), "{store:?}");

        // The files a package embeds are its sources too.
        let web = "package unused\n\nimport _ \"embed\"\n\n//go:embed static version.txt t/*.tmpl\nvar files embed.FS\n\n//go:embed all:raw\nvar raw embed.FS\n";
        write(
            dir.path(),
            &[
                ("svc/internal/unused/web.go", web),
                ("svc/internal/unused/static/index.html", "<p>hi</p>"),
                ("svc/internal/unused/static/css/site.css", "p {}"),
                ("svc/internal/unused/static/.hidden", "x"),
                ("svc/internal/unused/version.txt", "1"),
                ("svc/internal/unused/t/a.tmpl", "a"),
                ("svc/internal/unused/t/b.txt", "b"),
                ("svc/internal/unused/raw/_kept", "k"),
                ("svc/internal/unused/unrelated.txt", "u"),
            ],
        );
        let read = runtime.block_on(read_sources(&tree, &scan(false))).expect("read");
        assert_eq!(
            read.own_packages[2].files,
            ["raw/_kept", "static/css/site.css", "static/index.html", "t/a.tmpl", "u.go", "version.txt", "web.go"]
        );
    }
}
