/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  Engine: storing an MCAP file, for hdaq.ingest(bytea),
 *	  hdaq.ingest_lo(oid) and hdaq.ingest_file(path).  The setting
 *	  hdaq.ingest_buffer_size is defined here.
 *
 * The stream is read once, record by record, in bounded memory.  Schemas
 * are deduplicated across files, channels get a row each, and messages are
 * buffered per channel and written as segments (segment_write.c); rows go
 * through the store.  When the buffers of all channels together exceed
 * hdaq.ingest_buffer_size, the largest is written early.  Everything
 * happens in the caller's transaction, so a failed ingest leaves nothing
 * behind.
 *
 * A file already stored (same sha256) is not stored again: the existing
 * file_id comes back with a NOTICE, and the tags given are merged into the
 * stored file's tags.  Ingests of the same content serialise
 * on an advisory lock keyed by the digest, so two sessions storing one file
 * at once end with one copy.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/ingest.h"
#include "engine/ingest_int.h"
#include "engine/leaf_blocks.h"

#include "engine/segment.h"
#include "store/store.h"

#include "common/cryptohash.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/memutils.h"

/*
 * A byte source for the reader that hashes what it delivers.  The reader
 * is plain C: an error raised while reading (a cancel, a failed large
 * object read) is caught here and rethrown once the reader has returned.
 */
typedef struct HashingSource
{
	IngestReadFn read;			/* may ereport */
	void	   *ctx;
	pg_cryptohash_ctx *sha;
	uint64		bytes;
	MemoryContext error_context;
	ErrorData  *error;
} HashingSource;

static int	ingest_buffer_kb = 64 * 1024;

void
ingest_define_gucs(void)
{
	DefineCustomIntVariable("hdaq.ingest_buffer_size",
							"Memory an ingest may use to buffer messages before writing segments.",
							"When the buffered messages of all channels exceed this, the largest buffers are written early.",
							&ingest_buffer_kb,
							64 * 1024, 1024, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
}

static void
sha_check(int rc, pg_cryptohash_ctx *sha)
{
	if (rc < 0)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
						errmsg("could not compute SHA-256: %s",
							   pg_cryptohash_error(sha))));
}

static pg_cryptohash_ctx *
sha_begin(void)
{
	pg_cryptohash_ctx *sha = pg_cryptohash_create(PG_SHA256);

	if (sha == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
						errmsg("out of memory")));
	sha_check(pg_cryptohash_init(sha), sha);
	return sha;
}

static void
sha_finish(pg_cryptohash_ctx *sha, uint8 *digest)
{
	sha_check(pg_cryptohash_final(sha, digest, SHA256_LEN), sha);
	pg_cryptohash_free(sha);
}

static int64_t
hashing_read(void *arg, uint8_t *buf, size_t len)
{
	HashingSource *src = arg;
	volatile int64 n = -1;
	MemoryContext oldcxt = CurrentMemoryContext;

	PG_TRY();
	{
		CHECK_FOR_INTERRUPTS();
		n = src->read(src->ctx, buf, len);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(src->error_context);
		src->error = CopyErrorData();
		FlushErrorState();
		MemoryContextSwitchTo(oldcxt);
		return -1;
	}
	PG_END_TRY();
	if (n > 0)
	{
		sha_check(pg_cryptohash_update(src->sha, buf, n), src->sha);
		src->bytes += n;
	}
	return n;
}

/* ---- channels and schemas by id -------------------------------------------- */

/*
 * Room for slot index in an array of *nslots slots of slot_size bytes, in
 * the ingest's context: grown (new slots zeroed) when index is past the
 * end.  Indexes are below 65,536 (ids are 16-bit), so an array is as long
 * as the file needs, at most that.
 */
static void *
room_for_slot(Ingest *ing, void *slots, int *nslots, size_t slot_size,
			  int index)
{
	int			n;

	if (index < *nslots)
		return slots;
	n = Min(Max(Max(*nslots * 2, 16), index + 1), MAX_IDS);
	if (slots == NULL)
		slots = MemoryContextAlloc(ing->context, slot_size * n);
	else
		slots = repalloc(slots, slot_size * n);
	memset((char *) slots + slot_size * *nslots, 0,
		   slot_size * (n - *nslots));
	*nslots = n;
	return slots;
}

static IngestChannel *
channel_by_id(const Ingest *ing, uint16 id)
{
	return id < ing->channel_slots ? ing->channel_by_id[id] : NULL;
}

