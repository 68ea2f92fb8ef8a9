//! What the generic server does with JSON: parameters applied to objects, `expand`, list
//! filters and search clauses.

use serde_json::{Map, Value};

/// Parameters that steer a request rather than describe the object.
const CONTROL: [&str; 7] = [
    "expand",
    "limit",
    "starting_after",
    "ending_before",
    "page",
    "query",
    "id",
];

/// Applies the request's parameters to `object`: each one naming a top-level property
/// replaces it, a map (`maps`: `metadata`) is merged key by key with `""` removing a key, and
/// `""` for a whole property clears it (`{}` for a map, else `null`). A parameter whose value
/// would make the object stop decoding as `T` (a `source` token where the object holds a
/// card) is left out.
pub(super) fn apply(
    object: &mut Value,
    params: &Map<String, Value>,
    maps: &[&str],
    fits: &dyn Fn(&Value) -> bool,
) {
    let Value::Object(fields) = object else {
        return;
    };
    let applicable: Vec<(&String, &Value)> = params
        .iter()
        .filter(|(name, value)| {
            !CONTROL.contains(&name.as_str())
                && name.as_str() != "object"
                && !value.is_null()
                && fields.contains_key(name.as_str())
        })
        .collect();
    let mut all = fields.clone();
    for (name, value) in &applicable {
        set(&mut all, name, value, maps);
    }
    let all = Value::Object(all);
    if fits(&all) {
        *object = all;
        return;
    }
    // One by one, keeping each that fits.
    for (name, value) in applicable {
        let Value::Object(fields) = object else {
            return;
        };
        let mut next = fields.clone();
        set(&mut next, name, value, maps);
        let next = Value::Object(next);
        if fits(&next) {
            *object = next;
        }
    }
}

fn set(fields: &mut Map<String, Value>, name: &str, value: &Value, maps: &[&str]) {
    let is_map = maps.contains(&name);
    match value {
        Value::String(s) if s.is_empty() => {
            let cleared = if is_map {
                Value::Object(Map::new())
            } else {
                Value::Null
            };
            fields.insert(name.to_owned(), cleared);
        }
        Value::Object(update) if is_map => {
            let mut merged = match fields.get(name) {
                Some(Value::Object(map)) => map.clone(),
                _ => Map::new(),
            };
            for (key, value) in update {
                if value.as_str() == Some("") || value.is_null() {
                    merged.remove(key);
                } else {
                    merged.insert(key.clone(), value.clone());
                }
            }
            fields.insert(name.to_owned(), Value::Object(merged));
        }
        _ => {
            fields.insert(name.to_owned(), value.clone());
        }
    }
}

/// `object` with the request's `expand` paths (dotted, `data.` into lists) replaced by the
/// stored objects their ids name; an id not stored stays an id.
pub(super) fn expand(
    mut object: Value,
    params: &Map<String, Value>,
    lookup: impl Fn(&str) -> Option<Value>,
) -> Value {
    let paths: Vec<&str> = match params.get("expand") {
        Some(Value::Array(paths)) => paths.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(path)) => vec![path.as_str()],
        _ => return object,
    };
    for path in paths {
        let segments: Vec<&str> = path.split('.').take(4 + 1).collect();
        expand_at(&mut object, &segments, &lookup);
    }
    object
}

fn expand_at(value: &mut Value, segments: &[&str], lookup: &impl Fn(&str) -> Option<Value>) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    match value {
        Value::Array(items) => {
            for item in items {
                expand_at(item, segments, lookup);
            }
        }
        Value::Object(map) => {
            let Some(field) = map.get_mut(*first) else {
                return;
            };
            if let Some(found) = field.as_str().and_then(lookup) {
                *field = found;
            }
            match field {
                // A list inside an object (`refunds.data.charge`): its `data` is the next step.
                Value::Object(_) | Value::Array(_) => expand_at(field, rest, lookup),
                _ => {}
            }
        }
        _ => {}
    }
}

/// Whether a stored object passes a list's filters: each parameter naming a top-level
/// property must equal it (an expandable property compares by id), and a range
/// (`created[gte]=...`) must contain it; other parameters do not filter.
pub(super) fn matches_filters(object: &Value, params: &Map<String, Value>) -> bool {
    params.iter().all(|(name, wanted)| {
        if CONTROL.contains(&name.as_str()) || wanted.is_null() {
            return true;
        }
        let Some(actual) = object.get(name) else {
            return true;
        };
        match wanted {
            Value::Object(range) if is_range(range) => actual
                .as_f64()
                .is_some_and(|actual| in_range(actual, range)),
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                scalar(actual).is_some_and(|a| Some(a) == scalar(wanted))
            }
            _ => true,
        }
    })
}

/// Whether `actual` is within a Stripe range filter (`{"gte": 100, "lt": "200"}`: `gt`,
/// `gte`, `lt`, `lte`, numbers or numeric text; other keys and bounds do not restrict).
pub fn in_range(actual: f64, range: &Map<String, Value>) -> bool {
    range.iter().all(|(op, bound)| {
        let Some(bound) = number(bound) else {
            return true;
        };
        match op.as_str() {
            "gt" => actual > bound,
            "gte" => actual >= bound,
            "lt" => actual < bound,
            "lte" => actual <= bound,
            _ => true,
        }
    })
}

fn is_range(map: &Map<String, Value>) -> bool {
    !map.is_empty()
        && map
            .keys()
            .all(|k| matches!(k.as_str(), "gt" | "gte" | "lt" | "lte"))
}

