//! The tree a request's parameters and body are read into, validated in ([`super::check`])
//! and decoded from into the operation's types: JSON's shape, with keys and strings
//! borrowed from the request where no escape had to be decoded. A form body of five
//! parameters had been five key strings, five value strings and a `serde_json::Value` map
//! per level, walked again by `serde_json::from_value`; borrowed, the tree costs its nodes
//! only, and the operation's types are decoded from it directly.

use std::borrow::Cow;
use std::collections::{btree_map, BTreeMap};
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Number;
#[cfg(test)]
use serde_json::Value;

/// A JSON value whose keys and strings may borrow from the request.
#[derive(Clone, Debug, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    /// Keys in order, as `serde_json::Map` keeps them without `preserve_order`.
    Object(BTreeMap<Cow<'a, str>, Node<'a>>),
}

impl Node<'_> {
    /// Takes the node, leaving `Null`.
    pub fn take(&mut self) -> Self {
        std::mem::replace(self, Node::Null)
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Node::Array(_))
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Node::String(_))
    }
}

// The conversions tests compare with `serde_json` by: each side reads the other through
// its own `Deserialize`.
#[cfg(test)]
impl From<Value> for Node<'static> {
    fn from(value: Value) -> Self {
        de::Deserialize::deserialize(value).expect("a JSON value reads into a node")
    }
}

#[cfg(test)]
impl From<Node<'_>> for Value {
    fn from(node: Node<'_>) -> Self {
        de::Deserialize::deserialize(node).expect("a node reads into a JSON value")
    }
}

/// Decoding a node into a type failed (a type the schema does not describe).
#[derive(Debug)]
pub struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DecodeError(message.to_string())
    }
}

// Reading JSON into a node: strings without escapes stay borrowed from the body. Numbers,
// nulls and duplicate keys (the last wins) come out as `serde_json::Value` has them.
impl<'de> de::Deserialize<'de> for Node<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Node<'de>, E> {
        Ok(Number::from_f64(n).map_or(Node::Null, Node::Number))
    }

    fn visit_str<E>(self, text: &str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(text.to_owned())))
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Borrowed(text)))
    }

    fn visit_string<E>(self, text: String) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(text)))
    }

    fn visit_none<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        de::Deserialize::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value()?;
            entries.insert(key, value);
        }
        Ok(Node::Object(entries))
    }
}

/// A map key, borrowed when it can be.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        struct Key;
        impl<'de> Visitor<'de> for Key {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_str<E>(self, text: &str) -> Result<Cow<'de, str>, E> {
                Ok(Cow::Owned(text.to_owned()))
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Cow<'de, str>, E> {
                Ok(Cow::Borrowed(text))
            }
            fn visit_string<E>(self, text: String) -> Result<Cow<'de, str>, E> {
                Ok(Cow::Owned(text))
            }
        }
        d.deserialize_str(Key)
    }
}

// Decoding a node into a type, as `serde_json::from_value` decodes a `Value`: the same
// visits for the same shapes, so the same types decode and fail with the same messages.
impl<'de> de::Deserializer<'de> for Node<'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Node::Null => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(b),
            Node::Number(n) => n.deserialize_any(visitor).map_err(de::Error::custom),
            Node::String(Cow::Borrowed(text)) => visitor.visit_borrowed_str(text),
            Node::String(Cow::Owned(text)) => visitor.visit_string(text),
            Node::Array(items) => {
                let length = items.len();
                let mut seq = Seq(items.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                if seq.0.len() == 0 {
                    Ok(value)
                } else {
                    Err(de::Error::invalid_length(
                        length,
                        &"fewer elements in array",
                    ))
                }
            }
            Node::Object(map) => {
                let length = map.len();
                let mut entries = Entries {
                    entries: map.into_iter(),
                    value: None,
                };
                let value = visitor.visit_map(&mut entries)?;
                if entries.entries.len() == 0 {
                    Ok(value)
                } else {
                    Err(de::Error::invalid_length(length, &"fewer elements in map"))
                }
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Node::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let (variant, value) = match self {
            Node::Object(map) => {
                let mut entries = map.into_iter();
                let Some((variant, value)) = entries.next() else {
                    return Err(de::Error::invalid_value(
                        de::Unexpected::Map,
                        &"map with a single key",
                    ));
                };
                if entries.next().is_some() {
                    return Err(de::Error::invalid_value(
                        de::Unexpected::Map,
                        &"map with a single key",
                    ));
                }
                (variant, Some(value))
            }
            Node::String(variant) => (variant, None),
            other => {
                return Err(de::Error::invalid_type(
                    other.unexpected(),
                    &"string or map",
                ))
            }
        };
        visitor.visit_enum(Enum { variant, value })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        drop(self);
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

impl Node<'_> {
    fn unexpected(&self) -> de::Unexpected<'_> {
        match self {
            Node::Null => de::Unexpected::Unit,
            Node::Bool(b) => de::Unexpected::Bool(*b),
            Node::Number(_) => de::Unexpected::Other("number"),
            Node::String(text) => de::Unexpected::Str(text),
            Node::Array(_) => de::Unexpected::Seq,
            Node::Object(_) => de::Unexpected::Map,
        }
    }
}

