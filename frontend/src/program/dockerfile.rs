//! The program as a Dockerfile (`gofront eject`), for BuildKit's own Dockerfile frontend: every
//! step a stage, every target a stage named after it (the default image last), build args as
//! `ARG`s. What a Dockerfile cannot say the same way is listed in a comment at its top.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Env, FileAction, MountKind, Network, Op, Program, Side, StepId, Tree, Value};

/// Where a step rendered as commands (a directory tree a Dockerfile cannot make with COPY) builds
/// its tree inside its stage.
const STAGED: &str = "/gofront-files";

/// What gofront does that the Dockerfile cannot, said once at the top.
const DIFFERENCES: &str = "\
# What this Dockerfile does not do the way gofront does:
# - No checks before the build: gofront refuses a module/go.mod mismatch, a missing or
#   non-main package, cgo cross-compiles and non-Linux images with the Gofile line and a fix.
#   Here such mistakes surface as failed steps.
# - Build-step errors point at Dockerfile lines, not at Gofile lines.
# - The CI dependency layers (gofront's GOFRONT_DEPENDENCY_LAYERS, on when a build imports a
#   cache) are left out: the compiled dependencies live only in the build cache mount here.
# - File times: gofront stamps every file and directory of its layers with SOURCE_DATE_EPOCH
#   (else 0); here they carry the build's clock unless the exporter rewrites them
#   (--output ...,rewrite-timestamp=true with SOURCE_DATE_EPOCH).
# - A label whose build arg is empty is left out by gofront; here it is set to \"\". gofront also
#   falls back to the git info buildx sends (vcs:revision, vcs:source); a Dockerfile cannot.
# - gofront's own label naming the frontend release that built an image.
";

/// The Dockerfile of a program, ejected from `source`.
pub fn print(program: &Program, source: &str) -> String {
    let mut printer = Printer { program, out: String::new(), staged: BTreeSet::new() };
    printer.header(source);
    let trees: Vec<&Tree> = program.outputs.iter().map(|o| &o.tree).collect();
    for id in program.needed(&trees) {
        printer.step(id);
    }
    // The default target is the last stage: what a build without --target makes.
    let default = program.outputs.iter().position(|o| o.target == program.default_target);
    let mut order: Vec<usize> = (0..program.outputs.len()).filter(|i| Some(*i) != default).collect();
    order.extend(default);
    for index in order {
        printer.target(index);
    }
    printer.out
}

struct Printer<'a> {
    program: &'a Program,
    out: String,
    /// Steps rendered as commands, whose tree is under [`STAGED`] in their stage.
    staged: BTreeSet<StepId>,
}

fn stage(program: &Program, id: StepId) -> String {
    format!("gofront-{}", program.step(id).id)
}

/// The stage holding what step `id` added onto the tree mounted at `dest`, on that tree.
fn onto_stage(program: &Program, id: StepId, dest: &str) -> String {
    let name: String = dest.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("{}-{}", stage(program, id), name.trim_matches('-'))
}

