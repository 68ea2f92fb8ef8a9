//! Request validation from the spec: generated code describes each input type with these
//! static descriptors, and [`check`] validates a decoded value against one, converting the
//! strings of a form body into the numbers and booleans the schema asks for.

use serde_json::Number;

use super::node::Node;

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

/// Where a value sits in the request, named only when an error needs it (most values are
/// valid, and a name per value was a string allocated per parameter).
#[derive(Clone, Copy)]
enum Param<'a> {
    Root(&'a str),
    Key(&'a Param<'a>, &'a str),
    Index(&'a Param<'a>, usize),
}

impl Param<'_> {
    /// Names a parameter as Stripe does: `shipping[address][city]`.
    fn name(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let (parent, key) = match *self {
            Param::Root(name) => return out.push_str(name),
            Param::Key(parent, key) => (parent, Ok(key)),
            Param::Index(parent, index) => (parent, Err(index)),
        };
        parent.write(out);
        let top = out.is_empty();
        if !top {
            out.push('[');
        }
        match key {
            Ok(key) => out.push_str(key),
            Err(index) => {
                let _ = write!(out, "{index}");
            }
        }
        if !top {
            out.push(']');
        }
    }

    fn rejection(&self, message: impl FnOnce(&str) -> String) -> Rejection {
        let name = self.name();
        let message = message(&name);
        Rejection::new(name, message)
    }
}

/// A value outside an integer or boolean enum.
fn not_one_of<T: std::fmt::Display>(param: &Param, values: &[T]) -> Rejection {
    let list: Vec<String> = values.iter().map(T::to_string).collect();
    param.rejection(|name| format!("Invalid {name}: must be one of {}", list.join(", ")))
}

/// A boolean, or in a form the text `true` or `false`.
fn boolean(value: &Node, form: bool) -> Option<bool> {
    match value {
        Node::String(text) if form && text == "true" => Some(true),
        Node::String(text) if form && text == "false" => Some(false),
        Node::Bool(b) => Some(*b),
        _ => None,
    }
}

/// Validates `value` (at parameter `param`) against `schema`. With `form`, leaves are strings
/// and are converted to the scalar types the schema wants.
pub fn check<'a>(
    mut value: Node<'a>,
    schema: &Schema,
    param: &str,
    form: bool,
) -> Result<Node<'a>, Rejection> {
    check_in(&mut value, schema, &Param::Root(param), form)?;
    Ok(value)
}

/// [`check`] in place: converts form strings where they stand.
fn check_in(value: &mut Node, schema: &Schema, param: &Param, form: bool) -> Result<(), Rejection> {
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
        return Err(param.rejection(|name| {
            format!("Received more than one value for `{name}`, which takes one.")
        }));
    }
    match schema {
        Schema::Any => Ok(()),
        Schema::String(s) => check_string(value, s, param),
        Schema::Integer { minimum, maximum } => {
            let number = integer(value, param, form)?;
            range(number as f64, *minimum, *maximum, param)?;
            *value = Node::Number(number.into());
            Ok(())
        }
        Schema::Number { minimum, maximum } => {
            let number = match &*value {
                Node::String(text) if form => {
                    text.trim().parse::<f64>().map_err(|_| invalid("number"))?
                }
                Node::Number(n) => n.as_f64().ok_or_else(|| invalid("number"))?,
                _ => return Err(invalid("number")),
            };
            range(number, *minimum, *maximum, param)?;
            *value = Number::from_f64(number)
                .map(Node::Number)
                .ok_or_else(|| invalid("number"))?;
            Ok(())
        }
        Schema::IntegerEnum(values) => {
            let number = integer(value, param, form)?;
            if !values.contains(&number) {
                return Err(not_one_of(param, values));
            }
            *value = Node::Number(number.into());
            Ok(())
        }
        Schema::Boolean => {
            *value = Node::Bool(boolean(value, form).ok_or_else(|| invalid("boolean"))?);
            Ok(())
        }
        Schema::BooleanEnum(values) => {
            let b = boolean(value, form).ok_or_else(|| invalid("boolean"))?;
            if !values.contains(&b) {
                return Err(not_one_of(param, values));
            }
            *value = Node::Bool(b);
            Ok(())
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
                let mut attempt = value.clone();
                match check_in(&mut attempt, alternative, param, form) {
                    Ok(()) => {
                        *value = attempt;
                        return Ok(());
                    }
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
            Err(first_error.unwrap_or_else(|| invalid("value")))
        }
        Schema::Unsettable(inner) => match value {
            Node::String(text) if text.is_empty() => Ok(()),
            other => check_in(other, inner, param, form),
        },
    }
}

