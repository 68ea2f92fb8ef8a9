//! Objects by scope: each stored under the collection path it was created at, ids unique in
//! a scope, collections in creation order (lists answer newest first).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::values;
use crate::server::Context;

/// Objects are isolated by key mode and account (`Stripe-Account`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Scope {
    livemode: bool,
    account: Option<String>,
}

impl Scope {
    pub(super) fn of(context: &Context) -> Self {
        Self {
            livemode: context.livemode(),
            account: context.account.clone(),
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Store {
    scopes: BTreeMap<Scope, Objects>,
    /// Ids made so far: part of every new id, so two are never equal.
    made: u64,
}

#[derive(Debug, Default)]
struct Objects {
    by_id: BTreeMap<String, Entry>,
    /// Ids per collection path, oldest first.
    collections: BTreeMap<String, Vec<String>>,
    deleted: BTreeSet<String>,
}

#[derive(Debug)]
struct Entry {
    collection: String,
    value: Value,
}

/// Seconds since the Unix epoch.
pub(super) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

const DEFAULT_LIMIT: usize = 10;

impl Store {
    /// A new id: the prefix (else the object kind) and 24 letters and digits, like Stripe's.
    pub(super) fn new_id(&mut self, prefix: Option<&str>, object: Option<&str>) -> String {
        self.made += 1;
        let prefix = prefix
            .map(str::to_owned)
            .or_else(|| object.map(|o| o.replace('.', "_")))
            .unwrap_or_else(|| "obj".to_owned());
        let mut id = format!("{prefix}_{:06}", self.made);
        id.extend((0..18).map(|_| fastrand::alphanumeric()));
        id
    }

    pub(super) fn insert(&mut self, scope: &Scope, collection: &str, id: &str, value: Value) {
        let objects = self.scopes.entry(scope.clone()).or_default();
        objects
            .collections
            .entry(collection.to_owned())
            .or_default()
            .push(id.to_owned());
        objects.by_id.insert(
            id.to_owned(),
            Entry {
                collection: collection.to_owned(),
                value,
            },
        );
    }

    /// The object with `id` stored under `collection`, or elsewhere if it is of `kind`
    /// (a refund created at `/v1/refunds` retrieved under its charge).
    pub(super) fn find(
        &self,
        scope: &Scope,
        id: &str,
        collection: &str,
        kind: Option<&str>,
    ) -> Option<&Value> {
        let entry = self.scopes.get(scope)?.by_id.get(id)?;
        let same_kind = kind.is_some() && entry.value.get("object").and_then(Value::as_str) == kind;
        (entry.collection == collection || same_kind).then_some(&entry.value)
    }

    /// The object with `id`, wherever it is stored.
    pub(super) fn get(&self, scope: &Scope, id: &str) -> Option<&Value> {
        Some(&self.scopes.get(scope)?.by_id.get(id)?.value)
    }

    pub(super) fn was_deleted(&self, scope: &Scope, id: &str) -> bool {
        self.scopes
            .get(scope)
            .is_some_and(|objects| objects.deleted.contains(id))
    }

    /// Replaces a stored object (nothing for an id not stored: a lenient answer).
    pub(super) fn replace(&mut self, scope: &Scope, id: &str, value: Value) {
        if let Some(entry) = self
            .scopes
            .get_mut(scope)
            .and_then(|objects| objects.by_id.get_mut(id))
        {
            entry.value = value;
        }
    }

    pub(super) fn remove(&mut self, scope: &Scope, id: &str) {
        let Some(objects) = self.scopes.get_mut(scope) else {
            return;
        };
        if let Some(entry) = objects.by_id.remove(id) {
            if let Some(ids) = objects.collections.get_mut(&entry.collection) {
                ids.retain(|other| other != id);
            }
            objects.deleted.insert(id.to_owned());
        }
    }

    /// Whether nothing was ever stored under `collection` in the scope (deleted objects count
    /// as stored: their collection stays a real one).
    pub(super) fn is_empty(&self, scope: &Scope, collection: &str) -> bool {
        self.scopes
            .get(scope)
            .and_then(|objects| objects.collections.get(collection))
            .is_none()
    }

    /// The objects of a collection, newest first.
    fn newest_first(&self, scope: &Scope, collection: &str) -> Vec<&Value> {
        let Some(objects) = self.scopes.get(scope) else {
            return Vec::new();
        };
        objects
            .collections
            .get(collection)
            .map(|ids| {
                ids.iter()
                    .rev()
                    .filter_map(|id| objects.by_id.get(id).map(|e| &e.value))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A list envelope of the collection's objects that match the filters, newest first,
    /// paged by `limit`, `starting_after` and `ending_before` (which wins).
    pub(super) fn list(
        &self,
        scope: &Scope,
        collection: &str,
        params: &Map<String, Value>,
    ) -> Value {
        let items: Vec<&Value> = self
            .newest_first(scope, collection)
            .into_iter()
            .filter(|object| values::matches_filters(object, params))
            .collect();
        let limit = limit(params);
        let cursor = |name: &str| params.get(name).and_then(Value::as_str);
        let position = |id: &str| {
            items
                .iter()
                .position(|o| o.get("id").and_then(Value::as_str) == Some(id))
        };
        let (page, has_more) = if let Some(before) = cursor("ending_before") {
            let end = position(before).unwrap_or(0);
            let start = end.saturating_sub(limit);
            (&items[start..end], start > 0)
        } else {
            let start = cursor("starting_after")
                .and_then(position)
                .map_or(0, |i| i + 1);
            let end = (start + limit).min(items.len());
            (&items[start.min(end)..end], end < items.len())
        };
        json!({
            "object": "list",
            "data": page,
            "has_more": has_more,
            "url": collection,
        })
    }

    /// A search envelope of the collection's objects that match the query's clauses, paged
    /// by `limit` and the `page` token (the offset of the next page).
    pub(super) fn search(
        &self,
        scope: &Scope,
        collection: &str,
        url: &str,
        params: &Map<String, Value>,
    ) -> Value {
        let query = params.get("query").and_then(Value::as_str).unwrap_or("");
        let clauses = values::parse_query(query);
        let items: Vec<&Value> = self
            .newest_first(scope, collection)
            .into_iter()
            .filter(|object| clauses.iter().all(|clause| clause.matches(object)))
            .collect();
        let limit = limit(params);
        let start = params
            .get("page")
            .and_then(Value::as_str)
            .and_then(|page| page.strip_prefix("page_"))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
            .min(items.len());
        let end = (start + limit).min(items.len());
        let has_more = end < items.len();
        json!({
            "object": "search_result",
            "data": &items[start..end],
            "has_more": has_more,
            "next_page": has_more.then(|| format!("page_{end}")),
            "total_count": items.len(),
            "url": url,
        })
    }
}

/// `limit`, 1..=100 (validation has checked it where the spec bounds it), default 10.
fn limit(params: &Map<String, Value>) -> usize {
    params
        .get("limit")
        .and_then(Value::as_u64)
        .map_or(DEFAULT_LIMIT, |l| l.clamp(1, 100) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            livemode: false,
            account: None,
        }
    }

    fn params(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn ids(page: &Value) -> Vec<&str> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn search_pages_through_matches_newest_first() {
        let mut store = Store::default();
        for (id, amount) in [("a", 500), ("b", 1500), ("c", 2500), ("d", 3500)] {
            store.insert(
                &scope(),
                "/v1/charges",
                id,
                json!({"id": id, "amount": amount}),
            );
        }
        let query = json!({"query": "amount>1000", "limit": 2});
        let first = store.search(
            &scope(),
            "/v1/charges",
            "/v1/charges/search",
            &params(query),
        );
        assert_eq!(ids(&first), ["d", "c"]);
        assert_eq!(
            (first["has_more"].clone(), first["total_count"].clone()),
            (json!(true), json!(3))
        );
        let next = json!({"query": "amount>1000", "limit": 2, "page": first["next_page"]});
        let second = store.search(&scope(), "/v1/charges", "/v1/charges/search", &params(next));
        assert_eq!(ids(&second), ["b"]);
        assert_eq!(second["next_page"], Value::Null);
    }

    #[test]
    fn deleted_ids_stay_gone_and_collections_stay_real() {
        let mut store = Store::default();
        store.insert(
            &scope(),
            "/v1/products",
            "p1",
            json!({"id": "p1", "object": "product"}),
        );
        assert!(store
            .find(&scope(), "p1", "/v1/other", Some("product"))
            .is_some());
        assert!(store
            .find(&scope(), "p1", "/v1/other", Some("price"))
            .is_none());
        store.remove(&scope(), "p1");
        assert!(store.was_deleted(&scope(), "p1"));
        assert!(!store.is_empty(&scope(), "/v1/products"));
        let list = store.list(&scope(), "/v1/products", &Map::new());
        assert_eq!(ids(&list), Vec::<&str>::new());
    }
}
