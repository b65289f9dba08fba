#!/usr/bin/env bash
# benches/gateway/pairs.sh: interleaved cells of bench.sh, so that a ratio to nginx is read
# from cells run back to back (this machine's speed swings by a third from run to run).
#
#   benches/gateway/pairs.sh                         # 5 rounds: nginx mtls-tls-ka, gateway gw-ka
#   benches/gateway/pairs.sh --floor                 # the floor proxy in the gateway's place
#   benches/gateway/pairs.sh --with-floor            # nginx, gateway and floor in each round
#   benches/gateway/pairs.sh --before /path/to/old/isagate   # nginx, gateway, the old gateway
#   benches/gateway/pairs.sh --rounds 7 -- --duration 20     # after --: more options for baseline.sh
#
# Each round runs bench.sh once for nginx `mtls-tls-ka` then the gateway's `gw-ka` (c=64 and
# pin none unless given after --), and once more for each extra member (--before, --with-floor),
# with nginx's scenarios off; odd rounds run the extra members first, even rounds last. After
# every gateway cell bench-metrics.py gives the store's mean commit latency. It prints each
# round's ratio of req/s to nginx's and the median, CPU µs per request, p99s and the issue 15
# checks: throughput at least 0.5x nginx, gateway CPU at most 2x the floor's (when the floor
# ran), p99 within 2x nginx's plus two mean commit latencies.
#
# Environment: BASELINE_WORKDIR (baseline.sh --workdir, default /tmp/perf/baseline),
# ISAGATE_BIN (the gateway under test, as in run.sh), PAIRS_OUT (where the rows are kept,
# default target/bench-pairs).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ROUNDS=5
FLOOR=0
WITH_FLOOR=0
BEFORE=""
EXTRA=()
usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2;;
    --floor) FLOOR=1; shift;;
    --with-floor) WITH_FLOOR=1; shift;;
    --before) BEFORE=$2; shift 2;;
    --) shift; EXTRA=("$@"); break;;
    -h|--help) usage; exit 0;;
    *) echo "pairs.sh: unknown option $1 (options for baseline.sh go after --)" >&2; usage >&2; exit 2;;
  esac
done
case "$ROUNDS" in ''|*[!0-9]*) echo "pairs.sh: --rounds needs a number" >&2; exit 2;; esac
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 50 ] || { echo "pairs.sh: --rounds from 1 to 50" >&2; exit 2; }
[ "$FLOOR" = 1 ] && [ "$WITH_FLOOR" = 1 ] && { echo "pairs.sh: --floor or --with-floor, not both" >&2; exit 2; }
if [ -n "$BEFORE" ]; then
  BEFORE=$(cd "$(dirname "$BEFORE")" && pwd)/$(basename "$BEFORE")
  [ -x "$BEFORE" ] || { echo "pairs.sh: --before $BEFORE is not an executable" >&2; exit 2; }
fi
BW=${BASELINE_WORKDIR:-/tmp/perf/baseline}
OUT=${PAIRS_OUT:-$REPO/target/bench-pairs}
mkdir -p "$OUT"
ROWS=$OUT/pairs-$(date +%Y%m%dT%H%M%S).tsv
printf 'round\tmember\trps\tp50_ms\tp99_ms\terrors\tclient_cpu_pct\tcpu_us_per_req\tcommit_mean_ms\n' > "$ROWS"
COMMON=(--conc 64 --pin none --workdir "$BW" "${EXTRA[@]}")

# One bench.sh run; its results.tsv rows become rows of $ROWS, the gateway's named $2.
# Arguments: round, name of the gateway-side member, then bench.sh's own arguments.
cell() {
  local round=$1 member=$2; shift 2
  echo "pairs.sh: round $round: $member" >&2
  "$HERE/bench.sh" "$@" >>"$OUT/bench.log" 2>&1 || {
    echo "pairs.sh: bench.sh failed in round $round ($member); see $OUT/bench.log" >&2; exit 1; }
  local commit="-"
  if [ "$member" != floor ]; then
    commit=$(python3 "$HERE/bench-metrics.py" --out "$BW/out" 2>/dev/null |
      awk -F'|' '$2 ~ /gw-ka/ { gsub(/ /, "", $6); print $6; exit }')
    [ -n "$commit" ] || commit="-"
  fi
  awk -F'\t' -v r="$round" -v m="$member" -v c="$commit" 'NR > 1 {
      name = ($1 == "gateway") ? m : "nginx"
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r, name, $5, $6, $7, $9, $10, $11, (name == "nginx" ? "-" : c)
    }' "$BW/out/results.tsv" >> "$ROWS"
}

