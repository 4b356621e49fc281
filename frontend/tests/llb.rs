//! The emitted LLB, end to end but without an engine: snapshots and byte-for-byte determinism.

use gofront::gofile;
use gofront::gomod;
use gofront::image::ImageConfig;
use gofront::llb::describe::describe;
use gofront::plan::groups::PackageGroup;
use gofront::plan::layout::ModuleSearch;
use gofront::plan::steps::SourceFacts;
use gofront::plan::steps::{self, PackageManager};
use gofront::plan::{self, BuildOptions, BuildPlan, Layout, Network};
use gofront::platform::Platform;
use gofront::program::llb::{Printer, ResolvedImage, Settings};
use prost::Message;

const GOFILE: &str = "# syntax=gofront:test\nmodule = \"example.com/shop\"\nmain = \"./cmd/shop\"\nldflags = \"-X main.version=${VERSION}\"\nports = [8080]\n";
const GOMOD: &str = "module example.com/shop\n\ngo 1.22\n\nrequire example.com/greet v1.0.0\n";

/// The fixture module at the context root, with go.mod and go.sum.
fn root_layout() -> Layout {
    Layout {
        module_dir: String::new(),
        gomod: gomod::parse(GOMOD).expect("go.mod"),
        workspace: None,
        module_files: vec!["go.mod".into(), "go.sum".into()],
        // As the frontend finds such a module: in the root's files alone.
        module_search: ModuleSearch::Root,
        vendor_dir: None,
        gosum: None,
        modules_txt: None,
    }
}

fn builder() -> ResolvedImage {
    let config = br#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/go/bin:/usr/bin:/bin","GOPATH=/go"]}}"#;
    ResolvedImage {
        reference: "docker.io/library/golang:1.22-alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000".into(),
        config: ImageConfig::from_json(config).expect("config"),
    }
}

/// A plan's program as LLB, as the gateway prints it: the selected target, the resolved
/// builder (and base), the client's settings; with its image config.
fn print_plan(
    plan: &BuildPlan,
    base: Option<ResolvedImage>,
    packages: Option<PackageManager>,
    settings: Settings,
    source: Option<gofront::proto::pb::SourceInfo>,
) -> (gofront::proto::pb::Definition, ImageConfig) {
    print_found(plan, base, packages, settings, source, &SourceFacts::default())
}

/// [`print_plan`] with the module's own packages in `groups`.
fn print_grouped(
    plan: &BuildPlan,
    base: Option<ResolvedImage>,
    packages: Option<PackageManager>,
    settings: Settings,
    source: Option<gofront::proto::pb::SourceInfo>,
    groups: &[PackageGroup],
) -> (gofront::proto::pb::Definition, ImageConfig) {
    let found = SourceFacts { groups: groups.to_vec(), outside_imports: None };
    print_found(plan, base, packages, settings, source, &found)
}

/// [`print_plan`] with what the frontend found of the sources.
fn print_found(
    plan: &BuildPlan,
    base: Option<ResolvedImage>,
    packages: Option<PackageManager>,
    settings: Settings,
    source: Option<gofront::proto::pb::SourceInfo>,
    found: &SourceFacts,
) -> (gofront::proto::pb::Definition, ImageConfig) {
    let program = steps::program(plan, packages, found);
    let mut settings = Settings {
        session: "session-id".into(),
        excludes: vec!["bin".into()],
        resolve_mode: Some("local".into()),
        ..settings
    };
    settings.images.insert(plan.builder.reference.clone(), builder());
    if let (plan::Base::Image(choice), Some(base)) = (&plan.base, base) {
        settings.images.insert(choice.reference.clone(), base);
    }
    let output = program.output(plan.target.output()).expect("output");
    let mut printer = Printer::new(&program, &settings);
    let result = printer.print(&[&output.tree]).expect("print").pop().expect("result");
    let config = printer.config(output).expect("config");
    (printer.finish().definition(&result, source), config)
}

