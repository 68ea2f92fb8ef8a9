//! The objects of one scope (mode and account), with list paging and JSON rendering.

use std::collections::{BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use apigen_runtime::server::ServerError;
use apigen_runtime::{AnyId, Expandable, List};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use stripe::*;

use crate::expand;
use crate::webhooks::{Outgoing, RequestInfo};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    pub livemode: bool,
    pub account: Option<String>,
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Objects of one kind, in creation order, with the ids changed since the last
/// [`Table::take_changes`] (for the Postgres store to write).
pub struct Table<T> {
    items: HashMap<String, (u64, T)>,
    sequence: u64,
    changed: BTreeSet<String>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            items: HashMap::new(),
            sequence: 0,
            changed: BTreeSet::new(),
        }
    }
}

/// One object as the Postgres store keeps it: its creation sequence and JSON, or `None`
/// once deleted.
pub type Row = (String, Option<(u64, Value)>);

impl<T> Table<T> {
    pub fn insert(&mut self, id: String, item: T) {
        self.sequence += 1;
        self.changed.insert(id.clone());
        self.items.insert(id, (self.sequence, item));
    }

    pub fn get(&self, id: &str) -> Option<&T> {
        self.items.get(id).map(|(_, item)| item)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        let item = self.items.get_mut(id).map(|(_, item)| item)?;
        self.changed.insert(id.to_owned());
        Some(item)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.items.contains_key(id)
    }

    pub fn remove(&mut self, id: &str) -> Option<T> {
        let removed = self.items.remove(id).map(|(_, item)| item)?;
        self.changed.insert(id.to_owned());
        Some(removed)
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.items.values().map(|(_, item)| item)
    }
}

impl<T: serde::Serialize + DeserializeOwned> Table<T> {
    /// The rows changed since the last call, in id order.
    pub fn take_changes(&mut self) -> Vec<Row> {
        std::mem::take(&mut self.changed)
            .into_iter()
            .map(|id| {
                let row = self
                    .items
                    .get(&id)
                    .map(|(seq, item)| (*seq, serde_json::to_value(item).unwrap_or(Value::Null)));
                (id, row)
            })
            .collect()
    }

    /// Applies a row written by this or another instance (not a change of its own).
    pub fn load(&mut self, id: String, row: Option<(u64, Value)>) -> Result<(), String> {
        match row {
            Some((seq, value)) => {
                let item = serde_json::from_value(value).map_err(|e| format!("{id}: {e}"))?;
                self.sequence = self.sequence.max(seq);
                self.items.insert(id, (seq, item));
            }
            None => {
                self.items.remove(&id);
            }
        }
        Ok(())
    }
}

impl<T> Table<T> {
    /// Newest first, as lists return them.
    pub fn newest_first(&self) -> impl Iterator<Item = &T> {
        let mut items: Vec<&(u64, T)> = self.items.values().collect();
        items.sort_by_key(|item| std::cmp::Reverse(item.0));
        items.into_iter().map(|(_, item)| item)
    }
}

#[derive(Default)]
pub struct Store {
    pub livemode: bool,
    pub charges: Table<Charge>,
    pub customers: Table<Customer>,
    pub refunds: Table<Refund>,
    pub invoices: Table<Invoice>,
    pub subscriptions: Table<Subscription>,
    pub cards: Table<Card>,
    pub balance_transactions: Table<BalanceTransaction>,
    pub deleted_customers: Table<()>,
    pub webhook_endpoints: Table<WebhookEndpoint>,
    /// Signing secrets by endpoint id (shown only when an endpoint is created).
    pub webhook_secrets: Table<String>,
    pub events: Table<Event>,
    /// Deliveries of the events of the request being served, sent when it is done.
    pub outgoing: Vec<Outgoing>,
    /// The request being served, for its events.
    pub request: RequestInfo,
}

/// One page of a list.
pub struct Page {
    pub ids: Vec<String>,
    pub has_more: bool,
}

