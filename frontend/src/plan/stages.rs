//! The whole build as LLB: dependency stage, compile stage, runtime root, final image.
//!
//! ```text
//! context (go.mod, go.sum only) ─ deps: go mod download        [GOMODCACHE]
//! context (whole, read-only)    ─ build: go build -trimpath …  [GOMODCACHE, GOCACHE] → /out
//! runtime root (scratch + CA + zoneinfo + passwd/group + /tmp, or a base image)
//!    └─ image: root + /app/<name> (+ files) + image config
//! ```

use std::collections::BTreeMap;

use super::{Base, BuildPlan, LineSpan, Network, CA_BUNDLE, GOCACHE, GOMODCACHE, NONROOT, OUT, SRC, ZONEINFO};
use crate::gofile::span::LineCol;
use crate::image::{self, History, ImageConfig};
use crate::llb::{self, CopyOptions, Exec, FileOps, Graph, Local, Mount, Output, Owner};
use crate::proto::pb;

/// Where the dependency stage leaves its (empty) marker; the compile step mounts it so it runs after.
const DEPS_DONE: &str = "/gofront/deps";

/// An image after the gateway resolved it: pinned reference and its config.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    pub reference: String,
    pub config: ImageConfig,
}

/// How to reach the client's build context.
#[derive(Debug, Clone, Default)]
pub struct ContextSource {
    pub session: String,
    /// .dockerignore patterns.
    pub excludes: Vec<String>,
    pub resolve_mode: Option<String>,
}

