//! Charges: create (with the card rules), retrieve, update, capture, list.

use apigen_runtime::server::{Context, ServerError};
use apigen_runtime::{Expandable, MaybeUnset};
use stripe::operations::*;
use stripe::server::*;
use stripe::*;

use crate::rules::*;
use crate::store::now;
use crate::MockStripe;

pub(crate) async fn create_charge(
    mock: &MockStripe,
    request: CreateCharge,
    context: Context,
) -> Result<CreateChargeResponse, ServerError> {
    let body = request.body;
    mock.with_store(&context, |store| {
        let customer = match &body.customer {
            Some(id) if store.customers.contains(id) => Some(id.clone()),
            Some(id) => return Err(missing_param("customer", id, "customer")),
            None => None,
        };
        let (card, declined) = match (body.source.as_deref(), &customer) {
            (Some(token), _) if token.starts_with("tok_") => {
                let card = store.card_from_token(token, customer.as_deref());
                (card, token == "tok_chargeDeclined")
            }
            (Some(card_id), Some(customer)) => match store.cards.get(card_id) {
                Some(card)
                    if card.customer.as_ref().map(|c| c.id_str()) == Some(customer.as_str()) =>
                {
                    (card.clone(), false)
                }
                _ => return Err(missing_param("source", card_id, "source")),
            },
            (Some(source), None) => return Err(missing_param("source", source, "source")),
            (None, Some(customer)) => match store.default_card(customer) {
                Some(card) => (card, false),
                None => {
                    return Err(ServerError::invalid_request(
                        "Cannot charge a customer that has no active card",
                        Some("card"),
                    ))
                }
            },
            (None, None) => {
                return Err(ServerError::invalid_request(
                    "Must provide source or customer.",
                    None,
                ))
            }
        };
        let capture = body.capture.unwrap_or(true) && !declined;
        let id = store.new_id("ch");
        let balance_transaction =
            capture.then(|| store.balance_transaction(body.amount, &body.currency, "charge"));
        let charge = Charge {
            amount: body.amount,
            amount_refunded: 0,
            application_fee: None,
            balance_transaction: balance_transaction
                .map(|t| Expandable::Id(BalanceTransactionId::new(t))),
            captured: capture,
            created: now(),
            currency: body.currency.to_lowercase(),
            customer: customer.map(|c| Expandable::Id(CustomerId::new(c))),
            description: body.description,
            destination: None,
            dispute: None,
            failure_code: declined.then(|| "card_declined".to_owned()),
            failure_message: declined.then(|| "Your card was declined.".to_owned()),
            fraud_details: ChargeFraudDetails {
                stripe_report: None,
                user_report: None,
            },
            id: ChargeId::new(id.clone()),
            invoice: None,
            livemode: store.livemode,
            metadata: body.metadata.unwrap_or_default(),
            object: "charge".to_owned(),
            paid: !declined,
            receipt_email: body.receipt_email,
            receipt_number: None,
            refunded: false,
            refunds: Default::default(),
            shipping: body.shipping.map(shipping),
            source: Some(PaymentSource::Card(Box::new(card))),
            statement_descriptor: body.statement_descriptor,
            status: if declined {
                ChargeStatus::Failed
            } else {
                ChargeStatus::Succeeded
            },
        };
        store.charges.insert(id.clone(), charge);
        let kind = if declined {
            "charge.failed"
        } else {
            "charge.succeeded"
        };
        store.emit(kind, store.charge_json(&id), None);
        if declined {
            return Err(card_declined(&id));
        }
        store
            .respond_charge(&id, &body.expand)
            .map(CreateChargeResponse::Ok)
    })
    .await
}

pub(crate) async fn retrieve_charge(
    mock: &MockStripe,
    request: RetrieveCharge,
    context: Context,
) -> Result<RetrieveChargeResponse, ServerError> {
    mock.with_store(&context, |store| {
        let id = request.charge.as_str();
        if !store.charges.contains(id) {
            return Err(missing("charge", id, "id"));
        }
        store
            .respond_charge(id, &request.query.expand)
            .map(RetrieveChargeResponse::Ok)
    })
    .await
}

