//! End-to-end: the shapes Go projects come in, every platform, built-in targets, runtime files.

use std::path::Path;
use std::time::Instant;

use gofront_e2e::{inspect, remove_image, run, tag, Project};

/// ELF e_machine of a file: 62 x86-64, 183 aarch64, 40 arm.
fn elf_machine(path: &Path) -> u16 {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..4], b"\x7fELF", "{} is not an ELF file", path.display());
    u16::from_le_bytes([bytes[18], bytes[19]])
}

#[test]
fn go_work_monorepo_with_a_replace_and_a_change_in_another_module() {
    let image = tag("workspace");
    let project = Project::from_fixture("monorepo");
    project.gofile("module = \"example.com/api\"\nmain = \"./cmd/api\"\n");
    let keys = gofront_e2e::own_keys("workspace");
    let args = ["--build-arg", &keys, "-t", &image, "--load"];
    let first = project.build(&args).ok();
    let downloaded = first.step_output("[gofront] go mod download");
    assert!(downloaded.iter().any(|l| l.contains("module versions")), "the download did not run:\n{}", first.log);
    let (ok, out) = run(&image, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("Hello, workspace!") && out.contains("price: 19.99 EUR"), "{out}");

    // A source change in the other workspace module: modules stay cached, the change shows.
    project.edit("libs/money/money.go", "EUR", "USD");
    let second = project.build(&args).ok();
    let downloaded = second.step_output("[gofront] go mod download");
    assert!(downloaded.is_empty(), "the dependency step re-ran: {downloaded:?}\n{}", second.log);
    let compiled = second.step_output("[gofront] go build");
    assert!(compiled.iter().any(|l| l == "example.com/money"), "libs/money was not recompiled:\n{}", second.log);
    let (_, out) = run(&image, &[]);
    assert!(out.contains("price: 19.99 USD"), "{out}");
}

#[test]
fn local_replace_outside_the_module_directory() {
    let image = tag("replace");
    let project = Project::from_fixture("replace");
    project.gofile("module = \"example.com/app\"\nmain = \".\"\n");
    project.build(&["-t", &image, "--load"]).ok();
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("app uses the local lib"), "{out}");
    assert_eq!(inspect(&image).expect("image")["Config"]["Entrypoint"], serde_json::json!(["/app/app"]));

    // The same module named by `dir` instead of discovered.
    project.gofile("module = \"example.com/app\"\nmain = \".\"\ndir = \"app\"\nname = \"svc\"\n");
    project.build(&["-t", &image, "--load"]).ok();
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("app uses the local lib"), "{out}");
    assert_eq!(inspect(&image).expect("image")["Config"]["Entrypoint"], serde_json::json!(["/app/svc"]));
}

/// A Go test that dials the module proxy and fails when the result is not what EXPECT says.
const NETWORK_PROBE: &str = r#"package main

import (
	"net"
	"os"
	"testing"
	"time"
)

func TestNetworkProbe(t *testing.T) {
	conn, err := net.DialTimeout("tcp", os.Getenv("PROBE"), 2*time.Second)
	reachable := err == nil
	if reachable {
		conn.Close()
	}
	if want := os.Getenv("EXPECT") == "reachable"; reachable != want {
		t.Fatalf("network reachable: %v, expected %s (run %s)", reachable, os.Getenv("EXPECT"), os.Getenv("NONCE"))
	}
}
"#;

/// The vendored build's Go steps run with no network at all, not just GOPROXY=off: a test inside
/// the build cannot reach the module proxy, which the same test reaches from a module build.
#[test]
fn vendored_go_steps_have_no_network() {
    let h = gofront_e2e::harness();
    let probe = h.proxy.trim_start_matches("http://").to_string();
    let gofile = |module: &str, main: &str| {
        format!(
            "module = \"{module}\"\nmain = \"{main}\"\nbuild_env = {{ PROBE = \"{probe}\", EXPECT = \"none\", NONCE = \"{}\" }}\n",
            std::process::id()
        )
    };
    let vendored = Project::from_fixture("vendored");
    vendored.write("cmd/shop/probe_test.go", NETWORK_PROBE);
    vendored.gofile(&gofile("example.com/shop", "./cmd/shop"));
    vendored.build(&["--target", "test"]).ok();

    // The control: with the network a module build keeps, the same probe reaches the proxy.
    let modules = Project::from_fixture("shop");
    modules.write("cmd/shop/probe_test.go", NETWORK_PROBE);
    modules.gofile(&gofile("example.com/shop", "./cmd/shop"));
    let build = modules.build(&["--target", "test"]).failed();
    assert!(build.log.contains("network reachable: true, expected none"), "{}", build.log);
}

