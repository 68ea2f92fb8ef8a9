//! Webhook endpoints (create returns the signing secret once; retrieve, update, delete,
//! list) and events: what the other operations cause is recorded as an [`Event`], listed by
//! `GET /v1/events` and delivered, signed, to every enabled endpoint that wants its type.

use apigen_runtime::outbox::Destination;
use apigen_runtime::server::{Context, ServerError};
use apigen_runtime::MaybeUnset;
use serde_json::{json, Map, Value};
use stripe::operations::*;
use stripe::server::*;
use stripe::*;

use crate::rules::*;
use crate::store::{now, Store};
use crate::MockStripe;

/// What the request being served contributes to its events.
#[derive(Clone, Debug, Default)]
pub struct RequestInfo {
    pub id: Option<String>,
    pub idempotency_key: Option<String>,
    pub account: Option<String>,
}

/// An event waiting for the store's lock to be released before it is handed to the outbox.
pub struct Outgoing {
    pub destination: Destination,
    pub payload: Vec<u8>,
}

/// An absolute http(s) URL on a loopback host: a local reference server delivers to this
/// machine only, so that nothing it is told can make it post elsewhere.
fn valid_url(url: &str) -> Result<(), ServerError> {
    let invalid =
        |why: &str| ServerError::invalid_request(format!("Invalid URL: {url}. {why}"), Some("url"));
    let parsed = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| invalid("The URL must be an absolute http or https URL."))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if loopback {
        Ok(())
    } else {
        Err(invalid(
            "This reference server delivers webhooks to 127.0.0.1, localhost or [::1] only.",
        ))
    }
}

fn event_types(events: &[EnabledEventsItem]) -> Result<Vec<String>, ServerError> {
    if events.is_empty() {
        return Err(ServerError::invalid_request(
            "You must specify at least one event to enable.",
            Some("enabled_events"),
        ));
    }
    Ok(events.iter().map(|e| e.as_str().to_owned()).collect())
}

impl Store {
    /// Records an event of `kind` about `object` (its JSON now) and queues its deliveries.
    pub fn emit(&mut self, kind: &str, object: Value, previous: Option<Map<String, Value>>) {
        let endpoints: Vec<Destination> = self
            .webhook_endpoints
            .newest_first()
            .filter(|e| e.status == "enabled")
            .filter(|e| e.enabled_events.iter().any(|t| t == "*" || t == kind))
            .filter_map(|e| {
                Some(Destination {
                    url: e.url.clone(),
                    secret: self.webhook_secrets.get(e.id.as_str())?.clone(),
                })
            })
            .collect();
        let id = self.new_id("evt");
        let mut data = json!({"object": object});
        if let Some(previous) = previous {
            data["previous_attributes"] = Value::Object(previous);
        }
        let mut event = json!({
            "id": id,
            "object": "event",
            "api_version": stripe::API_VERSION,
            "created": now(),
            "data": data,
            "livemode": self.livemode,
            "pending_webhooks": endpoints.len(),
            "request": {"id": self.request.id, "idempotency_key": self.request.idempotency_key},
            "type": kind,
        });
        if let Some(account) = &self.request.account {
            event["account"] = Value::String(account.clone());
        }
        let Ok(parsed) = serde_json::from_value::<Event>(event.clone()) else {
            // Only objects this server rendered go in, so this does not happen; an event that
            // cannot be typed is left out rather than failing the request.
            return;
        };
        self.events.insert(id, parsed);
        let payload = serde_json::to_vec_pretty(&event).unwrap_or_default();
        for destination in endpoints {
            self.outgoing.push(Outgoing {
                destination,
                payload: payload.clone(),
            });
        }
    }

    /// Records an `*.updated` event with the attributes `after` changed and their values
    /// `before`; none when nothing changed.
    pub fn emit_updated(&mut self, kind: &str, before: &Value, after: Value) {
        let (Some(old), Some(new)) = (before.as_object(), after.as_object()) else {
            return;
        };
        let previous: Map<String, Value> = old
            .iter()
            .filter(|(key, value)| new.get(*key) != Some(value))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        if !previous.is_empty() {
            self.emit(kind, after, Some(previous));
        }
    }

    pub fn webhook_endpoint_json(&self, id: &str) -> Value {
        self.webhook_endpoints
            .get(id)
            .and_then(|e| serde_json::to_value(e).ok())
            .unwrap_or(Value::Null)
    }

    pub fn event_json(&self, id: &str) -> Value {
        self.events
            .get(id)
            .and_then(|e| serde_json::to_value(e).ok())
            .unwrap_or(Value::Null)
    }
}

pub(crate) async fn create_webhook_endpoint(
    mock: &MockStripe,
    request: CreateWebhookEndpoint,
    context: Context,
) -> Result<CreateWebhookEndpointResponse, ServerError> {
    let body = request.body;
    mock.with_store(&context, |store| {
        valid_url(&body.url)?;
        let enabled_events = event_types(&body.enabled_events)?;
        let mut metadata = Metadata::new();
        merge_metadata(&mut metadata, body.metadata.map(MaybeUnset::Set))?;
        let id = store.new_id("we");
        let secret = store.new_id("whsec");
        let endpoint = WebhookEndpoint {
            api_version: Some(stripe::API_VERSION.to_owned()),
            created: now(),
            description: body.description,
            enabled_events,
            id: WebhookEndpointId::new(id.clone()),
            livemode: store.livemode,
            metadata,
            object: "webhook_endpoint".to_owned(),
            secret: None,
            status: "enabled".to_owned(),
            url: body.url,
        };
        store.webhook_endpoints.insert(id.clone(), endpoint.clone());
        store.webhook_secrets.insert(id, secret.clone());
        // The secret is shown once, in this response.
        Ok(CreateWebhookEndpointResponse::Ok(WebhookEndpoint {
            secret: Some(secret),
            ..endpoint
        }))
    })
    .await
}

