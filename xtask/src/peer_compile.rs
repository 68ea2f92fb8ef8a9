//! Compile time side by side with async-stripe (part of `cargo xtask bench`): a client-only
//! consumer of charges, customers and refunds, built against async-stripe `=1.0.0-rc.10`
//! (without default features, plus `rustls-tls-webpki-roots`, `rustls-ring`, and
//! `async-stripe-core` with `charge`, `customer`, `refund`, `serialize`, `deserialize`) and
//! against the crate generated from the official spec (`client,charges,customers,refunds`),
//! each in its own target directory, both from clean.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{json, Value};

use crate::{cargo, run};

/// One consumer: its directory, manifest, and the packages that are the API crates.
struct Consumer {
    label: &'static str,
    dir: PathBuf,
    manifest: String,
    api_crates: &'static [&'static str],
}

fn consumers(root: &Path) -> Vec<Consumer> {
    let bench = root.join("target/bench-consumers");
    let official = root.join("target/stripe-full");
    vec![
        Consumer {
            label: "async-stripe 1.0.0-rc.10",
            dir: bench.join("async-stripe"),
            manifest: r#"[package]
name = "consumer-async-stripe"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
async-stripe = { version = "=1.0.0-rc.10", default-features = false, features = ["rustls-tls-webpki-roots", "rustls-ring"] }
async-stripe-core = { version = "=1.0.0-rc.10", features = ["charge", "customer", "refund", "serialize", "deserialize"] }

[workspace]
"#
            .to_owned(),
            api_crates: &[
                "async-stripe",
                "async-stripe-client-core",
                "async-stripe-core",
                "async-stripe-shared",
                "async-stripe-types",
            ],
        },
        Consumer {
            label: "generated official crate",
            dir: bench.join("generated"),
            manifest: format!(
                r#"[package]
name = "consumer-generated"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
stripe_full = {{ path = "{}", default-features = false, features = ["client", "charges", "customers", "refunds"] }}

[workspace]
"#,
                official.display()
            ),
            api_crates: &["stripe_full", "apigen-runtime"],
        },
    ]
}

/// `cargo` in the consumer's directory with its own target directory.
fn in_consumer(consumer: &Consumer, args: &[&str]) -> std::process::Command {
    let mut command = cargo();
    command
        .args(args)
        .current_dir(&consumer.dir)
        .env("CARGO_TARGET_DIR", consumer.dir.join("target"));
    command
}

fn seconds(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 10.0).round() / 10.0
}

/// The figures; a consumer whose dependencies cannot be fetched is reported as skipped.
pub fn figures(root: &Path) -> Value {
    let mut out = Vec::new();
    for consumer in consumers(root) {
        let prepared = std::fs::create_dir_all(consumer.dir.join("src"))
            .and_then(|()| std::fs::write(consumer.dir.join("Cargo.toml"), &consumer.manifest))
            .and_then(|()| std::fs::write(consumer.dir.join("src/main.rs"), "fn main() {}\n"));
        if let Err(error) = prepared {
            out.push(json!({"consumer": consumer.label, "skipped": error.to_string()}));
            continue;
        }
        let _ = std::fs::remove_dir_all(consumer.dir.join("target"));
        let start = Instant::now();
        if let Err(error) = run(
            &format!("cargo check from clean: {}", consumer.label),
            &mut in_consumer(&consumer, &["check", "--quiet"]),
        ) {
            eprintln!("skipped {}: {error}", consumer.label);
            out.push(json!({"consumer": consumer.label, "skipped": error}));
            continue;
        }
        let check_scratch = seconds(start);
        let mut clean = vec!["clean", "--quiet"];
        for package in consumer.api_crates {
            clean.extend(["-p", package]);
        }
        let crates_check = run(
            &format!("cargo clean the API crates: {}", consumer.label),
            &mut in_consumer(&consumer, &clean),
        )
        .and_then(|()| {
            let start = Instant::now();
            run(
                &format!("cargo check of the API crates: {}", consumer.label),
                &mut in_consumer(&consumer, &["check", "--quiet"]),
            )
            .map(|()| seconds(start))
        });
        let _ = std::fs::remove_dir_all(consumer.dir.join("target"));
        let start = Instant::now();
        let build_scratch = run(
            &format!("cargo build from clean: {}", consumer.label),
            &mut in_consumer(&consumer, &["build", "--quiet"]),
        )
        .map(|()| seconds(start));
        out.push(json!({
            "consumer": consumer.label,
            "api_crates_check_s": crates_check.ok(),
            "check_from_clean_s": check_scratch,
            "build_from_clean_s": build_scratch.ok(),
        }));
    }
    Value::Array(out)
}

/// The Markdown table of [`figures`], with the generated/async-stripe ratios.
pub fn table(figures: &Value) -> String {
    let rows = figures.as_array().cloned().unwrap_or_default();
    let mut out = String::from("\n## Compile time next to async-stripe (client-only consumer of charges, customers, refunds)\n\n| consumer | API crates `cargo check` s | whole consumer `cargo check` from clean s | `cargo build` from clean s |\n| --- | ---: | ---: | ---: |\n");
    for row in &rows {
        if let Some(skipped) = row["skipped"].as_str() {
            out.push_str(&format!(
                "| {} | skipped: {skipped} | | |\n",
                row["consumer"].as_str().unwrap_or_default()
            ));
            continue;
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row["consumer"].as_str().unwrap_or_default(),
            row["api_crates_check_s"],
            row["check_from_clean_s"],
            row["build_from_clean_s"]
        ));
    }
    if let [theirs, ours] = rows.as_slice() {
        let ratio = |key: &str| match (ours[key].as_f64(), theirs[key].as_f64()) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
            _ => "n/a".to_owned(),
        };
        out.push_str(&format!(
            "| generated / async-stripe | {} | {} | {} |\n",
            ratio("api_crates_check_s"),
            ratio("check_from_clean_s"),
            ratio("build_from_clean_s")
        ));
    }
    out
}
