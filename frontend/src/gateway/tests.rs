//! The request flow without an engine: a fake client answers from a directory (the client's
//! build context), resolves every image to a fixed config, and records what the frontend asked.
//! The end-to-end tests drive the real thing; these pin the flow down where it is cheap.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use prost::Message;
use tonic::Status;

use super::client::Client;
use super::env::FrontendEnv;
use super::run::Frontend;
use crate::inputs::{Kind, LocalTree, Tree};
use crate::proto::fsutil::types::Stat;
use crate::proto::moby::buildkit::v1::apicaps::ApiCap;
use crate::proto::moby::buildkit::v1::frontend as gw;
use crate::proto::pb;

#[derive(Default)]
struct Recorded {
    /// Every solve, in order.
    solves: Vec<gw::SolveRequest>,
    /// Results that are transfers of the context: their files.
    trees: BTreeMap<String, LocalTree>,
    warnings: Vec<gw::WarnRequest>,
    returned: Option<gw::ReturnRequest>,
    /// Whether the module files' transfer was asked for while the context's was still under way.
    module_files_beside_context: bool,
}

const CONTEXT_NAME: &str = "[gofront] load build context";
const MODULE_FILES_NAME: &str = "[gofront] load go.mod";

/// The progress names in a solve's definition.
fn names_of(request: &gw::SolveRequest) -> Vec<&str> {
    let metadata = request.definition.iter().flat_map(|d| d.metadata.values());
    metadata.filter_map(|m| m.description.get("llb.customname").map(String::as_str)).collect()
}

#[derive(Clone)]
struct Fake {
    context: std::path::PathBuf,
    gateway_caps: Vec<&'static str>,
    /// Reads of a file whose path ends so fail with this status.
    failing: Option<(String, Status)>,
    recorded: Rc<RefCell<Recorded>>,
}

const GATEWAY_CAPS: &[&str] =
    &["solve.base", "return", "readfile", "readdir", "resolveimage", "proto.refarray", "gateway.warnings"];

fn cap(id: &str) -> ApiCap {
    ApiCap { id: id.to_string(), enabled: true, ..Default::default() }
}

impl Fake {
    fn new(context: &Path) -> Fake {
        Fake {
            context: context.to_path_buf(),
            gateway_caps: GATEWAY_CAPS.to_vec(),
            failing: None,
            recorded: Rc::default(),
        }
    }

    fn tree(&self, reference: &str) -> Result<LocalTree, Status> {
        let trees = &self.recorded.borrow().trees;
        let tree = trees.get(reference).ok_or_else(|| Status::not_found(format!("no such file in {reference}")))?;
        Ok(LocalTree { root: tree.root.clone(), excludes: tree.excludes.clone(), include: tree.include.clone() })
    }

    /// The include patterns of every transfer of module files, solve by solve: the frontend's own
    /// reads, then the one the build's graph names.
    fn module_file_transfers(&self) -> Vec<Vec<String>> {
        let recorded = self.recorded.borrow();
        let ops = recorded.solves.iter().filter_map(|s| s.definition.as_ref()).flat_map(|d| {
            let ops = d.def.iter().filter_map(|b| pb::Op::decode(b.as_slice()).ok());
            ops.filter_map(|op| match op.op {
                Some(pb::op::Op::Source(source)) => Some(source),
                _ => None,
            })
        });
        ops.filter(|s| s.attrs.get("local.sharedkeyhint").is_some_and(|k| k.starts_with("gofront-module-files")))
            .map(|s| patterns(&s.attrs, "local.includepattern"))
            .collect()
    }

    /// The progress names of every op of every solve.
    fn names(&self) -> Vec<String> {
        self.recorded.borrow().solves.iter().flat_map(names_of).map(str::to_string).collect()
    }
}

/// A JSON list from a local source's attribute.
fn patterns(attrs: &BTreeMap<String, String>, key: &str) -> Vec<String> {
    attrs.get(key).and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default()
}