fn image_arg(program: &Program, id: StepId) -> String {
    format!("GOFRONT_{}", program.step(id).id.to_ascii_uppercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_"))
}

impl Printer<'_> {
    fn header(&mut self, source: &str) {
        let program = self.program;
        let _ = writeln!(
            self.out,
            "# Ejected from {source} by gofront {}: the Dockerfile equivalent of that Gofile.\n\
             #   docker buildx build -f Dockerfile .      (--target NAME as with the Gofile)\n#\n{DIFFERENCES}",
            crate::VERSION_LINE
        );
        for (index, step) in program.steps.iter().enumerate() {
            if let Op::Image { reference, .. } = &step.op {
                let _ = writeln!(self.out, "ARG {}={reference}", image_arg(program, StepId(index)));
            }
        }
        self.out.push('\n');
    }

    /// Where a tree is, as a stage and a path in it; None for the build context.
    fn locate(&self, tree: &Tree) -> Option<(String, String)> {
        if let Op::Context(view) = &self.program.step(tree.step).op {
            // A named context is a `--from` source of its own in a Dockerfile, too.
            return (view.name != super::MAIN_CONTEXT).then(|| (view.name.clone(), "/".to_string()));
        }
        if let (Some(_), Some(dest)) = (self.program.onto_base(tree), &tree.mount) {
            return Some((onto_stage(self.program, tree.step, dest), "/".into()));
        }
        let prefix = if self.staged.contains(&tree.step) { STAGED } else { "" };
        let path = format!("{prefix}{}", tree.mount.as_deref().unwrap_or(""));
        Some((stage(self.program, tree.step), if path.is_empty() { "/".into() } else { path }))
    }

    fn stage_start(&mut self, base: Option<&Tree>, id: StepId) {
        let from = match base.and_then(|b| self.locate(b)) {
            Some((stage, _)) => stage,
            None => "scratch".into(),
        };
        let _ = writeln!(self.out, "FROM {from} AS {}", stage(self.program, id));
    }

    fn args(&mut self, values: &[&Value]) {
        let mut names: Vec<&str> = values.iter().flat_map(|v| v.args()).collect();
        names.sort_unstable();
        names.dedup();
        if !names.is_empty() {
            let _ = writeln!(self.out, "ARG {}", names.join(" "));
        }
    }

    fn step(&mut self, id: StepId) {
        let program = self.program;
        let step = program.step(id);
        match &step.op {
            Op::Context(_) => return,
            Op::Image { side, .. } => {
                let platform = if *side == Side::Build { "--platform=$BUILDPLATFORM " } else { "" };
                let _ = writeln!(self.out, "FROM {platform}${{{}}} AS {}", image_arg(program, id), stage(program, id));
            }
            Op::Files { base, actions } => {
                let simple = actions
                    .iter()
                    .all(|a| matches!(a, FileAction::Mkfile { .. } | FileAction::Copy { src: Value::Literal(_), .. }));
                if simple {
                    self.stage_start(base.as_ref(), id);
                    for action in actions {
                        self.copy(action);
                    }
                } else {
                    self.commands(id, base.as_ref(), actions);
                }
            }
            Op::Run(run) => {
                self.stage_start(Some(&run.root), id);
                let mut values: Vec<&Value> = run.argv.iter().collect();
                for env in &run.env {
                    match env {
                        Env::Set(_, value) => values.push(value),
                        Env::FromArg(name) => {
                            let _ = writeln!(self.out, "ARG {name}");
                        }
                        Env::TargetPlatform => {
                            let _ = writeln!(self.out, "ARG {}", crate::platform::TARGET_ARGS.join(" "));
                        }
                    }
                }
                self.args(&values);
                // What the step edits is copied into its stage first.
                for mount in &run.mounts {
                    if let MountKind::Edit { from } = &mount.kind {
                        match self.locate(from) {
                            Some((stage, path)) => {
                                let _ = writeln!(
                                    self.out,
                                    "COPY --from={stage} {}/ {}",
                                    path.trim_end_matches('/'),
                                    mount.dest
                                );
                            }
                            None => {
                                let _ = writeln!(self.out, "COPY . {}", mount.dest);
                            }
                        }
                    }
                }
                if !run.user.is_empty() {
                    let _ = writeln!(self.out, "USER {}", run.user);
                }
                let _ = writeln!(self.out, "WORKDIR {}", run.cwd);
                self.out.push_str("RUN");
                let mut made = Vec::new();
                for mount in &run.mounts {
                    let dest = &mount.dest;
                    let spec = match &mount.kind {
                        MountKind::Cache { id } => format!("type=cache,id={id},target={dest},sharing=shared"),
                        MountKind::Secret { id } => format!("type=secret,id={id},target={dest}"),
                        MountKind::Ssh { id } => format!("type=ssh,id={id},target={dest}"),
                        MountKind::Tmpfs => format!("type=tmpfs,target={dest}"),
                        MountKind::Input { from, scratch } | MountKind::Layer { from, scratch } => {
                            // A Dockerfile has no way to say how a mount keys its step.
                            let rw = if *scratch { ",rw" } else { "" };
                            match self.locate(from) {
                                Some((stage, path)) => {
                                    format!("type=bind,from={stage},source={path},target={dest}{rw}")
                                }
                                None => format!("type=bind,target={dest}{rw}"),
                            }
                        }
                        MountKind::Subtree { from, path } => match self.locate(from) {
                            Some((stage, base)) => {
                                let source = format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'));
                                format!("type=bind,from={stage},source={source},target={dest}")
                            }
                            None => format!("type=bind,source={path},target={dest}"),
                        },
                        // A Dockerfile keeps what a step writes in its own stage.
                        MountKind::Output | MountKind::Onto { .. } => {
                            made.push(dest.clone());
                            continue;
                        }
                        MountKind::Edit { .. } => continue,
                    };
                    let _ = write!(self.out, " --mount={spec} \\\n   ");
                }
                if run.network == Network::None {
                    self.out.push_str(" --network=none \\\n   ");
                }
                let mut words = Vec::new();
                for dir in made {
                    words.push(format!("mkdir -p {} &&", quote(&dir)));
                }
                // The environment in order, as `export` statements before the command.
                let mut group: Vec<String> = Vec::new();
                let flush = |group: &mut Vec<String>, words: &mut Vec<String>| {
                    if !group.is_empty() {
                        words.push(format!("export {} &&", group.join(" ")));
                        group.clear();
                    }
                };
                for env in &run.env {
                    match env {
                        Env::Set(name, value) => group.push(format!("{name}={}", word(value))),
                        Env::TargetPlatform => {
                            flush(&mut group, &mut words);
                            words.push(format!("{} &&", crate::platform::TARGET_GO_ENV_SHELL));
                        }
                        Env::FromArg(_) => {}
                    }
                }
                flush(&mut group, &mut words);
                words.extend(run.argv.iter().map(word));
                let _ = writeln!(self.out, " {}", words.join(" "));
                // What the step added onto a tree, copied onto that tree's stage.
                for mount in &run.mounts {
                    if let MountKind::Onto { base } = &mount.kind {
                        let name = onto_stage(program, id, &mount.dest);
                        let _ = writeln!(self.out);
                        if !self.stage_holding(base, &name) {
                            let _ = writeln!(self.out, "FROM scratch AS {name}\nCOPY . /");
                        }
                        let _ = writeln!(self.out, "COPY --from={} {}/ /", stage(program, id), mount.dest);
                    }
                }
            }
        }
        self.out.push('\n');
    }

    /// A file action as a COPY instruction.
    fn copy(&mut self, action: &FileAction) {
        match action {
            FileAction::Mkfile { path, mode, data } => {
                let text = String::from_utf8_lossy(data);
                let newline = if text.ends_with('\n') { "" } else { "\n" };
                let _ = writeln!(self.out, "COPY --chmod={mode:o} <<'GOFRONT_EOF' {path}\n{text}{newline}GOFRONT_EOF");
            }
            FileAction::Copy { from, src, dest, mode, owner, .. } => {
                let src = match src {
                    Value::Literal(text) => text.as_str(),
                    _ => "",
                };
                let mut flags = String::new();
                let source = match self.locate(from) {
                    Some((stage, path)) => {
                        let _ = write!(flags, "--from={stage} ");
                        format!("{}{src}", path.trim_end_matches('/'))
                    }
                    None => src.trim_start_matches('/').to_string(),
                };
                let source = if source.is_empty() { "/".to_string() } else { source };
                if let Some(mode) = mode {
                    let _ = write!(flags, "--chmod={mode:o} ");
                }
                if let Some((uid, gid)) = owner {
                    let _ = write!(flags, "--chown={uid}:{gid} ");
                }
                let _ = writeln!(self.out, "COPY {flags}{}", json(&[source, dest.clone()]));
            }
            FileAction::Mkdir { .. } => {}
        }
    }

    /// File actions a COPY cannot express (directories with modes and owners, a path from an
    /// image's env), as commands in the program's shell image, into a tree under [`STAGED`].
    fn commands(&mut self, id: StepId, base: Option<&Tree>, actions: &[FileAction]) {
        let program = self.program;
        let shell = program.shell.map_or_else(|| "scratch".to_string(), |s| stage(program, s));
        let _ = writeln!(self.out, "FROM {shell} AS {}", stage(program, id));
        let mut inputs: Vec<Tree> = Vec::new();
        let mut input = |tree: &Tree| {
            let index = inputs.iter().position(|t| t == tree).unwrap_or_else(|| {
                inputs.push(tree.clone());
                inputs.len() - 1
            });
            format!("/gofront-in/{index}")
        };
        let mut lines = vec![format!("set -eu; r={STAGED}; mkdir -p \"$r\"")];
        if let Some(base) = base {
            lines.push(format!("cp -a {}/. \"$r/\"", input(base)));
        }
        let target = |path: &str| format!("\"$r\"{}", quote(path));
        let own = |path: &str, owner: &Option<(u32, u32)>, recursive: &str| {
            owner.map(|(u, g)| format!("; chown{recursive} {u}:{g} {}", target(path))).unwrap_or_default()
        };
        for action in actions {
            lines.push(match action {
                FileAction::Mkdir { path, mode, owner } => {
                    format!("mkdir -p {0}; chmod {mode:o} {0}{1}", target(path), own(path, owner, ""))
                }
                FileAction::Mkfile { path, mode, data } => format!(
                    "mkdir -p \"$(dirname {0})\"; printf {1} >{0}; chmod {mode:o} {0}",
                    target(path),
                    quote(&printf_format(data))
                ),
                FileAction::Copy { from, src, dest, mode, owner, contents, .. } => {
                    let source = format!("{}{}", input(from), word(src));
                    let copy = if *contents {
                        format!("mkdir -p {0}; cp -a {source}/. {0}", target(dest))
                    } else {
                        format!("mkdir -p \"$(dirname {0})\"; cp -a {source} {0}", target(dest))
                    };
                    let chmod = mode.map(|m| format!("; chmod -R {m:o} {}", target(dest))).unwrap_or_default();
                    format!("{copy}{chmod}{}", own(dest, owner, " -R"))
                }
            });
        }
        self.out.push_str("RUN");
        for (index, tree) in inputs.iter().enumerate() {
            let spec = match self.locate(tree) {
                Some((stage, path)) => format!("type=bind,from={stage},source={path}"),
                None => "type=bind".to_string(),
            };
            let _ = write!(self.out, " --mount={spec},target=/gofront-in/{index} \\\n   ");
        }
        let _ = writeln!(self.out, " {}", lines.join("; \\\n    "));
        self.staged.insert(id);
    }

    /// Starts stage `name` holding `tree` at its root: on the tree's own stage, or a copy of its
    /// directory onto scratch. False for the build context, which has no stage.
    fn stage_holding(&mut self, tree: &Tree, name: &str) -> bool {
        let Some((stage, path)) = self.locate(tree) else { return false };
        if path == "/" {
            let _ = writeln!(self.out, "FROM {stage} AS {name}");
        } else {
            let _ = writeln!(self.out, "FROM scratch AS {name}\nCOPY --from={stage} {path}/ /");
        }
        true
    }

    /// A target's stage: its tree, and for an image its config.
    fn target(&mut self, index: usize) {
        let output = &self.program.outputs[index];
        if !self.stage_holding(&output.tree, &output.target) {
            return;
        }
        {
            let image = &output.image;
            let labels: Vec<&Value> = image.labels.iter().map(|(_, v)| v).collect();
            self.args(&labels);
            let _ = writeln!(self.out, "USER {}\nWORKDIR {}", image.user, image.workdir);
            for (name, value) in &image.env {
                let _ = writeln!(self.out, "ENV {name}={}", quoted(value));
            }
            let labels: Vec<String> =
                image.labels.iter().map(|(k, v)| format!("{}={}", quoted(k), label_value(v))).collect();
            if !labels.is_empty() {
                let _ = writeln!(self.out, "LABEL {}", labels.join(" \\\n      "));
            }
            for port in &image.ports {
                let _ = writeln!(self.out, "EXPOSE {port}");
            }
            if let Some(check) = &image.healthcheck {
                let mut flags = String::new();
                for (flag, value) in
                    [("interval", &check.interval), ("timeout", &check.timeout), ("start-period", &check.start_period)]
                {
                    if let Some(value) = value {
                        let _ = write!(flags, "--{flag}={value} ");
                    }
                }
                if let Some(retries) = check.retries {
                    let _ = write!(flags, "--retries={retries} ");
                }
                let _ = writeln!(self.out, "HEALTHCHECK {flags}CMD {}", json(&check.cmd));
            }
            let _ = writeln!(self.out, "ENTRYPOINT {}", json(&image.entrypoint));
            if !image.cmd.is_empty() {
                let _ = writeln!(self.out, "CMD {}", json(&image.cmd));
            }
        }
        self.out.push('\n');
    }
}

