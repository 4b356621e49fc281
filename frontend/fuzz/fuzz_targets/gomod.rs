//! go.mod and go.work text as a repository may hold it, through the parsers and the lint rules;
//! and the SBOM step's `go version -m` reader.
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
    // The lint rules read go.mod, go.sum and vendor/modules.txt from the context.
    if let Ok(gofile) = gofront::gofile::parse("module = \"a.b/c\"\nmain = \".\"\n") {
        for vendored in [false, true] {
            let input = gofront::lint::Input {
                gofile: Some(&gofile),
                gomod: Some(("go.mod", &text)),
                gosum: Some(&text),
                modules_txt: vendored.then_some(&*text),
                builder_go: Some(&text),
                ..Default::default()
            };
            let _ = gofront::lint::check(&input);
        }
    }
    // `go version -m` output, as the SBOM step reads it.
    let _ = gofront::sbom::spdx(&gofront::sbom::parse(&text), "fuzz", "1970-01-01T00:00:00Z");
});
