#!/usr/bin/env bash
# benches/gateway/floor.sh: start benches/floor_proxy.rs for ../shared/bench/baseline.sh (its
# --gateway-cmd), in place of the gateway: the same certificates and port as run.sh, no policy.
# bench.sh --floor uses it. It builds the proxy first (cargo bench --no-run, release profile).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${ISAGATE_BENCH_WORK:-$REPO/target/bench-gateway}
BIN=$(cd "$REPO" && cargo bench --bench floor_proxy --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "floor_proxy" and m.get("executable"):
        print(m["executable"])')
[ -x "$BIN" ] || { echo "floor.sh: could not build benches/floor_proxy.rs" >&2; exit 1; }
: "${BENCH_CERT_DIR:?floor.sh is started by baseline.sh --gateway-cmd (BENCH_CERT_DIR unset)}"
export FLOOR_LISTEN=127.0.0.1:$BENCH_GATEWAY_PORT FLOOR_UPSTREAM=$BENCH_UPSTREAM_URL \
  FLOOR_SERVER_CERT=$WORK/certs/gateway-server.crt FLOOR_SERVER_KEY=$WORK/certs/gateway-server.key \
  FLOOR_CLIENT_CA=$WORK/certs/ca.crt FLOOR_UPSTREAM_CA=$BENCH_CERT_DIR/ca.crt \
  FLOOR_CLIENT_CERT=$BENCH_CERT_DIR/gwclient.crt FLOOR_CLIENT_KEY=$BENCH_CERT_DIR/gwclient.key
exec "$BIN"
