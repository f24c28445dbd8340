#!/usr/bin/env python3
"""Checks of the Grafana side of hdaq that need no Docker engine.

  * docker/: the compose file, the provisioning files and the dashboard
    parse; the names they use agree (data source uid and type, database,
    role, mounted paths, environment variables); the Dockerfile is
    multi-stage with a pinned base and no build tools in its final stage.
  * Grafana's PostgreSQL macros: an expander written from Grafana's
    documentation and its data source's behaviour, checked on the
    documented examples.
  * Every panel's SQL and the run picker's query, expanded the way Grafana
    expands them for a few time ranges and panel widths, run as the
    read-only grafana role against a database holding the bundled logs:
    time series panels return a "time" column in ascending order and numeric
    value columns; table panels and the variable just run.  The same for the
    panel queries printed in docker/README.md.
  * The laps dashboard (hdaq-laps.json) against a generated track session
    whose truth is at $HDAQ_TRACK_TRUTH: its variables offer the run, the
    track and the truth's laps; the lap table holds the truth's laps and
    lap times; the XY charts return a distance column from 0 in steps of
    2 m with numeric series (delta-T at the finish is the lap-time
    difference); the track map returns positions on the track with a speed.

Usage: check.py  (from the repository root, with PGHOST, PGPORT, PGDATABASE
set to the test database, GRAFANA_DB_PASSWORD to the grafana role's password)
Prints one "ok"/"not ok" line per check and "N passed, M failed".
"""

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCKER = os.path.join(ROOT, "docker")

passed = 0
failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok %d - %s" % (passed + failed, what))
    else:
        failed += 1
        print("not ok %d - %s" % (passed + failed, what))
        for line in str(detail).splitlines()[:30]:
            print("#   " + line)
    return ok


# ---------------------------------------------------------------------------
# Grafana's expansion of a PostgreSQL query
#
# 1. The front end replaces template variables ($run, ${run}, [[run]]).  A
#    single-valued variable's text goes in as it is, quotes doubled; a
#    multi-valued one as a list of quoted literals (the SQL data sources'
#    interpolateVariable).
# 2. The back end's global substitutions: $__interval_ms, $__interval,
#    $__unixEpochFrom(), $__unixEpochTo().
# 3. The PostgreSQL macro engine: every "$name(args)" (args without ")"),
#    args split on "," and trimmed; an unknown macro is an error.
# ---------------------------------------------------------------------------

class MacroError(Exception):
    pass


def rfc3339nano(t):
    """Go's time.RFC3339Nano of a UTC time: fraction without trailing zeros."""
    t = t.astimezone(dt.timezone.utc)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += ("." + "%06d" % t.microsecond).rstrip("0")
    return s + "Z"


def go_float(v):
    """Go's %v of a float64 (shortest representation, %g style)."""
    if v == int(v) and abs(v) < 1e21:
        return str(int(v))
    r = repr(v)
    if "e" in r:
        mant, exp = r.split("e")
        sign = "-" if exp.startswith("-") else "+"
        digits = exp.lstrip("+-").lstrip("0")
        r = "%se%s%02d" % (mant, sign, int(digits))
    return r


_UNITS_MS = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000,
             "w": 7 * 86400000, "M": 30 * 86400000, "y": 365 * 86400000}


def parse_interval_ms(text):
    """gtime.ParseInterval: a count and a unit (ms, s, m, h, d, w, M, y)."""
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d|w|M|y)", text.strip())
    if not m:
        raise MacroError("error parsing interval %s" % text)
    return int(m.group(1)) * _UNITS_MS[m.group(2)]


