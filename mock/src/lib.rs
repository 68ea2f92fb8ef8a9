//! The reference server: an in-memory implementation of the generated Stripe [`Server`]
//! trait, for local development and as the server the official SDKs are tested against.
//!
//! Objects are kept per mode (the key's `sk_test_`/`sk_live_` prefix) and per
//! `Stripe-Account`: another scope sees `resource_missing`. Every new scope starts with one
//! customer who has a subscription and a paid invoice with its charge, so nested expansion
//! (`invoice.subscription`) has something to expand.

mod expand;
mod store;

use apigen_runtime::server::{Context, Mode, ServerError};
use apigen_runtime::{AnyId, ErrorType, Expandable, MaybeUnset, StatusCode};
use serde_json::Value;
use stripe::operations::*;
use stripe::server::*;
use stripe::*;

use store::{now, Scope, Store};

/// The reference server.
#[derive(Default)]
pub struct MockStripe {
    scopes: std::sync::Mutex<std::collections::HashMap<Scope, Store>>,
}

/// Serves the reference server on `listener` until the process ends; with `keys`, only
/// those API keys are accepted.
pub async fn serve(listener: tokio::net::TcpListener, keys: Vec<String>) -> std::io::Result<()> {
    apigen_runtime::server::serve(listener, app(keys)).await
}

/// The reference server as a router, with a fresh store; with `keys`, only those API keys
/// are accepted.
pub fn app(keys: Vec<String>) -> apigen_runtime::server::axum::Router {
    let app = stripe::server::router(MockStripe::default());
    if keys.is_empty() {
        app
    } else {
        apigen_runtime::server::require_keys(app, apigen_runtime::server::ApiKeys::new(keys))
    }
}

impl MockStripe {
    /// Runs `f` on the store of the request's scope.
    fn with_store<T>(
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
        let mut scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        let store = scopes
            .entry(scope)
            .or_insert_with(|| Store::seeded(livemode));
        f(store)
    }
}

/// The object the URL names does not exist: 404.
fn missing(kind: &str, id: &str, param: &str) -> ServerError {
    ServerError::not_found(format!("No such {kind}: '{id}'"), Some(param))
}

/// An object a parameter names does not exist: 400 with code `resource_missing`.
fn missing_param(kind: &str, id: &str, param: &str) -> ServerError {
    let mut error = ServerError::invalid_request(format!("No such {kind}: '{id}'"), Some(param));
    error.error.code = Some("resource_missing".to_owned());
    error
}

