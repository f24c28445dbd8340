#!/usr/bin/python3
"""Write an MCAP file with many topics, for the MAT export's scaling tests.

    gen_topics.py OUT.mcap TOPICS [MESSAGES_PER_TOPIC]

One JSON channel (no schema) per topic, topics "/t/00000", "/t/00001", ...
(so every name is cleaned to a MATLAB name of its own: t_00000 ...), and a
few topics whose names clean to the same MATLAB name ("/dup/x", "dup.x",
"dup-x", ...) so that the uniqueness suffixes are exercised at scale.
Each topic has MESSAGES_PER_TOPIC (default 1) messages {"v": n, "s": {"a": m}},
the m-th message of every topic at the same log time,
written unchunked, in log-time order, with a footer and no summary section
(valid MCAP).  65,535 topics (every channel id MCAP has) make a file of
about 7 MB.  Standard library only.
"""
import json
import struct
import sys

MAGIC = b"\x89MCAP0\r\n"


def string(s):
    b = s.encode()
    return struct.pack("<I", len(b)) + b


def record(op, body):
    return struct.pack("<BQ", op, len(body)) + body


def topic_names(n):
    dups = min(n // 100, 500)
    names = ["/t/%05d" % i for i in range(n - dups)]
    # names that clean to the same MATLAB name: "dup_x", "dup_x_2", ...
    names += ["/dup%sx%s" % ("/-.:"[i % 4], "" if i < 4 else " " * (i // 4)) for i in range(dups)]
    return names


def write(path, ntopics, per_topic=1):
    names = topic_names(ntopics)
    out = [MAGIC, record(0x01, string("") + string("hdaq gen_topics.py"))]
    for cid, name in enumerate(names, start=1):
        out.append(record(0x04, struct.pack("<HH", cid, 0) + string(name) + string("json")
                          + struct.pack("<I", 0)))
    t0 = 1_700_000_000_000_000_000
    seq = 0
    for m in range(per_topic):
        for cid in range(1, len(names) + 1):
            seq += 1
            t = t0 + m * 1_000_000  # every topic at the same instant
            data = json.dumps({"v": cid + m, "s": {"a": m}}).encode()
            out.append(record(0x05, struct.pack("<HIQQ", cid, seq, t, t) + data))
    out.append(record(0x0F, struct.pack("<I", 0)))
    out.append(record(0x02, struct.pack("<QQI", 0, 0, 0)))
    out.append(MAGIC)
    with open(path, "wb") as f:
        f.write(b"".join(out))
    return names


def write_json(path, topic, msgs):
    """One JSON topic of (log time, dict) messages, as an MCAP file."""
    out = [MAGIC, record(0x01, string("") + string("hdaq gen_topics.py")),
           record(0x04, struct.pack("<HH", 1, 0) + string(topic) + string("json") + struct.pack("<I", 0))]
    for i, (t, m) in enumerate(msgs):
        out.append(record(0x05, struct.pack("<HIQQ", 1, i, t, t) + json.dumps(m).encode()))
    out.append(record(0x0F, struct.pack("<I", 0)))
    out.append(record(0x02, struct.pack("<QQI", 0, 0, 0)))
    out.append(MAGIC)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def write_optional(path, n=200):
    """A JSON topic "opt" whose leaves are held by some messages only:
    o.x and o.y by every other message (the same ones), p.z by every third,
    a by all.  Returns the messages as (log time, dict)."""
    t0 = 1_700_000_000_000_000_000
    msgs = []
    for i in range(n):
        m = {"a": i}
        if i % 2 == 0:
            m["o"] = {"x": i * 0.5, "y": -i}
        if i % 3 == 0:
            m["p"] = {"z": i + 0.25}
        t = t0 + i * 10_000_000 + (i * 7919) % 1000		# irregular nanoseconds
        msgs.append((t, m))
    write_json(path, "opt", msgs)
    return msgs


def write_shapes(grow_path, turn_path, n=3000):
    """Two JSON topics whose messages change shape as they go, as a field
    tree learnt in one pass meets them: "grow" has leaves that first appear
    late or stop, arrays that get longer, booleans (always, or only in
    some messages), text, a number that later holds objects; "turn" has a
    leaf that holds numbers and later text.  Returns the messages."""
    t0 = 1_700_000_000_000_000_000
    grow, turn = [], []
    for i in range(n):
        m = {"a": i, "flag": i % 7 == 0, "arr": list(range(i * 6 // n))}
        if i >= n // 2:
            m["late"] = {"v": i * 0.25, "on": i % 2 == 0}
        if i < n // 3:
            m["early"] = -i
        if i % 5 == 0:
            m["sometimes"] = i % 10 == 0
        if i % 4 == 0:
            m["name"] = "n%d" % (i % 3)
        m["obj"] = {"k": i} if i >= n - 10 else i
        grow.append((t0 + i * 5_000_000, m))
        turn.append((t0 + i * 5_000_000 + 1, {"x": "text" if i == n - 1 else i}))
    write_json(grow_path, "grow", grow)
    write_json(turn_path, "turn", turn)
    return grow, turn


if __name__ == "__main__":
    write(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