extras() { # round
  if [ -n "$BEFORE" ]; then
    ISAGATE_BIN=$BEFORE cell "$1" before --scenarios "" --gw-scenarios gw-ka "${COMMON[@]}"
  fi
  if [ "$WITH_FLOOR" = 1 ]; then
    cell "$1" floor --floor --scenarios "" --gw-scenarios gw-ka "${COMMON[@]}"
  fi
}

MAIN=gateway; MAIN_ARGS=()
[ "$FLOOR" = 1 ] && { MAIN=floor; MAIN_ARGS=(--floor); }
for round in $(seq "$ROUNDS"); do
  [ $((round % 2)) = 1 ] && extras "$round"
  cell "$round" "$MAIN" "${MAIN_ARGS[@]}" --scenarios mtls-tls-ka --gw-scenarios gw-ka "${COMMON[@]}"
  [ $((round % 2)) = 0 ] && extras "$round"
done

echo "rows: $ROWS"
exec python3 - "$ROWS" <<'PY'
import csv, statistics, sys

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
rounds = sorted({int(r["round"]) for r in rows})
members = [m for m in ("nginx", "gateway", "before", "floor") if any(r["member"] == m for r in rows)]

def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None

def get(rnd, member, key):
    for r in rows:
        if int(r["round"]) == rnd and r["member"] == member:
            return num(r[key])
    return None

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

def f(x, fmt="{:.0f}"):
    return "-" if x is None else fmt.format(x)

def ratio(a, b):
    return a / b if a is not None and b else None

others = [m for m in members if m != "nginx"]
print()
print("## Interleaved pairs (c=64, pin none)")
print()
head = ["round", "nginx req/s"] + [f"{m} req/s" for m in others] + [f"{m} / nginx" for m in others]
head += [f"{m} CPU µs/req" for m in members] + [f"{m} p99 ms" for m in members]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for rnd in rounds:
    n = get(rnd, "nginx", "rps")
    cells = [str(rnd), f(n)] + [f(get(rnd, m, "rps")) for m in others]
    cells += [f(ratio(get(rnd, m, "rps"), n), "{:.2f}x") for m in others]
    cells += [f(get(rnd, m, "cpu_us_per_req")) for m in members]
    cells += [f(get(rnd, m, "p99_ms"), "{:.2f}") for m in members]
    print("| " + " | ".join(cells) + " |")
cells = ["median", f(med(get(r, "nginx", "rps") for r in rounds))]
cells += [f(med(get(r, m, "rps") for r in rounds)) for m in others]
cells += [f(med(ratio(get(r, m, "rps"), get(r, "nginx", "rps")) for r in rounds), "**{:.2f}x**") for m in others]
cells += [f(med(get(r, m, "cpu_us_per_req") for r in rounds)) for m in members]
cells += [f(med(get(r, m, "p99_ms") for r in rounds), "{:.2f}") for m in members]
print("| " + " | ".join(cells) + " |")
print()
errors = sum(num(r["errors"]) or 0 for r in rows)
busy = max((num(r["client_cpu_pct"]) or 0 for r in rows), default=0)
print(f"errors over all cells: {errors:.0f}; the load generator's highest CPU: {busy:.0f} % "
      "(trust a cell only well below 100)")
print()
print("Issue 15 checks (medians of the rounds' own ratios):")
for m in [m for m in ("gateway", "before") if m in members]:
    thr = med(ratio(get(r, m, "rps"), get(r, "nginx", "rps")) for r in rounds)
    print(f"- {m}: throughput {f(thr, '{:.2f}x')} nginx (target at least 0.50x)")
    if "floor" in members:
        cpu = med(ratio(get(r, m, "cpu_us_per_req"), get(r, "floor", "cpu_us_per_req")) for r in rounds)
        print(f"- {m}: CPU per transfer {f(cpu, '{:.2f}x')} the floor's (target at most 2x)")
    slack = []
    for r in rounds:
        p99, n99, c = get(r, m, "p99_ms"), get(r, "nginx", "p99_ms"), get(r, m, "commit_mean_ms")
        if None not in (p99, n99, c):
            slack.append(p99 / (2 * n99 + 2 * c))
    print(f"- {m}: p99 / (2 x nginx p99 + 2 x mean commit) = {f(med(slack), '{:.2f}')} "
          "(target at most 1.00; '-' when no commit latency was sampled)")
if "gateway" in members and "before" in members:
    thr = med(ratio(get(r, "gateway", "rps"), get(r, "before", "rps")) for r in rounds)
    cpu = med(ratio(get(r, "gateway", "cpu_us_per_req"), get(r, "before", "cpu_us_per_req")) for r in rounds)
    print(f"- gateway against before: throughput {f(thr, '{:.2f}x')}, CPU per transfer {f(cpu, '{:.2f}x')}")
PY
