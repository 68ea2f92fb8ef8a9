//! The reference server: an in-memory implementation of the generated Stripe [`Server`]
//! trait, for local development and as the server the official SDKs are tested against.
//!
//! Objects are kept per mode (the key's `sk_test_`/`sk_live_` prefix) and per
//! `Stripe-Account`: another scope sees `resource_missing`. Every new scope starts with one
//! customer who has a subscription and a paid invoice with its charge, so nested expansion
//! (`invoice.subscription`) has something to expand.

mod billing;
mod charges;
mod customers;
mod expand;
mod persist;
mod refunds;
mod rules;
mod store;
mod webhooks;

use apigen_runtime::outbox::Outbox;
use std::sync::Arc;

use apigen_runtime::server::{ApiResponse, Context, Mode, ServerError};
use stripe::operations::*;
use stripe::server::*;

pub use persist::Database;
use store::{Scope, Store};

/// The reference server.
#[derive(Default)]
pub struct MockStripe {
    /// The objects by scope, when they are kept in memory.
    scopes: std::sync::Mutex<std::collections::HashMap<Scope, Store>>,
    /// Where the objects are kept instead, when the server has a database.
    database: Option<Arc<Database>>,
    /// Delivers the events operations cause to the webhook endpoints.
    outbox: Outbox,
    /// The generic server under the hand-written behaviour: it answers what this one does
    /// not implement (today every operation of spec/stripe.yaml is hand-written).
    generic: Mock,
}

impl MockStripe {
    /// A reference server that delivers its webhooks through `outbox`.
    pub fn with_outbox(outbox: Outbox) -> Self {
        Self {
            scopes: Default::default(),
            database: None,
            outbox,
            generic: Mock::default(),
        }
    }
}

/// Serves the reference server on `listener` until the process ends; with `keys`, only
/// those API keys are accepted.
pub async fn serve(listener: tokio::net::TcpListener, keys: Vec<String>) -> std::io::Result<()> {
    apigen_runtime::server::serve(listener, app(keys)).await
}

/// The reference server keeping its objects and idempotency keys in `database`: every
/// router on the same database answers as one API.
pub fn app_on(keys: Vec<String>, database: Arc<Database>) -> apigen_runtime::server::axum::Router {
    let store: Arc<dyn apigen_runtime::server::IdempotencyStore> = Arc::new(database.keys());
    let server = MockStripe {
        database: Some(database),
        ..MockStripe::default()
    };
    let app = apigen_runtime::server::with_store(stripe::server::router(server), store);
    require(app, keys)
}

/// The reference server as a router, with a fresh store; with `keys`, only those API keys
/// are accepted.
pub fn app(keys: Vec<String>) -> apigen_runtime::server::axum::Router {
    app_with(keys, Outbox::default())
}

/// [`app`] delivering its webhooks through `outbox` (other retry settings, or to read its
/// counters).
pub fn app_with(keys: Vec<String>, outbox: Outbox) -> apigen_runtime::server::axum::Router {
    require(
        stripe::server::router(MockStripe::with_outbox(outbox)),
        keys,
    )
}

fn require(
    app: apigen_runtime::server::axum::Router,
    keys: Vec<String>,
) -> apigen_runtime::server::axum::Router {
    if keys.is_empty() {
        app
    } else {
        apigen_runtime::server::require_keys(app, apigen_runtime::server::ApiKeys::new(keys))
    }
}

impl MockStripe {
    /// Runs `f` on the store of the request's scope (in memory, or in the database).
    async fn with_store<T: ApiResponse + Clone>(
        &self,
        context: &Context,
        f: impl FnOnce(&mut Store) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        let livemode = match context.mode {
            Some(Mode::Live) => true,
            Some(Mode::Test) => false,
            None => {
                return Err(ServerError::unauthorized(format!(
                    "Invalid API Key provided: {}. Keys start with sk_test_, sk_live_, rk_test_ or rk_live_.",
                    context.api_key
                )))
            }
        };
        let scope = Scope {
            livemode,
            account: context.account.clone(),
        };
        let request = webhooks::RequestInfo {
            id: Some(context.request_id.clone()),
            idempotency_key: context.idempotency_key.clone(),
            account: context.account.clone(),
        };
        // Events are kept even when the request fails (`charge.failed`).
        let (result, outgoing) = match &self.database {
            Some(database) => database.run(scope, context, request, f).await?,
            None => {
                let mut scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
                let store = scopes
                    .entry(scope)
                    .or_insert_with(|| Store::seeded(livemode));
                store.request = request;
                let result = f(store);
                // The memory store keeps no changes to write.
                let _ = store.take_changes();
                (result, std::mem::take(&mut store.outgoing))
            }
        };
        for delivery in outgoing {
            self.outbox.send(delivery.destination, delivery.payload);
        }
        result
    }
}

impl Server for MockStripe {
    fn fallback(&self) -> Option<&Mock> {
        Some(&self.generic)
    }

    async fn create_charge(
        &self,
        request: CreateCharge,
        context: Context,
    ) -> Result<CreateChargeResponse, ServerError> {
        charges::create_charge(self, request, context).await
    }

