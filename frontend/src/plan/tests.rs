use super::*;
use crate::gofile;

/// A value as the LLB printer resolves it, for these build args.
fn resolve(value: &Value, args: &BTreeMap<String, String>) -> String {
    match value {
        Value::Literal(text) => text.clone(),
        Value::Arg { name, fallback } => args.get(name).or(fallback.as_ref()).cloned().unwrap_or_default(),
        Value::ImageEnv { fallback, .. } => fallback.clone(),
        Value::Concat(parts) => parts.iter().map(|p| resolve(p, args)).collect(),
        Value::Field(inner) => crate::program::quote_field(&resolve(inner, args)),
    }
}

fn command_with(plan: &BuildPlan, args: &BTreeMap<String, String>) -> Vec<String> {
    plan.build_command().iter().map(|v| resolve(v, args)).collect()
}

fn command(plan: &BuildPlan) -> Vec<String> {
    command_with(plan, &BTreeMap::new())
}

fn gomod(text: &str) -> GoMod {
    gomod::parse(text).expect("go.mod")
}

fn options() -> BuildOptions {
    BuildOptions { build_platform: Platform::parse("linux/amd64").expect("platform"), ..Default::default() }
}

fn plan_of(gofile_text: &str, options: &BuildOptions) -> Result<BuildPlan, Diagnostic> {
    let g = gofile::parse(gofile_text).expect("gofile");
    plan(&g, &layout_of("module example.com/shop\n\ngo 1.22.3\n", false), options)
}

fn layout_of(gomod_text: &str, has_vendor: bool) -> Layout {
    Layout {
        module_dir: String::new(),
        gomod: gomod(gomod_text),
        workspace: None,
        module_files: vec!["go.mod".into(), "go.sum".into()],
        module_search: super::layout::ModuleSearch::Root,
        vendor_dir: has_vendor.then(|| "vendor".to_string()),
        gosum: None,
        modules_txt: None,
    }
}

const SHOP: &str = "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n";

#[test]
fn defaults_follow_go_mod() {
    let p = plan_of(SHOP, &options()).expect("plan");
    assert_eq!(p.builder.reference, "docker.io/library/golang:1.22-alpine");
    assert_eq!(p.base, Base::Scratch);
    assert_eq!(p.entrypoint(), "shop");
    assert_eq!(p.module_files, ["go.mod", "go.sum"]);
    assert!(p.downloads());
    assert_eq!(
        command(&p),
        [
            "go",
            "build",
            "-v",
            "-trimpath",
            "-gcflags=all=-dwarf=false",
            "-buildvcs=false",
            "-ldflags=-s -w",
            "-o",
            "/out/shop",
            "./cmd/shop"
        ]
    );
    assert_eq!(p.compile_flags, ["-trimpath", "-gcflags=all=-dwarf=false"]);
    assert!(p.go_env.contains(&Env::Set("GOFLAGS".into(), "-mod=readonly".into())));
    assert!(p.go_env.contains(&Env::Set("GOTOOLCHAIN".into(), "local".into())));
    assert!(p.build_env.contains(&("CGO_ENABLED".into(), "0".into())));
    let spec = &p.image().expect("image").spec;
    assert_eq!(spec.user, "65532:65532");
    assert_eq!(spec.entrypoint, ["/app/shop"]);
    assert_eq!(spec.workdir, "/app");
}

#[test]
fn module_mismatch_names_both() {
    let err = plan_of("module = \"example.com/other\"\nmain = \".\"\n", &options()).expect_err("mismatch");
    assert!(err.message.contains("\"example.com/other\""), "{}", err.message);
    assert!(err.message.contains("\"example.com/shop\""), "{}", err.message);
    assert_eq!(err.span, Some(9..28));
}

#[test]
fn go_version_sources() {
    let toolchain = gofile::parse(SHOP).expect("gofile");
    let p = plan(&toolchain, &layout_of("module example.com/shop\ngo 1.22\ntoolchain go1.24.2\n", false), &options())
        .expect("plan");
    assert_eq!(p.go_version, "1.24");

    let mut o = options();
    o.build_args.insert("GO_VERSION".into(), "1.25.1".into());
    assert_eq!(plan_of(SHOP, &o).expect("plan").builder.reference, "docker.io/library/golang:1.25-alpine");

    let err = plan_of(&format!("{SHOP}go = \"1.21\"\n"), &options()).expect_err("too old");
    assert!(err.message.contains("go.mod requires go 1.22 or newer"), "{}", err.message);
}

