/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Reading and writing hdaq's tables (file, schema, channel, segment,
 *	  metadata, attachment) through SPI with plans prepared once per
 *	  backend.  Callers must be connected to SPI.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_CATALOG_H
#define HDAQ_CATALOG_H

#include "hdaq.h"

#include "executor/spi.h"
#include "utils/jsonb.h"

/* What hdaq.file holds once an ingest is complete. */
typedef struct FileSummary
{
	const uint8 *sha256;		/* 32 bytes */
	int64		size_bytes;
	int64		message_count;
	bool		has_messages;
	int64		start_ns;
	int64		end_ns;
	Jsonb	   *recovery;		/* NULL when complete */
	const char *profile;
	const char *library;
} FileSummary;

/* What hdaq.channel holds once an ingest is complete. */
typedef struct ChannelSummary
{
	int64		message_count;
	int64		start_ns;
	int64		end_ns;
	int64		max_segment_span_ns;
} ChannelSummary;

typedef struct SegmentRow
{
	int64		channel_key;
	int64		start_ns;
	int32		seq;
	int64		end_ns;
	int32		message_count;
	const char *compression;
	int32		uncompressed_size;
	bytea	   *data;
} SegmentRow;

/* A statement prepared once per backend and kept in *slot. */
extern SPIPlanPtr hdaq_kept_plan(SPIPlanPtr *slot, const char *sql, int nargs,
								 const Oid *types);

extern int64 catalog_find_file(const uint8 *sha256);
extern void catalog_lock_sha256(const uint8 *sha256);
extern int64 catalog_insert_file(const char *name, const uint8 *sha256,
								 Jsonb *tags);
extern void catalog_complete_file(int64 file_id, const FileSummary *summary);
extern void catalog_delete_file(int64 file_id);

extern int64 catalog_upsert_schema(const McapSchema *schema);
extern int64 catalog_insert_channel(int64 file_id, const McapChannel *channel,
									int64 schema_key, bool has_schema_key);
extern void catalog_complete_channel(int64 channel_key,
									 const ChannelSummary *summary);
extern void catalog_insert_segment(const SegmentRow *row);
extern void catalog_insert_metadata(int64 file_id, int32 ord,
									const McapMetadata *md);
extern void catalog_insert_attachment(int64 file_id, int32 ord,
									  const McapAttachment *att);

/* A string map as a jsonb object (text.c) */
extern Jsonb *hdaq_jsonb_from_string_map(McapStringMap map, const char *what);

#endif							/* HDAQ_CATALOG_H */
