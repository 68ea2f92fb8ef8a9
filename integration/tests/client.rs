//! The generated client against real HTTP servers on 127.0.0.1, scripted per test: retries,
//! idempotency keys, typed errors, decoding, pagination and transport safety.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apigen_runtime::{collect_capped, Client, Error};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::Router;
use futures_util::StreamExt;
use integration_tests::fixture;
use serde_json::{json, Value};
use stripe::operations::*;

/// Status, headers and body of a scripted response.
type Scripted = (u16, Vec<(&'static str, String)>, String);

#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
}

/// A server that answers with the scripted responses in turn (the last one repeats) and
/// records every request.
#[derive(Clone, Default)]
struct Script {
    responses: Arc<Mutex<Vec<Scripted>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Script {
    fn new(responses: Vec<Scripted>) -> Self {
        Self {
            responses: Arc::new(Mutex::new(responses)),
            ..Self::default()
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    async fn serve(&self) -> String {
        let script = self.clone();
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, _body: Bytes| {
                let script = script.clone();
                async move {
                    script.seen.lock().unwrap().push(Seen {
                        method,
                        uri,
                        headers,
                    });
                    let mut responses = script.responses.lock().unwrap();
                    let (status, headers, body) = if responses.len() > 1 {
                        responses.remove(0)
                    } else {
                        responses[0].clone()
                    };
                    let mut response = axum::response::Response::new(axum::body::Body::from(body));
                    *response.status_mut() = StatusCode::from_u16(status).unwrap();
                    response
                        .headers_mut()
                        .insert("content-type", "application/json".parse().unwrap());
                    for (name, value) in headers {
                        response.headers_mut().insert(name, value.parse().unwrap());
                    }
                    response
                }
            },
        );
        serve(app).await
    }
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

fn client(base: &str, retries: u32) -> Client {
    Client::builder(base)
        .api_key("sk_test_4eC39HqLyjWDarjtT1zdp7dc")
        .max_retries(retries)
        .retry_delays(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap()
}

fn ok_charge() -> Scripted {
    (
        200,
        vec![("request-id", "req_ok".to_owned())],
        fixture("charge").to_string(),
    )
}

fn error(status: u16, body: Value) -> Scripted {
    (
        status,
        vec![("request-id", format!("req_{status}"))],
        body.to_string(),
    )
}

#[tokio::test]
async fn post_retries_reuse_one_generated_idempotency_key() {
    let unavailable = error(
        503,
        json!({"error": {"type": "api_error", "message": "try again"}}),
    );
    let script = Script::new(vec![unavailable.clone(), unavailable, ok_charge()]);
    let base = script.serve().await;
    let charge = client(&base, 2)
        .send(&CreateCharge::new(400, "usd").source("tok_visa"))
        .await
        .unwrap();
    assert_eq!(charge.request_id(), Some("req_ok"));
    assert_eq!(charge.id.as_str(), "ch_17CYv92eZvKYlo2CxoRDVUAg");
    let seen = script.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen
        .iter()
        .all(|s| s.method == Method::POST && s.uri.path() == "/v1/charges"));
    let keys: Vec<&str> = seen
        .iter()
        .map(|s| s.headers["idempotency-key"].to_str().unwrap())
        .collect();
    assert!(keys[0].starts_with("apigen-retry-"));
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_eq!(
        seen[0].headers["authorization"],
        "Basic c2tfdGVzdF80ZUMzOUhxTHlqV0Rhcmp0VDF6ZHA3ZGM6"
    );
}

#[tokio::test]
async fn a_given_idempotency_key_is_kept_and_retries_off_sends_none() {
    let script = Script::new(vec![ok_charge()]);
    let base = script.serve().await;
    client(&base, 2)
        .send(&CreateCharge::new(400, "usd").idempotency_key("mine"))
        .await
        .unwrap();
    client(&base, 0)
        .send(&CreateCharge::new(400, "usd"))
        .await
        .unwrap();
    let seen = script.seen();
    assert_eq!(seen[0].headers["idempotency-key"], "mine");
    assert!(!seen[1].headers.contains_key("idempotency-key"));
}

#[tokio::test]
async fn stripe_should_retry_false_is_final() {
    let mut conflict = error(
        409,
        json!({"error": {"type": "invalid_request_error", "message": "lock"}}),
    );
    conflict.1.push(("stripe-should-retry", "false".to_owned()));
    let script = Script::new(vec![conflict]);
    let base = script.serve().await;
    let result = client(&base, 2).send(&RetrieveCharge::new("ch_1")).await;
    assert!(
        matches!(result, Err(Error::InvalidRequest(_))),
        "{result:?}"
    );
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn retry_after_is_honoured_on_429() {
    let mut limited = error(
        429,
        json!({"error": {"type": "rate_limit_error", "message": "slow down"}}),
    );
    limited.1.push(("retry-after", "0.2".to_owned()));
    let script = Script::new(vec![limited, ok_charge()]);
    let base = script.serve().await;
    let started = Instant::now();
    client(&base, 2)
        .send(&RetrieveCharge::new("ch_1"))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(script.seen().len(), 2);
}

#[tokio::test]
async fn connection_errors_are_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let result = client(&base, 2).send(&RetrieveCharge::new("ch_1")).await;
    assert!(matches!(result, Err(Error::Connection(_))), "{result:?}");
}

#[tokio::test]
async fn api_errors_are_typed_with_every_attribute() {
    let declined = json!({"error": {
        "type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
        "message": "Your card was declined.", "charge": "ch_failed", "param": "source",
        "doc_url": "https://stripe.com/docs/error-codes/card-declined"
    }});
    let cases = [
        (402, declined.clone()),
        (
            400,
            json!({"error": {"type": "invalid_request_error", "message": "Missing amount", "param": "amount"}}),
        ),
        (
            404,
            json!({"error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such charge"}}),
        ),
        (
            401,
            json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}),
        ),
        (
            403,
            json!({"error": {"type": "invalid_request_error", "message": "restricted key"}}),
        ),
        (
            409,
            json!({"error": {"type": "idempotency_error", "message": "Keys for idempotent requests can only be used with the same parameters"}}),
        ),
        (
            429,
            json!({"error": {"type": "rate_limit_error", "message": "Too many requests"}}),
        ),
        (
            500,
            json!({"error": {"type": "api_error", "message": "Something went wrong"}}),
        ),
    ];
    for (status, body) in cases {
        let script = Script::new(vec![error(status, body)]);
        let base = script.serve().await;
        let error = client(&base, 0)
            .send(&CreateCharge::new(400, "usd"))
            .await
            .unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.request_id(), Some(format!("req_{status}").as_str()));
        let kind = match &error {
            Error::Card(_) => "card",
            Error::InvalidRequest(_) => "invalid_request",
            Error::Authentication(_) => "authentication",
            Error::Permission(_) => "permission",
            Error::Idempotency(_) => "idempotency",
            Error::RateLimit(_) => "rate_limit",
            Error::Api(_) => "api",
            other => panic!("{other:?}"),
        };
        let expected = match status {
            402 => "card",
            400 | 404 => "invalid_request",
            401 => "authentication",
            403 => "permission",
            409 => "idempotency",
            429 => "rate_limit",
            _ => "api",
        };
        assert_eq!(kind, expected, "status {status}");
    }
    let script = Script::new(vec![error(402, declined)]);
    let base = script.serve().await;
    let error = client(&base, 0)
        .send(&CreateCharge::new(400, "usd"))
        .await
        .unwrap_err();
    let api = error.api_error().unwrap();
    assert_eq!(api.code.as_deref(), Some("card_declined"));
    assert_eq!(api.decline_code.as_deref(), Some("generic_decline"));
    assert_eq!(api.charge.as_deref(), Some("ch_failed"));
    assert_eq!(api.param.as_deref(), Some("source"));
    assert!(
        error
            .to_string()
            .contains("card_error (card_declined): Your card was declined."),
        "{error}"
    );
}

