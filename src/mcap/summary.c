/*-------------------------------------------------------------------------
 *
 * summary.c
 *	  Reading the summary of a file in memory: the Footer at the end, then
 *	  the summary section it points to (schemas, channels, statistics, chunk,
 *	  attachment and metadata indexes).
 *
 * When there is no summary (no footer, or a footer with summary_start 0)
 * the same tables are built by a linear scan, silently.  When the summary
 * is there but unusable (bad offsets, bad CRC, records that do not parse,
 * a second stream appended to the file) the scan is used too and
 * summary_error says why.  A summary that is valid but leaves some tables
 * out (writers may omit schemas, channels or indexes) is completed by a
 * scan for just those tables.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <stdlib.h>
#include <string.h>

#define FOOTER_RECORD_SIZE	(MCAP_RECORD_PREFIX_SIZE + 20)

/* Which tables a scan should fill. */
#define WANT_SCHEMAS		0x01
#define WANT_CHANNELS		0x02
#define WANT_CHUNKS			0x04
#define WANT_ATTACHMENTS	0x08
#define WANT_METADATA		0x10
#define WANT_ALL			0x1F

/* Building state: the summary plus array capacities and seen ids. */
typedef struct Builder
{
	McapSummary *s;
	size_t		schema_cap;
	size_t		channel_cap;
	size_t		chunk_cap;
	size_t		attachment_cap;
	size_t		metadata_cap;
	uint8_t		schema_seen[65536 / 8];
	uint8_t		channel_seen[65536 / 8];
	uint64_t	owned_budget;	/* bytes left for copies of records */
	bool		nomem;
} Builder;

/* A copy of a record body found inside a compressed chunk. */
typedef struct OwnedBlock
{
	struct OwnedBlock *next;
	uint8_t		data[];
} OwnedBlock;

/* Make room for one more element in *arr; false if memory runs out. */
static bool
reserve_one(void **arr, size_t *cap, size_t count, size_t elem)
{
	size_t		newcap;
	void	   *grown;

	if (count < *cap)
		return true;
	newcap = *cap == 0 ? 16 : *cap * 2;
	if (newcap > SIZE_MAX / elem)
		return false;
	grown = realloc(*arr, newcap * elem);
	if (grown == NULL)
		return false;
	*arr = grown;
	*cap = newcap;
	return true;
}

/* Test and set the bit for id; true if it was already set. */
static bool
seen_before(uint8_t *bits, uint16_t id)
{
	uint8_t		mask = (uint8_t) (1u << (id & 7));
	bool		was = (bits[id >> 3] & mask) != 0;

	bits[id >> 3] |= mask;
	return was;
}

static void
add_schema(Builder *b, const McapSchema *x)
{
	McapSummary *s = b->s;

	if (seen_before(b->schema_seen, x->id))
		return;
	if (!reserve_one((void **) &s->schemas, &b->schema_cap, s->schema_count,
					 sizeof(*x)))
		b->nomem = true;
	else
		s->schemas[s->schema_count++] = *x;
}

static void
add_channel(Builder *b, const McapChannel *x)
{
	McapSummary *s = b->s;

	if (seen_before(b->channel_seen, x->id))
		return;
	if (!reserve_one((void **) &s->channels, &b->channel_cap,
					 s->channel_count, sizeof(*x)))
		b->nomem = true;
	else
		s->channels[s->channel_count++] = *x;
}

static void
add_chunk_index(Builder *b, const McapChunkIndex *x)
{
	McapSummary *s = b->s;

	if (!reserve_one((void **) &s->chunk_indexes, &b->chunk_cap,
					 s->chunk_index_count, sizeof(*x)))
		b->nomem = true;
	else
		s->chunk_indexes[s->chunk_index_count++] = *x;
}

static void
add_attachment_index(Builder *b, const McapAttachmentIndex *x)
{
	McapSummary *s = b->s;

	if (!reserve_one((void **) &s->attachment_indexes, &b->attachment_cap,
					 s->attachment_index_count, sizeof(*x)))
		b->nomem = true;
	else
		s->attachment_indexes[s->attachment_index_count++] = *x;
}