#[test]
fn vendored_modules_need_no_download_and_no_network() {
    let image = tag("vendored");
    let project = Project::from_fixture("vendored");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    let build = project.build(&["--build-arg", "GOPROXY=off", "-t", &image, "--load"]).ok();
    assert!(!build.log.contains("go mod download"), "vendored build downloaded modules:\n{}", build.log);
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("Hello, shop!"), "{out}");
}

/// With the dependency layers on (CI), a vendored module's dependency compile compiles the
/// vendored packages (vendor/ mounted from the context), and the build's own compile finds them
/// there and compiles only the module's own packages.
#[test]
fn a_vendored_module_compiles_its_vendored_packages_with_the_dependencies() {
    let image = tag("vendored-layers");
    let project = Project::from_fixture("vendored");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    // Keys of its own (no other build warmed these steps), and cache mounts of its own (the
    // compile finds example.com/greet in the dependency layer or nowhere).
    let keys = gofront_e2e::own_keys("vendored-layers");
    let namespace = format!("BUILDKIT_CACHE_MOUNT_NS=vendored-layers-{}", std::process::id());
    let layers = "GOFRONT_DEPENDENCY_LAYERS=on";
    let args = ["--build-arg", layers, "--build-arg", &keys, "--build-arg", &namespace, "-t", &image, "--load"];
    let build = project.build(&args).ok();
    let compiled = build.step_output("[gofront] compile dependencies");
    assert!(compiled.iter().any(|l| l.contains("cache keys")), "no dependency compile:\n{}", build.log);
    build.compiled_only_under("example.com/shop");
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("Hello, shop!"), "{out}");
}

#[test]
fn three_platforms_by_cross_compilation() {
    let project = Project::from_fixture("stdlib");
    project.gofile("module = \"example.com/clock\"\nmain = \"./cmd/clock\"\n");
    let one = tempfile::tempdir().expect("tmp");
    let started = Instant::now();
    project.build(&["--output", &format!("type=local,dest={}", one.path().display())]).ok();
    let single = started.elapsed();

    let out = tempfile::tempdir().expect("tmp");
    let started = Instant::now();
    let build = project
        .build(&[
            "--platform",
            "linux/amd64,linux/arm64,linux/arm/v7",
            "--output",
            &format!("type=local,dest={}", out.path().display()),
        ])
        .ok();
    let three = started.elapsed();
    for (dir, machine) in [("linux_amd64", 62), ("linux_arm64", 183), ("linux_arm_v7", 40)] {
        assert_eq!(elf_machine(&out.path().join(dir).join("app/clock")), machine, "{dir}");
        assert!(out.path().join(dir).join("etc/ssl/certs/ca-certificates.crt").exists(), "{dir} has no CA bundle");
    }
    // Every compile ran on the build platform: the engine has no emulator registered, so an arm64
    // or arm step could not have run at all.
    for emulator in ["qemu-aarch64", "qemu-arm"] {
        let registered = Path::new("/proc/sys/fs/binfmt_misc").join(emulator);
        assert!(!registered.exists(), "{} is registered: this test cannot tell emulation apart", registered.display());
    }
    for target in ["linux/arm64", "linux/arm/v7"] {
        assert!(build.log.contains(&format!("go build ./cmd/clock ({target})")), "{}", build.log);
    }
    println!("figures: single-platform {:.2}s, three platforms {:.2}s", single.as_secs_f64(), three.as_secs_f64());

    // The same build as an OCI layout: one index with a manifest per platform.
    let oci = tempfile::tempdir().expect("tmp");
    let tar = oci.path().join("image.tar");
    project
        .build(&[
            "--platform",
            "linux/amd64,linux/arm64,linux/arm/v7",
            "--output",
            &format!("type=oci,dest={}", tar.display()),
        ])
        .ok();
    let status =
        std::process::Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(oci.path()).status().expect("tar");
    assert!(status.success());
    let blob = |digest: &str| -> serde_json::Value {
        let hex = digest.trim_start_matches("sha256:");
        let bytes = std::fs::read(oci.path().join("blobs/sha256").join(hex)).expect("blob");
        serde_json::from_slice(&bytes).expect("json blob")
    };
    let top: serde_json::Value =
        serde_json::from_slice(&std::fs::read(oci.path().join("index.json")).expect("index.json")).expect("json");
    let index = blob(top["manifests"][0]["digest"].as_str().expect("digest"));
    let mut platforms: Vec<String> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|m| &m["platform"])
        .filter(|p| p["os"] == "linux")
        .map(|p| {
            let variant = p["variant"].as_str().map(|v| format!("/{v}")).unwrap_or_default();
            format!("linux/{}{variant}", p["architecture"].as_str().unwrap_or("?"))
        })
        .collect();
    platforms.sort();
    assert_eq!(platforms, ["linux/amd64", "linux/arm/v7", "linux/arm64"]);
    for manifest in index["manifests"].as_array().expect("manifests").iter().filter(|m| m["platform"]["os"] == "linux")
    {
        let config =
            blob(blob(manifest["digest"].as_str().expect("digest"))["config"]["digest"].as_str().expect("config"));
        assert_eq!(config["architecture"], manifest["platform"]["architecture"]);
        assert_eq!(config["config"]["Entrypoint"], serde_json::json!(["/app/clock"]));
    }
}