static int64
schema_key_by_id(const Ingest *ing, uint16 id)
{
	return id < ing->schema_slots ? ing->schema_key_by_id[id] : 0;
}

static void
set_schema_key(Ingest *ing, uint16 id, int64 schema_key)
{
	ing->schema_key_by_id = room_for_slot(ing, ing->schema_key_by_id,
										  &ing->schema_slots, sizeof(int64),
										  id);
	ing->schema_key_by_id[id] = schema_key;
}

/* Add a channel, by id and to the list of channels seen (kept by id). */
static void
add_channel(Ingest *ing, IngestChannel *ch)
{
	int			i = ing->nchannels;

	ing->channel_by_id = room_for_slot(ing, ing->channel_by_id,
									   &ing->channel_slots,
									   sizeof(IngestChannel *), ch->id);
	ing->channel_by_id[ch->id] = ch;
	ing->channels = room_for_slot(ing, ing->channels,
								  &ing->channels_capacity,
								  sizeof(IngestChannel *), ing->nchannels);
	for (; i > 0 && ing->channels[i - 1]->id > ch->id; i--)
		ing->channels[i] = ing->channels[i - 1];
	ing->channels[i] = ch;
	ing->nchannels++;
}

IngestChannel *
ingest_add_stored_channel(Ingest *ing, uint16 id, int64 channel_key)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(ing->context);
	IngestChannel *ch = palloc0(sizeof(IngestChannel));

	ch->id = id;
	ch->channel_key = channel_key;
	ch->known = true;
	segment_buffer_init(&ch->buffer);
	MemoryContextSwitchTo(oldcxt);
	add_channel(ing, ch);
	return ch;
}

void
ingest_add_stored_schema(Ingest *ing, uint16 id, int64 schema_key)
{
	set_schema_key(ing, id, schema_key);
}

/* ---- records ------------------------------------------------------------ */

static void
ingest_schema(Ingest *ing, const McapSchema *schema)
{
	if (schema->id == 0 || schema_key_by_id(ing, schema->id) != 0)
		return;					/* 0 is "no schema"; repeats are ignored */
	set_schema_key(ing, schema->id, store_upsert_schema(schema));
}

static void
ingest_channel(Ingest *ing, const McapChannel *channel)
{
	IngestChannel *ch;
	int64		schema_key = schema_key_by_id(ing, channel->schema_id);
	MemoryContext oldcxt;

	if (channel_by_id(ing, channel->id) != NULL)
		return;					/* repeated in a chunk or the summary */
	oldcxt = MemoryContextSwitchTo(ing->context);
	ch = palloc0(sizeof(IngestChannel));
	ch->id = channel->id;
	segment_buffer_init(&ch->buffer);
	MemoryContextSwitchTo(oldcxt);
	ch->channel_key = store_insert_channel(ing->file_id, channel, schema_key,
										   schema_key != 0);
	add_channel(ing, ch);
}

static void
note_dropped_message(Ingest *ing, const McapRecord *rec, const char *why)
{
	if (ing->messages_dropped++ == 0)
		snprintf(ing->first_drop, sizeof(ing->first_drop),
				 "message at offset %llu: %s",
				 (unsigned long long) (rec->in_chunk ? rec->chunk_offset : rec->offset),
				 why);
}

/* Write the largest channel buffers until the total is under the limit. */
static void
spill_buffers(Ingest *ing)
{
	while (ing->buffered > ing->buffer_limit)
	{
		IngestChannel *largest = NULL;

		/* by id: of equal buffers, the lowest id's is written */
		for (int i = 0; i < ing->nchannels; i++)
		{
			IngestChannel *ch = ing->channels[i];

			if (largest == NULL ||
				ch->buffer.records.len > largest->buffer.records.len)
				largest = ch;
		}
		if (largest == NULL || largest->buffer.records.len == 0)
			break;
		ing->buffered -= largest->buffer.records.len;
		segment_buffer_flush(ing->writer, &largest->buffer,
							 largest->channel_key, &largest->segments);
	}
}

