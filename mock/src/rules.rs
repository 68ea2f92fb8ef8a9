//! Stripe's rules the resources share: missing objects, declines, metadata merges,
//! shipping, `created` filters.

use apigen_runtime::server::ServerError;
use apigen_runtime::{ErrorType, MaybeUnset, StatusCode};
use serde_json::Value;
use stripe::*;

/// The object the URL names does not exist: 404.
pub(crate) fn missing(kind: &str, id: &str, param: &str) -> ServerError {
    ServerError::not_found(format!("No such {kind}: '{id}'"), Some(param))
}

/// An object a parameter names does not exist: 400 with code `resource_missing`.
pub(crate) fn missing_param(kind: &str, id: &str, param: &str) -> ServerError {
    let mut error = ServerError::invalid_request(format!("No such {kind}: '{id}'"), Some(param));
    error.error.code = Some("resource_missing".to_owned());
    error
}

pub(crate) fn card_declined(charge: &str) -> ServerError {
    let mut error = ServerError::new(
        StatusCode::PAYMENT_REQUIRED,
        ErrorType::CardError,
        "Your card was declined.",
    );
    error.error.code = Some("card_declined".to_owned());
    error.error.decline_code = Some("generic_decline".to_owned());
    error.error.charge = Some(charge.to_owned());
    error.error.doc_url = Some("https://stripe.com/docs/error-codes/card-declined".to_owned());
    error
}

/// Applies a metadata update: keys set to `""` are removed, `metadata=""` clears all.
pub(crate) fn merge_metadata(
    current: &mut Metadata,
    update: Option<MaybeUnset<Metadata>>,
) -> Result<(), ServerError> {
    match update {
        None => {}
        Some(MaybeUnset::Unset) => current.clear(),
        Some(MaybeUnset::Set(update)) => {
            for (key, value) in update {
                if value.is_empty() {
                    current.remove(&key);
                } else {
                    current.insert(key, value);
                }
            }
        }
    }
    if current.len() > 20 {
        return Err(ServerError::invalid_request(
            "Metadata can have at most 20 keys.",
            Some("metadata"),
        ));
    }
    Ok(())
}

pub(crate) fn shipping(params: ShippingParams) -> Shipping {
    let address = params.address;
    Shipping {
        address: Some(Address {
            city: address.city,
            country: address.country,
            line1: address.line1,
            line2: address.line2,
            postal_code: address.postal_code,
            state: address.state,
        }),
        carrier: params.carrier,
        name: Some(params.name),
        phone: params.phone,
        tracking_number: params.tracking_number,
    }
}

/// `created` filters: an exact timestamp or `gt`/`gte`/`lt`/`lte` bounds.
pub(crate) fn created_matches<T: serde::Serialize>(filter: &Option<T>, created: i64) -> bool {
    let Some(filter) = filter else { return true };
    match serde_json::to_value(filter).unwrap_or(Value::Null) {
        Value::Number(n) => n.as_i64() == Some(created),
        Value::Object(bounds) => apigen_runtime::server::mock::in_range(created as f64, &bounds),
        _ => true,
    }
}
