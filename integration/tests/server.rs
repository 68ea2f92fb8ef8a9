//! The generated server glue and the reference server, over real HTTP on 127.0.0.1: every
//! rejection is the Stripe error envelope with the right status and `param`, every response
//! has a `Request-Id`, idempotent POSTs replay, and the reference server keeps Stripe's rules.

use std::collections::BTreeMap;
use std::time::Duration;

use apigen_runtime::server::{Context, ServerError};
use apigen_runtime::{Client, Error, Expandable, MaybeUnset};
use serde_json::Value;
use stripe::operations::*;
use stripe::server::{CreateChargeResponse, Server};
use stripe::{ChargeExpand, CustomerOrDeletedCustomer};

const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

async fn start<S: Server>(server: S) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = stripe::server::router(server);
    tokio::spawn(async move { apigen_runtime::server::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

async fn reference() -> String {
    start(stripe_mock::MockStripe::default()).await
}

/// A raw request with a plain HTTP client, to send what no typed client would.
async fn raw(
    method: &str,
    url: &str,
    key: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
    headers: &[(&str, &str)],
) -> (u16, BTreeMap<String, String>, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method.parse().unwrap(), url);
    if let Some(key) = key {
        request = request.basic_auth(key, Some(""));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("content-type", content_type).body(bytes);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

/// Method, URL, body, expected status and `param`.
type Case<'a> = (
    &'a str,
    String,
    Option<(&'a str, Vec<u8>)>,
    u16,
    Option<&'a str>,
);

fn form(text: &str) -> Option<(&'static str, Vec<u8>)> {
    Some((
        "application/x-www-form-urlencoded",
        text.as_bytes().to_vec(),
    ))
}

fn assert_envelope(
    status: u16,
    headers: &BTreeMap<String, String>,
    body: &Value,
    want_status: u16,
    want_type: &str,
    want_param: Option<&str>,
) {
    assert_eq!(status, want_status, "{body}");
    assert!(
        headers
            .get("request-id")
            .is_some_and(|id| id.starts_with("req_")),
        "{headers:?}"
    );
    assert_eq!(body["error"]["type"], want_type, "{body}");
    assert_eq!(body["error"]["param"].as_str(), want_param, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn rejections_are_stripe_envelopes_naming_the_param() {
    let base = reference().await;
    let charges = format!("{base}/v1/charges");
    let cases: Vec<Case> = vec![
        (
            "POST",
            charges.clone(),
            form("currency=usd"),
            400,
            Some("amount"),
        ),
        (
            "POST",
            charges.clone(),
            form("amount=abc&currency=usd"),
            400,
            Some("amount"),
        ),
        (
            "POST",
            charges.clone(),
            form("amount=0&currency=usd"),
            400,
            Some("amount"),
        ),
        (
            "POST",
            charges.clone(),
            form("amount=100&currency=usd&bogus=1"),
            400,
            Some("bogus"),
        ),
        (
            "POST",
            charges.clone(),
            form("amount=100&currency=usd&capture=maybe"),
            400,
            Some("capture"),
        ),
        (
            "POST",
            charges.clone(),
            form("amount=100&currency=dollars"),
            400,
            Some("currency"),
        ),
        (
            "POST",
            charges.clone(),
            form("amount=100&currency=usd&statement_descriptor=12345678901234567890123"),
            400,
            Some("statement_descriptor"),
        ),
        (
            "POST",
            charges.clone(),
            form(&format!(
                "amount=100&currency=usd&metadata[k]={}",
                "v".repeat(501)
            )),
            400,
            Some("metadata[k]"),
        ),
        (
            "POST",
            charges.clone(),
            form(&format!(
                "amount=100&currency=usd&metadata[{}]=v",
                "k".repeat(41)
            )),
            400,
            Some(&*Box::leak(
                format!("metadata[{}]", "k".repeat(41)).into_boxed_str(),
            )),
        ),
        (
            "POST",
            charges.clone(),
            form(
                &(0..21)
                    .map(|i| format!("metadata[k{i}]=v"))
                    .collect::<Vec<_>>()
                    .join("&")
                    .replace("metadata[k0]", "amount=100&currency=usd&metadata[k0]"),
            ),
            400,
            Some("metadata"),
        ),
        (
            "POST",
            charges.clone(),
            form("amount=100&currency=usd&shipping[name]=x"),
            400,
            Some("shipping[address]"),
        ),
        (
            "POST",
            charges.clone(),
            form("amount=100&amount=200&currency=usd"),
            400,
            Some("amount"),
        ),
        ("POST", charges.clone(), form("amount=%ZZ"), 400, None),
        (
            "POST",
            charges.clone(),
            form(&format!(
                "amount=1&currency=usd&metadata{}=1",
                "[x]".repeat(40)
            )),
            400,
            Some(&*Box::leak(
                format!("metadata{}", "[x]".repeat(40)).into_boxed_str(),
            )),
        ),
        (
            "POST",
            charges.clone(),
            Some(("application/json", br#"{"amount":100}"#.to_vec())),
            400,
            None,
        ),
        (
            "GET",
            format!("{charges}?limit=0"),
            None,
            400,
            Some("limit"),
        ),
        (
            "GET",
            format!("{charges}?limit=101"),
            None,
            400,
            Some("limit"),
        ),
        (
            "GET",
            format!("{charges}?limit=ten"),
            None,
            400,
            Some("limit"),
        ),
        (
            "GET",
            format!("{charges}?created[gte]=soon"),
            None,
            400,
            Some("created[gte]"),
        ),
        (
            "GET",
            format!("{charges}?unknown=1"),
            None,
            400,
            Some("unknown"),
        ),
        (
            "GET",
            format!("{base}/v1/subscriptions?status=sleeping"),
            None,
            400,
            Some("status"),
        ),
        (
            "GET",
            format!("{charges}/ch_missing"),
            None,
            404,
            Some("id"),
        ),
        ("GET", format!("{base}/v1/nothing_here"), None, 404, None),
        ("DELETE", charges.clone(), None, 404, None),
    ];
    for (method, url, body, status, param) in cases {
        let (got, headers, json) = raw(method, &url, Some(KEY), body, &[]).await;
        assert_envelope(got, &headers, &json, status, "invalid_request_error", param);
    }
    // Oversized body.
    let big = form(&format!(
        "amount=100&currency=usd&description={}",
        "x".repeat(2 * 1024 * 1024)
    ));
    let (status, headers, json) = raw("POST", &charges, Some(KEY), big, &[]).await;
    assert_envelope(status, &headers, &json, 413, "invalid_request_error", None);
    // Headers: an empty or huge Idempotency-Key.
    for key in ["", &"k".repeat(300)] {
        let (status, headers, json) = raw(
            "POST",
            &charges,
            Some(KEY),
            form("amount=100&currency=usd&source=tok_visa"),
            &[("idempotency-key", key)],
        )
        .await;
        assert_envelope(
            status,
            &headers,
            &json,
            400,
            "invalid_request_error",
            Some("Idempotency-Key"),
        );
    }
}

#[tokio::test]
async fn authentication_is_required_and_checked() {
    let base = reference().await;
    let url = format!("{base}/v1/customers");
    let (status, headers, json) = raw("GET", &url, None, None, &[]).await;
    assert_envelope(status, &headers, &json, 401, "invalid_request_error", None);
    for authorization in [
        "Basic !!!",
        "Basic c2tfdGVzdF8xOnNlY3JldA==",
        "Token abc",
        "Bearer ",
    ] {
        let (status, headers, json) =
            raw("GET", &url, None, None, &[("authorization", authorization)]).await;
        assert_envelope(status, &headers, &json, 401, "invalid_request_error", None);
    }
    let (status, _, _) = raw(
        "GET",
        &url,
        None,
        None,
        &[("authorization", &format!("Bearer {KEY}"))],
    )
    .await;
    assert_eq!(status, 200);
    let (status, headers, json) = raw("GET", &url, Some("not_a_stripe_key"), None, &[]).await;
    assert_envelope(status, &headers, &json, 401, "invalid_request_error", None);
    assert!(
        !json.to_string().contains("not_a_stripe_key"),
        "keys never appear in errors: {json}"
    );
}

/// CORS for browsers: every answer (a refusal too) lets any origin read it and its
/// `Request-Id`; a preflight (`OPTIONS`, no key needed) allows any method and header.
#[tokio::test]
async fn answers_and_preflights_carry_cors_headers() {
    let base = reference().await;
    let url = format!("{base}/v1/customers");
    let origin = [("origin", "https://shop.example")];
    for key in [Some(KEY), None] {
        let (status, headers, _) = raw("GET", &url, key, None, &origin).await;
        assert_eq!(status, if key.is_some() { 200 } else { 401 });
        assert_eq!(headers["access-control-allow-origin"], "*", "{headers:?}");
        assert_eq!(headers["access-control-expose-headers"], "request-id");
        assert!(headers["request-id"].starts_with("req_"), "{headers:?}");
    }
    let preflight = [
        ("origin", "https://shop.example"),
        ("access-control-request-method", "POST"),
        (
            "access-control-request-headers",
            "authorization, idempotency-key",
        ),
    ];
    let (status, headers, body) = raw(
        "OPTIONS",
        &format!("{base}/v1/charges"),
        None,
        None,
        &preflight,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, Value::Null, "an empty body");
    for (name, value) in [
        ("access-control-allow-origin", "*"),
        ("access-control-allow-methods", "*"),
        ("access-control-allow-headers", "*"),
    ] {
        assert_eq!(
            headers.get(name).map(String::as_str),
            Some(value),
            "{headers:?}"
        );
    }
    assert!(headers["request-id"].starts_with("req_"), "{headers:?}");
    assert!(
        !headers.contains_key("access-control-expose-headers"),
        "{headers:?}"
    );
}

/// `require_keys`: only the ring's keys get in (Basic, Bearer); any other key, however close,
/// is a 401 envelope, and no response, header or `Debug` output carries a secret.
#[tokio::test]
async fn a_key_ring_admits_only_its_keys_and_never_shows_one() {
    use apigen_runtime::server::{require_keys, ApiKeys};
    const OTHER: &str = "sk_live_51HxYzSecretSecretSecret";
    let keys = ApiKeys::new([KEY, OTHER]);
    assert!(!format!("{keys:?}").contains("4eC39"), "{keys:?}");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = require_keys(
        stripe::server::router(stripe_mock::MockStripe::default()),
        keys,
    );
    tokio::spawn(async move { apigen_runtime::server::serve(listener, app).await.unwrap() });
    let url = format!("http://{address}/v1/customers");
    for key in [KEY, OTHER] {
        let (status, _, _) = raw("GET", &url, Some(key), None, &[]).await;
        assert_eq!(status, 200, "{key}");
        let bearer = format!("Bearer {key}");
        let (status, _, _) = raw("GET", &url, None, None, &[("authorization", &bearer)]).await;
        assert_eq!(status, 200, "{key}");
    }
    let near_misses = [
        "sk_test_4eC39HqLyjWDarjtT1zdp7dX",
        "sk_test_4eC39HqLyjWDarjtT1zdp7d",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dcc",
        "sk_test_XeC39HqLyjWDarjtT1zdp7dc",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "SK_TEST_4EC39HQLYJWDARJTT1ZDP7DC",
    ];
    for key in near_misses {
        let (status, headers, json) = raw("GET", &url, Some(key), None, &[]).await;
        assert_envelope(status, &headers, &json, 401, "invalid_request_error", None);
        let everything = format!("{headers:?}{json}");
        assert!(!everything.contains(&key[8..]), "{everything}");
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Invalid API Key provided: ")),
            "{json}"
        );
    }

    // The client side: a key never shows in the client's Debug output or in its errors.
    let client = client(&format!("http://{address}"), "sk_test_WrongWrongWrong");
    let error = client.send(&ListCustomers::new()).await.unwrap_err();
    let shown = format!("{client:?} {error} {error:?}");
    assert!(!shown.contains("WrongWrongWrong"), "{shown}");
    assert!(matches!(error, Error::Authentication(_)), "{error:?}");
}

#[tokio::test]
async fn idempotent_posts_replay_and_reject_other_parameters() {
    let base = reference().await;
    let url = format!("{base}/v1/customers");
    let key = [("idempotency-key", "same-key")];
    let (first_status, _, first) =
        raw("POST", &url, Some(KEY), form("email=a@example.com"), &key).await;
    let (replay_status, replay_headers, replay) =
        raw("POST", &url, Some(KEY), form("email=a@example.com"), &key).await;
    assert_eq!((first_status, replay_status), (200, 200));
    assert_eq!(first, replay, "a repeat replays the first response exactly");
    assert_eq!(
        replay_headers
            .get("idempotent-replayed")
            .map(String::as_str),
        Some("true")
    );
    let (status, headers, json) =
        raw("POST", &url, Some(KEY), form("email=b@example.com"), &key).await;
    assert_envelope(status, &headers, &json, 400, "idempotency_error", None);
    // Keys are per mode and account: the same key elsewhere is a new request.
    let (_, _, other) = raw(
        "POST",
        &url,
        Some(KEY),
        form("email=a@example.com"),
        &[
            ("idempotency-key", "same-key"),
            ("stripe-account", "acct_2"),
        ],
    )
    .await;
    assert_ne!(other["id"], first["id"]);
}

/// A server whose create-charge is slow or panics, to test in-flight keys and panics.
struct Slow;

impl Server for Slow {
    async fn create_charge(
        &self,
        request: CreateCharge,
        _context: Context,
    ) -> Result<CreateChargeResponse, ServerError> {
        if request.body.description.as_deref() == Some("panic") {
            panic!("a bug in the implementation");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        Err(ServerError::invalid_request("slow", None))
    }
}

#[tokio::test]
async fn concurrent_repeats_conflict_and_panics_become_500() {
    let base = start(Slow).await;
    let url = format!("{base}/v1/charges");
    let body = "amount=100&currency=usd";
    let first = tokio::spawn({
        let url = url.clone();
        async move {
            raw(
                "POST",
                &url,
                Some(KEY),
                form(body),
                &[("idempotency-key", "k1")],
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, headers, json) = raw(
        "POST",
        &url,
        Some(KEY),
        form(body),
        &[("idempotency-key", "k1")],
    )
    .await;
    assert_envelope(status, &headers, &json, 409, "idempotency_error", None);
    assert_eq!(first.await.unwrap().0, 400);

    let (status, headers, json) = raw(
        "POST",
        &url,
        Some(KEY),
        form("amount=100&currency=usd&description=panic"),
        &[],
    )
    .await;
    assert_envelope(status, &headers, &json, 500, "api_error", None);
    assert!(
        !json.to_string().contains("a bug in the implementation"),
        "internals stay in the log"
    );
    let (status, _, _) = raw("POST", &url, Some(KEY), form(body), &[]).await;
    assert_eq!(status, 400, "the server keeps serving after a panic");
    // Operations the implementation does not provide answer like unknown URLs.
    let (status, headers, json) =
        raw("GET", &format!("{base}/v1/customers"), Some(KEY), None, &[]).await;
    assert_envelope(status, &headers, &json, 404, "invalid_request_error", None);
}

fn client(base: &str, key: &str) -> Client {
    Client::builder(base)
        .api_key(key)
        .max_retries(0)
        .build()
        .unwrap()
}

fn metadata(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn reference_server_with_the_generated_client() {
    let base = reference().await;
    let stripe = client(&base, KEY);

    // Customers: create, update (metadata merged, a key unset), delete, then 404.
    let customer = stripe
        .send(
            &CreateCustomer::new()
                .email("jenny@example.com")
                .source("tok_visa")
                .metadata(metadata(&[("a", "1"), ("b", "2")])),
        )
        .await
        .unwrap();
    assert!(customer.id.as_str().starts_with("cus_"));
    assert!(!customer.livemode);
    assert_eq!(customer.sources.data.len(), 1);
    let updated = stripe
        .send(
            &UpdateCustomer::new(customer.id.clone())
                .metadata(metadata(&[("a", ""), ("c", "3")]))
                .description(MaybeUnset::Set("VIP".to_owned())),
        )
        .await
        .unwrap();
    assert_eq!(updated.metadata, metadata(&[("b", "2"), ("c", "3")]));
    let cleared = stripe
        .send(&UpdateCustomer::new(customer.id.clone()).metadata(MaybeUnset::Unset))
        .await
        .unwrap();
    assert!(cleared.metadata.is_empty());

    // Charges: auth-only then capture; partial and full refunds, never more than charged.
    let charge = stripe
        .send(
            &CreateCharge::new(1000, "usd")
                .customer(customer.id.as_str())
                .capture(false)
                .expand(ChargeExpand::Customer),
        )
        .await
        .unwrap();
    assert!(!charge.captured);
    assert!(matches!(
        charge.customer.as_ref().and_then(Expandable::as_object),
        Some(CustomerOrDeletedCustomer::Customer(_))
    ));
    let captured = stripe
        .send(&CaptureCharge::new(charge.id.clone()))
        .await
        .unwrap();
    assert!(captured.captured);
    let again = stripe
        .send(&CaptureCharge::new(charge.id.clone()))
        .await
        .unwrap_err();
    assert!(matches!(again, Error::InvalidRequest(_)), "{again}");
    stripe
        .send(&CreateRefund::new(charge.id.as_str()).amount(300))
        .await
        .unwrap();
    let too_much = stripe
        .send(&CreateRefund::new(charge.id.as_str()).amount(800))
        .await
        .unwrap_err();
    assert_eq!(
        too_much.api_error().and_then(|e| e.param.as_deref()),
        Some("amount")
    );
    stripe
        .send(&CreateRefund::new(charge.id.as_str()))
        .await
        .unwrap();
    let refunded = stripe
        .send(&RetrieveCharge::new(charge.id.clone()))
        .await
        .unwrap();
    assert_eq!(
        (
            refunded.amount_refunded,
            refunded.refunded,
            refunded.refunds.data.len()
        ),
        (1000, true, 2)
    );
    let refunds = stripe
        .send(&ListRefunds::new().charge(charge.id.as_str()))
        .await
        .unwrap();
    assert_eq!(refunds.data.len(), 2);

    // Declines carry the failed charge's id.
    let declined = stripe
        .send(&CreateCharge::new(500, "usd").source("tok_chargeDeclined"))
        .await
        .unwrap_err();
    let api = declined.api_error().unwrap();
    assert!(matches!(declined, Error::Card(_)));
    assert_eq!(
        (api.code.as_deref(), api.decline_code.as_deref()),
        (Some("card_declined"), Some("generic_decline"))
    );
    let failed = stripe
        .send(&RetrieveCharge::new(api.charge.clone().unwrap()))
        .await
        .unwrap();
    assert_eq!(failed.status, stripe::ChargeStatus::Failed);

    // Nested expansion through the seeded invoice and subscription.
    let with_invoice = stripe
        .send(
            &ListCharges::new()
                .limit(100)
                .expand_path("data.invoice.subscription"),
        )
        .await
        .unwrap();
    let seeded = with_invoice
        .data
        .iter()
        .find(|c| c.invoice.is_some())
        .expect("the seeded charge has an invoice");
    let invoice = seeded
        .invoice
        .as_ref()
        .and_then(Expandable::as_object)
        .expect("invoice expanded");
    assert!(invoice
        .subscription
        .as_ref()
        .is_some_and(Expandable::is_expanded));
    let too_deep = stripe
        .send(&RetrieveCharge::new(seeded.id.clone()).expand_path("a.b.c.d.e"))
        .await
        .unwrap_err();
    assert_eq!(
        too_deep.api_error().and_then(|e| e.param.as_deref()),
        Some("expand")
    );

    // Delete; afterwards the customer is gone.
    let deleted = stripe
        .send(&DeleteCustomer::new(customer.id.clone()))
        .await
        .unwrap();
    assert!(deleted.deleted);
    let gone = stripe
        .send(&RetrieveCustomer::new(customer.id.clone()))
        .await
        .unwrap_err();
    assert_eq!(gone.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(
        gone.api_error().and_then(|e| e.code.as_deref()),
        Some("resource_missing")
    );
}

#[tokio::test]
async fn reference_server_lists_and_scopes() {
    let base = reference().await;
    let stripe = client(&base, KEY);
    let account = Client::builder(&base)
        .api_key(KEY)
        .max_retries(0)
        .default_header("stripe-account", "acct_other")
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        let charge = stripe
            .send(
                &CreateCharge::new(100 + i, "usd")
                    .source("tok_visa")
                    .metadata(metadata(&[("i", &i.to_string())])),
            )
            .await
            .unwrap();
        ids.push(charge.id.to_string());
    }
    ids.reverse(); // newest first
                   // The seeded charge is the oldest; ours are the five newest.
    let first = stripe.send(&ListCharges::new().limit(2)).await.unwrap();
    assert_eq!(
        first
            .data
            .iter()
            .map(|c| c.id.to_string())
            .collect::<Vec<_>>(),
        ids[..2]
    );
    assert!(first.has_more);
    assert_eq!(first.url, "/v1/charges");
    let next = stripe
        .send(&ListCharges::new().limit(2).starting_after(ids[1].clone()))
        .await
        .unwrap();
    assert_eq!(
        next.data
            .iter()
            .map(|c| c.id.to_string())
            .collect::<Vec<_>>(),
        ids[2..4]
    );
    let back = stripe
        .send(
            &ListCharges::new()
                .limit(2)
                .ending_before(ids[3].clone())
                .starting_after(ids[0].clone()),
        )
        .await
        .unwrap();
    assert_eq!(
        back.data
            .iter()
            .map(|c| c.id.to_string())
            .collect::<Vec<_>>(),
        ids[1..3],
        "ending_before wins"
    );
    let all = apigen_runtime::collect_capped(stripe.paginate(ListCharges::new().limit(2)), 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
    // Another account and live mode see none of it.
    let missing = account
        .send(&RetrieveCharge::new(ids[0].clone()))
        .await
        .unwrap_err();
    assert_eq!(
        missing.api_error().and_then(|e| e.code.as_deref()),
        Some("resource_missing")
    );
    let live = client(&base, "sk_live_0123456789");
    assert!(live
        .send(&RetrieveCharge::new(ids[0].clone()))
        .await
        .is_err());
    let live_charge = live
        .send(&CreateCharge::new(100, "usd").source("tok_visa"))
        .await
        .unwrap();
    assert!(live_charge.livemode);
    let bad_cursor = stripe
        .send(&ListCharges::new().starting_after("ch_nope"))
        .await
        .unwrap_err();
    assert_eq!(
        bad_cursor.api_error().and_then(|e| e.param.as_deref()),
        Some("starting_after")
    );
}
