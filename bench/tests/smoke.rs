//! The benchmark's servers answer the load generator's requests correctly (figures are
//! `cargo xtask bench`'s business; this only keeps the benchmark working).

use apigen_bench::{generated_router, handwritten_router, load, serve, Call, Serve, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_servers_answer_every_request() {
    for (router, how) in [
        (generated_router(Store::new()), Serve::Guarded),
        (handwritten_router(Store::new()), Serve::Axum),
    ] {
        let base = serve(router, how).await;
        for call in [Call::CreateCharge, Call::ListCustomers] {
            let figures = load(&base, call, 200, 8).await;
            assert_eq!(figures.errors, 0, "{call:?} at {base}: {figures:?}");
            assert_eq!(figures.requests, 200);
            assert!(figures.p50_us > 0.0 && figures.p99_us >= figures.p50_us);
        }
    }
}
