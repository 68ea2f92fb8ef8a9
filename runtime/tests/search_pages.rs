//! `Client::paginate` over search results: it follows `next_page` with `page=...` until
//! `has_more` is false, over real HTTP on 127.0.0.1.
#![cfg(all(feature = "server", feature = "client"))]

use apigen_runtime::server::axum;
use apigen_runtime::{
    decode_json, ApiRequest, Client, Cursor, DecodeFailure, EncodeError, ListRequest, Method,
    Object, RequestOptions, RequestParts, SearchList,
};
use futures_util::StreamExt;

#[derive(Clone, Debug, serde::Deserialize)]
struct Thing {
    id: String,
}

impl Object for Thing {
    type Id = String;
    fn id_str(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Default)]
struct SearchThings {
    page: Option<String>,
    options: RequestOptions,
}

impl ApiRequest for SearchThings {
    type Output = SearchList<Thing>;

    fn parts(&self) -> Result<RequestParts, EncodeError> {
        let mut parts = RequestParts::new(Method::GET, "/v1/things/search".to_owned());
        parts.query = match &self.page {
            Some(page) => format!("query=all&page={page}"),
            None => "query=all".to_owned(),
        };
        Ok(parts)
    }

    fn options(&self) -> &RequestOptions {
        &self.options
    }

    fn decode(body: &[u8]) -> Result<Self::Output, DecodeFailure> {
        decode_json(body)
    }
}

impl ListRequest for SearchThings {
    type Item = Thing;
    fn set_cursor(&mut self, cursor: Cursor) {
        if let Cursor::Page(token) = cursor {
            self.page = Some(token);
        }
    }
    fn is_backwards(&self) -> bool {
        false
    }
}

/// Three pages of two results, then one.
async fn search(query: axum::extract::RawQuery) -> ([(&'static str, &'static str); 1], String) {
    let page: usize = query
        .0
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("page=p"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let ids: Vec<_> = (page * 2..(page * 2 + 2).min(7))
        .map(|i| serde_json::json!({"id": format!("th_{i}")}))
        .collect();
    let more = page < 3;
    let body = serde_json::json!({
        "object": "search_result",
        "data": ids,
        "has_more": more,
        "next_page": if more { serde_json::json!(format!("p{}", page + 1)) } else { serde_json::Value::Null },
        "url": "/v1/things/search",
    });
    ([("content-type", "application/json")], body.to_string())
}

#[tokio::test]
async fn search_results_are_paged_by_their_next_page_token() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/v1/things/search", axum::routing::get(search));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::builder(format!("http://{address}"))
        .api_key("sk_test_1")
        .build()
        .unwrap();
    let ids: Vec<String> = client
        .paginate(SearchThings::default())
        .map(|thing| thing.unwrap().id)
        .collect()
        .await;
    let want: Vec<String> = (0..7).map(|i| format!("th_{i}")).collect();
    assert_eq!(ids, want);
}
