#!/usr/bin/env python3
"""benches/gateway/bench-metrics.py: the gateway's own figures for each bench cell.

run.sh samples the gateway's ops /metrics every second into metrics-<start>.log. For every
gateway cell baseline.sh measured (out/gateway-<scenario>-<pin>-c<N>.oha), this takes the
first and last samples inside the measured window and prints, from their difference:
records and commits (so records per commit), the store's durable-commit latency
(isagate_store_commit_duration_seconds: mean from _sum/_count, p50/p99 from the histogram
buckets, interpolated), and the gateway's own transfer latency histogram.

usage: bench-metrics.py [--work target/bench-gateway] [--out /tmp/perf/baseline/out]
"""
import argparse, glob, json, os, re, sys

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$')


def load(path):
    snaps, cur = [], None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("# ts "):
            cur = (float(line[5:]), {})
            snaps.append(cur)
        elif cur is not None:
            m = LINE.match(line)
            if m:
                try:
                    cur[1][(m[1], m[2] or "")] = float(m[3])
                except ValueError:
                    pass
    return snaps


def total(s, name, match=""):
    return sum(v for (n, lab), v in s.items() if n == name and match in lab)


def buckets(s, name):
    out = {}
    for (n, lab), v in s.items():
        if n == name + "_bucket":
            m = re.search(r'le="([^"]+)"', lab)
            le = float("inf") if m[1] == "+Inf" else float(m[1])
            out[le] = out.get(le, 0) + v
    return sorted(out.items())


def quantile(b0, b1, q):
    """Linear interpolation inside the bucket of the difference histogram b1 - b0."""
    d0 = dict(b0)
    diff = [(le, c - d0.get(le, 0)) for le, c in b1]
    n = diff[-1][1] if diff else 0
    if n <= 0:
        return None
    want, prev_le, prev_c = q * n, 0.0, 0
    for le, c in diff:
        if c >= want:
            if le == float("inf"):
                return float("inf")
            return prev_le + (le - prev_le) * (want - prev_c) / max(c - prev_c, 1e-9)
        prev_le, prev_c = le, c
    return None


def ms(x):
    return "-" if x is None else ("inf" if x == float("inf") else f"{x * 1e3:.2f}")


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--work", default=os.path.join(here, "..", "..", "target", "bench-gateway"))
    ap.add_argument("--out", default="/tmp/perf/baseline/out")
    a = ap.parse_args()
    logs = [load(p) for p in sorted(glob.glob(os.path.join(a.work, "metrics-*.log")))]
    logs = [l for l in logs if l]
    # Only the cells of the last run: results.tsv is rewritten by every run, the .oha files are not.
    current = set()
    try:
        for row in list(open(os.path.join(a.out, "results.tsv")))[1:]:
            t = row.split("\t")
            if t[0] == "gateway":
                current.add(f"gateway-{t[1]}-{t[2]}-c{t[3]}.oha")
    except OSError:
        pass
    cells = []
    for f in glob.glob(os.path.join(a.out, "gateway-*.oha")):
        if current and os.path.basename(f) not in current:
            continue
        try:
            secs = json.load(open(f))["summary"]["total"]
        except Exception:
            continue
        end = os.path.getmtime(f)
        cells.append((end - secs, end, os.path.basename(f)[len("gateway-"):-len(".oha")]))
    cells.sort()
    print("| cell | transfers/s (gateway count) | records/s | records per commit | commit mean ms | commit p50 ms | commit p99 ms | gateway transfer p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for start, end, name in cells:
        inside = [s for l in logs for s in l if start <= s[0] <= end]
        if len(inside) < 2:
            print(f"| {name} | no samples inside the window | | | | | | | |")
            continue
        (t0, s0), (t1, s1) = inside[0], inside[-1]
        dt = t1 - t0
        rec = total(s1, "isagate_audit_records_total") - total(s0, "isagate_audit_records_total")
        com = total(s1, "isagate_audit_commits_total") - total(s0, "isagate_audit_commits_total")
        csum = total(s1, "isagate_store_commit_duration_seconds_sum") - total(s0, "isagate_store_commit_duration_seconds_sum")
        ccnt = total(s1, "isagate_store_commit_duration_seconds_count") - total(s0, "isagate_store_commit_duration_seconds_count")
        cb0, cb1 = buckets(s0, "isagate_store_commit_duration_seconds"), buckets(s1, "isagate_store_commit_duration_seconds")
        tr = total(s1, "isagate_transfers_total") - total(s0, "isagate_transfers_total")
        tb0, tb1 = buckets(s0, "isagate_transfer_duration_seconds"), buckets(s1, "isagate_transfer_duration_seconds")
        print(f"| {name} | {tr / dt:.0f} | {rec / dt:.0f} | {rec / com if com else 0:.1f} | "
              f"{ms(csum / ccnt if ccnt else None)} | {ms(quantile(cb0, cb1, 0.5))} | {ms(quantile(cb0, cb1, 0.99))} | "
              f"{ms(quantile(tb0, tb1, 0.5))} | {ms(quantile(tb0, tb1, 0.99))} |")
    print()
    print("Quantiles are interpolated inside Prometheus buckets (1, 2.5, 5, 10, 25 ms ...): read them as rough.")


if __name__ == "__main__":
    sys.exit(main())
