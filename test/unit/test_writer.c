/*-------------------------------------------------------------------------
 *
 * test_writer.c
 *	  Unit tests of the MCAP writer and compressor (src/mcap/writer.c and
 *	  compress.c).
 *
 * Files are written to memory and checked byte by byte with a small
 * parser of its own, independent of the library's reader: magic, record
 * framing, the data section and summary CRCs, every chunk (decompressed
 * with zstd and lz4 directly) and its message indexes, the chunk,
 * attachment and metadata indexes, statistics and summary offsets.  When
 * the library's reader is linked in, files are also read back through it.
 *
 * Prints "ok N - name" or "not ok N - name" per test, then one line
 * "N passed, M failed"; exits non-zero if any test failed.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <zstd.h>

#include "unit.h"


/* ----------------------------------------------------------------
 * A sink writing to memory, optionally failing after some bytes
 * ----------------------------------------------------------------
 */
typedef struct Sink
{
	McapBuffer	out;
	size_t		fail_after;		/* 0 = never fail */
} Sink;

static bool
sink_write(void *ctx, const uint8_t *data, size_t len)
{
	Sink	   *sink = ctx;

	if (sink->fail_after > 0 && sink->out.len + len > sink->fail_after)
		return false;
	mcap_buffer_append(&sink->out, data, len);
	return !sink->out.failed;
}

/* ----------------------------------------------------------------
 * A little-endian cursor of the test's own
 * ----------------------------------------------------------------
 */
typedef struct Cur
{
	const uint8_t *p;
	uint64_t	len;
	uint64_t	pos;
	bool		bad;
} Cur;

static Cur
cur_make(const uint8_t *p, uint64_t len)
{
	Cur			c = {p, len, 0, false};

	return c;
}

static uint64_t
cur_le(Cur *c, int n)
{
	uint64_t	v = 0;

	if (c->bad || c->len - c->pos < (uint64_t) n)
	{
		c->bad = true;
		return 0;
	}
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | c->p[c->pos + i];
	c->pos += n;
	return v;
}

#define cur_u8(c)	((uint8_t) cur_le((c), 1))
#define cur_u16(c)	((uint16_t) cur_le((c), 2))
#define cur_u32(c)	((uint32_t) cur_le((c), 4))
#define cur_u64(c)	cur_le((c), 8)

static const uint8_t *
cur_take(Cur *c, uint64_t n)
{
	const uint8_t *p;

	if (c->bad || c->len - c->pos < n)
	{
		c->bad = true;
		return NULL;
	}
	p = c->p + c->pos;
	c->pos += n;
	return p;
}

static McapBytes
cur_bytes(Cur *c, int prefix)
{
	McapBytes	b;

	b.len = cur_le(c, prefix);
	b.data = cur_take(c, b.len);
	return b;
}

static bool
bytes_eq(McapBytes b, const void *data, uint64_t len)
{
	return b.len == len && (len == 0 || memcmp(b.data, data, len) == 0);
}

static bool
bytes_eq_str(McapBytes b, const char *s)
{
	return bytes_eq(b, s, strlen(s));
}

/* ----------------------------------------------------------------
 * The parsed file
 * ----------------------------------------------------------------
 */
typedef struct Rec
{
	uint8_t		op;
	uint64_t	offset;
	const uint8_t *body;
	uint64_t	len;
} Rec;

typedef struct Msg
{
	uint16_t	channel;
	uint32_t	sequence;
	uint64_t	log_time;
	uint64_t	publish_time;
	McapBytes	data;
} Msg;

typedef struct ChunkInfo
{
	uint64_t	offset;
	uint64_t	length;
	uint64_t	start_time;
	uint64_t	end_time;
	uint64_t	compressed_size;
	uint64_t	uncompressed_size;
	char		compression[8];
	uint64_t	mi_start;
	uint64_t	mi_length;
	size_t		mi_first;		/* index of its first MessageIndex record */
	size_t		mi_count;
} ChunkInfo;

typedef struct Parsed
{
	Rec		   *recs;
	size_t		nrec;
	size_t		data_end;		/* index of DataEnd */
	Msg		   *msgs;			/* in file order */
	size_t		nmsg;
	uint8_t   **plain;			/* decompressed chunks */
	ChunkInfo  *chunks;
	size_t		nchunk;
	size_t		nschema;
	size_t		nchannel;
	size_t		nattach;
	size_t		nmeta;
	bool		no_crcs;		/* expect zero CRCs */
	McapBytes	statistics;
} Parsed;

static void
parsed_free(Parsed *p)
{
	for (size_t i = 0; i < p->nchunk; i++)
		free(p->plain[i]);
	free(p->plain);
	free(p->chunks);
	free(p->recs);
	free(p->msgs);
	memset(p, 0, sizeof(*p));
}

static uint32_t
crc_of(const uint8_t *p, uint64_t len)
{
	return mcap_crc32(p, len);
}

/* Split the file into records, from the header to the footer. */
static bool
split_records(const uint8_t *data, size_t len, Parsed *p)
{
	uint64_t	pos = MCAP_MAGIC_SIZE;

	CHECK(len >= 2 * MCAP_MAGIC_SIZE, "file too short: %zu bytes", len);
	CHECK(memcmp(data, MCAP_MAGIC, MCAP_MAGIC_SIZE) == 0, "bad leading magic");
	CHECK(memcmp(data + len - MCAP_MAGIC_SIZE, MCAP_MAGIC,
				 MCAP_MAGIC_SIZE) == 0, "bad closing magic");
	p->recs = calloc(len / MCAP_RECORD_PREFIX_SIZE + 1, sizeof(Rec));
	while (pos < len - MCAP_MAGIC_SIZE)
	{
		Cur			c = cur_make(data + pos, len - MCAP_MAGIC_SIZE - pos);
		Rec		   *r = &p->recs[p->nrec++];

		r->offset = pos;
		r->op = cur_u8(&c);
		r->len = cur_u64(&c);
		r->body = cur_take(&c, r->len);
		CHECK(!c.bad, "record at %lu overruns the file", (unsigned long) pos);
		pos += MCAP_RECORD_PREFIX_SIZE + r->len;
		if (r->op == MCAP_OP_FOOTER)
			break;
	}
	CHECK(p->nrec > 0 && p->recs[0].op == MCAP_OP_HEADER,
		  "first record is not a Header");
	CHECK(p->recs[p->nrec - 1].op == MCAP_OP_FOOTER, "no Footer");
	CHECK(pos == len - MCAP_MAGIC_SIZE, "bytes between Footer and magic");
	return true;
}

static bool
is_data_op(uint8_t op)
{
	return op == MCAP_OP_HEADER || op == MCAP_OP_SCHEMA ||
		op == MCAP_OP_CHANNEL || op == MCAP_OP_CHUNK ||
		op == MCAP_OP_MESSAGE_INDEX || op == MCAP_OP_ATTACHMENT ||
		op == MCAP_OP_METADATA;
}

