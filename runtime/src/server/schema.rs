//! Request validation from the spec: generated code describes each input type with these
//! static descriptors, and [`check`] validates a decoded value against one, converting the
//! strings of a form body into the numbers and booleans the schema asks for.

use serde_json::{Map, Number, Value};

use super::Rejection;

/// What a value must look like.
#[derive(Debug)]
pub enum Schema {
    String(StringSchema),
    Integer {
        minimum: Option<f64>,
        maximum: Option<f64>,
    },
    Number {
        minimum: Option<f64>,
        maximum: Option<f64>,
    },
    Boolean,
    /// A boolean that must be one of these values (`enum: [true]`).
    BooleanEnum(&'static [bool]),
    /// An integer that must be one of these values.
    IntegerEnum(&'static [i64]),
    Array {
        items: &'static Schema,
        max_items: Option<usize>,
    },
    Map {
        values: &'static Schema,
        max_properties: Option<usize>,
        max_key_length: Option<usize>,
    },
    Object {
        fields: &'static [Field],
        additional: Option<&'static Schema>,
    },
    /// The first alternative that fits.
    AnyOf(&'static [&'static Schema]),
    /// A value, or `""` to unset it.
    Unsettable(&'static Schema),
    /// Anything.
    Any,
}

#[derive(Debug)]
pub struct StringSchema {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// Allowed values, if the schema is an enum.
    pub values: Option<&'static [&'static str]>,
    /// `x-stripeBypassValidation`: values outside the list are accepted too.
    pub open: bool,
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub nullable: bool,
    pub schema: &'static Schema,
}

/// Names a parameter as Stripe does: `shipping[address][city]`.
fn child(param: &str, key: &str) -> String {
    if param.is_empty() {
        key.to_owned()
    } else {
        format!("{param}[{key}]")
    }
}

/// A value outside an integer or boolean enum.
fn not_one_of<T: std::fmt::Display>(param: &str, values: &[T]) -> Rejection {
    let list: Vec<String> = values.iter().map(T::to_string).collect();
    Rejection::new(
        param,
        format!("Invalid {param}: must be one of {}", list.join(", ")),
    )
}

/// A boolean, or in a form the text `true` or `false`.
fn boolean(value: Value, form: bool) -> Option<bool> {
    match value {
        Value::String(text) if form && text == "true" => Some(true),
        Value::String(text) if form && text == "false" => Some(false),
        Value::Bool(b) => Some(b),
        _ => None,
    }
}

/// Validates `value` (at parameter `param`) against `schema`. With `form`, leaves are strings
/// and are converted to the scalar types the schema wants.
pub fn check(value: Value, schema: &Schema, param: &str, form: bool) -> Result<Value, Rejection> {
    let invalid = |what: &str| invalid(param, what);
    let scalar = matches!(
        schema,
        Schema::String(_)
            | Schema::Integer { .. }
            | Schema::IntegerEnum(_)
            | Schema::Number { .. }
            | Schema::Boolean
            | Schema::BooleanEnum(_)
    );
    if form && scalar && value.is_array() {
        return Err(Rejection::new(
            param,
            format!("Received more than one value for `{param}`, which takes one."),
        ));
    }
    match schema {
        Schema::Any => Ok(value),
        Schema::String(s) => check_string(value, s, param),
        Schema::Integer { minimum, maximum } => {
            let number = integer(value, param, form)?;
            range(number as f64, *minimum, *maximum, param)?;
            Ok(Value::Number(number.into()))
        }
        Schema::Number { minimum, maximum } => {
            let number = match value {
                Value::String(text) if form => {
                    text.trim().parse::<f64>().map_err(|_| invalid("number"))?
                }
                Value::Number(n) => n.as_f64().ok_or_else(|| invalid("number"))?,
                _ => return Err(invalid("number")),
            };
            range(number, *minimum, *maximum, param)?;
            Number::from_f64(number)
                .map(Value::Number)
                .ok_or_else(|| invalid("number"))
        }
        Schema::IntegerEnum(values) => {
            let number = integer(value, param, form)?;
            if !values.contains(&number) {
                return Err(not_one_of(param, values));
            }
            Ok(Value::Number(number.into()))
        }
        Schema::Boolean => boolean(value, form)
            .map(Value::Bool)
            .ok_or_else(|| invalid("boolean")),
        Schema::BooleanEnum(values) => {
            let b = boolean(value, form).ok_or_else(|| invalid("boolean"))?;
            if !values.contains(&b) {
                return Err(not_one_of(param, values));
            }
            Ok(Value::Bool(b))
        }
        Schema::Array { items, max_items } => check_array(value, items, *max_items, param, form),
        Schema::Map {
            values,
            max_properties,
            max_key_length,
        } => check_map(
            value,
            values,
            (*max_properties, *max_key_length),
            param,
            form,
        ),
        Schema::Object { fields, additional } => {
            check_object(value, fields, *additional, param, form)
        }
        Schema::AnyOf(alternatives) => {
            let mut first_error = None;
            for alternative in alternatives.iter() {
                match check(value.clone(), alternative, param, form) {
                    Ok(checked) => return Ok(checked),
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
            Err(first_error.unwrap_or_else(|| invalid("value")))
        }
        Schema::Unsettable(inner) => match value {
            Value::String(text) if text.is_empty() => Ok(Value::String(text)),
            other => check(other, inner, param, form),
        },
    }
}

fn invalid(param: &str, what: &str) -> Rejection {
    Rejection::new(param, format!("Invalid {what}: `{param}`."))
}

/// An integer: a JSON number, or in a form the text of one.
fn integer(value: Value, param: &str, form: bool) -> Result<i64, Rejection> {
    match value {
        Value::String(text) if form => text
            .trim()
            .parse::<i64>()
            .map_err(|_| invalid(param, "integer")),
        Value::Number(n) => n.as_i64().ok_or_else(|| invalid(param, "integer")),
        _ => Err(invalid(param, "integer")),
    }
}

fn check_string(value: Value, s: &StringSchema, param: &str) -> Result<Value, Rejection> {
    let Value::String(text) = value else {
        return Err(invalid(param, "string"));
    };
    let length = text.chars().count();
    if let Some(values) = s.values {
        if !s.open && !values.contains(&text.as_str()) {
            return Err(Rejection::new(
                param,
                format!("Invalid {param}: must be one of {}", values.join(", ")),
            ));
        }
    }
    if s.min_length.is_some_and(|min| length < min) {
        return Err(Rejection::new(
            param,
            format!(
                "Invalid {param}: must be at least {} characters",
                s.min_length.unwrap_or_default()
            ),
        ));
    }
    if s.max_length.is_some_and(|max| length > max) {
        return Err(Rejection::new(
            param,
            format!(
                "Invalid {param}: must be at most {} characters",
                s.max_length.unwrap_or_default()
            ),
        ));
    }
    Ok(Value::String(text))
}

fn check_array(
    value: Value,
    items: &Schema,
    max_items: Option<usize>,
    param: &str,
    form: bool,
) -> Result<Value, Rejection> {
    let elements = match value {
        Value::Array(elements) => elements,
        // `expand=customer`: one value of a list sent without brackets.
        Value::String(single) if form => vec![Value::String(single)],
        _ => return Err(invalid(param, "array")),
    };
    if max_items.is_some_and(|max| elements.len() > max) {
        return Err(Rejection::new(
            param,
            format!("Invalid {param}: too many items"),
        ));
    }
    elements
        .into_iter()
        .enumerate()
        .map(|(index, element)| check(element, items, &child(param, &index.to_string()), form))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

fn check_map(
    value: Value,
    values: &Schema,
    (max_properties, max_key_length): (Option<usize>, Option<usize>),
    param: &str,
    form: bool,
) -> Result<Value, Rejection> {
    let Value::Object(entries) = value else {
        return Err(invalid(param, "object"));
    };
    if let Some(max) = max_properties.filter(|max| entries.len() > *max) {
        return Err(Rejection::new(
            param,
            format!("Invalid {param}: at most {max} keys are allowed"),
        ));
    }
    let mut out = Map::new();
    for (key, entry) in entries {
        if let Some(max) = max_key_length.filter(|max| key.chars().count() > *max) {
            return Err(Rejection::new(
                child(param, &key),
                format!("Invalid {param}: keys can be at most {max} characters long"),
            ));
        }
        let entry = check(entry, values, &child(param, &key), form)?;
        out.insert(key, entry);
    }
    Ok(Value::Object(out))
}

fn check_object(
    value: Value,
    fields: &[Field],
    additional: Option<&Schema>,
    param: &str,
    form: bool,
) -> Result<Value, Rejection> {
    let Value::Object(mut entries) = value else {
        // An empty form value for an object is not an object.
        return Err(invalid(param, "object"));
    };
    let mut out = Map::new();
    // Most fields of a request are absent: their names are only made when needed.
    for field in fields.iter() {
        match entries.remove(field.name) {
            None if field.required => {
                let name = child(param, field.name);
                return Err(Rejection::new(
                    &name,
                    format!("Missing required param: {name}."),
                ));
            }
            None => {}
            Some(Value::Null) if field.nullable => {
                out.insert(field.name.to_owned(), Value::Null);
            }
            Some(entry) => {
                let name = child(param, field.name);
                out.insert(
                    field.name.to_owned(),
                    check(entry, field.schema, &name, form)?,
                );
            }
        }
    }
    match additional {
        Some(schema) => {
            for (key, entry) in entries {
                let entry = check(entry, schema, &child(param, &key), form)?;
                out.insert(key, entry);
            }
        }
        None => {
            if let Some(key) = entries.keys().next() {
                let name = child(param, key);
                return Err(Rejection::new(
                    &name,
                    format!("Received unknown parameter: {name}"),
                ));
            }
        }
    }
    Ok(Value::Object(out))
}

fn range(
    number: f64,
    minimum: Option<f64>,
    maximum: Option<f64>,
    param: &str,
) -> Result<(), Rejection> {
    if let Some(min) = minimum.filter(|min| number < *min) {
        return Err(Rejection::new(
            param,
            format!("Invalid {param}: must be at least {min}"),
        ));
    }
    if let Some(max) = maximum.filter(|max| number > *max) {
        return Err(Rejection::new(
            param,
            format!("Invalid {param}: must be at most {max}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static TEXT: Schema = Schema::String(StringSchema {
        min_length: None,
        max_length: Some(500),
        values: None,
        open: false,
    });
    static METADATA: Schema = Schema::Map {
        values: &TEXT,
        max_properties: Some(20),
        max_key_length: Some(40),
    };
    static LIMIT: Schema = Schema::Integer {
        minimum: Some(1.0),
        maximum: Some(100.0),
    };
    static STATUS: Schema = Schema::String(StringSchema {
        min_length: None,
        max_length: None,
        values: Some(&["a", "b"]),
        open: false,
    });
    static BODY: Schema = Schema::Object {
        fields: &[
            Field {
                name: "limit",
                required: true,
                nullable: false,
                schema: &LIMIT,
            },
            Field {
                name: "metadata",
                required: false,
                nullable: false,
                schema: &Schema::Unsettable(&METADATA),
            },
            Field {
                name: "status",
                required: false,
                nullable: false,
                schema: &STATUS,
            },
            Field {
                name: "flag",
                required: false,
                nullable: false,
                schema: &Schema::Boolean,
            },
        ],
        additional: None,
    };

    fn param_of(value: Value) -> String {
        check(value, &BODY, "", true).unwrap_err().param
    }

    #[test]
    fn converts_form_strings_and_checks_limits() {
        let ok = check(
            json!({"limit": "10", "flag": "true", "metadata": {"k": "v"}}),
            &BODY,
            "",
            true,
        )
        .unwrap();
        assert_eq!(
            ok,
            json!({"limit": 10, "flag": true, "metadata": {"k": "v"}})
        );
        assert_eq!(
            check(json!({"limit": "1", "metadata": ""}), &BODY, "", true).unwrap()["metadata"],
            ""
        );
        assert_eq!(param_of(json!({})), "limit");
        assert_eq!(param_of(json!({"limit": "0"})), "limit");
        assert_eq!(param_of(json!({"limit": "101"})), "limit");
        assert_eq!(param_of(json!({"limit": "ten"})), "limit");
        assert_eq!(param_of(json!({"limit": "5", "status": "c"})), "status");
        assert_eq!(param_of(json!({"limit": "5", "flag": "yes"})), "flag");
        assert_eq!(param_of(json!({"limit": "5", "bogus": "1"})), "bogus");
        assert_eq!(
            param_of(json!({"limit": ["5", "6"]})),
            "limit",
            "a repeated scalar"
        );
        assert_eq!(
            param_of(json!({"limit": "5", "metadata": {"k": "v".repeat(501)}})),
            "metadata[k]"
        );
        assert_eq!(
            param_of(json!({"limit": "5", "metadata": {"k".repeat(41): "v"}})),
            format!("metadata[{}]", "k".repeat(41))
        );
        static LEVEL: Schema = Schema::IntegerEnum(&[1, 2]);
        assert_eq!(check(json!("2"), &LEVEL, "level", true).unwrap(), json!(2));
        assert_eq!(
            check(json!("3"), &LEVEL, "level", true).unwrap_err().param,
            "level"
        );
        static ONLY_TRUE: Schema = Schema::BooleanEnum(&[true]);
        assert_eq!(
            check(json!("true"), &ONLY_TRUE, "include", true).unwrap(),
            json!(true)
        );
        assert_eq!(
            check(json!(true), &ONLY_TRUE, "include", false).unwrap(),
            json!(true)
        );
        let refused = check(json!("false"), &ONLY_TRUE, "include", true).unwrap_err();
        assert_eq!(refused.param, "include");
        assert!(
            refused.message.contains("must be one of true"),
            "{}",
            refused.message
        );
        assert!(check(json!("yes"), &ONLY_TRUE, "include", true).is_err());
        let many: Map<String, Value> = (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert_eq!(
            param_of(json!({"limit": "5", "metadata": many})),
            "metadata"
        );
    }
}
