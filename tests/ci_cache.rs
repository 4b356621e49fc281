//! End-to-end: a fresh CI runner. Build with `--cache-to … mode=max`, wipe the engine's whole
//! cache (`docker builder prune -af`), stop the module proxy, change one line, and build again
//! with `--cache-from`: modules and compiled dependencies must come from the imported cache.
//!
//! The registry test's project has three packages of its own in a chain (text, money, catalog):
//! gofront compiles the two lower ones as package groups, and the top one in the build's own
//! compile. After the edit of the top one, the two groups below come from the imported cache too.
//! The lowest embeds a file, which its group's sources must hold for it to compile there.
//!
//! Each test runs on an engine of its own ([`ThrowawayEngine`]), which it may prune: the shared
//! engine keeps its caches.

use gofront_e2e::{registry, remove_image, run, tag, Build, ModuleProxy, Project, ThrowawayEngine};

const SHOP: &str = "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n";

/// Builds `fixture` (with `first_extra`) and exports the cache, prunes, stops the proxy, edits,
/// and rebuilds from the cache.
/// `later_runs` more fresh runners follow the second, each exporting what the next imports, as
/// consecutive CI runs do: none may download or compile the dependencies again.
fn fresh_runner_rebuilds_from(
    fixture: &str,
    first_extra: &[&str],
    cache_to: &str,
    cache_from: &str,
    test: &str,
    later_runs: usize,
) {
    let engine = ThrowawayEngine::start();
    let _on = engine.enter();
    let image = tag(test);
    let mut proxy = ModuleProxy::start();
    let goproxy = format!("GOPROXY={}", proxy.url);
    // A namespace of its own for the cache mounts, as on the shared engine.
    let namespace = format!("BUILDKIT_CACHE_MOUNT_NS={test}-{}", std::process::id());
    let project = Project::from_fixture(fixture);
    project.gofile(SHOP);
    let common = ["--build-arg", &goproxy, "--build-arg", &namespace, "-t", &image, "--load"];

    let mut first_args = common.to_vec();
    first_args.extend(first_extra);
    first_args.extend(["--cache-to", cache_to]);
    let first = project.build(&first_args).ok();
    let downloaded = first.step_output("[gofront] go mod download");
    assert!(downloaded.iter().any(|l| l.contains("module versions")), "no module download:\n{}", first.log);
    let compiled = first.step_output("[gofront] compile dependencies");
    assert!(compiled.iter().any(|l| l.contains("cache keys")), "no dependency compile:\n{}", first.log);

    engine.prune();
    proxy.stop();
    project.edit("internal/catalog/catalog.go", "\"pear\"", "\"pear\", \"fig\"");

    let mut second_args = common.to_vec();
    second_args.extend(["--cache-from", cache_from]);
    if later_runs > 0 {
        second_args.extend(["--cache-to", cache_to]);
    }
    let second = project.build(&second_args).ok();
    assert_dependencies_from_cache(&second, "the second run");
    // Only the module's own packages compile on the fresh runner: no std, no example.com/greet.
    let packages = second.compiled_only_under("example.com/shop");
    if fixture == "shop-layered" {
        // The groups below the edit come from the cache: the build's compile had only the edited
        // package (the top cut, which has no group step) and the main package left.
        for group in ["group 1/2: example.com/shop/internal/text", "group 2/2: example.com/shop/internal/money"] {
            let name = format!("[gofront] compile package {group}");
            assert!(second.step_ran(&name).is_some(), "no group step {name:?}:\n{}", second.log);
            let output = second.step_output(&name);
            assert!(output.is_empty(), "{group} compiled again: {output:?}\n{}", second.log);
        }
        assert!(!second.log.contains("group 3/"), "a third group:\n{}", second.log);
        assert_eq!(packages, ["example.com/shop/internal/catalog", "example.com/shop/cmd/shop"], "{}", second.log);
    }
    let (ok, out) = run(&image, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("Hello, shop!") && out.contains("item: fig"), "{out}");

    // Each run on a fresh runner imports the cache the run before it exported. A record that a
    // fresh runner never loads can drop out of a re-export; the dependency layers must not.
    let mut item = String::from("fig");
    for run_number in 0..later_runs {
        engine.prune();
        let next = format!("kiwi{run_number}");
        project.edit("internal/catalog/catalog.go", &format!("\"{item}\""), &format!("\"{next}\""));
        item = next;
        let mut args = common.to_vec();
        args.extend(["--cache-from", cache_from, "--cache-to", cache_to]);
        let later = project.build(&args).ok();
        assert_dependencies_from_cache(&later, &format!("fresh runner {} after the first", run_number + 2));
    }
}