#[tokio::test]
async fn decode_errors_name_the_json_path_and_show_the_body() {
    let mut charge = fixture("charge");
    charge["refunds"]["data"] = json!([{"id": "re_1", "object": "refund", "amount": "lots"}]);
    let script = Script::new(vec![(200, vec![], charge.to_string())]);
    let base = script.serve().await;
    match client(&base, 0).send(&RetrieveCharge::new("ch_1")).await {
        Err(Error::Decode(decode)) => {
            assert_eq!(decode.path, "refunds.data[0].amount");
            assert!(decode.snippet.starts_with("{\""), "{}", decode.snippet);
        }
        other => panic!("{other:?}"),
    }
    let script = Script::new(vec![(502, vec![], "<html>bad gateway</html>".to_owned())]);
    let base = script.serve().await;
    match client(&base, 0).send(&RetrieveCharge::new("ch_1")).await {
        Err(Error::Status { status, body, .. }) => {
            assert_eq!(status, 502);
            assert!(body.contains("bad gateway"));
        }
        other => panic!("{other:?}"),
    }
}

/// A list endpoint over `count` charges (newest first), with Stripe's cursor semantics.
async fn list_server(count: usize, stuck: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    let queries = Arc::new(Mutex::new(Vec::new()));
    let recorded = queries.clone();
    let template = fixture("charge");
    let app = Router::new().fallback(move |uri: Uri| {
        let queries = recorded.clone();
        let template = template.clone();
        async move {
            let query = uri.query().unwrap_or_default().to_owned();
            queries.lock().unwrap().push(query.clone());
            let param = |name: &str| {
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
            };
            let limit: usize = param("limit").and_then(|l| l.parse().ok()).unwrap_or(10);
            // Newest first: ch_{count} ... ch_1.
            let ids: Vec<usize> = (1..=count).rev().collect();
            let position = |cursor: &str| ids.iter().position(|i| format!("ch_{i}") == cursor);
            let page: Vec<usize> = if stuck {
                ids.iter().take(limit).copied().collect()
            } else if let Some(before) = param("ending_before") {
                let end = position(&before).unwrap_or(0);
                ids[end.saturating_sub(limit)..end].to_vec()
            } else {
                let start = param("starting_after")
                    .and_then(|c| position(&c))
                    .map_or(0, |p| p + 1);
                ids.iter().skip(start).take(limit).copied().collect()
            };
            let has_more = stuck || {
                let first = page.first().and_then(|i| position(&format!("ch_{i}")));
                let last = page.last().and_then(|i| position(&format!("ch_{i}")));
                if param("ending_before").is_some() {
                    first.is_some_and(|f| f > 0)
                } else {
                    last.is_some_and(|l| l + 1 < ids.len())
                }
            };
            let data: Vec<Value> = page
                .iter()
                .map(|i| {
                    let mut charge = template.clone();
                    charge["id"] = json!(format!("ch_{i}"));
                    charge
                })
                .collect();
            axum::Json(
                json!({"object": "list", "url": "/v1/charges", "has_more": has_more, "data": data}),
            )
        }
    });
    (serve(app).await, queries)
}

