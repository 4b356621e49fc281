//! End-to-end: the images and reports for finding bugs. `--target debug` runs the app under Delve
//! (attached to from the host with Debian's `dlv connect`), and `--target test-report` exports
//! JUnit, coverage and the exit status of `go test` even when tests fail.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gofront_e2e::{debian_stand_ins, docker, free_port, golang_image, inspect, remove_image, run, tag, Project};

/// Python's own XML parser reads junit.xml; prints the counts and each case as JSON.
const JUNIT_SUMMARY: &str = r#"
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = []
for suite in root.iter("testsuite"):
    for case in suite.iter("testcase"):
        failure = case.find("failure")
        skipped = case.find("skipped")
        cases.append({
            "suite": suite.get("name"), "name": case.get("name"), "classname": case.get("classname"),
            "time": float(case.get("time")),
            "failure": None if failure is None else failure.get("message"),
            "failure_text": None if failure is None else (failure.text or ""),
            "skipped": skipped is not None,
        })
print(json.dumps({"tag": root.tag, "tests": int(root.get("tests")), "failures": int(root.get("failures")),
                  "errors": int(root.get("errors")), "skipped": int(root.get("skipped")), "cases": cases}))
"#;

fn junit_summary(path: &std::path::Path) -> serde_json::Value {
    let out = Command::new("timeout").args(["60", "python3", "-c", JUNIT_SUMMARY]).arg(path).output().expect("python3");
    assert!(out.status.success(), "junit.xml does not parse: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("summary json")
}

#[test]
fn test_reports_survive_failing_tests() {
    let project = Project::from_fixture("reports");
    project.gofile("module = \"example.com/reports\"\nmain = \"./cmd/reports\"\n");
    let out = tempfile::tempdir().expect("temp dir");
    let dest = format!("type=local,dest={}", out.path().display());
    let build = project.build(&["--target", "test-report", "--output", &dest]).ok();
    assert!(build.log.contains("--- FAIL: TestDivide"), "the log shows what failed:\n{}", build.log);

    let read = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(read("status").trim(), "1");
    let junit = junit_summary(&out.path().join("junit.xml"));
    assert_eq!(junit["tag"], "testsuites");
    let names: Vec<&str> =
        junit["cases"].as_array().expect("cases").iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(
        names,
        ["TestAdd", "TestDivide", "TestNeedsNetwork", "TestSquare", "TestSquare/small", "TestSquare/negative"]
    );
    assert_eq!((junit["tests"].as_u64(), junit["failures"].as_u64()), (Some(6), Some(1)), "{junit}");
    assert_eq!((junit["errors"].as_u64(), junit["skipped"].as_u64()), (Some(0), Some(1)), "{junit}");
    let case = |name: &str| junit["cases"].as_array().and_then(|c| c.iter().find(|c| c["name"] == name)).cloned();
    let divide = case("TestDivide").expect("TestDivide");
    assert_eq!(divide["classname"], "example.com/reports/calc");
    let message = divide["failure"].as_str().unwrap_or_default();
    assert!(message.contains("Divide(7, 2) = 3, <nil>, want 4"), "{divide}");
    assert!(divide["failure_text"].as_str().unwrap_or_default().contains("calc_test.go:"), "{divide}");
    assert_eq!(case("TestNeedsNetwork").expect("skip")["skipped"], true);

    let coverage = read("coverage.out");
    let mut lines = coverage.lines();
    assert!(lines.next().is_some_and(|l| l.starts_with("mode: ")), "{coverage}");
    // `file:start.col,end.col statements count` on every line, over every package of the module.
    assert!(lines.clone().all(|l| l.split(' ').count() == 3 && l.contains(".go:")), "{coverage}");
    assert!(coverage.contains("example.com/reports/calc/calc.go:"), "{coverage}");
    assert!(coverage.contains("example.com/reports/cmd/reports/main.go:"), "-coverpkg=./...: {coverage}");
    assert!(read("coverage.html").contains("<html"), "coverage.html");
    assert!(read("test.json").lines().any(|l| l.contains("\"Action\":\"fail\"")), "test.json");

    // The plain test target still fails the build on the same failing test.
    let failed = project.build(&["--target", "test"]).failed();
    assert!(failed.log.contains("TestDivide"), "{}", failed.log);

    // Fixed: status 0, no failures.
    project.edit("calc/calc_test.go", "const wantHalf = 4", "const wantHalf = 3");
    project.build(&["--target", "test-report", "--output", &dest]).ok();
    assert_eq!(read("status").trim(), "0");
    let junit = junit_summary(&out.path().join("junit.xml"));
    assert_eq!((junit["tests"].as_u64(), junit["failures"].as_u64()), (Some(6), Some(0)), "{junit}");
}

/// The download path, through the test module proxy's stand-in Delve module: the image runs the
/// app under `dlv` with the issue's flags, on scratch, and the app is an unoptimized build.
#[test]
fn the_debug_image_installs_dlv_through_the_module_proxy() {
    let image = tag("debug-proxy");
    let project = Project::from_fixture("stdlib");
    project.gofile(
        "module = \"example.com/clock\"\nmain = \"./cmd/clock\"\ndelve = \"v0.1.0-standin\"\nldflags = \"-X main.version=debug\"\n",
    );
    project.build(&["--target", "debug", "-t", &image, "--load"]).ok();
    let config = &inspect(&image).expect("image")["Config"];
    assert_eq!(config["User"], "65532:65532");
    assert!(config["ExposedPorts"].get("40000/tcp").is_some(), "{config}");
    let (ok, out) = run(&image, &[]);
    assert!(ok, "{out}");
    let started =
        "stand-in dlv: exec /app/clock --headless --listen=:40000 --api-version=2 --accept-multiclient --continue --";
    assert!(out.contains(started), "{out}");
    assert!(out.contains("stand-in dlv: built with -gcflags=all=-N -l"), "{out}");
    assert!(out.contains("stand-in dlv: built with -ldflags=-X main.version=debug"), "symbols kept (no -s -w): {out}");
    assert!(!out.contains("-trimpath"), "source paths kept: {out}");
    // The app itself ran, as the image's user, with the runtime root of scratch.
    assert!(out.contains("clock debug") && out.contains("tz: Europe/Berlin 14:00 CEST"), "{out}");
    assert!(out.contains("uid: 65532"), "{out}");

    // The same dlv as an image (`/dlv` at its root) replaces the download: the `delve` version
    // below does not exist anywhere.
    let dlv_image = tag("debug-dlv-image");
    let context = tempfile::tempdir().expect("temp dir");
    let created = docker(60).args(["create", &image]).output().expect("docker create");
    let id = String::from_utf8_lossy(&created.stdout).trim().to_string();
    let copied = docker(60).args(["cp", &format!("{id}:/app/dlv")]).arg(context.path().join("dlv")).status();
    let _ = docker(60).args(["rm", "-f", &id]).output();
    assert!(copied.is_ok_and(|s| s.success()), "docker cp /app/dlv");
    std::fs::write(context.path().join("Dockerfile"), "FROM scratch\nCOPY dlv /dlv\n").expect("Dockerfile");
    let built = docker(300).args(["buildx", "build", "-t", &dlv_image, "--load"]).arg(context.path()).output();
    assert!(built.as_ref().is_ok_and(|o| o.status.success()), "{built:?}");
    project.gofile("module = \"example.com/clock\"\nmain = \"./cmd/clock\"\ndelve = \"v9.9.9-nowhere\"\n");
    let dlv_context = format!("dlv=docker-image://{dlv_image}");
    project.build(&["--target", "debug", "--build-context", &dlv_context, "-t", &image, "--load"]).ok();
    let (ok, out) = run(&image, &[]);
    assert!(ok && out.contains(started), "{out}");
    remove_image(&image);
    remove_image(&dlv_image);
}

/// `race = true`: a data race that the plain tests pass is a failing test in the report, and
/// fails `--target test`.
#[test]
fn race_reports_a_data_race_the_plain_tests_miss() {
    debian_stand_ins();
    let project = Project::from_fixture("racy");
    let builder = ["--build-context", "golang:1.22-bookworm=docker-image://gofront-test/golang:1.27-bookworm"];
    let report = |race: bool| {
        project.gofile(&format!("module = \"example.com/racy\"\nmain = \"./cmd/count\"\ncgo = true\nrace = {race}\n"));
        let out = tempfile::tempdir().expect("temp dir");
        let dest = format!("type=local,dest={}", out.path().display());
        let mut args = builder.to_vec();
        args.extend(["--target", "test-report", "--output", &dest]);
        project.build(&args).ok();
        let status = std::fs::read_to_string(out.path().join("status")).expect("status");
        (status.trim().to_string(), junit_summary(&out.path().join("junit.xml")))
    };
    let (status, junit) = report(false);
    assert_eq!(status, "0", "{junit}");
    let (status, junit) = report(true);
    assert_eq!(status, "1", "{junit}");
    let failed = &junit["cases"][0];
    assert_eq!(failed["name"], "TestConcurrentAdds", "{junit}");
    assert!(failed["failure_text"].as_str().unwrap_or_default().contains("DATA RACE"), "{junit}");

    let mut args = builder.to_vec();
    args.extend(["--target", "test"]);
    let build = project.build(&args).failed();
    assert!(build.log.contains("race detected during execution of test"), "{}", build.log);
}

/// A plain HTTP GET on 127.0.0.1, waiting at most `wait` for the answer; None until the server
/// answers.
fn http_get(port: u16, path: &str, wait: Duration) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(wait)).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_once("\r\n\r\n").map(|(_, body)| body.trim().to_string())
}

