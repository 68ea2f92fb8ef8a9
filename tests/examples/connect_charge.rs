//! The official Stripe crate (generated from the 2023-09-12 spec) doing a Connect platform's
//! job: a customer and a charge on a connected account with an idempotency key, the customer
//! expanded, a search of the account's charges paginated, and a refund. `cargo xtask test`
//! builds it into the official spec's mock server crate (as `api`) and runs it against the
//! `Mock` server: `connect-charge URL`. The README shows it next to async-stripe's code.

use api::operations::*;
use api::ChargeExpand;
use apigen_runtime::{collect_capped, Client};

const ACCOUNT: &str = "acct_1Example";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args().nth(1).unwrap_or_else(|| api::BASE_URL.to_owned());
    let key = std::env::var("STRIPE_API_KEY").unwrap_or_else(|_| "sk_test_example".to_owned());
    let client = Client::builder(base).api_key(key).build()?;

    let customer = client
        .send(
            &CreateCustomer::new()
                .email("jenny.rosen@example.com")
                .stripe_account(ACCOUNT),
        )
        .await?;
    println!("customer {} on {ACCOUNT}", customer.id);

    for (amount, key) in [(2000, "order-6735"), (1500, "order-6736")] {
        let charge = client
            .send(
                &CreateCharge::new()
                    .amount(amount)
                    .currency("usd")
                    .customer(customer.id.to_string())
                    .source("tok_visa")
                    .expand(ChargeExpand::Customer)
                    .idempotency_key(key)
                    .stripe_account(ACCOUNT),
            )
            .await?;
        let expanded = charge.customer.as_ref().is_some_and(|c| c.as_object().is_some());
        println!(
            "charge {} for {} {} (customer expanded: {expanded}, request {})",
            charge.id,
            charge.amount,
            charge.currency,
            charge.request_id().unwrap_or("-")
        );
    }

    // Search pages by `next_page`; `paginate` follows it.
    let query = format!("customer:'{}'", customer.id);
    let found = collect_capped(
        client.paginate(SearchCharges::new(query).limit(1).stripe_account(ACCOUNT)),
        10,
    )
    .await?;
    println!("search found {} charges, one page at a time", found.len());

    let first = found.first().ok_or("the search found nothing")?;
    let refund = client
        .send(
            &CreateRefund::new()
                .charge(first.id.to_string())
                .amount(500)
                .stripe_account(ACCOUNT),
        )
        .await?;
    println!("refund {} of {} on charge {}", refund.id, refund.amount, first.id);
    Ok(())
}
