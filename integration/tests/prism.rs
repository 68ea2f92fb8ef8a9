//! The generated client against Prism, which serves spec/stripe.yaml and validates every
//! request against it. Needs Prism installed in tests/prism (`cargo xtask test` installs it
//! and runs these with `--ignored`).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use apigen_runtime::{Client, Error, MaybeUnset};
use integration_tests::repo;
use stripe::operations::*;
use stripe::{ChargeExpand, RangeQuerySpecs};

struct Prism {
    child: Child,
    base: String,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// spec/stripe.yaml without the form `encoding` entries: Prism decodes bracket notation
/// itself, but its deepObject decoding turns every absent optional object into `{}` and then
/// rejects it for missing required properties.
fn spec_for_prism() -> PathBuf {
    let text = std::fs::read_to_string(repo().join("spec/stripe.yaml")).unwrap();
    let mut spec: serde_json::Value = serde_yaml::from_str(&text).unwrap();
    for item in spec["paths"].as_object_mut().unwrap().values_mut() {
        for operation in item.as_object_mut().unwrap().values_mut() {
            if let Some(content) = operation
                .pointer_mut("/requestBody/content")
                .and_then(|c| c.as_object_mut())
            {
                for media in content.values_mut() {
                    media.as_object_mut().unwrap().remove("encoding");
                }
            }
        }
    }
    let path = std::env::temp_dir().join(format!("apigen-prism-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&spec).unwrap()).unwrap();
    path
}

fn start_prism() -> Prism {
    let prism = repo().join("tests/prism/node_modules/.bin/prism");
    assert!(
        prism.exists(),
        "Prism is not installed: run `npm ci --prefix tests/prism` (cargo xtask test does)"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(prism)
        .args([
            "mock",
            "--errors",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .arg(spec_for_prism())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Prism starts");
    let prism = Prism {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "Prism did not start listening within 90 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    prism
}

fn client(base: &str) -> Client {
    Client::builder(base)
        .api_key("sk_test_4eC39HqLyjWDarjtT1zdp7dc")
        .max_retries(0)
        .build()
        .unwrap()
}

#[tokio::test]
#[ignore = "needs Prism; run by cargo xtask test"]
async fn every_operation_passes_prism_validation() {
    let prism = start_prism();
    let client = client(&prism.base);
    let metadata = || {
        [("order_id".to_owned(), "6735".to_owned())]
            .into_iter()
            .collect()
    };

    let charge = client
        .send(
            &CreateCharge::new(400, "usd")
                .source("tok_visa")
                .capture(false)
                .description("2 shirts")
                .metadata(metadata())
                .expand(ChargeExpand::Customer)
                .idempotency_key("key-1")
                .stripe_account("acct_1032D82eZvKYlo2C"),
        )
        .await
        .unwrap();
    assert_eq!(charge.object, "charge");
    client
        .send(&RetrieveCharge::new("ch_1").expand_path("invoice.subscription"))
        .await
        .unwrap();
    client
        .send(
            &UpdateCharge::new("ch_1")
                .metadata(MaybeUnset::Unset)
                .description("x"),
        )
        .await
        .unwrap();
    client
        .send(&CaptureCharge::new("ch_1").amount(300))
        .await
        .unwrap();
    let created = ListChargesCreated::RangeQuerySpecs(Box::new(RangeQuerySpecs {
        gt: None,
        gte: Some(1),
        lt: None,
        lte: Some(2),
    }));
    let page = client
        .send(
            &ListCharges::new()
                .limit(3)
                .customer("cus_1")
                .created(created)
                .expand(ChargeExpand::Customer),
        )
        .await
        .unwrap();
    assert_eq!(page.object, "list");

    client
        .send(
            &CreateCustomer::new()
                .email("jenny@example.com")
                .metadata(metadata()),
        )
        .await
        .unwrap();
    client.send(&RetrieveCustomer::new("cus_1")).await.unwrap();
    client
        .send(
            &UpdateCustomer::new("cus_1")
                .email(MaybeUnset::Unset)
                .metadata(metadata()),
        )
        .await
        .unwrap();
    let deleted = client.send(&DeleteCustomer::new("cus_1")).await.unwrap();
    assert!(deleted.deleted);
    client
        .send(&ListCustomers::new().email("jenny@example.com").limit(10))
        .await
        .unwrap();

    client
        .send(
            &CreateRefund::new("ch_1")
                .amount(100)
                .reason(CreateRefundBodyReason::RequestedByCustomer),
        )
        .await
        .unwrap();
    client.send(&RetrieveRefund::new("re_1")).await.unwrap();
    client
        .send(&UpdateRefund::new("re_1").metadata(metadata()))
        .await
        .unwrap();
    client
        .send(&ListRefunds::new().charge("ch_1"))
        .await
        .unwrap();

    client.send(&RetrieveInvoice::new("in_1")).await.unwrap();
    client
        .send(&ListInvoices::new().subscription("sub_1"))
        .await
        .unwrap();
    client
        .send(&RetrieveSubscription::new("sub_1"))
        .await
        .unwrap();
    client
        .send(&ListSubscriptions::new().status(ListSubscriptionsStatus::Active))
        .await
        .unwrap();
}

#[tokio::test]
#[ignore = "needs Prism; run by cargo xtask test"]
async fn prism_rejects_what_the_spec_forbids() {
    let prism = start_prism();
    // `limit` is 1..100: the builder does not stop it, the spec (and Prism) does.
    let result = client(&prism.base)
        .send(&ListCharges::new().limit(300))
        .await;
    let error = result.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400), "{error}");
    assert!(
        error.api_error().is_some(),
        "the 400 carries the error envelope: {error}"
    );
    // No key: the security requirement fails.
    let anonymous = Client::builder(&prism.base).max_retries(0).build().unwrap();
    let error = anonymous
        .send(&RetrieveCharge::new("ch_1"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Authentication(_)), "{error}");
}
