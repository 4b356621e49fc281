//! End-to-end on a current engine (Docker 28, buildx 0.29): buildx's own checks. `--check` runs
//! gofront's lint rules and fails on findings, and `--call=outline|targets` answer without an
//! experimental flag. (A normal build shows the findings as warnings on both engines: e2e.rs.) tests/run.sh runs this binary
//! against engine 28 only; on another engine it fails, it does not skip.

use std::process::Command;

use gofront_e2e::{engine, harness, Project};

fn on_a_current_engine() {
    harness();
    assert_eq!(engine(), 28, "these tests need buildx 0.29: run them with GOFRONT_ENGINE=28 (tests/run.sh does)");
}

/// `docker buildx build ARGS .` in the project (buildx's own progress style, as users see
/// `--check`): the exit code and everything printed.
fn buildx(project: &Project, args: &[&str]) -> (Option<i32>, String) {
    let out = gofront_e2e::buildx(project.path(), "Gofile", "builder", args);
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code(), log)
}

/// The shop app with three mistakes: a key at its default (Gofile line 3), go.mod asking for a
/// newer Go than the builder has, and a misspelt build arg.
fn three_mistakes() -> Project {
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\ncgo = false\nmain = \"./cmd/shop\"\n");
    let gomod = project.read("go.mod").replace("go 1.22", "go 1.99");
    project.write("go.mod", &gomod);
    project
}

#[test]
fn check_lists_each_broken_rule_with_its_place_and_fails() {
    on_a_current_engine();
    let project = three_mistakes();
    let (code, log) = buildx(&project, &["--check", "--build-arg", "VERSON=1.2.3"]);
    println!("--check on a Gofile that breaks three rules:\n{log}");
    assert_eq!(code, Some(1), "--check must fail on findings:\n{log}");
    for expected in [
        "RedundantDefault",
        "`cgo = false` is the default",
        "Gofile:3",
        "GoVersionNewerThanBuilder",
        "go.mod's `go 1.99` is newer than the builder's Go 1.27.3",
        // buildx heads every snippet with the build file's name; the detail names go.mod.
        "(go.mod line 3)",
        "UnusedBuildArg",
        "--build-arg VERSON is set",
        "#redundantdefault",
    ] {
        assert!(log.contains(expected), "no {expected:?} in:\n{log}");
    }
    assert!(!log.contains("exporting"), "--check built something:\n{log}");
}

#[test]
fn check_passes_on_a_clean_project() {
    on_a_current_engine();
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\nldflags = \"-X main.version=${VERSION}\"\n");
    let (code, log) = buildx(&project, &["--check", "--build-arg", "VERSION=1.2.3"]);
    assert_eq!(code, Some(0), "{log}");
    assert!(!log.contains("WARNING"), "{log}");
}

#[test]
fn go_sum_and_vendor_rules_point_into_go_mod() {
    on_a_current_engine();
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    project.remove("go.sum");
    let (code, log) = buildx(&project, &["--check"]);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("GoSumMissing") && log.contains("require example.com/greet v1.0.0"), "{log}");

    let project = Project::from_fixture("vendored");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    let gomod = project.read("go.mod").replace("example.com/greet v1.0.0", "example.com/greet v1.0.1");
    project.write("go.mod", &gomod);
    let (code, log) = buildx(&project, &["--check"]);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("VendorOutOfSync") && log.contains("go mod vendor"), "{log}");
}

