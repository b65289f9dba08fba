#!/usr/bin/env python3
"""Re-verify an isagate disclosure record chain, independently of isagate.

Input: JSON lines, one record per line, as written by `isagate audit export` (the live
store) or `isagate audit archive` (a segment: records, then one signed trailer line).
Only the Python standard library is used. The canonical form is documented in
docs/record-format.md.

Usage:  python3 docs/verify_chain.py FILE [--expect-prev HASH]

Exit 0 and print `ok: N records, seq A to B, head H`, or exit 1 and print the first bad
record: `broken at seq S (id I): CHECK: detail`. Exit 2 when the file cannot be read.
The Ed25519 signatures of checkpoints and segment trailers are not checked here (the
standard library has no Ed25519): use `isagate audit verify --checkpoints`.
"""

import hashlib
import json
import re
import sys

GENESIS = "0" * 64
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class NotCanonical(Exception):
    pass


def canon_string(s):
    out = ['"']
    for ch in s:
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canon(value, at=""):
    """RFC 8785 for values without fractions: sorted members, no spaces."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise NotCanonical("non-integer number at `%s`" % at)
    if isinstance(value, str):
        return canon_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canon(v, "%s/%d" % (at, i)) for i, v in enumerate(value)) + "]"
    if isinstance(value, dict):
        # Members sorted by the UTF-16 code units of their names.
        names = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(canon_string(k) + ":" + canon(value[k], at + "/" + k) for k in names) + "}"
    raise NotCanonical("unexpected value at `%s`" % at)


def record_hash(record):
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canon(body).encode("utf-8")).hexdigest()


def broken(record, check, detail):
    print("broken at seq %s (id %s): %s: %s" % (record.get("seq"), record.get("id"), check, detail))
    return 1


def verify(lines, expect_prev=None):
    records, trailer, raw = [], None, b""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        obj = json.loads(line)
        if "segment" in obj and "seq" not in obj:
            trailer = obj
            break
        records.append(obj)
        raw += line if line.endswith(b"\n") else line + b"\n"
    if not records:
        print("ok: 0 records")
        return 0
    first = records[0]
    if expect_prev is not None:
        prev = expect_prev
    elif first.get("seq") == 1:
        prev = GENESIS
    else:
        # An archived prefix: its head is named by an anchor (live export) or the trailer.
        prev = None
        for r in records:
            gov = r.get("governance") or {}
            if r.get("kind") == "anchor" and gov.get("archived_to") == first["seq"] - 1:
                prev = gov.get("archived_head")
        if prev is None and trailer is not None:
            prev = trailer["segment"].get("prev_hash")
        if prev is None:
            return broken(first, "anchor", "the chain starts at seq %s and nothing names the records before it" % first["seq"])
    expected_seq, last_time = first.get("seq"), ""
    for r in records:
        if r.get("seq") != expected_seq:
            return broken(r, "seq", "expected seq %s" % expected_seq)
        if not isinstance(r.get("id"), str) or len(r["id"]) != 36 or r["id"][14] != "7":
            return broken(r, "id", "not a UUIDv7")
        t = r.get("time")
        if not isinstance(t, str) or not TIME.match(t):
            return broken(r, "time", "not RFC 3339 UTC with microseconds")
        if t < last_time:
            return broken(r, "time", "before the previous record")
        if r.get("prev_hash") != prev:
            return broken(r, "prev-hash", "expected %s" % prev)
        try:
            h = record_hash(r)
        except NotCanonical as e:
            return broken(r, "hash", str(e))
        if not HEX64.match(str(r.get("hash"))) or h != r["hash"]:
            return broken(r, "hash", "stored %s, fields hash to %s" % (r.get("hash"), h))
        prev, last_time, expected_seq = h, t, expected_seq + 1
    if trailer is not None:
        seg = trailer["segment"]
        if seg.get("head") != prev or seg.get("to_seq") != expected_seq - 1 or seg.get("count") != len(records):
            return broken(records[-1], "segment", "the trailer does not describe these records")
        if seg.get("records_sha256") != hashlib.sha256(raw).hexdigest():
            return broken(records[-1], "segment", "records_sha256 does not match the record lines")
    print("ok: %d records, seq %s to %s, head %s" % (len(records), first["seq"], expected_seq - 1, prev))
    # Records before format 2 (no `format` member) may name what the caller chose.
    older = [r for r in records if "format" not in r and r.get("kind") != "anchor"]
    if older:
        named = [r for r in older if any(s.get("reason") in ("undeclared", "query-not-allowed")
                                         for s in r.get("stripped") or [])]
        print("older records: %d written before record format 2; %d of them hold names the caller chose"
              % (len(older), len(named)))
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    expect_prev = None
    if "--expect-prev" in argv:
        expect_prev = argv[argv.index("--expect-prev") + 1]
    try:
        with open(argv[1], "rb") as f:
            lines = f.readlines()
    except OSError as e:
        print("cannot read %s: %s" % (argv[1], e), file=sys.stderr)
        return 2
    try:
        return verify(lines, expect_prev)
    except (ValueError, KeyError, TypeError) as e:
        print("broken: the file is not a record export: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
