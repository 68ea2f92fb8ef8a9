//! Quickstart: the generated Stripe crate against any server that speaks the API.
//!
//! ```sh
//! STRIPE_API_BASE=http://127.0.0.1:12111 STRIPE_API_KEY=sk_test_123 \
//!     cargo run -p integration-tests --example quickstart
//! ```

use std::collections::BTreeMap;

use apigen_runtime::{collect_capped, Client, Error};
use stripe::operations::{CreateCharge, CreateCustomer, ListCharges, RetrieveCharge};
use stripe::ChargeExpand;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let base = std::env::var("STRIPE_API_BASE").unwrap_or_else(|_| stripe::BASE_URL.to_owned());
    let key =
        std::env::var("STRIPE_API_KEY").expect("set STRIPE_API_KEY to a test key (sk_test_...)");
    let client = Client::new(base, key)?;

    let customer = client
        .send(
            &CreateCustomer::new()
                .email("jenny.rosen@example.com")
                .description("Quickstart"),
        )
        .await?;
    println!(
        "created customer {} (request {})",
        customer.id,
        customer.request_id().unwrap_or("-")
    );

    let metadata = BTreeMap::from([("order_id".to_owned(), "6735".to_owned())]);
    let charge = client
        .send(
            &CreateCharge::new(2000, "usd")
                .source("tok_visa")
                .customer(customer.id.as_str())
                .metadata(metadata)
                .idempotency_key(format!("quickstart-{}", customer.id)),
        )
        .await?;
    println!(
        "created charge {} for {} {} ({:?})",
        charge.id, charge.amount, charge.currency, charge.status
    );

    let expanded = client
        .send(&RetrieveCharge::new(charge.id.clone()).expand(ChargeExpand::Customer))
        .await?;
    match expanded.customer.as_ref().and_then(|c| c.as_object()) {
        Some(customer) => println!(
            "retrieved {} with its customer expanded: {customer:?}",
            expanded.id
        ),
        None => println!("retrieved {} (customer not expanded)", expanded.id),
    }

    match collect_capped(client.paginate(ListCharges::new().limit(3)), 10).await {
        Ok(charges) => {
            let ids: Vec<&str> = charges.iter().map(|c| c.id.as_str()).collect();
            println!(
                "listed {} charges with auto-pagination: {ids:?}",
                charges.len()
            );
        }
        Err(error) => println!("listing stopped: {error}"),
    }

    match client
        .send(&CreateCharge::new(2000, "usd").source("tok_chargeDeclined"))
        .await
    {
        Err(error @ Error::Card(_)) => {
            let api = error.api_error().expect("card errors carry the API error");
            println!(
                "declined as expected: type {}, code {}, decline code {}, request {}",
                api.type_,
                api.code.as_deref().unwrap_or("-"),
                api.decline_code.as_deref().unwrap_or("-"),
                error.request_id().unwrap_or("-"),
            );
        }
        Err(other) => println!("the declined card failed differently: {other}"),
        Ok(charge) => println!(
            "the declined test card was charged ({}): this server does not simulate declines",
            charge.id
        ),
    }
    Ok(())
}
