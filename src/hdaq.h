/*-------------------------------------------------------------------------
 *
 * hdaq.h
 *	  Declarations shared by the PostgreSQL side of hdaq: settings, error
 *	  reporting for the cores, reader lifetimes and time conversion.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_H
#define HDAQ_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "mcap.h"

/* Settings (hdaq.c) */
extern int	hdaq_max_chunk_kb;
extern int	hdaq_segment_kb;
extern int	hdaq_compression_level;
extern int	hdaq_ingest_buffer_kb;

/* Reader options from the settings above. */
extern void hdaq_reader_options(McapReaderOptions *opts);

/*
 * Report an error of the cores with ereport(ERROR): the SQLSTATE follows
 * the status, and the message names the file ("what") and the offset.
 */
extern void hdaq_report_mcap_error(const McapError *err, const char *what) pg_attribute_noreturn();
extern int	hdaq_sqlstate_for(McapStatus code);

/*
 * Open a reader whose lifetime is tied to CurrentMemoryContext: it is
 * closed when the context is reset or deleted, also on error or cancel.
 * Errors opening it are reported with ereport.
 */
extern McapReader *hdaq_reader_open_memory(const uint8_t *data, size_t len,
										   const McapReaderOptions *opts,
										   const char *what);
extern McapReader *hdaq_reader_open_source(McapReadFn read, void *ctx,
										   const McapReaderOptions *opts,
										   const char *what);

/* Tie any core object's lifetime to CurrentMemoryContext. */
typedef void (*HdaqFreeFn) (void *object);
extern void hdaq_free_with_context(void *object, HdaqFreeFn free_fn);

/* Times (time.c) */
extern TimestampTz hdaq_ns_to_timestamptz(int64 ns);
extern int64 hdaq_timestamptz_to_ns(TimestampTz t);

/*
 * Text from the bytes a file holds: invalid UTF-8 and NUL bytes become
 * U+FFFD (text.c).
 */
extern text *hdaq_text_from_bytes(const char *data, size_t len);
extern char *hdaq_cstring_from_bytes(const char *data, size_t len);

/* ereport out of memory if an McapBuffer failed to grow. */
extern void hdaq_check_buffer(const McapBuffer *buf);

#endif							/* HDAQ_H */