#[test]
fn files_and_healthcheck_reach_the_image() {
    let image = tag("assets");
    let project = Project::from_fixture("assets");
    project.gofile(
        "module = \"example.com/assets\"\nmain = \"./cmd/assets\"\n\
         files = [{ from = \"static/\", to = \"/app/static\" }, { from = \"schema.sql\", to = \"/app/schema.sql\" }]\n\
         healthcheck = { cmd = [\"/app/assets\", \"-health\"], interval = \"30s\", retries = 3 }\n",
    );
    project.build(&["-t", &image, "--load"]).ok();
    let (ok, out) = run(&image, &["/app/static/hello.txt", "/app/static/css/site.css", "/app/schema.sql"]);
    assert!(ok, "{out}");
    assert!(out.contains("/app/static/hello.txt: hello from a static file"), "{out}");
    assert!(out.contains("/app/static/css/site.css: body { color: teal }"), "{out}");
    assert!(out.contains("/app/schema.sql: CREATE TABLE"), "{out}");
    let health = &inspect(&image).expect("image")["Config"]["Healthcheck"];
    assert_eq!(health["Test"], serde_json::json!(["CMD", "/app/assets", "-health"]));
    assert_eq!(health["Interval"], 30_000_000_000u64);
    assert_eq!(health["Retries"], 3);
}

#[test]
fn a_files_path_that_escapes_the_context_names_its_line() {
    let project = Project::from_fixture("assets");
    project.gofile("module = \"example.com/assets\"\nmain = \"./cmd/assets\"\nfiles = [{ from = \"../../etc/passwd\", to = \"/x\" }]\n");
    let build = project.build(&["-t", &tag("escape"), "--load"]).failed();
    assert!(build.log.contains("Gofile:4:"), "{}", build.log);
    assert!(build.log.contains("`from` must stay inside the build context"), "{}", build.log);
}

#[test]
fn binary_target_exports_just_the_binary() {
    let project = Project::from_fixture("stdlib");
    project.gofile("module = \"example.com/clock\"\nmain = \"./cmd/clock\"\n");
    let out = tempfile::tempdir().expect("tmp");
    project.build(&["--target", "binary", "--output", &format!("type=local,dest={}", out.path().display())]).ok();
    let names: Vec<String> = std::fs::read_dir(out.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["clock"]);
    assert_eq!(elf_machine(&out.path().join("clock")), 62);
}

