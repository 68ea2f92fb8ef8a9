//! Spliced lines: the most repeated parts of the generated code (struct fields, enum
//! variants, match arms, setters, whole enums, structs and statics) written straight as the
//! text `prettyplease` prints for them, instead of tokens that are built, parsed and printed.
//!
//! An emitter offers each such part twice: as text, written only where prettyplease's layout
//! of it is certain (see [`Lines`]: a line that fits, a few breaking rules measured on the
//! official spec, else prettyplease itself on the part alone, in a context of the same depth),
//! and as tokens. A run of text parts goes into the file's tokens as one placeholder
//! (`fn __apigen_spliced_lines_placeholder_0() {}`, `... => {}`, a statement, a field or a
//! variant), printed on a line of its own at the run's indentation, and [`Splicer::splice`]
//! puts the text in its place. `Splicer::new(false)` makes every part tokens: a test
//! generates specs both ways and compares every file.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::types::Ty;

/// prettyplease's line width and the least room it leaves after deep indentation.
const MARGIN: usize = 89;
const MIN_SPACE: usize = 60;

/// The placeholder's name: longer than the 34 columns under which prettyplease keeps a
/// struct literal on one line, so that a literal holding one is always broken (as its
/// fields, which are only spliced when wider than that, would break it).
const PLACEHOLDER: &str = "__apigen_spliced_lines_placeholder_";

/// Where a run of text parts stands, which decides how its placeholder is written.
#[derive(Clone, Copy)]
pub enum Site {
    /// An item of an `impl` block.
    ImplItem,
    /// Match arms.
    Arm,
    /// Statements of a block.
    Stmt,
    /// Fields of a struct definition or of a struct literal.
    Field,
    /// Variants of an enum.
    Variant,
    /// Top-level items.
    Item,
}

/// The text parts of one file.
pub struct Splicer {
    enabled: bool,
    runs: RefCell<Vec<Lines>>,
}

