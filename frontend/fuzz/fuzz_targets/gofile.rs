//! A Gofile through the whole pure pipeline: parse, plan against a go.mod, write the program,
//! print it as LLB and as a Dockerfile, run the lint rules, and render any error the way buildx
//! shows it. None of it may panic.
#![no_main]

use gofront::gofile;
use gofront::gomod;
use gofront::plan::layout::ContextFiles;
use gofront::plan::{self, steps, BuildOptions};
use gofront::platform::Platform;
use gofront::program::llb::{Printer, ResolvedImage, Settings};
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
                // The program, printed as LLB with its images resolved, and as a Dockerfile.
                let program = steps::program(&plan, Some(steps::PackageManager::Either), &Default::default());
                let mut settings = Settings::default();
                for step in &program.steps {
                    if let gofront::program::Op::Image { reference, .. } = &step.op {
                        let image = ResolvedImage { reference: reference.clone(), config: config.clone() };
                        settings.images.insert(reference.clone(), image);
                    }
                }
                let trees: Vec<_> = program.outputs.iter().map(|o| &o.tree).collect();
                let mut printer = Printer::new(&program, &settings);
                if let Ok(Some(last)) = printer.print(&trees).map(|mut o| o.pop()) {
                    let _ = printer.finish().definition(&last, None);
                }
                let dockerfile = gofront::program::dockerfile::print(&program, "Gofile");
                assert!(dockerfile.contains("FROM "), "a Dockerfile without a stage");
                // The lint rules' findings come from the same inputs.
                if let Ok(gomod) = gomod::parse(GOMOD) {
                    let args = std::collections::BTreeMap::from([("VERSON".to_string(), "1".to_string())]);
                    let facts = gofront::lint::Facts {
                        gofile: &gofile,
                        gomod: &gomod,
                        gomod_path: "go.mod".into(),
                        gosum: Some(""),
                        modules_txt: None,
                        build_args: &args,
                        cgo: false,
                    };
                    let _ = gofront::lint::planned(&facts);
                    let engine = gofront::lint::EngineFacts {
                        builder_go: Some("1.21.0"),
                        base_user: Some("node"),
                        ..Default::default()
                    };
                    let _ = gofront::lint::from_engine(&facts, &engine);
                }
            }
            Err(diagnostic) => {
                let _ = diagnostic.render("Gofile", text);
            }
        }
    }
    let _ = gomod::parse(GOMOD);
});