#[test]
fn test_target_runs_go_test_and_fails_the_build_on_a_failing_test() {
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    let passing = project.build(&["--target", "test"]).ok();
    assert!(passing.log.contains("go test ./..."), "{}", passing.log);
    assert!(passing.log.contains("example.com/shop/internal/catalog"), "{}", passing.log);

    project.write(
        "internal/catalog/broken_test.go",
        "package catalog\n\nimport \"testing\"\n\nfunc TestBroken(t *testing.T) { t.Fatal(\"this test is broken on purpose\") }\n",
    );
    let failing = project.build(&["--target", "test"]).failed();
    assert!(failing.log.contains("--- FAIL: TestBroken"), "{}", failing.log);
    assert!(failing.log.contains("this test is broken on purpose"), "{}", failing.log);
}

#[test]
fn vet_target_reports_vet_findings() {
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    project.build(&["--target", "vet"]).ok();
    project.write(
        "internal/catalog/bad.go",
        "package catalog\n\nimport \"fmt\"\n\nfunc Bad() { fmt.Printf(\"%d\\n\", \"x\") }\n",
    );
    let failing = project.build(&["--target", "vet"]).failed();
    assert!(failing.log.contains("fmt.Printf format %d has arg \"x\" of wrong type string"), "{}", failing.log);
}

#[test]
fn unknown_target_lists_the_valid_ones() {
    let project = Project::from_fixture("stdlib");
    project.gofile("module = \"example.com/clock\"\nmain = \"./cmd/clock\"\n");
    let build = project.build(&["--target", "tset"]).failed();
    assert!(build.log.contains("unknown target \"tset\""), "{}", build.log);
    assert!(build.log.contains("the valid targets are: image, binary, test, vet"), "{}", build.log);
}

const MULTI: &str = "module = \"example.com/multi\"\nmain = [\"./cmd/api\", \"./cmd/worker\"]\n\n\
[targets.migrate]\nmain = \"./tools/migrate\"\nname = \"db-migrate\"\nargs = [\"up\"]\nenv = { MODE = \"schema\" }\n";

