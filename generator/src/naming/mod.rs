//! Every Rust name the generator makes comes from here: case conversion through `heck`,
//! symbols spelled out, keywords avoided, and collisions resolved deterministically.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

mod operations;

pub use operations::{is_version_segment, operation_name};

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names that would shadow the prelude or names generated code uses unqualified.
const RESERVED_TYPES: &[&str] = &[
    "AsMut",
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Deserialize",
    "Drop",
    "Eq",
    "Err",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Hash",
    "Into",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Self",
    "Send",
    "Serialize",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
];

/// Symbols that carry meaning in names (`Etc/GMT+1` vs `Etc/GMT-1`) and are spelled out.
fn symbol_word(c: char) -> Option<&'static str> {
    Some(match c {
        '+' => "plus",
        '@' => "at",
        '$' => "dollar",
        '%' => "percent",
        '&' => "and",
        '*' => "star",
        '#' => "hash",
        '=' => "eq",
        '<' => "lt",
        '>' => "gt",
        '!' => "not",
        '~' => "tilde",
        '^' => "caret",
        _ => return None,
    })
}

/// Separators, spelled out only to tell apart names that are otherwise equal.
fn separator_word(c: char) -> Option<&'static str> {
    Some(match c {
        '.' => "dot",
        '/' => "slash",
        '-' => "dash",
        ' ' => "space",
        ':' => "colon",
        ',' => "comma",
        '[' | ']' => "bracket",
        '(' | ')' => "paren",
        _ => return None,
    })
}

/// Splits a wire name into words (separated by spaces), spelling out meaningful symbols and,
/// with `spell_separators`, separators as well.
fn words(raw: &str, spell_separators: bool) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len() + 8);
    for (index, &c) in chars.iter().enumerate() {
        let prev = index.checked_sub(1).map(|i| chars[i]);
        let next = chars.get(index + 1).copied();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c == '-'
            && next.is_some_and(|n| n.is_ascii_digit())
            && !prev.is_some_and(|p| p.is_ascii_digit())
            && !chars[index + 1..]
                .iter()
                .find(|c| !c.is_ascii_digit() && **c != '.')
                .is_some_and(|c| c.is_ascii_alphabetic())
        {
            // `-1`, `GMT-1`: a sign, not a separator (but `2019-02-19` is a date and
            // `classification-6VMVochwUWo` an id).
            out.push_str(" minus ");
        } else if let Some(word) = symbol_word(c) {
            out.push(' ');
            out.push_str(word);
            out.push(' ');
        } else if let Some(word) = separator_word(c).filter(|_| spell_separators) {
            out.push(' ');
            out.push_str(word);
            out.push(' ');
        } else {
            out.push(' ');
        }
    }
    out
}

/// UpperCamelCase of the words, keeping `_` between adjacent numbers (`2019_02_19`).
fn upper_camel(words: &str) -> String {
    let mut out = String::new();
    for chunk in words.split([' ', '_']).filter(|c| !c.is_empty()) {
        let camel = chunk.to_upper_camel_case();
        if out.ends_with(|c: char| c.is_ascii_digit())
            && camel.starts_with(|c: char| c.is_ascii_digit())
        {
            out.push('_');
        }
        out.push_str(&camel);
    }
    out
}

fn camel_name(raw: &str, spell_separators: bool, empty: &str, digit_prefix: &str) -> String {
    let name = upper_camel(&words(raw, spell_separators));
    if name.is_empty() {
        empty.to_owned()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{digit_prefix}{name}")
    } else {
        name
    }
}

/// The Rust type name for a schema or path name.
pub fn type_name(raw: &str) -> String {
    convert(Kind::Type, raw, false)
}

/// The Rust variant name for an enum value.
pub fn variant_name(raw: &str) -> String {
    convert(Kind::Variant, raw, false)
}

/// The Rust field, parameter or module name for a wire name.
pub fn field_name(raw: &str) -> String {
    convert(Kind::Field, raw, false)
}

/// Crates and modules generated code names by path: a module of the same name next to them
/// would make those paths ambiguous.
const RESERVED_MODULES: &[&str] = &[
    "alloc",
    "apigen_runtime",
    "core",
    "mock",
    "models",
    "operations",
    "rt",
    "runtime",
    "schemas",
    "serde",
    "serde_json",
    "server",
    "std",
];

/// Longest module name kept whole: file systems refuse names over 255 bytes.
const MAX_MODULE_LEN: usize = 96;