    async fn retrieve_charge(
        &self,
        request: RetrieveCharge,
        context: Context,
    ) -> Result<RetrieveChargeResponse, ServerError> {
        charges::retrieve_charge(self, request, context).await
    }

    async fn update_charge(
        &self,
        request: UpdateCharge,
        context: Context,
    ) -> Result<UpdateChargeResponse, ServerError> {
        charges::update_charge(self, request, context).await
    }

    async fn capture_charge(
        &self,
        request: CaptureCharge,
        context: Context,
    ) -> Result<CaptureChargeResponse, ServerError> {
        charges::capture_charge(self, request, context).await
    }

    async fn list_charges(
        &self,
        request: ListCharges,
        context: Context,
    ) -> Result<ListChargesResponse, ServerError> {
        charges::list_charges(self, request, context).await
    }

    async fn create_customer(
        &self,
        request: CreateCustomer,
        context: Context,
    ) -> Result<CreateCustomerResponse, ServerError> {
        customers::create_customer(self, request, context).await
    }

    async fn retrieve_customer(
        &self,
        request: RetrieveCustomer,
        context: Context,
    ) -> Result<RetrieveCustomerResponse, ServerError> {
        customers::retrieve_customer(self, request, context).await
    }

    async fn update_customer(
        &self,
        request: UpdateCustomer,
        context: Context,
    ) -> Result<UpdateCustomerResponse, ServerError> {
        customers::update_customer(self, request, context).await
    }

    async fn delete_customer(
        &self,
        request: DeleteCustomer,
        context: Context,
    ) -> Result<DeleteCustomerResponse, ServerError> {
        customers::delete_customer(self, request, context).await
    }

    async fn list_customers(
        &self,
        request: ListCustomers,
        context: Context,
    ) -> Result<ListCustomersResponse, ServerError> {
        customers::list_customers(self, request, context).await
    }

    async fn create_refund(
        &self,
        request: CreateRefund,
        context: Context,
    ) -> Result<CreateRefundResponse, ServerError> {
        refunds::create_refund(self, request, context).await
    }

    async fn retrieve_refund(
        &self,
        request: RetrieveRefund,
        context: Context,
    ) -> Result<RetrieveRefundResponse, ServerError> {
        refunds::retrieve_refund(self, request, context).await
    }

    async fn update_refund(
        &self,
        request: UpdateRefund,
        context: Context,
    ) -> Result<UpdateRefundResponse, ServerError> {
        refunds::update_refund(self, request, context).await
    }

    async fn list_refunds(
        &self,
        request: ListRefunds,
        context: Context,
    ) -> Result<ListRefundsResponse, ServerError> {
        refunds::list_refunds(self, request, context).await
    }

    async fn retrieve_invoice(
        &self,
        request: RetrieveInvoice,
        context: Context,
    ) -> Result<RetrieveInvoiceResponse, ServerError> {
        billing::retrieve_invoice(self, request, context).await
    }

    async fn list_invoices(
        &self,
        request: ListInvoices,
        context: Context,
    ) -> Result<ListInvoicesResponse, ServerError> {
        billing::list_invoices(self, request, context).await
    }

    async fn retrieve_subscription(
        &self,
        request: RetrieveSubscription,
        context: Context,
    ) -> Result<RetrieveSubscriptionResponse, ServerError> {
        billing::retrieve_subscription(self, request, context).await
    }

    async fn list_subscriptions(
        &self,
        request: ListSubscriptions,
        context: Context,
    ) -> Result<ListSubscriptionsResponse, ServerError> {
        billing::list_subscriptions(self, request, context).await
    }

    async fn list_webhook_endpoints(
        &self,
        request: ListWebhookEndpoints,
        context: Context,
    ) -> Result<ListWebhookEndpointsResponse, ServerError> {
        webhooks::list_webhook_endpoints(self, request, context).await
    }

    async fn create_webhook_endpoint(
        &self,
        request: CreateWebhookEndpoint,
        context: Context,
    ) -> Result<CreateWebhookEndpointResponse, ServerError> {
        webhooks::create_webhook_endpoint(self, request, context).await
    }

    async fn retrieve_webhook_endpoint(
        &self,
        request: RetrieveWebhookEndpoint,
        context: Context,
    ) -> Result<RetrieveWebhookEndpointResponse, ServerError> {
        webhooks::retrieve_webhook_endpoint(self, request, context).await
    }

    async fn update_webhook_endpoint(
        &self,
        request: UpdateWebhookEndpoint,
        context: Context,
    ) -> Result<UpdateWebhookEndpointResponse, ServerError> {
        webhooks::update_webhook_endpoint(self, request, context).await
    }

    async fn delete_webhook_endpoint(
        &self,
        request: DeleteWebhookEndpoint,
        context: Context,
    ) -> Result<DeleteWebhookEndpointResponse, ServerError> {
        webhooks::delete_webhook_endpoint(self, request, context).await
    }

    async fn list_events(
        &self,
        request: ListEvents,
        context: Context,
    ) -> Result<ListEventsResponse, ServerError> {
        webhooks::list_events(self, request, context).await
    }

    async fn retrieve_event(
        &self,
        request: RetrieveEvent,
        context: Context,
    ) -> Result<RetrieveEventResponse, ServerError> {
        webhooks::retrieve_event(self, request, context).await
    }
}