#[test]
fn named_contexts_replace_images() {
    let mut o = options();
    o.named_contexts.insert("builder".into(), "docker-image://gofront-test/golang:1.27".into());
    let p = plan_of(SHOP, &o).expect("plan");
    assert_eq!(p.builder.reference, "docker.io/gofront-test/golang:1.27");
    assert_eq!(p.builder.origin, "the build context `builder`");

    let mut o = options();
    o.named_contexts.insert("golang:1.22-alpine".into(), "docker-image://mirror/golang:1.22".into());
    assert_eq!(plan_of(SHOP, &o).expect("plan").builder.reference, "docker.io/mirror/golang:1.22");

    let mut o = options();
    o.named_contexts.insert("base".into(), "docker-image://my/base:1".into());
    o.named_contexts.insert("base::linux/amd64".into(), "docker-image://my/base:amd64".into());
    let p = plan_of(SHOP, &o).expect("plan");
    assert!(matches!(p.base, Base::Image(ref c) if c.reference == "docker.io/my/base:amd64"), "{:?}", p.base);

    let mut o = options();
    o.named_contexts.insert("builder".into(), "local:somedir".into());
    let err = plan_of(SHOP, &o).expect_err("local context");
    assert!(err.message.contains("only docker-image:// contexts"), "{}", err.message);
}

#[test]
fn ldflags_interpolation() {
    let text =
        format!("{SHOP}ldflags = \"-X main.version=${{VERSION}} -X main.rev=${{REVISION}} -X main.x=${{X:-none}}\"\n");
    let p = plan_of(&text, &options()).expect("plan");
    let args = BTreeMap::new();
    assert!(command_with(&p, &args)
        .contains(&"-ldflags=-s -w -X main.version=dev -X main.rev=unknown -X main.x=none".to_string()));

    let mut o = options();
    o.build_args.insert("VERSION".into(), "1.2.3".into());
    o.build_args.insert("X".into(), "y".into());
    o.vcs_revision = Some("abc123".into());
    let p = plan_of(&text, &o).expect("plan");
    assert!(command_with(&p, &o.build_args)
        .contains(&"-ldflags=-s -w -X main.version=1.2.3 -X main.rev=abc123 -X main.x=y".to_string()));
    let label = |name: &str| {
        let labels = &p.image().expect("image").spec.labels;
        labels.iter().find(|(k, _)| k == name).map(|(_, v)| resolve(v, &o.build_args))
    };
    assert_eq!(label("org.opencontainers.image.version").as_deref(), Some("1.2.3"));
    assert_eq!(label("org.opencontainers.image.revision").as_deref(), Some("abc123"));

    let err = plan_of(&format!("{SHOP}ldflags = \"-X main.k=${{API_KEY}}\"\n"), &options()).expect_err("unset");
    assert!(err.message.contains("uses ${API_KEY}, but no value was given"), "{}", err.message);
    assert!(err.hint.unwrap_or_default().contains("--build-arg API_KEY="));
}

#[test]
fn vendored_modules_build_offline() {
    let g = gofile::parse(SHOP).expect("gofile");
    let mut o = options();
    o.network = Network::Host;
    let p = plan(&g, &layout_of("module example.com/shop\ngo 1.22\n", true), &o).expect("plan");
    assert!(!p.downloads());
    assert_eq!(p.go_network(), Network::None);
    assert_eq!(p.network, Network::Host, "the package step keeps the client's network");
    assert!(p.go_env.contains(&Env::Set("GOFLAGS".into(), "-mod=vendor".into())));
}

#[test]
fn cross_compilation_environment() {
    let mut o = options();
    o.target_platform = Platform::parse("linux/arm/v7");
    let p = plan_of(SHOP, &o).expect("plan");
    assert_eq!(p.build_platform.to_string(), "linux/amd64");
    assert_eq!(p.platform.to_string(), "linux/arm/v7");
    let target = p.platform.go_env().expect("go env");
    for pair in [("GOOS", "linux"), ("GOARCH", "arm"), ("GOARM", "7")] {
        assert!(target.contains(&(pair.0.into(), pair.1.into())), "{pair:?} in {target:?}");
    }
    assert!(p.compile_env().contains(&Env::TargetPlatform));
    // The dependency step is platform-independent, so all platforms share it.
    assert!(!p.go_env.contains(&Env::TargetPlatform));
}