static void
ingest_message(Ingest *ing, const McapRecord *rec)
{
	const McapMessage *msg = &rec->u.message;
	IngestChannel *ch = channel_by_id(ing, msg->channel_id);
	int64		t = (int64) msg->log_time;
	size_t		before;

	if (ch == NULL)
	{
		note_dropped_message(ing, rec, "its channel was never defined");
		return;
	}
	if (msg->log_time > PG_INT64_MAX || msg->publish_time > PG_INT64_MAX)
	{
		note_dropped_message(ing, rec, "its time is beyond the year 2262");
		return;
	}
	before = ch->buffer.records.len;
	segment_buffer_add(&ch->buffer, msg);
	ing->buffered += ch->buffer.records.len - before;

	if (ch->summary.message_count == 0 || t < ch->summary.start_ns)
		ch->summary.start_ns = t;
	if (ch->summary.message_count == 0 || t > ch->summary.end_ns)
		ch->summary.end_ns = t;
	ch->summary.message_count++;
	if (ing->message_count == 0 || t < ing->start_ns)
		ing->start_ns = t;
	if (ing->message_count == 0 || t > ing->end_ns)
		ing->end_ns = t;
	ing->message_count++;

	if (ch->buffer.records.len >= ing->writer->target_bytes)
	{
		ing->buffered -= ch->buffer.records.len;
		segment_buffer_flush(ing->writer, &ch->buffer, ch->channel_key,
							 &ch->segments);
	}
	else if (ing->buffered > ing->buffer_limit)
		spill_buffers(ing);
}

void
ingest_record(Ingest *ing, const McapRecord *rec)
{
	switch (rec->opcode)
	{
		case MCAP_OP_HEADER:
			if (ing->profile == NULL)
			{
				const McapHeader *h = &rec->u.header;

				ing->profile = MemoryContextStrdup(ing->context,
												   hdaq_cstring_from_bytes(h->profile.data, h->profile.len));
				ing->library = MemoryContextStrdup(ing->context,
												   hdaq_cstring_from_bytes(h->library.data, h->library.len));
			}
			break;
		case MCAP_OP_SCHEMA:
			ingest_schema(ing, &rec->u.schema);
			break;
		case MCAP_OP_CHANNEL:
			ingest_channel(ing, &rec->u.channel);
			break;
		case MCAP_OP_MESSAGE:
			ingest_message(ing, rec);
			break;
		case MCAP_OP_METADATA:
			store_insert_metadata(ing->file_id, ing->metadata_count++,
								  &rec->u.metadata);
			break;
		case MCAP_OP_ATTACHMENT:
			store_insert_attachment(ing->file_id, ing->attachment_count++,
									&rec->u.attachment);
			break;
		default:
			break;				/* indexes and summary: rebuilt, not kept */
	}
}

/* ---- the whole file -------------------------------------------------------- */

static void
finish_channels(Ingest *ing)
{
	for (int i = 0; i < ing->nchannels; i++)
	{
		IngestChannel *ch = ing->channels[i];

		CHECK_FOR_INTERRUPTS();
		segment_buffer_flush(ing->writer, &ch->buffer, ch->channel_key,
							 &ch->segments);
		ch->summary.max_segment_span_ns = ch->segments.max_span_ns;
		store_complete_channel(ch->channel_key, &ch->summary);
	}
	ing->buffered = 0;
}

/*
 * What was recovered and dropped, or NULL for a file stored whole: the
 * reader's recovery (as hdaq.info shows it) and the messages ingest itself
 * had to drop.
 */
Jsonb *
ingest_recovery_jsonb(const Ingest *ing, const McapRecovery *rec)
{
	McapBuffer *json;
	Datum		recovery;
	StringInfoData dropped;

	if (rec->complete && !rec->truncated && rec->chunks_skipped == 0 &&
		rec->records_skipped == 0 && !rec->trailing_data &&
		ing->messages_dropped == 0)
		return NULL;

	json = palloc(sizeof(McapBuffer));
	hdaq_buffer_init(json);
	mcap_recovery_json(rec, json);
	mcap_buffer_append_u8(json, 0);
	hdaq_check_buffer(json);
	recovery = DirectFunctionCall1(jsonb_in, CStringGetDatum((char *) json->data));

	initStringInfo(&dropped);
	appendStringInfo(&dropped, "{\"messages_dropped\": " INT64_FORMAT
					 ", \"first_message_dropped\": ", ing->messages_dropped);
	if (ing->messages_dropped > 0)
		escape_json(&dropped, ing->first_drop);
	else
		appendStringInfoString(&dropped, "null");
	appendStringInfoChar(&dropped, '}');
	return DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, recovery,
											  DirectFunctionCall1(jsonb_in, CStringGetDatum(dropped.data))));
}

