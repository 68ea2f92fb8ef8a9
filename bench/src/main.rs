//! `apigen-bench`: the generated server against the hand-written baseline on 127.0.0.1, under
//! a bounded load. Prints one JSON object (run by `cargo xtask bench`).

use apigen_bench::{generated_router, handwritten_router, load, serve, Call, Serve, Store};

#[tokio::main]
async fn main() {
    let mut requests = 20_000;
    let mut concurrency = 32;
    let mut rounds = 3;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<usize>().ok());
        match (arg.as_str(), value) {
            ("--requests", Some(v)) if v > 0 => requests = v,
            ("--concurrency", Some(v)) if v > 0 => concurrency = v,
            ("--rounds", Some(v)) if v > 0 => rounds = v,
            _ => {
                eprintln!("usage: apigen-bench [--requests N] [--concurrency C] [--rounds R]");
                std::process::exit(2);
            }
        }
    }
    let generated = serve(generated_router(Store::new()), Serve::Guarded).await;
    let handwritten = serve(handwritten_router(Store::new()), Serve::Axum).await;
    let mut results = Vec::new();
    for (name, call) in [
        ("create_charge", Call::CreateCharge),
        ("list_customers", Call::ListCustomers),
    ] {
        // Warm up both, then alternate rounds so that neither gets the quieter machine.
        load(&generated, call, requests / 10, concurrency).await;
        load(&handwritten, call, requests / 10, concurrency).await;
        let mut generated_runs = Vec::new();
        let mut handwritten_runs = Vec::new();
        for _ in 0..rounds {
            generated_runs.push(load(&generated, call, requests, concurrency).await);
            handwritten_runs.push(load(&handwritten, call, requests, concurrency).await);
        }
        results.push(serde_json::json!({
            "operation": name,
            "generated": generated_runs,
            "handwritten": handwritten_runs,
        }));
    }
    println!("{}", serde_json::Value::Array(results));
}