#[test]
fn binary_names() {
    let p = |text: &str| plan_of(text, &options()).expect("plan").entrypoint().to_string();
    assert_eq!(p("module = \"example.com/shop\"\nmain = \".\"\n"), "shop");
    assert_eq!(p("module = \"example.com/shop\"\nmain = \"./cmd/api/\"\n"), "api");
    assert_eq!(p("module = \"example.com/shop\"\nmain = \".\"\nname = \"svc\"\n"), "svc");
    let g = gofile::parse("module = \"example.com/shop/v2\"\nmain = \".\"\n").expect("gofile");
    let v2 = plan(&g, &layout_of("module example.com/shop/v2\ngo 1.22\n", false), &options());
    assert_eq!(v2.expect("plan").entrypoint(), "shop");
}

#[test]
fn bases_users_and_labels() {
    let mut o = options();
    o.labels.insert("team".into(), "from-cli".into());
    let text =
        format!("{SHOP}base = \"distroless\"\nuser = \"root\"\nlabels = {{ team = \"gofile\", tier = \"web\" }}\n");
    let p = plan_of(&text, &o).expect("plan");
    assert!(matches!(p.base, Base::Image(ref c) if c.reference == "gcr.io/distroless/static-debian12:nonroot"));
    let spec = &p.image().expect("image").spec;
    assert_eq!(spec.user, "0:0");
    let label = |name: &str| spec.labels.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(label("team"), Some("from-cli".into()));
    assert_eq!(label("tier"), Some("web".into()));
    // A base image brings its own PATH; only scratch gets gofront's.
    assert!(!spec.env.iter().any(|(k, _)| k == "PATH"));
}

#[test]
fn unknown_targets_list_the_valid_ones() {
    let mut o = options();
    o.target = Some("binary-x".into());
    let err = plan_of(SHOP, &o).expect_err("target");
    assert!(err.message.contains("unknown target \"binary-x\""));
    assert_eq!(
        err.hint.as_deref(),
        Some("did you mean `binary`? the valid targets are: image, binary, test, vet, debug, test-report")
    );
    o.target = Some("test".into());
    assert_eq!(plan_of(SHOP, &o).expect("plan").target, Target::Test);
}

#[test]
fn cgo_uses_a_glibc_builder_and_base_and_refuses_to_cross_compile() {
    let text = format!("{SHOP}cgo = true\n");
    let p = plan_of(&text, &options()).expect("plan");
    assert_eq!(p.builder.reference, "docker.io/library/golang:1.22-bookworm");
    assert!(matches!(p.base, Base::Image(ref c) if c.reference == "gcr.io/distroless/base-debian12:nonroot"));
    assert!(p.build_env.contains(&("CGO_ENABLED".into(), "1".into())));

    let mut arm = options();
    arm.target_platform = Platform::parse("linux/arm64");
    let err = plan_of(&text, &arm).expect_err("cross cgo");
    assert!(err.message.contains("cannot cross-compile to linux/arm64 on a linux/amd64 builder"), "{}", err.message);
    let with_cc = format!("{text}build_env = {{ CC = \"aarch64-linux-gnu-gcc\" }}\n");
    assert!(plan_of(&with_cc, &arm).is_ok());

    let err = plan_of(&format!("{text}base = \"scratch\"\n"), &options()).expect_err("scratch cgo");
    assert!(err.message.contains("needs libc at run time"), "{}", err.message);
}

#[test]
fn packages_need_a_base_with_a_package_manager() {
    let err = plan_of(&format!("{SHOP}packages = [\"curl\"]\n"), &options()).expect_err("scratch packages");
    assert!(err.message.contains("`packages` needs a base image"), "{}", err.message);
    let p = plan_of(&format!("{SHOP}base = \"debian\"\npackages = [\"curl\"]\n"), &options()).expect("plan");
    assert_eq!(p.packages, ["curl"]);
}

