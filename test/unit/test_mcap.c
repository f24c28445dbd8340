/*-------------------------------------------------------------------------
 *
 * test_mcap.c
 *	  Unit tests of the MCAP reading library (src/mcap): record parsing,
 *	  the streaming reader over memory and over a byte source, recovery of
 *	  damaged files, summaries, indexed iteration, info JSON, and the real
 *	  logs in test/data.
 *
 * Run from the repository root: test/unit/test_mcap.  Prints one "ok N -
 * name" or "not ok N - name" line per test and ends with "N passed, M
 * failed"; exits non-zero if anything failed.
 *
 *-------------------------------------------------------------------------
 */
#include "../../src/mcap/mcap_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <zstd.h>

/* ----------------------------------------------------------------
 * Harness
 * ----------------------------------------------------------------
 */
static bool current_ok;

#define CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, \
					__LINE__, #cond); \
			current_ok = false; \
		} \
	} while (0)

typedef struct TestCase
{
	const char *name;
	void		(*fn) (void);
} TestCase;

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

/* A small deterministic pseudo-random generator (xorshift64). */
static uint64_t
next_random(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	McapBuffer	buf;
	uint8_t		block[65536];
	size_t		n;

	if (f == NULL)
		return NULL;
	mcap_buffer_init(&buf);
	while ((n = fread(block, 1, sizeof(block), f)) > 0)
		mcap_buffer_append(&buf, block, n);
	fclose(f);
	*len = buf.len;
	return buf.data != NULL ? buf.data : calloc(1, 1);
}

/* ----------------------------------------------------------------
 * Building MCAP files in memory
 * ----------------------------------------------------------------
 */
static McapString
str(const char *s)
{
	McapString	r = {s, (uint32_t) strlen(s)};

	return r;
}

static void
put_record(McapBuffer *out, uint8_t opcode, const McapBuffer *body)
{
	mcap_buffer_append_u8(out, opcode);
	mcap_buffer_append_u64(out, body->len);
	mcap_buffer_append(out, body->data, body->len);
}

static void
put_header(McapBuffer *out)
{
	McapBuffer	b;

	mcap_buffer_init(&b);
	mcap_buffer_append_string(&b, str("test-profile"));
	mcap_buffer_append_string(&b, str("test-library"));
	put_record(out, MCAP_OP_HEADER, &b);
	mcap_buffer_free(&b);
}

static void
put_schema(McapBuffer *out, uint16_t id)
{
	McapBuffer	b;

	mcap_buffer_init(&b);
	mcap_buffer_append_u16(&b, id);
	mcap_buffer_append_string(&b, str("Schema"));
	mcap_buffer_append_string(&b, str("jsonschema"));
	mcap_buffer_append_u32(&b, 2);
	mcap_buffer_append(&b, "{}", 2);
	put_record(out, MCAP_OP_SCHEMA, &b);
	mcap_buffer_free(&b);
}

static void
put_channel(McapBuffer *out, uint16_t id, const char *topic)
{
	McapBuffer	b;
	McapBuffer	map;

	mcap_buffer_init(&b);
	mcap_buffer_init(&map);
	mcap_buffer_append_string(&map, str("k"));
	mcap_buffer_append_string(&map, str("v"));
	mcap_buffer_append_u16(&b, id);
	mcap_buffer_append_u16(&b, 1);
	mcap_buffer_append_string(&b, str(topic));
	mcap_buffer_append_string(&b, str("json"));
	mcap_buffer_append_u32(&b, (uint32_t) map.len);
	mcap_buffer_append(&b, map.data, map.len);
	put_record(out, MCAP_OP_CHANNEL, &b);
	mcap_buffer_free(&b);
	mcap_buffer_free(&map);
}

static void
put_message(McapBuffer *out, uint16_t channel, uint32_t seq, uint64_t t)
{
	McapMessage m;
	char		payload[32];

	snprintf(payload, sizeof(payload), "{\"seq\": %u}", seq);
	m.channel_id = channel;
	m.sequence = seq;
	m.log_time = t;
	m.publish_time = t;
	m.data.data = (const uint8_t *) payload;
	m.data.len = strlen(payload);
	mcap_buffer_append_message(out, &m);
}

static void
compress_records(const char *compression, const McapBuffer *in,
				 McapBuffer *out, bool many_blocks)
{
	if (strcmp(compression, "zstd") == 0 && many_blocks)
	{
		/* flush often, so a cut-short frame still holds whole blocks */
		ZSTD_CCtx  *cctx = ZSTD_createCCtx();
		ZSTD_outBuffer ob;
		size_t		step = 64;

		mcap_buffer_reserve(out, ZSTD_compressBound(in->len) + in->len);
		ob.dst = out->data;
		ob.size = out->cap;
		ob.pos = 0;
		for (size_t pos = 0; pos < in->len; pos += step)
		{
			size_t		n = in->len - pos < step ? in->len - pos : step;
			ZSTD_inBuffer ib = {in->data + pos, n, 0};

			ZSTD_compressStream2(cctx, &ob, &ib, ZSTD_e_flush);
		}
		{
			ZSTD_inBuffer ib = {NULL, 0, 0};

			ZSTD_compressStream2(cctx, &ob, &ib, ZSTD_e_end);
		}
		out->len = ob.pos;
		ZSTD_freeCCtx(cctx);
	}
	else if (strcmp(compression, "zstd") == 0)
	{
		mcap_buffer_reserve(out, ZSTD_compressBound(in->len));
		out->len = ZSTD_compress(out->data, out->cap, in->data, in->len, 3);
	}
	else if (strcmp(compression, "lz4") == 0)
	{
		mcap_buffer_reserve(out, LZ4F_compressFrameBound(in->len, NULL));
		out->len = LZ4F_compressFrame(out->data, out->cap, in->data, in->len,
									  NULL);
	}
	else
		mcap_buffer_append(out, in->data, in->len);
}

/* What a built file should look like. */
typedef struct FileSpec
{
	const char *compression;	/* NULL: messages outside chunks */
	int			per_chunk;		/* messages per chunk */
	int			count;			/* messages, alternating channels 1 and 2 */
	const uint64_t *times;		/* log times; NULL: 100 * i */
	bool		summary;
	bool		crcs;
	bool		many_blocks;	/* zstd frames flushed every 64 bytes */
} FileSpec;

/* Chunk index data gathered while writing, for the summary. */
typedef struct BuiltChunk
{
	uint64_t	start;
	uint64_t	end;
	uint64_t	offset;
	uint64_t	length;
	uint64_t	index_offsets[3];
	uint64_t	index_length;
	uint64_t	compressed;
	uint64_t	uncompressed;
} BuiltChunk;

static uint64_t
spec_time(const FileSpec *spec, int i)
{
	return spec->times != NULL ? spec->times[i] : (uint64_t) (100 * i + 5);
}

static void
put_message_indexes(McapBuffer *out, const McapBuffer *records,
					BuiltChunk *bc)
{
	McapBuffer	idx[3];
	uint64_t	pos = 0;
	uint8_t		op;
	McapBytes	body;

	for (int c = 1; c <= 2; c++)
		mcap_buffer_init(&idx[c]);
	while (mcap_split_record(records->data, records->len, pos, &op, &body) == 1)
	{
		if (op == MCAP_OP_MESSAGE)
		{
			uint16_t	ch = mcap_load_u16(body.data);

			mcap_buffer_append_u64(&idx[ch], mcap_load_u64(body.data + 6));
			mcap_buffer_append_u64(&idx[ch], pos);
		}
		pos += MCAP_RECORD_PREFIX_SIZE + body.len;
	}
	bc->index_length = 0;
	for (int c = 1; c <= 2; c++)
	{
		McapBuffer	b;
		size_t		before = out->len;

		mcap_buffer_init(&b);
		mcap_buffer_append_u16(&b, (uint16_t) c);
		mcap_buffer_append_u32(&b, (uint32_t) idx[c].len);
		mcap_buffer_append(&b, idx[c].data, idx[c].len);
		bc->index_offsets[c] = out->len;
		put_record(out, MCAP_OP_MESSAGE_INDEX, &b);
		bc->index_length += out->len - before;
		mcap_buffer_free(&b);
		mcap_buffer_free(&idx[c]);
	}
}

static void
put_chunk(McapBuffer *out, const FileSpec *spec, const McapBuffer *records,
		  uint64_t start, uint64_t end, BuiltChunk *bc)
{
	McapBuffer	compressed;
	McapBuffer	b;

	mcap_buffer_init(&compressed);
	mcap_buffer_init(&b);
	compress_records(spec->compression, records, &compressed,
					 spec->many_blocks);
	mcap_buffer_append_u64(&b, start);
	mcap_buffer_append_u64(&b, end);
	mcap_buffer_append_u64(&b, records->len);
	mcap_buffer_append_u32(&b, spec->crcs ? mcap_crc32(records->data, records->len) : 0);
	mcap_buffer_append_string(&b, str(spec->compression));
	mcap_buffer_append_u64(&b, compressed.len);
	mcap_buffer_append(&b, compressed.data, compressed.len);
	bc->start = start;
	bc->end = end;
	bc->offset = out->len;
	put_record(out, MCAP_OP_CHUNK, &b);
	bc->length = out->len - bc->offset;
	bc->compressed = compressed.len;
	bc->uncompressed = records->len;
	mcap_buffer_free(&compressed);
	mcap_buffer_free(&b);
	put_message_indexes(out, records, bc);
}

/* Messages, in chunks or not; returns the number of chunks written. */
static int
put_data(McapBuffer *out, const FileSpec *spec, BuiltChunk *chunks)
{
	McapBuffer	records;
	int			nchunks = 0;
	uint64_t	start = UINT64_MAX;
	uint64_t	end = 0;

	mcap_buffer_init(&records);
	for (int i = 0; i < spec->count; i++)
	{
		uint64_t	t = spec_time(spec, i);

		put_message(spec->compression ? &records : out, (uint16_t) (1 + i % 2),
					(uint32_t) i, t);
		start = t < start ? t : start;
		end = t > end ? t : end;
		if (spec->compression &&
			((i + 1) % spec->per_chunk == 0 || i + 1 == spec->count))
		{
			put_chunk(out, spec, &records, start, end, &chunks[nchunks++]);
			mcap_buffer_reset(&records);
			start = UINT64_MAX;
			end = 0;
		}
	}
	mcap_buffer_free(&records);
	return nchunks;
}

static void
put_chunk_index(McapBuffer *out, const FileSpec *spec, const BuiltChunk *bc)
{
	McapBuffer	b;

	mcap_buffer_init(&b);
	mcap_buffer_append_u64(&b, bc->start);
	mcap_buffer_append_u64(&b, bc->end);
	mcap_buffer_append_u64(&b, bc->offset);
	mcap_buffer_append_u64(&b, bc->length);
	mcap_buffer_append_u32(&b, 20);
	for (int c = 1; c <= 2; c++)
	{
		mcap_buffer_append_u16(&b, (uint16_t) c);
		mcap_buffer_append_u64(&b, bc->index_offsets[c]);
	}
	mcap_buffer_append_u64(&b, bc->index_length);
	mcap_buffer_append_string(&b, str(spec->compression));
	mcap_buffer_append_u64(&b, bc->compressed);
	mcap_buffer_append_u64(&b, bc->uncompressed);
	put_record(out, MCAP_OP_CHUNK_INDEX, &b);
	mcap_buffer_free(&b);
}

