//! The list envelope (`{object: "list", data, has_more, url}`).

use serde::{Deserialize, Serialize};

/// The list envelope every list endpoint and nested list returns:
/// `{"object": "list", "data": [...], "has_more": ..., "url": ...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct List<T> {
    /// Always `list`.
    #[serde(default = "list_object")]
    pub object: String,
    /// This page of items.
    pub data: Vec<T>,
    /// Whether there are more items after this page.
    pub has_more: bool,
    /// The URL of this list.
    pub url: String,
    /// The total number of items, where the API reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
}

fn list_object() -> String {
    "list".to_owned()
}

impl<T> List<T> {
    /// A page with the given items.
    pub fn new(url: impl Into<String>, data: Vec<T>, has_more: bool) -> Self {
        Self {
            object: list_object(),
            data,
            has_more,
            url: url.into(),
            total_count: None,
        }
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self::new(String::new(), Vec::new(), false)
    }
}

/// The search envelope search endpoints return (`object: "search_result"`): a page of
/// results and the token of the next page, which `Client::paginate` follows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchList<T> {
    /// Always `search_result`.
    #[serde(default = "search_object")]
    pub object: String,
    /// This page of results.
    pub data: Vec<T>,
    /// Whether there are more results after this page.
    pub has_more: bool,
    /// The token of the next page (`page=...`), when there is one.
    #[serde(default)]
    pub next_page: Option<String>,
    /// The URL of this search.
    pub url: String,
    /// The total number of results, where the API reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
}

fn search_object() -> String {
    "search_result".to_owned()
}

impl<T> SearchList<T> {
    /// A page with the given results.
    pub fn new(url: impl Into<String>, data: Vec<T>, next_page: Option<String>) -> Self {
        Self {
            object: search_object(),
            has_more: next_page.is_some(),
            data,
            next_page,
            url: url.into(),
            total_count: None,
        }
    }
}

impl<T> Default for SearchList<T> {
    fn default() -> Self {
        Self::new(String::new(), Vec::new(), None)
    }
}

/// One page of any paged response, as pagination sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items of the page.
    pub items: Vec<T>,
    /// Whether there are more items after it.
    pub has_more: bool,
    /// The token of the next page, for APIs that page by token (search); `None` pages by the
    /// last item's id.
    pub next_page: Option<String>,
}

impl<T> From<List<T>> for Page<T> {
    fn from(list: List<T>) -> Self {
        Page {
            items: list.data,
            has_more: list.has_more,
            next_page: None,
        }
    }
}

impl<T> From<SearchList<T>> for Page<T> {
    fn from(list: SearchList<T>) -> Self {
        Page {
            items: list.data,
            has_more: list.has_more,
            next_page: list.next_page,
        }
    }
}
