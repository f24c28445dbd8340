// track.mjs: a car driving laps of a closed circuit, for the session
// generator's track mode (gen-session.mjs --laps N).
//
// The circuit is a closed centre line: either the parametric FSAE-like
// layout below (a smooth closed spline through control points given in
// metres, about 1 km long) or a polyline of [lat, lon] points read from a
// JSON file ({"name": ..., "points": [[lat, lon], ...]}).  It is resampled
// every STEP_M metres; the curvature at each point comes from the circle
// through the points CURV_SPAN_M metres before and after it.
//
// The drive: the car waits at rest on the grid a little before the
// start/finish line, drives an out-lap segment to the line, N timed laps,
// then slows to a stop past the line.  Its speed is the largest that the
// grip allows: at most the top speed, at most sqrt(a_lat / curvature) in
// corners, reached by accelerating at most a_acc and braking at most a_brk
// (a forward and a backward pass over the whole drive).  The driver's grip
// changes a little from lap to lap (seeded), so lap times differ.  Between
// two profile points the acceleration is constant, so time and distance
// are exact functions of each other.
//
// Positions: local metres (x east, y north) on a sphere of the mean Earth
// radius around the origin; the same sphere hdaq's haversine uses.

import fs from "node:fs";

import { hashKey, rng } from "./session.mjs";

export const EARTH_RADIUS_M = 6371008.8;
const STEP_M = 0.25;
const CURV_SPAN_M = 4;
const DEG = Math.PI / 180;

// The FSAE-like layout: control points (metres) of a closed Catmull-Rom
// spline, driven in this order; the start/finish line is at the first
// point, on the main straight.
const FSAE_POINTS = [
  [0, 0], [60, 0], [120, 0], [160, 18], [172, 60], [145, 92], [102, 84],
  [72, 112], [82, 160], [130, 172], [196, 150], [248, 172], [262, 230],
  [214, 262], [150, 250], [96, 236], [40, 244], [-16, 210], [-38, 150],
  [-12, 104], [-44, 60], [-50, 20],
];
const FSAE_ORIGIN = [33.7765, -84.398];
const FSAE_SCALE = 0.8;

// A point of the closed Catmull-Rom spline through P, segment i at u in [0, 1).
function catmullRom(P, i, u) {
  const n = P.length;
  const p0 = P[(i - 1 + n) % n], p1 = P[i], p2 = P[(i + 1) % n], p3 = P[(i + 2) % n];
  const u2 = u * u, u3 = u2 * u;
  const f = (a, b, c, d) =>
    0.5 * (2 * b + (-a + c) * u + (2 * a - 5 * b + 4 * c - d) * u2 + (-a + 3 * b - 3 * c + d) * u3);
  return [f(p0[0], p1[0], p2[0], p3[0]), f(p0[1], p1[1], p2[1], p3[1])];
}

// A dense closed polyline through the control points.
function splineLoop(P, perSegment = 200) {
  const out = [];
  for (let i = 0; i < P.length; i++)
    for (let k = 0; k < perSegment; k++) out.push(catmullRom(P, i, k / perSegment));
  return out;
}

// Resample a closed polyline (metres) every STEP_M; returns { xy, length }
// with xy[j] at distance j * step, the loop's own length, and step chosen
// so that a whole number of steps makes the loop.
function resampleLoop(poly) {
  const n = poly.length;
  const cum = [0];
  for (let i = 0; i < n; i++) {
    const a = poly[i], b = poly[(i + 1) % n];
    cum.push(cum[i] + Math.hypot(b[0] - a[0], b[1] - a[1]));
  }
  const length = cum[n];
  const count = Math.round(length / STEP_M);
  const step = length / count;
  const xy = [];
  let seg = 0;
  for (let j = 0; j < count; j++) {
    const s = j * step;
    while (cum[seg + 1] < s) seg++;
    const a = poly[seg], b = poly[(seg + 1) % n];
    const u = (s - cum[seg]) / (cum[seg + 1] - cum[seg] || 1);
    xy.push([a[0] + u * (b[0] - a[0]), a[1] + u * (b[1] - a[1])]);
  }
  return { xy, step, length: count * step };
}