#[test]
fn several_binaries_compile_in_one_go_build() {
    let text = "module = \"example.com/shop\"\nmain = [\"./cmd/api\", \"./cmd/worker\"]\n\n[targets.migrate]\nmain = \"./tools/migrate\"\nname = \"db-migrate\"\nargs = [\"up\"]\nenv = { MODE = \"migrate\" }\n";
    let p = plan_of(text, &options()).expect("plan");
    let packages: Vec<&str> = p.binaries.iter().map(|b| b.package.as_str()).collect();
    assert_eq!(packages, ["./cmd/api", "./cmd/worker", "./tools/migrate"]);
    assert!(command(&p).ends_with(&[
        "-o".to_string(),
        "/out/".into(),
        "./cmd/api".into(),
        "./cmd/worker".into(),
        "./tools/migrate".into()
    ]));
    let image = p.image().expect("image");
    assert_eq!(image.binaries, [("api".to_string(), "api".to_string()), ("worker".into(), "worker".into())]);
    assert_eq!(image.spec.entrypoint, ["/app/api"]);

    let mut o = options();
    o.target = Some("migrate".into());
    let p = plan_of(text, &o).expect("plan");
    assert_eq!(p.target, Target::Image(Some("migrate".into())));
    let image = p.image().expect("image");
    assert_eq!(image.binaries, [("migrate".to_string(), "db-migrate".to_string())]);
    assert_eq!(image.spec.entrypoint, ["/app/db-migrate"]);
    assert_eq!(image.spec.cmd, ["up"]);
    assert!(image.spec.env.contains(&("MODE".into(), "migrate".into())));
    // The compile step is the same whichever image is picked, so it is shared in the cache.
    assert_eq!(p.build_command(), plan_of(text, &options()).expect("plan").build_command());

    o.target = Some("migrat".into());
    let err = plan_of(text, &o).expect_err("typo");
    assert_eq!(
        err.hint.as_deref(),
        Some("did you mean `migrate`? the valid targets are: image, binary, test, vet, debug, test-report, migrate")
    );

    let clash = "module = \"example.com/shop\"\nmain = [\"./a/server\", \"./b/server\"]\n";
    let err = plan_of(clash, &options()).expect_err("same name");
    assert!(err.message.contains("would both build a binary named \"server\""), "{}", err.message);
}

#[test]
fn non_linux_platforms_build_binaries_only() {
    let mut o = options();
    o.target_platform = crate::platform::Platform::parse("windows/amd64");
    let err = plan_of(SHOP, &o).expect_err("a windows image");
    assert!(err.message.contains("gofront builds Linux images, and windows/amd64 is not Linux"), "{}", err.message);
    assert!(err.hint.as_deref().is_some_and(|h| h.contains("--target binary")), "{:?}", err.hint);

    o.target = Some("binary".into());
    let p = plan_of(SHOP, &o).expect("a windows binary");
    assert!(command(&p).contains(&"/out/shop.exe".to_string()), "{:?}", command(&p));
    assert!(p.platform.go_env().expect("env").contains(&("GOOS".into(), "windows".into())));

    o.target_platform = crate::platform::Platform::parse("macos/arm64");
    let p = plan_of(SHOP, &o).expect("a darwin binary");
    assert!(p.platform.go_env().expect("env").contains(&("GOOS".into(), "darwin".into())));
    assert!(command(&p).contains(&"/out/shop".to_string()));
}

#[test]
fn image_references_are_checked_where_they_are_written() {
    let err = plan_of(&format!("{SHOP}base = \"Team/Runtime:1\"\n"), &options()).expect_err("upper case");
    assert!(err.message.contains("`base` is not an image reference"), "{}", err.message);
    assert!(err.message.contains("lower case"), "{}", err.message);
    assert!(err.span.is_some());
    let err = plan_of(&format!("{SHOP}builder = \"golang@sha256:nothex\"\n"), &options()).expect_err("digest");
    assert!(err.message.contains("`builder` is not an image reference") && err.message.contains("digest"));
    let p = plan_of(&format!("{SHOP}base = \"index.docker.io/x\"\n"), &options()).expect("hub");
    let Base::Image(choice) = p.base else { panic!("no base image") };
    assert_eq!(choice.reference, "docker.io/library/x:latest");
}

mod layout {
    use super::super::layout::*;
    use crate::gofile;
    use crate::gofile::Gofile;

