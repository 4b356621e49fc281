//! Failures on their way to the user, as the `google.rpc.Status` that Return carries.

use base64::Engine;
use prost_types::Any;
use serde_json::json;

use crate::diagnostic::Diagnostic;
use crate::gofile::span::line_col;
use crate::proto::google::rpc::Status;

/// gRPC code UNKNOWN: BuildKit prints the message alone, without a code name in front.
const UNKNOWN: i32 = 2;
const SOURCE_DETAIL: &str = "github.com/moby/buildkit/errdefs.Source+json";
const SUBREQUEST_DETAIL: &str = "github.com/moby/buildkit/errdefs.Subrequest+json";

#[derive(Debug, thiserror::Error)]
pub enum FrontendError {
    /// Something wrong with the user's input, pointing into the Gofile where it can.
    #[error("{}", diagnostic.render(filename, text))]
    Input { diagnostic: Diagnostic, filename: String, text: String },
    /// BuildKit refused or failed a call; its status carries the details users need. An empty
    /// context passes BuildKit's message on as it is (the build's own steps failing).
    #[error("{}", engine_message(context, status))]
    Engine { context: String, status: tonic::Status },
    /// A subrequest (`--print`, `--check`, `--call`) gofront does not answer.
    #[error("gofront does not support the request {request:?}")]
    Unsupported { request: String },
}

impl FrontendError {
    pub fn engine(context: impl Into<String>) -> impl FnOnce(tonic::Status) -> FrontendError {
        let context = context.into();
        move |status| FrontendError::Engine { context, status }
    }

    pub fn into_status(self) -> Status {
        match self {
            FrontendError::Input { diagnostic, filename, text } => {
                let message = diagnostic.render(&filename, &text);
                // Without a place, the `# syntax` line: otherwise BuildKit attaches the whole file there.
                let span = diagnostic.span.clone().or_else(|| (!text.is_empty()).then_some(0..0));
                let details = span.map(|span| source_detail(&filename, &text, &span)).into_iter().collect();
                Status { code: UNKNOWN, message, details }
            }
            FrontendError::Unsupported { request } => {
                // buildx recognises this typed detail and says the frontend lacks the request.
                let payload = json!({ "name": request });
                let detail = Any { type_url: SUBREQUEST_DETAIL.into(), value: payload.to_string().into_bytes() };
                Status {
                    code: UNKNOWN,
                    message: format!("gofront does not support the request {request:?}"),
                    details: vec![detail],
                }
            }
            FrontendError::Engine { context, status } => {
                // BuildKit's own details (vertex, stack, source) survive the round trip untouched.
                let details = decode_details(status.details());
                Status { code: status.code() as i32, message: engine_message(&context, &status), details }
            }
        }
    }
}

fn engine_message(context: &str, status: &tonic::Status) -> String {
    match (context.is_empty(), status.message().is_empty()) {
        (_, true) => context.to_string(),
        (true, false) => status.message().to_string(),
        (false, false) => format!("{context}: {}", status.message()),
    }
}

/// The source goes into the error's trailers: the lines up to a little past the error are enough
/// for the snippet, and a large Gofile must not make the status too big to deliver.
const SOURCE_DETAIL_MAX: usize = 64 << 10;

fn source_detail(filename: &str, text: &str, span: &std::ops::Range<usize>) -> Any {
    let start = line_col(text, span.start);
    let end = line_col(text, span.end.max(span.start));
    let shown_lines = end.line + 3;
    let cut = text.match_indices('\n').nth(shown_lines - 1).map_or(text.len(), |(i, _)| i + 1);
    let mut shown = &text[..cut];
    if shown.len() > SOURCE_DETAIL_MAX {
        let mut limit = SOURCE_DETAIL_MAX;
        while !shown.is_char_boundary(limit) {
            limit -= 1;
        }
        shown = &shown[..limit];
    }
    let payload = json!({
        "info": {
            "filename": filename,
            "data": base64::engine::general_purpose::STANDARD.encode(shown.as_bytes()),
            "language": "toml",
        },
        "ranges": [{
            "start": { "line": start.line, "character": start.column },
            "end": { "line": end.line, "character": end.column },
        }],
    });
    Any { type_url: SOURCE_DETAIL.into(), value: payload.to_string().into_bytes() }
}

fn decode_details(bytes: &[u8]) -> Vec<Any> {
    use prost::Message;
    if bytes.is_empty() {
        return Vec::new();
    }
    Status::decode(bytes).map(|s| s.details).unwrap_or_default()
}