static void
add_metadata_index(Builder *b, const McapMetadataIndex *x)
{
	McapSummary *s = b->s;

	if (!reserve_one((void **) &s->metadata_indexes, &b->metadata_cap,
					 s->metadata_index_count, sizeof(*x)))
		b->nomem = true;
	else
		s->metadata_indexes[s->metadata_index_count++] = *x;
}

/* Forget every table (a summary found unusable half way through). */
static void
clear_tables(Builder *b)
{
	McapSummary *s = b->s;

	s->schema_count = 0;
	s->channel_count = 0;
	s->chunk_index_count = 0;
	s->attachment_index_count = 0;
	s->metadata_index_count = 0;
	s->has_statistics = false;
	memset(b->schema_seen, 0, sizeof(b->schema_seen));
	memset(b->channel_seen, 0, sizeof(b->channel_seen));
}

/* ----------------------------------------------------------------
 * The summary section
 * ----------------------------------------------------------------
 */

/* Is there a magic in data[from..to) other than at a stream's very end? */
static bool
find_inner_magic(const uint8_t *data, uint64_t from, uint64_t to,
				 uint64_t *at)
{
	const uint8_t *p = data + from;
	const uint8_t *end = data + to;

	while (end - p >= MCAP_MAGIC_SIZE)
	{
		p = memchr(p, MCAP_MAGIC[0], (size_t) (end - p - MCAP_MAGIC_SIZE + 1));
		if (p == NULL)
			return false;
		if (memcmp(p, MCAP_MAGIC, MCAP_MAGIC_SIZE) == 0)
		{
			*at = (uint64_t) (p - data);
			return true;
		}
		p++;
	}
	return false;
}

/* Add one summary-section record to the tables. */
static void
take_summary_record(Builder *b, const McapRecord *rec)
{
	switch (rec->opcode)
	{
		case MCAP_OP_SCHEMA:
			add_schema(b, &rec->u.schema);
			break;
		case MCAP_OP_CHANNEL:
			add_channel(b, &rec->u.channel);
			break;
		case MCAP_OP_CHUNK_INDEX:
			add_chunk_index(b, &rec->u.chunk_index);
			break;
		case MCAP_OP_ATTACHMENT_INDEX:
			add_attachment_index(b, &rec->u.attachment_index);
			break;
		case MCAP_OP_METADATA_INDEX:
			add_metadata_index(b, &rec->u.metadata_index);
			break;
		case MCAP_OP_STATISTICS:
			b->s->has_statistics = true;
			b->s->statistics = rec->u.statistics;
			break;
		default:
			break;
	}
}

/* Parse every record of the summary section data[start..end). */
static McapStatus
read_summary_records(Builder *b, const uint8_t *data, uint64_t start,
					 uint64_t end, McapError *err)
{
	uint64_t	pos = start;
	uint8_t		opcode;
	McapBytes	body;
	McapRecord	rec;
	int			res;

	while ((res = mcap_split_record(data, end, pos, &opcode, &body)) == 1)
	{
		if (mcap_opcode_known(opcode))
		{
			if (mcap_parse_record(opcode, body.data, body.len, &rec,
								  err) != MCAP_OK)
			{
				mcap_error_shift(err, pos + MCAP_RECORD_PREFIX_SIZE);
				return MCAP_ERR_CORRUPT;
			}
			take_summary_record(b, &rec);
		}
		pos += MCAP_RECORD_PREFIX_SIZE + body.len;
	}
	if (res < 0)
		return mcap_error_set(err, MCAP_ERR_CORRUPT, pos,
							  "summary record goes past the Footer");
	return MCAP_OK;
}

/*
 * Find and check the footer.  Returns MCAP_OK with *footer when there is a
 * summary section to read, MCAP_ERR_TRUNCATED (err untouched) when the file
 * simply has none, another status (err set) when it is unusable.
 */
