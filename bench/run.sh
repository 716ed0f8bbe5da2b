#!/usr/bin/env bash
# `npm run bench`: the end-to-end comparison (direct, Squid ssl-bump, mitmproxy, zdr-egress) through the
# shared peerbench harness, plus the micro-benchmarks, written into docs/benchmarks.md.
#   npm run bench [-- --install-peers] [--rounds 3] [--duration 6] [--warmup 5] [--scenarios LIST]
#                 [--proxies LIST] [--no-floor] [--no-micro] [--no-doc] [--out docs/benchmarks.md]
# --install-peers  apt-get install squid-openssl mitmproxy openssl first (needs root).
# --warmup S       unmeasured load before each keep-alive scenario (default 5; the harness's own default
#                  is 1 and it caps the new-connection warm-up at 1 s). A Node process compiles its hot
#                  paths in its first seconds; with 1 s that one-time cost lands in the first scenario
#                  (c=1) instead of the steady state.
# --proxies LIST   the peers (default "squid mitmproxy"); a path in it is another plugin, e.g. a second
#                  zdr-egress build, which gets its own target table in the document.
# --no-floor       leave out the three reference floors (bench/peers/floor.sh: TLS and a byte pipe; a
#                  minimal request reader + undici; node:http + undici; none with any policy), which
#                  otherwise run as targets with their own tables.
# The harness (../shared/bench, or $PEERBENCH_DIR) is read-only: run-all.sh copies itself to $PB_WORK
# (default ${TMPDIR:-/tmp}/zdr-bench), adds api.zdr.test and bulk.zdr.test to /etc/hosts when they
# do not resolve to 127.0.0.1, and writes results/ there. Every step is bounded in time.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
HARNESS=${PEERBENCH_DIR:-$REPO/../shared/bench}
ROUNDS=3
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-5}
SCENARIOS=${SCENARIOS:-ka1,ka32,newconn,sse,bulk_splice,bulk_bump}
PEERS=${PEERS:-squid mitmproxy}
INSTALL=0
MICRO=1
DOC=1
FLOOR="$REPO/bench/peers/floor-pipe.sh $REPO/bench/peers/floor-lean.sh $REPO/bench/peers/floor-dispatch.sh"
DOC_OUT=$REPO/docs/benchmarks.md
while [[ $# -gt 0 ]]; do
  case $1 in
    --install-peers) INSTALL=1 ;;
    --rounds) ROUNDS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --scenarios) SCENARIOS=$2; shift ;;
    --proxies) PEERS=$2; shift ;;
    --no-micro) MICRO=0 ;;
    --no-floor) FLOOR= ;;
    --no-doc) DOC=0 ;;
    --out) DOC_OUT=$2; shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
[[ -x $HARNESS/run-all.sh ]] || { echo "no peerbench harness at $HARNESS (set PEERBENCH_DIR)" >&2; exit 1; }

if [[ $INSTALL == 1 ]]; then
  log "installing the Debian peers (squid-openssl, mitmproxy, openssl)"
  export DEBIAN_FRONTEND=noninteractive
  timeout 900 apt-get update
  timeout 1800 apt-get install -y --no-install-recommends squid-openssl mitmproxy openssl
fi
for p in $PEERS; do
  case $p in
    squid) command -v squid >/dev/null || log "squid is not installed: its column stays empty (use --install-peers)" ;;
    mitmproxy) command -v mitmdump >/dev/null || log "mitmdump is not installed: its column stays empty (use --install-peers)" ;;
  esac
done

# Build when dist/ is missing or older than any source file.
if [[ ! -f dist/cli/index.js ]] || [[ -n $(find src -name '*.ts' -newer dist/cli/index.js -print -quit) ]]; then
  log "building (npm run build)"
  timeout 600 npm run build >&2
fi

export PB_WORK=${PB_WORK:-${TMPDIR:-/tmp}/zdr-bench}
mkdir -p "$PB_WORK/results"
TS=$(date +%Y%m%d-%H%M%S)
OUT=$PB_WORK/results/zdr-$TS.jsonl
# Budget: per round and target ~6 scenarios x (duration + warm-up + 20 s), bulk downloads, quiet-host
# waits and re-runs of disturbed scenarios; run-all.sh also caps each bench.js run.
n_targets=$((1 + $(wc -w <<<"$PEERS $FLOOR") + 1))
BUDGET=$((ROUNDS * n_targets * (6 * (DURATION + WARMUP + 21) + 240) + 300))
log "peerbench: $ROUNDS rounds x (direct $PEERS ${FLOOR:+floor-pipe floor-lean floor-dispatch }zdr-egress), ${DURATION}s scenarios after ${WARMUP}s warm-up; at most ${BUDGET}s; results $OUT"
ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP SCENARIOS=$SCENARIOS OUT=$OUT \
  PROXIES="$PEERS $FLOOR $REPO/bench/peers/zdr-egress.sh" \
  timeout -k 30 "$BUDGET" "$HARNESS/run-all.sh" || log "run-all.sh exited with $? (partial results are kept)"
[[ -s $OUT ]] || { log "no results in $OUT"; exit 1; }

report_args=(--jsonl "$OUT" --compare "$PB_WORK/compare.js" --out "$DOC_OUT")
if [[ $MICRO == 1 ]]; then
  log "micro-benchmarks: bench/decide.mjs, bench/decision-log.mjs --skip-big, bench/quick.mjs"
  timeout 300 node --expose-gc bench/decide.mjs --json >"$PB_WORK/results/zdr-$TS.decide.json" &&
    report_args+=(--decide "$PB_WORK/results/zdr-$TS.decide.json") || log "decide.mjs failed"
  timeout 600 node bench/decision-log.mjs --skip-big --inserts 200000 >"$PB_WORK/results/zdr-$TS.dlog.txt" &&
    report_args+=(--dlog "$PB_WORK/results/zdr-$TS.dlog.txt") || log "decision-log.mjs failed"
  timeout 600 node bench/quick.mjs --rounds 3 --json >"$PB_WORK/results/zdr-$TS.quick.json" &&
    report_args+=(--quick "$PB_WORK/results/zdr-$TS.quick.json") || log "quick.mjs failed"
  # The same requests through Squid, the three reference floors and zdr-egress at the same moment.
  side=(--repo floor:pipe --repo floor:lean --repo floor:dispatch --repo "$REPO,label:zdr-egress")
  command -v squid >/dev/null && side+=(--peer squid)
  timeout 900 node bench/quick.mjs --parallel --rounds 3 "${side[@]}" --scenarios ka1,ka32,newconn --json \
    >"$PB_WORK/results/zdr-$TS.side.json" &&
    report_args+=(--quick "$PB_WORK/results/zdr-$TS.side.json") || log "quick.mjs --parallel failed"
fi
for p in $PEERS $FLOOR; do if [[ $p == */* ]]; then report_args+=(--also "$(basename "$p" .sh)"); fi; done
if [[ $DOC == 1 ]]; then
  node bench/report.mjs "${report_args[@]}"
else
  node "$PB_WORK/compare.js" "$OUT" --max-foreign 0.3
fi
log "results: $OUT"