// The curvature (1/m) at each resampled point, from the circle through its
// neighbours CURV_SPAN_M away.
function curvatures(xy, step) {
  const n = xy.length;
  const k = Math.max(1, Math.round(CURV_SPAN_M / step));
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const a = xy[(j - k + n) % n], b = xy[j], c = xy[(j + k) % n];
    const ab = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const bc = Math.hypot(c[0] - b[0], c[1] - b[1]);
    const ca = Math.hypot(a[0] - c[0], a[1] - c[1]);
    const cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
    out[j] = (2 * cross) / (ab * bc * ca || 1);
  }
  return out;
}

// Local metres to [lat, lon] and back, on the sphere, around origin.
export function toLatLon(origin, [x, y]) {
  return [origin[0] + y / EARTH_RADIUS_M / DEG, origin[1] + x / (EARTH_RADIUS_M * Math.cos(origin[0] * DEG)) / DEG];
}
function toLocal(origin, [lat, lon]) {
  return [(lon - origin[1]) * DEG * EARTH_RADIUS_M * Math.cos(origin[0] * DEG), (lat - origin[0]) * DEG * EARTH_RADIUS_M];
}

// The circuit: { name, origin, xy (every step metres), step, length, kappa }.
export function loadTrack(spec) {
  let name, origin, poly;
  if (!spec || spec === "fsae") {
    name = "fsae";
    origin = FSAE_ORIGIN;
    poly = splineLoop(FSAE_POINTS.map(([x, y]) => [x * FSAE_SCALE, y * FSAE_SCALE]));
  } else {
    const doc = JSON.parse(fs.readFileSync(spec, "utf8"));
    if (!Array.isArray(doc.points) || doc.points.length < 3) throw new Error(`${spec}: "points" must hold at least 3 [lat, lon] pairs`);
    name = doc.name ?? spec;
    origin = doc.points[0];
    poly = doc.points.map((p) => toLocal(origin, p));
  }
  const { xy, step, length } = resampleLoop(poly);
  return { name, origin, xy, step, length, kappa: curvatures(xy, step) };
}

// ---- the drive ------------------------------------------------------------------

const CAR = {
  v_top: 29,        // m/s
  a_lat: 13,        // m/s^2, the best lap's cornering grip
  a_acc: 6.5,       // m/s^2
  a_brk: 12,        // m/s^2
  tire_radius_m: 0.2032,
  gear_ratio: 11.86,
  track_width_m: 1.2,
};
const GRID_BEFORE_M = 60;   // the car waits this far before the line
const STOP_AFTER_M = 150;   // and stops this far past it after the last lap
const WAIT_S = 4;           // at rest before starting and after stopping

// Plan the drive of `laps` laps: the speed at every profile point, the
// time at each, and the truth.
export function planDrive(track, laps, seed) {
  const n = track.xy.length;
  const step = track.step;
  const gridIndex = n - Math.round(GRID_BEFORE_M / step);
  const total = (n - gridIndex) + laps * n + Math.round(STOP_AFTER_M / step);
  const r = rng(hashKey(seed, "track/grip"));
  const grip = Array.from({ length: laps + 2 }, () => CAR.a_lat * (0.94 + 0.06 * r()));
  const vmax = new Float64Array(total + 1);
  for (let j = 0; j <= total; j++) {
    const lap = Math.floor((gridIndex + j) / n);   // 0: before the line
    const k = Math.abs(track.kappa[(gridIndex + j) % n]);
    vmax[j] = Math.min(CAR.v_top, k > 0 ? Math.sqrt(grip[lap] / k) : CAR.v_top);
  }
  const v = Float64Array.from(vmax);
  v[0] = 0;
  v[total] = 0;
  for (let j = 1; j <= total; j++) v[j] = Math.min(v[j], Math.sqrt(v[j - 1] ** 2 + 2 * CAR.a_acc * step));
  for (let j = total - 1; j >= 0; j--) v[j] = Math.min(v[j], Math.sqrt(v[j + 1] ** 2 + 2 * CAR.a_brk * step));
  const time = new Float64Array(total + 1);
  time[0] = WAIT_S;
  for (let j = 1; j <= total; j++) time[j] = time[j - 1] + (2 * step) / (v[j - 1] + v[j]);
  return { track, laps, gridIndex, total, v, time, step, end: time[total] + WAIT_S };
}

