//! The whole build as LLB: module layer, dependency list, precompiled dependencies, compile,
//! runtime root, final image.
//!
//! ```text
//! module files (go.mod, go.sum, go.work…) ─ go mod download         → module layer
//! context + module layer                  ─ go list -deps           → package list (per platform)
//! module files + module layer + list      ─ go build <deps>         → build cache layer (per platform)
//! context + module layer + cache layer    ─ go build -trimpath …    → /out
//! runtime root (scratch + CA + zoneinfo + passwd/group + /tmp, or a base image)
//!    └─ image: root + /app/<name> (+ files) + image config
//! ```
//!
//! The module and build cache layers are ordinary layers: they travel in `--cache-to` exports,
//! so a fresh CI runner gets them from the imported cache. The dependency compile mounts the
//! package list read-only, so BuildKit keys it by the list's content: a source change re-runs the
//! (cheap) listing, and an unchanged list is a cache hit. The persistent cache mounts (modules,
//! build cache) stay in front of all of this for local incremental speed.

use super::config::{image_config, merge_env, render_env};
use super::{
    scripts, Base, BuildPlan, LineSpan, Network, Target, CA_BUNDLE, DEPENDENCY_CACHE, DEPENDENCY_LIST, GOCACHE,
    GOMODCACHE, MODULE_PROXY_CACHE, NETRC_PATH, NETRC_SECRET, NONROOT, OUT, SRC, SSH_AGENT_ID, SSH_AGENT_SOCK,
    ZONEINFO,
};
use crate::gofile::span::LineCol;
use crate::image::{self, History, ImageConfig};
use crate::llb::{self, CopyOptions, Exec, FileOps, Graph, Local, Mount, Output, Owner};
use crate::proto::pb;

/// An image after the gateway resolved it: pinned reference and its config.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    pub reference: String,
    pub config: ImageConfig,
    /// How to install `packages` on it, when the plan has any.
    pub package_manager: Option<PackageManager>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    Apt,
    Apk,
}

impl PackageManager {
    /// From /etc/os-release: `ID` or `ID_LIKE` naming a Debian or Alpine family.
    pub fn from_os_release(text: &str) -> Option<PackageManager> {
        let ids: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("ID=").or_else(|| l.strip_prefix("ID_LIKE=")))
            .flat_map(|v| v.trim_matches('"').split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect();
        if ids.iter().any(|id| id == "alpine") {
            Some(PackageManager::Apk)
        } else if ids.iter().any(|id| id == "debian" || id == "ubuntu") {
            Some(PackageManager::Apt)
        } else {
            None
        }
    }

    /// The install command, cleaning up indexes so they do not land in the layer.
    pub fn install(self, packages: &[String]) -> Vec<String> {
        match self {
            PackageManager::Apk => {
                ["apk", "add", "--no-cache"].iter().map(|s| s.to_string()).chain(packages.iter().cloned()).collect()
            }
            PackageManager::Apt => {
                let script = format!(
                    "set -eu; apt-get update -qq; apt-get install -y -qq --no-install-recommends {}; \
                     apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin",
                    packages.join(" ")
                );
                vec!["/bin/sh".into(), "-c".into(), script]
            }
        }
    }
}

/// How to reach the client's build context.
#[derive(Debug, Clone, Default)]
pub struct ContextSource {
    pub session: String,
    /// .dockerignore patterns.
    pub excludes: Vec<String>,
    pub resolve_mode: Option<String>,
}

/// The small transfer gofront reads module metadata from: every go.mod, go.sum, go.work,
/// go.work.sum and vendor/modules.txt of the context that .dockerignore lets through.
pub fn module_files_source(session: &str, excludes: &[String]) -> Local {
    let mut include = Vec::new();
    for name in ["go.mod", "go.sum", "go.work", "go.work.sum", "vendor/modules.txt"] {
        include.push(name.to_string());
        include.push(format!("**/{name}"));
    }
    Local {
        name: "context".into(),
        session: session.into(),
        shared_key: "gofront-module-files".into(),
        include,
        exclude: excludes.to_vec(),
        ..Default::default()
    }
}

/// The context's .dockerignore alone, read before anything else is transferred.
pub fn ignore_file_source(session: &str) -> Local {
    Local {
        name: "context".into(),
        session: session.into(),
        shared_key: "context-.dockerignore".into(),
        follow: vec![".dockerignore".into()],
        differ_none: true,
        ..Default::default()
    }
}