fn ids(items: &[stripe::Charge]) -> Vec<String> {
    items.iter().map(|c| c.id.to_string()).collect()
}

#[tokio::test]
async fn auto_pagination_walks_every_page_forwards_and_backwards() {
    let (base, queries) = list_server(7, false).await;
    let client = client(&base, 0);
    let all: Vec<stripe::Charge> = client
        .paginate(ListCharges::new().limit(3))
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(
        ids(&all),
        ["ch_7", "ch_6", "ch_5", "ch_4", "ch_3", "ch_2", "ch_1"]
    );
    assert_eq!(
        queries.lock().unwrap().clone(),
        [
            "limit=3",
            "limit=3&starting_after=ch_5",
            "limit=3&starting_after=ch_2"
        ]
    );

    let back: Vec<stripe::Charge> = client
        .paginate(ListCharges::new().limit(2).ending_before("ch_1"))
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(ids(&back), ["ch_2", "ch_3", "ch_4", "ch_5", "ch_6", "ch_7"]);

    let capped = collect_capped(client.paginate(ListCharges::new().limit(3)), 4)
        .await
        .unwrap();
    assert_eq!(ids(&capped), ["ch_7", "ch_6", "ch_5", "ch_4"]);
}

#[tokio::test]
async fn auto_pagination_stops_on_a_repeated_cursor() {
    let (base, queries) = list_server(5, true).await;
    let results: Vec<Result<stripe::Charge, Error>> = client(&base, 0)
        .paginate(ListCharges::new().limit(2))
        .collect()
        .await;
    assert!(
        matches!(results.last(), Some(Err(Error::PaginationLoop { .. }))),
        "{results:?}"
    );
    assert!(queries.lock().unwrap().len() <= 3, "it must not loop");
}

#[tokio::test]
async fn plain_http_is_only_for_loopback_unless_allowed() {
    assert!(matches!(
        Client::new("http://api.example.com", "sk_test_1"),
        Err(Error::Config(_))
    ));
    assert!(Client::new("https://api.example.com", "sk_test_1").is_ok());
    assert!(Client::new("http://127.0.0.1:12111", "sk_test_1").is_ok());
    assert!(Client::new("http://localhost:12111", "sk_test_1").is_ok());
    assert!(Client::new("http://[::1]:12111", "sk_test_1").is_ok());
    assert!(Client::builder("http://api.example.com")
        .allow_insecure_http(true)
        .build()
        .is_ok());
    let client = Client::new("https://api.stripe.com", "sk_live_secretsecret").unwrap();
    assert!(!format!("{client:?}").contains("secretsecret"));
}
