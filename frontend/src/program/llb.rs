//! The program as LLB: build args and image env resolved, images pinned, cache ids namespaced,
//! each step one op, in program order.

use std::collections::BTreeMap;

use super::{Env, FileAction, MountKind, Network, Op, Output, Program, Side, StepId, Tree, Value};
use crate::image::{self, History, ImageConfig};
use crate::llb::{self, CopyOptions, Exec, FileOps, Graph, Local, Mount, Owner};
use crate::proto::pb;

/// An image after the gateway resolved it: pinned reference and its config.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    pub reference: String,
    pub config: ImageConfig,
}

/// What the LLB needs besides the program: the client's settings and the resolved images.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub build_args: BTreeMap<String, String>,
    /// By the program's image reference.
    pub images: BTreeMap<String, ResolvedImage>,
    pub session: String,
    /// `.dockerignore`, for every context transfer.
    pub excludes: Vec<String>,
    pub resolve_mode: Option<String>,
    /// `--add-host`, for steps with a network.
    pub hosts: Vec<(String, String)>,
    /// Proxy settings, kept out of the environment so they stay out of cache keys.
    pub proxy: Option<pb::ProxyEnv>,
}

/// An image the program uses that was not resolved: a bug in the caller, reported as an error.
#[derive(Debug, thiserror::Error)]
#[error("the image {0} was not resolved before printing")]
pub struct Unresolved(pub String);

pub struct Printer<'a> {
    program: &'a Program,
    settings: &'a Settings,
    graph: Graph,
    trees: BTreeMap<StepId, llb::ExecOutputs>,
}

impl<'a> Printer<'a> {
    pub fn new(program: &'a Program, settings: &'a Settings) -> Self {
        Printer { program, settings, graph: Graph::new(), trees: BTreeMap::new() }
    }

    /// Prints every step `trees` need; returns their outputs in the graph, in order.
    pub fn print(&mut self, trees: &[&Tree]) -> Result<Vec<llb::Output>, Unresolved> {
        for id in self.program.needed(trees) {
            if !self.trees.contains_key(&id) {
                let outputs = self.step(id)?;
                self.trees.insert(id, outputs);
            }
        }
        trees.iter().map(|t| self.tree(t)).collect()
    }

    pub fn finish(self) -> Graph {
        self.graph
    }

    fn tree(&self, tree: &Tree) -> Result<llb::Output, Unresolved> {
        let outputs = self.trees.get(&tree.step).ok_or_else(|| Unresolved(format!("step {}", tree.step.0)))?;
        outputs
            .at(tree.mount.as_deref().unwrap_or("/"))
            .ok_or_else(|| Unresolved(format!("{:?} of step {}", tree.mount, self.program.step(tree.step).name)))
    }