/// A vendor/ tree alone, so the dependency compile of a vendored module is keyed by it, not by every source file.
pub fn vendor_source(session: &str, vendor_dir: &str) -> Local {
    Local {
        name: "context".into(),
        session: session.into(),
        shared_key: "gofront-vendor".into(),
        include: vec![format!("{vendor_dir}/**")],
        ..Default::default()
    }
}

/// The whole build context, .dockerignore applied.
pub fn context_source(context: &ContextSource) -> Local {
    Local {
        name: "context".into(),
        session: context.session.clone(),
        shared_key: "context".into(),
        exclude: context.excludes.clone(),
        ..Default::default()
    }
}

/// The emitted graph: the image's root filesystem and its config.
#[derive(Debug)]
pub struct Emitted {
    pub graph: Graph,
    pub result: Output,
    pub config: ImageConfig,
    /// Build the result before returning: checks (test, vet) must fail the build even without an export.
    pub evaluate: bool,
    /// The compile's output (the binaries), for the SBOM step; none for test and vet.
    pub binaries: Option<Output>,
    /// The builder image, which the SBOM step runs `go version -m` in.
    pub builder: Output,
}

pub fn emit(
    plan: &BuildPlan,
    context: &ContextSource,
    builder: &ResolvedImage,
    base: Option<&ResolvedImage>,
) -> Emitted {
    let mut graph = Graph::new();
    let timestamp = plan.epoch.unwrap_or(0).saturating_mul(1_000_000_000);
    let resolve_mode = context.resolve_mode.as_deref();
    let Start { go, builder_root, source, module_files, modules } =
        start(&mut graph, plan, context, builder, timestamp);
    let modules = modules.as_ref();

    if let Some(command) = plan.check_command() {
        let name = format!("[gofront] {}", command.join(" "));
        let step = GoStep { script: "check", args: command, env: &plan.build_env };
        let checked = go.run(&mut graph, step, &source, modules, None, &name);
        let config = image_config(plan, None, Vec::new());
        return Emitted { graph, result: checked, config, evaluate: true, binaries: None, builder: builder_root };
    }

    let precompiled = module_files.as_ref().filter(|_| plan.dependency_layers).map(|module_files| {
        let list = go.list_dependencies(&mut graph, &source, modules);
        go.precompile(&mut graph, module_files, modules, &list)
    });
    let step = GoStep { script: "compile", args: plan.build_command(), env: &go.compile_env };
    let binary = go.run(
        &mut graph,
        step,
        &source,
        modules,
        precompiled.as_ref(),
        &format!("[gofront] go build {} ({})", plan.package(), plan.platform),
    );
    if plan.target == Target::Binary {
        let config = image_config(plan, None, Vec::new());
        return Emitted {
            graph,
            result: binary.clone(),
            config,
            evaluate: false,
            binaries: Some(binary),
            builder: builder_root,
        };
    }

    let (root, mut history) = match (&plan.base, base) {
        (Base::Image(_), Some(base)) => {
            let (op, caps) = llb::image_source(&base.reference, resolve_mode);
            let name = format!("[gofront] base {} ({})", base.reference, plan.platform);
            let mut root = graph.source(op, Some(plan.platform.wire()), &name, &caps);
            let mut history = base.config.history.clone();
            if let (false, Some(manager)) = (plan.packages.is_empty(), base.package_manager) {
                root = install_packages(&mut graph, plan, base, manager, &root);
                history.push(history_entry(plan, &format!("install {}", plan.packages.join(" "))));
            }
            (root, history)
        }
        _ => {
            let root = scratch_root(&mut graph, &builder_root, &builder.config, timestamp);
            (root, vec![history_entry(plan, "runtime root: CA certificates, zoneinfo, passwd/group, /tmp")])
        }
    };

    let entrypoint = format!("{}/{}", super::APP_DIR, plan.entrypoint());
    let owned_by_root = Some(Owner { uid: 0, gid: 0 });
    let mut staged = FileOps::on(None, timestamp);
    for (file, name) in &plan.image_binaries {
        let options = CopyOptions { owner: owned_by_root, mode: Some(0o755), ..Default::default() };
        staged = staged.copy(&binary, &format!("/{file}"), &format!("{}/{name}", super::APP_DIR), options);
    }
    let staged = graph.file(staged, "[gofront] binaries, staged");
    let image = settle(root, &staged, timestamp);
    let names: Vec<&str> = plan.image_binaries.iter().map(|(_, n)| n.as_str()).collect();
    history.push(history_entry(plan, &format!("COPY {} into {} (go build)", names.join(", "), super::APP_DIR)));
    let mut result = graph.file(image, &format!("[gofront] image {entrypoint} ({})", plan.platform));

    if !plan.runtime.files.is_empty() {
        let mut files = FileOps::on(None, timestamp);
        for file in &plan.runtime.files {
            let from = format!("/{}", file.from.trim_start_matches("./"));
            let options =
                CopyOptions { owner: owned_by_root, dir_contents: true, wildcard: true, ..Default::default() };
            files = files.copy(&source, &from, &file.to, options);
        }
        let staged = graph.file(files, "[gofront] files, staged");
        history.push(history_entry(plan, "COPY files"));
        result = graph.file(settle(result, &staged, timestamp), "[gofront] copy files");
    }

    let config = image_config(plan, base.map(|b| &b.config), history);
    Emitted { graph, result, config, evaluate: false, binaries: Some(binary), builder: builder_root }
}