#[test]
fn several_binaries_and_named_targets_share_one_compile() {
    let project = Project::from_fixture("multi");
    project.gofile(MULTI);
    let image = tag("multi");
    project.build(&["-t", &image, "--load"]).ok();
    let (ok, out) = run(&image, &["--port", "80"]);
    assert!(ok && out.contains("api running [--port 80]"), "{out}");
    let (ok, out) = run(&image, &[]);
    assert!(ok, "{out}");
    let out = gofront_e2e::docker(300)
        .args(["run", "--rm", "--network=none", "--entrypoint", "/app/worker", &image])
        .output()
        .expect("docker run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("worker running"), "{out:?}");

    let migrate = tag("multi-migrate");
    let build = project.build(&["--target", "migrate", "-t", &migrate, "--load"]).ok();
    assert_eq!(build.step_ran("go build"), Some(false), "the compile was not shared:\n{}", build.log);
    let (ok, out) = run(&migrate, &[]);
    assert!(ok && out.contains("migrate [up] mode=schema"), "{out}");
    assert_eq!(inspect(&migrate).expect("image")["Config"]["Entrypoint"], serde_json::json!(["/app/db-migrate"]));

    let bin = tempfile::tempdir().expect("tmp");
    project.build(&["--target", "binary", "--output", &format!("type=local,dest={}", bin.path().display())]).ok();
    let mut names: Vec<String> = std::fs::read_dir(bin.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["api", "migrate", "worker"]);
}

/// `--secret id=netrc` reaches every Go step as $NETRC (Go sends netrc credentials to private
/// HTTPS proxies and git hosts), and `--ssh default=KEY` as an agent at $SSH_AUTH_SOCK (for git
/// over SSH). A `go test` inside the build reads both, so this proves the wiring.
#[test]
fn a_netrc_secret_and_an_ssh_agent_reach_the_go_steps_and_never_the_image() {
    let project = Project::from_fixture("secretcheck");
    project.gofile("module = \"example.com/secretcheck\"\nmain = \".\"\n");
    // Secrets are not part of BuildKit's cache key, so a unique context keeps an earlier run's
    // cached `go test` from answering. (--no-cache would also disturb concurrent tests' builds.)
    let nonce = format!("{:?} {}", std::time::SystemTime::now(), std::process::id());
    project.write("nonce.txt", &nonce);
    let without = project.build(&["--target", "test"]).failed();
    assert!(without.log.contains("no netrc secret"), "{}", without.log);

    let netrc = tempfile::NamedTempFile::new().expect("tmp");
    std::fs::write(netrc.path(), "machine modules.example.com login ci password s3cret\n").expect("netrc");
    let secret = format!("id=netrc,src={}", netrc.path().display());
    project.build(&["--target", "test", "--secret", &secret]).ok();

    let image = tag("secretcheck");
    project.build(&["--secret", &secret, "-t", &image, "--load"]).ok();
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("netrc in image: false"), "{out}");

    // The test asks the agent for its keys once it is told to expect one.
    project.write("expect-ssh", "");
    let without = project.build(&["--target", "test", "--secret", &secret]).failed();
    assert!(without.log.contains("no SSH agent"), "{}", without.log);
    let keys = tempfile::tempdir().expect("tmp");
    let key = keys.path().join("id_ed25519");
    let made = std::process::Command::new("timeout")
        .args(["60", "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen (tests/engine/test-tools.sh installs it)");
    assert!(made.success());
    let ssh = format!("default={}", key.display());
    project.build(&["--target", "test", "--secret", &secret, "--ssh", &ssh]).ok();
}

#[test]
fn add_host_names_reach_the_go_steps() {
    let h = gofront_e2e::harness();
    let image = tag("add-host");
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    let port = h.proxy.rsplit(':').next().unwrap_or_default();
    let proxy = format!("GOPROXY=http://modules.internal:{port}");
    // A fresh module cache namespace, so the modules really come through the named host.
    let ns = format!("BUILDKIT_CACHE_MOUNT_NS=add-host-{}", std::process::id());
    let keys = gofront_e2e::own_keys("add-host");
    let build = project
        .build(&[
            "--add-host",
            "modules.internal:127.0.0.1",
            "--build-arg",
            &proxy,
            "--build-arg",
            &ns,
            "--build-arg",
            &keys,
            "-t",
            &image,
            "--load",
        ])
        .ok();
    // go mod download -x shows the fetch going to the name only --add-host defines.
    let downloaded = build.step_output("[gofront] go mod download");
    let fetched = format!("http://modules.internal:{port}/example.com/greet/@v/v1.0.0.zip");
    assert!(downloaded.iter().any(|l| l.contains(&fetched)), "no fetch from {fetched}: {downloaded:?}");
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("Hello, shop!"), "{out}");
}

#[test]
fn print_targets_and_outline_answer_from_the_gofile() {
    let project = Project::from_fixture("multi");
    // Top-level keys must come before the first [targets.*] table in TOML.
    project.gofile(&format!("ldflags = \"-X main.team=${{TEAM:-core}}\"\n{MULTI}"));
    let targets = project.print("targets").ok();
    for line in ["image (default)", "migrate", "runtime image of ./tools/migrate", "binary", "test", "vet"] {
        assert!(targets.log.contains(line), "{line:?} missing from:\n{}", targets.log);
    }
    let outline = project.print("outline").ok();
    assert!(outline.log.contains("TEAM") && outline.log.contains("netrc"), "{}", outline.log);
    assert!(outline.log.contains("GOFRONT_DEPENDENCY_LAYERS"), "{}", outline.log);
    // One lint finding: buildx 0.13 prints gofront's text, newer buildx renders the findings itself.
    project.gofile(&format!("cgo = false\n{MULTI}"));
    let lint = project.print("lint");
    assert!(lint.log.contains("RedundantDefault") && lint.log.contains("cgo = false"), "{}", lint.log);
}

