/*-------------------------------------------------------------------------
 *
 * live.h
 *	  Engine: storing a file piece by piece while it is still being
 *	  written (hdaq.ingest_begin, ingest_append, ingest_finish,
 *	  ingest_prefix_sha256), and resuming an interrupted upload.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_LIVE_H
#define HDAQ_LIVE_H

#include "hdaq.h"

/* What an append leaves: the file (the stored copy's, if merged). */
typedef struct LiveProgress
{
	int64		file_id;
	int64		stored_bytes;
	const char *state;
} LiveProgress;

extern int64 live_begin(const char *name, Jsonb *tags);
extern void live_append(int64 file_id, int64 offset, const uint8 *data,
						size_t len, LiveProgress *out);
extern int64 live_finish(int64 file_id);
extern bytea *live_prefix_sha256(int64 file_id);

#endif							/* HDAQ_LIVE_H */
