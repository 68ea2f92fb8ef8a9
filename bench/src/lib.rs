//! The pieces of `cargo xtask bench`'s server figures: one in-memory store, served twice with
//! the same work per request (through the generated `Server` trait and router, and through a
//! hand-written axum handler), and a bounded load generator for 127.0.0.1.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apigen_runtime::server::idempotency::MemoryStore;
use apigen_runtime::server::{axum, with_store, Context, ServerError};
use apigen_runtime::List;
use stripe::operations::{CreateCharge, ListCustomers};
use stripe::server::{CreateChargeResponse, ListCustomersResponse, Server};
use stripe::{Charge, Customer};

pub const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

/// The shared in-memory work: make a charge from a template, keep the newest 1,000; list the
/// first customers.
pub struct Store {
    charge: Charge,
    customers: Vec<Customer>,
    charges: Mutex<VecDeque<Charge>>,
    next: AtomicU64,
}

impl Store {
    pub fn new() -> Arc<Store> {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
        let read = |name: &str| {
            std::fs::read_to_string(format!("{fixtures}{name}"))
                .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
        };
        let charge: Charge = serde_json::from_str(&read("charge.json")).expect("charge fixture");
        let list: List<Customer> =
            serde_json::from_str(&read("customer_list.json")).expect("customer list fixture");
        let template = list.data.into_iter().next().expect("a customer");
        let customers = (0..100)
            .map(|i| {
                let mut customer = template.clone();
                customer.id = format!("cus_bench{i:04}").into();
                customer
            })
            .collect();
        Arc::new(Store {
            charge,
            customers,
            charges: Mutex::new(VecDeque::new()),
            next: AtomicU64::new(1),
        })
    }

    pub fn create_charge(
        &self,
        amount: i64,
        currency: String,
        description: Option<String>,
        metadata: Option<BTreeMap<String, String>>,
    ) -> Charge {
        let mut charge = self.charge.clone();
        charge.id = format!("ch_bench{}", self.next.fetch_add(1, Ordering::Relaxed)).into();
        charge.amount = amount;
        charge.currency = currency;
        charge.description = description;
        charge.metadata = metadata.unwrap_or_default();
        let mut charges = self.charges.lock().unwrap_or_else(|e| e.into_inner());
        if charges.len() == 1000 {
            charges.pop_front();
        }
        charges.push_back(charge.clone());
        charge
    }

    pub fn list_customers(&self, limit: usize) -> List<Customer> {
        let data = self.customers.iter().take(limit).cloned().collect();
        List::new("/v1/customers", data, limit < self.customers.len())
    }
}

/// The generated server: the trait implemented with the store's work.
#[derive(Clone)]
pub struct Generated(pub Arc<Store>);

impl Server for Generated {
    async fn create_charge(
        &self,
        request: CreateCharge,
        _context: Context,
    ) -> Result<CreateChargeResponse, ServerError> {
        let body = request.body;
        Ok(CreateChargeResponse::Ok(self.0.create_charge(
            body.amount,
            body.currency,
            body.description,
            body.metadata,
        )))
    }

    async fn list_customers(
        &self,
        request: ListCustomers,
        _context: Context,
    ) -> Result<ListCustomersResponse, ServerError> {
        let limit = request.query.limit.unwrap_or(10) as usize;
        Ok(ListCustomersResponse::Ok(self.0.list_customers(limit)))
    }
}

pub fn generated_router(store: Arc<Store>) -> axum::Router {
    stripe::server::router(Generated(store))
}

/// Keys in the benchmarks' full idempotency store, where each new key evicts the oldest.
pub const FULL_STORE_KEYS: usize = 10_000;

/// The `Idempotency-Key` header's name, made once: parsed from text for every request, it
/// cost the harness's keyed side a lookup and an allocation the server's did not cause.
pub const IDEMPOTENCY_KEY: axum::http::HeaderName =
    axum::http::HeaderName::from_static("idempotency-key");

/// `prefix` and `n` as an `Idempotency-Key` value, written into one allocation (`format!`
/// grew its string once more).
pub fn idempotency_key(prefix: &str, n: u64) -> axum::http::HeaderValue {
    use std::fmt::Write;
    let mut key = String::with_capacity(prefix.len() + 20);
    key.push_str(prefix);
    let _ = write!(key, "{n}");
    axum::http::HeaderValue::try_from(key).expect("a key of visible ASCII")
}

