//! Well-formed specs with fuzzer-chosen names, shapes and references: reaches lowering and
//! emitting far more often than raw bytes do.
#![no_main]

libfuzzer_sys::fuzz_target!(|spec: apigen_fuzz::shapes::Spec| {
    apigen_fuzz::run(spec.to_json().as_bytes())
});
