/*-------------------------------------------------------------------------
 *
 * ingest.h
 *	  Engine: storing an MCAP file, from bytes in memory or from a byte
 *	  source read in bounded memory (a large object, a server file).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_INGEST_H
#define HDAQ_INGEST_H

#include "hdaq.h"

/* The most a source is asked for at once. */
#define INGEST_READ_SIZE (1024 * 1024)

/* Read up to len bytes into buf; 0 at the end.  May ereport. */
typedef int64 (*IngestReadFn) (void *ctx, uint8 *buf, size_t len);

/* hdaq.ingest_buffer_size, registered from _PG_init. */
extern void ingest_define_gucs(void);

/*
 * Store one file, named name (may be NULL), with tags (may be NULL), and
 * return its file_id: the existing one, with a NOTICE, when a file of the
 * same content is already stored.  Each connects to SPI for the duration.
 */
extern int64 ingest_bytes(const char *name, Jsonb *tags, const uint8 *data,
						  size_t len);
extern int64 ingest_source(const char *name, Jsonb *tags, IngestReadFn read,
						   void *ctx);

#endif							/* HDAQ_INGEST_H */