pub(crate) async fn update_charge(
    mock: &MockStripe,
    request: UpdateCharge,
    context: Context,
) -> Result<UpdateChargeResponse, ServerError> {
    let body = request.body;
    mock.with_store(&context, |store| {
        let id = request.charge.as_str().to_owned();
        let new_customer = match &body.customer {
            Some(customer) if !store.customers.contains(customer) => {
                return Err(missing_param("customer", customer, "customer"))
            }
            other => other.clone(),
        };
        let before = store.charge_json(&id);
        let charge = store
            .charges
            .get_mut(&id)
            .ok_or_else(|| missing("charge", &id, "id"))?;
        if let Some(customer) = new_customer {
            if charge.customer.is_some() {
                return Err(ServerError::invalid_request(
                    "The customer of a charge can only be set if it has none.",
                    Some("customer"),
                ));
            }
            charge.customer = Some(Expandable::Id(CustomerId::new(customer)));
        }
        if let Some(description) = body.description {
            charge.description = Some(description);
        }
        if let Some(email) = body.receipt_email {
            charge.receipt_email = Some(email);
        }
        if let Some(params) = body.shipping {
            charge.shipping = Some(shipping(params));
        }
        if let Some(fraud) = body.fraud_details {
            charge.fraud_details.user_report = match fraud.user_report {
                MaybeUnset::Set(report) => Some(report.as_str().to_owned()),
                MaybeUnset::Unset => None,
            };
        }
        merge_metadata(&mut charge.metadata, body.metadata)?;
        store.emit_updated("charge.updated", &before, store.charge_json(&id));
        store
            .respond_charge(&id, &body.expand)
            .map(UpdateChargeResponse::Ok)
    })
    .await
}

pub(crate) async fn capture_charge(
    mock: &MockStripe,
    request: CaptureCharge,
    context: Context,
) -> Result<CaptureChargeResponse, ServerError> {
    let body = request.body;
    mock.with_store(&context, |store| {
        let id = request.charge.as_str().to_owned();
        let charge = store
            .charges
            .get(&id)
            .ok_or_else(|| missing("charge", &id, "charge"))?
            .clone();
        if charge.captured {
            return Err(ServerError::invalid_request(
                format!("Charge {id} has already been captured."),
                None,
            ));
        }
        if charge.status == ChargeStatus::Failed {
            return Err(ServerError::invalid_request(
                format!("Charge {id} has failed and cannot be captured."),
                None,
            ));
        }
        let amount = body.amount.unwrap_or(charge.amount);
        if amount > charge.amount {
            return Err(ServerError::invalid_request(
                format!(
                    "Amount to capture ({amount}) is greater than the amount of the charge ({}).",
                    charge.amount
                ),
                Some("amount"),
            ));
        }
        let transaction = store.balance_transaction(amount, &charge.currency, "charge");
        let charge = store
            .charges
            .get_mut(&id)
            .ok_or_else(|| missing("charge", &id, "charge"))?;
        charge.captured = true;
        charge.amount_refunded = charge.amount - amount;
        charge.balance_transaction = Some(Expandable::Id(BalanceTransactionId::new(transaction)));
        if let Some(email) = body.receipt_email {
            charge.receipt_email = Some(email);
        }
        if let Some(descriptor) = body.statement_descriptor {
            charge.statement_descriptor = Some(descriptor);
        }
        store.emit("charge.captured", store.charge_json(&id), None);
        store
            .respond_charge(&id, &body.expand)
            .map(CaptureChargeResponse::Ok)
    })
    .await
}

pub(crate) async fn list_charges(
    mock: &MockStripe,
    request: ListCharges,
    context: Context,
) -> Result<ListChargesResponse, ServerError> {
    let query = request.query;
    mock.with_store(&context, |store| {
        let ids: Vec<String> = store
            .charges
            .newest_first()
            .filter(|c| {
                query.customer.is_none()
                    || c.customer.as_ref().map(|c| c.id_str()) == query.customer.as_deref()
            })
            .filter(|c| created_matches(&query.created, c.created))
            .map(|c| c.id.to_string())
            .collect();
        store
            .list(
                "/v1/charges",
                &ids,
                query.limit,
                &query.starting_after,
                &query.ending_before,
                &query.expand,
            )
            .map(ListChargesResponse::Ok)
    })
    .await
}
