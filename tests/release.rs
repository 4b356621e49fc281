//! End-to-end: gofront as users get it. The frontend image for both platforms, a release pushed
//! to a real registry on 127.0.0.1 by images/release.sh, apps built through `# syntax=` pins with
//! no BUILDKIT_SYNTAX override, a multi-platform push, and reproducible image digests.
//!
//! The digest tests start cold and prune between builds, each on an engine of its own
//! ([`ThrowawayEngine`]); the shared engine keeps its caches.

use std::path::Path;
use std::process::Command;

use gofront_e2e::{docker, harness, registry, remove_image, run, tag, Project, ThrowawayEngine};

const CLOCK: &str = "module = \"example.com/clock\"\nmain = \"./cmd/clock\"\n";
const VERSION_LABEL: &str = "dev.gofront.frontend.version";
/// The frontend image for both platforms, as released (the other tests use the machine's own).
const FRONTEND_BOTH: &str = "gofront-test/frontend:amd64-arm64";

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Copies `path` out of `image`'s `platform` variant, without running it.
fn copy_out(image: &str, platform: &str, path: &str, dest: &Path) {
    let out = docker(120).args(["create", "--platform", platform, image]).output().expect("docker create");
    assert!(out.status.success(), "docker create --platform {platform} {image}: {}", text(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let copied = docker(120).args(["cp", &format!("{id}:{path}")]).arg(dest).output().expect("docker cp");
    let _ = docker(60).args(["rm", "-f", &id]).output();
    assert!(copied.status.success(), "docker cp {path} from {image} ({platform}): {}", text(&copied));
}

/// What `file` says about a binary.
fn file_kind(path: &Path) -> String {
    let out = Command::new("timeout").args(["60", "file", "-b"]).arg(path).output().expect("file");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_frontend_image_holds_static_amd64_and_arm64_binaries_that_run() {
    let h = harness();
    let built = Command::new("timeout")
        .args(["--kill-after=10", "1800", "bash", "images/build-frontend.sh", FRONTEND_BOTH])
        .env("GOFRONT_FRONTEND_PLATFORMS", "linux/amd64,linux/arm64")
        .current_dir(&h.root)
        .output()
        .expect("images/build-frontend.sh");
    assert!(built.status.success(), "building the two-platform frontend image failed: {}", text(&built));
    let dir = tempfile::tempdir().expect("tmp");
    // `check` reads the Gofile's context as a build would: the app beside it.
    let app = Project::from_fixture("stdlib");
    app.write("Gofile", "# syntax=gofront\nmodule = \"example.com/clock\"\nmain = \"./cmd/clock\"\n");
    let gofile = app.path().join("Gofile");
    for (platform, machine, runner) in
        [("linux/amd64", "x86-64", None), ("linux/arm64", "ARM aarch64", Some("qemu-aarch64-static"))]
    {
        let binary = dir.path().join(platform.replace('/', "-"));
        copy_out(FRONTEND_BOTH, platform, "/gofront", &binary);
        let kind = file_kind(&binary);
        // `file` says "statically linked" or "static-pie linked".
        assert!(kind.contains(machine) && kind.contains("static") && !kind.contains("dynamic"), "{platform}: {kind}");
        // The arm64 binary runs under qemu-user: the host has no arm64 CPU and no binfmt handler.
        let mut command = Command::new("timeout");
        command.arg("60");
        if let Some(emulator) = runner {
            command.arg(emulator);
        }
        let version = command.arg(&binary).arg("--version").output().expect("gofront --version");
        assert!(version.status.success(), "{platform} --version: {}", text(&version));
        assert!(text(&version).starts_with("gofront "), "{platform}: {}", text(&version));
        let mut command = Command::new("timeout");
        command.arg("60");
        if let Some(emulator) = runner {
            command.arg(emulator);
        }
        let check = command.arg(&binary).arg("check").arg(&gofile).output().expect("gofront check");
        assert!(
            text(&check).contains("ok (module example.com/clock, main ./cmd/clock)"),
            "{platform}: {}",
            text(&check)
        );
    }
}

/// Runs images/release.sh; returns the pinned reference it prints last.
fn release(version: &str, registry: &str) -> String {
    let out = Command::new("timeout")
        .args(["--kill-after=10", "1800", "bash", "images/release.sh", version, registry])
        .current_dir(&harness().root)
        .output()
        .expect("images/release.sh");
    assert!(out.status.success(), "release {version} failed: {}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let pinned = stdout.lines().last().unwrap_or_default().to_string();
    assert!(pinned.starts_with(&format!("{registry}/gofront:{version}@sha256:")), "release printed {stdout:?}");
    // The docker driver also tags what it pushes; drop those so builds must pull from the registry.
    let (major_minor, major) =
        (version.rsplit_once('.').map_or(version, |v| v.0), version.split('.').next().unwrap_or(version));
    for tag in [version, major_minor, major] {
        remove_image(&format!("{registry}/gofront:{tag}"));
    }
    pinned
}

/// GET from the registry's HTTP API; returns the body.
fn registry_get(registry: &str, path: &str, accept: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(registry).expect("connect to the registry");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {registry}\r\nAccept: {accept}\r\n\r\n").expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "GET {path}: {head}");
    body.to_string()
}

/// Builds the clock app through `syntax` (no BUILDKIT_SYNTAX); returns the frontend version label.
fn build_through(syntax: &str, image: &str) -> String {
    let project = Project::from_fixture("stdlib");
    project.write("Gofile", &format!("# syntax={syntax}\n{CLOCK}"));
    project.build(&["-t", image, "--load"]).ok();
    let (ok, out) = run(image, &[]);
    assert!(ok && out.contains("tz: Europe/Berlin"), "{out}");
    let config = gofront_e2e::inspect(image).expect("image");
    config["Config"]["Labels"][VERSION_LABEL].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_release_in_a_registry_is_used_by_tag_and_by_digest_and_pins_hold_when_the_next_one_ships() {
    let registry = format!("{}/release-{}", registry(), std::process::id());
    let image = tag("release-pinned");
    let revision = Command::new("git").args(["rev-parse", "HEAD"]).current_dir(&harness().root).output();
    let revision = revision.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();

    let first = release("1.0.0", &registry);
    let index = registry_get(
        registry.split_once('/').map_or(&*registry, |r| r.0),
        &format!("/v2/{}/gofront/manifests/1", registry.split_once('/').map_or("", |r| r.1)),
        "application/vnd.oci.image.index.v1+json",
    );
    let index: serde_json::Value = serde_json::from_str(&index).expect("index JSON");
    let platforms: Vec<String> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["platform"]["os"].as_str().unwrap_or(""),
                m["platform"]["architecture"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"], "{index}");
    let annotations = &index["annotations"];
    assert_eq!(annotations["org.opencontainers.image.version"], "1.0.0", "{index}");
    let annotated_revision = annotations["org.opencontainers.image.revision"].as_str().unwrap_or_default();
    assert!(!revision.is_empty() && annotated_revision.starts_with(&revision), "{annotated_revision} vs {revision}");
    assert!(annotations["org.opencontainers.image.created"].as_str().is_some_and(|c| c.ends_with('Z')), "{index}");

    assert_eq!(build_through(&format!("{registry}/gofront:1"), &image), "1.0.0");
    assert_eq!(build_through(&first, &image), "1.0.0");

    let second = release("1.1.0", &registry);
    assert_ne!(first.split('@').nth(1), second.split('@').nth(1), "1.1.0 has the digest of 1.0.0");
    assert_eq!(build_through(&format!("{registry}/gofront:1"), &image), "1.1.0", "`:1` did not move");
    assert_eq!(build_through(&format!("{registry}/gofront:1.0.0"), &image), "1.0.0");
    assert_eq!(build_through(&format!("{registry}/gofront:1.0"), &image), "1.0.0");
    assert_eq!(build_through(&first, &image), "1.0.0", "the digest pin moved");

    // The released binary says what it is.
    let pulled = docker(600).args(["pull", &format!("{registry}/gofront:1.1.0")]).output().expect("docker pull");
    assert!(pulled.status.success(), "{}", text(&pulled));
    let dir = tempfile::tempdir().expect("tmp");
    copy_out(&format!("{registry}/gofront:1.1.0"), "linux/amd64", "/gofront", &dir.path().join("gofront"));
    let version =
        Command::new("timeout").arg("60").arg(dir.path().join("gofront")).arg("--version").output().expect("run");
    assert_eq!(text(&version).trim(), format!("gofront 1.1.0 (revision {annotated_revision})"));
    remove_image(&format!("{registry}/gofront:1.1.0"));
}

#[test]
fn a_three_platform_app_is_pushed_and_each_platform_pulls_back_with_its_architecture() {
    let name = format!("{}/apps-{}/clock:1", registry(), std::process::id());
    let project = Project::from_fixture("stdlib");
    project.gofile(CLOCK);
    project
        .build(&[
            "--platform",
            "linux/amd64,linux/arm64,linux/arm/v7",
            "--output",
            &format!("type=image,name={name},push=true"),
        ])
        .ok();
    remove_image(&name);
    let dir = tempfile::tempdir().expect("tmp");
    for (platform, machine) in
        [("linux/amd64", "x86-64"), ("linux/arm64", "ARM aarch64"), ("linux/arm/v7", "ARM, EABI5")]
    {
        let pulled = docker(600).args(["pull", "--platform", platform, &name]).output().expect("docker pull");
        assert!(pulled.status.success(), "pull {platform}: {}", text(&pulled));
        let binary = dir.path().join(platform.replace('/', "-"));
        copy_out(&name, platform, "/app/clock", &binary);
        let kind = file_kind(&binary);
        assert!(kind.contains(machine), "{platform}: {kind}");
    }
    remove_image(&name);
}

/// Builds the clock app to an OCI tarball; returns the digest and the unpacked layout.
fn oci_build(project: &Project, epoch: &str, platforms: &str) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let tarball = dir.path().join("image.tar");
    let metadata = dir.path().join("metadata.json");
    project
        .build(&[
            "--build-arg",
            &format!("SOURCE_DATE_EPOCH={epoch}"),
            "--provenance=false",
            "--platform",
            platforms,
            "--metadata-file",
            &metadata.display().to_string(),
            "--output",
            &format!("type=oci,dest={}", tarball.display()),
        ])
        .ok();
    let digest = image_digest(&metadata);
    let layout = tempfile::tempdir().expect("tmp");
    let unpacked = Command::new("tar").arg("-xf").arg(&tarball).arg("-C").arg(layout.path()).status().expect("tar");
    assert!(unpacked.success());
    (digest, layout)
}

/// The image digest a build wrote to its `--metadata-file`.
fn image_digest(metadata: &Path) -> String {
    let metadata: serde_json::Value =
        serde_json::from_slice(&std::fs::read(metadata).expect("metadata")).expect("metadata JSON");
    metadata["containerimage.digest"].as_str().expect("digest").to_string()
}

fn blob(layout: &Path, digest: &str) -> serde_json::Value {
    let path = layout.join("blobs").join(digest.replace(':', "/"));
    serde_json::from_slice(&std::fs::read(&path).expect("blob")).expect("blob JSON")
}

#[test]
fn the_same_source_and_source_date_epoch_give_the_same_digest_cold_or_warm() {
    let engine = ThrowawayEngine::start();
    let _on = engine.enter();
    let project = Project::from_fixture("stdlib");
    project.gofile(CLOCK);
    for platforms in ["linux/amd64", "linux/amd64,linux/arm64"] {
        engine.prune();
        let (cold, layout) = oci_build(&project, "1700000000", platforms);
        let (warm, _) = oci_build(&project, "1700000000", platforms);
        engine.prune();
        let (cold_again, _) = oci_build(&project, "1700000000", platforms);
        println!("reproducible {platforms}: {cold} (cold), {warm} (warm), {cold_again} (cold after a prune)");
        assert_eq!(cold, warm, "{platforms}: a warm cache changed the digest");
        assert_eq!(cold, cold_again, "{platforms}: a cold rebuild changed the digest");
        let (later, _) = oci_build(&project, "1700000001", platforms);
        assert_ne!(cold, later, "{platforms}: SOURCE_DATE_EPOCH did not reach the image");

        // The config's created time and every history entry follow SOURCE_DATE_EPOCH.
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.path().join("index.json")).expect("index")).expect("JSON");
        let top = index["manifests"][0]["digest"].as_str().expect("digest");
        let manifests = match blob(layout.path(), top).get("manifests") {
            Some(list) => {
                list.as_array().expect("list").iter().filter_map(|m| m["digest"].as_str().map(str::to_string)).collect()
            }
            None => vec![top.to_string()],
        };
        for manifest in manifests {
            let config_digest =
                blob(layout.path(), &manifest)["config"]["digest"].as_str().expect("config").to_string();
            let config = blob(layout.path(), &config_digest);
            assert_eq!(config["created"], "2023-11-14T22:13:20Z", "{config}");
            for entry in config["history"].as_array().expect("history") {
                assert_eq!(entry["created"], "2023-11-14T22:13:20Z", "{config}");
            }
        }
    }
}

#[test]
fn a_pushed_image_has_the_same_digest_after_a_prune() {
    let engine = ThrowawayEngine::start();
    let _on = engine.enter();
    let name = format!("{}/repro-{}/clock:1", registry(), std::process::id());
    let project = Project::from_fixture("stdlib");
    project.gofile(CLOCK);
    let mut digests = Vec::new();
    for _ in 0..2 {
        engine.prune();
        let dir = tempfile::tempdir().expect("tmp");
        let metadata = dir.path().join("metadata.json");
        let metadata_arg = metadata.display().to_string();
        project
            .build(&[
                "--build-arg",
                "SOURCE_DATE_EPOCH=1700000000",
                "--provenance=false",
                "--metadata-file",
                &metadata_arg,
                "--output",
                &format!("type=image,name={name},push=true"),
            ])
            .ok();
        digests.push(image_digest(&metadata));
        remove_image(&name);
    }
    println!("pushed twice, pruned between: {} and {}", digests[0], digests[1]);
    assert_eq!(digests[0], digests[1]);
}
