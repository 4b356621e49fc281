//! One frontend invocation: read the inputs, plan, print the program as LLB, solve, return. It
//! talks to BuildKit through [`Client`], so the whole flow runs in unit tests against a fake.

use std::collections::BTreeMap;
use std::time::Instant;

use tokio::sync::oneshot;

use futures_util::future::{join_all, try_join_all};

use super::caps::Caps;
use super::client::{self, Client};
use super::env::FrontendEnv;
use super::error::FrontendError;
use super::options::Options;
use super::subrequest;
use crate::diagnostic::Diagnostic;
use crate::image::ImageConfig;
use crate::inputs::{self, Entry, Kind, ReadError, Tree};
use crate::llb::{self, Graph, Local};
use crate::plan::groups::{self, PackageGroup};
use crate::plan::layout::ModuleSearch;
use crate::plan::steps::{self, PackageManager};
use crate::plan::{self, Base, BuildPlan, ContextFiles, ImageChoice};
use crate::platform::Platform;
use crate::program::llb::{Printer, ResolvedImage, Settings};
use crate::program::{Program, Tree as ProgramTree};
use crate::proto::moby::buildkit::v1::frontend as gw;
use crate::proto::pb;
use crate::{dockerignore, gofile, lint, reference};
use prost::Message;

/// Docker 26.1's BuildKit rejects requests over 4 MiB; leave room for the envelope.
const MAX_REQUEST: usize = (4 << 20) - (64 << 10);

/// How much one ReadFile answer carries.
const READ_CHUNK: u64 = 4 << 20;

/// A Gofile is a few lines; anything this large is a mistake, and it would travel in every request.
const MAX_GOFILE: usize = 256 << 10;

/// Gateway calls gofront cannot work without.
const REQUIRED_GATEWAY_CAPS: &[&str] =
    &["solve.base", "return", "readfile", "readdir", "resolveimage", "proto.refarray"];

/// The Gofile as read from the client, for parsing and for error snippets.
struct BuildFile {
    name: String,
    text: String,
    /// The op that loaded it: warnings about the Gofile are attached to it.
    digest: String,
    /// `<Gofile>.dockerignore` beside it, which wins over the context's `.dockerignore`.
    ignore: Option<String>,
}

impl BuildFile {
    fn error(&self, diagnostic: Diagnostic) -> FrontendError {
        FrontendError::Input { diagnostic, filename: self.name.clone(), text: self.text.clone() }
    }
}

/// What one build reads from the client before planning.
struct Inputs {
    file: BuildFile,
    gofile: gofile::Gofile,
    layout: plan::Layout,
    /// .dockerignore patterns, for every context transfer.
    excludes: Vec<String>,
    /// The module metadata files read from the context (none for a `version` build).
    files: ContextFiles,
    /// The context's transfer, when it was solved while the inputs were read.
    context: Option<String>,
}

/// A solved result's files, read through the gateway.
struct RefTree<'a, C> {
    client: &'a C,
    reference: String,
}

/// BuildKit answers a missing path with an error whose text says so.
fn read_error(path: &str, status: tonic::Status) -> ReadError {
    let message = status.message();
    if status.code() == tonic::Code::NotFound || message.contains("no such file") || message.contains("not found") {
        ReadError::Missing(path.to_string())
    } else {
        ReadError::Failed { path: path.to_string(), reason: message.to_string() }
    }
}

impl<C: Client> Tree for RefTree<'_, C> {
    async fn list(&self, dir: &str, pattern: &str) -> Result<Vec<Entry>, ReadError> {
        // Go's os.FileMode bits, which is what Stat.mode carries.
        const DIR_BIT: u32 = 1 << 31;
        const SYMLINK_BIT: u32 = 1 << 27;
        let shown = if dir.is_empty() { "." } else { dir };
        let entries = self.client.read_dir(&self.reference, shown, pattern).await.map_err(|s| read_error(shown, s))?;
        Ok(entries
            .into_iter()
            .map(|stat| Entry {
                name: stat.path.rsplit('/').next().unwrap_or(&stat.path).to_string(),
                size: u64::try_from(stat.size).unwrap_or(0),
                kind: if stat.mode & DIR_BIT != 0 {
                    Kind::Dir
                } else if stat.mode & SYMLINK_BIT != 0 {
                    Kind::Link(stat.linkname)
                } else {
                    Kind::File
                },
            })
            .collect())
    }

    /// In ranges of [`READ_CHUNK`]: one answer must stay under the gRPC message limits.
    async fn read(&self, path: &str, limit: Option<u64>) -> Result<Vec<u8>, ReadError> {
        let limit = limit.unwrap_or(u64::MAX);
        let mut data = Vec::new();
        loop {
            let length = READ_CHUNK.min(limit - data.len() as u64);
            let range = Some((data.len() as i64, length as i64));
            let chunk = self.client.read_file(&self.reference, path, range).await.map_err(|s| read_error(path, s))?;
            let done = (chunk.len() as u64) < length;
            data.extend(chunk);
            if done || data.len() as u64 >= limit {
                return Ok(data);
            }
        }
    }
}

pub struct Frontend<C> {
    client: C,
    env: FrontendEnv,
    /// The frontend options, read once at start.
    options: Options,
    gateway_caps: Caps,
    llb_caps: Caps,
}

impl<C: Client> Frontend<C> {
    pub async fn start(client: C, env: FrontendEnv) -> Result<Frontend<C>, FrontendError> {
        let pong = client.ping().await.map_err(FrontendError::engine("ping BuildKit"))?;
        let mut frontend = Frontend {
            client,
            env,
            options: Options::default(),
            gateway_caps: Caps::from_ping(&pong.frontend_api_caps),
            llb_caps: Caps::from_ping(&pong.llb_caps),
        };
        if frontend.env.worker_platforms.is_empty() {
            frontend.env.worker_platforms =
                pong.workers.iter().flat_map(|w| w.platforms.iter().map(Platform::from_wire)).collect();
        }
        // A bad option fails the start; main reports it through Return like any build error.
        frontend.options = Options::parse(&frontend.env).map_err(|diagnostic| FrontendError::Input {
            diagnostic,
            filename: "Gofile".into(),
            text: String::new(),
        })?;
        Ok(frontend)
    }