fn emit(platform: &str, gofile_text: &str) -> (gofront::proto::pb::Definition, ImageConfig) {
    let gofile = gofile::parse(gofile_text).expect("gofile");
    let mut options = BuildOptions {
        build_platform: Platform::parse("linux/amd64").expect("platform"),
        target_platform: Platform::parse(platform),
        network: Network::Host,
        // As on a CI runner with --cache-from: the dependency layers are on.
        cache_imported: true,
        ..Default::default()
    };
    options.build_args.insert("VERSION".into(), "1.2.3".into());
    let plan = plan::plan(&gofile, &root_layout(), &options).expect("plan");
    let source =
        gofront::proto::pb::SourceInfo { filename: "Gofile".into(), data: gofile_text.into(), ..Default::default() };
    let settings = Settings { build_args: options.build_args.clone(), ..Default::default() };
    print_plan(&plan, None, None, settings, Some(source))
}

/// The fixture Gofile's plan for linux/amd64 as on a CI runner (`--cache-from`: dependency layers on).
fn ci_plan(layout: Layout) -> BuildPlan {
    let gofile = gofile::parse(GOFILE).expect("gofile");
    let options = BuildOptions {
        build_platform: Platform::parse("linux/amd64").expect("platform"),
        cache_imported: true,
        ..Default::default()
    };
    plan::plan(&gofile, &layout, &options).expect("plan")
}

/// The LLB of a default build of `gofile` (no settings of the client's).
fn describe_plan(plan: &BuildPlan) -> String {
    describe(&print_plan(plan, None, None, Settings::default(), None).0)
}

#[test]
fn llb_for_a_single_platform() {
    let (definition, config) = emit("linux/amd64", GOFILE);
    insta::assert_snapshot!("shop_linux_amd64", describe(&definition));
    insta::assert_json_snapshot!("shop_linux_amd64_config", config);
}

/// The same inputs give the same bytes in every process: the definition's digest is committed,
/// so a map iterated in another order, here or in another run, fails the test.
#[test]
fn same_inputs_give_identical_bytes() {
    let bytes = emit("linux/arm64", GOFILE).0.encode_to_vec();
    insta::assert_snapshot!("shop_linux_arm64_digest", gofront::llb::digest(&bytes));
    assert_eq!(emit("linux/arm64", GOFILE).0.encode_to_vec(), bytes, "LLB differs between runs");
}

#[test]
fn platforms_share_the_dependency_step_and_the_builder() {
    let amd64 = describe(&emit("linux/amd64", GOFILE).0);
    let arm64 = describe(&emit("linux/arm/v7", GOFILE).0);
    let deps = |text: &str| -> String {
        text.split("\n#").find(|block| block.contains("[gofront] go mod download")).expect("deps op").to_string()
    };
    assert_eq!(deps(&amd64), deps(&arm64));
    // The module layer is shared; the list and the compiled dependencies are per platform.
    for name in ["[gofront] list dependencies", "[gofront] compile dependencies"] {
        assert_ne!(op_block(&amd64, name), op_block(&arm64, name), "{name}");
        assert!(op_block(&arm64, name).contains("env GOARM=7"), "{name}");
    }
    assert!(arm64.contains("env GOARCH=arm") && arm64.contains("env GOARM=7"));
    assert!(arm64.contains("[gofront] go build ./cmd/shop (linux/arm/v7) [linux/amd64]"), "{arm64}");
}

/// The block of the described op whose progress name contains `name`.
fn op_block(text: &str, name: &str) -> String {
    text.split("\n#")
        .find(|block| block.contains(name))
        .unwrap_or_else(|| panic!("no op {name:?} in\n{text}"))
        .to_string()
}

/// The `#N` id the description gives the op whose progress name contains `name`.
fn op_id(text: &str, name: &str) -> String {
    let block = op_block(text, name);
    let id = block.trim_start_matches('#').split_whitespace().next().expect("id");
    format!("#{id}")
}