/// A JSON array, for exec-form instructions.
fn json(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// A POSIX shell word for a literal: single-quoted.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A value as a shell word: literals quoted, build args and image env expanded by the shell.
fn word(value: &Value) -> String {
    match value {
        Value::Literal(text) if text.contains('\n') => {
            format!("\"$(printf {})\"", quote(&printf_format(text.as_bytes())))
        }
        Value::Literal(text) => quote(text),
        Value::Arg { name, fallback } => {
            format!("\"${{{name}{}}}\"", fallback.as_ref().map(|f| format!(":-{f}")).unwrap_or_default())
        }
        Value::ImageEnv { name, fallback } => format!("\"${{{name}:-{fallback}}}\""),
        Value::Concat(parts) => parts.iter().map(word).collect(),
        // Kept one field with quotes around it (a value holding a single quote would end them).
        Value::Field(inner) if inner.args().is_empty() => quote(&super::quote_field(&resolved(inner))),
        Value::Field(inner) => format!("\"'\"{}\"'\"", word(inner)),
    }
}

/// A value without build args, as it is.
fn resolved(value: &Value) -> String {
    match value {
        Value::Literal(text) => text.clone(),
        Value::Concat(parts) => parts.iter().map(resolved).collect(),
        Value::Field(inner) => super::quote_field(&resolved(inner)),
        Value::Arg { .. } | Value::ImageEnv { .. } => String::new(),
    }
}

/// Bytes as a printf format that prints them: `%` and `\` escaped, the rest octal escapes where
/// a Dockerfile line could not hold them.
fn printf_format(data: &[u8]) -> String {
    let mut out = String::new();
    for &byte in data {
        match byte {
            b'%' => out.push_str("%%"),
            b'\\' => out.push_str("\\\\"),
            b' '..=b'~' => out.push(byte as char),
            other => {
                let _ = write!(out, "\\{other:03o}");
            }
        }
    }
    out
}

/// A double-quoted Dockerfile ENV/LABEL value, with `\`, `"` and `$` escaped.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A label value: literals quoted, build args as `${NAME}` for the Dockerfile to expand.
fn label_value(value: &Value) -> String {
    match value {
        Value::Literal(text) => quoted(text),
        Value::Arg { name, fallback } => {
            format!("\"${{{name}{}}}\"", fallback.as_ref().map(|f| format!(":-{f}")).unwrap_or_default())
        }
        Value::ImageEnv { .. } => "\"\"".into(),
        Value::Field(inner) => label_value(inner),
        Value::Concat(parts) => {
            let inner: String = parts.iter().map(|p| label_value(p).trim_matches('"').to_string()).collect();
            format!("\"{inner}\"")
        }
    }
}
