//! The generated `Mock` server answers every operation of spec/stripe.yaml with an
//! example that the generated client decodes, after the same request validation as any
//! server (over real HTTP on 127.0.0.1).

use apigen_runtime::{Client, Error};
use stripe::operations::*;
use stripe::EnabledEventsItem;

const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

async fn examples() -> Client {
    let app = stripe::server::router(stripe::server::Mock::default());
    integration_tests::serve_local(app, KEY).await
}

/// Sends `request` and checks the answer decoded; returns the operation's name for the tally.
macro_rules! answered {
    ($client:expr, $request:expr) => {{
        let request = $request;
        match $client.send(&request).await {
            Ok(_) => stringify!($request),
            Err(error) => panic!("{}: {error}", stringify!($request)),
        }
    }};
}

#[tokio::test]
async fn every_operation_answers_an_example_that_decodes() {
    let stripe = examples().await;
    let answered = [
        answered!(stripe, ListCharges::new()),
        answered!(stripe, CreateCharge::new(100, "usd")),
        answered!(stripe, RetrieveCharge::new("ch_1")),
        answered!(stripe, UpdateCharge::new("ch_1")),
        answered!(stripe, CaptureCharge::new("ch_1")),
        answered!(stripe, ListCustomers::new()),
        answered!(stripe, CreateCustomer::new()),
        answered!(stripe, RetrieveCustomer::new("cus_1")),
        answered!(stripe, UpdateCustomer::new("cus_1")),
        answered!(stripe, DeleteCustomer::new("cus_1")),
        answered!(stripe, ListRefunds::new()),
        answered!(stripe, CreateRefund::new("ch_1")),
        answered!(stripe, RetrieveRefund::new("re_1")),
        answered!(stripe, UpdateRefund::new("re_1")),
        answered!(stripe, ListInvoices::new()),
        answered!(stripe, RetrieveInvoice::new("in_1")),
        answered!(stripe, ListSubscriptions::new()),
        answered!(stripe, RetrieveSubscription::new("sub_1")),
        answered!(stripe, ListEvents::new()),
        answered!(stripe, RetrieveEvent::new("evt_1")),
        answered!(stripe, ListWebhookEndpoints::new()),
        answered!(
            stripe,
            CreateWebhookEndpoint::new(vec![EnabledEventsItem::Star], "http://127.0.0.1:9/")
        ),
        answered!(stripe, RetrieveWebhookEndpoint::new("we_1")),
        answered!(stripe, UpdateWebhookEndpoint::new("we_1")),
        answered!(stripe, DeleteWebhookEndpoint::new("we_1")),
    ];
    // One call per operation of the spec.
    let spec: serde_yaml::Value =
        serde_yaml::from_str(include_str!("../../spec/stripe.yaml")).unwrap();
    let operations: usize = spec["paths"]
        .as_mapping()
        .unwrap()
        .values()
        .map(|item| {
            ["get", "post", "delete"]
                .iter()
                .filter(|m| item.get(**m).is_some())
                .count()
        })
        .sum();
    assert_eq!(answered.len(), operations);

    // The example has the object's constant and required properties.
    let charge = stripe.send(&RetrieveCharge::new("ch_1")).await.unwrap();
    assert_eq!(charge.object, "charge");
    let deleted = stripe.send(&DeleteCustomer::new("cus_1")).await.unwrap();
    assert!(deleted.deleted);
    let list = stripe.send(&ListCustomers::new()).await.unwrap();
    assert_eq!(list.url, "/v1/customers");

    // Requests are still validated: a limit out of range is a 400 envelope.
    match stripe.send(&ListCharges::new().limit(1000)).await {
        Err(Error::InvalidRequest(error)) => {
            assert_eq!(
                (error.status.as_u16(), error.error.param.as_deref()),
                (400, Some("limit"))
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_generated_caller_reaches_every_operation() {
    let stripe = examples().await;
    let outcomes = stripe::server::Mock::call_every_operation(&stripe).await;
    assert_eq!(outcomes.len(), 25);
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|(_, outcome)| outcome.is_err())
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}