    /// Returns the outcome to BuildKit (the build's result, or its error).
    pub async fn finish(self, outcome: Result<gw::Result, FrontendError>) -> Result<(), tonic::Status> {
        let request = match outcome {
            Ok(result) => gw::ReturnRequest { result: Some(result), error: None },
            Err(err) => {
                tracing::warn!(error = %err, "build failed");
                gw::ReturnRequest { result: None, error: Some(err.into_status()) }
            }
        };
        self.client.finish(request).await
    }

    fn plain(&self, message: impl Into<String>) -> FrontendError {
        FrontendError::Input {
            diagnostic: Diagnostic::new(message),
            filename: self.options.filename.clone(),
            text: String::new(),
        }
    }

    /// The whole invocation: inputs → plans (one per platform) → programs → LLB → solve → result.
    pub async fn build(&mut self) -> Result<gw::Result, FrontendError> {
        if let Some(cap) = self.gateway_caps.missing(REQUIRED_GATEWAY_CAPS.iter().copied()) {
            return Err(self.plain(format!(
                "this BuildKit lacks the gateway capability `{cap}` that gofront needs; use Docker Engine 26.1 (BuildKit 0.13) or newer"
            )));
        }
        if let Some(request) = self.options.request.clone() {
            if request == subrequest::LINT {
                return self.lint().await;
            }
            return self.answer(&request).await;
        }
        let started = Instant::now();
        // The context's transfer, the longest wait of a build with nothing to compile, starts as
        // soon as its ignore patterns are known, and runs while the frontend plans.
        let (send_excludes, excludes) = oneshot::channel();
        let (send_context, context_sent) = oneshot::channel();
        let build = async {
            let inputs = self.read_inputs(self.options.build.target.as_deref(), Some(send_excludes)).await?;
            tracing::info!(ms = started.elapsed().as_millis() as u64, "read the Gofile and the module files");
            let plans = self.plans(&inputs)?;
            let context = async { context_sent.await.ok().or_else(|| inputs.context.clone()) };
            let result = self.check_and_solve(&inputs, &plans, context).await;
            tracing::info!(ms = started.elapsed().as_millis() as u64, "solved");
            result
        };
        let context = async {
            if let Ok(excludes) = excludes.await {
                // The receiver is gone only with a failed build.
                let _ = send_context.send(self.solve_context(&excludes).await?);
            }
            Ok(())
        };
        // The first failure ends both: a Gofile or go.mod error does not wait for the context.
        let (result, ()) = tokio::try_join!(build, context)?;
        Ok(result)
    }

    /// Resolves the builder, checks the context once it is there (`context`), and solves every
    /// platform's graph, each as early as it can. A graph that does not depend on what the
    /// sources say is solved while the context still arrives: BuildKit then has the builder and
    /// every step's cache lookup ready when the context is in, and the check's error, when there
    /// is one, still wins. A graph cut by the sources' imports (the CI layers) waits for the
    /// context and the check.
    async fn check_and_solve(
        &self,
        inputs: &Inputs,
        plans: &[BuildPlan],
        context: impl std::future::Future<Output = Option<String>>,
    ) -> Result<gw::Result, FrontendError> {
        let first = plans.first().ok_or_else(|| self.plain("no platform to build for"))?;
        if plans.iter().any(|plan| plan.dependency_layers && plan.target.builds_binaries()) {
            let (builder, context) = self.resolve_and_check(first, inputs, context).await?;
            return self.solve_with_warnings(plans, inputs, &builder, context.as_deref()).await;
        }
        enum Stop {
            Resolve(FrontendError),
            Solve(FrontendError),
        }
        let check = async { self.check_context(first, inputs, context.await).await };
        let solve = async {
            let builder =
                self.resolve(&first.builder, &first.build_platform, &inputs.file).await.map_err(Stop::Resolve)?;
            self.solve_with_warnings(plans, inputs, &builder, None).await.map_err(Stop::Solve)
        };
        tokio::pin!(check, solve);
        tokio::select! {
            checked = &mut check => {
                checked?;
                solve.await.map_err(|(Stop::Resolve(e) | Stop::Solve(e))| e)
            }
            solved = &mut solve => match solved {
                // As when the two ran one after the other, the builder's error comes first, and
                // it does not wait for the context.
                Err(Stop::Resolve(error)) => Err(error),
                Err(Stop::Solve(error)) => Err(check.await.err().unwrap_or(error)),
                Ok(result) => check.await.map(|_| result),
            }
        }
    }

    /// Solves every platform's graph; the lint rules' findings show as build warnings, found while
    /// the build runs: they never stop it or delay it. They are sent once the graph is solved,
    /// when no step reports any more, as when the graph was solved lazily (after the frontend):
    /// sent while the steps ran, buildx 0.13 once counted two warnings and listed one. An engine
    /// without the Warn call builds without them.
    async fn solve_with_warnings(
        &self,
        plans: &[BuildPlan],
        inputs: &Inputs,
        builder: &ResolvedImage,
        context: Option<&str>,
    ) -> Result<gw::Result, FrontendError> {
        let first = plans.first().ok_or_else(|| self.plain("no platform to build for"))?;
        let warns = self.gateway_caps.missing(["gateway.warnings"]).is_none();
        let findings = async {
            match warns {
                true => self.findings(inputs, first, Some(builder), None).await,
                false => Vec::new(),
            }
        };
        let (result, findings) = tokio::join!(self.solve_plans(plans, inputs, builder, context), findings);
        let sources = self.sources(inputs);
        join_all(
            findings
                .iter()
                .map(|finding| self.client.warn(super::warnings::request(finding, &inputs.file.digest, &sources))),
        )
        .await;
        result
    }

