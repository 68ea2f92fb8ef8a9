//! The small decoder generated for types only responses reach reads JSON as serde's derive
//! does: a missing or null `Option` is `None`, a missing required field is an error naming
//! it, unknown properties are skipped, escaped keys are read, and a value of the wrong type
//! is an error; what it decodes serializes back to the same JSON.

use serde_json::json;
use stripe::{Refund, RefundReason};

fn refund() -> serde_json::Value {
    json!({
        "id": "re_1",
        "object": "refund",
        "amount": 500,
        "charge": "ch_1",
        "created": 1_700_000_000,
        "currency": "usd",
        "metadata": {"order": "6735"},
        "reason": "duplicate",
        "receipt_number": null,
        "status": "succeeded"
    })
}

#[test]
fn reads_what_the_derive_reads() {
    let mut value = refund();
    // A property this code does not know, and a key written with an escape.
    value["brand_new"] = json!({"nested": [1, 2, 3]});
    let text = value.to_string().replace("\"amount\"", "\"amo\\u0075nt\"");
    let decoded: Refund = serde_json::from_str(&text).unwrap();
    assert_eq!(decoded.amount, 500);
    assert_eq!(decoded.charge.as_ref().map(|c| c.id_str()), Some("ch_1"));
    assert_eq!(decoded.reason, Some(RefundReason::Duplicate));
    assert_eq!(decoded.receipt_number, None);
    // Left out entirely: `None` as well.
    assert_eq!(decoded.balance_transaction, None);
    // Back to the same JSON without the unknown property; a required nullable field left
    // out comes back as `null`.
    let mut expected = refund();
    expected.as_object_mut().unwrap().remove("receipt_number");
    expected["balance_transaction"] = json!(null);
    let mut again = serde_json::to_value(&decoded).unwrap();
    again.as_object_mut().unwrap().remove("receipt_number");
    assert_eq!(again, expected);
    // From a `Value` too (how unions decode their variants).
    let from_value: Refund = serde_json::from_value(refund()).unwrap();
    assert_eq!(
        from_value,
        serde_json::from_str(&refund().to_string()).unwrap()
    );
}

#[test]
fn refuses_what_the_derive_refuses() {
    let mut missing = refund();
    missing.as_object_mut().unwrap().remove("currency");
    let error = serde_json::from_value::<Refund>(missing).unwrap_err();
    assert_eq!(error.to_string(), "missing field `currency`");
    let mut mistyped = refund();
    mistyped["amount"] = json!("five hundred");
    let error = serde_json::from_str::<Refund>(&mistyped.to_string()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid type: string \"five hundred\", expected i64"),
        "{error}"
    );
    let error = serde_json::from_str::<Refund>("[500]").unwrap_err();
    assert!(
        error.to_string().contains("expected struct Refund"),
        "{error}"
    );
    let mut null_required = refund();
    null_required["amount"] = json!(null);
    assert!(serde_json::from_value::<Refund>(null_required).is_err());
}