/* Sections: data records, one DataEnd with the right CRC, summary. */
static bool
check_sections(const uint8_t *data, Parsed *p)
{
	size_t		i = 0;
	Cur			c;
	uint32_t	crc;

	while (i < p->nrec && is_data_op(p->recs[i].op))
		i++;
	CHECK(i < p->nrec && p->recs[i].op == MCAP_OP_DATA_END,
		  "record %zu (opcode 0x%02x) is neither data nor DataEnd", i,
		  p->recs[i].op);
	p->data_end = i;
	c = cur_make(p->recs[i].body, p->recs[i].len);
	crc = cur_u32(&c);
	CHECK(!c.bad, "DataEnd too short");
	if (p->no_crcs)
		CHECK(crc == 0, "DataEnd crc %08x, expected 0", crc);
	else
		CHECK(crc == crc_of(data, p->recs[i].offset),
			  "DataEnd crc %08x, expected %08x", crc,
			  crc_of(data, p->recs[i].offset));
	for (i++; i + 1 < p->nrec; i++)
		CHECK(!is_data_op(p->recs[i].op) || p->recs[i].op == MCAP_OP_SCHEMA ||
			  p->recs[i].op == MCAP_OP_CHANNEL,
			  "opcode 0x%02x in the summary", p->recs[i].op);
	return true;
}

static size_t
find_record(const Parsed *p, uint64_t offset)
{
	for (size_t i = 0; i < p->nrec; i++)
		if (p->recs[i].offset == offset)
			return i;
	return SIZE_MAX;
}

/* Footer offsets and CRC, and the groups SummaryOffsets describe. */
static bool
check_footer(const uint8_t *data, Parsed *p)
{
	const Rec  *f = &p->recs[p->nrec - 1];
	Cur			c = cur_make(f->body, f->len);
	uint64_t	summary_start = cur_u64(&c);
	uint64_t	offsets_start = cur_u64(&c);
	uint32_t	crc = cur_u32(&c);
	size_t		first_offset;
	size_t		covered = 0;

	CHECK(!c.bad && f->len == 20, "Footer length %lu", (unsigned long) f->len);
	CHECK(summary_start == p->recs[p->data_end + 1].offset,
		  "summary_start %lu, first summary record at %lu",
		  (unsigned long) summary_start,
		  (unsigned long) p->recs[p->data_end + 1].offset);
	first_offset = find_record(p, offsets_start);
	CHECK(first_offset != SIZE_MAX &&
		  p->recs[first_offset].op == MCAP_OP_SUMMARY_OFFSET,
		  "summary_offset_start %lu is not a SummaryOffset",
		  (unsigned long) offsets_start);
	if (p->no_crcs)
		CHECK(crc == 0, "footer crc %08x, expected 0", crc);
	else
		CHECK(crc == crc_of(data + summary_start,
							f->offset + MCAP_RECORD_PREFIX_SIZE + 16 - summary_start),
			  "footer crc %08x does not match the summary", crc);

	for (size_t i = first_offset; i + 1 < p->nrec; i++)
	{
		Cur			g = cur_make(p->recs[i].body, p->recs[i].len);
		uint8_t		op = cur_u8(&g);
		uint64_t	start = cur_u64(&g);
		uint64_t	length = cur_u64(&g);
		size_t		j = find_record(p, start);
		uint64_t	end = start + length;

		CHECK(p->recs[i].op == MCAP_OP_SUMMARY_OFFSET && !g.bad,
			  "record %zu after summary_offset_start is not a SummaryOffset", i);
		CHECK(j != SIZE_MAX && j > p->data_end && j < first_offset,
			  "group 0x%02x starts at %lu, not at a summary record", op,
			  (unsigned long) start);
		for (; j < first_offset && p->recs[j].offset < end; j++, covered++)
			CHECK(p->recs[j].op == op, "group 0x%02x holds opcode 0x%02x", op,
				  p->recs[j].op);
		CHECK((j < first_offset ? p->recs[j].offset : offsets_start) == end,
			  "group 0x%02x length %lu does not end at a record", op,
			  (unsigned long) length);
	}
	CHECK(covered == first_offset - p->data_end - 1,
		  "summary offsets cover %zu of %zu summary records", covered,
		  first_offset - p->data_end - 1);
	return true;
}

/* Decompress a chunk's records with zstd or lz4 directly. */
static uint8_t *
decompress(McapBytes compression, McapBytes src, uint64_t size)
{
	uint8_t    *dst = malloc(size ? size : 1);

	if (bytes_eq_str(compression, ""))
	{
		if (src.len != size)
			goto fail;
		memcpy(dst, src.data, size);
	}
	else if (bytes_eq_str(compression, "zstd"))
	{
		if (ZSTD_getFrameContentSize(src.data, src.len) != size ||
			ZSTD_decompress(dst, size, src.data, src.len) != size)
			goto fail;
	}
	else if (bytes_eq_str(compression, "lz4"))
	{
		LZ4F_dctx  *dctx;
		LZ4F_frameInfo_t info;
		size_t		in = src.len;
		size_t		out = size;
		size_t		hint;
		size_t		consumed;

		LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION);
		consumed = in;
		hint = LZ4F_getFrameInfo(dctx, &info, src.data, &consumed);
		if (LZ4F_isError(hint) || info.contentSize != size)
		{
			LZ4F_freeDecompressionContext(dctx);
			goto fail;
		}
		in = src.len - consumed;
		hint = LZ4F_decompress(dctx, dst, &out, src.data + consumed, &in, NULL);
		LZ4F_freeDecompressionContext(dctx);
		if (hint != 0 || out != size || consumed + in != src.len)
			goto fail;
	}
	else
		goto fail;
	return dst;

fail:
	free(dst);
	return NULL;
}

/* Messages inside a decompressed chunk; returns the count. */
static bool
parse_chunk_messages(Parsed *p, const uint8_t *plain, uint64_t size,
					 uint64_t *start, uint64_t *end, size_t *count)
{
	Cur			c = cur_make(plain, size);

	*count = 0;
	while (c.pos < size)
	{
		uint8_t		op = cur_u8(&c);
		uint64_t	len = cur_u64(&c);
		Cur			b = cur_make(cur_take(&c, len), len);
		Msg		   *m = &p->msgs[p->nmsg];

		CHECK(!c.bad && op == MCAP_OP_MESSAGE,
			  "chunk holds opcode 0x%02x or a cut record", op);
		m->channel = cur_u16(&b);
		m->sequence = cur_u32(&b);
		m->log_time = cur_u64(&b);
		m->publish_time = cur_u64(&b);
		m->data.len = len - b.pos;
		m->data.data = cur_take(&b, m->data.len);
		CHECK(!b.bad, "message record too short");
		if (*count == 0 || m->log_time < *start)
			*start = m->log_time;
		if (*count == 0 || m->log_time > *end)
			*end = m->log_time;
		p->nmsg++;
		(*count)++;
		p->msgs = realloc(p->msgs, (p->nmsg + 1) * sizeof(Msg));
	}
	return true;
}

/* Does an entry point at a message of this channel and log time? */
static bool
entry_matches(const uint8_t *plain, uint64_t size, uint64_t offset,
			  uint16_t channel, uint64_t log_time)
{
	Cur			c = cur_make(plain, size);

	c.pos = offset;
	if (offset >= size || cur_u8(&c) != MCAP_OP_MESSAGE)
		return false;
	(void) cur_u64(&c);
	if (cur_u16(&c) != channel)
		return false;
	(void) cur_u32(&c);
	return cur_u64(&c) == log_time && !c.bad;
}

