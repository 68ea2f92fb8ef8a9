//! Any bytes as a spec file (YAML, or JSON when they start with `{`).
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| apigen_fuzz::run(bytes));