/// GOPRIVATE makes Go fetch from the repositories themselves, which needs credentials. A probe
/// step looks for the netrc secret and the SSH agent the Go steps would get; it runs on every
/// build, so the answer follows the secret, never a cached run.
#[test]
fn private_modules_without_credentials_are_found_by_a_probe_that_is_never_cached() {
    on_a_current_engine();
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    let netrc = tempfile::NamedTempFile::new().expect("tmp");
    std::fs::write(netrc.path(), "machine git.example.com login ci password s3cret\n").expect("netrc");
    let secret = format!("id=netrc,src={}", netrc.path().display());
    let private = ["--check", "--build-arg", "GOPRIVATE=example.com/*"];

    let (code, log) = buildx(&project, &private);
    assert_eq!(code, Some(1), "no credentials must be a finding:\n{log}");
    assert!(log.contains("PrivateModulesWithoutCredentials"), "{log}");
    assert!(log.contains("GOPRIVATE=example.com/* makes Go fetch those modules"), "{log}");
    assert!(log.contains("--secret id=netrc,src=$HOME/.netrc or --ssh default"), "{log}");

    let (code, log) = buildx(&project, &[&private[..], &["--secret", &secret]].concat());
    assert_eq!(code, Some(0), "the netrc secret is a credential:\n{log}");
    assert!(!log.contains("PrivateModulesWithoutCredentials"), "{log}");

    let (code, log) = buildx(&project, &private);
    assert_eq!(code, Some(1), "the probe answered from the cache of the run with the secret:\n{log}");

    // An SSH key forwarded with --ssh (buildx serves it as an agent) is a credential too.
    let keys = tempfile::tempdir().expect("tmp");
    let key = keys.path().join("id_ed25519");
    let made = Command::new("timeout")
        .args(["60", "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen (tests/engine/test-tools.sh installs it)");
    assert!(made.success());
    let ssh = format!("default={}", key.display());
    let (code, log) = buildx(&project, &[&private[..], &["--ssh", &ssh]].concat());
    assert_eq!(code, Some(0), "the SSH agent is a credential:\n{log}");
}

/// A third-party package with cgo files and a pure-Go fallback: with cgo off, Go quietly builds the
/// fallback. `--check` lists such packages (it runs `go list` over the module layer); a normal
/// build does not pay for that, and does build the fallback, as the image shows.
#[test]
fn check_finds_a_dependency_with_cgo_files_when_cgo_is_off() {
    on_a_current_engine();
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    project.write("go.mod", &format!("{}require example.com/fastsum v1.0.0\n", project.read("go.mod")));
    project.write(
        "go.sum",
        &format!(
            "{}example.com/fastsum v1.0.0 h1:E3LIOrQFUjSFiaSDkg1Aps/KF8oupIm5K+RdSn/gntM=\n\
             example.com/fastsum v1.0.0/go.mod h1:yJviXdQU28v89jIVxWvKGTbTtqfe5SQ3PS50B8nZopc=\n",
            project.read("go.sum")
        ),
    );
    let main = project
        .read("cmd/shop/main.go")
        .replace("\"example.com/greet\"", "\"example.com/fastsum\"\n\t\"example.com/greet\"")
        .replace(
            "func main() {",
            "func main() {\n\tfmt.Printf(\"sum: %d in %s\\n\", fastsum.Sum(2, 3), fastsum.Impl())",
        );
    project.write("cmd/shop/main.go", &main);

    let (code, log) = buildx(&project, &["--check"]);
    println!("--check with a dependency that has cgo files:\n{log}");
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("CgoDependencyWithoutCgo"), "{log}");
    assert!(log.contains("package example.com/fastsum (sum_cgo.go) has cgo files, but cgo is off"), "{log}");
    // At the require line of go.mod (line 6).
    assert!(log.contains(">>> require example.com/fastsum v1.0.0"), "{log}");

    let image = gofront_e2e::tag("cgo-fallback");
    gofront_e2e::remove_image(&image);
    let (code, log) = buildx(&project, &["-t", &image, "--load"]);
    assert_eq!(code, Some(0), "{log}");
    assert!(!log.contains("list packages with cgo files"), "a normal build ran the cgo survey:\n{log}");
    let (ok, out) = gofront_e2e::run(&image, &[]);
    assert!(ok && out.contains("sum: 5 in pure Go"), "{out}");
    gofront_e2e::remove_image(&image);
}

