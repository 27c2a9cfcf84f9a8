//! cargo fuzz target: harness::parsers::scenario (docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::parsers::scenario(data);
});
