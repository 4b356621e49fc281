//! go.mod and go.work text as a repository may hold it, through the parsers and the lint rules;
//! Go file headers and build constraints, as the CI layers read them; and the SBOM step's
//! `go version -m` reader.
#![no_main]

use gofront::gomod;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(module) = gomod::parse(&text) {
        let _ = module.go_minor();
    }
    let _ = gomod::parse_work(&text);
    let _ = gomod::minor_version(&text);
    let _ = gofront::gosource::package_name(&text);
    // A Go file's header, whole or cut off, and its constraints for a target.
    let target = gofront::gosource::constraint::Target {
        goos: "linux".into(),
        goarch: "amd64".into(),
        cgo: data.len() % 2 == 0,
        tags: vec!["netgo".into()],
        go_minor: Some(24),
    };
    for whole in [false, true] {
        if let gofront::gosource::Scanned::Header(header) = gofront::gosource::header(&text, whole) {
            let _ = target.includes("file_linux.go", &header);
        }
    }
    let _ = target.matches_expr(&text);
    let _ = target.matches_plus_build(&text);
    let _ = target.matches_file_name(&text);
    let _ = target.other_source(&text);
    // The lint rules read go.mod, go.sum and vendor/modules.txt from the context.
    if let (Ok(gofile), Ok(gomod)) = (gofront::gofile::parse("module = \"a.b/c\"\nmain = \".\"\n"), gomod::parse(&text))
    {
        let build_args = std::collections::BTreeMap::new();
        for vendored in [false, true] {
            let facts = gofront::lint::Facts {
                gofile: &gofile,
                gomod: &gomod,
                gomod_path: "go.mod".into(),
                gosum: Some(&text),
                modules_txt: vendored.then_some(&*text),
                build_args: &build_args,
                cgo: vendored,
            };
            let _ = gofront::lint::planned(&facts);
            let engine =
                gofront::lint::EngineFacts { builder_go: Some(&text), cgo_packages: Some(&text), ..Default::default() };
            let _ = gofront::lint::from_engine(&facts, &engine);
        }
    }
    // `go version -m` output, as the SBOM step reads it.
    let _ = gofront::sbom::spdx(&gofront::sbom::parse(&text), "fuzz", "1970-01-01T00:00:00Z");
});
