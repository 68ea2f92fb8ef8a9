//! Decoding Stripe's bracket notation (`metadata[order_id]=6735`, `expand[]=customer`,
//! `expand[0]=customer`, `items[0][price]=p`) into a JSON tree whose leaves are strings.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::Rejection;

/// Limits that keep hostile input cheap to reject.
pub const MAX_PARAMS: usize = 10_000;
pub const MAX_DEPTH: usize = 10;

/// Parses a query string or form body.
pub fn parse(input: &str) -> Result<Value, Rejection> {
    let pairs = input.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        Ok((decode(raw_key)?, decode(raw_value)?))
    });
    parse_pairs(pairs)
}

/// Builds the tree from decoded `key=value` pairs (a form body, or the text parts of a
/// multipart body).
pub fn parse_pairs<K: AsRef<str>, V: Into<String>>(
    pairs: impl Iterator<Item = Result<(K, V), Rejection>>,
) -> Result<Value, Rejection> {
    let mut root = Map::new();
    for (count, pair) in pairs.enumerate() {
        if count >= MAX_PARAMS {
            return Err(Rejection::new(
                "",
                format!("Too many parameters: at most {MAX_PARAMS} are accepted."),
            ));
        }
        let (key, value) = pair?;
        let key = key.as_ref();
        let mut path = [""; MAX_DEPTH];
        let depth = split_key(key, &mut path)?;
        insert(&mut root, &path[..depth], value.into(), key)?;
    }
    let mut tree = Value::Object(root);
    indexes_to_arrays(&mut tree);
    Ok(tree)
}

/// One percent-encoded key or value (`+` is a space), decoded; a `%` that starts no valid
/// escape and bytes that are not UTF-8 are refused.
pub(super) fn decode(raw: &str) -> Result<Cow<'_, str>, Rejection> {
    crate::percent::decode_form(raw).map_err(|invalid| {
        let message = match invalid {
            crate::percent::Invalid::Escape => {
                "Invalid percent-encoding in the request parameters."
            }
            crate::percent::Invalid::Utf8 => "Request parameters must be valid UTF-8.",
        };
        Rejection::new("", message)
    })
}

/// `a[b][]` → `["a", "b", ""]`, written into `path`; how many parts.
fn split_key<'k>(key: &'k str, path: &mut [&'k str; MAX_DEPTH]) -> Result<usize, Rejection> {
    let (name, mut rest) = match key.find('[') {
        Some(start) => (&key[..start], &key[start..]),
        None => (key, ""),
    };
    if name.is_empty() {
        return Err(Rejection::new(
            key,
            format!("Invalid parameter name `{key}`."),
        ));
    }
    path[0] = name;
    let mut depth = 1;
    while !rest.is_empty() {
        let Some(inner) = rest
            .strip_prefix('[')
            .and_then(|r| r.find(']').map(|end| (&r[..end], &r[end + 1..])))
        else {
            return Err(Rejection::new(
                key,
                format!("Invalid parameter name `{key}`: unbalanced brackets."),
            ));
        };
        if depth == MAX_DEPTH {
            return Err(Rejection::new(
                key,
                format!("Parameters may be nested at most {MAX_DEPTH} levels deep."),
            ));
        }
        path[depth] = inner.0;
        depth += 1;
        rest = inner.1;
    }
    Ok(depth)
}

// The tree is built as the JSON value it becomes: a leaf is a string, `[]` appends and
// repeated keys make arrays, `[0]` keys stay object keys until the end.
fn insert(
    map: &mut Map<String, Value>,
    path: &[&str],
    value: String,
    key: &str,
) -> Result<(), Rejection> {
    let (first, rest) = path.split_first().expect("a path has a name");
    let duplicate = || {
        Rejection::new(
            key,
            format!("Received duplicate or conflicting values for `{key}`."),
        )
    };
    if rest.is_empty() {
        // A repeated key (`expand=a&expand=b`) makes a list; whether the parameter takes one
        // is the schema's call (a scalar rejects it).
        return match map.get_mut(*first) {
            None => {
                map.insert((*first).to_owned(), Value::String(value));
                Ok(())
            }
            Some(Value::Array(items)) => {
                items.push(Value::String(value));
                Ok(())
            }
            Some(existing @ Value::String(_)) => {
                let previous = existing.take();
                *existing = Value::Array(vec![previous, Value::String(value)]);
                Ok(())
            }
            Some(_) => Err(duplicate()),
        };
    }
    let child = match map.get_mut(*first) {
        Some(child) => child,
        None => {
            let node = if rest[0].is_empty() {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            };
            map.entry((*first).to_owned()).or_insert(node)
        }
    };
    insert_node(child, rest, value, key)
}

fn insert_node(node: &mut Value, path: &[&str], value: String, key: &str) -> Result<(), Rejection> {
    let conflict = || {
        Rejection::new(
            key,
            format!("Received duplicate or conflicting values for `{key}`."),
        )
    };
    match node {
        Value::Object(map) => insert(map, path, value, key),
        Value::Array(list) if path[0].is_empty() => {
            if path.len() == 1 {
                list.push(Value::String(value));
                Ok(())
            } else {
                // `a[][b]=1`: each append starts a new element.
                let mut element = Map::new();
                insert(&mut element, &path[1..], value, key)?;
                list.push(Value::Object(element));
                Ok(())
            }
        }
        _ => Err(conflict()),
    }
}

/// Objects whose keys are all indexes (`items[0]`, `items[1]`) become arrays in index order.
fn indexes_to_arrays(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(indexes_to_arrays),
        Value::Object(map) => {
            map.values_mut().for_each(indexes_to_arrays);
            let numeric = !map.is_empty()
                && map.keys().all(|k| {
                    !k.is_empty() && k.len() <= 6 && k.bytes().all(|b| b.is_ascii_digit())
                });
            if numeric {
                let mut items: Vec<(usize, Value)> = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (k.parse().unwrap_or(0), v))
                    .collect();
                items.sort_by_key(|(index, _)| *index);
                *value = Value::Array(items.into_iter().map(|(_, v)| v).collect());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn brackets_arrays_and_nesting() {
        let value = parse("amount=400&metadata[order_id]=6735&expand[]=customer&expand[]=invoice.subscription&items[0][price]=p1&items[1][price]=p2&shipping[address][city]=San+Francisco&note=a%26b").unwrap();
        assert_eq!(
            value,
            json!({
                "amount": "400",
                "metadata": {"order_id": "6735"},
                "expand": ["customer", "invoice.subscription"],
                "items": [{"price": "p1"}, {"price": "p2"}],
                "shipping": {"address": {"city": "San Francisco"}},
                "note": "a&b"
            })
        );
        assert_eq!(
            parse("expand[0]=a&expand[1]=b").unwrap(),
            json!({"expand": ["a", "b"]})
        );
        assert_eq!(parse("metadata=").unwrap(), json!({"metadata": ""}));
    }

    #[test]
    fn hostile_input_is_rejected() {
        assert_eq!(
            parse("a=1&a=2").unwrap(),
            json!({"a": ["1", "2"]}),
            "the schema rejects it for a scalar"
        );
        assert!(parse("a=1&a[b]=2").is_err(), "scalar and object");
        assert!(parse("a=%ZZ").is_err());
        assert!(parse("a=%C3%28").is_err(), "invalid UTF-8");
        assert!(parse("a[b=1").is_err());
        assert!(parse(&format!("a{}=1", "[x]".repeat(50))).is_err());
        let many: Vec<String> = (0..MAX_PARAMS + 1).map(|i| format!("p{i}=1")).collect();
        assert!(parse(&many.join("&")).is_err());
    }
}
