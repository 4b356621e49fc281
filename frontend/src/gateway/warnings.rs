//! Lint findings as BuildKit sees them: warnings in a build's progress (the gateway's Warn call),
//! and the `frontend.lint` answer, both pointing into the Gofile or go.mod.

use crate::lint::{File, Finding};
use crate::proto::moby::buildkit::v1::frontend as gw;
use crate::proto::pb;

/// The files findings point into: (name, text).
pub struct Sources {
    pub gofile: (String, String),
    pub gomod: Option<(String, String)>,
}

impl Sources {
    /// The file a finding is in, as (name, text); go.mod findings fall back to the Gofile.
    pub fn of(&self, finding: &Finding) -> (&str, &str, &'static str) {
        match (&finding.file, &self.gomod) {
            (File::Context(_), Some((name, text))) => (name, text, "go.mod"),
            _ => (&self.gofile.0, &self.gofile.1, "toml"),
        }
    }
}

/// Whole lines, as BuildKit ranges (1-based lines).
pub fn ranges(finding: &Finding) -> Vec<pb::Range> {
    let position = |line: usize| pb::Position { line: line as i32, character: 0 };
    vec![pb::Range { start: Some(position(finding.lines.first)), end: Some(position(finding.lines.last)) }]
}

/// A Warn call for a finding, attached to `digest` (the op that loaded the Gofile). The short
/// form is the Dockerfile frontend's: `<Rule>: <detail> (line N)`.
pub fn request(finding: &Finding, digest: &str, sources: &Sources) -> gw::WarnRequest {
    let (name, text, language) = sources.of(finding);
    gw::WarnRequest {
        digest: digest.to_string(),
        level: 1,
        short: format!("{}: {} ({name} line {})", finding.rule.name, finding.detail, finding.lines.first).into_bytes(),
        detail: vec![finding.rule.description.as_bytes().to_vec()],
        url: finding.rule.url(),
        info: Some(pb::SourceInfo {
            filename: name.to_string(),
            data: text.as_bytes().to_vec(),
            language: language.to_string(),
            definition: None,
        }),
        ranges: ranges(finding),
    }
}