    fn files(entries: &[(&str, &str)]) -> ContextFiles {
        let mut f = ContextFiles::default();
        for (path, text) in entries {
            f.paths.insert((*path).to_string());
            if path.ends_with("go.mod") || path.ends_with("go.work") {
                f.texts.insert((*path).to_string(), (*text).to_string());
            }
        }
        f
    }

    fn gofile(module: &str, extra: &str) -> Gofile {
        gofile::parse(&format!("module = \"{module}\"\nmain = \".\"\n{extra}")).expect("gofile")
    }

    #[test]
    fn root_module() {
        let f = files(&[("go.mod", "module example.com/a\ngo 1.22\n"), ("go.sum", "")]);
        let layout = locate(&gofile("example.com/a", ""), &f).expect("layout");
        assert_eq!(layout.module_dir, "");
        assert_eq!(layout.module_files, ["go.mod", "go.sum"]);
        assert!(layout.workspace.is_none());
    }

    /// The root's files are read before the .dockerignore is known; its patterns then leave out
    /// what a transfer with them would not have brought.
    #[test]
    fn ignore_patterns_leave_out_what_the_transfer_would_have() {
        let mut f = files(&[("go.mod", "module example.com/a\ngo 1.22\n"), ("go.sum", ""), ("vendor/modules.txt", "")]);
        f.links.insert("go.sum".into(), "../go.sum".into());
        let kept = f.clone().without_excluded(&["vendor".into(), "go.sum".into()]);
        assert_eq!(kept.paths.iter().collect::<Vec<_>>(), ["go.mod"]);
        assert!(kept.links.is_empty() && kept.texts.contains_key("go.mod"));
        let kept = f.clone().without_excluded(&["*".into(), "!go.mod".into(), "!vendor/modules.txt".into()]);
        assert_eq!(kept.paths.iter().collect::<Vec<_>>(), ["go.mod", "vendor/modules.txt"]);
        assert_eq!(f.clone().without_excluded(&[]).paths, f.paths);
    }

    /// What the frontend reads only the root's module files for: anything else needs the tree's.
    #[test]
    fn the_root_files_settle_only_a_plain_root_module() {
        let settled = |entries: &[(&str, &str)], extra: &str| {
            locate(&gofile("example.com/a", extra), &files(entries)).is_ok_and(|l| l.settled_at_root("example.com/a"))
        };
        assert!(settled(&[("go.mod", "module example.com/a\n"), ("go.sum", "")], ""));
        assert!(settled(&[("go.mod", "module example.com/a\nreplace example.com/b => example.com/c v1.0.0\n")], ""));
        assert!(settled(&[("go.mod", "module example.com/a\n")], "dir = \".\"\n"));
        let replaced = [("go.mod", "module example.com/a\nreplace example.com/b => ./b\n"), ("b/go.mod", "module b\n")];
        assert!(!settled(&replaced, ""));
        let workspace = [("go.work", "use .\n"), ("go.mod", "module example.com/a\n")];
        assert!(!settled(&workspace, ""));
        assert!(!settled(&[("go.mod", "module example.com/tools\n"), ("a/go.mod", "module example.com/a\n")], ""));
        assert!(!settled(
            &[("go.mod", "module example.com/a\n"), ("sub/go.mod", "module example.com/a\n")],
            "dir = \"sub\"\n"
        ));
    }

    /// The root search walks only the directories its names go through; the tree search, all.
    #[test]
    fn the_root_search_enters_vendor_alone() {
        for (dir, entered) in
            [("vendor", true), ("vend", false), ("vendor2", false), ("cmd", false), ("a/vendor", false)]
        {
            assert_eq!(ModuleSearch::Root.enters(dir), entered, "{dir}");
            assert!(ModuleSearch::Tree.enters(dir), "{dir}");
        }
    }

    /// The root's go.mod is the module even where a copy deeper down declares it too (an example
    /// or a test fixture), as the root's files alone would say; without one at the root, two copies
    /// are ambiguous.
    #[test]
    fn the_root_go_mod_wins_over_copies_deeper_down() {
        let copies = [("examples/go.mod", "module example.com/a\n"), ("fixtures/go.mod", "module example.com/a\n")];
        let mut entries = vec![("go.mod", "module example.com/a\n")];
        entries.extend(copies);
        assert_eq!(locate(&gofile("example.com/a", ""), &files(&entries)).expect("layout").module_dir, "");
        let err = locate(&gofile("example.com/a", ""), &files(&copies)).expect_err("ambiguous");
        assert!(err.message.contains("several go.mod files declare module example.com/a"), "{}", err.message);
    }