/// The small transfer gofront reads module metadata from: go.mod, go.sum, .dockerignore.
pub fn module_files_source(session: &str, module_dir: &str) -> Local {
    let at = |file: &str| {
        if module_dir.is_empty() {
            file.to_string()
        } else {
            format!("{module_dir}/{file}")
        }
    };
    Local {
        name: "context".into(),
        session: session.into(),
        shared_key: "gofront-module-files".into(),
        include: vec![at("go.mod"), at("go.sum"), at("vendor/modules.txt"), ".dockerignore".into()],
        differ_none: false,
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

    let (op, caps) = llb::image_source(&builder.reference, resolve_mode);
    let builder_root =
        graph.source(op, Some(plan.build_platform.wire()), &format!("[gofront] builder {}", builder.reference), &caps);

    let (op, caps) = context_source(context).into_op();
    let source = graph.source(op, None, "[gofront] load build context", &caps);

    let module_root = if plan.module_dir.is_empty() { SRC.to_string() } else { format!("{SRC}/{}", plan.module_dir) };
    let builder_env = merge_env(&builder.config.env_pairs(), &plan.go_env);

    let deps_done = plan.download.then(|| {
        let (op, caps) = module_files_source(&context.session, &plan.module_dir).into_op();
        let module_files = graph.source(op, None, "[gofront] load go.mod and go.sum", &caps);
        let mut files = FileOps::on(None, timestamp);
        for file in &plan.module_files {
            let from =
                if plan.module_dir.is_empty() { format!("/{file}") } else { format!("/{}/{file}", plan.module_dir) };
            files = files.copy(&module_files, &from, &format!("/{file}"), CopyOptions::default());
        }
        let module_only = graph.file(files, "[gofront] module files");
        let deps = graph.exec(
            Exec {
                args: vec!["go".into(), "mod".into(), "download".into()],
                env: render_env(&builder_env),
                cwd: SRC.into(),
                network: net_mode(plan.network),
                mounts: vec![
                    // Root needs an output: BuildKit mounts a no-output root read-only and cannot create the cwd.
                    Mount::Bind {
                        dest: "/".into(),
                        from: Some(builder_root.clone()),
                        selector: String::new(),
                        readonly: false,
                        output: true,
                    },
                    Mount::Bind {
                        dest: SRC.into(),
                        from: Some(module_only),
                        selector: String::new(),
                        readonly: true,
                        output: false,
                    },
                    Mount::Bind {
                        dest: DEPS_DONE.into(),
                        from: None,
                        selector: String::new(),
                        readonly: false,
                        output: true,
                    },
                    Mount::Cache { dest: GOMODCACHE.into(), id: plan.cache_ids.modules.clone() },
                    Mount::Tmpfs { dest: "/tmp".into() },
                ],
                platform: Some(plan.build_platform.wire()),
                ..Default::default()
            },
            "[gofront] go mod download",
        );
        graph.locate(&deps.digest, ranges(&plan.spans.module));
        deps.at(DEPS_DONE)
    });

    let mut mounts = vec![
        // Root needs an output: BuildKit mounts a no-output root read-only and cannot create the cwd.
        Mount::Bind {
            dest: "/".into(),
            from: Some(builder_root.clone()),
            selector: String::new(),
            readonly: false,
            output: true,
        },
        Mount::Bind {
            dest: SRC.into(),
            from: Some(source.clone()),
            selector: String::new(),
            readonly: true,
            output: false,
        },
        Mount::Bind { dest: OUT.into(), from: None, selector: String::new(), readonly: false, output: true },
        Mount::Cache { dest: GOMODCACHE.into(), id: plan.cache_ids.modules.clone() },
        Mount::Cache { dest: GOCACHE.into(), id: plan.cache_ids.build.clone() },
        Mount::Tmpfs { dest: "/tmp".into() },
    ];
    if let Some(Some(done)) = &deps_done {
        mounts.push(Mount::Bind {
            dest: DEPS_DONE.into(),
            from: Some(done.clone()),
            selector: String::new(),
            readonly: true,
            output: false,
        });
    }
    let compile = graph.exec(
        Exec {
            args: plan.build_command.clone(),
            env: render_env(&merge_env(&builder_env, &plan.compile_env)),
            cwd: module_root,
            // Kept even with a warm deps step: BuildKit's GC may have pruned the module cache.
            network: net_mode(plan.network),
            mounts,
            platform: Some(plan.build_platform.wire()),
            ..Default::default()
        },
        &format!("[gofront] go build {} ({})", plan.package, plan.platform),
    );
    graph.locate(&compile.digest, ranges(&plan.spans.build));
    let binary = compile.at(OUT).unwrap_or(Output { digest: compile.digest.clone(), index: 0 });

    let (root, mut history) = match (&plan.base, base) {
        (Base::Image(_), Some(base)) => {
            let (op, caps) = llb::image_source(&base.reference, resolve_mode);
            let root = graph.source(
                op,
                Some(plan.platform.wire()),
                &format!("[gofront] base {} ({})", base.reference, plan.platform),
                &caps,
            );
            (root, base.config.history.clone())
        }
        _ => {
            let root = scratch_root(&mut graph, &builder_root, &builder.config, timestamp);
            let entry = history_entry(plan, "runtime root: CA certificates, zoneinfo, passwd/group, /tmp", false);
            (root, vec![entry])
        }
    };

    let mut image = FileOps::on(Some(root), timestamp).copy(
        &binary,
        &format!("/{}", plan.binary),
        &plan.runtime.entrypoint[0],
        CopyOptions { owner: Some(Owner { uid: 0, gid: 0 }), mode: Some(0o755), ..Default::default() },
    );
    history.push(history_entry(
        plan,
        &format!("COPY {} (go build {})", plan.runtime.entrypoint[0], plan.package),
        false,
    ));
    let mut result =
        graph.file(image.clone(), &format!("[gofront] image {} ({})", plan.runtime.entrypoint[0], plan.platform));

    if !plan.runtime.files.is_empty() {
        image = FileOps::on(Some(result), timestamp);
        for file in &plan.runtime.files {
            image = image.copy(
                &source,
                &format!("/{}", file.from.trim_start_matches("./")),
                &file.to,
                CopyOptions {
                    owner: Some(Owner { uid: 0, gid: 0 }),
                    dir_contents: true,
                    wildcard: true,
                    ..Default::default()
                },
            );
        }
        history.push(history_entry(plan, "COPY files", false));
        result = graph.file(image, "[gofront] copy files");
    }

    let config = image_config(plan, base.map(|b| &b.config), history);
    Emitted { graph, result, config }
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
    graph.file(ops, "[gofront] runtime root: CA certificates, zoneinfo, nonroot user, /tmp")
}

fn history_entry(plan: &BuildPlan, what: &str, empty: bool) -> History {
    History {
        created: plan.epoch.map(image::rfc3339),
        created_by: format!("gofront: {what}"),
        comment: "gofront".into(),
        empty_layer: empty,
    }
}

fn ranges(spans: &[LineSpan]) -> Vec<pb::Range> {
    let position = |at: LineCol| pb::Position { line: at.line as i32, character: at.column as i32 };
    spans.iter().map(|s| pb::Range { start: Some(position(s.start)), end: Some(position(s.end)) }).collect()
}

fn net_mode(network: Network) -> pb::NetMode {
    match network {
        Network::Sandbox => pb::NetMode::Unset,
        Network::Host => pb::NetMode::Host,
        Network::None => pb::NetMode::None,
    }
}

/// `base` overridden by `over`, keeping first-seen order.
pub fn merge_env(base: &[(String, String)], over: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        base.iter().filter(|(k, _)| !over.iter().any(|(o, _)| o == k)).cloned().collect();
    out.extend(over.iter().cloned());
    out
}

fn render_env(env: &[(String, String)]) -> Vec<String> {
    env.iter().map(|(k, v)| format!("{k}={v}")).collect()
}

fn image_config(plan: &BuildPlan, base: Option<&ImageConfig>, history: Vec<History>) -> ImageConfig {
    let runtime = &plan.runtime;
    let base_config = base.map(|b| b.config.clone()).unwrap_or_default();
    let base_env = base.map(ImageConfig::env_pairs).unwrap_or_default();
    let mut env = merge_env(&base_env, &runtime.env);
    if !env.iter().any(|(k, _)| k == "PATH") {
        env.insert(0, ("PATH".into(), super::DEFAULT_PATH.into()));
    }
    let mut ports: BTreeMap<String, image::Empty> = base_config.exposed_ports.clone().unwrap_or_default();
    ports.extend(runtime.ports.iter().map(|p| (p.clone(), image::Empty {})));
    let mut labels = base_config.labels.clone().unwrap_or_default();
    labels.extend(runtime.labels.clone());
    let healthcheck = runtime.healthcheck.as_ref().map(|h| image::Healthcheck {
        test: std::iter::once("CMD".to_string()).chain(h.cmd.iter().cloned()).collect(),
        interval: h.interval.as_deref().and_then(image::duration_nanos),
        timeout: h.timeout.as_deref().and_then(image::duration_nanos),
        start_period: h.start_period.as_deref().and_then(image::duration_nanos),
        retries: h.retries,
    });
    ImageConfig {
        created: plan.epoch.map(image::rfc3339),
        architecture: plan.platform.architecture.clone(),
        os: plan.platform.os.clone(),
        variant: plan.platform.variant.clone(),
        config: image::RunConfig {
            user: runtime.user.clone(),
            exposed_ports: (!ports.is_empty()).then_some(ports),
            env: Some(render_env(&env)),
            entrypoint: Some(runtime.entrypoint.clone()),
            cmd: (!runtime.cmd.is_empty()).then(|| runtime.cmd.clone()),
            working_dir: runtime.workdir.clone(),
            labels: (!labels.is_empty()).then_some(labels),
            healthcheck: healthcheck.or(base_config.healthcheck),
        },
        rootfs: image::RootFs::default(),
        history,
    }
}
