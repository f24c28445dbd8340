#!/usr/bin/env python3
"""Math channels against the paths they read: what hdaq.signal costs for a
math channel compared with hdaq.signal / hdaq.signals of its inputs, in
one store, alternating between the variants at every repetition (one
unmeasured round first); medians of wall-clock milliseconds per query,
counted with count(value) so that no row crosses the wire.

Variants over one file's VehicleData (and VnInsData for the channel that
reads another topic):
  - path: hdaq.signal('VehicleData', 'current_rpms.FL');
  - copy: a channel 'current_rpms.FL' (the same values through the math
    channel engine);
  - mix: a channel 'current_rpms.FL * 2 + current_rpms.FR', against
    hdaq.signals of its two paths;
  - slip: a channel reading VnInsData at each VehicleData time (linear
    interpolation), against hdaq.signals of its two paths.

    math_channels.py --dsn CONNINFO --file-id N [--reps N]

The channels are defined in the store (hdaq.define_math_channel) and left
there.  The last line is "math_channels: N passed, M failed": a check
passes when a channel's row count equals its home path's.
"""
import argparse
import statistics
import subprocess
import time

CHANNELS = {
    "bench_fl_copy": "current_rpms.FL",
    "bench_fl_mix": "current_rpms.FL * 2 + current_rpms.FR",
    "bench_slip": "(current_body_vel_ms.x - VnInsData:vel_body_vehicle_flu_m_s.x)"
                  " / VnInsData:vel_body_vehicle_flu_m_s.x",
}


def psql(dsn, sql):
    r = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r.stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--file-id", type=int, required=True)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    f = a.file_id
    for name, expr in CHANNELS.items():
        psql(a.dsn, "SELECT hdaq.define_math_channel('VehicleData', '%s', '%s')" % (name, expr))

    def signal(path):
        return "SELECT count(value) FROM hdaq.signal('VehicleData', '%s', file_id => %d)" % (path, f)

    def signals(*paths):
        return ("SELECT count(value) FROM hdaq.signals(ARRAY[%s], file_id => %d)"
                % (", ".join("'%s'" % p for p in paths), f))
    variants = [
        ("path current_rpms.FL", signal("current_rpms.FL")),
        ("channel = current_rpms.FL", signal("bench_fl_copy")),
        ("channel FL * 2 + FR", signal("bench_fl_mix")),
        ("signals of FL and FR", signals("VehicleData/current_rpms.FL", "VehicleData/current_rpms.FR")),
        ("channel slip (VnInsData interpolated)", signal("bench_slip")),
        ("signals of its two paths", signals("VehicleData/current_body_vel_ms.x",
                                             "VnInsData/vel_body_vehicle_flu_m_s.x")),
    ]
    times = {name: [] for name, _ in variants}
    rows = {}
    for rep in range(a.reps + 1):
        for name, sql in variants:
            t = time.monotonic()
            rows[name] = psql(a.dsn, sql)
            if rep > 0:
                times[name].append((time.monotonic() - t) * 1000)
    print("| query | rows with a value | median ms |")
    print("|---|---:|---:|")
    for name, _ in variants:
        print("| %s | %s | %.0f |" % (name, rows[name], statistics.median(times[name])))
    home = int(psql(a.dsn, "SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => %d)" % f))
    passed = failed = 0
    for name in CHANNELS:
        n = int(psql(a.dsn, "SELECT count(*) FROM hdaq.signal('VehicleData', '%s', file_id => %d)" % (name, f)))
        if n == home:
            passed += 1
        else:
            failed += 1
            print("channel %s: %d rows, VehicleData has %d messages" % (name, n, home))
    print("math_channels: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
