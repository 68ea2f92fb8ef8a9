//! `stripe-mock [--addr 127.0.0.1:12111] [--api-key KEY]... [--database-url URL]
//! [--lease SECONDS]`: serves the reference server until SIGTERM or Ctrl-C, then drains
//! (requests in flight are answered) and exits 0. With `--api-key`, only those keys are
//! accepted; otherwise any key of Stripe's form is. With `--database-url` (or
//! `DATABASE_URL`), objects and idempotency keys are kept in that Postgres database, shared
//! by every instance on it; `--lease` is how long a key whose request never completed (its
//! instance died) stays claimed (default 60 s; requests time out within it).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use apigen_runtime::server::idempotency::PostgresOptions;
use apigen_runtime::server::{serve_with, shutdown_signal, ServeOptions};

const USAGE: &str = "usage: stripe-mock [--addr HOST:PORT] [--api-key KEY]... \
                     [--database-url URL] [--lease SECONDS]";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut addr = "127.0.0.1:12111".to_owned();
    let mut keys = Vec::new();
    let mut database_url = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
    let mut postgres = PostgresOptions::default();
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = value,
            ("--api-key", Some(value)) => keys.push(value),
            ("--database-url", Some(value)) => database_url = Some(value),
            ("--lease", Some(value)) => match value.parse::<f64>() {
                Ok(seconds) if seconds > 0.0 => postgres.lease = Duration::from_secs_f64(seconds),
                _ => exit(&format!(
                    "--lease: `{value}` is not a positive number of seconds"
                )),
            },
            _ => exit(USAGE),
        }
    }
    let mut options = ServeOptions::default();
    // A claim must outlive the longest request, or a retry could run beside it.
    options.request_timeout = options.request_timeout.min(postgres.lease);
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(error) => exit(&format!("cannot listen on {addr}: {error}")),
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    let accepted = if keys.is_empty() {
        "sk_test_... or sk_live_...".to_owned()
    } else {
        format!("{} configured", keys.len())
    };
    let (app, kept) = match &database_url {
        Some(url) => match stripe_mock::Database::connect(url, postgres).await {
            Ok(database) => (stripe_mock::app_on(keys, Arc::new(database)), "in Postgres"),
            Err(error) => exit(&format!("--database-url: {error}")),
        },
        None => (stripe_mock::app(keys), "in memory"),
    };
    println!("reference server listening on http://{local} (keys: {accepted}; objects {kept})");
    if let Err(error) = serve_with(listener, app, options, shutdown_signal()).await {
        exit(&error.to_string());
    }
    // Whoever read the first line may be gone by now: not a reason to fail the exit.
    let _ = writeln!(std::io::stdout(), "reference server stopped");
}

fn exit(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(if message == USAGE { 2 } else { 1 })
}
