//! Smoke versions of the `cargo fuzz` targets (fuzz/, docs/fuzzing.md): every parser gets
//! mutated copies of valid files and arbitrary bytes, and must accept or refuse them with a
//! located error, never panic. Small case counts: the long runs are `cargo fuzz`'s job.

use harness::parsers;
use proptest::prelude::*;
use std::path::Path;

fn file(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)).unwrap()
}

/// Pieces a careless or hostile edit puts into JSON or CSV.
const TOKENS: &[&[u8]] = &[
    b"[",
    b"]",
    b"{",
    b"}",
    b"\"",
    b",",
    b":",
    b"null",
    b"[]",
    b"{}",
    b"-1",
    b"1e999",
    b"18446744073709551616",
    b"4294967295",
    b"0",
    b"\xEF\xBB\xBF",
    b"\xFF",
    b"\n",
    b"\r\n",
    b"{\"stop\": null}",
    b"\"retry\"",
    b";",
    b"\\",
    b"\"\"",
];

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(i, t)| Edit::Insert(i, t)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn mutate(mut v: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = v.len().max(1);
        match *e {
            Edit::Flip(i, b) if !v.is_empty() => v[i % n] ^= b,
            Edit::Delete(i, k) if !v.is_empty() => {
                let a = i % n;
                v.drain(a..(a + k).min(v.len()));
            }
            Edit::Insert(i, t) => {
                let a = i % (v.len() + 1);
                v.splice(a..a, TOKENS[t].iter().copied());
            }
            Edit::Truncate(i) => v.truncate(i % n),
            _ => {}
        }
    }
    v
}

fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("scenario", file("scenarios/full-cycle.json")),
        ("runbook", file("scenarios/runbooks/failover.json")),
        ("calibration", file("scenarios/calibration/example.json")),
        (
            "history_csv",
            file("harness/tests/bad_inputs/13-locations/ragged-row.csv"),
        ),
        ("history_json", history_json_seed()),
    ]
}

fn history_json_seed() -> Vec<u8> {
    br#"[{"database_name":"testdb","server_name":"s","type":"D","backup_set_uuid":"cd613e30-d8f1-6adf-91b7-584a2265b1f5","first_lsn":"17126658000000314600037","last_lsn":"17126658000000314700037","checkpoint_lsn":"17126658000000314600037","database_backup_lsn":"0","differential_base_lsn":null,"backup_start_date":"2017-07-16T17:00:00","backup_finish_date":"2017-07-16T17:00:00","first_recovery_fork_guid":null,"is_copy_only":"0","physical_device_name":"C:\\b\\full.bak"}]"#.to_vec()
}

fn parse(kind: &str, data: &[u8]) -> Result<(), String> {
    match kind {
        "scenario" => parsers::scenario(data),
        "runbook" => parsers::runbook(data),
        "calibration" => parsers::calibration(data),
        "history_csv" => parsers::history_csv(data),
        _ => parsers::history_json(data),
    }
}

#[test]
fn the_seeds_are_accepted() {
    for (kind, data) in seeds() {
        if kind != "history_csv" {
            // (the CSV seed is the ragged-row reproducer: refused, located)
            assert_eq!(parse(kind, &data), Ok(()), "{kind}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn mutated_files_are_accepted_or_refused_with_a_location(
        which in 0usize..5,
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let (kind, seed) = seeds().swap_remove(which);
        // Panics (and unlocated errors, see harness::parsers) fail the property.
        let _ = parse(kind, &mutate(seed, &edits));
    }

    #[test]
    fn arbitrary_bytes_are_refused_without_panic(which in 0usize..5, data in prop::collection::vec(any::<u8>(), 0..512)) {
        let (kind, _) = seeds().swap_remove(which);
        let _ = parse(kind, &data);
    }
}

proptest! {
    // Each case plays a scenario: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn mutated_scenarios_play_within_their_budgets(edits in prop::collection::vec(edit(), 1..4)) {
        let _ = parsers::play(&mutate(file("scenarios/full-cycle.json"), &edits));
    }
}
