//! go.mod and go.work text as a repository may hold it.
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
});
