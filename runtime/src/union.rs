//! Choosing the variant of a union of objects from the constant-valued properties of each
//! variant (Stripe's `object`, plus e.g. `deleted: true` for deleted objects).

use serde_json::Value;

/// A constant a variant's property always has.
#[derive(Clone, Copy, Debug)]
pub enum Const {
    /// A string property's value.
    Str(&'static str),
    /// A boolean property's value.
    Bool(bool),
}

impl Const {
    fn matches(self, value: &Value) -> bool {
        match (self, value) {
            (Const::Str(expected), Value::String(actual)) => expected == actual,
            (Const::Bool(expected), Value::Bool(actual)) => expected == *actual,
            _ => false,
        }
    }
}

/// The index of the variant all of whose constants the value matches, preferring the variant
/// with the most constants (so `{object: customer, deleted: true}` picks the deleted variant);
/// `None` when no variant matches (an object kind this code does not know yet).
pub fn select(value: &Value, variants: &[&[(&str, Const)]]) -> Option<usize> {
    let object = value.as_object()?;
    let mut best: Option<(usize, usize)> = None;
    for (index, constants) in variants.iter().enumerate() {
        let all_match = constants
            .iter()
            .all(|(property, constant)| object.get(*property).is_some_and(|v| constant.matches(v)));
        if all_match && best.is_none_or(|(_, count)| constants.len() > count) {
            best = Some((index, constants.len()));
        }
    }
    best.map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CUSTOMER: &[(&str, Const)] = &[("object", Const::Str("customer"))];
    const DELETED: &[(&str, Const)] = &[
        ("object", Const::Str("customer")),
        ("deleted", Const::Bool(true)),
    ];

    #[test]
    fn most_specific_variant_wins() {
        let variants = [CUSTOMER, DELETED];
        assert_eq!(
            select(&json!({"object": "customer", "id": "cus_1"}), &variants),
            Some(0)
        );
        assert_eq!(
            select(&json!({"object": "customer", "deleted": true}), &variants),
            Some(1)
        );
        assert_eq!(select(&json!({"object": "card"}), &variants), None);
        assert_eq!(select(&json!("cus_1"), &variants), None);
    }
}
