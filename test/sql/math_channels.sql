-- Math channels and units: definitions checked when made, channels read
-- wherever a (topic, path) is, each checked against the same expression
-- computed in SQL over hdaq.signal and hdaq.sample; units, conversions,
-- hdaq.fields' unit column, hdaq.signal_unit and hdaq.signal_label.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\i test/sql/include/error_parts.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s.mcap'), 'gen') AS gen \gset

-- definitions: paths of the home topic, of another topic, an integer leaf
-- of another topic (stepped, not interpolated), a division by zero
SELECT hdaq.define_math_channel('VehicleData', 'rpm_balance',
	'current_rpms.FL / (current_rpms.FL + current_rpms.RL) * 100', '%',
	'front-left share of the left wheels');
SELECT hdaq.define_math_channel('VehicleData', 'slip',
	'(current_body_vel_ms.x - VnInsData:vel_body_vehicle_flu_m_s.x) / VnInsData:vel_body_vehicle_flu_m_s.x', '1');
SELECT hdaq.define_math_channel('VehicleData', 'sats',
	'VnInsData:"ins_status.gps_status.num_sats_pvt_1" + 0 * current_rpms.FL');
SELECT hdaq.define_math_channel('VehicleData', 'never', '1 / (current_rpms.FL - current_rpms.FL)');
-- a redefinition replaces
SELECT hdaq.define_math_channel('VehicleData', 'speed_kmh', 'current_body_vel_ms.x', 'm/s');
SELECT hdaq.define_math_channel('VehicleData', 'speed_kmh', 'current_body_vel_ms.x * 3.6', 'km/h');
SELECT topic, name, expression, unit, description FROM hdaq.math_channel ORDER BY name;

-- a channel of the home topic only, against the same expression in SQL
-- over hdaq.signal (bit for bit; NULL where SQL divides by zero)
WITH m AS (SELECT row_number() OVER () AS n, "time", value
			 FROM hdaq.signal('VehicleData', 'rpm_balance', file_id => :gen)),
	 a AS (SELECT row_number() OVER () AS n, "time", value
			 FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :gen)),
	 b AS (SELECT row_number() OVER () AS n, value
			 FROM hdaq.signal('VehicleData', 'current_rpms.RL', file_id => :gen))
SELECT count(*) AS rows, count(m.value) AS with_value,
	   count(*) FILTER (WHERE m."time" IS DISTINCT FROM a."time"
						   OR m.value IS DISTINCT FROM a.value / nullif(a.value + b.value, 0) * 100) AS differ
  FROM m FULL JOIN a USING (n) FULL JOIN b USING (n);

-- another topic's input at each home message's time: linear interpolation
-- between its samples before and at-or-after it (the last value held after
-- its last sample, none before its first), computed in SQL over
-- hdaq.sample's exact nanosecond times
CREATE TEMP TABLE ins AS
SELECT time_ns, value FROM hdaq.sample
 WHERE topic = 'VnInsData' AND path = 'vel_body_vehicle_flu_m_s.x' AND file_id = :gen;
CREATE TEMP TABLE vd AS
SELECT row_number() OVER (ORDER BY time_ns) AS n, time_ns, value FROM hdaq.sample
 WHERE topic = 'VehicleData' AND path = 'current_body_vel_ms.x' AND file_id = :gen;
CREATE TEMP TABLE expected_slip AS
SELECT vd.n, vd.time_ns, (vd.value - x.ix) / nullif(x.ix, 0) AS value
  FROM vd
  LEFT JOIN LATERAL (SELECT time_ns, value FROM ins WHERE ins.time_ns < vd.time_ns
					  ORDER BY time_ns DESC LIMIT 1) pv ON true
  LEFT JOIN LATERAL (SELECT time_ns, value FROM ins WHERE ins.time_ns >= vd.time_ns
					  ORDER BY time_ns LIMIT 1) nx ON true
  CROSS JOIN LATERAL (SELECT CASE WHEN nx.time_ns = vd.time_ns THEN nx.value
								  WHEN pv.time_ns IS NULL THEN NULL
								  WHEN nx.time_ns IS NULL THEN pv.value
								  ELSE pv.value + (nx.value - pv.value) *
									   ((vd.time_ns - pv.time_ns)::float8 / (nx.time_ns - pv.time_ns)::float8)
							 END AS ix) x;
