//! Hostile requests to the reference server over raw TCP on 127.0.0.1 (nothing a well-behaved
//! client library would send): each gets a Stripe error envelope with a 4xx status, and the
//! server keeps serving.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const AUTH: &str = "Authorization: Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc\r\n";

async fn start() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { stripe_mock::serve(listener, Vec::new()).await.unwrap() });
    address
}

/// Sends raw bytes, returns the status and the body.
async fn send(address: &str, request: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response));
    read.await.expect("the server answers").unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn post(path: &str, headers: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{AUTH}{headers}Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

fn get(path_and_query: &str, headers: &str) -> Vec<u8> {
    format!("GET {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{AUTH}{headers}\r\n")
        .into_bytes()
}

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn hostile_requests_get_envelopes() {
    let address = start().await;
    let deep = format!("amount=100&currency=usd&metadata{}=x", "[a]".repeat(5000));
    let many: String = (0..50_000).map(|i| format!("p{i}=1&")).collect();
    let big = vec![b'a'; 2 * 1024 * 1024];
    let long_key = format!("Idempotency-Key: {}\r\n", "k".repeat(10_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("oversized body", post("/v1/charges", "", FORM, &big)),
        (
            "bracket nesting 5000 deep",
            post("/v1/charges", "", FORM, deep.as_bytes()),
        ),
        (
            "50,000 parameters",
            post("/v1/charges", "", FORM, many.as_bytes()),
        ),
        (
            "invalid UTF-8",
            post("/v1/charges", "", FORM, b"amount=100&currency=\xff\xfe"),
        ),
        (
            "invalid percent-encoding",
            post("/v1/charges", "", FORM, b"amount=100&currency=%zz%"),
        ),
        (
            "percent-encoded invalid UTF-8",
            post("/v1/charges", "", FORM, b"amount=100&currency=%ff"),
        ),
        (
            "duplicate scalar",
            post(
                "/v1/charges",
                "",
                FORM,
                b"amount=100&amount=200&currency=usd",
            ),
        ),
        (
            "wrong content type",
            post("/v1/charges", "", "application/json", b"{\"amount\":100}"),
        ),
        (
            "huge idempotency key",
            post(
                "/v1/charges",
                &long_key,
                FORM,
                b"amount=100&currency=usd&source=tok_visa",
            ),
        ),
        (
            "empty idempotency key",
            post(
                "/v1/charges",
                "Idempotency-Key: \r\n",
                FORM,
                b"amount=100&currency=usd&source=tok_visa",
            ),
        ),
        ("non-ASCII bytes in a header", {
            let mut r = post(
                "/v1/charges",
                "Stripe-Account: acct_XXX\r\n",
                FORM,
                b"amount=100&currency=usd",
            );
            let at = r.windows(8).position(|w| w == b"acct_XXX").unwrap();
            r[at + 5..at + 7].copy_from_slice(b"\xff\xfe");
            r
        }),
        (
            "query with invalid percent-encoding",
            get("/v1/customers?limit=%zz", ""),
        ),
        (
            "query nesting deep",
            get(&format!("/v1/customers?email{}=x", "[a]".repeat(3000)), ""),
        ),
        ("limit out of range", get("/v1/customers?limit=100000", "")),
        // A path parameter that is not UTF-8 once percent-decoded (axum refuses it with a
        // text 400 of its own unless the handler takes the parameters itself).
        (
            "path parameter not UTF-8",
            get("/v1/customers/cus_%FF%FE", ""),
        ),
        // Refused by hyper's parser before any router runs; the connection guard answers
        // with the envelope instead of hyper's bare status.
        (
            "control character in a header",
            post(
                "/v1/charges",
                "Stripe-Account: acct\x01x\r\n",
                FORM,
                b"amount=100&currency=usd",
            ),
        ),
        (
            "NUL in a header",
            get("/v1/customers", "Stripe-Version: 2023\x0010-16\r\n"),
        ),
        (
            "space in a header name",
            get("/v1/customers", "Bad Name: x\r\n"),
        ),
        (
            "URI over 64 KiB",
            get(&format!("/v1/customers?email={}", "a".repeat(70_000)), ""),
        ),
        (
            "101 headers",
            get("/v1/customers", &"X-Filler: 1\r\n".repeat(101)),
        ),
        (
            "head over 400 KiB",
            get(
                "/v1/customers",
                &format!("X-Big: {}\r\n", "b".repeat(420_000)),
            ),
        ),
        (
            "two different Content-Lengths",
            post(
                "/v1/charges",
                "Content-Length: 5\r\n",
                FORM,
                b"amount=100&currency=usd",
            ),
        ),
        (
            "Transfer-Encoding not ending in chunked",
            post(
                "/v1/charges",
                "Transfer-Encoding: gzip\r\n",
                FORM,
                b"amount=1",
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (name, request) in &cases {
        let (status, body) = send(&address, request).await;
        let expected = match *name {
            "URI over 64 KiB" => Some(414),
            "101 headers" | "head over 400 KiB" => Some(431),
            "oversized body" => Some(413),
            _ => None,
        };
        if expected.is_some_and(|e| e != status) {
            failures.push(format!("{name}: {status}, expected {expected:?}"));
        }
        let envelope: Option<serde_json::Value> = serde_json::from_str(&body).ok();
        let has_envelope = envelope
            .as_ref()
            .is_some_and(|e| e["error"]["type"].is_string() && e["error"]["message"].is_string());
        if !(400..500).contains(&status) || !has_envelope {
            failures.push(format!(
                "{name}: {status} {}",
                body.chars().take(200).collect::<String>()
            ));
        }
    }
    // Still serving.
    let (status, _) = send(&address, &get("/v1/customers?limit=1", "")).await;
    assert_eq!(status, 200);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// 50 concurrent clients send 2,000 creates over 200 idempotency keys (10 each, interleaved):
/// every key makes exactly one customer, repeats replay it or get the documented 409 while the
/// first is in flight, and nothing else goes wrong. Bounded: the request count is fixed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_idempotency_keys_under_load_make_one_object_each() {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const KEYS: usize = 200;
    const REQUESTS: usize = 2_000;
    const WORKERS: usize = 50;
    let address = start().await;
    let base = format!("http://{address}");
    let next = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::new();
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (client, next, base) = (client.clone(), next.clone(), base.clone());
        workers.push(tokio::spawn(async move {
            let mut seen: Vec<(usize, u16, Option<String>)> = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= REQUESTS {
                    break;
                }
                let key = n % KEYS;
                let response = client
                    .post(format!("{base}/v1/customers"))
                    .bearer_auth("sk_test_load")
                    .header("Idempotency-Key", format!("load-{key}"))
                    .form(&[("email", format!("load-{key}@example.com"))])
                    .send()
                    .await
                    .expect("the server answers");
                let status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.expect("a JSON body");
                let id = body["id"].as_str().map(str::to_owned);
                if status != 200 {
                    assert_eq!(status, 409, "{body}");
                    assert_eq!(body["error"]["type"], "idempotency_error", "{body}");
                }
                seen.push((key, status, id));
            }
            seen
        }));
    }
    let mut ids_by_key: BTreeMap<usize, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut answered = 0;
    for worker in workers {
        for (key, status, id) in worker.await.unwrap() {
            answered += 1;
            if status == 200 {
                ids_by_key
                    .entry(key)
                    .or_default()
                    .insert(id.expect("an id"));
            }
        }
    }
    assert_eq!(answered, REQUESTS);
    assert_eq!(ids_by_key.len(), KEYS, "every key made its customer");
    assert!(
        ids_by_key.values().all(|ids| ids.len() == 1),
        "one customer per key"
    );

    // The store holds exactly one customer per key.
    let mut emails: BTreeMap<String, usize> = BTreeMap::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut url = format!("{base}/v1/customers?limit=100");
        if let Some(after) = &cursor {
            url.push_str(&format!("&starting_after={after}"));
        }
        let page: serde_json::Value = client
            .get(url)
            .bearer_auth("sk_test_load")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let data = page["data"].as_array().unwrap();
        for customer in data {
            if let Some(email) = customer["email"]
                .as_str()
                .filter(|e| e.starts_with("load-"))
            {
                *emails.entry(email.to_owned()).or_default() += 1;
            }
        }
        cursor = data
            .last()
            .and_then(|c| c["id"].as_str())
            .map(str::to_owned);
        if page["has_more"] != true {
            break;
        }
    }
    assert_eq!(emails.len(), KEYS);
    assert!(emails.values().all(|&n| n == 1), "{emails:?}");
}

/// The connection guard follows keep-alive framing: pipelined requests with a fixed-length
/// and a chunked body are answered, and the malformed head after them gets the envelope
/// (hyper would have sent a bare 400), then the connection closes.
#[tokio::test]
async fn a_refused_head_after_pipelined_requests_still_gets_an_envelope() {
    let address = start().await;
    let mut pipeline =
        format!("GET /v1/customers?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n{AUTH}\r\n").into_bytes();
    let body = b"email=a%40example.com";
    pipeline.extend_from_slice(
        format!(
            "POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n{AUTH}Content-Type: {FORM}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            body.len()
        )
        .as_bytes(),
    );
    pipeline.extend_from_slice(body);
    pipeline.extend_from_slice(b"\r\n0\r\n\r\n");
    pipeline.extend_from_slice(
        format!("POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n{AUTH}Content-Type: {FORM}\r\nContent-Length: 5\r\n\r\nx=1&y").as_bytes(),
    );
    pipeline.extend_from_slice(b"GET /v1/customers HTTP/1.1\r\nX-Bad: a\x7fb\r\n\r\n");
    pipeline.extend_from_slice(b"GET /v1/customers HTTP/1.1\r\n\r\n");

    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream.write_all(&pipeline).await.unwrap();
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response));
    read.await.expect("the server answers and closes").unwrap();
    let text = String::from_utf8_lossy(&response);
    let statuses: Vec<&str> = text
        .match_indices("HTTP/1.1 ")
        .map(|(at, _)| &text[at + 9..at + 12])
        .collect();
    // 200 list, 200 create, 400 unknown parameters `x`/`y`, then the refused head; nothing
    // after it is read.
    assert_eq!(statuses, ["200", "200", "400", "400"], "{text}");
    let last = &text[text.rfind("HTTP/1.1 ").unwrap()..];
    assert!(last.contains("request-id: req_"), "{last}");
    // The same CORS headers as every other answer, so that a browser can read it.
    assert!(
        last.contains(
            "access-control-allow-origin: *\r\naccess-control-expose-headers: request-id\r\n"
        ),
        "{last}"
    );
    let (_, body) = last.split_once("\r\n\r\n").unwrap();
    let envelope: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(envelope["error"]["type"], "invalid_request_error", "{body}");
    assert!(
        envelope["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("control character")),
        "{body}"
    );
}
