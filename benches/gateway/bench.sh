#!/usr/bin/env bash
# benches/gateway/bench.sh: run the shared loopback baseline (nginx) with isagate beside it.
#
#   benches/gateway/bench.sh --quick --conc "1 16"        # smoke run
#   benches/gateway/bench.sh --conc "16 64" --pin none     # what docs/PERFORMANCE.md reports
#   benches/gateway/bench.sh --floor --conc 64 --pin none  # the stack's floor in its place
#
# Extra arguments go to baseline.sh (see its --help). The gateway is started by run.sh on
# 127.0.0.1:$ISAGATE_BENCH_PORT (default 7443) with the agreement and schemas in this folder;
# the load generator presents the dev certificate of agency `bench-caller` and the headers
# the contract requires. After the run, bench-metrics.py prints the store's commit latency.
# --floor (first argument) starts benches/floor_proxy.rs (floor.sh) instead of the gateway: the
# same stack with no policy and no record, the floor against which the gateway's figure is read.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BASELINE=${BASELINE:-}
if [ -z "$BASELINE" ]; then
  for b in "$REPO/../shared/bench/baseline.sh" /work/shared/bench/baseline.sh; do
    [ -x "$b" ] && { BASELINE=$b; break; }
  done
fi
[ -n "$BASELINE" ] || { echo "bench.sh: baseline.sh not found (set BASELINE=...)" >&2; exit 1; }
PORT=${ISAGATE_BENCH_PORT:-7443}
GATEWAY_CMD=$HERE/run.sh
if [ "${1:-}" = --floor ]; then GATEWAY_CMD=$HERE/floor.sh; shift; fi
CERTS=$("$HERE/run.sh" --prepare)
cd "$REPO"
exec "$BASELINE" --gateway-port "$PORT" --gateway-path /bench-police/v1/query \
  --gateway-cmd "$GATEWAY_CMD" \
  --gw-client-cert "$CERTS/agency-bench-caller.crt" --gw-client-key "$CERTS/agency-bench-caller.key" \
  --gateway-ca "$CERTS/ca.crt" \
  --gw-header 'Isagate-Purpose: roadside-check' \
  --gw-header 'Isagate-Requester: officer-4711' \
  --gw-header 'Isagate-Reason: BENCH-0001 roadside check of a stopped vehicle' \
  "$@"