/* The MessageIndex records after chunk k, from record index i. */
static bool
check_message_indexes(Parsed *p, size_t k, size_t i, size_t nmsg)
{
	ChunkInfo  *ci = &p->chunks[k];
	size_t		entries = 0;

	ci->mi_first = i;
	ci->mi_start = i < p->nrec ? p->recs[i].offset : 0;
	for (; i < p->nrec && p->recs[i].op == MCAP_OP_MESSAGE_INDEX; i++)
	{
		Cur			c = cur_make(p->recs[i].body, p->recs[i].len);
		uint16_t	channel = cur_u16(&c);
		McapBytes	pairs = cur_bytes(&c, 4);
		Cur			e = cur_make(pairs.data, pairs.len);

		CHECK(!c.bad && pairs.len % 16 == 0 && pairs.len > 0,
			  "bad MessageIndex for channel %u", channel);
		while (e.pos < pairs.len)
		{
			uint64_t	log_time = cur_u64(&e);
			uint64_t	offset = cur_u64(&e);

			CHECK(entry_matches(p->plain[k], ci->uncompressed_size, offset,
								channel, log_time),
				  "MessageIndex entry (%lu, %lu) of channel %u misses",
				  (unsigned long) log_time, (unsigned long) offset, channel);
			entries++;
		}
		ci->mi_count++;
		ci->mi_length += MCAP_RECORD_PREFIX_SIZE + p->recs[i].len;
	}
	CHECK(entries == nmsg, "chunk %zu: %zu index entries for %zu messages",
		  k, entries, nmsg);
	return true;
}

/* One Chunk record (record index i): fields, contents, message indexes. */
static bool
check_chunk(Parsed *p, size_t i)
{
	const Rec  *r = &p->recs[i];
	Cur			c = cur_make(r->body, r->len);
	ChunkInfo  *ci = &p->chunks[p->nchunk];
	uint32_t	crc;
	McapBytes	compression;
	McapBytes	records;
	uint64_t	start = 0;
	uint64_t	end = 0;
	size_t		count;

	ci->offset = r->offset;
	ci->length = MCAP_RECORD_PREFIX_SIZE + r->len;
	ci->start_time = cur_u64(&c);
	ci->end_time = cur_u64(&c);
	ci->uncompressed_size = cur_u64(&c);
	crc = cur_u32(&c);
	compression = cur_bytes(&c, 4);
	records = cur_bytes(&c, 8);
	CHECK(!c.bad && c.pos == r->len, "malformed Chunk at %lu",
		  (unsigned long) r->offset);
	CHECK(compression.len < sizeof(ci->compression), "long compression");
	memcpy(ci->compression, compression.data, compression.len);
	ci->compressed_size = records.len;

	p->plain[p->nchunk] = decompress(compression, records,
									 ci->uncompressed_size);
	CHECK(p->plain[p->nchunk] != NULL, "chunk at %lu does not decompress",
		  (unsigned long) r->offset);
	p->nchunk++;
	if (p->no_crcs)
		CHECK(crc == 0, "chunk crc %08x, expected 0", crc);
	else
		CHECK(crc == crc_of(p->plain[p->nchunk - 1], ci->uncompressed_size),
			  "chunk crc mismatch");
	if (!parse_chunk_messages(p, p->plain[p->nchunk - 1],
							  ci->uncompressed_size, &start, &end, &count))
		return false;
	CHECK(count > 0, "empty chunk");
	CHECK(start == ci->start_time && end == ci->end_time,
		  "chunk times [%lu, %lu], messages span [%lu, %lu]",
		  (unsigned long) ci->start_time, (unsigned long) ci->end_time,
		  (unsigned long) start, (unsigned long) end);
	return check_message_indexes(p, p->nchunk - 1, i + 1, count);
}

/* The ChunkIndex of chunk k. */
static bool
check_chunk_index(const Parsed *p, const Rec *r, size_t k)
{
	const ChunkInfo *ci = &p->chunks[k];
	Cur			c = cur_make(r->body, r->len);
	McapBytes	offsets;
	McapBytes	compression;
	Cur			o;
	size_t		n = 0;

	CHECK(k < p->nchunk, "more ChunkIndexes than chunks");
	CHECK(cur_u64(&c) == ci->start_time && cur_u64(&c) == ci->end_time,
		  "ChunkIndex %zu times", k);
	CHECK(cur_u64(&c) == ci->offset && cur_u64(&c) == ci->length,
		  "ChunkIndex %zu offset or length", k);
	offsets = cur_bytes(&c, 4);
	CHECK(cur_u64(&c) == ci->mi_length, "ChunkIndex %zu message_index_length", k);
	compression = cur_bytes(&c, 4);
	CHECK(bytes_eq_str(compression, ci->compression), "ChunkIndex %zu compression", k);
	CHECK(cur_u64(&c) == ci->compressed_size &&
		  cur_u64(&c) == ci->uncompressed_size && !c.bad,
		  "ChunkIndex %zu sizes", k);

	o = cur_make(offsets.data, offsets.len);
	while (o.pos < offsets.len)
	{
		uint16_t	channel = cur_u16(&o);
		size_t		j = find_record(p, cur_u64(&o));

		CHECK(!o.bad && j >= ci->mi_first && j < ci->mi_first + ci->mi_count,
			  "ChunkIndex %zu: offset of channel %u's index is wrong", k, channel);
		CHECK(p->recs[j].body[0] == (channel & 0xff) &&
			  p->recs[j].body[1] == (channel >> 8),
			  "ChunkIndex %zu: channel %u points at another channel's index",
			  k, channel);
		n++;
	}
	CHECK(n == ci->mi_count, "ChunkIndex %zu lists %zu of %zu indexes", k, n,
		  ci->mi_count);
	return true;
}

/* An Attachment record's CRC, and its AttachmentIndex. */
static bool
check_attachment(const Parsed *p, const Rec *a, const Rec *ai)
{
	Cur			c = cur_make(a->body, a->len);
	Cur			x = cur_make(ai->body, ai->len);
	uint64_t	log_time = cur_u64(&c);
	uint64_t	create_time = cur_u64(&c);
	McapBytes	name = cur_bytes(&c, 4);
	McapBytes	media = cur_bytes(&c, 4);
	McapBytes	body = cur_bytes(&c, 8);
	uint64_t	crc_pos = c.pos;
	uint32_t	crc = cur_u32(&c);

	CHECK(!c.bad && c.pos == a->len, "malformed Attachment");
	if (p->no_crcs)
		CHECK(crc == 0, "attachment crc %08x, expected 0", crc);
	else
		CHECK(crc == crc_of(a->body, crc_pos), "attachment crc mismatch");
	CHECK(cur_u64(&x) == a->offset &&
		  cur_u64(&x) == MCAP_RECORD_PREFIX_SIZE + a->len,
		  "AttachmentIndex offset or length");
	CHECK(cur_u64(&x) == log_time && cur_u64(&x) == create_time &&
		  cur_u64(&x) == body.len, "AttachmentIndex times or size");
	name = cur_bytes(&x, 4);
	CHECK(bytes_eq(cur_bytes(&x, 4), media.data, media.len) && !x.bad,
		  "AttachmentIndex media type");
	(void) name;
	return true;
}