/// The Go steps of one build: the same builder, environment and caches for each.
struct GoSteps<'a> {
    plan: &'a BuildPlan,
    builder: Output,
    scripts: Output,
    env: Vec<(String, String)>,
    /// The plan's compile environment, for the compile and the dependency steps.
    compile_env: Vec<(String, String)>,
    cwd: String,
}

/// One Go command and the script around it (a file name in [`scripts::SCRIPTS`]).
struct GoStep<'a> {
    script: &'static str,
    args: Vec<String>,
    /// Added to the steps' common environment.
    env: &'a [(String, String)],
}

/// What every Go graph starts with: the builder, the context, the module files and the module
/// layer.
struct Start<'a> {
    go: GoSteps<'a>,
    builder_root: Output,
    source: Output,
    /// None for a `version` build, which has no module files in the context.
    module_files: Option<Output>,
    /// None for a vendored module, which downloads nothing.
    modules: Option<Output>,
}

fn start<'a>(
    graph: &mut Graph,
    plan: &'a BuildPlan,
    context: &ContextSource,
    builder: &ResolvedImage,
    timestamp: i64,
) -> Start<'a> {
    let (op, caps) = llb::image_source(&builder.reference, context.resolve_mode.as_deref());
    let builder_root =
        graph.source(op, Some(plan.build_platform.wire()), &format!("[gofront] builder {}", builder.reference), &caps);
    let (op, caps) = context_source(context).into_op();
    let source = graph.source(op, None, "[gofront] load build context", &caps);
    let go = GoSteps {
        plan,
        builder: builder_root.clone(),
        scripts: step_scripts(graph, timestamp),
        env: merge_env(&builder.config.env_pairs(), &plan.go_env),
        compile_env: plan.compile_env(),
        cwd: match (&plan.published, plan.module_dir.as_str()) {
            (Some(published), _) => published.dir.clone(),
            (None, "") => SRC.to_string(),
            (None, dir) => format!("{SRC}/{dir}"),
        },
    };
    let module_files = plan.published.is_none().then(|| go.module_files(graph, context, timestamp));
    let modules = match (&plan.published, &module_files) {
        (Some(published), _) => Some(go.fetch(graph, &published.reference)),
        (None, Some(files)) if plan.downloads() => Some(go.download(graph, files)),
        _ => None,
    };
    Start { go, builder_root, source, module_files, modules }
}

/// What the cgo survey lists, a line per package, sorted (its output holds the file `packages`):
/// `import/path<TAB>module/path<TAB>a.go,b.go` for every package outside the standard library
/// with cgo files.
const CGO_TEMPLATE: &str =
    "{{if and (not .Standard) .CgoFiles}}{{.ImportPath}}\t{{with .Module}}{{.Path}}{{end}}\t{{join .CgoFiles \",\"}}{{end}}";

