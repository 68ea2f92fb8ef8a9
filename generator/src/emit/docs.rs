//! Doc comments from spec descriptions.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc]` attributes, one per line, for a description (nothing for none).
pub fn doc_attrs(doc: Option<&str>) -> TokenStream {
    attrs(doc, false)
}

/// `#![doc]` attributes, for a module's own documentation.
pub fn inner_doc_attrs(doc: Option<&str>) -> TokenStream {
    attrs(doc, true)
}

fn attrs(doc: Option<&str>, inner: bool) -> TokenStream {
    let lines = lines(doc).map(|text| {
        if inner {
            quote!(#![doc = #text])
        } else {
            quote!(#[doc = #text])
        }
    });
    quote!(#(#lines)*)
}

/// The text of each `#[doc]` attribute of a description: a space and the line, or nothing
/// for a blank line.
pub fn lines(doc: Option<&str>) -> impl Iterator<Item = String> {
    let doc = doc.map(str::trim).filter(|d| !d.is_empty()).map(|doc| {
        // Rust refuses a bare CR in a doc comment, and clippy tabs: one newline convention,
        // tabs as four spaces.
        doc.replace("\r\n", "\n")
            .replace('\r', "\n")
            .replace('\t', "    ")
    });
    let lines: Vec<String> = doc
        .iter()
        .flat_map(|doc| doc.lines())
        .map(|line| {
            let line = line.trim_end();
            if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        })
        .collect();
    lines.into_iter()
}

/// A wire value for a doc comment's code span: control characters (tabs, CRs, newlines)
/// escaped so that the comment stays one valid line.
pub fn code_text(wire: &str) -> String {
    wire.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
