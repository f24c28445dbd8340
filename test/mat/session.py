"""A psql session kept open, for the MAT tests that need one backend: its
process id (to sample its memory in /proc), statements sent one at a time,
and the time a statement takes.  Runs where the server runs (pg_virtualenv)."""
import os
import queue
import subprocess
import threading
import time


class Session:
    def __init__(self, db):
        self.p = subprocess.Popen(["psql", "-X", "-At", "-q", "-v", "ON_ERROR_STOP=0", "-d", db],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines = queue.Queue()
        for stream, tag in ((self.p.stdout, "out"), (self.p.stderr, "err")):
            threading.Thread(target=self._read, args=(stream, tag), daemon=True).start()
        self.p.stdin.write("\\set VERBOSITY verbose\n")
        self.pid = int(self.query("SELECT pg_backend_pid()"))

    def _read(self, stream, tag):
        for line in stream:
            self.lines.put((tag, line.rstrip("\n")))
        self.lines.put((tag, None))

    def send(self, sql):
        """Send a statement; its output is read by result()."""
        self.p.stdin.write(sql.rstrip().rstrip(";") + ";\n\\echo __done__\n")
        self.p.stdin.flush()

    def result(self):
        """The output of the statement sent, and its error text ('' if none)."""
        lines, errors = [], []
        while True:
            tag, line = self.lines.get()
            if line is None:
                raise RuntimeError("psql ended: " + " ".join(errors))
            if tag == "err":
                errors.append(line)
            elif line == "__done__":
                # what psql wrote to stderr before the echo may still be on its way
                time.sleep(0.05)
                while not self.lines.empty():
                    tag, line = self.lines.get()
                    if tag == "err" and line is not None:
                        errors.append(line)
                return "\n".join(lines), "\n".join(errors)
            else:
                lines.append(line)

    def query(self, sql):
        self.send(sql)
        out, err = self.result()
        if err:
            raise RuntimeError(err)
        return out

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def rss_anon_kb(pid):
    """The backend's private memory (RssAnon), in kB; 0 when unreadable."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(session, sql, interval=0.05):
    """Run sql in the session: (output, error, seconds, peak RssAnon in kB)."""
    peak = [rss_anon_kb(session.pid)]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_anon_kb(session.pid))
            time.sleep(interval)
    thread = threading.Thread(target=sample)
    thread.start()
    start = time.monotonic()
    session.send(sql)
    out, err = session.result()
    seconds = time.monotonic() - start
    stop.set()
    thread.join()
    return out, err, seconds, peak[0]


def ingest_file(session, path, name):
    """Store a file the server can read (its directory made readable)."""
    os.chmod(path, 0o644)
    os.chmod(os.path.dirname(os.path.abspath(path)), 0o755)
    return int(session.query("SELECT hdaq.ingest(pg_read_binary_file('%s'), '%s')" % (path, name)))


def cancel_after(session, sql, delay, admin_db):
    """Run sql, cancel it after delay seconds: (error text, seconds from the
    cancel to the statement's end)."""
    session.send(sql)
    time.sleep(delay)
    t0 = time.monotonic()
    subprocess.run(["psql", "-X", "-At", "-d", admin_db, "-c",
                    "SELECT pg_cancel_backend(%d)" % session.pid],
                   capture_output=True, text=True, check=True)
    out, err = session.result()
    return err, time.monotonic() - t0, out


if os.environ.get("HDAQ_SESSION_SELFTEST"):
    s = Session(os.environ.get("HDAQ_MAT_DB", "postgres"))
    print(s.pid, s.query("SELECT 1"), measure(s, "SELECT pg_sleep(0.2)"))