/// Removes the container when the test ends, pass or fail.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(60).args(["rm", "-f", &self.0]).output();
    }
}

/// The real Delve: Debian's dlv (1.24) as the named context, a Go 1.24 builder it can read, a
/// glibc base for it. From the host: a breakpoint in a handler, a request that reaches it, a
/// local variable read, continue and detach; the app serves on.
#[test]
fn delve_from_the_host_stops_in_a_handler_and_reads_a_local() {
    debian_stand_ins();
    golang_image("gofront-test/golang:1.24", "1.24.11");
    let image = tag("debug-delve");
    let project = Project::from_fixture("debugapp");
    project.gofile(
        "module = \"example.com/debugapp\"\nmain = \".\"\nbase = \"debian\"\nbuilder = \"golang:1.24.11\"\nargs = [\"-addr\", \"127.0.0.1:8080\"]\n",
    );
    let context = tempfile::tempdir().expect("temp dir");
    std::fs::copy("/usr/local/bin/dlv", context.path().join("dlv")).expect("Debian's dlv (tests/engine/test-tools.sh)");
    project
        .build(&[
            "--target",
            "debug",
            "--build-context",
            &format!("dlv={}", context.path().display()),
            "--build-context",
            "golang:1.24.11=docker-image://gofront-test/golang:1.24",
            "--build-context",
            "base=docker-image://gofront-test/debian:12",
            "-t",
            &image,
            "--load",
        ])
        .ok();

    // Host networking (the engines have no bridge), so both ports are free ones: the image's own
    // entrypoint runs with its fixed 40000 moved, which another server on the host may hold. (All
    // addresses, as in the image: Delve refuses another user's connection to a loopback listener.)
    let port = free_port().unwrap_or_else(|e| panic!("{e}"));
    let addr = format!("127.0.0.1:{port}");
    let delve_port = loop {
        let candidate = free_port().unwrap_or_else(|e| panic!("{e}"));
        if candidate != port {
            break candidate;
        }
    };
    let entrypoint: Vec<String> = inspect(&image).expect("image")["Config"]["Entrypoint"]
        .as_array()
        .expect("an entrypoint")
        .iter()
        .map(|arg| arg.as_str().expect("a string").replace("--listen=:40000", &format!("--listen=:{delve_port}")))
        .collect();
    assert!(entrypoint.iter().any(|arg| arg.ends_with(&format!(":{delve_port}"))), "{entrypoint:?}");
    let started = docker(120)
        .args(["run", "-d", "--network=host", "--cap-add=SYS_PTRACE", "--security-opt", "seccomp=unconfined"])
        .args(["--entrypoint", &entrypoint[0], &image])
        .args(&entrypoint[1..])
        .args(["-addr", &addr])
        .output()
        .expect("docker run");
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    let container = Container(String::from_utf8_lossy(&started.stdout).trim().to_string());
    // Short waits while it starts, so that one stuck connection cannot use up the deadline.
    let deadline = Instant::now() + Duration::from_secs(120);
    while http_get(port, "/square?n=2", Duration::from_secs(5)).as_deref() != Some("4") {
        if Instant::now() > deadline {
            let logs = docker(30).args(["logs", &container.0]).output();
            let logs =
                logs.map(|o| format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)));
            let state = docker(30).args(["inspect", "--format", "{{json .State}}", &container.0]).output();
            let state = state.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
            panic!("the app never served on 127.0.0.1:{port} under dlv\nstate: {state:?}\nlogs: {logs:?}");
        }
        std::thread::sleep(Duration::from_millis(300));
    }

    let init = tempfile::NamedTempFile::new().expect("init file");
    std::fs::write(init.path(), "break main.go:15\ncontinue\nprint result\nprint n\nclearall\nquit -c\n")
        .expect("write");
    let client = Command::new("timeout")
        .args(["120", "dlv", "connect", &format!("127.0.0.1:{delve_port}"), "--init"])
        .arg(init.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dlv connect");
    // (`clearall` first: `quit -c` asks before it leaves breakpoints behind.)
    // Requests until one stops at the breakpoint and the client has detached (the breakpoint may
    // not be set yet when the first arrives).
    let done = Arc::new(AtomicBool::new(false));
    let requests = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut answers = Vec::new();
            while !done.load(Ordering::SeqCst) {
                answers.extend(http_get(port, "/square?n=7", Duration::from_secs(60)));
                std::thread::sleep(Duration::from_millis(200));
            }
            answers
        })
    };
    let output = client.wait_with_output().expect("dlv connect");
    done.store(true, Ordering::SeqCst);
    let answers = requests.join().expect("requests");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "dlv connect failed:\n{text}");
    assert!(text.contains("Breakpoint 1 set at") && text.contains("main.go:15"), "{text}");
    assert!(text.contains("main.square()"), "stopped in the handler:\n{text}");
    let printed: Vec<&str> = text.lines().map(str::trim).filter(|l| l.parse::<i64>().is_ok()).collect();
    assert_eq!(printed, ["49", "7"], "print result, print n:\n{text}");
    // The request that hit the breakpoint was answered after the client left, and the app serves on.
    assert!(answers.iter().all(|a| a == "49") && !answers.is_empty(), "{answers:?}");
    assert_eq!(http_get(port, "/square?n=9", Duration::from_secs(60)).as_deref(), Some("81"));
    drop(container);
    remove_image(&image);
}
