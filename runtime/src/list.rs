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