impl Client for Fake {
    async fn ping(&self) -> Result<gw::PongResponse, Status> {
        let llb = ["source.image", "source.local", "exec.meta.base", "exec.mount.bind", "file.base"];
        Ok(gw::PongResponse {
            frontend_api_caps: self.gateway_caps.iter().map(|c| cap(c)).collect(),
            // Every cap the graph names: gofront must list only caps the engine announced.
            llb_caps: llb.iter().map(|c| cap(c)).chain(ALL_LLB_CAPS.iter().map(|c| cap(c))).collect(),
            workers: Vec::new(),
        })
    }

    async fn solve(&self, request: gw::SolveRequest) -> Result<String, Status> {
        // The context's transfer takes a while: the frontend may ask for more meanwhile.
        if names_of(&request) == [CONTEXT_NAME] {
            for _ in 0..20 {
                let asked = |s: &gw::SolveRequest| names_of(s) == [MODULE_FILES_NAME];
                if self.recorded.borrow().solves.iter().any(asked) {
                    self.recorded.borrow_mut().module_files_beside_context = true;
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        let mut recorded = self.recorded.borrow_mut();
        let id = format!("ref-{}", recorded.solves.len());
        // A definition whose result is a local source: that part of the client's files.
        let source = request.definition.as_ref().and_then(|d| {
            let ops: Vec<pb::Op> = d.def.iter().filter_map(|b| pb::Op::decode(b.as_slice()).ok()).collect();
            let result = ops.last()?.inputs.first()?.digest.clone();
            ops.into_iter().find(|op| crate::llb::digest(&op.encode_to_vec()) == result).and_then(|op| match op.op {
                Some(pb::op::Op::Source(source)) if source.identifier.starts_with("local://") => Some(source),
                _ => None,
            })
        });
        if let Some(source) = source {
            let mut include = patterns(&source.attrs, "local.includepattern");
            include.extend(patterns(&source.attrs, "local.followpaths"));
            let excludes = patterns(&source.attrs, "local.excludepatterns");
            recorded.trees.insert(id.clone(), LocalTree { root: self.context.clone(), excludes, include });
        }
        recorded.solves.push(request);
        Ok(id)
    }

    async fn read_file(&self, reference: &str, path: &str, range: Option<(i64, i64)>) -> Result<Vec<u8>, Status> {
        if let Some(status) = self.failing.as_ref().filter(|(name, _)| path.ends_with(name.as_str())) {
            return Err(status.1.clone());
        }
        let data = self.tree(reference)?.read(path, None).await.map_err(|e| Status::not_found(e.to_string()))?;
        let (offset, length) = range.map_or((0, data.len()), |(o, l)| (o as usize, l as usize));
        Ok(data.get(offset..).unwrap_or_default().iter().take(length).copied().collect())
    }

    async fn read_dir(&self, reference: &str, dir: &str, pattern: &str) -> Result<Vec<Stat>, Status> {
        let dir = if dir == "." { "" } else { dir };
        let entries = self.tree(reference)?.list(dir, pattern).await.map_err(|e| Status::not_found(e.to_string()))?;
        Ok(entries
            .into_iter()
            .map(|entry| {
                let (mode, linkname) = match entry.kind {
                    Kind::Dir => ((1 << 31) | 0o755, String::new()),
                    Kind::Link(target) => ((1 << 27) | 0o777, target),
                    Kind::File => (0o644, String::new()),
                };
                Stat { path: entry.name, mode, linkname, size: entry.size as i64, ..Default::default() }
            })
            .collect())
    }

    async fn resolve(&self, request: gw::ResolveImageConfigRequest) -> Result<gw::ResolveImageConfigResponse, Status> {
        let platform = request.platform.unwrap_or_default();
        let config = serde_json::json!({
            "architecture": platform.architecture,
            "os": platform.os,
            "config": { "Env": ["PATH=/usr/local/go/bin:/usr/bin:/bin", "GOLANG_VERSION=1.27.3"] },
        });
        Ok(gw::ResolveImageConfigResponse {
            r#ref: request.r#ref,
            digest: String::new(),
            config: config.to_string().into_bytes(),
        })
    }

    async fn warn(&self, request: gw::WarnRequest) -> Result<(), Status> {
        self.recorded.borrow_mut().warnings.push(request);
        Ok(())
    }

    async fn finish(&self, request: gw::ReturnRequest) -> Result<(), Status> {
        self.recorded.borrow_mut().returned = Some(request);
        Ok(())
    }
}

const ALL_LLB_CAPS: &[&str] = &[
    "constraints",
    "platform",
    "meta.description",
    "meta.ignorecache",
    "exec.meta.network",
    "exec.meta.proxyenv",
    "exec.mount.cache",
    "exec.mount.cache.sharing",
    "exec.mount.cache.content",
    "exec.mount.selector",
    "exec.mount.bind.readwrite-nooutput",
    "exec.mount.tmpfs",
    "exec.mount.secret",
    "exec.mount.ssh",
    "source.image.resolvemode",
    "source.local.sessionid",
    "source.local.sharedkeyhint",
    "source.local.includepatterns",
    "source.local.excludepatterns",
    "source.local.followpaths",
];

/// The shop app: a Gofile (with `extra` lines), go.mod, go.sum and its main package.
fn shop(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("Gofile", &format!("# syntax=gofront\nmodule = \"example.com/shop\"\nmain = \"./cmd/shop\"\n{extra}"));
    write("go.mod", "module example.com/shop\n\ngo 1.22\n\nrequire example.com/greet v1.0.0\n");
    write("go.sum", "example.com/greet v1.0.0 h1:a=\nexample.com/greet v1.0.0/go.mod h1:b=\n");
    write("cmd/shop/main.go", "package main\n\nfunc main() {}\n");
    dir
}

/// Runs one frontend invocation with these options (`key=value`) against the fake.
fn invoke(fake: &Fake, opts: &[&str]) -> gw::ReturnRequest {
    let mut vars: Vec<(String, String)> =
        opts.iter().enumerate().map(|(i, o)| (format!("BUILDKIT_FRONTEND_OPT_{i}"), o.to_string())).collect();
    vars.push(("BUILDKIT_WORKERS".into(), r#"[{"platforms":[{"os":"linux","architecture":"amd64"}]}]"#.into()));
    let env = FrontendEnv::from_vars(vars);
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(async {
        match Frontend::start(fake.clone(), env).await {
            Ok(mut frontend) => {
                let outcome = frontend.build().await;
                frontend.finish(outcome).await.expect("return");
            }
            Err(err) => {
                fake.finish(gw::ReturnRequest { result: None, error: Some(err.into_status()) }).await.expect("return")
            }
        }
    });
    let returned = fake.recorded.borrow_mut().returned.take();
    returned.expect("the frontend returned nothing")
}

fn result(returned: &gw::ReturnRequest) -> &gw::Result {
    match (&returned.result, &returned.error) {
        (Some(result), _) => result,
        (None, error) => panic!("the build failed: {error:?}"),
    }
}

fn json(metadata: &BTreeMap<String, Vec<u8>>, key: &str) -> serde_json::Value {
    serde_json::from_slice(metadata.get(key).unwrap_or_else(|| panic!("no {key} in {:?}", metadata.keys())))
        .expect("json")
}

#[test]
fn a_build_returns_the_image_and_its_config() {
    let dir = shop("ports = [8080]\n");
    let fake = Fake::new(dir.path());
    let returned = invoke(&fake, &["filename=Gofile", "build-arg:VERSION=1.2.3"]);
    let result = result(&returned);
    let Some(gw::result::Result::Ref(reference)) = &result.result else { panic!("no single ref: {result:?}") };
    assert!(reference.id.starts_with("ref-"), "{reference:?}");
    let config = json(&result.metadata, "containerimage.config");
    assert_eq!(config["config"]["Entrypoint"], serde_json::json!(["/app/shop"]));
    assert_eq!(config["config"]["Labels"]["org.opencontainers.image.version"], "1.2.3");
    assert!(config["config"]["ExposedPorts"]["8080/tcp"].is_object(), "{config}");
    let names = fake.names();
    for step in
        ["[gofront] go mod download", "[gofront] go build ./cmd/shop (linux/amd64)", "[gofront] load build context"]
    {
        assert!(names.iter().any(|n| n == step), "no step {step:?} in {names:?}");
    }
    // The build graph carries the Gofile, so a failed step can show its lines.
    let recorded = fake.recorded.borrow();
    // (It is solved while the context still arrives: not necessarily the last solve.)
    let with_source = recorded.solves.iter().filter_map(|s| s.definition.as_ref()?.source.as_ref()).collect::<Vec<_>>();
    assert_eq!(with_source.iter().map(|s| s.infos[0].filename.as_str()).collect::<Vec<_>>(), ["Gofile"]);
}

#[test]
fn several_platforms_return_refs_with_their_platforms_and_configs() {
    let dir = shop("");
    let fake = Fake::new(dir.path());
    let returned = invoke(&fake, &["platform=linux/amd64,linux/arm64"]);
    let result = result(&returned);
    let Some(gw::result::Result::Refs(refs)) = &result.result else { panic!("no refs: {result:?}") };
    assert_eq!(refs.refs.keys().collect::<Vec<_>>(), ["linux/amd64", "linux/arm64"]);
    let mapping = json(&result.metadata, "refs.platforms");
    assert_eq!(mapping["Platforms"][1]["ID"], "linux/arm64");
    assert_eq!(mapping["Platforms"][1]["Platform"]["architecture"], "arm64");
    assert_eq!(json(&result.metadata, "containerimage.config/linux/arm64")["architecture"], "arm64");
}

#[test]
fn check_answers_with_the_lint_findings() {
    let dir = shop("cgo = false\n");
    let fake = Fake::new(dir.path());
    let returned = invoke(&fake, &["requestid=frontend.lint", "build-arg:VERSON=1"]);
    let result = result(&returned);
    let answer = json(&result.metadata, "result.json");
    let rules: Vec<&str> =
        answer["warnings"].as_array().expect("warnings").iter().filter_map(|w| w["ruleName"].as_str()).collect();
    assert_eq!(rules, ["RedundantDefault", "UnusedBuildArg"]);
    assert_eq!(result.metadata["result.statuscode"], b"1");
    // A normal build sends the same findings as warnings.
    let fake = Fake::new(dir.path());
    result_of_build(&fake, &["build-arg:VERSON=1"]);
    let short: Vec<String> =
        fake.recorded.borrow().warnings.iter().map(|w| String::from_utf8_lossy(&w.short).into_owned()).collect();
    assert_eq!(short.len(), 2, "{short:?}");
    assert!(short.iter().any(|s| s.starts_with("RedundantDefault: `cgo = false` is the default")), "{short:?}");
}

fn result_of_build(fake: &Fake, opts: &[&str]) {
    let returned = invoke(fake, opts);
    result(&returned);
}

#[test]
fn outline_and_targets_answer_from_the_gofile() {
    let dir = shop("[targets.worker]\nmain = \"./cmd/shop\"\nname = \"worker\"\n");
    let fake = Fake::new(dir.path());
    let targets = json(&result(&invoke(&fake, &["requestid=frontend.targets"])).metadata, "result.json");
    let names: Vec<&str> =
        targets["targets"].as_array().expect("targets").iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["image", "worker", "binary", "test", "vet", "debug", "test-report"]);
    let outline = json(&result(&invoke(&fake, &["requestid=frontend.outline"])).metadata, "result.json");
    assert_eq!(outline["secrets"][0]["name"], "netrc");
    // Neither request builds anything.
    assert!(!fake.names().iter().any(|n| n.contains("go build")), "{:?}", fake.names());
}

#[test]
fn a_gofile_error_returns_its_place() {
    let dir = shop("mian = \"./cmd/shop\"\n");
    let fake = Fake::new(dir.path());
    let returned = invoke(&fake, &[]);
    let error = returned.error.expect("an error");
    assert!(error.message.contains("Gofile:4:1: unknown key `mian`"), "{}", error.message);
    let detail: serde_json::Value = serde_json::from_slice(&error.details[0].value).expect("source detail");
    assert_eq!(detail["ranges"][0]["start"]["line"], 4);
}

#[test]
fn an_engine_without_a_needed_capability_is_refused_by_name() {
    let dir = shop("");
    let mut fake = Fake::new(dir.path());
    fake.gateway_caps.retain(|c| *c != "readdir");
    let error = invoke(&fake, &[]).error.expect("an error");
    assert!(error.message.contains("lacks the gateway capability `readdir`"), "{}", error.message);
    assert!(fake.recorded.borrow().solves.is_empty(), "it solved before refusing");
}

/// `.dockerignore` reaches the module-file transfer: an ignored stale vendor/ is not vendored.
#[test]
fn dockerignore_applies_to_what_the_plan_reads() {
    let dir = shop("");
    std::fs::create_dir_all(dir.path().join("vendor")).expect("mkdir");
    std::fs::write(dir.path().join("vendor/modules.txt"), "# example.com/old v0.1.0\n").expect("write");
    std::fs::write(dir.path().join(".dockerignore"), "vendor\n").expect("write");
    let fake = Fake::new(dir.path());
    result_of_build(&fake, &[]);
    let names = fake.names();
    assert!(names.iter().any(|n| n == "[gofront] go mod download"), "vendored instead of downloading: {names:?}");
}

/// A module at the root, without a workspace or replaces by directory, is found in the root's
/// module files: the client walks the root and vendor/ instead of the whole tree, and the
/// build's graph names that same transfer, so it is not made twice.
#[test]
fn a_root_module_needs_only_the_root_files() {
    let dir = shop("");
    let fake = Fake::new(dir.path());
    result_of_build(&fake, &[]);
    let transfers = fake.module_file_transfers();
    assert_eq!(transfers.len(), 2, "the frontend's read and the build's: {transfers:?}");
    for patterns in transfers {
        assert_eq!(patterns, ["go.mod", "go.sum", "go.work", "go.work.sum", "vendor/modules.txt"]);
    }
}

/// The context is transferred once, evaluated at once (so the transfer runs while the frontend
/// reads go.mod and plans, not at its first read), and the main package is checked in it.
#[test]
fn the_context_is_transferred_once_and_at_once() {
    let dir = shop("");
    let fake = Fake::new(dir.path());
    result_of_build(&fake, &[]);
    let recorded = fake.recorded.borrow();
    let context: Vec<&gw::SolveRequest> = recorded.solves.iter().filter(|s| names_of(s) == [CONTEXT_NAME]).collect();
    assert_eq!(context.len(), 1, "one transfer of the context");
    assert!(context[0].evaluate, "the context's transfer waits for its first read");

    std::fs::write(dir.path().join("cmd/shop/main.go"), "package shop\n").expect("write");
    let error = invoke(&Fake::new(dir.path()), &[]).error.expect("an error");
    assert!(error.message.contains("which is package `shop`, not a main package"), "{}", error.message);
}

/// With go.mod as the build file, finding the main packages reads the whole context: its
/// transfer runs beside the module files' (whichever is asked for first), not before them.
#[test]
fn without_a_gofile_the_context_travels_beside_the_module_files() {
    let dir = shop("");
    let fake = Fake::new(dir.path());
    result_of_build(&fake, &[]);
    assert!(fake.recorded.borrow().module_files_beside_context, "with a Gofile");
    let fake = Fake::new(dir.path());
    let returned = invoke(&fake, &["filename=go.mod"]);
    result(&returned);
    assert!(fake.names().iter().any(|n| n == "[gofront] go build ./cmd/shop (linux/amd64)"), "{:?}", fake.names());
    assert!(fake.recorded.borrow().module_files_beside_context, "with go.mod as the build file");
}

/// A workspace (or a module elsewhere, or a replace by directory) needs the whole tree's module
/// files: the root's are read first, then the tree's, and the build uses the tree's.
#[test]
fn a_workspace_needs_the_whole_tree() {
    let dir = shop("");
    std::fs::write(dir.path().join("go.work"), "go 1.22\n\nuse (\n\t.\n\t./lib\n)\n").expect("write");
    std::fs::create_dir_all(dir.path().join("lib")).expect("mkdir");
    std::fs::write(dir.path().join("lib/go.mod"), "module example.com/lib\n\ngo 1.22\n").expect("write");
    let fake = Fake::new(dir.path());
    result_of_build(&fake, &[]);
    let transfers = fake.module_file_transfers();
    let deep = |patterns: &Vec<String>| patterns.iter().any(|p| p == "**/go.mod");
    assert_eq!(transfers.iter().map(deep).collect::<Vec<_>>(), [false, true, true], "{transfers:?}");
    let names = fake.names();
    assert!(names.iter().any(|n| n == "[gofront] go build ./cmd/shop (linux/amd64)"), "{names:?}");
}

/// The root's module files are first read without the ignore patterns; a file the patterns
/// leave out is neither used nor refused for its size.
#[test]
fn an_ignored_module_file_is_neither_used_nor_refused() {
    let dir = shop("");
    let padding = "// padding\n".repeat(120_000);
    std::fs::write(dir.path().join("go.work"), format!("go 1.22\n\nuse ./nowhere\n{padding}")).expect("write");
    std::fs::write(dir.path().join(".dockerignore"), "go.work\n").expect("write");
    let fake = Fake::new(dir.path());
    result_of_build(&fake, &[]);
    let names = fake.names();
    assert!(names.iter().any(|n| n == "[gofront] go build ./cmd/shop (linux/amd64)"), "{names:?}");
    std::fs::remove_file(dir.path().join(".dockerignore")).expect("remove");
    let error = invoke(&Fake::new(dir.path()), &[]).error.expect("an error");
    assert!(error.message.contains("go.work is") && error.message.contains("over the"), "{}", error.message);
}

/// A read that fails for another reason than a missing file says what failed, never "absent".
#[test]
fn a_failed_read_says_which_file_and_why() {
    let dir = shop("");
    let mut fake = Fake::new(dir.path());
    fake.failing = Some(("go.sum".into(), Status::unavailable("transport is closing")));
    let error = invoke(&fake, &[]).error.expect("an error");
    assert!(
        error.message.contains("cannot read the build context: cannot read go.sum: transport is closing"),
        "{}",
        error.message
    );
    assert!(error.message.contains("then build again"), "{}", error.message);
}

/// A file over its limit is refused with its size before it is read.
#[test]
fn a_huge_go_mod_is_refused_with_its_size() {
    let dir = shop("");
    let mut gomod = std::fs::read_to_string(dir.path().join("go.mod")).expect("go.mod");
    gomod.push_str(&"// padding\n".repeat(200_000));
    std::fs::write(dir.path().join("go.mod"), &gomod).expect("write");
    let error = invoke(&Fake::new(dir.path()), &[]).error.expect("an error");
    let expected = format!("go.mod is {} bytes, over the 1048576 bytes gofront reads of it", gomod.len());
    assert!(error.message.contains(&expected), "{}", error.message);
    assert!(!error.message.contains("no `module` line"), "{}", error.message);
}

mod options {
    use super::super::options::*;
    use crate::diagnostic::Diagnostic;
    use crate::gateway::env::FrontendEnv;
    use crate::plan::Network;

    fn parse(opts: &[&str]) -> Result<Options, Diagnostic> {
        let vars = opts.iter().enumerate().map(|(i, o)| (format!("BUILDKIT_FRONTEND_OPT_{i}"), o.to_string()));
        Options::parse(&FrontendEnv::from_vars(vars))
    }

    #[test]
    fn every_option_is_read_into_one_struct() {
        let options = parse(&[
            "filename=deploy/Gofile",
            "build-arg:LDFLAGS=-X a=b",
            "platform=linux/amd64,linux/arm64,linux/amd64",
            "context:builder=docker-image://x/go:1",
            "label:team=core",
            "target=binary",
            "image-resolve-mode=pull",
            "force-network-mode=host",
            "add-hosts=modules.internal=10.0.0.2,gw=host-gateway",
            r#"cache-imports=[{"Type":"gha","Attrs":{"scope":"main"}}]"#,
            "no-cache=",
            "multi-platform=true",
            "attest:sbom=",
            "vcs:revision=abc",
        ])
        .expect("options");
        assert_eq!(options.filename, "deploy/Gofile");
        assert_eq!(options.platforms.len(), 2);
        assert_eq!(options.build.build_args["LDFLAGS"], "-X a=b");
        assert_eq!(options.build.named_contexts["builder"], "docker-image://x/go:1");
        assert_eq!(options.build.labels["team"], "core");
        assert_eq!(options.build.target.as_deref(), Some("binary"));
        assert_eq!(options.resolve_mode.as_deref(), Some("pull"));
        assert_eq!(options.build.network, Network::Host);
        assert_eq!(
            options.build.extra_hosts,
            vec![("modules.internal".into(), "10.0.0.2".into()), ("gw".into(), "host-gateway".into())]
        );
        assert_eq!(options.cache_imports[0].kind, "gha");
        assert!(options.build.cache_imported && options.no_cache && options.multi_platform && options.sbom);
        assert_eq!(options.build.vcs_revision.as_deref(), Some("abc"));
        let defaults = parse(&[]).expect("options");
        assert_eq!((defaults.filename.as_str(), defaults.dockerfile_key.as_str()), ("Gofile", "dockerfile"));
        assert!(!defaults.build.cache_imported && !defaults.no_cache && !defaults.sbom);
        assert!(!parse(&["cache-imports=[]"]).expect("options").build.cache_imported);
        assert!(parse(&["cache-from=registry.example/app:cache"]).expect("options").build.cache_imported);
    }

    #[test]
    fn a_bad_value_names_the_option_and_what_it_accepts() {
        for (opt, fragment) in [
            ("platform=linux/amd64,bogus", "\"bogus\" is not a platform"),
            ("image-resolve-mode=sometimes", "image-resolve-mode=\"sometimes\""),
            ("force-network-mode=bridge", "force-network-mode=\"bridge\""),
            ("add-hosts=justaname", "add-hosts=\"justaname\""),
            ("add-hosts=db=not-an-ip", "add-hosts=\"db=not-an-ip\""),
            ("cache-imports=[{", "cache-imports="),
            ("multi-platform=maybe", "multi-platform=\"maybe\""),
        ] {
            let error = parse(&[opt]).expect_err(opt);
            let text = format!("{} {}", error.message, error.hint.clone().unwrap_or_default());
            assert!(text.contains(fragment), "{opt}: {text}");
        }
        let workers = FrontendEnv::from_vars([("BUILDKIT_WORKERS".to_string(), "{not json".to_string())]);
        assert!(Options::parse(&workers).is_err());
    }
}

mod subrequest {
    use super::super::subrequest::*;
    use crate::gofile;
    use serde_json::Value;
    use std::collections::BTreeMap;

    #[test]
    fn targets_list_the_default_first_and_the_tables() {
        let g =
            gofile::parse("module = \"a.b/c\"\nmain = \"./cmd/api\"\n[targets.migrate]\nmain = \"./cmd/migrate\"\n")
                .expect("gofile");
        let meta = answer(TARGETS, Some(&g), &BTreeMap::new()).expect("answer");
        let text = String::from_utf8_lossy(&meta["result.txt"]).into_owned();
        assert!(text.contains("image (default)  runtime image of ./cmd/api"), "{text}");
        assert!(text.contains("migrate"), "{text}");
        let value: Value = serde_json::from_slice(&meta["result.json"]).expect("json");
        assert_eq!(value["targets"][0]["name"], "image");
        assert_eq!(value["targets"][0]["default"], true);
        assert_eq!(value["targets"][1]["name"], "migrate");
    }

    #[test]
    fn outline_lists_ldflags_variables_and_secrets() {
        let g =
            gofile::parse("module = \"a.b/c\"\nmain = \".\"\nldflags = \"-X m.v=${VERSION} -X m.t=${TEAM:-core}\"\n")
                .expect("gofile");
        let meta = answer(OUTLINE, Some(&g), &BTreeMap::new()).expect("answer");
        let text = String::from_utf8_lossy(&meta["result.txt"]).into_owned();
        assert!(text.contains("TEAM") && text.contains("used in ldflags"), "{text}");
        assert!(text.contains("netrc"), "{text}");
        assert!(text.contains("gofront-gomodcache") && text.contains("gofront-gocache"), "{text}");
        assert!(answer("frontend.lint", Some(&g), &BTreeMap::new()).is_none());
    }

    /// buildx shows every lint source under the build file's name, so a go.mod finding's detail
    /// names go.mod and its line, whatever its source index.
    #[test]
    fn lint_findings_in_go_mod_name_the_file_in_their_detail() {
        use crate::lint::{File, Finding, Lines, GO_SUM_MISSING, REDUNDANT_DEFAULT};
        let sources = super::super::warnings::Sources {
            gofile: ("Gofile".into(), "module = \"a.b/c\"\ncgo = false\n".into()),
            gomod: Some(("go.mod".into(), "module a.b/c\n\ngo 1.24\n\nrequire x.y/z v1.0.0\n".into())),
        };
        let in_gomod = Finding {
            rule: GO_SUM_MISSING,
            detail: "no go.sum".into(),
            file: File::Context("go.mod".into()),
            lines: Lines { first: 5, last: 5 },
        };
        let in_gofile = Finding {
            rule: REDUNDANT_DEFAULT,
            detail: "`cgo = false` is the default".into(),
            file: File::Gofile,
            lines: Lines { first: 2, last: 2 },
        };
        for findings in [vec![in_gomod.clone()], vec![in_gomod, in_gofile]] {
            let meta = lint(&findings, &sources);
            let value: Value = serde_json::from_slice(&meta["result.json"]).expect("json");
            let warnings = value["warnings"].as_array().expect("warnings");
            let gosum = warnings.iter().find(|w| w["ruleName"] == "GoSumMissing").expect("GoSumMissing");
            assert_eq!(gosum["detail"], "no go.sum (go.mod line 5)");
            if let Some(default) = warnings.iter().find(|w| w["ruleName"] == "RedundantDefault") {
                assert_eq!(default["detail"], "`cgo = false` is the default");
            }
            assert_eq!(meta["result.statuscode"], b"1");
        }
    }
}

mod env {
    use super::super::env::*;

    #[test]
    fn reads_options_session_and_workers() {
        let env = FrontendEnv::from_vars([
            ("BUILDKIT_FRONTEND_OPT_0".to_string(), "build-arg:LDFLAGS=-X a=b".to_string()),
            ("BUILDKIT_SESSION_ID".to_string(), "s1".to_string()),
            (
                "BUILDKIT_WORKERS".to_string(),
                r#"[{"id":"w","platforms":[{"architecture":"amd64","os":"linux"}]}]"#.to_string(),
            ),
            ("PATH".to_string(), "/bin".to_string()),
        ]);
        assert_eq!(env.session_id, "s1");
        assert_eq!(env.worker_platforms[0].to_string(), "linux/amd64");
        assert_eq!(env.opts["build-arg:LDFLAGS"], "-X a=b");
        assert!(env.workers_error.is_none());
    }
}

mod error {
    use super::super::error::*;
    use crate::diagnostic::Diagnostic;

    #[test]
    fn input_errors_carry_the_gofile_snippet() {
        let text = "module = \"a\"\nmian = \"./x\"\n".to_string();
        let diagnostic = Diagnostic::new("unknown key `mian`").at(13..17).hint("did you mean `main`?");
        let status = FrontendError::Input { diagnostic, filename: "Gofile".into(), text }.into_status();
        assert_eq!(status.code, 2);
        assert_eq!(status.message, "Gofile:2:1: unknown key `mian` (hint: did you mean `main`?)");
        let payload: serde_json::Value = serde_json::from_slice(&status.details[0].value).expect("json");
        assert_eq!(payload["ranges"][0]["start"]["line"], 2);
        assert_eq!(payload["info"]["filename"], "Gofile");
    }
}
