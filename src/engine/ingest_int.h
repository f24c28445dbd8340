/*-------------------------------------------------------------------------
 *
 * ingest_int.h
 *	  Engine internals shared by the two ways a file is stored: whole, in
 *	  one transaction (ingest.c), and piece by piece while it is still
 *	  being written (live.c).  Both turn the reader's records into rows
 *	  through the same Ingest: schemas, channels, messages buffered per
 *	  channel and written as segments, metadata and attachments.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_INGEST_INT_H
#define HDAQ_INGEST_INT_H

#include "hdaq.h"

#include "engine/segment.h"
#include "store/store.h"

#define SHA256_LEN 32
#define MAX_IDS 65536			/* channel and schema ids are 16-bit */

/* A channel of the file being stored. */
typedef struct IngestChannel
{
	uint16		id;
	int64		channel_key;
	SegmentBuffer buffer;
	SegmentStats segments;
	ChannelSummary summary;		/* of the messages this ingest added */
	bool		known;			/* stored by an earlier piece */
	UploadChannel run;			/* live: its small segments at the end */
} IngestChannel;

typedef struct Ingest Ingest;

struct Ingest
{
	const char *what;			/* the file, for messages */
	MemoryContext context;		/* lives as long as the ingest */
	int64		file_id;
	char	   *profile;		/* from the Header record, NULL until seen */
	char	   *library;
	/* by id: slots up to the largest id seen so far, NULL or 0 if unseen */
	IngestChannel **channel_by_id;
	int			channel_slots;
	int64	   *schema_key_by_id;
	int			schema_slots;
	/* the channels seen, by id: what spilling and finishing walk */
	IngestChannel **channels;
	int			nchannels;
	int			channels_capacity;
	SegmentWriter *writer;
	size_t		buffered;		/* record bytes in all channel buffers */
	size_t		buffer_limit;
	int32		metadata_count;
	int32		attachment_count;
	int64		message_count;
	int64		start_ns;
	int64		end_ns;
	int64		messages_dropped;	/* unknown channel or time out of range */
	char		first_drop[160];
};

/* An Ingest of file_id's records, living in CurrentMemoryContext. */
extern Ingest *ingest_create(int64 file_id, const char *what);

/* A channel or schema an earlier piece of the file stored already. */
extern IngestChannel *ingest_add_stored_channel(Ingest *ing, uint16 id,
												int64 channel_key);
extern void ingest_add_stored_schema(Ingest *ing, uint16 id,
									 int64 schema_key);

/* Store what one record of the file holds. */
extern void ingest_record(Ingest *ing, const McapRecord *rec);

/* Read every record of a reader into ing (rethrows a source's error). */
extern void ingest_read_records(Ingest *ing, McapReader *reader,
								ErrorData **source_error);

/*
 * What was recovered and dropped (NULL when the file was stored whole),
 * and the NOTICE that says so.
 */
extern Jsonb *ingest_recovery_jsonb(const Ingest *ing,
									const McapRecovery *rec);
extern void ingest_report_recovery(const Ingest *ing, const Jsonb *recovery,
								   const McapRecovery *rec);

/*
 * The file_id of a complete file already stored with this digest, or 0;
 * tags are merged into its tags, and a NOTICE names it.  Takes the
 * digest's lock, held until the end of the transaction.
 */
extern int64 ingest_already_stored(const uint8 *digest, const char *what,
								   Jsonb *tags);

#endif							/* HDAQ_INGEST_INT_H */