static McapStatus
read_footer(const uint8_t *data, uint64_t len, McapFooter *footer,
			uint64_t *footer_off, McapError *err)
{
	McapRecord	rec;
	uint64_t	off;
	uint64_t	inner;

	if (len < 2 * MCAP_MAGIC_SIZE + FOOTER_RECORD_SIZE ||
		memcmp(data + len - MCAP_MAGIC_SIZE, MCAP_MAGIC, MCAP_MAGIC_SIZE) != 0)
		return MCAP_ERR_TRUNCATED;
	off = len - MCAP_MAGIC_SIZE - FOOTER_RECORD_SIZE;
	if (data[off] != MCAP_OP_FOOTER || mcap_load_u64(data + off + 1) != 20)
		return mcap_error_set(err, MCAP_ERR_CORRUPT, off,
							  "no Footer record before the closing magic");
	mcap_parse_record(MCAP_OP_FOOTER, data + off + MCAP_RECORD_PREFIX_SIZE,
					  20, &rec, NULL);
	*footer = rec.u.footer;
	*footer_off = off;
	if (footer->summary_start == 0)
		return MCAP_ERR_TRUNCATED;
	if (footer->summary_start < MCAP_MAGIC_SIZE || footer->summary_start > off)
		return mcap_error_set(err, MCAP_ERR_CORRUPT, off,
							  "Footer's summary_start %llu is outside the file",
							  (unsigned long long) footer->summary_start);
	if (find_inner_magic(data, MCAP_MAGIC_SIZE, footer->summary_start, &inner))
		return mcap_error_set(err, MCAP_ERR_CORRUPT, inner,
							  "a magic inside the data section: another stream is appended to the first one");
	return MCAP_OK;
}

static McapStatus
check_summary_crc(const uint8_t *data, const McapFooter *footer,
				  uint64_t footer_off, McapError *err)
{
	uint64_t	n = footer_off + MCAP_RECORD_PREFIX_SIZE + 16 -
		footer->summary_start;
	uint32_t	crc;

	if (footer->summary_crc == 0)
		return MCAP_OK;
	crc = mcap_crc32(data + footer->summary_start, (size_t) n);
	if (crc != footer->summary_crc)
		return mcap_error_set(err, MCAP_ERR_CRC, footer_off,
							  "summary CRC is %08x, Footer says %08x",
							  crc, footer->summary_crc);
	return MCAP_OK;
}

/*
 * Read the summary section into b.  MCAP_OK when it was used, TRUNCATED
 * when there is none, anything else (err set) when it is unusable.
 */
static McapStatus
read_summary_section(Builder *b, const uint8_t *data, uint64_t len,
					 const McapReaderOptions *opts, McapError *err)
{
	uint64_t	footer_off = 0;
	McapStatus	st;

	st = read_footer(data, len, &b->s->footer, &footer_off, err);
	if (st == MCAP_OK && !opts->skip_crc_checks)
		st = check_summary_crc(data, &b->s->footer, footer_off, err);
	if (st == MCAP_OK)
		st = read_summary_records(b, data, b->s->footer.summary_start,
								  footer_off, err);
	return st;
}

/* ----------------------------------------------------------------
 * Linear scan
 * ----------------------------------------------------------------
 */

/*
 * Parse a record again from a copy the summary owns, so that its views
 * outlive the chunk buffer.  False if the copy would pass the budget (the
 * record is then left out) or memory runs out.
 */
static bool
own_record(Builder *b, uint8_t opcode, McapBytes body, McapRecord *rec)
{
	OwnedBlock *block;

	if (body.len > b->owned_budget ||
		body.len > SIZE_MAX - sizeof(OwnedBlock))
		return false;
	block = malloc(sizeof(OwnedBlock) + (size_t) body.len);
	if (block == NULL)
	{
		b->nomem = true;
		return false;
	}
	if (body.len > 0)
		memcpy(block->data, body.data, (size_t) body.len);
	block->next = b->s->owned;
	b->s->owned = block;
	b->owned_budget -= body.len;
	return mcap_parse_record(opcode, block->data, body.len, rec,
							 NULL) == MCAP_OK;
}

