#!/usr/bin/env bash
# peerbench proxy plugin for the reference floor (contract: ../shared/bench/proxies/TEMPLATE.sh):
# bench/floor.mjs in `dispatch` mode, i.e. node:http + one pooled undici Agent driven by dispatch(), the
# HTTP machinery zdr-egress is built on, with no policy, classification, decision log or telemetry.
# api.zdr.test is intercepted with a leaf from this repo's CA code; bulk.zdr.test is tunnelled raw, as
# zdr-egress does. Measured in the same run as zdr-egress, it shows which targets the stack itself
# reaches on this machine.
#   bench/peers/floor-dispatch.sh start | stop PID
# Environment: ZDR_REPO (checkout whose dist/ the floor loads its CA code from), FLOOR_PORT=18190.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${ZDR_REPO:-$(cd "$HERE/../.." && pwd)}
PB_DIR=${PB_DIR:-${PB_WORK:-${TMPDIR:-/tmp}/zdr-bench}}
source "$PB_DIR/lib/config.sh"
source "$PB_DIR/lib/common.sh"
PORT=${FLOOR_PORT:-18190}
D=$PB_RUN/floor-dispatch

case ${1:-} in
start)
  [[ -f $REPO/dist/ca/authority.js ]] || { echo "no $REPO/dist: run npm run build" >&2; exit 1; }
  mkdir -p "$D/certs"
  node "$REPO/bench/floor.mjs" dispatch start --listen "127.0.0.1:$PORT" --certs "$D/certs" \
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