/// `--check`'s deeper look for a build with cgo off: the packages the binaries import that have
/// cgo files, listed as a cgo build of the target platform would see them. It needs the module
/// layer, so normal builds do not run it.
pub fn cgo_survey(plan: &BuildPlan, context: &ContextSource, builder: &ResolvedImage) -> (Graph, Output) {
    let mut graph = Graph::new();
    let Start { go, source, modules, .. } = start(&mut graph, plan, context, builder, 0);
    let mut mounts = go.mounts(modules.as_ref());
    mounts.push(Mount::read_only(SRC, &source));
    mounts.push(Mount::writable(DEPENDENCY_LIST, None));
    let mut args: Vec<String> = ["go", "list", "-e", "-deps", "-f", CGO_TEMPLATE].map(String::from).into();
    args.extend(plan.compile_flags.iter().cloned());
    args.extend(plan.binaries.iter().map(|b| b.package.clone()));
    let env: Vec<(String, String)> = plan
        .compile_env()
        .into_iter()
        .map(|(name, value)| if name == "CGO_ENABLED" { (name, "1".to_string()) } else { (name, value) })
        .collect();
    let step = GoStep { script: "list", args, env: &env };
    let list =
        graph.exec(go.exec(step, mounts), &format!("[gofront] list packages with cgo files ({})", plan.platform));
    let output = list.at(DEPENDENCY_LIST).unwrap_or(Output { digest: list.digest, index: 1 });
    (graph, output)
}