WITH m AS (SELECT row_number() OVER () AS n, "time", value
			 FROM hdaq.signal('VehicleData', 'slip', file_id => :gen))
SELECT count(*) AS rows, count(m.value) AS with_value,
	   count(*) FILTER (WHERE m."time" IS DISTINCT FROM hdaq.ns_to_timestamptz(e.time_ns)
						   OR m.value IS DISTINCT FROM e.value) AS differ
  FROM m FULL JOIN expected_slip e USING (n);

-- a time range: the other topic is read beyond its edges, so the first and
-- last rows are interpolated as in the whole run
SELECT count(*) AS rows, count(s.value) AS with_value,
	   count(*) FILTER (WHERE s.value IS DISTINCT FROM e.value) AS differ
  FROM hdaq.signal('VehicleData', 'slip', '2026-03-17 14:00:05.0003+00',
				   '2026-03-17 14:00:06.0001+00', :gen) s
  LEFT JOIN expected_slip e ON hdaq.ns_to_timestamptz(e.time_ns) = s."time";

-- an integer leaf of another topic takes the value before (not a blend)
WITH sats AS (SELECT time_ns, value FROM hdaq.sample
			   WHERE topic = 'VnInsData' AND path = 'ins_status.gps_status.num_sats_pvt_1'
				 AND file_id = :gen),
	 e AS (SELECT vd.n, coalesce(at.value, pv.value) AS value
			 FROM vd
			 LEFT JOIN LATERAL (SELECT value FROM sats WHERE sats.time_ns = vd.time_ns LIMIT 1) at ON true
			 LEFT JOIN LATERAL (SELECT value FROM sats WHERE sats.time_ns < vd.time_ns
								 ORDER BY time_ns DESC LIMIT 1) pv ON true),
	 m AS (SELECT row_number() OVER () AS n, value
			 FROM hdaq.signal('VehicleData', 'sats', file_id => :gen))
SELECT count(*) AS rows, count(m.value) AS with_value,
	   count(*) FILTER (WHERE m.value IS DISTINCT FROM e.value) AS differ,
	   count(*) FILTER (WHERE m.value <> round(m.value)) AS not_whole
  FROM m FULL JOIN e USING (n);

-- LapTime has one message, at the start: its value is held after it; a
-- range that starts more than a second later reads none of it, so the
-- channel has no value there
SELECT hdaq.define_math_channel('VehicleData', 'lap', 'LapTime:lapcount + 0 * current_rpms.FL');
SELECT count(*) AS rows, count(value) AS with_value, min(value) = max(value) AS one_value,
	   min(value) = (SELECT value FROM hdaq.signal('LapTime', 'lapcount', file_id => :gen)) AS held
  FROM hdaq.signal('VehicleData', 'lap', file_id => :gen);
SELECT count(*) AS rows, count(value) AS with_value
  FROM hdaq.signal('VehicleData', 'lap', '2026-03-17 14:00:05+00', NULL, :gen);

-- a division by zero is no value; every message still has its row
SELECT count(*) AS rows, count(value) AS with_value
  FROM hdaq.signal('VehicleData', 'never', file_id => :gen);

-- hdaq.signals: channels beside paths, rows in time order
SELECT metric, count(*) AS rows, count(value) AS with_value
  FROM hdaq.signals(ARRAY['VehicleData/slip', 'VehicleData/current_rpms.FL',
						  'VnInsData/vel_body_vehicle_flu_m_s.x'], file_id => :gen)
 GROUP BY metric ORDER BY metric;
SELECT count(*) FILTER (WHERE "time" < before) AS out_of_order
  FROM (SELECT "time", lag("time") OVER () AS before
		  FROM hdaq.signals(ARRAY['VehicleData/slip', 'VehicleData/current_rpms.FL',
								  'VnInsData/vel_body_vehicle_flu_m_s.x'], file_id => :gen)) s;

