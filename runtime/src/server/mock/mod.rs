//! The generic, stateful server behind a generated crate's `server::Mock`: every operation
//! answers from generated descriptors ([`Operation`]) and an in-memory store ([`State`]).
//!
//! An operation's [`Role`] comes from its method and path shape (the generator decides it):
//! a create stores the object it answers (a fixture or the synthesised example, with an id
//! of the object's prefix, `created`, `livemode` and the request's parameters applied),
//! retrieve, update, delete, list and search act on what was stored under the same
//! collection path, and an action on an item updates that item when it answers the same kind
//! of object. Objects live per scope (key mode and account). An id that was never stored
//! answers like stripe-mock, with the fixture carrying that id, unless the state is strict
//! (then 404 `resource_missing`); a deleted id is 404 either way. Likewise a list of a
//! collection nothing was created in answers one fixture (or example) item unless strict.
//!
//! | file | concept |
//! |---|---|
//! | `store.rs` | scopes, collections, ids, pagination |
//! | `values.rs` | parameters applied to objects, `expand`, list filters, search queries |
//! | `fixtures.rs` | [`Fixtures`]: objects by schema name (stripe-mock's `fixtures3.json`) |

mod fixtures;
mod store;
mod values;

use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

pub use fixtures::Fixtures;
pub use values::in_range;

use super::{Context, ServerError};
use store::{Scope, Store};

/// What an operation does to the resource its path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// `POST /v1/charges`: stores a new object.
    Create,
    /// `GET /v1/charges/{charge}`.
    Retrieve,
    /// `POST /v1/charges/{charge}` (or `PUT`/`PATCH`): parameters applied to the object.
    Update,
    /// `DELETE /v1/charges/{charge}`.
    Delete,
    /// `GET /v1/charges` answering a list envelope.
    List,
    /// `GET /v1/charges/search` answering a search envelope.
    Search,
    /// `POST /v1/charges/{charge}/capture`: parameters applied to the item when it answers
    /// the same kind of object.
    Action,
    /// Anything else: the fixture or example.
    Other,
}

/// A generated operation's descriptor.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    /// What it does.
    pub role: Role,
    /// The component schema of the object it answers (of the items, for lists and searches),
    /// which names its fixture.
    pub schema: Option<&'static str>,
    /// The `object` constant of that object.
    pub object: Option<&'static str>,
    /// The id prefix of that object as the spec's examples show it (`ch`), if they do.
    pub prefix: Option<&'static str>,
    /// Top-level properties of that object that are maps (`metadata`): an update merges
    /// them key by key, `""` for a key removing it.
    pub maps: &'static [&'static str],
    /// The spec's own example of the success body, if it has one.
    pub given: Option<&'static str>,
    /// The synthesised example of the success body.
    pub example: &'static str,
}

/// A request as the store reads it: its concrete path and its parameters as JSON.
#[derive(Clone, Debug)]
pub struct Input {
    path: String,
    params: Map<String, Value>,
}

