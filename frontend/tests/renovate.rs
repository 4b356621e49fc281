//! The README's Renovate configuration finds every pin form the README shows, with the image, the
//! tag and the digest in the groups Renovate reads.

use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).expect("README")
}

/// The first fenced block of `language` after `heading`.
fn block(text: &str, heading: &str, language: &str) -> String {
    let after = &text[text.find(heading).unwrap_or_else(|| panic!("no {heading:?} in the README"))..];
    let fence = format!("```{language}\n");
    let start = after.find(&fence).expect("block") + fence.len();
    after[start..start + after[start..].find("```").expect("end of block")].to_string()
}

#[test]
fn the_renovate_patterns_match_every_pin_form_of_the_readme() {
    let text = readme();
    let config: serde_json::Value =
        serde_json::from_str(&block(&text, "**Pins that Renovate updates.**", "json")).expect("renovate.json");
    let managers = config["customManagers"].as_array().expect("customManagers");
    let patterns: Vec<(regex::Regex, Vec<regex::Regex>)> = managers
        .iter()
        .map(|m| {
            let files = m["fileMatch"].as_array().expect("fileMatch");
            let files =
                files.iter().map(|f| regex::Regex::new(f.as_str().expect("string")).expect("fileMatch")).collect();
            // Renovate applies a match string to the whole file, line by line with (?m).
            let pattern = format!("(?m){}", m["matchStrings"][0].as_str().expect("matchStrings"));
            (regex::Regex::new(&pattern).expect("matchStrings"), files)
        })
        .collect();
    let forms = block(&text, "They update every pin form", "text");
    let mut checked = 0;
    for line in forms.lines() {
        let file = if line.starts_with("//") { "svc/go.mod" } else { "svc/Gofile" };
        let quoted = line.split('"').nth(1);
        let pin = quoted.unwrap_or_else(|| line.split_once('=').map_or("", |(_, p)| p));
        let (image, digest) = pin.split_once('@').map_or((pin, None), |(i, d)| (i, Some(d)));
        // The tag is after the last colon that is not the registry's port.
        let (name, tag) = match image.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
            _ => (image, None),
        };
        let whole = format!("{line}\n");
        let found = patterns
            .iter()
            .filter(|(_, files)| files.iter().any(|f| f.is_match(file)))
            .find_map(|(pattern, _)| pattern.captures(&whole))
            .unwrap_or_else(|| panic!("no pattern matches {line:?}"));
        assert_eq!(found.name("depName").map(|m| m.as_str()), Some(name), "{line}");
        assert_eq!(found.name("currentValue").map(|m| m.as_str()), tag, "{line}");
        assert_eq!(found.name("currentDigest").map(|m| m.as_str()), digest, "{line}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} pin forms");
}
