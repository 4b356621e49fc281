//! The ejected Dockerfile for a typical Gofile, as a snapshot: what `gofront eject` writes is
//! reviewed like code, and the same Gofile always gives the same bytes.

const GOFILE: &str = r#"# syntax=ghcr.io/org/gofront:1
module = "example.com/shop"
main = "./cmd/shop"
ldflags = "-X main.version=${VERSION} -X main.channel=${CHANNEL:-stable}"
tags = ["netgo"]
ports = [8080]
labels = { team = "shop" }
healthcheck = { cmd = ["/app/shop", "-health"], interval = "30s" }
base = "debian"
packages = ["ca-certificates"]

[targets.migrate]
main = "./cmd/migrate"
args = ["up"]
"#;

/// A context with the Gofile, go.mod, go.sum and the two main packages.
fn context() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("Gofile", GOFILE);
    write("go.mod", "module example.com/shop\n\ngo 1.24\n");
    write("go.sum", "");
    write("cmd/shop/main.go", "package main\n\nfunc main() {}\n");
    write("cmd/migrate/main.go", "package main\n\nfunc main() {}\n");
    dir
}

fn ejected(dir: &std::path::Path) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let read = runtime.block_on(gofront::local::read(dir, std::path::Path::new("Gofile"), None)).expect("read");
    read.eject().expect("eject")
}

#[test]
fn a_typical_gofile_ejects_to_this_dockerfile() {
    let dir = context();
    let text = ejected(dir.path());
    // The first line names the release and the temporary directory; the rest is the snapshot.
    let body: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    insta::assert_snapshot!("shop_dockerfile", body);
    assert_eq!(text, ejected(dir.path()), "two ejections of one Gofile differ");
}