-- hdaq.downsample of a channel: each row one of hdaq.signal's, each
-- bucket's lowest and highest among them
WITH d AS (SELECT * FROM hdaq.downsample('VehicleData', 'slip', NULL, NULL, '1 second', :gen)),
	 s AS (SELECT * FROM hdaq.signal('VehicleData', 'slip', file_id => :gen) WHERE value IS NOT NULL),
	 b AS (SELECT date_bin('1 second', "time", 'epoch') AS bucket, min(value) AS lo, max(value) AS hi
			 FROM s GROUP BY 1)
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM s WHERE s."time" = d."time" AND s.value = d.value)) AS not_a_sample,
	   (SELECT count(*) FROM b WHERE NOT EXISTS (SELECT 1 FROM d WHERE date_bin('1 second', d."time", 'epoch') = b.bucket AND d.value = b.lo)
								 OR NOT EXISTS (SELECT 1 FROM d WHERE date_bin('1 second', d."time", 'epoch') = b.bucket AND d.value = b.hi)) AS buckets_missing_extremes
  FROM d;

-- definitions that are refused (22023 with the position; 42704 for a topic)
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', 'x', 'current_rpms.FL * (2 +')$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', 'x', 'current_rpms.FL $ 2')$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', 'x', 'cube(current_rpms.FL)')$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', 'x', 'clamp(current_rpms.FL, 1)')$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', 'x', repeat('(', 40) || '1' || repeat(')', 40))$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', 'current_rpms.FL', 'current_rpms.FR')$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', 'x', 'current_rpms.FM')$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', 'x', 'VnInsDatta:lat_deg')$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleDatta', 'x', '1')$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', 'x', 'VnInsData:lat_deg * 2')$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', 'x', '1 + 2')$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.define_math_channel('VehicleData', NULL, '1')$$);
SELECT count(*) AS channels FROM hdaq.math_channel;

-- units: a path's, an array element's through its [0] form, a channel's own
INSERT INTO hdaq.unit VALUES
	('hytech_msgs.VehicleData', 'current_body_vel_ms.x', 'm/s'),
	('hytech_msgs.ACUAllData', 'cell_voltages[0]', 'V'),
	('hytech_msgs.ACUAllData', 'core_data.max_cell_temp', 'K');
SELECT hdaq.signal_unit('VehicleData', 'current_body_vel_ms.x') AS path_unit,
	   hdaq.signal_unit('ACUAllData', 'cell_voltages[3]') AS element_unit,
	   hdaq.signal_unit('VehicleData', 'speed_kmh') AS channel_unit,
	   hdaq.signal_unit('VehicleData', 'current_rpms.FL') AS unknown_unit;
SELECT hdaq.signal_label('VehicleData', 'current_body_vel_ms.x') AS with_unit,
	   hdaq.signal_label('VehicleData', 'current_rpms.FL') AS without_unit;
SELECT path, unit FROM hdaq.fields('VehicleData', :gen) WHERE path LIKE 'current_body_vel_ms.%';
SELECT path, unit FROM hdaq.fields('ACUAllData') WHERE path = 'cell_voltages[0]';

-- conversions: stored (m/s -> km/h), the other way (km/h -> m/s), with an
-- offset (K -> degC), one the team adds; the same unit changes nothing
WITH s AS (SELECT row_number() OVER () AS n, value FROM hdaq.signal('VehicleData', 'current_body_vel_ms.x', file_id => :gen)),
	 k AS (SELECT row_number() OVER () AS n, value FROM hdaq.signal('VehicleData', 'current_body_vel_ms.x', file_id => :gen, unit => 'km/h')),
	 same AS (SELECT row_number() OVER () AS n, value FROM hdaq.signal('VehicleData', 'current_body_vel_ms.x', file_id => :gen, unit => 'm/s')),
	 back AS (SELECT row_number() OVER () AS n, value FROM hdaq.signal('VehicleData', 'speed_kmh', file_id => :gen, unit => 'm/s'))
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE k.value IS DISTINCT FROM s.value * 3.6 + 0) AS kmh_differ,
	   count(*) FILTER (WHERE same.value IS DISTINCT FROM s.value) AS same_differ,
	   count(*) FILTER (WHERE abs(back.value - s.value) > 1e-12 * greatest(1, abs(s.value))) AS back_differ
  FROM s JOIN k USING (n) JOIN same USING (n) JOIN back USING (n);
