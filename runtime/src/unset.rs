//! "Empty string unsets": a value, or `""` to clear it.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// A parameter that can be set to a value or explicitly unset with an empty string
/// (Stripe's `anyOf: [T, {enum: [""]}]`): `metadata=` clears all metadata.
#[derive(Clone, Debug, PartialEq)]
pub enum MaybeUnset<T> {
    /// A value.
    Set(T),
    /// `""` on the wire: clear the value.
    Unset,
}

impl<T> From<T> for MaybeUnset<T> {
    fn from(value: T) -> Self {
        MaybeUnset::Set(value)
    }
}

impl<T: Serialize> Serialize for MaybeUnset<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MaybeUnset::Set(value) => value.serialize(serializer),
            MaybeUnset::Unset => serializer.serialize_str(""),
        }
    }
}

impl<'de, T: de::DeserializeOwned> Deserialize<'de> for MaybeUnset<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Buffered: "" means unset, anything else is `T` (which may itself be a string).
        let value = serde_json::Value::deserialize(deserializer)?;
        if value.as_str() == Some("") {
            return Ok(MaybeUnset::Unset);
        }
        T::deserialize(value)
            .map(MaybeUnset::Set)
            .map_err(de::Error::custom)
    }
}
