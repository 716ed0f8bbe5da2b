#!/usr/bin/env bash
# Profiles zdr-egress under one or more peerbench scenarios with `node --cpu-prof`, then summarises the
# profiles (bench/cpuprofile-summary.mjs).
#   bench/profile.sh ka32            # or newconn, ka1, bulk_bump, "ka32,newconn", ...
# Environment: DURATION (default 8), ZDR_REPO (checkout to run, default this one), PROF_OUT (default
# $PB_WORK/profiles/<ts>), TOP (default 30), plus anything run-all.sh and the plugin read.
# One round: direct then zdr-egress, so the run also gives a same-round ratio. The profile covers the
# whole process; the first SKIP_MS (default 1500) ms of samples (module loading, policy compile, CA
# load) are left out of the summary.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${ZDR_REPO:-$(cd "$HERE/.." && pwd)}
HARNESS=${HARNESS:-$(cd "$HERE/../../shared/bench" 2>/dev/null && pwd || echo /work/shared/bench)}
SCEN=${1:?usage: bench/profile.sh SCENARIOS (e.g. ka32 or ka32,newconn)}
PB_WORK=${PB_WORK:-${TMPDIR:-/tmp}/zdr-bench}
OUT=${PROF_OUT:-$PB_WORK/profiles/$(date +%Y%m%d-%H%M%S)-${SCEN//,/-}}
mkdir -p "$OUT"
export PB_WORK ZDR_REPO=$REPO ZDR_BENCH_CPU_PROF=$OUT
ROUNDS=1 DURATION=${DURATION:-8} SCENARIOS=$SCEN OUT=$OUT/run.jsonl PROXIES="$HERE/peers/zdr-egress.sh" \
  timeout -k 10 1200 "$HARNESS/run-all.sh" >"$OUT/run-all.log" 2>&1 || echo "run-all exited $?" >&2
tail -n 40 "$OUT/run-all.log" | grep -v '^\[peerbench' || true
# The main thread's profile is the biggest file; the decision-log writer thread's the next.
mapfile -t profs < <(ls -S "$OUT"/*.cpuprofile 2>/dev/null || true)
[[ ${#profs[@]} -gt 0 ]] || { echo "no .cpuprofile in $OUT" >&2; exit 1; }
node "$HERE/cpuprofile-summary.mjs" "${profs[@]}" --top "${TOP:-30}" --skip-ms "${SKIP_MS:-1500}" | tee "$OUT/summary.txt"
echo "profiles and summary: $OUT"