/// A key as a deserializer: borrowed keys are visited as borrowed.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
            Cow::Owned(text) => visitor.visit_string(text),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_enum(Enum {
            variant: self.0,
            value: None,
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

struct Seq<'de>(std::vec::IntoIter<Node<'de>>);

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        self.0.next().map(|item| seed.deserialize(item)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'de> {
    entries: btree_map::IntoIter<Cow<'de, str>, Node<'de>>,
    value: Option<Node<'de>>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(Key(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Enum<'de> {
    variant: Cow<'de, str>,
    value: Option<Node<'de>>,
}

impl<'de> de::EnumAccess<'de> for Enum<'de> {
    type Error = DecodeError;
    type Variant = Variant<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Variant<'de>), DecodeError> {
        let variant = seed.deserialize(Key(self.variant))?;
        Ok((variant, Variant(self.value)))
    }
}

struct Variant<'de>(Option<Node<'de>>);

impl<'de> de::VariantAccess<'de> for Variant<'de> {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        match self.0 {
            None => Ok(()),
            Some(value) => de::Deserialize::deserialize(value),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DecodeError> {
        match self.0 {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.content(
            |node| matches!(node, Node::Array(_)),
            "tuple variant",
            visitor,
        )
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.content(
            |node| matches!(node, Node::Object(_)),
            "struct variant",
            visitor,
        )
    }
}

impl<'de> Variant<'de> {
    /// A tuple or struct variant's content (`expected` names which), of the shape `fits`.
    fn content<V: Visitor<'de>>(
        self,
        fits: fn(&Node<'de>) -> bool,
        expected: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self.0 {
            Some(node) if fits(&node) => de::Deserializer::deserialize_any(node, visitor),
            Some(other) => Err(de::Error::invalid_type(other.unexpected(), &expected)),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &expected,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Body {
        amount: i64,
        currency: String,
        description: Option<String>,
        metadata: BTreeMap<String, String>,
        kind: Kind,
        tags: Vec<u8>,
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Card,
        Other(String),
        Pair(u8, u8),
        Named { code: String },
    }

    /// A node decodes into the same values as the `serde_json::Value` it stands for, and
    /// fails with the same messages.
    #[test]
    fn decodes_as_serde_json_decodes_the_same_value() {
        let value = json!({
            "amount": 1000, "currency": "usd", "description": null,
            "metadata": {"a": "1", "b": "x y"}, "kind": "card", "tags": [1, 2, 255]
        });
        let text = value.to_string();
        let node: Node = serde_json::from_str(&text).unwrap();
        assert!(
            matches!(&node, Node::Object(map) if matches!(map["currency"], Node::String(Cow::Borrowed(_))))
        );
        let from_node: Body = de::Deserialize::deserialize(node.clone()).unwrap();
        let from_value: Body = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(from_node, from_value);
        let borrowed: &str = de::Deserialize::deserialize(Node::String(Cow::Borrowed("usd")))
            .expect("a borrowed string decodes as borrowed");
        assert_eq!(borrowed, "usd");
        assert_eq!(Value::from(node), value);

        let other = json!({"amount": 1, "currency": "usd", "description": "d", "metadata": {},
            "kind": {"other": "x"}, "tags": []});
        let from_node: Body = de::Deserialize::deserialize(Node::from(other.clone())).unwrap();
        assert_eq!(from_node, serde_json::from_value::<Body>(other).unwrap());

        for kind in [json!({"pair": [1, 2]}), json!({"named": {"code": "x"}})] {
            let value =
                json!({"amount": 1, "currency": "usd", "metadata": {}, "kind": kind, "tags": []});
            let from_node: Body = de::Deserialize::deserialize(Node::from(value.clone())).unwrap();
            assert_eq!(from_node, serde_json::from_value::<Body>(value).unwrap());
        }

        for bad in [
            json!({"amount": "1", "currency": "usd", "metadata": {}, "kind": "card", "tags": []}),
            json!({"amount": 1, "currency": "usd", "metadata": {}, "kind": "cash", "tags": []}),
            json!({"amount": 1, "currency": "usd", "metadata": {}, "kind": "card", "tags": [256]}),
            json!({"amount": 1, "currency": "usd", "metadata": {}, "kind": "card"}),
            json!({"amount": 1, "currency": "usd", "metadata": {}, "kind": {"a": "1", "b": "2"}, "tags": []}),
            json!({"amount": 1, "currency": "usd", "metadata": {}, "kind": {"pair": {"a": 1}}, "tags": []}),
            json!({"amount": 1, "currency": "usd", "metadata": {}, "kind": {"named": [1]}, "tags": []}),
            json!({"amount": 1, "currency": "usd", "metadata": {}, "kind": "pair", "tags": []}),
            json!({"amount": 1, "currency": "usd", "metadata": {}, "kind": "named", "tags": []}),
            json!({"amount": 1, "currency": "usd", "metadata": {}, "kind": "other", "tags": []}),
        ] {
            let node_error = <Body as de::Deserialize>::deserialize(Node::from(bad.clone()))
                .unwrap_err()
                .to_string();
            let value_error = serde_json::from_value::<Body>(bad).unwrap_err().to_string();
            assert_eq!(node_error, value_error);
        }
    }
}
