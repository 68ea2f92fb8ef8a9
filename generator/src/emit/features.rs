//! Cargo features: one per operation group, so that a consumer compiles only the resources it
//! uses. A type is compiled when any feature whose operations reach it is on; reachability is
//! the dependency resolution between groups, so enabling `charges` alone compiles everything a
//! charge mentions and nothing else. Types no operation reaches (webhook payloads...) sit behind
//! one more feature. Every feature is additive: no type changes shape with the features.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Api, TypeId};

/// The feature of the types no operation reaches.
pub const EXTRA_MODELS: &str = "extra_models";

/// The feature that adds `Serialize` to the types only responses reach, without the server.
pub const SERIALIZE: &str = "serialize";

/// The feature that adds `Deserialize` to the types only requests reach, without the server.
pub const DESERIALIZE: &str = "deserialize";

/// The feature of the `Mock` server.
pub const MOCK: &str = "mock";

/// Feature names the generated `Cargo.toml` already uses for something else.
const RESERVED: [&str; 8] = [
    "default",
    "client",
    "server",
    "full",
    EXTRA_MODELS,
    SERIALIZE,
    DESERIALIZE,
    MOCK,
];

/// A set of features (indexes into [`Features::names`]); code behind it compiles when any is on.
pub type Gate = BTreeSet<usize>;

pub struct Features {
    /// Sorted; group features, then [`EXTRA_MODELS`] if any type needs it.
    names: Vec<String>,
    of_group: BTreeMap<String, usize>,
    of_type: Vec<Gate>,
    traffic: Vec<Traffic>,
}

/// Which way a type's values cross the wire, seen from the client: a type only sent needs
/// `Deserialize` with the server alone, a type only received needs `Serialize` with the server
/// alone. Types no operation reaches go both ways (a webhook payload is decoded by clients and
/// encoded by servers and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Traffic {
    /// In a request: parameters, bodies, their parts.
    pub sent: bool,
    /// In a response.
    pub received: bool,
}

impl Traffic {
    /// The `cfg` predicate under which `Serialize` is implemented: none (always), or the
    /// server's feature or [`SERIALIZE`].
    pub fn serialize_cfg(self) -> Option<TokenStream> {
        (!self.sent).then(|| server_or(SERIALIZE))
    }

    /// The `cfg` predicate under which `Deserialize` is implemented: none (always), or the
    /// server's feature or [`DESERIALIZE`].
    pub fn deserialize_cfg(self) -> Option<TokenStream> {
        (!self.received).then(|| server_or(DESERIALIZE))
    }
}