/* One sentence for the NOTICE of a file not stored whole, per case. */
static const char *
recovery_headline(const Ingest *ing, const McapRecovery *rec)
{
	if (rec->truncated)
		return psprintf("%s was cut short: it is stored up to its last complete record, at offset %llu",
						ing->what, (unsigned long long) rec->valid_end);
	if (!rec->complete)
		return psprintf("%s has no footer (the recording was not closed): it is stored up to offset %llu",
						ing->what, (unsigned long long) rec->valid_end);
	return psprintf("%s is complete, but not all of it could be stored", ing->what);
}

void
ingest_report_recovery(const Ingest *ing, const Jsonb *recovery,
					   const McapRecovery *rec)
{
	char		description[512];

	if (recovery == NULL)
		return;
	mcap_recovery_describe(rec, description, sizeof(description));
	ereport(NOTICE,
			(errmsg_internal("%s", recovery_headline(ing, rec)),
			 ing->messages_dropped > 0 ?
			 errdetail("%s; %lld messages dropped, the first: %s", description,
					   (long long) ing->messages_dropped, ing->first_drop) :
			 errdetail("%s", description),
			 errhint("hdaq.file.recovery of file %lld says what was recovered and dropped.",
					 (long long) ing->file_id)));
}

void
ingest_read_records(Ingest *ing, McapReader *reader, ErrorData **source_error)
{
	MemoryContext record_cxt = AllocSetContextCreate(CurrentMemoryContext,
													 "hdaq ingest record",
													 ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt;
	McapRecord	rec;
	McapError	err;
	int			rc;

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		rc = mcap_reader_next(reader, &rec, &err);
		if (rc <= 0)
			break;
		oldcxt = MemoryContextSwitchTo(record_cxt);
		ingest_record(ing, &rec);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(record_cxt);
	}
	if (source_error && *source_error)
		ReThrowError(*source_error);
	if (rc < 0)
		hdaq_report_mcap_error(&err, ing->what);
	MemoryContextDelete(record_cxt);
}

/*
 * A damaged file of which no message, metadata record or attachment could
 * be read (its only record claims more bytes than it has or than the
 * limit, its only chunk was skipped...) has nothing worth storing: refuse
 * it, saying why.  A whole file that simply holds nothing is stored.
 */
static void
refuse_if_nothing_usable(const Ingest *ing, const McapRecovery *rec)
{
	char		description[512];

	if (ing->message_count > 0 || ing->metadata_count > 0 ||
		ing->attachment_count > 0)
		return;
	if (rec->complete && !rec->truncated && rec->chunks_skipped == 0 &&
		rec->records_skipped == 0)
		return;
	mcap_recovery_describe(rec, description, sizeof(description));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("%s holds no usable MCAP content: no message, metadata or attachment could be read", ing->what),
			 errdetail("%s", description)));
}

/* Read what the reader left of a source, so the digest covers it all. */
static void
drain_source(HashingSource *src)
{
	uint8	   *buf = palloc(INGEST_READ_SIZE);

	while (hashing_read(src, buf, INGEST_READ_SIZE) > 0)
		;
	if (src->error)
		ReThrowError(src->error);
	pfree(buf);
}

Ingest *
ingest_create(int64 file_id, const char *what)
{
	Ingest	   *ing = palloc0(sizeof(Ingest));

	ing->context = CurrentMemoryContext;
	ing->what = what;
	ing->writer = segment_writer_create(file_id);
	ing->buffer_limit = (size_t) ingest_buffer_kb * 1024;
	ing->file_id = file_id;
	return ing;
}

/* Whether tags hold at least one key. */
static bool
has_tags(Jsonb *tags)
{
	return tags != NULL && JB_ROOT_COUNT(tags) > 0;
}

/*
 * The file_id of a file already stored with this digest, or 0.  The tags
 * given are merged into the stored file's, and a NOTICE names it by its
 * stored name and says what became of the tags.  Takes the digest's lock,
 * held until the end of the transaction.
 */
int64
ingest_already_stored(const uint8 *digest, const char *what, Jsonb *tags)
{
	int64		existing;
	StoredFile	stored = {0};

	store_lock_sha256(digest);
	existing = store_find_file(digest);
	if (existing == 0)
		return 0;
	store_stored_file(existing, has_tags(tags) ? tags : NULL, &stored);
	ereport(NOTICE,
			(errmsg("%s is already stored as file %lld, named \"%s\"; it is not stored again",
					what, (long long) existing,
					stored.name ? stored.name : ""),
			 has_tags(tags) ?
			 errdetail("The tags given were merged into the stored file's tags, which are now %s.",
					   stored.tags) : 0));
	return existing;
}

