//! The whole build, step by step: a [`BuildPlan`] written as a [`Program`].
//!
//! ```text
//! module files (go.mod, go.sum, go.work…) ─ go mod download         → module layer
//! context + module layer                  ─ go list -deps           → package list (per platform)
//! module files + module layer + imports   ─ go build <deps>         → build cache layer (per platform)
//! a group's sources + the layers below    ─ go build <own packages> → a cache layer per package group
//! runtime root (scratch + CA + zoneinfo + passwd/group + /tmp, or a base image)
//! context + module layer + cache layers   ─ go build -trimpath …    → /app/<name> on the runtime root
//!    └─ image: that tree (+ files) + image config             (--target binary: → /out)
//! ```
//!
//! The module and build cache layers are ordinary layers: they travel in `--cache-to` exports,
//! so a fresh CI runner gets them from the imported cache. The dependency compile is keyed by
//! the outside packages the binaries import, which the frontend reads from the sources itself
//! (see [`super::imports`]; a file in the definition), or else by the package list's content: a
//! source change that keeps the imports is a cache hit. The module's own packages are compiled
//! in groups cut from the same reading, or from the list (see [`super::groups`]), each keyed by
//! its own sources and those below it, so a fresh runner compiles only the group an edit touches
//! and those above it. The persistent cache mounts (modules, build cache) stay in front of all
//! of this for local incremental speed.

use super::groups::PackageGroup;
use super::{
    scripts, Base, BuildPlan, Delve, LineSpan, Network, APP_DIR, BUILD_CACHE_ID, CA_BUNDLE, DEFAULT_PATH, DELVE_MODULE,
    DELVE_PORT, DEPENDENCY_CACHE, DEPENDENCY_CACHE_SECOND, DEPENDENCY_LIST, GOCACHE, GOMODCACHE, GO_PATH, IMAGE_ROOT,
    MODULE_CACHE_ID, MODULE_PROXY_CACHE, NETRC_PATH, NETRC_SECRET, NONROOT, OUT, OWN_LIST, SEEDS, SRC, SSH_AGENT_ID,
    SSH_AGENT_SOCK, ZONEINFO,
};
use crate::program::{
    ContextView, Env, FileAction, ImageSpec, Mount, MountKind, Op, Output, Program, Run, Side, StepId, Tree, Value,
    MAIN_CONTEXT,
};
use crate::targets::{self, Kind};

/// How `packages` are installed on the base: read from its /etc/os-release by the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    Apt,
    Apk,
    /// Whichever the base has, found by the step itself (a Dockerfile, which cannot look first).
    Either,
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
        let packages = packages.join(" ");
        let apt = format!(
            "set -eu; apt-get update -qq; apt-get install -y -qq --no-install-recommends {packages}; \
             apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin"
        );
        let script = match self {
            PackageManager::Apk => {
                return format!("apk add --no-cache {packages}").split(' ').map(str::to_string).collect()
            }
            PackageManager::Apt => apt,
            PackageManager::Either => {
                format!("if command -v apk >/dev/null; then apk add --no-cache {packages}; else {apt}; fi")
            }
        };
        vec!["/bin/sh".into(), "-c".into(), script]
    }
}

/// The build of a plan: every target's output. `packages` says how the base installs the plan's
/// packages (None when it has none); `found` is what the frontend learnt of the sources for the
/// dependency layers (nothing when the plan has none).
pub fn program(plan: &BuildPlan, packages: Option<PackageManager>, found: &SourceFacts) -> Program {
    let mut steps = Steps::start(plan);
    let outputs = steps.outputs(packages, found);
    let mut program = steps.program;
    program.outputs = outputs;
    program.default_target =
        plan.images.first().map_or_else(|| targets::name(Kind::Image).into(), |i| i.target.clone());
    program
}

/// What the frontend learns of the sources in the middle of a CI build, for the dependency
/// layers: the module's own packages cut into groups (see [`super::groups`]), and the outside
/// packages its binaries import when it read them itself (see [`super::imports`]; otherwise the
/// list step says what to compile).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFacts {
    pub groups: Vec<PackageGroup>,
    pub outside_imports: Option<Vec<String>>,
}

/// A plan being written down: the program so far and the steps every Go step uses.
struct Steps<'a> {
    plan: &'a BuildPlan,
    program: Program,
    builder: StepId,
    context: StepId,
    scripts: StepId,
    module_files: Option<StepId>,
    modules: Option<Tree>,
    /// What the Go steps compile: the context, with generated code when the Gofile asks for it.
    sources: Tree,
}

