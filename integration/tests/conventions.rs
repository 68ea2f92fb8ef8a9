//! An API's conventions are data of its generated crate, not of the runtime: the DoSelect
//! server (no conventions) reads no `Stripe-Account`, `Stripe-Version` or key mode, while the
//! Stripe server reads all three, over real HTTP on 127.0.0.1.

use std::sync::{Arc, Mutex};

use apigen_runtime::server::{Context, Mode, ServerError};

type Seen = Arc<Mutex<Option<Context>>>;

struct DoSelect(Seen);

impl doselect::server::Server for DoSelect {
    async fn retrieve_user(
        &self,
        _request: doselect::operations::RetrieveUser,
        context: Context,
    ) -> Result<doselect::server::RetrieveUserResponse, ServerError> {
        *self.0.lock().unwrap() = Some(context);
        Ok(doselect::server::RetrieveUserResponse::Forbidden)
    }
}

struct Stripe(Seen);

impl stripe::server::Server for Stripe {
    async fn retrieve_charge(
        &self,
        _request: stripe::operations::RetrieveCharge,
        context: Context,
    ) -> Result<stripe::server::RetrieveChargeResponse, ServerError> {
        *self.0.lock().unwrap() = Some(context);
        Err(ServerError::not_found("No such charge", Some("charge")))
    }
}

async fn serve(app: apigen_runtime::server::axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { apigen_runtime::server::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

async fn get(url: &str, authorization: &str) -> u16 {
    reqwest::Client::new()
        .get(url)
        .header("authorization", authorization)
        .header("stripe-account", "acct_1")
        .header("stripe-version", "2023-10-16")
        .header("idempotency-key", "k1")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn only_a_crate_with_stripe_conventions_reads_stripe_headers_and_key_modes() {
    assert_eq!(doselect::CONVENTIONS, apigen_runtime::Conventions::NONE);
    assert_eq!(stripe::CONVENTIONS.account_header, Some("stripe-account"));

    let seen = Seen::default();
    let base = serve(doselect::server::router(DoSelect(seen.clone()))).await;
    assert_eq!(
        get(&format!("{base}/papi/user/ada"), "sk_live_123").await,
        403
    );
    let context = seen.lock().unwrap().take().unwrap();
    assert_eq!(context.account, None);
    assert_eq!(context.version, None);
    assert_eq!(context.mode, None);
    assert_eq!(context.idempotency_key.as_deref(), Some("k1"));

    let base = serve(stripe::server::router(Stripe(seen.clone()))).await;
    let status = get(&format!("{base}/v1/charges/ch_1"), "Bearer sk_live_123").await;
    assert_eq!(status, 404);
    let context = seen.lock().unwrap().take().unwrap();
    assert_eq!(context.account.as_deref(), Some("acct_1"));
    assert_eq!(context.version.as_deref(), Some("2023-10-16"));
    assert_eq!(context.mode, Some(Mode::Live));
    assert!(!context.restricted);
}
