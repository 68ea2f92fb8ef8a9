//! The reference server binary on a real Postgres (started by `cargo xtask test`, whose URL
//! is in `APIGEN_TEST_DATABASE_URL`): two instances on one database are one API under
//! concurrent idempotent creates, an instance killed mid-request leaves its keys to a retry
//! on the other after the lease with exactly one object each, a restart loses nothing, and
//! SIGTERM under load answers every request and exits 0.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use apigen_runtime::server::tokio_postgres;
use serde_json::Value;

const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

/// The test cluster's URL; the tests never skip without one.
fn admin_url() -> String {
    std::env::var("APIGEN_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "APIGEN_TEST_DATABASE_URL is not set: these tests need a real Postgres. \
             `cargo xtask test` starts one; `cargo xtask postgres` starts it alone and \
             prints the URL to export."
        )
    })
}

/// A new, empty database on the test cluster; its URL.
async fn fresh_database(name: &str) -> String {
    let admin = admin_url();
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot reach Postgres at {admin}: {e}"));
    tokio::spawn(connection);
    let database = format!("{name}_{}", fastrand::u32(..));
    client
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .await
        .unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&database);
    url.to_string()
}

/// A running `stripe-mock` process.
struct Instance {
    child: Child,
    base: String,
}

impl Instance {
    fn start(database_url: Option<&str>, lease: &str) -> Instance {
        let mut command = Command::new(env!("CARGO_BIN_EXE_stripe-mock"));
        command.args(["--addr", "127.0.0.1:0", "--lease", lease]);
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        let mut child = command
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).unwrap();
        // The rest of its output is read (and dropped) so that it never writes to a
        // closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        Instance { child, base }
    }

    fn signal(&self, signal: i32) {
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    /// Waits (bounded) for the process to end; its exit code.
    fn wait(&mut self) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(started.elapsed() < Duration::from_secs(40), "did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// `POST /v1/customers` for `key`, with the key in the metadata; status, body, replayed.
async fn create(
    http: &reqwest::Client,
    base: &str,
    key: &str,
) -> Result<(u16, Value, bool), reqwest::Error> {
    let response = http
        .post(format!("{base}/v1/customers"))
        .basic_auth(KEY, Some(""))
        .header("Idempotency-Key", key)
        .form(&[
            ("email", format!("{key}@example.com")),
            ("metadata[key]", key.to_owned()),
        ])
        .send()
        .await?;
    let status = response.status().as_u16();
    let replayed = response.headers().contains_key("idempotent-replayed");
    let body = response.json::<Value>().await?;
    Ok((status, body, replayed))
}

/// Every customer's metadata key → how many customers carry it.
async fn customers_by_key(base: &str) -> BTreeMap<String, usize> {
    let http = http();
    let mut counts = BTreeMap::new();
    let mut after: Option<String> = None;
    loop {
        let mut url = format!("{base}/v1/customers?limit=100");
        if let Some(after) = &after {
            url.push_str(&format!("&starting_after={after}"));
        }
        let page: Value = http
            .get(url)
            .basic_auth(KEY, Some(""))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let data = page["data"].as_array().unwrap();
        for customer in data {
            if let Some(key) = customer["metadata"]["key"].as_str() {
                *counts.entry(key.to_owned()).or_default() += 1;
            }
        }
        if page["has_more"] != true {
            return counts;
        }
        after = data
            .last()
            .and_then(|c| c["id"].as_str())
            .map(str::to_owned);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_are_one_api() {
    let database = fresh_database("two_instances").await;
    let instances = [
        Instance::start(Some(&database), "60"),
        Instance::start(Some(&database), "60"),
    ];
    let bases: Arc<Vec<String>> = Arc::new(instances.iter().map(|i| i.base.clone()).collect());
    // 50 clients, 2,000 creates, 200 keys each sent 10 times, alternating instances.
    let conflicts = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for client in 0..50usize {
        let bases = bases.clone();
        let conflicts = conflicts.clone();
        clients.push(tokio::spawn(async move {
            let http = http();
            let mut ids = Vec::new();
            for n in 0..40usize {
                let request = client * 40 + n;
                let key = format!("shared-{}", request % 200);
                let base = &bases[(request / 200 + client) % 2];
                let (status, body, _) = create(&http, base, &key).await.unwrap();
                match status {
                    200 => ids.push((key, body["id"].as_str().unwrap().to_owned())),
                    409 => {
                        assert_eq!(body["error"]["type"], "idempotency_error", "{body}");
                        conflicts.fetch_add(1, Ordering::SeqCst);
                    }
                    other => panic!("{other}: {body}"),
                }
            }
            ids
        }));
    }
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for client in clients {
        for (key, id) in client.await.unwrap() {
            let first = ids.entry(key.clone()).or_insert_with(|| id.clone());
            assert_eq!(*first, id, "key {key} answered two objects");
        }
    }
    // A key whose every request met another in flight is settled by one more try.
    let http = http();
    for n in 0..200 {
        let key = format!("shared-{n}");
        let (status, body, replayed) = create(&http, &bases[n % 2], &key).await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(replayed, "{key} was created before: replayed");
        let first = ids
            .entry(key.clone())
            .or_insert_with(|| body["id"].as_str().unwrap().to_owned());
        assert_eq!(first, body["id"].as_str().unwrap());
    }
    for base in bases.iter() {
        let counts = customers_by_key(base).await;
        assert_eq!(counts.len(), 200, "every key on every instance");
        assert!(
            counts.values().all(|n| *n == 1),
            "exactly one object per key: {counts:?}"
        );
    }
    println!(
        "2,000 creates over 200 keys on two instances: {} answered 409 (in flight)",
        conflicts.load(Ordering::SeqCst)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_leaves_its_keys_to_a_retry_after_the_lease() {
    let database = fresh_database("killed").await;
    let mut doomed = Instance::start(Some(&database), "1.5");
    let survivor = Instance::start(Some(&database), "1.5");
    let sent = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let answered = Arc::new(std::sync::Mutex::new(BTreeMap::<String, String>::new()));
    let mut clients = Vec::new();
    for client in 0..20 {
        let base = doomed.base.clone();
        let sent = sent.clone();
        let answered = answered.clone();
        clients.push(tokio::spawn(async move {
            let http = http();
            for n in 0..1_000 {
                let key = format!("kill-{client}-{n}");
                sent.lock().unwrap().push(key.clone());
                match create(&http, &base, &key).await {
                    Ok((200, body, _)) => {
                        let id = body["id"].as_str().unwrap().to_owned();
                        answered.lock().unwrap().insert(key, id);
                    }
                    Ok((status, body, _)) => panic!("{status}: {body}"),
                    // The instance died under this request.
                    Err(_) => return,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    doomed.signal(libc::SIGKILL);
    doomed.wait();
    for client in clients {
        client.await.unwrap();
    }
    let sent = sent.lock().unwrap().clone();
    let answered = answered.lock().unwrap().clone();
    let unanswered = sent.len() - answered.len();
    assert!(unanswered > 0, "some requests were cut by the kill");
    // Every key is retried on the survivor: 409 while a dead claim's lease runs, then the
    // replay (the work committed before the kill) or the one run of it.
    let http = http();
    let started = Instant::now();
    for key in &sent {
        loop {
            let (status, body, _) = create(&http, &survivor.base, key).await.unwrap();
            if status == 200 {
                let id = body["id"].as_str().unwrap();
                if let Some(first) = answered.get(key) {
                    assert_eq!(first, id, "{key}: the retry replays the first answer");
                }
                break;
            }
            assert_eq!(status, 409, "{body}");
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the lease ends"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let counts = customers_by_key(&survivor.base).await;
    for key in &sent {
        assert_eq!(counts.get(key), Some(&1), "{key}: exactly one object");
    }
    println!(
        "{} keys sent to the killed instance, {} unanswered, each one object after the retry",
        sent.len(),
        unanswered
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loses_nothing() {
    let database = fresh_database("restart").await;
    let mut first = Instance::start(Some(&database), "60");
    let http = http();
    let (status, created, _) = create(&http, &first.base, "restart-1").await.unwrap();
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let updated: Value = http
        .post(format!("{}/v1/customers/{id}", first.base))
        .basic_auth(KEY, Some(""))
        .form(&[("metadata[step]", "updated")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["metadata"]["step"], "updated");
    first.signal(libc::SIGTERM);
    assert_eq!(first.wait(), Some(0), "SIGTERM exits 0");
    let second = Instance::start(Some(&database), "60");
    let retrieved: Value = http
        .get(format!("{}/v1/customers/{id}", second.base))
        .basic_auth(KEY, Some(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(retrieved["metadata"]["step"], "updated", "{retrieved}");
    assert_eq!(retrieved["email"], "restart-1@example.com");
    let (status, replay, replayed) = create(&http, &second.base, "restart-1").await.unwrap();
    assert_eq!((status, replayed), (200, true));
    assert_eq!(replay["id"], created["id"]);
    // The seeded customer and the one created: no second seed on restart.
    let list: Value = http
        .get(format!("{}/v1/customers?limit=100", second.base))
        .basic_auth(KEY, Some(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 2, "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_answers_every_request_and_exits_0() {
    let mut instance = Instance::start(None, "60");
    let terminated = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for client in 0..20 {
        let base = instance.base.clone();
        let terminated = terminated.clone();
        let answered = answered.clone();
        clients.push(tokio::spawn(async move {
            let http = http();
            for n in 0..5_000 {
                let sent_after_term = terminated.load(Ordering::SeqCst);
                match create(&http, &base, &format!("term-{client}-{n}")).await {
                    Ok((status, body, _)) => {
                        assert_eq!(status, 200, "{body}");
                        assert!(body["id"].is_string());
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(error) => {
                        // Only a request sent after SIGTERM may find the server gone.
                        assert!(
                            sent_after_term || terminated.load(Ordering::SeqCst),
                            "failed before SIGTERM: {error}"
                        );
                        return;
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = answered.load(Ordering::SeqCst);
    terminated.store(true, Ordering::SeqCst);
    instance.signal(libc::SIGTERM);
    assert_eq!(instance.wait(), Some(0), "SIGTERM drains and exits 0");
    for client in clients {
        client.await.unwrap();
    }
    assert!(before > 0);
    println!(
        "{} creates answered, {before} before SIGTERM",
        answered.load(Ordering::SeqCst)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_store_keeps_stripes_idempotency_semantics() {
    use apigen_runtime::server::idempotency::{
        Begin, IdempotencyStore, PostgresOptions, PostgresStore, Stored,
    };
    let database = fresh_database("keys").await;
    let options = PostgresOptions {
        ttl: Duration::from_secs(2),
        lease: Duration::from_millis(500),
        ..PostgresOptions::default()
    };
    let store = PostgresStore::connect(&database, options.clone())
        .await
        .unwrap();
    // A second instance's store on the same database (migrations are applied once).
    let other = PostgresStore::connect(&database, options).await.unwrap();
    let stored = Stored {
        status: apigen_runtime::StatusCode::PAYMENT_REQUIRED,
        body: apigen_runtime::server::raw_body("application/json", b"{\"error\":{}}".to_vec()),
    };
    assert_eq!(store.begin("k1", "a").await, Ok(Begin::Proceed));
    assert_eq!(other.begin("k1", "a").await, Ok(Begin::InFlight));
    assert_eq!(other.begin("k1", "b").await, Ok(Begin::Mismatch));
    store.complete("k1", stored.clone()).await.unwrap();
    assert_eq!(
        other.begin("k1", "a").await,
        Ok(Begin::Replay(stored.clone()))
    );
    // Abandoned: the next request runs.
    assert_eq!(store.begin("k2", "a").await, Ok(Begin::Proceed));
    store.abandon("k2").await.unwrap();
    assert_eq!(other.begin("k2", "a").await, Ok(Begin::Proceed));
    // A claim whose instance died: in flight until the lease ends, then the retry's.
    assert_eq!(store.begin("k3", "a").await, Ok(Begin::Proceed));
    assert_eq!(other.begin("k3", "a").await, Ok(Begin::InFlight));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        other.begin("k3", "b").await,
        Ok(Begin::Mismatch),
        "same parameters only"
    );
    assert_eq!(other.begin("k3", "a").await, Ok(Begin::Proceed));
    // Exactly one of many concurrent first uses proceeds.
    let mut racers = Vec::new();
    for n in 0..20 {
        let store = if n % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        racers.push(tokio::spawn(async move {
            store.begin("race", "a").await.unwrap()
        }));
    }
    let mut proceeded = 0;
    for racer in racers {
        match racer.await.unwrap() {
            Begin::Proceed => proceeded += 1,
            Begin::InFlight => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(proceeded, 1);
    // Expiry: the sweep deletes keys older than the TTL.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert!(store.delete_expired().await.unwrap() >= 4);
    assert_eq!(
        other.begin("k1", "b").await,
        Ok(Begin::Proceed),
        "expired keys are new"
    );
}