    /// Resolves the builder and checks the context as soon as `context` is there, side by side.
    /// The builder's error comes first, as when the two ran one after the other, and a failed
    /// resolve does not wait for the context. Returns the builder and the context's transfer
    /// (None for a `version` build, which has no context).
    async fn resolve_and_check(
        &self,
        plan: &BuildPlan,
        inputs: &Inputs,
        context: impl std::future::Future<Output = Option<String>>,
    ) -> Result<(ResolvedImage, Option<String>), FrontendError> {
        let resolve = self.resolve(&plan.builder, &plan.build_platform, &inputs.file);
        let check = async { self.check_context(plan, inputs, context.await).await };
        tokio::pin!(resolve, check);
        tokio::select! {
            builder = &mut resolve => {
                let builder = builder?;
                let context = check.await?;
                Ok((builder, context))
            }
            checked = &mut check => {
                let builder = resolve.await?;
                Ok((builder, checked?))
            }
        }
    }

    /// `--check` / `--call=check`: the lint rules' findings, without building.
    async fn lint(&self) -> Result<gw::Result, FrontendError> {
        let inputs = self.read_inputs(self.options.build.target.as_deref(), None).await?;
        let plans = self.plans(&inputs)?;
        let first = plans.first().ok_or_else(|| self.plain("no platform to build for"))?;
        // A builder that cannot be resolved (offline, say) only skips the rule that needs it.
        let builder = self.resolve(&first.builder, &first.build_platform, &inputs.file).await.ok();
        let cgo_off = !inputs.gofile.cgo.as_ref().is_some_and(|c| c.value);
        let survey = match &builder {
            Some(builder) if cgo_off && first.published.is_none() => self.cgo_survey(first, &inputs, builder).await,
            _ => None,
        };
        let findings = self.findings(&inputs, first, builder.as_ref(), survey.as_deref()).await;
        Ok(gw::Result {
            result: None,
            metadata: subrequest::lint(&findings, &self.sources(&inputs)),
            attestations: BTreeMap::new(),
        })
    }

    /// The files a finding can point into: the Gofile, and go.mod.
    fn sources(&self, inputs: &Inputs) -> super::warnings::Sources {
        let gomod_path = plan::layout::file_in(&inputs.layout.module_dir, "go.mod");
        super::warnings::Sources {
            gofile: (inputs.file.name.clone(), inputs.file.text.clone()),
            gomod: inputs.files.texts.get(&gomod_path).map(|text| (gomod_path, text.clone())),
        }
    }

    /// What the lint rules find in this build's inputs.
    async fn findings(
        &self,
        inputs: &Inputs,
        plan: &BuildPlan,
        builder: Option<&ResolvedImage>,
        cgo_packages: Option<&str>,
    ) -> Vec<lint::Finding> {
        let base_user = match &plan.base {
            Base::Image(choice) if inputs.gofile.base.is_some() => {
                self.resolve(choice, &plan.platform, &inputs.file).await.ok().map(|base| base.config.config.user)
            }
            _ => None,
        };
        let builder_go =
            builder.and_then(|b| b.config.env_pairs().into_iter().find(|(k, _)| k == "GOLANG_VERSION")).map(|(_, v)| v);
        let build_args = &self.options.build.build_args;
        let credentials = match builder {
            Some(builder) if plan.downloads() && lint::fetches_directly(build_args) => {
                self.probe_credentials(plan, inputs, builder).await
            }
            _ => None,
        };
        let engine = lint::EngineFacts {
            builder_go: builder_go.as_deref(),
            base_user: base_user.as_deref(),
            credentials,
            cgo_packages,
        };
        let facts = plan::lint_facts(&inputs.gofile, &inputs.layout, build_args);
        let mut findings = plan.findings.clone();
        findings.extend(lint::from_engine(&facts, &engine));
        findings
    }

    /// Runs a probe program (a lint rule's look at the build) and reads one file of its result.
    async fn probe(
        &self,
        program: &Program,
        tree: &ProgramTree,
        inputs: &Inputs,
        images: &[(&ImageChoice, &ResolvedImage)],
        file: &str,
        what: &str,
    ) -> Option<String> {
        let settings = self.settings(inputs, images);
        let mut printer = Printer::new(program, &settings);
        let output = printer.print(&[tree]).ok()?.pop()?;
        let reference = self.solve(printer.finish().definition(&output, None), what, true).await.ok()?;
        let data = self.client.read_file(&reference, file, None).await.ok()?;
        Some(String::from_utf8_lossy(&data).into_owned())
    }

    /// `--check`'s list of imported packages with cgo files. A failure (say, a module that cannot
    /// be downloaded) leaves the rule to the known-module list; the build will report it anyway.
    async fn cgo_survey(&self, plan: &BuildPlan, inputs: &Inputs, builder: &ResolvedImage) -> Option<String> {
        let (program, tree) = steps::cgo_survey(plan);
        self.probe(&program, &tree, inputs, &[(&plan.builder, builder)], "packages", "list packages with cgo files")
            .await
    }

    /// The module's own packages in groups for the CI layers, from the dependency list (a step of
    /// the build itself, solved ahead). When it cannot be listed, no groups: the build's own
    /// listing then fails, and reports why.
    async fn package_groups(&self, plan: &BuildPlan, inputs: &Inputs, builder: &ResolvedImage) -> Vec<PackageGroup> {
        let (program, tree) = steps::own_packages(plan);
        let what = "list the module's own packages";
        let listed = self.probe(&program, &tree, inputs, &[(&plan.builder, builder)], "packages", what).await;
        let packages = listed.and_then(|text| groups::parse(&text, plan::SRC)).unwrap_or_default();
        let groups = groups::group(&packages);
        tracing::debug!(packages = packages.len(), groups = groups.len(), "own packages");
        groups
    }

