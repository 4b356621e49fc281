//! .dockerignore files, including BOMs, CRLF, `!` re-includes and odd paths.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = gofront::dockerignore::patterns(&text);
});
