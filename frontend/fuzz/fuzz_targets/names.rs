//! Names from BuildKit's options and the Gofile: platforms and image references.
#![no_main]

use gofront::platform::Platform;
use gofront::reference;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(platform) = Platform::parse(&text) {
        let _ = platform.go_env();
        let _ = platform.to_string();
    }
    let normalized = reference::normalize(&text);
    let _ = reference::familiar(&normalized);
    let _ = reference::familiar(&text);
    let _ = reference::pin(&text, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
});
