/*-------------------------------------------------------------------------
 *
 * mat_laps.h
 *	  Engine: a run's stored laps (hdaq.lap) and its GPS distance as MAT
 *	  variables beside the topics of hdaq.export_mat, so that a MATLAB
 *	  script overlays laps without finding them again.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MAT_LAPS_H
#define HDAQ_MAT_LAPS_H

#include "hdaq.h"

#include "engine/scan.h"
#include "matbuild.h"
#include "store/store.h"

/* What export_mat's laps argument asks for. */
typedef enum MatLapsMode
{
	MAT_LAPS_AUTO,				/* NULL: when the run has stored laps */
	MAT_LAPS_ON,				/* true: the run must have stored laps */
	MAT_LAPS_OFF				/* false: never */
} MatLapsMode;

/* The variables' names */
#define MAT_LAPS_VARIABLE "laps"
#define MAT_DISTANCE_VARIABLE "distance"

/* The GPS topic and leaves the distance variable is measured from. */
#define MAT_LAPS_GPS_TOPIC "VnInsData"
#define MAT_LAPS_LAT_PATH "lat_deg"
#define MAT_LAPS_LON_PATH "lon_deg"

/*
 * Whether the export writes laps: the file's stored laps read into *laps
 * (by track and lap number), or an error for MAT_LAPS_ON when it has none.
 * The caller is connected to SPI.
 */
typedef struct MatLaps
{
	StoredLap  *laps;
	int			nlaps;
	bool		has_gps;		/* the file has the GPS topic: write distance */
} MatLaps;

extern bool mat_laps_read(int64 file_id, MatLapsMode mode, MatLaps *out);

/*
 * Write the variables laps_name (a struct of N x 1 columns, one row per
 * lap) and, when the file has the GPS topic, distance_name (Timestamp and
 * distance_m at each fix in the request's time range, the distance counted
 * from the run's first fix); times in seconds since origin_ns.  held: what
 * the export holds besides (hdaq.max_export_memory caps the distance's
 * columns with it).  The caller is connected to SPI.
 */
extern void mat_write_laps(MbFile *file, const ScanRequest *req,
						   const MatLaps *laps, int64 origin_ns, uint64 held,
						   const char *laps_name, const char *distance_name);

#endif							/* HDAQ_MAT_LAPS_H */
