//! The ejected Dockerfile for a typical Gofile, as a snapshot: what `gofront eject` writes is
//! reviewed like code, and the same Gofile always gives the same bytes.

use gofront::plan::ContextFiles;
use gofront::platform::Platform;

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

fn context() -> ContextFiles {
    let mut files = ContextFiles::default();
    for path in ["go.mod", "go.sum", "cmd/shop/main.go", "cmd/migrate/main.go"] {
        files.paths.insert(path.to_string());
    }
    files.texts.insert("go.mod".into(), "module example.com/shop\n\ngo 1.24\n".into());
    files
}

fn ejected() -> String {
    let gofile = gofront::gofile::parse(GOFILE).expect("Gofile");
    let platform = Platform::parse("linux/amd64").expect("platform");
    gofront::eject::eject("Gofile", &gofile, &context(), platform).expect("eject")
}

#[test]
fn a_typical_gofile_ejects_to_this_dockerfile() {
    let text = ejected();
    // The version line changes with every release; the rest is the snapshot.
    let body: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    insta::assert_snapshot!("shop_dockerfile", body);
    assert_eq!(text, ejected(), "two ejections of one Gofile differ");
}
