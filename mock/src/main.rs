//! `stripe-mock [--addr 127.0.0.1:12111] [--api-key KEY]...`: serves the reference server
//! until interrupted. With `--api-key`, only those keys are accepted; otherwise any key of
//! Stripe's form is.

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut addr = "127.0.0.1:12111".to_owned();
    let mut keys = Vec::new();
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = value,
            ("--api-key", Some(value)) => keys.push(value),
            _ => {
                eprintln!("usage: stripe-mock [--addr HOST:PORT] [--api-key KEY]...");
                std::process::exit(2);
            }
        }
    }
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    let accepted = if keys.is_empty() {
        "sk_test_... or sk_live_...".to_owned()
    } else {
        format!("{} configured", keys.len())
    };
    println!("reference server listening on http://{local} (keys: {accepted})");
    if let Err(error) = stripe_mock::serve(listener, keys).await {
        eprintln!("{error}");
        std::process::exit(1);
    }
}
