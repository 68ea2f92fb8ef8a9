//! The shared store: keys in a Postgres table that every instance of a server uses, in the
//! spirit of the well-known "idempotency keys in Postgres" design.
//!
//! - A key is claimed atomically by one `INSERT ... ON CONFLICT DO UPDATE ... WHERE`: the
//!   row is new, or expired, or a claim whose lease ran out (its instance died mid-request)
//!   with the same fingerprint. Exactly one request gets the row back.
//! - The response is written when the request completes; the lease is then cleared.
//! - Expired rows are deleted by a periodic sweep (on the `created_at` index), not per
//!   request.

use std::sync::{Arc, Weak};
use std::time::Duration;

use ::axum::http::StatusCode;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::{Begin, IdempotencyStore, StoreError, StoreFuture, Stored, TTL};
use crate::server::Payload;

/// How a [`PostgresStore`] behaves.
#[derive(Clone, Debug)]
pub struct PostgresOptions {
    /// Keys expire this long after their first use.
    pub ttl: Duration,
    /// A claim whose request has not completed after this long may be taken over by a retry
    /// (its instance is taken for dead): keep it above the server's request timeout.
    pub lease: Duration,
    /// How often expired keys are deleted.
    pub sweep_every: Duration,
    /// Connections in the pool.
    pub pool_size: usize,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            ttl: TTL,
            lease: Duration::from_secs(60),
            sweep_every: Duration::from_secs(60),
            pool_size: 16,
        }
    }
}

/// Idempotency keys in Postgres: see the module documentation.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    options: PostgresOptions,
}

/// The schema, applied in order at startup; a migration is never edited once released.
const MIGRATIONS: &[(&str, &str)] = &[(
    "idempotency_keys_1",
    "CREATE TABLE apigen_idempotency_keys (
        scope text PRIMARY KEY,
        fingerprint text NOT NULL,
        status smallint,
        content_type text,
        body bytea,
        locked_until timestamptz,
        created_at timestamptz NOT NULL
    );
    CREATE INDEX apigen_idempotency_keys_created ON apigen_idempotency_keys (created_at);",
)];

const CLAIM: &str = "INSERT INTO apigen_idempotency_keys AS k
        (scope, fingerprint, locked_until, created_at)
    VALUES ($1, $2, now() + make_interval(secs => $3), now())
    ON CONFLICT (scope) DO UPDATE SET
        fingerprint = EXCLUDED.fingerprint, status = NULL, content_type = NULL, body = NULL,
        locked_until = EXCLUDED.locked_until, created_at = EXCLUDED.created_at
    WHERE k.created_at < now() - make_interval(secs => $4)
       OR (k.status IS NULL AND k.locked_until < now() AND k.fingerprint = EXCLUDED.fingerprint)
    RETURNING 1";

/// A pool on `url` (`postgres://user:password@host:port/database` or the key=value form).
pub fn pool(url: &str, size: usize) -> Result<Pool, StoreError> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| StoreError(format!("the database URL is not valid: {e}")))?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size.max(1))
        .build()
        .map_err(|e| StoreError(format!("cannot make a connection pool: {e}")))
}

/// Applies the `migrations` not yet applied, each once and in order, under an advisory lock
/// so that instances starting together do not race. Names are recorded in
/// `apigen_migrations`.
pub async fn migrate(pool: &Pool, migrations: &[(&str, &str)]) -> Result<(), StoreError> {
    let mut client = pool.get().await.map_err(db)?;
    let transaction = client.transaction().await.map_err(db)?;
    transaction
        .batch_execute(
            "SELECT pg_advisory_xact_lock(7315402112);
             CREATE TABLE IF NOT EXISTS apigen_migrations (
                 name text PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             );",
        )
        .await
        .map_err(db)?;
    for (name, sql) in migrations {
        let applied = transaction
            .query_opt("SELECT 1 FROM apigen_migrations WHERE name = $1", &[name])
            .await
            .map_err(db)?
            .is_some();
        if !applied {
            transaction
                .batch_execute(sql)
                .await
                .map_err(|e| StoreError(format!("migration {name}: {}", describe(&e))))?;
            transaction
                .execute("INSERT INTO apigen_migrations (name) VALUES ($1)", &[name])
                .await
                .map_err(db)?;
        }
    }
    transaction.commit().await.map_err(db)
}

/// A database error as a [`StoreError`], with the server's message where there is one.
pub fn db(error: impl Into<DbError>) -> StoreError {
    StoreError(error.into().0)
}

/// An error of the driver or the pool, as text.
pub struct DbError(String);

impl From<tokio_postgres::Error> for DbError {
    fn from(error: tokio_postgres::Error) -> Self {
        DbError(format!("database: {}", describe(&error)))
    }
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(error) => error.into(),
            other => DbError(format!("database pool: {other}")),
        }
    }
}

fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}

impl PostgresStore {
    /// Connects to `url`, applies the schema and starts the expiry sweep (which ends when
    /// the last clone of the store is dropped).
    pub async fn connect(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let pool = pool(url, options.pool_size)?;
        Self::with_pool(pool, options).await
    }

    /// [`PostgresStore::connect`] on an existing pool (shared with the server's own data).
    pub async fn with_pool(pool: Pool, options: PostgresOptions) -> Result<Self, StoreError> {
        migrate(&pool, MIGRATIONS).await?;
        let inner = Arc::new(Inner { pool, options });
        tokio::spawn(sweep(Arc::downgrade(&inner)));
        Ok(Self { inner })
    }