/// When the package survey cannot run (here a required module the proxy does not have, so the
/// module download fails), `--check` still answers: the cgo rule falls back to the modules known
/// to wrap C, found in go.mod alone, and the other rules run as usual.
#[test]
fn check_answers_from_go_mod_when_the_cgo_survey_fails() {
    on_a_current_engine();
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    project.write(
        "go.mod",
        &format!(
            "{}require example.com/fastsum v1.0.0\nrequire github.com/mattn/go-sqlite3 v1.14.22\n",
            project.read("go.mod")
        ),
    );
    project.write(
        "go.sum",
        &format!(
            "{}example.com/fastsum v1.0.0 h1:E3LIOrQFUjSFiaSDkg1Aps/KF8oupIm5K+RdSn/gntM=\n\
             example.com/fastsum v1.0.0/go.mod h1:yJviXdQU28v89jIVxWvKGTbTtqfe5SQ3PS50B8nZopc=\n\
             github.com/mattn/go-sqlite3 v1.14.22 h1:2gZY6PC6kBnID23Tichd1K+Z0oS6nE/XwU+Vz/5o4kU=\n\
             github.com/mattn/go-sqlite3 v1.14.22/go.mod h1:Uh1q+B4BYcTPb+yiD3kU8Ct7aC0hY9fxUwlHK0RXw+Y=\n",
            project.read("go.sum")
        ),
    );
    let (code, log) = buildx(&project, &["--check", "--build-arg", "VERSON=1"]);
    println!("--check when the cgo survey fails:\n{log}");
    assert_eq!(code, Some(1), "{log}");
    assert!(
        log.contains("github.com/mattn/go-sqlite3 wraps a C library, but cgo is off"),
        "the known-module list must still apply:\n{log}"
    );
    // At go-sqlite3's require line of go.mod.
    assert!(log.contains(">>> require github.com/mattn/go-sqlite3 v1.14.22"), "{log}");
    assert!(log.contains("UnusedBuildArg"), "the other rules must still run:\n{log}");
    // fastsum's cgo files are only found by the survey, which did not complete.
    assert!(!log.contains("example.com/fastsum (sum_cgo.go)"), "{log}");
}

#[test]
fn call_outline_and_targets_need_no_experimental_flag() {
    on_a_current_engine();
    let project = Project::from_fixture("multi");
    project.gofile(
        "module = \"example.com/multi\"\nldflags = \"-X main.team=${TEAM:-core}\"\nmain = [\"./cmd/api\", \"./cmd/worker\"]\n\n\
         [targets.migrate]\nmain = \"./tools/migrate\"\n",
    );
    let (code, outline) = buildx(&project, &["--call=outline", "--build-arg", "BUILDKIT_CACHE_MOUNT_NS=team-a"]);
    assert_eq!(code, Some(0), "{outline}");
    for expected in ["TEAM", "used in ldflags", "GOPROXY", "module proxy", "netrc", "Go module example.com/multi"] {
        assert!(outline.contains(expected), "no {expected:?} in:\n{outline}");
    }
    let (code, targets) = buildx(&project, &["--call=targets"]);
    assert_eq!(code, Some(0), "{targets}");
    for expected in
        ["image (default)", "runtime image of ./cmd/api, ./cmd/worker", "migrate", "binary", "go test ./..."]
    {
        assert!(targets.contains(expected), "no {expected:?} in:\n{targets}");
    }
    // The cache mount ids are in the outline's JSON, for CI cache tools.
    let (code, json) =
        buildx(&project, &["--call=outline,format=json", "--build-arg", "BUILDKIT_CACHE_MOUNT_NS=team-a"]);
    assert_eq!(code, Some(0), "{json}");
    assert!(json.contains("team-a/gofront-gomodcache") && json.contains("team-a/gofront-gocache"), "{json}");
}

