//! APIs that take the key in a query parameter (`apiKey` with `in: query`): the server glue
//! takes it out before the operation's own query is validated. (The client side is tested in
//! integration/tests/requests.rs.)
#![cfg(all(feature = "server", feature = "client"))]

use std::sync::Arc;

use apigen_runtime::server::axum::extract::{Request, State};
use apigen_runtime::server::axum::http::StatusCode;
use apigen_runtime::server::axum::response::Response;
use apigen_runtime::server::{
    axum, handle, raw_body, with_edge, ApiResponse, Auth, Payload, Served,
};

/// The query an operation sees, as its text.
struct Echo(String);

impl ApiResponse for Echo {
    fn into_parts(self) -> (StatusCode, Option<Payload>) {
        (StatusCode::OK, raw_body("text/plain", self.0))
    }
}

/// An operation as generated routers run one, answering with its query.
async fn echo_query(State(served): State<Arc<Served<()>>>, request: Request) -> Response {
    handle(
        &served.edge,
        request,
        |raw| Ok(raw.query.clone()),
        |query, _| async move { Ok(Echo(query)) },
    )
    .await
}

async fn start() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let routes = axum::Router::new().route("/echo", axum::routing::get(echo_query));
    let app = with_edge(
        routes,
        (),
        Auth {
            basic: false,
            bearer: false,
            header: None,
            query: Some("api_key"),
        },
        &apigen_runtime::Conventions::NONE,
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_key_comes_out_of_the_query() {
    let base = start().await;
    let (status, body) = get(&format!("{base}/echo?a=1&api_key=k_123&b%5B0%5D=2")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "a=1&b%5B0%5D=2");

    let (status, body) = get(&format!("{base}/echo?a=1")).await;
    assert_eq!(status, 401, "{body}");
    let envelope: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(envelope["error"]["type"], "invalid_request_error");

    for bad in [
        "api_key=",
        "api_key=a&api_key=b",
        "api_key=%FF",
        "api_key=a%0Ab",
    ] {
        let (status, body) = get(&format!("{base}/echo?{bad}")).await;
        assert_eq!(status, 401, "{bad}: {body}");
        assert!(!body.contains("api_key=a"), "{body}");
    }
}
