#!/usr/bin/env python3
"""Edge to centre: how soon a live upload at a base station is seen at the
central server that subscribes to it, and how fast the centre catches up
after its link was cut.

Starts two throwaway PostgreSQL 15 servers of its own on this machine (an
edge, wal_level = logical, publishing with hdaq.create_edge_publication(),
and a centre subscribing to it, as README.md's "From the track to the
factory" says) and uploads a generated session at the edge live, in pieces
of one second of the session each (hdaq.ingest_append):

  1. latency: one piece every second of wall clock, as the car's session
     arrives; for each, the time from the commit of the append at the edge
     (its commit timestamp, track_commit_timestamp) to the moment the
     centre sees it (a loop at the centre polling every 0.5 ms, started
     before the append);
  2. catch-up: the subscription disabled (the link cut), the next
     OUTAGE seconds of the session appended as fast as the edge takes them,
     the subscription enabled; the time until the centre has all of it.

The baseline, in the same run over the same link: the same bytes, a piece
a row, inserted into a plain table (seq int, data bytea) published in the
same publication: what logical replication itself costs for those bytes.
Then the session is completed (its footer arrives: compaction) and the
centre is checked against the edge: the same messages.

    edge_centre.py --session FILE --seconds S --latency N --outage N
                   --work DIR --out-json FILE --out-md FILE [--mode quick|full]
    edge_centre.py --render-only --out-json FILE --out-md FILE

--seconds is the session's length; its bytes are cut into that many equal
pieces.  The report is the section "Edge to centre" of --out-md, replaced
or added.  The last line printed is "edge-centre: N passed, M failed" (a
figure passes when it was measured).
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DB = "hdaq"
SECTION = "## Edge to centre"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- two servers of our own ------------------------------------------------------


def pg_bindir():
    return subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()


def as_server_user(cmd):
    """initdb refuses root: servers run as postgres when we are root."""
    return (["runuser", "-u", "postgres", "--"] + cmd) if os.geteuid() == 0 else cmd


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root, name, conf):
        self.name = name
        self.data = os.path.join(root, name)
        self.sock = root
        self.port = free_port()
        self.conf = conf
        self.bin = pg_bindir()

    def start(self):
        if os.path.exists(self.data):
            shutil.rmtree(self.data)
        subprocess.run(as_server_user([os.path.join(self.bin, "initdb"), "-D", self.data, "-A", "trust",
                                       "-U", "postgres", "-E", "UTF8", "--locale=C"]),
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write(f"\nport = {self.port}\nlisten_addresses = ''\nunix_socket_directories = '{self.sock}'\n")
            f.write(self.conf)
        subprocess.run(as_server_user([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-w",
                                       "-l", os.path.join(self.sock, self.name + ".log"), "start"]),
                       check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        subprocess.run(as_server_user([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "fast", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def conninfo(self, db=DB):
        return f"host={self.sock} port={self.port} dbname={db} user=postgres"

    def session(self, db=DB):
        return Session(self, db)


class SqlError(Exception):
    pass


class Session:
    """One psql session kept open; a query can be sent, and its rows read
    later, so that two servers work at once."""

    def __init__(self, server, db):
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=0", "-d", server.conninfo(db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)

    def send(self, sql):
        self.proc.stdin.write(f"\\echo @@begin\n{sql.strip().rstrip(';')};\n\\echo @@end\n")
        self.proc.stdin.flush()

    def recv(self):
        rows, errors, started = [], [], False
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == "@@begin":
                started = True
            elif line == "@@end":
                break
            elif not started:
                continue
            elif re.match(r"^(psql:[^ ]*: )?(ERROR|FATAL):", line):
                errors.append(line)
            elif re.match(r"^(psql:[^ ]*: )?(NOTICE|WARNING|DETAIL|HINT|CONTEXT|LINE \d+):", line):
                if errors:
                    errors.append(line)
            elif line != "":
                rows.append(line.split("|"))
        else:
            raise SqlError("psql exited")
        if errors:
            raise SqlError("\n".join(errors))
        return rows

    def query(self, sql):
        self.send(sql)
        try:
            return self.recv()
        except SqlError as e:
            raise SqlError(f"{e}\n  in: {sql.strip()[:300]}") from None

    def value(self, sql):
        rows = self.query(sql)
        return rows[0][0] if rows and rows[0] else None

    def close(self):
        try:
            self.proc.stdin.write("\\q\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait()


def poll(session, sql, timeout=600, every=0.05):
    t0 = time.monotonic()
    while session.value(sql) != "t":
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(f"timed out waiting for: {sql}")
        time.sleep(every)


def percentile(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


# At the centre: the moment a condition holds, looked at every 0.5 ms
# (each look is a new statement, so it sees what was committed since).
CENTRE_WAIT_SQL = """
CREATE FUNCTION bench_wait_file(fid bigint, bytes bigint, timeout float8) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
	LOOP
		IF EXISTS (SELECT 1 FROM hdaq.file WHERE file_id = fid AND stored_bytes >= bytes) THEN
			RETURN extract(epoch FROM clock_timestamp());
		END IF;
		IF clock_timestamp() - t0 > make_interval(secs => timeout) THEN
			RETURN NULL;
		END IF;
		PERFORM pg_sleep(0.0005);
	END LOOP;