/// The generated router (over a store of its own) keeping its idempotency keys in `keys`.
pub fn keyed_router(keys: Arc<MemoryStore>) -> axum::Router {
    with_store(generated_router(Store::new()), keys)
}

/// What the hand-written handler decodes (the same bracket encoding, through serde_qs).
#[derive(serde::Deserialize)]
struct HandCreateCharge {
    amount: i64,
    currency: String,
    description: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
}

#[derive(serde::Deserialize)]
struct HandListQuery {
    limit: Option<usize>,
}

fn authorized(headers: &axum::http::HeaderMap) -> bool {
    use base64::Engine;
    let Some(value) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .is_some_and(|user| user.ends_with(':') && user.starts_with("sk_"))
}

/// The baseline: the same routes written by hand in axum, with Basic auth, serde_qs decoding
/// and JSON encoding, and nothing else.
pub fn handwritten_router(store: Arc<Store>) -> axum::Router {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    async fn create(
        axum::extract::State(store): axum::extract::State<Arc<Store>>,
        headers: axum::http::HeaderMap,
        body: axum::body::Bytes,
    ) -> axum::response::Response {
        if !authorized(&headers) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        match serde_qs::from_bytes::<HandCreateCharge>(&body) {
            Ok(p) => json(&store.create_charge(p.amount, p.currency, p.description, p.metadata)),
            Err(_) => StatusCode::BAD_REQUEST.into_response(),
        }
    }
    async fn list(
        axum::extract::State(store): axum::extract::State<Arc<Store>>,
        headers: axum::http::HeaderMap,
        uri: axum::http::Uri,
    ) -> axum::response::Response {
        if !authorized(&headers) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        match serde_qs::from_str::<HandListQuery>(uri.query().unwrap_or_default()) {
            Ok(q) => json(&store.list_customers(q.limit.unwrap_or(10))),
            Err(_) => StatusCode::BAD_REQUEST.into_response(),
        }
    }
    fn json<T: serde::Serialize>(value: &T) -> axum::response::Response {
        match serde_json::to_vec(value) {
            Ok(body) => ([("content-type", "application/json")], body).into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
    axum::Router::new()
        .route("/v1/charges", axum::routing::post(create))
        .route("/v1/customers", axum::routing::get(list))
        .with_state(store)
}

/// How a router is served.
#[derive(Clone, Copy, Debug)]
pub enum Serve {
    /// `apigen_runtime::server::serve`, as generated servers are run (the connection guard
    /// that turns hyper's own refusals into envelopes).
    Guarded,
    /// Plain `axum::serve`, as a hand-written axum service would be run.
    Axum,
}

/// Serves `router` on a free port of 127.0.0.1; the base URL.
pub async fn serve(router: axum::Router, how: Serve) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = match how {
            Serve::Guarded => apigen_runtime::server::serve(listener, router).await,
            // With TCP_NODELAY, as the connection guard sets it: Nagle's algorithm would
            // hold back the baseline's small responses.
            Serve::Axum => {
                use axum::serve::ListenerExt;
                let listener = listener.tap_io(|stream| {
                    let _ = stream.set_nodelay(true);
                });
                axum::serve(listener, router).await
            }
        };
    });
    format!("http://{address}")
}

/// One request of a load run.
#[derive(Clone, Copy, Debug)]
pub enum Call {
    CreateCharge,
    /// A create charge with an `Idempotency-Key` unique to the round, worker and request.
    CreateChargeKeyed {
        round: u32,
    },
    ListCustomers,
}

/// Figures of one load run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Load {
    pub requests: usize,
    pub concurrency: usize,
    pub errors: usize,
    pub requests_per_second: f64,
    pub p50_us: f64,
    pub p99_us: f64,
}

