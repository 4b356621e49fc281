//! Harness for the end-to-end tests: a real Docker Engine with its BuildKit, the gofront image
//! built from this tree, an offline Go toolchain image, and a loopback Go module proxy.
//!
//! Nothing here skips: if the engine cannot be set up, every test fails with the reason.

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Seconds one build may take: no test waits forever on a stuck engine.
pub const BUILD_TIMEOUT: u32 = 900;
/// buildx flags that say where a build's result goes ([`Project::build`] adds none then).
const NAMES_AN_OUTPUT: [&str; 6] = ["-t", "--tag", "--output", "-o", "--load", "--push"];

thread_local! {
    /// The engine this test thread talks to: its own throwaway engine while one is entered
    /// ([`ThrowawayEngine::enter`]), else the shared engine of `DOCKER_HOST`.
    static ENGINE_HOST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// `docker ARGS…` that is killed after `seconds`: every docker command of the tests has a bound.
/// It talks to the engine of the calling test (see [`ThrowawayEngine`]).
pub fn docker(seconds: u32) -> Command {
    let mut command = Command::new("timeout");
    command.args(["--kill-after=10", &seconds.to_string(), "docker"]);
    if let Some(host) = ENGINE_HOST.with(|h| h.borrow().clone()) {
        command.env("DOCKER_HOST", host);
    }
    command
}

/// The frontend image the tests' Gofiles name in `# syntax=`.
pub const FRONTEND: &str = "gofront-test/frontend:e2e";
/// The offline Go toolchain, passed as a named context, never as a real golang tag.
pub const GOLANG: &str = "gofront-test/golang:1.27";
pub const GO_VERSION: &str = "1.27.3";

pub struct Harness {
    pub root: PathBuf,
    pub proxy: String,
    /// The gofront binary inside the frontend image, copied out (for `gofront eject`).
    pub gofront: PathBuf,
}

static HARNESS: OnceLock<Result<Harness, String>> = OnceLock::new();
/// Keeps the module proxy's stdin open for as long as the test process lives.
static PROXY: Mutex<Option<ModuleProxy>> = Mutex::new(None);

/// Sets everything up once per test binary; panics (fails the test) when that is impossible.
pub fn harness() -> &'static Harness {
    match HARNESS.get_or_init(setup) {
        Ok(h) => h,
        Err(e) => panic!("end-to-end setup failed: {e}"),
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap_or_else(|_| PathBuf::from(".."))
}

fn setup() -> Result<Harness, String> {
    let root = repo_root();
    script(&root, &["tests/engine/setup.sh"])?;
    script(&root, &["tests/engine/test-tools.sh"])?;
    // The machine's own platform: the arm64 frontend is built by the release tests alone.
    script(&root, &["images/build-frontend.sh", FRONTEND])?;
    script(&root, &["images/build-golang.sh", GOLANG, GO_VERSION])?;
    let gofront = copy_gofront_out(&root)?;
    let proxy = start_proxy(&root)?;
    Ok(Harness { root, proxy, gofront })
}

/// The frontend image's own binary, so local subcommands run exactly what the engine runs.
fn copy_gofront_out(root: &Path) -> Result<PathBuf, String> {
    let dir = root.join("target/e2e");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let created = docker(120).args(["create", FRONTEND]).output().map_err(|e| format!("docker create: {e}"))?;
    if !created.status.success() {
        return Err(format!("docker create {FRONTEND}: {}", String::from_utf8_lossy(&created.stderr)));
    }
    let id = String::from_utf8_lossy(&created.stdout).trim().to_string();
    // One copy per test binary: several may start at once.
    let binary = dir.join(format!("gofront-{}", std::process::id()));
    let copied = docker(120).args(["cp", &format!("{id}:/gofront")]).arg(&binary).output();
    let _ = docker(60).args(["rm", "-f", &id]).output();
    let copied = copied.map_err(|e| format!("docker cp: {e}"))?;
    if !copied.status.success() {
        return Err(format!("docker cp {FRONTEND}:/gofront: {}", String::from_utf8_lossy(&copied.stderr)));
    }
    let shared = dir.join("gofront");
    std::fs::rename(&binary, &shared).map_err(|e| format!("{}: {e}", shared.display()))?;
    Ok(shared)
}

/// The Debian stand-ins of `images/build-debian.sh` (`gofront-test/debian:12`,
/// `gofront-test/distroless-static`), built once per machine; a failure fails the test.
pub fn debian_stand_ins() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let h = harness();
    if let Err(e) = READY.get_or_init(|| script(&h.root, &["images/build-debian.sh"])) {
        panic!("building the Debian stand-in images failed:\n{e}");
    }
}