/// Cursor paging over ids sorted newest first. `ending_before` wins over `starting_after`.
pub fn page(
    ids: &[String],
    limit: Option<i64>,
    after: &Option<String>,
    before: &Option<String>,
) -> Result<Page, ServerError> {
    let limit = limit.unwrap_or(10).clamp(1, 100) as usize;
    let position = |cursor: &str, param: &str| {
        ids.iter().position(|id| id == cursor).ok_or_else(|| {
            ServerError::invalid_request(format!("No such object: '{cursor}'"), Some(param))
        })
    };
    if let Some(before) = before {
        let end = position(before, "ending_before")?;
        let start = end.saturating_sub(limit);
        return Ok(Page {
            ids: ids[start..end].to_vec(),
            has_more: start > 0,
        });
    }
    let start = match after {
        Some(after) => position(after, "starting_after")? + 1,
        None => 0,
    };
    let rest = &ids[start..];
    Ok(Page {
        ids: rest.iter().take(limit).cloned().collect(),
        has_more: rest.len() > limit,
    })
}

fn random_id(prefix: &str) -> String {
    let suffix: String = (0..24).map(|_| fastrand::alphanumeric()).collect();
    format!("{prefix}_{suffix}")
}

/// Every table of a [`Store`] under the kind name the Postgres store keeps it by.
macro_rules! tables {
    ($($kind:literal => $field:ident),* $(,)?) => {
        impl Store {
            /// The rows changed since the last call, by kind.
            pub fn take_changes(&mut self) -> Vec<(&'static str, Row)> {
                let mut changes = Vec::new();
                $(changes.extend(self.$field.take_changes().into_iter().map(|row| ($kind, row)));)*
                changes
            }

            /// Applies a row of `kind` written by this or another instance.
            pub fn load(&mut self, kind: &str, id: String, row: Option<(u64, Value)>) -> Result<(), String> {
                match kind {
                    $($kind => self.$field.load(id, row),)*
                    other => Err(format!("unknown kind {other}")),
                }
            }
        }
    };
}

tables! {
    "charge" => charges,
    "customer" => customers,
    "refund" => refunds,
    "invoice" => invoices,
    "subscription" => subscriptions,
    "card" => cards,
    "balance_transaction" => balance_transactions,
    "deleted_customer" => deleted_customers,
    "webhook_endpoint" => webhook_endpoints,
    "webhook_secret" => webhook_secrets,
    "event" => events,
}

impl Store {
    /// A scope with one customer who has a card, a subscription and a paid invoice.
    pub fn seeded(livemode: bool) -> Self {
        let mut store = Store {
            livemode,
            ..Store::default()
        };
        let customer = random_id("cus");
        let card = store
            .card_from_token("tok_visa", Some(&customer))
            .id
            .to_string();
        let created = now();
        store.customers.insert(
            customer.clone(),
            Customer {
                account_balance: 0,
                created,
                currency: Some("usd".to_owned()),
                default_source: Some(Expandable::Id(AnyId::new(card.clone()))),
                delinquent: Some(false),
                description: Some("Seeded customer with a subscription".to_owned()),
                discount: None,
                email: Some("seed@example.com".to_owned()),
                id: CustomerId::new(customer.clone()),
                livemode,
                metadata: Metadata::new(),
                object: "customer".to_owned(),
                shipping: None,
                sources: List::default(),
                subscriptions: List::default(),
            },
        );
        let subscription = random_id("sub");
        store.subscriptions.insert(
            subscription.clone(),
            Subscription {
                cancel_at_period_end: false,
                created,
                current_period_end: created + 30 * 24 * 3600,
                current_period_start: created,
                customer: Expandable::Id(CustomerId::new(customer.clone())),
                default_source: Some(Expandable::Id(AnyId::new(card.clone()))),
                id: SubscriptionId::new(subscription.clone()),
                livemode,
                metadata: Metadata::new(),
                object: "subscription".to_owned(),
                status: SubscriptionStatus::Active,
            },
        );
        let charge = random_id("ch");
        let invoice = random_id("in");
        let transaction = store.balance_transaction(2000, "usd", "charge");
        let card = store.cards.get(&card).cloned();
        store.charges.insert(
            charge.clone(),
            Charge {
                amount: 2000,
                amount_refunded: 0,
                application_fee: None,
                balance_transaction: Some(Expandable::Id(BalanceTransactionId::new(transaction))),
                captured: true,
                created,
                currency: "usd".to_owned(),
                customer: Some(Expandable::Id(CustomerId::new(customer.clone()))),
                description: Some("Subscription payment".to_owned()),
                destination: None,
                dispute: None,
                failure_code: None,
                failure_message: None,
                fraud_details: ChargeFraudDetails {
                    stripe_report: None,
                    user_report: None,
                },
                id: ChargeId::new(charge.clone()),
                invoice: Some(Expandable::Id(InvoiceId::new(invoice.clone()))),
                livemode,
                metadata: Metadata::new(),
                object: "charge".to_owned(),
                paid: true,
                receipt_email: None,
                receipt_number: None,
                refunded: false,
                refunds: List::default(),
                shipping: None,
                source: card.map(|card| PaymentSource::Card(Box::new(card))),
                statement_descriptor: None,
                status: ChargeStatus::Succeeded,
            },
        );
        store.invoices.insert(
            invoice.clone(),
            Invoice {
                amount_due: 2000,
                amount_paid: 2000,
                charge: Some(Expandable::Id(ChargeId::new(charge))),
                created,
                currency: "usd".to_owned(),
                customer: Some(Expandable::Id(CustomerId::new(customer))),
                description: None,
                id: InvoiceId::new(invoice),
                livemode,
                metadata: Some(Metadata::new()),
                object: "invoice".to_owned(),
                paid: true,
                status: Some(InvoiceStatus::Paid),
                subscription: Some(Expandable::Id(SubscriptionId::new(subscription))),
                total: 2000,
            },
        );
        store
    }

