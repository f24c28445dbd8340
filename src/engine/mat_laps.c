/*-------------------------------------------------------------------------
 *
 * mat_laps.c
 *	  Engine: a run's stored laps and its GPS distance as MAT variables,
 *	  for hdaq.export_mat.  The laps are hdaq.lap's rows for the file (what
 *	  hdaq.detect_laps stored, every track), one row of a struct of columns
 *	  each; the distance is hdaq.distance's, from engine/gps.c and the
 *	  haversine sum of src/common/hd_laps.c, at each fix of the export's
 *	  time range.  Times count seconds from the export's time origin, as
 *	  every Timestamp of the file does.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/mat_laps.h"

#include "engine/gps.h"
#include "engine/mat_export.h"
#include "engine/mat_info.h"
#include "store/store.h"

#include "hd_laps.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/float.h"

bool
mat_laps_read(int64 file_id, MatLapsMode mode, MatLaps *out)
{
	ScanRequest req = {0};
	char	   *topic = MAT_LAPS_GPS_TOPIC;
	int			nchannels;

	memset(out, 0, sizeof(*out));
	if (mode == MAT_LAPS_OFF)
		return false;
	if (mode == MAT_LAPS_AUTO && !store_table_usable("lap", ACL_SELECT))
		return false;
	out->laps = store_read_file_laps(file_id, &out->nlaps);
	if (out->nlaps == 0)
	{
		if (mode == MAT_LAPS_ON)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("laps => true, but file %lld has no stored laps", (long long) file_id),
					 errhint("SELECT hdaq.detect_laps(%lld, track) finds and stores them; laps => NULL exports them when there are some.",
							 (long long) file_id)));
		return false;
	}
	req.has_file_id = true;
	req.file_id = file_id;
	req.topics = &topic;
	req.ntopics = 1;
	req.start_ns = PG_INT64_MIN;
	req.end_ns = PG_INT64_MAX;
	store_find_channels(&req, &nchannels);
	out->has_gps = nchannels > 0;
	return true;
}

static double
seconds_since(int64 ns, int64 origin_ns)
{
	return (double) (ns - origin_ns) / 1e9;
}

/* The struct of the laps: one row per lap, N x 1 columns. */
static void
write_laps_var(MbFile *file, const MatLaps *laps, int64 origin_ns,
			   const char *name)
{
	int			n = laps->nlaps;
	int			width = 0;
	const char **tracks = palloc(sizeof(char *) * n);
	size_t	   *lens = palloc(sizeof(size_t) * n);
	double	   *cols[5];
	uint8	   *flags[3];
	double	   *splits;
	matvar_t   *fields[10];

	for (int c = 0; c < 5; c++)
		cols[c] = palloc(sizeof(double) * n);
	for (int c = 0; c < 3; c++)
		flags[c] = palloc(sizeof(uint8) * n);
	for (int i = 0; i < n; i++)
		width = Max(width, laps->laps[i].nsplits);
	splits = palloc(sizeof(double) * Max((Size) n * width, 1));
	for (int i = 0; i < n; i++)
	{
		const StoredLap *lap = &laps->laps[i];

		tracks[i] = lap->track;
		lens[i] = strlen(lap->track);
		cols[0][i] = lap->lap;
		cols[1][i] = seconds_since(lap->start_ns, origin_ns);
		cols[2][i] = seconds_since(lap->end_ns, origin_ns);
		cols[3][i] = lap->lap_time_s;
		cols[4][i] = lap->distance_m;
		flags[0][i] = lap->out_lap;
		flags[1][i] = lap->in_lap;
		flags[2][i] = lap->valid;
		/* column-major, NaN past the lap's own splits */
		for (int k = 0; k < width; k++)
			splits[(Size) k * n + i] = k < lap->nsplits ? lap->split_times_s[k] :
				get_float8_nan();
	}
	fields[0] = mb_cell_var("track", tracks, lens, n, 1);
	fields[1] = mb_double_var("lap", cols[0], n, 1, false);
	fields[2] = mb_double_var("start_time", cols[1], n, 1, false);
	fields[3] = mb_double_var("end_time", cols[2], n, 1, false);
	fields[4] = mb_double_var("lap_time_s", cols[3], n, 1, false);
	fields[5] = mb_double_var("distance_m", cols[4], n, 1, false);
	fields[6] = mb_logical_var("out_lap", flags[0], n, 1, false);
	fields[7] = mb_logical_var("in_lap", flags[1], n, 1, false);
	fields[8] = mb_logical_var("valid", flags[2], n, 1, false);
	fields[9] = mb_double_var("split_times_s", splits, n, width, false);
	mat_write_struct(file, name, fields, lengthof(fields));
}

/* The distance at each fix of the time range, counted from the run's first. */
typedef struct DistanceColumns
{
	HdPathLength path;
	int64		start_ns;
	int64		end_ns;
	int64		origin_ns;
	int64		file_id;
	uint64		held;
	double	   *time;
	double	   *metres;
	Size		n;
	Size		cap;
} DistanceColumns;

static void
add_fix(void *arg, int64 time_ns, double lat, double lon)
{
	DistanceColumns *dc = arg;
	double		seg_m;

	if (!hd_path_length_add(&dc->path, time_ns, lat, lon, &seg_m))
		return;
	if (time_ns < dc->start_ns || time_ns > dc->end_ns)
		return;
	if (dc->n == dc->cap)
	{
		dc->cap = Max(dc->cap * 2, 1024);
		mat_check_export_memory(dc->held + 2 * sizeof(double) * dc->cap,
								"The distance of file %lld (%.0f fixes so far)",
								(long long) dc->file_id, (double) dc->n);
		dc->time = repalloc_huge(dc->time, sizeof(double) * dc->cap);
		dc->metres = repalloc_huge(dc->metres, sizeof(double) * dc->cap);
	}
	dc->time[dc->n] = seconds_since(time_ns, dc->origin_ns);
	dc->metres[dc->n++] = dc->path.total_m;
}

static void
write_distance_var(MbFile *file, const ScanRequest *req, int64 origin_ns,
				   uint64 held, const char *name)
{
	GpsSource	src;
	DistanceColumns dc = {0};
	matvar_t   *fields[2];

	src.file_id = req->file_id;
	src.topic = MAT_LAPS_GPS_TOPIC;
	src.lat_path = MAT_LAPS_LAT_PATH;
	src.lon_path = MAT_LAPS_LON_PATH;
	hd_path_length_init(&dc.path);
	dc.start_ns = req->start_ns;
	dc.end_ns = req->end_ns;
	dc.origin_ns = origin_ns;
	dc.file_id = req->file_id;
	dc.held = held;
	dc.time = palloc(sizeof(double));
	dc.metres = palloc(sizeof(double));
	scan_gps_fixes(&src, add_fix, &dc);
	fields[0] = mb_double_var("Timestamp", dc.time, dc.n, 1, false);
	fields[1] = mb_double_var("distance_m", dc.metres, dc.n, 1, false);
	mat_write_struct(file, name, fields, lengthof(fields));
}

void
mat_write_laps(MbFile *file, const ScanRequest *req, const MatLaps *laps,
			   int64 origin_ns, uint64 held, const char *laps_name,
			   const char *distance_name)
{
	write_laps_var(file, laps, origin_ns, laps_name);
	CHECK_FOR_INTERRUPTS();
	if (laps->has_gps)
		write_distance_var(file, req, origin_ns, held, distance_name);
}