static void
put_statistics(McapBuffer *out, const FileSpec *spec, int nchunks)
{
	McapBuffer	b;

	mcap_buffer_init(&b);
	mcap_buffer_append_u64(&b, (uint64_t) spec->count);
	mcap_buffer_append_u16(&b, 1);
	mcap_buffer_append_u32(&b, 2);
	mcap_buffer_append_u32(&b, 0);
	mcap_buffer_append_u32(&b, 0);
	mcap_buffer_append_u32(&b, (uint32_t) nchunks);
	mcap_buffer_append_u64(&b, 0);
	mcap_buffer_append_u64(&b, 0);
	mcap_buffer_append_u32(&b, 0);
	put_record(out, MCAP_OP_STATISTICS, &b);
	mcap_buffer_free(&b);
}

static void
put_footer(McapBuffer *out, uint64_t summary_start, bool crcs)
{
	size_t		footer_at = out->len;
	uint64_t	region = summary_start ? summary_start : footer_at;

	mcap_buffer_append_u8(out, MCAP_OP_FOOTER);
	mcap_buffer_append_u64(out, 20);
	mcap_buffer_append_u64(out, summary_start);
	mcap_buffer_append_u64(out, 0);
	mcap_buffer_append_u32(out, crcs ? mcap_crc32(out->data + region,
												  out->len - region) : 0);
	mcap_buffer_append(out, MCAP_MAGIC, MCAP_MAGIC_SIZE);
}

/* How many times build_file lists each chunk index (a corrupt index: 2). */
static int	chunk_index_copies = 1;

/* A whole file: header, schema, channels, messages, summary, footer. */
static void
build_file(const FileSpec *spec, McapBuffer *out)
{
	BuiltChunk	chunks[256];
	int			nchunks;
	uint64_t	summary_start = 0;
	McapBuffer	b;

	mcap_buffer_init(out);
	mcap_buffer_append(out, MCAP_MAGIC, MCAP_MAGIC_SIZE);
	put_header(out);
	put_schema(out, 1);
	put_channel(out, 1, "/one");
	put_channel(out, 2, "/two");
	nchunks = put_data(out, spec, chunks);
	mcap_buffer_init(&b);
	mcap_buffer_append_u32(&b, spec->crcs ? mcap_crc32(out->data, out->len) : 0);
	put_record(out, MCAP_OP_DATA_END, &b);
	mcap_buffer_free(&b);
	if (spec->summary)
	{
		summary_start = out->len;
		put_schema(out, 1);
		put_channel(out, 1, "/one");
		put_channel(out, 2, "/two");
		put_statistics(out, spec, nchunks);
		for (int copy = 0; copy < chunk_index_copies; copy++)
			for (int i = 0; i < nchunks; i++)
				put_chunk_index(out, spec, &chunks[i]);
	}
	put_footer(out, summary_start, spec->crcs);
}

/* ----------------------------------------------------------------
 * Reading helpers
 * ----------------------------------------------------------------
 */

/* A byte source over a buffer, delivering 1 byte or random amounts. */
typedef struct Source
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
	int			mode;			/* 0: one byte at a time, 1: random sizes */
} Source;

static int64_t
source_read(void *ctx, uint8_t *buf, size_t len)
{
	Source	   *s = ctx;
	size_t		n = s->len - s->pos;

	if (n > len)
		n = len;
	if (s->mode == 0 && n > 1)
		n = 1;
	else if (s->mode == 1 && n > 1)
		n = 1 + (size_t) (next_random() % n);
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (int64_t) n;
}

/* What reading a file gave: counts and a digest of every record. */
typedef struct ReadResult
{
	bool		opened;
	int			last;			/* last mcap_reader_next result */
	uint64_t	records;
	uint64_t	messages;
	uint32_t	digest;			/* CRC of every record's opcode, offset, body */
	McapRecovery recovery;
} ReadResult;

static void
read_all(McapReader *reader, ReadResult *rr)
{
	McapRecord	rec;
	McapError	err;

	while ((rr->last = mcap_reader_next(reader, &rec, &err)) == 1)
	{
		rr->records++;
		if (rec.opcode == MCAP_OP_MESSAGE)
			rr->messages++;
		rr->digest = mcap_crc32_update(rr->digest, &rec.opcode, 1);
		rr->digest = mcap_crc32_update(rr->digest, &rec.offset, 8);
		rr->digest = mcap_crc32_update(rr->digest, rec.body.data,
									   (size_t) rec.body.len);
	}
	rr->recovery = *mcap_reader_recovery(reader);
}

/* mode -1: memory; 0: one byte at a time; 1: random sizes. */
static ReadResult
read_with(const uint8_t *data, size_t len, const McapReaderOptions *opts,
		  int mode)
{
	ReadResult	rr;
	McapReader *reader;
	McapError	err;
	Source		src = {data, len, 0, mode};

	memset(&rr, 0, sizeof(rr));
	if (mode < 0)
		reader = mcap_reader_open_memory(data, len, opts, &err);
	else
		reader = mcap_reader_open_source(source_read, &src, opts, &err);
	if (reader == NULL)
		return rr;
	rr.opened = true;
	read_all(reader, &rr);
	mcap_reader_close(reader);
	return rr;
}

static ReadResult
read_memory(const uint8_t *data, size_t len)
{
	return read_with(data, len, NULL, -1);
}

static bool
same_result(const ReadResult *a, const ReadResult *b)
{
	const McapRecovery *x = &a->recovery;
	const McapRecovery *y = &b->recovery;

	return a->opened == b->opened && a->last == b->last &&
		a->records == b->records && a->messages == b->messages &&
		a->digest == b->digest && x->complete == y->complete &&
		x->truncated == y->truncated && x->valid_end == y->valid_end &&
		x->bytes_read == y->bytes_read &&
		x->bytes_dropped == y->bytes_dropped &&
		x->chunks_skipped == y->chunks_skipped &&
		x->records_skipped == y->records_skipped &&
		x->trailing_data == y->trailing_data &&
		x->problem_count == y->problem_count;
}

static bool
has_problem(const McapRecovery *rec, McapStatus code)
{
	for (uint32_t i = 0; i < rec->problem_count && i < MCAP_MAX_PROBLEMS; i++)
	{
		if (rec->problems[i].code == code)
			return true;
	}
	return false;
}

/* Messages through the indexed iterator, in the order it returns them. */
static size_t
iterate(const uint8_t *data, size_t len, const uint16_t *channels,
		size_t nchannels, uint64_t start, uint64_t end, McapMessage *out,
		size_t cap)
{
	McapError	err;
	McapSummary *s = mcap_summary_read(data, len, NULL, &err);
	McapMessageIter *it;
	McapMessage m;
	size_t		n = 0;

	if (s == NULL)
		return 0;
	it = mcap_messages_open(data, len, s, channels, nchannels, start, end,
							NULL, &err);
	while (it != NULL && mcap_messages_next(it, &m, &err) == 1)
	{
		if (n < cap)
			out[n] = m;
		n++;
	}
	mcap_messages_close(it);
	mcap_summary_free(s);
	return n;
}

/* ----------------------------------------------------------------
 * A minimal JSON syntax checker, for the info output
 * ----------------------------------------------------------------
 */
typedef struct JsonCheck
{
	const char *p;
	const char *end;
	int			depth;
} JsonCheck;

static bool json_value(JsonCheck *j);

