#!/usr/bin/env bash
# benches/gateway/bench.sh: run the shared loopback baseline (nginx) with isagate beside it.
#
#   benches/gateway/bench.sh --quick --conc "1 16"        # smoke run
#   benches/gateway/bench.sh --conc "16 64" --pin none     # what docs/PERFORMANCE.md reports
#
# Extra arguments go to baseline.sh (see its --help). The gateway is started by run.sh on
# 127.0.0.1:$ISAGATE_BENCH_PORT (default 7443) with the agreement and schemas in this folder;
# the load generator presents the dev certificate of agency `bench-caller` and the headers
# the contract requires. After the run, bench-metrics.py prints the store's commit latency.
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
CERTS=$("$HERE/run.sh" --prepare)
cd "$REPO"
exec "$BASELINE" --gateway-port "$PORT" --gateway-path /bench-police/v1/query \
  --gateway-cmd "$HERE/run.sh" \
  --gw-client-cert "$CERTS/agency-bench-caller.crt" --gw-client-key "$CERTS/agency-bench-caller.key" \
  --gateway-ca "$CERTS/ca.crt" \
  --gw-header 'Isagate-Purpose: roadside-check' \
  --gw-header 'Isagate-Requester: officer-4711' \
  --gw-header 'Isagate-Reason: BENCH-0001 roadside check of a stopped vehicle' \
  "$@"
