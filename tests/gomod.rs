//! End-to-end: no Gofile. go.mod (or go.work) is the build file, `docker buildx build -f go.mod .`,
//! found through a `// syntax=` first line or `--build-arg BUILDKIT_SYNTAX`; the main packages are
//! found in the context.

use std::process::Command;

use gofront_e2e::{buildx, harness, run, tag, Build, Project, FRONTEND};

/// `docker buildx build -f FILE` with the test toolchain and proxy.
fn build(project: &Project, file: &str, extra: &[&str]) -> Build {
    let args = [&["--progress=plain"][..], extra].concat();
    Build::from(buildx(project.path(), file, "builder", &args))
}

/// The fixture with `// syntax=` as its go.mod's first line.
fn with_syntax_line(fixture: &str, gomod: &str) -> Project {
    let project = Project::from_fixture(fixture);
    project.write(gomod, &format!("// syntax={FRONTEND}\n{}", project.read(gomod)));
    project
}

#[test]
fn go_mod_with_a_syntax_line_is_the_build_file() {
    let project = with_syntax_line("stdlib", "go.mod");
    let image = tag("gomod-clock");
    build(&project, "go.mod", &["-t", &image, "--load"]).ok();
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("tz: Europe/Berlin") && out.contains("uid: 65532"), "{out}");
    assert_eq!(gofront_e2e::inspect(&image).expect("image")["Config"]["Entrypoint"], serde_json::json!(["/app/clock"]));
}

/// A module whose root is `package main`: that is the image.
#[test]
fn a_root_main_module_is_the_image() {
    let project = with_syntax_line("runner", "go.mod");
    let image = tag("gomod-runner");
    build(&project, "go.mod", &["-t", &image, "--load"]).ok();
    assert_eq!(
        gofront_e2e::inspect(&image).expect("image")["Config"]["Entrypoint"],
        serde_json::json!(["/app/runner"])
    );
    // Without a command to run, it says how to use it.
    let (_, out) = run(&image, &[]);
    assert!(out.contains("usage: runner COMMAND"), "{out}");
}

#[test]
fn an_untouched_go_mod_builds_with_buildkit_syntax() {
    let project = Project::from_fixture("stdlib");
    let image = tag("gomod-untouched");
    let syntax = format!("BUILDKIT_SYNTAX={FRONTEND}");
    build(&project, "go.mod", &["--build-arg", &syntax, "-t", &image, "--load"]).ok();
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("tz: Europe/Berlin"), "{out}");
}

/// Three mains under cmd/, none named after the module: each is a target, and a build without
/// `--target` says which there are and how to pin one.
#[test]
fn mains_under_cmd_are_targets_and_several_need_a_target() {
    let project = with_syntax_line("multi", "go.mod");
    project.write(
        "cmd/third/main.go",
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"third running\") }\n",
    );
    let refused = build(&project, "go.mod", &[]).failed();
    for fragment in ["several main packages (api, third, worker)", "--target NAME", "[targets.api]", "go.mod:2"] {
        assert!(refused.log.contains(fragment), "no {fragment:?} in\n{}", refused.log);
    }
    for (target, expected) in [("api", "api running"), ("worker", "worker running"), ("third", "third running")] {
        let image = tag(&format!("gomod-multi-{target}"));
        build(&project, "go.mod", &["--target", target, "-t", &image, "--load"]).ok();
        let (ok, out) = run(&image, &[]);
        assert!(ok && out.contains(expected), "{target}: {out}");
    }
    // The targets are listed, as for a Gofile.
    let listed = Build::from(
        gofront_e2e::docker(300)
            .env("BUILDX_EXPERIMENTAL", "1")
            .args(["buildx", "build", "--network=host", "-f", "go.mod"])
            .args(gofront_e2e::request_flags("targets"))
            .arg(".")
            .current_dir(project.path())
            .output()
            .expect("targets"),
    );
    for target in ["api", "third", "worker", "binary", "test"] {
        assert!(listed.log.contains(target), "{target} is not listed:\n{}", listed.log);
    }
}

/// `gofront init` writes the Gofile the go.mod build uses; building with it gives the same image.
#[test]
fn gofront_init_writes_the_gofile_of_the_go_mod_build() {
    let project = with_syntax_line("multi", "go.mod");
    project.write(
        "cmd/multi/main.go",
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"multi running\") }\n",
    );
    let init = Command::new("timeout")
        .arg("60")
        .arg(&harness().gofront)
        .args(["init", "--syntax", FRONTEND])
        .arg(project.path())
        .output()
        .expect("gofront init");
    let gofile = String::from_utf8_lossy(&init.stdout).into_owned();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    // Named after the module: the default image, first.
    assert!(gofile.contains("[targets.multi]  # the default image"), "{gofile}");
    project.write("Gofile", &gofile);
    let (from_gomod, from_gofile) = (tag("gomod-init-a"), tag("gomod-init-b"));
    build(&project, "go.mod", &["-t", &from_gomod, "--load"]).ok();
    build(&project, "Gofile", &["-t", &from_gofile, "--load"]).ok();
    let (_, a) = run(&from_gomod, &[]);
    let (_, b) = run(&from_gofile, &[]);
    assert!(a.contains("multi running") && a == b, "{a}\n{b}");
}

#[test]
fn a_go_work_builds_the_one_module_with_mains() {
    let project = Project::from_fixture("monorepo");
    project.write("go.work", &format!("// syntax={FRONTEND}\n{}", project.read("go.work")));
    let image = tag("gomod-work");
    build(&project, "go.work", &["-t", &image, "--load"]).ok();
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains("Hello, workspace!"), "{out}");
}

/// `go mod tidy`, `go mod edit` and `go get` keep the `// syntax=` line first (the builder's Go).
#[test]
fn go_commands_keep_the_syntax_line_first() {
    let h = harness();
    let project = with_syntax_line("shop", "go.mod");
    let script =
        "set -e; go mod tidy; go mod edit -go=1.23; go get example.com/shout@v1.0.0; go mod tidy; head -n 1 go.mod";
    let out = gofront_e2e::docker(300)
        .args(["run", "--rm", "--network=host", "-v"])
        .arg(format!("{}:/src", project.path().display()))
        .args(["-w", "/src", "-e", &format!("GOPROXY={}", h.proxy), "-e", "GOSUMDB=off", "-e", "GOFLAGS=-mod=mod"])
        .args([gofront_e2e::GOLANG, "sh", "-c", script])
        .output()
        .expect("docker run");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    let gomod = project.read("go.mod");
    assert!(gomod.starts_with(&format!("// syntax={FRONTEND}\n")), "{gomod}");
    assert!(gomod.contains("go 1.23"), "the edit did not happen:\n{gomod}");
}