    /// Which credentials for private modules the Go steps would get; None when the probe cannot
    /// run (the rule then stays quiet rather than guess).
    async fn probe_credentials(
        &self,
        plan: &BuildPlan,
        inputs: &Inputs,
        builder: &ResolvedImage,
    ) -> Option<lint::Credentials> {
        let (program, tree) = steps::credentials_probe(plan);
        let what = "look for private module credentials";
        let text =
            self.probe(&program, &tree, inputs, &[(&plan.builder, builder)], steps::CREDENTIALS_FOUND, what).await?;
        Some(lint::Credentials {
            netrc: text.lines().any(|l| l == "netrc"),
            ssh_agent: text.lines().any(|l| l == "ssh"),
        })
    }

    /// `--print=…`: answered from the Gofile, with no refs.
    async fn answer(&self, request: &str) -> Result<gw::Result, FrontendError> {
        let gofile = if request == subrequest::DESCRIBE {
            None
        } else {
            let file = self.read_build_file().await?;
            match gofile::zero::is_go_file(&file.name, &file.text) {
                // Its targets come from the context.
                true => Some(self.read_inputs(Some("all"), None).await?.gofile),
                false => Some(gofile::parse(&file.text).map_err(|d| file.error(d))?),
            }
        };
        match subrequest::answer(request, gofile.as_ref(), &self.options.build.build_args) {
            Some(metadata) => Ok(gw::Result { result: None, metadata, attestations: BTreeMap::new() }),
            None => Err(FrontendError::Unsupported { request: request.to_string() }),
        }
    }

    /// The Gofile, the context's ignore patterns, and where the module lives. The Gofile and the
    /// context's .dockerignore come from two small transfers that do not wait for each other; the
    /// module files are transferred with the ignore patterns applied, as the build will see them.
    /// `context_excludes` gets the ignore patterns as soon as they are known, when the build needs
    /// the context and the inputs have not transferred it themselves.
    async fn read_inputs(
        &self,
        target: Option<&str>,
        context_excludes: Option<oneshot::Sender<Vec<String>>>,
    ) -> Result<Inputs, FrontendError> {
        // The root's module files are read beside the Gofile and the .dockerignore, with no
        // ignore patterns: a transfer that the build's graph names too (see
        // [`ModuleSearch::applies_ignore`]). The patterns then leave out what they would have.
        // Should that read fail, the usual one (with the patterns) runs, and reports what fails
        // of the files the build would see.
        let early_root = async { self.transfer_module_files(&[], ModuleSearch::Root).await.ok()?.ok() };
        let head = async {
            let (file, context_ignore) = tokio::join!(self.read_build_file(), self.read_context_ignore());
            let file = file?;
            // `<Gofile>.dockerignore` beside the Gofile wins over the context's .dockerignore.
            let ignore_text = file.ignore.clone().or(context_ignore?);
            let excludes = ignore_text.map(|text| dockerignore::patterns(&text)).unwrap_or_default();
            let gofile = match gofile::zero::is_go_file(&file.name, &file.text) {
                true => None,
                false => Some(gofile::parse(&file.text).map_err(|d| file.error(d))?),
            };
            // A Gofile that builds from the context: its transfer starts now, not after the
            // module files' reads (tens of milliseconds on a vendored tree).
            if let (Some(gofile), Some(sender)) = (&gofile, context_excludes) {
                if gofile.version.is_none() {
                    // The receiver may be gone with a failed build: nothing to transfer then.
                    let _ = sender.send(excludes.clone());
                }
            }
            Ok::<_, FrontendError>((file, excludes, gofile))
        };
        let (head, early_root) = tokio::join!(head, early_root);
        let (file, excludes, gofile) = head?;
        let early_root = early_root.map(|files| files.without_excluded(&excludes));
        let read = async |search| match (search, &early_root) {
            (ModuleSearch::Root, Some(files)) => Ok(files.clone()),
            _ => self.module_files(&excludes, &file, search).await,
        };
        let Some(gofile) = gofile else {
            // No Gofile: go.mod (or go.work) is the build file. Finding the main packages reads
            // the whole context, whose transfer runs beside the root's module files'.
            let (reference, root) = tokio::try_join!(self.solve_context(&excludes), read(ModuleSearch::Root))?;
            let tree = RefTree { client: &self.client, reference: reference.clone() };
            let find =
                async |files: &ContextFiles| inputs::zero_config(&file.name, &file.text, files, &tree, target).await;
            let (found, files) = inputs::settle_from(root, read, find).await?;
            let (gofile, layout) = found.map_err(|d| file.error(d))?;
            return Ok(Inputs { file, gofile, layout, excludes, files, context: Some(reference) });
        };
        let (layout, files) = if gofile.version.is_some() {
            let mut layout = plan::layout::published(&gofile);
            if let Some(gomod) = self.published_gomod(&gofile, &file).await? {
                (layout.gomod.go, layout.gomod.toolchain) = (gomod.go, gomod.toolchain);
            }
            (layout, ContextFiles::default())
        } else {
            let find = async |files: &ContextFiles| Ok((gofile.clone(), plan::layout::locate(&gofile, files)?));
            let (found, files) = inputs::settle(read, find).await?;
            (found.map_err(|d| file.error(d))?.1, files)
        };
        Ok(Inputs { file, gofile, layout, excludes, files, context: None })
    }

    /// The context's module metadata, transferred with the ignore patterns applied.
    async fn module_files(
        &self,
        excludes: &[String],
        file: &BuildFile,
        search: ModuleSearch,
    ) -> Result<ContextFiles, FrontendError> {
        self.transfer_module_files(excludes, search).await?.map_err(|e| self.unreadable(file, e))
    }

    /// [`Self::module_files`] before the Gofile is known: a read error is left to the caller.
    async fn transfer_module_files(
        &self,
        excludes: &[String],
        search: ModuleSearch,
    ) -> Result<Result<ContextFiles, ReadError>, FrontendError> {
        let local = self.context_local(search.shared_key(), search.patterns(), excludes);
        let (reference, _) = self.solve_local(local, "[gofront] load go.mod", false).await?;
        let tree = RefTree { client: &self.client, reference };
        Ok(inputs::module_files(&tree, search).await)
    }