/// What makes CI builds fast: the dependency compile never sees the source, and every input it
/// has is mounted so that BuildKit keys it by content (read-only, or writable without output).
#[test]
fn the_dependency_compile_sees_module_files_the_module_layer_and_the_list_only() {
    let text = describe(&emit("linux/amd64", GOFILE).0);
    let context = op_id(&text, "[gofront] load build context");
    let module_files = op_id(&text, "[gofront] module files");
    let download = op_id(&text, "[gofront] go mod download");
    let list = op_id(&text, "[gofront] list dependencies");
    let precompile = op_block(&text, "[gofront] compile dependencies");
    assert!(!precompile.contains(&format!("from {context}.")), "{precompile}");
    assert!(precompile.contains(&format!("mount /src Bind from {module_files}.0 readonly")), "{precompile}");
    assert!(precompile.contains(&format!("mount /gofront/list Bind from {list}.1 readonly")), "{precompile}");
    assert!(precompile.contains(&format!("mount /go/pkg/mod Bind from {download}.1 keyed-by-op\n")), "{precompile}");
    assert!(precompile.contains("mount /gofront/depcache Bind from scratch output=1"), "{precompile}");
    assert!(precompile.contains("mount /gofront/depcache-2 Bind from scratch output=2"), "{precompile}");
    assert!(
        precompile.contains("env GOARCH=amd64")
            && precompile.contains("\"go\", \"build\", \"-trimpath\", \"-gcflags=all=-dwarf=false\"]")
    );

    // The list sees the source; the download sees only the module files.
    let listing = op_block(&text, "[gofront] list dependencies");
    assert!(listing.contains(&format!("mount /src Bind from {context}.0 readonly")), "{listing}");
    let downloading = op_block(&text, "[gofront] go mod download");
    assert!(downloading.contains(&format!("mount /src Bind from {module_files}.0 readonly")), "{downloading}");
    assert!(!downloading.contains(&format!("from {context}.")), "{downloading}");

    // The compile starts from the precompiled layer and the module layer.
    let precompile_id = op_id(&text, "[gofront] compile dependencies");
    let compile = op_block(&text, "[gofront] go build ./cmd/shop");
    // In two halves, two layers a fresh runner unpacks side by side.
    for (seed, output) in [("dependencies", 1), ("dependencies-2", 2)] {
        let mount = format!("mount /gofront/seeds/{seed} Bind from {precompile_id}.{output} readonly");
        assert!(compile.contains(&mount), "{compile}");
    }
    assert!(compile.contains(&format!("mount /go/pkg/mod Bind from {download}.1 keyed-by-op\n")), "{compile}");
    assert!(compile.contains("\"go\", \"build\", \"-v\", \"-trimpath\""), "{compile}");
}

/// When the frontend has read the sources' outside imports, the dependency compile is keyed by
/// them (a file in the definition) instead of the list step's output, which it no longer waits
/// for; the groups still come from the list.
#[test]
fn the_dependency_compile_is_keyed_by_the_imports_the_frontend_read() {
    let plan = ci_plan(root_layout());
    let imports = vec!["fmt".to_string(), "github.com/google/uuid".to_string()];
    let found = SourceFacts { groups: Vec::new(), outside_imports: Some(imports) };
    let text = describe(&print_found(&plan, None, None, Settings::default(), None, &found).0);
    let read = op_id(&text, "[gofront] packages imported from outside the module");
    let block = op_block(&text, "[gofront] packages imported from outside the module");
    assert!(block.contains("mkfile /packages") && block.contains("fmt\\ngithub.com/google/uuid\\n"), "{block}");
    let precompile = op_block(&text, "[gofront] compile dependencies");
    assert!(precompile.contains(&format!("mount /gofront/list Bind from {read}.0 readonly")), "{precompile}");
    assert!(!text.contains("[gofront] list dependencies"), "nothing else needs the list:\n{text}");
}