pub(crate) async fn retrieve_webhook_endpoint(
    mock: &MockStripe,
    request: RetrieveWebhookEndpoint,
    context: Context,
) -> Result<RetrieveWebhookEndpointResponse, ServerError> {
    mock.with_store(&context, |store| {
        let id = request.webhook_endpoint.as_str();
        if !store.webhook_endpoints.contains(id) {
            return Err(missing("webhook_endpoint", id, "id"));
        }
        store
            .respond(store.webhook_endpoint_json(id), &request.query.expand)
            .map(RetrieveWebhookEndpointResponse::Ok)
    })
    .await
}

pub(crate) async fn update_webhook_endpoint(
    mock: &MockStripe,
    request: UpdateWebhookEndpoint,
    context: Context,
) -> Result<UpdateWebhookEndpointResponse, ServerError> {
    let body = request.body;
    mock.with_store(&context, |store| {
        let id = request.webhook_endpoint.as_str();
        if let Some(url) = &body.url {
            valid_url(url)?;
        }
        let enabled_events = body
            .enabled_events
            .as_deref()
            .map(event_types)
            .transpose()?;
        let endpoint = store
            .webhook_endpoints
            .get_mut(id)
            .ok_or_else(|| missing("webhook_endpoint", id, "id"))?;
        if let Some(url) = body.url {
            endpoint.url = url;
        }
        if let Some(events) = enabled_events {
            endpoint.enabled_events = events;
        }
        if let Some(description) = body.description {
            endpoint.description = Some(description);
        }
        if let Some(disabled) = body.disabled {
            endpoint.status = if disabled { "disabled" } else { "enabled" }.to_owned();
        }
        merge_metadata(&mut endpoint.metadata, body.metadata)?;
        store
            .respond(store.webhook_endpoint_json(id), &body.expand)
            .map(UpdateWebhookEndpointResponse::Ok)
    })
    .await
}

pub(crate) async fn delete_webhook_endpoint(
    mock: &MockStripe,
    request: DeleteWebhookEndpoint,
    context: Context,
) -> Result<DeleteWebhookEndpointResponse, ServerError> {
    mock.with_store(&context, |store| {
        let id = request.webhook_endpoint.as_str();
        if store.webhook_endpoints.remove(id).is_none() {
            return Err(missing("webhook_endpoint", id, "id"));
        }
        store.webhook_secrets.remove(id);
        Ok(DeleteWebhookEndpointResponse::Ok(DeletedWebhookEndpoint {
            deleted: true,
            id: WebhookEndpointId::new(id),
            object: "webhook_endpoint".to_owned(),
        }))
    })
    .await
}

pub(crate) async fn list_webhook_endpoints(
    mock: &MockStripe,
    request: ListWebhookEndpoints,
    context: Context,
) -> Result<ListWebhookEndpointsResponse, ServerError> {
    let query = request.query;
    mock.with_store(&context, |store| {
        let ids: Vec<String> = store
            .webhook_endpoints
            .newest_first()
            .map(|e| e.id.to_string())
            .collect();
        store
            .list(
                "/v1/webhook_endpoints",
                &ids,
                query.limit,
                &query.starting_after,
                &query.ending_before,
                &query.expand,
            )
            .map(ListWebhookEndpointsResponse::Ok)
    })
    .await
}

/// Whether an event type matches a `type` filter (`charge.*` matches every charge event).
fn type_matches(filter: &str, kind: &str) -> bool {
    match filter.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => filter == kind,
    }
}

pub(crate) async fn list_events(
    mock: &MockStripe,
    request: ListEvents,
    context: Context,
) -> Result<ListEventsResponse, ServerError> {
    let query = request.query;
    mock.with_store(&context, |store| {
        let ids: Vec<String> = store
            .events
            .newest_first()
            .filter(|e| {
                query
                    .type_
                    .as_deref()
                    .is_none_or(|filter| type_matches(filter, e.type_.as_str()))
            })
            .filter(|e| created_matches(&query.created, e.created))
            .map(|e| e.id.to_string())
            .collect();
        store
            .list(
                "/v1/events",
                &ids,
                query.limit,
                &query.starting_after,
                &query.ending_before,
                &query.expand,
            )
            .map(ListEventsResponse::Ok)
    })
    .await
}

pub(crate) async fn retrieve_event(
    mock: &MockStripe,
    request: RetrieveEvent,
    context: Context,
) -> Result<RetrieveEventResponse, ServerError> {
    mock.with_store(&context, |store| {
        let id = request.id.as_str();
        if !store.events.contains(id) {
            return Err(missing("event", id, "id"));
        }
        store
            .respond(store.event_json(id), &request.query.expand)
            .map(RetrieveEventResponse::Ok)
    })
    .await
}
