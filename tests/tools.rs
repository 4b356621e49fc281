//! End-to-end: the tools teams drive builds with. `docker compose build` and `up` with services
//! whose build file is a Gofile or a go.mod, and `docker buildx bake` with platforms, an OCI
//! output and a local cache.

use std::process::Command;

use gofront_e2e::{docker, harness, run, tag, Project, FRONTEND, GOLANG};

/// Two apps in one repository: `clock` with a Gofile, `multi` with go.mod as its build file.
fn repository() -> Project {
    let repo = Project::empty();
    let copy = |fixture: &str, to: &str| {
        let from = harness().root.join("tests/fixtures").join(fixture);
        let status = Command::new("cp").arg("-a").arg(&from).arg(repo.path().join(to)).status().expect("cp");
        assert!(status.success(), "cannot copy {fixture}");
    };
    copy("stdlib", "clock");
    copy("multi", "multi");
    repo.write(
        "clock/Gofile",
        &format!("# syntax={FRONTEND}\nmodule = \"example.com/clock\"\nmain = \"./cmd/clock\"\nldflags = \"-X main.version=${{VERSION}}\"\n"),
    );
    repo.write("multi/go.mod", &format!("// syntax={FRONTEND}\n{}", repo.read("multi/go.mod")));
    repo
}

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn compose_builds_and_runs_services_whose_build_files_are_a_gofile_and_a_go_mod() {
    let repo = repository();
    let (clock, api) = (tag("compose-clock"), tag("compose-api"));
    let proxy = &harness().proxy;
    repo.write(
        "compose.yaml",
        &format!(
            "services:
  clock:
    build:
      context: ./clock
      dockerfile: Gofile
      network: host
      args: {{ VERSION: \"2.1\", GOPROXY: \"{proxy}\", GOSUMDB: \"off\" }}
      additional_contexts: {{ builder: \"docker-image://{GOLANG}\" }}
    image: {clock}
    network_mode: none
  api:
    build:
      context: ./multi
      dockerfile: go.mod
      target: api
      network: host
      args: {{ GOPROXY: \"{proxy}\", GOSUMDB: \"off\" }}
      additional_contexts: {{ builder: \"docker-image://{GOLANG}\" }}
    image: {api}
    network_mode: none
    command: [\"--port\", \"80\"]
"
        ),
    );
    let project = format!("gofront-e2e-{}", std::process::id());
    let compose = |args: &[&str], seconds: u32| {
        docker(seconds).args(["compose", "-p", &project]).args(args).current_dir(repo.path()).output().expect("compose")
    };
    let built = compose(&["build"], 900);
    assert!(built.status.success(), "{}", text(&built));
    let up = compose(&["up", "--no-color"], 300);
    let _ = compose(&["down"], 120);
    let out = text(&up);
    assert!(up.status.success(), "{out}");
    assert!(out.contains("clock 2.1") && out.contains("tz: Europe/Berlin"), "{out}");
    assert!(out.contains("api running [--port 80]"), "{out}");
}

/// buildx 0.13's bake has no `network` attribute, and these machines' engines have no bridge
/// network for the steps that keep one: this test runs on the current engine only.
#[test]
fn bake_builds_targets_with_platforms_an_oci_output_and_a_local_cache() {
    let repo = repository();
    let api = tag("bake-api");
    repo.write("out/.keep", "");
    let proxy = &harness().proxy;
    repo.write(
        "docker-bake.hcl",
        &format!(
            "group \"default\" {{
  targets = [\"clock\", \"api\"]
}}

target \"clock\" {{
  context    = \"./clock\"
  dockerfile = \"Gofile\"
  contexts   = {{ builder = \"docker-image://{GOLANG}\" }}
  args       = {{ VERSION = \"3.0\", GOPROXY = \"{proxy}\", GOSUMDB = \"off\" }}
  platforms  = [\"linux/amd64\", \"linux/arm64\"]
  output     = [\"type=oci,dest=out/clock.tar\"]
  cache-to   = [\"type=local,dest=cache/clock,mode=max\"]
  cache-from = [\"type=local,src=cache/clock\"]
  network    = \"host\"
}}

target \"api\" {{
  context    = \"./multi\"
  dockerfile = \"go.mod\"
  target     = \"api\"
  contexts   = {{ builder = \"docker-image://{GOLANG}\" }}
  args       = {{ GOPROXY = \"{proxy}\", GOSUMDB = \"off\" }}
  tags       = [\"{api}\"]
  output     = [\"type=docker\"]
  network    = \"host\"
}}
"
        ),
    );
    let baked = docker(900)
        .args(["buildx", "bake", "-f", "docker-bake.hcl", "--allow=network.host"])
        .current_dir(repo.path())
        .output()
        .expect("bake");
    assert!(baked.status.success(), "{}", text(&baked));
    let (ok, out) = run(&api, &[]);
    assert!(ok && out.contains("api running"), "{out}");
    // The OCI layout holds both platforms; the cache export is there for the next run.
    let listed =
        Command::new("tar").arg("-xOf").arg(repo.path().join("out/clock.tar")).arg("index.json").output().expect("tar");
    let index: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("index.json");
    let top = index["manifests"][0]["digest"].as_str().expect("digest").replace(':', "/");
    let blob = Command::new("tar")
        .arg("-xOf")
        .arg(repo.path().join("out/clock.tar"))
        .arg(format!("blobs/{top}"))
        .output()
        .expect("tar");
    let list: serde_json::Value = serde_json::from_slice(&blob.stdout).expect("image index");
    let archs: Vec<&str> = list["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["platform"]["architecture"].as_str())
        .collect();
    assert!(archs.contains(&"amd64") && archs.contains(&"arm64"), "{list}");
    assert!(repo.path().join("cache/clock/index.json").exists(), "no cache export");
}
