//! The reference server's objects and idempotency keys in Postgres (`--database-url`), so
//! that instances on one database behave as one API and a restart loses nothing.
//!
//! Each scope (mode and account) has a row in `reference_scopes` with a version; each
//! object a row in `reference_objects` stamped with the version that last wrote it. A
//! request locks its scope's row (`SELECT ... FOR UPDATE`, so requests of one scope are
//! serialised across instances), brings the instance's cached copy of the scope up to date
//! with the rows written since its version, runs on it, and writes the rows it changed with
//! the next version, in one transaction. With an `Idempotency-Key`, the response is stored
//! in that same transaction ([`PostgresStore::complete_in`]): the work and its replay
//! commit together.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use apigen_runtime::server::idempotency::{
    self, db, migrate, PostgresOptions, PostgresStore, StoreError, Stored,
};
use apigen_runtime::server::tokio_postgres;
use apigen_runtime::server::{json_body, ApiResponse, Context, ServerError};
use apigen_runtime::ErrorEnvelope;
use serde_json::Value;

use crate::store::{Scope, Store};
use crate::webhooks::{Outgoing, RequestInfo};

const MIGRATIONS: &[(&str, &str)] = &[(
    "reference_objects_1",
    "CREATE TABLE reference_scopes (
        scope text PRIMARY KEY,
        version bigint NOT NULL
    );
    CREATE TABLE reference_objects (
        scope text NOT NULL,
        kind text NOT NULL,
        id text NOT NULL,
        seq bigint NOT NULL,
        version bigint NOT NULL,
        body text,
        PRIMARY KEY (scope, kind, id)
    );
    CREATE INDEX reference_objects_version ON reference_objects (scope, version);",
)];

/// The objects of every scope and the idempotency keys, in one database.
pub struct Database {
    keys: PostgresStore,
    cache: Mutex<HashMap<Scope, Arc<tokio::sync::Mutex<Cached>>>>,
}

/// This instance's copy of a scope, as of `version`.
struct Cached {
    version: i64,
    store: Store,
}

impl Cached {
    fn empty(livemode: bool) -> Self {
        Self {
            version: 0,
            store: Store {
                livemode,
                ..Store::default()
            },
        }
    }
}

impl Database {
    /// Connects to `url` and applies the schema (the idempotency store's and this one's).
    pub async fn connect(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let keys = PostgresStore::connect(url, options).await?;
        migrate(keys.pool(), MIGRATIONS).await?;
        Ok(Self {
            keys,
            cache: Mutex::default(),
        })
    }

    /// The idempotency store on the same database.
    pub fn keys(&self) -> PostgresStore {
        self.keys.clone()
    }

    /// Runs `f` on `scope` as described in the module documentation; the result and the
    /// webhook deliveries to send now that it is committed.
    pub async fn run<T: ApiResponse + Clone>(
        &self,
        scope: Scope,
        context: &Context,
        request: RequestInfo,
        f: impl FnOnce(&mut Store) -> Result<T, ServerError>,
    ) -> Result<(Result<T, ServerError>, Vec<Outgoing>), ServerError> {
        let livemode = scope.livemode;
        let key = format!(
            "{}|{}",
            if livemode { "live" } else { "test" },
            scope.account.as_deref().unwrap_or("")
        );
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .entry(scope)
                .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(Cached::empty(livemode))))
                .clone()
        };
        let mut cached = cell.lock().await;
        let mut client = self
            .keys
            .pool()
            .get()
            .await
            .map_err(|e| unavailable(db(e)))?;
        let transaction = client.transaction().await.map_err(|e| unavailable(db(e)))?;
        let version = lock_scope(&transaction, &key).await.map_err(unavailable)?;
        if version == 0 {
            // A scope no instance has used: this one seeds it (the seed is written below).
            *cached = Cached::empty(livemode);
            cached.store = Store::seeded(livemode);
        } else if cached.version != version {
            if cached.version > version {
                // The database was reset under this instance: start over from it.
                *cached = Cached::empty(livemode);
            }
            if let Err(error) = catch_up(&transaction, &key, &mut cached).await {
                *cached = Cached::empty(livemode);
                return Err(unavailable(error));
            }
            cached.version = version;
        }
        cached.store.request = request;
        let result = f(&mut cached.store);
        let outgoing = std::mem::take(&mut cached.store.outgoing);
        let changes = cached.store.take_changes();
        let next = if changes.is_empty() {
            version
        } else {
            version + 1
        };
        let written = async {
            if !changes.is_empty() {
                write(&transaction, &key, next, changes).await?;
            }
            if let (Some(idempotency_key), Some(stored)) =
                (&context.idempotency_key, replayable(&result))
            {
                let scope = idempotency::scope(context, idempotency_key);
                self.keys.complete_in(&transaction, &scope, &stored).await?;
            }
            transaction.commit().await.map_err(db)
        }
        .await;
        match written {
            Ok(()) => cached.version = next,
            Err(error) => {
                // The cached copy holds changes the database does not: drop it.
                *cached = Cached::empty(livemode);
                return Err(unavailable(error));
            }
        }
        Ok((result, outgoing))
    }
}

