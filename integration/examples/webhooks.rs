//! Webhooks: registers an endpoint on a server that speaks the API (the reference server),
//! serves it with the runtime's `Webhook` extractor (signature verified, body decoded into the
//! generated `Event`, a bad signature answered with 400), causes a few events and prints the
//! ones that arrive.
//!
//! ```sh
//! cargo run -p stripe-mock &   # the reference server on 127.0.0.1:12111
//! STRIPE_API_BASE=http://127.0.0.1:12111 STRIPE_API_KEY=sk_test_123 \
//!     cargo run -p integration-tests --example webhooks
//! ```

use std::time::Duration;

use apigen_runtime::server::axum::extract::{FromRef, State};
use apigen_runtime::server::axum::{routing::post, Router};
use apigen_runtime::server::{Webhook, WebhookSecrets};
use apigen_runtime::Client;
use stripe::operations::{CreateCharge, CreateCustomer, CreateRefund, CreateWebhookEndpoint};
use stripe::{EnabledEventsItem, Event, EventObject};
use tokio::sync::mpsc;

/// The receiver's state: what it verifies with, and where verified events go.
#[derive(Clone)]
struct Receiver {
    secrets: WebhookSecrets,
    events: mpsc::UnboundedSender<Event>,
}

impl FromRef<Receiver> for WebhookSecrets {
    fn from_ref(receiver: &Receiver) -> Self {
        receiver.secrets.clone()
    }
}

/// Only a request with a valid signature gets here; the event is already typed.
async fn receive(State(receiver): State<Receiver>, Webhook(event): Webhook<Event>) {
    let _ = receiver.events.send(event);
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("STRIPE_API_BASE").unwrap_or_else(|_| stripe::BASE_URL.to_owned());
    let key = std::env::var("STRIPE_API_KEY").expect("set STRIPE_API_KEY to a test key");
    let client = Client::new(base, key)?;

    // The receiver's address first: the endpoint is registered with it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks", listener.local_addr()?);
    let endpoint = client
        .send(&CreateWebhookEndpoint::new(
            vec![EnabledEventsItem::Star],
            url.clone(),
        ))
        .await?;
    let secret = endpoint.secret.clone().ok_or("no secret in the response")?;
    println!("registered {} for {url}", endpoint.id);

    let (events, mut arrived) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/webhooks", post(receive))
        .with_state(Receiver {
            secrets: WebhookSecrets::new(secret),
            events,
        });
    tokio::spawn(async move { apigen_runtime::server::serve(listener, app).await });

    let customer = client
        .send(
            &CreateCustomer::new()
                .email("hooks@example.com")
                .source("tok_visa"),
        )
        .await?;
    let charge = client
        .send(&CreateCharge::new(2000, "usd").customer(customer.id.to_string()))
        .await?;
    client
        .send(&CreateRefund::new(charge.id.to_string()))
        .await?;

    for _ in 0..4 {
        let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(10), arrived.recv()).await
        else {
            break;
        };
        let about = match &event.data.object {
            EventObject::Customer(c) => format!("customer {}", c.id),
            EventObject::Charge(c) => format!("charge {} of {} {}", c.id, c.amount, c.currency),
            EventObject::Refund(r) => format!("refund {} of {}", r.id, r.amount),
            other => format!("{other:?}"),
        };
        println!("{} {}: {about}", event.id, event.type_.as_str());
    }
    Ok(())
}