    /// A `version` build without `go`: the module's go.mod from the first proxy of GOPROXY (an
    /// HTTP source BuildKit fetches), whose `go` line picks the builder. None when `go` or
    /// GO_VERSION decide, or when GOPROXY names no proxy (the plan then asks for `go`).
    async fn published_gomod(
        &self,
        gofile: &gofile::Gofile,
        file: &BuildFile,
    ) -> Result<Option<crate::gomod::GoMod>, FrontendError> {
        let args = &self.options.build.build_args;
        let (Some(version), None, false) = (&gofile.version, &gofile.go, args.contains_key("GO_VERSION")) else {
            return Ok(None);
        };
        let Some(proxy) = plan::first_proxy(args.get("GOPROXY").map(String::as_str)) else { return Ok(None) };
        let published = plan::Published::of(&gofile.module.value, &version.value);
        let url = published.gomod_url(&proxy);
        let mut graph = Graph::new();
        let source = pb::SourceOp {
            identifier: url.clone(),
            attrs: BTreeMap::from([("http.filename".into(), "go.mod".into())]),
        };
        let name = format!("[gofront] go.mod of {}", published.reference);
        let output = graph.source(source, None, &name, &["source.http"]);
        let failed = |reason: String| {
            file.error(
                Diagnostic::new(format!("cannot read the go.mod of {} from {url}: {reason}", published.reference))
                    .at(version.span.clone())
                    .hint("check the version and GOPROXY, or add a line such as `go = \"1.24\"`"),
            )
        };
        let reference =
            self.solve(graph.definition(&output, None), &name, true).await.map_err(|e| failed(e.to_string()))?;
        let data =
            self.client.read_file(&reference, "go.mod", None).await.map_err(|s| failed(s.message().to_string()))?;
        crate::gomod::parse(&String::from_utf8_lossy(&data)).map(Some).map_err(|e| failed(e.to_string()))
    }

    /// A context file that could not be read: what failed, on the Gofile's `module` line.
    fn unreadable(&self, file: &BuildFile, error: ReadError) -> FrontendError {
        let hint = match &error {
            ReadError::TooLarge { .. } => "a go.mod or go.work is a few kilobytes and a go.sum a few megabytes: check that this is the file you mean, or leave it out with .dockerignore",
            _ => "check that the client can read the file (its permissions, a broken disk or mount), then build again",
        };
        file.error(
            Diagnostic::new(format!("cannot read the build context: {error}")).at(file_start(&file.text)).hint(hint),
        )
    }

    /// The whole build context, as every step sees it.
    async fn solve_context(&self, excludes: &[String]) -> Result<String, FrontendError> {
        let local = self.context_local("context", Vec::new(), excludes);
        // Evaluated: the transfer runs while the frontend reads the module files and plans.
        Ok(self.solve_local(local, "[gofront] load build context", true).await?.0)
    }

    fn context_local(&self, shared_key: &str, include: Vec<String>, excludes: &[String]) -> Local {
        Local {
            name: "context".into(),
            session: self.env.session_id.clone(),
            shared_key: shared_key.into(),
            include,
            exclude: excludes.to_vec(),
            ..Default::default()
        }
    }

    async fn read_context_ignore(&self) -> Result<Option<String>, FrontendError> {
        let local = Local {
            name: "context".into(),
            session: self.env.session_id.clone(),
            shared_key: "context-.dockerignore".into(),
            follow: vec![".dockerignore".into()],
            differ_none: true,
            ..Default::default()
        };
        let (reference, _) = self.solve_local(local, "[gofront] load .dockerignore", false).await?;
        let tree = RefTree { client: &self.client, reference };
        let limit = inputs::read_limit(".dockerignore");
        match tree.read(".dockerignore", Some(limit + 1)).await {
            Ok(data) if data.len() as u64 > limit => {
                let error = ReadError::TooLarge { path: ".dockerignore".into(), size: data.len() as u64, limit };
                Err(self.plain(format!(
                    "{error}: a .dockerignore is a list of patterns; check that this is the file you mean"
                )))
            }
            Ok(data) => Ok(Some(String::from_utf8_lossy(&data).into_owned())),
            Err(ReadError::Missing(_)) => Ok(None),
            Err(other) => Err(self.plain(other.to_string())),
        }
    }

    /// One plan per target platform; checks (test, vet) run once, natively.
    fn plans(&self, inputs: &Inputs) -> Result<Vec<BuildPlan>, FrontendError> {
        let file = &inputs.file;
        let build_platform = self.env.worker_platforms.first().cloned().unwrap_or_else(|| Platform {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: String::new(),
        });
        let options = self.options.build_options(build_platform.clone());
        let targets = self.options.platforms.clone();
        let targets = if targets.is_empty() { vec![build_platform] } else { targets };
        let mut plans = Vec::new();
        for target in targets {
            let options = plan::BuildOptions { target_platform: Some(target), ..options.clone() };
            plans.push(plan::plan(&inputs.gofile, &inputs.layout, &options).map_err(|d| file.error(d))?);
        }
        if plans.first().is_some_and(|p| p.target.checks()) {
            plans.truncate(1);
        }
        Ok(plans)
    }

    /// What the build needs besides the program.
    fn settings(&self, inputs: &Inputs, images: &[(&ImageChoice, &ResolvedImage)]) -> Settings {
        let args = &self.options.build.build_args;
        let get = |name: &str| {
            args.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default()
        };
        let proxy = pb::ProxyEnv {
            http_proxy: get("HTTP_PROXY"),
            https_proxy: get("HTTPS_PROXY"),
            ftp_proxy: get("FTP_PROXY"),
            no_proxy: get("NO_PROXY"),
            all_proxy: get("ALL_PROXY"),
        };
        Settings {
            build_args: args.clone(),
            images: images.iter().map(|(choice, resolved)| (choice.reference.clone(), (*resolved).clone())).collect(),
            session: self.env.session_id.clone(),
            excludes: inputs.excludes.clone(),
            resolve_mode: self.options.resolve_mode.clone(),
            hosts: self.options.build.extra_hosts.clone(),
            proxy: (proxy != pb::ProxyEnv::default()).then_some(proxy),
        }
    }