// The car's state at t seconds since the session's start: distance along
// the drive, speed, position (metres), heading (rad, from north towards east),
// curvature.  Memoized for the last t, as every leaf of a message asks.
export function stateAt(drive, t) {
  if (drive.lastT === t) return drive.last;
  const { time, v, step, total, track, gridIndex } = drive;
  let j;
  let tau;
  if (t <= time[0]) { j = 0; tau = 0; }
  else if (t >= time[total]) { j = total; tau = 0; }
  else {
    let lo = 0, hi = total;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (time[mid] <= t) lo = mid; else hi = mid;
    }
    j = lo;
    tau = t - time[j];
  }
  let ds = 0, speed = v[j];
  if (j < total && tau > 0) {
    const a = (v[j + 1] ** 2 - v[j] ** 2) / (2 * step);
    ds = Math.min(step, v[j] * tau + 0.5 * a * tau * tau);
    speed = v[j] + a * tau;
  }
  const n = track.xy.length;
  const i = (gridIndex + j) % n;
  const p = track.xy[i], q = track.xy[(i + 1) % n];
  const u = ds / step;
  const xy = [p[0] + u * (q[0] - p[0]), p[1] + u * (q[1] - p[1])];
  const heading = Math.atan2(q[0] - p[0], q[1] - p[1]);
  drive.lastT = t;
  drive.last = { s: j * step + ds, speed, xy, heading, kappa: track.kappa[i] };
  return drive.last;
}

// The time the drive reaches distance s (metres along the drive), exactly.
function timeAtDistance(drive, s) {
  const { time, v, step } = drive;
  const j = Math.floor(s / step);
  const rest = s - j * step;
  if (rest <= 1e-12) return time[j];
  const a = (v[j + 1] ** 2 - v[j] ** 2) / (2 * step);
  const tau = Math.abs(a) < 1e-12 ? rest / v[j] : (Math.sqrt(v[j] ** 2 + 2 * a * rest) - v[j]) / a;
  return time[j] + tau;
}

// The start/finish gate: a line across the track at its first point,
// half_width metres each side of the centre line, as [[lat, lon], [lat, lon]].
export function gateLine(track, halfWidth = 12) {
  const n = track.xy.length;
  const p = track.xy[n - 1], q = track.xy[1];
  const len = Math.hypot(q[0] - p[0], q[1] - p[1]);
  const nx = -(q[1] - p[1]) / len, ny = (q[0] - p[0]) / len;
  const c = track.xy[0];
  return [toLatLon(track.origin, [c[0] + nx * halfWidth, c[1] + ny * halfWidth]),
          toLatLon(track.origin, [c[0] - nx * halfWidth, c[1] - ny * halfWidth])];
}

