#!/usr/bin/env python3
"""Replicas and edges, tried on this machine: what docs/SCALING.md states
as verified about spreading hdaq over several servers.

Starts its own PostgreSQL 15 clusters on Unix sockets (initdb and pg_ctl,
as the postgres user when run as root), each loading hdaq from an install
tree (Debian's extension_destdir), and checks:

  1. a hot standby (streaming replication, pg_basebackup -R): files
     ingested on the primary are read on the standby, with the same
     results (hdaq.signal, hdaq.downsample, hdaq.messages); the WAL an
     ingest writes (bytes of WAL per byte of MCAP); how long the standby
     takes to replay it; an ingest of a new file on the standby is refused;
  2. edges into a central store by logical replication (a publication of
     hdaq's six tables on each edge, a subscription per edge on the
     central server): one edge's files arrive whole and read the same;
     a second edge's files do too, or the subscription stops, and on
     what (keys generated on each edge independently); and the same with
     keys that cannot meet (a third edge whose identity sequences start
     at 2^62, as keys drawn at random would);
  3. the keys edges would need, emulated without changing hdaq: identity
     sequences in a range of their own on each edge, a schema's key made
     from its content (a trigger on each edge), and on the central server
     a trigger that skips a schema row it already has: every file of two
     edges arrives and reads the same.

    replication.py --destdir DIR --work DIR --files FILE... --out-json FILE

Prints what it found and ends with "replication: N passed, M failed" (a
check passes when it ran and found what it reports; a second edge's
conflict is reported, not failed: it is what the check is for).
"""

import argparse
import json
import os
import pwd
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
DB = "hdaq_repl"
TOPIC, PATH = "VehicleData", "current_rpms.FL"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def as_postgres(cmd, **kw):
    """Run a server command as postgres when we are root (initdb refuses root)."""
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, **kw)


