//! One frontend invocation: read the inputs, plan, emit LLB, solve, return.

use std::collections::BTreeMap;

use super::caps::Caps;
use super::client::Bridge;
use super::env::FrontendEnv;
use super::error::FrontendError;
use super::options::Options;
use super::subrequest;
use crate::diagnostic::Diagnostic;
use crate::image::ImageConfig;
use crate::llb::{self, Graph, Local};
use crate::plan::stages::{self, ContextSource, PackageManager, ResolvedImage};
use crate::plan::{self, Base, BuildPlan, ContextFiles, ImageChoice};
use crate::platform::Platform;
use crate::proto::moby::buildkit::v1::frontend as gw;
use crate::proto::pb;
use futures_util::future::{join_all, try_join_all};
use prost::Message;
use std::time::Instant;

use crate::{dockerignore, gofile, gosource, lint, reference};

/// Docker 26.1's BuildKit rejects requests over 4 MiB; leave room for the envelope.
const MAX_REQUEST: usize = (4 << 20) - (64 << 10);

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
    context: ContextSource,
    /// The module metadata files read from the context (none for a `version` build).
    files: ContextFiles,
}

pub struct Frontend {
    client: Bridge,
    env: FrontendEnv,
    /// The frontend options, read once at start.
    options: Options,
    gateway_caps: Caps,
    llb_caps: Caps,
}