impl GoSteps<'_> {
    /// go.mod, go.sum, go.work… (and a vendor/ tree) alone: what the dependency steps may see, so
    /// that only a change to them re-runs those steps.
    fn module_files(&self, graph: &mut Graph, context: &ContextSource, timestamp: i64) -> Output {
        let plan = self.plan;
        let (op, caps) = module_files_source(&context.session, &context.excludes).into_op();
        let module_files = graph.source(op, None, "[gofront] load go.mod and go.sum", &caps);
        let mut files = FileOps::on(None, timestamp);
        for file in &plan.module_files {
            files = files.copy(&module_files, &format!("/{file}"), &format!("/{file}"), CopyOptions::default());
        }
        if let Some(vendor) = &plan.vendor_dir {
            let (op, caps) = vendor_source(&context.session, vendor).into_op();
            let tree = graph.source(op, None, "[gofront] load vendor/", &caps);
            let options = CopyOptions { dir_contents: true, ..Default::default() };
            files = files.copy(&tree, &format!("/{vendor}"), &format!("/{vendor}"), options);
        }
        graph.file(files, "[gofront] module files")
    }

    /// Mounts every Go step has: the builder, the persistent caches, the module layer, credentials.
    fn mounts(&self, modules: Option<&Output>) -> Vec<Mount> {
        let plan = self.plan;
        let mut mounts = vec![
            // Root needs an output: BuildKit mounts a no-output root read-only and cannot create the cwd.
            Mount::writable("/", Some(&self.builder)),
            Mount::cache(MODULE_PROXY_CACHE, &plan.cache_ids.modules),
            Mount::cache(GOCACHE, &plan.cache_ids.build),
            Mount::read_only(scripts::SCRIPTS, &self.scripts),
            Mount::tmpfs("/tmp"),
            Mount::Secret { dest: NETRC_PATH.into(), id: NETRC_SECRET.into() },
            Mount::Ssh { dest: SSH_AGENT_SOCK.into(), id: SSH_AGENT_ID.into() },
        ];
        if let Some(modules) = modules {
            // Writable for Go's lock files; what it writes is thrown away.
            mounts.push(Mount::scratch_copy(GOMODCACHE, modules));
        }
        mounts
    }

    fn exec(&self, step: GoStep, mounts: Vec<Mount>) -> Exec {
        let plan = self.plan;
        Exec {
            args: scripts::command(step.script, step.args),
            env: render_env(&merge_env(&self.env, step.env)),
            cwd: self.cwd.clone(),
            // Kept even with a warm module layer: a module the layer lacks can still be fetched.
            network: net_mode(plan.go_network()),
            mounts,
            platform: Some(plan.build_platform.wire()),
            extra_hosts: plan.extra_hosts.clone(),
            proxy: proxy_env(plan),
            ..Default::default()
        }
    }

    /// `go mod download` on the module files alone, into a layer of its own: the module layer.
    fn download(&self, graph: &mut Graph, module_files: &Output) -> Output {
        let plan = self.plan;
        let mut mounts = self.mounts(None);
        mounts.push(Mount::read_only(SRC, module_files));
        mounts.push(Mount::writable(GOMODCACHE, None));
        // -x shows every fetch from the network; what the module cache already had comes from file://.
        let args = ["go", "mod", "download", "-x"].map(String::from).into();
        let step = GoStep { script: "download", args, env: &[] };
        let deps = graph.exec(self.exec(step, mounts), "[gofront] go mod download");
        graph.locate(&deps.digest, ranges(&plan.spans.module));
        deps.at(GOMODCACHE).unwrap_or(Output { digest: deps.digest, index: 1 })
    }

    /// A `version` build's module layer: the published module and what its go.mod requires,
    /// fetched and verified with no source from the context.
    fn fetch(&self, graph: &mut Graph, reference: &str) -> Output {
        let plan = self.plan;
        let mut mounts = self.mounts(None);
        mounts.push(Mount::writable(GOMODCACHE, None));
        let args = ["go", "mod", "download", "-x", "-json", reference].map(String::from).into();
        let step = GoStep { script: "fetch", args, env: &[] };
        let mut exec = self.exec(step, mounts);
        // Not the module's directory: Go creates it, and must not find it there already.
        exec.cwd = "/".into();
        let fetched = graph.exec(exec, &format!("[gofront] go mod download {reference}"));
        graph.locate(&fetched.digest, ranges(&plan.spans.module));
        fetched.at(GOMODCACHE).unwrap_or(Output { digest: fetched.digest, index: 1 })
    }

    /// The packages the binaries import from outside the main module(s), for the target platform.
    fn list_dependencies(&self, graph: &mut Graph, source: &Output, modules: Option<&Output>) -> Output {
        let plan = self.plan;
        let mut mounts = self.mounts(modules);
        mounts.push(Mount::read_only(SRC, source));
        mounts.push(Mount::writable(DEPENDENCY_LIST, None));
        let mut args: Vec<String> =
            ["go", "list", "-e", "-deps", "-f", scripts::LIST_TEMPLATE].map(String::from).into();
        args.extend(plan.compile_flags.iter().cloned());
        args.extend(plan.binaries.iter().map(|b| b.package.clone()));
        let step = GoStep { script: "list", args, env: &self.compile_env };
        let list = graph.exec(self.exec(step, mounts), &format!("[gofront] list dependencies ({})", plan.platform));
        graph.locate(&list.digest, ranges(&plan.spans.build));
        list.at(DEPENDENCY_LIST).unwrap_or(Output { digest: list.digest, index: 1 })
    }

    /// Compiles the listed packages with the final build's flags and environment into a build
    /// cache layer. It sees only the module files, the module layer and the list, all keyed by
    /// content, so it re-runs only when the dependency set or the build settings change.
    fn precompile(&self, graph: &mut Graph, module_files: &Output, modules: Option<&Output>, list: &Output) -> Output {
        let plan = self.plan;
        let mut mounts = self.mounts(modules);
        mounts.push(Mount::read_only(SRC, module_files));
        mounts.push(Mount::read_only(DEPENDENCY_LIST, list));
        mounts.push(Mount::writable(DEPENDENCY_CACHE, None));
        let mut args = vec!["go".to_string(), "build".into()];
        args.extend(plan.compile_flags.iter().cloned());
        let step = GoStep { script: "precompile", args, env: &self.compile_env };
        let name = format!("[gofront] compile dependencies ({})", plan.platform);
        let built = graph.exec(self.exec(step, mounts), &name);
        graph.locate(&built.digest, ranges(&plan.spans.build));
        built.at(DEPENDENCY_CACHE).unwrap_or(Output { digest: built.digest, index: 1 })
    }

    /// A Go command over the whole (read-only) context; returns its /out directory.
    fn run(
        &self,
        graph: &mut Graph,
        step: GoStep,
        source: &Output,
        modules: Option<&Output>,
        precompiled: Option<&Output>,
        name: &str,
    ) -> Output {
        let plan = self.plan;
        let mut mounts = self.mounts(modules);
        mounts.push(Mount::read_only(SRC, source));
        mounts.push(Mount::writable(OUT, None));
        if let Some(precompiled) = precompiled {
            mounts.push(Mount::read_only(DEPENDENCY_CACHE, precompiled));
        }
        let step = graph.exec(self.exec(step, mounts), name);
        graph.locate(&step.digest, ranges(&plan.spans.build));
        step.at(OUT).unwrap_or(Output { digest: step.digest, index: 1 })
    }
}