/// Another offline Go toolchain image (`images/build-golang.sh TAG VERSION`), built once per machine.
pub fn golang_image(tag: &str, version: &str) {
    let h = harness();
    if let Err(e) = script(&h.root, &["images/build-golang.sh", tag, version]) {
        panic!("building the Go {version} toolchain image failed:\n{e}");
    }
}

fn script(root: &Path, argv: &[&str]) -> Result<(), String> {
    let out = Command::new("bash")
        .args(argv)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", argv.join(" ")))?;
    // What the set-up scripts say (built, or up to date and not rebuilt) belongs in the test log.
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(format!(
            "`{}` failed ({}):\n{}\n{}",
            argv.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

fn start_proxy(root: &Path) -> Result<String, String> {
    let proxy = ModuleProxy::start_in(root, 0, &[])?;
    let url = proxy.url.clone();
    *PROXY.lock().map_err(|_| "proxy lock poisoned")? = Some(proxy);
    Ok(url)
}

/// A loopback Go module proxy serving tests/fixtures/modules; stopped when dropped.
pub struct ModuleProxy {
    child: Child,
    // The proxy's layout: here, so that it goes even when the proxy is killed.
    _layout: tempfile::TempDir,
    pub port: u16,
    pub url: String,
}

impl ModuleProxy {
    /// A proxy of the test's own, on a free port.
    pub fn start() -> ModuleProxy {
        ModuleProxy::start_in(&harness().root, 0, &[]).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A proxy on `port` (0: a free one) with extra modproxy.py flags, e.g. `--die-on-zip`.
    pub fn start_with(port: u16, flags: &[&str]) -> ModuleProxy {
        ModuleProxy::start_in(&harness().root, port, flags).unwrap_or_else(|e| panic!("{e}"))
    }

    fn start_in(root: &Path, port: u16, flags: &[&str]) -> Result<ModuleProxy, String> {
        let layout = tempfile::Builder::new()
            .prefix("gofront-modproxy-")
            .tempdir()
            .map_err(|e| format!("cannot make the module proxy's directory: {e}"))?;
        let mut child = Command::new("python3")
            .arg(root.join("tests/modproxy.py"))
            .arg("--src")
            .arg(root.join("tests/fixtures/modules"))
            .arg("--out")
            .arg(layout.path())
            .args(["--port", &port.to_string()])
            .args(flags)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the module proxy: {e}"))?;
        let stdout = child.stdout.take().ok_or("module proxy has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(|e| format!("module proxy: {e}"))?;
        let port: u16 = line.trim().parse().map_err(|_| format!("module proxy printed {line:?}, not a port"))?;
        Ok(ModuleProxy { child, _layout: layout, port, url: format!("http://127.0.0.1:{port}") })
    }

    /// Stops serving: the URL stays the same, but nothing answers there any more.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err(),
            "the module proxy still answers on {}",
            self.url
        );
    }
}

impl Drop for ModuleProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static REGISTRY: OnceLock<Result<LocalRegistry, String>> = OnceLock::new();

/// A registry on 127.0.0.1 (Debian's docker-registry), for `type=registry` caches and pushes.
/// Started once per test binary, with its storage in a temporary directory.
pub fn registry() -> &'static str {
    match REGISTRY.get_or_init(start_registry) {
        Ok(registry) => &registry.address,
        Err(e) => panic!("cannot start a local registry: {e}"),
    }
}

/// When a build failed on a 500 from the local registry: the errors the registry logged.
fn registry_failure(log: &str) -> Option<String> {
    let Some(Ok(registry)) = REGISTRY.get() else { return None };
    if !(log.contains("500 Internal Server Error") && log.contains(&registry.address)) {
        return None;
    }
    let text = std::fs::read_to_string(&registry.log).unwrap_or_default();
    Some(text.lines().filter(|line| line.contains("http.response.status=5")).collect::<Vec<_>>().join("\n"))
}

/// The running registry: its address and log, and the pipe that keeps it alive.
struct LocalRegistry {
    address: String,
    log: PathBuf,
    _lifeline: Mutex<Lifeline>,
}

/// A helper process that serves for as long as its stdin is open, then stops what it started and
/// removes its files. A test binary's statics are never dropped; its pipes close when it exits,
/// however it exits, so nothing it started outlives it.
struct Lifeline {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Lifeline {
    fn spawn(command: &mut Command) -> std::io::Result<Lifeline> {
        let mut child = command.stdin(Stdio::piped()).spawn()?;
        let stdin = child.stdin.take();
        Ok(Lifeline { child, stdin })
    }
}

/// A free TCP port on 127.0.0.1 below the kernel's ephemeral range (32768 and up). A port from
/// that range can be polled into a connection to itself: while nothing listens yet, the kernel
/// may pick the very port as the poll's source, and the "server" that answers is the poll.
pub fn free_port() -> Result<u16, String> {
    let seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
            ^ std::process::id();
    (0..2_000u32)
        .map(|i| 20_000 + ((seed.wrapping_add(i.wrapping_mul(7_919))) % 12_000) as u16)
        .find(|&port| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok())
        .ok_or_else(|| "no free port on 127.0.0.1 between 20000 and 32000".to_string())
}

fn start_registry() -> Result<LocalRegistry, String> {
    let port = free_port()?;
    let dir = std::env::temp_dir().join(format!("gofront-e2e-registry-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let config = dir.join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.join("storage").display()
        ),
    )
    .map_err(|e| e.to_string())?;
    // The registry's errors go to its log, read when a push fails; the directory goes with it.
    let log = dir.join("registry.log");
    let serve = r#"docker-registry serve "$1/config.yml" >/dev/null 2>"$1/registry.log" & pid=$!
cat >/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$1""#;
    let mut lifeline = Lifeline::spawn(Command::new("sh").args(["-c", serve, "sh"]).arg(&dir)).map_err(|e| {
        format!("docker-registry (Debian package docker-registry, installed by tests/engine/test-tools.sh): {e}")
    })?;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(LocalRegistry { address: format!("127.0.0.1:{port}"), log, _lifeline: Mutex::new(lifeline) });
        }
        if let Ok(Some(status)) = lifeline.child.try_wait() {
            let errors = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("docker-registry exited ({status}):\n{errors}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("docker-registry did not listen on 127.0.0.1:{port} within 10 s"))
}

/// A Docker Engine of the test's own (tests/engine/throwaway.sh), for a test that needs a fresh
/// runner or an empty cache: it may prune this one, never the shared engine. It starts with the
/// frontend and Go images loaded from the shared engine, and is stopped and removed when dropped.
pub struct ThrowawayEngine {
    host: String,
    lifeline: Lifeline,
}

impl ThrowawayEngine {
    /// Starts an engine like the one under test (panics, failing the test, when it cannot).
    pub fn start() -> ThrowawayEngine {
        let h = harness();
        let mut lifeline = Lifeline::spawn(
            Command::new("bash")
                .arg(h.root.join("tests/engine/throwaway.sh"))
                .arg(engine().to_string())
                .stdout(Stdio::piped()),
        )
        .unwrap_or_else(|e| panic!("cannot run tests/engine/throwaway.sh: {e}"));
        let stdout = lifeline.child.stdout.take().expect("piped stdout");
        let (sender, ready) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = ready.recv_timeout(Duration::from_secs(180)).unwrap_or_default();
        let Some(host) = line.trim().strip_prefix("ready ").map(str::to_string) else {
            panic!("the throwaway engine did not start (its errors are above): {line:?}");
        };
        let engine = ThrowawayEngine { host, lifeline };
        engine.load(&[FRONTEND, GOLANG]);
        engine
    }

    /// Copies images from the shared engine, as a runner that pulled them would have them.
    pub fn load(&self, images: &[&str]) {
        let mut save = docker(600).arg("save").args(images).stdout(Stdio::piped()).spawn().expect("docker save");
        let stream = save.stdout.take().expect("piped stdout");
        let loaded = self.enter_then(|| docker(600).arg("load").stdin(stream).output().expect("docker load"));
        let saved = save.wait().expect("docker save");
        assert!(
            saved.success() && loaded.status.success(),
            "cannot copy {images:?} into the throwaway engine: {}",
            String::from_utf8_lossy(&loaded.stderr)
        );
    }

    /// Until the guard is dropped, this thread's docker commands go to this engine.
    pub fn enter(&self) -> EngineGuard {
        let previous = ENGINE_HOST.with(|h| h.replace(Some(self.host.clone())));
        EngineGuard { previous }
    }

    fn enter_then<R>(&self, work: impl FnOnce() -> R) -> R {
        let _guard = self.enter();
        work()
    }

    /// `docker builder prune -af` on this engine alone.
    pub fn prune(&self) {
        let out = self.enter_then(|| docker(900).args(["builder", "prune", "-af"]).output().expect("prune"));
        assert!(out.status.success(), "prune failed: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for ThrowawayEngine {
    fn drop(&mut self) {
        // Closing its stdin makes the script stop the engine and remove its files; wait for that.
        drop(self.lifeline.stdin.take());
        for _ in 0..600 {
            if let Ok(Some(_)) = self.lifeline.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.lifeline.child.kill();
        let _ = self.lifeline.child.wait();
    }
}

/// While alive, the thread's docker commands go to a throwaway engine.
pub struct EngineGuard {
    previous: Option<String>,
}

impl Drop for EngineGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        ENGINE_HOST.with(|h| *h.borrow_mut() = previous);
    }
}

/// A copy of a fixture Go project in a temporary directory, with a Gofile written for the test.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn from_fixture(name: &str) -> Project {
        let h = harness();
        let dir = tempfile::tempdir().expect("temp dir");
        let status = Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", h.root.join("tests/fixtures").join(name).display()))
            .arg(dir.path())
            .status()
            .expect("cp");
        assert!(status.success(), "copying fixture {name} failed");
        Project { dir }
    }

    /// A build context with nothing in it yet (a `version` build needs only its Gofile).
    pub fn empty() -> Project {
        harness();
        Project { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes the Gofile, with the test frontend on its `# syntax=` line.
    pub fn gofile(&self, body: &str) -> &Self {
        self.write("Gofile", &format!("# syntax={FRONTEND}\n{body}"))
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
        self
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Self {
        let path = self.dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, bytes).expect("write");
        self
    }

    /// Edits a Go file (`from` becomes `to`) and marks it with a line no earlier run wrote: the
    /// engine's build cache is shared and content-addressed, so a run that repeats an earlier
    /// run's edit would find that package compiled already.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} has no {from:?}");
        self.write(rel, &format!("{}\n// edited by test run {}-{nanos}\n", text.replace(from, to), std::process::id()));
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).expect("read")
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.dir.path().join(rel)).expect("remove");
    }

    /// `docker buildx build -f Gofile --progress=plain` with the test toolchain and module proxy
    /// ([`buildx`]); extra args appended.
    pub fn build(&self, extra: &[&str]) -> Build {
        let mut args = vec!["--progress=plain".to_string()];
        // tests/run.sh runs the suites a second time with the CI-only dependency layers forced on.
        if let Ok(layers) = std::env::var("GOFRONT_E2E_DEPENDENCY_LAYERS") {
            args.extend(["--build-arg".to_string(), format!("GOFRONT_DEPENDENCY_LAYERS={layers}")]);
        }
        args.extend(extra.iter().map(|a| a.to_string()));
        // A build that names no output would load an untagged image into the engine (buildx's
        // docker driver does that by default; a test or vet target's is an empty one): nothing
        // a test leaves behind.
        if !extra.iter().any(|a| NAMES_AN_OUTPUT.contains(a)) {
            args.extend(["--output".to_string(), "type=cacheonly".to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut build = Build::from(buildx(self.dir.path(), "Gofile", "builder", &args));
        let registry_failed = if build.success { None } else { registry_failure(&build.log) };
        if let Some(errors) = registry_failed {
            // Debian's docker-registry 2.8 writes a tag's link file in place (truncate, then
            // write; upstream now writes a temporary file and renames it), so a HEAD of the tag
            // that races the engine's own PUT of it can read an empty link and answer 500. That is
            // the test registry failing, not the build: the push is repeated once.
            println!("the local registry answered 500 during a push; pushing again. Its errors:\n{errors}");
            build = Build::from(buildx(self.dir.path(), "Gofile", "builder", &args));
        }
        if std::env::var("GOFRONT_E2E_DEPENDENCY_LAYERS").is_ok_and(|v| v == "on")
            && build.success
            && build.log.contains("[gofront] go build")
            // A `version` build's compile is keyed by the module version alone: no layers to add.
            && !build.log.lines().any(|l| l.contains("[gofront] go mod download ") && l.contains('@'))
        {
            assert!(
                build.log.contains("[gofront] compile dependencies"),
                "GOFRONT_DEPENDENCY_LAYERS=on, but the build had no dependency layers:\n{}",
                build.log
            );
        }
        build
    }
}

/// `docker buildx build -f FILE EXTRA... .` in `dir`, under [`BUILD_TIMEOUT`], with what every
/// test build gets: the offline Go toolchain as the named context `builder_context` (never a real
/// golang tag), the test module proxy, and host networking to reach it.
pub fn buildx(dir: &Path, file: &str, builder_context: &str, extra: &[&str]) -> Output {
    docker(BUILD_TIMEOUT)
        .args(["buildx", "build", "--network=host", "-f", file])
        .arg("--build-context")
        .arg(format!("{builder_context}=docker-image://{GOLANG}"))
        .arg("--build-arg")
        .arg(format!("GOPROXY={}", harness().proxy))
        .args(["--build-arg", "GOSUMDB=off"])
        .args(extra)
        .arg(".")
        .current_dir(dir)
        .output()
        .expect("docker buildx build")
}

/// The engine under test: 26 (Docker 26.1, buildx 0.13) or 28 (Docker 28.5, buildx 0.29), as
/// tests/engine/setup.sh and env.sh set it up.
pub fn engine() -> u32 {
    std::env::var("GOFRONT_ENGINE").ok().and_then(|e| e.parse().ok()).unwrap_or(26)
}

/// The buildx flags of an information request: `--print=REQUEST` on buildx 0.13 (experimental
/// there, with `BUILDX_EXPERIMENTAL=1`), `--call=…` on newer buildx (`lint` is `--call=check`
/// there). buildx 0.13 exports a `--print` build's empty result as any other (its docker driver
/// loads an untagged image of it, with any frontend): there it goes nowhere.
pub fn request_flags(request: &str) -> Vec<String> {
    match (engine(), request) {
        (26, _) => vec![format!("--print={request}"), "--output".into(), "type=cacheonly".into()],
        (_, "lint") => vec!["--call=check".into()],
        (_, other) => vec![format!("--call={other}")],
    }
}

impl Project {
    /// An information request ([`request_flags`]). Returns what buildx printed.
    pub fn print(&self, request: &str) -> Build {
        let out = docker(300)
            .env("BUILDX_EXPERIMENTAL", "1")
            .args(["buildx", "build", "--network=host", "-f", "Gofile"])
            .args(request_flags(request))
            .arg(".")
            .current_dir(self.dir.path())
            .output()
            .expect("docker buildx build --print");
        Build::from(out)
    }
}

/// What one `docker buildx build` did.
pub struct Build {
    pub success: bool,
    /// Progress output and errors (buildx writes both to stderr).
    pub log: String,
}

impl From<Output> for Build {
    fn from(out: Output) -> Build {
        let mut log = String::from_utf8_lossy(&out.stdout).into_owned();
        log.push_str(&String::from_utf8_lossy(&out.stderr));
        Build { success: out.status.success(), log }
    }
}

impl Build {
    pub fn ok(self) -> Build {
        assert!(self.success, "build failed:\n{}", self.log);
        self
    }

    pub fn failed(self) -> Build {
        assert!(!self.success, "build unexpectedly succeeded:\n{}", self.log);
        self
    }

    /// The progress id (`#N`) of the step whose name contains `name`.
    fn step_id(&self, name: &str) -> Option<String> {
        self.log
            .lines()
            .filter_map(|l| l.strip_prefix('#'))
            .find(|l| l.contains(name))
            .and_then(|l| l.split_whitespace().next())
            .map(str::to_string)
    }

    fn step_has(&self, id: &str, status: &str) -> bool {
        let prefix = format!("{id} {status}");
        self.log.lines().filter_map(|l| l.strip_prefix('#')).any(|l| l.starts_with(&prefix))
    }

    /// Whether the step whose progress name contains `name` was served from the cache.
    pub fn step_cached(&self, name: &str) -> Option<bool> {
        let id = self.step_id(name)?;
        Some(self.step_has(&id, "CACHED"))
    }

    /// What the step printed, line by line, without the progress id and timestamp. A build
    /// without such a step fails the test: "printed nothing" must not pass for a renamed step.
    pub fn step_output(&self, name: &str) -> Vec<String> {
        let Some(id) = self.step_id(name) else { panic!("the build has no step {name:?}:\n{}", self.log) };
        let prefix = format!("#{id} ");
        self.log
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .filter_map(|l| l.split_once(' '))
            .filter(|(time, _)| time.parse::<f64>().is_ok())
            .map(|(_, text)| text.to_string())
            .collect()
    }

    /// The packages the build's own compile compiled (`go build -v` names each), every one of
    /// them checked to be under `module`: the rest came from a layer. A compile that printed
    /// none fails too.
    pub fn compiled_only_under(&self, module: &str) -> Vec<String> {
        let packages = self.step_output("[gofront] go build");
        assert!(!packages.is_empty(), "the compile printed no packages:\n{}", self.log);
        for package in &packages {
            assert!(package.starts_with(module), "{package} was compiled by the build's compile:\n{}", self.log);
        }
        packages
    }

    /// Whether the step was executed: its progress ends in DONE. A cache hit shows CACHED, and
    /// BuildKit sometimes reports a cache hit whose result another step no longer needed as
    /// CANCELED when builds run concurrently; neither ran the command.
    pub fn step_ran(&self, name: &str) -> Option<bool> {
        let id = self.step_id(name)?;
        Some(self.step_has(&id, "DONE"))
    }
}

/// A build arg that gives a test's Go steps cache keys no other build has: a `GOINSECURE`
/// pattern that matches no module. (A cache-mount namespace alone does not: BuildKit 0.14 and
/// newer leave cache mount ids out of a step's cache key, so on Docker 28 two builds that differ
/// only in BUILDKIT_CACHE_MOUNT_NS share their steps. The namespace still separates the mounts'
/// contents.)
pub fn own_keys(test: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("GOINSECURE={test}-{}-{nanos}.invalid", std::process::id())
}

/// A unique image tag for one test: test binaries (and the dependency-layers pass) may run at
/// the same time, so the tag names the binary and the pass too.
pub fn tag(test: &str) -> String {
    let exe = std::env::current_exe().ok();
    let stem = exe.as_ref().and_then(|p| p.file_stem()).map(|s| s.to_string_lossy().into_owned());
    // cargo names test binaries NAME-HASH.
    let binary = stem.as_deref().map_or("test", |s| s.rsplit_once('-').map_or(s, |(name, _)| name)).to_string();
    let pass = if std::env::var_os("GOFRONT_E2E_DEPENDENCY_LAYERS").is_some() { "-layers" } else { "" };
    format!("gofront-e2e/{binary}{pass}-{test}:latest")
}

/// `docker run --rm --network=none IMAGE args…`; returns (success, stdout+stderr).
pub fn run(image: &str, args: &[&str]) -> (bool, String) {
    let once = || {
        let out = docker(120).args(["run", "--rm", "--network=none", image]).args(args).output().expect("docker run");
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status, text)
    };
    let (mut status, mut text) = once();
    // Docker 26.1 now and then loses a short-lived container's output and status ("stream copy
    // error: reading from a closed fifo" in the daemon log): a failure that printed nothing at all
    // is tried once more. A real failure prints something, and is reported as it is.
    if !status.success() && text.trim().is_empty() {
        (status, text) = once();
    }
    if !status.success() {
        text.push_str(&format!("\n[docker run {image}: {status}]"));
    }
    (status.success(), text)
}

/// `docker image inspect` as JSON, or None when the image does not exist.
pub fn inspect(image: &str) -> Option<serde_json::Value> {
    let out = docker(60).args(["image", "inspect", image]).output().expect("docker image inspect");
    if !out.status.success() {
        return None;
    }
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    list.get(0).cloned()
}

pub fn remove_image(image: &str) {
    let _ = docker(60).args(["image", "rm", "-f", image]).output();
}