WITH t AS (SELECT row_number() OVER () AS n, value FROM hdaq.signal('ACUAllData', 'core_data.max_cell_temp', file_id => :gen)),
	 c AS (SELECT row_number() OVER () AS n, value FROM hdaq.signal('ACUAllData', 'core_data.max_cell_temp', file_id => :gen, unit => 'degC'))
SELECT count(*) AS rows, count(*) FILTER (WHERE c.value IS DISTINCT FROM t.value * 1 + -273.15) AS differ
  FROM t JOIN c USING (n);
INSERT INTO hdaq.unit_conversion (from_unit, to_unit, scale) VALUES ('V', 'kV', 0.001);
SELECT count(*) AS rows, count(*) FILTER (WHERE v.value IS DISTINCT FROM s.value * 0.001 + 0) AS differ
  FROM (SELECT row_number() OVER () AS n, value FROM hdaq.signal('ACUAllData', 'cell_voltages[3]', file_id => :gen)) s
  JOIN (SELECT row_number() OVER () AS n, value FROM hdaq.signal('ACUAllData', 'cell_voltages[3]', file_id => :gen, unit => 'kV')) v USING (n);
-- hdaq.downsample converts too
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE d.value IS DISTINCT FROM (SELECT s.value * 3.6 + 0 FROM hdaq.signal('VehicleData', 'current_body_vel_ms.x', file_id => :gen) s
														 WHERE s."time" = d."time" LIMIT 1)) AS differ
  FROM hdaq.downsample('VehicleData', 'current_body_vel_ms.x', NULL, NULL, '1 second', :gen, unit => 'km/h') d;

-- conversions that cannot be made (22023, naming both units)
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.signal('VehicleData', 'current_body_vel_ms.x', unit => 'bar')$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.signal('VehicleData', 'current_body_vel_ms.x', unit => 'furlong/fortnight')$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.signal('VehicleData', 'current_rpms.FL', unit => 'rad/s')$$);
-- existing calls keep working, positionally too
SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL', NULL, NULL, :gen, false);
SELECT count(*) FROM hdaq.downsample('VehicleData', 'current_rpms.FL', NULL, NULL, '1 second', :gen, false);

-- hdaq.resample reads math channels as paths, interpolated linearly (they
-- are not schema leaves): a channel linear in one input equals the same
-- expression over the resampled input; one without values is NULL
SELECT count(*) AS points, count(k) AS with_value,
	   count(*) FILTER (WHERE abs(k - s * 3.6) <= 1e-12 * abs(k)) AS same_as_expression,
	   count(n) AS never_values
  FROM hdaq.resample(ARRAY['VehicleData/current_body_vel_ms.x', 'VehicleData/speed_kmh',
						   'VehicleData/never'], 0.05, :gen)
	   AS r(t double precision, s double precision, k double precision, n double precision);

-- a role granted SELECT table by table before the update (no SELECT on
-- hdaq.math_channel and hdaq.unit) reads paths and fields as before, sees
-- no unit and no math channel, and is told why a conversion fails
CREATE ROLE hdaq_math_reader;
GRANT USAGE ON SCHEMA hdaq TO hdaq_math_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA hdaq TO hdaq_math_reader;
REVOKE SELECT ON hdaq.math_channel, hdaq.unit FROM hdaq_math_reader;
SET ROLE hdaq_math_reader;
SELECT count(*) FROM hdaq.signal('VehicleData', 'current_body_vel_ms.x', file_id => :gen);
SELECT path, unit FROM hdaq.fields('VehicleData', :gen) WHERE path = 'current_body_vel_ms.x';
SELECT hdaq.signal_unit('VehicleData', 'speed_kmh') AS channel_unit;
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.signal('VehicleData', 'slip')$$) LIMIT 1;
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.signal('VehicleData', 'current_body_vel_ms.x', unit => 'km/h')$$) LIMIT 1;
RESET ROLE;
DROP OWNED BY hdaq_math_reader;
DROP ROLE hdaq_math_reader;

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