/// A module (file) name for a type name or an operation group.
pub fn module_name(name: &str) -> String {
    let module = field_name(name);
    if RESERVED_MODULES.contains(&module.as_str()) {
        format!("{module}_")
    } else if module.len() > MAX_MODULE_LEN {
        // Cut, with a hash of the whole name so that two long names stay apart.
        let hash = module.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let cut = (0..=MAX_MODULE_LEN)
            .rev()
            .find(|&i| module.is_char_boundary(i))
            .unwrap_or(0);
        format!("{}_{hash:016x}", module[..cut].trim_end_matches('_'))
    } else {
        module
    }
}

/// Concatenates name parts into one type name (`Charge` + `refunds` → `ChargeRefunds`).
pub fn join_type_name(parent: &str, part: &str) -> String {
    // Every property of every schema is a part: each distinct one is converted once per
    // thread.
    thread_local! {
        static PARTS: std::cell::RefCell<std::collections::HashMap<String, String>> =
            Default::default();
    }
    PARTS.with_borrow_mut(|parts| {
        let camel = match parts.get(part) {
            Some(camel) => camel,
            None => parts
                .entry(part.to_owned())
                .or_insert_with(|| camel_name(part, false, "Value", "")),
        };
        format!("{parent}{camel}")
    })
}

/// The response-enum variant of a success sent as a stream of events (`OkStream`).
pub fn stream_variant(success_variant: &str) -> String {
    format!("{success_variant}Stream")
}

/// The response-enum variant for a status (`Ok`, `NotFound`, `ServerError`...).
pub fn status_variant(code: Option<u16>, range: Option<u16>) -> String {
    let name = match (code, range) {
        (Some(code), _) => match code {
            200 => "Ok",
            201 => "Created",
            202 => "Accepted",
            204 => "NoContent",
            301 => "MovedPermanently",
            302 => "Found",
            304 => "NotModified",
            400 => "BadRequest",
            401 => "Unauthorized",
            402 => "PaymentRequired",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            406 => "NotAcceptable",
            409 => "Conflict",
            410 => "Gone",
            412 => "PreconditionFailed",
            413 => "PayloadTooLarge",
            415 => "UnsupportedMediaType",
            422 => "UnprocessableEntity",
            429 => "TooManyRequests",
            500 => "InternalServerError",
            501 => "NotImplemented",
            502 => "BadGateway",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            other => return format!("Status{other}"),
        },
        (None, Some(1)) => "Informational",
        (None, Some(2)) => "Success",
        (None, Some(3)) => "Redirection",
        (None, Some(4)) => "ClientError",
        (None, Some(5)) => "ServerError",
        (None, Some(other)) => return format!("Status{other}xx"),
        (None, None) => "Default",
    };
    name.to_owned()
}

/// The name of a static describing a type (`SCHEMA_CHARGE`).
pub fn schema_static(type_name: &str) -> String {
    // Named once for its definition and again for every reference to it: converted once per
    // thread.
    thread_local! {
        static NAMES: std::cell::RefCell<std::collections::HashMap<String, String>> =
            Default::default();
    }
    if let Some(name) = NAMES.with_borrow(|names| names.get(type_name).cloned()) {
        return name;
    }
    let name = format!(
        "SCHEMA_{}",
        heck::ToShoutySnakeCase::to_shouty_snake_case(type_name)
    );
    NAMES.with_borrow_mut(|names| names.insert(type_name.to_owned(), name.clone()));
    name
}

/// Kind of name, for [`Names::claim_all`].

#[derive(Clone, Copy)]
pub enum Kind {
    /// A type name (UpperCamelCase).
    Type,
    /// An enum variant (UpperCamelCase).
    Variant,
    /// A field or method (snake_case).
    Field,
}

/// A name of `kind` for `raw`, with separators dropped or spelled out; never a keyword or a
/// name generated code relies on.
fn convert(kind: Kind, raw: &str, spell_separators: bool) -> String {
    // Specs repeat their names (the same field in many objects, the same values in many
    // enums): each distinct one is converted once per thread.
    type Converted = [std::collections::HashMap<String, String>; 6];
    thread_local! {
        static CONVERTED: std::cell::RefCell<Converted> = Default::default();
    }
    let table = kind as usize * 2 + usize::from(spell_separators);
    if let Some(name) = CONVERTED.with_borrow(|converted| converted[table].get(raw).cloned()) {
        return name;
    }
    let name = convert_uncached(kind, raw, spell_separators);
    CONVERTED.with_borrow_mut(|converted| converted[table].insert(raw.to_owned(), name.clone()));
    name
}