impl<'a> Steps<'a> {
    /// The builder, the context, the scripts, the module files and the module layer.
    fn start(plan: &'a BuildPlan) -> Steps<'a> {
        let mut program = Program {
            platform: plan.platform.clone(),
            build_platform: plan.build_platform.clone(),
            epoch: plan.epoch,
            ..Default::default()
        };
        let builder = program.add(
            "builder",
            "[gofront] builder",
            Vec::new(),
            Op::Image { reference: plan.builder.reference.clone(), side: Side::Build },
        );
        program.shell = Some(builder);
        let context = program.add(
            "context",
            "[gofront] load build context",
            Vec::new(),
            Op::Context(ContextView {
                name: MAIN_CONTEXT.into(),
                include: Vec::new(),
                shared_key: "context".into(),
                ignore: true,
            }),
        );
        let actions = scripts::all()
            .into_iter()
            .map(|(name, text)| FileAction::Mkfile { path: format!("/{name}"), mode: 0o755, data: text.into_bytes() })
            .collect();
        let scripts = program.add("scripts", "[gofront] step scripts", Vec::new(), Op::Files { base: None, actions });
        let sources = Tree::root(context);
        let mut steps = Steps { plan, program, builder, context, scripts, module_files: None, modules: None, sources };
        if plan.published.is_none() {
            steps.module_files = Some(steps.module_files());
        }
        steps.modules = match (&plan.published, steps.module_files) {
            (Some(published), _) => Some(steps.fetch(&published.reference)),
            (None, Some(files)) if plan.downloads() => Some(steps.download(files)),
            _ => None,
        };
        if !plan.generate.is_empty() {
            steps.sources = steps.generate();
        }
        steps
    }

    /// go.mod, go.sum, go.work… (and a vendor/ tree) alone: what the dependency steps may see, so
    /// that only a change to them re-runs those steps.
    fn module_files(&mut self) -> StepId {
        let plan = self.plan;
        let view = ContextView {
            name: MAIN_CONTEXT.into(),
            include: plan.module_search.patterns(),
            shared_key: plan.module_search.shared_key().into(),
            ignore: plan.module_search.applies_ignore(),
        };
        let source =
            self.program.add("go-mod-files", "[gofront] load go.mod and go.sum", Vec::new(), Op::Context(view));
        let copy = |path: &str| FileAction::Copy {
            from: Tree::root(source),
            src: format!("/{path}").into(),
            dest: format!("/{path}"),
            mode: None,
            owner: None,
            contents: false,
            wildcard: false,
        };
        let mut actions: Vec<FileAction> = plan.module_files.iter().map(|f| copy(f)).collect();
        if let Some(vendor) = &plan.vendor_dir {
            // Only the place to mount vendor/ on (see [`Self::vendor_mount`]): a copy would be a
            // layer that every cache export carries and no fresh runner needs.
            actions.push(FileAction::Mkdir { path: format!("/{vendor}"), mode: 0o755, owner: None });
        }
        self.program.add("module-files", "[gofront] module files", Vec::new(), Op::Files { base: None, actions })
    }

    /// A vendored module's vendor/ straight from the build context, over the (empty) one of the
    /// module files or a group's sources: a selector on the context, so BuildKit keys the step
    /// by the content of vendor/ alone, and no layer holds it.
    fn vendor_mount(&self) -> Option<Mount> {
        let dir = self.plan.vendor_dir.as_ref()?;
        let kind = MountKind::Subtree { from: Tree::root(self.context), path: format!("/{dir}") };
        Some(Mount { dest: format!("{SRC}/{dir}"), kind })
    }

    /// Mounts every Go step has: the persistent caches, the scripts, credentials, the module layer.
    fn mounts(&self, modules: Option<&Tree>) -> Vec<Mount> {
        let mount = |dest: &str, kind: MountKind| Mount { dest: dest.to_string(), kind };
        let mut mounts = vec![
            mount(MODULE_PROXY_CACHE, MountKind::Cache { id: MODULE_CACHE_ID.into() }),
            mount(GOCACHE, MountKind::Cache { id: BUILD_CACHE_ID.into() }),
            mount(scripts::SCRIPTS, MountKind::Input { from: Tree::root(self.scripts), scratch: false }),
            mount("/tmp", MountKind::Tmpfs),
            mount(NETRC_PATH, MountKind::Secret { id: NETRC_SECRET.into() }),
            mount(SSH_AGENT_SOCK, MountKind::Ssh { id: SSH_AGENT_ID.into() }),
        ];
        if let Some(modules) = modules {
            // Writable for Go's lock files; what it writes is thrown away. Keyed by the download
            // step, not by content: every Go step that mounts it also mounts go.mod and go.sum
            // and has the download's environment, so a content key would find no step the
            // download's key misses, and costs a pass over every module file on a fresh runner.
            mounts.push(mount(GOMODCACHE, MountKind::Layer { from: modules.clone(), scratch: true }));
        }
        mounts
    }

    /// A Go command in the builder, run by one of the [`scripts`].
    fn go_run(&self, script: &str, args: Vec<Value>, env: Vec<Env>, mounts: Vec<Mount>) -> Run {
        let plan = self.plan;
        let cwd = match (&plan.published, plan.module_dir.as_str()) {
            (Some(published), _) => published.dir.clone(),
            (None, "") => SRC.to_string(),
            (None, dir) => format!("{SRC}/{dir}"),
        };
        let mut argv: Vec<Value> = scripts::command(script, Vec::new()).into_iter().map(Value::from).collect();
        argv.extend(args);
        Run {
            root: Tree::root(self.builder),
            argv,
            env: plan.go_env.iter().cloned().chain(env).collect(),
            cwd,
            user: String::new(),
            // Kept even with a warm module layer: a module the layer lacks can still be fetched.
            network: plan.go_network(),
            mounts,
            side: Side::Build,
            always: false,
        }
    }

    fn add_run(&mut self, id: &str, name: impl Into<String>, spans: &[LineSpan], run: Run) -> StepId {
        self.program.add(id, name, spans.to_vec(), Op::Run(run))
    }

    /// `go mod download` on the module files alone, into a layer of its own: the module layer.
    fn download(&mut self, module_files: StepId) -> Tree {
        let mut mounts = self.mounts(None);
        mounts.push(Mount {
            dest: SRC.into(),
            kind: MountKind::Input { from: Tree::root(module_files), scratch: false },
        });
        mounts.push(Mount { dest: GOMODCACHE.into(), kind: MountKind::Output });
        // -x shows every fetch from the network; what the module cache already had comes from file://.
        let args = ["go", "mod", "download", "-x"].map(Value::from).into();
        let run = self.go_run("download", args, Vec::new(), mounts);
        let step = self.add_run("modules", "[gofront] go mod download", &self.plan.spans.module.clone(), run);
        Tree::at(step, GOMODCACHE)
    }

    /// A `version` build's module layer: the published module and what its go.mod requires,
    /// fetched and verified with no source from the context.
    fn fetch(&mut self, reference: &str) -> Tree {
        let mut mounts = self.mounts(None);
        mounts.push(Mount { dest: GOMODCACHE.into(), kind: MountKind::Output });
        let args = ["go", "mod", "download", "-x", "-json", reference].map(Value::from).into();
        let mut run = self.go_run("fetch", args, Vec::new(), mounts);
        // Not the module's directory: Go creates it, and must not find it there already.
        run.cwd = "/".into();
        let name = format!("[gofront] go mod download {reference}");
        let step = self.add_run("modules", name, &self.plan.spans.module.clone(), run);
        Tree::at(step, GOMODCACHE)
    }

    /// A Go command over the whole (read-only) context; what it leaves in `output` is its tree.
    /// The Gofile's `generate` commands over a writable copy of the context, with the modules
    /// and the build cache: the sources the Go steps compile. Keyed by the context's content, it
    /// runs again only when the sources change.
    fn generate(&mut self) -> Tree {
        let plan = self.plan;
        let mut mounts = self.mounts(self.modules.as_ref());
        mounts.push(Mount { dest: SRC.into(), kind: MountKind::Edit { from: Tree::root(self.context) } });
        let env = plan.build_env.iter().map(|(k, v)| Env::Set(k.clone(), v.clone().into())).collect();
        let run = self.go_run("generate", plan.generate.iter().map(Value::text).collect(), env, mounts);
        let name = format!("[gofront] generate: {}", plan.generate.join("; "));
        let step = self.add_run("generate", name, &plan.spans.generate.clone(), run);
        Tree::at(step, SRC)
    }

    /// A Go command over the whole (read-only) sources; what it leaves in `output` is its tree.
    fn over_context(
        &mut self,
        id: &str,
        name: String,
        run_of: impl FnOnce(&Self, Vec<Mount>) -> Run,
        output: &str,
        extra: Vec<Mount>,
    ) -> Tree {
        let output = Mount { dest: output.into(), kind: MountKind::Output };
        self.over_context_into(id, name, run_of, output, extra)
    }

    /// [`Self::over_context`] with the output mount given: what the step leaves there is its tree.
    fn over_context_into(
        &mut self,
        id: &str,
        name: String,
        run_of: impl FnOnce(&Self, Vec<Mount>) -> Run,
        output: Mount,
        extra: Vec<Mount>,
    ) -> Tree {
        let mut mounts = self.mounts(self.modules.as_ref());
        mounts.push(Mount { dest: SRC.into(), kind: MountKind::Input { from: self.sources.clone(), scratch: false } });
        let dest = output.dest.clone();
        mounts.push(output);
        mounts.extend(extra);
        let run = run_of(self, mounts);
        let step = self.add_run(id, name, &self.plan.spans.build.clone(), run);
        Tree::at(step, &dest)
    }

    /// Every target's output.
    fn outputs(&mut self, packages: Option<PackageManager>, found: &SourceFacts) -> Vec<Output> {
        let plan = self.plan;
        let platform = plan.platform.clone();
        let precompiled = match self.module_files.filter(|_| plan.dependency_layers) {
            Some(files) => self.precompile(files, found),
            None => Vec::new(),
        };
        let compile_env = plan.compile_env();
        let extra = seed_mounts(&precompiled);
        let name = format!("[gofront] go build {} ({platform})", plan.package());
        let build_name = name.clone();
        let binaries = self.over_context(
            "build",
            name,
            |s, mounts| {
                s.go_run(
                    if plan.published.is_some() { "install" } else { "compile" },
                    plan.build_command(),
                    compile_env.clone(),
                    mounts,
                )
            },
            OUT,
            extra.clone(),
        );
        // The other targets run with the default image's settings; the binaries from the root.
        let default = plan.images.first().map(|i| i.spec.clone()).unwrap_or_default();
        let first = plan.images.first().and_then(|i| i.binaries.first()).map_or("", |(_, name)| name.as_str());
        let bare = ImageSpec { entrypoint: vec![format!("/{first}")], workdir: "/".into(), ..default.clone() };
        let mut outputs = Vec::new();
        for builtin in targets::BUILTIN {
            match builtin.kind {
                Kind::Binary => {
                    let tree = binaries.clone();
                    outputs.push(Output { target: builtin.name.into(), tree, image: bare.clone() });
                }
                // The checks run `go test` and `go vet`, as their targets are named.
                Kind::Test | Kind::Vet if plan.published.is_none() => {
                    let verb = builtin.name;
                    let (args, env) = match builtin.kind {
                        Kind::Test => (plan.test_command(&[]), plan.test_env()),
                        _ => (
                            ["go", verb, "./..."].map(Value::from).into(),
                            plan.build_env.iter().map(|(k, v)| Env::Set(k.clone(), v.clone().into())).collect(),
                        ),
                    };
                    let name = format!("[gofront] {}", args.iter().map(shown).collect::<Vec<_>>().join(" "));
                    let tree = self.over_context(verb, name, |s, m| s.go_run("check", args, env, m), OUT, Vec::new());
                    outputs.push(Output { target: verb.into(), tree, image: default.clone() });
                }
                _ => {}
            }
        }

        let root_owner = Some((0, 0));
        let (root, root_history) = match &plan.base {
            Base::Image(choice) => {
                let base = self.program.add(
                    "base",
                    "[gofront] base",
                    Vec::new(),
                    Op::Image { reference: choice.reference.clone(), side: Side::Target },
                );
                match packages.filter(|_| !plan.packages.is_empty()) {
                    Some(manager) => {
                        (self.install(base, manager), vec![format!("install {}", plan.packages.join(" "))])
                    }
                    None => (Tree::root(base), Vec::new()),
                }
            }
            Base::Scratch => {
                (self.scratch_root(), vec!["runtime root: CA certificates, zoneinfo, passwd/group, /tmp".to_string()])
            }
        };
        for image in &plan.images {
            let target = image.target.as_str();
            let entrypoint = image.spec.entrypoint.first().cloned().unwrap_or_default();
            let id = format!("{target}-with-binaries");
            let name = format!("[gofront] image {entrypoint} ({platform})");
            let names: Vec<&str> = image.binaries.iter().map(|(_, n)| n.as_str()).collect();
            let mut tree = if plan.published.is_none() && takes_every_binary_as_built(plan, &image.binaries) {
                // The compile writes the binaries into /app on the runtime root itself, so its
                // output is the image's layer. Every copy of the binaries is a result that
                // `--cache-to` compresses and uploads: this way there is one. (`--target
                // binary` has a compile of its own, the same command into /out.)
                let app = format!("{IMAGE_ROOT}{APP_DIR}");
                let mut env = compile_env.clone();
                env.extend([
                    Env::Set("GOFRONT_APP".into(), app.clone().into()),
                    Env::Set("GOFRONT_BINARIES".into(), names.join("\n").into()),
                    Env::Set("GOFRONT_EPOCH".into(), plan.epoch.unwrap_or(0).to_string().into()),
                ]);
                let output = Mount { dest: IMAGE_ROOT.into(), kind: MountKind::Onto { base: root.clone() } };
                self.over_context_into(
                    &format!("{target}-build"),
                    build_name.clone(),
                    |s, mounts| s.go_run("compile-into", plan.build_command_into(&app), env, mounts),
                    output,
                    extra.clone(),
                )
            } else {
                let actions = image
                    .binaries
                    .iter()
                    .map(|(file, name)| FileAction::Copy {
                        from: binaries.clone(),
                        src: format!("/{file}").into(),
                        dest: format!("{APP_DIR}/{name}"),
                        mode: Some(0o755),
                        owner: root_owner,
                        contents: false,
                        wildcard: false,
                    })
                    .collect();
                let staged = self.program.add(
                    &format!("{target}-binaries"),
                    "[gofront] binaries, staged",
                    Vec::new(),
                    Op::Files { base: None, actions },
                );
                self.settle(&id, name, Some(&root), staged)
            };
            let mut history = root_history.clone();
            history.push(format!("COPY {} into {APP_DIR} (go build)", names.join(", ")));
            if !image.files.is_empty() {
                let actions = image
                    .files
                    .iter()
                    .map(|file| FileAction::Copy {
                        from: Tree::root(self.context),
                        src: format!("/{}", file.from.trim_start_matches("./")).into(),
                        dest: file.to.clone(),
                        mode: None,
                        owner: root_owner,
                        contents: true,
                        wildcard: true,
                    })
                    .collect();
                let staged = self.program.add(
                    &format!("{target}-files"),
                    "[gofront] files, staged",
                    Vec::new(),
                    Op::Files { base: None, actions },
                );
                history.push("COPY files".into());
                tree = self.settle(&format!("{target}-with-files"), "[gofront] copy files".into(), Some(&tree), staged);
            }
            let spec = ImageSpec { history, ..image.spec.clone() };
            outputs.push(Output { target: target.to_string(), tree, image: spec });
        }
        // Printed after the images, so their steps keep their place in every program.
        if plan.published.is_none() {
            outputs.push(self.debug_image(root, root_history));
            outputs.push(self.test_report());
        }
        outputs
    }

    /// `--target debug`: every binary built for a debugger, and `dlv`, on the default image's
    /// root, with Delve running the entrypoint binary headless on [`DELVE_PORT`].
    fn debug_image(&mut self, root: Tree, root_history: Vec<String>) -> Output {
        let plan = self.plan;
        let name = format!("[gofront] go build -gcflags=all=-N -l {} ({})", plan.package(), plan.platform);
        let binaries = self.over_context(
            "debug-build",
            name,
            |s, mounts| s.go_run("compile", plan.debug_command(), plan.compile_env(), mounts),
            OUT,
            Vec::new(),
        );
        let (dlv, dlv_path) = self.delve();
        let copy = |from: Tree, src: String, dest: String| FileAction::Copy {
            from,
            src: src.into(),
            dest,
            mode: Some(0o755),
            owner: Some((0, 0)),
            contents: false,
            wildcard: false,
        };
        // Every binary, under each name an image gives it: the debugger can run any of them.
        let mut names: Vec<(&str, &str)> = Vec::new();
        for (file, name) in plan.images.iter().flat_map(|i| i.binaries.iter()) {
            if !names.iter().any(|(_, n)| n == name) {
                names.push((file, name));
            }
        }
        let mut actions: Vec<FileAction> = names
            .iter()
            .map(|(file, name)| copy(binaries.clone(), format!("/{file}"), format!("{APP_DIR}/{name}")))
            .collect();
        actions.push(copy(dlv, dlv_path, format!("{APP_DIR}/dlv")));
        let staged = self.program.add(
            "debug-binaries",
            "[gofront] debug binaries and dlv, staged",
            Vec::new(),
            Op::Files { base: None, actions },
        );
        let entrypoint = plan.entrypoint();
        let name = format!("[gofront] debug image {APP_DIR}/{entrypoint} under dlv ({})", plan.platform);
        let tree = self.settle("debug-image", name, Some(&root), staged);

        let default = plan.images.first().map(|i| i.spec.clone()).unwrap_or_default();
        let mut history = root_history;
        history.push(format!("COPY {} and dlv into {APP_DIR} (debug build)", entrypoint));
        let mut ports = default.ports.clone();
        ports.push(format!("{DELVE_PORT}/tcp"));
        let image =
            ImageSpec { entrypoint: delve_entrypoint(&format!("{APP_DIR}/{entrypoint}")), ports, history, ..default };
        Output { target: targets::name(Kind::Debug).into(), tree, image }
    }

    /// The `dlv` binary: a tree and its path there.
    fn delve(&mut self) -> (Tree, String) {
        let plan = self.plan;
        match &plan.delve {
            Delve::Install(version) => {
                let mut mounts = self.mounts(None);
                mounts.push(Mount { dest: OUT.into(), kind: MountKind::Output });
                let package = format!("{DELVE_MODULE}/cmd/dlv@{version}");
                let args = ["go", "install", "-trimpath", "-ldflags=-s -w", &package].map(Value::from).into();
                // Static, for any base, scratch included; outside the module, with no flags of its.
                let env = vec![
                    Env::TargetPlatform,
                    Env::Set("CGO_ENABLED".into(), "0".into()),
                    Env::Set("GOFLAGS".into(), "".into()),
                ];
                let mut run = self.go_run("install", args, env, mounts);
                run.cwd = "/".into();
                run.network = plan.network;
                let name = format!("[gofront] go install {package} ({})", plan.platform);
                let step = self.add_run("dlv", name, &[], run);
                (Tree::at(step, OUT), "/dlv".into())
            }
            Delve::Local(name) => {
                let view = ContextView {
                    name: name.clone(),
                    include: vec!["dlv".into()],
                    shared_key: "gofront-dlv".into(),
                    ignore: false,
                };
                let step = self.program.add(
                    "dlv",
                    "[gofront] load dlv from the build context `dlv`",
                    Vec::new(),
                    Op::Context(view),
                );
                (Tree::root(step), "/dlv".into())
            }
            Delve::Image(choice) => {
                let image = Op::Image { reference: choice.reference.clone(), side: Side::Target };
                let step = self.program.add("dlv", "[gofront] dlv from", Vec::new(), image);
                (Tree::root(step), "/dlv".into())
            }
        }
    }

    /// `--target test-report`: `go test -json` with coverage, then the reports (see
    /// [`scripts::report`]); the step succeeds when tests fail, and `status` holds the exit code.
    fn test_report(&mut self) -> Output {
        let plan = self.plan;
        let report = format!("-coverprofile={OUT}/coverage.out");
        let command = plan.test_command(&["-json", &report, "-coverpkg=./..."]);
        let tools = scripts::report_tools()
            .into_iter()
            .map(|(name, text)| FileAction::Mkfile { path: format!("/{name}"), mode: 0o755, data: text.into_bytes() })
            .collect();
        let tools = self.program.add(
            "report-tools",
            "[gofront] test report tools",
            Vec::new(),
            Op::Files { base: None, actions: tools },
        );
        let extra = vec![Mount {
            dest: scripts::REPORT_TOOLS.into(),
            kind: MountKind::Input { from: Tree::root(tools), scratch: false },
        }];
        let name = format!("[gofront] {} (reports)", command.iter().map(shown).collect::<Vec<_>>().join(" "));
        let tree = self.over_context(
            "test-report",
            name,
            |s, mounts| {
                let mut run = s.go_run("check", Vec::new(), plan.test_env(), mounts);
                run.argv = scripts::report_command().into_iter().map(Value::from).chain(command).collect();
                run
            },
            OUT,
            extra,
        );
        let default = plan.images.first().map(|i| i.spec.clone()).unwrap_or_default();
        Output { target: targets::name(Kind::TestReport).into(), tree, image: default }
    }

    /// `go list -deps` of the binaries for the target platform, into two outputs: the packages
    /// from outside the main module(s) ([`DEPENDENCY_LIST`]) and the module's own ([`OWN_LIST`]).
    fn list(&mut self) -> (Tree, Tree) {
        let plan = self.plan;
        let args = list_deps(plan, scripts::LIST_TEMPLATE);
        let env = plan.compile_env();
        let name = format!("[gofront] list dependencies ({})", plan.platform);
        let own = vec![Mount { dest: OWN_LIST.into(), kind: MountKind::Output }];
        let deps = self.over_context(
            "dependencies",
            name,
            |s, m| s.go_run("list-packages", args, env, m),
            DEPENDENCY_LIST,
            own,
        );
        let own = Tree::at(deps.step, OWN_LIST);
        (deps, own)
    }

    /// What the dependency compile builds: the outside packages the sources import, when the
    /// frontend read them (a file of its own, keyed by its content), else the list step's list.
    fn dependency_packages(&mut self, outside_imports: Option<&[String]>) -> Tree {
        let Some(imports) = outside_imports else {
            return self.list().0;
        };
        let data: String = imports.iter().map(|import| format!("{import}\n")).collect();
        let action = FileAction::Mkfile { path: "/packages".into(), mode: 0o644, data: data.into_bytes() };
        let name = format!("[gofront] packages imported from outside the module ({})", self.plan.platform);
        Tree::root(self.program.add(
            "outside-imports",
            name,
            Vec::new(),
            Op::Files { base: None, actions: vec![action] },
        ))
    }

    /// `go build` with the final build's flags: the dependency and group compiles' command.
    fn compile_command(&self) -> Vec<Value> {
        let mut args: Vec<Value> = vec!["go".into(), "build".into()];
        args.extend(self.plan.compile_flags.iter().map(Value::text));
        args
    }

    /// The packages the binaries import from outside the main module(s), compiled with the final
    /// build's flags and environment into two build cache layers, by name. The step sees only
    /// the module files, the module layer (or vendor/) and the package list, all keyed by
    /// content, so it re-runs only when the dependency set or the build settings change.
    fn compiled_dependencies(
        &mut self,
        module_files: StepId,
        outside_imports: Option<&[String]>,
    ) -> Vec<(String, Tree)> {
        let plan = self.plan;
        let packages = self.dependency_packages(outside_imports);
        let mut mounts = self.mounts(self.modules.as_ref());
        let input = |from: Tree| MountKind::Input { from, scratch: false };
        mounts.push(Mount { dest: SRC.into(), kind: input(Tree::root(module_files)) });
        mounts.extend(self.vendor_mount());
        mounts.push(Mount { dest: DEPENDENCY_LIST.into(), kind: input(packages) });
        mounts.push(Mount { dest: DEPENDENCY_CACHE.into(), kind: MountKind::Output });
        mounts.push(Mount { dest: DEPENDENCY_CACHE_SECOND.into(), kind: MountKind::Output });
        let run = self.go_run("precompile", self.compile_command(), plan.compile_env(), mounts);
        let name = format!("[gofront] compile dependencies ({})", plan.platform);
        let step = self.add_run("precompiled", name, &plan.spans.build.clone(), run);
        vec![
            ("dependencies".to_string(), Tree::at(step, DEPENDENCY_CACHE)),
            ("dependencies-2".to_string(), Tree::at(step, DEPENDENCY_CACHE_SECOND)),
        ]
    }

    /// The compiled dependencies (see [`Self::compiled_dependencies`]), then each group of the
    /// module's own packages over them: the layers the compile is seeded with, by name.
    fn precompile(&mut self, module_files: StepId, found: &SourceFacts) -> Vec<(String, Tree)> {
        let plan = self.plan;
        let groups = &found.groups;
        let dependencies = self.compiled_dependencies(module_files, found.outside_imports.as_deref());
        let args = self.compile_command();
        let input = |from: Tree| MountKind::Input { from, scratch: false };
        let mut compiled_groups: Vec<(String, Tree)> = Vec::new();
        // Each group's sources go on top of those below it: a layer holds one group's files, and
        // its key the content of them and of everything below. The lowest starts from the module
        // files and an empty vendor/ to mount the context's onto: the layers hold no vendor/, so
        // a fresh runner pulls none of it to build a group.
        let copy = |from: &Tree, file: &str| FileAction::Copy {
            from: from.clone(),
            src: format!("/{file}").into(),
            dest: format!("/{file}"),
            mode: None,
            owner: None,
            contents: false,
            // A file that is not there (a name the list could not print plainly) is skipped,
            // not the build's failure: the group then fails to compile, softly.
            wildcard: true,
        };
        let context = Tree::root(self.context);
        let mut base_actions: Vec<FileAction> = plan.module_files.iter().map(|f| copy(&context, f)).collect();
        if let Some(vendor) = &plan.vendor_dir {
            base_actions.push(FileAction::Mkdir { path: format!("/{vendor}"), mode: 0o755, owner: None });
        }
        let mut below: Option<Tree> = None;
        for (k, group) in groups.iter().enumerate() {
            let number = k + 1;
            let mut actions = if below.is_none() { std::mem::take(&mut base_actions) } else { Vec::new() };
            actions.extend(group.files.iter().map(|file| copy(&self.sources, file)));
            let sources = self.program.add(
                &format!("group-{number}-sources"),
                format!("[gofront] sources of package group {number}"),
                Vec::new(),
                Op::Files { base: below.take(), actions },
            );
            below = Some(Tree::root(sources));
            let mut mounts = self.mounts(self.modules.as_ref());
            mounts.push(Mount { dest: SRC.into(), kind: input(Tree::root(sources)) });
            mounts.extend(self.vendor_mount());
            let seeds: Vec<(String, Tree)> = dependencies.iter().chain(&compiled_groups).cloned().collect();
            mounts.extend(seed_mounts(&seeds));
            mounts.push(Mount { dest: DEPENDENCY_CACHE.into(), kind: MountKind::Output });
            let mut env = plan.compile_env();
            env.push(Env::Set("GOFRONT_PACKAGES".into(), group.packages.join(" ").into()));
            let run = self.go_run("compile-group", args.clone(), env, mounts);
            let first = group.packages.first().map_or("", String::as_str);
            let more = match group.packages.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            let name =
                format!("[gofront] compile package group {number}/{}: {first}{more} ({})", groups.len(), plan.platform);
            let step = self.add_run(&format!("group-{number}"), name, &plan.spans.build.clone(), run);
            compiled_groups.push((format!("group-{number}"), Tree::at(step, DEPENDENCY_CACHE)));
        }
        // No merge of the two dependency layers (which once made a cache export compress them side
        // by side): on a fresh runner nothing loads a merge, and its record, which shares the
        // second layer's blob, fell out of the re-exported cache within a few runs and took that
        // layer with it, so consecutive CI runs compiled the dependencies again every few runs.
        dependencies.into_iter().chain(compiled_groups).collect()
    }

    /// Runs the base's package manager on the base itself, for the target platform.
    fn install(&mut self, base: StepId, manager: PackageManager) -> Tree {
        let plan = self.plan;
        let run = Run {
            root: Tree::root(base),
            argv: manager.install(&plan.packages).into_iter().map(Value::from).collect(),
            env: vec![Env::Set("PATH".into(), Value::ImageEnv { name: "PATH".into(), fallback: DEFAULT_PATH.into() })],
            cwd: "/".into(),
            user: "0:0".into(),
            network: plan.network,
            mounts: Vec::new(),
            side: Side::Target,
            always: false,
        };
        let name = format!("[gofront] install {} ({})", plan.packages.join(" "), plan.platform);
        Tree::root(self.add_run("packages", name, &[], run))
    }

    /// gofront's minimal root: made with file ops only, identical for every app, so it is cached and shared.
    fn scratch_root(&mut self) -> Tree {
        let passwd = format!(
            "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:{NONROOT}:{NONROOT}:nonroot:/home/nonroot:/sbin/nologin\n"
        );
        let group = format!("root:x:0:\nnonroot:x:{NONROOT}:\n");
        let mkdir =
            |path: &str, mode: i32, owner: Option<(u32, u32)>| FileAction::Mkdir { path: path.into(), mode, owner };
        // mkdir masks modes with 0777 and the daemon's umask; a copy sets them exactly, sticky bit included.
        let empty = self.program.add(
            "empty-dir",
            "[gofront] empty directory",
            Vec::new(),
            Op::Files { base: None, actions: vec![mkdir("/d", 0o755, None)] },
        );
        let copy = |from: StepId, src: Value, dest: &str, mode: i32| FileAction::Copy {
            from: Tree::root(from),
            src,
            dest: dest.into(),
            mode: Some(mode),
            owner: None,
            contents: false,
            wildcard: false,
        };
        let zoneinfo = Value::Concat(vec![
            Value::ImageEnv { name: "GOROOT".into(), fallback: "/usr/local/go".into() },
            "/lib/time/zoneinfo.zip".into(),
        ]);
        let actions = vec![
            mkdir("/etc/ssl/certs", 0o755, None),
            mkdir("/usr/share", 0o755, None),
            mkdir("/home", 0o755, None),
            mkdir("/home/nonroot", 0o700, Some((NONROOT, NONROOT))),
            mkdir(APP_DIR, 0o755, None),
            FileAction::Mkfile { path: "/etc/passwd".into(), mode: 0o644, data: passwd.into_bytes() },
            FileAction::Mkfile { path: "/etc/group".into(), mode: 0o644, data: group.into_bytes() },
            copy(empty, "/d".into(), "/tmp", 0o1777),
            copy(self.builder, CA_BUNDLE.into(), CA_BUNDLE, 0o644),
            copy(self.builder, zoneinfo, ZONEINFO, 0o644),
        ];
        let staged = self.program.add(
            "runtime-root-files",
            "[gofront] runtime root, staged",
            Vec::new(),
            Op::Files { base: None, actions },
        );
        let name = "[gofront] runtime root: CA certificates, zoneinfo, nonroot user, /tmp";
        self.settle("runtime-root", name.into(), None, staged)
    }

    /// Copies a staged tree onto `base` in one copy. Every directory an action adds to takes the
    /// build's clock as its mtime, and a later mkdir cannot reset it; a copy stamps each directory
    /// it writes after its contents, so the layer is the same bytes on every build (same
    /// SOURCE_DATE_EPOCH, same image digest, cold cache or warm). No base: onto scratch.
    fn settle(&mut self, id: &str, name: String, base: Option<&Tree>, staged: StepId) -> Tree {
        let base = base.cloned();
        let copy = FileAction::Copy {
            from: Tree::root(staged),
            src: "/".into(),
            dest: "/".into(),
            mode: None,
            owner: None,
            contents: true,
            wildcard: false,
        };
        Tree::root(self.program.add(id, name, Vec::new(), Op::Files { base, actions: vec![copy] }))
    }
}

/// Whether an image's binaries are exactly what the compile writes to [`OUT`], under the same
/// names (the usual case: one `main`, one image).
fn takes_every_binary_as_built(plan: &BuildPlan, binaries: &[(String, String)]) -> bool {
    binaries.len() == plan.binaries.len()
        && binaries.iter().all(|(file, name)| file == name && plan.binaries.iter().any(|b| &b.file == file))
}

/// `go list -e -deps -f TEMPLATE` over the binaries' packages, with the final build's flags.
fn list_deps(plan: &BuildPlan, template: &str) -> Vec<Value> {
    let mut args: Vec<Value> = ["go", "list", "-e", "-deps", "-f", template].map(Value::from).into();
    args.extend(plan.compile_flags.iter().map(Value::text));
    args.extend(plan.binaries.iter().map(|b| Value::text(&b.package)));
    args
}

/// Read-only mounts of layers of compiled packages under [`SEEDS`], where the compile scripts
/// look for them. Keyed by the steps that made them: a layer's entries change only with its
/// step's key (Go names them by their inputs), and a key by content would make BuildKit hash
/// every file of them (hundreds of MB on a fresh runner) before it could look the step up.
fn seed_mounts(seeds: &[(String, Tree)]) -> Vec<Mount> {
    seeds
        .iter()
        .map(|(name, from)| Mount {
            dest: format!("{SEEDS}/{name}"),
            kind: MountKind::Layer { from: from.clone(), scratch: false },
        })
        .collect()
}

/// The module's own packages as the dependency list finds them for `plan` (the file `packages`
/// of the returned tree): the program that lists them, the same steps as in [`program`], so the
/// build that follows finds them done.
pub fn own_packages(plan: &BuildPlan) -> (Program, Tree) {
    let mut steps = Steps::start(plan);
    let (_, own) = steps.list();
    (steps.program, own)
}

/// The debug image's entrypoint: Delve runs `binary` headless for any number of clients and lets
/// it run until one stops it; the image's arguments follow `--`.
pub fn delve_entrypoint(binary: &str) -> Vec<String> {
    let listen = format!("--listen=:{DELVE_PORT}");
    let words = ["exec", binary, "--headless", &listen, "--api-version=2", "--accept-multiclient", "--continue", "--"];
    std::iter::once(format!("{APP_DIR}/dlv")).chain(words.iter().map(|w| w.to_string())).collect()
}

/// A command word for a progress name (build args by name).
fn shown(value: &Value) -> String {
    match value {
        Value::Literal(text) => text.clone(),
        Value::Arg { name, .. } => format!("${name}"),
        Value::ImageEnv { name, .. } => format!("${name}"),
        Value::Concat(parts) => parts.iter().map(shown).collect(),
        Value::Field(inner) => shown(inner),
    }
}

/// The SBOM step: `go version -m` over an image's /app, where its binaries are (it reads the
/// build info Go embeds, for any platform), on the build platform with no network; returns the
/// directory holding `buildinfo.txt`.
pub fn sbom(program: &mut Program, image: &Tree) -> Option<Tree> {
    let builder = program.shell?;
    let run = Run {
        root: Tree::root(builder),
        argv: ["/bin/sh", "-c", &format!("go version -m {OUT} >/gofront/sbom/buildinfo.txt")].map(Value::from).into(),
        env: vec![Env::Set("PATH".into(), GO_PATH.into())],
        cwd: "/".into(),
        user: String::new(),
        network: Network::None,
        mounts: vec![
            Mount { dest: OUT.into(), kind: MountKind::Subtree { from: image.clone(), path: APP_DIR.into() } },
            Mount { dest: "/gofront/sbom".into(), kind: MountKind::Output },
        ],
        side: Side::Build,
        always: false,
    };
    let name = format!("[gofront] SBOM: go version -m ({})", program.platform);
    let step = program.add("sbom", name, Vec::new(), Op::Run(run));
    Some(Tree::at(step, "/gofront/sbom"))
}

/// What the cgo survey lists, a line per package, sorted (its output holds the file `packages`):
/// `import/path<TAB>module/path<TAB>a.go,b.go` for every package outside the standard library
/// with cgo files.
const CGO_TEMPLATE: &str =
    "{{if and (not .Standard) .CgoFiles}}{{.ImportPath}}\t{{with .Module}}{{.Path}}{{end}}\t{{join .CgoFiles \",\"}}{{end}}";

/// `--check`'s deeper look for a build with cgo off: the packages the binaries import that have
/// cgo files, listed as a cgo build of the target platform would see them. It needs the module
/// layer, so normal builds do not run it.
pub fn cgo_survey(plan: &BuildPlan) -> (Program, Tree) {
    let mut steps = Steps::start(plan);
    let args = list_deps(plan, CGO_TEMPLATE);
    let mut env = plan.compile_env();
    env.push(Env::Set("CGO_ENABLED".into(), "1".into()));
    let name = format!("[gofront] list packages with cgo files ({})", plan.platform);
    let tree =
        steps.over_context("cgo-survey", name, |s, m| s.go_run("list", args, env, m), DEPENDENCY_LIST, Vec::new());
    (steps.program, tree)
}

/// Where the credentials probe writes what it found, one word a line: `netrc`, `ssh`.
pub const CREDENTIALS_FOUND: &str = "found";

/// A step that looks for the credentials the Go steps would get: the optional netrc secret and SSH
/// agent mounts, as the download step has them, in the builder image. Whether the client passed a
/// secret is in no cache key, so the step runs on every build.
pub fn credentials_probe(plan: &BuildPlan) -> (Program, Tree) {
    let mut program =
        Program { platform: plan.platform.clone(), build_platform: plan.build_platform.clone(), ..Default::default() };
    let builder = program.add(
        "builder",
        "[gofront] builder",
        Vec::new(),
        Op::Image { reference: plan.builder.reference.clone(), side: Side::Build },
    );
    let found = format!("/gofront/probe/{CREDENTIALS_FOUND}");
    let script = format!(
        ": >{found}; if [ -s {NETRC_PATH} ]; then echo netrc >>{found}; fi; if [ -S {SSH_AGENT_SOCK} ]; then echo ssh >>{found}; fi"
    );
    let run = Run {
        root: Tree::root(builder),
        argv: vec!["/bin/sh".into(), "-c".into(), script.into()],
        env: vec![Env::Set("PATH".into(), DEFAULT_PATH.into())],
        cwd: "/".into(),
        user: String::new(),
        network: Network::None,
        mounts: vec![
            Mount { dest: NETRC_PATH.into(), kind: MountKind::Secret { id: NETRC_SECRET.into() } },
            Mount { dest: SSH_AGENT_SOCK.into(), kind: MountKind::Ssh { id: SSH_AGENT_ID.into() } },
            Mount { dest: "/gofront/probe".into(), kind: MountKind::Output },
        ],
        side: Side::Build,
        always: true,
    };
    let step = program.add(
        "credentials",
        "[gofront] look for private module credentials (netrc secret, SSH agent)",
        Vec::new(),
        Op::Run(run),
    );
    (program, Tree::at(step, "/gofront/probe"))
}