static bool
check_metadata(const Rec *m, const Rec *mi)
{
	Cur			c = cur_make(m->body, m->len);
	Cur			x = cur_make(mi->body, mi->len);
	McapBytes	name = cur_bytes(&c, 4);

	(void) cur_bytes(&c, 4);
	CHECK(!c.bad && c.pos == m->len, "malformed Metadata");
	CHECK(cur_u64(&x) == m->offset &&
		  cur_u64(&x) == MCAP_RECORD_PREFIX_SIZE + m->len,
		  "MetadataIndex offset or length");
	CHECK(bytes_eq(cur_bytes(&x, 4), name.data, name.len) && !x.bad,
		  "MetadataIndex name");
	return true;
}

/* Walk the data section: chunks and their indexes, counts. */
static bool
check_data(Parsed *p)
{
	size_t		nchunk_records = 0;

	for (size_t i = 0; i < p->data_end; i++)
		if (p->recs[i].op == MCAP_OP_CHUNK)
			nchunk_records++;
	p->chunks = calloc(nchunk_records + 1, sizeof(ChunkInfo));
	p->plain = calloc(nchunk_records + 1, sizeof(uint8_t *));
	p->msgs = calloc(1, sizeof(Msg));
	for (size_t i = 0; i < p->data_end; i++)
	{
		uint8_t		op = p->recs[i].op;

		p->nschema += op == MCAP_OP_SCHEMA;
		p->nchannel += op == MCAP_OP_CHANNEL;
		p->nattach += op == MCAP_OP_ATTACHMENT;
		p->nmeta += op == MCAP_OP_METADATA;
		if (op == MCAP_OP_CHUNK && !check_chunk(p, i))
			return false;
		if (op == MCAP_OP_MESSAGE_INDEX)
			CHECK(i > 0 && (p->recs[i - 1].op == MCAP_OP_CHUNK ||
							p->recs[i - 1].op == MCAP_OP_MESSAGE_INDEX),
				  "MessageIndex not after a chunk");
	}
	return true;
}

/* Records of one opcode, from a section of the file, as an array. */
static size_t
collect(const Parsed *p, uint8_t op, size_t from, size_t to, const Rec **out)
{
	size_t		n = 0;

	for (size_t i = from; i < to; i++)
		if (p->recs[i].op == op)
			out[n++] = &p->recs[i];
	return n;
}

/* Summary: schemas and channels repeated, indexes match the data section. */
static bool
check_summary_indexes(Parsed *p)
{
	const Rec **data = calloc(p->nrec, sizeof(Rec *));
	const Rec **summ = calloc(p->nrec, sizeof(Rec *));
	static const uint8_t pairs[][2] = {
		{MCAP_OP_SCHEMA, MCAP_OP_SCHEMA},
		{MCAP_OP_CHANNEL, MCAP_OP_CHANNEL},
		{MCAP_OP_ATTACHMENT, MCAP_OP_ATTACHMENT_INDEX},
		{MCAP_OP_METADATA, MCAP_OP_METADATA_INDEX},
	};
	bool		ok = true;

	for (size_t g = 0; g < 4 && ok; g++)
	{
		size_t		nd = collect(p, pairs[g][0], 0, p->data_end, data);
		size_t		ns = collect(p, pairs[g][1], p->data_end, p->nrec, summ);

		if (nd != ns)
		{
			snprintf(why, sizeof(why), "%zu records of 0x%02x, %zu of 0x%02x",
					 nd, pairs[g][0], ns, pairs[g][1]);
			ok = false;
		}
		for (size_t i = 0; i < nd && ok; i++)
		{
			if (g < 2)
			{
				ok = bytes_eq((McapBytes) {data[i]->body, data[i]->len},
							  summ[i]->body, summ[i]->len);
				if (!ok)
					snprintf(why, sizeof(why), "summary record 0x%02x differs",
							 pairs[g][0]);
			}
			else if (g == 2)
				ok = check_attachment(p, data[i], summ[i]);
			else
				ok = check_metadata(data[i], summ[i]);
		}
	}
	if (ok)
	{
		size_t		n = collect(p, MCAP_OP_CHUNK_INDEX, p->data_end, p->nrec, summ);

		if (n != p->nchunk)
		{
			snprintf(why, sizeof(why), "%zu ChunkIndexes for %zu chunks", n,
					 p->nchunk);
			ok = false;
		}
		for (size_t k = 0; k < n && ok; k++)
			ok = check_chunk_index(p, summ[k], k);
	}
	free(data);
	free(summ);
	return ok;
}

/* Statistics against what the data section holds. */
static bool
check_statistics(Parsed *p)
{
	const Rec  *stats[4];
	Cur			c;
	uint64_t	start = 0;
	uint64_t	end = 0;
	McapBytes	counts;
	Cur			cc;

	CHECK(collect(p, MCAP_OP_STATISTICS, p->data_end, p->nrec, stats) == 1,
		  "not exactly one Statistics record");
	c = cur_make(stats[0]->body, stats[0]->len);
	p->statistics = (McapBytes) {stats[0]->body, stats[0]->len};
	for (size_t i = 0; i < p->nmsg; i++)
	{
		if (i == 0 || p->msgs[i].log_time < start)
			start = p->msgs[i].log_time;
		if (i == 0 || p->msgs[i].log_time > end)
			end = p->msgs[i].log_time;
	}
	CHECK(cur_u64(&c) == p->nmsg, "statistics message_count");
	CHECK(cur_u16(&c) == p->nschema, "statistics schema_count");
	CHECK(cur_u32(&c) == p->nchannel, "statistics channel_count");
	CHECK(cur_u32(&c) == p->nattach, "statistics attachment_count");
	CHECK(cur_u32(&c) == p->nmeta, "statistics metadata_count");
	CHECK(cur_u32(&c) == p->nchunk, "statistics chunk_count");
	CHECK(cur_u64(&c) == start && cur_u64(&c) == end,
		  "statistics message start/end time");
	counts = cur_bytes(&c, 4);
	CHECK(!c.bad && c.pos == stats[0]->len, "malformed Statistics");
	cc = cur_make(counts.data, counts.len);
	while (cc.pos < counts.len)
	{
		uint16_t	channel = cur_u16(&cc);
		uint64_t	count = cur_u64(&cc);
		uint64_t	seen = 0;

		for (size_t i = 0; i < p->nmsg; i++)
			seen += p->msgs[i].channel == channel;
		CHECK(!cc.bad && count == seen && count > 0,
			  "statistics count of channel %u: %lu, seen %lu", channel,
			  (unsigned long) count, (unsigned long) seen);
	}
	return true;
}

/* Parse and check a whole file; fills *p (free with parsed_free). */
static bool
check_file(const McapBuffer *file, bool no_crcs, Parsed *p)
{
	memset(p, 0, sizeof(*p));
	p->no_crcs = no_crcs;
	return split_records(file->data, file->len, p) &&
		check_sections(file->data, p) &&
		check_footer(file->data, p) &&
		check_data(p) &&
		check_summary_indexes(p) &&
		check_statistics(p);
}

/* ----------------------------------------------------------------
 * Test inputs
 * ----------------------------------------------------------------
 */
#define NCHANNELS 3
static const char *topics[NCHANNELS] = {"/imu", "/gps", "/log"};