/// Sends exactly `requests` requests with `concurrency` workers, then stops.
pub async fn load(base: &str, call: Call, requests: usize, concurrency: usize) -> Load {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    let remaining = Arc::new(AtomicU64::new(requests as u64));
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let client = client.clone();
        let remaining = remaining.clone();
        let base = base.to_owned();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut n = 0u64;
            let key_prefix = match call {
                Call::CreateChargeKeyed { round } => format!("bench-{round}-{worker}-"),
                _ => String::new(),
            };
            while remaining
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| r.checked_sub(1))
                .is_ok()
            {
                n += 1;
                let create = || {
                    client
                        .post(format!("{base}/v1/charges"))
                        .basic_auth(KEY, Some(""))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(format!(
                            "amount={}&currency=usd&description=bench&metadata[order_id]={worker}-{n}&metadata[note]=load",
                            1000 + n
                        ))
                };
                let request = match call {
                    Call::CreateCharge => create(),
                    Call::CreateChargeKeyed { .. } => {
                        create().header(IDEMPOTENCY_KEY, idempotency_key(&key_prefix, n))
                    }
                    Call::ListCustomers => client
                        .get(format!("{base}/v1/customers?limit=10"))
                        .basic_auth(KEY, Some("")),
                };
                let sent = Instant::now();
                match request.send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        let _ = response.bytes().await;
                        if !ok {
                            errors += 1;
                        }
                    }
                    Err(_) => errors += 1,
                }
                latencies.push(sent.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(requests);
    let mut errors = 0;
    for worker in workers {
        let (mut l, e) = worker.await.expect("worker");
        latencies.append(&mut l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    Load {
        requests,
        concurrency,
        errors,
        requests_per_second: requests as f64 / elapsed.as_secs_f64(),
        p50_us: at(0.5),
        p99_us: at(0.99),
    }
}

/// The in-process requests of criterion's `server` bench and of the `glue` example: the
/// requests the loopback load sends, driven through a router with no socket.
pub mod in_process {
    use apigen_runtime::server::axum::body::{to_bytes, Body};
    use apigen_runtime::server::axum::http::Request;
    use apigen_runtime::server::axum::Router;
    use tower::ServiceExt;

    fn basic() -> String {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{}:", super::KEY));
        format!("Basic {encoded}")
    }

    /// A create charge with nested metadata; with `Some(n)`, also an `Idempotency-Key`
    /// (`bench-n`) that takes the idempotency path (claim, fingerprint, keep the response).
    pub fn create_charge(key: Option<u64>) -> Request<Body> {
        let mut request = Request::post("/v1/charges")
            .header("authorization", basic())
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(n) = key {
            request = request.header(super::IDEMPOTENCY_KEY, super::idempotency_key("bench-", n));
        }
        request
            .body(Body::from(
                "amount=1000&currency=usd&description=bench&metadata[order_id]=6735&metadata[note]=load",
            ))
            .expect("a request")
    }

    /// A list of ten customers.
    pub fn list_customers() -> Request<Body> {
        Request::get("/v1/customers?limit=10")
            .header("authorization", basic())
            .body(Body::empty())
            .expect("a request")
    }

    /// One side of an in-process comparison: a router and the `n`th request to send it.
    #[derive(Clone, Copy)]
    pub struct Side<'a> {
        pub router: &'a Router,
        pub request: fn(u64) -> Request<Body>,
    }

    /// Microseconds per request of two sides, measured in alternating rounds of `per_round`
    /// requests each (the first side first in even rounds, last in odd ones), so that a slow
    /// spell of the machine lands on both: one figure per round and side. `n` counts every
    /// request sent, so that keyed requests never repeat a key.
    pub fn alternate(
        runtime: &tokio::runtime::Runtime,
        sides: [Side<'_>; 2],
        rounds: usize,
        per_round: u64,
        n: &mut u64,
    ) -> [Vec<f64>; 2] {
        let mut times = [Vec::new(), Vec::new()];
        for round in 0..rounds {
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for side in order {
                let started = std::time::Instant::now();
                for _ in 0..per_round {
                    *n += 1;
                    send(runtime, sides[side].router, (sides[side].request)(*n));
                }
                times[side].push(started.elapsed().as_secs_f64() * 1e6 / per_round as f64);
            }
        }
        times
    }

    /// Answers `request` with `router` and reads the whole body; its length.
    pub fn send(
        runtime: &tokio::runtime::Runtime,
        router: &Router,
        request: Request<Body>,
    ) -> usize {
        runtime.block_on(async {
            let response = router.clone().oneshot(request).await.expect("infallible");
            assert!(response.status().is_success(), "{}", response.status());
            to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a body")
                .len()
        })
    }
}
