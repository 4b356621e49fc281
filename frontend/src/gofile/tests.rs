use super::*;

fn err(text: &str) -> (String, String) {
    let diagnostic = parse(text).expect_err("should fail");
    (diagnostic.render("Gofile", text), diagnostic.hint.unwrap_or_default())
}

#[test]
fn minimal_gofile() {
    let g = parse("# syntax=gofront:1\nmodule = \"example.com/a\"\nmain = \".\"\n").expect("valid");
    assert_eq!(g.module.value, "example.com/a");
    assert_eq!(g.main[0].value, ".");
    assert!(g.tags.is_empty() && g.env.is_empty() && g.base.is_none());
}

#[test]
fn every_key_of_format_v1() {
    let text = r#"# syntax=ghcr.io/org/gofront:1
module = "github.com/mundo/hello"
main = "./cmd/server"
dir = "services/hello"
go = "1.24"
builder = "golang:1.24-alpine"
base = "distroless"
name = "hello-server"
cgo = false
tags = ["netgo", "osusergo"]
ldflags = "-X main.version=${VERSION}"
env = { TZ = "Asia/Shanghai" }
build_env = { GOAMD64 = "v3" }
ports = [8080, "53/udp", 8080]
user = "10001:10001"
workdir = "/srv"
args = ["--listen", ":8080"]
labels = { team = "payments" }
packages = []
files = [{ from = "static/", to = "/app/static" }]

[healthcheck]
cmd = ["/app/hello-server", "-health"]
interval = "30s"
retries = 3
"#;
    let g = parse(text).expect("valid");
    assert_eq!(g.dir.map(|d| d.value).as_deref(), Some("services/hello"));
    assert_eq!(g.name.map(|n| n.value).as_deref(), Some("hello-server"));
    assert_eq!(g.tags.iter().map(|t| t.value.as_str()).collect::<Vec<_>>(), ["netgo", "osusergo"]);
    assert_eq!(g.ports.iter().map(|p| p.value.key()).collect::<Vec<_>>(), ["53/udp", "8080/tcp"]);
    assert_eq!(g.env["TZ"].value, "Asia/Shanghai");
    assert_eq!(g.files[0].value, FileCopy { from: "static/".into(), to: "/app/static".into() });
    let health = g.healthcheck.expect("healthcheck").value;
    assert_eq!(health.retries, Some(3));
    assert_eq!(health.interval.as_deref(), Some("30s"));
}

#[test]
fn unknown_keys_name_line_column_and_suggest() {
    let (msg, hint) = err("module = \"a.b/c\"\nmian = \".\"\n");
    assert_eq!(msg, "Gofile:2:1: unknown key `mian` (hint: did you mean `main`?)");
    assert_eq!(hint, "did you mean `main`?");
    let (msg, _) = err("module = \"a.b/c\"\nmain = \".\"\nldflag = \"\"\n");
    assert!(msg.contains("did you mean `ldflags`?"), "{msg}");
    let (msg, _) = err("module = \"a.b/c\"\nmain = \".\"\nzzzzzz = 1\n");
    assert!(msg.contains("the keys gofile v1 knows are: module, version, main"), "{msg}");
}

#[test]
fn wrong_types_say_what_was_expected() {
    let (msg, _) = err("module = \"a.b/c\"\nmain = 3\n");
    assert_eq!(
        msg,
        "Gofile:2:8: `main` must be a string, not an integer (hint: for example `main = \"./cmd/server\"`)"
    );
    let (msg, _) = err("module = \"a.b/c\"\nmain = \".\"\ntags = \"netgo\"\n");
    assert!(msg.starts_with("Gofile:3:8: `tags` must be a list, not a string"), "{msg}");
    let (msg, _) = err("module = \"a.b/c\"\nmain = \".\"\ncgo = \"yes\"\n");
    assert!(msg.contains("`cgo` must be true or false"), "{msg}");
}

#[test]
fn required_keys() {
    let (msg, hint) = err("main = \".\"\n");
    assert!(msg.contains("the required key `module` is missing"), "{msg}");
    assert!(hint.contains("module = "), "{hint}");
    let (msg, _) = err("module = \"a.b/c\"\n");
    assert!(msg.contains("`main` is missing"), "{msg}");
}

#[test]
fn invalid_toml_has_a_position() {
    let (msg, _) = err("module = \"a.b/c\nmain = \".\"\n");
    assert!(msg.starts_with("Gofile:1:"), "{msg}");
    assert!(msg.contains("invalid TOML"), "{msg}");
}

