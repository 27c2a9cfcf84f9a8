//! cargo fuzz target: harness::parsers::calibration (docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::parsers::calibration(data);
});
