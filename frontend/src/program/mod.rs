//! The build as a program: steps over file trees, the image each target makes, and the values
//! that still come from build args. The plan writes it (`plan::steps`); two printers read it:
//! [`llb`] for BuildKit and [`dockerfile`] for `gofront eject`. Nothing here knows Go, and
//! nothing above it knows LLB.

pub mod dockerfile;
pub mod llb;

use crate::plan::LineSpan;
use crate::platform::Platform;

/// A step, by its place in [`Program::steps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StepId(pub usize);

/// A file tree a step makes: its root filesystem, or what it left in one of its output mounts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tree {
    pub step: StepId,
    /// The output mount's destination; None for the root.
    pub mount: Option<String>,
}

/// A string that may come from a build arg: the LLB printer resolves it, the Dockerfile printer
/// keeps it an `ARG`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Literal(String),
    /// `${NAME}`, else the fallback, else empty.
    Arg {
        name: String,
        fallback: Option<String>,
    },
    /// An environment variable of the image the step reads (its `Env`), else the fallback.
    ImageEnv {
        name: String,
        fallback: String,
    },
    /// The pieces one after another.
    Concat(Vec<Value>),
    /// One field of a blank-separated list that a tool splits itself (Go's `-ldflags`): quoted
    /// when it holds blanks or starts with a quote, so whatever a build arg holds stays one field.
    Field(Box<Value>),
}

/// What keeps a field's value from being quoted into one field (Go splits at blanks and takes
/// '…' or "…" as one field, with no escapes): None when it can be.
pub fn unquotable(text: &str) -> Option<&'static str> {
    if text.contains(['\n', '\r']) {
        Some("a line break")
    } else if needs_quotes(text) && text.contains('\'') && text.contains('"') {
        Some("blanks and both kinds of quote")
    } else {
        None
    }
}

fn needs_quotes(text: &str) -> bool {
    text.is_empty() || text.contains(char::is_whitespace) || text.starts_with(['\'', '"'])
}

/// A field's value as one field: as it is, or in the quotes it does not hold.
pub fn quote_field(text: &str) -> String {
    match (needs_quotes(text), text.contains('\'')) {
        (false, _) => text.to_string(),
        (true, false) => format!("'{text}'"),
        (true, true) => format!("\"{text}\""),
    }
}

impl Value {
    pub fn text(text: impl Into<String>) -> Value {
        Value::Literal(text.into())
    }