/* A string map of two entries, built with the buffer appenders. */
static McapStringMap
make_map(McapBuffer *buf, const char *k1, const char *v1, const char *k2,
		 const char *v2)
{
	McapString	s[4] = {
		{k1, (uint32_t) strlen(k1)}, {v1, (uint32_t) strlen(v1)},
		{k2, (uint32_t) strlen(k2)}, {v2, (uint32_t) strlen(v2)}
	};

	mcap_buffer_init(buf);
	for (int i = 0; i < 4; i++)
		mcap_buffer_append_string(buf, s[i]);
	return (McapStringMap) {buf->data, buf->len};
}

static McapString
str(const char *s)
{
	return (McapString) {s, (uint32_t) strlen(s)};
}

/* Two schemas, channels 1..3 (channel 3 schemaless). */
static bool
add_channels(McapWriter *w)
{
	McapError	err;
	McapBuffer	meta;
	McapSchema	s = {1, str("Imu"), str("jsonschema"),
	{(const uint8_t *) "{}", 2}};
	McapChannel c = {0};
	bool		ok;

	ok = mcap_writer_add_schema(w, &s, &err) == MCAP_OK;
	s.id = 2;
	s.name = str("Gps");
	ok = ok && mcap_writer_add_schema(w, &s, &err) == MCAP_OK;
	c.message_encoding = str("json");
	c.metadata = make_map(&meta, "rate", "100", "frame", "base");
	for (int i = 0; i < NCHANNELS && ok; i++)
	{
		c.id = (uint16_t) (i + 1);
		c.schema_id = (uint16_t) (i < 2 ? i + 1 : 0);
		c.topic = str(topics[i]);
		ok = mcap_writer_add_channel(w, &c, &err) == MCAP_OK;
	}
	mcap_buffer_free(&meta);
	CHECK(ok, "adding schemas and channels: %s", err.message);
	return true;
}

/* Message i of a run: channel, times (optionally shuffled), data. */
static McapMessage
make_message(int i, bool shuffled, char *data, size_t cap)
{
	McapMessage m;
	int			n;

	m.channel_id = (uint16_t) (i % NCHANNELS + 1);
	m.sequence = (uint32_t) i;
	m.log_time = 1000000000ull + (uint64_t) (shuffled ? (i * 7919) % 1009 : i) * 1000;
	m.publish_time = m.log_time - 5;
	n = snprintf(data, cap, "{\"i\":%d,\"pad\":\"%.*s\"}", i, i % 40,
				 "0123456789012345678901234567890123456789");
	m.data = (McapBytes) {(const uint8_t *) data, (uint64_t) n};
	return m;
}

static bool
add_messages(McapWriter *w, int n, bool shuffled)
{
	McapError	err;
	char		data[128];

	for (int i = 0; i < n; i++)
	{
		McapMessage m = make_message(i, shuffled, data, sizeof(data));

		CHECK(mcap_writer_add_message(w, &m, &err) == MCAP_OK,
			  "message %d: %s", i, err.message);
	}
	return true;
}

/* The parsed messages are the n written, in order. */
static bool
check_messages(const Parsed *p, int n, bool shuffled)
{
	char		data[128];

	CHECK(p->nmsg == (size_t) n, "%zu messages read, %d written", p->nmsg, n);
	for (int i = 0; i < n; i++)
	{
		McapMessage m = make_message(i, shuffled, data, sizeof(data));
		const Msg  *r = &p->msgs[i];

		CHECK(r->channel == m.channel_id && r->sequence == m.sequence &&
			  r->log_time == m.log_time && r->publish_time == m.publish_time &&
			  bytes_eq(r->data, m.data.data, m.data.len),
			  "message %d differs", i);
	}
	return true;
}

static McapWriter *
open_writer(Sink *sink, const char *compression, uint64_t chunk_size,
			bool no_crcs)
{
	McapWriterOptions opts;
	McapError	err;
	McapWriter *w;

	memset(sink, 0, sizeof(*sink));
	mcap_buffer_init(&sink->out);
	mcap_writer_options_init(&opts);
	opts.compression = compression;
	opts.chunk_size = chunk_size;
	opts.no_crcs = no_crcs;
	opts.profile = "test";
	w = mcap_writer_open(sink_write, sink, &opts, &err);
	if (w == NULL)
		snprintf(why, sizeof(why), "open: %s", err.message);
	return w;
}

static bool
finish_writer(McapWriter *w)
{
	McapError	err;

	CHECK(mcap_writer_finish(w, &err) == MCAP_OK, "finish: %s", err.message);
	return true;
}

/* ----------------------------------------------------------------
 * Round trip through the library's reader and summary
 *
 * Build with -DTEST_WRITER_NO_READER while those are not linked.
 * ----------------------------------------------------------------
 */
#ifndef TEST_WRITER_NO_READER
/* The streaming reader returns the same messages, and finds no problem. */
static bool
stream_round_trip(const McapBuffer *file, const Parsed *p)
{
	McapReaderOptions opts;
	McapError	err = {0};
	McapReader *r;
	McapRecord	rec;
	size_t		n = 0;
	bool		clean;
	int			rc;

	mcap_reader_options_init(&opts);
	r = mcap_reader_open_memory(file->data, file->len, &opts, &err);
	CHECK(r != NULL, "reader open: %s", err.message);
	while ((rc = mcap_reader_next(r, &rec, &err)) == 1)
	{
		if (rec.opcode != MCAP_OP_MESSAGE)
			continue;
		if (n >= p->nmsg || rec.u.message.channel_id != p->msgs[n].channel ||
			rec.u.message.sequence != p->msgs[n].sequence ||
			rec.u.message.log_time != p->msgs[n].log_time ||
			rec.u.message.publish_time != p->msgs[n].publish_time ||
			!bytes_eq(rec.u.message.data, p->msgs[n].data.data,
					  p->msgs[n].data.len))
			break;
		n++;
	}
	clean = rc == 0 && mcap_reader_recovery(r)->complete &&
		mcap_reader_recovery(r)->problem_count == 0;
	mcap_reader_close(r);
	CHECK(clean && n == p->nmsg, "reader: %zu of %zu messages (%s)", n,
		  p->nmsg, err.message);
	return true;
}
#endif

#if !defined(TEST_WRITER_NO_READER) && !defined(TEST_WRITER_NO_SUMMARY)
/* mcap_summary_read finds the summary and the same counts. */
static bool
summary_round_trip(const McapBuffer *file, const Parsed *p)
{
	McapReaderOptions opts;
	McapError	err = {0};
	McapSummary *summary;
	bool		same;

	mcap_reader_options_init(&opts);
	summary = mcap_summary_read(file->data, file->len, &opts, &err);
	CHECK(summary != NULL, "summary: %s", err.message);
	same = summary->from_summary && summary->has_statistics &&
		summary->statistics.message_count == p->nmsg &&
		summary->chunk_index_count == p->nchunk &&
		summary->channel_count == p->nchannel &&
		summary->schema_count == p->nschema &&
		summary->attachment_index_count == p->nattach &&
		summary->metadata_index_count == p->nmeta;
	mcap_summary_free(summary);
	CHECK(same, "summary read back differs from the file");
	return true;
}
#endif