/// The module download and the dependency compile are in `build`, and came from the imported
/// cache: a step that ran prints its own lines; a cache hit (local, or pulled from the imported
/// cache, which progress shows as DONE with its layers) prints none.
fn assert_dependencies_from_cache(build: &Build, which: &str) {
    for step in ["[gofront] go mod download", "[gofront] compile dependencies"] {
        assert!(build.step_ran(step).is_some(), "{which}: no step {step:?} in the build:\n{}", build.log);
    }
    let downloaded = build.step_output("[gofront] go mod download");
    assert!(downloaded.is_empty(), "{which}: modules were downloaded again: {downloaded:?}\n{}", build.log);
    let precompiled = build.step_output("[gofront] compile dependencies");
    assert!(precompiled.is_empty(), "{which}: dependencies were compiled again: {precompiled:?}\n{}", build.log);
}

#[test]
fn fresh_runner_rebuilds_from_a_local_cache_export_without_the_module_proxy() {
    let dir = tempfile::tempdir().expect("tmp");
    let cache = dir.path().display().to_string();
    // buildx drops a --cache-from whose local directory holds no cache yet, so a first run does
    // not look like CI to gofront: the build arg turns the dependency layers on.
    fresh_runner_rebuilds_from(
        "shop",
        &["--build-arg", "GOFRONT_DEPENDENCY_LAYERS=on"],
        &format!("type=local,dest={cache},mode=max"),
        &format!("type=local,src={cache}"),
        "ci-local",
        0,
    );
    // The binary travels once: the compile writes it into the image's own layer, so no other
    // result (a compile output, a staged copy) carries it into the export too.
    let blobs = std::fs::read_dir(dir.path().join("blobs/sha256")).expect("the exported blobs");
    let holding: Vec<String> = blobs
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|blob| {
            let listing =
                std::process::Command::new("timeout").args(["60", "tar", "-tvzf"]).arg(blob).output().expect("tar");
            // A regular file named shop, wherever it lies: /app/shop, or /shop in a compile output.
            String::from_utf8_lossy(&listing.stdout).lines().any(|line| {
                let path = line.split_whitespace().last().unwrap_or_default();
                line.starts_with('-') && (path == "shop" || path.ends_with("/shop"))
            })
        })
        .map(|blob| blob.display().to_string())
        .collect();
    assert_eq!(holding.len(), 1, "the cache export holds the binary in {holding:?}");
}

#[test]
fn fresh_runner_rebuilds_from_a_registry_cache_without_the_module_proxy() {
    let reference = format!("{}/gofront-ci/shop:cache-{}", registry(), std::process::id());
    // Exactly a CI configuration: --cache-from and --cache-to on every run, the first run finding
    // no cache yet. The import alone makes gofront build the dependency layers.
    let from = format!("type=registry,ref={reference}");
    fresh_runner_rebuilds_from(
        "shop-layered",
        &["--cache-from", &from],
        &format!("type=registry,ref={reference},mode=max"),
        &format!("type=registry,ref={reference}"),
        "ci-registry",
        3,
    );
}

/// The frontend reads the sources' imports to say what the dependency compile builds. Where it
/// reads more than Go compiles (here a file that `--build-arg GOFLAGS=-tags=nojs` leaves out,
/// which imports a package that builds only for js/wasm), the dependency compile leaves that
/// package out, and the build goes on. (The shared engine, in a cache namespace of its own.)
#[test]
fn an_import_the_target_cannot_build_is_left_out_of_the_dependency_compile() {
    let image = tag("ci-unbuildable-import");
    let project = Project::from_fixture("stdlib");
    project.gofile("module = \"example.com/clock\"\nmain = \"./cmd/clock\"\n");
    project.write("cmd/clock/js.go", "//go:build !nojs\n\npackage main\n\nimport _ \"syscall/js\"\n");
    let namespace = format!("BUILDKIT_CACHE_MOUNT_NS=ci-unbuildable-{}", std::process::id());
    let build = project
        .build(&[
            "--build-arg",
            "GOFRONT_DEPENDENCY_LAYERS=on",
            "--build-arg",
            "GOFLAGS=-tags=nojs",
            "--build-arg",
            &namespace,
            "-t",
            &image,
            "--load",
        ])
        .ok();
    let imports = "[gofront] packages imported from outside the module";
    assert!(build.step_ran(imports).is_some(), "the frontend did not read the imports:\n{}", build.log);
    let compiled = build.step_output("[gofront] compile dependencies");
    let retried = compiled.iter().any(|l| l.contains("compiling the dependencies that build for this target"));
    assert!(retried && compiled.iter().any(|l| l.contains("cache keys")), "{compiled:?}\n{}", build.log);
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("tz: Europe/Berlin"), "{out}");
    remove_image(&image);
}