impl Splicer {
    /// Text wherever it prints as the tokens would, or (`enabled` false) tokens everywhere,
    /// which is what the text is checked against.
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            runs: RefCell::default(),
        }
    }

    /// The parts of one sequence at `indent` (columns): each as `text` writes it where it
    /// can (it returns `None` where a line would not print unbroken), else as `tokens`.
    pub fn run<T>(
        &self,
        site: Site,
        indent: usize,
        parts: impl IntoIterator<Item = T>,
        text: impl Fn(&T, &mut Lines) -> Option<()>,
        tokens: impl Fn(&T) -> TokenStream,
    ) -> TokenStream {
        let mut out = TokenStream::new();
        let mut lines = Lines::new(indent);
        for part in parts {
            if self.enabled {
                let mark = lines.text.len();
                if text(&part, &mut lines).is_some() {
                    continue;
                }
                lines.text.truncate(mark);
            }
            self.flush(site, &mut lines, &mut out);
            out.extend(tokens(&part));
        }
        self.flush(site, &mut lines, &mut out);
        out
    }

    /// Top-level items written whole as text, each started by [`Items::next`], if every line
    /// of them fits (`write` returns `None` where one does not). One placeholder per item when
    /// `separate` (a `cfg` put on each item of the tokens still goes before each), else one
    /// for all.
    pub fn items(
        &self,
        separate: bool,
        write: impl FnOnce(&mut Items) -> Option<()>,
    ) -> Option<TokenStream> {
        if !self.enabled {
            return None;
        }
        let mut items = Items(Vec::new());
        write(&mut items)?;
        let mut out = TokenStream::new();
        if !separate {
            let mut all = Lines::new(0);
            all.text = items.0.into_iter().map(|lines| lines.text).collect();
            self.flush(Site::Item, &mut all, &mut out);
            return Some(out);
        }
        for mut lines in items.0 {
            self.flush(Site::Item, &mut lines, &mut out);
        }
        Some(out)
    }

    /// Items of a top-level `impl` block whose tokens recur across a crate (the options'
    /// setters every builder has): printed once per thread for each distinct token text and
    /// spliced in, instead of parsed and printed again each time.
    pub fn recurring_impl_items(&self, tokens: TokenStream) -> TokenStream {
        if !self.enabled || tokens.is_empty() {
            return tokens;
        }
        thread_local! {
            static PRINTED: RefCell<HashMap<String, Option<String>>> = RefCell::default();
        }
        let printed = PRINTED.with_borrow_mut(|printed| {
            printed
                .entry(tokens.to_string())
                .or_insert_with(|| {
                    let file: syn::File = syn::parse2(quote!(impl S { #tokens })).ok()?;
                    let text = prettyplease::unparse(&file);
                    let items = text.strip_prefix("impl S {\n")?.strip_suffix("}\n")?;
                    Some(items.to_owned())
                })
                .clone()
        });
        let Some(text) = printed else {
            return tokens;
        };
        let mut out = TokenStream::new();
        let mut lines = Lines::new(4);
        lines.text = text;
        self.flush(Site::ImplItem, &mut lines, &mut out);
        out
    }

    /// The placeholder of the lines so far, if any.
    fn flush(&self, site: Site, lines: &mut Lines, out: &mut TokenStream) {
        if lines.text.is_empty() {
            return;
        }
        let mut runs = self.runs.borrow_mut();
        let name = format_ident!("{PLACEHOLDER}{}", runs.len());
        out.extend(match site {
            Site::ImplItem => quote!(fn #name() {}),
            Site::Arm => quote!(#name => {}),
            Site::Stmt => quote!(#name;),
            Site::Field => quote!(#name: (),),
            Site::Variant => quote!(#name,),
            Site::Item => quote!(fn #name() {}),
        });
        let indent = lines.indent;
        runs.push(std::mem::replace(lines, Lines::new(indent)));
    }

    /// `printed` with each placeholder's line replaced by its text.
    pub fn splice(&self, path: &str, printed: String) -> Result<String, String> {
        let runs = self.runs.borrow();
        if runs.is_empty() {
            return Ok(printed);
        }
        let extra: usize = runs.iter().map(|run| run.text.len()).sum();
        let mut out = String::with_capacity(printed.len() + extra);
        let mut rest = printed.as_str();
        let mut spliced = 0;
        while let Some(at) = rest.find(PLACEHOLDER) {
            let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = rest[at..].find('\n').map_or(rest.len(), |i| at + i + 1);
            let line = &rest[line_start..line_end];
            let number: String = rest[at + PLACEHOLDER.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let run = number.parse::<usize>().ok().and_then(|n| runs.get(n));
            let indent = line.len() - line.trim_start_matches(' ').len();
            match run {
                Some(run) if run.indent == indent => {
                    out.push_str(&rest[..line_start]);
                    out.push_str(&run.text);
                    spliced += 1;
                }
                _ => {
                    return Err(format!(
                        "internal error: generated {path} has a placeholder the printer moved: {line:?}"
                    ))
                }
            }
            rest = &rest[line_end..];
        }
        out.push_str(rest);
        if spliced != runs.len() {
            return Err(format!(
                "internal error: generated {path} lost {} of its spliced parts in printing",
                runs.len() - spliced
            ));
        }
        Ok(out)
    }
}

/// Outer attributes as prettyplease prints them before a top-level item (`indent` 0) or a
/// field of a top-level struct (4).
pub fn print_attributes(indent: usize, attrs: TokenStream) -> Option<String> {
    let (tokens, after) = match indent {
        0 => (quote!(#attrs struct S;), "struct S;\n"),
        4 => (quote!(struct S { #attrs f: (), }), "    f: (),\n"),
        _ => return None,
    };
    let file: syn::File = syn::parse2(tokens).ok()?;
    let text = prettyplease::unparse(&file);
    let text = if indent == 0 {
        text.as_str()
    } else {
        text.split_once("{\n")?.1
    };
    Some(text.split_once(after)?.0.to_owned())
}

/// An expression as text, in the shapes the server's validation statics take (see
/// `server::schema_static_text`): printed by [`Lines::expr`] as prettyplease prints them.
pub enum Expr {
    /// A path (`None`, `rt::server::Schema::Any`, a variable).
    Path(String),
    /// A literal.
    Lit(Literal),
    /// `true` or `false`.
    Bool(bool),
    /// `&expr`.
    Ref(Box<Expr>),
    /// `func(arg)`.
    Call(&'static str, Box<Expr>),
    /// `Path { field: value, .. }`.
    Struct(&'static str, Vec<(&'static str, Expr)>),
    /// `[a, b, ..]`.
    Array(Vec<Expr>),
}

impl Expr {
    /// The expression on one line.
    fn flat(&self) -> String {
        let mut out = String::new();
        self.write_flat(&mut out);
        out
    }

    fn write_flat(&self, out: &mut String) {
        match self {
            Expr::Path(path) => out.push_str(path),
            Expr::Lit(literal) => out.push_str(&literal.to_string()),
            Expr::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Expr::Ref(inner) => {
                out.push('&');
                inner.write_flat(out);
            }
            Expr::Call(func, arg) => {
                out.push_str(func);
                out.push('(');
                arg.write_flat(out);
                out.push(')');
            }
            Expr::Struct(path, fields) => {
                out.push_str(path);
                out.push_str(" { ");
                for (index, (name, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(name);
                    out.push_str(": ");
                    value.write_flat(out);
                }
                out.push_str(" }");
            }
            Expr::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    item.write_flat(out);
                }
                out.push(']');
            }
        }
    }

    /// Whether a struct literal is in it: prettyplease breaks one wider than 34 columns
    /// whatever the room, and with it every box around it.
    fn has_struct(&self) -> bool {
        match self {
            Expr::Path(_) | Expr::Lit(_) | Expr::Bool(_) => false,
            Expr::Ref(inner) | Expr::Call(_, inner) => inner.has_struct(),
            Expr::Struct(..) => true,
            Expr::Array(items) => items.iter().any(Expr::has_struct),
        }
    }

    /// An array prettyplease fills (of numbers or booleans) rather than breaks one a line.
    fn is_filled_array(&self) -> bool {
        match self {
            Expr::Array(items) => items.iter().all(|item| {
                // Integers and booleans (prettyplease's "simple" arrays), not strings or floats.
                match item {
                    Expr::Bool(_) => true,
                    Expr::Lit(literal) => {
                        let text = literal.to_string();
                        !text.starts_with('"') && !text.contains('.')
                    }
                    _ => false,
                }
            }),
            _ => false,
        }
    }
}

/// What follows a type on its line, as prettyplease measures the line to break the type.
#[derive(Clone, Copy)]
pub enum Tail {
    /// Counted (a struct field's comma).
    Counted,
    /// Not counted (the comma after a function's or a generic's last argument, printed only
    /// where the arguments break).
    NotCounted,
    /// Counted up to the next place prettyplease could break (` = ` of ` = None;` after a
    /// `let`'s type: measured on every such line of the official spec).
    CountedUpTo(usize),
}

/// The top-level items [`Splicer::items`] writes.
pub struct Items(Vec<Lines>);

impl Items {
    /// The lines of the next item.
    pub fn next(&mut self) -> &mut Lines {
        self.0.push(Lines::new(0));
        self.0.last_mut().expect("just pushed")
    }
}

/// Lines at one indentation, as prettyplease prints them. A line is only added when it fits
/// the width prettyplease gives a line at that indentation: then none of its breaks fire,
/// and it prints as its flat text.
pub struct Lines {
    indent: usize,
    text: String,
}

impl Lines {
    fn new(indent: usize) -> Self {
        Self {
            indent,
            text: String::new(),
        }
    }

    /// The room prettyplease leaves on a line at this indentation.
    fn room(&self) -> usize {
        MARGIN.saturating_sub(self.indent).max(MIN_SPACE)
    }

    /// Whether a line of `parts` fits, `extra` columns deeper than the run's own.
    pub fn fits(&self, extra: usize, parts: &[&str]) -> bool {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        len <= MARGIN.saturating_sub(self.indent + extra).max(MIN_SPACE)
    }

    /// A line of code prettyplease prints as it is, however long.
    pub fn code_unbroken(&mut self, parts: &[&str]) -> Option<()> {
        self.indentation(self.indent);
        for part in parts {
            self.text.push_str(part);
        }
        self.text.push('\n');
        Some(())
    }

    /// A line of code made of `parts`, if it fits.
    pub fn code(&mut self, parts: &[&str]) -> Option<()> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > self.room() {
            return None;
        }
        self.indentation(self.indent);
        for part in parts {
            self.text.push_str(part);
        }
        self.text.push('\n');
        Some(())
    }

    /// Lines written `extra` columns deeper than the run's own (a body's lines).
    pub fn nested(
        &mut self,
        extra: usize,
        write: impl FnOnce(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.indent += extra;
        let done = write(self);
        self.indent -= extra;
        done
    }

    /// An outer attribute of a top-level item or of a field of a top-level struct, as
    /// prettyplease prints it there (breaking a long one over lines): printed once per thread
    /// for each distinct `key` and indentation, from the tokens `make` gives. The memo outlives
    /// the spec: `key` must tell the tokens apart by their text, not by a spec's indexes.
    pub fn attribute(&mut self, key: &str, make: impl FnOnce() -> TokenStream) -> Option<()> {
        type Printed = HashMap<(usize, String), Option<String>>;
        thread_local! {
            static PRINTED: RefCell<Printed> = RefCell::default();
        }
        let indent = self.indent;
        let printed = PRINTED.with_borrow_mut(|printed| {
            printed
                .entry((indent, key.to_owned()))
                .or_insert_with(|| print_attributes(indent, make()))
                .clone()
        })?;
        self.text.push_str(&printed);
        Some(())
    }

    /// A line of code made of `parts` if it fits, else what prettyplease prints for `tokens`
    /// (the same code) at this indentation, as part of a `site`.
    pub fn code_or(
        &mut self,
        parts: &[&str],
        site: Site,
        tokens: impl FnOnce() -> TokenStream,
    ) -> Option<()> {
        self.or_reprint(site, |lines| lines.code(parts), tokens)
    }

    /// What `write` writes, or where it cannot (`None`), what prettyplease prints for `tokens`
    /// (the same part) at this indentation, as part of a `site`.
    pub fn or_reprint(
        &mut self,
        site: Site,
        write: impl FnOnce(&mut Self) -> Option<()>,
        tokens: impl FnOnce() -> TokenStream,
    ) -> Option<()> {
        let mark = self.text.len();
        if write(self).is_some() {
            return Some(());
        }
        self.text.truncate(mark);
        self.reprint(site, tokens())
    }

    /// A match arm `pattern => body,` with a pattern and body prettyplease cannot break: on
    /// one line where it fits, else as prettyplease breaks an arm whose body does not fit
    /// (`pattern => {`, the body on a line of its own, with `;` when it is an assignment,
    /// `}`), else (a body that would break too) as prettyplease prints `tokens`.
    pub fn arm(
        &mut self,
        pattern: &str,
        body: &str,
        semi: bool,
        tokens: impl FnOnce() -> TokenStream,
    ) -> Option<()> {
        // The arm's comma is not counted: it is printed only when the arm stays on one line.
        let (room, width) = (self.room(), pattern.len() + " => ".len() + body.len());
        if width <= room {
            return self.code(&[pattern, " => ", body, ","]);
        }
        let body_line = [body, if semi { ";" } else { "" }];
        if self.fits(0, &[pattern, " => {"]) && self.fits(4, &body_line) {
            self.code(&[pattern, " => {"])?;
            self.nested(4, |lines| lines.code(&body_line))?;
            return self.code(&["}"]);
        }
        self.reprint(Site::Arm, tokens())
    }

    /// `prefix`, a type and `suffix` (`pub name: Type,`, `let mut f: Option<Type> = None;`):
    /// on one line where it fits, else broken in the type's generic arguments as prettyplease
    /// breaks them (`Option<`, each argument on a line of its own, `>`). `tail` says how much
    /// of the suffix prettyplease counts in deciding.
    pub fn typed(&mut self, prefix: &str, ty: &Ty, suffix: &str, tail: Tail) -> Option<()> {
        let flat = ty.flat();
        let measured: &[&str] = match tail {
            Tail::Counted => &[prefix, &flat, suffix],
            Tail::NotCounted => &[prefix, &flat],
            Tail::CountedUpTo(n) => &[prefix, &flat, suffix.get(..n)?],
        };
        if self.fits(0, measured) {
            return self.code_unbroken(&[prefix, &flat, suffix]);
        }
        if ty.args.is_empty() {
            // A path prettyplease cannot break, however long.
            return self.code_unbroken(&[prefix, &flat, suffix]);
        }
        self.code(&[prefix, &ty.head, "<"])?;
        self.nested(4, |lines| {
            for arg in &ty.args {
                lines.typed("", arg, ",", Tail::NotCounted)?;
            }
            Some(())
        })?;
        self.code(&[">", suffix])
    }

    /// `prefix`, `expr` and `suffix` as prettyplease prints them, where that is certain (else
    /// `None`): a struct literal broken a field a line, a call or array on one line where it
    /// fits and broken an argument a line where it certainly does not.
    pub fn expr(&mut self, prefix: &str, expr: &Expr, suffix: &str) -> Option<()> {
        match expr {
            Expr::Path(_) | Expr::Lit(_) | Expr::Bool(_) => {
                self.code_unbroken(&[prefix, &expr.flat(), suffix])
            }
            Expr::Array(items) if items.is_empty() => self.code_unbroken(&[prefix, "[]", suffix]),
            Expr::Ref(inner) => self.expr(&format!("{prefix}&"), inner, suffix),
            Expr::Struct(path, fields) => {
                // Narrower than 34 columns it could stay on one line.
                if expr.flat().len() <= 40 {
                    return None;
                }
                self.code_unbroken(&[prefix, path, " {"])?;
                self.nested(4, |lines| {
                    for (name, value) in fields {
                        lines.expr(&format!("{name}: "), value, ",")?;
                    }
                    Some(())
                })?;
                self.code_unbroken(&["}", suffix])
            }
            // A struct literal or an array as the only argument follows the parenthesis.
            Expr::Call(func, arg) if matches!(**arg, Expr::Struct(..) | Expr::Array(_)) => {
                self.expr(&format!("{prefix}{func}("), arg, &format!("){suffix}"))
            }
            Expr::Call(func, arg) => self.broken_list(
                prefix,
                &[func, "("],
                std::slice::from_ref(&**arg),
                ")",
                suffix,
            ),
            // prettyplease fills an array of numbers line by line: only the one-line case.
            Expr::Array(_) if expr.is_filled_array() => {
                let flat = expr.flat();
                self.fits(0, &[prefix, &flat, suffix])
                    .then(|| self.code_unbroken(&[prefix, &flat, suffix]))?
            }
            Expr::Array(items) => self.broken_list(prefix, &["["], items, "]", suffix),
        }
    }

    /// `prefix func(args)suffix` as prettyplease prints it where that is certain (see
    /// [`Lines::expr`]).
    pub fn call(&mut self, prefix: &str, func: &str, args: &[Expr], suffix: &str) -> Option<()> {
        self.broken_list(prefix, &[func, "("], args, ")", suffix)
    }

    /// A call's arguments or an array's items (`items`, between `open` and `close`): on one
    /// line where all fits, else one a line where even the items alone do not fit (or hold a
    /// struct literal), else `None`.
    fn broken_list(
        &mut self,
        prefix: &str,
        open: &[&str],
        items: &[Expr],
        close: &str,
        suffix: &str,
    ) -> Option<()> {
        let flat: Vec<String> = items.iter().map(Expr::flat).collect();
        let joined = flat.join(", ");
        let open = open.concat();
        let broken = items.iter().any(Expr::has_struct);
        if !broken && self.fits(0, &[prefix, &open, &joined, close, suffix]) {
            return self.code_unbroken(&[prefix, &open, &joined, close, suffix]);
        }
        if !broken && self.fits(0, &[prefix, &open, &joined]) {
            return None;
        }
        self.code_unbroken(&[prefix, &open])?;
        self.nested(4, |lines| {
            for item in items {
                lines.expr("", item, ",")?;
            }
            Some(())
        })?;
        self.code_unbroken(&[close, suffix])
    }

    /// `pub fn name(mut self, value: Type) -> Self {`: on one line where it fits, else as
    /// prettyplease breaks a signature that does not (one argument a line).
    pub fn setter_signature(&mut self, name: &str, ty: &Ty) -> Option<()> {
        let flat = ty.flat();
        let line = ["pub fn ", name, "(mut self, value: ", &flat, ") -> Self {"];
        if self.fits(0, &line) {
            return self.code(&line);
        }
        // The arguments break as soon as the whole line does not fit (measured: every
        // signature of the official spec's setters that only `) -> Self {` takes past the
        // edge is broken).
        self.code(&["pub fn ", name, "("])?;
        self.nested(4, |lines| {
            lines.code(&["mut self,"])?;
            lines.typed("value: ", ty, ",", Tail::NotCounted)
        })?;
        self.code(&[") -> Self {"])
    }

    /// What prettyplease prints for `part` (a `site` at this indentation): printed between two
    /// marker parts inside blocks nested to this depth, and taken from between the markers.
    pub fn reprint(&mut self, site: Site, part: TokenStream) -> Option<()> {
        // The blocks a statement at `indent` sits in (`fn f() { .. }` each).
        let in_blocks = |indent: usize, stmts: TokenStream| {
            if indent == 0 || !indent.is_multiple_of(4) {
                return None;
            }
            let mut tokens = stmts;
            for _ in 0..indent / 4 {
                tokens = quote!(fn f() { #tokens });
            }
            Some(tokens)
        };
        let (before, after) = (
            format_ident!("__apigen_before"),
            // Longer than 34 columns: a struct literal holding it is broken, as in a decoder.
            format_ident!("__apigen_after_a_marker_longer_than_a_short_literal"),
        );
        let indent = self.indent;
        let file = match site {
            Site::Stmt => in_blocks(indent, quote!(let #before = (); #part let #after = ();))?,
            Site::Arm => in_blocks(
                indent.checked_sub(4)?,
                quote!(match x { #before => {} #part #after => {} }),
            )?,
            Site::Field if indent > 4 => in_blocks(
                indent - 4,
                quote!(let _ = S { #before: (), #part #after: () };),
            )?,
            Site::Field if indent == 4 => quote!(struct S { #before: (), #part #after: (), }),
            Site::Variant if indent == 4 => quote!(enum S { #before, #part #after, }),
            Site::ImplItem if indent == 4 => {
                quote!(impl S { fn #before() {} #part fn #after() {} })
            }
            _ => return None,
        };
        let file: syn::File = syn::parse2(file).ok()?;
        let text = prettyplease::unparse(&file);
        let start = text.find("__apigen_before")?;
        let start = start + text[start..].find('\n')? + 1;
        let end = text[start..].find("__apigen_after")? + start;
        let end = text[..end].rfind('\n')? + 1;
        self.text.push_str(&text[start..end]);
        Some(())
    }

    /// Lines printed already (by prettyplease, at this indentation).
    pub fn printed(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// A `///` line of `text` (a `#[doc]` attribute's value), where prettyplease prints it as
    /// one.
    pub fn doc_line(&mut self, text: &str) -> Option<()> {
        if text.contains('\n') || text.starts_with('/') {
            return None;
        }
        self.indentation(self.indent);
        self.text.push_str("///");
        self.text.push_str(text.trim_end_matches(' '));
        self.text.push('\n');
        Some(())
    }

    /// `///` lines of a description, as `docs::doc_attrs` makes them and prettyplease
    /// prints them.
    pub fn docs(&mut self, doc: Option<&str>) {
        for line in super::docs::lines(doc) {
            self.indentation(self.indent);
            let _ = write!(self.text, "///{line}");
            self.text.push('\n');
        }
    }

    fn indentation(&mut self, columns: usize) {
        self.text.extend(std::iter::repeat_n(' ', columns));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(splicer: &Splicer, tokens: TokenStream) -> String {
        let file: syn::File = syn::parse2(tokens).unwrap();
        splicer
            .splice("test.rs", prettyplease::unparse(&file))
            .unwrap()
    }

    #[test]
    fn runs_of_text_take_their_placeholders_lines() {
        let (on, off) = (Splicer::new(true), Splicer::new(false));
        let arms = |splicer: &Splicer| {
            splicer.run(
                Site::Arm,
                8,
                ["a", "bb", &"c".repeat(90)],
                |s, lines| lines.code(&["\"", s, "\" => 1,"]),
                |s| quote!(#s => 1,),
            )
        };
        let file = |arms: TokenStream| {
            quote! {
                fn f(x: &str) -> u8 {
                    match x {
                        #arms
                        _ => 0,
                    }
                }
            }
        };
        let spliced = print(&on, file(arms(&on)));
        assert_eq!(spliced, print(&off, file(arms(&off))));
        // The long arm is broken by prettyplease, so it went as tokens.
        assert_eq!(on.runs.borrow().len(), 1);
        assert!(spliced.contains("        \"bb\" => 1,\n"), "{spliced}");
    }

    #[test]
    fn a_moved_placeholder_is_an_error() {
        let on = Splicer::new(true);
        let stmts = on.run(
            Site::Stmt,
            12,
            ["let a = 1;"],
            |s, lines| lines.code(&[s]),
            |_| quote!(let a = 1;),
        );
        let file: syn::File = syn::parse2(quote!(fn f() { #stmts })).unwrap();
        let error = on
            .splice("test.rs", prettyplease::unparse(&file))
            .unwrap_err();
        assert!(error.contains("test.rs"), "{error}");
    }
}