static void
sha256_of(const uint8 *data, size_t len, uint8 *digest)
{
	pg_cryptohash_ctx *sha = sha_begin();

	sha_check(pg_cryptohash_update(sha, data, len), sha);
	sha_finish(sha, digest);
}

/*
 * Read and store every record of data (in memory) or src; returns the
 * reader's account of what it recovered, valid until SPI_finish.
 */
static const McapRecovery *
read_stream(Ingest *ing, const uint8 *data, size_t len, HashingSource *src)
{
	McapReaderOptions opts;
	McapReader *reader;

	hdaq_reader_options(&opts);
	opts.skip_message_indexes = true;
	if (data != NULL)
		reader = hdaq_reader_open_memory(data, len, &opts, ing->what);
	else
		reader = hdaq_reader_open_source(hashing_read, src, &opts, ing->what);
	if (src && src->error)
		ReThrowError(src->error);
	ingest_read_records(ing, reader, src ? &src->error : NULL);
	if (ing->profile == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s holds no valid MCAP content", ing->what),
				 errdetail("The stream ends before its Header record is complete.")));
	refuse_if_nothing_usable(ing, mcap_reader_recovery(reader));
	finish_channels(ing);
	return mcap_reader_recovery(reader);
}

/* Fill in hdaq.file's row; a NOTICE if the file was not stored whole. */
static void
complete_file(Ingest *ing, const uint8 *digest, int64 size_bytes,
			  const McapRecovery *rec)
{
	FileSummary summary;

	summary.sha256 = digest;
	summary.size_bytes = size_bytes;
	summary.message_count = ing->message_count;
	summary.has_messages = ing->message_count > 0;
	summary.start_ns = ing->start_ns;
	summary.end_ns = ing->end_ns;
	summary.recovery = ingest_recovery_jsonb(ing, rec);
	summary.profile = ing->profile;
	summary.library = ing->library;
	summary.state = rec->complete ? "complete" : "cut short";
	store_complete_file(ing->file_id, &summary);
	leaf_blocks_after_ingest(ing->file_id);
	ingest_report_recovery(ing, summary.recovery, rec);
}

/*
 * Store one file, named name (may be NULL).  Connects to SPI for the
 * duration.  Exactly one of data (in memory) or src (a byte source) is
 * given.  A file in memory is looked up by its digest before it is read; a
 * source's digest is known once it is read, so a copy already stored is
 * found then and the new rows deleted.
 */
static int64
ingest_stream(const char *name, Jsonb *tags, const uint8 *data, size_t len,
			  HashingSource *src)
{
	uint8		digest[SHA256_LEN];
	Ingest	   *ing;
	int64		file_id;
	const McapRecovery *rec;
	const char *what = name ? name : "the MCAP value";

	SPI_connect();
	if (data != NULL)
	{
		sha256_of(data, len, digest);
		if ((file_id = ingest_already_stored(digest, what, tags)) != 0)
		{
			SPI_finish();
			return file_id;
		}
	}

	ing = ingest_create(store_insert_file(name, data ? digest : NULL, tags,
										"complete"), what);
	rec = read_stream(ing, data, len, src);
	if (src != NULL)
	{
		drain_source(src);
		sha_finish(src->sha, digest);
		if ((file_id = ingest_already_stored(digest, what, tags)) != 0)
		{
			store_delete_file(ing->file_id);
			SPI_finish();
			return file_id;
		}
	}
	complete_file(ing, digest, data ? (int64) len : (int64) src->bytes, rec);

	file_id = ing->file_id;		/* ing goes with SPI's memory */
	SPI_finish();
	return file_id;
}

/* ---- the two ways in ------------------------------------------------------- */

int64
ingest_bytes(const char *name, Jsonb *tags, const uint8 *data, size_t len)
{
	return ingest_stream(name, tags, data, len, NULL);
}

int64
ingest_source(const char *name, Jsonb *tags, IngestReadFn read, void *ctx)
{
	HashingSource src = {0};

	src.read = read;
	src.ctx = ctx;
	src.sha = sha_begin();
	src.error_context = CurrentMemoryContext;
	return ingest_stream(name, tags, NULL, 0, &src);
}