/// The server's feature or `feature`.
fn server_or(feature: &str) -> TokenStream {
    let server = server_predicate();
    quote!(any(#server, feature = #feature))
}

/// The `cfg` predicate of the server's code.
pub fn server_predicate() -> TokenStream {
    quote!(feature = "server")
}

impl Features {
    pub fn new(api: &Api) -> Features {
        let groups: BTreeSet<&str> = api.operations.iter().map(|op| op.group.as_str()).collect();
        if groups.is_empty() {
            // Nothing to choose between: no features, everything compiles.
            return Features {
                names: Vec::new(),
                of_group: BTreeMap::new(),
                of_type: vec![Gate::new(); api.types.len()],
                traffic: traffic(api),
            };
        }
        let mut names: Vec<String> = groups.iter().map(|g| feature_name(g)).collect();
        let mut of_type: Vec<Gate> = vec![Gate::new(); api.types.len()];
        let mut of_group = BTreeMap::new();
        for (index, group) in groups.iter().enumerate() {
            of_group.insert((*group).to_owned(), index);
            let roots = api
                .operations
                .iter()
                .filter(|op| op.group == *group)
                .flat_map(|op| op.references());
            for id in api.reachable(roots) {
                of_type[id.0].insert(index);
            }
        }
        let unreached: Vec<TypeId> = (0..api.types.len())
            .filter(|&i| of_type[i].is_empty())
            .map(TypeId)
            .collect();
        if !unreached.is_empty() {
            names.push(EXTRA_MODELS.to_owned());
            for id in api.reachable(unreached) {
                of_type[id.0].insert(names.len() - 1);
            }
        }
        Features {
            names,
            of_group,
            of_type,
            traffic: traffic(api),
        }
    }

    pub fn traffic(&self, id: TypeId) -> Traffic {
        self.traffic[id.0]
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Every group's feature name, by group.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &str)> {
        self.of_group
            .iter()
            .map(|(group, &i)| (group.as_str(), self.names[i].as_str()))
    }

    pub fn of_type(&self, id: TypeId) -> &Gate {
        &self.of_type[id.0]
    }

    pub fn of_group(&self, group: &str) -> Gate {
        self.of_group.get(group).copied().into_iter().collect()
    }

    /// The `#[cfg(..)]` of code behind `gate`; none when every group needs it anyway.
    pub fn cfg(&self, gate: &Gate) -> Option<TokenStream> {
        if gate.len() >= self.of_group.len() && self.of_group.values().all(|i| gate.contains(i)) {
            return None;
        }
        let names = gate.iter().map(|&i| self.names[i].as_str());
        Some(match gate.len() {
            1 => quote!(#[cfg(#(feature = #names)*)]),
            _ => quote!(#[cfg(any(#(feature = #names),*))]),
        })
    }

    /// The `#[cfg(..)]` of an item inside a module already behind `outer`: none when the
    /// module's gate says it all.
    pub fn cfg_within(&self, gate: &Gate, outer: &Gate) -> Option<TokenStream> {
        if gate == outer {
            None
        } else {
            self.cfg(gate)
        }
    }
}

/// Every type's [`Traffic`]: what requests reach is sent, what responses reach is received.
fn traffic(api: &Api) -> Vec<Traffic> {
    // Weakly too: an event's `Deserialize` needs that of each object kind it may hold.
    let sent = api.reachable_weakly(api.operations.iter().flat_map(|op| op.sent()));
    let received = api.reachable_weakly(api.operations.iter().flat_map(|op| op.received()));
    // What the unreached types mention goes both ways with them.
    let unreached = (0..api.types.len())
        .map(TypeId)
        .filter(|id| !sent.contains(id) && !received.contains(id));
    let both = api.reachable_weakly(unreached);
    (0..api.types.len())
        .map(TypeId)
        .map(|id| Traffic {
            sent: sent.contains(&id) || both.contains(&id),
            received: received.contains(&id) || both.contains(&id),
        })
        .collect()
}

/// The feature of a group: its module name, unless that is taken.
fn feature_name(group: &str) -> String {
    if RESERVED.contains(&group) {
        format!("{group}_api")
    } else {
        group.to_owned()
    }
}

/// Puts `attr` on every item of `tokens` (the several items of one type: struct, impls...).
pub fn gate_items(tokens: TokenStream, attr: Option<TokenStream>) -> Result<TokenStream, String> {
    let Some(attr) = attr else {
        return Ok(tokens);
    };
    let file: syn::File = syn::parse2(tokens)
        .map_err(|error| format!("internal error: generated code is not valid Rust: {error}"))?;
    let items = file.items.into_iter().map(|item| quote!(#attr #item));
    Ok(quote!(#(#items)*))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::test_support::api;

    #[test]
    fn traffic_follows_requests_responses_and_unreached_types() {
        let api = api(
            r#"/v1/widgets:
  post:
    requestBody:
      content:
        application/x-www-form-urlencoded:
          schema: {$ref: '#/components/schemas/WidgetParams'}
    responses:
      '200':
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Widget'}
"#,
            r#"Size:
  type: object
  properties: {width: {type: integer}}
WidgetParams:
  type: object
  properties: {size: {$ref: '#/components/schemas/Size'}, label: {$ref: '#/components/schemas/Label'}}
Label:
  type: object
  properties: {text: {type: string}}
Widget:
  type: object
  properties: {size: {$ref: '#/components/schemas/Size'}, part: {$ref: '#/components/schemas/Part'}}
Part:
  type: object
  properties: {name: {type: string}}
WidgetEvent:
  type: object
  properties: {part: {$ref: '#/components/schemas/Part'}}
"#,
        );
        let features = Features::new(&api);
        let traffic = |name: &str| {
            let index = api.types.iter().position(|t| t.name == name).unwrap();
            features.traffic(TypeId(index))
        };
        let way = |sent, received| Traffic { sent, received };
        assert_eq!(traffic("WidgetParams"), way(true, false));
        assert_eq!(traffic("Label"), way(true, false));
        assert_eq!(traffic("Widget"), way(false, true));
        assert_eq!(traffic("Size"), way(true, true));
        // Reached by a response and by a type no operation uses: both ways.
        assert_eq!(traffic("Part"), way(true, true));
        assert_eq!(traffic("WidgetEvent"), way(true, true));
        let only_sent = traffic("Label");
        assert!(only_sent.serialize_cfg().is_none());
        assert_eq!(
            only_sent.deserialize_cfg().map(|cfg| cfg.to_string()),
            Some(r#"any (feature = "server" , feature = "deserialize")"#.to_owned())
        );
    }
}