    /// Prints and solves each platform's program; one `ref`, or `refs` with `refs.platforms`.
    async fn solve_plans(
        &self,
        plans: &[BuildPlan],
        inputs: &Inputs,
        builder: &ResolvedImage,
        context: Option<&str>,
    ) -> Result<gw::Result, FrontendError> {
        let file = &inputs.file;
        let source_info = pb::SourceInfo {
            filename: file.name.clone(),
            data: file.text.clone().into_bytes(),
            language: "toml".into(),
            definition: None,
        };
        let multi = plans.len() > 1 || self.options.multi_platform;
        // Every platform's graph is solved at once; BuildKit shares what they have in common.
        let solved =
            try_join_all(plans.iter().map(|plan| self.solve_plan(plan, inputs, builder, context, &source_info)))
                .await?;
        let mut refs = BTreeMap::new();
        let mut metadata = BTreeMap::new();
        let mut attestations = BTreeMap::new();
        let mut platforms_json = Vec::new();
        for (plan, (id, config, sbom)) in plans.iter().zip(solved) {
            let key = plan.platform.to_string();
            if let Some(sbom) = sbom {
                attestations.insert(key.clone(), gw::Attestations { attestation: vec![sbom] });
            }
            let config_key =
                if multi { format!("containerimage.config/{key}") } else { "containerimage.config".to_string() };
            metadata.insert(config_key, config);
            platforms_json.push(serde_json::json!({ "ID": key, "Platform": plan.platform }));
            refs.insert(key, gw::Ref { id, def: None });
        }
        // Written for one platform too, as the Dockerfile frontend does: exporters and attestation
        // steps read the platform of each result from it.
        let mapping = serde_json::json!({ "Platforms": platforms_json });
        metadata.insert("refs.platforms".into(), mapping.to_string().into_bytes());
        if multi {
            let result = Some(gw::result::Result::Refs(gw::RefMap { refs }));
            return Ok(gw::Result { result, metadata, attestations });
        }
        let reference = refs.into_values().next().ok_or_else(|| self.plain("the build produced no result"))?;
        Ok(gw::Result { result: Some(gw::result::Result::Ref(reference)), metadata, attestations })
    }

    /// One platform: its base, its program, its solve; returns the result's id and its image config.
    async fn solve_plan(
        &self,
        plan: &BuildPlan,
        inputs: &Inputs,
        builder: &ResolvedImage,
        context: Option<&str>,
        source_info: &pb::SourceInfo,
    ) -> Result<(String, Vec<u8>, Option<gw::Attestation>), FrontendError> {
        // Only the release build uses the groups (debug and test builds compile with other
        // flags); a `version` build has no dependency layers, so none.
        let found = match plan.dependency_layers && plan.target.builds_binaries() {
            true => self.source_facts(plan, inputs, builder, context).await,
            false => steps::SourceFacts::default(),
        };
        self.solve_program(plan, inputs, builder, &found, source_info).await
    }

    /// What the CI layers need of the sources: read by the frontend itself when the plan allows
    /// it (see [`plan::imports`]), else from the list step, solved ahead of the build.
    async fn source_facts(
        &self,
        plan: &BuildPlan,
        inputs: &Inputs,
        builder: &ResolvedImage,
        context: Option<&str>,
    ) -> steps::SourceFacts {
        if let (Some(scan), Some(context)) = (&plan.import_scan, context) {
            let started = Instant::now();
            let tree = RefTree { client: &self.client, reference: context.to_string() };
            match inputs::read_sources(&tree, scan).await {
                Ok(read) => {
                    let ms = started.elapsed().as_millis() as u64;
                    let (imports, own) = (read.outside_imports.len(), read.own_packages.len());
                    tracing::info!(ms, imports, own, "read the sources' imports");
                    let groups = groups::group(&read.own_packages);
                    return steps::SourceFacts { groups, outside_imports: Some(read.outside_imports) };
                }
                Err(error) => tracing::info!(%error, "cannot read the sources' imports; the list step will"),
            }
        }
        steps::SourceFacts { groups: self.package_groups(plan, inputs, builder).await, outside_imports: None }
    }