def format_interval(ms):
    """gtime.FormatInterval: the largest whole unit."""
    for unit, size in (("y", 365 * 86400000), ("d", 86400000), ("h", 3600000),
                       ("m", 60000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            return "%d%s" % (ms // size, unit)
    return "1ms"


def round_interval(ms):
    """The front end's rangeutil.roundInterval."""
    steps = [(10, 1), (15, 10), (35, 20), (75, 50), (150, 100), (350, 200),
             (750, 500), (1500, 1000), (3500, 2000), (7500, 5000),
             (12500, 10000), (17500, 15000), (25000, 20000), (45000, 30000),
             (90000, 60000), (210000, 120000), (450000, 300000),
             (750000, 600000), (1050000, 900000), (1500000, 1200000),
             (2700000, 1800000), (5400000, 3600000), (9000000, 7200000),
             (16200000, 10800000), (32400000, 21600000),
             (86400000, 43200000), (604800000, 86400000),
             (1814400000, 604800000), (3628800000, 2592000000)]
    for limit, value in steps:
        if ms < limit:
            return value
    return 31536000000


def calculate_interval_ms(t_from, t_to, max_data_points, low_limit="1ms"):
    """The front end's rangeutil.calculateInterval: the panel's interval."""
    span_ms = (t_to - t_from).total_seconds() * 1000
    interval = round_interval(span_ms / max_data_points)
    return max(interval, parse_interval_ms(low_limit))


_VAR_RE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::(\w+))?\}")


def replace_variables(sql, variables):
    """Template variables, as the SQL data sources format them."""
    def value_of(name, spec):
        v = spec["value"]
        if isinstance(v, list):
            return ",".join("'" + str(x).replace("'", "''") + "'" for x in v)
        if isinstance(v, (int, float)):
            return str(v)
        if spec.get("multi") or spec.get("includeAll"):
            return "'" + v.replace("'", "''") + "'"
        return v.replace("'", "''")

    def sub(m):
        name = m.group(1) or m.group(2) or m.group(4)
        if name in variables:
            return value_of(name, variables[name])
        return m.group(0)
    return _VAR_RE.sub(sub, sql)


_MACRO_RE = re.compile(r"\$([_a-zA-Z0-9]+)\(([^\)]*)\)")


def evaluate_macro(name, args, t_from, t_to):
    f, t = rfc3339nano(t_from), rfc3339nano(t_to)
    if name == "__time":
        if not args or not args[0]:
            raise MacroError("missing time column argument for macro %s" % name)
        return '%s AS "time"' % args[0]
    if name == "__timeEpoch":
        if not args or not args[0]:
            raise MacroError("missing time column argument for macro %s" % name)
        return 'extract(epoch from %s) as "time"' % args[0]
    if name == "__timeFilter":
        if not args or not args[0]:
            raise MacroError("missing time column argument for macro %s" % name)
        return "%s BETWEEN '%s' AND '%s'" % (args[0], f, t)
    if name == "__timeFrom":
        return "'%s'" % f
    if name == "__timeTo":
        return "'%s'" % t
    if name in ("__timeGroup", "__unixEpochGroup"):
        if len(args) < 2:
            raise MacroError("macro %s needs time column and interval and optional fill value" % name)
        secs = go_float(parse_interval_ms(args[1].strip("'")) / 1000)
        if name == "__timeGroup":
            return "floor(extract(epoch from %s)/%s)*%s" % (args[0], secs, secs)
        return "floor((%s)/%s)*%s" % (args[0], secs, secs)
    if name in ("__timeGroupAlias", "__unixEpochGroupAlias"):
        return evaluate_macro(name[:-len("Alias")], args, t_from, t_to) + ' AS "time"'
    if name == "__unixEpochFilter":
        if not args or not args[0]:
            raise MacroError("missing time column argument for macro %s" % name)
        return "%s >= %d AND %s <= %d" % (args[0], int(t_from.timestamp()),
                                          args[0], int(t_to.timestamp()))
    if name == "__unixEpochNanoFilter":
        if not args or not args[0]:
            raise MacroError("missing time column argument for macro %s" % name)
        return "%s >= %d AND %s <= %d" % (args[0], epoch_ns(t_from), args[0], epoch_ns(t_to))
    if name == "__unixEpochNanoFrom":
        return "%d" % epoch_ns(t_from)
    if name == "__unixEpochNanoTo":
        return "%d" % epoch_ns(t_to)
    raise MacroError('unknown macro "%s"' % name)


def epoch_ns(t):
    delta = t - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000


def expand(sql, t_from, t_to, interval_ms, variables=None):
    sql = replace_variables(sql, variables or {})
    sql = sql.replace("$__interval_ms", str(int(interval_ms)))
    sql = sql.replace("$__interval", format_interval(int(interval_ms)))
    sql = sql.replace("$__unixEpochFrom()", str(int(t_from.timestamp())))
    sql = sql.replace("$__unixEpochTo()", str(int(t_to.timestamp())))

    def sub(m):
        name = m.group(1)
        # $__timeGroup followed by a comma: the pre-5.3 form, which aliases
        if name == "__timeGroup" and sql[m.end():m.end() + 1] == ",":
            name = "__timeGroupAlias"
        args = [a.strip(" ") for a in m.group(2).split(",")]
        return evaluate_macro(name, args, t_from, t_to)
    return _MACRO_RE.sub(sub, sql)


def check_expander():
    utc = dt.timezone.utc
    f = dt.datetime(2017, 4, 21, 5, 1, 17, tzinfo=utc)
    t = dt.datetime(2017, 4, 21, 5, 6, 17, tzinfo=utc)
    cases = [
        ("$__time(dateColumn)", 'dateColumn AS "time"'),
        ("$__timeEpoch(dateColumn)", 'extract(epoch from dateColumn) as "time"'),
        ("WHERE $__timeFilter(dateColumn)",
         "WHERE dateColumn BETWEEN '2017-04-21T05:01:17Z' AND '2017-04-21T05:06:17Z'"),
        ("$__timeFrom() $__timeTo()", "'2017-04-21T05:01:17Z' '2017-04-21T05:06:17Z'"),
        ("$__timeGroup(dateColumn,'5m')", "floor(extract(epoch from dateColumn)/300)*300"),
        ("$__timeGroup(dateColumn, $__interval)", "floor(extract(epoch from dateColumn)/0.2)*0.2"),
        ("$__timeGroup(dateColumn,'5m', 0)", "floor(extract(epoch from dateColumn)/300)*300"),
        ("$__timeGroupAlias(dateColumn,'5m')",
         'floor(extract(epoch from dateColumn)/300)*300 AS "time"'),
        ("SELECT $__timeGroup(dateColumn,'5m'), value",
         'SELECT floor(extract(epoch from dateColumn)/300)*300 AS "time", value'),
        ("$__unixEpochFilter(dateColumn)",
         "dateColumn >= 1492750877 AND dateColumn <= 1492751177"),
        ("$__unixEpochNanoFilter(dateColumn)",
         "dateColumn >= 1492750877000000000 AND dateColumn <= 1492751177000000000"),
        ("$__unixEpochGroupAlias(dateColumn,'5m')", 'floor((dateColumn)/300)*300 AS "time"'),
        ("$__interval_ms * interval '1 ms', '$__interval'", "200 * interval '1 ms', '200ms'"),
        ("$__unixEpochFrom() $__unixEpochTo()", "1492750877 1492751177"),
        ("file_id = $run AND x = ${run} AND y = [[run]]", "file_id = 7 AND x = 7 AND y = 7"),
        ("name = '$driver'", "name = 'O''Brien'"),
        ("name IN ($drivers)", "name IN ('a','b')"),
    ]
    variables = {"run": {"value": "7"}, "driver": {"value": "O'Brien"},
                 "drivers": {"value": ["a", "b"], "multi": True}}
    for sql, want in cases:
        got = expand(sql, f, t, 200, variables)
        check(got == want, "macro expansion: %s" % sql, "got  %s\nwant %s" % (got, want))
    fr = dt.datetime(2017, 4, 21, 5, 1, 17, 125000, tzinfo=utc)
    check(rfc3339nano(fr) == "2017-04-21T05:01:17.125Z", "timestamps as RFC 3339 with nanoseconds",
          rfc3339nano(fr))
    try:
        expand("$__nosuchmacro(x)", f, t, 200)
        check(False, "an unknown macro is an error")
    except MacroError:
        check(True, "an unknown macro is an error")
    check(calculate_interval_ms(f, t, 1000) == 200 and
          calculate_interval_ms(f, t, 1000, "1m") == 60000 and
          calculate_interval_ms(f, f + dt.timedelta(seconds=15), 1500) == 10,
          "panel intervals as the front end computes them")


# ---------------------------------------------------------------------------
# docker/ and the provisioning
# ---------------------------------------------------------------------------

def load(path, kind):
    full = os.path.join(DOCKER, path)
    try:
        with open(full, encoding="utf-8") as fh:
            data = json.load(fh) if kind == "json" else yaml.safe_load(fh)
        check(data is not None, "%s parses as %s" % (path, kind.upper()))
        return data
    except Exception as e:  # noqa: BLE001 - report any parse error
        check(False, "%s parses as %s" % (path, kind.upper()), e)
        return None


def env_refs(text):
    return set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", text))


def check_dashboard_shape(dashboard, ds, name):
    """A dashboard uses the provisioned data source only, and its panels fit."""
    uid, dstype = ds.get("uid"), ds.get("type")
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "datasource" in node and isinstance(node["datasource"], dict):
                refs.append(node["datasource"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(dashboard.get("panels", []))
    walk(dashboard.get("templating", {}))
    bad = [r for r in refs if (r.get("uid"), r.get("type")) != (uid, dstype)]
    check(refs and not bad, "%s: every panel, query and variable uses data source uid %r" % (name, uid), bad)
    ids = [p.get("id") for p in dashboard.get("panels", [])]
    check(len(ids) == len(set(ids)), "%s: panel ids are unique" % name, ids)
    check(all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in dashboard["panels"]),
          "%s: panels fit the 24-column grid" % name)


def check_docker():
    compose = load("docker-compose.yml", "yaml")
    datasources = load("grafana/provisioning/datasources/hdaq.yaml", "yaml")
    providers = load("grafana/provisioning/dashboards/hdaq.yaml", "yaml")
    dashboard = load("grafana/dashboards/hdaq-runs.json", "json")
    if None in (compose, datasources, providers, dashboard):
        return None, None
    services = compose.get("services", {})
    check(set(services) >= {"db", "grafana"}, "compose has the db and grafana services",
          sorted(services))
    db, grafana = services.get("db", {}), services.get("grafana", {})

    env_example = {}
    with open(os.path.join(DOCKER, ".env.example"), encoding="utf-8") as fh:
        for line in fh:
            m = re.match(r"([A-Z_][A-Z0-9_]*)=(.*)", line.strip())
            if m:
                env_example[m.group(1)] = m.group(2)
    with open(os.path.join(DOCKER, "docker-compose.yml"), encoding="utf-8") as fh:
        compose_text = fh.read()
    missing = env_refs(compose_text) - set(env_example)
    check(not missing, "every variable docker-compose.yml uses is in .env.example", missing)

    # db: built from the Dockerfile, a named volume for its data
    build = db.get("build", {})
    dockerfile = os.path.normpath(os.path.join(DOCKER, build.get("context", "."),
                                               build.get("dockerfile", "Dockerfile")))
    check(dockerfile == os.path.join(DOCKER, "Dockerfile"),
          "db is built from docker/Dockerfile with the repository as context", dockerfile)
    volumes = compose.get("volumes", {}) or {}
    check(any(str(v).split(":")[0] in volumes and str(v).split(":")[1] == "/var/lib/postgresql/data"
              for v in db.get("volumes", [])),
          "db keeps its data in a named volume", db.get("volumes"))
    db_env = db.get("environment", {})
    check("GRAFANA_DB_PASSWORD" in db_env and "POSTGRES_PASSWORD" in db_env,
          "db gets the postgres and grafana passwords from the env file", db_env)

    # grafana: pinned, no anonymous access, admin password from the env file
    image = grafana.get("image", "")
    check(re.fullmatch(r"grafana/grafana(-oss)?:\d+\.\d+\.\d+", image) is not None,
          "grafana image is pinned to a version", image)
    genv = grafana.get("environment", {})
    check(str(genv.get("GF_AUTH_ANONYMOUS_ENABLED", "")).lower() == "false",
          "grafana: anonymous access off", genv)
    check("${GRAFANA_ADMIN_PASSWORD" in str(genv.get("GF_SECURITY_ADMIN_PASSWORD", "")),
          "grafana: admin password from the env file", genv.get("GF_SECURITY_ADMIN_PASSWORD"))

    mounts = {}
    for v in grafana.get("volumes", []):
        parts = str(v).split(":")
        mounts[parts[1]] = parts[0]
    prov_src = mounts.get("/etc/grafana/provisioning")
    check(prov_src is not None and os.path.isdir(os.path.join(DOCKER, prov_src, "datasources"))
          and os.path.isdir(os.path.join(DOCKER, prov_src, "dashboards")),
          "grafana mounts the provisioning folder at /etc/grafana/provisioning", mounts)

    # the data source: the db service, the database, the role, the password
    dss = datasources.get("datasources", [])
    check(datasources.get("apiVersion") == 1 and len(dss) == 1,
          "one provisioned data source", datasources)
    ds = dss[0] if dss else {}
    major = int(image.split(":")[1].split(".")[0]) if ":" in image else 0
    want_type = "grafana-postgresql-datasource" if major >= 11 else "postgres"
    check(ds.get("type") == want_type,
          "data source type %s for Grafana %d" % (want_type, major), ds.get("type"))
    host, _, port = str(ds.get("url", "")).partition(":")
    check(host == "db" and port == "5432", "data source points at db:5432", ds.get("url"))
    jd = ds.get("jsonData", {})
    check(jd.get("database") == db_env.get("POSTGRES_DB"),
          "data source database is the db service's POSTGRES_DB",
          (jd.get("database"), db_env.get("POSTGRES_DB")))
    with open(os.path.join(DOCKER, "initdb", "grafana-role.sql"), encoding="utf-8") as fh:
        role_sql = fh.read()
    check(ds.get("user") == "grafana" and "CREATE ROLE grafana" in role_sql,
          "data source user is the role the db init creates", ds.get("user"))
    pw = str(ds.get("secureJsonData", {}).get("password", ""))
    refs = env_refs(pw)
    check(refs and refs <= set(genv) and refs <= set(db_env),
          "data source password comes from the environment both services get", pw)
    check(jd.get("timeInterval") is not None and parse_interval_ms(jd["timeInterval"]) <= 10,
          "data source min interval does not coarsen 100 Hz signals", jd.get("timeInterval"))

    # the dashboards: the provider's path is the mounted folder holding the JSON
    provs = providers.get("providers", [])
    check(len(provs) == 1 and provs[0].get("type") == "file", "one file dashboard provider", provs)
    path = provs[0].get("options", {}).get("path") if provs else None
    src = mounts.get(path)
    check(src is not None and os.path.isfile(os.path.join(DOCKER, src, "hdaq-runs.json")),
          "dashboard provider path is the mounted folder holding hdaq-runs.json", (path, src))
    home = genv.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    check(home is None or (os.path.dirname(home) == path and
                           os.path.isfile(os.path.join(DOCKER, src or "", os.path.basename(home)))),
          "home dashboard path is a provisioned file", home)

    # the Dockerfile: multi-stage, pinned base, no build tools at the end
    with open(os.path.join(DOCKER, "Dockerfile"), encoding="utf-8") as fh:
        dockerfile_text = fh.read()
    stages = re.split(r"(?m)^FROM ", dockerfile_text)[1:]
    args = dict(re.findall(r"(?m)^ARG (\w+)=(\S+)", dockerfile_text))
    base = args.get("PG_IMAGE", "")
    check(len(stages) >= 2 and re.fullmatch(r"postgres:15\.\d+-bookworm", base) is not None,
          "Dockerfile: multi-stage on a pinned postgres:15 bookworm image", base)
    final = stages[-1] if stages else ""
    tools = re.findall(r"\b(gcc|make|clang|[\w.+-]+-dev|build-essential|pkg-config)\b",
                       "\n".join(l for l in final.splitlines() if "apt-get install" in l or
                                 l.strip().startswith(("lib", "gcc", "make", "pkg")) ))
    check(not tools, "Dockerfile: no build tools in the final image", tools)
    for src_path in re.findall(r"(?m)^COPY (?!--from)(\S+)", dockerfile_text):
        check(os.path.exists(os.path.join(ROOT, src_path)),
              "Dockerfile copies %s, which exists" % src_path)
    r = subprocess.run(["sh", "-n", os.path.join(DOCKER, "initdb", "10-hdaq.sh")],
                       capture_output=True, text=True)
    check(r.returncode == 0, "initdb/10-hdaq.sh is valid shell", r.stderr)

    check_dashboard_shape(dashboard, ds, "hdaq-runs.json")
    links = json.dumps(dashboard)
    check("/d/%s/" % dashboard.get("uid") in links,
          "the runs table links to this dashboard's uid", dashboard.get("uid"))
    return dashboard, ds


# ---------------------------------------------------------------------------
# Running the queries
# ---------------------------------------------------------------------------

NUMERIC = {"smallint", "integer", "bigint", "real", "double precision", "numeric"}
TIME_TYPES = {"timestamp with time zone", "timestamp without time zone"} | NUMERIC
LABEL_TYPES = {"text", "character varying", "name", "character"}


class QueryError(Exception):
    pass


def run_query(sql, user_env):
    """Describe and run a query with psql; returns (columns, types, rows)."""
    body = sql.strip().rstrip(";")
    script = ("\\set ON_ERROR_STOP on\n\\pset format csv\n%s\n\\gdesc\n\\echo @@@hdaq@@@\n%s\n\\g\n"
              % (body, body))
    r = subprocess.run(["psql", "-X", "-q"], input=script, capture_output=True, text=True,
                       env=user_env)
    if r.returncode != 0:
        raise QueryError(r.stderr.strip() or r.stdout.strip())
    desc_text, _, rows_text = r.stdout.partition("@@@hdaq@@@\n")
    desc = list(csv.reader(io.StringIO(desc_text)))[1:]
    rows = list(csv.reader(io.StringIO(rows_text)))
    columns = [d[0] for d in desc]
    types = [d[1] for d in desc]
    return columns, types, rows[1:] if rows else []


def parse_time(text, typ):
    if typ in NUMERIC:
        return float(text)
    t = text.replace(" ", "T")
    t = re.sub(r"([+-]\d\d)$", r"\1:00", t)
    return dt.datetime.fromisoformat(t)


def check_time_series(what, columns, types, rows, want_rows):
    if "time" not in columns:
        return check(False, what, "no time column: %s" % columns)
    ti = columns.index("time")
    if types[ti] not in TIME_TYPES:
        return check(False, what, "time column is %s" % types[ti])
    values = [i for i, c in enumerate(columns) if i != ti and types[i] in NUMERIC]
    others = [(c, types[i]) for i, c in enumerate(columns)
              if i != ti and i not in values and types[i] not in LABEL_TYPES]
    if not values or others:
        return check(False, what, "value columns must be numeric: %s" % list(zip(columns, types)))
    if want_rows and not rows:
        return check(False, what, "no rows")
    times = [parse_time(r[ti], types[ti]) for r in rows if r[ti] != ""]
    if len(times) != len(rows):
        return check(False, what, "null times")
    bad = next((i for i in range(1, len(times)) if times[i] < times[i - 1]), None)
    if bad is not None:
        return check(False, what, "time goes back at row %d: %s after %s" % (bad, times[bad], times[bad - 1]))
    for r in rows:
        for i in values:
            if r[i] != "":
                float(r[i])
    return check(True, "%s: %d rows, columns %s" % (what, len(rows), ", ".join(columns)))


def queries_of(dashboard):
    """(name, kind, sql) of every panel target and of the variables."""
    out = []
    for p in dashboard.get("panels", []):
        for t in p.get("targets", []):
            kind = "timeseries" if t.get("format") == "time_series" else "table"
            out.append(("panel %r" % p["title"], kind, t["rawSql"]))
    for v in dashboard.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            out.append(("variable $%s" % v["name"], "variable", q if isinstance(q, str) else q.get("rawSql")))
    return out


def readme_queries():
    """Blocks of docker/README.md marked <!-- grafana: KIND -->."""
    with open(os.path.join(DOCKER, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    found = re.findall(r"<!-- grafana: (\w+) -->\s*\n```sql\n(.*?)```", text, re.S)
    return [("README query %d (%s)" % (i + 1, kind), kind, sql) for i, (kind, sql) in enumerate(found)]


def check_queries(dashboard, ds):
    grafana_env = grafana_env_of(ds)
    low_limit = ds.get("jsonData", {}).get("timeInterval", "1m")

    # the grafana role reads, and cannot write
    for sql, what in (("SELECT hdaq.delete_file(1)", "delete a file"),
                      ("SELECT hdaq.ingest('\\x00'::bytea)", "ingest"),
                      ("CREATE TABLE hdaq_grafana_probe (a int)", "create a table")):
        try:
            run_query(sql, grafana_env)
            check(False, "the grafana role cannot %s" % what)
        except QueryError as e:
            check(re.search(r"read-only|permission denied", str(e)) is not None,
                  "the grafana role cannot %s" % what, e)

    queries = queries_of(dashboard)
    readme = readme_queries()
    check(len(readme) >= 4 and {k for _, k, _ in readme} >= {"timeseries", "table", "variable"},
          "docker/README.md shows single-signal, several-signal, runs-table and variable queries",
          [n for n, _, _ in readme])
    check(sum(1 for _, k, _ in queries if k == "timeseries") >= 5,
          "the dashboard has its time series panels", [n for n, _, _ in queries])

    # the runs the picker offers, for the ranges to plot
    var_sql = next((q for n, k, q in queries if k == "variable"), None)
    utc = dt.timezone.utc
    now = dt.datetime.now(utc).replace(microsecond=0)
    cols, types, rows = run_query(expand(var_sql, now - dt.timedelta(hours=6), now, 1000), grafana_env)
    check(cols == ["__value", "__text"] or sorted(cols) == ["__text", "__value"],
          "run picker returns __text and __value", cols)
    run_ids = [r[cols.index("__value")] for r in rows]
    check(len(run_ids) >= 1, "run picker offers the runs with the car's topics", rows)
    _, _, spans = run_query(
        "SELECT file_id, start_time, end_time FROM hdaq.files WHERE file_id IN (%s) ORDER BY file_id"
        % ",".join(run_ids or ["0"]), grafana_env)

    for name, kind, sql in queries + readme:
        for file_id, start, end in spans:
            t0 = parse_time(start, "timestamp with time zone")
            t1 = parse_time(end, "timestamp with time zone")
            # the whole run in a wide panel; its middle third in a narrow one
            # (as a user zooms); a range with no data at all
            third = (t1 - t0) / 3
            ranges = [("whole run", t0.replace(microsecond=t0.microsecond // 1000 * 1000),
                       t1 + dt.timedelta(milliseconds=1), 1800, True),
                      ("whole run, narrow panel", t0, t1, 300, True),
                      ("zoomed", t0 + third, t1 - third, 600, True),
                      ("empty range", t0 - dt.timedelta(days=2), t0 - dt.timedelta(days=1), 1000, False)]
            variables = {"run": {"value": file_id}}
            for label, f, t, width, want_rows in ranges:
                interval = calculate_interval_ms(f, t, width, low_limit)
                try:
                    expanded = expand(sql, f, t, interval, variables)
                except MacroError as e:
                    check(False, "%s expands" % name, e)
                    continue
                what = "%s, run %s, %s ($__interval_ms=%d)" % (name, file_id, label, interval)
                try:
                    c, ty, rs = run_query(expanded, grafana_env)
                except QueryError as e:
                    check(False, what, "%s\n-- expanded:\n%s" % (e, expanded))
                    continue
                if kind == "timeseries":
                    check_time_series(what, c, ty, rs, want_rows)
                elif kind == "table" and label == "whole run":
                    check(bool(rs), "%s: %d rows" % (what, len(rs)))
                elif kind == "variable" and label == "whole run":
                    check(sorted(c) == ["__text", "__value"] and bool(rs),
                          "%s: %d runs" % (what, len(rs)), c)
            if "$run" not in sql:
                break   # the same for every run


def grafana_env_of(ds):
    return dict(os.environ, PGUSER=ds.get("user", "grafana"),
                PGPASSWORD=os.environ["GRAFANA_DB_PASSWORD"], PGTZ="UTC",
                PGAPPNAME="grafana-check")


def numbers(rows, i):
    return [float(r[i]) for r in rows if r[i] != ""]


def check_laps_dashboard(ds):
    """The laps dashboard's variables and panels on the generated track session."""
    laps = load("grafana/dashboards/hdaq-laps.json", "json")
    if laps is None:
        return
    check_dashboard_shape(laps, ds, "hdaq-laps.json")
    names = [v["name"] for v in laps.get("templating", {}).get("list", [])]
    check(names == ["run", "track", "ref_lap", "lap"],
          "hdaq-laps.json: variables run, track, reference lap, lap", names)
    kinds = sorted(p["type"] for p in laps.get("panels", []))
    check(kinds == ["geomap", "table", "xychart", "xychart"],
          "hdaq-laps.json: a lap table, two XY charts and a track map", kinds)
    with open(os.environ["HDAQ_TRACK_TRUTH"], encoding="utf-8") as fh:
        truth = json.load(fh)
    env = grafana_env_of(ds)
    utc = dt.timezone.utc
    now = dt.datetime.now(utc).replace(microsecond=0)
    t_from, t_to = now - dt.timedelta(hours=6), now

    variables = {}
    queries = {v["name"]: v["query"] for v in laps["templating"]["list"]}
    _, _, rows = run_query("SELECT file_id FROM hdaq.files WHERE properties->>'source' = 'track'", env)
    track_run = rows[0][0] if rows else None
    for name, want, what in (("run", track_run, "the generated track session"),
                             ("track", "fsae", "the track"),
                             ("ref_lap", "1", "the first whole lap"),
                             ("lap", str(truth["lap_count"]), "the last whole lap")):
        try:
            c, _, rs = run_query(expand(queries[name], t_from, t_to, 1000, variables), env)
        except QueryError as e:
            check(False, "laps variable $%s runs" % name, e)
            return
        offered = [r[c.index("__value")] for r in rs] if "__value" in c else []
        check(sorted(c) == ["__text", "__value"] and want in offered,
              "laps variable $%s offers %s (%s)" % (name, what, want), (c, offered))
        if name in ("ref_lap", "lap"):
            check(offered == [str(l["lap"]) for l in truth["laps"]],
                  "laps variable $%s offers the truth's whole laps" % name, offered)
        variables[name] = {"value": want}

    by_id = {p["id"]: p for p in laps["panels"]}
    results = {}
    for pid, p in sorted(by_id.items()):
        sql = expand(p["targets"][0]["rawSql"], t_from, t_to, 1000, variables)
        try:
            results[pid] = run_query(sql, env)
        except QueryError as e:
            check(False, "laps panel %r runs" % p["title"], "%s\n-- expanded:\n%s" % (e, sql))
    ref, lap = truth["laps"][0], truth["laps"][-1]
    length = truth["track"]["length_m"]

    for pid, p in sorted(by_id.items()):
        if pid not in results:
            continue
        c, ty, rs = results[pid]
        what = "laps panel %r" % p["title"]
        if p["type"] == "table":
            whole = [r for r in rs if r[c.index("out_lap")] == "f" and r[c.index("in_lap")] == "f"]
            times = [float(r[c.index("lap time (s)")]) for r in whole]
            want = [l["lap_time_s"] for l in truth["laps"]]
            check(len(rs) == truth["lap_count"] + 2 and len(times) == len(want) and
                  all(abs(a - b) < 0.005 for a, b in zip(times, want)),
                  "%s: the out-lap, the truth's laps with their lap times (5 ms), the in-lap" % what,
                  (times, want))
        elif p["type"] == "xychart":
            x = numbers(rs, 0)
            series = [i for i in range(1, len(c)) if ty[i] in NUMERIC]
            # delta-T ends at the shorter lap's finish, between two steps
            check(ty[0] in NUMERIC and len(series) == len(c) - 1 and len(x) > 1 and x[0] == 0 and
                  all(abs(x[k] - 2 * k) < 1e-9 for k in range(len(x) - 1)) and
                  0 < x[-1] - x[-2] <= 2 + 1e-9 and
                  x[-1] > 0.99 * length - 2 and x[-1] < 1.01 * length,
                  "%s: %d points from 0 m every 2 m to the lap's length, columns %s" % (what, len(rs), ", ".join(c)),
                  (c, ty, x[:3], x[-1:] if x else None))
            if "delta-T (s)" in c:
                finish = numbers(rs, c.index("delta-T (s)"))[-1]
                want = lap["lap_time_s"] - ref["lap_time_s"]
                check(abs(finish - want) < 0.005,
                      "%s: at the finish, the lap-time difference (%.4f s, truth %.4f s)" % (what, finish, want))
            else:
                speeds = [v for i in series for v in numbers(rs, i)]
                check(len(series) == 2 and len(speeds) >= 0.95 * 2 * len(rs) and
                      all(0 < v < 60 for v in speeds),
                      "%s: two laps' speeds at (nearly) every point, within 0 to 60 m/s" % what,
                      (len(series), len(speeds), len(rs)))
        elif p["type"] == "geomap":
            lat0, lon0 = truth["track"]["origin"]
            lats, lons = numbers(rs, c.index("lat")), numbers(rs, c.index("lon"))
            speeds = numbers(rs, c.index("speed (m/s)"))
            check(len(rs) > 0.99 * length / 2 and len(lats) == len(rs) and len(lons) == len(rs) and
                  all(abs(a - lat0) < 0.01 for a in lats) and all(abs(o - lon0) < 0.01 for o in lons) and
                  len(speeds) >= 0.95 * len(rs),
                  "%s: %d positions every 2 m on the track, with the speed" % (what, len(rs)),
                  (len(rs), lats[:2], lons[:2], len(speeds)))


def main():
    os.chdir(ROOT)
    check_expander()
    dashboard, ds = check_docker()
    if dashboard is not None:
        check_queries(dashboard, ds)
        check_laps_dashboard(ds)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
