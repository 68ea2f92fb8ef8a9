//! What generated `Deserialize` impls share: the key type (borrowed from the input where the
//! deserializer can lend it, serde_json without escapes; owned otherwise) and the check of a
//! required property.

use std::borrow::Cow;
use std::fmt;

/// A property name read by a generated decoder.
pub struct FieldKey<'de>(Cow<'de, str>);

impl<'de> FieldKey<'de> {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned (for a map of the properties not listed).
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> serde::Deserialize<'de> for FieldKey<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = FieldKey<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }

            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(FieldKey(Cow::Borrowed(v)))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(FieldKey(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(FieldKey(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// A required property's value, or serde's missing-field error naming it.
pub fn required<T, E: serde::de::Error>(value: Option<T>, name: &'static str) -> Result<T, E> {
    match value {
        Some(value) => Ok(value),
        None => Err(E::missing_field(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn borrows_plain_keys_and_owns_escaped_ones() {
        let mut de = serde_json::Deserializer::from_str(r#""plain""#);
        let key = FieldKey::deserialize(&mut de).unwrap();
        assert!(matches!(key.0, Cow::Borrowed("plain")));
        let mut de = serde_json::Deserializer::from_str(r#""esc\u0061ped""#);
        let key = FieldKey::deserialize(&mut de).unwrap();
        assert_eq!(key.as_str(), "escaped");
        assert_eq!(key.into_string(), "escaped");
    }
}
