//! The targets a Gofile builds, declared once: `--target` routing and its did-you-mean,
//! `--call=targets`, the schema's reserved names and eject's stages all read this list.
//! `[targets.NAME]` tables add images of their own after these.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A runtime image (the default one, or a `[targets.NAME]` table's).
    Image,
    /// The binaries alone on an empty filesystem, for `--output type=local`.
    Binary,
    /// `go test ./...`; a failing test fails the build.
    Test,
    /// `go vet ./...`.
    Vet,
    /// The image built for a debugger: no optimizations, Delve as its entrypoint.
    Debug,
    /// The tests with their reports (JUnit, coverage, `go test -json`, the exit status), which
    /// succeeds when tests fail.
    TestReport,
}

#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub kind: Kind,
    pub description: &'static str,
}

pub const BUILTIN: &[Builtin] = &[
    Builtin { name: "image", kind: Kind::Image, description: "the runtime image" },
    Builtin { name: "binary", kind: Kind::Binary, description: "only the binaries, for --output type=local" },
    Builtin { name: "test", kind: Kind::Test, description: "go test ./..." },
    Builtin { name: "vet", kind: Kind::Vet, description: "go vet ./..." },
    Builtin {
        name: "debug",
        kind: Kind::Debug,
        description: "the image for Delve: no optimizations, dlv on port 40000 as the entrypoint",
    },
    Builtin {
        name: "test-report",
        kind: Kind::TestReport,
        description: "go test with junit.xml, coverage.out/html, test.json and status; succeeds when tests fail",
    },
];

pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTIN.iter().find(|b| b.name == name)
}

/// The built-in target of a kind (the default image's, for `Image`).
pub fn name(kind: Kind) -> &'static str {
    BUILTIN.iter().find(|b| b.kind == kind).map_or("image", |b| b.name)
}

pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|b| b.name).collect()
}