static bool
reader_round_trip(const McapBuffer *file, const Parsed *p)
{
#ifndef TEST_WRITER_NO_READER
	if (!stream_round_trip(file, p))
		return false;
#ifndef TEST_WRITER_NO_SUMMARY
	if (!summary_round_trip(file, p))
		return false;
#endif
#endif
	(void) file;
	(void) p;
	return true;
}

/* Write n messages, check the file; the common body of several tests. */
static bool
write_and_check(const char *compression, uint64_t chunk_size, int n,
				bool shuffled, bool no_crcs, size_t min_chunks,
				size_t max_chunks)
{
	Sink		sink;
	McapWriter *w = open_writer(&sink, compression, chunk_size, no_crcs);
	Parsed		p;
	bool		ok;

	if (w == NULL)
		return false;
	ok = add_channels(w) && add_messages(w, n, shuffled) && finish_writer(w);
	mcap_writer_close(w);
	ok = ok && check_file(&sink.out, no_crcs, &p) &&
		check_messages(&p, n, shuffled) && reader_round_trip(&sink.out, &p);
	if (ok && (p.nchunk < min_chunks || p.nchunk > max_chunks))
	{
		snprintf(why, sizeof(why), "%zu chunks, expected %zu to %zu",
				 p.nchunk, min_chunks, max_chunks);
		ok = false;
	}
	if (ok && p.nchunk > 0 && strcmp(p.chunks[0].compression, compression) != 0)
	{
		snprintf(why, sizeof(why), "chunk compression \"%s\"",
				 p.chunks[0].compression);
		ok = false;
	}
	parsed_free(&p);
	mcap_buffer_free(&sink.out);
	return ok;
}

/* ----------------------------------------------------------------
 * Tests
 * ----------------------------------------------------------------
 */
static bool
test_options_defaults(void)
{
	McapWriterOptions opts;

	mcap_writer_options_init(&opts);
	CHECK(strcmp(opts.compression, "zstd") == 0, "default compression");
	CHECK(opts.chunk_size == 1024 * 1024, "default chunk size");
	CHECK(!opts.no_crcs && strcmp(opts.library, "hdaq") == 0, "defaults");
	return true;
}

static bool
test_compressor_round_trip(void)
{
	static const char *names[] = {"", "zstd", "lz4"};
	McapCompressor *comp = mcap_compressor_new();
	McapBuffer	src;
	McapBuffer	out;
	McapError	err;
	bool		ok = true;

	mcap_buffer_init(&src);
	mcap_buffer_init(&out);
	for (int i = 0; i < 50000; i++)
		mcap_buffer_append_u32(&src, (uint32_t) (i / 7));
	for (int round = 0; round < 2 && ok; round++)
	{
		for (int k = 0; k < 3 && ok; k++)
		{
			McapBytes	name = {(const uint8_t *) names[k], strlen(names[k])};
			uint8_t    *plain;

			mcap_buffer_reset(&out);
			ok = mcap_compress(comp, str(names[k]), round * 5, src.data,
							   src.len, &out, &err) == MCAP_OK;
			plain = ok ? decompress(name, (McapBytes) {out.data, out.len},
									src.len) : NULL;
			ok = plain != NULL && memcmp(plain, src.data, src.len) == 0 &&
				(k == 0 || out.len < src.len / 4);
			free(plain);
			if (!ok)
				snprintf(why, sizeof(why), "\"%s\" level %d", names[k],
						 round * 5);
		}
	}
	if (ok)
	{
		mcap_buffer_reset(&out);
		ok = mcap_compress(comp, str("zstd"), 0, NULL, 0, &out, &err) == MCAP_OK &&
			mcap_compress(comp, str("lz4"), 0, NULL, 0, &out, &err) == MCAP_OK &&
			mcap_compress(comp, str("bz2"), 0, src.data, 4, &out,
						  &err) == MCAP_ERR_UNSUPPORTED;
		if (!ok)
			snprintf(why, sizeof(why), "empty input or unsupported name");
	}
	mcap_compressor_free(comp);
	mcap_buffer_free(&src);
	mcap_buffer_free(&out);
	return ok;
}

static bool
test_empty_file(void)
{
	Sink		sink;
	McapWriter *w = open_writer(&sink, "zstd", 0, false);
	Parsed		p;
	bool		ok;

	if (w == NULL)
		return false;
	ok = finish_writer(w) && check_file(&sink.out, false, &p) &&
		reader_round_trip(&sink.out, &p);
	if (ok && (p.nchunk != 0 || p.nmsg != 0 || p.nschema != 0))
	{
		snprintf(why, sizeof(why), "empty file has content");
		ok = false;
	}
	parsed_free(&p);
	mcap_writer_close(w);
	mcap_buffer_free(&sink.out);
	return ok;
}

static bool
test_channels_without_messages(void)
{
	Sink		sink;
	McapWriter *w = open_writer(&sink, "lz4", 0, false);
	Parsed		p;
	bool		ok;

	if (w == NULL)
		return false;
	ok = add_channels(w) && finish_writer(w) &&
		check_file(&sink.out, false, &p) && reader_round_trip(&sink.out, &p);
	if (ok && (p.nchunk != 0 || p.nchannel != NCHANNELS || p.nschema != 2))
	{
		snprintf(why, sizeof(why), "%zu chunks, %zu channels, %zu schemas",
				 p.nchunk, p.nchannel, p.nschema);
		ok = false;
	}
	parsed_free(&p);
	mcap_writer_close(w);
	mcap_buffer_free(&sink.out);
	return ok;
}

static bool
test_metadata_and_attachments(void)
{
	Sink		sink;
	McapWriter *w = open_writer(&sink, "zstd", 300, false);
	McapBuffer	map;
	McapMetadata md = {str("session"), make_map(&map, "driver", "A. B.",
												"event", "endurance")};
	McapAttachment a = {5, 6, str("notes.txt"), str("text/plain"),
	{(const uint8_t *) "hello attachment", 16}, 0};
	McapError	err;
	Parsed		p;
	bool		ok;

	if (w == NULL)
		return false;
	ok = add_channels(w) && add_messages(w, 40, false) &&
		mcap_writer_add_metadata(w, &md, &err) == MCAP_OK &&
		mcap_writer_add_attachment(w, &a, &err) == MCAP_OK &&
		add_messages(w, 40, false);
	md.name = str("second");
	a.data.len = 0;
	ok = ok && mcap_writer_add_metadata(w, &md, &err) == MCAP_OK &&
		mcap_writer_add_attachment(w, &a, &err) == MCAP_OK &&
		finish_writer(w) && check_file(&sink.out, false, &p) &&
		reader_round_trip(&sink.out, &p);
	if (ok && (p.nattach != 2 || p.nmeta != 2 || p.nmsg != 80))
	{
		snprintf(why, sizeof(why), "%zu attachments, %zu metadata",
				 p.nattach, p.nmeta);
		ok = false;
	}
	parsed_free(&p);
	mcap_writer_close(w);
	mcap_buffer_free(&map);
	mcap_buffer_free(&sink.out);
	return ok;
}