/// The step scripts as a small layer of their own, mounted read-only into every Go step.
fn step_scripts(graph: &mut Graph, timestamp: i64) -> Output {
    let mut files = FileOps::on(None, timestamp);
    for (name, text) in scripts::all() {
        files = files.mkfile(&format!("/{name}"), 0o755, text.as_bytes());
    }
    graph.file(files, "[gofront] step scripts")
}

/// Runs the base's package manager on the base itself, for the target platform.
fn install_packages(
    graph: &mut Graph,
    plan: &BuildPlan,
    base: &ResolvedImage,
    manager: PackageManager,
    root: &Output,
) -> Output {
    let mut env = base.config.env_pairs();
    if !env.iter().any(|(k, _)| k == "PATH") {
        env.push(("PATH".into(), super::DEFAULT_PATH.into()));
    }
    let step = graph.exec(
        Exec {
            args: manager.install(&plan.packages),
            env: render_env(&env),
            cwd: "/".into(),
            user: "0:0".into(),
            network: net_mode(plan.network),
            mounts: vec![Mount::writable("/", Some(root))],
            platform: Some(plan.platform.wire()),
            extra_hosts: plan.extra_hosts.clone(),
            proxy: proxy_env(plan),
        },
        &format!("[gofront] install {} ({})", plan.packages.join(" "), plan.platform),
    );
    step.at("/").unwrap_or(Output { digest: step.digest, index: 0 })
}

/// gofront's minimal root: made with file ops only, identical for every app, so it is cached and shared.
fn scratch_root(graph: &mut Graph, builder: &Output, builder_config: &ImageConfig, timestamp: i64) -> Output {
    let goroot = builder_config
        .env_pairs()
        .into_iter()
        .find(|(k, _)| k == "GOROOT")
        .map_or_else(|| "/usr/local/go".to_string(), |(_, v)| v);
    let passwd = format!(
        "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:{NONROOT}:{NONROOT}:nonroot:/home/nonroot:/sbin/nologin\n"
    );
    let group = format!("root:x:0:\nnonroot:x:{NONROOT}:\n");
    let nonroot = Owner { uid: NONROOT, gid: NONROOT };
    // mkdir masks modes with 0777 and the daemon's umask; a copy sets them exactly, sticky bit included.
    let empty_dir = graph.file(FileOps::on(None, timestamp).mkdir("/d", 0o755, None), "[gofront] empty directory");
    let ops = FileOps::on(None, timestamp)
        .mkdir("/etc/ssl/certs", 0o755, None)
        .mkdir("/usr/share", 0o755, None)
        .mkdir("/home", 0o755, None)
        .mkdir("/home/nonroot", 0o700, Some(nonroot))
        .mkdir(super::APP_DIR, 0o755, None)
        .mkfile("/etc/passwd", 0o644, passwd.as_bytes())
        .mkfile("/etc/group", 0o644, group.as_bytes())
        .copy(&empty_dir, "/d", "/tmp", CopyOptions { mode: Some(0o1777), ..Default::default() })
        .copy(builder, CA_BUNDLE, CA_BUNDLE, CopyOptions { mode: Some(0o644), ..Default::default() })
        .copy(
            builder,
            &format!("{goroot}/lib/time/zoneinfo.zip"),
            ZONEINFO,
            CopyOptions { mode: Some(0o644), ..Default::default() },
        );
    let staged = graph.file(ops, "[gofront] runtime root, staged");
    graph.file(
        settle_on_scratch(&staged, timestamp),
        "[gofront] runtime root: CA certificates, zoneinfo, nonroot user, /tmp",
    )
}

/// The SBOM step: `go version -m` over the compiled binaries (it reads the build info Go embeds,
/// for any platform), on the build platform with no network; returns the directory holding
/// `buildinfo.txt`.
pub fn sbom_step(graph: &mut Graph, plan: &BuildPlan, builder: &Output, binaries: &Output) -> Output {
    let exec = Exec {
        args: vec!["/bin/sh".into(), "-c".into(), format!("go version -m {OUT} >/gofront/sbom/buildinfo.txt")],
        env: render_env(&[("PATH".to_string(), super::GO_PATH.to_string())]),
        cwd: "/".into(),
        network: pb::NetMode::None,
        mounts: vec![
            Mount::writable("/", Some(builder)),
            Mount::read_only(OUT, binaries),
            Mount::writable("/gofront/sbom", None),
        ],
        platform: Some(plan.build_platform.wire()),
        ..Default::default()
    };
    let step = graph.exec(exec, &format!("[gofront] SBOM: go version -m ({})", plan.platform));
    step.at("/gofront/sbom").unwrap_or(Output { digest: step.digest, index: 0 })
}

