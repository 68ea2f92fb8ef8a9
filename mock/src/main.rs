//! `stripe-mock [--addr 127.0.0.1:12111]`: serves the reference server until interrupted.

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut addr = "127.0.0.1:12111".to_owned();
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = value,
            _ => {
                eprintln!("usage: stripe-mock [--addr HOST:PORT]");
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
    println!("reference server listening on http://{local} (keys: sk_test_... or sk_live_...)");
    if let Err(error) = stripe_mock::serve(listener).await {
        eprintln!("{error}");
        std::process::exit(1);
    }
}