/* A chunk is cut where the caller asks, and a raw chunk is copied as is. */
static bool
test_flush_and_raw_chunk(void)
{
	Sink		sink;
	McapWriter *w = open_writer(&sink, "lz4", 0, false);
	McapCompressor *comp = mcap_compressor_new();
	McapBuffer	records;
	McapBuffer	compressed;
	McapBuffer	entries;
	McapError	err;
	McapMessage m = {2, 7, 900, 901, {(const uint8_t *) "raw", 3}};
	McapChunk	chunk = {0};
	McapMessageIndex mi;
	Parsed		p;
	bool		ok;

	if (w == NULL)
		return false;
	mcap_buffer_init(&records);
	mcap_buffer_init(&compressed);
	mcap_buffer_init(&entries);
	for (int i = 0; i < 3; i++)
	{
		mcap_buffer_append_u64(&entries, m.log_time);
		mcap_buffer_append_u64(&entries, records.len);
		mcap_buffer_append_message(&records, &m);
		m.log_time += 10;
	}
	mcap_compress(comp, str("zstd"), 0, records.data, records.len,
				  &compressed, &err);
	chunk.message_start_time = 900;
	chunk.message_end_time = 920;
	chunk.uncompressed_size = records.len;
	chunk.uncompressed_crc = mcap_crc32(records.data, records.len);
	chunk.compression = str("zstd");
	chunk.records = (McapBytes) {compressed.data, compressed.len};
	mi.channel_id = 2;
	mi.records = (McapBytes) {entries.data, entries.len};

	ok = add_channels(w) && add_messages(w, 5, false) &&
		mcap_writer_flush_chunk(w, &err) == MCAP_OK &&
		mcap_writer_flush_chunk(w, &err) == MCAP_OK &&
		add_messages(w, 5, false) &&
		mcap_writer_add_raw_chunk(w, &chunk, &mi, 1, &err) == MCAP_OK &&
		finish_writer(w) && check_file(&sink.out, false, &p) &&
		reader_round_trip(&sink.out, &p);
	if (ok && (p.nchunk != 3 || p.nmsg != 13 ||
			   strcmp(p.chunks[2].compression, "zstd") != 0 ||
			   p.msgs[12].log_time != 920))
	{
		snprintf(why, sizeof(why), "%zu chunks, %zu messages", p.nchunk,
				 p.nmsg);
		ok = false;
	}
	mi.channel_id = 9;
	if (ok && mcap_writer_add_raw_chunk(w, &chunk, &mi, 1, &err) !=
		MCAP_ERR_INVALID_ARGUMENT)
	{
		snprintf(why, sizeof(why), "raw chunk accepted after finish");
		ok = false;
	}
	parsed_free(&p);
	mcap_writer_close(w);
	mcap_compressor_free(comp);
	mcap_buffer_free(&records);
	mcap_buffer_free(&compressed);
	mcap_buffer_free(&entries);
	mcap_buffer_free(&sink.out);
	return ok;
}

/* A message larger than the chunk size gets a chunk of its own. */
static bool
test_large_message(void)
{
	Sink		sink;
	McapWriter *w = open_writer(&sink, "zstd", 64, false);
	uint8_t    *big = calloc(1, 100000);
	McapMessage m = {1, 1, 10, 10, {big, 100000}};
	McapError	err;
	Parsed		p;
	bool		ok;

	if (w == NULL)
		return false;
	ok = add_channels(w) && mcap_writer_add_message(w, &m, &err) == MCAP_OK &&
		add_messages(w, 3, false) && finish_writer(w) &&
		check_file(&sink.out, false, &p);
	if (ok && (p.nchunk < 2 || p.msgs[0].data.len != 100000 ||
			   p.chunks[0].uncompressed_size != MCAP_RECORD_PREFIX_SIZE + 22 + 100000))
	{
		snprintf(why, sizeof(why), "%zu chunks, first of %lu bytes", p.nchunk,
				 (unsigned long) p.chunks[0].uncompressed_size);
		ok = false;
	}
	parsed_free(&p);
	mcap_writer_close(w);
	free(big);
	mcap_buffer_free(&sink.out);
	return ok;
}

static bool
expect_invalid(McapStatus rc, const McapError *err, const char *needle)
{
	CHECK(rc == MCAP_ERR_INVALID_ARGUMENT, "status %d, expected invalid argument",
		  (int) rc);
	CHECK(strstr(err->message, needle) != NULL, "message \"%s\" lacks \"%s\"",
		  err->message, needle);
	return true;
}

static bool
test_invalid_arguments(void)
{
	Sink		sink;
	McapWriter *w = open_writer(&sink, "", 0, false);
	McapError	err;
	McapSchema	s = {0, str("X"), str("raw"), {NULL, 0}};
	McapChannel c = {5, 9, str("/orphan"), str("json"), {NULL, 0}};
	McapMessage m = {42, 0, 1, 1, {NULL, 0}};
	McapMetadata md = {str("bad"), {(const uint8_t *) "\x05\0\0\0ab", 6}};
	size_t		len_before;
	bool		ok;

	if (w == NULL)
		return false;
	ok = add_channels(w);
	len_before = sink.out.len;
	ok = ok && expect_invalid(mcap_writer_add_message(w, &m, &err), &err,
							  "unknown channel id 42");
	ok = ok && expect_invalid(mcap_writer_add_channel(w, &c, &err), &err,
							  "unknown schema id 9");
	ok = ok && expect_invalid(mcap_writer_add_schema(w, &s, &err), &err,
							  "reserved");
	s.id = 1;
	ok = ok && expect_invalid(mcap_writer_add_schema(w, &s, &err), &err,
							  "already added");
	c.id = 1;
	c.schema_id = 0;
	ok = ok && expect_invalid(mcap_writer_add_channel(w, &c, &err), &err,
							  "already added");
	ok = ok && expect_invalid(mcap_writer_add_metadata(w, &md, &err), &err,
							  "string map");
	ok = ok && expect_invalid(mcap_writer_add_message(w, NULL, &err), &err,
							  "NULL");
	if (ok && sink.out.len != len_before)
	{
		snprintf(why, sizeof(why), "rejected input wrote bytes");
		ok = false;
	}
	/* the writer is still usable, and unusable after finish */
	m.channel_id = 3;
	ok = ok && mcap_writer_add_message(w, &m, &err) == MCAP_OK &&
		finish_writer(w) &&
		expect_invalid(mcap_writer_add_message(w, &m, &err), &err,
					   "already finished");
	mcap_writer_close(w);
	mcap_buffer_free(&sink.out);
	return ok;
}

static bool
test_open_errors(void)
{
	McapWriterOptions opts;
	McapError	err;
	Sink		sink = {{0}, 0};

	mcap_writer_options_init(&opts);
	opts.compression = "bz2";
	CHECK(mcap_writer_open(sink_write, &sink, &opts, &err) == NULL &&
		  err.code == MCAP_ERR_UNSUPPORTED, "bz2 accepted");
	CHECK(mcap_writer_open(NULL, &sink, NULL, &err) == NULL &&
		  err.code == MCAP_ERR_INVALID_ARGUMENT, "NULL sink accepted");
	sink.fail_after = 4;
	CHECK(mcap_writer_open(sink_write, &sink, NULL, &err) == NULL &&
		  err.code == MCAP_ERR_IO, "failing sink at open: %d", err.code);
	mcap_buffer_free(&sink.out);
	return true;
}