/// The module's own packages in groups: each group's compile sees the module files and a copy
/// of exactly its sources and those of the groups below (never the context), and starts from the
/// compiled dependencies and the groups below; the build's compile starts from all of them.
#[test]
fn package_groups_see_their_own_sources_and_the_groups_below() {
    let plan = ci_plan(root_layout());
    let groups = [
        PackageGroup { packages: vec!["example.com/shop/util".into()], files: vec!["util/u.go".into()] },
        PackageGroup {
            packages: vec!["example.com/shop/internal/catalog".into()],
            files: vec!["internal/catalog/catalog.go".into()],
        },
    ];
    let text = describe(&print_grouped(&plan, None, None, Settings::default(), None, &groups).0);
    let context = op_id(&text, "[gofront] load build context");
    let module_files = op_id(&text, "[gofront] module files");
    let precompile = op_id(&text, "[gofront] compile dependencies");
    // Each group's sources on top of those of the group below, the lowest with the module files.
    let first_sources = op_id(&text, "[gofront] sources of package group 1");
    let sources = op_block(&text, "[gofront] sources of package group 1");
    assert!(sources.contains("copy /util/u.go -> /util/u.go"), "{sources}");
    assert!(sources.contains("copy /go.mod -> /go.mod") && sources.contains("copy /go.sum -> /go.sum"), "{sources}");
    assert!(sources.contains(&format!("inputs=[\"{context}.0\"]")), "{sources}");
    assert!(!text.contains(&format!("inputs=[\"{module_files}.0\", \"{context}.0\"]")), "{text}");
    let sources = op_block(&text, "[gofront] sources of package group 2");
    assert!(sources.contains("copy /internal/catalog/catalog.go -> /internal/catalog/catalog.go"), "{sources}");
    assert!(!sources.contains("/util/u.go"), "{sources}");
    assert!(sources.contains(&format!("inputs=[\"{first_sources}.0\", \"{context}.0\"]")), "{sources}");
    let first = op_id(&text, "[gofront] compile package group 1/2: example.com/shop/util");
    let second = op_block(&text, "[gofront] compile package group 2/2: example.com/shop/internal/catalog");
    let second_sources = op_id(&text, "[gofront] sources of package group 2");
    assert!(!second.contains(&format!("from {context}.")), "{second}");
    assert!(second.contains(&format!("mount /src Bind from {second_sources}.0 readonly")), "{second}");
    assert!(
        second.contains(&format!("mount /gofront/seeds/dependencies Bind from {precompile}.1 readonly")),
        "{second}"
    );
    assert!(second.contains(&format!("mount /gofront/seeds/group-1 Bind from {first}.")), "{second}");
    assert!(second.contains("env GOFRONT_PACKAGES=example.com/shop/internal/catalog"), "{second}");
    assert!(!second.contains("mount /src/vendor"), "{second}");
    let second_id = op_id(&text, "[gofront] compile package group 2/2");
    let compile = op_block(&text, "[gofront] go build ./cmd/shop");
    for (seed, from) in [("dependencies", &precompile), ("group-1", &first), ("group-2", &second_id)] {
        assert!(compile.contains(&format!("mount /gofront/seeds/{seed} Bind from {from}.")), "{seed}: {compile}");
    }
    // No merge of the two layers: a merge's record shares the second layer's blob, and dropped
    // out of re-exported caches (see tests/ci_cache.rs), taking that layer with it.
    assert!(!text.contains("merge ["), "{text}");
}

/// A vendored module's groups see vendor/ straight from the build context (a selector on it),
/// never through a layer of the module files: a fresh runner pulls no vendor/ for them.
#[test]
fn package_groups_of_a_vendored_module_mount_vendor_from_the_context() {
    let plan = ci_plan(Layout { vendor_dir: Some("vendor".into()), ..root_layout() });
    let groups = [PackageGroup { packages: vec!["example.com/shop/util".into()], files: vec!["util/u.go".into()] }];
    let text = describe(&print_grouped(&plan, None, None, Settings::default(), None, &groups).0);
    let vendor = op_id(&text, "[gofront] load build context");
    let sources = op_block(&text, "[gofront] sources of package group 1");
    assert!(sources.contains("mkdir /vendor"), "{sources}");
    assert!(!sources.contains("copy /vendor"), "{sources}");
    let group = op_block(&text, "[gofront] compile package group 1/1");
    assert!(group.contains(&format!("mount /src/vendor Bind from {vendor}.0 selector=/vendor readonly")), "{group}");
}

