//! cargo fuzz target: the range's TDS decoders (packets, PRELOGIN, LOGIN7, SQLBatch, RPC),
//! harness::range::tds::decode_any (docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::range::tds::decode_any(data);
});
