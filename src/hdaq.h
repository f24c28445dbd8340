/*-------------------------------------------------------------------------
 *
 * hdaq.h
 *	  Declarations shared by every tier of the PostgreSQL side of hdaq:
 *	  what a request selects, error reporting for the cores, lifetimes of
 *	  core objects, MCAP readers, text and time conversion.
 *
 * The PostgreSQL side has three tiers, each in its own folder:
 *	  src/functions/	entry points, one file per SQL function (or small
 *						family): arguments -> request -> rows
 *	  src/engine/		the machinery the entry points share: ingest, the
 *						message scan and its segments, the decoded scan,
 *						signals, decoders, MCAP and MAT output
 *	  src/store/		the one module holding SQL text: every statement
 *						that reads or writes hdaq's tables
 * and, here at the top level, the module's initialisation (hdaq.c) and the
 * small helpers below (error.c, reader.c, text.c, time.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_H
#define HDAQ_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/jsonb.h"

#include "hd_sha256.h"
#include "mcap.h"

/*
 * What a function selects: topics NULL = every topic, file_id absent =
 * every file, times inclusive (PG_INT64_MIN/MAX when unbounded).
 */
typedef struct ScanRequest
{
	char	  **topics;
	int			ntopics;
	bool		has_file_id;
	int64		file_id;
	/* or several files: file_ids[0 .. nfile_ids - 1] when not NULL */
	const int64 *file_ids;
	int			nfile_ids;
	int64		start_ns;		/* inclusive */
	int64		end_ns;			/* inclusive */
} ScanRequest;

/*
 * Errors of the cores and lifetimes of their objects (error.c)
 */

/*
 * Report an error of the cores with ereport(ERROR): the SQLSTATE follows
 * the status, and the message names the file ("what") and the offset.
 */
extern void hdaq_report_mcap_error(const McapError *err, const char *what) pg_attribute_noreturn();
extern void hdaq_report_stored_error(const McapError *err, const char *what) pg_attribute_noreturn();
extern int	hdaq_sqlstate_for(McapStatus code);

/* Tie any core object's lifetime to CurrentMemoryContext. */
typedef void (*HdaqFreeFn) (void *object);
extern void hdaq_free_with_context(void *object, HdaqFreeFn free_fn);

/*
 * An McapBuffer (not on the stack: it must outlive the caller) and a
 * decompressor whose memory goes with CurrentMemoryContext.
 */
extern void hdaq_buffer_init(McapBuffer *buf);
extern McapDecompressor *hdaq_decompressor_new(void);

/* ereport out of memory if an McapBuffer failed to grow. */
extern void hdaq_check_buffer(const McapBuffer *buf);

/*
 * MCAP readers (reader.c)
 */

/* hdaq.max_chunk_bytes, registered from _PG_init. */
extern void hdaq_reader_define_gucs(void);
/* functions/guard_drop.c: the hdaq.allow_drop setting */
extern void guard_drop_define_gucs(void);

/* Reader options from the settings. */
extern void hdaq_reader_options(McapReaderOptions *opts);

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
extern McapReader *hdaq_reader_open_resumed(const uint8_t *data, size_t len,
											const McapResumePoint *at,
											const McapReaderOptions *opts,
											const char *what);

/*
 * SHA-256 of a file's pieces, with the core's portable state (sha256.c)
 */
extern void hdaq_sha256_update(HdSha256 *sha, const uint8 *data, size_t len);

/*
 * Times (time.c)
 */
extern TimestampTz hdaq_ns_to_timestamptz(int64 ns);
extern int64 hdaq_timestamptz_to_ns(TimestampTz t);
extern bool hdaq_timestamptz_to_ns_exact(TimestampTz t, int64 *ns);

/*
 * Text from the bytes a file holds: invalid UTF-8 and NUL bytes become
 * U+FFFD (text.c).
 */
extern text *hdaq_text_from_bytes(const char *data, size_t len);
extern char *hdaq_cstring_from_bytes(const char *data, size_t len);

/* A string map as a jsonb object; "what" names its owner in errors. */
extern Jsonb *hdaq_jsonb_from_string_map(McapStringMap map, const char *what);

#endif							/* HDAQ_H */