/// A request gofront does not implement is refused by name (BuildKit's typed `Subrequest` error),
/// on buildx 0.13's `--print` and on newer buildx's `--call` alike, instead of building.
#[test]
fn an_unsupported_request_is_refused_by_name() {
    let project = Project::from_fixture("stdlib");
    project.gofile("module = \"example.com/clock\"\nmain = \"./cmd/clock\"\n");
    let refused = project.print("rules").failed();
    assert!(refused.log.contains("unsupported request frontend.rules"), "{}", refused.log);
    assert!(refused.log.contains("gofront does not support the request \"frontend.rules\""), "{}", refused.log);
}

/// A published module built from the module proxy alone, as `go install module@version` would.
const HELLOTOOL: &str =
    "module = \"example.com/hellotool\"\nversion = \"v1.2.3\"\ngo = \"1.22\"\nmain = \"./cmd/hellotool\"\n";

#[test]
fn a_published_module_version_builds_with_no_source_in_the_context() {
    let image = tag("published");
    let project = Project::empty();
    project.gofile(HELLOTOOL);
    // A cache namespace of its own: the module cache mount starts empty, so every fetch shows.
    let namespace = format!("BUILDKIT_CACHE_MOUNT_NS=published-{}", std::process::id());
    let keys = gofront_e2e::own_keys("published");
    let build = project.build(&["--build-arg", &namespace, "--build-arg", &keys, "-t", &image, "--load"]).ok();
    let fetched = build.step_output("[gofront] go mod download example.com/hellotool@v1.2.3");
    // The module and what its go.mod requires make the module layer.
    for zip in ["example.com/hellotool/@v/v1.2.3.zip: 200", "example.com/greet/@v/v1.0.0.zip: 200"] {
        assert!(fetched.iter().any(|l| l.contains(zip)), "no {zip:?} in\n{}", build.log);
    }
    assert!(fetched.iter().any(|l| l.contains("module layer with 2 module versions")), "{}", build.log);
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("Hello, tool!") && out.contains("hellotool v1.2.3"), "{out}");
    let config = inspect(&image).expect("image");
    assert_eq!(config["Config"]["Entrypoint"], serde_json::json!(["/app/hellotool"]));
    assert_eq!(config["Config"]["User"], "65532:65532");
}

#[test]
fn a_published_module_is_verified_against_the_checksum_database_setting() {
    let image = tag("published-sumdb");
    remove_image(&image);
    let project = Project::empty();
    project.gofile(HELLOTOOL);
    // The harness turns the checksum database off; here it is the real one, unreachable offline.
    let build = project.build(&["--build-arg", "GOSUMDB=sum.golang.org", "-t", &image, "--load"]).failed();
    assert!(build.log.contains("example.com/hellotool@v1.2.3: verifying go.mod"), "{}", build.log);
    assert!(build.log.contains("sum.golang.org"), "{}", build.log);
    assert!(inspect(&image).is_none(), "a failed build left {image} behind");
}

#[test]
fn a_bad_published_version_names_the_version_line() {
    for (version, fragments) in [
        ("1.2.3", vec!["Gofile:3:", "`version` is not a module version: \"1.2.3\"", "with the v"]),
        ("latest", vec!["Gofile:3:", "`version` is not a module version: \"latest\"", "pin one version"]),
        // Well formed, but the proxy has no such version: Go's own error, on the `version` line.
        ("v9.9.9", vec!["example.com/hellotool@v9.9.9", "404", ">>> version = \"v9.9.9\""]),
    ] {
        let image = tag("published-bad");
        remove_image(&image);
        let project = Project::empty();
        project.gofile(&HELLOTOOL.replace("v1.2.3", version));
        let build = project.build(&["-t", &image, "--load"]).failed();
        for fragment in fragments {
            assert!(build.log.contains(fragment), "{version}: no {fragment:?} in\n{}", build.log);
        }
        assert!(!build.log.contains("panicked"), "{}", build.log);
        assert!(inspect(&image).is_none(), "a failed build left {image} behind");
    }
    // Without `go`, gofront reads the module's go.mod from GOPROXY; with no proxy to ask, it says so.
    let project = Project::empty();
    project.gofile("module = \"example.com/hellotool\"\nversion = \"v1.2.3\"\nmain = \"./cmd/hellotool\"\n");
    let build = project.build(&["--build-arg", "GOPROXY=off"]).failed();
    assert!(build.log.contains("a `version` build needs `go` here"), "{}", build.log);
    assert!(build.log.contains("Gofile:3:"), "{}", build.log);
}

