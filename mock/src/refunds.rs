//! Refunds: create against a charge, retrieve, update, list.

use apigen_runtime::server::{Context, ServerError};
use apigen_runtime::{Expandable, MaybeUnset};
use stripe::operations::*;
use stripe::server::*;
use stripe::*;

use crate::rules::*;
use crate::store::now;
use crate::MockStripe;

pub(crate) async fn create_refund(
    mock: &MockStripe,
    request: CreateRefund,
    context: Context,
) -> Result<CreateRefundResponse, ServerError> {
    let body = request.body;
    mock.with_store(&context, |store| {
        let charge = store.charges.get(&body.charge).ok_or_else(|| missing_param("charge", &body.charge, "charge"))?.clone();
        if charge.status == ChargeStatus::Failed {
            return Err(ServerError::invalid_request(format!("Charge {} has failed and cannot be refunded.", charge.id), Some("charge")));
        }
        let remaining = charge.amount - charge.amount_refunded;
        if remaining <= 0 {
            return Err(ServerError::invalid_request(format!("Charge {} has already been refunded.", charge.id), Some("charge")));
        }
        let amount = body.amount.unwrap_or(remaining);
        if amount > remaining {
            return Err(ServerError::invalid_request(
                format!("Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})"),
                Some("amount"),
            ));
        }
        let id = store.new_id("re");
        let transaction = store.balance_transaction(-amount, &charge.currency, "refund");
        let mut metadata = Metadata::new();
        merge_metadata(&mut metadata, body.metadata.map(MaybeUnset::Set))?;
        let refund = Refund {
            amount,
            balance_transaction: Some(Expandable::Id(BalanceTransactionId::new(transaction))),
            charge: Some(Expandable::Id(charge.id.clone())),
            created: now(),
            currency: charge.currency.clone(),
            id: RefundId::new(id.clone()),
            metadata: Some(metadata),
            object: "refund".to_owned(),
            reason: body.reason.map(|r| RefundReason::from_wire(r.as_str())),
            receipt_number: None,
            status: Some(RefundStatus::Succeeded),
        };
        store.refunds.insert(id.clone(), refund);
        if let Some(charge) = store.charges.get_mut(charge.id.as_str()) {
            charge.amount_refunded += amount;
            charge.refunded = charge.amount_refunded >= charge.amount;
        }
        store.emit("refund.created", store.json_of(&id), None);
        store.emit("charge.refunded", store.charge_json(charge.id.as_str()), None);
        store.respond_refund(&id, &body.expand).map(CreateRefundResponse::Ok)
    })
    .await
}

pub(crate) async fn retrieve_refund(
    mock: &MockStripe,
    request: RetrieveRefund,
    context: Context,
) -> Result<RetrieveRefundResponse, ServerError> {
    mock.with_store(&context, |store| {
        let id = request.refund.as_str();
        if !store.refunds.contains(id) {
            return Err(missing("refund", id, "id"));
        }
        store
            .respond_refund(id, &request.query.expand)
            .map(RetrieveRefundResponse::Ok)
    })
    .await
}

pub(crate) async fn update_refund(
    mock: &MockStripe,
    request: UpdateRefund,
    context: Context,
) -> Result<UpdateRefundResponse, ServerError> {
    let body = request.body;
    mock.with_store(&context, |store| {
        let id = request.refund.as_str().to_owned();
        let refund = store
            .refunds
            .get_mut(&id)
            .ok_or_else(|| missing("refund", &id, "id"))?;
        merge_metadata(
            refund.metadata.get_or_insert_with(Metadata::new),
            body.metadata,
        )?;
        store
            .respond_refund(&id, &body.expand)
            .map(UpdateRefundResponse::Ok)
    })
    .await
}

pub(crate) async fn list_refunds(
    mock: &MockStripe,
    request: ListRefunds,
    context: Context,
) -> Result<ListRefundsResponse, ServerError> {
    let query = request.query;
    mock.with_store(&context, |store| {
        let ids: Vec<String> = store
            .refunds
            .newest_first()
            .filter(|r| {
                query.charge.is_none()
                    || r.charge.as_ref().map(|c| c.id_str()) == query.charge.as_deref()
            })
            .filter(|r| created_matches(&query.created, r.created))
            .map(|r| r.id.to_string())
            .collect();
        store
            .list(
                "/v1/refunds",
                &ids,
                query.limit,
                &query.starting_after,
                &query.ending_before,
                &query.expand,
            )
            .map(ListRefundsResponse::Ok)
    })
    .await
}