/// vendor/: no download, and the dependency compile is keyed by the vendor tree, not the source.
/// It mounts vendor/ from the one context transfer (a second would start only after the list),
/// and no layer holds a copy of it (every cache export would carry one; no fresh runner needs it).
#[test]
fn a_vendored_module_compiles_its_dependencies_from_the_vendor_tree() {
    let plan = ci_plan(Layout { vendor_dir: Some("vendor".into()), ..root_layout() });
    let text = describe_plan(&plan);
    assert!(!text.contains("[gofront] go mod download"), "{text}");
    assert!(!text.contains("[gofront] load vendor/"), "{text}");
    assert!(!text.contains("copy /vendor"), "{text}");
    let context = op_id(&text, "[gofront] load build context");
    let files = op_block(&text, "[gofront] module files");
    assert!(files.contains("mkdir /vendor"), "{files}");
    let precompile = op_block(&text, "[gofront] compile dependencies");
    let vendor = format!("mount /src/vendor Bind from {context}.0 selector=/vendor readonly");
    assert!(precompile.contains(&vendor), "{precompile}");
    assert!(precompile.contains("env GOFLAGS=-mod=vendor") && precompile.contains("network=None"), "{precompile}");
    assert!(!precompile.contains("mount /go/pkg/mod"), "{precompile}");
}

/// Locally (no --cache-from) the warm cache mounts make the dependency layer pointless, and its
/// listing step would sit before every compile: it is left out unless asked for.
#[test]
fn dependency_layers_follow_the_cache_import_or_the_build_arg() {
    let gofile = gofile::parse(GOFILE).expect("gofile");
    let text_for = |cache_imported: bool, arg: Option<&str>| {
        let mut options = BuildOptions {
            build_platform: Platform::parse("linux/amd64").expect("platform"),
            cache_imported,
            ..Default::default()
        };
        if let Some(value) = arg {
            options.build_args.insert(plan::DEPENDENCY_LAYERS_ARG.into(), value.into());
        }
        let plan = plan::plan(&gofile, &root_layout(), &options)?;
        Ok::<String, gofront::diagnostic::Diagnostic>(describe_plan(&plan))
    };
    let layered = |text: &str| text.contains("[gofront] compile dependencies");
    let local = text_for(false, None).expect("plan");
    assert!(!layered(&local) && !local.contains("list dependencies") && !local.contains("mount /gofront/depcache"));
    assert!(local.contains("[gofront] go mod download"), "the module layer stays: {local}");
    assert!(layered(&text_for(true, None).expect("plan")));
    assert!(layered(&text_for(false, Some("on")).expect("plan")));
    assert!(!layered(&text_for(true, Some("off")).expect("plan")));
    assert!(layered(&text_for(true, Some("auto")).expect("plan")));
    let err = text_for(true, Some("sometimes")).expect_err("bad value");
    assert!(err.message.contains("GOFRONT_DEPENDENCY_LAYERS"), "{}", err.message);
}

#[test]
fn build_tags_reach_the_list_and_the_dependency_compile() {
    let text = describe(&emit("linux/amd64", &format!("{GOFILE}tags = [\"netgo\", \"osusergo\"]\n")).0);
    for name in ["[gofront] list dependencies", "[gofront] compile dependencies", "[gofront] go build"] {
        assert!(op_block(&text, name).contains("\"-tags=netgo,osusergo\""), "{name}:\n{text}");
    }
}