/// Where the credentials probe writes what it found, one word a line: `netrc`, `ssh`.
pub const CREDENTIALS_FOUND: &str = "found";

/// A step that looks for the credentials the Go steps would get: the optional netrc secret and SSH
/// agent mounts, as the download step has them, in the builder image. Whether the client passed a
/// secret is in no cache key, so the step runs on every build.
pub fn credentials_probe(plan: &BuildPlan, builder: &ResolvedImage, resolve_mode: Option<&str>) -> (Graph, Output) {
    let mut graph = Graph::new();
    let (op, caps) = llb::image_source(&builder.reference, resolve_mode);
    let root =
        graph.source(op, Some(plan.build_platform.wire()), &format!("[gofront] builder {}", builder.reference), &caps);
    let found = format!("/gofront/probe/{CREDENTIALS_FOUND}");
    let script = format!(
        ": >{found}; if [ -s {NETRC_PATH} ]; then echo netrc >>{found}; fi; if [ -S {SSH_AGENT_SOCK} ]; then echo ssh >>{found}; fi"
    );
    let exec = Exec {
        args: vec!["/bin/sh".into(), "-c".into(), script],
        env: render_env(&[("PATH".to_string(), super::DEFAULT_PATH.to_string())]),
        cwd: "/".into(),
        network: pb::NetMode::None,
        mounts: vec![
            // Writable, as for the Go steps: BuildKit creates the mount points in it.
            Mount::writable("/", Some(&root)),
            Mount::Secret { dest: NETRC_PATH.into(), id: NETRC_SECRET.into() },
            Mount::Ssh { dest: SSH_AGENT_SOCK.into(), id: SSH_AGENT_ID.into() },
            Mount::writable("/gofront/probe", None),
        ],
        platform: Some(plan.build_platform.wire()),
        ..Default::default()
    };
    let step = graph.exec(exec, "[gofront] look for private module credentials (netrc secret, SSH agent)");
    graph.always_run(&step.digest);
    let output = step.at("/gofront/probe").unwrap_or(Output { digest: step.digest, index: 1 });
    (graph, output)
}

/// Copies a staged tree onto `base` in one copy. Every directory an action adds to takes the
/// build's clock as its mtime, and a later mkdir cannot reset it; a copy stamps each directory it
/// writes after its contents, so the layer is the same bytes on every build (same
/// SOURCE_DATE_EPOCH, same image digest, cold cache or warm).
fn settle(base: Output, staged: &Output, timestamp: i64) -> FileOps {
    FileOps::on(Some(base), timestamp).copy(staged, "/", "/", CopyOptions { dir_contents: true, ..Default::default() })
}

/// [`settle`] onto an empty filesystem.
fn settle_on_scratch(staged: &Output, timestamp: i64) -> FileOps {
    FileOps::on(None, timestamp).copy(staged, "/", "/", CopyOptions { dir_contents: true, ..Default::default() })
}

fn history_entry(plan: &BuildPlan, what: &str) -> History {
    History {
        created: plan.epoch.map(image::rfc3339),
        created_by: format!("gofront: {what}"),
        comment: "gofront".into(),
        empty_layer: false,
    }
}

fn ranges(spans: &[LineSpan]) -> Vec<pb::Range> {
    let position = |at: LineCol| pb::Position { line: at.line as i32, character: at.column as i32 };
    spans.iter().map(|s| pb::Range { start: Some(position(s.start)), end: Some(position(s.end)) }).collect()
}

fn proxy_env(plan: &BuildPlan) -> Option<pb::ProxyEnv> {
    let p = &plan.proxy;
    (!p.is_empty()).then(|| pb::ProxyEnv {
        http_proxy: p.http.clone(),
        https_proxy: p.https.clone(),
        ftp_proxy: p.ftp.clone(),
        no_proxy: p.no_proxy.clone(),
        all_proxy: p.all.clone(),
    })
}

fn net_mode(network: Network) -> pb::NetMode {
    match network {
        Network::Sandbox => pb::NetMode::Unset,
        Network::Host => pb::NetMode::Host,
        Network::None => pb::NetMode::None,
    }
}