    pub fn new_id(&self, prefix: &str) -> String {
        random_id(prefix)
    }

    /// The card a test token stands for (`tok_visa`, `tok_mastercard`, `tok_chargeDeclined`...).
    pub fn card_from_token(&mut self, token: &str, customer: Option<&str>) -> Card {
        let (brand, last4) = match token {
            "tok_mastercard" => ("MasterCard", "4444"),
            "tok_amex" => ("American Express", "8431"),
            "tok_chargeDeclined" => ("Visa", "0002"),
            _ => ("Visa", "4242"),
        };
        let id = random_id("card");
        let card = Card {
            address_city: None,
            address_country: None,
            address_line1: None,
            address_line1_check: None,
            address_line2: None,
            address_state: None,
            address_zip: None,
            address_zip_check: None,
            brand: brand.to_owned(),
            country: Some("US".to_owned()),
            customer: customer.map(|c| Expandable::Id(CustomerId::new(c))),
            cvc_check: Some("pass".to_owned()),
            dynamic_last4: None,
            exp_month: 8,
            exp_year: 2030,
            funding: CardFunding::Credit,
            id: CardId::new(id.clone()),
            last4: last4.to_owned(),
            metadata: Some(Metadata::new()),
            name: None,
            object: "card".to_owned(),
            tokenization_method: None,
        };
        self.cards.insert(id, card.clone());
        card
    }

    pub fn default_card(&self, customer: &str) -> Option<Card> {
        let source = self.customers.get(customer)?.default_source.as_ref()?;
        self.cards.get(source.id_str()).cloned()
    }

    pub fn balance_transaction(&mut self, amount: i64, currency: &str, kind: &str) -> String {
        let id = random_id("txn");
        let fee = if amount > 0 {
            amount * 29 / 1000 + 30
        } else {
            0
        };
        let created = now();
        self.balance_transactions.insert(
            id.clone(),
            BalanceTransaction {
                amount,
                available_on: created + 2 * 24 * 3600,
                created,
                currency: currency.to_owned(),
                description: None,
                fee,
                id: BalanceTransactionId::new(id.clone()),
                net: amount - fee,
                object: "balance_transaction".to_owned(),
                status: "pending".to_owned(),
                type_: BalanceTransactionType::from_wire(kind),
            },
        );
        id
    }

    fn list_json(url: String, data: Vec<Value>) -> Value {
        json!({"object": "list", "data": data.clone(), "has_more": false, "total_count": data.len(), "url": url})
    }

    pub fn charge_json(&self, id: &str) -> Value {
        let Some(charge) = self.charges.get(id) else {
            return Value::Null;
        };
        let mut value = serde_json::to_value(charge).unwrap_or(Value::Null);
        let refunds: Vec<Value> = self
            .refunds
            .newest_first()
            .filter(|r| r.charge.as_ref().map(|c| c.id_str()) == Some(id))
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect();
        value["refunds"] = Self::list_json(format!("/v1/charges/{id}/refunds"), refunds);
        value
    }