/// Reads a JSON blob of an unpacked OCI layout.
fn blob(layout: &std::path::Path, digest: &str) -> serde_json::Value {
    let path = layout.join("blobs").join(digest.replace(':', "/"));
    serde_json::from_slice(&std::fs::read(&path).expect("blob")).expect("blob JSON")
}

#[test]
fn sbom_comes_from_the_binaries_build_info_and_provenance_names_the_gofile() {
    on_a_current_engine();
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    let dir = tempfile::tempdir().expect("tmp");
    let tarball = dir.path().join("image.tar");
    let output = format!("type=oci,dest={}", tarball.display());
    let (code, log) = buildx(
        &project,
        &["--sbom=true", "--provenance=mode=max", "--platform", "linux/amd64,linux/arm64", "--output", &output],
    );
    assert_eq!(code, Some(0), "{log}");
    // BuildKit's own scanner image is never pulled: the SBOM is gofront's.
    assert!(!log.contains("buildkit-syft-scanner"), "{log}");
    let layout = dir.path().join("layout");
    std::fs::create_dir(&layout).expect("mkdir");
    let unpacked = Command::new("tar").arg("-xf").arg(&tarball).arg("-C").arg(&layout).status().expect("tar");
    assert!(unpacked.success());

    let index = blob(
        &layout,
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(layout.join("index.json")).expect("index"))
            .expect("json")["manifests"][0]["digest"]
            .as_str()
            .expect("digest"),
    );
    let manifests = index["manifests"].as_array().expect("manifests");
    let mut platforms = Vec::new();
    for attestation in
        manifests.iter().filter(|m| m["annotations"]["vnd.docker.reference.type"] == "attestation-manifest")
    {
        let subject = attestation["annotations"]["vnd.docker.reference.digest"].as_str().expect("subject");
        let image = manifests.iter().find(|m| m["digest"] == subject).expect("the attested image");
        platforms.push(image["platform"]["architecture"].as_str().unwrap_or_default().to_string());
        let layers = blob(&layout, attestation["digest"].as_str().expect("digest"))["layers"].clone();
        let statements: Vec<serde_json::Value> = layers
            .as_array()
            .expect("layers")
            .iter()
            .map(|l| blob(&layout, l["digest"].as_str().expect("digest")))
            .collect();
        let sbom = statements.iter().find(|s| s["predicateType"] == "https://spdx.dev/Document").expect("an SPDX SBOM");
        let packages = sbom["predicate"]["packages"].as_array().expect("packages");
        let listed: Vec<String> = packages
            .iter()
            .map(|p| format!("{} {}", p["name"].as_str().unwrap_or(""), p["versionInfo"].as_str().unwrap_or("")))
            .collect();
        println!("SBOM of the shop app ({}): {}", image["platform"]["architecture"], listed.join(", "));
        let greet = packages.iter().find(|p| p["name"] == "example.com/greet").expect("example.com/greet in the SBOM");
        assert_eq!(greet["versionInfo"], "v1.0.0");
        assert_eq!(greet["comment"], "go.sum h1:WcAO8eyygMmACCOXOEdM/zW61pPMf8mAmAvxfubE1vA=");
        assert_eq!(greet["externalRefs"][0]["referenceLocator"], "pkg:golang/example.com/greet@v1.0.0");
        let arch = image["platform"]["architecture"].as_str().unwrap_or_default();
        let shop = packages.iter().find(|p| p["name"] == "shop").expect("the binary");
        assert!(shop["comment"].as_str().is_some_and(|c| c.contains(&format!("GOARCH={arch}"))), "{shop}");

        let provenance = statements
            .iter()
            .find(|s| s["predicateType"].as_str().is_some_and(|t| t.starts_with("https://slsa.dev/provenance")))
            .expect("provenance");
        assert_eq!(provenance["predicate"]["invocation"]["configSource"]["entryPoint"], "Gofile", "{provenance}");
    }
    platforms.sort();
    assert_eq!(platforms, ["amd64", "arm64"]);
}
