#!/usr/bin/env bash
# benches/gateway/run.sh: start isagate for ../shared/bench/baseline.sh (its --gateway-cmd).
#
#   run.sh             write a config from the bench's variables and exec the gateway
#   run.sh --prepare   only make the gateway's development certificates (bench.sh does this
#                      first: baseline.sh reads the agency certificate before it starts us)
#
# From baseline.sh it reads BENCH_CERT_DIR (gwclient.crt/.key: the gateway's client identity
# towards the upstream; ca.crt: the upstream's CA), BENCH_GATEWAY_PORT (transfer listener) and
# BENCH_UPSTREAM_URL (the recipient `bench-police`'s upstream). The gateway's own listener
# certificate, client CA, CRL, agency certificates and keys come from `isagate dev-certs`.
#
# Everything is written under $ISAGATE_BENCH_WORK (default target/bench-gateway, on disk:
# the SQLite store must pay real fsyncs). Each start begins a fresh store. While the gateway
# runs, a sampler appends its store and transfer metrics to metrics-<start>.log every second,
# so they can be read after baseline.sh has stopped it (bench-metrics.py reads that file).
#
# Environment: ISAGATE_BIN (default target/release/isagate), ISAGATE_BENCH_ADMIN_PORT (17443),
# ISAGATE_BENCH_OPS_PORT (17090), ISAGATE_BENCH_RESUMPTION (false: like the nginx proxy,
# every new connection is a full handshake), ISAGATE_BENCH_LOG_LEVEL (info),
# ISAGATE_BENCH_COMMIT_WINDOW (store.group_commit_window, default 2ms as in production).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${ISAGATE_BENCH_WORK:-$REPO/target/bench-gateway}
BIN=${ISAGATE_BIN:-$REPO/target/release/isagate}
ADMIN_PORT=${ISAGATE_BENCH_ADMIN_PORT:-17443}
OPS_PORT=${ISAGATE_BENCH_OPS_PORT:-17090}
RESUMPTION=${ISAGATE_BENCH_RESUMPTION:-false}
LOG_LEVEL=${ISAGATE_BENCH_LOG_LEVEL:-info}
COMMIT_WINDOW=${ISAGATE_BENCH_COMMIT_WINDOW:-2ms}

[ -x "$BIN" ] || { echo "run.sh: no gateway binary at $BIN (cargo build --release)" >&2; exit 1; }
mkdir -p "$WORK"
if [ ! -s "$WORK/certs/agency-bench-caller.crt" ] || [ ! -s "$WORK/certs/crl.pem" ]; then
  "$BIN" dev-certs --out "$WORK/certs" --agency bench-caller --agency bench-police --days 30 >/dev/null
fi
[ "${1:-}" = --prepare ] && { echo "$WORK/certs"; exit 0; }

: "${BENCH_CERT_DIR:?run.sh is started by baseline.sh --gateway-cmd (BENCH_CERT_DIR unset)}"
: "${BENCH_GATEWAY_PORT:?BENCH_GATEWAY_PORT unset}"
: "${BENCH_UPSTREAM_URL:?BENCH_UPSTREAM_URL unset}"

rm -f "$WORK"/bench.db "$WORK"/bench.db-wal "$WORK"/bench.db-shm "$WORK"/checkpoints.jsonl
CONFIG=$WORK/isagate.bench.toml
cat > "$CONFIG" <<TOML
# Written by benches/gateway/run.sh for ../shared/bench/baseline.sh. Relative paths are
# relative to this folder.
[listen]
transfer = "127.0.0.1:$BENCH_GATEWAY_PORT"
admin = "127.0.0.1:$ADMIN_PORT"
ops = "127.0.0.1:$OPS_PORT"

[tls]
server_cert = "certs/gateway-server.crt"
server_key = "certs/gateway-server.key"
client_ca = "certs/ca.crt"
crls = ["certs/crl.pem"]
session_resumption = $RESUMPTION
governance_ca = "certs/ca.crt"

[upstream_client]
cert = "$BENCH_CERT_DIR/gwclient.crt"
key = "$BENCH_CERT_DIR/gwclient.key"

[store]
url = "sqlite://bench.db"
group_commit_window = "$COMMIT_WINDOW"

[rate_limits]                        # the bench sends thousands per second from one requester
per_caller = { count = 4000000000, per = "1s" }
per_flow = { count = 4000000000, per = "1s" }
per_requester = { count = 4000000000, per = "1s" }

[keys]
pseudonymisation = "certs/pseudonymisation.key"
subject = "certs/subject.key"

[checkpoints]
key = "certs/checkpoint.key"
file = "checkpoints.jsonl"

[telemetry]
log_level = "$LOG_LEVEL"

[admin_client]
url = "https://127.0.0.1:$ADMIN_PORT"
cert = "certs/governance-dpo.crt"
key = "certs/governance-dpo.key"
ca = "certs/ca.crt"

[paths]
agreements = "$HERE/agreements"
schemas = "$HERE/schemas"

[[agencies]]
id = "bench-caller"
name = "Benchmark caller"
jurisdiction = "GB"

[[agencies]]
id = "bench-police"
name = "Benchmark police force"
jurisdiction = "GB"
upstream = "$BENCH_UPSTREAM_URL"
upstream_ca = "$BENCH_CERT_DIR/ca.crt"
TOML

# Metrics sampler: a child of this process, so of the gateway after the exec below; it
# stops by itself within a second of the gateway exiting (baseline.sh stops the tree).
METRICS_LOG=$WORK/metrics-$(date +%s).log
GW=$$
(
  while kill -0 "$GW" 2>/dev/null; do
    if m=$(curl -s --max-time 1 "http://127.0.0.1:$OPS_PORT/metrics"); then
      { echo "# ts $(date +%s.%N)"; grep -E '^isagate_(audit|store|transfers|transfer_duration|refusals|upstream)' <<<"$m" || true; } >>"$METRICS_LOG"
    fi
    sleep 1
  done
) </dev/null >/dev/null 2>&1 &

exec "$BIN" serve --config "$CONFIG" --agreements "$HERE/agreements" --schemas "$HERE/schemas"
