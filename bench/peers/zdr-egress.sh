#!/usr/bin/env bash
# peerbench proxy plugin for zdr-egress (contract: ../shared/bench/proxies/TEMPLATE.sh).
#   bench/peers/zdr-egress.sh start          start the proxy, print "url=... ca=... pid=..."
#   bench/peers/zdr-egress.sh stop PID       stop it by PID (SIGTERM, bounded wait, SIGKILL)
#   bench/peers/zdr-egress.sh policy-dir DIR assemble the bench policy folder into DIR (for `policy check`)
# It intercepts api.zdr.test (the bench policy's zdrbench provider) and tunnels bulk.zdr.test (named
# nowhere). Upstream TLS trusts the harness's certs/upstream-ca.pem; api.zdr.test resolves through
# /etc/hosts (run-all.sh adds it), like Squid and mitmproxy.
# Environment:
#   ZDR_REPO=<repo>             checkout whose dist/ runs (default: the repo holding this script)
#   ZDR_PORT=18090 ZDR_ADMIN_PORT=18091
#   ZDR_BENCH_LOG_LEVEL=warn    pino level (info writes one decision line per request to run/.../log)
#   ZDR_BENCH_CPU_PROF=<dir>    run node with --cpu-prof into <dir> (one .cpuprofile per thread, at exit)
#   ZDR_BENCH_NODE_ARGS="..."   extra node flags
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${ZDR_REPO:-$(cd "$HERE/../.." && pwd)}
PB_DIR=${PB_DIR:-${PB_WORK:-${TMPDIR:-/tmp}/zdr-bench}}
if [[ -f $PB_DIR/lib/config.sh ]]; then
  source "$PB_DIR/lib/config.sh"
  source "$PB_DIR/lib/common.sh"
else
  # Outside run-all.sh (policy-dir only needs these).
  PB_RUN=${PB_RUN:-${TMPDIR:-/tmp}/zdr-bench-run}
  UPSTREAM_CA=${UPSTREAM_CA:-}
  log() { echo "[zdr-egress.sh] $*" >&2; }
fi
PORT=${ZDR_PORT:-18090}
ADMIN_PORT=${ZDR_ADMIN_PORT:-18091}
D=$PB_RUN/zdr-egress

# The shipped policies, then the bench overlay over them (policy.yaml, credentials.yaml replaced).
policy_dir() {
  local out=$1
  rm -rf "$out"
  mkdir -p "$out"
  cp "$REPO"/policies/*.yaml "$out"/
  cp "$REPO"/bench/policies/*.yaml "$out"/
}

case ${1:-} in
start)
  [[ -f $REPO/dist/cli/index.js ]] || { echo "no $REPO/dist: run npm run build" >&2; exit 1; }
  [[ -s $UPSTREAM_CA ]] || { echo "no upstream CA at $UPSTREAM_CA (run from run-all.sh)" >&2; exit 1; }
  mkdir -p "$D"
  policy_dir "$D/policies"
  # A fresh decision log per run (every run starts from the same empty database); the CA is kept.
  rm -rf "$D/data"
  mkdir -p "$D/data" "$D/certs"
  extra=()
  # Builds with egress safety refuse private destinations unless allow-listed: the bench upstream is
  # on loopback.
  grep -q 'egress-allow' "$REPO/dist/cli/start.js" && extra+=(--egress-allow 127.0.0.1/32)
  # The node flags `npm start` passes for this build (its package.json start script), so the benchmark
  # runs each build as it ships.
  read -ra node_args < <(node -e '
    const m = require(process.argv[1]).scripts.start.match(/^node((?: --?\S+)*) dist\/cli\/index\.js/);
    console.log(m ? m[1].trim() : "");' "$REPO/package.json")
  if [[ -n ${ZDR_BENCH_CPU_PROF:-} ]]; then
    mkdir -p "$ZDR_BENCH_CPU_PROF"
    node_args+=(--cpu-prof --cpu-prof-dir "$ZDR_BENCH_CPU_PROF")
  fi
  # shellcheck disable=SC2206
  [[ -n ${ZDR_BENCH_NODE_ARGS:-} ]] && node_args+=($ZDR_BENCH_NODE_ARGS)
  node "${node_args[@]}" "$REPO/dist/cli/index.js" start \
    --listen "127.0.0.1:$PORT" --admin "127.0.0.1:$ADMIN_PORT" \
    --policies "$D/policies" --certs "$D/certs" --data "$D/data" \
    --upstream-ca "$UPSTREAM_CA" --log-level "${ZDR_BENCH_LOG_LEVEL:-warn}" "${extra[@]}" \
    </dev/null >"$D/log" 2>&1 &
  pid=$!
  # The first start creates the CA (an RSA key): allow it time.
  if ! wait_port 127.0.0.1 "$PORT" 60; then tail -20 "$D/log" >&2; stop_pid "$pid"; exit 1; fi
  [[ -s $D/certs/ca.pem ]] || { echo "no CA in $D/certs" >&2; stop_pid "$pid"; exit 1; }
  echo "url=http://127.0.0.1:$PORT ca=$D/certs/ca.pem pid=$pid"
  ;;
stop)
  # SIGTERM drains and flushes the decision log; --cpu-prof profiles are written at exit.
  stop_pid "${2:?usage: $0 stop PID}" 15
  ;;
policy-dir)
  policy_dir "${2:?usage: $0 policy-dir DIR}"
  ;;
*)
  echo "usage: $0 start | stop PID | policy-dir DIR" >&2
  exit 2
  ;;
esac
