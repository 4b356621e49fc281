//! End-to-end: `gofront eject` writes a Dockerfile that BuildKit's own Dockerfile frontend builds
//! into the same app: for each project shape, both images run with the same output and carry the
//! same image config.

use std::process::Command;

use gofront_e2e::{harness, inspect, remove_image, run, tag, Project};

/// The gofront binary of the frontend image the builds use.
fn gofront_binary() -> std::path::PathBuf {
    harness().gofront.clone()
}

/// Ejects the project's Gofile; returns the Dockerfile's path and text.
fn eject(project: &Project) -> (std::path::PathBuf, String) {
    let dockerfile = project.path().join("Dockerfile.ejected");
    let out = Command::new("timeout")
        .arg("60")
        .arg(gofront_binary())
        .arg("eject")
        .arg(project.path())
        .arg("-o")
        .arg(&dockerfile)
        .output()
        .expect("gofront eject");
    assert!(out.status.success(), "eject failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&dockerfile).expect("ejected Dockerfile");
    (dockerfile, text)
}

/// `docker buildx build` of the ejected Dockerfile with BuildKit's built-in Dockerfile frontend.
fn build_ejected(project: &Project, dockerfile: &std::path::Path, text: &str, extra: &[&str]) -> String {
    let builder = text
        .lines()
        .find_map(|l| l.strip_prefix("ARG GOFRONT_BUILDER="))
        .expect("the ejected Dockerfile names its builder")
        .to_string();
    // The same offline Go toolchain the gofront build gets, standing in for the builder image.
    let args = [&["--progress=plain"][..], extra].concat();
    let out = gofront_e2e::buildx(project.path(), &dockerfile.display().to_string(), &builder, &args);
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the ejected Dockerfile failed to build:\n{text}\n{log}");
    log
}

/// The parts of an image config both builds must agree on (Env as a set, gofront's own label out).
fn config_of(image: &str) -> serde_json::Value {
    let config = inspect(image).expect("image")["Config"].clone();
    let mut env: Vec<String> =
        config["Env"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
    env.sort();
    let mut labels = config["Labels"].clone();
    if let Some(map) = labels.as_object_mut() {
        map.remove("dev.gofront.frontend.version");
    }
    serde_json::json!({
        "User": config["User"],
        "WorkingDir": config["WorkingDir"],
        "Entrypoint": config["Entrypoint"],
        "Cmd": config["Cmd"],
        "Env": env,
        "ExposedPorts": config["ExposedPorts"],
        "Labels": labels,
        "Healthcheck": config["Healthcheck"],
    })
}

/// Output with the random parts (temporary file names) masked.
fn stable(output: &str) -> String {
    output
        .lines()
        .map(|l| match l.find("probe-") {
            Some(at) => format!("{}probe-…", &l[..at]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Builds `gofile` on `fixture` with gofront and through its ejected Dockerfile (for each of
/// `targets`, "" being the default), runs both images with `args`, and compares.
fn same_app(fixture: &str, gofile: &str, targets: &[&str], args: &[&str], expect: &str) {
    same_app_in(Project::from_fixture(fixture), fixture, gofile, targets, args, expect);
}

fn same_app_in(project: Project, fixture: &str, gofile: &str, targets: &[&str], args: &[&str], expect: &str) {
    project.gofile(gofile);
    let (dockerfile, text) = eject(&project);
    let labels = [
        "--build-arg",
        "VERSION=4.5.6",
        "--build-arg",
        "REVISION=0123abc",
        "--build-arg",
        "SOURCE=https://example.com/src",
    ];
    for target in targets {
        let name = format!("eject-{fixture}-{}", if target.is_empty() { "image" } else { target });
        let (theirs, ours) = (tag(&format!("{name}-gofront")), tag(&format!("{name}-dockerfile")));
        remove_image(&theirs);
        remove_image(&ours);
        let mut common: Vec<&str> = labels.to_vec();
        if !target.is_empty() {
            common.extend(["--target", target]);
        }
        let mut gofront_args = common.clone();
        gofront_args.extend(["-t", &theirs, "--load"]);
        project.build(&gofront_args).ok();
        let mut ejected_args = common.clone();
        ejected_args.extend(["-t", &ours, "--load"]);
        build_ejected(&project, &dockerfile, &text, &ejected_args);

        let (ok_theirs, out_theirs) = run(&theirs, args);
        let (ok_ours, out_ours) = run(&ours, args);
        assert!(ok_theirs && ok_ours, "gofront image: {out_theirs}\nejected image: {out_ours}");
        assert!(out_theirs.contains(expect), "{out_theirs}");
        assert_eq!(stable(&out_theirs), stable(&out_ours), "the two images print different things");
        assert_eq!(config_of(&theirs), config_of(&ours), "the image configs differ\n{text}");
    }
}

#[test]
fn an_ejected_stdlib_app_with_ports_labels_env_and_healthcheck_matches() {
    same_app(
        "stdlib",
        "module = \"example.com/clock\"\nmain = \"./cmd/clock\"\nldflags = \"-X main.version=${VERSION}\"\n\
         ports = [8080, \"53/udp\"]\nargs = [\"--flag\"]\nlabels = { team = \"clocks\" }\nenv = { TZ = \"Asia/Shanghai\" }\n\
         healthcheck = { cmd = [\"/app/clock\", \"-health\"], interval = \"30s\", retries = 3 }\n",
        &[""],
        &[],
        "clock 4.5.6",
    );
}

#[test]
fn an_ejected_app_with_a_third_party_module_matches() {
    same_app(
        "shop",
        "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\nldflags = \"-X main.version=${VERSION} -X main.channel=${CHANNEL:-stable}\"\n",
        &[""],
        &[],
        "Hello, shop!",
    );
}

#[test]
fn an_ejected_vendored_app_matches() {
    same_app("vendored", "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n", &[""], &[], "Hello, shop!");
}

#[test]
fn an_ejected_workspace_app_matches() {
    same_app("monorepo", "module = \"example.com/api\"\nmain = \"./cmd/api\"\n", &[""], &[], "Hello, workspace!");
}

#[test]
fn ejected_named_targets_and_files_match() {
    let multi = "module = \"example.com/multi\"\nmain = [\"./cmd/api\", \"./cmd/worker\"]\n\n\
         [targets.migrate]\nmain = \"./tools/migrate\"\nname = \"db-migrate\"\nargs = [\"up\"]\nenv = { MODE = \"schema\" }\n";
    same_app("multi", multi, &[""], &[], "api running []");
    same_app("multi", multi, &["migrate"], &[], "migrate [up] mode=schema");
    same_app(
        "assets",
        "module = \"example.com/assets\"\nmain = \"./cmd/assets\"\n\
         files = [{ from = \"static/\", to = \"/app/static\" }, { from = \"schema.sql\", to = \"/app/schema.sql\" }]\n",
        &[""],
        &["/app/static/hello.txt", "/app/static/css/site.css", "/app/schema.sql"],
        "hello from a static file",
    );
}

#[test]
fn an_ejected_app_with_generated_code_matches() {
    same_app("generated", "module = \"example.com/paint\"\nmain = \".\"\ngenerate = true\n", &[""], &[], "color: red");
}

#[test]
fn an_ejected_binary_target_exports_the_same_binary_name() {
    let project = Project::from_fixture("stdlib");
    project.gofile("module = \"example.com/clock\"\nmain = \"./cmd/clock\"\n");
    let (dockerfile, text) = eject(&project);
    let dir = tempfile::tempdir().expect("tmp");
    let dest = format!("type=local,dest={}", dir.path().display());
    build_ejected(
        &project,
        &dockerfile,
        &text,
        &["--target", "binary", "--platform", "linux/arm64", "--output", &dest],
    );
    let binary = std::fs::read(dir.path().join("clock")).expect("the ejected binary target wrote clock");
    // ELF, e_machine 183 (aarch64): the Dockerfile cross-compiled from TARGETARCH.
    assert_eq!(&binary[..4], b"\x7fELF");
    assert_eq!(u16::from_le_bytes([binary[18], binary[19]]), 183);
}

#[test]
fn an_ejected_published_module_build_matches() {
    same_app_in(
        Project::empty(),
        "published",
        "module = \"example.com/hellotool\"\nversion = \"v1.2.3\"\ngo = \"1.22\"\nmain = \"./cmd/hellotool\"\n",
        &[""],
        &[],
        "hellotool v1.2.3",
    );
}

/// A stale vendor/ that `.dockerignore` leaves out of the context: the build downloads modules,
/// and the ejected Dockerfile and `gofront check` read the context the same way (they would
/// otherwise vendor, and fail with "inconsistent vendoring" and VendorOutOfSync).
#[test]
fn an_ignored_stale_vendor_tree_is_ignored_by_eject_and_check_too() {
    let gofile = "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n";
    let project = Project::from_fixture("shop");
    project.write("vendor/modules.txt", "# example.com/greet v0.9.0\n## explicit\nexample.com/greet\n");
    project.write(".dockerignore", "vendor\n");
    project.gofile(gofile);
    let check = Command::new("timeout")
        .arg("60")
        .arg(gofront_binary())
        .arg("check")
        .arg(project.path().join("Gofile"))
        .output()
        .expect("gofront check");
    let said = format!("{}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));
    assert!(check.status.success() && said.contains("ok (module example.com/shop"), "{said}");
    let (_, text) = eject(&project);
    assert!(!text.contains("-mod=vendor") && text.contains("'go' 'mod' 'download'"), "{text}");
    same_app_in(project, "shop-ignored-vendor", gofile, &[""], &[], "Hello, shop!");
}

/// `--target debug` and `--target test-report` through the ejected Dockerfile: the same debug
/// image (the proxy's stand-in Delve runs the app), and the same reports of a failing test.
#[test]
fn an_ejected_debug_image_and_test_report_match() {
    same_app(
        "stdlib",
        "module = \"example.com/clock\"\nmain = \"./cmd/clock\"\ndelve = \"v0.1.0-standin\"\n",
        &["debug"],
        &[],
        "stand-in dlv: exec /app/clock --headless --listen=:40000",
    );

    let project = Project::from_fixture("reports");
    project.gofile("module = \"example.com/reports\"\nmain = \"./cmd/reports\"\n");
    let (dockerfile, text) = eject(&project);
    let reports = |ejected: bool| {
        let dir = tempfile::tempdir().expect("tmp");
        let dest = format!("type=local,dest={}", dir.path().display());
        let args = ["--target", "test-report", "--output", &dest];
        if ejected {
            build_ejected(&project, &dockerfile, &text, &args);
        } else {
            project.build(&args).ok();
        }
        let read =
            |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The cases and their outcomes; times differ from run to run.
        let cases: Vec<String> = read("junit.xml")
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("<testcase") || l.starts_with("<failure") || l.starts_with("<skipped"))
            .map(|l| without_durations(l.split(" time=").next().unwrap_or(l)))
            .collect();
        assert!(read("coverage.out").starts_with("mode: "), "coverage.out");
        (read("status"), cases)
    };
    let (gofront, ejected) = (reports(false), reports(true));
    assert_eq!(gofront.0.trim(), "1");
    assert_eq!(gofront.1.len(), 8, "6 cases, a failure, a skip: {:?}", gofront.1);
    assert_eq!(gofront, ejected, "the ejected Dockerfile reports differently");
}

/// A JUnit line without the test durations `go test` prints into failure bodies (`--- FAIL: T
/// (0.01s)`), which differ from run to run.
fn without_durations(line: &str) -> String {
    let duration = regex::Regex::new(r"\([0-9.]+s\)").expect("a valid pattern");
    duration.replace_all(line, "(…)").into_owned()
}

#[test]
fn durations_leave_junit_lines_and_nothing_else_does() {
    let line = "--- FAIL: TestDivide (0.01s)&#xA;    calc_test.go:17: Divide(7, 2) = 3 (12.5s) (x)";
    assert_eq!(without_durations(line), "--- FAIL: TestDivide (…)&#xA;    calc_test.go:17: Divide(7, 2) = 3 (…) (x)");
    assert_eq!(without_durations("a (s) b ("), "a (s) b (");
}