#[test]
fn a_build_settings_change_keeps_the_module_layer() {
    let before = describe(&emit("linux/amd64", GOFILE).0);
    // ldflags and tags change the compile (and the dependency list and compile) but not the modules.
    let edited = GOFILE.replace("${VERSION}", "${VERSION} -X main.edition=ce") + "tags = [\"netgo\"]\n";
    let after = describe(&emit("linux/amd64", &edited).0);
    let compile = "[gofront] go build ./cmd/shop";
    assert_ne!(op_block(&before, compile), op_block(&after, compile), "the edit did not reach the compile");
    assert_ne!(op_block(&before, "[gofront] compile dependencies"), op_block(&after, "[gofront] compile dependencies"));
    assert_eq!(op_block(&before, "[gofront] go mod download"), op_block(&after, "[gofront] go mod download"));
    assert_eq!(op_block(&before, "[gofront] module files"), op_block(&after, "[gofront] module files"));
}

/// Alpine's package mirror is out of reach here, so the apk path is proven on the emitted LLB.
#[test]
fn alpine_packages_are_installed_with_apk_on_the_target_platform() {
    let text = format!("{GOFILE}base = \"alpine\"\npackages = [\"curl\", \"tzdata\"]\n");
    let gofile = gofile::parse(&text).expect("gofile");
    let layout = root_layout();
    let options = BuildOptions {
        build_platform: Platform::parse("linux/amd64").expect("platform"),
        target_platform: Platform::parse("linux/arm64"),
        ..Default::default()
    };
    let plan = plan::plan(&gofile, &layout, &options).expect("plan");
    let base = ResolvedImage {
        reference: "docker.io/library/alpine:3@sha256:1111111111111111111111111111111111111111111111111111111111111111"
            .into(),
        config: ImageConfig::from_json(
            br#"{"os":"linux","architecture":"arm64","config":{"Env":["PATH=/usr/bin:/bin"]}}"#,
        )
        .expect("config"),
    };
    let manager = PackageManager::from_os_release("NAME=\"Alpine Linux\"\nID=alpine\n");
    let (definition, config) = print_plan(&plan, Some(base), manager, Settings::default(), None);
    let text = describe(&definition);
    let install = text.split("\n#").find(|b| b.contains("[gofront] install curl tzdata")).expect("install op");
    assert!(install.contains("exec [\"apk\", \"add\", \"--no-cache\", \"curl\", \"tzdata\"]"), "{install}");
    assert!(install.contains("[linux/arm64]"), "{install}");
    assert!(install.contains("mount / Bind from #"), "{install}");
    // The compile writes the binary into /app on the base itself: no copy of it, no staged
    // tree, is one more layer for the cache export.
    assert!(!text.contains("[gofront] binaries, staged"), "{text}");
    assert!(!text.contains("[gofront] image /app/shop"), "{text}");
    let compile = text.split("\n#").find(|b| b.contains("[gofront] go build ./cmd/shop")).expect("compile op");
    let install_op = install.split_whitespace().next().expect("op number");
    assert!(compile.contains(&format!("mount /gofront/image Bind from #{install_op}.0 output=")), "{compile}");
    assert!(compile.contains("\"-o\", \"/gofront/image/app/shop\""), "{compile}");
    assert!(compile.contains("env GOFRONT_EPOCH=0"), "{compile}");
    assert_eq!(config.architecture, "arm64");
}

#[test]
fn debian_os_release_means_apt() {
    let apt = PackageManager::from_os_release("PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\n");
    assert_eq!(apt, Some(PackageManager::Apt));
    let ubuntu = PackageManager::from_os_release("ID=ubuntu\nID_LIKE=debian\n");
    assert_eq!(ubuntu, Some(PackageManager::Apt));
    assert_eq!(PackageManager::from_os_release("ID=fedora\n"), None);
    let cmd = PackageManager::Apt.install(&["jq".into()]);
    assert!(cmd[2].contains("apt-get install -y -qq --no-install-recommends jq"), "{cmd:?}");
}