fn card_declined(charge: &str) -> ServerError {
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
fn merge_metadata(
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

fn shipping(params: ShippingParams) -> Shipping {
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
fn created_matches<T: serde::Serialize>(filter: &Option<T>, created: i64) -> bool {
    let Some(filter) = filter else { return true };
    match serde_json::to_value(filter).unwrap_or(Value::Null) {
        Value::Number(n) => n.as_i64() == Some(created),
        Value::Object(bounds) => bounds.iter().all(|(op, bound)| {
            let Some(bound) = bound.as_i64() else {
                return true;
            };
            match op.as_str() {
                "gt" => created > bound,
                "gte" => created >= bound,
                "lt" => created < bound,
                "lte" => created <= bound,
                _ => true,
            }
        }),
        _ => true,
    }
}

impl Server for MockStripe {
    async fn create_charge(
        &self,
        request: CreateCharge,
        context: Context,
    ) -> Result<CreateChargeResponse, ServerError> {
        let body = request.body;
        self.with_store(&context, |store| {
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
                        if card.customer.as_ref().map(|c| c.id_str())
                            == Some(customer.as_str()) =>
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
            if declined {
                return Err(card_declined(&id));
            }
            store
                .respond_charge(&id, &body.expand)
                .map(CreateChargeResponse::Ok)
        })
    }

    async fn retrieve_charge(
        &self,
        request: RetrieveCharge,
        context: Context,
    ) -> Result<RetrieveChargeResponse, ServerError> {
        self.with_store(&context, |store| {
            let id = request.charge.as_str();
            if !store.charges.contains(id) {
                return Err(missing("charge", id, "id"));
            }
            store
                .respond_charge(id, &request.query.expand)
                .map(RetrieveChargeResponse::Ok)
        })
    }

    async fn update_charge(
        &self,
        request: UpdateCharge,
        context: Context,
    ) -> Result<UpdateChargeResponse, ServerError> {
        let body = request.body;
        self.with_store(&context, |store| {
            let id = request.charge.as_str().to_owned();
            let new_customer = match &body.customer {
                Some(customer) if !store.customers.contains(customer) => {
                    return Err(missing_param("customer", customer, "customer"))
                }
                other => other.clone(),
            };
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
            store
                .respond_charge(&id, &body.expand)
                .map(UpdateChargeResponse::Ok)
        })
    }

    async fn capture_charge(
        &self,
        request: CaptureCharge,
        context: Context,
    ) -> Result<CaptureChargeResponse, ServerError> {
        let body = request.body;
        self.with_store(&context, |store| {
            let id = request.charge.as_str().to_owned();
            let charge = store.charges.get(&id).ok_or_else(|| missing("charge", &id, "charge"))?.clone();
            if charge.captured {
                return Err(ServerError::invalid_request(format!("Charge {id} has already been captured."), None));
            }
            if charge.status == ChargeStatus::Failed {
                return Err(ServerError::invalid_request(format!("Charge {id} has failed and cannot be captured."), None));
            }
            let amount = body.amount.unwrap_or(charge.amount);
            if amount > charge.amount {
                return Err(ServerError::invalid_request(
                    format!("Amount to capture ({amount}) is greater than the amount of the charge ({}).", charge.amount),
                    Some("amount"),
                ));
            }
            let transaction = store.balance_transaction(amount, &charge.currency, "charge");
            let charge = store.charges.get_mut(&id).ok_or_else(|| missing("charge", &id, "charge"))?;
            charge.captured = true;
            charge.amount_refunded = charge.amount - amount;
            charge.balance_transaction = Some(Expandable::Id(BalanceTransactionId::new(transaction)));
            if let Some(email) = body.receipt_email {
                charge.receipt_email = Some(email);
            }
            if let Some(descriptor) = body.statement_descriptor {
                charge.statement_descriptor = Some(descriptor);
            }
            store.respond_charge(&id, &body.expand).map(CaptureChargeResponse::Ok)
        })
    }

    async fn list_charges(
        &self,
        request: ListCharges,
        context: Context,
    ) -> Result<ListChargesResponse, ServerError> {
        let query = request.query;
        self.with_store(&context, |store| {
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
    }

    async fn create_customer(
        &self,
        request: CreateCustomer,
        context: Context,
    ) -> Result<CreateCustomerResponse, ServerError> {
        let body = request.body;
        self.with_store(&context, |store| {
            let id = store.new_id("cus");
            let default_source = body
                .source
                .as_deref()
                .map(|token| store.card_from_token(token, Some(&id)).id.to_string());
            let mut metadata = Metadata::new();
            merge_metadata(&mut metadata, body.metadata.map(MaybeUnset::Set))?;
            let customer = Customer {
                account_balance: body.account_balance.unwrap_or(0),
                created: now(),
                currency: None,
                default_source: default_source.map(|card| Expandable::Id(AnyId::new(card))),
                delinquent: Some(false),
                description: body.description,
                discount: None,
                email: body.email,
                id: CustomerId::new(id.clone()),
                livemode: store.livemode,
                metadata,
                object: "customer".to_owned(),
                shipping: body.shipping.map(shipping),
                sources: Default::default(),
                subscriptions: Default::default(),
            };
            store.customers.insert(id.clone(), customer);
            store
                .respond_customer(&id, &body.expand)
                .map(CreateCustomerResponse::Ok)
        })
    }

    async fn retrieve_customer(
        &self,
        request: RetrieveCustomer,
        context: Context,
    ) -> Result<RetrieveCustomerResponse, ServerError> {
        self.with_store(&context, |store| {
            let id = request.customer.as_str();
            if !store.customers.contains(id) {
                return Err(missing("customer", id, "id"));
            }
            store
                .respond_customer(id, &request.query.expand)
                .map(RetrieveCustomerResponse::Ok)
        })
    }

    async fn update_customer(
        &self,
        request: UpdateCustomer,
        context: Context,
    ) -> Result<UpdateCustomerResponse, ServerError> {
        let body = request.body;
        self.with_store(&context, |store| {
            let id = request.customer.as_str().to_owned();
            if !store.customers.contains(&id) {
                return Err(missing("customer", &id, "id"));
            }
            let new_card = body
                .source
                .as_deref()
                .map(|token| store.card_from_token(token, Some(&id)).id.to_string());
            if let Some(source) = &body.default_source {
                let owned = store
                    .cards
                    .get(source)
                    .is_some_and(|c| c.customer.as_ref().map(|c| c.id_str()) == Some(id.as_str()));
                if !owned {
                    return Err(missing_param("source", source, "default_source"));
                }
            }
            let customer = store
                .customers
                .get_mut(&id)
                .ok_or_else(|| missing("customer", &id, "id"))?;
            if let Some(balance) = body.account_balance {
                customer.account_balance = balance;
            }
            if let Some(card) = new_card.or(body.default_source) {
                customer.default_source = Some(Expandable::Id(AnyId::new(card)));
            }
            match body.description {
                Some(MaybeUnset::Set(description)) => customer.description = Some(description),
                Some(MaybeUnset::Unset) => customer.description = None,
                None => {}
            }
            match body.email {
                Some(MaybeUnset::Set(email)) => customer.email = Some(email),
                Some(MaybeUnset::Unset) => customer.email = None,
                None => {}
            }
            match body.shipping {
                Some(MaybeUnset::Set(params)) => customer.shipping = Some(shipping(params)),
                Some(MaybeUnset::Unset) => customer.shipping = None,
                None => {}
            }
            merge_metadata(&mut customer.metadata, body.metadata)?;
            store
                .respond_customer(&id, &body.expand)
                .map(UpdateCustomerResponse::Ok)
        })
    }

    async fn delete_customer(
        &self,
        request: DeleteCustomer,
        context: Context,
    ) -> Result<DeleteCustomerResponse, ServerError> {
        self.with_store(&context, |store| {
            let id = request.customer.as_str();
            if store.customers.remove(id).is_none() {
                return Err(missing("customer", id, "id"));
            }
            store.deleted_customers.insert(id.to_owned());
            Ok(DeleteCustomerResponse::Ok(DeletedCustomer {
                deleted: true,
                id: CustomerId::new(id),
                object: "customer".to_owned(),
            }))
        })
    }

    async fn list_customers(
        &self,
        request: ListCustomers,
        context: Context,
    ) -> Result<ListCustomersResponse, ServerError> {
        let query = request.query;
        self.with_store(&context, |store| {
            let ids: Vec<String> = store
                .customers
                .newest_first()
                .filter(|c| query.email.is_none() || c.email == query.email)
                .filter(|c| created_matches(&query.created, c.created))
                .map(|c| c.id.to_string())
                .collect();
            store
                .list(
                    "/v1/customers",
                    &ids,
                    query.limit,
                    &query.starting_after,
                    &query.ending_before,
                    &query.expand,
                )
                .map(ListCustomersResponse::Ok)
        })
    }

    async fn create_refund(
        &self,
        request: CreateRefund,
        context: Context,
    ) -> Result<CreateRefundResponse, ServerError> {
        let body = request.body;
        self.with_store(&context, |store| {
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
            store.respond_refund(&id, &body.expand).map(CreateRefundResponse::Ok)
        })
    }

    async fn retrieve_refund(
        &self,
        request: RetrieveRefund,
        context: Context,
    ) -> Result<RetrieveRefundResponse, ServerError> {
        self.with_store(&context, |store| {
            let id = request.refund.as_str();
            if !store.refunds.contains(id) {
                return Err(missing("refund", id, "id"));
            }
            store
                .respond_refund(id, &request.query.expand)
                .map(RetrieveRefundResponse::Ok)
        })
    }

    async fn update_refund(
        &self,
        request: UpdateRefund,
        context: Context,
    ) -> Result<UpdateRefundResponse, ServerError> {
        let body = request.body;
        self.with_store(&context, |store| {
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
    }

    async fn list_refunds(
        &self,
        request: ListRefunds,
        context: Context,
    ) -> Result<ListRefundsResponse, ServerError> {
        let query = request.query;
        self.with_store(&context, |store| {
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
    }

    async fn retrieve_invoice(
        &self,
        request: RetrieveInvoice,
        context: Context,
    ) -> Result<RetrieveInvoiceResponse, ServerError> {
        self.with_store(&context, |store| {
            let id = request.invoice.as_str();
            if !store.invoices.contains(id) {
                return Err(missing("invoice", id, "id"));
            }
            store
                .respond(store.json_of(id), &request.query.expand)
                .map(RetrieveInvoiceResponse::Ok)
        })
    }

    async fn list_invoices(
        &self,
        request: ListInvoices,
        context: Context,
    ) -> Result<ListInvoicesResponse, ServerError> {
        let query = request.query;
        self.with_store(&context, |store| {
            let ids: Vec<String> = store
                .invoices
                .newest_first()
                .filter(|i| {
                    query.customer.is_none()
                        || i.customer.as_ref().map(|c| c.id_str()) == query.customer.as_deref()
                })
                .filter(|i| {
                    query.subscription.is_none()
                        || i.subscription.as_ref().map(|s| s.id_str())
                            == query.subscription.as_deref()
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
    }

    async fn retrieve_subscription(
        &self,
        request: RetrieveSubscription,
        context: Context,
    ) -> Result<RetrieveSubscriptionResponse, ServerError> {
        self.with_store(&context, |store| {
            let id = request.subscription.as_str();
            if !store.subscriptions.contains(id) {
                return Err(missing("subscription", id, "id"));
            }
            store
                .respond(store.json_of(id), &request.query.expand)
                .map(RetrieveSubscriptionResponse::Ok)
        })
    }

    async fn list_subscriptions(
        &self,
        request: ListSubscriptions,
        context: Context,
    ) -> Result<ListSubscriptionsResponse, ServerError> {
        let query = request.query;
        self.with_store(&context, |store| {
            let status = query.status.as_ref().map(|s| s.as_str().to_owned());
            let ids: Vec<String> = store
                .subscriptions
                .newest_first()
                .filter(|s| {
                    query.customer.is_none()
                        || Some(s.customer.id_str()) == query.customer.as_deref()
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
    }
}