    fn image(&self, reference: &str) -> Result<&'a ResolvedImage, Unresolved> {
        self.settings.images.get(reference).ok_or_else(|| Unresolved(reference.to_string()))
    }

    /// The env of the image a tree starts from.
    fn image_env(&self, tree: &Tree) -> Result<Vec<(String, String)>, Unresolved> {
        match self.program.image_under(tree).map(|id| &self.program.step(id).op) {
            Some(Op::Image { reference, .. }) => Ok(self.image(reference)?.config.env_pairs()),
            _ => Ok(Vec::new()),
        }
    }

    fn value(&self, value: &Value, image_env: &[(String, String)]) -> String {
        match value {
            Value::Literal(text) => text.clone(),
            Value::Arg { name, fallback } => {
                self.settings.build_args.get(name).or(fallback.as_ref()).cloned().unwrap_or_default()
            }
            Value::ImageEnv { name, fallback } => {
                image_env.iter().find(|(k, _)| k == name).map_or_else(|| fallback.clone(), |(_, v)| v.clone())
            }
            Value::Concat(parts) => parts.iter().map(|p| self.value(p, image_env)).collect(),
            Value::Field(inner) => super::quote_field(&self.value(inner, image_env)),
        }
    }

    fn platform(&self, side: Side) -> pb::Platform {
        match side {
            Side::Build => self.program.build_platform.wire(),
            Side::Target => self.program.platform.wire(),
        }
    }

    fn step(&mut self, id: StepId) -> Result<llb::ExecOutputs, Unresolved> {
        let step = self.program.step(id);
        let timestamp = self.program.epoch.unwrap_or(0).saturating_mul(1_000_000_000);
        let single = |output: llb::Output| llb::ExecOutputs::single(output);
        let outputs = match &step.op {
            Op::Image { reference, side } => {
                let resolved = self.image(reference)?;
                let (op, caps) = llb::image_source(&resolved.reference, self.settings.resolve_mode.as_deref());
                let mut name = format!("{} {}", step.name, resolved.reference);
                if *side == Side::Target {
                    name.push_str(&format!(" ({})", self.program.platform));
                }
                single(self.graph.source(op, Some(self.platform(*side)), &name, &caps))
            }
            Op::Context(view) => {
                // .dockerignore is the main context's; a named context is sent as it is.
                let main = view.name == super::MAIN_CONTEXT;
                let local = Local {
                    name: view.name.clone(),
                    session: self.settings.session.clone(),
                    shared_key: view.shared_key.clone(),
                    include: view.include.clone(),
                    exclude: if main && view.ignore { self.settings.excludes.clone() } else { Vec::new() },
                    ..Default::default()
                };
                let (op, caps) = local.into_op();
                single(self.graph.source(op, None, &step.name, &caps))
            }
            Op::Files { base, actions } => {
                let base = base.as_ref().map(|b| self.tree(b)).transpose()?;
                let mut ops = FileOps::on(base, timestamp);
                for action in actions {
                    ops = match action {
                        FileAction::Mkdir { path, mode, owner } => ops.mkdir(path, *mode, owner.map(owner_of)),
                        FileAction::Mkfile { path, mode, data } => ops.mkfile(path, *mode, data),
                        FileAction::Copy { from, src, dest, mode, owner, contents, wildcard } => {
                            let src = self.value(src, &self.image_env(from)?);
                            let options = CopyOptions {
                                owner: owner.map(owner_of),
                                mode: *mode,
                                dir_contents: *contents,
                                wildcard: *wildcard,
                            };
                            ops.copy(&self.tree(from)?, &src, dest, options)
                        }
                    };
                }
                single(self.graph.file(ops, &step.name))
            }
            Op::Run(run) => {
                let image_env = self.image_env(&run.root)?;
                let mut mounts = vec![Mount::writable("/", Some(&self.tree(&run.root)?))];
                for mount in &run.mounts {
                    let dest = mount.dest.as_str();
                    mounts.push(match &mount.kind {
                        MountKind::Cache { id } => Mount::cache(dest, &self.cache_id(id)),
                        MountKind::Secret { id } => Mount::Secret { dest: dest.into(), id: id.clone() },
                        MountKind::Ssh { id } => Mount::Ssh { dest: dest.into(), id: id.clone() },
                        MountKind::Tmpfs => Mount::tmpfs(dest),
                        MountKind::Input { from, scratch: false } => Mount::read_only(dest, &self.tree(from)?),
                        MountKind::Input { from, scratch: true } => Mount::scratch_copy(dest, &self.tree(from)?),
                        MountKind::Subtree { from, path } => Mount::Bind {
                            dest: dest.into(),
                            from: Some(self.tree(from)?),
                            selector: path.clone(),
                            readonly: true,
                            output: false,
                            by_content: true,
                        },
                        MountKind::Layer { from, scratch: false } => Mount::read_only_by_op(dest, &self.tree(from)?),
                        MountKind::Layer { from, scratch: true } => Mount::scratch_copy_by_op(dest, &self.tree(from)?),
                        MountKind::Output => Mount::writable(dest, None),
                        MountKind::Edit { from } | MountKind::Onto { base: from } => {
                            Mount::writable(dest, Some(&self.tree(from)?))
                        }
                    });
                }
                let mut env: Vec<(String, String)> = Vec::new();
                let mut set = |name: &str, value: String| {
                    env.retain(|(n, _)| n != name);
                    env.push((name.to_string(), value));
                };
                for entry in &run.env {
                    match entry {
                        Env::Set(name, value) => set(name, self.value(value, &image_env)),
                        Env::FromArg(name) => {
                            if let Some(value) = self.settings.build_args.get(name) {
                                set(name, value.clone());
                            }
                        }
                        Env::TargetPlatform => {
                            for (name, value) in self.program.platform.go_env().unwrap_or_default() {
                                set(&name, value);
                            }
                        }
                    }
                }
                let networked = run.network != Network::None;
                let exec = Exec {
                    args: run.argv.iter().map(|a| self.value(a, &image_env)).collect(),
                    env: render_env(&merge_env(&image_env, &env)),
                    cwd: run.cwd.clone(),
                    user: run.user.clone(),
                    network: match run.network {
                        Network::Sandbox => pb::NetMode::Unset,
                        Network::Host => pb::NetMode::Host,
                        Network::None => pb::NetMode::None,
                    },
                    mounts,
                    platform: Some(self.platform(run.side)),
                    extra_hosts: if networked { self.settings.hosts.clone() } else { Vec::new() },
                    proxy: self.settings.proxy.clone().filter(|_| networked),
                };
                let outputs = self.graph.exec(exec, &step.name);
                if run.always {
                    self.graph.always_run(&outputs.digest);
                }
                outputs
            }
        };
        self.graph.locate(&outputs.digest, ranges(&step.spans));
        Ok(outputs)
    }

    fn cache_id(&self, id: &str) -> String {
        match self.settings.build_args.get("BUILDKIT_CACHE_MOUNT_NS").filter(|ns| !ns.is_empty()) {
            Some(ns) => format!("{ns}/{id}"),
            None => id.to_string(),
        }
    }

    /// The image config of an output: its spec over its base image's config.
    pub fn config(&self, output: &Output) -> Result<ImageConfig, Unresolved> {
        let program = self.program;
        let base = match program.image_under(&output.tree).map(|id| &program.step(id).op) {
            Some(Op::Image { reference, .. }) => Some(&self.image(reference)?.config),
            _ => None,
        };
        let spec = &output.image;
        let base_config = base.map(|b| b.config.clone()).unwrap_or_default();
        let mut env = merge_env(&base.map(ImageConfig::env_pairs).unwrap_or_default(), &spec.env);
        if !env.iter().any(|(k, _)| k == "PATH") {
            env.insert(0, ("PATH".into(), crate::plan::DEFAULT_PATH.into()));
        }
        let mut ports: BTreeMap<String, image::Empty> = base_config.exposed_ports.clone().unwrap_or_default();
        ports.extend(spec.ports.iter().map(|p| (p.clone(), image::Empty {})));
        let mut labels = base_config.labels.clone().unwrap_or_default();
        for (name, value) in &spec.labels {
            let value = self.value(value, &[]);
            if !value.is_empty() {
                labels.insert(name.clone(), value);
            }
        }
        let created = program.epoch.map(image::rfc3339);
        let mut history = base.map(|b| b.history.clone()).unwrap_or_default();
        history.extend(spec.history.iter().map(|what| History {
            created: created.clone(),
            created_by: format!("gofront: {what}"),
            comment: "gofront".into(),
            empty_layer: false,
        }));
        let healthcheck = spec.healthcheck.as_ref().map(|h| image::Healthcheck {
            test: std::iter::once("CMD".to_string()).chain(h.cmd.iter().cloned()).collect(),
            interval: h.interval.as_deref().and_then(image::duration_nanos),
            timeout: h.timeout.as_deref().and_then(image::duration_nanos),
            start_period: h.start_period.as_deref().and_then(image::duration_nanos),
            retries: h.retries,
        });
        let platform = &program.platform;
        Ok(ImageConfig {
            created,
            architecture: platform.architecture.clone(),
            os: platform.os.clone(),
            variant: platform.variant.clone(),
            config: image::RunConfig {
                user: spec.user.clone(),
                exposed_ports: (!ports.is_empty()).then_some(ports),
                env: Some(render_env(&env)),
                entrypoint: Some(spec.entrypoint.clone()),
                cmd: (!spec.cmd.is_empty()).then(|| spec.cmd.clone()),
                working_dir: spec.workdir.clone(),
                labels: (!labels.is_empty()).then_some(labels),
                healthcheck: healthcheck.or(base_config.healthcheck),
                extra: base_config.extra,
            },
            rootfs: image::RootFs::default(),
            history,
            extra: base.map(|b| b.extra.clone()).unwrap_or_default(),
        })
    }
}

fn owner_of((uid, gid): (u32, u32)) -> Owner {
    Owner { uid, gid }
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

fn ranges(spans: &[crate::plan::LineSpan]) -> Vec<pb::Range> {
    let position =
        |at: crate::gofile::span::LineCol| pb::Position { line: at.line as i32, character: at.column as i32 };
    spans.iter().map(|s| pb::Range { start: Some(position(s.start)), end: Some(position(s.end)) }).collect()
}