    /// The store's pool.
    pub fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    /// Deletes the expired keys now; how many there were.
    pub async fn delete_expired(&self) -> Result<u64, StoreError> {
        self.inner.delete_expired().await
    }

    async fn claim(&self, scope: &str, fingerprint: &str) -> Result<Begin, StoreError> {
        let options = &self.inner.options;
        let client = self.inner.pool.get().await.map_err(db)?;
        let lease = options.lease.as_secs_f64();
        let ttl = options.ttl.as_secs_f64();
        // A row that is deleted (abandoned) between the claim and the read is claimed again.
        for _ in 0..3 {
            let claimed = client
                .query_opt(CLAIM, &[&scope, &fingerprint, &lease, &ttl])
                .await
                .map_err(db)?;
            if claimed.is_some() {
                return Ok(Begin::Proceed);
            }
            let row = client
                .query_opt(
                    "SELECT fingerprint, status, content_type, body
                     FROM apigen_idempotency_keys WHERE scope = $1",
                    &[&scope],
                )
                .await
                .map_err(db)?;
            let Some(row) = row else { continue };
            let stored_fingerprint: &str = row.get(0);
            if stored_fingerprint != fingerprint {
                return Ok(Begin::Mismatch);
            }
            let Some(status) = row.get::<_, Option<i16>>(1) else {
                return Ok(Begin::InFlight);
            };
            let status = StatusCode::from_u16(status as u16)
                .map_err(|_| StoreError(format!("stored status {status} is not valid")))?;
            let content_type: Option<String> = row.get(2);
            let body: Option<Vec<u8>> = row.get(3);
            return Ok(Begin::Replay(Stored {
                status,
                body: content_type.zip(body).map(|(content_type, bytes)| Payload {
                    content_type: content_type.into(),
                    bytes: bytes.into(),
                }),
            }));
        }
        Err(StoreError(
            "the key changed hands three times while being claimed".into(),
        ))
    }
}

impl Inner {
    async fn delete_expired(&self) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(db)?;
        client
            .execute(
                "DELETE FROM apigen_idempotency_keys
                 WHERE created_at < now() - make_interval(secs => $1)",
                &[&self.options.ttl.as_secs_f64()],
            )
            .await
            .map_err(db)
    }
}

async fn sweep(inner: Weak<Inner>) {
    let every = match inner.upgrade() {
        Some(inner) => inner.options.sweep_every,
        None => return,
    };
    loop {
        tokio::time::sleep(every).await;
        let Some(inner) = inner.upgrade() else { return };
        // A failed sweep is tried again at the next tick.
        let _ = inner.delete_expired().await;
    }
}

impl PostgresStore {
    /// Stores the response for `scope` inside the server's own `transaction`, so that the
    /// work and its replayable response commit together: if the instance dies after the
    /// commit, a retry replays instead of doing the work twice; before it, neither happened.
    pub async fn complete_in(
        &self,
        transaction: &tokio_postgres::Transaction<'_>,
        scope: &str,
        response: &Stored,
    ) -> Result<(), StoreError> {
        let status = response.status.as_u16() as i16;
        let (content_type, body) = match &response.body {
            Some(payload) => (
                Some(payload.content_type.as_ref()),
                Some(&payload.bytes[..]),
            ),
            None => (None, None),
        };
        transaction
            .execute(COMPLETE, &[&scope, &status, &content_type, &body])
            .await
            .map_err(db)?;
        Ok(())
    }
}

const COMPLETE: &str = "UPDATE apigen_idempotency_keys
    SET status = $2, content_type = $3, body = $4, locked_until = NULL
    WHERE scope = $1";

// Each future owns a handle on the store and its arguments (see `StoreFuture`).
impl IdempotencyStore for PostgresStore {
    fn begin(&self, scope: &str, fingerprint: &str) -> StoreFuture<Begin> {
        let (store, scope, fingerprint) = (self.clone(), scope.to_owned(), fingerprint.to_owned());
        StoreFuture::new(async move { store.claim(&scope, &fingerprint).await })
    }

    fn complete(&self, scope: &str, response: Stored) -> StoreFuture<()> {
        let (inner, scope) = (self.inner.clone(), scope.to_owned());
        StoreFuture::new(async move {
            let client = inner.pool.get().await.map_err(db)?;
            let status = response.status.as_u16() as i16;
            let (content_type, body) = match &response.body {
                Some(payload) => (
                    Some(payload.content_type.as_ref()),
                    Some(&payload.bytes[..]),
                ),
                None => (None, None),
            };
            client
                .execute(COMPLETE, &[&scope, &status, &content_type, &body])
                .await
                .map_err(db)?;
            Ok(())
        })
    }

    fn abandon(&self, scope: &str) -> StoreFuture<()> {
        let (inner, scope) = (self.inner.clone(), scope.to_owned());
        StoreFuture::new(async move {
            let client = inner.pool.get().await.map_err(db)?;
            client
                .execute(
                    "DELETE FROM apigen_idempotency_keys WHERE scope = $1 AND status IS NULL",
                    &[&scope],
                )
                .await
                .map_err(db)?;
            Ok(())
        })
    }
}
