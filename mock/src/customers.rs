//! Customers: create, retrieve, update (metadata merge), delete, list.

use apigen_runtime::server::{Context, ServerError};
use apigen_runtime::{AnyId, Expandable, MaybeUnset};
use stripe::operations::*;
use stripe::server::*;
use stripe::*;

use crate::rules::*;
use crate::store::now;
use crate::MockStripe;

pub(crate) async fn create_customer(
    mock: &MockStripe,
    request: CreateCustomer,
    context: Context,
) -> Result<CreateCustomerResponse, ServerError> {
    let body = request.body;
    mock.with_store(&context, |store| {
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
        store.emit("customer.created", store.customer_json(&id), None);
        store
            .respond_customer(&id, &body.expand)
            .map(CreateCustomerResponse::Ok)
    })
    .await
}

pub(crate) async fn retrieve_customer(
    mock: &MockStripe,
    request: RetrieveCustomer,
    context: Context,
) -> Result<RetrieveCustomerResponse, ServerError> {
    mock.with_store(&context, |store| {
        let id = request.customer.as_str();
        if !store.customers.contains(id) {
            return Err(missing("customer", id, "id"));
        }
        store
            .respond_customer(id, &request.query.expand)
            .map(RetrieveCustomerResponse::Ok)
    })
    .await
}

pub(crate) async fn update_customer(
    mock: &MockStripe,
    request: UpdateCustomer,
    context: Context,
) -> Result<UpdateCustomerResponse, ServerError> {
    let body = request.body;
    mock.with_store(&context, |store| {
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
        let before = store.customer_json(&id);
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
        store.emit_updated("customer.updated", &before, store.customer_json(&id));
        store
            .respond_customer(&id, &body.expand)
            .map(UpdateCustomerResponse::Ok)
    })
    .await
}

pub(crate) async fn delete_customer(
    mock: &MockStripe,
    request: DeleteCustomer,
    context: Context,
) -> Result<DeleteCustomerResponse, ServerError> {
    mock.with_store(&context, |store| {
        let id = request.customer.as_str();
        let before = store.customer_json(id);
        if store.customers.remove(id).is_none() {
            return Err(missing("customer", id, "id"));
        }
        store.emit("customer.deleted", before, None);
        store.deleted_customers.insert(id.to_owned(), ());
        Ok(DeleteCustomerResponse::Ok(DeletedCustomer {
            deleted: true,
            id: CustomerId::new(id),
            object: "customer".to_owned(),
        }))
    })
    .await
}

pub(crate) async fn list_customers(
    mock: &MockStripe,
    request: ListCustomers,
    context: Context,
) -> Result<ListCustomersResponse, ServerError> {
    let query = request.query;
    mock.with_store(&context, |store| {
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
    .await
}
