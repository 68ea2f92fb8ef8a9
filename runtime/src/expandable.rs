//! Expandable fields: an id or, when expanded, the object; objects and their ids.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An API object that has an id: what an [`Expandable`] field expands to.
pub trait Object {
    /// The id newtype of the object (`ChargeId`, `CustomerId`...).
    type Id: Clone + fmt::Debug + PartialEq + From<String> + AsRef<str>;

    /// The object's id as sent on the wire (empty for an unknown object without one).
    fn id_str(&self) -> &str;
}

/// An id of an object whose kind is not known statically (a union of different objects).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AnyId(String);

impl AnyId {
    /// An id of any kind of object.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for AnyId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

impl AsRef<str> for AnyId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AnyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A field that holds either the id of a related object or, when the request asked for it
/// with `expand[]`, the whole object.
pub enum Expandable<T: Object> {
    /// Not expanded: only the id.
    Id(T::Id),
    /// Expanded: the full object.
    Object(Box<T>),
}

impl<T: Object> Expandable<T> {
    /// The id, whether or not the field was expanded.
    pub fn id(&self) -> T::Id {
        match self {
            Expandable::Id(id) => id.clone(),
            Expandable::Object(object) => T::Id::from(object.id_str().to_owned()),
        }
    }

    /// The id as a string slice, whether or not the field was expanded.
    pub fn id_str(&self) -> &str {
        match self {
            Expandable::Id(id) => id.as_ref(),
            Expandable::Object(object) => object.id_str(),
        }
    }

    /// Whether the object came back expanded.
    pub fn is_expanded(&self) -> bool {
        matches!(self, Expandable::Object(_))
    }

    /// The object, if the field was expanded.
    pub fn as_object(&self) -> Option<&T> {
        match self {
            Expandable::Id(_) => None,
            Expandable::Object(object) => Some(object),
        }
    }

    /// The object, if the field was expanded.
    pub fn into_object(self) -> Option<T> {
        match self {
            Expandable::Id(_) => None,
            Expandable::Object(object) => Some(*object),
        }
    }
}

impl<T: Object + Clone> Clone for Expandable<T> {
    fn clone(&self) -> Self {
        match self {
            Expandable::Id(id) => Expandable::Id(id.clone()),
            Expandable::Object(object) => Expandable::Object(object.clone()),
        }
    }
}

impl<T: Object + fmt::Debug> fmt::Debug for Expandable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expandable::Id(id) => f.debug_tuple("Id").field(id).finish(),
            Expandable::Object(object) => f.debug_tuple("Object").field(object).finish(),
        }
    }
}

impl<T: Object + PartialEq> PartialEq for Expandable<T> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Expandable::Id(a), Expandable::Id(b)) => a == b,
            (Expandable::Object(a), Expandable::Object(b)) => a == b,
            _ => false,
        }
    }
}

impl<T: Object + Serialize> Serialize for Expandable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Expandable::Id(id) => serializer.serialize_str(id.as_ref()),
            Expandable::Object(object) => object.serialize(serializer),
        }
    }
}

impl<'de, T: Object + Deserialize<'de>> Deserialize<'de> for Expandable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExpandableVisitor<T>(PhantomData<T>);

        impl<'de, T: Object + Deserialize<'de>> Visitor<'de> for ExpandableVisitor<T> {
            type Value = Expandable<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id string or an expanded object")
            }

            fn visit_str<E: de::Error>(self, id: &str) -> Result<Self::Value, E> {
                Ok(Expandable::Id(T::Id::from(id.to_owned())))
            }

            fn visit_string<E: de::Error>(self, id: String) -> Result<Self::Value, E> {
                Ok(Expandable::Id(T::Id::from(id)))
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
                    .map(|object| Expandable::Object(Box::new(object)))
            }
        }

        deserializer.deserialize_any(ExpandableVisitor(PhantomData))
    }
}