class Cluster:
    def __init__(self, work, name, port, destdir, extra=()):
        self.name = name
        self.dir = os.path.join(work, name)
        self.sock = work
        self.port = port
        self.destdir = destdir
        self.extra = list(extra)

    def conf(self):
        return [
            f"port = {self.port}",
            "listen_addresses = ''",
            f"unix_socket_directories = '{self.sock}'",
            f"extension_destdir = '{self.destdir}'",
            "wal_level = logical",
            "max_wal_senders = 10",
            "max_replication_slots = 10",
            "max_wal_size = '4GB'",
            "fsync = off",
            *self.extra,
        ]

    def init(self):
        as_postgres([os.path.join(BIN, "initdb"), "-D", self.dir, "-A", "trust", "-U", "postgres", "--no-sync"],
                    check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(self.dir, "postgresql.conf"), "a") as f:
            f.write("\n".join(self.conf()) + "\n")
        with open(os.path.join(self.dir, "pg_hba.conf"), "a") as f:
            f.write("local replication all trust\n")

    def start(self):
        as_postgres([os.path.join(BIN, "pg_ctl"), "-D", self.dir, "-l", self.dir + ".log", "-w", "start"],
                    check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        if os.path.exists(os.path.join(self.dir, "postmaster.pid")):
            as_postgres([os.path.join(BIN, "pg_ctl"), "-D", self.dir, "-m", "fast", "-w", "stop"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def dsn(self, db=DB):
        return f"host={self.sock} port={self.port} user=postgres dbname={db}"

    def sql(self, q, db=DB, check=True):
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", self.dsn(db), "-c", q],
                           capture_output=True, text=True)
        if check and p.returncode != 0:
            raise RuntimeError(f"{self.name}: {p.stderr.strip()[:800]}\n  in: {q[:300]}")
        return p.stdout.strip() if p.returncode == 0 else ("ERROR", p.stderr.strip())

    def value(self, q, db=DB):
        return self.sql(q, db).split("\n")[0]


def reads(c, file_name):
    """The same reads on any server: one file's signal, a window across
    files, a downsample, every message; file ids are looked up by name."""
    fid = c.value(f"SELECT file_id FROM hdaq.file WHERE name = '{file_name}'")
    lo, hi = c.sql("SELECT min(start_time), max(end_time) FROM hdaq.file").split("|")
    return {
        "files": c.value("SELECT count(*) FROM hdaq.file"),
        "signal_one_file": c.value(f"SELECT count(*) || '/' || sum(value) FROM hdaq.signal('{TOPIC}', '{PATH}', file_id => {fid})"),
        "window_across_files": c.value(
            f"SELECT count(*) || '/' || sum(value) FROM hdaq.signal('{TOPIC}', '{PATH}', '{lo}'::timestamptz + interval '1 s', "
            f"'{lo}'::timestamptz + interval '11 s')"),
        "downsample": c.value(
            f"SELECT count(*) || '/' || sum(value) FROM hdaq.downsample('{TOPIC}', '{PATH}', '{lo}', '{hi}', interval '1 s')"),
        "messages": c.value("SELECT count(*) FROM hdaq.messages()"),
    }


def wait_for(pred, timeout=120):
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if pred():
            return time.perf_counter() - t0
        time.sleep(0.05)
    return None


def ingest(c, path):
    name = os.path.basename(path)
    return c.value(f"SELECT hdaq.ingest(pg_read_binary_file('{path}'), '{name}')")


class Checks:
    def __init__(self):
        self.items = []

    def add(self, what, ok, detail=""):
        self.items.append({"what": what, "ok": bool(ok), "detail": detail})
        log(f"{'ok' if ok else 'FAILED'}: {what} {detail}")


def standby_check(work, destdir, files, checks, out):
    primary = Cluster(work, "primary", 55431, destdir)
    standby = Cluster(work, "standby", 55432, destdir)
    try:
        primary.init()
        primary.start()
        primary.sql(f"CREATE DATABASE {DB}", db="postgres")
        primary.sql("CREATE EXTENSION hdaq")
        as_postgres(["pg_basebackup", "-h", work, "-p", str(primary.port), "-U", "postgres", "-D", standby.dir, "-R",
                     "-X", "stream", "--no-sync"], check=True)
        with open(os.path.join(standby.dir, "postgresql.conf"), "a") as f:
            f.write(f"port = {standby.port}\nhot_standby = on\n")
        standby.start()
        checks.add("the standby is in recovery", standby.value("SELECT pg_is_in_recovery()") == "t")
        total_bytes, wal_bytes, lags = 0, 0, []
        # the last file is kept for the standby to refuse (a file already
        # stored would be found by its sha256, which only reads)
        for path in files[:-1]:
            before = primary.value("SELECT pg_current_wal_lsn()")
            t0 = time.perf_counter()
            ingest(primary, path)
            ingest_s = time.perf_counter() - t0
            after = primary.value("SELECT pg_current_wal_lsn()")
            wal = int(primary.value(f"SELECT pg_wal_lsn_diff('{after}', '{before}')"))
            lag = wait_for(lambda: standby.value(f"SELECT pg_last_wal_replay_lsn() >= '{after}'") == "t")
            total_bytes += os.path.getsize(path)
            wal_bytes += wal
            lags.append(lag)
            log(f"  {os.path.basename(path)}: {os.path.getsize(path) / 1e6:.1f} MB, ingest {ingest_s:.2f} s, "
                f"WAL {wal / 1e6:.1f} MB, standby replayed it {lag:.2f} s after the commit")
        a = reads(primary, os.path.basename(files[0]))
        b = reads(standby, os.path.basename(files[0]))
        checks.add("the standby reads what the primary reads (signal, window, downsample, messages)", a == b,
                   json.dumps({"primary": a, "standby": b}))
        refused = standby.sql(f"SELECT hdaq.ingest(pg_read_binary_file('{files[-1]}'), 'new')", check=False)
        checks.add("an ingest on the standby is refused (read-only)",
                   isinstance(refused, tuple) and "read-only" in refused[1], str(refused)[:200])
        out["standby"] = {"mcap_bytes": total_bytes, "wal_bytes": wal_bytes, "wal_per_mcap_byte": wal_bytes / total_bytes,
                          "replay_after_commit_s": lags, "reads": b}
    finally:
        standby.stop()
        primary.stop()


def edges_check(work, destdir, files, checks, out):
    edge_a = Cluster(work, "edge_a", 55441, destdir)
    edge_b = Cluster(work, "edge_b", 55442, destdir)
    central = Cluster(work, "central", 55443, destdir)
    edge_c = Cluster(work, "edge_c", 55444, destdir)
    tables = "hdaq.file, hdaq.schema, hdaq.channel, hdaq.segment, hdaq.metadata, hdaq.attachment"
    try:
        for c in (edge_a, edge_b, central):
            c.init()
            c.start()
            c.sql(f"CREATE DATABASE {DB}", db="postgres")
            c.sql("CREATE EXTENSION hdaq")
        for c in (edge_a, edge_b):
            c.sql(f"CREATE PUBLICATION hdaq_pub FOR TABLE {tables}")
        a_files, b_files = files[0::2], files[1::2]
        for path in a_files:
            ingest(edge_a, path)
        central.sql(f"CREATE SUBSCRIPTION from_a CONNECTION '{edge_a.dsn()}' PUBLICATION hdaq_pub")
        n_a = len(a_files)
        a_messages = edge_a.value("SELECT count(*) FROM hdaq.messages()")
        t = wait_for(lambda: central.value("SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'") == "0"
                     and central.value("SELECT count(*) FROM hdaq.messages()") == a_messages)
        checks.add("edge A's files arrive whole on the central server", t is not None, f"{n_a} files in {t} s")
        a = reads(edge_a, os.path.basename(a_files[0]))
        c = reads(central, os.path.basename(a_files[0]))
        checks.add("the central server reads what edge A reads", a == c, json.dumps({"edge_a": a, "central": c}))
        out["edges"] = {"edge_a_files": n_a, "edge_a_reads": a, "central_reads_after_a": c}

        for path in b_files:
            ingest(edge_b, path)
        keys = {k: edge_b.value(f"SELECT min({k}) || '-' || max({k}) FROM hdaq.{t}")
                for k, t in (("file_id", "file"), ("channel_key", "channel"), ("schema_key", "schema"))}
        central.sql(f"CREATE SUBSCRIPTION from_b CONNECTION '{edge_b.dsn()}' PUBLICATION hdaq_pub")
        n_all = len(files)
        t = wait_for(lambda: central.value("SELECT count(*) FROM hdaq.file WHERE size_bytes > 0") == str(n_all), timeout=20)
        errors = central.sql("SELECT subname, apply_error_count, sync_error_count FROM pg_stat_subscription_stats")
        with open(central.dir + ".log") as f:
            logged = [line.strip() for line in f if "ERROR" in line or "DETAIL" in line][-6:]
        out["edges"].update({"edge_b_files": len(b_files), "edge_b_keys": keys, "arrived": t is not None,
                             "subscription_errors": errors, "central_log": logged,
                             "central_files": central.value("SELECT count(*) FROM hdaq.file")})
        log(f"  edge B's keys: {keys}; central holds {out['edges']['central_files']} files; "
            f"subscription errors: {errors}")
        for line in logged:
            log(f"  central: {line[:300]}")
        checks.add("a second edge's files either arrive or the conflict that stops them is reported",
                   t is not None or logged, "arrived" if t is not None else "stopped: " + (logged[-2] if logged else ""))

        # Edge C: the same files as edge B, with keys that cannot meet
        # edge A's (its identity sequences start at 2^62), as keys drawn
        # at random would: what still stops the subscription?
        central.sql("ALTER SUBSCRIPTION from_b DISABLE")
        central.sql("ALTER SUBSCRIPTION from_b SET (slot_name = NONE)")
        central.sql("DROP SUBSCRIPTION from_b")
        edge_c.init()
        edge_c.start()
        edge_c.sql(f"CREATE DATABASE {DB}", db="postgres")
        edge_c.sql("CREATE EXTENSION hdaq")
        for table, column in (("file", "file_id"), ("channel", "channel_key"), ("schema", "schema_key")):
            edge_c.sql(f"SELECT setval(pg_get_serial_sequence('hdaq.{table}', '{column}'), 4611686018427387904)")
        edge_c.sql(f"CREATE PUBLICATION hdaq_pub FOR TABLE {tables}")
        for path in b_files:
            ingest(edge_c, path)
        with open(central.dir + ".log") as f:
            seen = sum(1 for _ in f)
        central.sql(f"CREATE SUBSCRIPTION from_c CONNECTION '{edge_c.dsn()}' PUBLICATION hdaq_pub")
        t = wait_for(lambda: central.value("SELECT count(*) FROM hdaq.file WHERE size_bytes > 0") == str(n_all), timeout=20)
        with open(central.dir + ".log") as f:
            logged = [line.strip() for line in list(f)[seen:] if "ERROR" in line or "DETAIL" in line]
        errors = sorted({line.split("ERROR:", 1)[1].strip() for line in logged if "ERROR:" in line})
        out["edges"].update({"edge_c_arrived": t is not None, "edge_c_errors": errors,
                             "central_files_after_c": central.value("SELECT count(*) FROM hdaq.file"),
                             "central_channels_after_c": central.value("SELECT count(*) FROM hdaq.channel")})
        for e in errors:
            log(f"  central, from edge C: {e[:300]}")
        missing = central.value("SELECT count(*) FROM hdaq.channel c WHERE c.schema_key IS NOT NULL "
                                "AND NOT EXISTS (SELECT 1 FROM hdaq.schema s WHERE s.schema_key = c.schema_key)")
        name_c = os.path.basename(b_files[0])
        fid = central.value(f"SELECT file_id FROM hdaq.file WHERE name = '{name_c}'")
        read_c = central.sql(f"SELECT count(*) FROM hdaq.signal('{TOPIC}', '{PATH}', file_id => {fid})", check=False)
        out["edges"].update({"central_channels_without_schema": missing, "central_read_of_edge_c_file": read_c})

        detail = ("files arrived" if t is not None else "files did not arrive") + \
            (f"; stopped: {'; '.join(errors)}" if errors else "") + \
            f"; {missing} channels lack their schema; reading one: {str(read_c)[:200]}"
        checks.add("with keys unique per edge, what arrives from a second edge and what stops it is reported",
                   t is not None or errors, detail)
    finally:
        for c in (central, edge_c, edge_b, edge_a):
            c.stop()


# Emulating, without changing hdaq, the keys the edges would need: each
# edge's identity sequences start in a range of their own (as keys drawn at
# random would), and a schema's key is made from its content on every edge
# (the first 63 bits of a digest of name, encoding and sha256), so that the
# same schema has the same key everywhere.
CONTENT_KEY = """
CREATE FUNCTION public.schema_content_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.schema_key := ('x' || left(encode(sha256(convert_to(NEW.name, 'UTF8') || '\\x00'::bytea
		|| convert_to(NEW.encoding, 'UTF8') || '\\x00'::bytea || NEW.sha256), 'hex'), 16))::bit(64)::bigint
		& 9223372036854775807;
	RETURN NEW;
END $$;
CREATE TRIGGER schema_content_key BEFORE INSERT ON hdaq.schema
	FOR EACH ROW EXECUTE FUNCTION public.schema_content_key();
"""

# On the central server: a schema row that is already there (the same
# content, so the same key) is skipped rather than stopping the
# subscription; ENABLE ALWAYS makes the trigger fire for replicated rows.
SKIP_KNOWN_SCHEMA = """
CREATE FUNCTION public.skip_known_schema() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM hdaq.schema s WHERE s.schema_key = NEW.schema_key) THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER skip_known_schema BEFORE INSERT ON hdaq.schema
	FOR EACH ROW EXECUTE FUNCTION public.skip_known_schema();
ALTER TABLE hdaq.schema ENABLE ALWAYS TRIGGER skip_known_schema;
"""


def designed_edges_check(work, destdir, files, checks, out):
    edges = [Cluster(work, "edge_1", 55451, destdir), Cluster(work, "edge_2", 55452, destdir)]
    central = Cluster(work, "central_2", 55453, destdir)
    tables = "hdaq.file, hdaq.schema, hdaq.channel, hdaq.segment, hdaq.metadata, hdaq.attachment"
    try:
        for c in (*edges, central):
            c.init()
            c.start()
            c.sql(f"CREATE DATABASE {DB}", db="postgres")
            c.sql("CREATE EXTENSION hdaq")
        central.sql(SKIP_KNOWN_SCHEMA)
        for n, (edge, mine) in enumerate(zip(edges, (files[0::2], files[1::2])), start=1):
            for table, column in (("file", "file_id"), ("channel", "channel_key")):
                edge.sql(f"SELECT setval(pg_get_serial_sequence('hdaq.{table}', '{column}'), {n << 60})")
            edge.sql(CONTENT_KEY)
            edge.sql(f"CREATE PUBLICATION hdaq_pub FOR TABLE {tables}")
            for path in mine:
                ingest(edge, path)
            central.sql(f"CREATE SUBSCRIPTION from_{n} CONNECTION '{edge.dsn()}' PUBLICATION hdaq_pub")
        total = sum(int(e.value("SELECT count(*) FROM hdaq.messages()")) for e in edges)
        # every table of both subscriptions copied and caught up, every message there
        t = wait_for(lambda: central.value("SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'") == "0"
                     and central.value("SELECT count(*) FROM hdaq.messages()") == str(total), timeout=120)
        same = {}
        for edge, mine in zip(edges, (files[0::2], files[1::2])):
            name = os.path.basename(mine[0])
            fid = edge.value(f"SELECT file_id FROM hdaq.file WHERE name = '{name}'")
            q = (f"SELECT count(*) || '/' || sum(value) FROM hdaq.signal('{TOPIC}', '{PATH}', file_id => {fid})")
            same[name] = (edge.value(q), central.sql(q, check=False))
        central_total = central.sql("SELECT count(*) FROM hdaq.messages()", check=False)
        schemas = central.value("SELECT count(*) FROM hdaq.schema")
        edge_schemas = [e.value("SELECT count(*) FROM hdaq.schema") for e in edges]
        ok = t is not None and all(a == b for a, b in same.values()) and central_total == str(total)
        out["designed_edges"] = {"arrived_s": t, "signal_edge_vs_central": same, "messages_edges": total,
                                 "messages_central": central_total, "schemas_central": schemas,
                                 "schemas_edges": edge_schemas}
        checks.add("two edges with keys of their own and content keys for schemas: every file arrives and reads the same",
                   ok, json.dumps(out["designed_edges"]))
    finally:
        for c in (central, *edges):
            c.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--destdir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--files", nargs="+", required=True)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if os.getuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(work, pw.pw_uid, pw.pw_gid)
    files = [os.path.abspath(f) for f in args.files]
    checks, out = Checks(), {}
    for name, fn in (("standby", standby_check), ("edges", edges_check), ("designed edges", designed_edges_check)):
        try:
            fn(work, os.path.abspath(args.destdir), files, checks, out)
        except Exception as e:
            checks.add(f"the {name} check ran", False, str(e)[:1000])
    out["checks"] = checks.items
    with open(args.out_json, "w") as f:
        json.dump(out, f, indent=1)
    failed = sum(1 for c in checks.items if not c["ok"])
    print(f"replication: {len(checks.items) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