    /// Prints and solves one platform's program, with what was found of its sources.
    async fn solve_program(
        &self,
        plan: &BuildPlan,
        inputs: &Inputs,
        builder: &ResolvedImage,
        found: &steps::SourceFacts,
        source_info: &pb::SourceInfo,
    ) -> Result<(String, Vec<u8>, Option<gw::Attestation>), FrontendError> {
        let file = &inputs.file;
        let (base, packages) = match &plan.base {
            // The checks run in the builder alone: no base to resolve (or to reach).
            Base::Image(_) if plan.target.checks() => (None, None),
            Base::Image(choice) => {
                let base = self.resolve(choice, &plan.platform, file).await?;
                let packages = match plan.packages.is_empty() {
                    true => None,
                    false => Some(self.package_manager(&base, plan, &inputs.gofile, file).await?),
                };
                (Some((choice, base)), packages)
            }
            Base::Scratch => (None, None),
        };
        let program = steps::program(plan, packages, found);
        let output = program
            .output(plan.target.output())
            .ok_or_else(|| self.plain(format!("no output {:?}", plan.target.output())))?;
        let delve = match (&plan.target, &plan.delve) {
            (plan::Target::Debug, plan::Delve::Image(choice)) => {
                Some((choice, self.resolve(choice, &plan.platform, file).await?))
            }
            _ => None,
        };
        let mut images = vec![(&plan.builder, builder)];
        images.extend(base.as_ref().map(|(choice, resolved)| (*choice, resolved)));
        images.extend(delve.as_ref().map(|(choice, resolved)| (*choice, resolved)));
        let settings = self.settings(inputs, &images);
        let bug = |e: crate::program::llb::Unresolved| self.plain(format!("gofront could not print its build: {e}"));
        let mut printer = Printer::new(&program, &settings);
        let result = printer.print(&[&output.tree]).map_err(bug)?.pop().ok_or_else(|| self.plain("no result"))?;
        let config = printer.config(output).map_err(bug)?;
        let config =
            serde_json::to_vec(&config).map_err(|e| self.plain(format!("cannot encode the image config: {e}")))?;
        let mut graph = printer.finish();
        if self.options.no_cache {
            graph.ignore_cache();
        }
        self.check_llb_caps(&graph)?;
        // `--sbom`: gofront's own SBOM from the binaries' build info, for images (BuildKit then
        // runs no scanner). Its step is printed apart, so the build's own definition is the same
        // with or without it.
        let sbom_definition = match (self.options.sbom, &plan.target) {
            (true, plan::Target::Image(_)) => {
                let mut with_sbom = program.clone();
                let tree =
                    steps::sbom(&mut with_sbom, &output.tree).ok_or_else(|| self.plain("no builder for the SBOM"))?;
                let mut printer = Printer::new(&with_sbom, &settings);
                let step = printer.print(&[&tree]).map_err(bug)?.pop().ok_or_else(|| self.plain("no SBOM step"))?;
                Some(printer.finish().definition(&step, Some(source_info.clone())))
            }
            _ => None,
        };
        let definition = graph.definition(&result, Some(source_info.clone()));
        // Built before the result returns, not by the exporter after: BuildKit works through the
        // graph while the frontend still checks the context, and a check (vet, tests) runs even
        // when nothing exports it. Its steps' errors reach the user as BuildKit words them.
        let (id, sbom) = tokio::join!(self.solve(definition, "", true), async {
            match sbom_definition {
                Some(definition) => self.sbom(plan, definition).await.map(Some),
                None => Ok(None),
            }
        });
        Ok((id?, config, sbom?))
    }