END $$;
CREATE FUNCTION bench_wait_piece(k integer, timeout float8) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
	LOOP
		IF EXISTS (SELECT 1 FROM bench_piece WHERE seq = k) THEN
			RETURN extract(epoch FROM clock_timestamp());
		END IF;
		IF clock_timestamp() - t0 > make_interval(secs => timeout) THEN
			RETURN NULL;
		END IF;
		PERFORM pg_sleep(0.0005);
	END LOOP;
END $$;
"""

PIECE_TABLE = "CREATE TABLE bench_piece (seq integer PRIMARY KEY, data bytea NOT NULL);" \
              " ALTER TABLE bench_piece ALTER COLUMN data SET STORAGE EXTERNAL"

COMMON_CONF = """
shared_buffers = 128MB
fsync = off
max_wal_size = 8GB
"""
EDGE_CONF = COMMON_CONF + """
wal_level = logical
max_wal_senders = 4
max_replication_slots = 4
max_slot_wal_keep_size = -1
track_commit_timestamp = on
"""


# ---- the measurement ----------------------------------------------------------------


class Replication:
    def __init__(self, args):
        self.args = args
        self.session_path = os.path.abspath(args.session)
        self.work = os.path.abspath(os.path.join(args.work, "edge_centre"))
        self.results = {"figures": {}, "checks": [], "params": {}}
        self.failed = []
        self.done = []

    def check(self, ok, text):
        self.results["checks"].append({"ok": bool(ok), "text": text})
        log(("ok: " if ok else "NOT OK: ") + text)

    def setup(self):
        if os.path.exists(self.work):
            shutil.rmtree(self.work)
        os.makedirs(self.work)
        if os.geteuid() == 0:
            shutil.chown(self.work, "postgres")
        self.edge = Server(self.work, "edge", EDGE_CONF)
        self.centre = Server(self.work, "centre", COMMON_CONF)
        for s in (self.edge, self.centre):
            s.start()
            admin = s.session("postgres")
            admin.query(f"CREATE DATABASE {DB}")
            admin.close()
        self.e = self.edge.session()
        self.c = self.centre.session()
        self.w = self.centre.session()  # the centre's waiting session
        self.e.query("CREATE EXTENSION hdaq")
        self.e.query(PIECE_TABLE)
        self.e.query("SELECT hdaq.create_edge_publication()")
        self.e.query("ALTER PUBLICATION hdaq_edge ADD TABLE bench_piece")
        self.c.query("CREATE EXTENSION hdaq")
        self.c.query(PIECE_TABLE)
        self.c.query(CENTRE_WAIT_SQL)
        self.c.query(f"CREATE SUBSCRIPTION edge CONNECTION '{self.edge.conninfo()}' PUBLICATION hdaq_edge")
        poll(self.c, "SELECT count(*) = 0 FROM pg_subscription_rel WHERE srsubstate NOT IN ('r', 's')")
        poll(self.e, "SELECT count(*) = 1 FROM pg_stat_replication WHERE application_name = 'edge' AND state = 'streaming'")
        self.results["env"] = self.environment()

    def environment(self):
        cpu = ""
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        git = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        # the reports themselves do not count as changes to what is measured
        if subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", ".",
                           ":!bench/RESULTS.md", ":!bench/edge_centre.json", ":!bench/results.json"],
                          capture_output=True, text=True).stdout.strip():
            git += " (with uncommitted changes)"
        return {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": cpu,
            "cores": os.cpu_count(),
            "load": os.getloadavg()[0],
            "kernel": platform.release(),
            "postgres": self.e.value("SELECT version()").split(" on ")[0],
            "git": git,
        }

    # -- one piece

    def piece(self, k):
        off = k * self.piece_len
        return off, max(0, min(self.piece_len, self.size - off))

    def append(self, k):
        off, n = self.piece(k)
        self.e.query(f"SELECT * FROM hdaq.ingest_append({self.fid}, {off}, "
                     f"pg_read_binary_file('{self.session_path}', {off}, {n}))")
        return off + n

    def insert_piece(self, k, seq):
        off, n = self.piece(k)
        self.e.query(f"INSERT INTO bench_piece VALUES ({seq}, pg_read_binary_file('{self.session_path}', {off}, {n}))")

    def file_commit_time(self):
        return float(self.e.value(f"SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin)) FROM hdaq.file WHERE file_id = {self.fid}"))

    def piece_commit_time(self, seq):
        return float(self.e.value(f"SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin)) FROM bench_piece WHERE seq = {seq}"))

    def edge_counts(self):
        b, m = self.e.query(f"SELECT stored_bytes, message_count FROM hdaq.file WHERE file_id = {self.fid}")[0]
        return int(b), int(m)

    def wal_lsn(self):
        return self.e.value("SELECT pg_current_wal_lsn()")

    def wal_bytes(self, a, b):
        return int(float(self.e.value(f"SELECT pg_wal_lsn_diff('{b}', '{a}')")))

    def cut_link(self):
        self.c.query("ALTER SUBSCRIPTION edge DISABLE")
        poll(self.e, "SELECT count(*) = 0 FROM pg_stat_replication WHERE application_name = 'edge'")

    def restore_link(self, seen_sql):
        """Enable the subscription and wait until the centre has what
        seen_sql waits for; returns (seconds from the enable to the link up,
        seconds from the link up to all seen).  The link is up when the
        edge's sender for the centre starts: the launcher starts the worker
        at most once a wal_retrieve_retry_interval (5 s), counted from its
        last look, which the disable made."""
        self.c.query("ALTER SUBSCRIPTION edge ENABLE")
        enabled = time.time()
        seen = self.w.query(seen_sql)[0][0]
        if not seen:
            raise RuntimeError(f"the centre did not catch up within an hour: {seen_sql}")
        up = float(self.e.value("SELECT extract(epoch FROM backend_start) FROM pg_stat_replication "
                                "WHERE application_name = 'edge'"))
        return up - enabled, float(seen) - up

    # -- 1. latency

    def latency(self):
        n = self.args.latency
        lat_hdaq, lat_plain, append_ms, msgs, seg_bytes = [], [], [], [], []
        t_start = time.time() + 1
        before = self.edge_counts()[1]
        for k in range(n):
            pause = t_start + k - time.time()
            if pause > 0:
                time.sleep(pause)
            off, length = self.piece(k)
            # hdaq: the append, seen at the centre when its stored_bytes are
            self.w.send(f"SELECT bench_wait_file({self.fid}, {off + length}, 60)")
            t0 = time.perf_counter()
            self.append(k)
            append_ms.append((time.perf_counter() - t0) * 1000)
            committed = self.file_commit_time()
            seen = self.w.recv()[0][0]
            if not seen:
                raise RuntimeError(f"piece {k} not seen at the centre within 60 s")
            lat_hdaq.append((float(seen) - committed) * 1000)
            count = self.edge_counts()[1]
            msgs.append(count - before)
            before = count
            # the segment bytes the append inserted (new, and rewritten)
            seg_bytes.append(int(self.e.value(
                "SELECT coalesce(sum(length(g.data)), 0) FROM hdaq.segment g, hdaq.file f "
                f"WHERE f.file_id = {self.fid} AND g.xmin::text = f.xmin::text")))
            # the baseline: the same bytes as a row of a plain table
            self.w.send(f"SELECT bench_wait_piece({k}, 60)")
            self.insert_piece(k, k)
            committed = self.piece_commit_time(k)
            seen = self.w.recv()[0][0]
            if not seen:
                raise RuntimeError(f"row {k} not seen at the centre within 60 s")
            lat_plain.append((float(seen) - committed) * 1000)
        self.results["figures"]["latency"] = {
            "hdaq_ms": lat_hdaq, "plain_ms": lat_plain, "append_ms": append_ms, "messages": msgs,
            "segment_bytes": seg_bytes,
        }
        log(f"latency: hdaq median {statistics.median(lat_hdaq):.1f} ms, p99 {percentile(lat_hdaq, 99):.1f} ms; "
            f"plain median {statistics.median(lat_plain):.1f} ms, p99 {percentile(lat_plain, 99):.1f} ms")

    # -- 2. catch-up

    def catch_up(self):
        first, n = self.args.latency, self.args.outage
        # hdaq
        self.cut_link()
        bytes0, msgs0 = self.edge_counts()
        lsn0 = self.wal_lsn()
        t0 = time.perf_counter()
        for k in range(first, first + n):
            self.append(k)
        absorb_s = time.perf_counter() - t0
        bytes1, msgs1 = self.edge_counts()
        wal = self.wal_bytes(lsn0, self.wal_lsn())
        hdaq_start_s, hdaq_s = self.restore_link(f"SELECT bench_wait_file({self.fid}, {bytes1}, 3600)")
        centre_msgs = int(self.c.value(f"SELECT message_count FROM hdaq.file WHERE file_id = {self.fid}"))
        centre_count = int(self.c.value(f"SELECT count(*) FROM hdaq.messages(file_id => {self.fid})"))
        self.check(centre_msgs == msgs1 and centre_count == msgs1,
                   f"after catching up, the centre holds every message the edge holds ({centre_count} read, "
                   f"{centre_msgs} counted, {msgs1} at the edge)")
        # the baseline: the same pieces as rows
        self.cut_link()
        lsn0p = self.wal_lsn()
        t0 = time.perf_counter()
        for k in range(first, first + n):
            self.insert_piece(k, 1_000_000 + k)
        absorb_plain_s = time.perf_counter() - t0
        wal_plain = self.wal_bytes(lsn0p, self.wal_lsn())
        plain_start_s, plain_s = self.restore_link(f"SELECT bench_wait_piece({1_000_000 + first + n - 1}, 3600)")
        rows = int(self.c.value("SELECT count(*) FROM bench_piece WHERE seq >= 1000000"))
        self.check(rows == n, f"after catching up, the centre holds every plain row ({rows} of {n})")
        self.results["figures"]["catch_up"] = {
            "seconds_of_session": n,
            "bytes": bytes1 - bytes0, "messages": msgs1 - msgs0,
            "edge_absorb_s": absorb_s, "wal_bytes": wal, "catch_up_s": hdaq_s, "link_up_s": hdaq_start_s,
            "plain_absorb_s": absorb_plain_s, "plain_wal_bytes": wal_plain, "plain_catch_up_s": plain_s,
            "plain_link_up_s": plain_start_s,
        }
        log(f"catch-up of {n} s of session ({(bytes1 - bytes0) / 1e6:.1f} MB, {msgs1 - msgs0} messages): "
            f"hdaq {hdaq_s:.2f} s, plain rows {plain_s:.2f} s")

    # -- 3. the rest, and the cross-checks

    def finish(self):
        k = self.args.latency + self.args.outage
        t0 = time.perf_counter()
        while self.piece(k)[1] > 0:
            self.append(k)
            k += 1
        state = self.e.value(f"SELECT state FROM hdaq.file WHERE file_id = {self.fid}")
        self.check(state == "complete", f"the session is complete at the edge once its footer came ({state})")
        poll(self.c, f"SELECT state = 'complete' FROM hdaq.file WHERE file_id = {self.fid}", timeout=3600, every=0.01)
        self.results["figures"]["finish_s"] = time.perf_counter() - t0
        digest = ("SELECT count(*) || ' ' || sum(('x' || left(md5(data), 8))::bit(32)::int::bigint) "
                  f"FROM hdaq.messages(file_id => {self.fid})")
        at_edge, at_centre = self.e.value(digest), self.c.value(digest)
        self.check(at_edge == at_centre, f"the completed session: the same messages at the centre as at the edge ({at_centre} / {at_edge})")
        q = f"SELECT (to_jsonb(f))::text FROM hdaq.files f WHERE file_id = {self.fid}"
        self.check(self.e.value(q) == self.c.value(q), "the completed session: the same hdaq.files row at the centre")
        segs = f"SELECT count(*) FROM hdaq.segment WHERE channel_key IN (SELECT channel_key FROM hdaq.channel WHERE file_id = {self.fid})"
        self.check(self.e.value(segs) == self.c.value(segs),
                   f"the completed session: as many segments at the centre as at the edge after compaction ({self.c.value(segs)})")

    def run(self):
        self.size = os.path.getsize(self.session_path)
        self.piece_len = math.ceil(self.size / self.args.seconds)
        need = self.args.latency + self.args.outage
        if need >= self.args.seconds:
            raise SystemExit(f"the session has {self.args.seconds} s; latency + outage need {need} s and its end")
        self.results["params"] = {
            "session": os.path.basename(self.session_path), "size": self.size, "seconds": self.args.seconds,
            "piece_bytes": self.piece_len, "latency_pieces": self.args.latency, "outage_seconds": self.args.outage,
            "mode": self.args.mode,
        }
        try:
            log(f"servers in {self.work}")
            self.setup()
            self.fid = self.e.value("SELECT hdaq.ingest_begin('live session', '{\"bench\": \"replication\"}')")
            poll(self.c, f"SELECT count(*) = 1 FROM hdaq.file WHERE file_id = {self.fid}")
            for step in ("latency", "catch_up", "finish"):
                try:
                    log(f"measuring {step}")
                    getattr(self, step)()
                    self.done.append(step)
                except Exception:
                    traceback.print_exc()
                    self.failed.append(step)
                    break
        finally:
            for s in ("e", "c", "w"):
                if hasattr(self, s):
                    getattr(self, s).close()
            for s in ("centre", "edge"):
                if hasattr(self, s):
                    getattr(self, s).stop()


# ---- the report ---------------------------------------------------------------------


def render(results):
    p, f, env = results["params"], results["figures"], results.get("env", {})
    L = [SECTION, ""]
    L.append(f"Measured by `bench/edge_centre.py` ({p['mode']} run, {env.get('date', '?')}, hdaq at commit "
             f"{env.get('git', '?')}; {env.get('postgres', '?')}; {env.get('cores', '?')} cores, load average "
             f"{env.get('load', 0):.1f} at the start): two servers of its own on this machine, an edge "
             "(wal_level = logical, `hdaq.create_edge_publication()`) and a centre subscribing to it over a Unix "
             "socket, both with fsync off; no network in between, so the figures are what the two servers "
             "themselves add.")
    L.append("")
    mb = p["size"] / 1e6
    L.append(f"The session: `{p['session']}` (bench/gen, {p['seconds']} s, {mb:.1f} MB, zstd chunks of 256 KiB "
             f"uncompressed, about one a second), uploaded live with `hdaq.ingest_append` in pieces of "
             f"{p['piece_bytes']:,} bytes, one second of the session each. Baseline, in the same run over the same "
             "subscription: the same bytes a piece a row (`seq integer, data bytea`) in a plain table added to the "
             "publication.")
    L.append("")
    L.append("| figure | hdaq | plain table, same bytes | ratio |")
    L.append("|---|---|---|---|")
    lat = f.get("latency")
    if lat:
        h, b = lat["hdaq_ms"], lat["plain_ms"]
        L.append(f"| commit at the edge → visible at the centre, median ({len(h)} appends, one a second) | "
                 f"{statistics.median(h):.1f} ms | {statistics.median(b):.1f} ms | {statistics.median(h) / statistics.median(b):.2f} |")
        L.append(f"| the same, p99 | {percentile(h, 99):.1f} ms | {percentile(b, 99):.1f} ms | "
                 f"{percentile(h, 99) / percentile(b, 99):.2f} |")
    cu = f.get("catch_up")
    if cu:
        mins = cu["seconds_of_session"] / 60
        L.append(f"| catch-up after a {mins:g}-minute outage: time from the link up again until the centre "
                 f"has it all | {cu['catch_up_s']:.2f} s | {cu['plain_catch_up_s']:.2f} s | "
                 f"{cu['catch_up_s'] / cu['plain_catch_up_s']:.2f} |")
        L.append(f"| catch-up rate, MB of session a second | {cu['bytes'] / 1e6 / cu['catch_up_s']:.1f} MB/s | "
                 f"{cu['bytes'] / 1e6 / cu['plain_catch_up_s']:.1f} MB/s | |")
        L.append(f"| catch-up rate, messages a second | {cu['messages'] / cu['catch_up_s']:,.0f} msg/s | | |")
    L.append("")
    if lat:
        h = lat["hdaq_ms"]
        rate = statistics.median(lat["messages"])
        L.append(f"**Latency.** Each append carried a median of {rate:,.0f} messages (the car's rate) and took "
                 f"{statistics.median(lat['append_ms']):.0f} ms at the edge (median; round trip of the call). "
                 f"The latency is the centre's clock when its polling loop first saw the append's `stored_bytes`, "
                 f"minus the append's commit timestamp at the edge (same machine, same clock; the loop looks every "
                 f"0.5 ms). hdaq: min {min(h):.1f}, median {statistics.median(h):.1f}, p90 {percentile(h, 90):.1f}, "
                 f"p99 {percentile(h, 99):.1f}, max {max(h):.1f} ms.")
        if lat.get("segment_bytes"):
            sb = statistics.median(lat["segment_bytes"])
            L.append("")
            L.append(f"**What an append writes.** For its {p['piece_bytes'] / 1e3:.0f} kB of session, an append "
                     f"inserted a median of {sb / 1e3:.0f} kB of segment data ({sb / p['piece_bytes']:.1f}×): the "
                     "new messages of each channel as a small segment, and, once a channel's small segments "
                     "add up to `hdaq.segment_size`, the segment they are merged into (the small ones deleted). "
                     "Those inserts and deletes are what the edge logs to WAL and sends to the centre.")
        L.append("")
    if cu:
        L.append(f"**Catch-up.** {cu['seconds_of_session']} s of the session ({cu['bytes'] / 1e6:.1f} MB, "
                 f"{cu['messages']:,} messages) were appended while the subscription was disabled; the edge took "
                 f"them in {cu['edge_absorb_s']:.1f} s ({cu['bytes'] / 1e6 / cu['edge_absorb_s']:.1f} MB/s) and wrote "
                 f"{cu['wal_bytes'] / 1e6:.1f} MB of WAL for them ({cu['wal_bytes'] / cu['bytes']:.1f}× the session's bytes), "
                 "all of which its replication slot kept for the centre; the plain rows made "
                 f"{cu['plain_wal_bytes'] / 1e6:.1f} MB. Catching up replays every change: each append's new segment "
                 "rows, the merges of small segments into full ones, and the updates of the file and channel "
                 "rows. The time runs from the start of "
                 "the edge's sender for the centre (the link up) to the moment the centre's polling loop saw the "
                 f"last append; before it, the centre's launcher took {cu['link_up_s']:.1f} s (hdaq) and "
                 f"{cu['plain_link_up_s']:.1f} s (plain) to start the worker after `ALTER SUBSCRIPTION edge ENABLE` "
                 "(up to `wal_retrieve_retry_interval`, 5 s by default: the launcher starts workers at most once "
                 "an interval).")
        L.append("")
    if "finish_s" in f:
        L.append(f"**Completion.** The rest of the session and its footer (the edge compacts the file's segments "
                 f"and completes its row) reached the centre {f['finish_s']:.1f} s after the first of those appends "
                 "began.")
        L.append("")
    if results["checks"]:
        L.append("Cross-checks:")
        L.append("")
        for c in results["checks"]:
            L.append(f"- {'ok' if c['ok'] else 'NOT OK'}: {c['text']}")
        L.append("")
    L.append("Reproduce: `make bench` (a 14-minute session: 180 s of appends a second, then a 10-minute outage) "
             "or `make bench QUICK=1` (20 s, then a 1-minute outage); alone, after `make install`: "
             "`bench/edge_centre.py --session FILE --seconds S --latency N --outage N --work DIR "
             "--out-json FILE --out-md FILE`.")
    L.append("")
    return "\n".join(L)


def write_section(md_path, section):
    """Replace the section in the report, or add it before ## Reproduce."""
    text = open(md_path).read() if os.path.exists(md_path) else ""
    start = text.find(SECTION + "\n")
    if start >= 0:
        nxt = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[nxt + 1:] if nxt >= 0 else "")
    else:
        at = text.find("\n## Reproduce")
        text = (text[:at + 1] + section + "\n" + text[at + 1:]) if at >= 0 else (text + "\n" + section)
    with open(md_path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--session")
    ap.add_argument("--seconds", type=int)
    ap.add_argument("--latency", type=int, default=180)
    ap.add_argument("--outage", type=int, default=600)
    ap.add_argument("--work")
    ap.add_argument("--out-json", required=True)
    ap.add_argument("--out-md", required=True)
    ap.add_argument("--mode", default="full", choices=["quick", "full"])
    ap.add_argument("--render-only", action="store_true", help="rewrite the section from --out-json")
    args = ap.parse_args()

    if args.render_only:
        with open(args.out_json) as f:
            write_section(args.out_md, render(json.load(f)))
        return 0
    if not (args.session and args.seconds and args.work):
        ap.error("--session, --seconds and --work are needed to measure")

    r = Replication(args)
    r.run()
    os.makedirs(os.path.dirname(os.path.abspath(args.out_json)), exist_ok=True)
    with open(args.out_json, "w") as f:
        json.dump(r.results, f, indent=1)
    write_section(args.out_md, render(r.results))
    log(f"wrote the section \"{SECTION[3:]}\" of {args.out_md}")
    bad = [c for c in r.results["checks"] if not c["ok"]]
    steps = ["latency", "catch_up", "finish"]
    failed = len(steps) - len(r.done) + len(bad)
    print(f"edge-centre: {len(r.done)} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
