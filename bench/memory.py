#!/usr/bin/env python3
"""Peak backend memory of each hdaq function on the worst files that
hdaq.max_chunk_bytes allows, and of eight concurrent readers.

Runs inside a throwaway PostgreSQL server with hdaq installed (as root,
under the install lock):

    pg_virtualenv -t -v 15 python3 bench/memory.py [--max-chunk-mb 64] [--dir DIR]

It writes three files into DIR (default build/bench/memory; they are
generated, never committed), each as large as the setting allows:

  record.mcap     one unchunked Message record of exactly max_chunk_bytes
                  (a JSON message: one string member)
  bomb-one.mcap   one zstd chunk that honestly inflates to max_chunk_bytes,
                  holding one message (a few kB on disk)
  bomb-many.mcap  one zstd chunk that honestly inflates to max_chunk_bytes,
                  holding as many 32-byte Message records as fit

For every function and file it opens a new session, sets
hdaq.max_chunk_bytes, and samples the backend's private memory (RssAnon
in /proc/PID/status) every 2 ms while the call runs.  The figure is the
peak minus what the backend held before the call, in MB and as a factor
of max_chunk_bytes.  Then eight sessions run hdaq.info and
hdaq.messages(mcap) of the worst file at once, and the sum of their peaks
is reported.  Prints a Markdown table.
"""

import argparse
import os
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench  # noqa: E402  (Psql, proc_status)

MAGIC = b"\x89MCAP0\r\n"
DB = "hdaq_memory"


def record(opcode, body):
    return struct.pack("<BQ", opcode, len(body)) + body


def mstr(s):
    return struct.pack("<I", len(s)) + s


def header():
    return record(0x01, mstr(b"") + mstr(b"hdaq-memory"))


def channel(cid, topic):
    return record(0x04, struct.pack("<HH", cid, 0) + mstr(topic) + mstr(b"json") + struct.pack("<I", 0))


def message(cid, t, data):
    return record(0x05, struct.pack("<HIQQ", cid, t & 0xFFFFFFFF, t, t) + data)


def footer():
    return record(0x02, struct.pack("<QQI", 0, 0, 0)) + MAGIC


