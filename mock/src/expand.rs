//! `expand[]`: ids replaced by their objects, along dotted paths up to four levels, with
//! `data.` in front for lists.

use apigen_runtime::server::ServerError;
use serde_json::Value;
use stripe::*;

use crate::store::Store;

const MAX_DEPTH: usize = 4;

/// Whether `field` of an object of kind `object` can be expanded (from the spec's
/// expandable fields).
fn expandable(object: &str, field: &str) -> bool {
    match object {
        "charge" => !matches!(ChargeExpand::from_wire(field), ChargeExpand::Path(_)),
        "customer" => !matches!(CustomerExpand::from_wire(field), CustomerExpand::Path(_)),
        "refund" => !matches!(RefundExpand::from_wire(field), RefundExpand::Path(_)),
        "invoice" => !matches!(InvoiceExpand::from_wire(field), InvoiceExpand::Path(_)),
        "subscription" => !matches!(
            SubscriptionExpand::from_wire(field),
            SubscriptionExpand::Path(_)
        ),
        "card" => !matches!(CardExpand::from_wire(field), CardExpand::Path(_)),
        "bank_account" => !matches!(
            BankAccountExpand::from_wire(field),
            BankAccountExpand::Path(_)
        ),
        "discount" => !matches!(DiscountExpand::from_wire(field), DiscountExpand::Path(_)),
        _ => false,
    }
}

pub fn apply(
    store: &Store,
    value: &mut Value,
    paths: &[String],
    list: bool,
) -> Result<(), ServerError> {
    for path in paths {
        let mut segments: Vec<&str> = path.split('.').collect();
        if list {
            if segments.first() != Some(&"data") || segments.len() < 2 {
                return Err(ServerError::invalid_request(
                    format!("This property cannot be expanded ({path}). Expansions on lists start with `data.`"),
                    Some("expand"),
                ));
            }
            segments.remove(0);
        }
        if segments.len() > MAX_DEPTH || segments.iter().any(|s| s.is_empty()) {
            return Err(ServerError::invalid_request(
                format!("You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}"),
                Some("expand"),
            ));
        }
        if list {
            if let Some(items) = value.get_mut("data").and_then(Value::as_array_mut) {
                for item in items {
                    expand_one(store, item, &segments, path)?;
                }
            }
        } else {
            expand_one(store, value, &segments, path)?;
        }
    }
    Ok(())
}

fn expand_one(
    store: &Store,
    value: &mut Value,
    segments: &[&str],
    path: &str,
) -> Result<(), ServerError> {
    let Some((field, rest)) = segments.split_first() else {
        return Ok(());
    };
    let Some(object) = value.as_object_mut() else {
        return Ok(());
    };
    let kind = object
        .get("object")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !expandable(&kind, field) {
        return Err(ServerError::invalid_request(
            format!("This property cannot be expanded ({path})."),
            Some("expand"),
        ));
    }
    let Some(slot) = object.get_mut(*field) else {
        return Ok(());
    };
    if let Some(id) = slot.as_str().map(str::to_owned) {
        let expanded = store.json_of(&id);
        if !expanded.is_null() {
            *slot = expanded;
        }
    }
    expand_one(store, slot, rest, path)
}
