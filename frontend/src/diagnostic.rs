//! A user-facing error: what is wrong, where in the Gofile, and how to fix it.

use std::fmt;
use std::ops::Range;

use crate::gofile::span::line_col;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    /// Byte range in the Gofile, when the problem has a place there.
    pub span: Option<Range<usize>>,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), span: None, hint: None }
    }

    pub fn at(mut self, span: Range<usize>) -> Self {
        self.span = Some(span);
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `Gofile:3:9: message (hint: …)`, the form shown to users.
    pub fn render(&self, filename: &str, text: &str) -> String {
        let mut out = String::new();
        match &self.span {
            Some(span) => {
                let at = line_col(text, span.start);
                out.push_str(&format!("{filename}:{}:{}: ", at.line, at.column));
            }
            None => out.push_str(&format!("{filename}: ")),
        }
        out.push_str(&self.message);
        if let Some(hint) = &self.hint {
            out.push_str(&format!(" (hint: {hint})"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}
