//! A Gofile through the whole pure pipeline: parse, plan against a go.mod, emit LLB, eject a
//! Dockerfile, run the lint rules, and render any error the way buildx shows it. None of it may
//! panic.
#![no_main]

use gofront::gofile;
use gofront::gomod;
use gofront::plan::layout::ContextFiles;
use gofront::plan::stages::{self, ContextSource, ResolvedImage};
use gofront::plan::{self, BuildOptions};
use gofront::platform::Platform;
use libfuzzer_sys::fuzz_target;

const GOMOD: &str = "module example.com/shop\n\ngo 1.22\n\nrequire example.com/greet v1.0.0\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let gofile = match gofile::parse(text) {
        Ok(gofile) => gofile,
        Err(diagnostic) => {
            let _ = diagnostic.render("Gofile", text);
            return;
        }
    };
    let mut files = ContextFiles::default();
    for path in ["go.mod", "go.sum", "cmd/shop/main.go"] {
        files.paths.insert(path.to_string());
    }
    files.texts.insert("go.mod".into(), GOMOD.into());
    let layout = match plan::layout::locate(&gofile, &files) {
        Ok(layout) => layout,
        Err(diagnostic) => {
            let _ = diagnostic.render("Gofile", text);
            return;
        }
    };
    let Some(build_platform) = Platform::parse("linux/amd64") else { return };
    for cache_imported in [false, true] {
        let options = BuildOptions {
            build_platform: build_platform.clone(),
            target_platform: Platform::parse("linux/arm/v7"),
            cache_imported,
            ..Default::default()
        };
        match plan::plan(&gofile, &layout, &options) {
            Ok(plan) => {
                let Ok(config) = gofront::image::ImageConfig::from_json(br#"{"os":"linux","architecture":"amd64"}"#)
                else {
                    return;
                };
                let builder =
                    ResolvedImage { reference: plan.builder.reference.clone(), config, package_manager: None };
                let emitted = stages::emit(&plan, &ContextSource::default(), &builder, None);
                let _ = emitted.graph.definition(&emitted.result, None);
            }
            Err(diagnostic) => {
                let _ = diagnostic.render("Gofile", text);
            }
        }
    }
    // The Dockerfile eject writes and the lint rules' findings come from the same inputs.
    if let Ok(dockerfile) = gofront::eject::eject("Gofile", &gofile, &files, build_platform.clone()) {
        assert!(dockerfile.contains("FROM "), "an ejected Dockerfile without a stage");
    }
    let args = std::collections::BTreeMap::from([("VERSON".to_string(), "1".to_string())]);
    let input = gofront::lint::Input {
        gofile: Some(&gofile),
        gomod: Some(("go.mod", GOMOD)),
        gosum: Some(""),
        build_args: Some(&args),
        builder_go: Some("1.21.0"),
        base_user: Some("node"),
        ..Default::default()
    };
    let _ = gofront::lint::check(&input);
    let _ = gomod::parse(GOMOD);
});