#[test]
fn bad_values() {
    let cases = [
        ("main = \"cmd/server\"", "must be a package directory inside the module"),
        ("main = \"./../x\"", "must be a package directory inside the module"),
        ("go = \"latest\"", "`go` is not a Go version"),
        ("name = \"a/b\"", "`name` must be a plain file name"),
        ("ports = [70000]", "not a valid port"),
        ("ports = [\"80/icmp\"]", "not a valid port"),
        ("user = \"www-data\"", "`user` must be \"nonroot\", \"root\", or a numeric uid[:gid]"),
        ("tags = [\"a b\"]", "is not a valid Go build tag"),
        ("env = { \"1X\" = \"y\" }", "is not a valid environment variable name"),
        ("workdir = \"app\"", "`workdir` must be an absolute path"),
        ("dir = \"../elsewhere\"", "`dir` must stay inside the build context"),
        ("files = [{ from = \"../secret\", to = \"/x\" }]", "`from` must stay inside the build context"),
        ("files = [{ from = \"a\" }]", "needs both `from` and `to`"),
        ("healthcheck = { cmd = [\"x\"], intervall = \"3s\" }", "did you mean `interval`?"),
        ("healthcheck = { cmd = [\"x\"], interval = \"3\" }", "is not a duration"),
        ("builder = \"docker-image://golang\"", "is not an image reference"),
        ("module2 = 1", "did you mean `module`?"),
    ];
    for (line, expected) in cases {
        // `main` cases replace the valid main line so the bad value is still on line 3.
        let main = if line.starts_with("main") { "name = \"x\"" } else { "main = \".\"" };
        let text = format!("module = \"a.b/c\"\n{main}\n{line}\n");
        let diagnostic = parse(&text).expect_err(line);
        let rendered = diagnostic.render("Gofile", &text);
        assert!(rendered.contains(expected), "{line}: {rendered}");
        assert!(rendered.starts_with("Gofile:3:"), "{line}: wrong place: {rendered}");
    }
}

#[test]
fn module_paths() {
    assert!(parse("module = \"example.com/a/v2\"\nmain = \".\"\n").is_ok());
    let (msg, _) = err("module = \"example.com//a\"\nmain = \".\"\n");
    assert!(msg.contains("not a valid Go module path"), "{msg}");
}

#[test]
fn several_mains_and_target_tables() {
    let g = parse(
        "module = \"a.b/c\"\nmain = [\"./cmd/api\", \"./cmd/worker\"]\n\n[targets.migrate]\nmain = \"./cmd/migrate\"\nname = \"db-migrate\"\nargs = [\"up\"]\n\n[targets.cron]\nmain = \"./cmd/cron\"\n",
    )
    .expect("valid");
    assert_eq!(g.main.iter().map(|m| m.value.as_str()).collect::<Vec<_>>(), ["./cmd/api", "./cmd/worker"]);
    // Targets keep the order they were written in.
    assert_eq!(g.targets.iter().map(|t| t.name.value.as_str()).collect::<Vec<_>>(), ["migrate", "cron"]);
    assert_eq!(g.targets[0].binary.as_ref().map(|n| n.value.as_str()), Some("db-migrate"));
    assert!(parse("module = \"a.b/c\"\n[targets.x]\nmain = \".\"\n").is_ok(), "targets alone are enough");

    let (msg, _) = err("module = \"a.b/c\"\nmain = [\"./a\", \"./b\"]\nname = \"x\"\n");
    assert!(msg.contains("`name` names a single binary"), "{msg}");
    let (msg, _) = err("module = \"a.b/c\"\nmain = [\"./a\", \"./a\"]\n");
    assert!(msg.contains("lists \"./a\" twice"), "{msg}");
    let (msg, _) = err("module = \"a.b/c\"\n[targets.test]\nmain = \".\"\n");
    assert!(msg.contains("\"test\" cannot name a target"), "{msg}");
    let (msg, _) = err("module = \"a.b/c\"\n[targets.x]\nmian = \".\"\n");
    assert!(msg.contains("unknown key `mian` in [targets.x]") && msg.contains("did you mean `main`?"), "{msg}");
    let (_, hint) = err("module = \"a.b/c\"\n[targets.x]\nmain = \".\"\nldflags = \"-s\"\n");
    assert_eq!(hint, "`ldflags` is a top-level key: move it above the first [targets.*] table");
    let (msg, _) = err("module = \"a.b/c\"\n[targets.x]\nname = \"y\"\n");
    assert!(msg.contains("[targets.x] needs a `main`"), "{msg}");
}

/// Every truncation and a few insertions at every position of a full Gofile: errors, never panics.
#[test]
fn mangled_gofiles_never_panic() {
    let text = "# syntax=x\nmodule = \"a.b/c\"\nmain = [\"./a\", \"./b\"]\nports = [8080, \"53/udp\"]\nenv = { TZ = \"Europe/Berlin\" }\nhealthcheck = { cmd = [\"x\"], interval = \"1m30s\" }\nfiles = [{ from = \"s/\", to = \"/s\" }]\n[targets.w]\nmain = \"./w\"\nname = \"é\"\n";
    let inserts = ["\"", "[", "]", "{", "}", "=", "\n", "é", "${", "0x", "-1", "..", "\u{0}"];
    let mut parsed = 0;
    for end in 0..=text.len() {
        if !text.is_char_boundary(end) {
            continue;
        }
        parsed += usize::from(parse(&text[..end]).is_ok());
        for insert in inserts {
            let mangled = format!("{}{insert}{}", &text[..end], &text[end..]);
            if let Err(diagnostic) = parse(&mangled) {
                // Rendering must cope with any span, too.
                assert!(!diagnostic.render("Gofile", &mangled).is_empty());
            }
        }
    }
    assert!(parsed > 0);
}