// What the file holds, for the tests: the track, its gate, and every lap
// (times in seconds since the session's start and in ns since the epoch).
export function driveTruth(drive, startNs) {
  const { track, laps, gridIndex } = drive;
  const n = track.xy.length;
  const first = (n - gridIndex) * drive.step;
  const ns = (t) => (startNs + BigInt(Math.round(t * 1e9))).toString();
  const crossings = [];
  for (let k = 0; k <= laps; k++) crossings.push(timeAtDistance(drive, first + k * track.length));
  const lapRows = [];
  for (let k = 0; k < laps; k++)
    lapRows.push({
      lap: k + 1,
      start_s: crossings[k],
      end_s: crossings[k + 1],
      start_ns: ns(crossings[k]),
      end_ns: ns(crossings[k + 1]),
      lap_time_s: crossings[k + 1] - crossings[k],
      distance_m: track.length,
    });
  return {
    track: {
      name: track.name,
      length_m: track.length,
      origin: track.origin,
      gate: gateLine(track),
      earth_radius_m: EARTH_RADIUS_M,
    },
    car: CAR,
    lap_count: laps,
    laps: lapRows,
    out_lap_distance_m: first,
    in_lap_distance_m: drive.total * drive.step - first - laps * track.length,
    drive_start_s: drive.time[0],
    drive_end_s: drive.time[drive.total],
    session_s: drive.end,
    gps: { topic: "VnInsData", lat: "lat_deg", lon: "lon_deg", hz: 50, also: "VNData vn_gps.lat/lon (float32) at 10 Hz" },
    lap_trigger: null,
  };
}

// ---- the leaves the drive sets --------------------------------------------------

// Functions of t for the leaves of the session's topics that follow the
// drive (the others keep their own signals): GPS position and velocity of
// VnInsData (double) and VNData (float32), body speed, wheel speeds as
// motor rpm at each corner (inner and outer wheels differ in corners), and
// the lap trigger (LapTime: the last lap's time and the lap count) unless
// lapTrigger is false.
export function driveLeaves(drive, startNs, lapTrigger = true) {
  const origin = drive.track.origin;
  const at = (t) => stateAt(drive, t);
  const lat = (t) => toLatLon(origin, at(t).xy)[0];
  const lon = (t) => toLatLon(origin, at(t).xy)[1];
  const north = (t) => at(t).speed * Math.cos(at(t).heading);
  const east = (t) => at(t).speed * Math.sin(at(t).heading);
  const rpmPerMps = (60 / (2 * Math.PI * CAR.tire_radius_m)) * CAR.gear_ratio;
  // kappa > 0 turns left: the right wheels run on the outside
  const wheel = (side) => (t) => {
    const s = at(t);
    return Math.round(s.speed * (1 + side * s.kappa * CAR.track_width_m / 2) * rpmPerMps * 10) / 10;
  };
  const leaves = {
    "VnInsData/lat_deg": lat,
    "VnInsData/lon_deg": lon,
    "VnInsData/vel_ned_m_s.x": north,
    "VnInsData/vel_ned_m_s.y": east,
    "VnInsData/vel_ned_m_s.z": () => 0,
    "VnInsData/vel_body_vehicle_frd_m_s.x": (t) => at(t).speed,
    "VNData/vn_gps.lat": lat,
    "VNData/vn_gps.lon": lon,
    "VNData/vn_vel_m_s.x": (t) => at(t).speed,
    "VehicleData/current_body_vel_ms.x": (t) => at(t).speed,
  };
  for (const topic of ["VehicleData/current_rpms", "MCUOutputData/rpm_data"]) {
    leaves[`${topic}.FL`] = wheel(-1);
    leaves[`${topic}.RL`] = wheel(-1);
    leaves[`${topic}.FR`] = wheel(1);
    leaves[`${topic}.RR`] = wheel(1);
  }
  if (lapTrigger) {
    const truth = driveTruth(drive, startNs);
    const lapAt = (t) => truth.laps.filter((l) => l.end_s <= t);
    leaves["LapTime/lapcount"] = (t) => lapAt(t).length;
    leaves["LapTime/laptime_seconds"] = (t) => {
      const done = lapAt(t);
      return done.length ? done[done.length - 1].lap_time_s : 0;
    };
  }
  return { leaves, rpmPerMps };
}
