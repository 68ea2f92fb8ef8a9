//! The generated `Mock` server is stateful for any spec: a create stores its object, and
//! retrieve, update, delete and list act on it with Stripe's semantics (spec/stripe.yaml
//! here, through the generated client over real HTTP on 127.0.0.1; the hand-written
//! reference server is not involved).

use std::collections::BTreeMap;

use apigen_runtime::server::mock::Options;
use apigen_runtime::{Client, Error, MaybeUnset};
use stripe::operations::*;

const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";
const LIVE: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

async fn serve(options: Options) -> Client {
    let app = stripe::server::router(stripe::server::Mock::new(options));
    integration_tests::serve_local(app, KEY).await
}

fn strict() -> Options {
    Options {
        strict: true,
        ..Options::default()
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn status(result: Result<impl std::fmt::Debug, Error>) -> u16 {
    match result {
        Err(Error::InvalidRequest(error)) => error.status.as_u16(),
        other => panic!("expected an invalid request error, got {other:?}"),
    }
}

#[tokio::test]
async fn create_retrieve_update_list_delete() {
    let stripe = serve(strict()).await;
    let created = stripe
        .send(
            &CreateCustomer::new()
                .email("jenny@example.com")
                .metadata(map(&[("a", "1"), ("b", "2")])),
        )
        .await
        .unwrap();
    assert_eq!(created.email.as_deref(), Some("jenny@example.com"));
    assert!(!created.livemode);
    assert!(created.created > 1_700_000_000, "{}", created.created);
    let id = created.id.clone();

    let retrieved = stripe
        .send(&RetrieveCustomer::new(id.clone()))
        .await
        .unwrap();
    assert_eq!(retrieved.email.as_deref(), Some("jenny@example.com"));

    // Metadata merges key by key; "" removes a key; other fields are left alone.
    let update = map(&[("a", ""), ("c", "3")]);
    let updated = stripe
        .send(
            &UpdateCustomer::new(id.clone())
                .metadata(MaybeUnset::Set(update))
                .description("VIP".to_owned()),
        )
        .await
        .unwrap();
    assert_eq!(updated.metadata, map(&[("b", "2"), ("c", "3")]));
    assert_eq!(updated.description.as_deref(), Some("VIP"));
    assert_eq!(updated.email.as_deref(), Some("jenny@example.com"));
    let again = stripe
        .send(&RetrieveCustomer::new(id.clone()))
        .await
        .unwrap();
    assert_eq!(again.metadata, updated.metadata);

    // Lists: newest first, filtered by the parameters naming a property, paged both ways.
    let mut ids = vec![id.clone()];
    for n in 0..4 {
        let customer = stripe
            .send(&CreateCustomer::new().email(format!("c{n}@example.com")))
            .await
            .unwrap();
        ids.push(customer.id.clone());
    }
    let filtered = stripe
        .send(&ListCustomers::new().email("jenny@example.com"))
        .await
        .unwrap();
    assert_eq!(filtered.data.len(), 1);
    assert_eq!(filtered.data[0].id, id);
    let first = stripe.send(&ListCustomers::new().limit(2)).await.unwrap();
    let page: Vec<_> = first.data.iter().map(|c| c.id.clone()).collect();
    assert_eq!(page, [ids[4].clone(), ids[3].clone()]);
    assert!(first.has_more);
    let rest = stripe
        .send(
            &ListCustomers::new()
                .limit(10)
                .starting_after(ids[3].to_string()),
        )
        .await
        .unwrap();
    assert_eq!(rest.data.len(), 3);
    assert!(!rest.has_more);
    let before = stripe
        .send(
            &ListCustomers::new()
                .limit(2)
                .ending_before(ids[1].to_string()),
        )
        .await
        .unwrap();
    let page: Vec<_> = before.data.iter().map(|c| c.id.clone()).collect();
    assert_eq!(page, [ids[3].clone(), ids[2].clone()]);
    assert!(before.has_more);

    // Delete: the deleted object, then 404 and gone from lists.
    let deleted = stripe.send(&DeleteCustomer::new(id.clone())).await.unwrap();
    assert!(deleted.deleted);
    assert_eq!(deleted.id, id);
    assert_eq!(
        status(stripe.send(&RetrieveCustomer::new(id.clone())).await),
        404
    );
    let all = stripe.send(&ListCustomers::new()).await.unwrap();
    assert_eq!(all.data.len(), 4);
}

#[tokio::test]
async fn scopes_expansion_and_idempotency() {
    let stripe = serve(strict()).await;
    let customer = stripe
        .send(&CreateCustomer::new().email("a@example.com"))
        .await
        .unwrap();
    // Isolated by account and by key mode.
    let other_account = RetrieveCustomer::new(customer.id.clone()).stripe_account("acct_1");
    assert_eq!(status(stripe.send(&other_account).await), 404);
    let live = RetrieveCustomer::new(customer.id.clone()).api_key(LIVE);
    assert_eq!(status(stripe.send(&live).await), 404);
    let in_account = stripe
        .send(&CreateCustomer::new().stripe_account("acct_1"))
        .await
        .unwrap();
    let listed = stripe.send(&ListCustomers::new()).await.unwrap();
    assert!(listed.data.iter().all(|c| c.id != in_account.id));

    // `expand` replaces a stored id by the stored object.
    let charge = stripe
        .send(&CreateCharge::new(2000, "usd").customer(customer.id.to_string()))
        .await
        .unwrap();
    assert_eq!(charge.amount, 2000);
    assert_eq!(charge.currency, "usd");
    let plain = stripe
        .send(&RetrieveCharge::new(charge.id.clone()))
        .await
        .unwrap();
    assert_eq!(
        plain.customer.as_ref().map(|c| c.id_str().to_owned()),
        Some(customer.id.to_string())
    );
    let expanded = stripe
        .send(&RetrieveCharge::new(charge.id.clone()).expand_path("customer"))
        .await
        .unwrap();
    let object = expanded.customer.as_ref().and_then(|c| c.as_object());
    assert!(object.is_some(), "{:?}", expanded.customer);
    // Listing by the expandable property filters by id.
    let by_customer = stripe
        .send(&ListCharges::new().customer(customer.id.to_string()))
        .await
        .unwrap();
    assert_eq!(by_customer.data.len(), 1);

    // An action answering the same kind of object acts on the stored one.
    let captured = stripe
        .send(&CaptureCharge::new(charge.id.clone()).receipt_email("r@example.com"))
        .await
        .unwrap();
    assert_eq!(captured.id, charge.id);
    assert_eq!(captured.receipt_email.as_deref(), Some("r@example.com"));

    // The router's idempotency: the same key answers the first object.
    let first = stripe
        .send(&CreateCustomer::new().idempotency_key("k-1"))
        .await
        .unwrap();
    let second = stripe
        .send(&CreateCustomer::new().idempotency_key("k-1"))
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
}

#[tokio::test]
async fn lenient_answers_ids_never_created() {
    let stripe = serve(Options::default()).await;
    // Like stripe-mock: the example, carrying the id asked for.
    let charge = stripe.send(&RetrieveCharge::new("ch_never")).await.unwrap();
    assert_eq!(charge.id.to_string(), "ch_never");
    let updated = stripe
        .send(&UpdateCharge::new("ch_never").description("d"))
        .await
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("d"));
    // A deleted id is gone in either mode.
    let customer = stripe.send(&CreateCustomer::new()).await.unwrap();
    stripe
        .send(&DeleteCustomer::new(customer.id.clone()))
        .await
        .unwrap();
    assert_eq!(
        status(
            stripe
                .send(&RetrieveCustomer::new(customer.id.clone()))
                .await
        ),
        404
    );
    // And the strict server's 404 is the envelope Stripe answers.
    let strict = serve(strict()).await;
    match strict.send(&RetrieveCharge::new("ch_never")).await {
        Err(Error::InvalidRequest(error)) => {
            assert_eq!(error.error.code.as_deref(), Some("resource_missing"));
            assert_eq!(
                error.error.message.as_deref(),
                Some("No such charge: 'ch_never'")
            );
        }
        other => panic!("{other:?}"),
    }
}

/// A server of one hand-written operation layered over the generic one.
struct Declines {
    generic: stripe::server::Mock,
}

impl stripe::server::Server for Declines {
    fn fallback(&self) -> Option<&stripe::server::Mock> {
        Some(&self.generic)
    }

    async fn create_charge(
        &self,
        request: CreateCharge,
        context: apigen_runtime::server::Context,
    ) -> Result<stripe::server::CreateChargeResponse, apigen_runtime::server::ServerError> {
        if request.body.source.as_deref() == Some("tok_chargeDeclined") {
            return Err(apigen_runtime::server::ServerError::new(
                apigen_runtime::StatusCode::PAYMENT_REQUIRED,
                apigen_runtime::ErrorType::CardError,
                "Your card was declined.",
            ));
        }
        self.generic.create_charge(request, context).await
    }
}

#[tokio::test]
async fn hand_written_behaviour_layers_over_the_generic_one() {
    let server = Declines {
        generic: stripe::server::Mock::new(strict()),
    };
    let stripe = integration_tests::serve_local(stripe::server::router(server), KEY).await;
    match stripe
        .send(&CreateCharge::new(100, "usd").source("tok_chargeDeclined"))
        .await
    {
        Err(Error::Card(error)) => assert_eq!(error.status.as_u16(), 402),
        other => panic!("{other:?}"),
    }
    // The hand-written method stores through the generic server, and the operations it does
    // not implement (retrieve, list, customers...) are the fallback's.
    let charge = stripe
        .send(&CreateCharge::new(100, "usd").source("tok_visa"))
        .await
        .unwrap();
    let retrieved = stripe
        .send(&RetrieveCharge::new(charge.id.clone()))
        .await
        .unwrap();
    assert_eq!(retrieved.amount, 100);
    let listed = stripe.send(&ListCharges::new()).await.unwrap();
    assert_eq!(listed.data.len(), 1);
    stripe.send(&CreateCustomer::new()).await.unwrap();
}