def zstd(data):
    return subprocess.run(["zstd", "-q", "-3", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout


def chunk(records):
    comp = zstd(records)
    body = struct.pack("<QQQI", 1, 1 << 40, len(records), 0) + mstr(b"zstd") + struct.pack("<Q", len(comp)) + comp
    return record(0x06, body)


def json_string_message(body_len):
    """JSON data that makes a Message record body of exactly body_len bytes."""
    n = body_len - 22 - len(b'{"s":""}')
    return b'{"s":"' + b"a" * n + b'"}'


def generate(d, m):
    os.makedirs(d, exist_ok=True)
    files = {}
    path = os.path.join(d, "record.mcap")
    with open(path, "wb") as f:
        f.write(MAGIC + header() + channel(1, b"/big") + message(1, 1, json_string_message(m)) + footer())
    files["record"] = path

    ch = channel(1, b"/big")
    inner = m - len(ch) - 9
    path = os.path.join(d, "bomb-one.mcap")
    with open(path, "wb") as f:
        f.write(MAGIC + header() + chunk(ch + message(1, 1, json_string_message(inner))) + footer())
    files["bomb-one"] = path

    ch = channel(2, b"/small")
    one = message(2, 0, b"1")
    count = (m - len(ch)) // len(one)
    parts = [ch]
    for i in range(count):
        parts.append(struct.pack("<BQHIQQ", 0x05, 23, 2, i & 0xFFFFFFFF, 1000 + i, 1000 + i) + b"1")
    path = os.path.join(d, "bomb-many.mcap")
    with open(path, "wb") as f:
        f.write(MAGIC + header() + chunk(b"".join(parts)) + footer())
    files["bomb-many"] = path
    for p in files.values():
        os.chmod(p, 0o644)
    return files


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop = threading.Event()
        st = bench.proc_status(pid) or {}
        self.base = st.get("RssAnon", 0)
        self.peak = self.base

    def run(self):
        while not self.stop.is_set():
            st = bench.proc_status(self.pid)
            if st is None:
                return
            self.peak = max(self.peak, st.get("RssAnon", 0))
            time.sleep(0.002)

    def finish(self):
        self.stop.set()
        self.join()
        st = bench.proc_status(self.pid) or {}
        self.peak = max(self.peak, st.get("RssAnon", 0))
        return (self.peak - self.base) / 1024.0


def session(m):
    s = bench.Psql(dbname=DB, appname="hdaq-memory")
    s.query(f"SET hdaq.max_chunk_bytes = '{m // 1024}kB'")
    s.query("SET client_min_messages = warning")
    return s


def measure(m, sql, setup=None):
    s = session(m)
    try:
        if setup:
            s.query(setup)
        smp = Sampler(s.pid)
        smp.start()
        t0 = time.perf_counter()
        err = None
        try:
            rows = s.query(sql)
        except bench.SqlError as e:
            rows, err = None, str(e).splitlines()[0]
        secs = time.perf_counter() - t0
        mb = smp.finish()
    finally:
        s.close()
    return mb, secs, rows, err


def concurrent(m, sql, n=8):
    sessions = [session(m) for _ in range(n)]
    samplers = [Sampler(s.pid) for s in sessions]
    for smp in samplers:
        smp.start()
    errors = []

    def run(s):
        try:
            s.query(sql)
        except bench.SqlError as e:
            errors.append(str(e).splitlines()[0])

    threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.perf_counter() - t0
    peaks = [smp.finish() for smp in samplers]
    for s in sessions:
        s.close()
    return peaks, secs, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-chunk-mb", type=int, default=64)
    ap.add_argument("--dir", default=os.path.join(ROOT, "build", "bench", "memory"))
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    m = args.max_chunk_mb * 1024 * 1024
    files = generate(args.dir, m)
    for k, p in files.items():
        print(f"# {k}: {os.path.getsize(p)} bytes", flush=True)

    bench.psql_cmd(f"DROP DATABASE IF EXISTS {DB}", "postgres")
    bench.psql_cmd(f"CREATE DATABASE {DB}", "postgres")
    bench.psql_cmd("CREATE EXTENSION hdaq", DB)

    results = []

    def row(func, name, sql, setup=None):
        if args.only and args.only not in func:
            return
        mb, secs, rows, err = measure(m, sql, setup)
        results.append((func, name, mb, secs, err))
        print(f"{func:16} {name:10} {mb:9.1f} MB  {mb * 1024 * 1024 / m:5.2f}x  {secs:6.1f} s  {err or ''}", flush=True)

    ids = {}
    for name, path in files.items():
        lo = bench.Psql(dbname=DB).value(f"SELECT lo_import('{path}')")
        row("ingest_lo", name, f"SELECT hdaq.ingest_lo({lo}, '{name}-lo')")
        bench.psql_cmd(f"SELECT hdaq.delete_file(file_id) FROM hdaq.file WHERE name = '{name}-lo'; SELECT lo_unlink({lo})", DB)
        row("ingest", name, f"SELECT hdaq.ingest(pg_read_binary_file('{path}'), '{name}')")
        ids[name] = bench.Psql(dbname=DB).value(f"SELECT file_id FROM hdaq.file WHERE name = '{name}'")
    for name, path in files.items():
        row("info", name, f"SELECT hdaq.info(pg_read_binary_file('{path}')::hdaq.mcap) IS NOT NULL")
        row("messages(mcap)", name, f"SELECT count(*) FROM hdaq.messages(pg_read_binary_file('{path}')::hdaq.mcap)")
    for name in files:
        fid = ids.get(name)
        if not fid:
            continue
        row("messages", name, f"SELECT count(*) FROM hdaq.messages(file_id => {fid})")
        row("messages_json", name, f"SELECT count(*) FROM hdaq.messages_json(file_id => {fid})")
        row("export_mcap", name, f"SELECT length(hdaq.export_mcap({fid}))")
        row("export_mat", name, f"SELECT length(hdaq.export_mat({fid}))")

    print()
    print(f"| function | file | peak MB | x max_chunk_bytes ({args.max_chunk_mb} MB) | seconds |")
    print("|---|---|---|---|---|")
    for func, name, mb, secs, err in results:
        print(f"| {func} | {name} | {mb:.0f} | {mb * 1024 * 1024 / m:.2f} | {secs:.1f}{' (' + err + ')' if err else ''} |")

    print()
    for func, name in (("info", "bomb-one"), ("messages(mcap)", "bomb-one"), ("messages(mcap)", "record")):
        if args.only and args.only not in func:
            continue
        path = files[name]
        sql = (f"SELECT hdaq.info(pg_read_binary_file('{path}')::hdaq.mcap) IS NOT NULL" if func == "info"
               else f"SELECT count(*) FROM hdaq.messages(pg_read_binary_file('{path}')::hdaq.mcap)")
        peaks, secs, errors = concurrent(m, sql)
        print(f"8 x {func} on {name}: per backend peak {min(peaks):.0f}-{max(peaks):.0f} MB, "
              f"sum of peaks {sum(peaks):.0f} MB ({sum(peaks) * 1024 * 1024 / m:.1f}x), {secs:.1f} s"
              f"{', errors: ' + '; '.join(errors) if errors else ''}", flush=True)


if __name__ == "__main__":
    main()
