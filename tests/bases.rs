//! End-to-end: runtime bases other than scratch, OS packages, and cgo.
//!
//! No registry is reachable here, so the real images (distroless, debian, golang:*-bookworm) are
//! replaced by local stand-ins from `images/build-debian.sh` (a debootstrapped Debian 12), passed as
//! named contexts exactly as a user would pass a mirror.

use gofront_e2e::{debian_stand_ins, inspect, run, tag, Project};

#[test]
fn distroless_base_keeps_its_config_under_the_gofile() {
    debian_stand_ins();
    let image = tag("distroless");
    let project = Project::from_fixture("stdlib");
    let build = |extra: &str| {
        project
            .gofile(&format!("module = \"example.com/clock\"\nmain = \"./cmd/clock\"\nbase = \"distroless\"\n{extra}"));
        let stand_in = "gcr.io/distroless/static-debian12:nonroot=docker-image://gofront-test/distroless-static";
        project.build(&["--build-context", stand_in, "-t", &image, "--load"]).ok();
    };
    build("");
    let (ok, out) = run(&image, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("tz: Europe/Berlin 14:00 CEST") && out.contains("uid: 65532"), "{out}");
    let config = &inspect(&image).expect("image")["Config"];
    let env = config["Env"].to_string();
    assert!(env.contains("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"), "base env lost: {env}");
    assert_eq!(config["User"], "65532:65532");

    // The stand-in's own user is 65532 too, so only another Gofile `user` shows that the Gofile wins.
    build("user = \"1234:1234\"\n");
    assert_eq!(inspect(&image).expect("image")["Config"]["User"], "1234:1234");
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("uid: 1234 gid: 1234"), "{out}");
}

#[test]
fn debian_base_with_packages_installed_by_apt_get() {
    debian_stand_ins();
    let image = tag("debian-packages");
    let project = Project::from_fixture("runner");
    project.gofile(
        "module = \"example.com/runner\"\nmain = \".\"\nbase = \"debian\"\npackages = [\"jq\"]\nargs = [\"jq\", \"--version\"]\n",
    );
    project.build(&["--build-context", "base=docker-image://gofront-test/debian:12", "-t", &image, "--load"]).ok();
    // jq answering from the image is the proof it was installed.
    let (ok, out) = run(&image, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("jq-1."), "jq is not installed: {out}");
    assert!(out.contains("uid 65532"), "{out}");
}

#[test]
fn cgo_app_builds_with_a_glibc_builder_and_runs_on_a_glibc_base() {
    debian_stand_ins();
    let image = tag("cgo");
    let project = Project::from_fixture("cgo");
    project.gofile("module = \"example.com/cgoapp\"\nmain = \".\"\ncgo = true\n");
    let contexts = [
        "--build-context",
        "golang:1.22-bookworm=docker-image://gofront-test/golang:1.27-bookworm",
        "--build-context",
        "gcr.io/distroless/base-debian12:nonroot=docker-image://gofront-test/debian:12",
    ];
    let mut args: Vec<&str> = contexts.to_vec();
    args.extend(["-t", &image, "--load"]);
    project.build(&args).ok();
    let (ok, out) = run(&image, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("cgo says 3*14=42") && out.contains("glibc 2."), "{out}");

    let mut cross: Vec<&str> = contexts.to_vec();
    cross.extend(["--platform", "linux/arm64"]);
    let refused = project.build(&cross).failed();
    assert!(refused.log.contains("`cgo = true` cannot cross-compile to linux/arm64"), "{}", refused.log);
    assert!(refused.log.contains("C cross compiler"), "{}", refused.log);
}

#[test]
fn packages_on_scratch_are_refused_with_a_fix() {
    let project = Project::from_fixture("runner");
    project.gofile("module = \"example.com/runner\"\nmain = \".\"\npackages = [\"jq\"]\n");
    let build = project.build(&[]).failed();
    assert!(build.log.contains("`packages` needs a base image with a package manager"), "{}", build.log);
    assert!(build.log.contains("Gofile:4:"), "{}", build.log);
}
