//! cargo fuzz target: harness::parsers::history_csv (docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::parsers::history_csv(data);
});