/* Is a schema or channel of this id new and wanted? */
static bool
chunk_record_wanted(Builder *b, uint8_t opcode, McapBytes body, int want)
{
	uint16_t	id;

	if (body.len < 2)
		return false;
	id = mcap_load_u16(body.data);
	if (opcode == MCAP_OP_SCHEMA && (want & WANT_SCHEMAS))
		return (b->schema_seen[id >> 3] & (1u << (id & 7))) == 0;
	if (opcode == MCAP_OP_CHANNEL && (want & WANT_CHANNELS))
		return (b->channel_seen[id >> 3] & (1u << (id & 7))) == 0;
	return false;
}

/* Schemas and channels of one chunk (which a scan must decompress). */
static void
scan_chunk(Builder *b, const McapChunk *chunk, McapDecompressor *dec,
		   McapChunkBuffer *buf, const McapReaderOptions *opts, int want)
{
	McapBytes	records;
	McapBytes	body;
	McapRecord	rec;
	uint8_t		opcode;
	uint64_t	pos = 0;
	bool		copied = chunk->compression.len > 0;

	if (mcap_chunk_load(dec, chunk, opts->max_chunk_bytes,
						!opts->skip_crc_checks, buf, &records, NULL) != MCAP_OK)
		return;
	while (mcap_split_record(records.data, records.len, pos, &opcode,
							 &body) == 1)
	{
		pos += MCAP_RECORD_PREFIX_SIZE + body.len;
		if (!chunk_record_wanted(b, opcode, body, want))
			continue;
		if (copied ? !own_record(b, opcode, body, &rec) :
			mcap_parse_record(opcode, body.data, body.len, &rec, NULL) != MCAP_OK)
			continue;
		if (opcode == MCAP_OP_SCHEMA)
			add_schema(b, &rec.u.schema);
		else
			add_channel(b, &rec.u.channel);
	}
}

static void
index_chunk(Builder *b, const McapRecord *rec)
{
	McapChunkIndex ci;

	memset(&ci, 0, sizeof(ci));
	ci.message_start_time = rec->u.chunk.message_start_time;
	ci.message_end_time = rec->u.chunk.message_end_time;
	ci.chunk_start_offset = rec->offset;
	ci.chunk_length = MCAP_RECORD_PREFIX_SIZE + rec->body.len;
	ci.compression = rec->u.chunk.compression;
	ci.compressed_size = rec->u.chunk.records.len;
	ci.uncompressed_size = rec->u.chunk.uncompressed_size;
	add_chunk_index(b, &ci);
}

static void
index_attachment(Builder *b, const McapRecord *rec)
{
	McapAttachmentIndex ai;

	ai.offset = rec->offset;
	ai.length = MCAP_RECORD_PREFIX_SIZE + rec->body.len;
	ai.log_time = rec->u.attachment.log_time;
	ai.create_time = rec->u.attachment.create_time;
	ai.data_size = rec->u.attachment.data.len;
	ai.name = rec->u.attachment.name;
	ai.media_type = rec->u.attachment.media_type;
	add_attachment_index(b, &ai);
}

static void
index_metadata(Builder *b, const McapRecord *rec)
{
	McapMetadataIndex mi;

	mi.offset = rec->offset;
	mi.length = MCAP_RECORD_PREFIX_SIZE + rec->body.len;
	mi.name = rec->u.metadata.name;
	add_metadata_index(b, &mi);
}