    /// Every build arg the value reads.
    pub fn args(&self) -> Vec<&str> {
        match self {
            Value::Arg { name, .. } => vec![name.as_str()],
            Value::Concat(parts) => parts.iter().flat_map(Value::args).collect(),
            Value::Field(inner) => inner.args(),
            Value::Literal(_) | Value::ImageEnv { .. } => Vec::new(),
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::text(text)
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Literal(text)
    }
}

/// Which platform a step runs on or an image is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The engine's own (`BUILDPLATFORM`): toolchains that cross-compile.
    Build,
    /// The platform being built (`TARGETPLATFORM`).
    Target,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Network {
    #[default]
    Sandbox,
    Host,
    None,
}

/// The build context's name in the client's session.
pub const MAIN_CONTEXT: &str = "context";

/// Part of the build context, as a transfer of its own: BuildKit keys what reads it by exactly
/// these files. `.dockerignore` applies on top.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextView {
    /// The client's directory: [`MAIN_CONTEXT`], or a named context's.
    pub name: String,
    pub include: Vec<String>,
    /// Names the transfer for BuildKit's cache of earlier ones.
    pub shared_key: String,
    /// Whether the main context's .dockerignore patterns leave files out of it.
    pub ignore: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAction {
    Mkdir {
        path: String,
        mode: i32,
        owner: Option<(u32, u32)>,
    },
    Mkfile {
        path: String,
        mode: i32,
        data: Vec<u8>,
    },
    /// `contents`: a directory's contents, not the directory; `wildcard`: `src` may be a pattern.
    Copy {
        from: Tree,
        src: Value,
        dest: String,
        mode: Option<i32>,
        owner: Option<(u32, u32)>,
        contents: bool,
        wildcard: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountKind {
    /// A persistent cache shared by builds (and, prefixed by BUILDKIT_CACHE_MOUNT_NS, namespaced).
    Cache {
        id: String,
    },
    /// A client secret as a file, when the client passes it.
    Secret {
        id: String,
    },
    /// The client's SSH agent, when the client forwards one.
    Ssh {
        id: String,
    },
    Tmpfs,
    /// Another tree, read-only; `scratch` makes it writable with the changes thrown away.
    Input {
        from: Tree,
        scratch: bool,
    },
    /// Another step's output, with the step keyed by that step's key rather than by the tree's
    /// content: BuildKit then need not read every file of a large layer before it can look the
    /// step up, where the layer only changes when its step's key does. Read-only, or with
    /// `scratch` writable with the changes thrown away.
    Layer {
        from: Tree,
        scratch: bool,
    },
    /// One directory of another tree (`path` in it), read-only: BuildKit keys the step by that
    /// directory's content alone.
    Subtree {
        from: Tree,
        path: String,
    },
    /// Starts empty; what the step leaves there is a tree of its own.
    Output,
    /// A writable copy of another tree; what the step leaves there is a tree of its own.
    Edit {
        from: Tree,
    },
    /// A writable copy of `base` to which the step only adds files: what it leaves there is
    /// `base` with the additions, a tree of its own (an image's root with its binaries). A
    /// Dockerfile, whose mounts keep nothing, writes the additions into the step's stage and
    /// copies them onto `base`'s after.
    Onto {
        base: Tree,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub dest: String,
    pub kind: MountKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Env {
    Set(String, Value),
    /// The build arg NAME as the variable NAME, only when the arg is given.
    FromArg(String),
    /// The variables that make the toolchain build for the target platform.
    TargetPlatform,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The root filesystem; writable, and its final state is the step's root tree.
    pub root: Tree,
    pub argv: Vec<Value>,
    pub env: Vec<Env>,
    pub cwd: String,
    /// Empty: the image's.
    pub user: String,
    pub network: Network,
    pub mounts: Vec<Mount>,
    pub side: Side,
    /// Runs on every build: what it reports depends on more than its cache key.
    pub always: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Image { reference: String, side: Side },
    Context(ContextView),
    Files { base: Option<Tree>, actions: Vec<FileAction> },
    Run(Run),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Short and stable, for stage names: `builder`, `modules`, `build`.
    pub id: String,
    /// What progress shows.
    pub name: String,
    /// The Gofile (or go.mod) lines the step comes from, shown when it fails.
    pub spans: Vec<LineSpan>,
    pub op: Op,
}

/// The runtime settings of an image, before they are merged over its base's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSpec {
    pub user: String,
    pub workdir: String,
    pub env: Vec<(String, String)>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub ports: Vec<String>,
    /// A label whose value is empty is left out.
    pub labels: Vec<(String, Value)>,
    pub healthcheck: Option<crate::gofile::Healthcheck>,
    /// What each layer the build adds is, for the image's history.
    pub history: Vec<String>,
}

/// What one target builds: a tree and its image config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub target: String,
    pub tree: Tree,
    pub image: ImageSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Program {
    pub steps: Vec<Step>,
    pub outputs: Vec<Output>,
    /// The output a build without `--target` makes.
    pub default_target: String,
    pub platform: Platform,
    pub build_platform: Platform,
    /// Every file and directory the build creates gets this time (SOURCE_DATE_EPOCH, else 0).
    pub epoch: Option<i64>,
    /// An image with a POSIX shell, for what a Dockerfile can only say with commands.
    pub shell: Option<StepId>,
}

impl Program {
    pub fn add(&mut self, id: &str, name: impl Into<String>, spans: Vec<LineSpan>, op: Op) -> StepId {
        self.steps.push(Step { id: id.to_string(), name: name.into(), spans, op });
        StepId(self.steps.len() - 1)
    }

    pub fn step(&self, id: StepId) -> &Step {
        &self.steps[id.0]
    }

    pub fn output(&self, target: &str) -> Option<&Output> {
        self.outputs.iter().find(|o| o.target == target)
    }

    /// The steps a tree is made from, itself included, in program order.
    pub fn needed(&self, trees: &[&Tree]) -> Vec<StepId> {
        let mut wanted = vec![false; self.steps.len()];
        let mut pending: Vec<StepId> = trees.iter().map(|t| t.step).collect();
        while let Some(id) = pending.pop() {
            if std::mem::replace(&mut wanted[id.0], true) {
                continue;
            }
            pending.extend(self.inputs(id));
        }
        (0..self.steps.len()).filter(|i| wanted[*i]).map(StepId).collect()
    }

    /// The steps a step reads.
    pub fn inputs(&self, id: StepId) -> Vec<StepId> {
        match &self.step(id).op {
            Op::Image { .. } | Op::Context(_) => Vec::new(),
            Op::Files { base, actions } => base
                .iter()
                .chain(actions.iter().filter_map(|a| match a {
                    FileAction::Copy { from, .. } => Some(from),
                    _ => None,
                }))
                .map(|t| t.step)
                .collect(),
            Op::Run(run) => std::iter::once(run.root.step)
                .chain(run.mounts.iter().filter_map(|m| match &m.kind {
                    MountKind::Input { from, .. }
                    | MountKind::Layer { from, .. }
                    | MountKind::Subtree { from, .. }
                    | MountKind::Edit { from }
                    | MountKind::Onto { base: from } => Some(from.step),
                    _ => None,
                }))
                .collect(),
        }
    }

    /// The image a tree's root filesystem starts from (None: from scratch, or an output mount).
    pub fn image_under(&self, tree: &Tree) -> Option<StepId> {
        if let Some(base) = self.onto_base(tree) {
            return self.image_under(base);
        }
        if tree.mount.is_some() {
            return None;
        }
        match &self.step(tree.step).op {
            Op::Image { .. } => Some(tree.step),
            Op::Run(run) => self.image_under(&run.root),
            Op::Files { base: Some(base), .. } => self.image_under(base),
            _ => None,
        }
    }

    /// The base of a tree a step added files onto (see [`MountKind::Onto`]).
    pub fn onto_base(&self, tree: &Tree) -> Option<&Tree> {
        let (Op::Run(run), Some(dest)) = (&self.step(tree.step).op, &tree.mount) else { return None };
        run.mounts.iter().find_map(|m| match &m.kind {
            MountKind::Onto { base } if &m.dest == dest => Some(base),
            _ => None,
        })
    }
}

impl Tree {
    pub fn root(step: StepId) -> Tree {
        Tree { step, mount: None }
    }

    pub fn at(step: StepId, mount: &str) -> Tree {
        Tree { step, mount: Some(mount.to_string()) }
    }
}