fn invalid(param: &Param, what: &str) -> Rejection {
    param.rejection(|name| format!("Invalid {what}: `{name}`."))
}

/// An integer: a JSON number, or in a form the text of one.
fn integer(value: &Node, param: &Param, form: bool) -> Result<i64, Rejection> {
    match value {
        Node::String(text) if form => text
            .trim()
            .parse::<i64>()
            .map_err(|_| invalid(param, "integer")),
        Node::Number(n) => n.as_i64().ok_or_else(|| invalid(param, "integer")),
        _ => Err(invalid(param, "integer")),
    }
}

fn check_string(value: &Node, s: &StringSchema, param: &Param) -> Result<(), Rejection> {
    let Node::String(text) = value else {
        return Err(invalid(param, "string"));
    };
    if let Some(values) = s.values {
        if !s.open && !values.contains(&text.as_ref()) {
            return Err(param.rejection(|name| {
                format!("Invalid {name}: must be one of {}", values.join(", "))
            }));
        }
    }
    // Only counted when a limit asks (a byte length under the limit is a char count under
    // it too).
    let length = || text.chars().count();
    if s.min_length
        .is_some_and(|min| text.len() < min || length() < min)
    {
        return Err(param.rejection(|name| {
            format!(
                "Invalid {name}: must be at least {} characters",
                s.min_length.unwrap_or_default()
            )
        }));
    }
    if s.max_length
        .is_some_and(|max| text.len() > max && length() > max)
    {
        return Err(param.rejection(|name| {
            format!(
                "Invalid {name}: must be at most {} characters",
                s.max_length.unwrap_or_default()
            )
        }));
    }
    Ok(())
}

fn check_array(
    value: &mut Node,
    items: &Schema,
    max_items: Option<usize>,
    param: &Param,
    form: bool,
) -> Result<(), Rejection> {
    if form && value.is_string() {
        // `expand=customer`: one value of a list sent without brackets.
        *value = Node::Array(vec![value.take()]);
    }
    let Node::Array(elements) = value else {
        return Err(invalid(param, "array"));
    };
    if max_items.is_some_and(|max| elements.len() > max) {
        return Err(param.rejection(|name| format!("Invalid {name}: too many items")));
    }
    for (index, element) in elements.iter_mut().enumerate() {
        check_in(element, items, &Param::Index(param, index), form)?;
    }
    Ok(())
}

fn check_map(
    value: &mut Node,
    values: &Schema,
    (max_properties, max_key_length): (Option<usize>, Option<usize>),
    param: &Param,
    form: bool,
) -> Result<(), Rejection> {
    let Node::Object(entries) = value else {
        return Err(invalid(param, "object"));
    };
    if let Some(max) = max_properties.filter(|max| entries.len() > *max) {
        return Err(
            param.rejection(|name| format!("Invalid {name}: at most {max} keys are allowed"))
        );
    }
    for (key, entry) in entries.iter_mut() {
        let at = Param::Key(param, key);
        if let Some(max) =
            max_key_length.filter(|max| key.len() > *max && key.chars().count() > *max)
        {
            let name = param.name();
            return Err(Rejection::new(
                at.name(),
                format!("Invalid {name}: keys can be at most {max} characters long"),
            ));
        }
        check_in(entry, values, &at, form)?;
    }
    Ok(())
}

