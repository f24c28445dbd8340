#!/usr/bin/python3
"""hdaq.export_mat of files with many topics: time and the backend's peak
private memory (RssAnon, sampled every 50 ms) per export, printed.

    scale.py [TOPICS...]        (default 1000 16000 65535)

Runs where the server runs (pg_virtualenv), in database $HDAQ_MAT_DB
with the extension created.  check.py runs the same export of 65,535
topics as a test and checks what it wrote."""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_topics  # noqa: E402
import session  # noqa: E402


def export_many(s, ntopics, fmt="v7", work=None):
    """Generate, store and export a file of ntopics topics.  Returns
    (names, path of the .mat or None, error, seconds, peak kB)."""
    work = work or tempfile.mkdtemp(prefix="hdaq_scale_")
    mcap = os.path.join(work, "topics_%d.mcap" % ntopics)
    names = gen_topics.write(mcap, ntopics)
    fid = session.ingest_file(s, mcap, "topics %d" % ntopics)
    # no ANALYZE: the export must not depend on statistics that know the
    # file (with ones from before it, a topic's lookup once read every
    # channel of the file: minutes for 65,535 topics)
    out, err, seconds, peak = session.measure(
        s, "SELECT encode(hdaq.export_mat(%d, format => '%s'), 'base64')" % (fid, fmt))
    path = None
    if not err:
        import base64
        path = os.path.join(work, "topics_%d_%s.mat" % (ntopics, fmt.replace(".", "")))
        with open(path, "wb") as f:
            f.write(base64.b64decode(out))
    s.query("SELECT hdaq.delete_file(%d)" % fid)
    return names, path, err, seconds, peak


if __name__ == "__main__":
    db = os.environ.get("HDAQ_MAT_DB", "postgres")
    for n in [int(a) for a in sys.argv[1:]] or [1000, 16000, 65535]:
        s = session.Session(db)
        s.query("SET statement_timeout = '300s'")
        fmt = os.environ.get("HDAQ_SCALE_FORMAT", "v7")
        names, path, err, seconds, peak = export_many(s, n, fmt)
        print("%s, %6d topics: %7.1f s, peak backend RssAnon %7.1f MB, %s" %
              (fmt, n, seconds, peak / 1024.0, err.splitlines()[0] if err else
               "%.1f MB MAT file" % (os.path.getsize(path) / 1e6)), flush=True)
        s.close()
