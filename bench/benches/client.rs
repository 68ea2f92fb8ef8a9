//! Client hot paths (criterion): encoding a create-charge request with nested metadata and
//! shipping against plain serde_qs on an equivalent struct, and decoding a 100-item charge
//! list into the generated models against `serde_json::Value`.

use std::collections::BTreeMap;

use apigen_runtime::{ApiRequest, List};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use stripe::operations::CreateCharge;
use stripe::{Charge, ShippingParams, ShippingParamsAddress};

fn metadata() -> BTreeMap<String, String> {
    (0..8)
        .map(|i| (format!("key_{i}"), format!("value number {i}")))
        .collect()
}

/// The same fields as the generated body, for the serde_qs baseline.
#[derive(serde::Serialize)]
struct PlainAddress {
    city: String,
    country: String,
    line1: String,
    postal_code: String,
}

#[derive(serde::Serialize)]
struct PlainShipping {
    address: PlainAddress,
    name: String,
}

#[derive(serde::Serialize)]
struct PlainCreateCharge {
    amount: i64,
    currency: String,
    description: String,
    metadata: BTreeMap<String, String>,
    shipping: PlainShipping,
    source: String,
}

fn encode(c: &mut Criterion) {
    let request = CreateCharge::new(2000, "usd")
        .description("Charge for jenny.rosen@example.com")
        .metadata(metadata())
        .source("tok_visa")
        .shipping(ShippingParams {
            address: ShippingParamsAddress {
                city: Some("San Francisco".into()),
                country: Some("US".into()),
                line1: Some("510 Townsend St".into()),
                line2: None,
                postal_code: Some("94103".into()),
                state: None,
            },
            carrier: None,
            name: "Jenny Rosen".into(),
            phone: None,
            tracking_number: None,
        });
    let plain = PlainCreateCharge {
        amount: 2000,
        currency: "usd".into(),
        description: "Charge for jenny.rosen@example.com".into(),
        metadata: metadata(),
        shipping: PlainShipping {
            address: PlainAddress {
                city: "San Francisco".into(),
                country: "US".into(),
                line1: "510 Townsend St".into(),
                postal_code: "94103".into(),
            },
            name: "Jenny Rosen".into(),
        },
        source: "tok_visa".into(),
    };
    let mut group = c.benchmark_group("encode_create_charge");
    group.bench_function("generated", |b| {
        b.iter(|| black_box(&request).parts().expect("encodes"))
    });
    group.bench_function("serde_qs", |b| {
        b.iter(|| serde_qs::to_string(black_box(&plain)).expect("encodes"))
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/charge.json");
    let charge: Charge =
        serde_json::from_str(&std::fs::read_to_string(fixture).expect("fixture")).expect("charge");
    let list = List::new("/v1/charges", vec![charge; 100], true);
    let bytes = serde_json::to_vec(&list).expect("serializes");
    let mut group = c.benchmark_group("decode_charge_list_100");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("generated", |b| {
        b.iter(|| serde_json::from_slice::<List<Charge>>(black_box(&bytes)).expect("decodes"))
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).expect("decodes"))
    });
    group.finish();
}

criterion_group!(benches, encode, decode);
criterion_main!(benches);
