/*-------------------------------------------------------------------------
 *
 * fuzz_reader.c
 *	  libFuzzer target for the MCAP reading library: the streaming reader
 *	  over memory and over a byte source (which must agree), with and
 *	  without chunk expansion, the summary, indexed iteration and info JSON.
 *
 * See test/fuzz/README.md for how to build and run it.
 *
 *-------------------------------------------------------------------------
 */
#include "../../src/mcap/mcap_internal.h"

#include <stdlib.h>
#include <string.h>

/* Keep decompressed chunks small so the fuzzer does not run out of memory. */
#define FUZZ_MAX_CHUNK_BYTES	((uint64_t) 4 * 1024 * 1024)

/* A byte source over the input that delivers pieces of varying size. */
typedef struct Source
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
	uint32_t	state;
} Source;

static int64_t
source_read(void *ctx, uint8_t *buf, size_t len)
{
	Source	   *s = ctx;
	size_t		n = s->len - s->pos;

	s->state = s->state * 1103515245u + 12345u;
	if (n > len)
		n = len;
	if (n > 1)
		n = 1 + (s->state >> 8) % n;
	if (n > 0)
		memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (int64_t) n;
}

/* What a read produced, to compare memory and source modes. */
typedef struct Outcome
{
	bool		opened;
	int			last;
	uint64_t	records;
	uint32_t	digest;
	McapRecovery recovery;
} Outcome;

static void
read_all(McapReader *reader, Outcome *o)
{
	McapRecord	rec;
	McapError	err;
	uint64_t	pos;
	McapString	k;
	McapString	v;

	while ((o->last = mcap_reader_next(reader, &rec, &err)) == 1)
	{
		o->records++;
		o->digest = mcap_crc32_update(o->digest, &rec.opcode, 1);
		o->digest = mcap_crc32_update(o->digest, &rec.offset, 8);
		o->digest = mcap_crc32_update(o->digest, rec.body.data,
									  (size_t) rec.body.len);
		pos = 0;
		if (rec.opcode == MCAP_OP_CHANNEL)
			while (mcap_string_map_next(rec.u.channel.metadata, &pos, &k, &v,
										&err) == 1)
				o->digest = mcap_crc32_update(o->digest, k.data, k.len);
	}
	o->recovery = *mcap_reader_recovery(reader);
}

static Outcome
read_input(const uint8_t *data, size_t len, const McapReaderOptions *opts,
		   bool from_source)
{
	Outcome		o;
	McapError	err;
	Source		src = {data, len, 0, (uint32_t) len};
	McapReader *reader;

	memset(&o, 0, sizeof(o));
	if (from_source)
		reader = mcap_reader_open_source(source_read, &src, opts, &err);
	else
		reader = mcap_reader_open_memory(data, len, opts, &err);
	if (reader == NULL)
		return o;
	o.opened = true;
	read_all(reader, &o);
	mcap_reader_close(reader);
	return o;
}

/* Memory and source modes must see exactly the same stream. */
static void
check_same(const Outcome *a, const Outcome *b)
{
	if (a->opened != b->opened || a->last != b->last ||
		a->records != b->records || a->digest != b->digest ||
		a->recovery.complete != b->recovery.complete ||
		a->recovery.truncated != b->recovery.truncated ||
		a->recovery.valid_end != b->recovery.valid_end ||
		a->recovery.bytes_dropped != b->recovery.bytes_dropped ||
		a->recovery.problem_count != b->recovery.problem_count)
		abort();
}

static void
iterate_messages(const uint8_t *data, size_t len, const McapSummary *s,
				 const McapReaderOptions *opts)
{
	uint16_t	channels[2] = {1, 2};
	McapMessageIter *it;
	McapMessage m;
	McapError	err;
	uint64_t	last = 0;

	it = mcap_messages_open(data, len, s, NULL, 0, 0, UINT64_MAX, opts, &err);
	while (it != NULL && mcap_messages_next(it, &m, &err) == 1)
		last ^= m.log_time + m.data.len;
	mcap_messages_close(it);
	it = mcap_messages_open(data, len, s, channels, 2, 100, 1000, opts, &err);
	while (it != NULL && mcap_messages_next(it, &m, &err) == 1)
	{
		if (m.log_time < 100 || m.log_time > 1000 ||
			(m.channel_id != 1 && m.channel_id != 2))
			abort();
	}
	mcap_messages_close(it);
	(void) last;
}

static void
summarize(const uint8_t *data, size_t len, const McapReaderOptions *opts)
{
	McapError	err;
	McapSummary *s = mcap_summary_read(data, len, opts, &err);
	uint32_t	crc = 0;

	if (s == NULL)
		return;
	/* touch every view the summary holds: they must all be alive */
	for (size_t i = 0; i < s->channel_count; i++)
	{
		const McapSchema *sc = mcap_summary_schema(s, s->channels[i].schema_id);

		crc = mcap_crc32_update(crc, s->channels[i].topic.data,
								s->channels[i].topic.len);
		crc = mcap_crc32_update(crc, s->channels[i].metadata.data,
								(size_t) s->channels[i].metadata.len);
		if (sc != NULL)
			crc = mcap_crc32_update(crc, sc->data.data, (size_t) sc->data.len);
	}
	for (size_t i = 0; i < s->schema_count; i++)
		crc = mcap_crc32_update(crc, s->schemas[i].name.data,
								s->schemas[i].name.len);
	for (size_t i = 0; i < s->attachment_index_count; i++)
		crc = mcap_crc32_update(crc, s->attachment_indexes[i].name.data,
								s->attachment_indexes[i].name.len);
	for (size_t i = 0; i < s->metadata_index_count; i++)
		crc = mcap_crc32_update(crc, s->metadata_indexes[i].name.data,
								s->metadata_indexes[i].name.len);
	(void) crc;
	iterate_messages(data, len, s, opts);
	mcap_summary_free(s);
}

static void
info(const uint8_t *data, size_t len, const McapReaderOptions *opts)
{
	McapError	err;
	McapBuffer	out;
	McapReader *reader = mcap_reader_open_memory(data, len, opts, &err);

	if (reader == NULL)
		return;
	mcap_buffer_init(&out);
	mcap_info_json(reader, &out, &err);
	for (size_t i = 0; i < out.len; i++)
	{
		/* strings are escaped: no raw control characters in the text */
		if (out.data[i] < 0x20)
			abort();
	}
	mcap_buffer_free(&out);
	mcap_reader_close(reader);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	McapReaderOptions opts;
	Outcome		mem;
	Outcome		src;
	char		text[1024];

	mcap_reader_options_init(&opts);
	opts.max_chunk_bytes = FUZZ_MAX_CHUNK_BYTES;
	mem = read_input(data, len, &opts, false);
	src = read_input(data, len, &opts, true);
	check_same(&mem, &src);
	mcap_recovery_describe(&mem.recovery, text, sizeof(text));

	opts.expand_chunks = false;
	opts.skip_message_indexes = true;
	mem = read_input(data, len, &opts, false);
	src = read_input(data, len, &opts, true);
	check_same(&mem, &src);

	mcap_reader_options_init(&opts);
	opts.max_chunk_bytes = FUZZ_MAX_CHUNK_BYTES;
	summarize(data, len, &opts);
	info(data, len, &opts);
	return 0;
}