/// The input of a request: its percent-encoded path, and the JSON of its parameter groups
/// (query, body) merged.
pub fn input(path: String, groups: &[Value]) -> Input {
    let mut params = Map::new();
    for group in groups {
        if let Value::Object(map) = group {
            params.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    Input { path, params }
}

/// A parameter group as JSON (`Null` for what does not serialize as an object).
pub fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A request parameter's value from its sampled JSON (for `call_every_operation`).
pub fn sample<T: DeserializeOwned>(json: &str) -> Result<T, String> {
    serde_json::from_str(json).map_err(|e| format!("sample {json}: {e}"))
}

/// Sends the request `make` builds and decodes the answer (for `call_every_operation`).
#[cfg(feature = "client")]
pub async fn call<R: crate::ApiRequest>(
    client: &crate::Client,
    make: impl FnOnce() -> Result<R, String>,
) -> Result<(), String> {
    let request = make()?;
    client
        .send(&request)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

/// How a [`State`] answers ids it never stored, and the fixtures it starts from.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// 404 for ids never created (else the fixture carrying the id, like stripe-mock).
    pub strict: bool,
    /// Objects to answer with in place of the synthesised examples.
    pub fixtures: Fixtures,
}

/// The generic server's state: cheap to clone (shared).
#[derive(Clone, Debug, Default)]
pub struct State {
    inner: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    options: Options,
    store: Mutex<Store>,
}

impl State {
    /// A state with these options and nothing stored.
    pub fn new(options: Options) -> Self {
        Self {
            inner: Arc::new(Shared {
                options,
                store: Mutex::default(),
            }),
        }
    }

    /// Whether ids never created are 404.
    pub fn strict(&self) -> bool {
        self.inner.options.strict
    }

    /// The answer of `op` to `input`, decoded into the success body's type. (Generic only
    /// here, and small: this is compiled once per operation, the rest once.)
    pub fn answer<T: DeserializeOwned>(
        &self,
        op: &Operation,
        context: &Context,
        input: Input,
    ) -> Result<T, ServerError> {
        // Through text: the one deserializer per type this needs is the one from `&str`.
        let decode = |value: &Value| serde_json::from_str::<T>(&value.to_string());
        let fits = |value: &Value| decode(value).is_ok();
        let (answer, expanded) = self.respond(op, context, input, &fits)?;
        decode(&expanded)
            .or_else(|_| decode(&answer))
            .map_err(ServerError::internal)
    }

    /// The answer, and the answer with `expand` applied.
    fn respond(
        &self,
        op: &Operation,
        context: &Context,
        input: Input,
        fits: &dyn Fn(&Value) -> bool,
    ) -> Result<(Value, Value), ServerError> {
        let scope = Scope::of(context);
        let base = self.base(op, fits)?;
        let mut store = self.inner.store.lock().unwrap_or_else(|e| e.into_inner());
        let answer = match op.role {
            Role::Create => {
                let id = store.new_id(op.prefix.or(self.fixture_prefix(op)), op.object);
                let mut object = base;
                stamp(&mut object, &id, context);
                values::apply(&mut object, &input.params, op.maps, fits);
                store.insert(&scope, &input.path, &id, object.clone());
                object
            }
            Role::Retrieve | Role::Update | Role::Delete => {
                let (collection, id) = split_last(&input.path);
                let mut object = match store.find(&scope, &id, collection, op.object) {
                    Some(object) => object.clone(),
                    None if self.strict() || store.was_deleted(&scope, &id) => {
                        return Err(missing(op, &id));
                    }
                    None => {
                        let mut object = base.clone();
                        stamp(&mut object, &id, context);
                        object
                    }
                };
                match op.role {
                    Role::Update => {
                        values::apply(&mut object, &input.params, op.maps, fits);
                        store.replace(&scope, &id, object.clone());
                        object
                    }
                    Role::Delete => {
                        store.remove(&scope, &id);
                        deleted(base, object, &id)
                    }
                    _ => object,
                }
            }
            Role::List | Role::Search => {
                let collection = match op.role {
                    Role::Search => input.path.strip_suffix("/search").unwrap_or(&input.path),
                    _ => &input.path,
                };
                if !self.strict() && store.is_empty(&scope, collection) {
                    // Like stripe-mock: a collection nothing was created in lists one fixture.
                    self.sample_page(base, op, &input.path, fits)
                } else if op.role == Role::Search {
                    store.search(&scope, collection, &input.path, &input.params)
                } else {
                    store.list(&scope, collection, &input.params)
                }
            }
            Role::Action => {
                let (item, _) = split_last(&input.path);
                let (collection, id) = split_last(item);
                match store.find(&scope, &id, collection, None).cloned() {
                    Some(mut object) if object_kind(&object) == op.object => {
                        values::apply(&mut object, &input.params, op.maps, fits);
                        store.replace(&scope, &id, object.clone());
                        object
                    }
                    None if self.strict() || store.was_deleted(&scope, &id) => {
                        return Err(missing(op, &id));
                    }
                    _ => base,
                }
            }
            Role::Other => base,
        };
        let expanded = values::expand(answer.clone(), &input.params, |id| {
            store.get(&scope, id).cloned()
        });
        Ok((answer, expanded))
    }

    /// The object an operation starts from: its fixture where there is one that decodes
    /// into the answer's type (for a list, the fixture is of an item: see `sample_page`), else
    /// the spec's own example where it has one that decodes, else the synthesised example.
    fn base(&self, op: &Operation, fits: &dyn Fn(&Value) -> bool) -> Result<Value, ServerError> {
        let listing = matches!(op.role, Role::List | Role::Search);
        if let Some(fixture) = op.schema.and_then(|s| self.inner.options.fixtures.get(s)) {
            if !listing && fits(fixture) {
                return Ok(fixture.clone());
            }
        }
        if let Some(given) = op.given.and_then(|g| serde_json::from_str::<Value>(g).ok()) {
            if fits(&given) {
                return Ok(given);
            }
        }
        serde_json::from_str(op.example).map_err(ServerError::internal)
    }

    /// The example envelope (with the one item the example has) where `url` is the request's
    /// path, the item the fixture of its schema where there is one that fits.
    fn sample_page(
        &self,
        mut page: Value,
        op: &Operation,
        url: &str,
        fits: &dyn Fn(&Value) -> bool,
    ) -> Value {
        if let Value::Object(map) = &mut page {
            map.insert("url".to_owned(), Value::String(url.to_owned()));
        }
        let fixture = op.schema.and_then(|s| self.inner.options.fixtures.get(s));
        if let Some(fixture) = fixture {
            let mut with_fixture = page.clone();
            with_fixture["data"] = Value::Array(vec![fixture.clone()]);
            if fits(&with_fixture) {
                return with_fixture;
            }
        }
        page
    }

    fn fixture_prefix(&self, op: &Operation) -> Option<&str> {
        let fixture = self.inner.options.fixtures.get(op.schema?)?;
        let id = fixture.get("id")?.as_str()?;
        let (prefix, _) = id.rsplit_once('_')?;
        Some(prefix)
    }
}

/// `id`, `created` and `livemode` where the object has them.
fn stamp(object: &mut Value, id: &str, context: &Context) {
    let Value::Object(map) = object else { return };
    if map.contains_key("id") {
        map.insert("id".to_owned(), Value::String(id.to_owned()));
    }
    if let Some(created) = map.get_mut("created") {
        if created.is_number() {
            *created = Value::from(store::now());
        }
    }
    if map.contains_key("livemode") {
        map.insert("livemode".to_owned(), Value::Bool(context.livemode()));
    }
}

/// What a delete answers: the example of a deleted object (`deleted: true`) with the id, or
/// the removed object where the answer is the object itself.
fn deleted(example: Value, removed: Value, id: &str) -> Value {
    match example {
        Value::Object(mut map) if map.contains_key("deleted") => {
            if map.contains_key("id") {
                map.insert("id".to_owned(), Value::String(id.to_owned()));
            }
            Value::Object(map)
        }
        _ => removed,
    }
}

fn object_kind(object: &Value) -> Option<&str> {
    object.get("object").and_then(Value::as_str)
}

fn missing(op: &Operation, id: &str) -> ServerError {
    let kind = op.object.unwrap_or("object").replace(['.', '_'], " ");
    ServerError::not_found(format!("No such {kind}: '{id}'"), Some("id"))
}

/// `/v1/charges/ch_1` → (`/v1/charges`, `ch_1`), the id percent-decoded.
fn split_last(path: &str) -> (&str, String) {
    let (parent, last) = path.rsplit_once('/').unwrap_or(("", path));
    let id = percent_encoding::percent_decode_str(last)
        .decode_utf8_lossy()
        .into_owned();
    (parent, id)
}