/* Add one top-level record found by a scan to the wanted tables. */
static void
take_scanned_record(Builder *b, const McapRecord *rec, int want,
					McapDecompressor *dec, McapChunkBuffer *buf,
					const McapReaderOptions *opts)
{
	switch (rec->opcode)
	{
		case MCAP_OP_SCHEMA:
			if (want & WANT_SCHEMAS)
				add_schema(b, &rec->u.schema);
			break;
		case MCAP_OP_CHANNEL:
			if (want & WANT_CHANNELS)
				add_channel(b, &rec->u.channel);
			break;
		case MCAP_OP_CHUNK:
			if (want & WANT_CHUNKS)
				index_chunk(b, rec);
			if (want & (WANT_SCHEMAS | WANT_CHANNELS))
				scan_chunk(b, &rec->u.chunk, dec, buf, opts, want);
			break;
		case MCAP_OP_ATTACHMENT:
			if (want & WANT_ATTACHMENTS)
				index_attachment(b, rec);
			break;
		case MCAP_OP_METADATA:
			if (want & WANT_METADATA)
				index_metadata(b, rec);
			break;
		default:
			break;
	}
}

/* Scan the file's top-level records (and chunks if needed) for tables. */
static McapStatus
scan_tables(Builder *b, const uint8_t *data, uint64_t len,
			const McapReaderOptions *opts, int want, McapError *err)
{
	McapReaderOptions ropts = *opts;
	McapReader *reader;
	McapDecompressor *dec = mcap_decompressor_new();
	McapChunkBuffer buf = {NULL, 0};
	McapRecord	rec;
	int			res;

	/* the data section's CRC does not matter for finding tables */
	ropts.expand_chunks = false;
	ropts.skip_message_indexes = true;
	ropts.skip_crc_checks = true;
	reader = dec ? mcap_reader_open_memory(data, (size_t) len, &ropts, err) : NULL;
	if (reader == NULL)
	{
		/* the magic was checked already: only memory can run out */
		mcap_decompressor_free(dec);
		return MCAP_ERR_NOMEM;
	}
	while ((res = mcap_reader_next(reader, &rec, err)) == 1)
	{
		if (rec.opcode == MCAP_OP_HEADER && b->s->header.library.data == NULL)
			b->s->header = rec.u.header;
		take_scanned_record(b, &rec, want, dec, &buf, opts);
	}
	mcap_reader_close(reader);
	mcap_chunk_buffer_free(&buf);
	mcap_decompressor_free(dec);
	return res < 0 ? MCAP_ERR_NOMEM : MCAP_OK;
}

/* Could the file have schemas?  Not if every known channel has none. */
static bool
channels_use_schemas(const McapSummary *s)
{
	if (s->channel_count == 0)
		return true;
	for (size_t i = 0; i < s->channel_count; i++)
	{
		if (s->channels[i].schema_id != 0)
			return true;
	}
	return false;
}

/*
 * Tables a valid summary left out that the file may have: the statistics
 * (when present) say whether there is anything to look for.
 */
static int
missing_tables(const McapSummary *s)
{
	const McapStatistics *st = &s->statistics;
	bool		stats = s->has_statistics;
	int			want = 0;

	if (s->schema_count == 0 &&
		(stats ? st->schema_count > 0 : channels_use_schemas(s)))
		want |= WANT_SCHEMAS;
	if (s->channel_count == 0 && (!stats || st->channel_count > 0))
		want |= WANT_CHANNELS;
	if (s->chunk_index_count == 0 && (!stats || st->chunk_count > 0))
		want |= WANT_CHUNKS;
	if (s->attachment_index_count == 0 && (!stats || st->attachment_count > 0))
		want |= WANT_ATTACHMENTS;
	if (s->metadata_index_count == 0 && (!stats || st->metadata_count > 0))
		want |= WANT_METADATA;
	return want;
}

/* ----------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------
 */
static int
compare_schema_ids(const void *a, const void *b)
{
	return (int) ((const McapSchema *) a)->id - (int) ((const McapSchema *) b)->id;
}

static int
compare_channel_ids(const void *a, const void *b)
{
	return (int) ((const McapChannel *) a)->id - (int) ((const McapChannel *) b)->id;
}

static void
read_header(McapSummary *s, const uint8_t *data, uint64_t len)
{
	uint8_t		opcode;
	McapBytes	body;
	McapRecord	rec;

	if (mcap_split_record(data, len, MCAP_MAGIC_SIZE, &opcode, &body) == 1 &&
		opcode == MCAP_OP_HEADER &&
		mcap_parse_record(opcode, body.data, body.len, &rec, NULL) == MCAP_OK)
		s->header = rec.u.header;
}

