//! The seed examples deserialize into the generated models and serialize back unchanged.

use apigen_runtime::{Expandable, List, MaybeUnset, Object};
use integration_tests::{fixture, round_trip};
use serde_json::json;
use stripe::{
    Charge, ChargeId, ChargeStatus, Customer, CustomerId, CustomerOrDeletedCustomer, PaymentSource,
};

#[test]
fn charge_example_round_trips() {
    let charge: Charge = round_trip(&fixture("charge"));
    assert_eq!(charge.id, ChargeId::new("ch_17CYv92eZvKYlo2CxoRDVUAg"));
    assert_eq!(charge.amount, 1000);
    assert_eq!(charge.status, ChargeStatus::Succeeded);
    assert_eq!(charge.metadata["order_id"], "6735");
    // Not expanded: ids only, typed by the kind of object they point at.
    let customer = charge.customer.as_ref().expect("the charge has a customer");
    assert!(!customer.is_expanded());
    let customer_id: CustomerId = customer.id();
    assert_eq!(customer_id.as_str(), "cus_3kv1TGwZm5jjF6");
    assert_eq!(
        charge.balance_transaction.as_ref().map(|b| b.id_str()),
        Some("txn_17A7uR2eZvKYlo2CwqYV1UXn")
    );
    // The source is a card, told apart by its `object`.
    match charge.source.as_ref().expect("the charge has a source") {
        PaymentSource::Card(card) => assert_eq!(card.last4, "4242"),
        other => panic!("expected a card, got {other:?}"),
    }
    assert_eq!(charge.refunds.total_count, Some(0));
    assert!(!charge.refunds.has_more);
}

#[test]
fn customer_list_example_round_trips() {
    let list: List<Customer> = round_trip(&fixture("customer_list"));
    assert_eq!(list.url, "/v1/customers");
    let customer = &list.data[0];
    assert_eq!(customer.email.as_deref(), Some("newvmedix+p@gmail.com"));
    assert_eq!(
        customer.default_source.as_ref().map(|s| s.id_str()),
        Some("card_17CYSq2eZvKYlo2CVQW2Z0RS")
    );
    assert_eq!(customer.sources.total_count, Some(1));
    assert!(matches!(customer.sources.data[0], PaymentSource::Card(_)));
    assert!(customer.subscriptions.data.is_empty());
}

#[test]
fn expanded_charge_example_round_trips() {
    let charge: Charge = round_trip(&fixture("charge_expanded"));
    let customer = charge.customer.as_ref().expect("customer");
    assert!(customer.is_expanded());
    assert_eq!(customer.id_str(), "cu_14HOpH2eZvKYlo2CxXIM7Pb2");
    match customer.as_object() {
        Some(CustomerOrDeletedCustomer::Customer(customer)) => {
            assert_eq!(customer.id.as_str(), "cu_14HOpH2eZvKYlo2CxXIM7Pb2")
        }
        other => panic!("expected an expanded customer, got {other:?}"),
    }
    // `invoice.subscription`: nested expansion.
    let invoice = charge
        .invoice
        .as_ref()
        .and_then(Expandable::as_object)
        .expect("expanded invoice");
    let subscription = invoice
        .subscription
        .as_ref()
        .and_then(Expandable::as_object)
        .expect("expanded subscription");
    assert_eq!(subscription.id.as_str(), "su_1LmzoG2eZvKYlo2Cpw6S7dAq");
    assert_eq!(subscription.id_str(), "su_1LmzoG2eZvKYlo2Cpw6S7dAq");
}

#[test]
fn deleted_customer_is_told_apart_from_customer() {
    let mut value = fixture("charge");
    value["customer"] = json!({"id": "cus_gone", "object": "customer", "deleted": true});
    let charge: Charge = round_trip(&value);
    match charge.customer.as_ref().and_then(Expandable::as_object) {
        Some(CustomerOrDeletedCustomer::DeletedCustomer(deleted)) => {
            assert_eq!(deleted.id.as_str(), "cus_gone")
        }
        other => panic!("expected a deleted customer, got {other:?}"),
    }
}

#[test]
fn values_from_a_newer_api_are_kept() {
    let mut value = fixture("charge");
    value["status"] = json!("requires_review");
    value["source"] = json!({"id": "src_1", "object": "source", "type": "ach_credit_transfer"});
    let charge: Charge = round_trip(&value);
    assert_eq!(
        charge.status,
        ChargeStatus::Unknown("requires_review".into())
    );
    assert_eq!(charge.status.to_string(), "requires_review");
    match charge.source.as_ref() {
        Some(PaymentSource::Unknown(raw)) => assert_eq!(raw["type"], "ach_credit_transfer"),
        other => panic!("expected an unknown source, got {other:?}"),
    }
    assert_eq!(
        "failed".parse::<ChargeStatus>().unwrap(),
        ChargeStatus::Failed
    );
}

#[test]
fn required_nullable_fields_serialize_as_null_and_optional_ones_are_skipped() {
    let value = fixture("charge");
    let charge: Charge = serde_json::from_value(value).unwrap();
    let back = serde_json::to_value(&charge).unwrap();
    assert_eq!(back["description"], serde_json::Value::Null);
    let card = match charge.source.unwrap() {
        PaymentSource::Card(card) => card,
        _ => unreachable!(),
    };
    let mut card = *card;
    card.metadata = None; // optional: absent, not null
    let card_json = serde_json::to_value(&card).unwrap();
    assert!(card_json.get("metadata").is_none());
    assert_eq!(card_json["cvc_check"], serde_json::Value::Null);
}

#[test]
fn empty_string_unsets() {
    let unset: MaybeUnset<stripe::Metadata> = serde_json::from_value(json!("")).unwrap();
    assert_eq!(unset, MaybeUnset::Unset);
    assert_eq!(serde_json::to_value(&unset).unwrap(), json!(""));
    let set: MaybeUnset<stripe::Metadata> = serde_json::from_value(json!({"a": "b"})).unwrap();
    assert!(matches!(set, MaybeUnset::Set(ref m) if m["a"] == "b"));
}

#[test]
fn ids_of_different_objects_are_different_types() {
    fn wants_customer(id: &CustomerId) -> &str {
        id.as_str()
    }
    let charge: Charge = serde_json::from_value(fixture("charge")).unwrap();
    // `wants_customer(&charge.id)` does not compile: a ChargeId is not a CustomerId.
    let customer = charge.customer.as_ref().unwrap().id();
    assert_eq!(wants_customer(&customer), "cus_3kv1TGwZm5jjF6");
    assert_eq!(<Charge as Object>::id_str(&charge), charge.id.as_str());
}

#[test]
fn doselect_examples_round_trip() {
    let user: doselect::User = round_trip(&fixture("user"));
    assert_eq!(user.profile.username, "devhacker");
    assert_eq!(user.profile.bio, None);
    assert_eq!(user.profile.additional_data.social.github, "");
    let team: doselect::Team = round_trip(&fixture("team"));
    assert_eq!(team.profile.slug, "papicomp");
}