    pub fn customer_json(&self, id: &str) -> Value {
        let Some(customer) = self.customers.get(id) else {
            if self.deleted_customers.contains(id) {
                return json!({"id": id, "object": "customer", "deleted": true});
            }
            return Value::Null;
        };
        let mut value = serde_json::to_value(customer).unwrap_or(Value::Null);
        let mut cards: Vec<&Card> = self
            .cards
            .values()
            .filter(|c| c.customer.as_ref().map(|c| c.id_str()) == Some(id))
            .collect();
        cards.sort_by(|a, b| a.id.cmp(&b.id));
        let sources = cards
            .into_iter()
            .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
            .collect();
        value["sources"] = Self::list_json(format!("/v1/customers/{id}/sources"), sources);
        let subscriptions = self
            .subscriptions
            .newest_first()
            .filter(|s| s.customer.id_str() == id)
            .map(|s| serde_json::to_value(s).unwrap_or(Value::Null))
            .collect();
        value["subscriptions"] =
            Self::list_json(format!("/v1/customers/{id}/subscriptions"), subscriptions);
        value
    }

    /// Any object by id (its prefix tells the kind); `null` for none.
    pub fn json_of(&self, id: &str) -> Value {
        let to_json = |v: Option<Value>| v.unwrap_or(Value::Null);
        match id.split('_').next().unwrap_or_default() {
            "ch" => self.charge_json(id),
            "cus" => self.customer_json(id),
            "re" => to_json(
                self.refunds
                    .get(id)
                    .and_then(|r| serde_json::to_value(r).ok()),
            ),
            "in" => to_json(
                self.invoices
                    .get(id)
                    .and_then(|i| serde_json::to_value(i).ok()),
            ),
            "sub" => to_json(
                self.subscriptions
                    .get(id)
                    .and_then(|s| serde_json::to_value(s).ok()),
            ),
            "card" => to_json(
                self.cards
                    .get(id)
                    .and_then(|c| serde_json::to_value(c).ok()),
            ),
            "evt" => self.event_json(id),
            "we" => self.webhook_endpoint_json(id),
            "txn" => to_json(
                self.balance_transactions
                    .get(id)
                    .and_then(|t| serde_json::to_value(t).ok()),
            ),
            _ => Value::Null,
        }
    }

    pub fn respond<T: DeserializeOwned>(
        &self,
        mut value: Value,
        paths: &Option<Vec<String>>,
    ) -> Result<T, ServerError> {
        expand::apply(
            self,
            &mut value,
            paths.as_deref().unwrap_or_default(),
            false,
        )?;
        serde_json::from_value(value).map_err(ServerError::internal)
    }

    pub fn respond_charge(
        &self,
        id: &str,
        paths: &Option<Vec<String>>,
    ) -> Result<Charge, ServerError> {
        self.respond(self.charge_json(id), paths)
    }

    pub fn respond_customer(
        &self,
        id: &str,
        paths: &Option<Vec<String>>,
    ) -> Result<Customer, ServerError> {
        self.respond(self.customer_json(id), paths)
    }

    pub fn respond_refund(
        &self,
        id: &str,
        paths: &Option<Vec<String>>,
    ) -> Result<Refund, ServerError> {
        self.respond(self.json_of(id), paths)
    }

    /// One page of the objects `ids` (newest first), rendered and expanded.
    pub fn list<T: DeserializeOwned>(
        &self,
        url: &str,
        ids: &[String],
        limit: Option<i64>,
        after: &Option<String>,
        before: &Option<String>,
        paths: &Option<Vec<String>>,
    ) -> Result<List<T>, ServerError> {
        let page = page(ids, limit, after, before)?;
        let data = page.ids.iter().map(|id| self.json_of(id)).collect();
        self.respond_list(url, data, page.has_more, paths)
    }

    fn respond_list<T: DeserializeOwned>(
        &self,
        url: &str,
        data: Vec<Value>,
        has_more: bool,
        paths: &Option<Vec<String>>,
    ) -> Result<List<T>, ServerError> {
        let mut value = json!({"object": "list", "data": data, "has_more": has_more, "url": url});
        expand::apply(self, &mut value, paths.as_deref().unwrap_or_default(), true)?;
        serde_json::from_value(value).map_err(ServerError::internal)
    }
}