/// Creates the scope's row if needed and locks it; its version.
async fn lock_scope(
    transaction: &tokio_postgres::Transaction<'_>,
    key: &str,
) -> Result<i64, StoreError> {
    transaction
        .execute(
            "INSERT INTO reference_scopes (scope, version) VALUES ($1, 0)
             ON CONFLICT (scope) DO NOTHING",
            &[&key],
        )
        .await
        .map_err(db)?;
    let row = transaction
        .query_one(
            "SELECT version FROM reference_scopes WHERE scope = $1 FOR UPDATE",
            &[&key],
        )
        .await
        .map_err(db)?;
    Ok(row.get(0))
}

/// Loads the rows written since the cached version.
async fn catch_up(
    transaction: &tokio_postgres::Transaction<'_>,
    key: &str,
    cached: &mut Cached,
) -> Result<(), StoreError> {
    let rows = transaction
        .query(
            "SELECT kind, id, seq, body FROM reference_objects
             WHERE scope = $1 AND version > $2 ORDER BY version, seq",
            &[&key, &cached.version],
        )
        .await
        .map_err(db)?;
    for row in rows {
        let kind: &str = row.get(0);
        let id: String = row.get(1);
        let seq: i64 = row.get(2);
        let body: Option<&str> = row.get(3);
        let value = body
            .map(serde_json::from_str::<Value>)
            .transpose()
            .map_err(|e| StoreError(format!("{kind} {id}: {e}")))?;
        cached
            .store
            .load(kind, id, value.map(|v| (seq as u64, v)))
            .map_err(StoreError)?;
    }
    Ok(())
}

/// Writes the changed rows with `version`, in one statement, and the scope's new version.
async fn write(
    transaction: &tokio_postgres::Transaction<'_>,
    key: &str,
    version: i64,
    changes: Vec<(&'static str, crate::store::Row)>,
) -> Result<(), StoreError> {
    let mut kinds = Vec::with_capacity(changes.len());
    let mut ids = Vec::with_capacity(changes.len());
    let mut seqs = Vec::with_capacity(changes.len());
    let mut bodies = Vec::with_capacity(changes.len());
    for (kind, (id, row)) in changes {
        kinds.push(kind);
        ids.push(id);
        match row {
            Some((seq, value)) => {
                seqs.push(seq as i64);
                bodies.push(Some(value.to_string()));
            }
            None => {
                seqs.push(0);
                bodies.push(None);
            }
        }
    }
    transaction
        .execute(
            "INSERT INTO reference_objects (scope, kind, id, seq, version, body)
             SELECT $1, kind, id, seq, $2, body
             FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[]) AS t(kind, id, seq, body)
             ON CONFLICT (scope, kind, id) DO UPDATE SET
                 seq = CASE WHEN EXCLUDED.body IS NULL THEN reference_objects.seq ELSE EXCLUDED.seq END,
                 version = EXCLUDED.version, body = EXCLUDED.body",
            &[&key, &version, &kinds, &ids, &seqs, &bodies],
        )
        .await
        .map_err(db)?;
    transaction
        .execute(
            "UPDATE reference_scopes SET version = $2 WHERE scope = $1",
            &[&key, &version],
        )
        .await
        .map_err(db)?;
    Ok(())
}

/// The response a retry with the same key replays (none for a server error, whose key is
/// released).
fn replayable<T: ApiResponse + Clone>(result: &Result<T, ServerError>) -> Option<Stored> {
    let (status, body) = match result {
        Ok(response) => response.clone().into_parts(),
        Err(error) => (
            error.status,
            json_body(&ErrorEnvelope {
                error: (*error.error).clone(),
            }),
        ),
    };
    (!status.is_server_error()).then_some(Stored { status, body })
}

fn unavailable(error: StoreError) -> ServerError {
    ServerError::new(
        apigen_runtime::StatusCode::SERVICE_UNAVAILABLE,
        apigen_runtime::ErrorType::ApiError,
        format!("The reference server's database is unavailable: {error}"),
    )
}
