//! Sequences of requests built from the spec's vocabulary and arbitrary bytes, sent to the
//! reference server in process: every answer is a 2xx JSON body or a 4xx Stripe envelope.
#![no_main]

libfuzzer_sys::fuzz_target!(|session: apigen_fuzz::requests::Session| {
    apigen_fuzz::requests::run(&session)
});