/* A sink that fails mid-file makes the writer fail, and stay failed. */
static bool
test_sink_failure(void)
{
	Sink		sink;
	McapWriter *w = open_writer(&sink, "zstd", 256, false);
	McapError	err;
	McapStatus	rc = MCAP_OK;
	char		data[128];
	int			i;

	if (w == NULL)
		return false;
	if (!add_channels(w))
		return false;
	sink.fail_after = sink.out.len + 500;
	for (i = 0; i < 1000 && rc == MCAP_OK; i++)
	{
		McapMessage m = make_message(i, false, data, sizeof(data));

		rc = mcap_writer_add_message(w, &m, &err);
	}
	CHECK(rc == MCAP_ERR_IO, "status %d after %d messages", (int) rc, i);
	CHECK(mcap_writer_finish(w, &err) == MCAP_ERR_IO, "finish after failure");
	mcap_writer_close(w);
	mcap_buffer_free(&sink.out);
	return true;
}

/* Many channels, added out of id order, interleaved. */
static bool
test_many_channels(void)
{
	Sink		sink;
	McapWriter *w = open_writer(&sink, "zstd", 4096, false);
	McapError	err;
	Parsed		p;
	bool		ok = w != NULL;

	for (int i = 0; i < 300 && ok; i++)
	{
		char		topic[32];
		McapChannel c = {(uint16_t) ((i * 97) % 300 + 10), 0, {topic, 0},
		str("raw"), {NULL, 0}};

		c.topic.len = (uint32_t) snprintf(topic, sizeof(topic), "/t%d", i);
		ok = mcap_writer_add_channel(w, &c, &err) == MCAP_OK;
	}
	for (int i = 0; i < 3000 && ok; i++)
	{
		McapMessage m = {(uint16_t) (i % 300 + 10), (uint32_t) i,
		(uint64_t) (3000 - i), 0, {(const uint8_t *) &i, sizeof(i)}};

		ok = mcap_writer_add_message(w, &m, &err) == MCAP_OK;
	}
	if (!ok)
		snprintf(why, sizeof(why), "%s", err.message);
	ok = ok && finish_writer(w) && check_file(&sink.out, false, &p) &&
		reader_round_trip(&sink.out, &p);
	if (ok && (p.nmsg != 3000 || p.nchannel != 300 || p.nchunk < 2))
	{
		snprintf(why, sizeof(why), "%zu messages, %zu chunks", p.nmsg,
				 p.nchunk);
		ok = false;
	}
	parsed_free(&p);
	mcap_writer_close(w);
	mcap_buffer_free(&sink.out);
	return ok;
}

/* Damage at a given offset from a landmark; the checker must notice. */
static bool
damaged_file_rejected(const McapBuffer *file, size_t offset, uint8_t xor)
{
	McapBuffer	copy;
	Parsed		p;
	bool		accepted;

	mcap_buffer_init(&copy);
	mcap_buffer_append(&copy, file->data, file->len);
	copy.data[offset] ^= xor;
	accepted = check_file(&copy, false, &p);
	parsed_free(&p);
	mcap_buffer_free(&copy);
	return !accepted;
}

/* The byte-level checker is not vacuous: it rejects damaged files. */
static bool
test_checker_detects_damage(void)
{
	Sink		sink;
	McapWriter *w = open_writer(&sink, "zstd", 400, false);
	McapAttachment a = {1, 2, str("a"), str("b"), {(const uint8_t *) "xyz", 3}, 0};
	McapError	err;
	Parsed		p;
	bool		ok;
	size_t		len;

	if (w == NULL)
		return false;
	ok = add_channels(w) && add_messages(w, 60, true) &&
		mcap_writer_add_attachment(w, &a, &err) == MCAP_OK &&
		finish_writer(w) && check_file(&sink.out, false, &p);
	mcap_writer_close(w);
	len = sink.out.len;
	if (ok)
	{
		size_t		chunk = p.chunks[1].offset;
		size_t		stats = p.statistics.data - sink.out.data;
		size_t		footer = len - MCAP_MAGIC_SIZE - 29;
		const size_t offsets[] = {
			chunk + MCAP_RECORD_PREFIX_SIZE + 2,	/* chunk start time */
			chunk + p.chunks[1].length - 3, /* compressed bytes */
			p.chunks[1].offset + p.chunks[1].length + 15,	/* index entry */
			stats + 2,			/* message count */
			footer + MCAP_RECORD_PREFIX_SIZE + 8,	/* summary_offset_start */
			footer + MCAP_RECORD_PREFIX_SIZE + 16,	/* summary crc */
			len - 30 - 17 - 5,	/* the last SummaryOffset */
			MCAP_MAGIC_SIZE + MCAP_RECORD_PREFIX_SIZE + 1,	/* header field */
			len - 1,			/* closing magic */
		};

		for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]) && ok; i++)
		{
			ok = damaged_file_rejected(&sink.out, offsets[i], 0x10);
			if (!ok)
				snprintf(why, sizeof(why), "damage %zu at offset %zu accepted",
						 i, offsets[i]);
		}
	}
	parsed_free(&p);
	mcap_buffer_free(&sink.out);
	return ok;
}

/* One test that writes n messages with the given settings. */
typedef struct WriteCase
{
	const char *name;
	const char *compression;
	uint64_t	chunk_size;
	int			messages;
	bool		shuffled;
	bool		no_crcs;
	size_t		min_chunks;
	size_t		max_chunks;
} WriteCase;

static const WriteCase write_cases[] = {
	{"zstd, one chunk", "zstd", 0, 100, false, false, 1, 1},
	{"lz4, one chunk", "lz4", 0, 100, false, false, 1, 1},
	{"uncompressed, one chunk", "", 0, 100, false, false, 1, 1},
	{"zstd, many chunks", "zstd", 500, 400, false, false, 10, 400},
	{"lz4, many chunks", "lz4", 500, 400, false, false, 10, 400},
	{"uncompressed, many chunks", "", 500, 400, false, false, 10, 400},
	{"zstd, out-of-order log times", "zstd", 700, 500, true, false, 10, 500},
	{"lz4, out-of-order log times", "lz4", 0, 500, true, false, 1, 1},
	{"chunk per message", "zstd", 1, 20, true, false, 20, 20},
	{"no CRCs", "zstd", 500, 200, true, true, 2, 200},
	{"no CRCs, uncompressed", "", 0, 10, false, true, 1, 1},
};

int
main(void)
{
	report("writer options defaults", test_options_defaults());
	report("compressor round trip (zstd, lz4, none)",
		   test_compressor_round_trip());
	for (size_t i = 0; i < sizeof(write_cases) / sizeof(write_cases[0]); i++)
	{
		const WriteCase *c = &write_cases[i];

		report(c->name, write_and_check(c->compression, c->chunk_size,
										c->messages, c->shuffled, c->no_crcs,
										c->min_chunks, c->max_chunks));
	}
	report("empty file", test_empty_file());
	report("channels without messages", test_channels_without_messages());
	report("metadata and attachments", test_metadata_and_attachments());
	report("explicit chunk flush and raw chunk copy",
		   test_flush_and_raw_chunk());
	report("message larger than the chunk size", test_large_message());
	report("many channels, out of id order", test_many_channels());
	report("invalid arguments are rejected", test_invalid_arguments());
	report("open errors", test_open_errors());
	report("sink failure", test_sink_failure());
	report("the byte-level checker rejects damaged files",
		   test_checker_detects_damage());

	return unit_summary();
}
