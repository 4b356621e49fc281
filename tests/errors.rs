//! End-to-end: every class of failure names its place (the Gofile or go.mod line, or the Go file
//! and line), says what is wrong, and how to fix it; and nothing is tagged.

use gofront_e2e::{inspect, remove_image, tag, Project};

const CLOCK: &str = "module = \"example.com/clock\"\nmain = \"./cmd/clock\"\n";

/// Builds `gofile` on the stdlib fixture (after `prepare`) and checks the failure: each fragment
/// is in the log, and `place` (e.g. "Gofile:3" or "broken.go:3") too.
fn fails(test: &str, gofile: &str, prepare: impl FnOnce(&Project), extra: &[&str], place: &str, fragments: &[&str]) {
    let image = tag(test);
    remove_image(&image);
    let project = Project::from_fixture("stdlib");
    project.gofile(gofile);
    prepare(&project);
    let mut args = extra.to_vec();
    args.extend(["-t", &image, "--load"]);
    let build = project.build(&args).failed();
    // A frontend error is `Gofile:LINE:COL: …`; a failed step shows buildx's `LINE | >>>` snippet.
    let snippet = place.strip_prefix("Gofile:").map(|line| format!("{line:>4} | >>>"));
    let placed = build.log.contains(place) || snippet.is_some_and(|s| build.log.contains(&s));
    assert!(placed, "{test}: the place {place:?} is not in\n{}", build.log);
    for fragment in fragments {
        assert!(build.log.contains(fragment), "{test}: no {fragment:?} in\n{}", build.log);
    }
    assert!(!build.log.contains("panicked"), "{test}: the frontend panicked:\n{}", build.log);
    assert!(inspect(&image).is_none(), "{test}: a failed build tagged {image}");
}

#[test]
fn module_mismatch() {
    fails(
        "err-mismatch",
        "module = \"example.com/other\"\nmain = \"./cmd/clock\"\n",
        |_| {},
        &[],
        "Gofile:2",
        &[
            "`module` is \"example.com/other\", but go.mod declares module \"example.com/clock\"",
            "set module = \"example.com/clock\"",
        ],
    );
}

#[test]
fn missing_and_non_main_packages() {
    fails(
        "err-no-main",
        "module = \"example.com/clock\"\nmain = \"./cmd/nope\"\n",
        |_| {},
        &[],
        "Gofile:3",
        &["the build context has no directory \"cmd/nope\"", "hint:"],
    );
    fails(
        "err-not-main",
        "module = \"example.com/clock\"\nmain = \"./lib\"\n",
        |p| {
            p.write("lib/lib.go", "// Package lib is not a command.\npackage lib\n");
        },
        &[],
        "Gofile:3",
        &["which is package `lib`, not a main package", "hint:"],
    );
}

#[test]
fn cgo_cross_compile_and_packages_on_scratch_are_refused() {
    fails(
        "err-cgo-cross",
        &format!("{CLOCK}cgo = true\n"),
        |_| {},
        &["--platform", "linux/arm64"],
        "Gofile:4",
        &["`cgo = true` cannot cross-compile to linux/arm64", "drop cgo"],
    );
    fails(
        "err-packages-scratch",
        &format!("{CLOCK}packages = [\"curl\"]\n"),
        |_| {},
        &[],
        "Gofile:4",
        &["`packages` needs a base image with a package manager", "set base = \"debian\""],
    );
}

#[test]
fn a_go_mod_parse_error_shows_go_s_message_and_the_module_line() {
    fails(
        "err-gomod",
        CLOCK,
        |p| {
            p.write("go.mod", "module example.com/clock\n\ngo 1.22\n\nrequire (\n");
        },
        &[],
        "Gofile:2",
        &["go.mod:5", "the module download failed"],
    );
}

#[test]
fn a_failed_download_names_the_module_the_step_and_what_to_check() {
    fails(
        "err-download",
        "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n",
        |p| {
            for file in ["go.mod", "go.sum", "cmd/shop/main.go"] {
                let text = std::fs::read_to_string(gofront_e2e::harness().root.join("tests/fixtures/shop").join(file))
                    .expect("fixture");
                p.write(file, &text);
            }
            let _ = std::fs::remove_dir_all(p.path().join("cmd/clock"));
        },
        &["--build-arg", "GOPROXY=http://127.0.0.1:9", "--build-arg", "BUILDKIT_CACHE_MOUNT_NS=err-download"],
        "Gofile:2",
        &["example.com/greet", "connection refused", "the module download failed", "GOPROXY"],
    );
}

#[test]
fn a_compile_error_shows_the_go_file_and_line_and_the_main_line() {
    fails(
        "err-compile",
        CLOCK,
        |p| {
            p.write("cmd/clock/broken.go", "package main\n\nfunc broken() int { return \"x\" }\n");
        },
        &[],
        "Gofile:3",
        &["cmd/clock/broken.go:3:", "cannot use \"x\""],
    );
}

#[test]
fn an_unreachable_builder_image_names_the_builder_line() {
    fails(
        "err-builder",
        &format!("{CLOCK}builder = \"registry.invalid/golang:1.27\"\n"),
        |_| {},
        &["--build-context", "builder=docker-image://registry.invalid/golang:1.27"],
        "Gofile:",
        &["cannot get the image registry.invalid/golang:1.27", "--build-context builder=docker-image://"],
    );
}

#[test]
fn bad_option_values_are_named_with_a_fix() {
    for (test, extra, fragments) in [
        ("err-platform", vec!["--platform", "linux/bogus"], vec!["linux/bogus", "hint:"]),
        (
            "err-layers",
            vec!["--build-arg", "GOFRONT_DEPENDENCY_LAYERS=maybe"],
            vec!["GOFRONT_DEPENDENCY_LAYERS=\"maybe\" is not a setting", "use auto"],
        ),
        (
            "err-go-version",
            vec!["--build-arg", "GO_VERSION=banana"],
            vec!["GO_VERSION=\"banana\" is not a Go version", "GO_VERSION=1.24"],
        ),
        ("err-target", vec!["--target", "imgae"], vec!["unknown target \"imgae\"", "did you mean `image`?"]),
    ] {
        fails(test, CLOCK, |_| {}, &extra, "Gofile", &fragments);
    }
}
