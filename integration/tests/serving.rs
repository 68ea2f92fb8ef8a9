//! `serve_with` as a server on the open internet needs it, over real sockets on 127.0.0.1:
//! slow heads are closed by the header timeout while other requests are served, a slow
//! handler is answered by the request timeout (and its idempotency key released), the
//! connection cap holds, and shutdown drains every request in flight.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use apigen_runtime::server::{serve_with, Context, ServeOptions, ServerError};
use serde_json::Value;
use stripe::operations::*;
use stripe::server::{CreateChargeResponse, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

/// A create charge that takes `delay` (the first `slow_calls` times), counting its calls.
struct Slow {
    delay: Duration,
    calls: Arc<AtomicUsize>,
    slow_calls: usize,
}

impl Server for Slow {
    async fn create_charge(
        &self,
        request: CreateCharge,
        _context: Context,
    ) -> Result<CreateChargeResponse, ServerError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if call < self.slow_calls {
            tokio::time::sleep(self.delay).await;
        }
        Err(ServerError::invalid_request(
            format!("answered {}", request.body.amount),
            None,
        ))
    }
}

struct Running {
    address: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(server: Slow, options: ServeOptions) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = stripe::server::router(server);
    let done = tokio::spawn(serve_with(listener, app, options, async {
        let _ = stopped.await;
    }));
    Running {
        address,
        stop: Some(stop),
        done,
    }
}

fn slow(delay: Duration, slow_calls: usize) -> (Slow, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = Slow {
        delay,
        calls: calls.clone(),
        slow_calls,
    };
    (server, calls)
}

fn charge_request(amount: u32, extra: &str) -> Vec<u8> {
    let body = format!("amount={amount}&currency=usd");
    format!(
        "POST /v1/charges HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one whole response (the connection closes after it, or its body is complete).
async fn read_response(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("the server answers within 10 s")
            .unwrap_or(0);
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&bytes);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end].lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            });
            if length.is_some_and(|length| bytes.len() >= end + 4 + length) {
                break;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn status_of(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn body_of(response: &str) -> Value {
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn slow_heads_are_closed_by_the_header_timeout_while_others_are_served() {
    let (server, _) = slow(Duration::ZERO, 0);
    let options = ServeOptions {
        header_read_timeout: Duration::from_millis(400),
        ..ServeOptions::default()
    };
    let running = start(server, options).await;
    // 100 clients that send half a head and then nothing.
    let mut loris = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(running.address).await.unwrap();
        stream
            .write_all(b"POST /v1/charges HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        loris.push(stream);
    }
    // A connection that opens and sends nothing is closed quietly.
    let mut silent = TcpStream::connect(running.address).await.unwrap();
    let started = Instant::now();
    // Normal requests go on being served meanwhile.
    for amount in 1..=20 {
        let mut stream = TcpStream::connect(running.address).await.unwrap();
        stream.write_all(&charge_request(amount, "")).await.unwrap();
        let response = read_response(&mut stream).await;
        assert_eq!(status_of(&response), 400, "{response}");
        assert_eq!(
            body_of(&response)["error"]["message"],
            format!("answered {amount}")
        );
    }
    for mut stream in loris {
        let response = read_response(&mut stream).await;
        assert_eq!(status_of(&response), 408, "{response}");
        assert!(response.to_ascii_lowercase().contains("request-id: req_"));
        assert_eq!(body_of(&response)["error"]["type"], "invalid_request_error");
    }
    assert_eq!(
        read_response(&mut silent).await,
        "",
        "closed without a word"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_slow_handler_is_answered_by_the_request_timeout_and_its_key_released() {
    let (server, calls) = slow(Duration::from_secs(5), 1);
    let options = ServeOptions {
        request_timeout: Duration::from_millis(300),
        ..ServeOptions::default()
    };
    let running = start(server, options).await;
    let keyed = "Idempotency-Key: timeout-1\r\n";
    let mut stream = TcpStream::connect(running.address).await.unwrap();
    stream.write_all(&charge_request(7, keyed)).await.unwrap();
    let response = read_response(&mut stream).await;
    assert_eq!(status_of(&response), 503, "{response}");
    assert_eq!(body_of(&response)["error"]["type"], "api_error");
    assert!(response.to_ascii_lowercase().contains("request-id: req_"));
    // The key was released: the retry runs (and is fast this time), it is not "in flight".
    let mut retried = None;
    for _ in 0..50 {
        let mut stream = TcpStream::connect(running.address).await.unwrap();
        stream.write_all(&charge_request(7, keyed)).await.unwrap();
        let response = read_response(&mut stream).await;
        if status_of(&response) != 409 {
            retried = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let retried = retried.expect("the key is released within a second");
    assert_eq!(status_of(&retried), 400, "{retried}");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_connection_cap_makes_clients_wait_rather_than_fail() {
    let (server, calls) = slow(Duration::from_millis(200), usize::MAX);
    let options = ServeOptions {
        max_connections: 2,
        ..ServeOptions::default()
    };
    let running = start(server, options).await;
    let started = Instant::now();
    let mut clients = Vec::new();
    for amount in 1..=6 {
        let address = running.address;
        clients.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(address).await.unwrap();
            stream
                .write_all(&charge_request(amount, "Connection: close\r\n"))
                .await
                .unwrap();
            read_response(&mut stream).await
        }));
    }
    for client in clients {
        let response = client.await.unwrap();
        assert_eq!(status_of(&response), 400, "{response}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 6);
    // Two at a time, 200 ms each: three rounds.
    assert!(
        started.elapsed() >= Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn shutdown_answers_every_request_in_flight_then_refuses() {
    let (server, calls) = slow(Duration::from_millis(500), usize::MAX);
    let mut running = start(server, ServeOptions::default()).await;
    let mut clients = Vec::new();
    for amount in 1..=10 {
        let address = running.address;
        clients.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(address).await.unwrap();
            stream.write_all(&charge_request(amount, "")).await.unwrap();
            read_response(&mut stream).await
        }));
    }
    // An idle keep-alive connection, closed by the drain.
    let mut idle = TcpStream::connect(running.address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    running.stop.take().unwrap().send(()).unwrap();
    for client in clients {
        let response = client.await.unwrap();
        assert_eq!(status_of(&response), 400, "{response}");
        assert!(
            response.to_ascii_lowercase().contains("connection: close"),
            "{response}"
        );
    }
    assert_eq!(read_response(&mut idle).await, "");
    let result = tokio::time::timeout(Duration::from_secs(5), running.done)
        .await
        .expect("serve_with returns once drained");
    result.unwrap().unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 10);
    assert!(TcpStream::connect(running.address).await.is_err());
}
