#!/usr/bin/env bash
# Produce every output the speed work must keep byte-identical into DIR:
#   scripts/check-identical.sh DIR          (then: diff -r BASE_DIR DIR)
# drill run --json (every scenario, and with --runbook variants), drill fuzz reports (text
# and --json) and their saved counterexamples, drill rto (text and --json), drill diff and
# drill check, and a digest of every generated case's full recorded report
# (benches/examples/report-digest.rs).
# Wall-clock figures (elapsed seconds, rates) are masked: they are the only parts that vary.
# Run from the repository root; builds the release binaries first.
set -euo pipefail
out=${1:?usage: scripts/check-identical.sh DIR}
cd "$(dirname "$0")/.."
cargo build -q --release --bin drill
cargo build -q --release -p drill-benches --example report-digest
tdir=${CARGO_TARGET_DIR:-target}
drill="$tdir/release/drill"
digest="$tdir/release/examples/report-digest"
rm -rf "$out"
mkdir -p "$out"
mask_fuzz() {
  sed -E -e 's/cases run in [0-9.]+ s \([0-9]+ cases\/s/cases run in X s (X cases\/s/' \
    -e 's/shrunk in ([0-9]+) runs, [0-9.]+ s\)/shrunk in \1 runs, X s)/' \
    -e 's/"(elapsed_seconds|cases_per_second|shrink_seconds)": [0-9.e+-]+/"\1": X/'
}
mask_rto() {
  sed -E -e 's/runs in [0-9.]+ s on ([0-9]+) thread\(s\): [0-9]+ runs\/s/runs in X s on \1 thread(s): X runs\/s/' \
    -e 's/"(seconds|runs_per_second)": [0-9.e+-]+/"\1": X/'
}
rc() { "$@" || echo "exit $?"; }

# drill run: every scenario (shipped, mutants, regressions), JSON and text.
for f in scenarios/*.json scenarios/mutants/*.json scenarios/regressions/*.json; do
  n=$(echo "$f" | tr '/' '_')
  rc "$drill" run "$f" --json >"$out/run-$n.json" 2>&1
  rc "$drill" run "$f" >"$out/run-$n.txt" 2>&1
done
rc "$drill" run --json >"$out/run-default.json" 2>&1
rc "$drill" run --seed 12345 --json >"$out/run-default-seed.json" 2>&1
for rb in scenarios/runbooks/*.json scenarios/mutants/*.json; do
  n=$(echo "$rb" | tr '/' '_')
  rc "$drill" run --runbook "$rb" --json >"$out/run-rb-$n.json" 2>&1
  rc "$drill" run scenarios/dc1-outage-share-dc1.json --runbook "$rb" --json >"$out/run-share1-rb-$n.json" 2>&1
done
rc "$drill" run --runbook scenarios/runbooks/failover-corrected.json \
  --runbook scenarios/runbooks/failback-corrected.json --json >"$out/run-rb-both-corrected.json" 2>&1

# drill fuzz: text and JSON, counterexamples as saved.
C=scenarios/runbooks/failover-corrected.json
B=scenarios/runbooks/failback-corrected.json
i=0
while read -r args; do
  i=$((i + 1))
  for fmt in text json; do
    cx="target/identical-cx/$i-$fmt"
    rm -rf "$cx"
    flag=""
    [ "$fmt" = json ] && flag="--json"
    # shellcheck disable=SC2086
    rc "$drill" fuzz $args $flag --out "$cx" 2>/dev/null | mask_fuzz >"$out/fuzz-$i-$fmt.out"
    echo "$args" >>"$out/fuzz-$i-$fmt.out"
    if [ -d "$cx" ]; then
      mkdir -p "$out/cx-$i-$fmt"
      cp "$cx"/*.json "$out/cx-$i-$fmt/" 2>/dev/null || true
    fi
  done
done <<ARGS
--cases 3000 --seed 1
--cases 2000 --seed 7 --jobs 1
--runbook $C --runbook $B --cases 20000 --seed 1
--runbook $C --runbook $B --cases 5000 --seed 3 --deviations
--runbook $C --runbook $B --cases 5000 --seed 4 --beyond-assumptions
--cases 2000 --seed 5 --deviations --beyond-assumptions
--cases 1000 --seed 6 --vary-assumptions
--runbook $C --cases 5000 --seed 8 --deviations
ARGS

# drill rto: text and JSON.
rc "$drill" rto --runs 2000 --seed 1 2>/dev/null | mask_rto >"$out/rto.txt"
rc "$drill" rto --runs 2000 --seed 1 --json 2>/dev/null | mask_rto >"$out/rto.json"
rc "$drill" rto scenarios/full-cycle-corrected.json --runs 1000 --seed 2 --json 2>/dev/null | mask_rto >"$out/rto-corrected.json"
rc "$drill" rto --runs 500 --seed 3 --sweep backup_interval_s=300,900 --json 2>/dev/null | mask_rto >"$out/rto-sweep.json"

# drill diff and drill check (their own campaigns on the same engine).
mask_time() { sed -E -e 's/[0-9]+\.[0-9]+ s\b/X s/g' -e 's/[0-9]+ (pairs|cases)\/s/X \1\/s/g'; }
rc "$drill" diff scenarios/runbooks/failback.json "$B" --cases 500 2>/dev/null | mask_time >"$out/diff.txt"
rc "$drill" diff scenarios/runbooks/failback.json "$B" --cases 300 --markdown 2>/dev/null | mask_time >"$out/diff.md"
rc "$drill" check --cases 2000 2>/dev/null | mask_time >"$out/check.txt"

# Every generated case's full report, as a hash per case.
"$digest" 4000 documented >"$out/digest-documented.txt"
"$digest" 4000 corrected >"$out/digest-corrected.txt"
"$digest" 3000 corrected deviations beyond >"$out/digest-corrected-dev-beyond.txt"
"$digest" 2000 documented deviations beyond vary >"$out/digest-documented-all.txt"
echo "wrote $(find "$out" -type f | wc -l) files to $out"