    #[test]
    fn monorepo_module_is_found_from_its_path() {
        let f = files(&[
            ("go.mod", "module example.com/tools\n"),
            ("services/api/go.mod", "module example.com/api\ngo 1.22\nreplace example.com/money => ../../libs/money\n"),
            ("services/api/go.sum", ""),
            ("libs/money/go.mod", "module example.com/money\n"),
            ("services/api/vendor/example.com/x/go.mod", "module example.com/api\n"),
        ]);
        let layout = locate(&gofile("example.com/api", ""), &f).expect("layout");
        assert_eq!(layout.module_dir, "services/api");
        assert_eq!(layout.module_files, ["libs/money/go.mod", "services/api/go.mod", "services/api/go.sum"]);
    }

    #[test]
    fn workspaces_bring_every_used_module() {
        let f = files(&[
            ("go.work", "go 1.22\nuse ./svc\nuse ./lib\n"),
            ("go.work.sum", ""),
            ("svc/go.mod", "module example.com/svc\n"),
            ("svc/go.sum", ""),
            ("lib/go.mod", "module example.com/lib\n"),
        ]);
        let layout = locate(&gofile("example.com/svc", ""), &f).expect("layout");
        assert_eq!(layout.module_dir, "svc");
        assert_eq!(layout.workspace.as_deref(), Some(""));
        assert_eq!(layout.module_files, ["go.work", "go.work.sum", "lib/go.mod", "svc/go.mod", "svc/go.sum"]);
    }

    #[test]
    fn errors_name_what_was_found() {
        let f = files(&[("a/go.mod", "module example.com/a\n")]);
        let err = locate(&gofile("example.com/b", ""), &f).expect_err("no match");
        assert!(err.message.contains("found: example.com/a in a/go.mod"), "{}", err.message);

        let f = files(&[("go.mod", "module example.com/a\nreplace x => ../outside\n")]);
        let err = locate(&gofile("example.com/a", ""), &f).expect_err("outside");
        assert!(err.message.contains("outside the build context"), "{}", err.message);

        let f = files(&[
            ("go.work", "use ./other\n"),
            ("svc/go.mod", "module example.com/svc\n"),
            ("other/go.mod", "module example.com/other\n"),
        ]);
        let err = locate(&gofile("example.com/svc", ""), &f).expect_err("not used");
        assert!(err.message.contains("does not `use` \"svc\""), "{}", err.message);

        let f = files(&[("go.work", "use (\n\t./svc\n\t./gone\n)\n"), ("svc/go.mod", "module example.com/svc\n")]);
        let err = locate(&gofile("example.com/svc", ""), &f).expect_err("missing use");
        assert!(
            err.message.contains("go.work uses \"gone\", but the build context has no gone/go.mod"),
            "{}",
            err.message
        );

        let err = locate(&gofile("example.com/a", "dir = \"nowhere\"\n"), &ContextFiles::default()).expect_err("dir");
        assert!(err.message.contains("no go.mod in it"), "{}", err.message);
    }
}

