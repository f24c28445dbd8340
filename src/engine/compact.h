/*-------------------------------------------------------------------------
 *
 * compact.h
 *	  Engine: compaction, for hdaq.compact and the end of a live upload.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_COMPACT_H
#define HDAQ_COMPACT_H

#include "hdaq.h"

/*
 * Rewrite the segments of each channel of a file that has small ones (or,
 * with overlaps, segments that overlap in time); returns the number of
 * channels rewritten.  The caller is connected to SPI and holds the file's
 * row lock.
 */
extern int	compact_file(int64 file_id, bool overlaps);

#endif							/* HDAQ_COMPACT_H */