fn number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// A value compared as text; an object by its `id`.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(map) => map.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// One clause of a search query: `email:"a@b.c"`, `metadata["order"]:"6735"`,
/// `amount>1000` (`>`, `<`, `>=`, `<=` on numbers), `-status:"failed"`, `name~"jen"` (contains).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Clause {
    path: Vec<String>,
    op: String,
    value: String,
    negated: bool,
}

/// The clauses of a query joined by `AND` (a query with `OR` matches when any part does not
/// fail: its clauses are dropped, so such a search answers every stored object).
pub(super) fn parse_query(query: &str) -> Vec<Clause> {
    if query.split_whitespace().any(|w| w == "OR") {
        return Vec::new();
    }
    query
        .split(" AND ")
        .filter_map(|part| clause(part.trim()))
        .collect()
}

fn clause(text: &str) -> Option<Clause> {
    let (negated, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let at = text.find([':', '>', '<', '~'])?;
    let (field, rest) = text.split_at(at);
    let op_len = if rest[1..].starts_with('=') { 2 } else { 1 };
    let (op, value) = rest.split_at(op_len);
    let value = value
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_owned();
    let mut path = Vec::new();
    let mut field = field.trim();
    if let Some(open) = field.find('[') {
        path.push(field[..open].to_owned());
        let key = field[open + 1..].trim_end_matches(']');
        path.push(key.trim_matches(|c| c == '"' || c == '\'').to_owned());
        field = "";
    }
    if !field.is_empty() {
        path.push(field.to_owned());
    }
    Some(Clause {
        path,
        op: op.to_owned(),
        value,
        negated,
    })
}

impl Clause {
    pub(super) fn matches(&self, object: &Value) -> bool {
        let actual = self
            .path
            .iter()
            .try_fold(object, |value, key| value.get(key));
        let result = match (actual.and_then(scalar), self.op.as_str()) {
            (None, _) => false,
            (Some(actual), ":") => actual == self.value,
            (Some(actual), "~") => actual.contains(&self.value),
            (Some(actual), op) => match (actual.parse::<f64>(), self.value.parse::<f64>()) {
                (Ok(a), Ok(b)) => match op {
                    ">" => a > b,
                    "<" => a < b,
                    ">=" => a >= b,
                    "<=" => a <= b,
                    _ => false,
                },
                _ => false,
            },
        };
        result != self.negated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn params(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn apply_merges_maps_and_unsets() {
        let mut object =
            json!({"id": "x", "metadata": {"a": "1", "b": "2"}, "name": "n", "email": "e"});
        apply(
            &mut object,
            &params(json!({"metadata": {"a": "", "c": "3"}, "email": "", "name": "m", "other": 1})),
            &["metadata"],
            &|_| true,
        );
        assert_eq!(
            object,
            json!({"id": "x", "metadata": {"b": "2", "c": "3"}, "name": "m", "email": null})
        );
    }

    #[test]
    fn apply_keeps_what_decodes() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Charge {
            amount: i64,
            source: Map<String, Value>,
        }
        let mut object = json!({"amount": 1, "source": {"id": "card_1"}});
        let fits = |value: &Value| Charge::deserialize(value).is_ok();
        apply(
            &mut object,
            &params(json!({"amount": 5, "source": "tok_visa"})),
            &[],
            &fits,
        );
        assert_eq!(object, json!({"amount": 5, "source": {"id": "card_1"}}));
    }

    #[test]
    fn expand_follows_dotted_paths_and_lists() {
        let stored = |id: &str| match id {
            "cus_1" => {
                Some(json!({"id": "cus_1", "object": "customer", "default_source": "card_1"}))
            }
            "card_1" => Some(json!({"id": "card_1", "object": "card"})),
            _ => None,
        };
        let list =
            json!({"object": "list", "data": [{"customer": "cus_1"}, {"customer": "cus_9"}]});
        let out = expand(
            list,
            &params(json!({"expand": ["data.customer.default_source"]})),
            stored,
        );
        assert_eq!(
            out["data"][0]["customer"]["default_source"]["object"],
            "card"
        );
        assert_eq!(out["data"][1]["customer"], "cus_9");
    }

    #[test]
    fn filters_and_ranges() {
        let object = json!({"customer": {"id": "cus_1"}, "created": 100, "amount": 5});
        assert!(matches_filters(
            &object,
            &params(json!({"customer": "cus_1", "limit": 3}))
        ));
        assert!(!matches_filters(
            &object,
            &params(json!({"customer": "cus_2"}))
        ));
        assert!(matches_filters(
            &object,
            &params(json!({"created": {"gte": 100, "lt": "200"}}))
        ));
        assert!(!matches_filters(
            &object,
            &params(json!({"created": {"gt": 100}}))
        ));
        assert!(matches_filters(&object, &params(json!({"amount": 5}))));
    }

    #[test]
    fn search_clauses() {
        let object = json!({"email": "jen@example.com", "amount": 2000, "metadata": {"order": "6735"}, "status": "paid"});
        let all = |q: &str| parse_query(q).iter().all(|c| c.matches(&object));
        assert!(all("email:'jen@example.com'"));
        assert!(all("metadata[\"order\"]:\"6735\" AND amount>1000"));
        assert!(!all("amount<=1000"));
        assert!(all("-status:\"failed\" AND email~\"jen\""));
        assert!(!all("status:\"failed\""));
        assert!(all("status:\"failed\" OR status:\"paid\""));
    }
}