/// Proxy build args become proxy settings (outside the cache key), `--add-host` becomes extra hosts.
#[test]
fn proxies_and_extra_hosts_reach_the_go_steps() {
    let gofile = gofile::parse(GOFILE).expect("gofile");
    let layout = root_layout();
    let mut options = BuildOptions {
        build_platform: Platform::parse("linux/amd64").expect("platform"),
        extra_hosts: vec![("modules.internal".into(), "10.0.0.7".into())],
        cache_imported: true,
        ..Default::default()
    };
    options.build_args.insert("https_proxy".into(), "http://proxy.corp:3128".into());
    let plan = plan::plan(&gofile, &layout, &options).expect("plan");
    let proxy = gofront::proto::pb::ProxyEnv { https_proxy: "http://proxy.corp:3128".into(), ..Default::default() };
    let settings = Settings { hosts: options.extra_hosts.clone(), proxy: Some(proxy), ..Default::default() };
    let definition = print_plan(&plan, None, None, settings, None).0;
    let mut go_steps = 0;
    for bytes in &definition.def {
        let op = gofront::proto::pb::Op::decode(bytes.as_slice()).expect("op");
        if let Some(gofront::proto::pb::op::Op::Exec(exec)) = op.op {
            let meta = exec.meta.expect("meta");
            assert_eq!(meta.proxy_env.expect("proxy").https_proxy, "http://proxy.corp:3128");
            assert_eq!(meta.extra_hosts[0].host, "modules.internal");
            assert!(!meta.env.iter().any(|e| e.to_lowercase().contains("proxy.corp")), "proxy leaked into env");
            go_steps += 1;
        }
    }
    assert_eq!(go_steps, 4, "download, list, dependency compile, compile");
}

/// A base image's config fields gofront does not set itself reach the image unchanged.
#[test]
fn the_base_image_config_survives() {
    let text = format!("{GOFILE}base = \"debian\"\n");
    let gofile = gofile::parse(&text).expect("gofile");
    let options =
        BuildOptions { build_platform: Platform::parse("linux/amd64").expect("platform"), ..Default::default() };
    let plan = plan::plan(&gofile, &root_layout(), &options).expect("plan");
    let base = ResolvedImage {
        reference: "docker.io/library/debian:bookworm-slim@sha256:2222222222222222222222222222222222222222222222222222222222222222"
            .into(),
        config: ImageConfig::from_json(
            br#"{"os":"linux","architecture":"amd64","os.features":["f1"],"future":{"x":1},
                "config":{"Env":["PATH=/usr/bin:/bin","LANG=C.UTF-8"],"StopSignal":"SIGQUIT",
                "Volumes":{"/data":{}},"Shell":["/bin/bash","-c"],"OnBuild":["RUN true"],
                "ArgsEscaped":true,"Labels":{"base":"yes"}}}"#,
        )
        .expect("config"),
    };
    let config = print_plan(&plan, Some(base), None, Settings::default(), None).1;
    let config = serde_json::to_value(&config).expect("json");
    let run = &config["config"];
    assert_eq!(run["StopSignal"], "SIGQUIT", "{config}");
    assert_eq!(run["Volumes"], serde_json::json!({ "/data": {} }), "{config}");
    assert_eq!(run["Shell"], serde_json::json!(["/bin/bash", "-c"]), "{config}");
    assert_eq!(run["OnBuild"], serde_json::json!(["RUN true"]), "{config}");
    assert_eq!(run["ArgsEscaped"], true, "{config}");
    assert_eq!(run["Labels"]["base"], "yes", "{config}");
    assert!(run["Env"].as_array().is_some_and(|e| e.iter().any(|v| v == "LANG=C.UTF-8")), "{config}");
    assert_eq!(config["os.features"], serde_json::json!(["f1"]), "{config}");
    assert_eq!(config["future"], serde_json::json!({ "x": 1 }), "{config}");
    // What gofront sets still wins.
    assert_eq!(run["Entrypoint"], serde_json::json!(["/app/shop"]), "{config}");
    assert_eq!(run["User"], "65532:65532", "{config}");
}