/// How Go splits `-ldflags` (cmd/internal/quoted): fields at blanks, or between a pair of the
/// same quote, with no escapes.
fn go_split(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        let Some(first) = rest.chars().next() else { return out };
        if first == '\'' || first == '"' {
            let end = rest[1..].find(first).expect("closed quote") + 1;
            out.push(rest[1..end].to_string());
            rest = &rest[end + 1..];
        } else {
            let end = rest.find([' ', '\t', '\n', '\r']).unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
}

/// A build arg is one value of its `-X`, whatever it holds: the linker sees exactly the flags
/// the Gofile wrote.
#[test]
fn hostile_build_args_stay_one_linker_argument() {
    let text = format!("{SHOP}ldflags = \"-X main.version=${{VERSION}} -X 'main.note=a b'\"\n");
    for value in [
        "1.0 -X main.version=evil",
        "1.0$(touch /tmp/pwned)",
        "1.0' -X main.x=y '",
        "it's one",
        "say \"hi\"",
        "no'blanks\"at-all",
        "tab\there",
        "back\\slash $HOME `id`",
        "",
        "'leading",
        "-X",
    ] {
        let mut o = options();
        o.build_args.insert("VERSION".into(), value.into());
        let p = plan_of(&text, &o).unwrap_or_else(|e| panic!("{value:?}: {}", e.message));
        let flag = command_with(&p, &o.build_args).into_iter().find(|a| a.starts_with("-ldflags=")).expect("ldflags");
        let fields = go_split(flag.trim_start_matches("-ldflags="));
        assert_eq!(
            fields,
            ["-s", "-w", "-X", &format!("main.version={value}"), "-X", "main.note=a b"],
            "{value:?} gave {flag:?}"
        );
    }
    for (value, problem) in [("line\nbreak", "a line break"), ("it's \"quoted\"", "blanks and both kinds of quote")] {
        let mut o = options();
        o.build_args.insert("VERSION".into(), value.into());
        let err = plan_of(&text, &o).expect_err(value);
        assert!(err.message.contains("--build-arg VERSION") && err.message.contains(problem), "{}", err.message);
        assert!(err.span.is_some(), "no Gofile line for {value:?}");
    }
    let err = plan_of(&format!("{SHOP}ldflags = \"-X 'main.x=${{VERSION}}\"\n"), &options()).expect_err("open quote");
    assert!(err.message.contains("without its closing"), "{}", err.message);
}

/// SOURCE_DATE_EPOCH asks for a reproducible image: images named by a tag alone are findings.
#[test]
fn unpinned_images_are_findings_when_the_build_should_reproduce() {
    let digest = "@sha256:".to_string() + &"a".repeat(64);
    let text = format!("{SHOP}base = \"debian\"\nbuilder = \"golang:1.22-alpine{digest}\"\n");
    let rules = |o: &BuildOptions| {
        let p = plan_of(&text, o).expect("plan");
        p.findings
            .iter()
            .filter(|f| f.rule.name == "UnpinnedImage")
            .map(|f| (f.lines.first, f.detail.clone()))
            .collect::<Vec<_>>()
    };
    assert!(rules(&options()).is_empty(), "no epoch, no finding");
    let mut o = options();
    o.build_args.insert("SOURCE_DATE_EPOCH".into(), "1700000000".into());
    let found = rules(&o);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 3, "at the base line: {found:?}");
    assert!(found[0].1.contains("the base docker.io/library/debian:bookworm-slim is a tag"), "{found:?}");
}

/// The debug image: optimizations off, symbols and source paths kept, Delve as the entrypoint.
#[test]
fn the_debug_image_runs_an_unoptimized_build_under_delve() {
    let text = format!("{SHOP}ldflags = \"-X main.mode=debug\"\nargs = [\"--port\", \"8080\"]\nports = [8080]\n");
    let mut o = options();
    o.target = Some("debug".into());
    let p = plan_of(&text, &o).expect("plan");
    assert_eq!(p.target, Target::Debug);
    let debug: Vec<String> = p.debug_command().iter().map(|v| resolve(v, &BTreeMap::new())).collect();
    assert_eq!(
        debug,
        [
            "go",
            "build",
            "-v",
            "-buildvcs=false",
            "-gcflags=all=-N -l",
            "-ldflags=-X main.mode=debug",
            "-o",
            "/out/shop",
            "./cmd/shop"
        ]
    );
    assert_eq!(p.delve, Delve::Install(DELVE_VERSION.into()));
    let program = steps::program(&p, None, &Default::default());
    let output = program.output("debug").expect("debug output");
    assert_eq!(
        output.image.entrypoint,
        [
            "/app/dlv",
            "exec",
            "/app/shop",
            "--headless",
            "--listen=:40000",
            "--api-version=2",
            "--accept-multiclient",
            "--continue",
            "--"
        ]
    );
    assert_eq!(output.image.cmd, ["--port", "8080"]);
    assert_eq!(output.image.ports, ["8080/tcp", "40000/tcp"]);
    assert_eq!(output.image.user, "65532:65532", "the image's user");
    let install = program.steps.iter().find(|s| s.id == "dlv").expect("dlv step");
    let crate::program::Op::Run(run) = &install.op else { panic!("dlv is installed by a command") };
    let argv: Vec<String> = run.argv.iter().map(|v| resolve(v, &BTreeMap::new())).collect();
    assert!(argv.ends_with(&["github.com/go-delve/delve/cmd/dlv@v1.25.2".to_string()]), "{argv:?}");
    assert!(run.env.contains(&Env::TargetPlatform) && run.env.contains(&Env::Set("CGO_ENABLED".into(), "0".into())));

    // The image target's steps are untouched by the debug ones: same build command, same order.
    let plain = steps::program(&plan_of(&text, &options()).expect("plan"), None, &Default::default());
    let image_steps = |p: &crate::program::Program| {
        let tree = &p.output("image").expect("image").tree;
        p.needed(&[tree]).iter().map(|id| p.step(*id).clone()).collect::<Vec<_>>()
    };
    assert_eq!(image_steps(&program), image_steps(&plain));
    let key = crate::gofile::keys::KEYS.iter().find(|k| k.name == "delve").expect("delve key");
    assert_eq!(key.default, Some(format!("\"{DELVE_VERSION}\"").as_str()), "the key table's default is the plan's");
}

