//! Problems with a spec, each with the place in the spec it concerns.

use std::fmt;

/// One problem, located by file and JSON pointer (and line/column where the parser gave one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The spec file.
    pub file: String,
    /// JSON pointer into the document (`/components/schemas/charge/properties/amount`).
    pub pointer: String,
    /// Line in the file, when known.
    pub line: Option<usize>,
    /// Column in the file, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl Diagnostic {
    /// A problem at `pointer` (a JSON pointer) in `file`.
    pub fn at(file: &str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            pointer: pointer.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if !self.pointer.is_empty() {
            write!(f, " at #{}", self.pointer)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in one run (at least one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Errors(pub Vec<Diagnostic>);

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

impl From<Diagnostic> for Errors {
    fn from(diagnostic: Diagnostic) -> Self {
        Errors(vec![diagnostic])
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Reads one JSON pointer segment back (RFC 6901): the inverse of [`pointer_segment`].
pub fn unescape_segment(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}