/// A published module builds without `go` (its go.mod, read from GOPROXY, says which Go), and
/// its binaries record the version they were built from, cross-compiled too, as `go install
/// module@version` records it (`go version -m`, and so `debug.ReadBuildInfo` and the SBOM).
#[test]
fn a_published_module_records_its_version_and_reads_go_from_its_go_mod() {
    let project = Project::empty();
    project.gofile("module = \"example.com/hellotool\"\nversion = \"v1.2.3\"\nmain = \"./cmd/hellotool\"\n");
    let out = tempfile::tempdir().expect("tmp");
    let dest = format!("type=local,dest={}", out.path().display());
    let build = project.build(&["--target", "binary", "--platform", "linux/amd64,linux/arm64", "--output", &dest]).ok();
    assert!(build.log.contains("[gofront] go.mod of example.com/hellotool@v1.2.3"), "{}", build.log);
    for platform in ["linux_amd64", "linux_arm64"] {
        let dir = out.path().join(platform);
        let info = gofront_e2e::docker(120)
            .args(["run", "--rm", "--network=none", "-v"])
            .arg(format!("{}:/built:ro", dir.display()))
            .args([gofront_e2e::GOLANG, "go", "version", "-m", "/built/hellotool"])
            .output()
            .expect("docker run");
        let text = String::from_utf8_lossy(&info.stdout);
        assert!(
            text.contains("mod\texample.com/hellotool\tv1.2.3"),
            "{platform}: {text}{}",
            String::from_utf8_lossy(&info.stderr)
        );
        assert!(!text.contains("(devel)"), "{platform}: {text}");
    }
}

/// `generate`: code generated before the compile joins the sources; the generator comes from a
/// go.mod `tool` line or `go run pkg@version`, runs again only when the sources change, feeds a
/// cross-compile, and a failing one shows its output.
#[test]
fn generated_code_joins_the_sources_and_runs_again_only_when_they_change() {
    let project = Project::from_fixture("generated");
    project.gofile("module = \"example.com/paint\"\nmain = \".\"\ngenerate = true\n");
    let keys = gofront_e2e::own_keys("generate");
    let image = tag("generated");
    let args = ["--build-arg", &keys, "-t", &image, "--load"];
    let first = project.build(&args).ok();
    let generated = first.step_output("[gofront] generate: go generate ./...");
    assert!(generated.iter().any(|l| l.contains("enumgen: wrote color_string.go")), "{}", first.log);
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("color: red\ncolor: green\ncolor: blue"), "{out}");

    let again = project.build(&args).ok();
    let generated = again.step_output("[gofront] generate");
    assert!(generated.is_empty(), "the generator ran again with no change: {generated:?}\n{}", again.log);

    // `go run module@version` in the directive, and a cross-compile that uses the generated code.
    project.edit("internal/paint/paint.go", "go tool enumgen", "go run example.com/enumgen@v1.0.0");
    let out = tempfile::tempdir().expect("tmp");
    let dest = format!("type=local,dest={}", out.path().display());
    let cross = project
        .build(&["--build-arg", &keys, "--target", "binary", "--platform", "linux/arm64", "--output", &dest])
        .ok();
    let generated = cross.step_output("[gofront] generate");
    assert!(generated.iter().any(|l| l.contains("enumgen: wrote color_string.go")), "{}", cross.log);
    assert_eq!(elf_machine(&out.path().join("paint")), 183);

    project.gofile("module = \"example.com/paint\"\nmain = \".\"\ngenerate = [\"go tool enumgen -fail\"]\n");
    let failed = project.build(&["--build-arg", &keys]).failed();
    assert!(failed.log.contains("enumgen: the generator failed on purpose"), "{}", failed.log);
    assert!(failed.log.contains("[gofront] generate: go tool enumgen -fail"), "{}", failed.log);
    if gofront_e2e::engine() == 26 {
        assert!(failed.log.contains(">>> generate = [\"go tool enumgen -fail\"]"), "{}", failed.log);
    }
}
