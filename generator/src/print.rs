//! Printing: tokens → formatted Rust (`syn` + `prettyplease`) under the `@generated` header.

use proc_macro2::TokenStream;

/// One file of a generated crate, with its path relative to the crate's root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path inside the crate (`src/models/charge.rs`).
    pub path: String,
    /// The file's text.
    pub contents: String,
}

/// The marker every generated file carries on its first line.
pub const MARKER: &str = "@generated";

/// The `@generated` header every file starts with.
pub struct Header {
    line: String,
}

impl Header {
    /// The header of a crate generated from the spec `title` `version`.
    pub fn new(title: &str, version: &str) -> Self {
        // One line whatever the spec says: a newline in the title would end the comment.
        let (title, version) = (
            crate::emit::code_text(title),
            crate::emit::code_text(version),
        );
        Self { line: format!("{MARKER} by `cargo xtask codegen` from the OpenAPI spec \"{title}\" {version}. Do not edit by hand.") }
    }

    /// As Rust comments.
    pub fn rust(&self) -> String {
        format!("// {}\n\n", self.line)
    }

    /// As TOML comments.
    pub fn toml(&self) -> String {
        format!("# {}\n\n", self.line)
    }
}

/// Parses `tokens` as a Rust file and prints it formatted, under the header.
pub fn print_rust(
    header: &Header,
    path: String,
    tokens: TokenStream,
) -> Result<GeneratedFile, String> {
    let file = parse_file(&path, tokens)?;
    Ok(print_file(header, path, &file))
}

/// Parses `tokens` generated for the file at `path` as a Rust file.
pub fn parse_file(path: &str, tokens: TokenStream) -> Result<syn::File, String> {
    syn::parse2(tokens)
        .map_err(|error| format!("internal error: generated {path} is not valid Rust: {error}"))
}

/// Prints a file already built as a `syn` tree, as [`print_rust`] prints parsed tokens.
pub fn print_file(header: &Header, path: String, file: &syn::File) -> GeneratedFile {
    finish_file(header, path, &prettyplease::unparse(file))
}

/// A file from prettyplease's text of it (after any splicing).
pub fn finish_file(header: &Header, path: String, printed: &str) -> GeneratedFile {
    let contents = format!("{}{}", header.rust(), space_items(printed));
    GeneratedFile { path, contents }
}

/// A blank line between top-level items, as a person would write them (prettyplease leaves
/// none).
fn space_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 20);
    let mut lines = code.lines().peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let is_comment = line.starts_with("//");
        let ends_inner_docs =
            line.starts_with("//!") && lines.peek().is_some_and(|next| !next.starts_with("//!"));
        let ends_item = line == "}"
            || (!line.starts_with(' ') && !is_comment && line.ends_with(';'))
            || line.starts_with("#![")
            || ends_inner_docs;
        let next_is_item = lines.peek().is_some_and(|next| {
            !next.is_empty() && !next.starts_with(' ') && !next.starts_with('}')
        });
        let both_inner =
            line.starts_with("#![") && lines.peek().is_some_and(|next| next.starts_with("#!["));
        // Runs of one-line declarations of one kind (`mod a;`, `mod b;`) stay together.
        let same_run = |prefix: &str| {
            line.starts_with(prefix)
                && lines
                    .peek()
                    .is_some_and(|n| n.starts_with(prefix) && n.ends_with(';'))
        };
        let in_run = line.ends_with(';')
            && ["mod ", "pub mod ", "use ", "pub use ", "rt::define_id!"]
                .into_iter()
                .any(same_run);
        if ends_item && next_is_item && !both_inner && !in_run {
            out.push('\n');
        }
    }
    out
}

/// Whether a file on disk was written by the generator (and so may be replaced or removed).
pub fn is_generated(contents: &str) -> bool {
    contents
        .lines()
        .next()
        .is_some_and(|line| line.contains(MARKER))
}