/// `--build-context dlv=…` replaces the download: a directory or an image, nothing else.
#[test]
fn a_dlv_context_replaces_the_download() {
    let mut o = options();
    o.named_contexts.insert("dlv".into(), "local:dlv".into());
    assert_eq!(plan_of(SHOP, &o).expect("plan").delve, Delve::Local("dlv".into()));
    o.named_contexts.insert("dlv".into(), "docker-image://registry.example/tools/dlv:1.24".into());
    let Delve::Image(choice) = plan_of(SHOP, &o).expect("plan").delve else { panic!("an image") };
    assert_eq!(choice.reference, "registry.example/tools/dlv:1.24");
    o.named_contexts.insert("dlv".into(), "git://example.com/dlv.git".into());
    let err = plan_of(SHOP, &o).expect_err("git");
    assert!(err.message.contains("cannot read `dlv` from"), "{}", err.message);
    assert!(err.hint.as_deref().is_some_and(|h| h.contains("--build-context dlv=DIR")));

    let pinned = format!("{SHOP}delve = \"v1.24.0\"\n");
    assert_eq!(plan_of(&pinned, &options()).expect("plan").delve, Delve::Install("v1.24.0".into()));
    let err = gofile::parse(&format!("{SHOP}delve = \"latest\"\n")).expect_err("query");
    assert!(err.message.contains("`delve` is not a module version"), "{}", err.message);
}

/// The test report: one `go test -json` with coverage over the module; `-race` only with cgo.
#[test]
fn test_reports_and_race() {
    let mut o = options();
    o.target = Some("test-report".into());
    let p = plan_of(SHOP, &o).expect("plan");
    assert!(p.target.checks());
    let program = steps::program(&p, None, &Default::default());
    let output = program.output("test-report").expect("output");
    let crate::program::Op::Run(run) = &program.step(output.tree.step).op else { panic!("a command") };
    let argv: Vec<String> = run.argv.iter().map(|v| resolve(v, &BTreeMap::new())).collect();
    assert_eq!(
        argv,
        [
            "/bin/sh",
            "/gofront/report/report",
            "go",
            "test",
            "-json",
            "-coverprofile=/out/coverage.out",
            "-coverpkg=./...",
            "./..."
        ]
    );

    let err = plan_of(&format!("{SHOP}race = true\n"), &options()).expect_err("no cgo");
    assert!(err.message.contains("`race = true` needs cgo"), "{}", err.message);
    assert_eq!(err.span.map(|s| line_col(&format!("{SHOP}race = true\n"), s.start).line), Some(3));
    let raced = plan_of(&format!("{SHOP}race = true\ncgo = true\n"), &options()).expect("plan");
    assert!(raced.race);
    let test: Vec<String> = raced.test_command(&[]).iter().map(|v| resolve(v, &BTreeMap::new())).collect();
    assert_eq!(test, ["go", "test", "-race", "./..."]);
    assert!(raced.test_env().contains(&Env::Set("CGO_ENABLED".into(), "1".into())));

    let published = format!("{SHOP}version = \"v1.0.0\"\ngo = \"1.22\"\n");
    let err = plan_of(&published, &o).expect_err("version build");
    assert!(err.message.contains("`--target test-report` needs the module's source"), "{}", err.message);
}
