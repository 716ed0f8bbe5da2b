#!/usr/bin/env bash
# peerbench proxy plugins for the reference floors of bench/floor.mjs (contract:
# ../shared/bench/proxies/TEMPLATE.sh). The mode comes from the name the script is run by, which is
# also the harness's label:
#   floor-dispatch.sh  node:http + one pooled undici Agent driven by dispatch(): the HTTP machinery
#                      zdr-egress is built on, with no policy, classification, decision log or telemetry;
#   floor-pipe.sh      TLS terminated and re-originated, bytes copied, no HTTP at all: the least a Node
#                      process that intercepts can spend;
#   floor-lean.sh      floor-dispatch without node:http: a minimal request reader in front of the same
#                      undici dispatch(), the least any HTTP/1.1 server in JavaScript could add to undici.
# api.zdr.test is intercepted with a leaf from this repo's CA code; bulk.zdr.test is tunnelled raw, as
# zdr-egress does. Measured in the same run as zdr-egress, they show which targets the stack itself
# reaches on this machine.
#   bench/peers/floor-dispatch.sh start | stop PID      (or floor-pipe.sh, floor-lean.sh)
# Environment: ZDR_REPO (checkout whose dist/ the floor loads its CA code from), FLOOR_PORT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${ZDR_REPO:-$(cd "$HERE/../.." && pwd)}
PB_DIR=${PB_DIR:-${PB_WORK:-${TMPDIR:-/tmp}/zdr-bench}}
source "$PB_DIR/lib/config.sh"
source "$PB_DIR/lib/common.sh"
NAME=$(basename "$0" .sh)
case $NAME in
  floor-pipe) MODE=pipe DEFAULT_PORT=18191 ;;
  floor-lean) MODE=lean DEFAULT_PORT=18192 ;;
  *) MODE=dispatch DEFAULT_PORT=18190 ;;
esac
PORT=${FLOOR_PORT:-$DEFAULT_PORT}
D=$PB_RUN/floor-$MODE

case ${1:-} in
start)
  [[ -f $REPO/dist/ca/authority.js ]] || { echo "no $REPO/dist: run npm run build" >&2; exit 1; }
  mkdir -p "$D/certs"
  node "$REPO/bench/floor.mjs" "$MODE" start --listen "127.0.0.1:$PORT" --certs "$D/certs" \
    --upstream-ca "$UPSTREAM_CA" --tunnel "$BULK_HOST" </dev/null >"$D/log" 2>&1 &
  pid=$!
  if ! wait_port 127.0.0.1 "$PORT" 60; then tail -20 "$D/log" >&2; stop_pid "$pid"; exit 1; fi
  echo "url=http://127.0.0.1:$PORT ca=$D/certs/ca.pem pid=$pid"
  ;;
stop)
  stop_pid "${2:?usage: $0 stop PID}" 15
  ;;
*)
  echo "usage: $0 start | stop PID" >&2
  exit 2
  ;;
esac
