//! Every server and client request gets a `tracing` span with its route or operation,
//! status and request id. Alone in its binary: `tracing` caches per call site whether anyone
//! listens, and a test without a subscriber running beside this one would race it.

use std::sync::{Arc, Mutex};

use stripe::operations::*;

const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

/// Log lines written by a `tracing` subscriber.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn server_and_client_requests_have_tracing_spans() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = integration_tests::serve_local(stripe_mock::app(Vec::new()), KEY).await;
            let created = client
                .send(&CreateCustomer::new().email("traced@example.com"))
                .await
                .unwrap();
            let missing = client.send(&RetrieveCustomer::new("cus_missing")).await;
            assert!(missing.is_err());
            let id = created.id.to_string();
            client.send(&RetrieveCustomer::new(id)).await.unwrap();
        });
    });
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let server: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" request{") && l.contains(": close time"))
        .collect();
    assert_eq!(server.len(), 3, "{text}");
    assert!(
        server[0].contains("method=POST") && server[0].contains(r#"route="/v1/customers""#),
        "{}",
        server[0]
    );
    assert!(
        server[1].contains(r#"route="/v1/customers/{customer}""#)
            && server[1].contains("status=404")
    );
    assert!(server
        .iter()
        .all(|l| l.contains("request_id=req_") && l.contains("latency_ms=")));
    let client: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("api_request{") && l.contains(": close time"))
        .collect();
    assert_eq!(client.len(), 3, "{text}");
    assert!(
        client[0].contains(r#"operation="CreateCustomer""#),
        "{}",
        client[0]
    );
    assert!(client[1].contains("status=404") && client[1].contains("attempts=1"));
    assert!(client.iter().all(|l| l.contains(r#"request_id="req_"#)));
}