fn convert_uncached(kind: Kind, raw: &str, spell_separators: bool) -> String {
    match kind {
        Kind::Type => {
            let name = camel_name(raw, spell_separators, "Unnamed", "T");
            if RESERVED_TYPES.contains(&name.as_str()) {
                format!("{name}Model")
            } else {
                name
            }
        }
        Kind::Variant => {
            let name = camel_name(raw, spell_separators, "Empty", "V");
            if name == "Self" {
                "SelfValue".to_owned()
            } else {
                name
            }
        }
        Kind::Field => {
            let name = words(raw, spell_separators).to_snake_case();
            let name = if name.is_empty() {
                "value".to_owned()
            } else if name.starts_with(|c: char| c.is_ascii_digit()) {
                format!("n_{name}")
            } else {
                name
            };
            if KEYWORDS.contains(&name.as_str()) {
                format!("{name}_")
            } else {
                name
            }
        }
    }
}

/// One namespace (the crate's types, a struct's fields, an enum's variants).
#[derive(Default)]
pub struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    /// No name taken yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `name` is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Takes `name` as it is (first come, first served) or with a number appended.
    pub fn claim_exact(&mut self, name: &str) -> String {
        let mut candidate = name.to_owned();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{name}{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// Names every wire name in `wires`, in a deterministic order independent of the input
    /// order: names that are plain identifiers already win their natural name; a name that
    /// collides is retried with its separators spelled out (`checkout.session` →
    /// `CheckoutDotSession`), then with a number.
    pub fn claim_all(&mut self, kind: Kind, wires: &[&str]) -> Vec<String> {
        let mut order: Vec<usize> = (0..wires.len()).collect();
        let plain = |w: &str| w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        order.sort_by(|&a, &b| (!plain(wires[a]), wires[a]).cmp(&(!plain(wires[b]), wires[b])));
        let mut names = vec![String::new(); wires.len()];
        for index in order {
            let base = convert(kind, wires[index], false);
            let name = if !self.taken.contains(&base) {
                base
            } else {
                let spelled = convert(kind, wires[index], true);
                if self.taken.contains(&spelled) {
                    self.claim_exact(&base)
                } else {
                    spelled
                }
            };
            self.taken.insert(name.clone());
            names[index] = name;
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_cases_and_symbols() {
        assert_eq!(type_name("checkout.session"), "CheckoutSession");
        assert_eq!(type_name("api_errors"), "ApiErrors");
        assert_eq!(type_name("3d_secure"), "T3dSecure");
        assert_eq!(type_name("String"), "StringModel");
        assert_eq!(variant_name("Etc/GMT+1"), "EtcGmtPlus1");
        assert_eq!(variant_name("Etc/GMT-1"), "EtcGmtMinus1");
        assert_eq!(variant_name("+1"), "Plus1");
        assert_eq!(variant_name("-1"), "Minus1");
        assert_eq!(
            type_name("post_files_id_metadata_enterprise_securityClassification-6VMVochwUWo"),
            "PostFilesIdMetadataEnterpriseSecurityClassification6vmVochwUWo"
        );
        assert_eq!(variant_name("2019-02-19"), "V2019_02_19");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("American Express"), "AmericanExpress");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("Idempotency-Key"), "idempotency_key");
        assert_eq!(field_name("3d_secure"), "n_3d_secure");
        assert_eq!(field_name("user@name"), "user_at_name");
        assert_eq!(field_name("price $"), "price_dollar");
        assert_eq!(module_name("Serde"), "serde_");
        let long = module_name(&"NotNot".repeat(40));
        assert!(long.len() < 120 && long.starts_with("not_not_"), "{long}");
        assert_ne!(long, module_name(&format!("{}X", "NotNot".repeat(40))));
        assert_eq!(
            join_type_name("Charge", "fraud_details"),
            "ChargeFraudDetails"
        );
    }

    #[test]
    fn collisions_resolve_independently_of_input_order() {
        let mut a = Names::new();
        let forward = a.claim_all(Kind::Type, &["checkout.session", "checkout_session"]);
        assert_eq!(forward, ["CheckoutDotSession", "CheckoutSession"]);
        let mut b = Names::new();
        let backward = b.claim_all(Kind::Type, &["checkout_session", "checkout.session"]);
        assert_eq!(backward, ["CheckoutSession", "CheckoutDotSession"]);

        let mut fields = Names::new();
        let names = fields.claim_all(Kind::Field, &["a-b", "a_b", "a.b", "A B"]);
        let unique: BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), 4, "{names:?}");
        assert_eq!(names[1], "a_b");
    }
}