/* Fill the tables from the summary, a scan, or both. */
static McapStatus
build_tables(Builder *b, const uint8_t *data, uint64_t len,
			 const McapReaderOptions *opts, McapError *err)
{
	McapSummary *s = b->s;
	McapStatus	st;

	st = read_summary_section(b, data, len, opts, &s->summary_error);
	if (st == MCAP_OK)
	{
		s->from_summary = true;
		s->summary_error.code = MCAP_OK;
		if (missing_tables(s) != 0)
			st = scan_tables(b, data, len, opts, missing_tables(s), err);
		return st;
	}
	if (st == MCAP_ERR_TRUNCATED)
		memset(&s->summary_error, 0, sizeof(s->summary_error));
	clear_tables(b);
	return scan_tables(b, data, len, opts, WANT_ALL, err);
}

McapSummary *
mcap_summary_read(const uint8_t *data, size_t len,
				  const McapReaderOptions *opts, McapError *err)
{
	McapReaderOptions defaults;
	Builder    *b;
	McapSummary *s;
	McapStatus	st;

	if (data == NULL || len < MCAP_MAGIC_SIZE ||
		memcmp(data, MCAP_MAGIC, MCAP_MAGIC_SIZE) != 0)
	{
		mcap_error_set(err, MCAP_ERR_BAD_MAGIC, 0,
					   "not an MCAP stream: the opening magic is missing");
		return NULL;
	}
	mcap_reader_options_init(&defaults);
	if (opts != NULL)
	{
		defaults = *opts;
		if (defaults.max_chunk_bytes == 0)
			defaults.max_chunk_bytes = MCAP_DEFAULT_MAX_CHUNK_BYTES;
		if (defaults.max_record_bytes == 0)
			defaults.max_record_bytes = MCAP_DEFAULT_MAX_RECORD_BYTES;
	}
	b = calloc(1, sizeof(Builder));
	s = calloc(1, sizeof(McapSummary));
	if (b == NULL || s == NULL)
	{
		free(b);
		free(s);
		mcap_error_set(err, MCAP_ERR_NOMEM, 0, "cannot allocate a summary");
		return NULL;
	}
	b->s = s;
	/* copies of records from compressed chunks: at most the input's size */
	b->owned_budget = len;
	read_header(s, data, len);
	st = build_tables(b, data, len, &defaults, err);
	if (st != MCAP_OK || b->nomem)
	{
		mcap_error_set(err, MCAP_ERR_NOMEM, 0, "cannot allocate the summary");
		mcap_summary_free(s);
		free(b);
		return NULL;
	}
	free(b);
	if (s->schema_count > 1)
		qsort(s->schemas, s->schema_count, sizeof(McapSchema),
			  compare_schema_ids);
	if (s->channel_count > 1)
		qsort(s->channels, s->channel_count, sizeof(McapChannel),
			  compare_channel_ids);
	return s;
}

void
mcap_summary_free(McapSummary *summary)
{
	if (summary == NULL)
		return;
	while (summary->owned != NULL)
	{
		OwnedBlock *block = summary->owned;

		summary->owned = block->next;
		free(block);
	}
	free(summary->schemas);
	free(summary->channels);
	free(summary->chunk_indexes);
	free(summary->attachment_indexes);
	free(summary->metadata_indexes);
	free(summary);
}

const McapSchema *
mcap_summary_schema(const McapSummary *summary, uint16_t id)
{
	McapSchema	key;

	if (summary->schema_count == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, summary->schemas, summary->schema_count,
				   sizeof(McapSchema), compare_schema_ids);
}

const McapChannel *
mcap_summary_channel(const McapSummary *summary, uint16_t id)
{
	McapChannel key;

	if (summary->channel_count == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, summary->channels, summary->channel_count,
				   sizeof(McapChannel), compare_channel_ids);
}