fn check_object(
    value: &mut Node,
    fields: &[Field],
    additional: Option<&Schema>,
    param: &Param,
    form: bool,
) -> Result<(), Rejection> {
    let Node::Object(entries) = value else {
        // An empty form value for an object is not an object.
        return Err(invalid(param, "object"));
    };
    // Each entry is matched to its field once; the fields are then checked in their order,
    // so that the first missing or invalid one is the error whatever the entries' order.
    // When every entry was a field, none is unknown.
    let mut found = 0;
    if entries.len() <= SMALL_OBJECT {
        // A few entries are matched by scanning the fields, lengths first: searching the
        // tree for each field (a create charge's 11 against its 4 entries) compares whole
        // keys and walks the tree each time.
        let mut matched: [Option<(usize, &mut Node)>; SMALL_OBJECT] =
            [const { None }; SMALL_OBJECT];
        for (key, entry) in entries.iter_mut() {
            if let Some(index) = fields.iter().position(|field| same(key, field.name)) {
                matched[found] = Some((index, entry));
                found += 1;
            }
        }
        let matched = &mut matched[..found];
        // Usually sorted already: fields and keys both come in name order.
        matched.sort_unstable_by_key(|slot| slot.as_ref().map_or(usize::MAX, |(index, _)| *index));
        let mut matched = matched.iter_mut().flatten().peekable();
        for (index, field) in fields.iter().enumerate() {
            let entry = matched
                .next_if(|(at, _)| *at == index)
                .map(|(_, entry)| &mut **entry);
            check_field(field, entry, param, form)?;
        }
    } else {
        for field in fields.iter() {
            let entry = entries.get_mut(field.name);
            found += usize::from(entry.is_some());
            check_field(field, entry, param, form)?;
        }
    }
    if entries.len() == found {
        return Ok(());
    }
    let known = |key: &str| fields.iter().any(|f| f.name == key);
    match additional {
        Some(schema) => {
            for (key, entry) in entries.iter_mut() {
                if !known(key) {
                    check_in(entry, schema, &Param::Key(param, key), form)?;
                }
            }
            Ok(())
        }
        None => match entries.keys().find(|key| !known(key)) {
            Some(key) => Err(Param::Key(param, key)
                .rejection(|name| format!("Received unknown parameter: {name}"))),
            None => Ok(()),
        },
    }
}

/// Objects of up to this many entries have them matched to fields by a scan.
const SMALL_OBJECT: usize = 16;

/// A field's entry (`None` when absent) checked against the field.
fn check_field(
    field: &Field,
    entry: Option<&mut Node>,
    param: &Param,
    form: bool,
) -> Result<(), Rejection> {
    match entry {
        None if field.required => Err(Param::Key(param, field.name)
            .rejection(|name| format!("Missing required param: {name}."))),
        None => Ok(()),
        Some(Node::Null) if field.nullable => Ok(()),
        Some(entry) => check_in(entry, field.schema, &Param::Key(param, field.name), form),
    }
}

/// `a == b` without a call to `memcmp`: field names are short, and most differ in length.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

fn range(
    number: f64,
    minimum: Option<f64>,
    maximum: Option<f64>,
    param: &Param,
) -> Result<(), Rejection> {
    if let Some(min) = minimum.filter(|min| number < *min) {
        return Err(param.rejection(|name| format!("Invalid {name}: must be at least {min}")));
    }
    if let Some(max) = maximum.filter(|max| number > *max) {
        return Err(param.rejection(|name| format!("Invalid {name}: must be at most {max}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// [`super::check`] of a JSON value.
    fn check(value: Value, schema: &Schema, param: &str, form: bool) -> Result<Value, Rejection> {
        super::check(Node::from(value), schema, param, form).map(Value::from)
    }

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
        let many: serde_json::Map<String, Value> =
            (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert_eq!(
            param_of(json!({"limit": "5", "metadata": many})),
            "metadata"
        );
    }
}