    /// Runs the SBOM step, turns `go version -m` into an SPDX document, and stores it in a
    /// result of its own: the attestation points at that file.
    async fn sbom(&self, plan: &BuildPlan, definition: pb::Definition) -> Result<gw::Attestation, FrontendError> {
        let info_ref = self.solve(definition, "read the binaries' build info", true).await?;
        let info = self.client.read_file(&info_ref, "buildinfo.txt", None).await.map_err(|status| {
            self.plain(format!("cannot read the binaries' build info for the SBOM: {}", status.message()))
        })?;
        let binaries = crate::sbom::parse(&String::from_utf8_lossy(&info));
        let created = crate::image::rfc3339(plan.epoch.unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
        }));
        let document = crate::sbom::spdx(&binaries, plan.entrypoint(), &created);
        let bytes =
            serde_json::to_vec_pretty(&document).map_err(|e| self.plain(format!("cannot encode the SBOM: {e}")))?;
        let mut graph = Graph::new();
        let timestamp = plan.epoch.unwrap_or(0).saturating_mul(1_000_000_000);
        let file = graph.file(
            llb::FileOps::on(None, timestamp).mkfile("/sbom.spdx.json", 0o644, &bytes),
            &format!("[gofront] SBOM ({})", plan.platform),
        );
        let id = self.solve(graph.definition(&file, None), "store the SBOM", true).await?;
        Ok(gw::Attestation {
            kind: gw::AttestationKind::InToto as i32,
            metadata: BTreeMap::from([("reason".to_string(), b"sbom".to_vec())]),
            r#ref: Some(gw::Ref { id, def: None }),
            path: "/sbom.spdx.json".into(),
            in_toto_predicate_type: crate::sbom::SPDX_PREDICATE.into(),
            ..Default::default()
        })
    }

    /// Reads the Gofile from the client: the `dockerfile` input when BuildKit forwarded one, else the local.
    async fn read_build_file(&self) -> Result<BuildFile, FrontendError> {
        let name = self.options.filename.clone();
        let local_name = self.options.dockerfile_key.clone();
        let local = Local {
            name: local_name.clone(),
            session: self.env.session_id.clone(),
            shared_key: local_name,
            follow: vec![name.clone(), format!("{name}.dockerignore")],
            differ_none: true,
            ..Default::default()
        };
        let (reference, digest) =
            self.solve_local(local, &format!("[internal] load build definition from {name}"), false).await?;
        let ignore_name = format!("{name}.dockerignore");
        let (data, ignore) =
            tokio::join!(self.client.read_file(&reference, &name, None), self.read_text(&reference, &ignore_name));
        let data = data.map_err(|status| {
            self.plain(format!("cannot read the Gofile {name:?} from the client: {}", status.message()))
        })?;
        if data.len() > MAX_GOFILE {
            // The first line alone, for the snippet: the whole file would not fit in an error.
            let head = data.split(|b| *b == b'\n').next().unwrap_or_default();
            return Err(FrontendError::Input {
                diagnostic: Diagnostic::new(format!(
                    "the {name} is {} bytes; gofront reads at most {MAX_GOFILE} bytes",
                    data.len()
                ))
                .hint("a Gofile is a few lines of settings: move large values (labels, env) out of it"),
                filename: name.clone(),
                text: String::from_utf8_lossy(head).into_owned(),
            });
        }
        let text = String::from_utf8(data).map_err(|e| {
            // Show the place: the text up to the first bad byte is intact in the lossy copy.
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            FrontendError::Input {
                diagnostic: Diagnostic::new(format!("{name} is not UTF-8 text"))
                    .at(at..at + 1)
                    .hint("save the Gofile as UTF-8 (TOML files are UTF-8)"),
                filename: name.clone(),
                text,
            }
        })?;
        Ok(BuildFile { name, text, digest, ignore: ignore? })
    }

    /// A local source; returns the result's id and the digest of the op that loaded it. The
    /// transfer starts at the first read of the result, or at once with `evaluate`.
    async fn solve_local(&self, local: Local, name: &str, evaluate: bool) -> Result<(String, String), FrontendError> {
        let mut graph = Graph::new();
        let (op, caps) = local.into_op();
        let output = graph.source(op, None, name, &caps);
        let reference = self.solve(graph.definition(&output, None), name, evaluate).await?;
        Ok((reference, output.digest))
    }

    async fn solve(&self, definition: pb::Definition, what: &str, evaluate: bool) -> Result<String, FrontendError> {
        let size = definition.encoded_len();
        if size > MAX_REQUEST {
            return Err(self.plain(format!(
                "the build graph is {size} bytes, over the {MAX_REQUEST} bytes Docker's BuildKit accepts in one request; \
                 make the Gofile smaller (large `env`/`labels`?)"
            )));
        }
        let imports: Vec<gw::CacheOptionsEntry> = self
            .options
            .cache_imports
            .iter()
            .map(|i| gw::CacheOptionsEntry { r#type: i.kind.clone(), attrs: i.attrs.clone() })
            .collect();
        let request = client::solve_request(definition, evaluate, &imports);
        self.client.solve(request).await.map_err(FrontendError::engine(what))
    }

    /// A small text file of a result: None when it does not exist, an error when it cannot be read.
    async fn read_text(&self, reference: &str, path: &str) -> Result<Option<String>, FrontendError> {
        match self.client.read_file(reference, path, None).await.map_err(|s| read_error(path, s)) {
            Ok(data) => Ok(Some(String::from_utf8_lossy(&data).into_owned())),
            Err(ReadError::Missing(_)) => Ok(None),
            Err(other) => Err(self.plain(other.to_string())),
        }
    }

    async fn resolve(
        &self,
        choice: &ImageChoice,
        platform: &Platform,
        file: &BuildFile,
    ) -> Result<ResolvedImage, FrontendError> {
        let request = gw::ResolveImageConfigRequest {
            r#ref: choice.reference.clone(),
            platform: Some(platform.wire()),
            resolve_mode: self.options.resolve_mode.clone().unwrap_or_default(),
            log_name: format!("[gofront] resolve {} for {platform}", reference::familiar(&choice.reference)),
            session_id: self.env.session_id.clone(),
            ..Default::default()
        };
        let response = match self.client.resolve(request).await {
            Ok(response) => response,
            Err(status) => {
                let mut diagnostic = Diagnostic::new(format!(
                    "cannot get the image {} ({}): {}",
                    reference::familiar(&choice.reference),
                    choice.origin,
                    status.message()
                ))
                .hint(
                    "check the name, or pass a local image with --build-context builder=docker-image://REF (or base=…)",
                );
                if let Some(span) = &choice.span {
                    diagnostic = diagnostic.at(span.clone());
                }
                return Err(file.error(diagnostic));
            }
        };
        let config = ImageConfig::from_json(&response.config).map_err(|e| {
            file.error(Diagnostic::new(format!("the image {} has an unreadable config: {e}", choice.reference)))
        })?;
        let resolved = if response.r#ref.is_empty() { choice.reference.clone() } else { response.r#ref.clone() };
        Ok(ResolvedImage { reference: reference::pin(&resolved, &response.digest), config })
    }

    /// Looks into the base image's /etc/os-release to pick apt-get or apk for `packages`.
    async fn package_manager(
        &self,
        base: &ResolvedImage,
        plan: &BuildPlan,
        gofile: &gofile::Gofile,
        file: &BuildFile,
    ) -> Result<PackageManager, FrontendError> {
        let mut graph = Graph::new();
        let (op, caps) = llb::image_source(&base.reference, self.options.resolve_mode.as_deref());
        let name = format!("[gofront] inspect {} ({})", reference::familiar(&base.reference), plan.platform);
        let root = graph.source(op, Some(plan.platform.wire()), &name, &caps);
        let id = self.solve(graph.definition(&root, None), &name, false).await?;
        let release = match self.read_text(&id, "etc/os-release").await? {
            Some(text) => text,
            None => self.read_text(&id, "usr/lib/os-release").await?.unwrap_or_default(),
        };
        let span = gofile.packages.first().map_or(gofile.whole.clone(), |p| p.span.clone());
        PackageManager::from_os_release(&release).ok_or_else(|| {
            file.error(
                Diagnostic::new(format!(
                    "`packages` needs apt-get or apk, but the base {} is neither Debian- nor Alpine-based",
                    reference::familiar(&base.reference)
                ))
                .at(span)
                .hint("use base = \"debian\" or \"alpine\", or an image derived from them"),
            )
        })
    }

    /// What the context must hold before compiling: each main package, and `files` that stay in it.
    /// `context` is the context's transfer when it has been solved already. Returns the transfer
    /// it read (None for a `version` build).
    async fn check_context(
        &self,
        plan: &BuildPlan,
        inputs: &Inputs,
        context: Option<String>,
    ) -> Result<Option<String>, FrontendError> {
        if plan.published.is_some() {
            return Ok(None);
        }
        let reference = match context {
            Some(reference) => reference,
            None => self.solve_context(&inputs.excludes).await?,
        };
        let tree = RefTree { client: &self.client, reference };
        let (mains, files) =
            tokio::join!(inputs::check_main_packages(&tree, plan), inputs::check_files(&tree, &inputs.gofile));
        mains.and(files).map_err(|d| inputs.file.error(d))?;
        Ok(Some(tree.reference))
    }

    fn check_llb_caps(&self, graph: &Graph) -> Result<(), FrontendError> {
        let caps = graph.caps();
        match self.llb_caps.missing(caps.iter().map(String::as_str)) {
            Some(cap) => Err(self.plain(format!(
                "this BuildKit lacks the LLB capability `{cap}` that gofront needs; use Docker Engine 26.1 (BuildKit 0.13) or newer"
            ))),
            None => Ok(()),
        }
    }
}

/// The start of the Gofile's first key line, for errors about the context as a whole (the
/// `# syntax` line otherwise gets them).
fn file_start(text: &str) -> std::ops::Range<usize> {
    let header = text.lines().take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty());
    let start = header.map(|l| l.len() + 1).sum::<usize>().min(text.len());
    start..start
}
