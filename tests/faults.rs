//! End-to-end: concurrency and faults. Several apps building at once on one engine, cache mounts
//! pruned behind gofront's back, a module proxy dying mid-download, and a secret that must not
//! reach any byte of the exported image.
//!
//! The test that prunes cache mounts does it on an engine of its own ([`ThrowawayEngine`]); the
//! shared engine keeps its caches.

use std::path::Path;
use std::process::Command;

use gofront_e2e::{docker, inspect, remove_image, run, tag, ModuleProxy, Project, ThrowawayEngine};

/// (fixture, Gofile body, arguments for the container, what it must print)
const APPS: [(&str, &str, &[&str], &str); 4] = [
    ("stdlib", "module = \"example.com/clock\"\nmain = \"./cmd/clock\"\n", &[], "uid: 65532"),
    ("shop", "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n", &[], "Hello, shop!"),
    (
        "multi",
        "module = \"example.com/multi\"\nmain = \"./cmd/api\"\nargs = [\"--port\", \"80\"]\n",
        &[],
        "api running [--port 80]",
    ),
    ("assets", "module = \"example.com/assets\"\nmain = \"./cmd/assets\"\n", &["-health"], "healthy"),
];

#[test]
fn four_apps_build_at_once_on_one_engine_twice() {
    let projects: Vec<Project> = APPS
        .iter()
        .map(|(fixture, body, _, _)| {
            let project = Project::from_fixture(fixture);
            project.gofile(body);
            project
        })
        .collect();
    for round in 1..=2 {
        std::thread::scope(|scope| {
            let builds: Vec<_> = projects
                .iter()
                .zip(APPS.iter())
                .map(|(project, (fixture, ..))| {
                    let image = tag(&format!("concurrent-{fixture}"));
                    scope.spawn(move || (project.build(&["-t", &image, "--load"]), image))
                })
                .collect();
            for (handle, (fixture, _, args, expected)) in builds.into_iter().zip(APPS.iter()) {
                let (build, image) = handle.join().expect("build thread");
                let build = build.ok();
                let (ok, out) = run(&image, args);
                assert!(ok && out.contains(expected), "round {round}, {fixture}: {out}\n{}", build.log);
            }
        });
    }
}

/// BuildKit's GC may drop cache mounts while the layers that used them stay: the next build must
/// not depend on what the mounts held.
#[test]
fn a_build_after_the_cache_mounts_were_pruned_succeeds() {
    let engine = ThrowawayEngine::start();
    let _on = engine.enter();
    let image = tag("pruned-mounts");
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    project.build(&["-t", &image, "--load"]).ok();

    let out = docker(900)
        .args(["builder", "prune", "-af", "--filter", "type=exec.cachemount"])
        .output()
        .expect("docker builder prune");
    assert!(out.status.success(), "prune failed: {}", String::from_utf8_lossy(&out.stderr));

    project.edit("internal/catalog/catalog.go", "\"pear\"", "\"pear\", \"plum\"");
    // A tag of its own: moving the first image's tag lets the image store's garbage collector
    // remove the snapshots the two images share while the new one is still being unpacked (an
    // intermittent engine error, "parent snapshot … does not exist", moby/buildkit#6521).
    let rebuilt = tag("pruned-mounts-rebuilt");
    let build = project.build(&["-t", &rebuilt, "--load"]).ok();
    // The module layer is a layer, not a mount: it survived, so nothing is downloaded again.
    assert!(build.step_output("[gofront] go mod download").is_empty(), "modules downloaded again:\n{}", build.log);
    let (ok, out) = run(&rebuilt, &[]);
    assert!(ok && out.contains("item: plum"), "{out}");
}

/// A proxy that dies in the middle of `go mod download`: a clear error, nothing tagged, and the
/// next build with the proxy back succeeds without any manual clean-up.
#[test]
fn a_module_proxy_that_dies_mid_download_fails_clearly_and_the_next_build_recovers() {
    let image = tag("proxy-dies");
    let namespace = format!("BUILDKIT_CACHE_MOUNT_NS=proxy-dies-{}", std::process::id());
    let keys = gofront_e2e::own_keys("proxy-dies");
    let mut dying = ModuleProxy::start_with(0, &["--die-on-zip"]);
    let goproxy = format!("GOPROXY={}", dying.url);
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    let args = ["--build-arg", &goproxy, "--build-arg", &namespace, "--build-arg", &keys, "-t", &image, "--load"];

    remove_image(&image);
    let failed = project.build(&args).failed();
    assert!(failed.log.contains("example.com/greet"), "the error does not name the module:\n{}", failed.log);
    assert!(failed.log.contains("go mod download"), "the error does not name the step:\n{}", failed.log);
    assert!(failed.log.contains("Gofile:2"), "the error does not point at the Gofile's module line:\n{}", failed.log);
    assert!(failed.log.contains("the module download failed"), "no hint of what to check:\n{}", failed.log);
    assert!(inspect(&image).is_none(), "a failed build tagged {image}");

    let port = dying.port;
    dying.stop();
    let _back = ModuleProxy::start_with(port, &[]);
    project.build(&args).ok();
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("Hello, shop!"), "{out}");
}

/// A recognizable token in the netrc secret: no blob of the exported image (layers, configs,
/// manifests, attestations) may hold it, compressed or not.
#[test]
fn a_secret_reaches_no_byte_of_the_exported_image() {
    let token = format!("gofront-secret-token-{}", std::process::id());
    let work = tempfile::tempdir().expect("tmp");
    let netrc = work.path().join("netrc");
    std::fs::write(&netrc, format!("machine git.example.com login ci password {token}\n")).expect("netrc");
    let project = Project::from_fixture("shop");
    project.gofile("module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n");
    let oci = work.path().join("image.tar");
    let secret = format!("id=netrc,src={}", netrc.display());
    let output = format!("type=oci,dest={}", oci.display());
    project.build(&["--secret", &secret, "--build-arg", "GOFRONT_DEPENDENCY_LAYERS=on", "--output", &output]).ok();

    let unpacked = work.path().join("oci");
    std::fs::create_dir_all(&unpacked).expect("mkdir");
    let status = Command::new("tar").arg("-xf").arg(&oci).arg("-C").arg(&unpacked).status().expect("tar");
    assert!(status.success(), "cannot unpack the OCI export");
    let blobs = files_under(&unpacked);
    assert!(blobs.len() >= 4, "the export holds only {} files", blobs.len());
    let contains = |bytes: &[u8], needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    // The scan must see inside compressed layers: gofront's /etc/passwd line is in one of them.
    let mut saw_passwd = false;
    for blob in blobs {
        let mut bytes = std::fs::read(&blob).expect("blob");
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let out = Command::new("gzip").arg("-dc").arg(&blob).output().expect("gzip");
            bytes.extend(out.stdout);
        }
        saw_passwd |= contains(&bytes, b"nonroot:x:65532");
        assert!(!contains(&bytes, token.as_bytes()), "the secret is in {}", blob.display());
    }
    assert!(saw_passwd, "the scan did not see into the layers");
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}