impl Frontend {
    pub async fn start(mut client: Bridge, env: FrontendEnv) -> Result<Frontend, FrontendError> {
        let pong = client.ping(gw::PingRequest {}).await.map_err(FrontendError::engine("ping BuildKit"))?.into_inner();
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

    pub async fn finish(mut self, outcome: Result<gw::Result, FrontendError>) -> Result<(), tonic::Status> {
        let request = match outcome {
            Ok(result) => gw::ReturnRequest { result: Some(result), error: None },
            Err(err) => {
                tracing::warn!(error = %err, "build failed");
                gw::ReturnRequest { result: None, error: Some(err.into_status()) }
            }
        };
        self.client.r#return(request).await.map(|_| ())
    }

    fn plain(&self, message: impl Into<String>) -> FrontendError {
        FrontendError::Input { diagnostic: Diagnostic::new(message), filename: self.filename(), text: String::new() }
    }

    fn filename(&self) -> String {
        self.options.filename.clone()
    }

    fn opts(&self) -> &Options {
        &self.options
    }

    /// The whole invocation: inputs → plans (one per platform) → LLB → solve → result.
    pub async fn build(&mut self) -> Result<gw::Result, FrontendError> {
        if let Some(cap) = self.gateway_caps.missing(REQUIRED_GATEWAY_CAPS.iter().copied()) {
            return Err(self.plain(format!(
                "this BuildKit lacks the gateway capability `{cap}` that gofront needs; use Docker Engine 26.1 (BuildKit 0.13) or newer"
            )));
        }
        if let Some(request) = self.opts().request.clone() {
            if request == subrequest::LINT {
                return self.lint().await;
            }
            return self.answer(&request).await;
        }
        let started = Instant::now();
        let inputs = self.read_inputs().await?;
        tracing::info!(ms = started.elapsed().as_millis() as u64, "read the Gofile and the module files");
        let plans = self.plans(&inputs)?;
        let first = plans.first().ok_or_else(|| self.plain("no platform to build for"))?;
        // Independent questions to the engine, asked at once.
        let (checked, builder) = tokio::join!(
            self.check_main_packages(first, &inputs.context, &inputs.file),
            self.resolve(&first.builder, &first.build_platform, &inputs.file),
        );
        checked?;
        let builder = builder?;
        tracing::info!(ms = started.elapsed().as_millis() as u64, "checked the main packages, resolved the builder");
        // The lint rules' findings show as build warnings, found and sent while the build runs:
        // they never stop it or delay it. An engine without the Warn call builds without them.
        let warnings = async {
            if self.gateway_caps.missing(["gateway.warnings"]).is_some() {
                return;
            }
            let findings = self.findings(&inputs, first, Some(&builder), None).await;
            let sources = self.sources(&inputs);
            join_all(findings.iter().map(|finding| {
                let request = super::warnings::request(finding, &inputs.file.digest, &sources);
                let mut client = self.client.clone();
                async move { client.warn(request).await }
            }))
            .await;
        };
        let (result, _) = tokio::join!(self.solve_plans(&plans, &inputs, &builder), warnings);
        tracing::info!(ms = started.elapsed().as_millis() as u64, "solved");
        result
    }

    /// `--check` / `--call=check`: the lint rules' findings, without building.
    async fn lint(&self) -> Result<gw::Result, FrontendError> {
        let inputs = self.read_inputs().await?;
        let plans = self.plans(&inputs)?;
        let first = plans.first().ok_or_else(|| self.plain("no platform to build for"))?;
        // A builder that cannot be resolved (offline, say) only skips the rule that needs it.
        let builder = self.resolve(&first.builder, &first.build_platform, &inputs.file).await.ok();
        let cgo_off = !inputs.gofile.cgo.as_ref().is_some_and(|c| c.value);
        let survey = match &builder {
            Some(builder) if cgo_off && first.published.is_none() => {
                self.cgo_survey(first, &inputs.context, builder).await
            }
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
        let texts = &inputs.files.texts;
        let module_file = |name: &str| plan::layout::file_in(&inputs.layout.module_dir, name);
        let gomod_path = module_file("go.mod");
        let modules_txt = inputs.layout.vendor_dir.as_ref().map(|dir| plan::layout::file_in(dir, "modules.txt"));
        let build_args = &self.opts().build.build_args;
        let credentials = match builder {
            Some(builder) if plan.downloads() && lint::fetches_directly(build_args) => {
                self.probe_credentials(plan, builder).await
            }
            _ => None,
        };
        lint::check(&lint::Input {
            gofile: Some(&inputs.gofile),
            gomod: texts.get(&gomod_path).map(|text| (gomod_path.as_str(), text.as_str())),
            gosum: texts.get(&module_file("go.sum")).map(String::as_str),
            modules_txt: modules_txt.as_ref().and_then(|path| texts.get(path)).map(String::as_str),
            build_args: Some(build_args),
            builder_go: builder_go.as_deref(),
            base_user: base_user.as_deref(),
            credentials,
            cgo_packages,
        })
    }

    /// `--check`'s list of imported packages with cgo files. A failure (say, a module that cannot
    /// be downloaded) leaves the rule to the known-module list; the build will report it anyway.
    async fn cgo_survey(&self, plan: &BuildPlan, context: &ContextSource, builder: &ResolvedImage) -> Option<String> {
        let (graph, list) = stages::cgo_survey(plan, context, builder);
        let definition = graph.definition(&list, None);
        let reference = self.solve(definition, "list packages with cgo files", true).await.ok()?;
        self.read_text(&reference, "packages").await
    }

    /// Which credentials for private modules the Go steps would get; None when the probe cannot
    /// run (the rule then stays quiet rather than guess).
    async fn probe_credentials(&self, plan: &BuildPlan, builder: &ResolvedImage) -> Option<lint::Credentials> {
        let (graph, found) = stages::credentials_probe(plan, builder, self.opts().resolve_mode.as_deref());
        let definition = graph.definition(&found, None);
        let reference = self.solve(definition, "look for private module credentials", true).await.ok()?;
        let text = self.read_text(&reference, stages::CREDENTIALS_FOUND).await?;
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
            Some(gofile::parse(&file.text).map_err(|d| file.error(d))?)
        };
        match subrequest::answer(request, gofile.as_ref(), &self.opts().build.build_args) {
            Some(metadata) => Ok(gw::Result { result: None, metadata, attestations: BTreeMap::new() }),
            None => Err(FrontendError::Unsupported { request: request.to_string() }),
        }
    }

    /// The Gofile, the context's ignore patterns, and where the module lives. The Gofile and the
    /// context's .dockerignore come from two small transfers that do not wait for each other; the
    /// module files are transferred with the ignore patterns applied, as the build will see them.
    async fn read_inputs(&self) -> Result<Inputs, FrontendError> {
        let (file, context_ignore) = tokio::join!(self.read_build_file(), self.read_context_ignore());
        let file = file?;
        let gofile = gofile::parse(&file.text).map_err(|d| file.error(d))?;
        // `<Gofile>.dockerignore` beside the Gofile wins over the context's .dockerignore.
        let ignore_text = file.ignore.clone().or(context_ignore?);
        let excludes = ignore_text.map(|text| dockerignore::patterns(&text)).unwrap_or_default();
        let (layout, files) = if gofile.version.is_some() {
            (plan::layout::published(&gofile), ContextFiles::default())
        } else {
            let files = self.read_module_files(&excludes).await?;
            (plan::layout::locate(&gofile, &files).map_err(|d| file.error(d))?, files)
        };
        let context = ContextSource {
            session: self.env.session_id.clone(),
            excludes,
            resolve_mode: self.opts().resolve_mode.clone(),
        };
        Ok(Inputs { file, gofile, layout, context, files })
    }

    async fn read_context_ignore(&self) -> Result<Option<String>, FrontendError> {
        let source = stages::ignore_file_source(&self.env.session_id);
        let (reference, _) = self.solve_local(source, "[gofront] load .dockerignore").await?;
        Ok(self.read_text(&reference, ".dockerignore").await)
    }

    /// The module metadata of the context: go.mod, go.work… and where they are.
    async fn read_module_files(&self, excludes: &[String]) -> Result<ContextFiles, FrontendError> {
        let source = stages::module_files_source(&self.env.session_id, excludes);
        let (reference, _) = self.solve_local(source, "[gofront] load go.mod").await?;
        self.module_files(&reference).await
    }

    /// One plan per target platform; checks (test, vet) run once, natively.
    fn plans(&self, inputs: &Inputs) -> Result<Vec<BuildPlan>, FrontendError> {
        let file = &inputs.file;
        let build_platform = self.env.worker_platforms.first().cloned().unwrap_or_else(|| Platform {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: String::new(),
        });
        let options = self.opts().build_options(build_platform.clone());
        let targets = self.opts().platforms.clone();
        let targets = if targets.is_empty() { vec![build_platform] } else { targets };
        let mut plans = Vec::new();
        for target in targets {
            let options = plan::BuildOptions { target_platform: Some(target), ..options.clone() };
            plans.push(plan::plan(&inputs.gofile, &inputs.layout, &options).map_err(|d| file.error(d))?);
        }
        if plans.first().is_some_and(|p| matches!(p.target, plan::Target::Test | plan::Target::Vet)) {
            plans.truncate(1);
        }
        Ok(plans)
    }

    /// Emits and solves each platform's graph; one `ref`, or `refs` with `refs.platforms`.
    async fn solve_plans(
        &self,
        plans: &[BuildPlan],
        inputs: &Inputs,
        builder: &ResolvedImage,
    ) -> Result<gw::Result, FrontendError> {
        let file = &inputs.file;
        let source_info = pb::SourceInfo {
            filename: file.name.clone(),
            data: file.text.clone().into_bytes(),
            language: "toml".into(),
            definition: None,
        };
        let multi = plans.len() > 1 || self.opts().multi_platform;
        // Every platform's graph is solved at once; BuildKit shares what they have in common.
        let solved =
            try_join_all(plans.iter().map(|plan| self.solve_plan(plan, inputs, builder, &source_info))).await?;
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

    /// One platform: its base, its graph, its solve; returns the result's id and its image config.
    async fn solve_plan(
        &self,
        plan: &BuildPlan,
        inputs: &Inputs,
        builder: &ResolvedImage,
        source_info: &pb::SourceInfo,
    ) -> Result<(String, Vec<u8>, Option<gw::Attestation>), FrontendError> {
        let file = &inputs.file;
        let base = match &plan.base {
            Base::Image(choice) => {
                let mut base = self.resolve(choice, &plan.platform, file).await?;
                if !plan.packages.is_empty() {
                    base.package_manager = Some(self.package_manager(&base, plan, &inputs.gofile, file).await?);
                }
                Some(base)
            }
            Base::Scratch => None,
        };
        let emitted = stages::emit(plan, &inputs.context, builder, base.as_ref());
        let config = serde_json::to_vec(&emitted.config)
            .map_err(|e| self.plain(format!("cannot encode the image config: {e}")))?;
        let evaluate = emitted.evaluate;
        let mut graph = emitted.graph;
        if self.opts().no_cache {
            graph.ignore_cache();
        }
        self.check_llb_caps(&graph)?;
        // `--sbom`: gofront's own SBOM from the binaries' build info, for images (BuildKit then
        // runs no scanner). Its step goes on a copy of the graph, so the build's own definition
        // is the same with or without it.
        let sbom_definition = match (&emitted.binaries, self.opts().sbom, &plan.target) {
            (Some(binaries), true, plan::Target::Image(_)) => {
                let mut sbom_graph = graph.clone();
                let step = stages::sbom_step(&mut sbom_graph, plan, &emitted.builder, binaries);
                Some(sbom_graph.definition(&step, Some(source_info.clone())))
            }
            _ => None,
        };
        let definition = graph.definition(&emitted.result, Some(source_info.clone()));
        let (id, sbom) = tokio::join!(self.solve(definition, "solve the build", evaluate), async {
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
        let info = self.read_file(&info_ref, "buildinfo.txt").await.map_err(|status| {
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

    /// Lists the module metadata transfer and reads its go.mod and go.work files: one directory
    /// level at a time, every directory of a level (and every file read) at once.
    async fn module_files(&self, reference: &str) -> Result<ContextFiles, FrontendError> {
        // Go's os.FileMode bits, which is what Stat.mode carries.
        const DIR_BIT: u32 = 1 << 31;
        const SYMLINK_BIT: u32 = 1 << 27;
        let mut files = ContextFiles::default();
        let mut level = vec![String::new()];
        while !level.is_empty() {
            let listings = try_join_all(level.iter().map(|dir| async move {
                let request = gw::ReadDirRequest {
                    r#ref: reference.to_string(),
                    dir_path: if dir.is_empty() { ".".into() } else { dir.clone() },
                    include_pattern: String::new(),
                };
                let response = self.client.clone().read_dir(request).await;
                response.map(|r| r.into_inner().entries).map_err(FrontendError::engine("list go.mod files"))
            }))
            .await?;
            let mut next = Vec::new();
            let mut wanted = Vec::new();
            for (dir, entries) in level.iter().zip(listings) {
                for entry in entries {
                    let name = entry.path.rsplit('/').next().unwrap_or(&entry.path).to_string();
                    let path = if dir.is_empty() { name.clone() } else { format!("{dir}/{name}") };
                    if entry.mode & DIR_BIT != 0 {
                        next.push(path);
                    } else if entry.mode & SYMLINK_BIT != 0 {
                        files.links.insert(path.clone(), entry.linkname.clone());
                        files.paths.insert(path);
                    } else {
                        // go.sum and vendor/modules.txt too: the lint rules compare them with go.mod.
                        let modules_txt = name == "modules.txt" && dir.rsplit('/').next() == Some("vendor");
                        if name == "go.mod" || name == "go.work" || name == "go.sum" || modules_txt {
                            wanted.push(path.clone());
                        }
                        files.paths.insert(path);
                    }
                }
            }
            let texts = join_all(wanted.iter().map(|path| self.read_text(reference, path))).await;
            for (path, text) in wanted.into_iter().zip(texts) {
                if let Some(text) = text {
                    files.texts.insert(path, text);
                }
            }
            level = next;
        }
        Ok(files)
    }

    /// Reads the Gofile from the client: the `dockerfile` input when BuildKit forwarded one, else the local.
    async fn read_build_file(&self) -> Result<BuildFile, FrontendError> {
        let name = self.filename();
        let local_name = self.opts().dockerfile_key.clone();
        let local = Local {
            name: local_name.clone(),
            session: self.env.session_id.clone(),
            shared_key: local_name,
            follow: vec![name.clone(), format!("{name}.dockerignore")],
            differ_none: true,
            ..Default::default()
        };
        let (reference, digest) =
            self.solve_local(local, &format!("[internal] load build definition from {name}")).await?;
        let ignore_name = format!("{name}.dockerignore");
        let (data, ignore) = tokio::join!(self.read_file(&reference, &name), self.read_text(&reference, &ignore_name));
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
        Ok(BuildFile { name, text, digest, ignore })
    }

    /// Transfers a local source; returns the result's id and the digest of the op that loaded it.
    async fn solve_local(&self, local: Local, name: &str) -> Result<(String, String), FrontendError> {
        let mut graph = Graph::new();
        let (op, caps) = local.into_op();
        let output = graph.source(op, None, name, &caps);
        let reference = self.solve(graph.definition(&output, None), name, false).await?;
        Ok((reference, output.digest))
    }

    async fn solve(&self, definition: pb::Definition, what: &str, evaluate: bool) -> Result<String, FrontendError> {
        let cache_imports = self
            .opts()
            .cache_imports
            .iter()
            .map(|i| gw::CacheOptionsEntry { r#type: i.kind.clone(), attrs: i.attrs.clone() })
            .collect();
        let size = definition.encoded_len();
        if size > MAX_REQUEST {
            return Err(self.plain(format!(
                "the build graph is {size} bytes, over the {MAX_REQUEST} bytes Docker's BuildKit accepts in one request; \
                 make the Gofile smaller (large `env`/`labels`?)"
            )));
        }
        let request = gw::SolveRequest {
            definition: Some(definition),
            allow_result_return: true,
            allow_result_array_ref: true,
            cache_imports,
            evaluate,
            ..Default::default()
        };
        let response = self.client.clone().solve(request).await.map_err(FrontendError::engine(what))?.into_inner();
        match response.result.and_then(|r| r.result) {
            Some(gw::result::Result::Ref(reference)) => Ok(reference.id),
            Some(gw::result::Result::RefDeprecated(id)) => Ok(id),
            _ => Ok(response.r#ref),
        }
    }

    async fn read_file(&self, reference: &str, path: &str) -> Result<Vec<u8>, tonic::Status> {
        let request = gw::ReadFileRequest { r#ref: reference.to_string(), file_path: path.to_string(), range: None };
        Ok(self.client.clone().read_file(request).await?.into_inner().data)
    }

    /// A file's text, or None when it does not exist.
    async fn read_text(&self, reference: &str, path: &str) -> Option<String> {
        self.read_file(reference, path).await.ok().map(|data| String::from_utf8_lossy(&data).into_owned())
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
            resolve_mode: self.opts().resolve_mode.clone().unwrap_or_default(),
            log_name: format!("[gofront] resolve {} for {platform}", reference::familiar(&choice.reference)),
            session_id: self.env.session_id.clone(),
            ..Default::default()
        };
        let response = match self.client.clone().resolve_image_config(request).await {
            Ok(response) => response.into_inner(),
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
        Ok(ResolvedImage { reference: reference::pin(&resolved, &response.digest), config, package_manager: None })
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
        let (op, caps) = llb::image_source(&base.reference, self.opts().resolve_mode.as_deref());
        let name = format!("[gofront] inspect {} ({})", reference::familiar(&base.reference), plan.platform);
        let root = graph.source(op, Some(plan.platform.wire()), &name, &caps);
        let id = self.solve(graph.definition(&root, None), &name, false).await?;
        let release = match self.read_text(&id, "etc/os-release").await {
            Some(text) => text,
            None => self.read_text(&id, "usr/lib/os-release").await.unwrap_or_default(),
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

    /// Each `main` must name a directory of the context holding a `package main`; say so before compiling.
    async fn check_main_packages(
        &self,
        plan: &BuildPlan,
        context: &ContextSource,
        file: &BuildFile,
    ) -> Result<(), FrontendError> {
        if plan.published.is_some() {
            // The source arrives from GOPROXY during the build; `go build` names a missing package.
            return Ok(());
        }
        let (reference, _) = self.solve_local(stages::context_source(context), "[gofront] load build context").await?;
        try_join_all(plan.binaries.iter().map(|binary| self.check_main_package(&reference, plan, binary, file)))
            .await?;
        Ok(())
    }

    async fn check_main_package(
        &self,
        reference: &str,
        plan: &BuildPlan,
        binary: &plan::Binary,
        file: &BuildFile,
    ) -> Result<(), FrontendError> {
        let package = binary.package.trim_start_matches("./").trim_start_matches('.');
        let dir =
            [plan.module_dir.as_str(), package].iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("/");
        let dir = if dir.is_empty() { ".".to_string() } else { dir };
        let request =
            gw::ReadDirRequest { r#ref: reference.to_string(), dir_path: dir.clone(), include_pattern: "*.go".into() };
        let main_span = binary.span.clone();
        let entries = match self.client.clone().read_dir(request).await {
            Ok(response) => response.into_inner().entries,
            Err(_) => {
                return Err(file.error(
                    Diagnostic::new(format!("`main` is {:?}, but the build context has no directory {dir:?}", binary.package))
                        .at(main_span)
                        .hint("point `main` at the directory of your `package main`, e.g. \"./cmd/server\" (check .dockerignore too)"),
                ))
            }
        };
        let go_files: Vec<String> = entries
            .iter()
            .map(|e| e.path.rsplit('/').next().unwrap_or(&e.path).to_string())
            .filter(|name| name.ends_with(".go") && !name.ends_with("_test.go"))
            .collect();
        if go_files.is_empty() {
            return Err(file.error(
                Diagnostic::new(format!("`main` is {:?}, but {dir:?} holds no Go files", binary.package))
                    .at(main_span)
                    .hint("point `main` at the directory of your `package main`"),
            ));
        }
        // Every file's head at once; one `package main` is enough.
        let heads = join_all(go_files.iter().map(|name| {
            let path = if dir == "." { name.clone() } else { format!("{dir}/{name}") };
            let request = gw::ReadFileRequest {
                r#ref: reference.to_string(),
                file_path: path,
                range: Some(gw::FileRange { offset: 0, length: 64 << 10 }),
            };
            async move { self.client.clone().read_file(request).await.ok().map(|r| r.into_inner().data) }
        }))
        .await;
        let mut names = Vec::new();
        for head in heads.into_iter().flatten() {
            if let Some(package) = gosource::package_name(&String::from_utf8_lossy(&head)) {
                if package == "main" {
                    return Ok(());
                }
                names.push(package);
            }
        }
        names.sort();
        names.dedup();
        Err(file.error(
            Diagnostic::new(format!(
                "`main` is {:?}, which is package {}, not a main package",
                binary.package,
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ))
            .at(main_span)
            .hint("point `main` at the directory whose files say `package main` and have func main()"),
        ))
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
