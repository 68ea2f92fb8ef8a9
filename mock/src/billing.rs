//! Invoices and subscriptions: retrieve and list the seeded ones.

use apigen_runtime::server::{Context, ServerError};
use stripe::operations::*;
use stripe::server::*;
use stripe::*;

use crate::rules::*;
use crate::MockStripe;

pub(crate) async fn retrieve_invoice(
    mock: &MockStripe,
    request: RetrieveInvoice,
    context: Context,
) -> Result<RetrieveInvoiceResponse, ServerError> {
    mock.with_store(&context, |store| {
        let id = request.invoice.as_str();
        if !store.invoices.contains(id) {
            return Err(missing("invoice", id, "id"));
        }
        store
            .respond(store.json_of(id), &request.query.expand)
            .map(RetrieveInvoiceResponse::Ok)
    })
    .await
}

pub(crate) async fn list_invoices(
    mock: &MockStripe,
    request: ListInvoices,
    context: Context,
) -> Result<ListInvoicesResponse, ServerError> {
    let query = request.query;
    mock.with_store(&context, |store| {
        let ids: Vec<String> = store
            .invoices
            .newest_first()
            .filter(|i| {
                query.customer.is_none()
                    || i.customer.as_ref().map(|c| c.id_str()) == query.customer.as_deref()
            })
            .filter(|i| {
                query.subscription.is_none()
                    || i.subscription.as_ref().map(|s| s.id_str()) == query.subscription.as_deref()
            })
            .filter(|i| created_matches(&query.created, i.created))
            .map(|i| i.id.to_string())
            .collect();
        store
            .list(
                "/v1/invoices",
                &ids,
                query.limit,
                &query.starting_after,
                &query.ending_before,
                &query.expand,
            )
            .map(ListInvoicesResponse::Ok)
    })
    .await
}

pub(crate) async fn retrieve_subscription(
    mock: &MockStripe,
    request: RetrieveSubscription,
    context: Context,
) -> Result<RetrieveSubscriptionResponse, ServerError> {
    mock.with_store(&context, |store| {
        let id = request.subscription.as_str();
        if !store.subscriptions.contains(id) {
            return Err(missing("subscription", id, "id"));
        }
        store
            .respond(store.json_of(id), &request.query.expand)
            .map(RetrieveSubscriptionResponse::Ok)
    })
    .await
}

pub(crate) async fn list_subscriptions(
    mock: &MockStripe,
    request: ListSubscriptions,
    context: Context,
) -> Result<ListSubscriptionsResponse, ServerError> {
    let query = request.query;
    mock.with_store(&context, |store| {
        let status = query.status.as_ref().map(|s| s.as_str().to_owned());
        let ids: Vec<String> = store
            .subscriptions
            .newest_first()
            .filter(|s| {
                query.customer.is_none() || Some(s.customer.id_str()) == query.customer.as_deref()
            })
            .filter(|s| match status.as_deref() {
                None => s.status != SubscriptionStatus::Canceled,
                Some("all") => true,
                Some("ended") => s.status == SubscriptionStatus::Canceled,
                Some(wanted) => s.status.as_str() == wanted,
            })
            .filter(|s| created_matches(&query.created, s.created))
            .map(|s| s.id.to_string())
            .collect();
        store
            .list(
                "/v1/subscriptions",
                &ids,
                query.limit,
                &query.starting_after,
                &query.ending_before,
                &query.expand,
            )
            .map(ListSubscriptionsResponse::Ok)
    })
    .await
}