static void
json_space(JsonCheck *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' ||
							 *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static bool
json_literal(JsonCheck *j, const char *word)
{
	size_t		n = strlen(word);

	if ((size_t) (j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return false;
	j->p += n;
	return true;
}

static bool
json_string(JsonCheck *j)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	for (j->p++; j->p < j->end; j->p++)
	{
		unsigned char c = (unsigned char) *j->p;

		if (c == '"')
		{
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c >= 0x80)
		{
			size_t		n = 0;

			/* the writer promises valid UTF-8; check lead/continuation */
			if (c >= 0xC2 && c <= 0xDF)
				n = 1;
			else if (c >= 0xE0 && c <= 0xEF)
				n = 2;
			else if (c >= 0xF0 && c <= 0xF4)
				n = 3;
			else
				return false;
			for (size_t i = 1; i <= n; i++)
			{
				if (j->p + i >= j->end || ((unsigned char) j->p[i] & 0xC0) != 0x80)
					return false;
			}
			j->p += n;
		}
		else if (c == '\\')
		{
			j->p++;
			if (j->p >= j->end || strchr("\"\\/bfnrtu", *j->p) == NULL)
				return false;
			if (*j->p == 'u' && (j->end - j->p < 5 ||
								 strncmp(j->p, "u0000", 5) == 0))
				return false;
		}
	}
	return false;
}

static bool
json_number(JsonCheck *j)
{
	const char *start = j->p;

	while (j->p < j->end && strchr("-+.eE0123456789", *j->p) != NULL)
		j->p++;
	return j->p > start;
}

static bool
json_container(JsonCheck *j, char close, bool keyed)
{
	j->p++;
	json_space(j);
	if (j->p < j->end && *j->p == close)
	{
		j->p++;
		return true;
	}
	for (;;)
	{
		json_space(j);
		if (keyed)
		{
			if (!json_string(j))
				return false;
			json_space(j);
			if (j->p >= j->end || *j->p++ != ':')
				return false;
		}
		if (!json_value(j))
			return false;
		json_space(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == close)
		{
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool
json_value(JsonCheck *j)
{
	bool		ok;

	json_space(j);
	if (j->p >= j->end || ++j->depth > 64)
		return false;
	if (*j->p == '{')
		ok = json_container(j, '}', true);
	else if (*j->p == '[')
		ok = json_container(j, ']', false);
	else if (*j->p == '"')
		ok = json_string(j);
	else if (*j->p == 't' || *j->p == 'f' || *j->p == 'n')
		ok = json_literal(j, "true") || json_literal(j, "false") ||
			json_literal(j, "null");
	else
		ok = json_number(j);
	j->depth--;
	return ok;
}

static bool
json_valid(const McapBuffer *b)
{
	JsonCheck	j = {(const char *) b->data, (const char *) b->data + b->len, 0};

	if (!json_value(&j))
		return false;
	json_space(&j);
	return j.p == j.end;
}

/* The info JSON of a buffer, read in memory mode; NULL-data on failure. */
static McapBuffer
info_of(const uint8_t *data, size_t len)
{
	McapBuffer	out;
	McapError	err;
	McapReader *reader = mcap_reader_open_memory(data, len, NULL, &err);

	mcap_buffer_init(&out);
	if (reader == NULL)
		return out;
	if (mcap_info_json(reader, &out, &err) != MCAP_OK)
		mcap_buffer_free(&out);
	mcap_reader_close(reader);
	mcap_buffer_append_u8(&out, '\0');
	out.len--;
	return out;
}

/* ----------------------------------------------------------------
 * Tests: records
 * ----------------------------------------------------------------
 */

/* Parse a body, requiring success. */
static McapRecord
parse_ok(uint8_t opcode, const McapBuffer *b)
{
	McapRecord	rec;
	McapError	err;

	memset(&rec, 0, sizeof(rec));
	CHECK(mcap_parse_record(opcode, b->data, b->len, &rec, &err) == MCAP_OK);
	return rec;
}

/* Every strict prefix of a body must fail to parse (and not crash). */
static void
check_prefixes_fail(uint8_t opcode, const McapBuffer *b, size_t fixed)
{
	McapRecord	rec;
	McapError	err;

	for (size_t n = 0; n < fixed; n++)
	{
		uint8_t    *copy = malloc(n + 1);

		memcpy(copy, b->data, n);
		CHECK(mcap_parse_record(opcode, copy, n, &rec, &err) == MCAP_ERR_CORRUPT);
		free(copy);
	}
}

static void
test_parse_header_footer_schema_channel(void)
{
	McapBuffer	b;
	McapRecord	r;
	McapString	k;
	McapString	v;
	uint64_t	pos = 0;

	mcap_buffer_init(&b);
	put_header(&b);
	r = parse_ok(MCAP_OP_HEADER, &(McapBuffer) {b.data + 9, b.len - 9, 0, false});
	CHECK(mcap_string_eq(r.u.header.profile, "test-profile"));
	CHECK(mcap_string_eq(r.u.header.library, "test-library"));
	mcap_buffer_reset(&b);

	mcap_buffer_append_u64(&b, 123);
	mcap_buffer_append_u64(&b, 456);
	mcap_buffer_append_u32(&b, 789);
	mcap_buffer_append(&b, "\x01\xff\xff", 3);	/* padding: ignored */
	r = parse_ok(MCAP_OP_FOOTER, &b);
	CHECK(r.u.footer.summary_start == 123 && r.u.footer.summary_offset_start == 456 &&
		  r.u.footer.summary_crc == 789);
	check_prefixes_fail(MCAP_OP_FOOTER, &b, 20);
	mcap_buffer_reset(&b);

	put_schema(&b, 7);
	r = parse_ok(MCAP_OP_SCHEMA, &(McapBuffer) {b.data + 9, b.len - 9, 0, false});
	CHECK(r.u.schema.id == 7 && mcap_string_eq(r.u.schema.name, "Schema") &&
		  mcap_string_eq(r.u.schema.encoding, "jsonschema") &&
		  r.u.schema.data.len == 2 && memcmp(r.u.schema.data.data, "{}", 2) == 0);
	check_prefixes_fail(MCAP_OP_SCHEMA, &(McapBuffer) {b.data + 9, b.len - 9, 0, false},
						b.len - 9);
	mcap_buffer_reset(&b);

	put_channel(&b, 3, "/topic");
	r = parse_ok(MCAP_OP_CHANNEL, &(McapBuffer) {b.data + 9, b.len - 9, 0, false});
	CHECK(r.u.channel.id == 3 && r.u.channel.schema_id == 1 &&
		  mcap_string_eq(r.u.channel.topic, "/topic") &&
		  mcap_string_eq(r.u.channel.message_encoding, "json"));
	CHECK(mcap_string_map_next(r.u.channel.metadata, &pos, &k, &v, NULL) == 1);
	CHECK(mcap_string_eq(k, "k") && mcap_string_eq(v, "v"));
	CHECK(mcap_string_map_next(r.u.channel.metadata, &pos, &k, &v, NULL) == 0);
	check_prefixes_fail(MCAP_OP_CHANNEL, &(McapBuffer) {b.data + 9, b.len - 9, 0, false},
						b.len - 9);
	mcap_buffer_free(&b);
}

static void
test_parse_message_chunk_indexes(void)
{
	McapBuffer	b;
	McapRecord	r;
	FileSpec	spec = {"", 4, 4, NULL, true, true, false};
	McapBuffer	file;
	ReadResult	rr;
	McapReaderOptions opts;
	McapReader *reader;
	McapError	err;
	int			seen[16] = {0};

	mcap_buffer_init(&b);
	put_message(&b, 9, 42, 1000);
	r = parse_ok(MCAP_OP_MESSAGE, &(McapBuffer) {b.data + 9, b.len - 9, 0, false});
	CHECK(r.u.message.channel_id == 9 && r.u.message.sequence == 42 &&
		  r.u.message.log_time == 1000 && r.u.message.publish_time == 1000 &&
		  r.u.message.data.len == strlen("{\"seq\": 42}"));
	check_prefixes_fail(MCAP_OP_MESSAGE, &(McapBuffer) {b.data + 9, b.len - 9, 0, false},
						22);
	mcap_buffer_free(&b);

	/* a built file holds Chunk, MessageIndex, ChunkIndex, Statistics... */
	build_file(&spec, &file);
	mcap_reader_options_init(&opts);
	opts.expand_chunks = false;
	reader = mcap_reader_open_memory(file.data, file.len, &opts, &err);
	while (mcap_reader_next(reader, &r, &err) == 1)
	{
		seen[r.opcode]++;
		if (r.opcode == MCAP_OP_CHUNK)
			CHECK(r.u.chunk.uncompressed_size == r.u.chunk.records.len &&
				  r.u.chunk.message_start_time == 5 &&
				  r.u.chunk.message_end_time == 305);
		if (r.opcode == MCAP_OP_CHUNK_INDEX)
			CHECK(r.u.chunk_index.message_index_offsets.len == 20 &&
				  r.u.chunk_index.chunk_start_offset > 8);
		if (r.opcode == MCAP_OP_MESSAGE_INDEX)
			CHECK(r.u.message_index.records.len == 32);
		if (r.opcode == MCAP_OP_STATISTICS)
			CHECK(r.u.statistics.message_count == 4 &&
				  r.u.statistics.channel_count == 2);
	}
	CHECK(mcap_reader_recovery(reader)->complete);
	CHECK(mcap_reader_recovery(reader)->problem_count == 0);
	mcap_reader_close(reader);
	CHECK(seen[MCAP_OP_HEADER] == 1 && seen[MCAP_OP_CHUNK] == 1 &&
		  seen[MCAP_OP_MESSAGE_INDEX] == 2 && seen[MCAP_OP_CHUNK_INDEX] == 1 &&
		  seen[MCAP_OP_STATISTICS] == 1 && seen[MCAP_OP_DATA_END] == 1 &&
		  seen[MCAP_OP_FOOTER] == 1 && seen[MCAP_OP_SCHEMA] == 2 &&
		  seen[MCAP_OP_CHANNEL] == 4);
	rr = read_memory(file.data, file.len);
	CHECK(rr.messages == 4 && rr.recovery.complete);
	mcap_buffer_free(&file);
}

static void
test_parse_attachment_metadata_offsets(void)
{
	McapBuffer	b;
	McapRecord	r;
	McapString	k;
	McapString	v;
	uint64_t	pos = 0;

	mcap_buffer_init(&b);
	mcap_buffer_append_u64(&b, 1);
	mcap_buffer_append_u64(&b, 2);
	mcap_buffer_append_string(&b, str("file.txt"));
	mcap_buffer_append_string(&b, str("text/plain"));
	mcap_buffer_append_u64(&b, 3);
	mcap_buffer_append(&b, "abc", 3);
	mcap_buffer_append_u32(&b, mcap_crc32(b.data, b.len));
	r = parse_ok(MCAP_OP_ATTACHMENT, &b);
	CHECK(r.u.attachment.log_time == 1 && r.u.attachment.create_time == 2 &&
		  mcap_string_eq(r.u.attachment.name, "file.txt") &&
		  mcap_string_eq(r.u.attachment.media_type, "text/plain") &&
		  r.u.attachment.data.len == 3 && r.u.attachment.crc != 0);
	check_prefixes_fail(MCAP_OP_ATTACHMENT, &b, b.len);
	mcap_buffer_reset(&b);

	mcap_buffer_append_u64(&b, 10);
	mcap_buffer_append_u64(&b, 20);
	mcap_buffer_append_u64(&b, 1);
	mcap_buffer_append_u64(&b, 2);
	mcap_buffer_append_u64(&b, 3);
	mcap_buffer_append_string(&b, str("file.txt"));
	mcap_buffer_append_string(&b, str("text/plain"));
	r = parse_ok(MCAP_OP_ATTACHMENT_INDEX, &b);
	CHECK(r.u.attachment_index.offset == 10 && r.u.attachment_index.length == 20 &&
		  r.u.attachment_index.data_size == 3 &&
		  mcap_string_eq(r.u.attachment_index.media_type, "text/plain"));
	check_prefixes_fail(MCAP_OP_ATTACHMENT_INDEX, &b, b.len);
	mcap_buffer_reset(&b);

	mcap_buffer_append_string(&b, str("setup"));
	mcap_buffer_append_u32(&b, 4 + 6 + 4 + 1);
	mcap_buffer_append_string(&b, str("driver"));
	mcap_buffer_append_string(&b, str("A"));
	r = parse_ok(MCAP_OP_METADATA, &b);
	CHECK(mcap_string_eq(r.u.metadata.name, "setup"));
	CHECK(mcap_string_map_next(r.u.metadata.metadata, &pos, &k, &v, NULL) == 1 &&
		  mcap_string_eq(k, "driver") && mcap_string_eq(v, "A"));
	check_prefixes_fail(MCAP_OP_METADATA, &b, b.len);
	mcap_buffer_reset(&b);

	mcap_buffer_append_u64(&b, 5);
	mcap_buffer_append_u64(&b, 6);
	mcap_buffer_append_string(&b, str("setup"));
	r = parse_ok(MCAP_OP_METADATA_INDEX, &b);
	CHECK(r.u.metadata_index.offset == 5 && r.u.metadata_index.length == 6 &&
		  mcap_string_eq(r.u.metadata_index.name, "setup"));
	mcap_buffer_reset(&b);

	mcap_buffer_append_u8(&b, MCAP_OP_CHANNEL);
	mcap_buffer_append_u64(&b, 100);
	mcap_buffer_append_u64(&b, 200);
	r = parse_ok(MCAP_OP_SUMMARY_OFFSET, &b);
	CHECK(r.u.summary_offset.group_opcode == MCAP_OP_CHANNEL &&
		  r.u.summary_offset.group_start == 100 &&
		  r.u.summary_offset.group_length == 200);
	check_prefixes_fail(MCAP_OP_SUMMARY_OFFSET, &b, b.len);
	mcap_buffer_reset(&b);

	mcap_buffer_append_u32(&b, 0xDEADBEEF);
	r = parse_ok(MCAP_OP_DATA_END, &b);
	CHECK(r.u.data_end.data_section_crc == 0xDEADBEEF);
	check_prefixes_fail(MCAP_OP_DATA_END, &b, b.len);
	mcap_buffer_free(&b);
}

static void
test_huge_declared_lengths(void)
{
	McapBuffer	b;
	McapRecord	r;
	McapError	err;
	McapStringMap map;
	uint64_t	pos = 0;
	McapString	k;
	McapString	v;

	mcap_buffer_init(&b);
	/* a schema whose name claims 4 GB */
	mcap_buffer_append_u16(&b, 1);
	mcap_buffer_append_u32(&b, 0xFFFFFFFF);
	mcap_buffer_append(&b, "abc", 3);
	CHECK(mcap_parse_record(MCAP_OP_SCHEMA, b.data, b.len, &r, &err) == MCAP_ERR_CORRUPT);
	mcap_buffer_reset(&b);

	/* a channel whose metadata map claims 4 GB, and one with a bad entry */
	mcap_buffer_append_u16(&b, 1);
	mcap_buffer_append_u16(&b, 1);
	mcap_buffer_append_string(&b, str("t"));
	mcap_buffer_append_string(&b, str("e"));
	mcap_buffer_append_u32(&b, 0xFFFFFFF0);
	CHECK(mcap_parse_record(MCAP_OP_CHANNEL, b.data, b.len, &r, &err) == MCAP_ERR_CORRUPT);
	b.len -= 4;
	mcap_buffer_append_u32(&b, 8);
	mcap_buffer_append_u32(&b, 0x7FFFFFFF);	/* key length past the map */
	mcap_buffer_append_u32(&b, 0);
	CHECK(mcap_parse_record(MCAP_OP_CHANNEL, b.data, b.len, &r, &err) == MCAP_ERR_CORRUPT);
	map.data = b.data + b.len - 8;
	map.len = 8;
	CHECK(mcap_string_map_next(map, &pos, &k, &v, &err) == -1);
	mcap_buffer_reset(&b);

	/* a chunk whose records claim 2^64 - 1 bytes */
	mcap_buffer_append_u64(&b, 0);
	mcap_buffer_append_u64(&b, 0);
	mcap_buffer_append_u64(&b, 10);
	mcap_buffer_append_u32(&b, 0);
	mcap_buffer_append_string(&b, str(""));
	mcap_buffer_append_u64(&b, UINT64_MAX);
	CHECK(mcap_parse_record(MCAP_OP_CHUNK, b.data, b.len, &r, &err) == MCAP_ERR_CORRUPT);
	mcap_buffer_reset(&b);

	/* a message index whose array is not made of whole entries */
	mcap_buffer_append_u16(&b, 1);
	mcap_buffer_append_u32(&b, 15);
	for (int i = 0; i < 15; i++)
		mcap_buffer_append_u8(&b, 0);
	CHECK(mcap_parse_record(MCAP_OP_MESSAGE_INDEX, b.data, b.len, &r, &err) == MCAP_ERR_CORRUPT);
	mcap_buffer_free(&b);

	/* unknown opcodes are refused by the parser */
	CHECK(mcap_parse_record(0x42, NULL, 0, &r, &err) == MCAP_ERR_UNSUPPORTED);
	CHECK(strcmp(mcap_opcode_name(0x42), "Unknown") == 0);
	CHECK(strcmp(mcap_opcode_name(MCAP_OP_DATA_END), "DataEnd") == 0);
	CHECK(strcmp(mcap_status_name(MCAP_ERR_CRC), "crc mismatch") == 0);
}

/*
 * A stream whose second record claims 1 TB: over the cap, reported, not
 * allocated; the stream ends inside it, so it is truncated there.
 */
static void
test_huge_record_in_stream(void)
{
	McapBuffer	file;
	ReadResult	mem;
	ReadResult	src;

	mcap_buffer_init(&file);
	mcap_buffer_append(&file, MCAP_MAGIC, MCAP_MAGIC_SIZE);
	put_header(&file);
	mcap_buffer_append_u8(&file, MCAP_OP_MESSAGE);
	mcap_buffer_append_u64(&file, (uint64_t) 1 << 40);
	for (int i = 0; i < 1000; i++)
		mcap_buffer_append_u8(&file, (uint8_t) i);
	mem = read_memory(file.data, file.len);
	CHECK(mem.opened && mem.last == 0 && mem.records == 1);
	CHECK(has_problem(&mem.recovery, MCAP_ERR_TOO_LARGE));
	CHECK(!mem.recovery.complete && mem.recovery.truncated);
	CHECK(mem.recovery.valid_end == 8 + 9 + 32);
	CHECK(mem.recovery.bytes_dropped == file.len - mem.recovery.valid_end);
	src = read_with(file.data, file.len, NULL, 1);
	CHECK(same_result(&mem, &src));

	/* below the cap, a huge claim in source mode only costs what arrives */
	file.len = 8 + 9 + 32 + 1;
	mcap_buffer_append_u64(&file, (uint64_t) 512 * 1024 * 1024);
	mcap_buffer_append(&file, "xyz", 3);
	mem = read_memory(file.data, file.len);
	src = read_with(file.data, file.len, NULL, 0);
	CHECK(mem.recovery.truncated && same_result(&mem, &src));
	mcap_buffer_free(&file);
}

/* A top-level Message record of body_len bytes on channel 1. */
static void
put_message_of(McapBuffer *out, uint64_t log_time, size_t body_len)
{
	McapBuffer	b;

	mcap_buffer_init(&b);
	mcap_buffer_append_u16(&b, 1);
	mcap_buffer_append_u32(&b, 7);
	mcap_buffer_append_u64(&b, log_time);
	mcap_buffer_append_u64(&b, log_time);
	while (b.len < body_len)
		mcap_buffer_append_u8(&b, (uint8_t) b.len);
	put_record(out, MCAP_OP_MESSAGE, &b);
	mcap_buffer_free(&b);
}

/*
 * A record larger than max_record_bytes (hdaq.max_chunk_bytes in the
 * server) is skipped like a bad chunk, and reading goes on after it: the
 * same over memory and over a source read in any pieces.  The 45-byte file
 * whose only record after the header claims 2^62 bytes is truncated there,
 * with the record reported as too large.
 */
static void
test_oversized_record_skipped(void)
{
	McapBuffer	file;
	McapReaderOptions opts;
	ReadResult	mem;
	ReadResult	src;

	mcap_buffer_init(&file);
	mcap_buffer_append(&file, MCAP_MAGIC, MCAP_MAGIC_SIZE);
	put_header(&file);
	put_message_of(&file, 10, 5000);
	put_message_of(&file, 20, 100);
	mcap_reader_options_init(&opts);
	opts.max_record_bytes = 1000;
	mem = read_with(file.data, file.len, &opts, -1);
	CHECK(mem.opened && mem.last == 0 && mem.records == 2 && mem.messages == 1);
	CHECK(mem.recovery.records_skipped == 1 && !mem.recovery.truncated);
	CHECK(has_problem(&mem.recovery, MCAP_ERR_TOO_LARGE));
	CHECK(mem.recovery.valid_end == file.len);
	CHECK(mem.recovery.bytes_dropped == 9 + 5000);
	for (int mode = 0; mode <= 1; mode++)
	{
		src = read_with(file.data, file.len, &opts, mode);
		CHECK(same_result(&mem, &src));
	}
	/* under the default cap, both messages are read */
	mem = read_memory(file.data, file.len);
	CHECK(mem.messages == 2 && mem.recovery.records_skipped == 0);

	/* magic, header, and one record claiming 2^62 bytes: 45 bytes */
	mcap_buffer_reset(&file);
	mcap_buffer_append(&file, MCAP_MAGIC, MCAP_MAGIC_SIZE);
	mcap_buffer_append_u8(&file, MCAP_OP_HEADER);
	mcap_buffer_append_u64(&file, 8);
	mcap_buffer_append_u32(&file, 0);
	mcap_buffer_append_u32(&file, 0);
	mcap_buffer_append_u8(&file, MCAP_OP_MESSAGE);
	mcap_buffer_append_u64(&file, (uint64_t) 1 << 62);
	while (file.len < 45)
		mcap_buffer_append_u8(&file, 0);
	mem = read_memory(file.data, file.len);
	CHECK(mem.records == 1 && mem.messages == 0 && mem.recovery.truncated);
	CHECK(has_problem(&mem.recovery, MCAP_ERR_TOO_LARGE));
	CHECK(mem.recovery.valid_end == 25 && mem.recovery.bytes_dropped == 20);
	src = read_with(file.data, file.len, NULL, 1);
	CHECK(same_result(&mem, &src));
	mcap_buffer_free(&file);
}

/*
 * One honest chunk of the largest size allowed, full of small messages,
 * compressed to a few kB: the iterator holds it and its messages' entries
 * (less than the chunk) and returns every message, whatever the file's
 * size.  0.1.0 gave "chunks overlapping in time need more than ..." for it.
 */
static void
test_iter_one_full_chunk(void)
{
	McapBuffer	file;
	McapBuffer	records;
	McapBuffer	comp;
	McapBuffer	body;
	McapReaderOptions opts;
	McapMessageIter *it;
	McapMessage msg;
	McapError	err;
	uint64_t	n = 0;
	uint64_t	last = 0;
	bool		ordered = true;
	int			rc = -1;

	mcap_buffer_init(&file);
	mcap_buffer_init(&records);
	mcap_buffer_init(&comp);
	mcap_buffer_init(&body);
	for (uint32_t i = 0; i < 20000; i++)
		put_message(&records, 1, 0, 1000 + i);
	compress_records("zstd", &records, &comp, false);
	mcap_buffer_append_u64(&body, 1000);
	mcap_buffer_append_u64(&body, 1000 + 19999);
	mcap_buffer_append_u64(&body, records.len);
	mcap_buffer_append_u32(&body, 0);
	mcap_buffer_append_string(&body, str("zstd"));
	mcap_buffer_append_u64(&body, comp.len);
	mcap_buffer_append(&body, comp.data, comp.len);
	mcap_buffer_append(&file, MCAP_MAGIC, MCAP_MAGIC_SIZE);
	put_header(&file);
	put_channel(&file, 1, "/t");
	put_record(&file, MCAP_OP_CHUNK, &body);

	mcap_reader_options_init(&opts);
	opts.max_chunk_bytes = records.len;
	CHECK(file.len * 8 < records.len);
	it = mcap_messages_open(file.data, file.len, NULL, NULL, 0, 0, UINT64_MAX,
							&opts, &err);
	CHECK(it != NULL);
	while (it != NULL && (rc = mcap_messages_next(it, &msg, &err)) == 1)
	{
		if (msg.log_time < last)
			ordered = false;
		last = msg.log_time;
		n++;
	}
	CHECK(rc == 0 && n == 20000 && ordered);
	CHECK(n > 0 && msg.data.len > 0 && msg.data.data[0] == '{');
	mcap_messages_close(it);
	mcap_buffer_free(&file);
	mcap_buffer_free(&records);
	mcap_buffer_free(&comp);
	mcap_buffer_free(&body);
}

static void
test_zero_length_and_unknown_records(void)
{
	McapBuffer	file;
	ReadResult	rr;

	mcap_buffer_init(&file);
	mcap_buffer_append(&file, MCAP_MAGIC, MCAP_MAGIC_SIZE);
	put_header(&file);
	/* known opcodes with empty bodies are malformed and skipped */
	mcap_buffer_append_u8(&file, MCAP_OP_SCHEMA);
	mcap_buffer_append_u64(&file, 0);
	mcap_buffer_append_u8(&file, MCAP_OP_MESSAGE);
	mcap_buffer_append_u64(&file, 0);
	/* private and unknown opcodes are skipped silently */
	mcap_buffer_append_u8(&file, 0x80);
	mcap_buffer_append_u64(&file, 3);
	mcap_buffer_append(&file, "abc", 3);
	mcap_buffer_append_u8(&file, 0x00);
	mcap_buffer_append_u64(&file, 0);
	mcap_buffer_append_u8(&file, 0x42);
	mcap_buffer_append_u64(&file, 0);
	put_message(&file, 1, 0, 10);
	rr = read_memory(file.data, file.len);
	CHECK(rr.messages == 1 && rr.records == 2);
	CHECK(rr.recovery.records_skipped == 2 && rr.recovery.problem_count == 2);
	CHECK(!rr.recovery.complete && !rr.recovery.truncated);
	CHECK(rr.recovery.valid_end == file.len);
	mcap_buffer_free(&file);
}

/* ----------------------------------------------------------------
 * Tests: damaged streams
 * ----------------------------------------------------------------
 */

/*
 * Cut a file at every byte offset: never a crash, message counts never
 * decrease as the cut moves later, the recovery says the file is not
 * complete, and source mode agrees with memory mode.
 */
static void
check_every_truncation(const uint8_t *data, size_t len, uint64_t expected,
					   bool check_source)
{
	uint64_t	prev = 0;
	ReadResult	full = read_memory(data, len);

	CHECK(full.recovery.complete && full.messages == expected);
	for (size_t cut = 0; cut < len; cut++)
	{
		uint8_t    *copy = malloc(cut + 1);
		ReadResult	rr;

		memcpy(copy, data, cut);
		rr = read_memory(copy, cut);
		CHECK(rr.opened && rr.last == 0);
		CHECK(!rr.recovery.complete);
		CHECK(rr.messages >= prev);
		CHECK(rr.messages <= expected);
		CHECK(rr.recovery.valid_end <= cut);
		if (rr.recovery.valid_end < cut)
			CHECK(rr.recovery.truncated);
		prev = rr.messages;
		if (check_source)
		{
			ReadResult	src = read_with(copy, cut, NULL, cut % 2);

			CHECK(same_result(&rr, &src));
		}
		free(copy);
	}
}

static void
test_truncation_every_offset_built(void)
{
	FileSpec	spec = {"zstd", 3, 7, NULL, true, true, false};
	FileSpec	plain = {NULL, 0, 5, NULL, true, true, false};
	McapBuffer	file;

	build_file(&spec, &file);
	check_every_truncation(file.data, file.len, 7, true);
	mcap_buffer_free(&file);
	build_file(&plain, &file);
	check_every_truncation(file.data, file.len, 5, true);
	mcap_buffer_free(&file);
}

static void
test_truncation_every_offset_conformance(void)
{
	size_t		len;
	uint8_t    *data = read_file("test/conformance/data/TenMessages/TenMessages-ch-chx-mx-pad-rch-rsh-st-sum.mcap", &len);

	CHECK(data != NULL);
	if (data == NULL)
		return;
	check_every_truncation(data, len, 10, true);
	free(data);
}

/* A file cut inside a chunk: the chunk's complete records are recovered. */
static void
test_truncated_chunk_prefix(void)
{
	const char *kinds[] = {"", "zstd"};

	for (int k = 0; k < 2; k++)
	{
		FileSpec	spec = {kinds[k], 400, 400, NULL, false, true, true};
		McapBuffer	file;
		ReadResult	rr;
		size_t		cut;

		build_file(&spec, &file);
		/* the chunk starts after magic, header, schema and two channels */
		cut = file.len / 2;
		rr = read_memory(file.data, cut);
		CHECK(rr.recovery.truncated);
		CHECK(rr.messages > 50 && rr.messages < 400);
		CHECK(has_problem(&rr.recovery, MCAP_ERR_TRUNCATED));
		CHECK(same_result(&rr, &(ReadResult) {0}) == false);
		{
			ReadResult	src = read_with(file.data, cut, NULL, 1);

			CHECK(same_result(&rr, &src));
		}
		mcap_buffer_free(&file);
	}
}

/* Find the first record with this opcode in a built file. */
static size_t
find_record(const McapBuffer *file, uint8_t opcode, int nth)
{
	uint64_t	pos = MCAP_MAGIC_SIZE;
	uint8_t		op;
	McapBytes	body;

	while (mcap_split_record(file->data, file->len, pos, &op, &body) == 1)
	{
		if (op == opcode && nth-- == 0)
			return pos;
		pos += MCAP_RECORD_PREFIX_SIZE + body.len;
	}
	return 0;
}

static void
test_bad_chunk_crc_skipped(void)
{
	FileSpec	spec = {"zstd", 4, 12, NULL, true, true, false};
	McapBuffer	file;
	size_t		chunk;
	ReadResult	rr;
	McapMessage msgs[16];

	build_file(&spec, &file);
	chunk = find_record(&file, MCAP_OP_CHUNK, 1);
	CHECK(chunk > 0);
	file.data[chunk + 9 + 24] ^= 0x55;	/* uncompressed_crc */
	rr = read_memory(file.data, file.len);
	CHECK(rr.messages == 8);
	CHECK(rr.recovery.chunks_skipped == 1);
	CHECK(has_problem(&rr.recovery, MCAP_ERR_CRC));
	CHECK(rr.recovery.complete);
	CHECK(rr.recovery.problems[0].offset == chunk);
	/* the data section CRC now fails too: reported, reading goes on */
	CHECK(rr.recovery.problem_count == 2);
	CHECK(iterate(file.data, file.len, NULL, 0, 0, UINT64_MAX, msgs, 16) == 8);
	mcap_buffer_free(&file);
}

static void
test_bad_data_section_crc(void)
{
	FileSpec	spec = {NULL, 0, 6, NULL, true, true, false};
	McapBuffer	file;
	size_t		msg;
	ReadResult	rr;

	build_file(&spec, &file);
	msg = find_record(&file, MCAP_OP_MESSAGE, 2);
	file.data[msg + 9 + 30] ^= 1;	/* a payload byte */
	rr = read_memory(file.data, file.len);
	CHECK(rr.messages == 6 && rr.recovery.complete);
	CHECK(rr.recovery.problem_count == 1);
	CHECK(has_problem(&rr.recovery, MCAP_ERR_CRC));
	mcap_buffer_free(&file);
}

static void
test_bad_summary_crc_falls_back(void)
{
	FileSpec	spec = {"lz4", 3, 9, NULL, true, true, false};
	McapBuffer	file;
	McapSummary *s;
	McapError	err;
	size_t		stats;
	McapMessage msgs[16];

	build_file(&spec, &file);
	s = mcap_summary_read(file.data, file.len, NULL, &err);
	CHECK(s != NULL && s->from_summary && s->channel_count == 2 &&
		  s->chunk_index_count == 3 && s->has_statistics);
	CHECK(s->header.library.len == strlen("test-library"));
	CHECK(mcap_summary_channel(s, 2) != NULL && mcap_summary_channel(s, 3) == NULL);
	CHECK(mcap_summary_schema(s, 1) != NULL);
	mcap_summary_free(s);

	stats = find_record(&file, MCAP_OP_STATISTICS, 0);
	file.data[stats + 9] ^= 1;
	s = mcap_summary_read(file.data, file.len, NULL, &err);
	CHECK(s != NULL && !s->from_summary);
	CHECK(s->summary_error.code == MCAP_ERR_CRC);
	CHECK(s->channel_count == 2 && s->schema_count == 1 &&
		  s->chunk_index_count == 3 && !s->has_statistics);
	mcap_summary_free(s);
	CHECK(iterate(file.data, file.len, NULL, 0, 0, UINT64_MAX, msgs, 16) == 9);
	{
		ReadResult	rr = read_memory(file.data, file.len);

		CHECK(rr.messages == 9 && has_problem(&rr.recovery, MCAP_ERR_CRC));
	}
	mcap_buffer_free(&file);
}

static void
test_missing_summary_is_silent(void)
{
	FileSpec	spec = {"zstd", 3, 9, NULL, false, true, false};
	McapBuffer	file;
	McapSummary *s;
	McapError	err;
	McapMessage msgs[16];

	build_file(&spec, &file);
	s = mcap_summary_read(file.data, file.len, NULL, &err);
	CHECK(s != NULL && !s->from_summary);
	CHECK(s->summary_error.code == MCAP_OK);
	CHECK(s->channel_count == 2 && s->chunk_index_count == 3);
	CHECK(s->chunk_indexes[0].message_index_offsets.len == 0);
	mcap_summary_free(s);
	CHECK(iterate(file.data, file.len, NULL, 0, 0, UINT64_MAX, msgs, 16) == 9);

	/* no footer at all: the same */
	s = mcap_summary_read(file.data, file.len - 37, NULL, &err);
	CHECK(s != NULL && !s->from_summary && s->summary_error.code == MCAP_OK);
	CHECK(s->chunk_index_count == 3);
	mcap_summary_free(s);
	mcap_buffer_free(&file);
}

static void
test_bad_and_unsupported_compression(void)
{
	FileSpec	spec = {"zstd", 2, 6, NULL, false, false, false};
	McapBuffer	file;
	size_t		chunk;
	ReadResult	rr;
	size_t		records_at;

	/* garbage in a zstd frame */
	build_file(&spec, &file);
	chunk = find_record(&file, MCAP_OP_CHUNK, 0);
	records_at = chunk + 9 + 28 + 4 + 4 + 8;
	memset(file.data + records_at, 0xAB, 6);
	rr = read_memory(file.data, file.len);
	CHECK(rr.messages == 4 && rr.recovery.chunks_skipped == 1);
	CHECK(has_problem(&rr.recovery, MCAP_ERR_DECOMPRESS));
	CHECK(rr.recovery.complete);

	/* an unknown compression name of the same length */
	memcpy(file.data + chunk + 9 + 28 + 4, "brot", 4);
	rr = read_memory(file.data, file.len);
	CHECK(rr.messages == 4 && has_problem(&rr.recovery, MCAP_ERR_UNSUPPORTED));
	mcap_buffer_free(&file);

	/* lz4 with a corrupt block, and a size that does not match */
	spec.compression = "lz4";
	build_file(&spec, &file);
	chunk = find_record(&file, MCAP_OP_CHUNK, 2);
	records_at = chunk + 9 + 28 + 4 + 3 + 8;
	file.data[records_at + 10] = 0x7F;	/* first block's size: too big */
	rr = read_memory(file.data, file.len);
	CHECK(rr.messages == 4 && rr.recovery.chunks_skipped == 1);
	chunk = find_record(&file, MCAP_OP_CHUNK, 0);
	file.data[chunk + 9 + 16] += 1;	/* uncompressed_size */
	rr = read_memory(file.data, file.len);
	CHECK(rr.messages == 2 && rr.recovery.chunks_skipped == 2);
	CHECK(has_problem(&rr.recovery, MCAP_ERR_DECOMPRESS));
	mcap_buffer_free(&file);
}

static void
test_chunk_size_cap(void)
{
	FileSpec	spec = {"zstd", 50, 100, NULL, true, true, false};
	McapBuffer	file;
	McapReaderOptions opts;
	ReadResult	rr;
	size_t		chunk;

	build_file(&spec, &file);
	mcap_reader_options_init(&opts);
	opts.max_chunk_bytes = 1000;
	rr = read_with(file.data, file.len, &opts, -1);
	CHECK(rr.messages == 0 && rr.recovery.chunks_skipped == 2);
	CHECK(has_problem(&rr.recovery, MCAP_ERR_TOO_LARGE));

	/* a chunk claiming 2^62 uncompressed bytes is refused, not allocated */
	chunk = find_record(&file, MCAP_OP_CHUNK, 0);
	file.data[chunk + 9 + 16 + 7] = 0x40;
	rr = read_memory(file.data, file.len);
	CHECK(rr.messages == 50 && rr.recovery.chunks_skipped == 1);
	CHECK(has_problem(&rr.recovery, MCAP_ERR_TOO_LARGE));
	mcap_buffer_free(&file);
}

static void
test_trailing_data(void)
{
	FileSpec	spec = {NULL, 0, 3, NULL, true, true, false};
	McapBuffer	file;
	McapBuffer	twice;
	ReadResult	rr;
	ReadResult	src;

	build_file(&spec, &file);
	mcap_buffer_init(&twice);
	mcap_buffer_append(&twice, file.data, file.len);
	mcap_buffer_append(&twice, file.data, file.len);
	rr = read_memory(twice.data, twice.len);
	CHECK(rr.messages == 3 && rr.recovery.complete);
	CHECK(rr.recovery.trailing_data && rr.recovery.trailing_offset == file.len);
	CHECK(rr.recovery.bytes_dropped == file.len);
	src = read_with(twice.data, twice.len, NULL, 1);
	CHECK(same_result(&rr, &src));

	/* a footer followed by something other than the magic */
	twice.len = file.len - 4;
	mcap_buffer_append(&twice, "abcd", 4);
	rr = read_memory(twice.data, twice.len);
	CHECK(rr.messages == 3 && !rr.recovery.complete);
	CHECK(has_problem(&rr.recovery, MCAP_ERR_CORRUPT));
	mcap_buffer_free(&twice);
	mcap_buffer_free(&file);
}

static void
test_bad_magic(void)
{
	McapError	err;
	const uint8_t junk[] = "not an mcap file at all";
	ReadResult	rr;

	CHECK(mcap_reader_open_memory(junk, sizeof(junk), NULL, &err) == NULL);
	CHECK(err.code == MCAP_ERR_BAD_MAGIC);
	CHECK(mcap_summary_read(junk, sizeof(junk), NULL, &err) == NULL);
	CHECK(mcap_reader_open_memory(NULL, 5, NULL, &err) == NULL);
	CHECK(err.code == MCAP_ERR_INVALID_ARGUMENT);
	/* a prefix of the magic is a stream cut short, not a foreign one */
	rr = read_memory((const uint8_t *) MCAP_MAGIC, 5);
	CHECK(rr.opened && rr.recovery.truncated && rr.records == 0);
	rr = read_memory(NULL, 0);
	CHECK(rr.opened && rr.records == 0 && !rr.recovery.complete);
}

static int64_t
failing_read(void *ctx, uint8_t *buf, size_t len)
{
	int		   *calls = ctx;

	(void) buf;
	(void) len;
	if ((*calls)++ == 0)
	{
		memcpy(buf, MCAP_MAGIC, MCAP_MAGIC_SIZE);
		return MCAP_MAGIC_SIZE;
	}
	return -1;
}

static void
test_source_io_error(void)
{
	int			calls = 0;
	McapError	err;
	McapRecord	rec;
	McapReader *reader = mcap_reader_open_source(failing_read, &calls, NULL, &err);

	CHECK(reader != NULL);
	if (reader == NULL)
		return;
	CHECK(mcap_reader_next(reader, &rec, &err) == -1);
	CHECK(err.code == MCAP_ERR_IO);
	CHECK(mcap_reader_next(reader, &rec, &err) == 0);
	mcap_reader_close(reader);
}

/* ----------------------------------------------------------------
 * Tests: source mode and indexed reading
 * ----------------------------------------------------------------
 */
static void
check_source_equals_memory(const uint8_t *data, size_t len)
{
	ReadResult	mem = read_memory(data, len);
	ReadResult	one = read_with(data, len, NULL, 0);
	ReadResult	rnd = read_with(data, len, NULL, 1);
	McapReaderOptions opts;

	CHECK(same_result(&mem, &one));
	CHECK(same_result(&mem, &rnd));
	mcap_reader_options_init(&opts);
	opts.expand_chunks = false;
	mem = read_with(data, len, &opts, -1);
	rnd = read_with(data, len, &opts, 1);
	CHECK(same_result(&mem, &rnd));
}

static void
test_source_equals_memory(void)
{
	const char *files[] = {
		"test/conformance/data/OneAttachment/OneAttachment-ax-pad-st-sum.mcap",
		"test/conformance/data/OneMetadata/OneMetadata-mdx-pad.mcap",
		"test/conformance/data/TenMessages/TenMessages-ch-chx-mx-pad-rch-rsh-st-sum.mcap",
		"test/data/hytech/data_acq_cloud/cloud_webserver_mcap_files_02_27_2024_23_23_28.mcap",
		"test/data/hytech/data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_20_17_28.mcap",
		"test/data/rosbag2/rosbag2_py_test_resources_mcap_talker_talker.mcap",
	};
	FileSpec	spec = {"lz4", 5, 23, NULL, true, true, false};
	McapBuffer	file;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
	{
		size_t		len;
		uint8_t    *data = read_file(files[i], &len);

		CHECK(data != NULL);
		if (data == NULL)
			continue;
		check_source_equals_memory(data, len);
		free(data);
	}
	build_file(&spec, &file);
	check_source_equals_memory(file.data, file.len);
	mcap_buffer_free(&file);
}

/* Expected order: log time, ties in file order (a stable sort). */
static bool
in_time_then_file_order(const McapMessage *m, size_t n)
{
	for (size_t i = 1; i < n; i++)
	{
		if (m[i].log_time < m[i - 1].log_time ||
			(m[i].log_time == m[i - 1].log_time &&
			 m[i].sequence < m[i - 1].sequence))
			return false;
	}
	return true;
}

static void
test_indexed_order_and_filters(void)
{
	/* out of order, overlapping chunks, ties across chunks */
	static const uint64_t times[] = {50, 10, 30, 30, 20, 40, 30, 5, 60, 30,
	25, 30};
	const char *kinds[] = {"zstd", "", NULL};
	McapMessage m[32];

	for (int k = 0; k < 3; k++)
	{
		for (int summary = 0; summary < 2; summary++)
		{
			FileSpec	spec = {kinds[k], 3, 12, times, summary, true, false};
			McapBuffer	file;
			uint16_t	two = 2;
			size_t		n;

			build_file(&spec, &file);
			n = iterate(file.data, file.len, NULL, 0, 0, UINT64_MAX, m, 32);
			CHECK(n == 12 && in_time_then_file_order(m, n));
			CHECK(m[0].log_time == 5 && m[11].log_time == 60);
			CHECK(m[4].log_time == 30 && m[4].sequence == 2);
			CHECK(m[8].log_time == 30 && m[8].sequence == 11);
			n = iterate(file.data, file.len, NULL, 0, 25, 30, m, 32);
			CHECK(n == 6 && in_time_then_file_order(m, n));
			n = iterate(file.data, file.len, &two, 1, 0, UINT64_MAX, m, 32);
			CHECK(n == 6 && in_time_then_file_order(m, n));
			for (size_t i = 0; i < n; i++)
				CHECK(m[i].channel_id == 2);
			n = iterate(file.data, file.len, &two, 1, 31, 59, m, 32);
			CHECK(n == 1 && m[0].log_time == 40);
			n = iterate(file.data, file.len, NULL, 0, 61, 100, m, 32);
			CHECK(n == 0);
			mcap_buffer_free(&file);
		}
	}
}

static void
test_indexed_conformance_order(void)
{
	size_t		len;
	uint8_t    *data = read_file("test/conformance/data/TenMessages/TenMessages-ch-chx-mx-rch-rsh-st-sum.mcap", &len);
	McapMessage m[16];
	size_t		n;

	CHECK(data != NULL);
	if (data == NULL)
		return;
	n = iterate(data, len, NULL, 0, 0, UINT64_MAX, m, 16);
	CHECK(n == 10 && in_time_then_file_order(m, n));
	n = iterate(data, len, NULL, 0, 3, 4, m, 16);
	CHECK(n == 3 && m[0].sequence == 3 && m[1].sequence == 4 &&
		  m[2].sequence == 6);
	free(data);
}

static void
test_duplicate_chunk_indexes(void)
{
	FileSpec	spec = {"zstd", 3, 9, NULL, true, true, false};
	McapBuffer	file;
	McapMessage m[32];
	size_t		n;

	chunk_index_copies = 3;
	build_file(&spec, &file);
	chunk_index_copies = 1;
	n = iterate(file.data, file.len, NULL, 0, 0, UINT64_MAX, m, 32);
	CHECK(n == 9 && in_time_then_file_order(m, n));
	mcap_buffer_free(&file);
}

/* Summary built by a scan keeps channels found inside compressed chunks. */
static void
test_scan_keeps_channels_from_chunks(void)
{
	size_t		len;
	uint8_t    *data = read_file("test/data/hytech/data_acq_cloud/cloud_webserver_mcap_files_02_27_2024_23_23_28.mcap", &len);
	McapSummary *s;
	McapError	err;
	const McapChannel *ch;
	const McapSchema *sc;

	CHECK(data != NULL);
	if (data == NULL)
		return;
	s = mcap_summary_read(data, len, NULL, &err);
	CHECK(s != NULL && !s->from_summary && s->channel_count == 6 &&
		  s->schema_count == 6 && s->chunk_index_count == 1);
	ch = s ? mcap_summary_channel(s, 1) : NULL;
	CHECK(ch != NULL && mcap_string_eq(ch->topic, "mc1_torque_command_data") &&
		  mcap_string_eq(ch->message_encoding, "protobuf"));
	sc = s ? mcap_summary_schema(s, 1) : NULL;
	CHECK(sc != NULL && mcap_string_eq(sc->name, "mc1_torque_command") &&
		  sc->data.len > 0);
	mcap_summary_free(s);
	free(data);
}

/* Only Schema, Channel and Message records are taken from a chunk. */
static void
test_foreign_records_in_chunk(void)
{
	FileSpec	spec = {"zstd", 2, 2, NULL, false, false, false};
	McapBuffer	file;
	McapBuffer	records;
	McapBuffer	body;
	BuiltChunk	bc;
	ReadResult	rr;

	mcap_buffer_init(&file);
	mcap_buffer_init(&records);
	mcap_buffer_init(&body);
	mcap_buffer_append(&file, MCAP_MAGIC, MCAP_MAGIC_SIZE);
	put_header(&file);
	put_channel(&records, 1, "/one");
	put_message(&records, 1, 0, 1);
	mcap_buffer_append_string(&body, str("setup"));
	mcap_buffer_append_u32(&body, 0);
	for (int i = 0; i < 100; i++)
		put_record(&records, MCAP_OP_METADATA, &body);
	put_header(&records);
	put_message(&records, 1, 1, 2);
	put_chunk(&file, &spec, &records, 1, 2, &bc);
	rr = read_memory(file.data, file.len);
	CHECK(rr.messages == 2 && rr.records == 1 + 3 + 2);
	CHECK(rr.recovery.records_skipped == 101);
	mcap_buffer_free(&body);
	mcap_buffer_free(&records);
	mcap_buffer_free(&file);
}

/* ----------------------------------------------------------------
 * Tests: info JSON
 * ----------------------------------------------------------------
 */
static void
test_info_json(void)
{
	FileSpec	spec = {"zstd", 4, 10, NULL, true, true, false};
	McapBuffer	file;
	McapBuffer	json;
	size_t		chunk;

	build_file(&spec, &file);
	json = info_of(file.data, file.len);
	CHECK(json.data != NULL && json_valid(&json));
	CHECK(strstr((char *) json.data, "\"message_count\": 10,") != NULL);
	CHECK(strstr((char *) json.data, "\"topic\": \"/one\"") != NULL);
	CHECK(strstr((char *) json.data, "\"compression\": \"zstd\", \"count\": 3") != NULL);
	CHECK(strstr((char *) json.data, "\"complete\": true") != NULL);
	CHECK(strstr((char *) json.data, "\"start_time_iso\": \"1970-01-01T00:00:00.000000005Z\"") != NULL);
	mcap_buffer_free(&json);

	/* a damaged chunk shows in the recovery, counts come from what was read */
	chunk = find_record(&file, MCAP_OP_CHUNK, 0);
	file.data[chunk + 9 + 24] ^= 1;
	json = info_of(file.data, file.len);
	CHECK(json.data != NULL && json_valid(&json));
	CHECK(strstr((char *) json.data, "\"message_count\": 6,") != NULL);
	CHECK(strstr((char *) json.data, "\"chunks_skipped\": 1") != NULL);
	CHECK(strstr((char *) json.data, "\"status\": \"crc mismatch\"") != NULL);
	mcap_buffer_free(&json);
	mcap_buffer_free(&file);
}

/* A visitor that checks the walk's events nest and pair up. */
typedef struct WalkCheck
{
	int			depth;
	int			max_depth;
	bool		in_object[16];
	bool		after_key;
	int			values;
	bool		ok;
} WalkCheck;

static void
walk_value(WalkCheck *c)
{
	if (c->depth > 0 && c->in_object[c->depth - 1] && !c->after_key)
		c->ok = false;			/* a member without its name */
	c->after_key = false;
	c->values++;
}

static void
walk_open(WalkCheck *c, bool object)
{
	walk_value(c);
	if (c->depth >= 16)
	{
		c->ok = false;
		return;
	}
	c->in_object[c->depth++] = object;
	if (c->depth > c->max_depth)
		c->max_depth = c->depth;
}

static void
walk_close(WalkCheck *c, bool object)
{
	if (c->depth == 0 || c->in_object[c->depth - 1] != object || c->after_key)
		c->ok = false;
	else
		c->depth--;
}

static void
walk_begin_object(void *ctx)
{
	walk_open(ctx, true);
}

static void
walk_end_object(void *ctx)
{
	walk_close(ctx, true);
}

static void
walk_begin_array(void *ctx)
{
	walk_open(ctx, false);
}

static void
walk_end_array(void *ctx)
{
	walk_close(ctx, false);
}

static void
walk_key(void *ctx, const char *data, size_t len)
{
	WalkCheck  *c = ctx;

	(void) data;
	(void) len;
	if (c->depth == 0 || !c->in_object[c->depth - 1] || c->after_key)
		c->ok = false;
	c->after_key = true;
}

static void
walk_string(void *ctx, const char *data, size_t len)
{
	(void) data;
	(void) len;
	walk_value(ctx);
}

static void
walk_number(void *ctx, const char *text)
{
	WalkCheck  *c = ctx;

	if (strtod(text, NULL) == 0 && strspn(text, "0.e+-") != strlen(text))
		c->ok = false;
	walk_value(c);
}

static void
walk_boolean(void *ctx, bool value)
{
	(void) value;
	walk_value(ctx);
}

static void
walk_null(void *ctx)
{
	walk_value(ctx);
}

static const McapInfoVisitor walk_checker = {
	.begin_object = walk_begin_object,
	.end_object = walk_end_object,
	.begin_array = walk_begin_array,
	.end_array = walk_end_array,
	.key = walk_key,
	.string = walk_string,
	.number = walk_number,
	.boolean = walk_boolean,
	.null = walk_null,
};

/* The info structure says what its JSON says, and the JSON is made of it. */
static void
test_info_structure(void)
{
	FileSpec	spec = {"zstd", 4, 10, NULL, true, true, false};
	McapBuffer	file;
	McapBuffer	json;
	McapBuffer	again;
	McapError	err;
	McapReader *reader;
	McapInfo   *info;
	char		iso[MCAP_ISO_TIME_SIZE];

	build_file(&spec, &file);
	reader = mcap_reader_open_memory(file.data, file.len, NULL, &err);
	CHECK(reader != NULL);
	info = mcap_info_read(reader, &err);
	CHECK(info != NULL);
	if (info == NULL)
	{
		mcap_reader_close(reader);
		mcap_buffer_free(&file);
		return;
	}
	CHECK(info->has_header && info->message_count == 10);
	CHECK(info->channel_count >= 1 && info->channels[0].defined);
	CHECK(info->channels[0].topic.present && info->channels[0].topic.len == 4 &&
		  memcmp(info->channels[0].topic.data, "/one", 4) == 0);
	for (size_t i = 1; i < info->channel_count; i++)
		CHECK(info->channels[i - 1].id < info->channels[i].id);
	for (size_t i = 0; i < info->channel_count; i++)
		CHECK(info->channels[i].schema == NULL ||
			  info->channels[i].schema->id == info->channels[i].schema_id);
	CHECK(info->compression_count == 1 && info->compressions[0].count == 3);
	CHECK(info->chunk_count == 3 && info->recovery.complete);
	CHECK(info->duration_ns == info->end_time - info->start_time);
	mcap_format_iso_time(info->start_time, iso, sizeof(iso));
	CHECK(strcmp(iso, "1970-01-01T00:00:00.000000005Z") == 0);

	{
		WalkCheck	c = {0};

		c.ok = true;
		mcap_info_walk(info, &walk_checker, &c);
		CHECK(c.ok && c.depth == 0 && c.max_depth == 4 && c.values > 50);
	}
	mcap_buffer_init(&again);
	mcap_info_to_json(info, &again);
	json = info_of(file.data, file.len);
	CHECK(!again.failed && json.data != NULL && json.len == again.len &&
		  memcmp(json.data, again.data, json.len) == 0);
	mcap_info_free(info);
	mcap_reader_close(reader);
	mcap_buffer_free(&again);
	mcap_buffer_free(&json);
	mcap_buffer_free(&file);
}

static void
test_info_json_escapes_bad_utf8(void)
{
	McapBuffer	file;
	McapBuffer	body;
	McapBuffer	json;
	const char	topic[] = "bad\xff\xc0\x80\xed\xa0\x80 \"q\" \\ \n\x01\x00\xe2\x82\xac";

	mcap_buffer_init(&file);
	mcap_buffer_init(&body);
	mcap_buffer_append(&file, MCAP_MAGIC, MCAP_MAGIC_SIZE);
	put_header(&file);
	mcap_buffer_append_u16(&body, 1);
	mcap_buffer_append_u16(&body, 0);
	mcap_buffer_append_u32(&body, sizeof(topic) - 1);
	mcap_buffer_append(&body, topic, sizeof(topic) - 1);
	mcap_buffer_append_string(&body, str("json"));
	mcap_buffer_append_u32(&body, 0);
	put_record(&file, MCAP_OP_CHANNEL, &body);
	put_message(&file, 1, 0, 1);
	json = info_of(file.data, file.len);
	CHECK(json.data != NULL && json_valid(&json));
	CHECK(strstr((char *) json.data,
				 "\"topic\": \"bad\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd \\\"q\\\" \\\\ \\n\\u0001\\ufffd\xe2\x82\xac\"") != NULL);
	CHECK(strstr((char *) json.data, "\"complete\": false") != NULL);
	mcap_buffer_free(&json);
	mcap_buffer_free(&body);
	mcap_buffer_free(&file);
}

/* ----------------------------------------------------------------
 * Tests: real logs
 * ----------------------------------------------------------------
 */

/*
 * Message counts of the real logs, found independently with the official
 * TypeScript reader: @mcap/core 2.2.2's McapStreamReader (validateCrcs
 * on, zstd through @foxglove/wasm-zstd 1.0.1, lz4 through lz4js 0.2.0)
 * under node 20, counting Message records until nextRecord() returned
 * undefined, then asking done() whether the file was complete.  It throws
 * on the 02_29_2024_20_17_28 file after 282 messages ("740 bytes remaining
 * after MCAP footer and trailing magic"): the second stream appended there.
 */
typedef struct RealLog
{
	const char *path;
	uint64_t	messages;
	bool		complete;
	bool		trailing;
} RealLog;

static const RealLog real_logs[] = {
	{"hytech/data_acq_cloud/cloud_webserver_files_03_26_2024_23_10_23.mcap", 522, true, false},
	{"hytech/data_acq_cloud/cloud_webserver_files_03_26_2024_23_10_23_RECOVERED.mcap", 522, true, false},
	{"hytech/data_acq_cloud/cloud_webserver_files_03_26_2024_23_10_23_RECOVERED_V2.mcap", 522, true, false},
	{"hytech/data_acq_cloud/cloud_webserver_mcap_files_02_27_2024_23_23_28.mcap", 25068, false, false},
	{"hytech/data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_19_30_56.mcap", 204, false, false},
	{"hytech/data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_20_03_12.mcap", 582, false, false},
	{"hytech/data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_20_17_28.mcap", 282, true, true},
	{"hytech/data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_20_17_28_V2.mcap", 282, true, false},
	{"hytech/data_acq_cloud/cloud_webserver_mcap_files_03_05_2024_23_10_23.mcap", 522, true, false},
	{"hytech/data_acq_cloud/cloud_webserver_mcap_files_03_05_2024_23_10_23_V2_1.mcap", 522, true, false},
	{"hytech/data_acq_cloud/cloud_webserver_mcap_files_demo_2024-02-28_10-27-41.mcap", 226, true, false},
	{"hytech/drivebrain_software_2026/dblog_2026-03-17_22-19-17.mcap", 1, true, false},
	{"hytech/drivebrain_software_2026/test1_34264.mcap", 492, true, false},
	{"hytech/drivebrain_software_2026/test1_505139.mcap", 23030, true, false},
	{"hytech/drivebrain_software_2026/test_1_1274.mcap", 13, true, false},
	{"hytech/drivebrain_software_2026/test_1_44248.mcap", 11, true, false},
	{"hytech/hytech-foxglove-extensions/10_up_CCW.mcap", 11807, true, false},
	{"keelson/keelson_test.mcap", 2172, true, false},
	{"rosbag2/rosbag2_cpp_test_rosbag2_cpp_bags_only_services.mcap", 12, true, false},
	{"rosbag2/rosbag2_cpp_test_rosbag2_cpp_bags_only_topics.mcap", 7, true, false},
	{"rosbag2/rosbag2_cpp_test_rosbag2_cpp_bags_topics_and_services.mcap", 13, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_convert_a_rewriter_a_0.mcap", 150, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_convert_b_rewriter_b_0.mcap", 75, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_reindex_test_bags_multiple_files_multiple_files_0.mcap", 1324, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_reindex_test_bags_multiple_files_multiple_files_1.mcap", 1324, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_reindex_test_bags_multiple_files_multiple_files_2.mcap", 529, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_talker_talker.mcap", 20, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_wbag_wbag_0.mcap", 1246, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_wbag_wbag_1.mcap", 1240, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_wbag_wbag_2.mcap", 1240, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_wbag_wbag_3.mcap", 1240, true, false},
	{"rosbag2/rosbag2_py_test_resources_mcap_wbag_wbag_4.mcap", 1108, true, false},
	{"rosbag2/rosbag2_tests_resources_mcap_bag_with_topics_and_service_events_bag_with_topics_and_service_events.mcap", 10, true, false},
	{"rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap", 7, true, false},
	{"rosbag2/rosbag2_tests_resources_mcap_wrong_rmw_test_wrong_rmw_test_0.mcap", 7, true, false},
	{"rosbag2/rosbag2_transport_test_resources_mcap_rewriter_a_rewriter_a_0.mcap", 150, true, false},
	{"rosbag2/rosbag2_transport_test_resources_mcap_rewriter_b_rewriter_b_0.mcap", 75, true, false},
	{"rosbag2/rosbag2_transport_test_resources_mcap_test_bag_for_seek_test_bag_for_seek_0.mcap", 5, true, false},
};

static void
check_real_log(const RealLog *log)
{
	char		path[512];
	size_t		len;
	uint8_t    *data;
	ReadResult	mem;
	ReadResult	src;
	McapMessage dummy;

	snprintf(path, sizeof(path), "test/data/%s", log->path);
	data = read_file(path, &len);
	CHECK(data != NULL);
	if (data == NULL)
	{
		fprintf(stderr, "  cannot read %s\n", path);
		return;
	}
	mem = read_memory(data, len);
	src = read_with(data, len, NULL, 1);
	if (mem.messages != log->messages)
		fprintf(stderr, "  %s: %llu messages\n", path,
				(unsigned long long) mem.messages);
	CHECK(mem.messages == log->messages);
	CHECK(mem.recovery.complete == log->complete);
	CHECK(mem.recovery.trailing_data == log->trailing);
	CHECK(!mem.recovery.truncated && mem.recovery.chunks_skipped == 0);
	CHECK(same_result(&mem, &src));
	CHECK(iterate(data, len, NULL, 0, 0, UINT64_MAX, &dummy, 1) == log->messages);
	free(data);
}

static void
test_real_logs(void)
{
	for (size_t i = 0; i < sizeof(real_logs) / sizeof(real_logs[0]); i++)
		check_real_log(&real_logs[i]);
}

static void
test_unfinished_recording(void)
{
	size_t		len;
	uint8_t    *data = read_file("test/data/hytech/data_acq_cloud/cloud_webserver_mcap_files_02_27_2024_23_23_28.mcap", &len);
	ReadResult	rr;
	McapBuffer	json;
	char		text[512];

	CHECK(data != NULL);
	if (data == NULL)
		return;
	rr = read_memory(data, len);
	CHECK(rr.messages == 25068);
	CHECK(!rr.recovery.complete && !rr.recovery.truncated);
	CHECK(rr.recovery.valid_end == len && rr.recovery.bytes_dropped == 0);
	mcap_recovery_describe(&rr.recovery, text, sizeof(text));
	CHECK(strncmp(text, "incomplete", 10) == 0);
	json = info_of(data, len);
	CHECK(json.data != NULL && json_valid(&json));
	CHECK(strstr((char *) json.data, "\"message_count\": 25068,") != NULL);
	CHECK(strstr((char *) json.data, "\"complete\": false") != NULL);
	mcap_buffer_free(&json);
	free(data);
}

/* ----------------------------------------------------------------
 * Hostile inputs made by hand
 * ----------------------------------------------------------------
 */
static void
read_everything(const uint8_t *data, size_t len)
{
	McapBuffer	json;
	McapMessage m;

	(void) read_memory(data, len);
	(void) read_with(data, len, NULL, 1);
	(void) iterate(data, len, NULL, 0, 0, UINT64_MAX, &m, 1);
	json = info_of(data, len);
	CHECK(json.data == NULL || json_valid(&json));
	mcap_buffer_free(&json);
}

static void
test_hostile_inputs(void)
{
	/* a chunk whose records end in the middle of a record prefix */
	static const uint8_t partial_inner[] =
		"\x89MCAP0\r\n"
		"\x06\x2d\x00\x00\x00\x00\x00\x00\x00"
		"\x00\x00\x00\x00\x00\x00\x00\x00" "\x00\x00\x00\x00\x00\x00\x00\x00"
		"\x05\x00\x00\x00\x00\x00\x00\x00" "\x00\x00\x00\x00"
		"\x00\x00\x00\x00" "\x05\x00\x00\x00\x00\x00\x00\x00"
		"\x05\x01\x00\x00\x00";
	FileSpec	spec = {"zstd", 3, 9, NULL, true, false, false};
	McapBuffer	file;
	McapMessageIter *it;
	McapSummary *s;
	McapError	err;
	McapMessage m;
	size_t		ci;
	size_t		n = 0;
	ReadResult	rr;

	read_everything(partial_inner, sizeof(partial_inner) - 1);
	rr = read_memory(partial_inner, sizeof(partial_inner) - 1);
	CHECK(rr.records == 0 && rr.recovery.records_skipped == 1);

	/* chunk indexes pointing past the end and at a non-chunk record */
	build_file(&spec, &file);
	ci = find_record(&file, MCAP_OP_CHUNK_INDEX, 0);
	memset(file.data + ci + 9 + 16, 0xEE, 8);
	ci = find_record(&file, MCAP_OP_CHUNK_INDEX, 1);
	file.data[ci + 9 + 16] = 8;	/* the Header */
	memset(file.data + ci + 9 + 17, 0, 7);
	s = mcap_summary_read(file.data, file.len, NULL, &err);
	CHECK(s != NULL && s->from_summary);
	it = mcap_messages_open(file.data, file.len, s, NULL, 0, 0, UINT64_MAX,
							NULL, &err);
	while (it != NULL && mcap_messages_next(it, &m, &err) == 1)
		n++;
	CHECK(n == 3);
	CHECK(it != NULL && mcap_messages_recovery(it)->chunks_skipped == 2);
	mcap_messages_close(it);
	mcap_summary_free(s);
	read_everything(file.data, file.len);

	/* summary_start past the footer: the summary is not used */
	memset(file.data + file.len - 8 - 20, 0xFF, 8);
	s = mcap_summary_read(file.data, file.len, NULL, &err);
	CHECK(s != NULL && !s->from_summary &&
		  s->summary_error.code == MCAP_ERR_CORRUPT &&
		  s->chunk_index_count == 3);
	mcap_summary_free(s);
	read_everything(file.data, file.len);
	mcap_buffer_free(&file);
}

/* ----------------------------------------------------------------
 * Main
 * ----------------------------------------------------------------
 */
static const TestCase tests[] = {
	{"parse Header, Footer, Schema, Channel", test_parse_header_footer_schema_channel},
	{"parse Message, Chunk, MessageIndex, ChunkIndex, Statistics", test_parse_message_chunk_indexes},
	{"parse Attachment(Index), Metadata(Index), SummaryOffset, DataEnd", test_parse_attachment_metadata_offsets},
	{"huge declared lengths in fields", test_huge_declared_lengths},
	{"a record claiming 1 TB: skipped, the stream truncated in it", test_huge_record_in_stream},
	{"a record over the cap is skipped, reading goes on", test_oversized_record_skipped},
	{"zero-length, private and unknown records", test_zero_length_and_unknown_records},
	{"truncation at every offset (built files)", test_truncation_every_offset_built},
	{"truncation at every offset (conformance file)", test_truncation_every_offset_conformance},
	{"cut inside a chunk recovers its complete records", test_truncated_chunk_prefix},
	{"bad chunk CRC: reported, skipped, reading goes on", test_bad_chunk_crc_skipped},
	{"bad data section CRC reported", test_bad_data_section_crc},
	{"bad summary CRC falls back to a scan", test_bad_summary_crc_falls_back},
	{"missing summary falls back silently", test_missing_summary_is_silent},
	{"bad and unsupported compression", test_bad_and_unsupported_compression},
	{"chunk size cap", test_chunk_size_cap},
	{"trailing data after the closing magic", test_trailing_data},
	{"bad magic and empty input", test_bad_magic},
	{"source I/O error is fatal", test_source_io_error},
	{"source mode equals memory mode", test_source_equals_memory},
	{"indexed order and filters", test_indexed_order_and_filters},
	{"indexed order on conformance data", test_indexed_conformance_order},
	{"a chunk listed twice in the index is read once", test_duplicate_chunk_indexes},
	{"one full chunk of small messages is iterated", test_iter_one_full_chunk},
	{"scan keeps channels found in compressed chunks", test_scan_keeps_channels_from_chunks},
	{"only Schema, Channel, Message taken from a chunk", test_foreign_records_in_chunk},
	{"info JSON", test_info_json},
	{"info structure", test_info_structure},
	{"info JSON escapes bad UTF-8", test_info_json_escapes_bad_utf8},
	{"real logs: message counts", test_real_logs},
	{"unfinished recording: 25068 messages, incomplete", test_unfinished_recording},
	{"hostile inputs made by hand", test_hostile_inputs},
};

int
main(void)
{
	int			passed = 0;
	int			failed = 0;
	size_t		n = sizeof(tests) / sizeof(tests[0]);

	for (size_t i = 0; i < n; i++)
	{
		current_ok = true;
		tests[i].fn();
		if (current_ok)
			passed++;
		else
			failed++;
		printf("%s %zu - %s\n", current_ok ? "ok" : "not ok", i + 1,
			   tests[i].name);
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
