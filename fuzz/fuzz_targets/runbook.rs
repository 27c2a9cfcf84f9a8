//! cargo fuzz target: harness::parsers::runbook (docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::parsers::runbook(data);
});
